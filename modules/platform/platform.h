/*
 * platform.h - health, readiness, metrics, the audit log helper, idempotency
 * and periodic maintenance.
 */
#ifndef TECHEX_PLATFORM_H
#define TECHEX_PLATFORM_H

#include "../../server/router.h"

extern const struct route platform_routes[];
extern const size_t platform_routes_count;

/* Writes one audit_log row in the request's transaction. org_id may be NULL
 * (then the actor's organization is recorded); detail is stolen (may be NULL). */
enum rc audit_write(struct req *r, const char *action, const char *object_type,
		    const char *object_id, const char *org_id, json_t *detail) MUSTCHECK;

/* audit_write for a move of an object from one state to another: the detail is
 * {from, to} and, when reason is not NULL, the reason given for it. */
enum rc audit_move(struct req *r, const char *action, const char *object_type, const char *id,
		   const char *org_id, const char *from, const char *to,
		   const char *reason) MUSTCHECK;

/* Dispatch hooks for Idempotency-Key (see worker.h). */
enum rc idempotency_begin(struct req *r);
enum rc idempotency_end(struct req *r);

/* Settings: the token that opens /metrics on the API address (borrowed for
 * the process; may be empty: /metrics is closed there). */
void platform_init(const char *metrics_token);

/* True when /metrics may be served on the API address: "Bearer <token>"
 * matching a non-empty metrics token (compared in constant time). */
bool platform_metrics_allowed(const char *authorization, const char *token);

/* Replies with the metrics, no questions asked: for the address
 * TECHEX_METRICS_LISTEN names (runs on the I/O loop). */
enum rc platform_serve_metrics(struct req *r);

/* Deletes expired sessions, login failures and idempotency keys. */
enum rc platform_maintenance(struct req *r);

#endif
