/*
 * webhooks.c - an organization's webhooks (API.md "Notifications and
 * webhooks"): its owner or admins add one ({url, events}; the signing secret is
 * in the 201 and never again), list them, remove one, read a webhook's
 * deliveries with every attempt, and ask for a delivery again (202). Members
 * of the organization who are neither get 403; anyone else 404.
 */
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../server/courier.h"
#include "../../server/cursor.h"
#include "../../server/db.h"
#include "../../server/json.h"
#include "../platform/platform.h"
#include "events.h"
#include "events_internal.h"
#include "secret.h"
#include "ssrf.h"

#define TS(col) SQL_RFC3339(col)
#define US(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
#define MAX_WEBHOOKS 20

// clang-format off
#define WEBHOOK_OBJ                                                                        \
	"jsonb_build_object('id', w.id, 'org_id', w.org_id, 'url', w.url, 'events',"           \
	" to_jsonb(w.events), 'enabled', w.enabled, 'disabled_reason', w.disabled_reason,"    \
	" 'created_at', " TS("w.created_at") ", 'updated_at', " TS("w.updated_at") ")"

/* A delivery d of event e: its state, its last attempt, and every attempt. */
#define DELIVERY_OBJ                                                                       \
	"jsonb_build_object('id', d.id, 'webhook_id', d.webhook_id, 'event_id', d.event_id::text," \
	" 'event_type', e.type, 'status', d.status, 'attempt', d.attempts,"                    \
	" 'status_code', d.last_status_code, 'error', d.last_error,"                           \
	" 'at', " TS("d.last_attempt_at") ","                                                  \
	" 'next_attempt_at', CASE WHEN d.status = 'pending' THEN " TS("d.next_attempt_at") " END," \
	" 'created_at', " TS("d.created_at") ","                                               \
	" 'attempts', coalesce((SELECT jsonb_agg(jsonb_build_object('attempt', a.attempt,"     \
	"   'status_code', a.status_code, 'error', a.error, 'duration_ms', a.duration_ms,"     \
	"   'at', " TS("a.at") ", 'next_attempt_at', " TS("a.next_attempt_at") ")"             \
	"   ORDER BY a.attempt, a.id) FROM webhook_attempts a WHERE a.delivery_id = d.id),"    \
	"   '[]'::jsonb))"
// clang-format on

static const struct stmt st_count = {"webhooks_count",
				     "SELECT count(*) FROM webhooks WHERE org_id = $1", 1};
enum { COUNT_N };

static const struct stmt st_insert = {
    "webhooks_insert",
    "INSERT INTO webhooks AS w (id, org_id, url, events, secret_enc, created_by)"
    " VALUES ($1, $2, $3, ARRAY(SELECT DISTINCT x FROM jsonb_array_elements_text($4::jsonb) x"
    " ORDER BY x), decode($5, 'hex'), $6) RETURNING " WEBHOOK_OBJ "::text",
    6};
enum { INSERT_JSON };

static const struct stmt st_list = {
    "webhooks_list",
    "SELECT " WEBHOOK_OBJ "::text, '1', " US(
	"w.created_at") ", w.id FROM webhooks w"
			" WHERE w.org_id = $1 AND ($2::timestamptz IS NULL OR (w.created_at, w.id) "
			">"
			" ($2::timestamptz, $3::uuid)) ORDER BY w.created_at, w.id LIMIT $4",
    4};

static const struct stmt st_delete = {
    "webhooks_delete", "DELETE FROM webhooks WHERE id = $1 AND org_id = $2 RETURNING url", 2};
enum { DELETED_URL };

static const struct stmt st_get = {
    "webhooks_get", "SELECT w.enabled FROM webhooks w WHERE w.id = $1 AND w.org_id = $2", 2};
enum { GET_ENABLED };

static const struct stmt st_deliveries = {
    "webhooks_deliveries",
    "SELECT " DELIVERY_OBJ "::text, '1', d.event_id::text FROM webhook_deliveries d"
    " JOIN events e ON e.id = d.event_id WHERE d.webhook_id = $1"
    " AND ($2::bigint IS NULL OR d.event_id < $2::bigint)"
    " AND ($3::text IS NULL OR d.status = $3) ORDER BY d.event_id DESC LIMIT $4",
    4};

