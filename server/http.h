/*
 * http.h - the I/O loop: sockets, TLS, hand-off to workers, replies, access log,
 * the metrics listener, graceful shutdown. The byte-level connection filter in
 * front of evhttp is filter.h.
 */
#ifndef TECHEX_HTTP_H
#define TECHEX_HTTP_H

#include "config.h"
#include "filter.h"
#include "loopread.h"
#include "router.h"

/* Serves until SIGTERM or SIGINT, then drains requests in flight (up to 10 s).
 * maintenance runs on a worker every few minutes (expired sessions, keys).
 * metrics answers GET /metrics on cfg->metrics_listen, when set (ROUTE_INLINE:
 * on the loop). loop_auth lets the loop answer reads that carry a token
 * (loopread.h; NULL: the workers answer them). Returns the process exit status. */
int http_serve(const struct config *cfg, struct router *rt, handler_fn maintenance,
	       handler_fn metrics, const struct loop_auth *loop_auth);

struct evhttp;
struct event_base;

/* An evhttp on base with the connection filter in front and the request
 * dispatch behind it, bound to nothing: for the filter's fuzz harness, which
 * hands it sockets itself. Requests that match no route of rt are answered on
 * the loop. */
struct evhttp *http_filtered_new(struct event_base *base, const struct config *cfg,
				 struct router *rt);

#endif
