/*
 * fetch_util.h - what the fetch suites share: one fixture server per suite,
 * URLs on it, and scratch directories whose contents can be checked
 * ("one file per URL, nothing else left behind").
 */
#ifndef PL_FETCH_UTIL_H
#define PL_FETCH_UTIL_H

#include <stddef.h>

#include "harness.h"
#include "pl_httpd.h"

/* The suites, listed by suites_fetch.c. */
extern const pl_test_suite fetch_api_suite;
extern const pl_test_suite fetch_task_suite;
extern const pl_test_suite fixture_suite;

/* The server of the running suite (NULL when the suite init failed). */
extern pl_httpd *fu_server;

/* Suite init/cleanup: start and stop fu_server. 0 on success (CUnit convention). */
int fu_suite_init(void);
int fu_suite_cleanup(void);

/* fu_server's base URL + path, in a static buffer of the given slot (0..7). */
const char *fu_url(int slot, const char *path);

/* A fresh empty directory <tmpdir>/<name>; its path, in a static buffer of the slot (0..7). */
const char *fu_fresh_dir(int slot, const char *name);

/* dir/name into buf; returns buf. */
char *fu_join(char *buf, size_t cap, const char *dir, const char *name);

/* 1 when path exists. */
int fu_exists(const char *path);

/* 1 when haystack contains needle (NULLs: 0); prints both on stderr when not. */
int fu_contains(const char *haystack, const char *needle);

/* Write text into path (replacing it); 0 on success. */
int fu_write_text(const char *path, const char *text);

/* 1 when the file at path holds exactly text. */
int fu_file_is(const char *path, const char *text);

#endif