/* Asks for delivery $1 of webhook $2 again now; one in flight keeps its lease
 * (it is sent again once that attempt is recorded). */
static const struct stmt st_retry = {
    "webhooks_retry",
    "UPDATE webhook_deliveries AS d SET status = 'pending', next_attempt_at = now(),"
    " lease_until = CASE WHEN d.lease_until > now() THEN d.lease_until END"
    " FROM events e WHERE d.id = $1 AND d.webhook_id = $2 AND e.id = d.event_id"
    " RETURNING " DELIVERY_OBJ "::text, d.event_id::text",
    2};
enum { RETRY_JSON, RETRY_EVENT };

static const char *const delivery_statuses[] = {"pending", "delivered", "failed", NULL};

static const struct field create_spec[] = {
    {.name = "url", .type = F_TEXT1, .required = true, .min = 1, .max = 2000},
    {.name = "events", .type = F_STRINGS, .required = true, .min = 1, .max = 64, .max_items = 50},
    {0},
};

/* The organization {id} when the caller is its owner or admin; 403 for its
 * other members, 404 for everyone else. */
static const char *officer_org(struct req *r)
{
	const char *id = req_param(r, "id");
	if (!uuid_valid(id) || r->auth.org_id[0] == '\0' || strcasecmp(id, r->auth.org_id) != 0) {
		(void)db_not_found(r, "organization");
		return NULL;
	}
	if (strcmp(r->auth.org_role, "owner") != 0 && strcmp(r->auth.org_role, "admin") != 0) {
		problem_set(r, 403, "forbidden",
			    "only an owner or admin of the organization manages its webhooks");
		return NULL;
	}
	return r->auth.org_id; /* ids are case-insensitive: the caller's own spelling */
}

/* {wid} of the caller's organization org: RC_OK with *enabled, or a 404. */
static enum rc load_webhook(struct req *r, const char *org, bool *enabled)
{
	const char *wid = req_param(r, "wid");
	if (!uuid_valid(wid))
		return db_not_found(r, "webhook");
	const char *params[2] = {wid, org};
	PGresult *res = db_exec(r, &st_get, params);
	if (res == NULL)
		return RC_ERR;
	bool found = PQntuples(res) == 1;
	if (found)
		*enabled = strcmp(PQgetvalue(res, 0, GET_ENABLED), "t") == 0;
	PQclear(res);
	return found ? RC_OK : db_not_found(r, "webhook");
}

/* Field checks beyond the table: the URL's target and the event types. */
static enum rc check_body(struct req *r, const char **url)
{
	struct ssrf_why why;
	*url = json_string_value(json_object_get(r->json, "url"));
	if (!ssrf_url_allowed(*url, webhooks_allow_private(), SSRF_AT_CREATION, &why))
		problem_field(r, "url", why.msg, problem_tr(r, why.what));
	if (json_array_size(json_object_get(r->json, "events")) == 0)
		problem_field(r, "events", "must name at least one event type, or \"*\" for all");
	size_t i;
	json_t *type;
	json_array_foreach(json_object_get(r->json, "events"), i, type)
	{
		const char *t = json_string_value(type);
		if (strcmp(t, "*") != 0 && !str_in(event_types, t)) {
			problem_field(r, "events",
				      "\"%s\" is not an event type (see the catalogue)", t);
			break;
		}
	}
	return problem_fields_done(r);
}

/* A replayed create (ROUTE_REPLAY_HANDLER): the kept response, its sealed
 * secret opened again, so that neither the idempotency store nor a backup of
 * it holds a secret in the clear. A response kept before secrets were sealed
 * there (the migration took the secret out) is answered without one. */
static enum rc replay_created(struct req *r)
{
	json_t *body = json_loads(r->replay, 0, NULL);
	const char *id = json_string_value(json_object_get(body, "id"));
	const char *sealed = json_string_value(json_object_get(body, "secret_sealed"));
	uint8_t secret[SECRET_BYTES];
	char shown[80];
	enum rc rc = RC_ERR;

