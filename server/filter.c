/*
 * filter.c - the byte-level connection filter in front of evhttp (filter.h).
 */
#include "filter.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include "log.h"
#include "metrics.h"
#include "req.h"

#define LINGER_SECONDS 2    /* a refused client has this long to read the problem */
#define CHUNK_LINE_MAX 64   /* a chunk-size line: hex digits and white space */
#define PRESSURE_PERCENT 75 /* past this share of max_connections the server is under pressure */
#define CLIENT_BUCKETS 1024

static struct filter_host host;
static struct event *pressure_timer;
static int open_connections;

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
	bool unsent;                  /* reported through host.unsent_changed */
	struct event *kick;           /* pushes queued reply bytes through the filter */
	bool kick_read;               /* the kick also feeds held request bytes to evhttp */
	unsigned long long body_left; /* declared body bytes still to pass */
	bool chunked;                 /* the body is chunked: ck_* follow it */
	bool nodelay;                 /* TCP_NODELAY set on the socket */
	bool refused;                 /* a refusal was written below; lingering */
	bool attached;                /* its client address is known and counted */
	struct client *client;        /* the address it counts against; NULL if none */
	int64_t active_ns;            /* when bytes last moved either way */
	struct chunk_reader ck;
	TAILQ_ENTRY(conn) link; /* in conns, for the pressure sweep */
};

/* Connections per client address, in a small chained hash. */
struct client {
	char key[INET6_ADDRSTRLEN + 4];
	int n;
	struct client *next;
};

static TAILQ_HEAD(, conn) conns = TAILQ_HEAD_INITIALIZER(conns);
static struct client *clients[CLIENT_BUCKETS];

static void conn_attach(struct conn *c);

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
	return http_check_head_limit(b, len, chunked, HTTP_MAX_BODY);
}

enum refusal http_check_head_limit(const char *b, size_t len, bool *chunked,
				   unsigned long long max_body)
{
	size_t end, k = 0, i;
	size_t lend = line_end(b, 0, len, &end);

	/* METHOD SP request-target SP HTTP/1.x */
	while (k < end && is_tchar((unsigned char)b[k]))
		k++;
	if (k == 0 || k >= end || b[k] != ' ')
		return RF_REQUEST_LINE;
	/* only these take a body; evhttp reads none for HEAD or TRACE, say */
	bool takes_body = (k == 4 && memcmp(b, "POST", 4) == 0) ||
			  (k == 3 && memcmp(b, "PUT", 3) == 0) ||
			  (k == 5 && memcmp(b, "PATCH", 5) == 0);
	/* the methods routes serve; evhttp never sees another (it answers a CONNECT
	 * whose authority it cannot parse twice, say) */
	bool served = takes_body || (k == 3 && memcmp(b, "GET", 3) == 0) ||
		      (k == 4 && memcmp(b, "HEAD", 4) == 0) ||
		      (k == 6 && memcmp(b, "DELETE", 6) == 0) ||
		      (k == 7 && memcmp(b, "OPTIONS", 7) == 0);
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
		} else if (name_n == 6 && strncasecmp(b + i, "expect", 6) == 0) {
			/* evhttp answers any other expectation with an HTML 417 before
			 * the body, while the body's bytes are still on their way */
			if (ve - v != 12 || strncasecmp(b + v, "100-continue", 12) != 0)
				return RF_EXPECTATION;
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
	unsigned long long declared = http_declared_length(b, len);
	if (!takes_body && (te > 0 || declared > 0))
		return RF_BODY_NOT_ALLOWED;
	if (!served)
		return RF_METHOD;
	if (declared > max_body)
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
				if (ck->total + ck->left > (ck->max ? ck->max : HTTP_MAX_BODY))
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
	evbuffer_add_printf(dst, "GET %s%d HTTP/1.0\r\n\r\n", host.synthetic, (int)c->inject);
	c->inject = RF_NONE;
	c->state = CS_CLOSING;
	event_del(c->deadline);
}

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
	if (host.ssl_ctx != NULL) {
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
	filter_refusal_problem(&r, why);
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

	if (!c->attached) { /* bytes came before the attach timer ran */
		event_del(c->deadline);
		conn_attach(c);
	}
	c->active_ns = mono_ns();
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
		struct timeval tv = {host.cfg->header_timeout, 0};
		event_add(c->deadline, &tv);
	}
	size_t look = len < HTTP_MAX_HEADERS + 4 ? len : HTTP_MAX_HEADERS + 4;
	const char *p = (const char *)evbuffer_pullup(src, (ev_ssize_t)look);
	size_t block = http_header_block_len(p, look);
	if (block == 0 && len <= HTTP_MAX_HEADERS)
		return BEV_NEED_MORE;
	enum refusal why = RF_HEADERS_LARGE;
	unsigned long long max_body = HTTP_MAX_BODY;
	if (block != 0 && block <= HTTP_MAX_HEADERS + 2) {
		if (host.body_limit != NULL)
			max_body = host.body_limit(p, block);
		why = http_check_head_limit(p, block, &c->chunked, max_body);
	}
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
	c->ck.max = max_body;
	struct timeval tv = {host.cfg->body_timeout, 0};
	event_add(c->deadline, &tv);
	(void)pass_body(c, src, dst);
	return BEV_OK;
}

