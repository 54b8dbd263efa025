/*
 * sandbox_jobs.c - the parent's side of sandboxed jobs (see sandbox_jobs.h):
 * start them, read their output, enforce the wall clock and the output cap,
 * reap them, and leave nothing behind.
 *
 * One thread watches every running job with one poll loop. A job is not
 * finished when its top process exits: a descendant it left may still hold
 * the output pipe, and the job's cgroup may still hold processes. It is
 * finished when the pipe is closed (or we gave up waiting and killed the
 * holder) and everything it started is dead; only then is done() called,
 * so a caller never sees half a job.
 */
#include "sandbox_jobs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "proc_tree.h"
#include "sandbox_child.h"
#include "util.h"

/*
 * How long the loop sleeps in poll() when no job prints: the resolution of
 * the wall-clock limit and of reaping. 20 ms is noise against limits of
 * seconds, and rare enough that the watching costs nothing next to the
 * tests it watches (which are timed on the same CPUs).
 */
#define TICK_MS 20
/*
 * After a job's top process has exited, how long a descendant may keep the
 * output pipe open before it is killed. Long enough for output already on
 * its way (a last write of a child exiting at the same moment); short
 * enough that a test which leaves a sleeping child behind does not cost
 * every run of it much: 0.3 s.
 */
#define LINGER_S 0.3
/*
 * gr_sandbox_sweep: how long to wait for leftover processes to die (a
 * killed bwrap takes a moment to tear its namespace down), and how often
 * to look. 5 s is generous: everything was SIGKILLed already.
 */
#define SWEEP_WAIT_S 5.0
#define SWEEP_PAUSE_NS (20 * 1000 * 1000)
/* Tries of removing the run's cgroup at the end, 20 ms apart (2 s in all). */
#define CGROUP_TRIES 100
/* One read of a job's output: big enough that a flood is read in few system calls. */
#define DRAIN_CHUNK 65536

/* A place for one running job in the loop of gr_run_jobs. */
typedef struct slot {
    gr_job *job;      /* NULL: free */
    double exited_at; /* when we saw its top process exit; 0: not yet */
} slot;

/* ---------------------------------------------------------------- output */

static void capture_add(gr_capture *c, const char *p, size_t n)
{
    c->total += (long long)n;
    size_t h = GR_CAP_HEAD - c->head_len;
    if (h > n) {
        h = n;
    }
    memcpy(c->head + c->head_len, p, h);
    c->head_len += h;
    p += h;
    n -= h;
    /* Only the last GR_CAP_TAIL bytes of what is left can end up in the tail. */
    if (n > GR_CAP_TAIL) {
        p += n - GR_CAP_TAIL;
        n = GR_CAP_TAIL;
    }
    for (size_t i = 0; i < n; i++) {
        c->tail[c->tail_pos % GR_CAP_TAIL] = p[i];
        c->tail_pos++;
    }
}

char *gr_capture_text(const gr_capture *c)
{
    gr_buf b = {0};
    gr_buf_add(&b, "");
    gr_buf_addn(&b, c->head, c->head_len);
    size_t tail_len = c->tail_pos < GR_CAP_TAIL ? c->tail_pos : GR_CAP_TAIL;
    long long skipped = c->total - (long long)c->head_len - (long long)tail_len;
    if (skipped > 0) {
        gr_buf_addf(&b, "\n[... %lld bytes of output skipped ...]\n", skipped);
    }
    size_t start = c->tail_pos < GR_CAP_TAIL ? 0 : c->tail_pos % GR_CAP_TAIL;
    for (size_t i = 0; i < tail_len; i++) {
        gr_buf_addn(&b, &c->tail[(start + i) % GR_CAP_TAIL], 1);
    }
    /* NUL bytes would cut the text short in C strings: show them as '?'. */
    for (size_t i = 0; i < b.len; i++) {
        if (b.s[i] == '\0') {
            b.s[i] = '?';
        }
    }
    return b.s;
}

/*
 * Read what the job printed so far (the pipe is non-blocking). A job over
 * its output cap is killed at once: a flood must not fill the disk or the
 * grader's time, and what it printed first is kept for the report.
 */
static void drain(gr_job *job)
{
    char buf[DRAIN_CHUNK];
    for (;;) {
        ssize_t r = read(job->out_fd, buf, sizeof buf);
        if (r > 0) {
            capture_add(&job->out, buf, (size_t)r);
            if (job->out.total > job->lim.output_max && !job->flooded && !job->exited) {
                job->flooded = 1;
                gr_kill_tree(job->pid, job->pid);
            }
            continue;
        }
        if (r == 0 || (errno != EINTR)) {
            if (r == 0) {
                close(job->out_fd);
                job->out_fd = -1;
            }
            return;
        }
    }
}

/* ---------------------------------------------------------------- start */

/* A job that never ran: the sandbox could not start it (errno in start_error). */
static void start_failed(gr_job *job)
{
    job->start_error = errno;
    job->exited = 1;
    job->end = job->start;
}

