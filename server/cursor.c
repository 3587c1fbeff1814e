/*
 * cursor.c - cursors are base64url of "v1\x1fv2..." with a version byte; they
 * carry no secrets, only positions, and are checked strictly when read back.
 */
#include "cursor.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "req.h"

#define SEP '\x1f'

char *cursor_encode(const struct cursor *c)
{
	char raw[1 + CURSOR_MAX_PARTS * (CURSOR_PART_MAX + 1)];
	size_t n = 0;
	raw[n++] = '1'; /* format version */
	for (int i = 0; i < c->nparts; i++) {
		if (i > 0)
			raw[n++] = SEP;
		size_t len = strnlen(c->parts[i], CURSOR_PART_MAX - 1);
		memcpy(raw + n, c->parts[i], len);
		n += len;
	}
	char *out = xmalloc(4 * ((n + 2) / 3) + 1);
	int m = EVP_EncodeBlock((unsigned char *)out, (unsigned char *)raw, (int)n);
	while (m > 0 && out[m - 1] == '=')
		m--;
	out[m] = '\0';
	for (char *p = out; *p; p++)
		*p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
	return out;
}

enum rc cursor_decode(const char *text, int nparts, struct cursor *out)
{
	size_t len = strlen(text);
	char b64[4 * ((1 + CURSOR_MAX_PARTS * (CURSOR_PART_MAX + 1) + 2) / 3) + 4];
	unsigned char raw[sizeof b64];

	memset(out, 0, sizeof *out);
	if (len == 0 || len + 3 >= sizeof b64)
		return RC_ERR;
	for (size_t i = 0; i < len; i++) {
		char ch = text[i];
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		      (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
			return RC_ERR;
		b64[i] = ch == '-' ? '+' : ch == '_' ? '/' : ch;
	}
	/* only the one spelling cursor_encode writes: no dangling sixth of a byte,
	 * and the bits past the last byte are zero (else "MR" would read as "MQ") */
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned last = (unsigned)(strchr(alphabet, text[len - 1]) - alphabet);
	if (len % 4 == 1 || (len % 4 == 2 && (last & 0x0f) != 0) ||
	    (len % 4 == 3 && (last & 0x03) != 0))
		return RC_ERR;
	size_t padded = len;
	while (padded % 4 != 0)
		b64[padded++] = '=';
	b64[padded] = '\0';
	int n = EVP_DecodeBlock(raw, (unsigned char *)b64, (int)padded);
	if (n < 0)
		return RC_ERR;
	n -= (int)(padded - len); /* DecodeBlock counts the padding as zero bytes */
	if (n < 1 || raw[0] != '1')
		return RC_ERR;
	int part = 0;
	size_t at = 0;
	for (int i = 1; i < n; i++) {
		unsigned char ch = raw[i];
		if (ch == SEP) {
			if (++part >= nparts)
				return RC_ERR;
			at = 0;
			continue;
		}
		if (ch < 0x20 || at + 1 >= CURSOR_PART_MAX)
			return RC_ERR;
		out->parts[part][at++] = (char)ch;
	}
	if (part != nparts - 1)
		return RC_ERR;
	out->nparts = nparts;
	return RC_OK;
}

static int digits_at(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* A timestamp as the lists write them into cursors (to_char in UTC, with
 * microseconds): "2026-11-28T19:00:00.123456Z". */
static bool part_is_timestamp(const char *s)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (strlen(s) < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
	    s[16] != ':')
		return false;
	int y = digits_at(s, 4), mo = digits_at(s + 5, 2), d = digits_at(s + 8, 2),
	    h = digits_at(s + 11, 2), mi = digits_at(s + 14, 2), sec = digits_at(s + 17, 2);
	if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h < 0 || h > 23 || mi < 0 ||
	    mi > 59 || sec < 0 || sec > 59)
		return false;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (mo == 2 && d == 29 && !leap)
		return false;
	s += 19;
	if (*s == '.') {
		int k = 0;
		while (s[1 + k] >= '0' && s[1 + k] <= '9' && k < 7)
			k++;
		if (k == 0 || k > 6)
			return false;
		s += 1 + k;
	}
	return strcmp(s, "Z") == 0;
}

