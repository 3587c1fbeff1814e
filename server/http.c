/*
 * http.c - libevent's evhttp on one I/O thread; handlers run on workers.
 *
 * Every connection's bytes pass through the connection filter (filter.c) before
 * evhttp sees them. Here: dispatch of each request to the loop's own reads
 * (loopdb.c) or to the workers, replies, the access log, the /metrics listener,
 * maintenance, signals and the graceful drain.
 */
#include "http.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <event2/thread.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>
#include <sys/resource.h>
#include <unistd.h>

#include "log.h"
#include "loopdb.h"
#include "metrics.h"
#include "worker.h"

#define DRAIN_SECONDS 10
#define MAINTENANCE_SECONDS 300

static struct {
	const struct config *cfg;
	struct router *rt;
	struct event_base *base;
	struct evhttp *http;
	struct evhttp_bound_socket *bound;
	struct evhttp *metrics_http; /* on cfg->metrics_listen, when set */
	handler_fn metrics;
	SSL_CTX *ssl_ctx;
	struct event *done_ev, *drain_timer, *maint_timer, *sigterm_ev, *sigint_ev;
	pthread_mutex_t done_lock;
	struct job_list done; /* finished on workers, for the loop to reply */
	int inflight;         /* requests queued for or held by workers */
	int unsent;           /* connections holding reply bytes the socket has not taken yet */
	bool draining;
	bool accepting;
	char secret[37];
	char synthetic[64]; /* "/-/<secret>/": the prefix of the filter's synthetic requests */
	struct route maintenance_route;
} srv = {.done_lock = PTHREAD_MUTEX_INITIALIZER};

/* ---- requests and replies ---------------------------------------------- */

static void http_job_done(struct job *job);
static void http_loop_done(struct job *job);

static enum method method_of(struct evhttp_request *evreq)
{
	switch (evhttp_request_get_command(evreq)) {
	case EVHTTP_REQ_GET: return M_GET;
	case EVHTTP_REQ_POST: return M_POST;
	case EVHTTP_REQ_PUT: return M_PUT;
	case EVHTTP_REQ_PATCH: return M_PATCH;
	case EVHTTP_REQ_DELETE: return M_DELETE;
	case EVHTTP_REQ_HEAD: return M_HEAD;
	case EVHTTP_REQ_OPTIONS: return M_OPTIONS;
	default: return M_OTHER;
	}
}

/* libevent knows the phrases of older status codes only. */
static const char *reason_phrase(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 304: return "Not Modified";
	default: return problem_title(status);
	}
}

static void check_drained(void)
{
	if (srv.draining && srv.inflight == 0 && srv.unsent == 0)
		event_base_loopexit(srv.base, NULL);
}

static void send_reply(struct evhttp_request *evreq, struct req *r, int64_t start_ns)
{
	struct evkeyvalq *out = evhttp_request_get_output_headers(evreq);
	struct evbuffer *body = evbuffer_new();
	int status = r->resp.status ? r->resp.status : 500;

	if (r->resp.content_type != NULL)
		evhttp_add_header(out, "Content-Type", r->resp.content_type);
	for (int i = 0; i < r->resp.nheaders; i++)
		evhttp_add_header(out, r->resp.headers[i].key, r->resp.headers[i].value);
	evhttp_add_header(out, "X-Request-Id", r->request_id);
	evhttp_add_header(out, "X-Content-Type-Options", "nosniff");
	if (evhttp_find_header(out, "Cache-Control") == NULL) /* a handler may allow caching */
		evhttp_add_header(out, "Cache-Control", "no-store");
	if (srv.draining)
		evhttp_add_header(out, "Connection", "close");
	if (r->method == M_HEAD) {
		/* the headers a GET would carry, without its body */
		char len[24];
		snprintf(len, sizeof len, "%zu", r->resp.body_len);
		evhttp_add_header(out, "Content-Length", len);
	} else if (r->resp.body_len > 0) {
		evbuffer_add(body, r->resp.body, r->resp.body_len);
	}
	evhttp_send_reply(evreq, status, reason_phrase(status), body);
	evbuffer_free(body);

	double secs = (double)(mono_ns() - start_ns) / 1e9;
	metrics_observe(r->route, status, secs);
	struct access_entry e = {
	    .request_id = r->request_id,
	    .method = r->method_name,
	    .route = r->route ? r->route->pattern : "unmatched",
	    .status = status,
	    .duration_ms = secs * 1000.0,
	    .org_id = r->auth.org_id[0] ? r->auth.org_id : NULL,
	    .client_ip = r->client_ip,
	};
	log_access(&e);
}

