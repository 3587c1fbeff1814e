/*
 * proposals.c - a technology owner's answer to a published need: one of its
 * own published listings, a price and a mode. The need's organization sees
 * every proposal on its need, a proposer its own. Accepting one is agreeing
 * the price: the deal is recorded as an accepted bid of the need's
 * organization on the listing (the record contracts are drafted from) and
 * the contract is drafted at once by contract_draft, as for an accepted bid;
 * an exclusive mode puts the listing under contract and closes its other live
 * offers (bids_close_live), and everything deals do from there (signatures,
 * the public notice when the licensor must give one) follows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../server/cursor.h"
#include "../../server/db.h"
#include "../../server/json.h"
#include "../bids/bids.h"
#include "../contracts/contracts.h"
#include "../events/events.h"
#include "../listings/listings.h"
#include "../platform/platform.h"
#include "needs_internal.h"

#define TS(col) SQL_RFC3339(col)
#define US(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

// clang-format off
/* The API shape of a proposal p on listing l by organization o. */
#define PROPOSAL_OBJ                                                                      \
	"jsonb_build_object('id', p.id, 'need_id', p.need_id, 'listing_id', p.listing_id,"   \
	" 'listing', jsonb_build_object('id', l.id, 'title', l.title, 'domain', l.domain,"   \
	"   'trl', l.trl), 'org_id', p.org_id, 'org', jsonb_build_object('id', o.id,"        \
	"   'name', o.name), 'need_org_id', p.need_org_id, 'amount_fen', p.amount_fen,"      \
	" 'currency', p.currency, 'transaction_mode', p.transaction_mode,"                   \
	" 'message', p.message, 'terms', jsonb_build_object('royalty_bp', p.royalty_bp,"     \
	"   'term_months', p.term_months, 'territory', p.territory,"                         \
	"   'field_of_use', p.field_of_use), 'status', p.status, 'bid_id', p.bid_id,"        \
	" 'contract_id', p.contract_id, 'accepted_at', " TS("p.accepted_at") ","             \
	" 'created_at', " TS("p.created_at") ", 'updated_at', " TS("p.updated_at") ")::text"
#define PROPOSAL_JOINS \
	" JOIN listings l ON l.id = p.listing_id JOIN organizations o ON o.id = p.org_id"
#define PROPOSAL_FROM " FROM proposals p" PROPOSAL_JOINS
// clang-format on

static const struct stmt st_insert = {
    "proposals_insert",
    "WITH p AS (INSERT INTO proposals (need_id, listing_id, org_id, need_org_id, created_by,"
    "   amount_fen, transaction_mode, message, royalty_bp, term_months, territory,"
    "   field_of_use) VALUES ($1, $2, $3, $4, $5, $6, $7, coalesce($8, ''),"
    "   ($9::jsonb->>'royalty_bp')::int, ($9::jsonb->>'term_months')::int,"
    "   $9::jsonb->>'territory', $9::jsonb->>'field_of_use') RETURNING *)"
    " SELECT " PROPOSAL_OBJ ", p.version, p.id FROM p" PROPOSAL_JOINS,
    9};
enum { P_JSON, P_VERSION, P_ID };

/* The listing a proposal offers, locked (an accept must not race a withdrawal
 * or another exclusive deal); $2 the mode asked for. */
static const struct stmt st_listing = {
    "proposals_listing",
    "SELECT l.org_id, l.status, l.pricing_mode, $2 = ANY (l.transaction_modes),"
    " (SELECT o.status FROM organizations o WHERE o.id = l.org_id),"
    " (SELECT count(*) FROM contracts c WHERE c.listing_id = l.id AND c.status <> 'terminated'"
    "   AND c.transaction_mode = 'non_exclusive_license')"
    " FROM listings l WHERE l.id = $1 FOR UPDATE",
    2};
enum { L_ORG, L_STATUS, L_PRICING, L_MODE_OFFERED, L_ORG_STATUS, L_NON_EXCLUSIVE_LIVE };

static const struct stmt st_list = {
    "proposals_list",
    "SELECT " PROPOSAL_OBJ ", p.version, " US(
	"p.created_at") ", p.id" PROPOSAL_FROM
			" WHERE p.need_id = $1 AND ($2::uuid IS NULL OR p.org_id = $2)"
			" AND ($3::text IS NULL OR (p.created_at, p.id) > ($3::timestamptz, "
			"$4::uuid))"
			" ORDER BY p.created_at, p.id LIMIT $5",
    5};

/* The proposal {id} with what an accept checks, locked. */
static const struct stmt st_lock = {
    "proposals_lock",
    "SELECT " PROPOSAL_OBJ ", p.version, p.status, p.org_id, p.need_org_id, p.listing_id,"
    " p.transaction_mode, p.amount_fen, (SELECT x.status FROM organizations x"
    "   WHERE x.id = p.need_org_id)" PROPOSAL_FROM " WHERE p.id = $1 FOR UPDATE OF p",
    1};
