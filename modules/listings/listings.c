/*
 * listings.c - handlers for /v1/listings and the admin moderation of listings.
 *
 * A listing is a draft of its organization until an admin approves it; only
 * published (and under_contract, licensed) listings are public. Anyone else
 * asking for a listing they may not see gets 404, never its data.
 */
#include "listings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../server/cursor.h"
#include "../../server/db.h"
#include "../../server/json.h"
#include "../../server/loopread.h"
#include "../../server/ratelimit.h"
#include "../accounts/accounts.h"
#include "../accounts/roles.h"
#include "../events/events.h"
#include "../platform/platform.h"
#include "listing_body.h"
#include "listing_sql.h"
#include "search.h"

static const struct stmt st_insert = {
    "listings_insert",
    "INSERT INTO listings AS l (org_id, created_by, kind, title, summary, description, domain,"
    " tags, trl, transaction_modes, pricing_mode, asking_price_fen, reserve_price_fen,"
    " min_increment_fen, auction_ends_at, patent, process, patent_number)"
    " VALUES ($1, $2, $3, $4, coalesce($5, ''), coalesce($6, ''), $7,"
    " coalesce(ARRAY(SELECT jsonb_array_elements_text($8::jsonb)), '{}'), $9,"
    " ARRAY(SELECT jsonb_array_elements_text($10::jsonb)), $11, $12, $13, $14, $15,"
    " $16::jsonb, $17::jsonb, $18)"
    " RETURNING " LISTING_JSON,
    18};

/* The columns of LISTING_JSON, then (st_get, st_lock) who owns the listing, its
 * status and whether anyone may see it. */
enum { L_JSON, L_VERSION, L_ORG, L_STATUS, L_VISIBLE_TO_PUBLIC, L_NCOLS };
#define LISTING_BY_ID_COLS LISTING_JSON ", l.org_id, l.status, " LISTING_VISIBLE_TO_PUBLIC
#define LISTING_BY_ID "SELECT " LISTING_BY_ID_COLS " FROM listings l WHERE l.id = $1"

static const struct stmt st_get = {"listings_get", LISTING_BY_ID, 1};
static const struct stmt st_lock = {"listings_lock", LISTING_BY_ID " FOR UPDATE", 1};
/* The same read for a caller with a token, authenticated in the same round trip:
 * $1 the token's digest, $2 the listing; the session's columns after the
 * listing's (NULL when there is no such listing), no row for a bad token. */
static const struct stmt st_get_with_token = {"listings_get_with_token",
					      "SELECT " LISTING_BY_ID_COLS ", session.* FROM ("
					      "SELECT " ACCOUNTS_AUTH_COLS ACCOUNTS_AUTH_FROM
					      ") session LEFT JOIN listings l ON l.id = $2",
					      2};

static const struct stmt st_set_status = {
    "listings_set_status",
    "UPDATE listings AS l SET status = $2,"
    " rejection_reason = CASE WHEN $2 = 'rejected' THEN $3 ELSE NULL END,"
    " submitted_at = CASE WHEN $2 = 'pending_review' THEN now() ELSE submitted_at END,"
    " published_at = CASE WHEN $2 = 'published' THEN now() ELSE published_at END,"
    " updated_at = now(), version = version + 1 WHERE l.id = $1 RETURNING " LISTING_JSON,
    3};

/* Status only: published_at keeps the date the listing was first published. */
static const struct stmt st_move = {
    "listings_move",
    "UPDATE listings SET status = $3, updated_at = now(), version = version + 1"
    " WHERE id = $1 AND status = $2 RETURNING org_id",
    3};
enum { MOVED_ORG };

/* Whether a bid binds the listing's pricing: open, countered (and not past
 * its expiry) or accepted. */
static const struct stmt st_binding_bids = {
    "listings_binding_bids",
    "SELECT EXISTS (SELECT 1 FROM bids b WHERE b.listing_id = $1"
    " AND bid_effective_status(b.status, b.expires_at) IN ('open', 'countered', 'accepted'))",
    1};
enum { BINDING };

/* Listings and needs (need_json, migrations/0019) in review, each with its
 * object_type and its organization {id, name}, oldest first; the cursor is
 * (submitted_at with microseconds, id). */
