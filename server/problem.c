/*
 * problem.c - RFC 9457 problem details, in one place.
 */
#include "problem.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "req.h"

static void problem_vset(struct req *r, int status, const char *slug, const char *fmt, va_list ap)
{
	r->problem.status = status;
	r->problem.slug = slug;
	vsnprintf(r->problem.detail, sizeof r->problem.detail, fmt, ap);
}

enum rc problem_set(struct req *r, int status, const char *slug, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	problem_vset(r, status, slug, fmt, ap);
	va_end(ap);
	return RC_ERR;
}

enum rc problem_commit(struct req *r, int status, const char *slug, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	problem_vset(r, status, slug, fmt, ap);
	va_end(ap);
	r->problem.commit = true;
	return RC_ERR;
}

void problem_field(struct req *r, const char *field, const char *fmt, ...)
{
	/* as long as it takes: an enum's message names every allowed value */
	va_list ap, again;
	va_start(ap, fmt);
	va_copy(again, ap);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *msg = xmalloc(n > 0 ? (size_t)n + 1 : 1);
	vsnprintf(msg, n > 0 ? (size_t)n + 1 : 1, fmt, again);
	va_end(again);
	if (r->problem.errors == NULL)
		r->problem.errors = json_array();
	/* Field names come from our tables or from the client's (valid UTF-8) keys. */
	json_t *field_json = json_string(field);
	if (field_json == NULL)
		field_json = json_string("(invalid field name)");
	json_array_append_new(r->problem.errors,
			      json_pack("{s:o, s:s}", "field", field_json, "message", msg));
	free(msg);
}

enum rc problem_fields_done(struct req *r)
{
	size_t n = r->problem.errors ? json_array_size(r->problem.errors) : 0;
	if (n == 0)
		return RC_OK;
	problem_set(r, 422, "validation", "%zu field%s failed validation; see errors", n,
		    n == 1 ? "" : "s");
	return RC_ERR;
}

static const struct {
	const char *sqlstate; /* a full code, or a two-character class */
	int status;
} sqlstate_map[] = {
    {"23505", 409}, /* unique_violation */
    {"23001", 409}, /* restrict_violation: a signed contract or the ledger refuses a change */
    {"23P01", 409}, /* exclusion_violation: overlapping royalty periods */
    {"23503", 422}, /* foreign_key_violation */
    {"23514", 422}, /* check_violation */
    {"23502", 422}, /* not_null_violation */
    {"22", 422},    /* data exception: bad value for the column type */
    {"40001", 0},   /* serialization_failure: retry */
    {"40P01", 0},   /* deadlock_detected: retry */
    {"08", 503},    /* connection exception */
    {"57P", 503},   /* operator intervention: shutdown, cancel */
    {"53", 503},    /* insufficient resources */
};

int problem_status_for_sqlstate(const char *sqlstate)
{
	if (sqlstate == NULL || *sqlstate == '\0')
		return 503; /* no SQLSTATE: the connection itself failed */
	for (size_t i = 0; i < ARRAY_LEN(sqlstate_map); i++) {
		size_t n = strlen(sqlstate_map[i].sqlstate);
		if (strncmp(sqlstate, sqlstate_map[i].sqlstate, n) == 0)
			return sqlstate_map[i].status;
	}
	return 500;
}

const char *problem_title(int status)
{
	switch (status) {
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 406: return "Not Acceptable";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 412: return "Precondition Failed";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 417: return "Expectation Failed";
	case 422: return "Unprocessable Content";
	case 428: return "Precondition Required";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	default: return "Error";
	}
}

json_t *problem_to_json(const struct problem *p, const char *instance)
{
	char type[128];
	int status = p->status ? p->status : 500;
	snprintf(type, sizeof type, "/problems/%s", p->slug ? p->slug : "error");
	json_t *body = json_pack("{s:s, s:s, s:i}", "type", type, "title", problem_title(status),
				 "status", status);
	json_t *detail = json_string(p->detail);
	json_object_set_new(body, "detail", detail ? detail : json_string(""));
	if (instance != NULL)
		json_object_set_new(body, "instance", json_string(instance));
	if (p->errors != NULL)
		json_object_set(body, "errors", p->errors); /* borrowed: p keeps its reference */
	return body;
}

void problem_clear(struct problem *p)
{
	json_decref(p->errors);
	memset(p, 0, sizeof *p);
}
