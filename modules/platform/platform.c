/*
 * platform.c - what every module leans on: health, metrics, audit, idempotency.
 */
#include "platform.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../server/db.h"
#include "../../server/log.h"
#include "../../server/metrics.h"
#include "../../server/migrate.h"

/* Columns APPLIED_VERSION, APPLIED_CHECKSUM (migrate.h). */
static const struct stmt st_migrations = {"platform_migrations", MIGRATE_APPLIED_SQL, 0};

static const struct stmt st_audit_insert = {"platform_audit_insert",
					    "INSERT INTO audit_log (actor_user_id, org_id, action, "
					    "object_type, object_id, detail, request_id)"
					    " VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)",
					    7};

static const struct stmt st_idem_claim = {
    "platform_idem_claim",
    "INSERT INTO idempotency_keys (scope, key, request_hash) VALUES ($1, $2, $3)"
    " ON CONFLICT (scope, key) DO NOTHING RETURNING 1",
    3};

static const struct stmt st_idem_get = {
    "platform_idem_get",
    "SELECT request_hash = $3, status, response, headers::text FROM idempotency_keys"
    " WHERE scope = $1 AND key = $2",
    3};
enum { IDEM_SAME_REQUEST, IDEM_STATUS, IDEM_RESPONSE, IDEM_HEADERS };

static const struct stmt st_idem_store = {
    "platform_idem_store",
    "UPDATE idempotency_keys SET status = $3, response = $4, headers = $5::jsonb"
    " WHERE scope = $1 AND key = $2",
    5};

/* The response headers a replay repeats: what was created, and its version. */
static const char *const replayed_headers[] = {"ETag", "Location", NULL};

static const struct stmt st_maintenance = {
    "platform_maintenance",
    "WITH s AS (DELETE FROM sessions WHERE expires_at < now() - interval '1 day'"
    "           OR revoked_at < now() - interval '1 day'),"
    " f AS (DELETE FROM login_failures WHERE at < now() - interval '1 day'),"
    " b AS (DELETE FROM login_blocks WHERE at < now() - interval '1 day' AND until < now()),"
    " g AS (DELETE FROM registrations WHERE at < now() - interval '1 day')"
    " DELETE FROM idempotency_keys WHERE created_at < now() - interval '24 hours'",
    0};

/* The token that opens /metrics on the API address (borrowed; may be empty). */
static const char *metrics_token = "";

void platform_init(const char *token)
{
	metrics_token = token;
}

/* GET /healthz: the process is alive and its loop answers. */
static enum rc platform_get_healthz(struct req *r)
{
	reply_json(r, 200, json_pack("{s:s}", "status", "ok"));
	return RC_OK;
}

/* GET /readyz: the database answers and every migration is applied. */
static enum rc platform_get_readyz(struct req *r)
{
	PGresult *res = db_exec(r, &st_migrations, NULL);
	size_t pending = 0;
	const char *first = NULL, *changed = NULL;

	if (res == NULL) {
		if (strcmp(r->problem.sqlstate, "42P01") != 0)
			return RC_ERR;
		problem_clear(&r->problem); /* no schema_migrations yet: none applied */
		pending = migrations_count;
	} else {
		/* an edited migration counts as pending: `techex migrate` names it */
		pending = migrate_unapplied(res, &first, &changed);
		PQclear(res);
	}
	if (pending > 0) {
		problem_set(r, 503, "not-ready",
			    "%zu migration(s) pending%s%s; run `techex migrate`", pending,
			    first ? problem_tr(r, N_(", first ")) : "", first ? first : "");
		r->problem.retry_after = 5;
		return RC_ERR;
	}
	reply_json(r, 200,
		   json_pack("{s:s, s:s, s:I}", "status", "ready", "database", "ok", "migrations",
			     (json_int_t)migrations_count));
	return RC_OK;
}

bool platform_metrics_allowed(const char *authorization, const char *token)
{
	size_t wl = token ? strlen(token) : 0;
	if (wl == 0 || authorization == NULL || strncmp(authorization, "Bearer ", 7) != 0 ||
	    strlen(authorization + 7) != wl)
		return false;
	return CRYPTO_memcmp(authorization + 7, token, wl) == 0;
}

enum rc platform_serve_metrics(struct req *r)
{
	char *text = metrics_render();
	reply_raw(r, 200, "text/plain; version=0.0.4; charset=utf-8", text, strlen(text));
	free(text);
	return RC_OK;
}

/* GET /metrics on the API address: only with the metrics token, whoever asks
 * (a loopback peer may be a proxy forwarding anyone). */
