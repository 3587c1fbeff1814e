/*
 * loopdb.c - the I/O loop's own pipelined database connections.
 *
 * Each connection is non-blocking and in pipeline mode. A request's statement
 * goes out with its own Sync, so results come back in order as
 *   result, NULL, PIPELINE_SYNC
 * and the Sync is what completes the oldest job in the connection's queue.
 * The set-up statements of a fresh connection (session settings, PREPAREs) go
 * out the same way ahead of any job and are counted in setup_left.
 */
#include "loopdb.h"

#include <event2/event.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "router.h"
#include "worker.h"

#define PIPE_MAX 128      /* statements in flight on one connection */
#define CONNECT_SECONDS 5 /* as db_connect's default connect_timeout */
#define RECONNECT_SECONDS 1

enum lc_state { LC_DOWN, LC_CONNECTING, LC_READY };

struct lconn {
	enum lc_state state;
	PGconn *conn;
	struct event *io;    /* connecting: one-shot; ready: reads, persistent */
	struct event *flush; /* ready: the socket can take more output */
	struct event *timer; /* connect deadline, or the next reconnect */
	int setup_left;      /* Syncs of set-up statements still to come */
	bool setup_failed;
	struct job_list jobs; /* in the order their statements were sent */
	bool ever_ready;
};

static struct {
	struct event_base *base;
	const char *conninfo;
	const struct stmt **stmts;
	int nstmts;
	struct lconn *c;
	int nc;
	void (*fallback)(struct job *job);
	atomic_ulong served, handed_back;
	atomic_int ready;
} L;

static void lc_connect(struct lconn *c);
static void on_connect(evutil_socket_t fd, short what, void *arg);

static void set_ready(struct lconn *c, bool ready)
{
	if ((c->state == LC_READY) != ready)
		atomic_fetch_add(&L.ready, ready ? 1 : -1);
}

static void hand_back(struct job *job)
{
	PQclear(job->loop_res);
	job->loop_res = NULL;
	atomic_fetch_add(&L.handed_back, 1);
	L.fallback(job);
}

/* Drops the connection; its jobs go to the workers; a reconnect follows unless
 * the loop is stopping. */
static void lc_down(struct lconn *c, const char *why)
{
	if (c->state == LC_READY && c->timer != NULL)
		log_warn("loop database connection lost: %.*s; its reads go to the workers",
			 (int)strcspn(why, "\n"), why);
	else if (c->state == LC_CONNECTING && c->timer != NULL)
		log_debug("loop database connection failed: %.*s", (int)strcspn(why, "\n"), why);
	set_ready(c, false);
	c->state = LC_DOWN;
	if (c->io) {
		event_free(c->io);
		c->io = NULL;
	}
	if (c->flush) {
		event_free(c->flush);
		c->flush = NULL;
	}
	if (c->conn) {
		PQfinish(c->conn);
		c->conn = NULL;
	}
	c->setup_left = 0;
	c->setup_failed = false;
	struct job *job;
	while ((job = job_list_pop(&c->jobs)) != NULL)
		hand_back(job);
	if (c->timer) {
		struct timeval again = {RECONNECT_SECONDS, 0};
		evtimer_add(c->timer, &again);
	}
}

static void take_results(struct lconn *c);

/* Pushes queued output. libpq may read while it writes: what it read is no
 * longer on the socket to wake the loop, so take it now. */
static void lc_flush(struct lconn *c)
{
	int f = PQflush(c->conn);
	if (f < 0) {
		lc_down(c, PQerrorMessage(c->conn));
		return;
	}
	if (f > 0)
		event_add(c->flush, NULL);
	take_results(c);
}

/* The oldest statement's Sync arrived: its job is done one way or another. */
static void complete_one(struct lconn *c)
{
	if (c->setup_left > 0) {
		c->setup_left--;
		return;
	}
	struct job *job = job_list_pop(&c->jobs);
	if (job == NULL)
		return;
	PGresult *res = job->loop_res;
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		if (res != NULL)
			log_debug("request %s: loop read failed (%s); a worker runs it",
				  job->req.request_id, PQresultErrorMessage(res));
		hand_back(job);
		return;
	}
	struct req *r = &job->req;
	if (r->route->loop->reply(r, res) != RC_OK || r->resp.status == 0) {
		if (r->problem.status == 0)
			problem_set(r, 500, "internal", "the handler produced no response");
		resp_reset(&r->resp);
		reply_problem(r);
	}
	PQclear(res);
	job->loop_res = NULL;
	atomic_fetch_add(&L.served, 1);
	job->done(job);
}

