/*
 * org_profile.c - an organization's profile (API.md "Organizations and people"):
 * its JSON, the edits by its owner or admin and by platform admins, and the
 * platform admins' verification queue.
 *
 * Who may change what:
 * - the organization's `owner` or `admin` edits the profile with If-Match; `name`
 *   and `credit_code` only while the organization is `unverified` (what was
 *   verified stays what was verified); never `government_established`, which
 *   changes the organization's legal duties (public notice of agreed prices, the
 *   inventors' 70 % in Shandong);
 * - a platform admin edits every field, at any status, giving a reason.
 * A `member`, another organization's user and a platform admin on the owners'
 * route get 403: the profile is public, so there is nothing to hide behind a 404.
 */
#include "org_profile.h"

#include <stdio.h>
#include <string.h>

#include "../../server/cursor.h"
#include "../../server/json.h"
#include "../platform/platform.h"
#include "credit_code.h"
#include "roles.h"

static const struct stmt st_org_lock_profile = {
    "accounts_org_lock_profile",
    "SELECT " ORG_COLS " FROM organizations o WHERE o.id = $1 FOR UPDATE", 1};

static const struct stmt st_org_update_profile = {
    "accounts_org_update_profile",
    "UPDATE organizations AS o SET name = $2, credit_code = $3, region_code = $4,"
    " legal_representative = $5, address = $6, website = $7, description = $8,"
    " government_established = $9, updated_at = now(), version = version + 1"
    " WHERE o.id = $1 RETURNING " ORG_COLS,
    9};

/* The queue: ORG_COLS, then the cursor (created_at to the microsecond, id). */
static const struct stmt st_org_queue = {
    "accounts_org_queue",
    "SELECT " ORG_COLS ","
    " to_char(o.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), o.id"
    " FROM organizations o WHERE o.status = $1"
    " AND ($2::timestamptz IS NULL OR (o.created_at, o.id) > ($2::timestamptz, $3::uuid))"
    " ORDER BY o.created_at, o.id LIMIT $4",
    4};
enum { QUEUE_CURSOR_AT = ORG_NCOLS, QUEUE_CURSOR_ID };

/* ---- JSON ---------------------------------------------------------------- */

static json_t *str_or_null(const PGresult *res, int row, int col)
{
	const char *v = db_value(res, row, col);
	return v ? json_string(v) : json_null();
}

json_t *org_json_at(const PGresult *res, int row, int base, bool full)
{
	json_t *o = json_pack(
	    "{s:s, s:s, s:s, s:s, s:o}", "id", PQgetvalue(res, row, base + ORG_ID), "name",
	    PQgetvalue(res, row, base + ORG_NAME), "kind", PQgetvalue(res, row, base + ORG_KIND),
	    "status", PQgetvalue(res, row, base + ORG_STATUS), "parent_id",
	    str_or_null(res, row, base + ORG_PARENT_ID));
	static const struct {
		const char *name;
		int col;
	} profile[] = {
	    {"credit_code", ORG_CREDIT_CODE},
	    {"region_code", ORG_REGION_CODE},
	    {"legal_representative", ORG_LEGAL_REPRESENTATIVE},
	    {"address", ORG_ADDRESS},
	    {"website", ORG_WEBSITE},
	    {"description", ORG_DESCRIPTION},
	    {"verified_at", ORG_VERIFIED_AT},
	};
	for (size_t i = 0; i < ARRAY_LEN(profile); i++)
		json_object_set_new(o, profile[i].name,
				    str_or_null(res, row, base + profile[i].col));
	json_object_set_new(
	    o, "government_established",
	    json_boolean(strcmp(PQgetvalue(res, row, base + ORG_GOVERNMENT_ESTABLISHED), "t") ==
			 0));
	if (full) {
		json_object_set_new(o, "created_at",
				    json_string(PQgetvalue(res, row, base + ORG_CREATED_AT)));
		json_object_set_new(o, "updated_at",
				    json_string(PQgetvalue(res, row, base + ORG_UPDATED_AT)));
		if (strcmp(PQgetvalue(res, row, base + ORG_STATUS), "suspended") == 0)
			json_object_set_new(o, "suspended_reason",
					    str_or_null(res, row, base + ORG_SUSPENDED_REASON));
	}
	return o;
}

