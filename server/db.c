/*
 * db.c - connections, lazily prepared statements, error mapping.
 */
#include "db.h"

#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "cursor.h"
#include "fiber.h"
#include "log.h"
#include "req.h"
#include "router.h"

_Atomic unsigned long db_reconnects;
_Atomic unsigned long db_round_trips, db_deferred_sent;
_Atomic unsigned long db_replica_reads, db_replica_fallbacks;

#define REPLICA_RETRY_NS 1000000000LL /* a replica that failed is tried again after 1 s */

const char *const db_session_settings[] = {
    /* Short requests side by side: no parallel plans. Searches also rely on an
     * appended union being read in order (its tiers stop early). */
    "SET max_parallel_workers_per_gather = 0",
    /* a date without a zone (a filter's from/to) means that day in UTC, on every server */
    "SET TimeZone = 'UTC'",
    NULL,
};

static PGconn *connect_blocking(const char *conninfo, const char *app)
{
	/* a default connect_timeout so an unreachable host cannot stall a worker
	 * for minutes; one given in DATABASE_URL wins (it comes later), and so
	 * does an application_name */
	const char *const keys[] = {"connect_timeout", "fallback_application_name", "dbname", NULL};
	const char *const values[] = {"5", app ? app : "techex", conninfo, NULL};
	return PQconnectdbParams(keys, values, 1);
}

/* A connection a fiber waits for: libpq's own blocking connect runs on a
 * thread of its own (connect_timeout per host, the hosts of a multi-host URL
 * in turn, target_session_attrs: all of libpq's behaviour, which PQconnectPoll
 * would leave to the caller), and done_fd becomes readable when conn is set. */
struct connecting {
	const char *conninfo, *app;
	PGconn *conn;
	int done_fd;
};

static void *connect_main(void *arg)
{
	struct connecting *c = arg;
	uint64_t one = 1;
	c->conn = connect_blocking(c->conninfo, c->app);
	(void)!write(c->done_fd, &one, sizeof one);
	return NULL;
}

PGconn *db_connect(const char *conninfo, const char *app)
{
	if (fiber_current() == NULL)
		return connect_blocking(conninfo, app);
	/* inside a worker's fiber: the thread's other transactions go on while
	 * this one connects (to a host that does not answer, say) */
	struct connecting c = {
	    .conninfo = conninfo, .app = app, .done_fd = eventfd(0, EFD_CLOEXEC)};
	pthread_t thread;
	if (c.done_fd < 0 || pthread_create(&thread, NULL, connect_main, &c) != 0) {
		if (c.done_fd >= 0)
			close(c.done_fd);
		return connect_blocking(conninfo, app);
	}
	fiber_wait(c.done_fd, POLLIN);
	pthread_join(thread, NULL);
	close(c.done_fd);
	return c.conn;
}

/* Server notices ("text-search query doesn't contain lexemes", say) go to the
 * JSON log at debug level instead of raw lines on stderr. */
void db_log_notice(void *arg, const char *message)
{
	(void)arg;
	log_debug("database notice: %.*s", (int)strcspn(message, "\n"), message);
}

static void forget_prepared(struct db *db)
{
	db->nprepared = 0;
}

/* Drops the deferred statements not yet sent. */
static void forget_deferred(struct db *db)
{
	for (int i = 0; i < db->ndeferred; i++)
		for (int k = 0; k < DB_DEFER_PARAMS; k++)
			free(db->deferred[i].params[k]);
	memset(db->deferred, 0, sizeof db->deferred);
	db->ndeferred = 0;
}

void db_close(struct db *db)
{
	forget_deferred(db);
	if (db->conn != NULL)
		PQfinish(db->conn);
	db->conn = NULL;
	forget_prepared(db);
	free(db->prepared);
	db->prepared = NULL;
	db->cap = 0;
}

static PGresult *sent_result(PGconn *conn, int sent);

