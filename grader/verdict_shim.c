/*
 * verdict_shim.c - paralab-verdict-shim FILE FD PROGRAM [ARGS...]
 *
 * Open FILE for appending as descriptor FD, then exec PROGRAM. Why: the
 * grader hands each test binary a private verdict descriptor (--verdict-fd),
 * but mpiexec closes every inherited descriptor above 2 before it starts the
 * ranks. So under MPI the grader runs `mpiexec ... shim FILE 3 test ...` and
 * each rank re-opens the channel itself. Trusted code; never linked with a
 * submission.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s FILE FD PROGRAM [ARGS...]\n", argv[0]);
        return 2;
    }
    char *end;
    long want = strtol(argv[2], &end, 10);
    if (*end != '\0' || want < 3 || want > 1000) {
        fprintf(stderr, "%s: bad descriptor '%s'\n", argv[0], argv[2]);
        return 2;
    }
    int fd = open(argv[1], O_WRONLY | O_APPEND);
    if (fd < 0) {
        fprintf(stderr, "%s: %s: %s\n", argv[0], argv[1], strerror(errno));
        return 2;
    }
    if (fd != (int)want) {
        if (dup2(fd, (int)want) < 0) {
            fprintf(stderr, "%s: dup2: %s\n", argv[0], strerror(errno));
            return 2;
        }
        close(fd);
    }
    execv(argv[3], argv + 3);
    fprintf(stderr, "%s: cannot run %s: %s\n", argv[0], argv[3], strerror(errno));
    return 127;
}
