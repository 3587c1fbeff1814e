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

enum rc page_params(struct req *r, int nparts, int *limit, struct cursor *c)
{
	const char *l = req_query(r, "limit"), *cur = req_query(r, "cursor");
	*limit = 20;
	c->nparts = 0;
	if (l != NULL) {
		char *end;
		long v = strtol(l, &end, 10);
		if (*l == '\0' || *end != '\0' || v < 1 || v > 100)
			problem_field(r, "limit", "must be an integer from 1 to 100");
		else
			*limit = (int)v;
	}
	if (cur != NULL && cursor_decode(cur, nparts, c) != RC_OK)
		problem_field(r, "cursor", "is not a cursor this list gave out");
	return problem_fields_done(r);
}

/* Replies {data, next_cursor} from up to limit + 1 rows (columns: listing json,
 * version, then the nparts cursor columns); the extra row only tells that another
 * page follows. */
void reply_page(struct req *r, PGresult *res, int limit, int nparts)
{
	json_t *data = json_array();
	int rows = PQntuples(res);
	for (int i = 0; i < rows && i < limit; i++)
		json_array_append_new(data, json_loads(PQgetvalue(res, i, 0), 0, NULL));
	json_t *next = json_null();
	if (rows > limit) {
		struct cursor n = {.nparts = nparts};
		for (int k = 0; k < nparts; k++)
			snprintf(n.parts[k], CURSOR_PART_MAX, "%s",
				 PQgetvalue(res, limit - 1, 2 + k));
		char *text = cursor_encode(&n);
		next = json_string(text);
		free(text);
	}
	PQclear(res);
	reply_json(r, 200, json_pack("{s:o, s:o}", "data", data, "next_cursor", next));
}