static enum rc platform_get_metrics(struct req *r)
{
	if (!platform_metrics_allowed(req_header(r, "Authorization"), metrics_token))
		return problem_set(r, 403, "forbidden",
				   "metrics need \"Authorization: Bearer <TECHEX_METRICS_TOKEN>\" "
				   "here, or the address TECHEX_METRICS_LISTEN names");
	return platform_serve_metrics(r);
}

const struct route platform_routes[] = {
    {M_GET, "/healthz", platform_get_healthz, ROUTE_INLINE, "getHealthz", NULL},
    {M_GET, "/readyz", platform_get_readyz, 0, "getReadyz", NULL},
    {M_GET, "/metrics", platform_get_metrics, ROUTE_INLINE, "getMetrics", NULL},
};
const size_t platform_routes_count = ARRAY_LEN(platform_routes);

enum rc audit_write(struct req *r, const char *action, const char *object_type,
		    const char *object_id, const char *org_id, json_t *detail)
{
	char *detail_text = detail ? json_dumps(detail, JSON_COMPACT) : NULL;
	json_decref(detail);
	const char *params[7] = {
	    r->auth.user_id[0] ? r->auth.user_id : NULL,
	    org_id ? org_id : (r->auth.org_id[0] ? r->auth.org_id : NULL),
	    action,
	    object_type,
	    object_id,
	    detail_text ? detail_text : "{}",
	    r->request_id,
	};
	/* nobody reads its result: it goes out with the next statement or the COMMIT */
	enum rc rc = db_exec_deferred(r, &st_audit_insert, params);
	free(detail_text);
	return rc;
}

enum rc audit_move(struct req *r, const char *action, const char *object_type, const char *id,
		   const char *org_id, const char *from, const char *to, const char *reason)
{
	json_t *detail = json_pack("{s:s, s:s}", "from", from, "to", to);
	if (reason != NULL)
		json_object_set_new(detail, "reason", json_string(reason));
	return audit_write(r, action, object_type, id, org_id, detail);
}

/* The request body with any "password" field removed, canonical (sorted keys),
 * or the raw body (with its Content-Type and query) when it is not a JSON object,
 * *len bytes. Caller frees. A stored key must
 * never keep a fast hash of a password. */
static char *digest_body(const struct req *r, const json_t *obj, size_t *len)
{
	char *text = NULL;
	if (json_is_object(obj)) {
		json_t *copy = json_copy((json_t *)obj);
		json_object_del(copy, "password");
		text = json_dumps(copy, JSON_COMPACT | JSON_SORT_KEYS);
		json_decref(copy);
	}
	if (text != NULL) {
		*len = strlen(text);
		return text;
	}
	/* a body that is not a JSON object (a file): its bytes, whatever they hold, with
	 * its Content-Type and the query that names it (?filename=) */
	const char *ct = req_header(r, "Content-Type");
	size_t n = (ct ? strlen(ct) : 0) + 2 + r->body_len;
	for (int i = 0; i < r->nquery; i++)
		n += strlen(r->query[i].key) + strlen(r->query[i].value) + 2;
	text = xmalloc(n + 1);
	size_t at = (size_t)sprintf(text, "%s\n", ct ? ct : "");
	for (int i = 0; i < r->nquery; i++)
		at += (size_t)sprintf(text + at, "%s=%s&", r->query[i].key, r->query[i].value);
	text[at++] = '\n';
	memcpy(text + at, r->body, r->body_len);
	*len = at + r->body_len;
	text[*len] = '\0';
	return text;
}

/* Keys are scoped per organization (or user); an anonymous caller's keys are
 * scoped by the email it registers, so strangers' keys never meet. */
static void idem_scope(const struct req *r, const json_t *obj, char *out, size_t len)
{
	if (r->auth.org_id[0]) {
		snprintf(out, len, "%s", r->auth.org_id);
	} else if (r->auth.user_id[0]) {
		snprintf(out, len, "user:%s", r->auth.user_id);
	} else {
		unsigned char md[32];
		char hex[33];
		const char *email = json_string_value(json_object_get(obj, "email"));
		EVP_Digest(email ? email : "", email ? strlen(email) : 0, md, NULL, EVP_sha256(),
			   NULL);
		hex_encode(md, 16, hex);
		snprintf(out, len, "anonymous:%s", hex);
	}
}

