/*
 * needs.c - handlers for /v1/needs and the admins' moderation of needs.
 *
 * A need (技术需求) is what an organization with a problem (a waste stream it
 * cannot use, say) asks technology owners for. Like a listing, it is a draft
 * of its organization until an admin approves it in the same moderation queue
 * (listings.c lists both); published needs are public and searchable, anything
 * else is seen by its organization and admins only (404 to others). Its API
 * shape is the SQL function need_json (migrations/0019), which the moderation
 * queue selects too.
 */
#include "needs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "../../server/cursor.h"
#include "../../server/db.h"
#include "../../server/json.h"
#include "../accounts/credit_code.h"
#include "../listings/listings.h"
#include "../platform/platform.h"
#include "../waste/waste_code.h"
#include "needs_internal.h"

#define US(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
#define NEED_PUBLIC "n.status = 'published'"
#define NEED_COLS "need_json(n)::text, n.version, n.org_id, n.status, " NEED_PUBLIC

static const struct stmt st_insert = {
    "needs_insert",
    "INSERT INTO needs AS n (org_id, created_by, title, description, domain, waste_codes,"
    " annual_tonnes, target_trl, budget_min_fen, budget_max_fen, deadline, region_code)"
    " VALUES ($1, $2, $3, coalesce($4, ''), $5,"
    " coalesce(ARRAY(SELECT jsonb_array_elements_text($6::jsonb)), '{}'), $7, $8, $9, $10,"
    " $11::date, $12) RETURNING " NEED_COLS,
    12};

static const struct stmt st_get = {"needs_get", "SELECT " NEED_COLS " FROM needs n WHERE n.id = $1",
				   1};
static const struct stmt st_lock = {
    "needs_lock", "SELECT " NEED_COLS " FROM needs n WHERE n.id = $1 FOR UPDATE", 1};

static const struct stmt st_update = {
    "needs_update",
    "UPDATE needs AS n SET title = $2, description = coalesce($3, ''), domain = $4,"
    " waste_codes = coalesce(ARRAY(SELECT jsonb_array_elements_text($5::jsonb)), '{}'),"
    " annual_tonnes = $6, target_trl = $7, budget_min_fen = $8, budget_max_fen = $9,"
    " deadline = $10::date, region_code = $11, updated_at = now(), version = version + 1"
    " WHERE n.id = $1 RETURNING " NEED_COLS,
    11};

static const struct stmt st_set_status = {
    "needs_set_status",
    "UPDATE needs AS n SET status = $2,"
    " rejection_reason = CASE WHEN $2 = 'rejected' THEN $3 ELSE NULL END,"
    " submitted_at = CASE WHEN $2 = 'pending_review' THEN now() ELSE submitted_at END,"
    " published_at = CASE WHEN $2 = 'published' THEN now() ELSE published_at END,"
    " updated_at = now(), version = version + 1 WHERE n.id = $1 RETURNING " NEED_COLS,
    3};

/* Published needs, newest first: $1 q, $2 domain, $3 waste code, $4 region
 * prefix; keyset ($5 published_at, $6 id). */
static const struct stmt st_search = {
    "needs_search",
    "SELECT need_json(n)::text, n.version, " US(
	"n.published_at") ", n.id FROM needs n"
			  " WHERE n.status = 'published'"
			  " AND ($1::text IS NULL OR n.search @@ plainto_tsquery('simple',"
			  "   techex_search_tokens($1::text, true)))"
			  " AND ($2::text IS NULL OR n.domain = $2) AND ($3::text IS NULL OR $3 = "
			  "ANY (n.waste_codes))"
			  " AND ($4::text IS NULL OR starts_with(coalesce(n.region_code, ''), $4))"
			  " AND ($5::text IS NULL OR (n.published_at, n.id) < ($5::timestamptz, "
			  "$6::uuid))"
			  " ORDER BY n.published_at DESC, n.id DESC LIMIT $7",
    7};

/* An organization's needs in any status, newest first ($2 status or NULL). */
static const struct stmt st_org_list = {
    "needs_org_list",
    "SELECT need_json(n)::text, n.version, " US(
	"n.created_at") ", n.id FROM needs n"
			" WHERE n.org_id = $1 AND ($2::text IS NULL OR n.status = $2)"
			" AND ($3::text IS NULL OR (n.created_at, n.id) < ($3::timestamptz, "
			"$4::uuid))"
			" ORDER BY n.created_at DESC, n.id DESC LIMIT $5",
    5};

static const struct stmt st_org_exists = {"needs_org_exists",
					  "SELECT 1 FROM organizations WHERE id = $1", 1};

