/*
 * req.c - request accessors and the one reply writer for JSON and problems.
 */
#include "req.h"

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

static const char *kv_find(const struct kv *kv, int n, const char *key, bool nocase)
{
	for (int i = 0; i < n; i++)
		if (nocase ? strcasecmp(kv[i].key, key) == 0 : strcmp(kv[i].key, key) == 0)
			return kv[i].value;
	return NULL;
}

const char *req_header(const struct req *r, const char *name)
{
	return kv_find(r->headers, r->nheaders, name, true);
}

const char *req_param(const struct req *r, const char *name)
{
	return kv_find(r->params, r->nparams, name, false);
}

const char *req_query(const struct req *r, const char *name)
{
	return kv_find(r->query, r->nquery, name, false);
}

void req_query_check(struct req *r, const char *const *known)
{
	for (int i = 0; i < r->nquery; i++) {
		if (!str_in(known, r->query[i].key))
			problem_field(r, r->query[i].key, "is not a known parameter");
		for (int j = 0; j < i; j++)
			if (strcmp(r->query[i].key, r->query[j].key) == 0) {
				problem_field(r, r->query[i].key, "is given twice");
				break;
			}
	}
}

enum rc req_if_match(struct req *r, const char *version, const char *noun, bool required)
{
	const char *if_match = req_header(r, "If-Match");
	if (if_match == NULL)
		return required ? problem_set(r, 428, "precondition-required",
					      "send If-Match with the %s's ETag to change it",
					      problem_tr(r, noun))
				: RC_OK;
	char etag[32];
	etag_format(version, etag, sizeof etag);
	if (strcmp(if_match, etag) == 0 || strcmp(if_match, "*") == 0)
		return RC_OK;
	return problem_set(r, 412, "precondition-failed",
			   "the %s changed since you read it (now %s); read it again",
			   problem_tr(r, noun), etag);
}

void reply_location(struct req *r, const char *pattern, const char *id)
{
	const char *at = strstr(pattern, "{id}");
	char location[256];
	if (at == NULL || snprintf(location, sizeof location, "%.*s%s%s", (int)(at - pattern),
				   pattern, id, at + 4) >= (int)sizeof location)
		return;
	reply_header(r, "Location", location);
}

void resp_reset(struct resp *resp)
{
	free(resp->body);
	free(resp->kept_body);
	for (int i = 0; i < resp->nheaders; i++) {
		free(resp->headers[i].key);
		free(resp->headers[i].value);
	}
	memset(resp, 0, sizeof *resp);
}

void reply_raw(struct req *r, int status, const char *content_type, const char *body, size_t len)
{
	free(r->resp.body);
	r->resp.status = status;
	r->resp.content_type = content_type;
	r->resp.body = body ? xstrndup(body, len) : NULL;
	r->resp.body_len = body ? len : 0;
}

void reply_json(struct req *r, int status, json_t *body)
{
	char *text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (text == NULL) {
		problem_set(r, 500, "internal", "could not encode the response");
		reply_problem(r);
		return;
	}
	free(r->resp.body);
	r->resp.status = status;
	r->resp.content_type = "application/json";
	r->resp.body = text;
	r->resp.body_len = strlen(text);
}

void reply_json_text(struct req *r, int status, char *text, size_t len)
{
	free(r->resp.body);
	r->resp.status = status;
	r->resp.content_type = "application/json";
	r->resp.body = text;
	r->resp.body_len = len;
}

enum rc reply_stored(struct req *r, int status, const char *json_text, const char *version)
{
	json_t *body = json_loads(json_text, 0, NULL);
	if (body == NULL)
		return problem_set(r, 500, "internal", "could not read the stored record");
	if (version != NULL)
		reply_etag(r, version);
	reply_json(r, status, body);
	return RC_OK;
}

void reply_empty(struct req *r, int status)
{
	reply_raw(r, status, NULL, NULL, 0);
}

void reply_header(struct req *r, const char *name, const char *value)
{
	if (r->resp.nheaders >= MAX_RESP_HEADERS)
		return;
	r->resp.headers[r->resp.nheaders].key = xstrdup(name);
	r->resp.headers[r->resp.nheaders].value = xstrdup(value);
	r->resp.nheaders++;
}

