/*
 * faults.h - what the fault programs' two files share (faults.c, the
 * faults; oom.c, out of memory with its own malloc): one failure counter
 * for the process, the check that bumps it, the descriptor count the
 * leftovers checks compare. Each fault runs in a fresh process, so one
 * counter serves every fault.
 */
#ifndef PL_FAULTS_H
#define PL_FAULTS_H

#include <stdio.h>

/* Failed EXPECTs so far in this process. */
extern int fault_failures;

/* A check that reports and counts, and goes on (a fault test wants every broken promise listed). */
#define EXPECT(cond, ...)                                                                  \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                \
            fprintf(stderr, __VA_ARGS__);                                                  \
            fputc('\n', stderr);                                                           \
            fault_failures++;                                                              \
        }                                                                                  \
    } while (0)

/* Open descriptors among 0..1023 (fcntl: no directory stream of its own to discount). */
int fault_count_fds(void);

/* oom.c: out of memory halfway through a map; 77 (skipped) under a sanitizer. */
int fault_out_of_memory(void);

#endif
