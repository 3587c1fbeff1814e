/*
 * ratelimit.h - per-organization limits on creating listings and bids, that hold
 * across every server sharing the database.
 *
 * A limit is "at most per_window creations in any window_seconds": the module
 * that creates the rows counts its organization's recent ones with a statement
 * of its own (so only what was created counts, a failed request costs nothing,
 * and every server sees the same count). A request past the limit gets 429 with
 * Retry-After: the seconds until the oldest creation in the window leaves it.
 *
 * The count reads committed rows without locking anything, so requests of one
 * organization in flight at the same moment on several workers may each pass:
 * the limit can be exceeded by at most the number of such requests.
 */
#ifndef TECHEX_RATELIMIT_H
#define TECHEX_RATELIMIT_H

#include "db.h"
#include "req.h"

enum rate_kind { RATE_LISTING, RATE_BID, RATE_KINDS };

/* Sets the allowance of one kind: per_window creations per window_seconds; a
 * per_window of 0 turns the limit off. Call before serving. */
void rate_configure(enum rate_kind kind, int per_window, int window_seconds);

/* The count a module's statement makes of its table's rows: the organization's
 * ($1) creations in the window ($2 seconds), at most $3 of them, and the seconds
 * until the oldest of those leaves the window. Uses the index on (org, created_at). */
#define RATE_RECENT_SQL(table, org_column)                                         \
	"SELECT count(*), COALESCE(ceil(extract(epoch FROM min(created_at)"        \
	"        + make_interval(secs => $2::int) - now())), 0)::bigint"           \
	"  FROM (SELECT created_at FROM " table " WHERE " org_column " = $1::uuid" \
	"           AND created_at > now() - make_interval(secs => $2::int)"       \
	"         ORDER BY created_at DESC LIMIT $3::int) s"

/* Whether the request's organization may create one more of this kind. recent
 * is the module's count: parameters ($1 organization id, $2 window seconds,
 * $3 per_window), one row (the organization's creations in the window, at most
 * $3; the seconds until the oldest of them leaves it, rounded up). RC_ERR with a
 * 429 problem past the limit, or with the database's problem. */
enum rc rate_take(struct req *r, enum rate_kind kind, const struct stmt *recent) MUSTCHECK;

/* The decision on a count: 0 when one more is allowed, else the seconds to
 * wait (at least 1). Pure; for tests. */
int rate_wait(enum rate_kind kind, long recent, long oldest_leaves_in);

#endif
