/*
 * worker.c - a bounded queue feeding worker threads, which run handlers inside
 * one transaction each.
 *
 * A worker keeps several transactions in flight (TECHEX_WORKER_TRANSACTIONS):
 * each runs on a fiber (fiber.h) with its own database connection, and while
 * one waits for PostgreSQL the worker runs the others or takes the next job.
 * So a bid's round trips, its lock waits and its commit's fsync hold one
 * connection, not a thread, and a two-core server has eight transactions in
 * flight by default.
 *
 * Jobs that hash passwords ("heavy") are CPU work that would stall a worker's
 * other transactions: they wait in their own list for hash_concurrency
 * hashing threads of their own, each running one job at a time, so a burst of
 * logins leaves the workers free for everything else.
 */
#include "worker.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "db.h"
#include "fiber.h"
#include "log.h"
#include "ratelimit.h"

#define MAX_ATTEMPTS 4

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct job_list light, heavy;
	int depth_max;
	bool stopping;
	int ready_fd; /* eventfd: readable while light jobs wait (ready_update) */
	bool ready_set;
	int lanes; /* transactions in flight per worker */
	int nworkers;
	pthread_t *threads; /* the workers, then the hashing threads */
	int nthreads;
	const char *conninfo;
	const char *read_conninfo; /* DATABASE_READ_URL, or NULL */
	atomic_int busy;
} q = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER, .ready_fd = -1};

static struct dispatch_hooks hooks;

void dispatch_set_hooks(const struct dispatch_hooks *h)
{
	hooks = *h;
}

void job_list_push(struct job_list *l, struct job *j)
{
	j->next = NULL;
	if (l->tail)
		l->tail->next = j;
	else
		l->head = j;
	l->tail = j;
	l->n++;
}

struct job *job_list_pop(struct job_list *l)
{
	struct job *j = l->head;
	if (j == NULL)
		return NULL;
	l->head = j->next;
	if (l->head == NULL)
		l->tail = NULL;
	j->next = NULL;
	l->n--;
	return j;
}

/* Outside a transaction, what a handler deferred (an audit row) is sent even
 * when it fails, as if each statement had run at once; its answer stays the
 * handler's problem. */
static void flush_keeping_problem(struct req *r)
{
	struct problem kept = r->problem;
	memset(&r->problem, 0, sizeof r->problem);
	if (db_flush(r) != RC_OK)
		log_warn("request %s: a deferred statement failed: %s", r->request_id,
			 r->problem.detail);
	problem_clear(&r->problem);
	r->problem = kept;
}

/* One attempt: the transaction around authentication, idempotency and the handler. */
static enum rc run_once(struct req *r)
{
	const struct route *rt = r->route;
	bool tx = rt->flags & ROUTE_TX;
	enum rc rc;

	if (tx && (rc = db_begin(r)) != RC_OK)
		return rc;

	if ((rt->flags & (ROUTE_AUTH | ROUTE_ADMIN)) ||
	    ((rt->flags & ROUTE_OPTIONAL_AUTH) && req_header(r, "Authorization") != NULL)) {
		if ((rc = hooks.authenticate(r)) != RC_OK)
			goto fail;
	}
	if ((rt->flags & ROUTE_ADMIN) && !r->auth.platform_admin) {
		rc = problem_set(r, 403, "forbidden", "this action is for platform admins");
		goto fail;
	}
	if ((rt->flags & ROUTE_IDEMPOTENT) && hooks.idempotency_begin != NULL &&
	    req_header(r, "Idempotency-Key") != NULL) {
		if ((rc = hooks.idempotency_begin(r)) != RC_OK) {
			if (r->resp.status != 0 && r->problem.status == 0) {
				rc = RC_OK;
				goto commit; /* a stored response is replayed */
			}
			goto fail;
		}
	}

