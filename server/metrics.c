/*
 * metrics.c - request counts by route and status, a latency histogram, and
 * gauges of the queue, the workers and the database connections.
 */
#include "metrics.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "loopdb.h"
#include "worker.h"

static const int status_slots[] = {200, 201, 204, 304, 400, 401, 403, 404, 405, 408,
				   409, 412, 413, 415, 422, 428, 429, 431, 500, 503};
#define NSTATUS (ARRAY_LEN(status_slots) + 1) /* last: any other status */

static const double buckets[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
				 0.1,   0.25,   0.5,   1.0,  2.5,   5.0};
#define NBUCKETS ARRAY_LEN(buckets)

static struct {
	const struct router *rt;
	unsigned long *counts; /* (routes + 1) x NSTATUS; the extra row is "unmatched" */
	unsigned long hist[NBUCKETS + 1];
	double sum;
	unsigned long total;
} m;

int metrics_open_connections;

void metrics_init(const struct router *rt)
{
	m.rt = rt;
	m.counts = xcalloc((rt->n + 1) * NSTATUS, sizeof *m.counts);
}

static size_t route_index(const struct route *route)
{
	for (size_t i = 0; route != NULL && i < m.rt->n; i++)
		if (m.rt->routes[i] == route)
			return i;
	return m.rt->n;
}

static size_t status_index(int status)
{
	for (size_t i = 0; i < ARRAY_LEN(status_slots); i++)
		if (status_slots[i] == status)
			return i;
	return NSTATUS - 1;
}

void metrics_observe(const struct route *route, int status, double seconds)
{
	if (m.counts == NULL)
		return;
	m.counts[route_index(route) * NSTATUS + status_index(status)]++;
	size_t b = 0;
	while (b < NBUCKETS && seconds > buckets[b])
		b++;
	m.hist[b]++;
	m.sum += seconds;
	m.total++;
}

struct out {
	char *buf;
	size_t len, cap;
};

static void outf(struct out *o, const char *fmt, ...) PRINTF_LIKE(2, 3);
static void outf(struct out *o, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		va_start(ap, fmt);
		int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < o->cap - o->len) {
			o->len += (size_t)n;
			return;
		}
		o->cap = o->cap * 2 + (size_t)(n > 0 ? n : 0) + 256;
		o->buf = xrealloc(o->buf, o->cap);
	}
}

char *metrics_render(void)
{
	struct out o = {.buf = xmalloc(4096), .cap = 4096};
	o.buf[0] = '\0';

	outf(&o, "# HELP techex_http_requests_total Requests answered, by route and status.\n"
		 "# TYPE techex_http_requests_total counter\n");
	for (size_t r = 0; m.counts != NULL && r <= m.rt->n; r++) {
		const char *method = r < m.rt->n ? method_name(m.rt->routes[r]->method) : "";
		const char *pattern = r < m.rt->n ? m.rt->routes[r]->pattern : "unmatched";
		for (size_t s = 0; s < NSTATUS; s++) {
			unsigned long c = m.counts[r * NSTATUS + s];
			if (c == 0)
				continue;
			if (s < ARRAY_LEN(status_slots))
				outf(&o,
				     "techex_http_requests_total{method=\"%s\",route=\"%s\",status="
				     "\"%d\"} %lu\n",
				     method, pattern, status_slots[s], c);
			else
				outf(&o,
				     "techex_http_requests_total{method=\"%s\",route=\"%s\",status="
				     "\"other\"} %lu\n",
				     method, pattern, c);
		}
	}
	outf(&o, "# HELP techex_http_request_duration_seconds Time from request to reply.\n"
		 "# TYPE techex_http_request_duration_seconds histogram\n");
	unsigned long cum = 0;
	for (size_t b = 0; b < NBUCKETS; b++) {
		cum += m.hist[b];
		outf(&o, "techex_http_request_duration_seconds_bucket{le=\"%g\"} %lu\n", buckets[b],
		     cum);
	}
	cum += m.hist[NBUCKETS];
	outf(&o, "techex_http_request_duration_seconds_bucket{le=\"+Inf\"} %lu\n", cum);
	outf(&o, "techex_http_request_duration_seconds_sum %.6f\n", m.sum);
	outf(&o, "techex_http_request_duration_seconds_count %lu\n", m.total);

	outf(&o,
	     "# HELP techex_queue_depth Requests waiting for a worker.\n"
	     "# TYPE techex_queue_depth gauge\ntechex_queue_depth %d\n",
	     workers_queue_depth());
	outf(&o,
	     "# HELP techex_workers_busy Handlers running now (in flight on the workers, or"
	     " hashing).\n"
	     "# TYPE techex_workers_busy gauge\ntechex_workers_busy %d\n",
	     workers_busy());
	outf(&o,
	     "# HELP techex_workers Worker threads.\n"
	     "# TYPE techex_workers gauge\ntechex_workers %d\n",
	     workers_count());
	outf(&o,
	     "# HELP techex_worker_transactions_max Transactions the workers keep in flight at"
	     " most.\n"
	     "# TYPE techex_worker_transactions_max gauge\ntechex_worker_transactions_max %d\n",
	     workers_in_flight_max());
	outf(&o,
	     "# HELP techex_open_connections Open client connections.\n"
	     "# TYPE techex_open_connections gauge\ntechex_open_connections %d\n",
	     metrics_open_connections);
	outf(&o,
	     "# HELP techex_loop_db_ready Pipelined database connections of the I/O loop that are "
	     "up.\n"
	     "# TYPE techex_loop_db_ready gauge\ntechex_loop_db_ready %d\n"
	     "# HELP techex_loop_reads_total Reads the I/O loop answered itself.\n"
	     "# TYPE techex_loop_reads_total counter\ntechex_loop_reads_total %lu\n"
	     "# HELP techex_loop_handed_back_total Loop reads handed to the workers instead.\n"
	     "# TYPE techex_loop_handed_back_total counter\ntechex_loop_handed_back_total %lu\n",
	     loopdb_ready(), loopdb_served(), loopdb_handed_back());
	outf(
	    &o,
	    "# HELP techex_db_reconnects_total Database reconnections (workers and the I/O loop).\n"
	    "# TYPE techex_db_reconnects_total counter\ntechex_db_reconnects_total %lu\n"
	    "# HELP techex_db_round_trips_total The workers' round trips to the database (one"
	    " pipeline of deferred statements is one).\n"
	    "# TYPE techex_db_round_trips_total counter\ntechex_db_round_trips_total %lu\n"
	    "# HELP techex_db_deferred_total Statements whose result nobody reads (BEGIN, audit"
	    " rows, events, stored responses) sent along with another statement.\n"
	    "# TYPE techex_db_deferred_total counter\ntechex_db_deferred_total %lu\n",
	    (unsigned long)db_reconnects, (unsigned long)db_round_trips,
	    (unsigned long)db_deferred_sent);
	outf(
	    &o,
	    "# HELP techex_replica_reads_total Worker requests DATABASE_READ_URL's replica answered"
	    " (the I/O loop's reads come from it too when it is set).\n"
	    "# TYPE techex_replica_reads_total counter\ntechex_replica_reads_total %lu\n"
	    "# HELP techex_replica_fallbacks_total Replica reads the primary answered instead.\n"
	    "# TYPE techex_replica_fallbacks_total counter\ntechex_replica_fallbacks_total %lu\n",
	    (unsigned long)db_replica_reads, (unsigned long)db_replica_fallbacks);
	return o.buf;
}

void metrics_free(void)
{
	free(m.counts);
	memset(&m, 0, sizeof m);
}