static void take_results(struct lconn *c)
{
	int nulls = 0;
	while (c->conn != NULL && !PQisBusy(c->conn)) {
		PGresult *res = PQgetResult(c->conn);
		if (res == NULL) {
			if (++nulls > 1) /* idle: nothing more was sent */
				break;
			continue;
		}
		nulls = 0;
		if (PQstatus(c->conn) == CONNECTION_BAD) { /* terminated, say: the rest is lost */
			PQclear(res);
			lc_down(c, PQerrorMessage(c->conn));
			return;
		}
		ExecStatusType st = PQresultStatus(res);
		if (st == PGRES_PIPELINE_SYNC) {
			PQclear(res);
			complete_one(c);
			if (c->setup_left == 0 && c->setup_failed) {
				lc_down(c, "its set-up failed");
				return;
			}
		} else if (c->setup_left > 0) {
			if (st != PGRES_COMMAND_OK) {
				log_warn("loop database set-up failed: %s",
					 PQresultErrorMessage(res));
				c->setup_failed = true;
			}
			PQclear(res);
		} else if (c->jobs.head != NULL && c->jobs.head->loop_res == NULL) {
			c->jobs.head->loop_res = res;
		} else {
			PQclear(res);
		}
	}
}

static void on_io(evutil_socket_t fd, short what, void *arg)
{
	struct lconn *c = arg;
	(void)fd;
	(void)what;
	if (!PQconsumeInput(c->conn)) {
		lc_down(c, PQerrorMessage(c->conn));
		return;
	}
	take_results(c);
}

static void on_flush(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	lc_flush(arg);
}

static bool send_one(PGconn *conn, const char *name, const char *sql, int n,
		     const char *const *params)
{
	int ok = name == NULL  ? PQsendQueryParams(conn, sql, 0, NULL, NULL, NULL, NULL, 0)
		 : sql != NULL ? PQsendPrepare(conn, name, sql, n, NULL)
			       : PQsendQueryPrepared(conn, name, n, params, NULL, NULL, 0);
	return ok && PQpipelineSync(conn);
}

/* Connected: enters pipeline mode and queues the set-up statements. */
static void lc_ready(struct lconn *c)
{
	evtimer_del(c->timer);
	event_free(c->io);
	c->io = NULL;
	PQsetNoticeProcessor(c->conn, db_log_notice, NULL);
	if (PQsetnonblocking(c->conn, 1) != 0 || !PQenterPipelineMode(c->conn)) {
		lc_down(c, PQerrorMessage(c->conn));
		return;
	}
	c->setup_left = 0;
	for (const char *const *set = db_session_settings; *set != NULL; set++) {
		if (!send_one(c->conn, NULL, *set, 0, NULL))
			goto broken;
		c->setup_left++;
	}
	for (int i = 0; i < L.nstmts; i++) {
		if (!send_one(c->conn, L.stmts[i]->name, L.stmts[i]->sql, L.stmts[i]->nparams,
			      NULL))
			goto broken;
		c->setup_left++;
	}
	int fd = PQsocket(c->conn);
	c->io = event_new(L.base, fd, EV_READ | EV_PERSIST, on_io, c);
	c->flush = event_new(L.base, fd, EV_WRITE, on_flush, c);
	event_add(c->io, NULL);
	if (c->ever_ready)
		db_reconnects++;
	c->ever_ready = true;
	set_ready(c, true);
	c->state = LC_READY;
	lc_flush(c);
	return;
broken:
	lc_down(c, PQerrorMessage(c->conn));
}

/* Waits for the socket to become ready the way libpq asked. */
static void lc_wait(struct lconn *c, PostgresPollingStatusType st)
{
	if (c->io)
		event_free(c->io);
	short ev = st == PGRES_POLLING_READING ? EV_READ : EV_WRITE;
	c->io = event_new(L.base, PQsocket(c->conn), ev, on_connect, c);
	event_add(c->io, NULL);
}

static void on_connect(evutil_socket_t fd, short what, void *arg)
{
	struct lconn *c = arg;
	(void)fd;
	(void)what;
	PostgresPollingStatusType st = PQconnectPoll(c->conn);
	if (st == PGRES_POLLING_OK)
		lc_ready(c);
	else if (st == PGRES_POLLING_FAILED)
		lc_down(c, PQerrorMessage(c->conn));
	else
		lc_wait(c, st); /* the socket may change while libpq tries the next address */
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct lconn *c = arg;
	(void)fd;
	(void)what;
	if (c->state == LC_CONNECTING)
		lc_down(c, "connecting took too long");
	else if (c->state == LC_DOWN)
		lc_connect(c);
}

static void lc_connect(struct lconn *c)
{
	/* the keys after dbname win over what the connection string says; a
	 * fallback application name tells these connections apart in pg_stat_activity.
	 * (connect_timeout means nothing to a connection made by polling: c->timer
	 * is the deadline.) */
	const char *const keys[] = {"fallback_application_name", "dbname", "client_encoding", NULL};
	const char *const values[] = {"techex-loop", L.conninfo, "UTF8", NULL};
	c->conn = PQconnectStartParams(keys, values, 1);
	if (c->conn == NULL || PQstatus(c->conn) == CONNECTION_BAD) {
		lc_down(c, c->conn ? PQerrorMessage(c->conn) : "out of memory");
		return;
	}
	c->state = LC_CONNECTING;
	struct timeval limit = {CONNECT_SECONDS, 0};
	evtimer_add(c->timer, &limit);
	lc_wait(c, PGRES_POLLING_WRITING);
}

