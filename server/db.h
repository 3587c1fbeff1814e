/*
 * db.h - one PostgreSQL connection per worker, its prepared statements, and
 * statement execution that turns database errors into problems.
 */
#ifndef TECHEX_DB_H
#define TECHEX_DB_H

#include <libpq-fe.h>

#include "common.h"

struct req;

/* SQL text formatting a timestamptz column as RFC 3339 UTC ("2026-03-01T00:00:00Z"). */
#define SQL_RFC3339(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

/* A prepared statement, declared next to the module that uses it. */
struct stmt {
	const char *name;
	const char *sql;
	int nparams;
};

struct db {
	PGconn *conn;                 /* owned; NULL while disconnected */
	const char *conninfo;         /* borrowed from the config */
	const struct stmt **prepared; /* statements prepared on this connection */
	size_t nprepared, cap;
	bool ever_connected;     /* a later connect counts as a reconnect */
	unsigned long succeeded; /* statements that succeeded on this connection */
	/* a replica's: after a failed connect, db_ensure refuses at once until
	 * retry_at (mono_ns), so that requests go to the primary without waiting */
	bool backoff;
	int64_t retry_at;
};

/* Requests a replica answered, and replica reads the primary answered instead. */
extern _Atomic unsigned long db_replica_reads, db_replica_fallbacks;

/* What every connection of the server sets once connected, NULL-terminated. */
extern const char *const db_session_settings[];

/* A notice processor: server notices go to the JSON log at debug level. */
void db_log_notice(void *arg, const char *message);

/* Connects to conninfo (a libpq string or URI) with a default connect_timeout
 * of 5 s. Caller frees with PQfinish, also on failure. */
PGconn *db_connect(const char *conninfo);

/* Makes sure the connection is up, connecting or reconnecting as needed.
 * Returns RC_ERR when the database cannot be reached. */
enum rc db_ensure(struct db *db) MUSTCHECK;

/* Runs a prepared statement with text parameters (NULL entries are SQL NULL).
 * Returns the result (caller frees with PQclear) or NULL with r->problem set:
 * a retryable failure leaves problem.sqlstate 40001/40P01 and status 0. */
PGresult *db_exec(struct req *r, const struct stmt *st, const char *const *params) MUSTCHECK;

/* As db_exec, for bytes that are not text (a file's): a parameter i with
 * lengths[i] >= 0 is sent in binary, that many bytes (lengths may be NULL: all
 * text; at most 16 parameters); with binary_result every result column comes
 * in binary (select the others as text). */
PGresult *db_exec_binary(struct req *r, const struct stmt *st, const char *const *params,
			 const int *lengths, bool binary_result) MUSTCHECK;

/* As db_exec, but planned for this call's values instead of prepared once: for
 * statements with optional filters ("$2 IS NULL OR ...") that a generic plan
 * cannot serve with an index. */
PGresult *db_exec_planned(struct req *r, const struct stmt *st,
			  const char *const *params) MUSTCHECK;

/* Loads the object named by the path parameter {id} with st (one parameter, the
 * id) when may_see(r, row) allows the caller to see it. Anything else - an id
 * that is not a UUID, one that does not exist, one the caller may not see - is
 * NULL with the same 404 "no <noun> has this id", so a stranger cannot tell
 * them apart. The result (exactly one row) is the caller's to PQclear. */
PGresult *db_load_visible(struct req *r, const struct stmt *st, const char *noun,
			  bool (*may_see)(const struct req *r, const PGresult *row)) MUSTCHECK;

/* The 404 db_load_visible answers with: "no <noun> has this id". */
enum rc db_not_found(struct req *r, const char *noun);

/* Transaction control for the request's connection. */
enum rc db_begin(struct req *r) MUSTCHECK;
enum rc db_commit(struct req *r) MUSTCHECK;
void db_rollback(struct db *db);

/* Called when a request ends: a connection left inside a transaction or in a
 * failed state is rolled back or dropped. */
void db_release(struct db *db);

void db_close(struct db *db);

/* Counter of reconnections, for /metrics. */
extern _Atomic unsigned long db_reconnects;

/* For command-line work on a plain connection: runs one parameterized statement;
 * on failure prints the server's message to stderr and returns false. The result
 * goes to *out (caller frees with PQclear) when out is not NULL. */
bool db_run(PGconn *conn, const char *sql, int n, const char *const *params, PGresult **out);

/* Helpers for reading results: value or NULL for SQL NULL. Borrowed from res. */
const char *db_value(const PGresult *res, int row, int col);

#endif