/* ---- validation ---------------------------------------------------------- */

/* The profile fields, in the order of st_org_update_profile's $2..$9. The limits
 * match migration 0011's CHECK constraints. */
enum {
	P_NAME,
	P_CREDIT_CODE,
	P_REGION_CODE,
	P_LEGAL_REPRESENTATIVE,
	P_ADDRESS,
	P_WEBSITE,
	P_DESCRIPTION,
	P_GOVERNMENT_ESTABLISHED,
	P_COUNT
};
static const int profile_cols[P_COUNT] = {
    ORG_NAME,    ORG_CREDIT_CODE, ORG_REGION_CODE, ORG_LEGAL_REPRESENTATIVE,
    ORG_ADDRESS, ORG_WEBSITE,     ORG_DESCRIPTION, ORG_GOVERNMENT_ESTABLISHED};

// clang-format off
/* the fields an owner edits */
#define PROFILE_FIELDS \
    {.name = "name", .type = F_NAME, .min = 1, .max = 200}, \
    {.name = "credit_code", .type = F_TEXT1, .nullable = true, .min = 1, .max = 64}, \
    {.name = "region_code", .type = F_TEXT1, .nullable = true, .min = 1, .max = 64}, \
    {.name = "legal_representative", .type = F_NAME, .nullable = true, .min = 1, .max = 100}, \
    {.name = "address", .type = F_TEXT1, .nullable = true, .min = 1, .max = 300}, \
    {.name = "website", .type = F_TEXT1, .nullable = true, .min = 1, .max = 300}, \
    {.name = "description", .type = F_STRING, .nullable = true, .min = 0, .max = 4000},

static const struct field owner_profile_spec[] = {
    PROFILE_FIELDS
    {0},
};
/* the same, and the fields only a platform admin sends */
static const struct field admin_profile_spec[] = {
    PROFILE_FIELDS
    {.name = "government_established", .type = F_BOOL},
    {.name = "reason", .type = F_STRING, .required = true, .min = 1, .max = 2000},
    {0},
};
// clang-format on

static bool field_failed(const struct req *r, const char *name)
{
	size_t i;
	const json_t *e;
	json_array_foreach(r->problem.errors, i, e)
	{
		const char *f = json_string_value(json_object_get(e, "field"));
		if (f != NULL && strcmp(f, name) == 0)
			return true;
	}
	return false;
}

/* A website: an absolute http or https URL with a host, no spaces. */
static bool website_valid(const char *s)
{
	const char *rest = NULL;
	if (strncmp(s, "https://", 8) == 0)
		rest = s + 8;
	else if (strncmp(s, "http://", 7) == 0)
		rest = s + 7;
	if (rest == NULL || *rest == '\0' || strchr("/?#:@", *rest) != NULL)
		return false;
	for (const char *p = s; *p; p++)
		if (*p == ' ' || *p == '\\' || *p == '<' || *p == '>' || *p == '"')
			return false;
	return true;
}

/* Checks the values beyond their type and length (the credit code's two check
 * characters, the region, the URL) and normalizes the credit code into code.
 * Records field errors on r. */
static void check_profile_values(struct req *r, const json_t *body, char code[CREDIT_CODE_LEN + 1])
{
	const char *cc = json_string_value(json_object_get(body, "credit_code"));
	if (cc != NULL && !field_failed(r, "credit_code")) {
		enum credit_code_verdict v = credit_code_check(cc, code);
		if (v != CREDIT_CODE_OK)
			problem_field(r, "credit_code", "%s",
				      problem_tr(r, credit_code_message(v)));
	}
	const char *region = json_string_value(json_object_get(body, "region_code"));
	if (region != NULL && !field_failed(r, "region_code") && !region_code_valid(region))
		problem_field(r, "region_code",
			      "must be a GB/T 2260 region code: six digits starting with a "
			      "province's two (37 for Shandong; Zibo's districts are 3703xx)");
	const char *web = json_string_value(json_object_get(body, "website"));
	if (web != NULL && !field_failed(r, "website") && !website_valid(web))
		problem_field(r, "website", "must be an http:// or https:// URL with a host");
}

