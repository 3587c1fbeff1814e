/*
 * search_cache.h - public search results kept in memory, each with the search
 * version it was read at (search_versions, migration 0020). The database bumps
 * the version in the transaction of every change a search could show, so an
 * entry is served only while the version a request reads is the one stored
 * with it. Shared by the workers (a mutex), bounded in entries and bytes;
 * losing it costs only time.
 */
#ifndef TECHEX_SEARCH_CACHE_H
#define TECHEX_SEARCH_CACHE_H

#include <stddef.h>

/* The body stored under key at version, as a copy the caller frees (its length
 * in *len); NULL when there is none or it was read at another version. */
char *search_cache_get(const char *key, const char *version, size_t *len);

/* Stores a copy of body under key at version, replacing what the slot held;
 * a body too large for the cache is not stored. */
void search_cache_put(const char *key, const char *version, const char *body, size_t len);

/* Frees every entry (at shutdown, and between tests). */
void search_cache_clear(void);

#endif