	rc = rt->handler(r);
	if (rc != RC_OK && r->problem.commit && !r->problem.retry)
		goto commit; /* problem_commit: what the handler wrote stays */
	if (rc != RC_OK)
		goto fail;
	if (r->idem_key[0] != '\0' && (rc = hooks.idempotency_end(r)) != RC_OK)
		goto fail;
commit:
	if (tx && db_commit(r) != RC_OK) {
		rc = r->problem.retry ? RC_RETRY : RC_ERR;
		goto fail;
	}
	if (!tx && db_flush(r) != RC_OK) /* what a handler deferred outside a transaction */
		rc = r->problem.retry ? RC_RETRY : RC_ERR;
	return rc;
fail:
	if (tx)
		db_rollback(r->db);
	else
		flush_keeping_problem(r);
	return r->problem.retry || rc == RC_RETRY ? RC_RETRY : RC_ERR;
}

/* A replica is configured and this is an anonymous read the route lets one answer. */
static bool replica_may_answer(const struct req *r)
{
	return q.read_conninfo != NULL && r->route != NULL && (r->route->flags & ROUTE_REPLICA) &&
	       req_header(r, "Authorization") == NULL;
}

void dispatch_run(struct req *r)
{
	enum rc rc = RC_ERR;
	struct db *primary = r->db;

	/* the replica answers when it can; the primary whenever it cannot */
	if (r->read_db != NULL) {
		if (db_ensure(r->read_db) == RC_OK) {
			r->db = r->read_db;
		} else {
			r->read_db = NULL;
			db_replica_fallbacks++;
		}
	}
	if (db_ensure(r->db) != RC_OK) {
		problem_set(r, 503, "unavailable", "the database is unavailable; retry shortly");
		r->problem.retry_after = 1;
		reply_problem(r);
		return;
	}
	bool reconnected = false;
	for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
		unsigned long before = r->db->succeeded;
		resp_reset(&r->resp);
		problem_clear(&r->problem);
		memset(&r->auth, 0, sizeof r->auth);
		r->idem_key[0] = '\0';
		json_decref(r->json);
		r->json = NULL;
		rc = run_once(r);
		/* A replica that failed under the read: the primary reads it again. */
		if (rc == RC_ERR && r->db == r->read_db &&
		    (r->db->conn == NULL || PQstatus(r->db->conn) != CONNECTION_OK)) {
			db_release(r->db);
			r->db = primary;
			db_replica_fallbacks++;
			if (db_ensure(r->db) == RC_OK) {
				attempt--;
				continue;
			}
			break;
		}
		/* A connection that died while idle (PostgreSQL restarted) fails the
		 * first statement; nothing ran, so reconnect and run the request again. */
		if (rc == RC_ERR && !reconnected && r->db->succeeded == before &&
		    (r->db->conn == NULL || PQstatus(r->db->conn) != CONNECTION_OK)) {
			reconnected = true;
			if (db_ensure(r->db) == RC_OK) {
				attempt--;
				continue;
			}
			break;
		}
		if (rc != RC_RETRY)
			break;
		log_info("request %s: retrying after SQLSTATE %s", r->request_id,
			 r->problem.sqlstate);
	}
	if (rc == RC_RETRY) {
		problem_set(r, 503, "busy", "the request kept conflicting with others; retry");
		r->problem.retry_after = 1;
	}
	if (rc != RC_OK || r->resp.status == 0) {
		if (r->problem.status == 0)
			problem_set(r, 500, "internal", "the handler produced no response");
		resp_reset(&r->resp);
		reply_problem(r);
	} else if (r->db == r->read_db) {
		db_replica_reads++;
	}
	db_release(r->db);
}

/* ---- hashing threads: one job at a time, blocking ------------------------ */

static struct job *take_heavy(void)
{
	struct job *j;
	pthread_mutex_lock(&q.lock);
	while ((j = job_list_pop(&q.heavy)) == NULL && !q.stopping)
		pthread_cond_wait(&q.cond, &q.lock);
	pthread_mutex_unlock(&q.lock);
	return j;
}

/* Runs job j on db (and the replica, when it may answer) and hands it back to
 * the I/O loop. */