enum rc db_ensure(struct db *db)
{
	if (db->conn != NULL && PQstatus(db->conn) == CONNECTION_OK)
		return RC_OK;
	if (db->conn != NULL)
		PQfinish(db->conn);
	db->conn = NULL;
	forget_prepared(db);
	if (db->backoff && mono_ns() < db->retry_at)
		return RC_ERR;
	db->conn = db_connect(db->conninfo, db->app);
	if (PQstatus(db->conn) != CONNECTION_OK) {
		log_warn("%s connection failed: %s", db->backoff ? "replica" : "database",
			 PQerrorMessage(db->conn));
		PQfinish(db->conn);
		db->conn = NULL;
		db->retry_at = mono_ns() + REPLICA_RETRY_NS;
		return RC_ERR;
	}
	PQsetNoticeProcessor(db->conn, db_log_notice, NULL);
	for (const char *const *set = db_session_settings; *set != NULL; set++)
		PQclear(sent_result(db->conn, PQsendQuery(db->conn, *set)));
	if (db->ever_connected)
		db_reconnects++;
	db->ever_connected = true;
	PQsetClientEncoding(db->conn, "UTF8");
	return RC_OK;
}

/* The next result of conn. Inside a fiber (a worker's transaction, worker.c),
 * the thread runs its other fibers while PostgreSQL works on this one;
 * elsewhere PQgetResult blocks as usual. */
static PGresult *next_result(PGconn *conn)
{
	if (fiber_current() != NULL)
		while (PQisBusy(conn)) {
			fiber_wait(PQsocket(conn), POLLIN);
			if (!PQconsumeInput(conn))
				break; /* PQgetResult says why */
		}
	return PQgetResult(conn);
}

/* What PQexec would return for a command just sent (sent: what the PQsend
 * call returned): its result, an error in preference to what followed it, or
 * NULL when nothing could be sent (PQresultStatus(NULL) is a fatal error). */
static PGresult *sent_result(PGconn *conn, int sent)
{
	PGresult *kept = NULL, *res;
	if (!sent)
		return NULL;
	while ((res = next_result(conn)) != NULL) {
		if (kept != NULL && PQresultStatus(kept) == PGRES_FATAL_ERROR) {
			PQclear(res);
			continue;
		}
		PQclear(kept);
		kept = res;
	}
	return kept;
}

static PGresult *checked(struct req *r, PGresult *res);

static bool is_prepared(const struct db *db, const struct stmt *st)
{
	for (size_t i = 0; i < db->nprepared; i++)
		if (db->prepared[i] == st)
			return true;
	return false;
}

static void set_db_problem(struct req *r, PGresult *res)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	int status = problem_status_for_sqlstate(state);
	snprintf(r->problem.sqlstate, sizeof r->problem.sqlstate, "%s", state ? state : "");
	r->problem.status = status;
	switch (status) {
	case 0:
		/* the worker re-runs the transaction; should the retries run out, this
		 * is what the client reads */
		r->problem.retry = true;
		r->problem.status = 503;
		r->problem.slug = "busy";
		r->problem.retry_after = 1;
		snprintf(r->problem.detail, sizeof r->problem.detail,
			 "the request kept conflicting with others; retry");
		break;
	case 409: {
		/* our own triggers (signed contracts, the ledger) say why in words */
		const char *why = state && strcmp(state, "23001") == 0
				      ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)
				      : NULL;
		r->problem.slug = "conflict";
		snprintf(r->problem.detail, sizeof r->problem.detail, "%s",
			 why ? why : "the request conflicts with an existing record");
		break;
	}
	case 422:
		r->problem.slug = "validation";
		snprintf(r->problem.detail, sizeof r->problem.detail,
			 "a value was refused by the database");
		break;
	case 503:
		r->problem.slug = "unavailable";
		r->problem.retry_after = 1;
		snprintf(r->problem.detail, sizeof r->problem.detail,
			 "the database is unavailable; retry shortly");
		break;
	default:
		r->problem.slug = "internal";
		snprintf(r->problem.detail, sizeof r->problem.detail,
			 "an internal error occurred (request %s)", r->request_id);
		break;
	}
	if (status >= 500 || status == 0)
		log_warn("request %s: database error %s: %s", r->request_id, state ? state : "-",
			 res ? PQresultErrorMessage(res) : PQerrorMessage(r->db->conn));
}