/* Copies what a handler needs out of the evhttp request. */
static enum rc fill_req(struct req *r, struct evhttp_request *evreq, const char *path,
			const char *query)
{
	struct evkeyvalq *in = evhttp_request_get_input_headers(evreq);
	struct evkeyval *h;
	int n = 0;

	TAILQ_FOREACH(h, in, next) n++;
	r->headers = xcalloc((size_t)n, sizeof *r->headers);
	TAILQ_FOREACH(h, in, next)
	{
		r->headers[r->nheaders].key = xstrdup(h->key);
		r->headers[r->nheaders].value = xstrdup(h->value);
		r->nheaders++;
	}

	struct evbuffer *buf = evhttp_request_get_input_buffer(evreq);
	r->body_len = evbuffer_get_length(buf);
	r->body = xmalloc(r->body_len + 1);
	evbuffer_remove(buf, r->body, r->body_len);
	r->body[r->body_len] = '\0';

	if (query != NULL && req_parse_query(r, query) != RC_OK)
		return RC_ERR;

	struct evhttp_connection *evcon = evhttp_request_get_connection(evreq);
	char *addr = NULL;
	ev_uint16_t port = 0;
	if (evcon != NULL)
		evhttp_connection_get_peer(evcon, &addr, &port);
	char forwarded[1024] = "";
	for (int i = 0; i < r->nheaders; i++) /* several X-Forwarded-For lines are one list */
		if (strcasecmp(r->headers[i].key, "X-Forwarded-For") == 0)
			snprintf(forwarded + strlen(forwarded),
				 sizeof forwarded - strlen(forwarded), "%s%s",
				 forwarded[0] ? ", " : "", r->headers[i].value);
	proxy_client_address(&srv.cfg->trusted_proxies, addr ? addr : "",
			     forwarded[0] ? forwarded : NULL, r->client_ip, sizeof r->client_ip);
	(void)path;
	return RC_OK;
}

static void reply_now(struct evhttp_request *evreq, struct req *r, int64_t start_ns)
{
	send_reply(evreq, r, start_ns);
	req_free(r);
}

