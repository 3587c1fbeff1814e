/*
 * fuzz_body.c - the request body reader (body_read_valid: Content-Type, UTF-8,
 * depth, duplicate keys, 64-bit integers) and the declarative validator.
 *
 * The input is a request body, read the way the server reads it and validated
 * against a spec with every field type, then against the listing-create spec.
 * Invariants (abort on violation):
 *  - a body is accepted only as a JSON object, at most JSON_MAX_DEPTH deep, that
 *    re-encodes to an equal value; a refusal is a 400, or a 422 naming fields;
 *  - json_check_utf8 agrees with jansson's own UTF-8 check (and refuses NUL);
 *  - json_check_depth agrees with the depth of the JSON jansson parses;
 *  - validate_object succeeds exactly when it recorded no field error;
 *  - every problem reply is valid problem+json that names each bad field;
 *  - only application/json, with at most a charset=utf-8, is read as JSON (the
 *    first line of the input is tried as the Content-Type of an empty object).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../modules/accounts/password_policy.h"
#include "../../modules/listings/listings.h"
#include "../../server/json.h"
#include "../../server/req.h"
#include "../../server/unicode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const colours[] = {"red", "green", "赤泥", NULL};

/* A tree of nodes: paths grow with depth, past the 256-byte path buffers. */
static const struct field node_spec[] = {
    {.name = "name", .type = F_TEXT1, .min = 1, .max = 20},
    {.name = "children", .type = F_OBJECTS, .sub = node_spec, .max_items = 4},
    {.name = "child", .type = F_OBJECT, .nullable = true, .sub = node_spec},
    {0},
};

static const struct field share_spec[] = {
    {.name = "org_id", .type = F_UUID, .required = true},
    {.name = "percent", .type = F_INT, .required = true, .min = 0, .max = 100},
    {.name = "since", .type = F_MOMENT, .nullable = true},
    {0},
};

/* Every field type, required and optional, nullable and not. */
static const struct field all_spec[] = {
    {.name = "text", .type = F_STRING, .max = 1000},
    {.name = "title", .type = F_TEXT1, .required = true, .min = 1, .max = 10},
    {.name = "password", .type = F_SECRET, .min = 8, .max = 64},
    {.name = "email", .type = F_EMAIL, .nullable = true},
    {.name = "who", .type = F_NAME, .min = 1, .max = 20},
    {.name = "n", .type = F_INT, .min = -5, .max = 9223372036854775807LL},
    {.name = "flag", .type = F_BOOL},
    {.name = "colour", .type = F_ENUM, .enum_values = colours},
    {.name = "id", .type = F_UUID, .nullable = true},
    {.name = "day", .type = F_DATE},
    {.name = "at", .type = F_DATETIME, .nullable = true},
    {.name = "when", .type = F_MOMENT},
    {.name = "node", .type = F_OBJECT, .sub = node_spec},
    {.name = "tags", .type = F_STRINGS, .max_items = 5, .min = 1, .max = 8},
    {.name = "shares", .type = F_OBJECTS, .sub = share_spec, .max_items = 10},
    {.name = "中文", .type = F_STRING, .nullable = true, .min = 2, .max = 4},
    {0},
};

static size_t depth_of(const json_t *v)
{
	size_t deepest = 0, d;
	const char *key;
	const json_t *item;
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, key, item)
		{
			d = depth_of(item);
			if (d > deepest)
				deepest = d;
		}
		return deepest + 1;
	}
	if (json_is_array(v)) {
		json_array_foreach(v, i, item)
		{
			d = depth_of(item);
			if (d > deepest)
				deepest = d;
		}
		return deepest + 1;
	}
	return 0;
}

static size_t nerrors(const struct req *r)
{
	return r->problem.errors ? json_array_size(r->problem.errors) : 0;
}

/* The reply to a refused request must be a problem+json object with its status. */
static void check_problem_reply(struct req *r)
{
	reply_problem(r);
	if (r->resp.body == NULL || strcmp(r->resp.content_type, "application/problem+json") != 0)
		abort();
	json_t *back = json_loadb(r->resp.body, r->resp.body_len, 0, NULL);
	if (!json_is_object(back) ||
	    json_integer_value(json_object_get(back, "status")) != r->resp.status)
		abort();
	json_t *errors = json_object_get(back, "errors");
	size_t i;
	json_t *e;
	json_array_foreach(errors, i, e)
	{
		const char *field = json_string_value(json_object_get(e, "field"));
		if (field == NULL || !json_is_string(json_object_get(e, "message")))
			abort();
		/* the client's keys are valid UTF-8: every field can be named */
		if (strcmp(field, "(invalid field name)") == 0)
			abort();
	}
	json_decref(back);
}

