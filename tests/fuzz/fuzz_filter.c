/*
 * fuzz_filter.c - the connection filter (server/filter.c) and evhttp behind it,
 * as a differential oracle: one request in, at most one response out.
 *
 * The input is one request as a client frames it. Up to the first NUL it is the
 * request line and header lines, separated by "\n" (each is sent ending in
 * "\r\n"; empty lines are left out, so the header block cannot end early).
 * Everything after the NUL is the body, declared with a Content-Length the
 * harness appends. By RFC 9112 those bytes are one request, whatever the body
 * holds (another request, say): whether the server answers it or refuses it, it
 * must answer at most once. A second response means the filter and evhttp
 * disagreed on where the request ended, and the bytes past it reached evhttp
 * as a request that never went through the filter (request smuggling).
 *
 * The server is the real one: http_filtered_new() (the filter in front, the
 * request dispatch behind) with no routes, so every request is answered on the
 * loop. Each input gets its own connection, over a Unix socket (a TCP port per
 * input would run out of ephemeral ports); the client sends it all, reads until
 * nothing more comes, half-closes, and reads until the server closes.
 */
#include <errno.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../../server/http.h"
#include "../../server/log.h"
#include "../../server/router.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_REQUEST (64 * 1024)
#define ROUNDS 20000    /* loop turns per input at most */
#define QUIET_ROUNDS 64 /* turns with nothing new before the client moves on */

static struct {
	struct event_base *base;
	struct evhttp *http;
	struct config cfg;
	struct router rt;
	struct sockaddr_un addr;
} h;

static void setup(void)
{
	log_threshold = (enum log_level)(LOG_ERROR + 1); /* quiet: no access lines */
	h.cfg.header_timeout = 10;
	h.cfg.body_timeout = 30;
	h.cfg.idle_timeout = 60;
	h.cfg.max_connections = 100000;
	h.cfg.max_client_connections = 100000;
	h.base = event_base_new();
	h.http = http_filtered_new(h.base, &h.cfg, &h.rt);
	/* an abstract Unix socket: no file, gone with the process */
	h.addr.sun_family = AF_UNIX;
	snprintf(h.addr.sun_path + 1, sizeof h.addr.sun_path - 1, "techex-fuzz-filter-%d",
		 (int)getpid());
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&h.addr, sizeof h.addr) != 0 ||
	    listen(fd, 64) != 0)
		abort();
	evutil_make_socket_nonblocking(fd);
	struct evconnlistener *l =
	    evconnlistener_new(h.base, NULL, NULL, LEV_OPT_CLOSE_ON_FREE, -1, fd);
	if (l == NULL || evhttp_bind_listener(h.http, l) == NULL)
		abort();
}

/* Responses in out: status lines "HTTP/1.x NNN " with NNN not 1xx. A body never
 * holds one (problem details have no "HTTP/1.x NNN ", and a request target, which
 * may be echoed, has no space). */
static int responses(const char *out, size_t n)
{
	int count = 0;
	for (size_t i = 0; i + 13 <= n; i++) {
		if (memcmp(out + i, "HTTP/1.", 7) != 0 ||
		    (out[i + 7] != '0' && out[i + 7] != '1') || out[i + 8] != ' ' ||
		    out[i + 12] != ' ')
			continue;
		if (out[i + 9] < '2' || out[i + 9] > '9' || out[i + 10] < '0' ||
		    out[i + 10] > '9' || out[i + 11] < '0' || out[i + 11] > '9')
			continue;
		count++;
	}
	return count;
}

/* The request the input stands for; caller frees. */
static char *frame(const uint8_t *data, size_t size, size_t *len)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t head = nul ? (size_t)(nul - data) : size;
	size_t body = nul ? size - head - 1 : 0;
	char *req = malloc(head * 2 + body + 64);
	size_t at = 0, start = 0;
	for (size_t i = 0; i <= head; i++) {
		if (i < head && data[i] != '\n')
			continue;
		if (i > start) { /* a line, sent with CRLF; empty ones are left out */
			memcpy(req + at, data + start, i - start);
			at += i - start;
			req[at++] = '\r';
			req[at++] = '\n';
		}
		start = i + 1;
	}
	at += (size_t)sprintf(req + at, "Content-Length: %zu\r\n\r\n", body);
	if (body > 0)
		memcpy(req + at, nul + 1, body);
	*len = at + body;
	return req;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (h.base == NULL)
		setup();
	if (size > MAX_REQUEST)
		return 0;
	size_t len;
	char *req = frame(data, size, &len);

	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&h.addr, sizeof h.addr) != 0) {
		perror("fuzz_filter: connect");
		abort();
	}
	evutil_make_socket_nonblocking(fd);

	/* send it all, read until nothing more comes; only then half-close (an early
	 * end of file would make evhttp drop what follows the first request) */
	char *out = NULL;
	size_t n = 0, cap = 0, sent = 0;
	bool closed = false, ended = false;
	int quiet = 0;
	for (int round = 0; round < ROUNDS && !closed; round++) {
		if (sent < len) {
			ssize_t w = send(fd, req + sent, len - sent, MSG_NOSIGNAL);
			if (w > 0)
				sent += (size_t)w;
			else if (w < 0 && errno != EAGAIN)
				sent = len; /* the server closed on us: read what it said */
		}
		event_base_loop(h.base, EVLOOP_NONBLOCK);
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 0) <= 0) {
			if (sent == len && ++quiet >= QUIET_ROUNDS) {
				if (ended)
					break; /* the server keeps it open: fine */
				shutdown(fd, SHUT_WR);
				ended = true;
				quiet = 0;
			}
			continue;
		}
		quiet = 0;
		if (cap - n < 65536) {
			cap = cap ? cap * 2 : 131072;
			out = realloc(out, cap);
		}
		ssize_t r = recv(fd, out + n, cap - n, 0);
		if (r > 0)
			n += (size_t)r;
		else if (r == 0 || errno != EAGAIN)
			closed = true;
	}
	close(fd);
	for (int i = 0; i < 50; i++) /* let the server free its side */
		event_base_loop(h.base, EVLOOP_NONBLOCK);

	int got = responses(out ? out : "", n);
	if (got > 1) {
		fprintf(stderr, "fuzz_filter: %d responses to one request of %zu bytes:\n%.*s\n",
			got, len, (int)(n < 4096 ? n : 4096), out);
		abort();
	}
	free(out);
	free(req);
	return 0;
}
