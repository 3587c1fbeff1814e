/*
 * loopread.h - what a module declares for a read the I/O loop may answer
 * itself (loopdb.h runs it): one prepared statement, no transaction. A caller
 * with a token is authenticated by that same statement (one round trip), when
 * the route gives one for it. The route's handler stays the authority; the
 * loop path is only ever a faster way to the same answer.
 */
#ifndef TECHEX_LOOPREAD_H
#define TECHEX_LOOPREAD_H

#include <libpq-fe.h>

#include "common.h"
#include "db.h"
#include "req.h"

#define LOOP_MAX_PARAMS 4

struct loop_read {
	/* For a request without Authorization; NULL: such requests go to the workers. */
	const struct stmt *st;
	/* Fills the statement's parameters (at most LOOP_MAX_PARAMS, borrowed from
	 * r) and returns RC_OK; or answers without the database: RC_ERR with a problem. */
	enum rc (*params)(struct req *r, const char **params);
	/* Builds the response from the statement's result (PGRES_TUPLES_OK), or
	 * returns RC_ERR with a problem. Runs on the I/O loop: must not block.
	 * For st_token it runs once r->auth is set from the session's columns. */
	enum rc (*reply)(struct req *r, const PGresult *res);
	/* For a request with Authorization; NULL: such requests go to the workers.
	 * $1 is the token's digest, then the parameters params fills; it returns no
	 * row for a token that opens no session, else one row whose columns from
	 * auth_col on are the session's (struct loop_auth reads them). */
	const struct stmt *st_token;
	int auth_col;
};

/* How the loop authenticates a token (the accounts module's functions, which
 * its workers' authentication shares). */
struct loop_auth {
	/* The digest of the token Authorization carries, as $1 of an st_token (67
	 * bytes); RC_ERR with the 401 set when the header holds no token. */
	enum rc (*token_digest)(struct req *r, char digest[67]);
	/* Sets r->auth from the session's columns at col of row 0; RC_ERR with the
	 * 401 set when res has no row (an unknown, expired or revoked token). */
	enum rc (*from_row)(struct req *r, const PGresult *res, int col);
};

#endif