/* Prepares st on the connection once. */
static enum rc prepare(struct req *r, const struct stmt *st)
{
	struct db *db = r->db;
	if (is_prepared(db, st))
		return RC_OK;
	PGresult *res =
	    sent_result(db->conn, PQsendPrepare(db->conn, st->name, st->sql, st->nparams, NULL));
	db_round_trips++;
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		set_db_problem(r, res);
		log_error("prepare %s failed: %s", st->name, PQresultErrorMessage(res));
		PQclear(res);
		return RC_ERR;
	}
	PQclear(res);
	if (db->nprepared == db->cap) {
		db->cap = db->cap ? db->cap * 2 : 64;
		db->prepared = xrealloc(db->prepared, db->cap * sizeof *db->prepared);
	}
	db->prepared[db->nprepared++] = st;
	return RC_OK;
}

/* What a pipeline carries after the deferred statements: the statement whose
 * result the caller reads (prepared, planned, or a plain command), or nothing. */
struct last {
	const struct stmt *st;
	const char *command;
	bool planned;
	const char *const *params;
	bool commit; /* a COMMIT follows it in the same pipeline */
};

static int send_last(PGconn *conn, const struct last *last)
{
	if (last->command != NULL)
		return PQsendQueryParams(conn, last->command, 0, NULL, NULL, NULL, NULL, 0);
	if (last->planned)
		return PQsendQueryParams(conn, last->st->sql, last->st->nparams, NULL, last->params,
					 NULL, NULL, 0);
	return PQsendQueryPrepared(conn, last->st->name, last->st->nparams, last->params, NULL,
				   NULL, 0);
}

/* Sends the deferred statements and then last (if any) in one pipeline and
 * reads every result: one round trip. Returns last's result (or, without last,
 * an empty PGRES_COMMAND_OK result) for checked(), or NULL with the problem of
 * the first statement that failed. The deferred queue is empty afterwards. */