static void on_request(struct evhttp_request *evreq, void *arg)
{
	int64_t start = mono_ns();
	struct req r = {0};
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(evreq);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	const char *query = uri ? evhttp_uri_get_query(uri) : NULL;
	int status = 0;
	unsigned allow = 0;
	(void)arg;

	request_id_new(r.request_id);
	r.method = method_of(evreq);
	r.method_name = method_name(r.method);
	if (path == NULL || *path == '\0')
		path = "/";
	r.path = xstrdup(path);

	if (strncmp(path, "/-/", 3) == 0 && filter_synthetic_problem(&r, path)) {
		reply_problem(&r);
		reply_header(&r, "Connection", "close"); /* the filter discards what follows */
		reply_now(evreq, &r, start);
		return;
	}

	r.route = router_match(srv.rt, r.method, path, r.params, &r.nparams, &status, &allow);
	if (fill_req(&r, evreq, path, query) != RC_OK) {
		reply_problem(&r);
		reply_now(evreq, &r, start);
		return;
	}
	if (r.route == NULL) {
		if (status == 405) {
			router_allow_header(allow, r.problem.allow, sizeof r.problem.allow);
			problem_set(&r, 405, "method-not-allowed", "%s is not allowed here; use %s",
				    r.method_name, r.problem.allow);
		} else {
			problem_set(&r, 404, "not-found", "no such resource");
		}
		reply_problem(&r);
		reply_now(evreq, &r, start);
		return;
	}
	if (r.route->flags & ROUTE_INLINE) {
		if (r.route->handler(&r) != RC_OK || r.resp.status == 0)
			reply_problem(&r);
		reply_now(evreq, &r, start);
		return;
	}

	struct job *job = xcalloc(1, sizeof *job);
	job->req = r;
	job->transport = evreq;
	job->start_ns = start;
	job->heavy = r.route->flags & ROUTE_HEAVY;
	if (loopdb_eligible(&job->req)) {
		job->done = http_loop_done;
		srv.inflight++; /* before: a connection that breaks at once hands the job back */
		switch (loopdb_submit(job)) {
		case LOOP_QUEUED: return;
		case LOOP_ANSWERED:
			srv.inflight--;
			r = job->req;
			free(job);
			reply_problem(&r);
			reply_now(evreq, &r, start);
			return;
		case LOOP_UNAVAILABLE: srv.inflight--; break;
		}
	}
	job->done = http_job_done;
	if (workers_submit(job) != RC_OK) {
		r = job->req;
		free(job);
		problem_set(&r, 503, "overloaded", "the server is busy; retry shortly");
		r.problem.retry_after = 1;
		reply_problem(&r);
		reply_now(evreq, &r, start);
		return;
	}
	srv.inflight++;
}

/* Runs on a worker: hands the finished job to the I/O loop. */
static void http_job_done(struct job *job)
{
	pthread_mutex_lock(&srv.done_lock);
	job_list_push(&srv.done, job);
	pthread_mutex_unlock(&srv.done_lock);
	event_active(srv.done_ev, EV_READ, 0);
}

/* Runs on the I/O loop: a loop read is answered. */
static void http_loop_done(struct job *job)
{
	send_reply(job->transport, &job->req, job->start_ns);
	srv.inflight--;
	req_free(&job->req);
	free(job);
	check_drained();
}

/* A loop read the loop gave up on (its connection broke, its statement failed):
 * a worker runs the route's handler instead. */
static void loop_fallback(struct job *job)
{
	job->done = http_job_done;
	if (workers_submit(job) == RC_OK)
		return;
	struct req *r = &job->req;
	resp_reset(&r->resp);
	problem_set(r, 503, "overloaded", "the server is busy; retry shortly");
	r->problem.retry_after = 1;
	reply_problem(r);
	http_loop_done(job);
}

static void on_jobs_done(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	pthread_mutex_lock(&srv.done_lock);
	struct job *j = srv.done.head;
	srv.done = (struct job_list){0};
	pthread_mutex_unlock(&srv.done_lock);
	while (j != NULL) {
		struct job *next = j->next;
		if (j->transport != NULL) {
			send_reply(j->transport, &j->req, j->start_ns);
			srv.inflight--;
		}
		req_free(&j->req);
		free(j);
		j = next;
	}
	check_drained();
}

/* ---- maintenance, signals, start-up ------------------------------------ */

static void maintenance_done(struct job *job)
{
	req_free(&job->req);
	free(job);
}

static void on_maintenance(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	if (srv.maintenance_route.handler == NULL || srv.draining)
		return;
	struct job *job = xcalloc(1, sizeof *job);
	job->req.route = &srv.maintenance_route;
	job->req.method = M_POST;
	job->req.method_name = "POST";
	request_id_new(job->req.request_id);
	job->done = maintenance_done;
	if (workers_submit(job) != RC_OK)
		maintenance_done(job);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	(void)arg;
	if (srv.draining) {
		log_warn("second signal %d: exiting without waiting", (int)sig);
		event_base_loopexit(srv.base, NULL);
		return;
	}
	log_info("signal %d: no longer accepting; draining %d request(s) in flight", (int)sig,
		 srv.inflight);
	srv.draining = true;
	if (srv.bound != NULL) {
		evhttp_del_accept_socket(srv.http, srv.bound);
		srv.bound = NULL;
	}
	check_drained();
	struct timeval tv = {DRAIN_SECONDS, 0};
	evtimer_add(srv.drain_timer, &tv);
}