enum {
	A_JSON,
	A_VERSION,
	A_STATUS,
	A_ORG,
	A_NEED_ORG,
	A_LISTING,
	A_MODE,
	A_AMOUNT,
	A_NEED_ORG_STATUS
};

/* The agreed deal as an accepted bid of the need's organization ($2 the
 * accepting user), with its offer and accept in the bid's history. */
static const struct stmt st_bid = {
    "proposals_bid",
    "WITH b AS (INSERT INTO bids (listing_id, owner_org_id, bidder_org_id, created_by,"
    "   amount_fen, transaction_mode, message, royalty_bp, term_months, territory,"
    "   field_of_use, status, decided_at)"
    "   SELECT p.listing_id, p.org_id, p.need_org_id, $2, p.amount_fen, p.transaction_mode,"
    "   p.message, p.royalty_bp, p.term_months, p.territory, p.field_of_use, 'accepted',"
    "   now() FROM proposals p WHERE p.id = $1 RETURNING *),"
    " e AS (INSERT INTO bid_events (bid_id, kind, actor_org_id, actor_user_id, amount_fen,"
    "   message) SELECT b.id, 'offer', p.org_id, p.created_by, b.amount_fen,"
    "   nullif(b.message, '') FROM b JOIN proposals p ON p.id = $1"
    "   UNION ALL SELECT b.id, 'accept', b.bidder_org_id, $2::uuid, b.amount_fen,"
    "   'proposal accepted' FROM b)"
    " SELECT b.id FROM b",
    2};
enum { BID_ID };

static const struct stmt st_accepted = {
    "proposals_accepted",
    "WITH p AS (UPDATE proposals SET status = 'accepted', bid_id = $2, contract_id = $3,"
    "   accepted_at = now(), updated_at = now(), version = version + 1 WHERE id = $1"
    "   RETURNING *)"
    " SELECT " PROPOSAL_OBJ ", p.version FROM p" PROPOSAL_JOINS,
    3};

static const char *const modes[] = {"assignment", "exclusive_license", "sole_license",
				    "non_exclusive_license", NULL};

/* The terms of a deal, as a bid carries them. */
static const struct field terms_spec[] = {
    {.name = "royalty_bp", .type = F_INT, .nullable = true, .min = 0, .max = 10000},
    {.name = "term_months", .type = F_INT, .nullable = true, .min = 1, .max = 600},
    {.name = "territory", .type = F_TEXT1, .nullable = true, .max = 200},
    {.name = "field_of_use", .type = F_TEXT1, .nullable = true, .max = 500},
    {0},
};

static const struct field create_spec[] = {
    {.name = "listing_id", .type = F_UUID, .required = true},
    {.name = "amount_fen", .type = F_INT, .required = true, .min = 0, .max = MAX_FEN},
    {.name = "transaction_mode", .type = F_ENUM, .required = true, .enum_values = modes},
    {.name = "message", .type = F_STRING, .nullable = true, .max = 2000},
    {.name = "terms", .type = F_OBJECT, .nullable = true, .sub = terms_spec},
    {0},
};