/* Counts connections that still hold reply bytes, so a drain waits for them. */
static void conn_set_unsent(struct conn *c, bool unsent)
{
	if (c->unsent == unsent)
		return;
	c->unsent = unsent;
	host.unsent_changed(unsent ? 1 : -1);
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
	c->active_ns = mono_ns();

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
	if (!c->attached) {
		conn_attach(c);
	} else if (c->refused || c->inject == RF_CLIENT_CONNECTIONS) {
		conn_close_now(c); /* the client did not leave after its refusal */
	} else if (c->state == CS_BODY) {
		conn_refuse_now(c, RF_BODY_TIMEOUT);
	} else if (c->state == CS_HEADERS) {
		c->inject = RF_HEADER_TIMEOUT;
		bufferevent_flush(c->bev, EV_READ, BEV_NORMAL);
	}
}

static unsigned client_bucket(const char *key)
{
	unsigned h = 2166136261u; /* FNV-1a */
	for (; *key; key++)
		h = (h ^ (unsigned char)*key) * 16777619u;
	return h % CLIENT_BUCKETS;
}

/* Counts c against key; NULL (and c counts against nothing) when the key
 * already holds the most connections a client may. */
static struct client *client_take(const char *key)
{
	struct client **at = &clients[client_bucket(key)], *cl;
	for (cl = *at; cl != NULL && strcmp(cl->key, key) != 0; cl = cl->next)
		;
	if (cl == NULL) {
		cl = xcalloc(1, sizeof *cl);
		snprintf(cl->key, sizeof cl->key, "%s", key);
		cl->next = *at;
		*at = cl;
	}
	if (cl->n >= host.cfg->max_client_connections)
		return NULL;
	cl->n++;
	return cl;
}

static void client_release(struct client *cl)
{
	if (cl == NULL || --cl->n > 0)
		return;
	struct client **at = &clients[client_bucket(cl->key)];
	while (*at != cl)
		at = &(*at)->next;
	*at = cl->next;
	free(cl);
}

bool filter_client_key(const struct sockaddr *sa, char *out, size_t len)
{
	char text[INET6_ADDRSTRLEN];
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
		snprintf(out, len, "%s", text);
		return true;
	}
	if (sa->sa_family != AF_INET6)
		return false;
	struct in6_addr a = ((const struct sockaddr_in6 *)sa)->sin6_addr;
	if (IN6_IS_ADDR_V4MAPPED(&a)) {
		inet_ntop(AF_INET, &a.s6_addr[12], text, sizeof text);
		snprintf(out, len, "%s", text);
		return true;
	}
	memset(&a.s6_addr[8], 0, 8); /* one client: its /64 */
	inet_ntop(AF_INET6, &a, text, sizeof text);
	snprintf(out, len, "%s/64", text);
	return true;
}

/* Whether the peer is one of TECHEX_TRUSTED_PROXIES. */
static bool is_trusted_proxy(const struct sockaddr *sa)
{
	char ip[INET6_ADDRSTRLEN];
	const void *a = sa->sa_family == AF_INET
			    ? (const void *)&((const struct sockaddr_in *)sa)->sin_addr
			    : (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr;
	return host.cfg->trusted_proxies.n > 0 && inet_ntop(sa->sa_family, a, ip, sizeof ip) &&
	       netlist_contains(&host.cfg->trusted_proxies, ip);
}

/* Runs once the connection has its socket (evhttp sets it after filter_conn_new
 * returns): counts it against its client address. One over the limit gets a
 * 429 as the answer to whatever it sends first, and little time to send it. */
static void conn_attach(struct conn *c)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	char key[sizeof((struct client *)0)->key];
	evutil_socket_t fd = bufferevent_getfd(c->bev);

	c->attached = true;
	if (fd < 0 || getpeername(fd, (struct sockaddr *)&ss, &sl) != 0 ||
	    !filter_client_key((struct sockaddr *)&ss, key, sizeof key))
		return; /* a Unix socket, say: nothing to count */
	if (is_trusted_proxy((struct sockaddr *)&ss))
		return; /* a proxy carries many clients' connections */
	c->client = client_take(key);
	if (c->client == NULL) {
		log_warn("client %s holds %d connections: refusing another", key,
			 host.cfg->max_client_connections);
		c->inject = RF_CLIENT_CONNECTIONS;
		struct timeval tv = {1, 0};
		event_add(c->deadline, &tv);
	}
}

/* While the server is near its connection cap, keep-alive connections that
 * have been idle a few seconds are closed, so that newcomers find room. */