	if (id == NULL) {
		problem_set(r, 500, "internal", "could not read the stored record");
		goto out;
	}
	if (sealed != NULL) {
		if (!secret_open_hex(sealed, id, secret)) {
			problem_set(r, 500, "internal",
				    "the stored secret does not open with this TECHEX_SECRET_KEY");
			goto out;
		}
		secret_format(secret, shown, sizeof shown);
		OPENSSL_cleanse(secret, sizeof secret);
		json_object_del(body, "secret_sealed");
		json_object_set_new(body, "secret", json_string(shown));
		OPENSSL_cleanse(shown, sizeof shown);
	}
	reply_json(r, r->replay_status, body);
	body = NULL;
	rc = RC_OK;
out:
	json_decref(body);
	return rc;
}

/* POST /v1/orgs/{id}/webhooks {url, events} -> 201 with the secret, this once;
 * what Idempotency-Key keeps has it sealed (replay_created). */
static enum rc webhooks_create(struct req *r)
{
	if (r->replay != NULL)
		return replay_created(r);
	const char *org = officer_org(r), *url = NULL;
	if (org == NULL)
		return RC_ERR;
	if (body_read_valid(r, create_spec) != RC_OK || check_body(r, &url) != RC_OK)
		return RC_ERR;
	if (!secret_available())
		return problem_set(r, 503, "webhooks-unavailable",
				   "webhooks are not available: the operator has not set "
				   "TECHEX_SECRET_KEY");
	const char *count_params[1] = {org};
	PGresult *res = db_exec(r, &st_count, count_params);
	if (res == NULL)
		return RC_ERR;
	int n = atoi(PQgetvalue(res, 0, COUNT_N));
	PQclear(res);
	if (n >= MAX_WEBHOOKS)
		return problem_set(r, 409, "too-many-webhooks",
				   "an organization has at most %d webhooks; remove one first",
				   MAX_WEBHOOKS);
	enum rc rc = RC_ERR;
	char id[37], hex[2 * SEALED_BYTES + 1], shown[80];
	uint8_t secret[SECRET_BYTES], sealed[SEALED_BYTES];
	char *events = json_dumps(json_object_get(r->json, "events"), JSON_COMPACT);
	json_t *body = NULL;
	uuid_random(id);
	if (RAND_bytes(secret, sizeof secret) != 1 || !secret_seal(secret, id, sealed)) {
		problem_set(r, 500, "internal", "could not make a signing secret");
		goto out;
	}
	hex_encode(sealed, sizeof sealed, hex);
	const char *insert_params[6] = {id, org, url, events, hex, r->auth.user_id};
	if ((res = db_exec(r, &st_insert, insert_params)) == NULL)
		goto out;
	body = json_loads(PQgetvalue(res, 0, INSERT_JSON), 0, NULL);
	PQclear(res);
	if (audit_write(r, "webhook.create", "webhook", id, org,
			json_pack("{s:s, s:O}", "url", url, "events",
				  json_object_get(r->json, "events"))) != RC_OK)
		goto out;
	json_object_set_new(body, "secret_sealed", json_string(hex));
	r->resp.kept_body = json_dumps(body, JSON_COMPACT);
	json_object_del(body, "secret_sealed");
	secret_format(secret, shown, sizeof shown);
	json_object_set_new(body, "secret", json_string(shown));
	reply_json(r, 201, body);
	body = NULL;
	rc = RC_OK;
out:
	OPENSSL_cleanse(secret, sizeof secret);
	OPENSSL_cleanse(shown, sizeof shown);
	json_decref(body);
	free(events);
	return rc;
}

/* GET /v1/orgs/{id}/webhooks: oldest first, without secrets. */
static enum rc webhooks_list(struct req *r)
{
	static const char *const known[] = {"limit", "cursor", NULL};
	int limit;
	struct cursor cur;
	const char *org = officer_org(r);
	if (org == NULL)
		return RC_ERR;
	req_query_check(r, known);
	if (page_params(r, "tu", &limit, &cur) != RC_OK)
		return RC_ERR;
	const char *params[4] = {org, cur.nparts ? cur.parts[0] : NULL,
				 cur.nparts ? cur.parts[1] : NULL};
	return events_reply_page(r, &st_list, params, 4, limit, 2);
}