/* A profile value as the audit row records it: the flag as a boolean. */
static json_t *value_json(int field, const char *v)
{
	if (v == NULL)
		return json_null();
	if (field == P_GOVERNMENT_ESTABLISHED)
		return json_boolean(strcmp(v, "t") == 0);
	return json_string(v);
}

/* ---- the edit ------------------------------------------------------------ */

/* Edits organization {id} with r->json (validated); admin edits may change every
 * field and record their reason. */
static enum rc patch_org(struct req *r, bool admin)
{
	const char *id = req_param(r, "id");
	PGresult *res = NULL, *upd = NULL;
	char code[CREDIT_CODE_LEN + 1] = "";
	enum rc rc = RC_ERR;

	if (!uuid_valid(id))
		return problem_set(r, 404, "not-found", "no organization has this id");
	if (body_read(r) != RC_OK)
		return RC_ERR;
	const char *lock_params[1] = {id};
	if ((res = db_exec(r, &st_org_lock_profile, lock_params)) == NULL)
		goto out;
	if (PQntuples(res) != 1) {
		problem_set(r, 404, "not-found", "no organization has this id");
		goto out;
	}
	const char *status = PQgetvalue(res, 0, ORG_STATUS);
	if (!admin) {
		bool manager = org_may_in(&r->auth, id, ORG_EDIT_PROFILE);
		if (!manager) {
			problem_set(r, 403, "forbidden",
				    "only the organization's owner or admin edits its profile");
			goto out;
		}
		if (strcmp(status, "suspended") == 0) {
			problem_set(r, 403, "organization-suspended",
				    "the organization is suspended; contact the platform");
			goto out;
		}
	}
	if (req_if_match(r, PQgetvalue(res, 0, ORG_VERSION), "organization", !admin) != RC_OK)
		goto out;
	if (!admin && json_object_get(r->json, "government_established") != NULL) {
		problem_field(r, "government_established",
			      "only a platform admin sets this (it changes the organization's "
			      "legal duties)");
		problem_set(r, 403, "forbidden",
			    "government_established is set only by a platform admin");
		goto out;
	}
	if (validate_object(r, r->json, admin ? admin_profile_spec : owner_profile_spec, "") !=
	    RC_OK)
		(void)0; /* its errors are reported with the value checks below */
	check_profile_values(r, r->json, code);
	if (problem_fields_done(r) != RC_OK)
		goto out;

