/*
 * cmdline.c - reading a command line against a table (see cmdline.h).
 *
 * Every mistake is one line on stderr and -1, never an exit here: the
 * caller still has to leave a results.json saying the command line was
 * wrong (a platform shows a missing one as "the autograder failed").
 * Only an option's own parse function may end the program, for the
 * options that are not a grading run (--help, --strip-solution).
 */
#include "cmdline.h"

#include <stdio.h>
#include <string.h>

static const gr_opt *find_opt(const gr_opt *table, size_t n, const char *word)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(word, table[i].name) == 0) {
            return &table[i];
        }
    }
    return NULL;
}

/* memcpy into the field, not a cast pointer store: the table only knows offsets. */
static int apply_opt(const gr_opt *op, void *opts, const char *value)
{
    if (op->parse) {
        return op->parse(opts, value);
    }
    char *field = (char *)opts + op->field;
    if (op->takes_value) {
        memcpy(field, &value, sizeof value); /* the field is a const char * */
    } else {
        int one = 1;
        memcpy(field, &one, sizeof one); /* the field is an int */
    }
    return 0;
}

int gr_parse_options(int argc, char **argv, const gr_opt *table, size_t n, void *opts,
                     int (*positional)(void *opts, const char *word))
{
    for (int i = 1; i < argc; i++) {
        const gr_opt *op = find_opt(table, n, argv[i]);
        if (op == NULL) {
            if (positional(opts, argv[i]) != 0) {
                return -1;
            }
            continue;
        }
        /* The next word is the value even when it starts with '-' ("--tests -x"
         * is a pattern): an option that takes a value always takes one. */
        const char *value = NULL;
        if (op->takes_value) {
            if (i + 1 >= argc) {
                fprintf(stderr, "paralab-grade: %s needs a value\n", op->name);
                return -1;
            }
            value = argv[++i];
        }
        if (apply_opt(op, opts, value) != 0) {
            return -1;
        }
    }
    return 0;
}