static PGresult *run_pipeline(struct req *r, const struct last *last)
{
	struct db *db = r->db;
	PGconn *conn = db->conn;
	PGresult *first_error = NULL, *result = NULL;
	int sent = 0, nsend = db->ndeferred + (last != NULL);
	int at_last = db->ndeferred; /* where last's result comes, when last is sent */
	bool broken = false;

	for (int i = 0; i < db->ndeferred; i++)
		if (db->deferred[i].st != NULL && prepare(r, db->deferred[i].st) != RC_OK)
			goto fail;
	if (last != NULL && last->st != NULL && !last->planned && prepare(r, last->st) != RC_OK)
		goto fail;
	if (!PQenterPipelineMode(conn))
		goto broken;
	for (int i = 0; i < db->ndeferred; i++) {
		const struct deferred *d = &db->deferred[i];
		int ok = d->st == NULL
			     ? PQsendQueryParams(conn, d->sql, 0, NULL, NULL, NULL, NULL, 0)
			     : PQsendQueryPrepared(conn, d->st->name, d->st->nparams,
						   (const char *const *)d->params, NULL, NULL, 0);
		if (!ok)
			goto broken_in_pipeline;
		sent++;
	}
	if (last != NULL) {
		if (!send_last(conn, last))
			goto broken_in_pipeline;
		sent++;
		if (last->commit) {
			if (!PQsendQueryParams(conn, "COMMIT", 0, NULL, NULL, NULL, NULL, 0))
				goto broken_in_pipeline;
			sent++;
			nsend++;
		}
	}
	if (!PQpipelineSync(conn))
		goto broken_in_pipeline;
	db_round_trips++;
	db_deferred_sent += (unsigned long)db->ndeferred;
	/* each statement: its result, then NULL; then the Sync */
	for (int i = 0; i < sent; i++) {
		PGresult *res = next_result(conn);
		if (res == NULL) {
			broken = true;
			break;
		}
		ExecStatusType st = PQresultStatus(res);
		if (i == at_last && last != NULL && st != PGRES_PIPELINE_ABORTED) {
			result = res;
		} else if (st == PGRES_FATAL_ERROR && first_error == NULL) {
			first_error = res;
		} else {
			PQclear(res);
		}
		PGresult *end;
		while ((end = next_result(conn)) != NULL) /* the NULL after each statement */
			PQclear(end);
	}
	if (!broken) {
		PGresult *sync = next_result(conn);
		broken = sync == NULL || PQresultStatus(sync) != PGRES_PIPELINE_SYNC;
		PQclear(sync);
	}
	if (broken || !PQexitPipelineMode(conn))
		goto broken_read;
	forget_deferred(db);
	if (first_error != NULL) {
		PQclear(result);
		set_db_problem(r, first_error);
		PQclear(first_error);
		return NULL;
	}
	if (result == NULL)
		result = PQmakeEmptyPGresult(conn, PGRES_COMMAND_OK);
	return result;

broken_read:
	PQclear(result);
	PQclear(first_error);
broken_in_pipeline:
	/* the connection is in an unknown state: drop it (db_release would) */
	PQfinish(db->conn);
	db->conn = NULL;
	forget_prepared(db);
broken:
	set_db_problem(r, NULL);
fail:
	forget_deferred(db);
	return NULL;
}

enum rc db_exec_deferred(struct req *r, const struct stmt *st, const char *const *params)
{
	struct db *db = r->db;
	if (!db->defer || db->conn == NULL || st->nparams > DB_DEFER_PARAMS) {
		PGresult *res = db_exec(r, st, params);
		if (res == NULL)
			return RC_ERR;
		PQclear(res);
		return RC_OK;
	}
	if (db->ndeferred == DB_DEFER_MAX) {
		PGresult *res = run_pipeline(r, NULL);
		if ((res = res ? checked(r, res) : NULL) == NULL)
			return RC_ERR;
		PQclear(res);
	}
	struct deferred *d = &db->deferred[db->ndeferred++];
	d->st = st;
	d->sql = st->sql;
	for (int k = 0; k < st->nparams; k++)
		d->params[k] = params[k] ? xstrdup(params[k]) : NULL;
	return RC_OK;
}

PGresult *db_exec(struct req *r, const struct stmt *st, const char *const *params)
{
	return db_exec_binary(r, st, params, NULL, false);
}

PGresult *db_exec_commit(struct req *r, const struct stmt *st, const char *const *params)
{
	struct db *db = r->db;
	bool in_tx = r->route != NULL && (r->route->flags & ROUTE_TX);
	if (!db->defer || db->conn == NULL || !in_tx || r->idem_key[0] != '\0')
		return db_exec(r, st, params);
	struct last last = {.st = st, .params = params, .commit = true};
	PGresult *res = run_pipeline(r, &last);
	if ((res = res ? checked(r, res) : NULL) != NULL)
		r->db->succeeded++; /* the COMMIT */
	return res;
}