/* DELETE /v1/orgs/{id}/webhooks/{wid} -> 204; its deliveries go with it. */
static enum rc webhooks_delete(struct req *r)
{
	const char *org = officer_org(r), *wid = req_param(r, "wid");
	if (org == NULL)
		return RC_ERR;
	if (!uuid_valid(wid))
		return db_not_found(r, "webhook");
	const char *params[2] = {wid, org};
	PGresult *res = db_exec(r, &st_delete, params);
	if (res == NULL)
		return RC_ERR;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return db_not_found(r, "webhook");
	}
	json_t *detail = json_pack("{s:s}", "url", PQgetvalue(res, 0, DELETED_URL));
	PQclear(res);
	if (audit_write(r, "webhook.delete", "webhook", wid, org, detail) != RC_OK)
		return RC_ERR;
	reply_empty(r, 204);
	return RC_OK;
}

/* GET /v1/orgs/{id}/webhooks/{wid}/deliveries[?status=]: newest event first,
 * each with its attempts. */
static enum rc webhooks_deliveries(struct req *r)
{
	const char *status;
	struct page p;
	bool enabled;
	const char *org = officer_org(r);
	if (org == NULL)
		return RC_ERR;
	if (page_filtered(r, "status", delivery_statuses,
			  N_("must be pending, delivered or failed"), &status, "n", &p) != RC_OK ||
	    load_webhook(r, org, &enabled) != RC_OK)
		return RC_ERR;
	const char *params[4] = {req_param(r, "wid"), p.cur.nparts ? p.cur.parts[0] : NULL, status};
	return events_reply_page(r, &st_deliveries, params, 4, p.limit, 1);
}

/* POST /v1/orgs/{id}/webhooks/{wid}/deliveries/{did}/retry -> 202: the courier
 * sends that event to the webhook again now. */
static enum rc webhooks_retry(struct req *r)
{
	static const struct field no_fields[] = {{0}};
	bool enabled = false;
	const char *org = officer_org(r), *did = req_param(r, "did");
	if (org == NULL || (r->body_len > 0 && body_read_valid(r, no_fields) != RC_OK) ||
	    load_webhook(r, org, &enabled) != RC_OK)
		return RC_ERR;
	if (!uuid_valid(did))
		return db_not_found(r, "delivery");
	if (!enabled)
		return problem_set(r, 409, "webhook-disabled",
				   "the webhook is disabled (its endpoint answered 410 Gone); add "
				   "it again to deliver to it");
	const char *params[2] = {did, req_param(r, "wid")};
	PGresult *res = db_exec(r, &st_retry, params);
	if (res == NULL)
		return RC_ERR;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return db_not_found(r, "delivery");
	}
	enum rc rc = audit_write(r, "webhook.delivery_retry", "webhook_delivery", did, org,
				 json_pack("{s:s, s:s}", "webhook_id", req_param(r, "wid"),
					   "event_id", PQgetvalue(res, 0, RETRY_EVENT)));
	if (rc == RC_OK)
		rc = reply_stored(r, 202, PQgetvalue(res, 0, RETRY_JSON), NULL);
	PQclear(res);
	courier_wake();
	return rc;
}

const struct route webhooks_routes[] = {
    {M_POST, "/v1/orgs/{id}/webhooks", webhooks_create,
     ROUTE_TX | ROUTE_AUTH | ROUTE_IDEMPOTENT | ROUTE_REPLAY_HANDLER, "createWebhook", NULL},
    {M_GET, "/v1/orgs/{id}/webhooks", webhooks_list, ROUTE_AUTH, "listWebhooks", NULL},
    {M_DELETE, "/v1/orgs/{id}/webhooks/{wid}", webhooks_delete, ROUTE_TX | ROUTE_AUTH,
     "deleteWebhook", NULL},
    {M_GET, "/v1/orgs/{id}/webhooks/{wid}/deliveries", webhooks_deliveries, ROUTE_AUTH,
     "listWebhookDeliveries", NULL},
    {M_POST, "/v1/orgs/{id}/webhooks/{wid}/deliveries/{did}/retry", webhooks_retry,
     ROUTE_TX | ROUTE_AUTH, "retryWebhookDelivery", NULL},
};
const size_t webhooks_routes_count = ARRAY_LEN(webhooks_routes);
