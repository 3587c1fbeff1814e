/*
 * http.c - libevent's evhttp on one I/O thread; handlers run on workers.
 *
 * Every connection's bytes pass through a small filter before evhttp sees them.
 * The filter holds a request's header block until it is complete, so it can
 * enforce what evhttp cannot, or answers with an HTML page:
 *  - an 8 KiB header limit answered with 431 (evhttp would say 413);
 *  - absolute deadlines for the headers and for the body (evhttp's timeout is an
 *    idle timer that a client trickling one byte at a time never trips);
 *  - a well-formed request line and header lines, one Content-Length, and a
 *    Transfer-Encoding that is exactly "chunked" and never beside a length, so
 *    that no two parsers on the way can disagree about where a request ends;
 *  - the body limit for chunked bodies too, whose chunks it follows.
 * A refusal found in the header block is handed to evhttp as a synthetic request
 * whose path carries a per-process secret; the request callback answers it as a
 * problem and closes. One found in the body is written straight to the socket,
 * which is then half-closed and given a moment to drain, so that the client reads
 * the problem rather than a reset.
 */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <event2/thread.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
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
#define LINGER_SECONDS 2  /* a refused client has this long to read the problem */
#define CHUNK_LINE_MAX 64 /* a chunk-size line: hex digits and white space */

static struct {
	const struct config *cfg;
	struct router *rt;
	struct event_base *base;
	struct evhttp *http;
	struct evhttp_bound_socket *bound;
	SSL_CTX *ssl_ctx;
	struct event *done_ev, *drain_timer, *maint_timer, *sigterm_ev, *sigint_ev;
	pthread_mutex_t done_lock;
	struct job *done_head, *done_tail;
	int inflight; /* requests queued for or held by workers */
	int unsent;   /* connections holding reply bytes the socket has not taken yet */
	bool draining;
	bool accepting;
	char secret[37];
	char synthetic[64]; /* "/-/<secret>/": the prefix of the filter's synthetic requests */
	struct route maintenance_route;
} srv = {.done_lock = PTHREAD_MUTEX_INITIALIZER};

/* ---- the connection filter --------------------------------------------- */

/* HEADERS: collecting a header block; BODY: passing the declared body on;
 * WAIT: the request is complete, later bytes wait for its reply; CLOSING: a
 * refusal was made and input is discarded. */
enum conn_state { CS_HEADERS, CS_BODY, CS_WAIT, CS_CLOSING };

struct conn {
	enum conn_state state;
	enum refusal inject; /* synthetic request to hand evhttp, or RF_NONE */
	struct event *deadline;
	struct bufferevent *bev;      /* the filter evhttp talks to; it owns the socket's */
	size_t copied;                /* reply bytes copied below and still held above */
	bool unsent;                  /* counted in srv.unsent */
	struct event *kick;           /* pushes queued reply bytes through the filter */
	bool kick_read;               /* the kick also feeds held request bytes to evhttp */
	unsigned long long body_left; /* declared body bytes still to pass */
	bool chunked;                 /* the body is chunked: ck_* follow it */
	bool nodelay;                 /* TCP_NODELAY set on the socket */
	bool refused;                 /* a refusal was written below; lingering */
	struct chunk_reader ck;
};

