/*
 * filter.h - the byte-level connection filter between each socket and evhttp.
 *
 * Every connection's bytes pass through it before evhttp parses them. It holds
 * a request's header block until it is complete and enforces what evhttp cannot:
 *  - an 8 KiB header limit answered with 431 (evhttp would say 413);
 *  - absolute deadlines for the headers and for the body (evhttp's timeout is an
 *    idle timer that a client trickling one byte at a time never trips);
 *  - a well-formed request line and header lines, one Content-Length, and a
 *    Transfer-Encoding that is exactly "chunked" and never beside a length;
 *  - no expectation but "100-continue" (evhttp would answer another with an
 *    HTML 417 before the body has arrived);
 *  - no body at all on a method that takes none (evhttp reads no body for HEAD
 *    or TRACE, so their declared bytes would be parsed as a second request that
 *    never went through this filter): only POST, PUT and PATCH carry one;
 *  - the body limit for chunked bodies too, whose chunks it follows; the
 *    limit is HTTP_MAX_BODY but for the routes host->body_limit names from
 *    the request line (file uploads), decided before a byte of the body;
 *  - at most cfg->max_client_connections connections per client address (an
 *    IPv4 address, or an IPv6 /64), and, while the server is near
 *    cfg->max_connections, a short idle time for keep-alive connections.
 * So no two parsers on the way can disagree about where a request ends.
 *
 * A refusal found in the header block is handed to evhttp as a synthetic request
 * whose path carries a per-process secret; the request callback answers it with
 * filter_synthetic_problem() and closes. One found in the body is written straight
 * to the socket, which is then half-closed and given a moment to drain, so that
 * the client reads the problem rather than a reset.
 */
#ifndef TECHEX_FILTER_H
#define TECHEX_FILTER_H

#include <openssl/ssl.h>

#include "config.h"

#define HTTP_MAX_BODY (1024 * 1024)
/* The body of a route that takes a file (ROUTE_LARGE_BODY): an attachment. */
#define HTTP_MAX_LARGE_BODY (10 * 1024 * 1024)
#define HTTP_MAX_HEADERS 8192

struct req;
struct bufferevent;
struct event_base;

/* What the filter refuses by itself; the number travels in a synthetic path. */
enum refusal {
	RF_NONE,
	RF_HEADERS_LARGE,
	RF_BODY_LARGE,
	RF_HEADER_TIMEOUT,
	RF_BODY_TIMEOUT,
	RF_REQUEST_LINE,
	RF_HEADER_LINE,
	RF_TRANSFER_ENCODING,
	RF_CONTENT_LENGTH,
	RF_CHUNK,
	RF_EXPECTATION,        /* an Expect other than 100-continue */
	RF_BODY_NOT_ALLOWED,   /* a body on a method that takes none */
	RF_METHOD,             /* a method no route serves (CONNECT, TRACE, ...) */
	RF_CLIENT_CONNECTIONS, /* the client address holds too many connections */
	RF_COUNT
};

/* Where the filter is in a chunked body (RFC 9112 section 7.1). */
enum chunk_state {
	CK_SIZE,     /* hex digits of a chunk size */
	CK_SIZE_END, /* white space after them, up to the line end */
	CK_SIZE_LF,  /* the LF after a CR */
	CK_DATA,     /* chunk data */
	CK_DATA_CR,  /* the CRLF after chunk data */
	CK_DATA_LF,
	CK_TRAILER,      /* the start of a trailer line, or the final empty line */
	CK_TRAILER_LINE, /* inside a trailer line */
	CK_TRAILER_LF    /* the LF of the final empty line */
};

struct chunk_reader {
	enum chunk_state state;
	unsigned long long left;  /* bytes left in this chunk, or its size being read */
	unsigned long long total; /* chunk data bytes so far */
	unsigned long long max;   /* the body limit; 0: HTTP_MAX_BODY */
	size_t line;              /* bytes in the current size or trailer line(s) */
	int digits;
};

/* What the filter needs from the server around it. Borrowed for the process. */
struct filter_host {
	const struct config *cfg;
	SSL_CTX *ssl_ctx;      /* NULL: plain HTTP */
	const char *synthetic; /* "/-/<secret>/": the prefix of synthetic requests */
	/* The body limit of the request whose request line ("POST /v1/... HTTP/1.1",
	 * len bytes, not NUL-terminated) this is: HTTP_MAX_BODY, or more for the
	 * routes that take files. NULL: HTTP_MAX_BODY for all. */
	unsigned long long (*body_limit)(const char *line, size_t len);
	/* A connection opened or closed (the count is filter_open_connections()). */
	void (*opened)(void);
	void (*closed)(void);
	/* A connection started (+1) or stopped (-1) holding reply bytes the socket
	 * has not taken yet; a drain waits for them. */
	void (*unsent_changed)(int delta);
};

/* Sets the host and starts the pressure timer on base. */
void filter_start(struct event_base *base, const struct filter_host *host);
/* Stops the timer; connections still open are evhttp's to free. */
void filter_stop(void);

/* evhttp's bevcb: wraps a new connection's socket in the filter. */
struct bufferevent *filter_conn_new(struct event_base *base, void *arg);

int filter_open_connections(void);

/* Sets the problem a refusal stands for. */
void filter_refusal_problem(struct req *r, enum refusal why);
/* Sets the problem a synthetic request from the filter stands for; false for
 * any other path. */
bool filter_synthetic_problem(struct req *r, const char *path);

/* The key connections are counted under: the IPv4 address, or the /64 of an
 * IPv6 one ("2001:db8:1:2::/64"); an IPv4-mapped address counts as IPv4.
 * Pure; for tests. False when sa is neither. */
struct sockaddr;
bool filter_client_key(const struct sockaddr *sa, char *out, size_t len);

/* Length of the header block at the start of buf ("...\r\n\r\n" or "...\n\n"),
 * or 0 when it is not complete yet. Pure; for tests. */
size_t http_header_block_len(const char *buf, size_t len);

/* The Content-Length a header block declares (0 when none). Pure; for tests. */
unsigned long long http_declared_length(const char *block, size_t len);

/* Checks a complete header block (request line and header lines); sets *chunked
 * when the body is chunked. RF_NONE when evhttp may have it. */
enum refusal http_check_head(const char *block, size_t len, bool *chunked);
/* The same with a declared length allowed up to max_body. */
enum refusal http_check_head_limit(const char *block, size_t len, bool *chunked,
				   unsigned long long max_body);

/* Follows a chunked body through n more bytes; *used is how many belong to it,
 * *done whether it ended there. */
enum refusal http_chunk_step(struct chunk_reader *ck, const unsigned char *p, size_t n,
			     size_t *used, bool *done);

#endif