/* bytea parameter text of SHA-256(method, path, body without secrets). */
static void request_digest(const struct req *r, const json_t *obj, char out[67])
{
	unsigned char md[32];
	unsigned int n = 0;
	size_t blen;
	char *body = digest_body(r, obj, &blen);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	EVP_DigestUpdate(ctx, r->method_name, strlen(r->method_name));
	EVP_DigestUpdate(ctx, " ", 1);
	EVP_DigestUpdate(ctx, r->path, strlen(r->path));
	EVP_DigestUpdate(ctx, "\n", 1);
	EVP_DigestUpdate(ctx, body, blen);
	EVP_DigestFinal_ex(ctx, md, &n);
	EVP_MD_CTX_free(ctx);
	free(body);
	out[0] = '\\';
	out[1] = 'x';
	hex_encode(md, 32, out + 2);
}

enum rc idempotency_begin(struct req *r)
{
	const char *key = req_header(r, "Idempotency-Key");
	char scope[64], digest[67];
	size_t len = strlen(key);

	for (size_t i = 0; i < len; i++)
		if (key[i] < 0x21 || key[i] > 0x7e)
			len = 0;
	if (len == 0 || len > 255)
		return problem_set(r, 400, "bad-idempotency-key",
				   "Idempotency-Key must be 1 to 255 visible ASCII characters");
	/* parsed once here for both; the handler reads the body on its own terms */
	json_t *obj = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, NULL);
	idem_scope(r, obj, scope, sizeof scope);
	request_digest(r, obj, digest);
	json_decref(obj);

	const char *key_params[3] = {scope, key, digest};
	bool claimed;
	if (db_found(r, &st_idem_claim, key_params, &claimed) != RC_OK)
		return RC_ERR;
	if (claimed) {
		snprintf(r->idem_scope, sizeof r->idem_scope, "%s", scope);
		snprintf(r->idem_key, sizeof r->idem_key, "%s", key);
		return RC_OK;
	}

	/* The key was used before (the claim waited for that transaction to end). */
	PGresult *res = db_exec(r, &st_idem_get, key_params);
	if (res == NULL)
		return RC_ERR;
	enum rc rc = RC_ERR;
	if (PQntuples(res) != 1) {
		problem_set(r, 409, "idempotency-in-progress",
			    "a request with this Idempotency-Key is still in progress; retry");
		r->problem.retry_after = 1;
	} else if (strcmp(PQgetvalue(res, 0, IDEM_SAME_REQUEST), "t") != 0) {
		problem_field(r, "Idempotency-Key", "was already used with a different request");
		problem_set(r, 422, "idempotency-key-reused",
			    "this Idempotency-Key was already used with a different request");
	} else {
		const char *body = PQgetvalue(res, 0, IDEM_RESPONSE);
		int status = atoi(PQgetvalue(res, 0, IDEM_STATUS));
		if (r->route->flags & ROUTE_REPLAY_HANDLER) { /* the handler answers from it */
			free(r->replay);
			r->replay = xstrdup(body);
			r->replay_status = status;
			rc = RC_OK;
		} else {
			reply_raw(r, status, "application/json", body, strlen(body));
		}
		json_t *headers = json_loads(PQgetvalue(res, 0, IDEM_HEADERS), 0, NULL);
		const char *name;
		json_t *value;
		json_object_foreach(headers, name, value)
		{
			if (str_in(replayed_headers, name) && json_is_string(value))
				reply_header(r, name, json_string_value(value));
		}
		json_decref(headers);
		reply_header(r, "Idempotent-Replayed", "true");
	}
	PQclear(res);
	return rc;
}

enum rc idempotency_end(struct req *r)
{
	char status[16];
	snprintf(status, sizeof status, "%d", r->resp.status);
	json_t *headers = json_object();
	for (int i = 0; i < r->resp.nheaders; i++)
		if (str_in(replayed_headers, r->resp.headers[i].key))
			json_object_set_new(headers, r->resp.headers[i].key,
					    json_string(r->resp.headers[i].value));
	char *headers_text = json_dumps(headers, JSON_COMPACT);
	json_decref(headers);
	const char *kept = r->resp.kept_body ? r->resp.kept_body : r->resp.body;
	const char *store_params[5] = {r->idem_scope, r->idem_key, status, kept ? kept : "",
				       headers_text};
	/* nobody reads its result: it goes out with the COMMIT */
	enum rc rc = db_exec_deferred(r, &st_idem_store, store_params);
	free(headers_text);
	return rc;
}

enum rc platform_maintenance(struct req *r)
{
	PGresult *res = db_exec(r, &st_maintenance, NULL);
	if (res == NULL)
		return RC_ERR;
	log_debug("maintenance: %s idempotency keys expired", PQcmdTuples(res));
	PQclear(res);
	reply_empty(r, 204);
	return RC_OK;
}
