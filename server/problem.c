/*
 * problem.c - RFC 9457 problem details, in one place.
 */
#include "problem.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "req.h"

enum lang problem_lang(const struct req *r)
{
	return i18n_negotiate(req_header(r, "Accept-Language"));
}

const char *problem_tr(const struct req *r, const char *msgid)
{
	return i18n_text(problem_lang(r), msgid);
}

/* Cuts a UTF-8 string that vsnprintf may have cut inside a character back to
 * the end of the last whole one. */
static void utf8_trim_partial(char *s)
{
	size_t n = strlen(s), start = n;
	while (start > 0 && ((unsigned char)s[start - 1] & 0xC0) == 0x80 && n - start < 3)
		start--;
	if (start == 0)
		return;
	unsigned char lead = (unsigned char)s[start - 1];
	size_t want = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
	if (lead >= 0x80 && n - (start - 1) < want)
		s[start - 1] = '\0';
}

static void problem_vset(struct req *r, int status, const char *slug, const char *fmt, va_list ap)
{
	r->problem.status = status;
	r->problem.slug = slug;
	r->problem.lang = problem_lang(r);
	vsnprintf(r->problem.detail, sizeof r->problem.detail, i18n_text(r->problem.lang, fmt), ap);
	utf8_trim_partial(r->problem.detail);
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
	const char *text = problem_tr(r, fmt);
	va_start(ap, fmt);
	va_copy(again, ap);
	int n = vsnprintf(NULL, 0, text, ap);
	va_end(ap);
	char *msg = xmalloc(n > 0 ? (size_t)n + 1 : 1);
	vsnprintf(msg, n > 0 ? (size_t)n + 1 : 1, text, again);
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
	const char *fmt = n == 1 ? N_("%zu field failed validation; see errors")
				 : N_("%zu fields failed validation; see errors");
	problem_set(r, 422, "validation", fmt, n);
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
	case 400: return N_("Bad Request");
	case 401: return N_("Unauthorized");
	case 403: return N_("Forbidden");
	case 404: return N_("Not Found");
	case 405: return N_("Method Not Allowed");
	case 406: return N_("Not Acceptable");
	case 408: return N_("Request Timeout");
	case 409: return N_("Conflict");
	case 410: return N_("Gone");
	case 412: return N_("Precondition Failed");
	case 413: return N_("Content Too Large");
	case 415: return N_("Unsupported Media Type");
	case 417: return N_("Expectation Failed");
	case 422: return N_("Unprocessable Content");
	case 428: return N_("Precondition Required");
	case 429: return N_("Too Many Requests");
	case 431: return N_("Request Header Fields Too Large");
	case 500: return N_("Internal Server Error");
	case 501: return N_("Not Implemented");
	case 503: return N_("Service Unavailable");
	default: return N_("Error");
	}
}

json_t *problem_to_json(const struct problem *p, const char *instance)
{
	char type[128];
	int status = p->status ? p->status : 500;
	snprintf(type, sizeof type, "/problems/%s", p->slug ? p->slug : "error");
	json_t *body = json_pack("{s:s, s:s, s:i}", "type", type, "title",
				 i18n_text(p->lang, problem_title(status)), "status", status);
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
