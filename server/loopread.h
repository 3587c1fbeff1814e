/*
 * loopread.h - what a module declares for a read the I/O loop may answer
 * itself (loopdb.h runs it): one prepared statement, no transaction, no caller
 * to authenticate. The route's handler stays the authority; the loop path is
 * only ever a faster way to the same answer.
 */
#ifndef TECHEX_LOOPREAD_H
#define TECHEX_LOOPREAD_H

#include <libpq-fe.h>

#include "common.h"
#include "db.h"
#include "req.h"

#define LOOP_MAX_PARAMS 4

struct loop_read {
	const struct stmt *st;
	/* Fills the statement's parameters (at most LOOP_MAX_PARAMS, borrowed from
	 * r) and returns RC_OK; or answers without the database: RC_ERR with a problem. */
	enum rc (*params)(struct req *r, const char **params);
	/* Builds the response from the statement's result (PGRES_TUPLES_OK), or
	 * returns RC_ERR with a problem. Runs on the I/O loop: must not block. */
	enum rc (*reply)(struct req *r, const PGresult *res);
};

#endif