/* An integer that fits in 64 bits; negative ones only when signed_ok. */
static bool part_is_integer(const char *s, bool signed_ok)
{
	if (signed_ok && *s == '-')
		s++;
	size_t n = strlen(s);
	if (n == 0 || n > 19 || (n > 1 && s[0] == '0'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return n < 19 || strcmp(s, "9223372036854775807") <= 0;
}

bool cursor_part_valid(const char *part, char kind)
{
	switch (kind) {
	case 't': return part_is_timestamp(part);
	case 'u': return uuid_valid(part);
	case 'i': return part_is_integer(part, true);
	case 'n': return part_is_integer(part, false);
	default: return false;
	}
}

enum rc page_params(struct req *r, const char *shape, int *limit, struct cursor *c)
{
	const char *l = req_query(r, "limit"), *cur = req_query(r, "cursor");
	int nparts = (int)strlen(shape);
	*limit = 20;
	c->nparts = 0;
	if (l != NULL) {
		int v = strlen(l) <= 3 ? digits_at(l, (int)strlen(l)) : -1;
		if (*l == '\0' || v < 1 || v > 100)
			problem_field(r, "limit", "must be an integer from 1 to 100");
		else
			*limit = v;
	}
	bool ok = cur == NULL || cursor_decode(cur, nparts, c) == RC_OK;
	for (int k = 0; ok && k < c->nparts; k++)
		ok = cursor_part_valid(c->parts[k], shape[k]);
	if (!ok)
		problem_field(r, "cursor", "is not a cursor this list gave out");
	return problem_fields_done(r);
}

/* Replies {data, next_cursor} from up to limit + 1 rows (columns: listing json,
 * version, then the nparts cursor columns); the extra row only tells that another
 * page follows. */
void reply_page(struct req *r, PGresult *res, int limit, int nparts)
{
	size_t len;
	char *body = page_json(res, limit, nparts, NULL, &len);
	PQclear(res);
	reply_json_text(r, 200, body, len);
}

enum rc reply_page_of(struct req *r, PGresult *res, int limit, int nparts)
{
	if (res == NULL)
		return RC_ERR;
	reply_page(r, res, limit, nparts);
	return RC_OK;
}

char *page_json(const PGresult *res, int limit, int nparts, const char *extra, size_t *len_out)
{
	/* the rows are JSON text from PostgreSQL: joined as they are, not parsed */
	static const char head[] = "{\"data\":[", mid[] = "],\"next_cursor\":";
	int rows = PQntuples(res), shown = rows < limit ? rows : limit;
	char *next = NULL;
	if (rows > limit) {
		struct cursor n = {.nparts = nparts};
		for (int k = 0; k < nparts; k++)
			snprintf(n.parts[k], CURSOR_PART_MAX, "%s",
				 PQgetvalue(res, limit - 1, 2 + k));
		next = cursor_encode(&n); /* base64url: nothing to escape */
	}
	size_t len = sizeof head + sizeof mid + (next ? strlen(next) + 2 : 4) + 2 +
		     (extra ? strlen(extra) : 0);
	for (int i = 0; i < shown; i++)
		len += (size_t)PQgetlength(res, i, 0) + 1;
	char *body = xmalloc(len), *o = body;
	o = stpcpy(o, head);
	for (int i = 0; i < shown; i++) {
		if (i > 0)
			*o++ = ',';
		size_t n = (size_t)PQgetlength(res, i, 0);
		memcpy(o, PQgetvalue(res, i, 0), n);
		o += n;
	}
	o = stpcpy(o, mid);
	if (next != NULL) {
		*o++ = '"';
		o = stpcpy(o, next);
		*o++ = '"';
	} else {
		o = stpcpy(o, "null");
	}
	if (extra != NULL)
		o = stpcpy(o, extra);
	*o++ = '}';
	*o = '\0';
	free(next);
	*len_out = (size_t)(o - body);
	return body;
}

enum rc page_only(struct req *r, const char *shape, int *limit, struct cursor *c, char lim[16])
{
	static const char *const known[] = {"limit", "cursor", NULL};
	req_query_check(r, known);
	if (page_params(r, shape, limit, c) != RC_OK)
		return RC_ERR;
	snprintf(lim, 16, "%d", *limit + 1);
	return RC_OK;
}

enum rc page_filtered(struct req *r, const char *name, const char *const *values,
		      const char *message, const char **value, const char *shape, struct page *p)
{
	const char *const known[] = {name, "limit", "cursor", NULL};
	req_query_check(r, known);
	*value = req_query(r, name);
	if (*value && !str_in(values, *value))
		problem_field(r, name, "%s", problem_tr(r, message));
	if (page_params(r, shape, &p->limit, &p->cur) != RC_OK)
		return RC_ERR;
	snprintf(p->lim, sizeof p->lim, "%d", p->limit + 1);
	return RC_OK;
}