static void run_job(struct job *j, struct db *db, struct db *replica)
{
	atomic_fetch_add(&q.busy, 1);
	j->req.db = db;
	j->req.read_db = replica_may_answer(&j->req) ? replica : NULL;
	dispatch_run(&j->req);
	j->req.db = NULL;
	j->req.read_db = NULL;
	atomic_fetch_sub(&q.busy, 1);
	j->done(j); /* hands the job back to the I/O loop; j is not ours anymore */
}

static void *hasher_main(void *arg)
{
	struct db db = {.conninfo = q.conninfo, .app = "techex-hasher", .defer = true};
	struct db replica = {.conninfo = q.read_conninfo, .app = "techex-hasher", .backoff = true};
	struct job *j;
	(void)arg;
	while ((j = take_heavy()) != NULL)
		run_job(j, &db, &replica);
	db_close(&db);
	db_close(&replica);
	return NULL;
}

/* ---- workers: several transactions in flight on one thread ---------------- */

/* One transaction slot of a worker: a fiber with its own connections. */
struct lane {
	struct fiber *fiber;
	struct db db, replica;
	struct job *job; /* NULL while idle */
};

static void lane_main(void *arg)
{
	struct lane *l = arg;
	for (;;) {
		run_job(l->job, &l->db, &l->replica);
		l->job = NULL;
		fiber_yield(); /* idle until the worker hands this lane the next job */
	}
}

/* q.ready_fd says whether light jobs wait (or the workers are stopping), for
 * poll(): readable exactly then. Called with q.lock held. */
static void ready_update(void)
{
	bool want = q.light.n > 0 || q.stopping;
	if (want == q.ready_set)
		return;
	uint64_t one = 1, drained;
	if (want)
		(void)!write(q.ready_fd, &one, sizeof one);
	else
		(void)!read(q.ready_fd, &drained, sizeof drained);
	q.ready_set = want;
}

/* The next light job, or NULL when none waits. */
static struct job *take_light(void)
{
	pthread_mutex_lock(&q.lock);
	struct job *j = job_list_pop(&q.light);
	ready_update();
	pthread_mutex_unlock(&q.lock);
	return j;
}

static bool stopping_now(void)
{
	pthread_mutex_lock(&q.lock);
	bool stopping = q.stopping && q.light.n == 0;
	pthread_mutex_unlock(&q.lock);
	return stopping;
}

/* Resumes lane l; true when its job has ended (the lane is idle again). */
static bool lane_run(struct lane *l)
{
	fiber_resume(l->fiber);
	return l->job == NULL;
}

/* A worker thread: hands jobs to its idle lanes (the lowest first, so that a
 * quiet server keeps using one warm connection) and, while lanes wait for
 * PostgreSQL, polls their sockets and the queue at once. */
static void *worker_main(void *arg)
{
	int nlanes = q.lanes;
	struct lane *lanes = xcalloc((size_t)nlanes, sizeof *lanes);
	struct pollfd *fds = xcalloc((size_t)nlanes + 1, sizeof *fds);
	int *owner = xcalloc((size_t)nlanes + 1, sizeof *owner);
	int busy = 0;
	(void)arg;

	for (int i = 0; i < nlanes; i++) {
		lanes[i].db =
		    (struct db){.conninfo = q.conninfo, .app = "techex-worker", .defer = true};
		lanes[i].replica = (struct db){
		    .conninfo = q.read_conninfo, .app = "techex-worker", .backoff = true};
		if ((lanes[i].fiber = fiber_new(lane_main, &lanes[i])) == NULL) {
			log_error("cannot map a stack for transaction %d of a worker", i);
			nlanes = i;
			break;
		}
	}
	if (nlanes == 0) { /* no stack could be mapped: the other workers serve */
		free(lanes);
		free(fds);
		free(owner);
		return NULL;
	}
	/* connected up front: a lane that connects under load holds up the
	 * worker's other lanes while it does */
	for (int i = 0; i < nlanes; i++)
		if (db_ensure(&lanes[i].db) != RC_OK) {
			log_warn("worker starts without a database connection; it will retry per "
				 "request");
			break;
		}
	for (;;) {
		/* idle lanes take what waits */
		for (int i = 0; i < nlanes && busy < nlanes; i++) {
			if (lanes[i].job != NULL)
				continue;
			struct job *j = take_light();
			if (j == NULL)
				break;
			lanes[i].job = j;
			busy++;
			if (lane_run(&lanes[i]))
				busy--;
		}
		bool stopping = stopping_now();
		if (busy == 0 && stopping)
			break;
		int n = 0;
		for (int i = 0; i < nlanes; i++) {
			int fd;
			short events;
			if (lanes[i].job != NULL && fiber_waiting(lanes[i].fiber, &fd, &events)) {
				fds[n] = (struct pollfd){.fd = fd, .events = events};
				owner[n++] = i;
			}
		}
		if (busy < nlanes && !stopping) {
			fds[n] = (struct pollfd){.fd = q.ready_fd, .events = POLLIN};
			owner[n++] = -1;
		}
		if (poll(fds, (nfds_t)n, -1) < 0)
			continue; /* EINTR */
		for (int k = 0; k < n; k++)
			if (owner[k] >= 0 && fds[k].revents != 0 && lane_run(&lanes[owner[k]]))
				busy--;
	}
	for (int i = 0; i < nlanes; i++) {
		fiber_free(lanes[i].fiber);
		db_close(&lanes[i].db);
		db_close(&lanes[i].replica);
	}
	free(lanes);
	free(fds);
	free(owner);
	return NULL;
}

