/*
 * router.h - routes are data: each module exports a table, the router joins them.
 */
#ifndef TECHEX_ROUTER_H
#define TECHEX_ROUTER_H

#include "common.h"
#include "req.h"

typedef enum rc (*handler_fn)(struct req *r);

enum route_flags {
	ROUTE_AUTH = 1 << 0,          /* a valid session is required (401 otherwise) */
	ROUTE_ADMIN = 1 << 1,         /* a platform admin is required (403 otherwise) */
	ROUTE_TX = 1 << 2,            /* runs in one read-write transaction, retried on 40001 */
	ROUTE_HEAVY = 1 << 3,         /* hashes passwords: limited by TECHEX_HASH_CONCURRENCY */
	ROUTE_INLINE = 1 << 4,        /* runs on the I/O loop: no database, never blocks */
	ROUTE_IDEMPOTENT = 1 << 5,    /* honours Idempotency-Key */
	ROUTE_OPTIONAL_AUTH = 1 << 6, /* authenticates when a token is sent */
	ROUTE_REPLICA = 1 << 7,       /* without a token, DATABASE_READ_URL's replica may answer */
	ROUTE_LARGE_BODY = 1 << 8, /* takes a body up to HTTP_MAX_LARGE_BODY (a file), not 1 MiB */
	/* A replayed Idempotency-Key runs the handler with r->replay set (the response
	 * kept for the key) instead of sending that as it is: for a response that
	 * carries a secret, which the handler keeps sealed (resp.kept_body). */
	ROUTE_REPLAY_HANDLER = 1 << 9,
};

struct loop_read;

struct route {
	enum method method;
	const char *pattern; /* "/v1/orgs/{id}" */
	handler_fn handler;
	unsigned flags;
	const char *operation_id; /* as in api-spec/openapi.yaml */
	/* Optional: how the I/O loop answers an anonymous request itself (loopread.h);
	 * handler stays the authority, used by workers and whenever the loop cannot. */
	const struct loop_read *loop;
};

struct router {
	const struct route **routes;
	size_t n;
	size_t cap;
};

/* Adds every route of a module's table (borrowed: tables are static). */
void router_add(struct router *rt, const struct route *table, size_t n);

/* Finds the route for method and path (the path without query string). On a match
 * fills params (keys and values owned by the caller, freed with free()) and returns
 * the route. Without one returns NULL and sets *status to 404, or to 405 with the
 * methods the path does allow in *allow (a mask of enum method). */
const struct route *router_match(const struct router *rt, enum method method, const char *path,
				 struct kv *params, int *nparams, int *status, unsigned *allow);

/* Writes "GET, POST" for an allow mask. */
void router_allow_header(unsigned allow, char *buf, size_t len);

const char *method_name(enum method m);
enum method method_from_name(const char *name);

void router_free(struct router *rt);

#endif
