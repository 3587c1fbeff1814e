/*
 * ratelimit.c - per-organization creation limits, counted in PostgreSQL by the
 * module that creates the rows (see ratelimit.h).
 */
#include "ratelimit.h"

#include <stdio.h>
#include <stdlib.h>

#include "problem.h"

static const char *const kind_noun[RATE_KINDS] = {N_("listings"), N_("bids")};

static struct {
	int per_window;
	int window_seconds;
} limits[RATE_KINDS];

void rate_configure(enum rate_kind kind, int per_window, int window_seconds)
{
	limits[kind].per_window = per_window;
	limits[kind].window_seconds = window_seconds;
}

int rate_wait(enum rate_kind kind, long recent, long oldest_leaves_in)
{
	if (limits[kind].per_window <= 0 || recent < limits[kind].per_window)
		return 0;
	return oldest_leaves_in < 1 ? 1 : (int)oldest_leaves_in;
}

enum rc rate_take(struct req *r, enum rate_kind kind, const struct stmt *recent)
{
	if (limits[kind].per_window <= 0)
		return RC_OK;
	char window[16], per[16];
	snprintf(window, sizeof window, "%d", limits[kind].window_seconds);
	snprintf(per, sizeof per, "%d", limits[kind].per_window);
	const char *params[] = {r->auth.org_id, window, per};
	PGresult *res = db_exec(r, recent, params);
	if (res == NULL)
		return RC_ERR;
	int wait = rate_wait(kind, atol(PQgetvalue(res, 0, 0)), atol(PQgetvalue(res, 0, 1)));
	PQclear(res);
	if (wait == 0)
		return RC_OK;
	problem_set(r, 429, "rate-limited",
		    "your organization may create %d %s per %d s; try again in %d s",
		    limits[kind].per_window, problem_tr(r, kind_noun[kind]),
		    limits[kind].window_seconds, wait);
	r->problem.retry_after = wait;
	return RC_ERR;
}
