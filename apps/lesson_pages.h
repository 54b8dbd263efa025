/*
 * lesson_pages.h - the pages the lesson's URL example downloads, served
 * offline by the loopback server (tests/fixture/pl_httpd.c).
 *
 * The lesson fetches real sites (python.org, ...) and calls resp.json() on
 * each: those sites answer HTML, so the lesson's example fails there. The
 * local server has both kinds, plus the two cases every download meets
 * sooner or later: a slow page and a missing one. `./paralab serve` lists
 * them, `demo urls` downloads them when given no URL, and the Python
 * companion (apps/demo_urls.py) keeps the same list (one list per language:
 * Python cannot include a C header).
 */
#ifndef PL_LESSON_PAGES_H
#define PL_LESSON_PAGES_H

typedef struct lesson_page {
    const char *path;
    const char *what;
} lesson_page;

static const lesson_page lesson_pages[] = {
    {"/html/python.org", "an HTML page, as the lesson's sites are (resp.json() fails on it)"},
    {"/json/precios", "a JSON page (resp.json() works)"},
    {"/slow/1000/2048", "2048 bytes after 1 s: slow, but within the 5 s timeout"},
    {"/status/404", "a missing page (HTTP 404)"},
};
#define N_LESSON_PAGES (sizeof lesson_pages / sizeof lesson_pages[0])

#endif