PGresult *db_exec_binary(struct req *r, const struct stmt *st, const char *const *params,
			 const int *lengths, bool binary_result)
{
	struct db *db = r->db;

	if (db->conn == NULL) {
		set_db_problem(r, NULL);
		return NULL;
	}
	if (db->ndeferred > 0 && lengths == NULL && !binary_result) {
		struct last last = {.st = st, .params = params};
		PGresult *res = run_pipeline(r, &last);
		return res ? checked(r, res) : NULL;
	}
	if (db->ndeferred > 0) { /* binary values: the deferred go first, on their own */
		PGresult *res = run_pipeline(r, NULL);
		if ((res = res ? checked(r, res) : NULL) == NULL)
			return NULL;
		PQclear(res);
	}
	if (prepare(r, st) != RC_OK)
		return NULL;
	int formats[16] = {0};
	if (lengths != NULL)
		for (int i = 0; i < st->nparams && i < 16; i++)
			formats[i] = lengths[i] >= 0 ? 1 : 0;
	db_round_trips++;
	PGresult *res = sent_result(
	    db->conn, PQsendQueryPrepared(db->conn, st->name, st->nparams, params, lengths,
					  lengths != NULL ? formats : NULL, binary_result ? 1 : 0));
	return checked(r, res);
}

PGresult *db_exec_planned(struct req *r, const struct stmt *st, const char *const *params)
{
	if (r->db->conn == NULL) {
		set_db_problem(r, NULL);
		return NULL;
	}
	if (r->db->ndeferred > 0) {
		struct last last = {.st = st, .planned = true, .params = params};
		PGresult *res = run_pipeline(r, &last);
		return res ? checked(r, res) : NULL;
	}
	db_round_trips++;
	return checked(r,
		       sent_result(r->db->conn, PQsendQueryParams(r->db->conn, st->sql, st->nparams,
								  NULL, params, NULL, NULL, 0)));
}

/* Passes a statement's result on, or turns its error into the request's problem. */
static PGresult *checked(struct req *r, PGresult *res)
{
	ExecStatusType s = PQresultStatus(res);
	if (s == PGRES_TUPLES_OK || s == PGRES_COMMAND_OK) {
		r->db->succeeded++;
		return res;
	}
	set_db_problem(r, res);
	PQclear(res);
	return NULL;
}

/* Checks the result of BEGIN or COMMIT (which take no parameters). */
static enum rc command_done(struct req *r, PGresult *res)
{
	if (PQresultStatus(res) == PGRES_COMMAND_OK) {
		r->db->succeeded++;
		PQclear(res);
		return RC_OK;
	}
	set_db_problem(r, res);
	PQclear(res);
	return r->problem.retry ? RC_RETRY : RC_ERR;
}

PGresult *db_load_visible(struct req *r, const struct stmt *st, const char *noun,
			  bool (*may_see)(const struct req *r, const PGresult *row))
{
	const char *id = req_param(r, "id");
	PGresult *res = NULL;
	if (uuid_valid(id)) {
		const char *p[1] = {id};
		if ((res = db_exec(r, st, p)) == NULL)
			return NULL;
		if (PQntuples(res) == 1 && may_see(r, res))
			return res;
		PQclear(res);
	}
	db_not_found(r, noun);
	return NULL;
}

enum rc db_reply_visible(struct req *r, const struct stmt *st, const char *noun,
			 bool (*may_see)(const struct req *r, const PGresult *row))
{
	enum { VISIBLE_JSON, VISIBLE_VERSION };
	PGresult *res = db_load_visible(r, st, noun, may_see);
	if (res == NULL)
		return RC_ERR;
	enum rc rc = reply_stored(r, 200, PQgetvalue(res, 0, VISIBLE_JSON),
				  PQgetvalue(res, 0, VISIBLE_VERSION));
	PQclear(res);
	return rc;
}

enum rc db_not_found(struct req *r, const char *noun)
{
	return problem_set(r, 404, "not-found", "no %s has this id", problem_tr(r, noun));
}

enum rc db_flush(struct req *r)
{
	if (r->db->ndeferred == 0 || r->db->conn == NULL)
		return RC_OK;
	PGresult *res = run_pipeline(r, NULL);
	if ((res = res ? checked(r, res) : NULL) == NULL)
		return r->problem.retry ? RC_RETRY : RC_ERR;
	PQclear(res);
	return RC_OK;
}

