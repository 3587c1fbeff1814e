/*
 * worker.h - the bounded work queue and the worker threads that run handlers.
 */
#ifndef TECHEX_WORKER_H
#define TECHEX_WORKER_H

#include "common.h"
#include "config.h"
#include "req.h"
#include "router.h"

struct job;
typedef void (*job_done_fn)(struct job *job);

struct job {
	struct req req;  /* owned */
	void *transport; /* the I/O loop's request handle; opaque here */
	int64_t start_ns;
	bool heavy;
	job_done_fn done; /* called when the response is ready: on the worker, or on the
			   * I/O loop for a read the loop answered itself (loopdb.h) */
	void *loop_res;   /* PGresult of a loop read, while it waits for its Sync */
	struct job *next;
};

/* A FIFO of jobs linked through job->next. */
struct job_list {
	struct job *head, *tail;
	int n;
};

void job_list_push(struct job_list *l, struct job *j);
struct job *job_list_pop(struct job_list *l); /* NULL when empty */

/* Hooks the application supplies: who the caller is, and idempotency. */
struct dispatch_hooks {
	/* Resolves the bearer token into r->auth; RC_ERR with a problem when the
	 * token is missing, unknown, expired or revoked. */
	enum rc (*authenticate)(struct req *r);
	/* Before the handler: claims the key; returns RC_OK to run the handler (on
	 * a ROUTE_REPLAY_HANDLER route also to replay, with r->replay set), RC_ERR
	 * with either a replayed response (r->resp.status set) or a problem. */
	enum rc (*idempotency_begin)(struct req *r);
	/* After a successful handler, in the same transaction: stores the response
	 * (resp.kept_body when the handler set one). */
	enum rc (*idempotency_end)(struct req *r);
};

void dispatch_set_hooks(const struct dispatch_hooks *hooks);

/* Runs a request's handler with its database connection: authentication,
 * authorization flags, the transaction and its retries. Leaves r->resp set. */
void dispatch_run(struct req *r);

/* Starts the workers, each keeping up to cfg->worker_transactions transactions
 * in flight on connections of their own, and the hashing threads. */
enum rc workers_start(const struct config *cfg) MUSTCHECK;

/* Queues a job; RC_ERR when the queue is full (the caller answers 503). */
enum rc workers_submit(struct job *job) MUSTCHECK;

/* Stops taking jobs, lets the workers finish the ones they hold, joins them. */
void workers_stop(void);

/* Gauges for /metrics. */
int workers_queue_depth(void);
int workers_busy(void);
int workers_count(void);
int workers_in_flight_max(void); /* workers × TECHEX_WORKER_TRANSACTIONS */

#endif
