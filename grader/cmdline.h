/*
 * cmdline.h - a command line read against a table of options, one row per
 * option (paralab-grade's table is in main.c).
 *
 * A row stores its value in a field of the caller's options struct, sets a
 * flag there, or hands the value to a function that checks it. Adding an
 * option is adding a row (and a field, and a line of --help), never
 * another branch in a parsing loop.
 */
#ifndef GR_CMDLINE_H
#define GR_CMDLINE_H

#include <stddef.h>

typedef struct gr_opt {
    const char *name; /* "--out", "-h" */
    int takes_value;  /* the next word is its value */
    size_t field;     /* without parse: offsetof a const char * (gets the value) or an int (set to 1) */
    int (*parse)(void *opts, const char *value); /* else: 0, or -1 after saying why on stderr */
} gr_opt;

/* Rows for the usual cases (S: the options struct's type). */
#define GR_OPT_STRING(name, S, f) {name, 1, offsetof(S, f), NULL}
#define GR_OPT_FLAG(name, S, f) {name, 0, offsetof(S, f), NULL}

/*
 * Read argv[1..] into opts. A word that is no option goes to positional
 * (which may refuse it). 0, or -1 after one line on stderr saying what is
 * wrong ("--out needs a value", or what a parse function said).
 */
int gr_parse_options(int argc, char **argv, const gr_opt *table, size_t n, void *opts,
                     int (*positional)(void *opts, const char *word));

#endif