static void set_header(struct req *r, const char *name, const char *value, size_t len)
{
	r->headers = xcalloc(1, sizeof *r->headers);
	r->headers[0].key = xstrdup(name);
	r->headers[0].value = xstrndup(value, len);
	r->nheaders = 1;
}

static void set_body(struct req *r, const void *data, size_t size)
{
	r->body = xmalloc(size + 1);
	memcpy(r->body, data, size);
	r->body[size] = '\0';
	r->body_len = size;
}

/* What body_read may accept as a Content-Type: application/json, optionally
 * with the one parameter JSON has, charset=utf-8 (quoted or not), any case. */
static bool acceptable_media_type(const char *ct)
{
	ct += strspn(ct, " \t");
	if (strncasecmp(ct, "application/json", 16) != 0)
		return false;
	ct += 16;
	ct += strspn(ct, " \t");
	if (*ct == ';') {
		ct++;
		ct += strspn(ct, " \t");
		if (strncasecmp(ct, "charset=utf-8", 13) == 0)
			ct += 13;
		else if (strncasecmp(ct, "charset=\"utf-8\"", 15) == 0)
			ct += 15;
		else
			return false;
		ct += strspn(ct, " \t");
	}
	return *ct == '\0';
}

/* The checks before parsing, against jansson's own view of the bytes. */
static void check_framing(const uint8_t *data, size_t size)
{
	size_t bad = 0;
	bool ours = json_check_utf8((const char *)data, size, &bad) == RC_OK;
	json_t *s = json_stringn((const char *)data, size);
	bool theirs = s != NULL && memchr(data, 0, size) == NULL;
	json_decref(s);
	if (ours != theirs || (!ours && bad >= size))
		abort();

	json_error_t err;
	json_t *any = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
	if (any != NULL) {
		bool shallow = json_check_depth((const char *)data, size, JSON_MAX_DEPTH) == RC_OK;
		if (shallow != (depth_of(any) <= JSON_MAX_DEPTH))
			abort();
		json_decref(any);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct req r = {0};

	check_framing(data, size);

	set_header(&r, "Content-Type", "application/json", strlen("application/json"));
	set_body(&r, data, size);
	enum rc rc = body_read_valid(&r, all_spec);
	if (rc == RC_OK) {
		if (!json_is_object(r.json) || r.problem.status != 0 || nerrors(&r) != 0 ||
		    depth_of(r.json) > JSON_MAX_DEPTH)
			abort();
	} else {
		if (r.problem.status != 400 && r.problem.status != 422)
			abort();
		if ((r.problem.status == 422) != (nerrors(&r) > 0))
			abort();
	}

	/* what was read as an object re-encodes to an equal value */
	if (json_is_object(r.json)) {
		char *text = json_dumps(r.json, JSON_COMPACT);
		json_t *back = text ? json_loads(text, JSON_REJECT_DUPLICATES, NULL) : NULL;
		if (back == NULL || !json_equal(back, r.json))
			abort();
		json_decref(back);
		free(text);

		/* the same object against the listing-create spec */
		struct req other = {0};
		enum rc vr = validate_object(&other, r.json, listing_create_spec, "");
		if ((vr == RC_OK) != (nerrors(&other) == 0))
			abort();
		if (problem_fields_done(&other) != vr)
			abort();
		if (vr != RC_OK)
			check_problem_reply(&other);
		req_free(&other);

		/* any text through the password policy and the email key: a verdict, no crash;
		 * an email the validator took has a key, which is its own key */
		const char *pw = json_string_value(json_object_get(r.json, "password"));
		const char *email = json_string_value(json_object_get(r.json, "email"));
		if (pw != NULL && password_policy_check(pw, email) > PASSWORD_SEQUENTIAL)
			abort();
		if (rc == RC_OK && email != NULL) {
			char *key = unicode_email_key(email),
			     *again = key ? unicode_email_key(key) : NULL;
			if (key == NULL || again == NULL || strcmp(key, again) != 0)
				abort();
			free(again);
			free(key);
		}
	}
	if (rc != RC_OK)
		check_problem_reply(&r);
	req_free(&r);

	/* the Content-Type check, with the first line of the input as the header */
	const uint8_t *nl = memchr(data, '\n', size < 128 ? size : 128);
	size_t ct_len = nl ? (size_t)(nl - data) : (size < 128 ? size : 128);
	struct req ct = {0};
	set_header(&ct, "Content-Type", (const char *)data, ct_len);
	set_body(&ct, "{}", 2);
	enum rc ct_rc = body_read(&ct);
	if (ct_rc != RC_OK && ct.problem.status != 400)
		abort();
	if (ct_rc == RC_OK && !acceptable_media_type(ct.headers[0].value))
		abort();
	req_free(&ct);
	return 0;
}
