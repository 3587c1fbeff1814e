/*
 * search_cache.c - a small direct-mapped cache of public search results,
 * keyed by the normalized request and checked against the search version.
 */
#include "search_cache.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../server/common.h"

#define SLOTS 512
#define MAX_BODY (256u * 1024u)        /* a page of 100 listings fits */
#define MAX_BYTES (8u * 1024u * 1024u) /* every body together */

struct entry {
	char *key;  /* owned; NULL when the slot is empty */
	char *body; /* owned */
	size_t len;
	char version[24];
};

static struct entry slots[SLOTS];
static size_t bytes;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* FNV-1a over the key. */
static size_t slot_of(const char *key)
{
	uint64_t h = 1469598103934665603ull;
	for (const unsigned char *p = (const unsigned char *)key; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	return (size_t)(h % SLOTS);
}

/* Empties e; the caller holds the lock. */
static void entry_drop(struct entry *e)
{
	if (e->key == NULL)
		return;
	bytes -= e->len;
	free(e->key);
	free(e->body);
	memset(e, 0, sizeof *e);
}

char *search_cache_get(const char *key, const char *version, size_t *len)
{
	char *copy = NULL;
	pthread_mutex_lock(&lock);
	struct entry *e = &slots[slot_of(key)];
	if (e->key != NULL && strcmp(e->key, key) == 0) {
		if (strcmp(e->version, version) == 0) {
			copy = xmalloc(e->len + 1);
			memcpy(copy, e->body, e->len + 1);
			*len = e->len;
		} else {
			entry_drop(e); /* read at an older version: never good again */
		}
	}
	pthread_mutex_unlock(&lock);
	return copy;
}

void search_cache_put(const char *key, const char *version, const char *body, size_t len)
{
	if (len > MAX_BODY || strlen(version) >= sizeof slots[0].version)
		return;
	char *k = xstrdup(key), *b = xmalloc(len + 1);
	memcpy(b, body, len);
	b[len] = '\0';
	pthread_mutex_lock(&lock);
	struct entry *e = &slots[slot_of(key)];
	entry_drop(e);
	if (bytes + len <= MAX_BYTES) {
		e->key = k;
		e->body = b;
		e->len = len;
		strcpy(e->version, version);
		bytes += len;
		k = b = NULL;
	}
	pthread_mutex_unlock(&lock);
	free(k);
	free(b);
}

void search_cache_clear(void)
{
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < SLOTS; i++)
		entry_drop(&slots[i]);
	pthread_mutex_unlock(&lock);
}
