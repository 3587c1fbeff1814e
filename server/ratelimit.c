/*
 * ratelimit.c - token buckets per organization and kind, in an open-addressing
 * table behind one mutex (a take is a few dozen instructions; the lock is never
 * held across anything slow).
 *
 * The table is bounded: when it is half full, buckets that have refilled
 * completely are dropped (a full bucket is the same as no bucket). If every
 * bucket is still draining, the new organization is let through and a warning
 * logged, rather than refusing someone who has done nothing.
 */
#include "ratelimit.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "common.h"
#include "log.h"
#include "problem.h"

#define SLOTS 8192 /* a power of two */

struct bucket {
	char org[37];
	unsigned char kind;
	bool used;
	double tokens;
	int64_t at_ns; /* when tokens was last brought up to date */
};

static struct {
	pthread_mutex_t lock;
	double capacity[RATE_KINDS];
	double per_ns[RATE_KINDS]; /* tokens regained per nanosecond */
	struct bucket slot[SLOTS];
	int used;
} rl = {.lock = PTHREAD_MUTEX_INITIALIZER};

static const char *const kind_noun[RATE_KINDS] = {"listings", "bids"};
static int window_of[RATE_KINDS];

void rate_configure(enum rate_kind kind, int per_window, int window_seconds)
{
	rl.capacity[kind] = per_window;
	rl.per_ns[kind] = per_window > 0 ? (double)per_window / (window_seconds * 1e9) : 0;
	window_of[kind] = window_seconds;
}

static uint32_t slot_of(const char *org, enum rate_kind kind)
{
	uint32_t h = 2166136261u ^ (uint32_t)kind;
	for (const char *p = org; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	return h & (SLOTS - 1);
}

static void refill(struct bucket *b, int64_t now_ns)
{
	if (now_ns > b->at_ns) {
		b->tokens += (double)(now_ns - b->at_ns) * rl.per_ns[b->kind];
		if (b->tokens > rl.capacity[b->kind])
			b->tokens = rl.capacity[b->kind];
		b->at_ns = now_ns;
	}
}

/* Rebuilds the table without the buckets that have refilled completely. */
static void sweep(int64_t now_ns)
{
	static struct bucket keep[SLOTS];
	int n = 0;
	for (int i = 0; i < SLOTS; i++) {
		struct bucket *b = &rl.slot[i];
		if (!b->used)
			continue;
		refill(b, now_ns);
		if (b->tokens < rl.capacity[b->kind])
			keep[n++] = *b;
	}
	memset(rl.slot, 0, sizeof rl.slot);
	rl.used = 0;
	for (int i = 0; i < n; i++) {
		uint32_t s = slot_of(keep[i].org, (enum rate_kind)keep[i].kind);
		while (rl.slot[s].used)
			s = (s + 1) & (SLOTS - 1);
		rl.slot[s] = keep[i];
		rl.used++;
	}
}

static struct bucket *find(const char *org, enum rate_kind kind, int64_t now_ns)
{
	uint32_t s = slot_of(org, kind);
	for (;;) {
		struct bucket *b = &rl.slot[s];
		if (!b->used)
			break;
		if (b->kind == kind && strcmp(b->org, org) == 0)
			return b;
		s = (s + 1) & (SLOTS - 1);
	}
	if (rl.used >= SLOTS / 2) {
		sweep(now_ns);
		if (rl.used >= SLOTS / 2)
			return NULL;
		return find(org, kind, now_ns);
	}
	struct bucket *b = &rl.slot[s];
	b->used = true;
	b->kind = (unsigned char)kind;
	snprintf(b->org, sizeof b->org, "%s", org);
	b->tokens = rl.capacity[kind];
	b->at_ns = now_ns;
	rl.used++;
	return b;
}

int rate_take_at(const char *org, enum rate_kind kind, int64_t now_ns)
{
	if (rl.capacity[kind] <= 0)
		return 0;
	int wait = 0;
	pthread_mutex_lock(&rl.lock);
	struct bucket *b = find(org, kind, now_ns);
	if (b == NULL) {
		pthread_mutex_unlock(&rl.lock);
		log_warn("rate limit table full: letting %s through", org);
		return 0;
	}
	refill(b, now_ns);
	if (b->tokens >= 1.0) {
		b->tokens -= 1.0;
	} else {
		double secs = (1.0 - b->tokens) / rl.per_ns[kind] / 1e9;
		wait = (int)secs;
		if (wait < secs)
			wait++; /* whole seconds, rounded up: at least 1 */
	}
	pthread_mutex_unlock(&rl.lock);
	return wait;
}

enum rc rate_take(struct req *r, enum rate_kind kind)
{
	unsigned bit = 1u << kind;
	if (r->rate_charged & bit)
		return RC_OK; /* a retry after a conflict: charged already */
	int wait = rate_take_at(r->auth.org_id, kind, mono_ns());
	if (wait == 0) {
		r->rate_charged |= bit;
		return RC_OK;
	}
	problem_set(r, 429, "rate-limited",
		    "your organization may create %d %s per %d s; try again in %d s",
		    (int)rl.capacity[kind], kind_noun[kind], window_of[kind], wait);
	r->problem.retry_after = wait;
	return RC_ERR;
}

void rate_refund(struct req *r)
{
	if (r->rate_charged == 0)
		return;
	pthread_mutex_lock(&rl.lock);
	for (int kind = 0; kind < RATE_KINDS; kind++) {
		if (!(r->rate_charged & (1u << kind)))
			continue;
		uint32_t s = slot_of(r->auth.org_id, (enum rate_kind)kind);
		for (; rl.slot[s].used; s = (s + 1) & (SLOTS - 1)) {
			struct bucket *b = &rl.slot[s];
			if (b->kind == kind && strcmp(b->org, r->auth.org_id) == 0) {
				if (b->tokens + 1.0 <= rl.capacity[kind])
					b->tokens += 1.0;
				break;
			}
		}
	}
	pthread_mutex_unlock(&rl.lock);
	r->rate_charged = 0;
}