static const char *str_at(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static bool member_of(const struct req *r, const char *org_id)
{
	return r->auth.org_id[0] && strcmp(r->auth.org_id, org_id) == 0;
}

/* Checks the listing a proposal offers (row 0 of st_listing): the proposer's
 * own, published, not at auction, offering the mode; field errors on r. */
static void check_listing(struct req *r, const PGresult *l)
{
	if (PQntuples(l) != 1 || !member_of(r, PQgetvalue(l, 0, L_ORG)))
		problem_field(r, "listing_id", "must be a listing of your organization");
	else if (strcmp(PQgetvalue(l, 0, L_STATUS), "published") != 0)
		problem_field(r, "listing_id", "must be published (it is %s)",
			      PQgetvalue(l, 0, L_STATUS));
	else if (strcmp(PQgetvalue(l, 0, L_PRICING), "auction") == 0)
		problem_field(r, "listing_id", "is sold at auction: its price is the auction's");
	else if (strcmp(PQgetvalue(l, 0, L_MODE_OFFERED), "t") != 0)
		problem_field(r, "transaction_mode", "is not offered by this listing");
}

/* POST /v1/needs/{id}/proposals */
enum rc proposals_create(struct req *r)
{
	if (!r->auth.org_id[0] || strcmp(r->auth.org_status, "verified") != 0)
		return problem_set(r, 403, "organization-not-verified",
				   "only members of a verified organization can propose");
	if (body_read_valid(r, create_spec) != RC_OK)
		return RC_ERR;
	PGresult *need = need_load(r, false), *listing = NULL, *res = NULL;
	if (need == NULL)
		return RC_ERR;
	enum rc rc = RC_ERR;
	const char *need_org = PQgetvalue(need, 0, N_ORG);
	if (member_of(r, need_org)) {
		problem_set(r, 403, "own-need", "an organization cannot answer its own need");
		goto out;
	}
	if (strcmp(PQgetvalue(need, 0, N_STATUS), "published") != 0) {
		problem_set(r, 409, "need-not-open", "the need is %s and takes no proposals",
			    PQgetvalue(need, 0, N_STATUS));
		goto out;
	}
	const char *listing_id = str_at(r->json, "listing_id"),
		   *mode = str_at(r->json, "transaction_mode");
	const char *listing_params[2] = {listing_id, mode};
	if ((listing = db_exec(r, &st_listing, listing_params)) == NULL)
		goto out;
	check_listing(r, listing);
	if (problem_fields_done(r) != RC_OK)
		goto out;
	char amount[24];
	snprintf(amount, sizeof amount, "%lld",
		 (long long)json_integer_value(json_object_get(r->json, "amount_fen")));
	const json_t *terms = json_object_get(r->json, "terms");
	char *terms_text = json_is_object(terms) ? json_dumps(terms, JSON_COMPACT) : NULL;
	const char *insert_params[9] = {req_param(r, "id"),
					listing_id,
					r->auth.org_id,
					need_org,
					r->auth.user_id,
					amount,
					mode,
					str_at(r->json, "message"),
					terms_text ? terms_text : "{}"};
	res = db_exec(r, &st_insert, insert_params);
	free(terms_text);
	if (res == NULL) {
		if (r->problem.status == 409)
			problem_set(r, 409, "proposal-open",
				    "this listing already has an open proposal on the need");
		goto out;
	}
	const char *id = PQgetvalue(res, 0, P_ID);
	if (audit_write(r, "proposal.create", "proposal", id, NULL,
			json_pack("{s:s, s:s, s:s, s:s}", "need_id", req_param(r, "id"),
				  "listing_id", listing_id, "amount_fen", amount,
				  "transaction_mode", mode)) != RC_OK ||
	    event_record(r, "proposal.received", need_org, NULL,
			 json_pack("{s:s, s:s, s:s, s:s, s:I}", "proposal_id", id, "need_id",
				   req_param(r, "id"), "listing_id", listing_id, "org_id",
				   r->auth.org_id, "amount_fen",
				   (json_int_t)strtoll(amount, NULL, 10))) != RC_OK)
		goto out;
	rc = reply_stored(r, 201, PQgetvalue(res, 0, P_JSON), PQgetvalue(res, 0, P_VERSION));
out:
	PQclear(need);
	PQclear(listing);
	PQclear(res);
	return rc;
}

/* GET /v1/needs/{id}/proposals: the need's organization and admins see all, a
 * proposer its own, oldest first. */
enum rc proposals_list(struct req *r)
{
	static const char *const known[] = {"limit", "cursor", NULL};
	int limit;
	struct cursor c;
	char lim[16];
	req_query_check(r, known);
	if (page_params(r, "tu", &limit, &c) != RC_OK)
		return RC_ERR;
	PGresult *need = need_load(r, false);
	if (need == NULL)
		return RC_ERR;
	bool all = r->auth.platform_admin || member_of(r, PQgetvalue(need, 0, N_ORG));
	PQclear(need);
	if (!all && !r->auth.org_id[0]) {
		reply_json(r, 200, json_pack("{s:[], s:n}", "data", "next_cursor"));
		return RC_OK;
	}
	snprintf(lim, sizeof lim, "%d", limit + 1);
	const char *list_params[5] = {req_param(r, "id"), all ? NULL : r->auth.org_id,
				      c.nparts ? c.parts[0] : NULL, c.nparts ? c.parts[1] : NULL,
				      lim};
	return db_reply_page(r, &st_list, list_params, limit, 2);
}

static bool may_see_proposal(const struct req *r, const PGresult *row)
{
	return r->auth.platform_admin || member_of(r, PQgetvalue(row, 0, A_ORG)) ||
	       member_of(r, PQgetvalue(row, 0, A_NEED_ORG));
}

/* The listing's facts an accept depends on, read under its lock: 409 when the
 * deal can no longer be made. */
static enum rc check_deal(struct req *r, const PGresult *l, const PGresult *p)
{
	const char *mode = PQgetvalue(p, 0, A_MODE);
	if (strcmp(PQgetvalue(l, 0, L_STATUS), "published") != 0)
		return problem_set(r, 409, "listing-not-open",
				   "the listing is %s: the proposal cannot be accepted now",
				   PQgetvalue(l, 0, L_STATUS));
	if (strcmp(PQgetvalue(l, 0, L_MODE_OFFERED), "t") != 0 ||
	    strcmp(PQgetvalue(l, 0, L_PRICING), "auction") == 0)
		return problem_set(r, 409, "mode-not-offered",
				   "the listing no longer offers a %s at an agreed price", mode);
	if (strcmp(PQgetvalue(l, 0, L_ORG_STATUS), "verified") != 0 ||
	    strcmp(PQgetvalue(p, 0, A_NEED_ORG_STATUS), "verified") != 0)
		return problem_set(r, 409, "party-not-verified",
				   "both organizations must be verified to make a deal");
	if ((strcmp(mode, "exclusive_license") == 0 || strcmp(mode, "sole_license") == 0) &&
	    strcmp(PQgetvalue(l, 0, L_NON_EXCLUSIVE_LIVE), "0") != 0)
		return problem_set(r, 409, "licence-conflict",
				   "the listing has live non-exclusive licences; an exclusive or "
				   "sole licence cannot be granted over them");
	return RC_OK;
}

/* POST /v1/proposals/{id}/accept */
enum rc proposals_accept(struct req *r)
{
	if (r->body_len > 0 && body_read_valid(r, (const struct field[]){{0}}) != RC_OK)
		return RC_ERR;
	return proposal_accept(r, req_param(r, "id"));
}

enum rc proposal_accept(struct req *r, const char *id)
{
	if (!uuid_valid(id))
		return db_not_found(r, "proposal");
	const char *lock_params[1] = {id};
	PGresult *p = db_exec(r, &st_lock, lock_params), *l = NULL, *bid = NULL, *upd = NULL;
	if (p == NULL)
		return RC_ERR;
	if (PQntuples(p) != 1 || !may_see_proposal(r, p)) {
		PQclear(p);
		return db_not_found(r, "proposal");
	}
	enum rc rc = RC_ERR;
	json_t *contract = NULL;
	if (!member_of(r, PQgetvalue(p, 0, A_NEED_ORG))) {
		problem_set(r, 403, "forbidden", "only the need's organization accepts a proposal");
		goto out;
	}
	if (strcmp(PQgetvalue(p, 0, A_STATUS), "open") != 0) {
		problem_set(r, 409, "invalid-state", "the proposal is %s already",
			    PQgetvalue(p, 0, A_STATUS));
		goto out;
	}
	char listing_id[37], mode[32], amount[24];
	snprintf(listing_id, sizeof listing_id, "%s", PQgetvalue(p, 0, A_LISTING));
	snprintf(mode, sizeof mode, "%s", PQgetvalue(p, 0, A_MODE));
	snprintf(amount, sizeof amount, "%s", PQgetvalue(p, 0, A_AMOUNT));
	const char *listing_params[2] = {listing_id, mode};
	if ((l = db_exec(r, &st_listing, listing_params)) == NULL || check_deal(r, l, p) != RC_OK)
		goto out;
	const char *bid_params[2] = {id, r->auth.user_id};
	if ((bid = db_exec(r, &st_bid, bid_params)) == NULL)
		goto out;
	const char *bid_id = PQgetvalue(bid, 0, BID_ID);
	if (audit_write(r, "bid.create", "bid", bid_id, NULL,
			json_pack("{s:s, s:s, s:s, s:s}", "listing_id", listing_id, "amount_fen",
				  amount, "transaction_mode", mode, "proposal_id", id)) != RC_OK ||
	    contract_draft(r, bid_id, amount, &contract) != RC_OK)
		goto out;
	if (deal_is_exclusive(mode) &&
	    (bids_close_live(r, listing_id, bid_id, "an exclusive deal was agreed on a need") !=
		 RC_OK ||
	     listing_move(r, listing_id, "published", "under_contract", "listing.under_contract",
			  "an exclusive deal was agreed on a need") != RC_OK))
		goto out;
	const char *contract_id = str_at(contract, "id");
	const char *accepted_params[3] = {id, bid_id, contract_id};
	if ((upd = db_exec(r, &st_accepted, accepted_params)) == NULL)
		goto out;
	if (audit_write(r, "proposal.accept", "proposal", id, NULL,
			json_pack("{s:s, s:s, s:s, s:s}", "bid_id", bid_id, "contract_id",
				  contract_id, "amount_fen", amount, "transaction_mode", mode)) !=
	    RC_OK)
		goto out;
	json_t *proposal = json_loads(PQgetvalue(upd, 0, P_JSON), 0, NULL);
	if (proposal == NULL) {
		problem_set(r, 500, "internal", "could not read the accepted proposal");
		goto out;
	}
	reply_json(r, 201, json_pack("{s:o, s:O}", "proposal", proposal, "contract", contract));
	rc = RC_OK;
out:
	json_decref(contract);
	PQclear(p);
	PQclear(l);
	PQclear(bid);
	PQclear(upd);
	return rc;
}
