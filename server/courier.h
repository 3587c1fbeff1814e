/*
 * courier.h - the background sender: one thread, its own database connection,
 * never the I/O loop nor a request worker. It runs each registered task's
 * drain in turn (the mail outbox, webhook deliveries): a drain claims what is
 * due with FOR UPDATE SKIP LOCKED (so two servers never send one row at once),
 * sends it outside any transaction (libcurl), and records the outcome. Rows
 * live in PostgreSQL, so nothing is lost across a restart.
 */
#ifndef TECHEX_COURIER_H
#define TECHEX_COURIER_H

#include <libpq-fe.h>
#include <stdbool.h>

struct courier_task {
	const char *name; /* for the log: "mail", "webhooks" */
	/* Sends what is due on conn (connected, idle, no transaction open).
	 * Returns how many items it handled (more than 0: it runs again at once),
	 * 0 when nothing was due, -1 when the database failed (the courier
	 * reconnects and tries again later). *stop turns true at shutdown: a long
	 * drain checks it between items. */
	int (*drain)(PGconn *conn, void *arg, const _Atomic bool *stop);
	void *arg;
};

/* Starts the courier's thread on conninfo with tasks, an array ended by an
 * entry whose drain is NULL (borrowed for the process). With no tasks it
 * starts nothing. */
void courier_start(const char *conninfo, const struct courier_task *tasks);

/* Wakes the courier now (after a commit that queued something); safe from any
 * thread, a no-op when it does not run. */
void courier_wake(void);

/* Stops the thread: it finishes the item in hand and returns. Idempotent. */
void courier_stop(void);

#endif
