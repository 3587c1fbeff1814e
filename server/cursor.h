/*
 * cursor.h - opaque paging cursors and the limit parameter of list endpoints.
 */
#ifndef TECHEX_CURSOR_H
#define TECHEX_CURSOR_H

#include "common.h"

struct req;
struct pg_result;

#define CURSOR_MAX_PARTS 3
#define CURSOR_PART_MAX 64

/* The position after the last row of a page: up to three text values (a sort
 * key and an id, say). */
struct cursor {
	int nparts;
	char parts[CURSOR_MAX_PARTS][CURSOR_PART_MAX];
};

/* Encodes a cursor as base64url text. Caller frees. */
char *cursor_encode(const struct cursor *c);

/* Decodes text made by cursor_encode; RC_ERR for anything else. Pure. */
enum rc cursor_decode(const char *text, int nparts, struct cursor *out) MUSTCHECK;

/* Reads ?limit= (1..100, default 20) and ?cursor=, decoded into c with one part
 * per letter of shape (see cursor_part_valid), each checked; c->nparts is 0
 * without one. A bad value is a 422 naming it. */
enum rc page_params(struct req *r, const char *shape, int *limit, struct cursor *c) MUSTCHECK;

/* For a list whose only parameters are ?limit= and ?cursor=: refuses any other
 * (422), reads them as page_params does, and writes limit + 1 (the rows a page
 * statement asks for) into lim. */
enum rc page_only(struct req *r, const char *shape, int *limit, struct cursor *c,
		  char lim[16]) MUSTCHECK;

/* The page a list asks its statement for: limit rows after cur; lim is
 * limit + 1 as text, the rows the statement returns (the extra one tells that
 * another page follows). */
struct page {
	int limit;
	struct cursor cur;
	char lim[16];
};

/* For a list whose only parameters are ?limit=, ?cursor= and the filter ?<name>=,
 * which takes one of values (NULL-terminated): refuses any other parameter, and
 * a value of name not in values with message (English, marked N_(), translated),
 * together with the page's own errors (422); reads the page as page_only does.
 * The filter's value, NULL when absent, goes to *value (borrowed from r). */
enum rc page_filtered(struct req *r, const char *name, const char *const *values,
		      const char *message, const char **value, const char *shape,
		      struct page *p) MUSTCHECK;

/* Whether one part of a decoded cursor has the kind shape letters name: 't' a
 * timestamp as the lists write it ("2026-11-28T19:00:00.123456Z"), 'u' a UUID, 'i' a 64-bit integer,
 * 'n' one that is not negative. */
bool cursor_part_valid(const char *part, char kind);

/* Replies {data, next_cursor} from up to limit + 1 rows of res (columns: the
 * object's JSON text, its version, then the nparts cursor columns); the extra row
 * only tells that another page follows. Clears res. */
void reply_page(struct req *r, struct pg_result *res, int limit, int nparts);

/* reply_page for the result of a statement that may have failed: RC_ERR (the
 * problem already set) when res is NULL, else the page and RC_OK. */
enum rc reply_page_of(struct req *r, struct pg_result *res, int limit, int nparts);

/* The body reply_page sends, without sending it or clearing res: {data,
 * next_cursor} and then extra (members such as ",\"facets\":{...}", or NULL)
 * before the closing brace; its length in *len. Caller frees. */
char *page_json(const struct pg_result *res, int limit, int nparts, const char *extra, size_t *len);

#endif