	/* the profile as it will be: the stored values, then the body's */
	static const char *const names[P_COUNT] = {
	    "name",    "credit_code", "region_code", "legal_representative",
	    "address", "website",     "description", "government_established"};
	const char *values[P_COUNT];
	json_t *changed = json_object();
	for (int i = 0; i < P_COUNT; i++) {
		values[i] = db_value(res, 0, profile_cols[i]);
		const json_t *v = json_object_get(r->json, names[i]);
		if (v == NULL)
			continue;
		const char *next = i == P_CREDIT_CODE && json_is_string(v) ? code
				   : i == P_GOVERNMENT_ESTABLISHED ? (json_is_true(v) ? "t" : "f")
								   : json_string_value(v);
		bool same =
		    values[i] == NULL ? next == NULL : next != NULL && strcmp(values[i], next) == 0;
		if (same)
			continue;
		json_object_set_new(changed, names[i],
				    json_pack("{s:o, s:o}", "from", value_json(i, values[i]), "to",
					      value_json(i, next)));
		values[i] = next;
	}
	if (!admin && strcmp(status, "unverified") != 0) {
		const char *frozen = json_object_get(changed, "name")          ? "name"
				     : json_object_get(changed, "credit_code") ? "credit_code"
									       : NULL;
		if (frozen != NULL) {
			json_decref(changed);
			problem_set(r, 409, "org-verified",
				    "%s cannot change once the organization is verified; ask the "
				    "platform to correct it",
				    frozen);
			goto out;
		}
	}
	if (json_object_size(changed) == 0) {
		/* nothing to change: no new version, nothing to audit */
		json_decref(changed);
		reply_etag(r, PQgetvalue(res, 0, ORG_VERSION));
		reply_json(r, 200, org_json_at(res, 0, 0, true));
		rc = RC_OK;
		goto out;
	}
	const char *update_params[1 + P_COUNT] = {id};
	memcpy(update_params + 1, values, sizeof values);
	if ((upd = db_exec(r, &st_org_update_profile, update_params)) == NULL) {
		json_decref(changed);
		if (r->problem.status == 409) { /* organizations_credit_code_key */
			problem_clear(&r->problem);
			problem_field(r, "credit_code",
				      "another organization is registered with this code");
			problem_set(r, 409, "credit-code-taken",
				    "another organization is registered with this credit code");
		}
		goto out;
	}
	json_t *detail = json_pack("{s:s, s:o}", "status", status, "changed", changed);
	if (admin)
		json_object_set_new(
		    detail, "reason",
		    json_string(json_string_value(json_object_get(r->json, "reason"))));
	if (audit_write(r, admin ? "organization.admin_update" : "organization.update",
			"organization", id, id, detail) != RC_OK)
		goto out;
	reply_etag(r, PQgetvalue(upd, 0, ORG_VERSION));
	reply_json(r, 200, org_json_at(upd, 0, 0, true));
	rc = RC_OK;
out:
	PQclear(res);
	PQclear(upd);
	return rc;
}

enum rc accounts_patch_org(struct req *r)
{
	return patch_org(r, false);
}

enum rc accounts_admin_patch_org(struct req *r)
{
	return patch_org(r, true);
}

/* ---- the verification queue ---------------------------------------------- */

enum rc accounts_admin_list_orgs(struct req *r)
{
	static const char *const known[] = {"status", "limit", "cursor", NULL};
	static const char *const statuses[] = {"unverified", "verified", "suspended", NULL};
	int limit;
	struct cursor c;
	char lim[16];

	req_query_check(r, known);
	const char *status = req_query(r, "status");
	if (status == NULL)
		status = "unverified";
	else if (!str_in(statuses, status))
		problem_field(r, "status", "must be unverified, verified or suspended");
	if (page_params(r, "tu", &limit, &c) != RC_OK)
		return RC_ERR; /* reports the status error too */
	if (problem_fields_done(r) != RC_OK)
		return RC_ERR;
	snprintf(lim, sizeof lim, "%d", limit + 1); /* one more tells whether a page follows */
	const char *queue_params[4] = {status, c.nparts ? c.parts[0] : NULL,
				       c.nparts ? c.parts[1] : NULL, lim};
	PGresult *res = db_exec(r, &st_org_queue, queue_params);
	if (res == NULL)
		return RC_ERR;
	int rows = PQntuples(res), shown = rows < limit ? rows : limit;
	json_t *data = json_array(), *next = json_null();
	for (int i = 0; i < shown; i++)
		json_array_append_new(data, org_json_at(res, i, 0, true));
	if (rows > limit) {
		struct cursor n = {.nparts = 2};
		snprintf(n.parts[0], CURSOR_PART_MAX, "%s",
			 PQgetvalue(res, limit - 1, QUEUE_CURSOR_AT));
		snprintf(n.parts[1], CURSOR_PART_MAX, "%s",
			 PQgetvalue(res, limit - 1, QUEUE_CURSOR_ID));
		char *text = cursor_encode(&n);
		json_decref(next);
		next = json_string(text);
		free(text);
	}
	PQclear(res);
	reply_json(r, 200, json_pack("{s:o, s:o}", "data", data, "next_cursor", next));
	return RC_OK;
}