const char *const need_statuses[] = {"draft",    "pending_review", "published",
				     "rejected", "withdrawn",      NULL};

static const char *const from_submit[] = {"draft", "rejected", NULL};
static const char *const from_review[] = {"pending_review", NULL};
static const char *const from_withdraw[] = {"draft", "pending_review", "published", "rejected",
					    NULL};

const struct transition need_transitions[] = {
    {"submit", from_submit, "pending_review", NEED_OWNER, "need.submit"},
    {"withdraw", from_withdraw, "withdrawn", NEED_OWNER, "need.withdraw"},
    {"approve", from_review, "published", NEED_ADMIN, "need.approve"},
    {"reject", from_review, "rejected", NEED_ADMIN, "need.reject"},
    {NULL, NULL, NULL, 0, NULL},
};

/* The fields of a need (POST; PATCH checks the merged need). */
static const struct field need_spec[] = {
    {.name = "title", .type = F_TEXT1, .required = true, .min = 1, .max = 200},
    {.name = "description", .type = F_STRING, .nullable = true, .max = 20000},
    {.name = "domain", .type = F_ENUM, .required = true, .enum_values = listing_domains},
    {.name = "waste_codes",
     .type = F_STRINGS,
     .nullable = true,
     .min = 1,
     .max = 20,
     .max_items = 20},
    {.name = "annual_tonnes", .type = F_INT, .nullable = true, .min = 0, .max = 1000000000000LL},
    {.name = "target_trl", .type = F_INT, .nullable = true, .min = 1, .max = 9},
    {.name = "budget_min_fen", .type = F_INT, .nullable = true, .min = 0, .max = MAX_FEN},
    {.name = "budget_max_fen", .type = F_INT, .nullable = true, .min = 0, .max = MAX_FEN},
    {.name = "deadline", .type = F_DATE, .nullable = true},
    {.name = "region_code", .type = F_TEXT1, .nullable = true, .min = 1, .max = 6},
    {0},
};

/* The statement parameters of a valid need: title .. region_code. */
struct need_params {
	char *codes; /* owned JSON text */
	char tonnes[24], trl[8], bmin[24], bmax[24];
	const char *v[10];
};

