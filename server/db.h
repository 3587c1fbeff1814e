/*
 * db.h - one PostgreSQL connection per worker, its prepared statements, and
 * statement execution that turns database errors into problems.
 */
#ifndef TECHEX_DB_H
#define TECHEX_DB_H

#include <libpq-fe.h>

#include "common.h"

struct req;

#define DB_DEFER_MAX 16    /* statements held at once; one more sends them all */
#define DB_DEFER_PARAMS 12 /* parameters of a deferred statement */

/* SQL text formatting a timestamptz column as RFC 3339 UTC ("2026-03-01T00:00:00Z"). */
#define SQL_RFC3339(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

/* A prepared statement, declared next to the module that uses it. */
struct stmt {
	const char *name;
	const char *sql;
	int nparams;
};

/* A statement whose result nobody reads (BEGIN, an audit row, an event, a stored
 * response), held until the next statement that is read, or COMMIT, which
 * carries it to the server in the same round trip (pipeline mode). */
struct deferred {
	const struct stmt *st; /* NULL: sql is a command without parameters (BEGIN) */
	const char *sql;
	char *params[DB_DEFER_PARAMS]; /* owned copies */
};

struct db {
	PGconn *conn; /* owned; NULL while disconnected */
	/* the workers' connections defer what they may (db_exec_deferred); other
	 * users (the command line, the demo loader) run every statement at once */
	bool defer;
	struct deferred deferred[DB_DEFER_MAX];
	int ndeferred;
	const char *conninfo;         /* borrowed from the config */
	const char *app;              /* its application_name (db_connect) */
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
 * of 5 s, as application app (what pg_stat_activity shows: "techex-worker",
 * say; NULL: "techex") unless conninfo names one. Inside a fiber the thread's
 * other fibers run while it connects. Caller frees with PQfinish, also on
 * failure. */
PGconn *db_connect(const char *conninfo, const char *app);

/* Makes sure the connection is up, connecting or reconnecting as needed.
 * Returns RC_ERR when the database cannot be reached. */
enum rc db_ensure(struct db *db) MUSTCHECK;

/* Runs a prepared statement with text parameters (NULL entries are SQL NULL).
 * Returns the result (caller frees with PQclear) or NULL with r->problem set:
 * a retryable failure leaves problem.sqlstate 40001/40P01 and status 0. */
PGresult *db_exec(struct req *r, const struct stmt *st, const char *const *params) MUSTCHECK;

/* As db_exec for the transaction's last statement: the COMMIT goes with it (and
 * with what was deferred) in one round trip, and the worker finds nothing left
 * to commit. Its result comes back once both succeeded; a failure of either is
 * NULL with the problem, as db_exec's (a retryable one re-runs the request).
 * Nothing may run on the connection after it but reading its result. Where the
 * commit cannot come yet (a connection that does not defer, or a request whose
 * Idempotency-Key response is still to be stored) it is plain db_exec. */
PGresult *db_exec_commit(struct req *r, const struct stmt *st, const char *const *params) MUSTCHECK;

/* As db_exec for a statement whose result the caller does not read: on a
 * connection that defers (struct db.defer) it goes out with the next statement
 * or COMMIT, in the same round trip, and a failure surfaces there (the
 * transaction fails as a whole, as it would have at once). Elsewhere it runs at
 * once. Returns RC_OK, or RC_ERR with the problem set. */
enum rc db_exec_deferred(struct req *r, const struct stmt *st, const char *const *params) MUSTCHECK;
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

/* GET of one object: db_load_visible, then a 200 with the row's column 0 (JSON
 * text the database built) and column 1 as its ETag version. */
enum rc db_reply_visible(struct req *r, const struct stmt *st, const char *noun,
			 bool (*may_see)(const struct req *r, const PGresult *row)) MUSTCHECK;

/* The 404 db_load_visible answers with: "no <noun> has this id". */
enum rc db_not_found(struct req *r, const char *noun);

/* Runs st and sets *found to whether it returned exactly one row (a lock
 * taken, a row claimed or seen); RC_ERR with the problem set when it failed. */
enum rc db_found(struct req *r, const struct stmt *st, const char *const *params,
		 bool *found) MUSTCHECK;

/* Runs st (one row expected) and replies with status and its first column, a
 * JSON text the database built (reply_stored); a 500 when there is no row. */
enum rc db_reply_json(struct req *r, int status, const struct stmt *st,
		      const char *const *params) MUSTCHECK;

/* Runs st planned for these params (db_exec_planned) and replies with the
 * page of its rows (reply_page, cursor.h: up to limit + 1 rows of JSON text,
 * version and the nparts cursor columns). */
enum rc db_reply_page(struct req *r, const struct stmt *st, const char *const *params, int limit,
		      int nparts) MUSTCHECK;

/* Sends the deferred statements now (a request without a transaction, as it
 * ends). RC_OK when there were none or all succeeded. */
enum rc db_flush(struct req *r) MUSTCHECK;

/* Transaction control for the request's connection. The workers' connections
 * defer BEGIN to the transaction's first statement. */
enum rc db_begin(struct req *r) MUSTCHECK;
enum rc db_commit(struct req *r) MUSTCHECK;
void db_rollback(struct db *db);

/* Called when a request ends: a connection left inside a transaction or in a
 * failed state is rolled back or dropped. */
void db_release(struct db *db);

void db_close(struct db *db);

/* Counters for /metrics: reconnections; the workers' round trips to the
 * database (a pipeline of deferred statements is one), and the deferred
 * statements that rode along with another. */
extern _Atomic unsigned long db_reconnects, db_round_trips, db_deferred_sent;

/* For command-line work on a plain connection: runs one parameterized statement;
 * on failure prints the server's message to stderr and returns false. The result
 * goes to *out (caller frees with PQclear) when out is not NULL. */
bool db_run(PGconn *conn, const char *sql, int n, const char *const *params, PGresult **out);

/* Helpers for reading results: value or NULL for SQL NULL. Borrowed from res. */
const char *db_value(const PGresult *res, int row, int col);

#endif