static bool has_stmt(const struct stmt *st)
{
	for (int i = 0; i < L.nstmts; i++)
		if (L.stmts[i] == st || strcmp(L.stmts[i]->name, st->name) == 0)
			return true;
	return false;
}

void loopdb_start(struct event_base *base, const char *conninfo, int n, const struct router *rt,
		  void (*fallback)(struct job *job))
{
	L.base = base;
	L.conninfo = conninfo;
	L.fallback = fallback;
	L.stmts = xcalloc(rt->n + 1, sizeof *L.stmts);
	for (size_t i = 0; i < rt->n; i++) {
		const struct loop_read *lr = rt->routes[i]->loop;
		if (lr != NULL && lr->st->nparams > LOOP_MAX_PARAMS) {
			/* loopdb_submit has room for LOOP_MAX_PARAMS: leave every read to the workers */
			log_error("%s: statement %s has %d parameters, the loop takes %d; the loop "
				  "answers nothing",
				  rt->routes[i]->pattern, lr->st->name, lr->st->nparams,
				  LOOP_MAX_PARAMS);
			n = 0;
		}
		if (lr != NULL && !has_stmt(lr->st))
			L.stmts[L.nstmts++] = lr->st;
	}
	if (L.nstmts == 0)
		n = 0;
	L.nc = n;
	L.c = xcalloc((size_t)(n > 0 ? n : 1), sizeof *L.c);
	for (int i = 0; i < n; i++) {
		L.c[i].timer = evtimer_new(base, on_timer, &L.c[i]);
		lc_connect(&L.c[i]);
	}
}

bool loopdb_eligible(const struct req *r)
{
	const struct route *rt = r->route;
	return L.nc > 0 && rt != NULL && rt->loop != NULL &&
	       (rt->flags & (ROUTE_AUTH | ROUTE_ADMIN | ROUTE_TX | ROUTE_IDEMPOTENT)) == 0 &&
	       req_header(r, "Authorization") == NULL;
}

enum loop_rc loopdb_submit(struct job *job)
{
	struct req *r = &job->req;
	const struct loop_read *lr = r->route->loop;
	const char *params[LOOP_MAX_PARAMS] = {0};

	if (lr->params(r, params) != RC_OK)
		return LOOP_ANSWERED;
	struct lconn *c = NULL;
	for (int i = 0; i < L.nc; i++)
		if (L.c[i].state == LC_READY && L.c[i].jobs.n < PIPE_MAX &&
		    (c == NULL || L.c[i].jobs.n < c->jobs.n))
			c = &L.c[i];
	if (c == NULL)
		return LOOP_UNAVAILABLE;
	if (!send_one(c->conn, lr->st->name, NULL, lr->st->nparams, params)) {
		lc_down(c, PQerrorMessage(c->conn));
		return LOOP_UNAVAILABLE;
	}
	job->loop_res = NULL;
	job_list_push(&c->jobs, job);
	lc_flush(c); /* may drop the connection: then the job is already handed back */
	return LOOP_QUEUED;
}

/* Waits up to the deadline for the connection's socket; false when it passed. */
static bool wait_socket(struct lconn *c, short events, int64_t deadline)
{
	int64_t left_ms = (deadline - mono_ns()) / 1000000;
	struct pollfd pfd = {.fd = PQsocket(c->conn), .events = events};
	return left_ms > 0 && poll(&pfd, 1, (int)left_ms) > 0;
}

/* At stop, for at most a second: finishes a connection being made and takes the
 * results still in flight (a fresh connection's set-up), so that PostgreSQL
 * never writes into a closed socket ("connection to client lost"). */
static void lc_quiesce(struct lconn *c)
{
	int64_t deadline = mono_ns() + 1000000000LL;
	while (c->state == LC_CONNECTING) {
		PostgresPollingStatusType st = PQconnectPoll(c->conn);
		if (st == PGRES_POLLING_OK || st == PGRES_POLLING_FAILED ||
		    !wait_socket(c, st == PGRES_POLLING_READING ? POLLIN : POLLOUT, deadline))
			return; /* connected and idle, or given up: PQfinish ends it cleanly */
	}
	while (c->state == LC_READY && (c->setup_left > 0 || c->jobs.head != NULL)) {
		if (!wait_socket(c, POLLIN, deadline) || !PQconsumeInput(c->conn))
			return;
		take_results(c);
	}
}

void loopdb_stop(void)
{
	for (int i = 0; i < L.nc; i++) {
		struct lconn *c = &L.c[i];
		event_free(c->timer);
		c->timer = NULL; /* no reconnect */
		lc_quiesce(c);
		lc_down(c, "stopping");
	}
	free(L.c);
	free(L.stmts);
	memset(&L, 0, sizeof L);
}

int loopdb_ready(void)
{
	return atomic_load(&L.ready);
}

unsigned long loopdb_served(void)
{
	return atomic_load(&L.served);
}

unsigned long loopdb_handed_back(void)
{
	return atomic_load(&L.handed_back);
}