static void on_pressure(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	if ((long long)open_connections * 100 <
	    (long long)host.cfg->max_connections * PRESSURE_PERCENT)
		return;
	int64_t now = mono_ns(), idle = (int64_t)host.cfg->pressure_idle_timeout * 1000000000;
	struct conn *c, *next;
	int closed = 0;
	for (c = TAILQ_FIRST(&conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, link);
		struct bufferevent *under = bufferevent_get_underlying(c->bev);
		if (c->state != CS_HEADERS || c->unsent || c->refused || c->inject != RF_NONE ||
		    now - c->active_ns < idle ||
		    evbuffer_get_length(bufferevent_get_input(under)) > 0)
			continue;
		conn_close_now(c);
		closed++;
	}
	if (closed > 0)
		log_info("%d of %d connections open: closed %d idle keep-alive connection(s)",
			 open_connections, host.cfg->max_connections, closed);
}

static void conn_free(void *arg)
{
	struct conn *c = arg;
	conn_set_unsent(c, false);
	TAILQ_REMOVE(&conns, c, link);
	client_release(c->client);
	event_free(c->deadline);
	event_free(c->kick);
	free(c);
	open_connections--;
	metrics_open_connections = open_connections;
	host.closed();
}

struct bufferevent *filter_conn_new(struct event_base *base, void *arg)
{
	struct bufferevent *under;
	(void)arg;
	if (host.ssl_ctx != NULL) {
		SSL *ssl = SSL_new(host.ssl_ctx);
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
	c->active_ns = mono_ns();
	c->bev =
	    bufferevent_filter_new(under, conn_input, conn_output,
				   BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS, conn_free, c);
	c->deadline = evtimer_new(base, conn_deadline, c);
	c->kick = event_new(base, -1, 0, conn_kick, c);
	evbuffer_add_cb(bufferevent_get_output(c->bev), conn_output_added, c);
	/* the socket is set once this returns: count it on the next loop turn */
	struct timeval now = {0, 0};
	event_add(c->deadline, &now);
	TAILQ_INSERT_TAIL(&conns, c, link);
	open_connections++;
	metrics_open_connections = open_connections;
	host.opened();
	return c->bev;
}

int filter_open_connections(void)
{
	return open_connections;
}

void filter_start(struct event_base *base, const struct filter_host *h)
{
	host = *h;
	pressure_timer = event_new(base, -1, EV_PERSIST, on_pressure, NULL);
	struct timeval second = {1, 0};
	event_add(pressure_timer, &second);
}

void filter_stop(void)
{
	if (pressure_timer != NULL)
		event_free(pressure_timer);
	pressure_timer = NULL;
}

void filter_refusal_problem(struct req *r, enum refusal why)
{
	switch (why) {
	case RF_HEADERS_LARGE:
		problem_set(r, 431, "headers-too-large", "the request headers exceed %d bytes",
			    HTTP_MAX_HEADERS);
		break;
	case RF_BODY_LARGE:
		problem_set(r, 413, "body-too-large",
			    "the request body exceeds %d bytes (%d for a file uploaded as an "
			    "attachment)",
			    HTTP_MAX_BODY, HTTP_MAX_LARGE_BODY);
		break;
	case RF_HEADER_TIMEOUT:
		problem_set(r, 408, "timeout", "the request headers did not arrive within %d s",
			    host.cfg->header_timeout);
		break;
	case RF_BODY_TIMEOUT:
		problem_set(r, 408, "timeout", "the request body did not arrive within %d s",
			    host.cfg->body_timeout);
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
	case RF_EXPECTATION:
		problem_set(r, 417, "expectation-failed",
			    "the only expectation this server meets is \"Expect: 100-continue\"");
		break;
	case RF_BODY_NOT_ALLOWED:
		problem_set(r, 400, "malformed-request",
			    "this method takes no body: only POST, PUT and PATCH may carry one "
			    "(Content-Length above 0 or Transfer-Encoding)");
		break;
	case RF_METHOD:
		problem_set(r, 501, "method-not-implemented",
			    "this server serves GET, HEAD, POST, PUT, PATCH, DELETE and OPTIONS "
			    "only");
		break;
	case RF_CLIENT_CONNECTIONS:
		problem_set(r, 429, "too-many-connections",
			    "your address holds %d connections to this server already; reuse "
			    "them or close some",
			    host.cfg->max_client_connections);
		r->problem.retry_after = 1;
		break;
	case RF_NONE:
	case RF_COUNT: problem_set(r, 400, "malformed-request", "the request is malformed"); break;
	}
}

bool filter_synthetic_problem(struct req *r, const char *path)
{
	size_t n = strlen(host.synthetic);
	if (strncmp(path, host.synthetic, n) != 0)
		return false;
	int why = atoi(path + n);
	if (why <= RF_NONE || why >= RF_COUNT)
		return false;
	filter_refusal_problem(r, (enum refusal)why);
	return true;
}
