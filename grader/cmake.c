/*
 * cmake.c - running CMake for the reference and the submission's builds,
 * and reading what it built and logged (see build_internal.h).
 *
 * Both builds run the same two commands, configure and build; they differ
 * in who runs them. The reference is trusted: it runs as ourselves with a
 * plain time limit. The submission's build runs as the runner user inside
 * the sandbox, because compiling is running untrusted input: a compiler
 * happily #includes any readable file into its error messages (the
 * reference solutions, say), and `#include "/dev/zero"` never ends.
 *
 * Commands are argument vectors. They start with env(1), which sets CC
 * (when the grader was told which compiler) and finds cmake in PATH just
 * as a shell would, without a shell: no word is parsed again, so a path
 * with a quote, a space or a `$` is only a path.
 */
#include "build_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

/* The reference build's time limit: the whole tree, three models, on a loaded 2-core machine. */
#define TRUSTED_BUILD_S 900
/* What a sandboxed build may use: generous next to a test, bounded all the same. */
static const gr_limits compiler_limits = {.wall_s = 300, .procs = 1024, .memory_mb = 4096, .cpu_s = 600,
                                          .file_mb = 512, .open_files = 1024, .output_max = 1 << 20};
/* The largest log or target list we read back (they are ours; a bound keeps a runaway log harmless). */
#define MAX_LOG_BYTES (1 << 24)
#define MAX_TARGET_LIST_BYTES (1 << 22)

void gr_free_list(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i]);
    }
    free(v);
}

/*
 * Ninja when installed: it builds only the targets asked for with less
 * start-up than make, and "-k 0" keeps going past every failure. The
 * choice is part of the cache key (cache.c): the two trees differ.
 */
static const char *generator(void)
{
    return access("/usr/bin/ninja", X_OK) == 0 ? "Ninja" : "Unix Makefiles";
}

/*
 * A model whose test binaries a build needs: a graded one, or (wide) any
 * model a student writes, so that one cached reference build serves every
 * rubric (the grader's own tests grade 2 models, the shipped rubric 3).
 */
static int wanted_model(const gr_run *r, const char *model, int wide)
{
    int student_model = strcmp(model, "openmp") == 0 || strcmp(model, "fork") == 0 || strcmp(model, "mpi") == 0;
    return gr_rubric_graded_model(&r->rubric, model) || (wide && student_model);
}

/* ".../build/tests/CMakeFiles/test_map_fork.dir" -> "tests/test_map_fork", or NULL (not a wanted test). */
static char *target_of_line(gr_run *r, char *line, const char *build_dir, int wide)
{
    size_t len = strlen(line), blen = strlen(build_dir);
    if (len < 5 || strcmp(line + len - 4, ".dir") != 0 || strncmp(line, build_dir, blen) != 0) {
        return NULL;
    }
    line[len - 4] = '\0';
    char *name = strrchr(line, '/');
    if (name == NULL || strncmp(name + 1, "test_", 5) != 0) {
        return NULL;
    }
    name++;
    const char *model = strrchr(name, '_') + 1;
    if (!wanted_model(r, model, wide)) {
        return NULL;
    }
    /* The CMakeFiles dir sits in the directory of the executable. */
    char *cm = strstr(line + blen, "/CMakeFiles/");
    if (cm == NULL) {
        return NULL;
    }
    *cm = '\0';
    const char *reldir = line + blen;
    while (*reldir == '/') {
        reldir++;
    }
    return reldir[0] ? gr_fmt("%s/%s", reldir, name) : gr_xstrdup(name);
}

/*
 * The test executables, from CMake's own list of target directories: no
 * need to know how tests/CMakeLists.txt names or places them, and a new
 * suite is graded without a change here.
 */
char **gr_cmake_targets(gr_run *r, const char *build_dir, size_t *n, int wide)
{
    *n = 0;
    char *path = gr_fmt("%s/CMakeFiles/TargetDirectories.txt", build_dir);
    char *text = gr_read_file(path, MAX_TARGET_LIST_BYTES, NULL);
    free(path);
    if (text == NULL) {
        return NULL;
    }
    char **v = NULL;
    for (char *save = NULL, *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *target = target_of_line(r, line, build_dir, wide);
        if (target) {
            v = gr_xrealloc(v, (*n + 1) * sizeof *v);
            v[(*n)++] = target;
        }
    }
    free(text);
    return v;
}