static void start_job(gr_sandbox *sb, gr_job *job)
{
    int p[2];
    job->out_fd = -1;
    job->start = gr_now();
    if (pipe(p) != 0) {
        start_failed(job);
        return;
    }
    fcntl(p[0], F_SETFD, FD_CLOEXEC);
    if (sb->cg_root) {
        job->cg = gr_cgroup_new_job(sb->cg_root);
    }
    /* Output buffered in stdio would be written twice: by us and by the child. */
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        start_failed(job);
        close(p[0]);
        close(p[1]);
        return;
    }
    if (pid == 0) {
        close(p[0]);
        gr_sandbox_child_exec(sb, job, p[1]);
    }
    close(p[1]);
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    job->pid = pid;
    job->out_fd = p[0];
}

/* ---------------------------------------------------------------- leftovers */

/*
 * Files the runner user left in the world-writable places during this run
 * (without bwrap a job can write there): "no files outside the work dir"
 * is part of leaving the machine clean. Only entries changed since we
 * started, so a grader running next to us keeps its own.
 */
static void sweep_runner_files(const gr_sandbox *sb)
{
    static const char *const shared[] = {"/tmp", "/var/tmp", "/dev/shm", NULL};
    if (!sb->drop) {
        return; /* without a runner user we cannot tell its files from anyone's */
    }
    for (size_t i = 0; shared[i]; i++) {
        DIR *d = opendir(shared[i]);
        if (d == NULL) {
            continue;
        }
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
                continue;
            }
            char *p = gr_fmt("%s/%s", shared[i], e->d_name);
            struct stat st;
            if (lstat(p, &st) == 0 && st.st_uid == sb->uid && st.st_ctime >= sb->started) {
                gr_rm_rf(p);
            }
            free(p);
        }
        closedir(d);
    }
}

/* Is pid the top process of one of the running jobs? */
static int is_tracked(const slot *slots, size_t n_slots, pid_t pid)
{
    for (size_t j = 0; j < n_slots; j++) {
        if (slots[j].job && slots[j].job->pid == pid) {
            return 1;
        }
    }
    return 0;
}

/* Children re-parented to us that no running job accounts for. */
static void kill_strays(const slot *slots, size_t n_slots)
{
    gr_proc *all;
    size_t n = gr_proc_scan(&all);
    pid_t me = getpid();
    for (size_t i = 0; i < n; i++) {
        if (all[i].ppid != me || all[i].state == 'Z' || is_tracked(slots, n_slots, all[i].pid)) {
            continue;
        }
        gr_kill_tree(all[i].pid, 0);
        kill(all[i].pid, SIGKILL);
        /* Reap only this one: a blanket waitpid(-1) would steal the exit
         * status of a job that is still being tracked. */
        waitpid(all[i].pid, NULL, 0);
    }
    free(all);
}

void gr_sandbox_sweep(gr_sandbox *sb)
{
    /* No job is tracked any more, so reaping everything is safe here. A
     * killed bwrap takes a moment to tear its namespace down: wait for it.
     * Only our own descendants are touched: another grader may be using the
     * same runner user at the same time (a kill(-1) as that user would end
     * its tests too). */
    struct timespec pause = {0, SWEEP_PAUSE_NS};
    double until = gr_now() + SWEEP_WAIT_S;
    do {
        kill_strays(NULL, 0);
        while (waitpid(-1, NULL, WNOHANG) > 0) {
        }
        if (gr_count_descendants() == 0) {
            break;
        }
        nanosleep(&pause, NULL);
    } while (gr_now() < until);
    sweep_runner_files(sb);
    if (sb->cg_root) {
        /* A job cgroup whose processes took long to die was left behind by
         * gr_run_jobs; by now they are gone. */
        for (int tries = 0; tries < CGROUP_TRIES && gr_cgroup_remove(sb->cg_root) != 0 && errno == EBUSY;
             tries++) {
            nanosleep(&pause, NULL);
        }
    }
}

/* ---------------------------------------------------------------- the loop */

typedef struct pool {
    gr_sandbox *sb;
    slot *slots;
    size_t n_slots;         /* at most this many jobs at once */
    struct pollfd *pfd;     /* one per slot */
    size_t *pfd_slot;       /* the slot each pfd entry reads */
    size_t running;
    gr_job_cb started, done;
    void *ctx;
} pool;

static int pool_alloc(pool *p, size_t n)
{
    p->slots = calloc(n, sizeof *p->slots);
    p->pfd = calloc(n, sizeof *p->pfd);
    p->pfd_slot = calloc(n, sizeof *p->pfd_slot);
    p->n_slots = n;
    if (p->slots && p->pfd && p->pfd_slot) {
        return 0;
    }
    free(p->slots);
    free(p->pfd);
    free(p->pfd_slot);
    return -1;
}