// clang-format off
static const struct stmt st_queue = {
    "listings_moderation_queue",
    "SELECT (q.j::jsonb || jsonb_build_object('object_type', q.t))::text, q.v,"
    " " TS_US("q.at") ", q.id FROM ("
    " SELECT 'listing' AS t, " LISTING_WITH_ORG_JSON ", l.submitted_at, l.id"
    " FROM listings l JOIN organizations o ON o.id = l.org_id"
    " WHERE l.status = 'pending_review'"
    " UNION ALL SELECT 'need', (need_json(n)::jsonb || jsonb_build_object('org',"
    " jsonb_build_object('id', o.id, 'name', o.name)))::text, n.version, n.submitted_at, n.id"
    " FROM needs n JOIN organizations o ON o.id = n.org_id"
    " WHERE n.status = 'pending_review') q(t, j, v, at, id)"
    " WHERE ($1::timestamptz IS NULL OR (q.at, q.id) > ($1::timestamptz, $2::uuid))"
    " ORDER BY q.at, q.id LIMIT $3",
    3};
// clang-format on

static const struct stmt st_update = {
    "listings_update",
    "UPDATE listings AS l SET title = $2, summary = coalesce($3, ''),"
    " description = coalesce($4, ''), domain = $5,"
    " tags = coalesce(ARRAY(SELECT jsonb_array_elements_text($6::jsonb)), '{}'), trl = $7,"
    " transaction_modes = ARRAY(SELECT jsonb_array_elements_text($8::jsonb)),"
    " pricing_mode = $9, asking_price_fen = $10, reserve_price_fen = $11,"
    " min_increment_fen = $12, auction_ends_at = $13, patent = $14::jsonb,"
    " process = $15::jsonb, patent_number = $16,"
    " status = CASE WHEN status = 'published' THEN 'pending_review' ELSE status END,"
    " submitted_at = CASE WHEN status = 'published' THEN now() ELSE submitted_at END,"
    " updated_at = now(), version = version + 1 WHERE l.id = $1 RETURNING " LISTING_JSON,
    16};