size_t http_header_block_len(const char *buf, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (buf[i + 1] == '\n')
			return i + 2;
		if (buf[i + 1] == '\r' && i + 2 < len && buf[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

/* Finds header name (lower case, with the colon) in a header block; returns the
 * value's start or NULL. */
static const char *header_in_block(const char *block, size_t len, const char *name, size_t *vlen)
{
	size_t n = strlen(name);
	for (size_t i = 0; i + n + 1 <= len; i++) {
		if (block[i] != '\n' || strncasecmp(block + i + 1, name, n) != 0)
			continue;
		size_t k = i + 1 + n, end;
		while (k < len && (block[k] == ' ' || block[k] == '\t'))
			k++;
		for (end = k; end < len && block[end] != '\r' && block[end] != '\n'; end++)
			;
		*vlen = end - k;
		return block + k;
	}
	return NULL;
}

unsigned long long http_declared_length(const char *block, size_t len)
{
	size_t vlen = 0;
	const char *v = header_in_block(block, len, "content-length:", &vlen);
	unsigned long long n = 0;
	for (size_t k = 0; v != NULL && k < vlen && v[k] >= '0' && v[k] <= '9'; k++) {
		if (n > (1ULL << 40))
			return n; /* absurd: large enough to refuse */
		n = n * 10 + (unsigned long long)(v[k] - '0');
	}
	return n;
}

/* RFC 9110 token characters, the bytes of methods and header names. */
static bool is_tchar(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       (ch != '\0' && strchr("!#$%&'*+-.^_`|~", ch) != NULL);
}

/* Bytes allowed in a header value or a request target: visible ASCII, space and
 * tab (values only), and UTF-8 or other octets above 0x7f. */
static bool is_field_byte(unsigned char ch, bool space_ok)
{
	return (ch > 0x20 && ch != 0x7f) || (space_ok && (ch == ' ' || ch == '\t'));
}

/* The end of the line starting at i (the index of its LF, or len); *content_end
 * is where its content ends, before a CR that precedes the LF. A CR anywhere
 * else stays in the content, where the callers refuse it as a control byte. */
static size_t line_end(const char *b, size_t i, size_t len, size_t *content_end)
{
	size_t k = i;
	while (k < len && b[k] != '\n')
		k++;
	*content_end = (k > i && b[k - 1] == '\r') ? k - 1 : k;
	return k;
}

static bool digits_only(const char *v, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (v[i] < '0' || v[i] > '9')
			return false;
	return true;
}

enum refusal http_check_head(const char *b, size_t len, bool *chunked)
{
	size_t end, k = 0, i;
	size_t lend = line_end(b, 0, len, &end);

	/* METHOD SP request-target SP HTTP/1.x */
	while (k < end && is_tchar((unsigned char)b[k]))
		k++;
	if (k == 0 || k >= end || b[k] != ' ')
		return RF_REQUEST_LINE;
	i = ++k;
	while (k < end && is_field_byte((unsigned char)b[k], false))
		k++;
	if (k == i || k >= end || b[k] != ' ')
		return RF_REQUEST_LINE;
	k++;
	if (end - k != 8 || memcmp(b + k, "HTTP/1.", 7) != 0 ||
	    (b[k + 7] != '0' && b[k + 7] != '1'))
		return RF_REQUEST_LINE;

	int te = 0, cl = 0;
	const char *te_v = NULL, *cl_v = NULL;
	size_t te_n = 0, cl_n = 0;
	for (i = lend + 1; i < len; i = lend + 1) {
		lend = line_end(b, i, len, &end);
		if (end == i)
			break; /* the empty line that ends the block */
		if (b[i] == ' ' || b[i] == '\t')
			return RF_HEADER_LINE; /* obsolete line folding (RFC 9112 section 5.2) */
		for (k = i; k < end && is_tchar((unsigned char)b[k]); k++)
			;
		if (k == i || k >= end || b[k] != ':')
			return RF_HEADER_LINE;
		size_t name_n = k - i, v = k + 1;
		for (k = v; k < end; k++)
			if (!is_field_byte((unsigned char)b[k], true))
				return RF_HEADER_LINE;
		while (v < end && (b[v] == ' ' || b[v] == '\t'))
			v++;
		size_t ve = end;
		while (ve > v && (b[ve - 1] == ' ' || b[ve - 1] == '\t'))
			ve--;
		if (name_n == 17 && strncasecmp(b + i, "transfer-encoding", 17) == 0) {
			te++;
			te_v = b + v;
			te_n = ve - v;
		} else if (name_n == 14 && strncasecmp(b + i, "content-length", 14) == 0) {
			if (!digits_only(b + v, ve - v))
				return RF_CONTENT_LENGTH;
			if (cl++ > 0 && (ve - v != cl_n || memcmp(b + v, cl_v, cl_n) != 0))
				return RF_CONTENT_LENGTH; /* two different lengths */
			cl_v = b + v;
			cl_n = ve - v;
		}
	}
	*chunked = te > 0;
	if (te > 0 && (te > 1 || cl > 0 || te_n != 7 || strncasecmp(te_v, "chunked", 7) != 0))
		return RF_TRANSFER_ENCODING;
	if (http_declared_length(b, len) > HTTP_MAX_BODY)
		return RF_BODY_LARGE; /* refused before a byte of it is read */
	return RF_NONE;
}

static int hex_value(unsigned char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch |= 0x20;
	return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

/* A chunk-size line ended: start its data, or the trailer after the last chunk. */
static void chunk_size_done(struct chunk_reader *ck)
{
	ck->line = 0;
	if (ck->left == 0) {
		ck->state = CK_TRAILER;
		return;
	}
	ck->total += ck->left;
	ck->state = CK_DATA;
}

/* Follows a chunked body through n more bytes; *used is how many of them belong
 * to it, *done whether it ended there. Chunk extensions are refused, as evhttp
 * cannot read them. */
enum refusal http_chunk_step(struct chunk_reader *ck, const unsigned char *p, size_t n,
			     size_t *used, bool *done)
{
	size_t i = 0;
	while (i < n && !*done) {
		unsigned char ch = p[i];
		bool trailer = ck->state >= CK_TRAILER;
		size_t line_max = trailer ? HTTP_MAX_HEADERS : CHUNK_LINE_MAX;
		if (ck->state != CK_DATA && ++ck->line > line_max)
			return trailer ? RF_HEADERS_LARGE : RF_CHUNK;
		switch (ck->state) {
		case CK_SIZE: {
			int v = hex_value(ch);
			if (v >= 0) {
				ck->left = ck->left * 16 + (unsigned)v;
				ck->digits++;
				if (ck->total + ck->left > HTTP_MAX_BODY)
					return RF_BODY_LARGE;
				i++;
				break;
			}
			if (ck->digits == 0)
				return RF_CHUNK;
			ck->state = CK_SIZE_END;
			break; /* the same byte again, as white space or a line end */
		}
		case CK_SIZE_END:
			i++;
			if (ch == '\r')
				ck->state = CK_SIZE_LF;
			else if (ch == '\n')
				chunk_size_done(ck);
			else if (ch != ' ' && ch != '\t')
				return RF_CHUNK;
			break;
		case CK_SIZE_LF:
			if (ch != '\n')
				return RF_CHUNK;
			i++;
			chunk_size_done(ck);
			break;
		case CK_DATA: {
			size_t k = n - i < ck->left ? n - i : (size_t)ck->left;
			i += k;
			ck->left -= k;
			if (ck->left == 0)
				ck->state = CK_DATA_CR;
			break;
		}
		case CK_DATA_CR:
		case CK_DATA_LF:
			i++;
			if (ch == '\r' && ck->state == CK_DATA_CR) {
				ck->state = CK_DATA_LF;
			} else if (ch == '\n') {
				ck->state = CK_SIZE;
				ck->digits = 0;
				ck->line = 0;
			} else {
				return RF_CHUNK;
			}
			break;
		case CK_TRAILER:
			if (ch == '\r') {
				ck->state = CK_TRAILER_LF;
				i++;
			} else if (ch == '\n') {
				*done = true;
				i++;
			} else {
				ck->state = CK_TRAILER_LINE;
			}
			break;
		case CK_TRAILER_LINE:
			i++;
			if (ch == '\n')
				ck->state = CK_TRAILER;
			break;
		case CK_TRAILER_LF:
			if (ch != '\n')
				return RF_CHUNK;
			i++;
			*done = true;
			break;
		}
	}
	*used = i;
	return RF_NONE;
}

static void conn_inject(struct conn *c, struct evbuffer *src, struct evbuffer *dst)
{
	evbuffer_drain(src, evbuffer_get_length(src));
	evbuffer_add_printf(dst, "GET %s%d HTTP/1.0\r\n\r\n", srv.synthetic, (int)c->inject);
	c->inject = RF_NONE;
	c->state = CS_CLOSING;
	event_del(c->deadline);
}

static void refusal_problem(struct req *r, enum refusal why);

/* Forces evhttp to let go of a refused connection, as if the client had left. */
static void conn_close_now(struct conn *c)
{
	event_del(c->deadline);
	bufferevent_trigger_event(c->bev, BEV_EVENT_EOF | BEV_EVENT_READING, 0);
}

/* Once the socket has taken the whole refusal: half-close, so the client reads
 * the problem and its end of file, and wait for it to leave (or the deadline). */
static void conn_refusal_sent(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
	struct conn *c = arg;
	if (info->n_deleted == 0 || evbuffer_get_length(buf) > 0)
		return;
	evbuffer_remove_cb(buf, conn_refusal_sent, c);
	if (srv.ssl_ctx != NULL) {
		conn_close_now(c); /* TLS has its own close_notify; no half-close under it */
		return;
	}
	evutil_socket_t fd = bufferevent_getfd(c->bev);
	if (fd >= 0)
		shutdown(fd, SHUT_WR);
}

/* Refuses a request whose header block evhttp already has: the problem goes to
 * the socket below evhttp, and the connection closes after it. */
static void conn_refuse_now(struct conn *c, enum refusal why)
{
	struct bufferevent *under = bufferevent_get_underlying(c->bev);
	struct evbuffer *out = bufferevent_get_output(under);
	struct req r = {0};

	request_id_new(r.request_id);
	refusal_problem(&r, why);
	reply_problem(&r);
	evbuffer_add_printf(out,
			    "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
			    "X-Request-Id: %s\r\nX-Content-Type-Options: nosniff\r\n"
			    "Cache-Control: no-store\r\nConnection: close\r\n\r\n",
			    r.resp.status, problem_title(r.resp.status), r.resp.content_type,
			    r.resp.body_len, r.request_id);
	evbuffer_add(out, r.resp.body, r.resp.body_len);
	metrics_observe(NULL, r.resp.status, 0);
	struct access_entry e = {.request_id = r.request_id,
				 .method = "-",
				 .route = "refused",
				 .status = r.resp.status,
				 .client_ip = ""};
	log_access(&e);
	req_free(&r);

	c->state = CS_CLOSING;
	c->refused = true;
	evbuffer_add_cb(out, conn_refusal_sent, c);
	struct timeval tv = {LINGER_SECONDS, 0};
	event_add(c->deadline, &tv);
}

/* Passes the body on; bytes past it belong to the next request, which waits
 * (WAIT) until this one's reply starts. */
static enum bufferevent_filter_result pass_body(struct conn *c, struct evbuffer *src,
						struct evbuffer *dst)
{
	size_t n = 0;
	bool done = false;
	if (c->chunked) {
		struct evbuffer_iovec v[8];
		int nv = evbuffer_peek(src, -1, NULL, v, 8);
		for (int k = 0; k < nv && k < 8 && !done; k++) {
			size_t used = 0;
			enum refusal why =
			    http_chunk_step(&c->ck, v[k].iov_base, v[k].iov_len, &used, &done);
			if (why != RF_NONE) {
				evbuffer_drain(src, evbuffer_get_length(src));
				conn_refuse_now(c, why);
				return BEV_OK;
			}
			n += used;
		}
	} else {
		size_t len = evbuffer_get_length(src);
		n = len < c->body_left ? len : (size_t)c->body_left;
		c->body_left -= n;
		done = c->body_left == 0;
	}
	if (n > 0)
		evbuffer_remove_buffer(src, dst, n);
	if (done) {
		c->state = CS_WAIT;
		event_del(c->deadline);
	}
	return n > 0 ? BEV_OK : BEV_NEED_MORE;
}

static enum bufferevent_filter_result conn_input(struct evbuffer *src, struct evbuffer *dst,
						 ev_ssize_t limit, enum bufferevent_flush_mode mode,
						 void *arg)
{
	struct conn *c = arg;
	(void)limit;
	(void)mode;

	if (c->state == CS_CLOSING) {
		evbuffer_drain(src, evbuffer_get_length(src));
		return BEV_OK;
	}
	if (c->inject != RF_NONE) {
		conn_inject(c, src, dst);
		return BEV_OK;
	}
	if (c->state == CS_WAIT)
		return BEV_NEED_MORE; /* the next request waits for this one's reply */
	if (c->state == CS_BODY)
		return pass_body(c, src, dst);
	size_t len = evbuffer_get_length(src);
	if (len == 0)
		return BEV_NEED_MORE;
	if (!event_pending(c->deadline, EV_TIMEOUT, NULL)) {
		struct timeval tv = {srv.cfg->header_timeout, 0};
		event_add(c->deadline, &tv);
	}
	size_t look = len < HTTP_MAX_HEADERS + 4 ? len : HTTP_MAX_HEADERS + 4;
	const char *p = (const char *)evbuffer_pullup(src, (ev_ssize_t)look);
	size_t block = http_header_block_len(p, look);
	if (block == 0 && len <= HTTP_MAX_HEADERS)
		return BEV_NEED_MORE;
	enum refusal why = RF_HEADERS_LARGE;
	if (block != 0 && block <= HTTP_MAX_HEADERS + 2)
		why = http_check_head(p, block, &c->chunked);
	if (why != RF_NONE) {
		c->inject = why;
		conn_inject(c, src, dst);
		return BEV_OK;
	}
	event_del(c->deadline);
	c->body_left = c->chunked ? 0 : http_declared_length(p, block);
	evbuffer_remove_buffer(src, dst, block);
	if (!c->chunked && c->body_left == 0) {
		c->state = CS_WAIT;
		return BEV_OK;
	}
	c->state = CS_BODY;
	memset(&c->ck, 0, sizeof c->ck);
	struct timeval tv = {srv.cfg->body_timeout, 0};
	event_add(c->deadline, &tv);
	(void)pass_body(c, src, dst);
	return BEV_OK;
}

static void check_drained(void);

/* Counts connections that still hold reply bytes, so a drain waits for them. */
static void conn_set_unsent(struct conn *c, bool unsent)
{
	if (c->unsent == unsent)
		return;
	c->unsent = unsent;
	srv.unsent += unsent ? 1 : -1;
	if (!unsent)
		check_drained();
}

/* The output side copies the reply to the socket and lets it go only once the
 * socket has taken it. evhttp treats an empty filter buffer as "written" and may
 * then shut the connection down (Connection: close, HTTP/1.0, errors); bytes
 * still queued below the filter would be lost. So the filter's buffer keeps every
 * byte the socket's buffer still holds, and empties only when both are done. */
static enum bufferevent_filter_result conn_output(struct evbuffer *src, struct evbuffer *dst,
						  ev_ssize_t limit,
						  enum bufferevent_flush_mode mode, void *arg)
{
	struct conn *c = arg;
	char chunk[16384];
	(void)limit;
	(void)mode;

	if (!c->nodelay) {
		/* a reply goes out in several writes; Nagle would hold the last one back
		 * until the client's delayed ACK (40 ms) */
		int one = 1;
		evutil_socket_t fd = bufferevent_getfd(c->bev);
		if (fd >= 0 && setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0)
			c->nodelay = true;
	}

	size_t queued = evbuffer_get_length(dst);
	if (queued < c->copied) { /* the socket took copied - queued bytes */
		evbuffer_drain(src, c->copied - queued);
		c->copied = queued;
	}
	size_t len = evbuffer_get_length(src);
	if (c->copied == 0 && len >= 12 && (c->state == CS_BODY || c->state == CS_WAIT)) {
		/* a response other than "100 Continue" ends the request: the next
		 * bytes from the client start a new header block */
		char head[12];
		evbuffer_copyout(src, head, sizeof head);
		if (memcmp(head, "HTTP/1.", 7) == 0 && memcmp(head + 8, " 100", 4) != 0) {
			c->state = CS_HEADERS;
			c->kick_read = true; /* bytes held meanwhile go on once the kick runs */
		}
	}
	while (c->copied < len) {
		struct evbuffer_ptr at;
		evbuffer_ptr_set(src, &at, c->copied, EVBUFFER_PTR_SET);
		ev_ssize_t n = evbuffer_copyout_from(src, &at, chunk, sizeof chunk);
		if (n <= 0)
			break;
		evbuffer_add(dst, chunk, (size_t)n);
		c->copied += (size_t)n;
	}
	if (len > 0 && evbuffer_get_length(dst) == 0) {
		evbuffer_drain(src, len);
		c->copied = 0;
	}
	conn_set_unsent(c, evbuffer_get_length(src) > 0);
	return evbuffer_get_length(src) == 0 ? BEV_OK : BEV_NEED_MORE;
}

/* evhttp queues a reply first and enables writing after, which a filter does not
 * notice; a deferred kick pushes the reply through once writing is enabled. */
static void conn_kick(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	(void)fd;
	(void)what;
	bufferevent_incref(c->bev);
	bufferevent_flush(c->bev, EV_WRITE, BEV_NORMAL);
	if (c->kick_read) {
		c->kick_read = false;
		bufferevent_flush(c->bev, EV_READ, BEV_FLUSH);
	}
	bufferevent_decref(c->bev);
}

static void conn_output_added(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
	struct conn *c = arg;
	(void)buf;
	if (info->n_added > 0) {
		conn_set_unsent(c, true);
		event_active(c->kick, EV_TIMEOUT, 0);
	}
}

static void conn_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	(void)fd;
	(void)what;
	if (c->refused) {
		conn_close_now(c); /* the client did not leave after its refusal */
	} else if (c->state == CS_BODY) {
		conn_refuse_now(c, RF_BODY_TIMEOUT);
	} else if (c->state == CS_HEADERS) {
		c->inject = RF_HEADER_TIMEOUT;
		bufferevent_flush(c->bev, EV_READ, BEV_NORMAL);
	}
}

static void conn_free(void *arg)
{
	struct conn *c = arg;
	conn_set_unsent(c, false);
	event_free(c->deadline);
	event_free(c->kick);
	free(c);
	metrics_open_connections--;
	if (!srv.accepting && !srv.draining &&
	    metrics_open_connections < srv.cfg->max_connections) {
		evconnlistener_enable(evhttp_bound_socket_get_listener(srv.bound));
		srv.accepting = true;
	}
}

static struct bufferevent *conn_new(struct event_base *base, void *arg)
{
	struct bufferevent *under;
	(void)arg;
	if (srv.ssl_ctx != NULL) {
		SSL *ssl = SSL_new(srv.ssl_ctx);
		if (ssl == NULL) {
			log_error("SSL_new failed: out of memory");
			abort();
		}
		under = bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
						       BEV_OPT_CLOSE_ON_FREE);
	} else {
		under = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	}
	if (under == NULL) {
		log_error("cannot create a bufferevent: out of memory");
		abort();
	}
	/* bytes held for a later request are bounded: reading pauses past this */
	bufferevent_setwatermark(under, EV_READ, 0, 2 * (HTTP_MAX_BODY + HTTP_MAX_HEADERS));
	struct conn *c = xcalloc(1, sizeof *c);
	c->state = CS_HEADERS;
	c->bev =
	    bufferevent_filter_new(under, conn_input, conn_output,
				   BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS, conn_free, c);
	c->deadline = evtimer_new(base, conn_deadline, c);
	c->kick = event_new(base, -1, 0, conn_kick, c);
	evbuffer_add_cb(bufferevent_get_output(c->bev), conn_output_added, c);
	metrics_open_connections++;
	if (metrics_open_connections >= srv.cfg->max_connections && srv.accepting) {
		/* at the cap: new clients wait in the listen backlog until one leaves */
		evconnlistener_disable(evhttp_bound_socket_get_listener(srv.bound));
		srv.accepting = false;
	}
	return c->bev;
}

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

static bool is_loopback(const char *ip)
{
	return strncmp(ip, "127.", 4) == 0 || strcmp(ip, "::1") == 0 ||
	       strncmp(ip, "::ffff:127.", 11) == 0;
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
	snprintf(r->client_ip, sizeof r->client_ip, "%s", addr ? addr : "");
	r->client_loopback = is_loopback(r->client_ip);
	(void)path;
	return RC_OK;
}

static void reply_now(struct evhttp_request *evreq, struct req *r, int64_t start_ns)
{
	send_reply(evreq, r, start_ns);
	req_free(r);
}

static void refusal_problem(struct req *r, enum refusal why)
{
	switch (why) {
	case RF_HEADERS_LARGE:
		problem_set(r, 431, "headers-too-large", "the request headers exceed %d bytes",
			    HTTP_MAX_HEADERS);
		break;
	case RF_BODY_LARGE:
		problem_set(r, 413, "body-too-large", "the request body exceeds %d bytes",
			    HTTP_MAX_BODY);
		break;
	case RF_HEADER_TIMEOUT:
		problem_set(r, 408, "timeout", "the request headers did not arrive within %d s",
			    srv.cfg->header_timeout);
		break;
	case RF_BODY_TIMEOUT:
		problem_set(r, 408, "timeout", "the request body did not arrive within %d s",
			    srv.cfg->body_timeout);
		break;
	case RF_REQUEST_LINE:
		problem_set(r, 400, "malformed-request",
			    "the request line is not \"METHOD target HTTP/1.x\"");
		break;
	case RF_HEADER_LINE:
		problem_set(r, 400, "malformed-request",
			    "a header line is not \"Name: value\" (folded lines and control "
			    "characters are refused)");
		break;
	case RF_TRANSFER_ENCODING:
		problem_set(r, 400, "malformed-request",
			    "Transfer-Encoding must be exactly \"chunked\", given once and "
			    "without Content-Length");
		break;
	case RF_CONTENT_LENGTH:
		problem_set(r, 400, "malformed-request",
			    "Content-Length must be one decimal number");
		break;
	case RF_CHUNK:
		problem_set(r, 400, "malformed-request",
			    "the chunked body is malformed (chunk extensions are not supported)");
		break;
	case RF_NONE:
	case RF_COUNT: problem_set(r, 400, "malformed-request", "the request is malformed"); break;
	}
}

/* Sets the problem a synthetic request from the filter stands for; false for any
 * other path. */
static bool synthetic_problem(struct req *r, const char *path)
{
	size_t n = strlen(srv.synthetic);
	if (strncmp(path, srv.synthetic, n) != 0)
		return false;
	int why = atoi(path + n);
	if (why <= RF_NONE || why >= RF_COUNT)
		return false;
	refusal_problem(r, (enum refusal)why);
	return true;
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

	if (strncmp(path, "/-/", 3) == 0 && synthetic_problem(&r, path)) {
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
	job->next = NULL;
	if (srv.done_tail)
		srv.done_tail->next = job;
	else
		srv.done_head = job;
	srv.done_tail = job;
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
	struct job *j = srv.done_head;
	srv.done_head = srv.done_tail = NULL;
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

int http_serve(const struct config *cfg, struct router *rt, handler_fn maintenance)
{
	int exit_status = 1;

	srv.cfg = cfg;
	srv.rt = rt;
	srv.maintenance_route =
	    (struct route){M_POST, "(maintenance)", maintenance, ROUTE_TX, "maintenance", NULL};
	uuid_random(srv.secret);
	snprintf(srv.synthetic, sizeof srv.synthetic, "/-/%s/", srv.secret);
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
	srv.base = event_base_new_with_config(ecfg);
	event_config_free(ecfg);
	srv.http = evhttp_new(srv.base);
	evhttp_set_max_body_size(srv.http, HTTP_MAX_BODY);
	/* the filter already refused blocks over HTTP_MAX_HEADERS; this catches pipelined ones */
	evhttp_set_max_headers_size(srv.http, HTTP_MAX_HEADERS + 64);
	evhttp_set_timeout(srv.http, cfg->idle_timeout);
	evhttp_set_allowed_methods(srv.http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
						 EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
						 EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH |
						 EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT);
	evhttp_set_default_content_type(srv.http, "application/json");
	evhttp_set_gencb(srv.http, on_request, NULL);
	evhttp_set_bevcb(srv.http, conn_new, NULL);

	srv.bound = evhttp_bind_socket_with_handle(srv.http, cfg->listen_host,
						   (ev_uint16_t)cfg->listen_port);
	if (srv.bound == NULL) {
		fprintf(stderr, "techex: TECHEX_LISTEN: cannot listen on %s:%d: %s\n",
			cfg->listen_host, cfg->listen_port, strerror(errno));
		goto out;
	}
	srv.accepting = true;

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
	loopdb_start(srv.base, cfg->database_url, cfg->loop_connections, rt, loop_fallback);
	log_info("serving %s on %s:%d with %d workers and %d loop connection(s)",
		 srv.ssl_ctx ? "HTTPS" : "HTTP", cfg->listen_host, cfg->listen_port, cfg->workers,
		 cfg->loop_connections);

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