/* Start jobs in the free slots; a job that started() skips is done at once. */
static void fill_slots(pool *p, gr_job **jobs, size_t n, size_t *next)
{
    for (size_t s = 0; s < p->n_slots && *next < n; s++) {
        while (p->slots[s].job == NULL && *next < n) {
            gr_job *job = jobs[(*next)++];
            if (p->started) {
                p->started(job, p->ctx); /* may adjust the limits, or skip the job */
            }
            if (job->skipped) {
                job->start = job->end = gr_now();
                if (p->done) {
                    p->done(job, p->ctx);
                }
                continue;
            }
            start_job(p->sb, job);
            p->slots[s] = (slot){.job = job, .exited_at = 0};
            p->running++;
        }
    }
}

/* Wait up to a tick for output from any job, and read it. */
static void watch_output(pool *p)
{
    nfds_t np = 0;
    for (size_t s = 0; s < p->n_slots; s++) {
        gr_job *job = p->slots[s].job;
        if (job && job->out_fd >= 0) {
            p->pfd[np] = (struct pollfd){.fd = job->out_fd, .events = POLLIN};
            p->pfd_slot[np++] = s;
        }
    }
    poll(p->pfd, np, TICK_MS);
    for (nfds_t i = 0; i < np; i++) {
        if (p->pfd[i].revents) {
            drain(p->slots[p->pfd_slot[i]].job);
        }
    }
}

/* Reap everything that ended: our jobs, and orphans re-parented to us. */
static void reap(pool *p)
{
    int st;
    struct rusage ru;
    pid_t w;
    while ((w = wait4(-1, &st, WNOHANG, &ru)) > 0) {
        for (size_t s = 0; s < p->n_slots; s++) {
            gr_job *job = p->slots[s].job;
            if (job && job->pid == w && !job->exited) {
                job->exited = 1;
                job->status = st;
                job->end = gr_now();
                job->maxrss_kb = ru.ru_maxrss;
            }
        }
    }
}

/* Slot s's job is over: kill whatever it left, account its memory, hand it to done(). */
static void finish_job(pool *p, size_t s)
{
    gr_job *job = p->slots[s].job;
    if (job->out_fd >= 0) {
        /* Someone still holds the pipe after LINGER_S: kill them, keep what they wrote. */
        gr_kill_tree(job->pid, job->pid);
        drain(job);
        if (job->out_fd >= 0) {
            close(job->out_fd);
            job->out_fd = -1;
        }
    }
    if (job->pid > 0) {
        kill(-job->pid, SIGKILL);
    }
    if (job->cg) {
        long kb = gr_cgroup_end_job(job->cg);
        job->maxrss_kb = kb > job->maxrss_kb ? kb : job->maxrss_kb;
        free(job->cg);
        job->cg = NULL;
    }
    p->slots[s].job = NULL;
    p->running--;
    kill_strays(p->slots, p->n_slots);
    if (p->done) {
        p->done(job, p->ctx);
    }
}

/* The wall clock of slot s's job, and whether it is finished. */
static void check_job(pool *p, size_t s, double now)
{
    gr_job *job = p->slots[s].job;
    if (!job->exited && !job->timed_out && now - job->start > job->lim.wall_s) {
        job->timed_out = 1;
        /* Say what was stuck before killing it: afterwards there is nothing to see. */
        job->stuck = gr_describe_tree(job->pid, &job->stuck_procs);
        gr_kill_tree(job->pid, job->pid);
    }
    if (job->exited && p->slots[s].exited_at == 0) {
        p->slots[s].exited_at = now;
    }
    /* After the top process ends, a leftover descendant may hold the
     * output pipe open for ever: give it a moment, then kill it. */
    if (job->exited && (job->out_fd < 0 || now - p->slots[s].exited_at > LINGER_S)) {
        finish_job(p, s);
    }
}

void gr_run_jobs(gr_sandbox *sb, gr_job **jobs, size_t n, int parallel, gr_job_cb started,
                 gr_job_cb done, void *ctx)
{
    pool p = {.sb = sb, .started = started, .done = done, .ctx = ctx};
    /* Never more slots than jobs: each slot is polled and scanned every tick. */
    size_t want = parallel < 1 ? 1 : (size_t)parallel;
    want = want > n && n > 0 ? n : want;
    slot one_slot;
    struct pollfd one_pfd;
    size_t one_index;
    int owned = pool_alloc(&p, want) == 0;
    if (!owned) {
        /* No memory for the bookkeeping: run the jobs one at a time rather
         * than not at all (every job must still end with a status). */
        p = (pool){.sb = sb, .started = started, .done = done, .ctx = ctx, .slots = &one_slot,
                   .n_slots = 1, .pfd = &one_pfd, .pfd_slot = &one_index};
        one_slot = (slot){0};
    }
    size_t next = 0;
    while (next < n || p.running > 0) {
        fill_slots(&p, jobs, n, &next);
        watch_output(&p);
        reap(&p);
        double now = gr_now();
        for (size_t s = 0; s < p.n_slots; s++) {
            if (p.slots[s].job) {
                check_job(&p, s, now);
            }
        }
    }
    if (owned) {
        free(p.slots);
        free(p.pfd);
        free(p.pfd_slot);
    }
}

void gr_job_free(gr_job *job)
{
    if (job == NULL) {
        return;
    }
    free(job->stuck);
    job->stuck = NULL;
}
