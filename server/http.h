/*
 * http.h - the I/O loop: sockets, TLS, limits, timeouts, hand-off to workers,
 * replies, access log, graceful shutdown.
 */
#ifndef TECHEX_HTTP_H
#define TECHEX_HTTP_H

#include "config.h"
#include "router.h"

#define HTTP_MAX_BODY (1024 * 1024)
#define HTTP_MAX_HEADERS 8192

/* Serves until SIGTERM or SIGINT, then drains requests in flight (up to 10 s).
 * maintenance runs on a worker every few minutes (expired sessions, keys).
 * Returns the process exit status. */
int http_serve(const struct config *cfg, struct router *rt, handler_fn maintenance);

/* Length of the header block at the start of buf ("...\r\n\r\n" or "...\n\n"),
 * or 0 when it is not complete yet. Pure; for tests. */
size_t http_header_block_len(const char *buf, size_t len);

/* The Content-Length a header block declares (0 when none). Pure; for tests. */
unsigned long long http_declared_length(const char *block, size_t len);

#endif
