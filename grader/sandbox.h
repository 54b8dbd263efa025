/*
 * sandbox.h - run untrusted code (a submission's build, or one test case)
 * as a contained process tree, and find out how it ended.
 *
 * Layers, each kept when the machine allows it (what is active is reported
 * by gr_sandbox_describe):
 *   - its own session and process group, killed as a whole at the wall-clock
 *     limit, and every descendant found in /proc killed too (the grader is a
 *     child subreaper, so processes that setsid() away still come back to it);
 *   - resource limits: processes/threads, address space, CPU, file size,
 *     open files, no core files;
 *   - as root: a dedicated unprivileged user (it cannot signal the grader,
 *     write its results or read the reference sources; and RLIMIT_NPROC,
 *     which root ignores, applies to it); as root with cgroup v1, a memory
 *     cgroup per job, which also lists every process to kill;
 *   - bubblewrap when it works here: read-only view of the file system, a
 *     private /tmp, only the job's own directory writable, private PID
 *     namespace (dies with the job), and no network but loopback.
 */
#ifndef GR_SANDBOX_H
#define GR_SANDBOX_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#define GR_MAX_BINDS 8

typedef struct gr_sandbox {
    int as_root;        /* the grader runs as root */
    int drop;           /* jobs run as the runner user */
    uid_t uid;          /* runner user (or ourselves) */
    gid_t gid;
    char *user;         /* its name */
    int use_bwrap;
    char *bwrap;        /* path of bwrap when use_bwrap */
    char *hide[GR_MAX_BINDS]; /* directories masked by an empty tmpfs in bwrap */
    char *show[GR_MAX_BINDS]; /* directories (re-)exposed read-only after the masks */
    int sanitize;       /* sanitizer build: no RLIMIT_AS (ASan reserves terabytes) */
    char *cg_root;      /* our memory cgroup (v1) when root: measures each job's peak */
    int lock_fd;        /* holds our claim on the runner user (see gr_sandbox_init) */
    time_t started;     /* files the runner made after this are ours to sweep */
    long nproc_base;    /* tasks our uid already has when not dropping (RLIMIT_NPROC counts them) */
    char notes[1024];   /* what could not be enabled and why */
} gr_sandbox;

typedef struct gr_limits {
    double wall_s;
    int procs;
    int memory_mb;      /* 0: unlimited */
    int cpu_s;
    int file_mb;
    int open_files;
    long output_max;    /* bytes of output after which the job is killed */
} gr_limits;

/* Output kept from a job: the first and last bytes, and how much there was. */
#define GR_CAP_HEAD (24 * 1024)
#define GR_CAP_TAIL (24 * 1024)

typedef struct gr_capture {
    char head[GR_CAP_HEAD];
    size_t head_len;
    char tail[GR_CAP_TAIL]; /* ring buffer */
    size_t tail_pos;
    long long total;
} gr_capture;

typedef struct gr_job {
    /* filled by the caller */
    char **argv;        /* NULL-terminated; argv[0] is a path */
    char **env;         /* NULL-terminated NAME=VALUE list (the whole environment) */
    char *dir;          /* the job's own writable directory: cwd, HOME, TMPDIR */
    char *binds[GR_MAX_BINDS]; /* further directories the job may write (bwrap) */
    char *verdict_path; /* opened write-only as fd 3 before exec; NULL: none */
    char *out_path;     /* NULL: stdout+stderr captured in out; else appended to this file
                         * (a build log), opened as the runner user, so no output cap */
    gr_limits lim;
    void *user;         /* caller's context */
    int skipped;        /* set by the started callback: do not run it (done is still called) */
    /* results */
    pid_t pid;
    double start, end;
    int status;         /* from wait4 */
    int exited;
    int timed_out;      /* killed at lim.wall_s */
    int flooded;        /* killed for printing more than lim.output_max */
    long maxrss_kb;     /* peak memory: the job's cgroup, else wait4's largest RSS */
    char *cg;           /* the job's memory cgroup, if any */
    char *stuck;        /* at a timeout: what each process/thread was doing */
    int stuck_procs;    /* ... and how many processes the job had then */
    gr_capture out;     /* stdout + stderr, interleaved */
    int out_fd;
    int start_error;    /* the sandbox itself could not start it (errno) */
} gr_job;

/*
 * Decide how jobs will be contained. want_user: the runner user's name,
 * created (as a system user) when missing and we are root; when another
 * grader holds it, want_user-1 ... -7 (each grader gets its own process
 * budget and never signals another's jobs). no_bwrap: do not
 * use bubblewrap even if it works. Never fails: what is missing is written
 * to sb->notes.
 */
void gr_sandbox_init(gr_sandbox *sb, const char *want_user, int no_bwrap, int sanitize);

/* One line per layer, for the report. */
void gr_sandbox_describe(const gr_sandbox *sb, char *out, size_t len);

/* Mask a directory (e.g. the instructor's sources) from jobs run in bwrap. */
void gr_sandbox_hide(gr_sandbox *sb, const char *dir);
/* Show a directory read-only to jobs in bwrap, even inside a masked one or /tmp. */
void gr_sandbox_show(gr_sandbox *sb, const char *dir);
/*
 * 1 when jobs can reach dir: they run as the grader's own user, or every
 * directory on the way (dir included) lets the runner user through. A tree
 * cloned under a private directory (/root, mktemp -d) is out of its reach.
 */
int gr_sandbox_reaches(const gr_sandbox *sb, const char *dir);

typedef void (*gr_job_cb)(gr_job *job, void *ctx);

/*
 * Run the jobs, at most `parallel` at a time. started(job) is called just
 * before each starts (it may change job->lim, or set job->skipped) and
 * done(job) as each finishes (either may be NULL). Returns when
 * all have finished; never leaves a process behind.
 */
void gr_run_jobs(gr_sandbox *sb, gr_job **jobs, size_t n, int parallel, gr_job_cb started,
                 gr_job_cb done, void *ctx);

/* The captured output as one string: head, a "[... N bytes skipped ...]" mark, tail. */
char *gr_capture_text(const gr_capture *c);

/* Kill every process left over by jobs (strays re-parented to us, runner user's processes). */
void gr_sandbox_sweep(gr_sandbox *sb);

void gr_job_free(gr_job *job);

#endif
