/*
 * cache.h - the reference build, reused across grader runs while the
 * trusted tree has not changed.
 *
 * Building the reference solutions costs 15-90 s, and it is the same build
 * every time an instructor grades another submission: same sources, same
 * compiler, same options. So it is kept in a cache directory under a key
 * that hashes everything the build depends on:
 *   - every file of the trusted tree the build copies (path, exec bit,
 *     content), in a fixed order;
 *   - the build options (sanitizer, generator; it holds the binaries of
 *     every student model, so one entry serves every rubric);
 *   - the tools (cmake, cc, mpicc, mpiexec) and this grader binary, by
 *     path, size and modification time: an upgrade rebuilds.
 * Any change gives another key, so another entry: a stale build is never
 * used. Entries: CACHE/ref-<key>/{src,build,lists,complete}.
 *
 * Safe under concurrent graders (flock on CACHE/ref-<key>.lock): a grader
 * uses an entry under a shared lock, held until it exits; the one that
 * builds holds it exclusively, so the others wait and then reuse its work;
 * an entry without its `complete` stamp (a builder that died) is rebuilt.
 * Only unused entries are pruned (an exclusive lock that does not wait),
 * beyond the 8 most recently used.
 *
 * Where: --cache DIR, else $PARALAB_GRADE_CACHE, else /var/cache/paralab-grade
 * as root, else ${XDG_CACHE_HOME:-~/.cache}/paralab-grade. "off" (or
 * --no-cache) disables it. A cache the runner user cannot reach is not
 * used (said in a note).
 */
#ifndef GR_CACHE_H
#define GR_CACHE_H

#include "grade.h"

/*
 * The reference build (trusted; as ourselves): --reference-build if given,
 * else from the cache while the trusted tree is unchanged, else built into
 * work/ref (gr_build_reference_in). 0 or -1 (r->build_error set).
 */
int gr_build_reference(gr_run *r);

/*
 * Set r->ref_build from the cache, building the entry first if needed.
 * 0: done; -1: the reference build failed (r->build_error set); 1: no
 * cache here (disabled or unusable, a note says why): build it yourself.
 */
int gr_cache_reference(gr_run *r);

/* The key of the trusted tree at dir (32 hex digits + NUL into out), for tests. */
void gr_cache_tree_key(const char *dir, char out[33]);

/*
 * The saved `--list` output of a reference binary (relpath "tests/test_map_fork")
 * when the reference build comes from the cache, else NULL; and saving it.
 */
char *gr_cache_list_get(const gr_run *r, const char *relpath);
void gr_cache_list_put(const gr_run *r, const char *relpath, const char *text);

#endif