static void on_drain_timeout(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	log_warn("drain deadline of %d s passed with %d request(s) in flight", DRAIN_SECONDS,
		 srv.inflight);
	event_base_loopexit(srv.base, NULL);
}

static SSL_CTX *tls_context(const struct config *cfg)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	if (ctx == NULL)
		return NULL;
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
	if (SSL_CTX_use_certificate_chain_file(ctx, cfg->tls_cert) != 1) {
		fprintf(stderr, "techex: TECHEX_TLS_CERT: cannot load certificate \"%s\"\n",
			cfg->tls_cert);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, cfg->tls_key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		fprintf(stderr,
			"techex: TECHEX_TLS_KEY: cannot load the key \"%s\" or it does not match "
			"the certificate\n",
			cfg->tls_key);
		goto fail;
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

static void raise_fd_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* ---- the filter's host --------------------------------------------------- */

static void conn_opened(void)
{
	if (filter_open_connections() >= srv.cfg->max_connections && srv.accepting) {
		/* at the cap: new clients wait in the listen backlog until one leaves */
		evconnlistener_disable(evhttp_bound_socket_get_listener(srv.bound));
		srv.accepting = false;
	}
}

static void conn_closed(void)
{
	if (!srv.accepting && !srv.draining && srv.bound != NULL &&
	    filter_open_connections() < srv.cfg->max_connections) {
		evconnlistener_enable(evhttp_bound_socket_get_listener(srv.bound));
		srv.accepting = true;
	}
}

static void unsent_changed(int delta)
{
	srv.unsent += delta;
	if (delta < 0)
		check_drained();
}

/* ---- the metrics listener ------------------------------------------------ */

/* GET /metrics on TECHEX_METRICS_LISTEN: an address of its own, so a proxy that
 * forwards the API port never exposes it. Nothing else is served there. */
static void on_metrics_request(struct evhttp_request *evreq, void *arg)
{
	int64_t start = mono_ns();
	struct req r = {0};
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(evreq);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	(void)arg;

	request_id_new(r.request_id);
	r.method = method_of(evreq);
	r.method_name = method_name(r.method);
	r.path = xstrdup(path && *path ? path : "/");
	if (strncmp(r.path, "/-/", 3) == 0 && filter_synthetic_problem(&r, r.path)) {
		reply_problem(&r);
		reply_header(&r, "Connection", "close");
	} else if (strcmp(r.path, "/metrics") != 0) {
		problem_set(&r, 404, "not-found", "this address serves GET /metrics only");
		reply_problem(&r);
	} else if (r.method != M_GET && r.method != M_HEAD) {
		snprintf(r.problem.allow, sizeof r.problem.allow, "GET, HEAD");
		problem_set(&r, 405, "method-not-allowed", "%s is not allowed here; use GET",
			    r.method_name);
		reply_problem(&r);
	} else {
		int status;
		unsigned allow;
		/* the API's own /metrics route, so the log and the counters name it */
		r.route =
		    router_match(srv.rt, r.method, r.path, r.params, &r.nparams, &status, &allow);
		if (srv.metrics(&r) != RC_OK || r.resp.status == 0)
			reply_problem(&r);
	}
	reply_now(evreq, &r, start);
}

/* The filter's body limit for a request line: the larger one for a route that
 * takes a file (ROUTE_LARGE_BODY), decided before its body is read. */
static unsigned long long body_limit(const char *line, size_t len)
{
	const char *sp = memchr(line, ' ', len);
	if (sp == NULL || sp - line > 15)
		return HTTP_MAX_BODY;
	char method[16], path[1024];
	snprintf(method, sizeof method, "%.*s", (int)(sp - line), line);
	size_t i = (size_t)(sp - line) + 1, n = 0;
	while (i < len && line[i] != ' ' && line[i] != '?' && line[i] != '\r' &&
	       n < sizeof path - 1)
		path[n++] = line[i++];
	path[n] = '\0';
	struct kv params[MAX_PARAMS];
	int nparams = 0, status = 0;
	unsigned allow = 0;
	const struct route *rt =
	    router_match(srv.rt, method_from_name(method), path, params, &nparams, &status, &allow);
	for (int k = 0; k < nparams; k++) {
		free(params[k].key);
		free(params[k].value);
	}
	return rt != NULL && (rt->flags & ROUTE_LARGE_BODY) ? HTTP_MAX_LARGE_BODY : HTTP_MAX_BODY;
}

/* An evhttp on srv.base with the filter in front and gencb behind it. */
static struct evhttp *http_new(void (*gencb)(struct evhttp_request *, void *))
{
	struct evhttp *http = evhttp_new(srv.base);
	/* the filter holds every other route to HTTP_MAX_BODY */
	evhttp_set_max_body_size(http, HTTP_MAX_LARGE_BODY);
	/* the filter already refused blocks over HTTP_MAX_HEADERS; this catches pipelined ones */
	evhttp_set_max_headers_size(http, HTTP_MAX_HEADERS + 64);
	evhttp_set_timeout(http, srv.cfg->idle_timeout);
	evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
					     EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
					     EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH |
					     EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT);
	evhttp_set_default_content_type(http, "application/json");
	evhttp_set_gencb(http, gencb, NULL);
	evhttp_set_bevcb(http, filter_conn_new, NULL);
	return http;
}

