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
	size_t line;              /* bytes in the current size or trailer line(s) */
	int digits;
};

/* Checks a complete header block (request line and header lines); sets *chunked
 * when the body is chunked. RF_NONE when evhttp may have it. */
enum refusal http_check_head(const char *block, size_t len, bool *chunked);

/* Follows a chunked body through n more bytes; *used is how many belong to it,
 * *done whether it ended there. */
enum refusal http_chunk_step(struct chunk_reader *ck, const unsigned char *p, size_t n,
			     size_t *used, bool *done);

#endif