enum rc db_begin(struct req *r)
{
	struct db *db = r->db;
	if (db->defer && db->conn != NULL && db->ndeferred < DB_DEFER_MAX) {
		/* goes out with the transaction's first statement */
		db->deferred[db->ndeferred++] = (struct deferred){.sql = "BEGIN"};
		return RC_OK;
	}
	db_round_trips++;
	return command_done(r, sent_result(db->conn, PQsendQuery(db->conn, "BEGIN")));
}

enum rc db_commit(struct req *r)
{
	struct db *db = r->db;
	if (db->ndeferred == 0 && db->conn != NULL && PQtransactionStatus(db->conn) == PQTRANS_IDLE)
		return RC_OK; /* committed already, with its last statement (db_exec_commit) */
	if (db->ndeferred > 0 && db->conn != NULL) {
		struct last last = {.command = "COMMIT"};
		PGresult *res = run_pipeline(r, &last);
		if (res == NULL)
			return r->problem.retry ? RC_RETRY : RC_ERR;
		return command_done(r, res);
	}
	db_round_trips++;
	return command_done(r, sent_result(db->conn, PQsendQuery(db->conn, "COMMIT")));
}

void db_rollback(struct db *db)
{
	forget_deferred(db);
	if (db->conn == NULL)
		return;
	if (PQtransactionStatus(db->conn) == PQTRANS_IDLE)
		return; /* nothing began (a BEGIN still deferred was dropped) */
	db_round_trips++;
	PQclear(sent_result(db->conn, PQsendQuery(db->conn, "ROLLBACK")));
}

void db_release(struct db *db)
{
	forget_deferred(db);
	if (db->conn == NULL)
		return;
	if (PQstatus(db->conn) != CONNECTION_OK) {
		PQfinish(db->conn);
		db->conn = NULL;
		forget_prepared(db);
		return;
	}
	PGTransactionStatusType ts = PQtransactionStatus(db->conn);
	if (ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR)
		db_rollback(db);
	else if (ts != PQTRANS_IDLE) {
		PQfinish(db->conn); /* active or unknown: drop it */
		db->conn = NULL;
		forget_prepared(db);
	}
}

const char *db_value(const PGresult *res, int row, int col)
{
	if (PQgetisnull(res, row, col))
		return NULL;
	return PQgetvalue(res, row, col);
}

bool db_run(PGconn *conn, const char *sql, int n, const char *const *params, PGresult **out)
{
	PGresult *res = PQexecParams(conn, sql, n, NULL, params, NULL, NULL, 0);
	ExecStatusType s = PQresultStatus(res);
	if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
		fprintf(stderr, "techex: %s", PQresultErrorMessage(res));
		PQclear(res);
		return false;
	}
	if (out != NULL)
		*out = res;
	else
		PQclear(res);
	return true;
}

enum rc db_reply_json(struct req *r, int status, const struct stmt *st, const char *const *params)
{
	PGresult *res = db_exec(r, st, params);
	if (res == NULL)
		return RC_ERR;
	enum rc rc = PQntuples(res) == 1
			 ? reply_stored(r, status, PQgetvalue(res, 0, 0), NULL)
			 : problem_set(r, 500, "internal", "the record has vanished");
	PQclear(res);
	return rc;
}

enum rc db_found(struct req *r, const struct stmt *st, const char *const *params, bool *found)
{
	PGresult *res = db_exec(r, st, params);
	if (res == NULL)
		return RC_ERR;
	*found = PQntuples(res) == 1;
	PQclear(res);
	return RC_OK;
}

enum rc db_reply_page(struct req *r, const struct stmt *st, const char *const *params, int limit,
		      int nparts)
{
	PGresult *res = db_exec_planned(r, st, params);
	if (res == NULL)
		return RC_ERR;
	reply_page(r, res, limit, nparts);
	return RC_OK;
}
