/*
 * worker.c - a bounded queue feeding worker threads; each worker owns one
 * database connection and runs handlers inside one transaction.
 *
 * Jobs that hash passwords ("heavy") wait in their own list and at most
 * hash_concurrency workers take them at once, so a burst of logins leaves the
 * other workers free for everything else; no worker ever blocks waiting for
 * a hashing slot.
 */
#include "worker.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "ratelimit.h"

#define MAX_ATTEMPTS 4

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct job_list light, heavy;
	int depth_max;
	int heavy_running, heavy_max;
	bool stopping;
	pthread_t *threads;
	int nthreads;
	const char *conninfo;
	const char *read_conninfo; /* DATABASE_READ_URL, or NULL */
	atomic_int busy;
} q = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

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

static struct job *take_job(void)
{
	struct job *j = NULL;
	pthread_mutex_lock(&q.lock);
	for (;;) {
		bool heavy_ok = q.heavy.n > 0 && q.heavy_running < q.heavy_max;
		/* alternate fairly: a heavy job goes first only when its slot is free */
		if (heavy_ok) {
			j = job_list_pop(&q.heavy);
			q.heavy_running++;
			break;
		}
		if (q.light.n > 0) {
			j = job_list_pop(&q.light);
			break;
		}
		if (q.stopping && q.heavy.n == 0)
			break;
		pthread_cond_wait(&q.cond, &q.lock);
	}
	pthread_mutex_unlock(&q.lock);
	return j;
}

static void *worker_main(void *arg)
{
	struct db db = {.conninfo = q.conninfo, .defer = true};
	struct db replica = {.conninfo = q.read_conninfo, .backoff = true};
	(void)arg;

	if (db_ensure(&db) != RC_OK)
		log_warn("worker starts without a database connection; it will retry per request");
	for (;;) {
		struct job *j = take_job();
		if (j == NULL)
			break;
		atomic_fetch_add(&q.busy, 1);
		j->req.db = &db;
		j->req.read_db = replica_may_answer(&j->req) ? &replica : NULL;
		dispatch_run(&j->req);
		j->req.db = NULL;
		j->req.read_db = NULL;
		atomic_fetch_sub(&q.busy, 1);
		if (j->heavy) {
			pthread_mutex_lock(&q.lock);
			q.heavy_running--;
			pthread_cond_broadcast(&q.cond);
			pthread_mutex_unlock(&q.lock);
		}
		j->done(j); /* hands the job back to the I/O loop; j is not ours anymore */
	}
	db_close(&db);
	db_close(&replica);
	return NULL;
}

enum rc workers_start(const struct config *cfg)
{
	q.conninfo = cfg->database_url;
	q.read_conninfo = cfg->read_database_url[0] ? cfg->read_database_url : NULL;
	q.depth_max = cfg->queue_depth;
	q.heavy_max = cfg->hash_concurrency;
	q.threads = xcalloc((size_t)cfg->workers, sizeof *q.threads);
	/* workers never take SIGTERM or SIGINT: the I/O loop handles them */
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	enum rc rc = RC_OK;
	for (int i = 0; i < cfg->workers; i++) {
		if (pthread_create(&q.threads[i], NULL, worker_main, NULL) != 0) {
			log_error("cannot start worker thread %d", i);
			rc = RC_ERR;
			break;
		}
		q.nthreads++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

enum rc workers_submit(struct job *job)
{
	enum rc rc = RC_OK;
	pthread_mutex_lock(&q.lock);
	if (q.stopping || q.light.n + q.heavy.n >= q.depth_max) {
		rc = RC_ERR;
	} else {
		job_list_push(job->heavy ? &q.heavy : &q.light, job);
		pthread_cond_broadcast(&q.cond);
	}
	pthread_mutex_unlock(&q.lock);
	return rc;
}

void workers_stop(void)
{
	pthread_mutex_lock(&q.lock);
	q.stopping = true;
	pthread_cond_broadcast(&q.cond);
	pthread_mutex_unlock(&q.lock);
	for (int i = 0; i < q.nthreads; i++)
		pthread_join(q.threads[i], NULL);
	free(q.threads);
	q.threads = NULL;
	q.nthreads = 0;
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
	return q.nthreads;
}
