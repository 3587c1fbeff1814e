/*
 * loopdb.h - reads the I/O loop runs itself, over pipelined database
 * connections, without handing the request to a worker.
 *
 * A route may name a loop_read (loopread.h, what modules see): one prepared
 * statement, no transaction, no caller to authenticate. For such a request the loop sends the statement on
 * one of its connections (libpq's pipeline mode: many statements in flight,
 * each with its own Sync, so one's failure cannot touch another) and builds
 * the reply from the result when it arrives. Anything unusual - no connection
 * ready, a pipeline full, a statement that failed, a connection that broke -
 * hands the request to the workers, which run the route's ordinary handler.
 * The loop path is therefore only ever a faster way to the same answer.
 */
#ifndef TECHEX_LOOPDB_H
#define TECHEX_LOOPDB_H

#include "common.h"
#include "loopread.h"

struct job;
struct event_base;
struct router;

/* What became of a request offered to the loop. */
enum loop_rc {
	LOOP_QUEUED,     /* sent; job->done runs on the loop when the reply is ready */
	LOOP_ANSWERED,   /* answered without the database: r->problem is set */
	LOOP_UNAVAILABLE /* no connection can take it now: hand it to the workers */
};

/* Opens n connections to conninfo (0: none, every request goes to the workers)
 * and prepares every loop_read statement of rt on them. fallback takes jobs the
 * loop gives up on (their connection broke, their statement failed). auth
 * (borrowed for the process) authenticates tokens; NULL: requests with a token
 * go to the workers (as they must when conninfo is a replica, which may lag
 * behind a revocation). */
void loopdb_start(struct event_base *base, const char *conninfo, int n, const struct router *rt,
		  void (*fallback)(struct job *job), const struct loop_auth *auth);

/* Whether this request may take the loop path: its route has a loop_read with
 * a statement for it (with or without a token). */
bool loopdb_eligible(const struct req *r);

enum loop_rc loopdb_submit(struct job *job) MUSTCHECK;

/* Closes the connections; jobs still in flight (none once the loop has drained)
 * go to the fallback. */
void loopdb_stop(void);

/* Gauges and counters for /metrics. */
int loopdb_ready(void);
unsigned long loopdb_served(void);
unsigned long loopdb_handed_back(void);

#endif