static const char *str_at(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* The integer member key of obj as text into buf; NULL when absent or null. */
static const char *int_text(const json_t *obj, const char *key, char *buf, size_t len)
{
	const json_t *v = json_object_get(obj, key);
	if (!json_is_integer(v))
		return NULL;
	snprintf(buf, len, "%lld", (long long)json_integer_value(v));
	return buf;
}

/* Today in China as YYYY-MM-DD. */
static void today_in_china(char out[11])
{
	time_t t = time(NULL) + 8 * 3600;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

/* Checks b as a whole need: each field, then the waste codes, the budget's
 * order, the region and the deadline. Fills out (free out->codes). */
static enum rc need_params(struct req *r, json_t *b, struct need_params *out)
{
	memset(out, 0, sizeof *out);
	if (validate_object(r, b, need_spec, "") != RC_OK)
		return problem_fields_done(r);
	const json_t *codes = json_object_get(b, "waste_codes"), *code;
	size_t i;
	json_array_foreach(codes, i, code)
	{
		const char *why = waste_code_problem(json_string_value(code));
		if (why != NULL)
			problem_field(r, "waste_codes", "item %zu (%s) %s", i,
				      json_string_value(code), why);
	}
	const json_t *bmin = json_object_get(b, "budget_min_fen"),
		     *bmax = json_object_get(b, "budget_max_fen");
	if (json_is_integer(bmin) && json_is_integer(bmax) &&
	    json_integer_value(bmin) > json_integer_value(bmax))
		problem_field(r, "budget_min_fen", "must not exceed budget_max_fen");
	const char *region = str_at(b, "region_code");
	if (region != NULL && !region_code_valid(region))
		problem_field(r, "region_code",
			      "must be a GB/T 2260 region code: six digits (370303)");
	const char *deadline = str_at(b, "deadline");
	char today[11];
	today_in_china(today);
	if (deadline != NULL && strcmp(deadline, today) < 0)
		problem_field(r, "deadline", "must not be in the past");
	if (problem_fields_done(r) != RC_OK)
		return RC_ERR;
	out->codes = codes && json_is_array(codes) ? json_dumps(codes, JSON_COMPACT) : NULL;
	const char *v[10] = {str_at(b, "title"),
			     str_at(b, "description"),
			     str_at(b, "domain"),
			     out->codes,
			     int_text(b, "annual_tonnes", out->tonnes, sizeof out->tonnes),
			     int_text(b, "target_trl", out->trl, sizeof out->trl),
			     int_text(b, "budget_min_fen", out->bmin, sizeof out->bmin),
			     int_text(b, "budget_max_fen", out->bmax, sizeof out->bmax),
			     deadline,
			     region};
	memcpy(out->v, v, sizeof v);
	return RC_OK;
}

static enum rc reply_need(struct req *r, int status, const PGresult *res)
{
	reply_etag(r, PQgetvalue(res, 0, N_VERSION));
	reply_raw(r, status, "application/json", PQgetvalue(res, 0, N_JSON),
		  (size_t)PQgetlength(res, 0, N_JSON));
	return RC_OK;
}

static bool member_of(const struct req *r, const char *org_id)
{
	return r->auth.org_id[0] && strcmp(r->auth.org_id, org_id) == 0;
}

static bool may_see(const struct req *r, const PGresult *row)
{
	return strcmp(PQgetvalue(row, 0, N_PUBLIC), "t") == 0 || r->auth.platform_admin ||
	       member_of(r, PQgetvalue(row, 0, N_ORG));
}

PGresult *need_load(struct req *r, bool lock)
{
	return db_load_visible(r, lock ? &st_lock : &st_get, "need", may_see);
}

/* POST /v1/needs */
static enum rc needs_create(struct req *r)
{
	if (!r->auth.org_id[0] || strcmp(r->auth.org_status, "verified") != 0)
		return problem_set(r, 403, "organization-not-verified",
				   "only members of a verified organization can post needs");
	if (body_read(r) != RC_OK)
		return RC_ERR;
	struct need_params p;
	if (need_params(r, r->json, &p) != RC_OK)
		return RC_ERR;
	enum rc rc = RC_ERR;
	const char *insert_params[12] = {r->auth.org_id, r->auth.user_id};
	memcpy(insert_params + 2, p.v, sizeof p.v);
	PGresult *res = db_exec(r, &st_insert, insert_params);
	if (res == NULL)
		goto out;
	json_t *created = json_loads(PQgetvalue(res, 0, N_JSON), 0, NULL);
	const char *id = str_at(created, "id");
	rc = audit_write(r, "need.create", "need", id, NULL,
			 json_pack("{s:s, s:s}", "title", p.v[0], "domain", p.v[2]));
	if (rc == RC_OK) {
		reply_location(r, "/v1/needs/{id}", id);
		rc = reply_need(r, 201, res);
	}
	json_decref(created);
	PQclear(res);
out:
	free(p.codes);
	return rc;
}

/* GET /v1/needs/{id} */
static enum rc needs_get(struct req *r)
{
	PGresult *res = need_load(r, false);
	if (res == NULL)
		return RC_ERR;
	enum rc rc = reply_need(r, 200, res);
	PQclear(res);
	return rc;
}

/* The stored need in the shape clients send (what PATCH merges into). */
static json_t *editable(const char *stored_text)
{
	static const char *const keep[] = {
	    "title",      "description",    "domain",         "waste_codes", "annual_tonnes",
	    "target_trl", "budget_min_fen", "budget_max_fen", "deadline",    "region_code"};
	json_t *stored = json_loads(stored_text, 0, NULL), *out = json_object();
	for (size_t i = 0; i < ARRAY_LEN(keep); i++) {
		json_t *v = json_object_get(stored, keep[i]);
		if (v != NULL && !json_is_null(v))
			json_object_set(out, keep[i], v);
	}
	json_decref(stored);
	return out;
}

/* PATCH /v1/needs/{id}: the owner edits a draft or rejected need with
 * If-Match; null clears an optional field. */
static enum rc needs_patch(struct req *r)
{
	if (body_read(r) != RC_OK)
		return RC_ERR;
	PGresult *res = need_load(r, true), *upd = NULL;
	if (res == NULL)
		return RC_ERR;
	enum rc rc = RC_ERR;
	json_t *merged = NULL;
	struct need_params p = {0};
	const char *status = PQgetvalue(res, 0, N_STATUS);
	if (!member_of(r, PQgetvalue(res, 0, N_ORG))) {
		problem_set(r, 403, "forbidden", "only the need's organization can edit it");
		goto out;
	}
	if (req_if_match(r, PQgetvalue(res, 0, N_VERSION), "need", true) != RC_OK)
		goto out;
	if (strcmp(status, "draft") != 0 && strcmp(status, "rejected") != 0) {
		problem_set(r, 409, "invalid-state",
			    "a need in status %s cannot be edited; only drafts and rejected needs "
			    "can",
			    status);
		goto out;
	}
	/* a null removes a field, so the check of the merged need would not see an
	 * unknown one */
	const char *name;
	json_t *given;
	json_object_foreach(r->json, name, given)
	{
		const struct field *f = need_spec;
		while (f->name != NULL && strcmp(f->name, name) != 0)
			f++;
		if (f->name == NULL)
			problem_field(r, name, "is not a known field");
	}
	if (problem_fields_done(r) != RC_OK)
		goto out;
	merged = editable(PQgetvalue(res, 0, N_JSON));
	json_object_update(merged, r->json);
	const char *key;
	json_t *value;
	void *tmp;
	json_object_foreach_safe(merged, tmp, key, value)
	{
		if (json_is_null(value))
			json_object_del(merged, key);
	}
	if (need_params(r, merged, &p) != RC_OK)
		goto out;
	const char *update_params[11] = {req_param(r, "id")};
	memcpy(update_params + 1, p.v, sizeof p.v);
	if ((upd = db_exec(r, &st_update, update_params)) == NULL)
		goto out;
	if (audit_write(r, "need.update", "need", req_param(r, "id"), PQgetvalue(res, 0, N_ORG),
			json_pack("{s:O}", "fields", r->json)) != RC_OK)
		goto out;
	rc = reply_need(r, 200, upd);
out:
	free(p.codes);
	json_decref(merged);
	PQclear(res);
	PQclear(upd);
	return rc;
}

static const struct field reason_spec[] = {
    {.name = "reason", .type = F_STRING, .required = true, .min = 1, .max = 2000},
    {0},
};
static const struct field empty_spec[] = {{0}};

/* POST /v1/needs/{id}/<action> and /v1/admin/needs/{id}/<action>: the row of
 * need_transitions decides who, from where and to what. */
static enum rc need_transition(struct req *r, const char *action)
{
	bool rejecting = strcmp(action, "reject") == 0;
	const char *reason = NULL;
	if (r->body_len > 0 || rejecting) {
		if (body_read_valid(r, rejecting ? reason_spec : empty_spec) != RC_OK)
			return RC_ERR;
		reason = str_at(r->json, "reason");
	}
	PGresult *res = need_load(r, true), *upd = NULL;
	if (res == NULL)
		return RC_ERR;
	enum rc rc = RC_ERR;
	const char *status = PQgetvalue(res, 0, N_STATUS), *org = PQgetvalue(res, 0, N_ORG);
	unsigned roles =
	    (member_of(r, org) ? NEED_OWNER : 0) | (r->auth.platform_admin ? NEED_ADMIN : 0);
	const struct transition *row = NULL;
	enum transition_check check =
	    transition_find(need_transitions, action, status, roles, &row);
	if (check == TR_FORBIDDEN) {
		problem_set(r, 403, "forbidden", "only the need's organization can do this");
		goto out;
	}
	if (req_if_match(r, PQgetvalue(res, 0, N_VERSION), "need", false) != RC_OK)
		goto out;
	if (check != TR_OK) {
		problem_set(r, 409, "invalid-state", "a need in status %s cannot be %s", status,
			    strcmp(action, "submit") == 0 ? "submitted" : action);
		goto out;
	}
	const char *id = req_param(r, "id");
	const char *status_params[3] = {id, row->to, reason};
	if ((upd = db_exec(r, &st_set_status, status_params)) == NULL)
		goto out;
	if (audit_move(r, row->audit, "need", id, org, status, row->to, reason) != RC_OK)
		goto out;
	rc = reply_need(r, 200, upd);
out:
	PQclear(res);
	PQclear(upd);
	return rc;
}

/* POST /v1/needs/{id}/submit and /withdraw, POST /v1/admin/needs/{id}/approve
 * and /reject: the action is the path's last segment. */
static enum rc needs_act(struct req *r)
{
	return need_transition(r, strrchr(r->route->pattern, '/') + 1);
}

/* Whether s is a region prefix a search takes: 2, 4 or 6 digits. */
static bool region_prefix_valid(const char *s)
{
	size_t n = strlen(s);
	if (n != 2 && n != 4 && n != 6)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* The words and domain of GET /v1/needs, checked as fields. */
static const struct field search_filters[] = {
    {.name = "q", .type = F_STRING, .max = 200},
    {.name = "domain", .type = F_ENUM, .enum_values = listing_domains},
    {0},
};

/* GET /v1/needs: published needs, searched and filtered, newest first. */
static enum rc needs_search(struct req *r)
{
	static const char *const known[] = {"q",     "domain", "waste_code", "region_code",
					    "limit", "cursor", NULL};
	int limit;
	struct cursor c;
	char lim[16];
	req_query_check(r, known);
	const char *q = req_query(r, "q"), *domain = req_query(r, "domain"),
		   *code = req_query(r, "waste_code"), *region = req_query(r, "region_code");
	(void)query_validate(r, search_filters); /* reported with the others below */
	if (q != NULL && *q == '\0')
		q = NULL;
	const char *why = code ? waste_code_problem(code) : NULL;
	if (why != NULL)
		problem_field(r, "waste_code", "%s", problem_tr(r, why));
	if (region && !region_prefix_valid(region))
		problem_field(r, "region_code", "must be 2, 4 or 6 digits of a GB/T 2260 code");
	if (page_params(r, "tu", &limit, &c) != RC_OK)
		return RC_ERR;
	snprintf(lim, sizeof lim, "%d", limit + 1);
	const char *search_params[7] = {
	    q,  domain, code, region, c.nparts ? c.parts[0] : NULL, c.nparts ? c.parts[1] : NULL,
	    lim};
	return db_reply_page(r, &st_search, search_params, limit, 2);
}

/* GET /v1/orgs/{id}/needs?status=: members of the organization and admins see
 * every need of it; anyone else gets 404. */
static enum rc needs_of_org(struct req *r)
{
	const char *status;
	struct page p;
	const char *org = req_param(r, "id");
	if (!uuid_valid(org) || !(r->auth.platform_admin ||
				  (r->auth.org_id[0] && strcasecmp(r->auth.org_id, org) == 0)))
		return db_not_found(r, "organization");
	if (page_filtered(r, "status", need_statuses,
			  N_("must be draft, pending_review, published, rejected or withdrawn"),
			  &status, "tu", &p) != RC_OK)
		return RC_ERR;
	const char *exists_params[1] = {org};
	bool found;
	if (db_found(r, &st_org_exists, exists_params, &found) != RC_OK)
		return RC_ERR;
	if (!found)
		return db_not_found(r, "organization");
	const char *list_params[5] = {org, status, p.cur.nparts ? p.cur.parts[0] : NULL,
				      p.cur.nparts ? p.cur.parts[1] : NULL, p.lim};
	return db_reply_page(r, &st_org_list, list_params, p.limit, 2);
}

const struct route needs_routes[] = {
    {M_POST, "/v1/needs", needs_create, ROUTE_TX | ROUTE_AUTH | ROUTE_IDEMPOTENT, "createNeed",
     NULL},
    {M_GET, "/v1/needs", needs_search, ROUTE_REPLICA, "searchNeeds", NULL},
    {M_GET, "/v1/needs/{id}", needs_get, ROUTE_OPTIONAL_AUTH | ROUTE_REPLICA, "getNeed", NULL},
    {M_PATCH, "/v1/needs/{id}", needs_patch, ROUTE_TX | ROUTE_AUTH, "updateNeed", NULL},
    {M_POST, "/v1/needs/{id}/submit", needs_act, ROUTE_TX | ROUTE_AUTH, "submitNeed", NULL},
    {M_POST, "/v1/needs/{id}/withdraw", needs_act, ROUTE_TX | ROUTE_AUTH, "withdrawNeed", NULL},
    {M_POST, "/v1/admin/needs/{id}/approve", needs_act, ROUTE_TX | ROUTE_ADMIN, "approveNeed",
     NULL},
    {M_POST, "/v1/admin/needs/{id}/reject", needs_act, ROUTE_TX | ROUTE_ADMIN, "rejectNeed", NULL},
    {M_GET, "/v1/orgs/{id}/needs", needs_of_org, ROUTE_AUTH, "listOrgNeeds", NULL},
    {M_POST, "/v1/needs/{id}/proposals", proposals_create, ROUTE_TX | ROUTE_AUTH | ROUTE_IDEMPOTENT,
     "createProposal", NULL},
    {M_GET, "/v1/needs/{id}/proposals", proposals_list, ROUTE_AUTH, "listProposals", NULL},
    {M_POST, "/v1/proposals/{id}/accept", proposals_accept,
     ROUTE_TX | ROUTE_AUTH | ROUTE_IDEMPOTENT, "acceptProposal", NULL},
    {M_GET, "/v1/needs/{id}/matches", matching_for_need, ROUTE_AUTH, "matchNeed", NULL},
    {M_GET, "/v1/waste-streams/{id}/matches", matching_for_stream, ROUTE_AUTH, "matchWasteStream",
     NULL},
    {M_GET, "/v1/listings/{id}/matches", matching_for_listing, ROUTE_AUTH, "matchListing", NULL},
    {M_GET, "/v1/domains", domains_list, ROUTE_REPLICA, "listDomains", NULL},
};
const size_t needs_routes_count = ARRAY_LEN(needs_routes);
