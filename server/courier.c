/*
 * courier.c - the background sender's thread (courier.h).
 */
#include "courier.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "log.h"

/* How long the courier sleeps when nothing was due, and after a failed
 * connection (a commit elsewhere wakes it early through courier_wake). */
#define IDLE_MS 1000
#define RECONNECT_MS 2000

static struct {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool running, woken;
	_Atomic bool stop;
	const char *conninfo;
	const struct courier_task *tasks;
	size_t ntasks;
} courier = {.lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER};

static void courier_sleep(int ms)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&courier.lock);
	while (!courier.stop && !courier.woken) {
		if (pthread_cond_timedwait(&courier.wake, &courier.lock, &until) == ETIMEDOUT)
			break;
	}
	courier.woken = false;
	pthread_mutex_unlock(&courier.lock);
}

static void *courier_main(void *arg)
{
	(void)arg;
	PGconn *conn = NULL;
	while (!courier.stop) {
		if (conn == NULL || PQstatus(conn) != CONNECTION_OK) {
			if (conn != NULL)
				PQfinish(conn);
			conn = db_connect(courier.conninfo, "techex-courier");
			if (PQstatus(conn) != CONNECTION_OK) {
				log_warn("courier: database unreachable: %.*s",
					 (int)strcspn(PQerrorMessage(conn), "\n"),
					 PQerrorMessage(conn));
				PQfinish(conn);
				conn = NULL;
				courier_sleep(RECONNECT_MS);
				continue;
			}
			PQsetNoticeProcessor(conn, db_log_notice, NULL);
		}
		int handled = 0;
		bool failed = false;
		for (size_t i = 0; i < courier.ntasks && !courier.stop; i++) {
			const struct courier_task *task = &courier.tasks[i];
			int n = task->drain(conn, task->arg, &courier.stop);
			if (n < 0) {
				log_warn("courier: %s: database error: %.*s", task->name,
					 (int)strcspn(PQerrorMessage(conn), "\n"),
					 PQerrorMessage(conn));
				failed = true;
				break;
			}
			handled += n;
		}
		if (failed) {
			PQfinish(conn);
			conn = NULL;
			courier_sleep(RECONNECT_MS);
		} else if (handled == 0) {
			courier_sleep(IDLE_MS);
		}
	}
	if (conn != NULL)
		PQfinish(conn);
	return NULL;
}

void courier_start(const char *conninfo, const struct courier_task *tasks)
{
	size_t ntasks = 0;
	while (tasks[ntasks].drain != NULL)
		ntasks++;
	if (ntasks == 0 || courier.running)
		return;
	courier.conninfo = conninfo;
	courier.tasks = tasks;
	courier.ntasks = ntasks;
	courier.stop = false;
	/* the courier never takes SIGTERM or SIGINT: the I/O loop handles them */
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	int failed = pthread_create(&courier.thread, NULL, courier_main, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (failed != 0) {
		log_error("courier: cannot start its thread");
		return;
	}
	courier.running = true;
}

void courier_wake(void)
{
	pthread_mutex_lock(&courier.lock);
	courier.woken = true;
	pthread_cond_signal(&courier.wake);
	pthread_mutex_unlock(&courier.lock);
}

void courier_stop(void)
{
	if (!courier.running)
		return;
	pthread_mutex_lock(&courier.lock);
	courier.stop = true;
	pthread_cond_signal(&courier.wake);
	pthread_mutex_unlock(&courier.lock);
	pthread_join(courier.thread, NULL);
	courier.running = false;
}