struct evhttp *http_filtered_new(struct event_base *base, const struct config *cfg,
				 struct router *rt)
{
	srv.base = base;
	srv.cfg = cfg;
	srv.rt = rt;
	uuid_random(srv.secret);
	snprintf(srv.synthetic, sizeof srv.synthetic, "/-/%s/", srv.secret);
	struct filter_host host = {.cfg = cfg,
				   .ssl_ctx = srv.ssl_ctx,
				   .synthetic = srv.synthetic,
				   .body_limit = body_limit,
				   .opened = conn_opened,
				   .closed = conn_closed,
				   .unsent_changed = unsent_changed};
	filter_start(base, &host);
	return http_new(on_request);
}

int http_serve(const struct config *cfg, struct router *rt, handler_fn maintenance,
	       handler_fn metrics, const struct loop_auth *loop_auth)
{
	int exit_status = 1;

	srv.maintenance_route =
	    (struct route){M_POST, "(maintenance)", maintenance, ROUTE_TX, "maintenance", NULL};
	srv.metrics = metrics;
	signal(SIGPIPE, SIG_IGN);
	raise_fd_limit();
	evthread_use_pthreads();

	if (cfg->tls_cert[0] != '\0') {
		srv.ssl_ctx = tls_context(cfg);
		if (srv.ssl_ctx == NULL)
			return 2;
	}

	/* evhttp enables and disables a connection's reading and writing several times
	 * a request; the changelist folds those into one epoll_ctl per loop turn */
	struct event_config *ecfg = event_config_new();
	event_config_set_flag(ecfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
	struct event_base *base = event_base_new_with_config(ecfg);
	event_config_free(ecfg);
	srv.http = http_filtered_new(base, cfg, rt);

	srv.bound = evhttp_bind_socket_with_handle(srv.http, cfg->listen.host,
						   (ev_uint16_t)cfg->listen.port);
	if (srv.bound == NULL) {
		fprintf(stderr, "techex: TECHEX_LISTEN: cannot listen on %s:%d: %s\n",
			cfg->listen.host, cfg->listen.port, strerror(errno));
		goto out;
	}
	srv.accepting = true;
	if (cfg->metrics_listen.host[0] != '\0') {
		srv.metrics_http = http_new(on_metrics_request);
		if (evhttp_bind_socket(srv.metrics_http, cfg->metrics_listen.host,
				       (ev_uint16_t)cfg->metrics_listen.port) != 0) {
			fprintf(
			    stderr, "techex: TECHEX_METRICS_LISTEN: cannot listen on %s:%d: %s\n",
			    cfg->metrics_listen.host, cfg->metrics_listen.port, strerror(errno));
			goto out;
		}
	}

	srv.done_ev = event_new(srv.base, -1, 0, on_jobs_done, NULL);
	srv.drain_timer = evtimer_new(srv.base, on_drain_timeout, NULL);
	srv.maint_timer = event_new(srv.base, -1, EV_PERSIST, on_maintenance, NULL);
	srv.sigterm_ev = evsignal_new(srv.base, SIGTERM, on_signal, NULL);
	srv.sigint_ev = evsignal_new(srv.base, SIGINT, on_signal, NULL);
	evsignal_add(srv.sigterm_ev, NULL);
	evsignal_add(srv.sigint_ev, NULL);
	struct timeval maint = {MAINTENANCE_SECONDS, 0};
	event_add(srv.maint_timer, &maint);

	metrics_init(rt);
	if (workers_start(cfg) != RC_OK)
		goto out;
	/* a replica answers the loop's anonymous reads when there is one, and the
	 * workers (the primary, if the replica is down too) when it cannot; reads
	 * with a token take the loop only from the primary: a replica may lag
	 * behind a logout or a suspension */
	bool replica = cfg->read_database_url[0] != '\0';
	loopdb_start(srv.base, replica ? cfg->read_database_url : cfg->database_url,
		     cfg->loop_connections, rt, loop_fallback, replica ? NULL : loop_auth);
	log_info("serving %s on %s:%d with %d workers and %d loop connection(s)%s",
		 srv.ssl_ctx ? "HTTPS" : "HTTP", cfg->listen.host, cfg->listen.port, cfg->workers,
		 cfg->loop_connections, replica ? "; anonymous reads from DATABASE_READ_URL" : "");
	if (srv.metrics_http != NULL)
		log_info("serving /metrics on %s:%d", cfg->metrics_listen.host,
			 cfg->metrics_listen.port);

	event_base_dispatch(srv.base);
	/* shutting down: a repeated signal must not kill the clean-up (blocked, it
	 * stays pending until the process has exited 0) */
	sigset_t stop_signals;
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGTERM);
	sigaddset(&stop_signals, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);

	if (srv.inflight > 0) {
		/* workers still hold requests past the deadline: leave without joining */
		log_warn("exiting with %d request(s) unfinished", srv.inflight);
		fflush(stderr);
		_exit(0);
	}
	loopdb_stop();
	workers_stop();
	on_jobs_done(-1, 0, NULL); /* maintenance jobs finished during the stop */
	log_info("stopped");
	exit_status = 0;
out:
	if (srv.bound != NULL)
		evhttp_del_accept_socket(srv.http, srv.bound);
	evhttp_free(srv.http);
	if (srv.metrics_http != NULL)
		evhttp_free(srv.metrics_http);
	filter_stop();
	if (srv.done_ev)
		event_free(srv.done_ev);
	if (srv.drain_timer)
		event_free(srv.drain_timer);
	if (srv.maint_timer)
		event_free(srv.maint_timer);
	if (srv.sigterm_ev)
		event_free(srv.sigterm_ev);
	if (srv.sigint_ev)
		event_free(srv.sigint_ev);
	event_base_free(srv.base);
	if (srv.ssl_ctx != NULL)
		SSL_CTX_free(srv.ssl_ctx);
	metrics_free();
	libevent_global_shutdown();
	return exit_status;
}
