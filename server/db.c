/*
 * db.c - connections, lazily prepared statements, error mapping.
 */
#include "db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "req.h"

_Atomic unsigned long db_reconnects;
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

PGconn *db_connect(const char *conninfo)
{
	/* a default connect_timeout so an unreachable host cannot stall a worker
	 * for minutes; one given in DATABASE_URL wins (it comes later) */
	const char *const keys[] = {"connect_timeout", "dbname", NULL};
	const char *const values[] = {"5", conninfo, NULL};
	return PQconnectdbParams(keys, values, 1);
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

void db_close(struct db *db)
{
	if (db->conn != NULL)
		PQfinish(db->conn);
	db->conn = NULL;
	forget_prepared(db);
	free(db->prepared);
	db->prepared = NULL;
	db->cap = 0;
}

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
	db->conn = db_connect(db->conninfo);
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
		PQclear(PQexec(db->conn, *set));
	if (db->ever_connected)
		db_reconnects++;
	db->ever_connected = true;
	PQsetClientEncoding(db->conn, "UTF8");
	return RC_OK;
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

PGresult *db_exec(struct req *r, const struct stmt *st, const char *const *params)
{
	return db_exec_binary(r, st, params, NULL, false);
}

PGresult *db_exec_binary(struct req *r, const struct stmt *st, const char *const *params,
			 const int *lengths, bool binary_result)
{
	struct db *db = r->db;
	PGresult *res;

	if (db->conn == NULL) {
		set_db_problem(r, NULL);
		return NULL;
	}
	if (!is_prepared(db, st)) {
		res = PQprepare(db->conn, st->name, st->sql, st->nparams, NULL);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			set_db_problem(r, res);
			log_error("prepare %s failed: %s", st->name, PQresultErrorMessage(res));
			PQclear(res);
			return NULL;
		}
		PQclear(res);
		if (db->nprepared == db->cap) {
			db->cap = db->cap ? db->cap * 2 : 64;
			db->prepared = xrealloc(db->prepared, db->cap * sizeof *db->prepared);
		}
		db->prepared[db->nprepared++] = st;
	}
	int formats[16] = {0};
	if (lengths != NULL)
		for (int i = 0; i < st->nparams && i < 16; i++)
			formats[i] = lengths[i] >= 0 ? 1 : 0;
	res = PQexecPrepared(db->conn, st->name, st->nparams, params, lengths,
			     lengths != NULL ? formats : NULL, binary_result ? 1 : 0);
	return checked(r, res);
}

PGresult *db_exec_planned(struct req *r, const struct stmt *st, const char *const *params)
{
	if (r->db->conn == NULL) {
		set_db_problem(r, NULL);
		return NULL;
	}
	return checked(
	    r, PQexecParams(r->db->conn, st->sql, st->nparams, NULL, params, NULL, NULL, 0));
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

enum rc db_not_found(struct req *r, const char *noun)
{
	return problem_set(r, 404, "not-found", "no %s has this id", noun);
}

enum rc db_begin(struct req *r)
{
	return command_done(r, PQexec(r->db->conn, "BEGIN"));
}

enum rc db_commit(struct req *r)
{
	return command_done(r, PQexec(r->db->conn, "COMMIT"));
}

void db_rollback(struct db *db)
{
	if (db->conn == NULL)
		return;
	PQclear(PQexec(db->conn, "ROLLBACK"));
}

void db_release(struct db *db)
{
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