void etag_format(const char *version, char *out, size_t len)
{
	snprintf(out, len, "\"%s\"", version);
}

void reply_etag(struct req *r, const char *version)
{
	char etag[32];
	etag_format(version, etag, sizeof etag);
	reply_header(r, "ETag", etag);
}

void reply_problem(struct req *r)
{
	json_t *body = problem_to_json(&r->problem, NULL);
	json_object_set_new(body, "request_id", json_string(r->request_id));
	char *text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	int status = r->problem.status ? r->problem.status : 500;
	struct kv keep[MAX_RESP_HEADERS];
	int nkeep = 0;
	/* a problem replaces the body, but keeps headers already chosen */
	for (int i = 0; i < r->resp.nheaders; i++)
		keep[nkeep++] = r->resp.headers[i];
	r->resp.nheaders = 0;
	resp_reset(&r->resp);
	for (int i = 0; i < nkeep; i++)
		r->resp.headers[i] = keep[i];
	r->resp.nheaders = nkeep;
	r->resp.status = status;
	r->resp.content_type = "application/problem+json";
	r->resp.body = text;
	r->resp.body_len = text ? strlen(text) : 0;
	if (r->problem.retry_after > 0) {
		char v[16];
		snprintf(v, sizeof v, "%d", r->problem.retry_after);
		reply_header(r, "Retry-After", v);
	}
	if (status == 405 && r->problem.allow[0])
		reply_header(r, "Allow", r->problem.allow);
	if (status == 401)
		reply_header(r, "WWW-Authenticate", "Bearer realm=\"techex\"");
	/* only problems are translated: an object's representation (and its ETag)
	 * is the same in every language */
	reply_header(r, "Content-Language", i18n_tag(r->problem.lang));
	reply_header(r, "Vary", "Accept-Language");
}

static void kv_free(struct kv *kv, int n)
{
	for (int i = 0; i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
	}
}

void req_free(struct req *r)
{
	free(r->path);
	kv_free(r->params, r->nparams);
	kv_free(r->query, r->nquery);
	free(r->query);
	kv_free(r->headers, r->nheaders);
	free(r->headers);
	if (r->body != NULL) {
		/* bodies carry passwords: wipe before freeing */
		OPENSSL_cleanse(r->body, r->body_len);
		free(r->body);
	}
	json_decref(r->json);
	free(r->replay);
	resp_reset(&r->resp);
	problem_clear(&r->problem);
	memset(r, 0, sizeof *r);
}

/* evhttp decodes %00 into a NUL byte that would silently end the value; every
 * parameter carrying one is refused by name (printable ASCII of it, at most 64). */
static bool query_has_nul(struct req *r, const char *query)
{
	bool found = false;
	for (const char *p = query; *p != '\0';) {
		size_t n = strcspn(p, "&");
		if (memmem(p, n, "%00", 3) != NULL) {
			size_t k = strcspn(p, "=&");
			char name[65];
			size_t m = 0;
			for (size_t i = 0; i < k && i < n && m < sizeof name - 1; i++)
				name[m++] = p[i] > 0x20 && p[i] < 0x7f ? p[i] : '?';
			name[m] = '\0';
			problem_field(r, name, "must not contain a NUL character (%%00)");
			found = true;
		}
		p += n;
		if (*p == '&')
			p++;
	}
	return found;
}

enum rc req_parse_query(struct req *r, const char *query)
{
	struct evkeyvalq q;
	struct evkeyval *h;
	int n = 0;

	if (query_has_nul(r, query))
		return problem_fields_done(r);
	if (*query == '\0')
		return RC_OK;
	TAILQ_INIT(&q);
	if (evhttp_parse_query_str(query, &q) != 0) {
		evhttp_clear_headers(&q);
		return problem_set(r, 400, "malformed-query", "the query string is malformed");
	}
	TAILQ_FOREACH(h, &q, next) n++;
	r->query = xcalloc((size_t)n, sizeof *r->query);
	TAILQ_FOREACH(h, &q, next)
	{
		r->query[r->nquery].key = xstrdup(h->key);
		r->query[r->nquery].value = xstrdup(h->value);
		r->nquery++;
	}
	evhttp_clear_headers(&q);
	return RC_OK;
}
