/*
 * sandbox_types.h - the sandbox's data: how jobs are contained (gr_sandbox),
 * one job's limits, captured output and outcome (gr_job). Only types, so
 * that each part of the sandbox (sandbox.c sets up, sandbox_jobs.c runs
 * jobs, sandbox_child.c is a job's child) needs these and not each other.
 */
#ifndef GR_SANDBOX_TYPES_H
#define GR_SANDBOX_TYPES_H

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
    const char *nonce;  /* the verdict nonce, readable on fd 4 (a pipe) before exec; NULL: none */
    int keep_root;      /* trusted code that starts its untrusted part as the runner itself (a
                         * checker without bubblewrap, test_job.c): not dropped to the runner */
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

typedef void (*gr_job_cb)(gr_job *job, void *ctx);

#endif