/*
 * The compiler cache. Most of a submission's build is the trusted tree
 * (common/, runtime/, tasks/, checker/, tests/) compiled with the same
 * flags as in the reference build, file for file; only the lab files
 * differ. So when ccache is installed the reference build fills a cache
 * beside itself (ENTRY/ccache next to ENTRY/build), and a submission's
 * build reads from it and compiles only what is new. On a 2-core machine
 * that halves a submission's build (15 s -> 7 s quiet, for three models).
 *
 * Why a hit cannot change a verdict: the key is a hash of the compiler,
 * its flags, the source and every header it includes, so a hit is the
 * object the trusted build made from identical input. The submission's
 * build only reads (CCACHE_READONLY, and the files are ours), and the
 * cache's directories are 0711: the runner can open an entry whose name
 * it can compute - from a source it already has - but cannot list the
 * cache to find the compiled solutions.
 */
static const char *ccache_tool(void)
{
    static char *tool;
    static int looked;
    if (!looked) {
        tool = gr_which("ccache");
        looked = 1;
    }
    return tool;
}

/* The directory that holds build, or PARENT/name in it (new strings). */
static char *beside(const char *build, const char *name)
{
    const char *slash = strrchr(build, '/');
    int len = slash ? (int)(slash - build) : 1;
    return name ? gr_fmt("%.*s/%s", len, slash ? build : ".", name) : gr_fmt("%.*s", len, slash ? build : ".");
}

/* env(1) words that point a build at the cache; 0 when there is none to use. */
static int ccache_env(const gr_run *r, gr_argv *a, const char *build, int sandboxed)
{
    if (ccache_tool() == NULL || (sandboxed && r->ref_build == NULL)) {
        return 0;
    }
    char *dir = beside(sandboxed ? r->ref_build : build, "ccache");
    int usable = sandboxed ? gr_is_dir(dir) : gr_mkdir_p(dir, 0711) == 0;
    if (usable) {
        char *base = beside(build, NULL);
        gr_argv_addf(a, "CCACHE_DIR=%s", dir);
        /* The two builds live in different directories: paths below each
         * build's parent are hashed as relative ones, and -g's compile
         * directory is left out of the key, so the same file hits. */
        gr_argv_addf(a, "CCACHE_BASEDIR=%s", base);
        gr_argv_add(a, "CCACHE_NOHASHDIR=1");
        gr_argv_add(a, "CCACHE_NOSTATS=1");
        if (sandboxed) {
            gr_argv_add(a, "CCACHE_READONLY=1");
            gr_argv_addf(a, "CCACHE_TEMPDIR=%s/.ccache-tmp", build);
        }
        free(base);
    }
    free(dir);
    return usable;
}

/* After the reference build: entries readable by the runner, directories not listable (see above). */
void gr_cmake_share_cache(const char *build)
{
    char *dir = beside(build, "ccache");
    gr_chmod_r(dir, 0711, 0644, 0644);
    free(dir);
}

/* "env [CC=...] [CCACHE_...] cmake": see the top of the file. 1 when the compiler cache is in use. */
static int cmake_argv(const gr_run *r, gr_argv *a, const char *build, int sandboxed)
{
    gr_argv_add(a, "/usr/bin/env");
    if (r->cc) {
        gr_argv_addf(a, "CC=%s", r->cc);
    }
    int cached = ccache_env(r, a, build, sandboxed);
    gr_argv_add(a, "cmake");
    return cached;
}

/*
 * The grader's own lines in a build log ("stopped after 300 s"), so the
 * excerpt a student sees says why the build ended.
 */
