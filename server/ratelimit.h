/*
 * ratelimit.h - per-organization limits on creating listings and bids.
 *
 * Each organization has a token bucket per kind in this process's memory: it
 * holds up to `per_window` tokens and refills at per_window / window seconds, so
 * a burst of a full window's allowance is possible and the long-run rate is
 * bounded. A request that finds the bucket empty gets 429 with Retry-After.
 */
#ifndef TECHEX_RATELIMIT_H
#define TECHEX_RATELIMIT_H

#include <stdint.h>

#include "req.h"

enum rate_kind { RATE_LISTING, RATE_BID, RATE_KINDS };

/* Sets the allowance of one kind: per_window requests per window_seconds; a
 * per_window of 0 turns the limit off. Call before serving. */
void rate_configure(enum rate_kind kind, int per_window, int window_seconds);

/* Charges the request's organization one token of this kind (once per request,
 * however often a conflict retries it). RC_ERR with a 429 problem when the
 * bucket is empty. */
enum rc rate_take(struct req *r, enum rate_kind kind) MUSTCHECK;

/* Gives back the tokens a request was charged, when it created nothing. */
void rate_refund(struct req *r);

/* The same decision for a bucket keyed by org at time now_ns, without a
 * request; returns 0 when allowed, else the seconds to wait. For tests. */
int rate_take_at(const char *org, enum rate_kind kind, int64_t now_ns);

#endif