static enum rc start_threads(void *(*main_fn)(void *), int n)
{
	for (int i = 0; i < n; i++) {
		if (pthread_create(&q.threads[q.nthreads], NULL, main_fn, NULL) != 0) {
			log_error("cannot start thread %d", q.nthreads);
			return RC_ERR;
		}
		q.nthreads++;
	}
	return RC_OK;
}

enum rc workers_start(const struct config *cfg)
{
	q.conninfo = cfg->database_url;
	q.read_conninfo = cfg->read_database_url[0] ? cfg->read_database_url : NULL;
	q.depth_max = cfg->queue_depth;
	q.lanes = cfg->worker_transactions;
	q.nworkers = cfg->workers;
	if ((q.ready_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
		log_error("cannot create the workers' eventfd: %s", strerror(errno));
		return RC_ERR;
	}
	q.threads = xcalloc((size_t)(cfg->workers + cfg->hash_concurrency), sizeof *q.threads);
	/* workers never take SIGTERM or SIGINT: the I/O loop handles them */
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	enum rc rc = start_threads(worker_main, cfg->workers);
	if (rc == RC_OK)
		rc = start_threads(hasher_main, cfg->hash_concurrency);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

enum rc workers_submit(struct job *job)
{
	enum rc rc = RC_OK;
	pthread_mutex_lock(&q.lock);
	if (q.stopping || q.light.n + q.heavy.n >= q.depth_max) {
		rc = RC_ERR;
	} else if (job->heavy) {
		job_list_push(&q.heavy, job);
		pthread_cond_signal(&q.cond);
	} else {
		job_list_push(&q.light, job);
		ready_update();
	}
	pthread_mutex_unlock(&q.lock);
	return rc;
}

void workers_stop(void)
{
	pthread_mutex_lock(&q.lock);
	q.stopping = true;
	ready_update();
	pthread_cond_broadcast(&q.cond);
	pthread_mutex_unlock(&q.lock);
	for (int i = 0; i < q.nthreads; i++)
		pthread_join(q.threads[i], NULL);
	free(q.threads);
	q.threads = NULL;
	q.nthreads = 0;
	if (q.ready_fd >= 0)
		close(q.ready_fd);
	q.ready_fd = -1;
	q.ready_set = false;
}

int workers_queue_depth(void)
{
	pthread_mutex_lock(&q.lock);
	int n = q.light.n + q.heavy.n;
	pthread_mutex_unlock(&q.lock);
	return n;
}

int workers_busy(void)
{
	return atomic_load(&q.busy);
}

int workers_count(void)
{
	return q.nworkers;
}

int workers_in_flight_max(void)
{
	return q.nworkers * q.lanes;
}