static void append_to_log(const char *log, const char *text)
{
    FILE *f = fopen(log, "a");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/*
 * As a sandboxed job (runner user, limits, bwrap), output appended to log;
 * dir is its one writable directory (HOME and TMPDIR too: compilers write
 * temporary files, and nowhere else may they).
 */
static int run_sandboxed(gr_run *r, char **argv, const char *dir, const char *log)
{
    char *home = gr_fmt("HOME=%s", dir);
    char *tmp = gr_fmt("TMPDIR=%s", dir);
    char *env[] = {"PATH=/usr/local/bin:/usr/bin:/bin", home, tmp, "LANG=C.UTF-8", NULL};
    gr_job job = {.argv = argv, .env = env, .dir = (char *)dir, .out_path = (char *)log, .lim = compiler_limits};
    job.binds[0] = (char *)dir;
    gr_job *one = &job;
    gr_run_jobs(&r->sb, &one, 1, 1, NULL, NULL, NULL);
    int ok = job.exited && !job.timed_out && WIFEXITED(job.status) && WEXITSTATUS(job.status) == 0;
    if (job.timed_out) {
        char *msg = gr_fmt("\nparalab-grade: the build took longer than %.0f s and was stopped\n", job.lim.wall_s);
        append_to_log(log, msg);
        free(msg);
    }
    /* Only the sandbox's own complaints land here (the job wrote to the log). */
    char *out = gr_capture_text(&job.out);
    append_to_log(log, out);
    free(out);
    gr_job_free(&job);
    free(home);
    free(tmp);
    return ok ? 0 : -1;
}

static int run_cmake(gr_run *r, char **argv, const char *build, const char *log, int sandboxed)
{
    if (sandboxed) {
        return run_sandboxed(r, argv, build, log);
    }
    int st = gr_exec(argv, NULL, log, TRUSTED_BUILD_S);
    return (st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0) ? 0 : -1;
}

int gr_cmake_configure(gr_run *r, const char *src, const char *build, const char *impl, const char *log,
                       int sandboxed)
{
    gr_argv a = {0};
    int cached = cmake_argv(r, &a, build, sandboxed);
    gr_argv_add(&a, "-S");
    gr_argv_add(&a, src);
    gr_argv_add(&a, "-B");
    gr_argv_add(&a, build);
    gr_argv_add(&a, "-G");
    gr_argv_add(&a, generator());
    gr_argv_addf(&a, "-DPARALAB_IMPL=%s", impl);
    /* A warning in a student's file is feedback, not a reason to score 0. */
    gr_argv_add(&a, "-DPARALAB_WERROR=OFF");
    if (cached) {
        gr_argv_addf(&a, "-DCMAKE_C_COMPILER_LAUNCHER=%s", ccache_tool());
    }
    if (r->sb.sanitize) {
        gr_argv_addf(&a, "-DPARALAB_SANITIZE=%s", r->sb.sanitize == 2 ? "thread" : "address");
    }
    int rc = run_cmake(r, a.v, build, log, sandboxed);
    gr_argv_free(&a);
    return rc;
}

/*
 * Only the test binaries the run needs, two compilers at a time (the
 * machines are 2-core and shared; more would only queue).
 */
int gr_cmake_build(gr_run *r, const char *build, char **targets, size_t n, const char *log, int sandboxed)
{
    gr_argv a = {0};
    cmake_argv(r, &a, build, sandboxed);
    gr_argv_add(&a, "--build");
    gr_argv_add(&a, build);
    gr_argv_add(&a, "--parallel");
    gr_argv_add(&a, "2");
    gr_argv_add(&a, "--target");
    for (size_t i = 0; i < n; i++) {
        const char *name = strrchr(targets[i], '/');
        gr_argv_add(&a, name ? name + 1 : targets[i]);
    }
    /* Keep going: one broken lab file must not stop the other binaries. */
    gr_argv_add(&a, "--");
    gr_argv_add(&a, "-k");
    if (strcmp(generator(), "Ninja") == 0) {
        gr_argv_add(&a, "0");
    }
    int rc = run_cmake(r, a.v, build, log, sandboxed);
    gr_argv_free(&a);
    return rc;
}

/* CMake's own error is at the end of its output: the tail is what to show. */
char *gr_log_tail(const char *log, int lines)
{
    char *text = gr_read_file(log, MAX_LOG_BYTES, NULL);
    if (text == NULL) {
        return gr_xstrdup("(no build log)");
    }
    size_t len = strlen(text);
    int seen = 0;
    size_t i = len;
    while (i > 0 && seen <= lines) {
        i--;
        seen += text[i] == '\n';
    }
    char *t = gr_xstrdup(text + (i ? i + 1 : 0));
    free(text);
    return t;
}

char *gr_log_errors(const char *log, int max)
{
    char *text = gr_read_file(log, MAX_LOG_BYTES, NULL);
    if (text == NULL) {
        return NULL;
    }
    gr_buf b = {0};
    int n = 0;
    for (char *save = NULL, *l = strtok_r(text, "\n", &save); l && n < max; l = strtok_r(NULL, "\n", &save)) {
        if (strstr(l, "error") || strstr(l, "undefined reference") || strstr(l, "multiple definition") ||
            strncmp(l, "FAILED:", 7) == 0) {
            gr_buf_addf(&b, "  %s\n", l);
            n++;
        }
    }
    free(text);
    return b.s;
}