static const char *str_at(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* Replies with the listing at row 0 of res (L_JSON, L_VERSION) as PostgreSQL
 * built it: its JSON text goes out as it is, without a parse and a print. */
static enum rc reply_listing(struct req *r, int status, const PGresult *res)
{
	reply_etag(r, PQgetvalue(res, 0, L_VERSION));
	reply_raw(r, status, "application/json", PQgetvalue(res, 0, L_JSON),
		  (size_t)PQgetlength(res, 0, L_JSON));
	return RC_OK;
}

/* The organization's listings in the rate window (ratelimit.h). */
static const struct stmt st_recent = {"listings_recent", RATE_RECENT_SQL("listings", "org_id"), 3};

/* POST /v1/listings */
static enum rc listings_create(struct req *r)
{
	struct listing_params body_params;
	enum rc rc = RC_ERR;

	if (!org_may(&r->auth, ORG_TRADE) || strcmp(r->auth.org_status, "verified") != 0)
		return problem_set(r, 403, "organization-not-verified",
				   "only members of a verified organization can create listings");
	if (rate_take(r, RATE_LISTING, &st_recent) != RC_OK || body_read(r) != RC_OK)
		return RC_ERR;
	if (listing_params(r, r->json, &body_params) != RC_OK)
		return RC_ERR;
	const char *insert_params[18] = {r->auth.org_id, r->auth.user_id, str_at(r->json, "kind")};
	memcpy(insert_params + 3, body_params.v, 15 * sizeof *insert_params);
	PGresult *res = db_exec(r, &st_insert, insert_params);
	if (res == NULL)
		goto out;
	json_t *created = json_loads(PQgetvalue(res, 0, L_JSON), 0, NULL);
	rc = audit_write(r, "listing.create", "listing", str_at(created, "id"), NULL,
			 json_pack("{s:s, s:s}", "kind", str_at(r->json, "kind"), "title",
				   str_at(r->json, "title")));
	if (rc == RC_OK) {
		reply_location(r, "/v1/listings/{id}", str_at(created, "id"));
		rc = reply_listing(r, 201, res);
	}
	json_decref(created);
	PQclear(res);
out:
	listing_params_free(&body_params);
	return rc;
}

/* RFC 7396 merge patch: objects merge, null removes, anything else replaces. */
static void merge_patch(json_t *target, json_t *patch)
{
	const char *key;
	json_t *value;
	json_object_foreach(patch, key, value)
	{
		json_t *cur = json_object_get(target, key);
		if (json_is_null(value))
			json_object_del(target, key);
		else if (json_is_object(value) && json_is_object(cur))
			merge_patch(cur, value);
		else
			json_object_set(target, key, value);
	}
}

/* A merge patch's null removes a member, so the validation of the merged result
 * never sees it: each null must still name a field of the spec. */
static void patch_nulls_known(struct req *r, const json_t *patch, const struct field *spec,
			      const char *prefix)
{
	const char *key;
	json_t *value;
	json_object_foreach((json_t *)patch, key, value)
	{
		const struct field *f = spec;
		while (f->name != NULL && strcmp(f->name, key) != 0)
			f++;
		char path[256];
		snprintf(path, sizeof path, "%s%s%s", prefix, *prefix ? "." : "", key);
		if (f->name == NULL && json_is_null(value))
			problem_field(r, path, "is not a field here");
		else if (f->name != NULL && f->type == F_OBJECT && json_is_object(value))
			patch_nulls_known(r, value, f->sub, path);
	}
}

/* The stored listing in the shape clients send (what PATCH merges into). */
static json_t *editable(json_t *listing)
{
	static const char *const keep[] = {"kind",    "title",  "summary", "description",
					   "domain",  "tags",   "trl",     "transaction_modes",
					   "pricing", "patent", "process"};
	json_t *out = json_object();
	for (size_t i = 0; i < ARRAY_LEN(keep); i++) {
		json_t *v = json_object_get(listing, keep[i]);
		if (v != NULL && !json_is_null(v))
			json_object_set(out, keep[i], v);
	}
	json_t *pricing = json_object_get(out, "pricing");
	json_object_del(pricing, "currency");
	json_object_del(pricing, "highest_bid_fen"); /* read-only: the auction's state */
	const char *key;
	json_t *value;
	void *tmp;
	json_object_foreach_safe(pricing, tmp, key, value)
	{
		if (json_is_null(value))
			json_object_del(pricing, key);
	}
	return out;
}

bool listing_visible(const struct req *r, const char *org_id, bool visible_to_public)
{
	if (visible_to_public)
		return true;
	return r->auth.platform_admin || (r->auth.org_id[0] && strcmp(r->auth.org_id, org_id) == 0);
}

/* Whether the caller may see the listing at row 0 of st_get or st_lock. */
static bool may_see(const struct req *r, const PGresult *row)
{
	return listing_visible(r, PQgetvalue(row, 0, L_ORG),
			       strcmp(PQgetvalue(row, 0, L_VISIBLE_TO_PUBLIC), "t") == 0);
}

/* Loads {id} (locked when lock) if the caller may see it; 404 otherwise. */
static PGresult *load_listing(struct req *r, bool lock)
{
	return db_load_visible(r, lock ? &st_lock : &st_get, "listing", may_see);
}

/* GET /v1/listings/{id} */
static enum rc listings_get(struct req *r)
{
	PGresult *res = load_listing(r, false);
	if (res == NULL)
		return RC_ERR;
	enum rc rc = reply_listing(r, 200, res);
	PQclear(res);
	return rc;
}

/* The parameters of GET /v1/listings/{id} answered on the I/O loop. */
static enum rc get_params(struct req *r, const char **params)
{
	const char *id = req_param(r, "id");
	if (!uuid_valid(id))
		return db_not_found(r, "listing");
	params[0] = id;
	return RC_OK;
}

static enum rc get_reply(struct req *r, const PGresult *res)
{
	if (PQntuples(res) != 1 || PQgetisnull(res, 0, L_ORG) || !may_see(r, res))
		return db_not_found(r, "listing");
	return reply_listing(r, 200, res);
}

/* GET /v1/listings/{id} answered on the I/O loop with the same statement (or,
 * for a caller with a token, the same with its session) and the same
 * visibility rule as listings_get. */
static const struct loop_read get_on_loop = {.st = &st_get,
					     .params = get_params,
					     .reply = get_reply,
					     .st_token = &st_get_with_token,
					     .auth_col = L_NCOLS};

const char *const listing_statuses[] = {"draft",          "pending_review", "published", "rejected",
					"under_contract", "licensed",       "withdrawn", NULL};

static const char *const from_submit[] = {"draft", "rejected", NULL};
static const char *const from_review[] = {"pending_review", NULL};
static const char *const from_withdraw[] = {"draft", "pending_review", "published", "rejected",
					    NULL};
static const char *const from_published[] = {"published", NULL};
static const char *const from_under_contract[] = {"under_contract", NULL};
static const char *const from_deal[] = {"under_contract", "licensed", NULL};

/* Who may move a listing from which state to which. The owner's and the
 * admin's rows are the handlers' (transition()); the deal's rows are taken by
 * listing_move as contracts begin, become active or fall through. A handler's
 * move into any state but published releases the live offers on the listing
 * (release_if_unpublished). */
const struct transition listing_transitions[] = {
    {"submit", from_submit, "pending_review", LISTING_OWNER, "listing.submit"},
    {"retract", from_review, "draft", LISTING_OWNER, "listing.retract"},
    {"withdraw", from_withdraw, "withdrawn", LISTING_OWNER, "listing.withdraw"},
    {"approve", from_review, "published", LISTING_ADMIN, "listing.approve"},
    {"reject", from_review, "rejected", LISTING_ADMIN, "listing.reject"},
    {"under_contract", from_published, "under_contract", LISTING_DEAL, "listing.under_contract"},
    {"license", from_under_contract, "licensed", LISTING_DEAL, "listing.licensed"},
    {"republish", from_deal, "published", LISTING_DEAL, "listing.republish"},
    {NULL, NULL, NULL, 0, NULL},
};

static listing_release_fn release_offers;
static listing_published_fn on_publish;

void listings_on_publish(listing_published_fn published)
{
	on_publish = published;
}

void listings_init(listing_release_fn release)
{
	release_offers = release;
}

/* Releases the live offers on listing id (all of them but except_bid) with why
 * in their history; set up by listings_init. */
static enum rc release_live_offers(struct req *r, const char *id, const char *why)
{
	if (release_offers == NULL)
		return problem_set(r, 500, "internal", "listings_init was not called");
	return release_offers(r, id, NULL, why);
}

/* A listing that is not (or no longer) published holds no bidder: a move into
 * any other state releases the live offers on it, each told why by the state
 * the listing entered. */
static enum rc release_if_unpublished(struct req *r, const char *id, const struct transition *row)
{
	static const char *const why[][2] = {
	    {"withdrawn", "the listing was withdrawn"},
	    {"rejected", "the listing was rejected in review"},
	};
	if (strcmp(row->to, "published") == 0)
		return RC_OK;
	for (size_t i = 0; i < ARRAY_LEN(why); i++)
		if (strcmp(row->to, why[i][0]) == 0)
			return release_live_offers(r, id, why[i][1]);
	return release_live_offers(r, id, "the listing is no longer published");
}

/* The first row of action in the table (every row of an action leads to one
 * state and is taken by one party). */
static const struct transition *first_row(const char *action)
{
	const struct transition *t = listing_transitions;
	while (t->action != NULL && strcmp(t->action, action) != 0)
		t++;
	return t;
}

static const struct field reason_spec[] = {
    {.name = "reason", .type = F_STRING, .required = true, .min = 1, .max = 2000},
    {0},
};
static const struct field empty_spec[] = {{0}};

/* What the body of a move into state to holds: a rejected listing carries the
 * reviewer's reason (its rejection_reason); the other moves take nothing. */
static const struct field *entry_body(const char *to)
{
	return strcmp(to, "rejected") == 0 ? reason_spec : empty_spec;
}

/* POST /v1/listings/{id}/<action> and /v1/admin/listings/{id}/<action>: the
 * action's row in listing_transitions decides who, from where and to what. */
static enum rc transition(struct req *r, const char *action)
{
	const char *reason = NULL;
	const struct transition *any = first_row(action), *row = NULL;
	const struct field *spec = entry_body(any->to);
	if (r->body_len > 0 || spec[0].name != NULL) {
		if (body_read_valid(r, spec) != RC_OK)
			return RC_ERR;
		reason = str_at(r->json, "reason");
	}
	PGresult *res = load_listing(r, true), *upd = NULL;
	enum rc rc = RC_ERR;
	if (res == NULL)
		return RC_ERR;
	const char *status = PQgetvalue(res, 0, L_STATUS), *org = PQgetvalue(res, 0, L_ORG);
	unsigned roles = (strcmp(r->auth.org_id, org) == 0 ? LISTING_OWNER : 0) |
			 (r->auth.platform_admin ? LISTING_ADMIN : 0);
	enum transition_check check =
	    transition_find(listing_transitions, action, status, roles, &row);
	if (check == TR_FORBIDDEN) {
		problem_set(r, 403, "forbidden", "only the listing's organization can do this");
		goto out;
	}
	/* optional: an admin who sends the ETag of the version reviewed approves or
	 * rejects that version, or nothing */
	if (req_if_match(r, PQgetvalue(res, 0, L_VERSION), "listing", false) != RC_OK)
		goto out;
	if (check != TR_OK) {
		problem_set(r, 409, "invalid-state", "a listing in status %s cannot move to %s",
			    status, any->to);
		goto out;
	}
	const char *id = req_param(r, "id");
	const char *status_params[3] = {id, row->to, reason};
	if ((upd = db_exec(r, &st_set_status, status_params)) == NULL)
		goto out;
	if (audit_move(r, row->audit, "listing", id, org, status, row->to, reason) != RC_OK ||
	    event_listing_moved(r, row->action, id, org, reason) != RC_OK)
		goto out;
	if (release_if_unpublished(r, id, row) != RC_OK)
		goto out;
	if (strcmp(row->to, "published") == 0 && on_publish != NULL && on_publish(r, id) != RC_OK)
		goto out;
	rc = reply_listing(r, 200, upd);
out:
	PQclear(res);
	PQclear(upd);
	return rc;
}

/* The deal's row that moves from to `to` with audit action; NULL when none. */
static const struct transition *deal_row(const char *from, const char *to, const char *action)
{
	for (const struct transition *t = listing_transitions; t->action != NULL; t++)
		if ((t->actors & LISTING_DEAL) && strcmp(t->to, to) == 0 &&
		    strcmp(t->audit, action) == 0 && str_in(t->from, from))
			return t;
	return NULL;
}

enum rc listing_move(struct req *r, const char *id, const char *from, const char *to,
		     const char *action, const char *why)
{
	if (deal_row(from, to, action) == NULL)
		return problem_set(r, 500, "internal", "no listing move %s from %s to %s", action,
				   from, to);
	const char *move_params[3] = {id, from, to};
	PGresult *res = db_exec(r, &st_move, move_params);
	if (res == NULL)
		return RC_ERR;
	enum rc rc = RC_OK;
	if (PQntuples(res) == 1)
		rc = audit_write(r, action, "listing", id, PQgetvalue(res, 0, MOVED_ORG),
				 json_pack("{s:s, s:s, s:s}", "from", from, "to", to, "why", why));
	else /* the deal and its listing disagree: change neither */
		rc = problem_set(r, 409, "listing-state",
				 "the listing is no longer %s, so it cannot become %s", from, to);
	PQclear(res);
	return rc;
}

/* POST /v1/listings/{id}/submit: the owner sends a draft (or a rejected
 * listing) to review. */
static enum rc listings_submit(struct req *r)
{
	return transition(r, "submit");
}

/* POST /v1/listings/{id}/retract: the owner takes a listing back from review
 * to draft, to edit it (a listing in review cannot be edited). */
static enum rc listings_retract(struct req *r)
{
	return transition(r, "retract");
}

/* POST /v1/listings/{id}/withdraw: the owner takes the listing off the market. */
static enum rc listings_withdraw(struct req *r)
{
	return transition(r, "withdraw");
}

/* POST /v1/admin/listings/{id}/approve: the listing is published. */
static enum rc listings_approve(struct req *r)
{
	return transition(r, "approve");
}

/* POST /v1/admin/listings/{id}/reject {reason}: back to its organization. */
static enum rc listings_reject(struct req *r)
{
	return transition(r, "reject");
}

/* Whether listing {id} has a bid that binds its pricing. */
static enum rc bids_binding(struct req *r, bool *binding)
{
	const char *binding_params[1] = {req_param(r, "id")};
	PGresult *res = db_exec(r, &st_binding_bids, binding_params);
	if (res == NULL)
		return RC_ERR;
	*binding = strcmp(PQgetvalue(res, 0, BINDING), "t") == 0;
	PQclear(res);
	return RC_OK;
}

/* Once a bid binds, the terms it was made on stay: the pricing mode, reserve,
 * increment and end of an auction, and an auction's asking price. True (with a
 * 409 set) when the merged pricing changes any of them. */
static bool pricing_changed(struct req *r, const json_t *old, const json_t *merged)
{
	static const char *const frozen[] = {"mode", "reserve_price_fen", "min_increment_fen",
					     "auction_ends_at", "asking_price_fen"};
	const char *mode = str_at(old, "mode");
	bool auction = mode != NULL && strcmp(mode, "auction") == 0;
	for (size_t i = 0; i < ARRAY_LEN(frozen); i++) {
		if (!auction && strcmp(frozen[i], "asking_price_fen") == 0)
			continue;
		const json_t *a = json_object_get(old, frozen[i]),
			     *b = json_object_get(merged, frozen[i]);
		if (a == NULL ? b != NULL : b == NULL || !json_equal(a, b)) {
			problem_set(r, 409, "pricing-frozen",
				    "pricing.%s cannot change: the listing has bids made on its "
				    "current terms (other fields stay editable)",
				    frozen[i]);
			return true;
		}
	}
	return false;
}

/* PATCH /v1/listings/{id}: the owner edits with If-Match; an edit to a
 * published listing sends it back to review and releases every live bid. A
 * listing in review cannot change (retract it first); once a bid binds, its
 * pricing cannot either, nor can a published auction with binding bids at all. */
static enum rc listings_patch(struct req *r)
{
	struct listing_params body_params = {0};
	PGresult *res = NULL, *upd = NULL;
	json_t *merged = NULL, *before = NULL;
	enum rc rc = RC_ERR;

	if (body_read(r) != RC_OK)
		return RC_ERR;
	if ((res = load_listing(r, true)) == NULL)
		return RC_ERR;
	const char *status = PQgetvalue(res, 0, L_STATUS);
	if (strcmp(r->auth.org_id, PQgetvalue(res, 0, L_ORG)) != 0) {
		problem_set(r, 403, "forbidden", "only the listing's organization can edit it");
		goto out;
	}
	if (req_if_match(r, PQgetvalue(res, 0, L_VERSION), "listing", true) != RC_OK)
		goto out;
	if (strcmp(status, "pending_review") == 0) {
		problem_set(r, 409, "listing-in-review",
			    "the listing is in review and cannot change under the reviewer: "
			    "retract it first (POST /v1/listings/{id}/retract), edit it, and "
			    "submit it again");
		goto out;
	}
	static const char *const editable_states[] = {"draft", "published", "rejected", NULL};
	if (!str_in(editable_states, status)) {
		problem_set(r, 409, "invalid-state", "a listing in status %s cannot be edited",
			    status);
		goto out;
	}
	if (json_object_get(r->json, "kind") != NULL) {
		problem_field(r, "kind", "cannot change; create a new listing instead");
		rc = problem_fields_done(r);
		goto out;
	}
	patch_nulls_known(r, r->json, listing_create_spec, "");
	if ((rc = problem_fields_done(r)) != RC_OK)
		goto out;
	rc = RC_ERR;
	json_t *stored = json_loads(PQgetvalue(res, 0, L_JSON), 0, NULL);
	merged = editable(stored);
	json_decref(stored);
	before = json_deep_copy(merged);
	merge_patch(merged, r->json);
	bool unchanged = json_equal(before, merged);
	if (unchanged) {
		/* nothing to change: no new version, no trip back to review */
		rc = reply_listing(r, 200, res);
		goto out;
	}
	if (listing_params(r, merged, &body_params) != RC_OK)
		goto out;
	bool published = strcmp(status, "published") == 0, binding = false;
	if (bids_binding(r, &binding) != RC_OK)
		goto out;
	const json_t *old_pricing = json_object_get(before, "pricing");
	if (binding && pricing_changed(r, old_pricing, json_object_get(merged, "pricing")))
		goto out;
	const char *old_mode = str_at(old_pricing, "mode");
	if (binding && published && old_mode != NULL && strcmp(old_mode, "auction") == 0) {
		problem_set(r, 409, "auction-in-progress",
			    "the auction has binding bids: its listing cannot change until the "
			    "auction is decided (an edit would send it back to review and release "
			    "every bid); withdraw the listing to end the auction");
		goto out;
	}
	const char *update_params[16] = {req_param(r, "id")};
	memcpy(update_params + 1, body_params.v, 15 * sizeof *update_params);
	if ((upd = db_exec(r, &st_update, update_params)) == NULL)
		goto out;
	if (audit_write(r, "listing.update", "listing", req_param(r, "id"),
			PQgetvalue(res, 0, L_ORG),
			json_pack("{s:s, s:o}", "status_before", status, "fields",
				  json_deep_copy(r->json))) != RC_OK)
		goto out;
	/* back to review: no bidder stays bound to content no longer published */
	if (published &&
	    release_live_offers(r, req_param(r, "id"),
				"the listing was edited and went back to review") != RC_OK)
		goto out;
	rc = reply_listing(r, 200, upd);
out:
	listing_params_free(&body_params);
	json_decref(merged);
	json_decref(before);
	PQclear(res);
	PQclear(upd);
	return rc;
}

/* GET /v1/admin/moderation-queue */
static enum rc listings_moderation_queue(struct req *r)
{
	int limit;
	struct cursor c;
	char lim[16];

	static const char *const known[] = {"limit", "cursor", NULL};
	req_query_check(r, known);
	if (page_params(r, "tu", &limit, &c) != RC_OK)
		return RC_ERR;
	snprintf(lim, sizeof lim, "%d", limit + 1); /* one more tells whether a page follows */
	const char *queue_params[3] = {c.nparts ? c.parts[0] : NULL, c.nparts ? c.parts[1] : NULL,
				       lim};
	return reply_page_of(r, db_exec(r, &st_queue, queue_params), limit, 2);
}

const struct route listings_routes[] = {
    {M_POST, "/v1/listings", listings_create, ROUTE_TX | ROUTE_AUTH | ROUTE_IDEMPOTENT,
     "createListing", NULL},
    {M_GET, "/v1/listings", listings_search, ROUTE_REPLICA, "searchListings", NULL},
    {M_GET, "/v1/listings/{id}", listings_get, ROUTE_OPTIONAL_AUTH | ROUTE_REPLICA, "getListing",
     &get_on_loop},
    {M_PATCH, "/v1/listings/{id}", listings_patch, ROUTE_TX | ROUTE_AUTH, "updateListing", NULL},
    {M_POST, "/v1/listings/{id}/submit", listings_submit, ROUTE_TX | ROUTE_AUTH, "submitListing",
     NULL},
    {M_POST, "/v1/listings/{id}/withdraw", listings_withdraw, ROUTE_TX | ROUTE_AUTH,
     "withdrawListing", NULL},
    {M_POST, "/v1/listings/{id}/retract", listings_retract, ROUTE_TX | ROUTE_AUTH, "retractListing",
     NULL},
    {M_GET, "/v1/orgs/{id}/listings", listings_of_org, ROUTE_AUTH, "listOrgListings", NULL},
    {M_GET, "/v1/admin/moderation-queue", listings_moderation_queue, ROUTE_ADMIN,
     "getModerationQueue", NULL},
    {M_POST, "/v1/admin/listings/{id}/approve", listings_approve, ROUTE_TX | ROUTE_ADMIN,
     "approveListing", NULL},
    {M_POST, "/v1/admin/listings/{id}/reject", listings_reject, ROUTE_TX | ROUTE_ADMIN,
     "rejectListing", NULL},
};
const size_t listings_routes_count = ARRAY_LEN(listings_routes);
