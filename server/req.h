/*
 * req.h - what a handler sees of a request, and how it answers.
 *
 * A handler never touches libevent: the I/O loop copies the request into a
 * struct req, a worker runs the handler, and the response goes back to the loop.
 * Everything reachable from a struct req is owned by it and freed by req_free().
 */
#ifndef TECHEX_REQ_H
#define TECHEX_REQ_H

#include <jansson.h>

#include "common.h"
#include "problem.h"

struct db;

enum method {
	M_GET = 1 << 0,
	M_POST = 1 << 1,
	M_PUT = 1 << 2,
	M_PATCH = 1 << 3,
	M_DELETE = 1 << 4,
	M_HEAD = 1 << 5,
	M_OPTIONS = 1 << 6,
	M_OTHER = 1 << 7,
};

#define MAX_PARAMS 4
#define MAX_RESP_HEADERS 8

struct kv {
	char *key;
	char *value;
};

/* The authenticated caller, filled in before an authenticated handler runs. */
struct auth {
	bool authenticated;
	bool platform_admin;
	char user_id[37];
	char org_id[37];   /* empty for a platform admin without an organization */
	char org_role[16]; /* owner, admin, member */
	char org_status[16];
	char org_kind[24];
	char email[256];
};

struct resp {
	int status;
	const char *content_type; /* static string */
	char *body;               /* owned */
	size_t body_len;
	struct kv headers[MAX_RESP_HEADERS]; /* owned */
	int nheaders;
	/* What the idempotency store keeps for a replay instead of body (owned; NULL:
	 * body itself): a response that shows a secret once keeps it sealed. */
	char *kept_body;
};

struct route;

struct req {
	enum method method;
	const char *method_name;
	const struct route *route;
	char *path;
	struct kv params[MAX_PARAMS]; /* path parameters, borrowed from path copy */
	int nparams;
	struct kv *query; /* decoded query parameters, owned */
	int nquery;
	struct kv *headers; /* request headers, owned */
	int nheaders;
	char *body; /* raw body, NUL-terminated, owned */
	size_t body_len;
	char client_ip[64];
	char request_id[37];

	struct auth auth;
	struct db *db;      /* the worker's connection, borrowed */
	struct db *read_db; /* its replica connection, when this request may use it */
	json_t *json;       /* parsed body once read, owned */
	struct resp resp;
	struct problem problem;
	char idem_scope[64]; /* set when an idempotent route stored its key */
	char idem_key[256];
	/* The response kept for a replayed Idempotency-Key, for the handler of a
	 * ROUTE_REPLAY_HANDLER route to answer from (owned; NULL otherwise). */
	char *replay;
	int replay_status;
};

/* Header lookup, case-insensitive. Borrowed; NULL when absent. */
const char *req_header(const struct req *r, const char *name);
/* Path parameter by name. Borrowed; NULL when absent. */
const char *req_param(const struct req *r, const char *name);
/* Query parameter by name (first occurrence). Borrowed; NULL when absent. */
const char *req_query(const struct req *r, const char *name);

/* Decodes a raw query string ("a=1&b=%E8%B5%A4") into r->query. A parameter
 * carrying %00 is a 422 naming it; a string evhttp cannot parse is a 400. */
enum rc req_parse_query(struct req *r, const char *query) MUSTCHECK;

/* Records a field error for every query parameter not in known (NULL-terminated)
 * and for every one given twice; the caller reports them with problem_fields_done. */
void req_query_check(struct req *r, const char *const *known);

/* Replies with JSON: takes ownership of body (json_decref'd). */
void reply_json(struct req *r, int status, json_t *body);
/* Replies with JSON text already made (malloc'd; the reply takes it). */
void reply_json_text(struct req *r, int status, char *text, size_t len);
/* Replies with a body of the given content type; copies the bytes. */
void reply_raw(struct req *r, int status, const char *content_type, const char *body, size_t len);
/* Replies with an object the database built as JSON text (an API shape made in
 * SQL), compacted, with its ETag at version (none when NULL); RC_ERR with a 500
 * when the text is not JSON. json_text is borrowed. */
enum rc reply_stored(struct req *r, int status, const char *json_text, const char *version);
/* Replies with no body (204). */
void reply_empty(struct req *r, int status);
/* Adds a response header; both strings are copied. */
void reply_header(struct req *r, const char *name, const char *value);
/* The ETag of an object at a version ("\"7\""), into out (at least 32 bytes). */
void etag_format(const char *version, char *out, size_t len);
/* Checks If-Match against an object at version: RC_OK when it names that
 * version or is "*" (or is absent and not required); otherwise a 428 (absent
 * but required) or a 412 naming the current ETag, with noun in the words. */
enum rc req_if_match(struct req *r, const char *version, const char *noun, bool required) MUSTCHECK;

/* Adds a Location header: pattern (a route such as "/v1/bids/{id}") with its
 * {id} replaced by id. */
void reply_location(struct req *r, const char *pattern, const char *id);

/* Adds the ETag header for an object at version. */
void reply_etag(struct req *r, const char *version);
/* Writes r->problem as application/problem+json. */
void reply_problem(struct req *r);
/* Forgets any response built so far (before a transaction is re-run). */
void resp_reset(struct resp *resp);

void req_free(struct req *r);

#endif
