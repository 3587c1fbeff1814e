/*
 * bids.c - handlers for bids: offers on a listing, counters, withdrawals,
 * rejections and the accept that drafts a contract.
 *
 * A bid is seen by two organizations only: the bidder and the listing's owner
 * (and platform admins); anyone else gets 404. Every change to a bid is one
 * transaction that locks the listing first and the bid second, so offers,
 * accepts and a listing's withdrawal are settled by PostgreSQL, never in memory:
 * two accepts racing for one exclusive listing meet on the listing's row lock,
 * and the one that comes second finds the listing under contract (and, should
 * anything slip, contracts_one_exclusive_idx refuses a second exclusive deal).
 */
#include "bids.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../server/cursor.h"
#include "../../server/db.h"
#include "../../server/json.h"
#include "../../server/ratelimit.h"
#include "../contracts/contracts.h"
#include "../listings/listings.h"
#include "../platform/platform.h"

#define TS(col) SQL_RFC3339(col)
#define US(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

/* An auction bid in its last minutes extends the auction (soft close). */
#define SOFT_CLOSE "interval '5 minutes'"
/* Counters per bid: a negotiation, not a chat. */
#define MAX_COUNTERS 50

// clang-format off
/* The API shape of a bid (jsonb); needs b (bids) and l (its listing). */
#define BID_OBJ                                                                            \
	"jsonb_build_object('id', b.id, 'listing_id', b.listing_id, 'listing_title', l.title,"\
	" 'listing_org_id', b.owner_org_id, 'bidder_org_id', b.bidder_org_id,"               \
	" 'amount_fen', b.amount_fen, 'currency', b.currency,"                               \
	" 'transaction_mode', b.transaction_mode, 'message', b.message,"                     \
	" 'terms', jsonb_build_object('royalty_bp', b.royalty_bp, 'term_months', b.term_months,"\
	"   'territory', b.territory, 'field_of_use', b.field_of_use),"                      \
	" 'status', bid_effective_status(b.status, b.expires_at),"                           \
	" 'counter_amount_fen', b.counter_amount_fen, 'counter_message', b.counter_message,"  \
	" 'express', b.express, 'expires_at', " TS("b.expires_at") ","                       \
	" 'contract_id', (SELECT c.id FROM contracts c WHERE c.bid_id = b.id),"              \
	" 'decided_at', " TS("b.decided_at") ","                                             \
	" 'created_at', " TS("b.created_at") ", 'updated_at', " TS("b.updated_at") ")"

/* Columns: json, version, listing, owner, bidder, effective status, mode, amount,
 * counter amount, pricing mode, auction running. */
#define BID_COLS                                                                           \
	BID_OBJ "::text, b.version, b.listing_id, b.owner_org_id, b.bidder_org_id,"         \
	" bid_effective_status(b.status, b.expires_at), b.transaction_mode, b.amount_fen,"   \
	" b.counter_amount_fen, l.pricing_mode, coalesce(l.auction_ends_at > now(), false)"
// clang-format on
enum {
	B_JSON,
	B_VERSION,
	B_LISTING,
	B_OWNER,
	B_BIDDER,
	B_STATUS,
	B_MODE,
	B_AMOUNT,
	B_COUNTER,
	B_PRICING,
	B_AUCTION_RUNNING
};

/* What an offer is checked against; the listing row stays locked until commit.
 * $2 the mode asked for, $3 the bid's expires_at. */
static const struct stmt st_listing_for_bid = {
    "bids_listing_for_bid",
    "SELECT l.org_id, l.status, l.pricing_mode, $2 = ANY (l.transaction_modes),"
    " l.asking_price_fen, l.reserve_price_fen, l.min_increment_fen,"
    " coalesce(l.auction_ends_at > now(), false),"
    " coalesce(l.auction_ends_at <= now() + " SOFT_CLOSE ", false),"
    " coalesce($3::timestamptz > now(), true), o.status"
    " FROM listings l JOIN organizations o ON o.id = l.org_id WHERE l.id = $1 FOR UPDATE OF l",
    3};
enum {
	L_ORG,
	L_STATUS,
	L_PRICING,
	L_MODE_OFFERED,
	L_ASKING,
	L_RESERVE,
	L_INCREMENT,
	L_RUNNING,
	L_LAST_MINUTES,
	L_EXPIRY_AHEAD,
	L_ORG_STATUS
};

/* The highest live bid on a listing. Run after the listing's lock is held, as a
 * statement of its own: a statement that waited for the lock still reads with
 * the snapshot it started with and would miss the bid that held it. */
static const struct stmt st_highest = {
    "bids_highest",
    "SELECT max(amount_fen) FROM bids WHERE listing_id = $1 AND status IN ('open', 'countered')",
    1};

static const struct stmt st_insert = {
    "bids_insert",
    "WITH b AS (INSERT INTO bids (listing_id, owner_org_id, bidder_org_id, created_by,"
    "   amount_fen, transaction_mode, message, royalty_bp, term_months, territory,"
    "   field_of_use, expires_at, express)"
    "   VALUES ($1, $2, $3, $4, $5, $6, coalesce($7, ''), $8, $9, $10, $11, $12, $13)"
    "   RETURNING *),"
    " e AS (INSERT INTO bid_events (bid_id, kind, actor_org_id, actor_user_id, amount_fen,"
    "   message) SELECT b.id, 'offer', b.bidder_org_id, b.created_by, b.amount_fen,"
    "   nullif(b.message, '') FROM b)"
    " SELECT " BID_COLS " FROM b JOIN listings l ON l.id = b.listing_id",
    13};

static const struct stmt st_extend_auction = {
    "bids_extend_auction",
    "UPDATE listings SET auction_ends_at = auction_ends_at + " SOFT_CLOSE ","
    " updated_at = now(), version = version + 1"
    " WHERE id = $1 RETURNING " TS("auction_ends_at"),
    1};

static const struct stmt st_get = {
    "bids_get",
    "SELECT " BID_COLS " FROM bids b JOIN listings l ON l.id = b.listing_id WHERE b.id = $1", 1};

static const struct stmt st_lock = {
    "bids_lock",
    "SELECT " BID_COLS " FROM bids b JOIN listings l ON l.id = b.listing_id WHERE b.id = $1"
    " FOR UPDATE OF b",
    1};

/* The listing a bid is on, locked: taken before the bid's own lock. */
static const struct stmt st_lock_listing = {
    "bids_lock_listing", "SELECT l.status FROM listings l WHERE l.id = $1 FOR UPDATE", 1};

/* What an accept is checked against, read once the listing's lock is held (see
 * st_highest). Columns: listing status, highest live bid, licensor status,
 * bidder status ($2), live non-exclusive contracts. */
static const struct stmt st_accept_facts = {
    "bids_accept_facts",
    "SELECT l.status,"
    " (SELECT max(x.amount_fen) FROM bids x WHERE x.listing_id = l.id"
    "   AND x.status IN ('open', 'countered')),"
    " (SELECT o.status FROM organizations o WHERE o.id = l.org_id),"
    " (SELECT o.status FROM organizations o WHERE o.id = $2),"
    " (SELECT count(*) FROM contracts c WHERE c.listing_id = l.id AND c.status <> 'terminated'"
    "   AND c.transaction_mode = 'non_exclusive_license'),"
    " $3 = ANY (l.transaction_modes)"
    " FROM listings l WHERE l.id = $1",
    3};

/* An accepted auction is over, whatever its clock said. */
static const struct stmt st_end_auction = {
    "bids_end_auction",
    "UPDATE listings SET auction_ends_at = now(), updated_at = now(), version = version + 1"
    " WHERE id = $1 AND auction_ends_at > now() RETURNING " TS("auction_ends_at"),
    1};

static const struct stmt st_history = {
    "bids_history",
    "SELECT coalesce(jsonb_agg(jsonb_build_object('kind', e.kind, 'org_id', e.actor_org_id,"
    " 'user_id', e.actor_user_id, 'amount_fen', e.amount_fen, 'message', e.message,"
    " 'at', " TS("e.at") ") ORDER BY e.id), '[]'::jsonb)::text FROM bid_events e"
			 " WHERE e.bid_id = $1",
    1};

/* One decision on a bid and its line in the history. $2 status, $3 counter
 * amount, $4 message, $5 event kind, $6 actor org, $7 actor user, $8 event amount. */
static const struct stmt st_decide = {
    "bids_decide",
    "WITH b AS (UPDATE bids SET status = $2,"
    "   counter_amount_fen = coalesce($3::bigint, counter_amount_fen),"
    "   counter_message = CASE WHEN $5 = 'counter' THEN $4 ELSE counter_message END,"
    "   counters = counters + (CASE WHEN $5 = 'counter' THEN 1 ELSE 0 END),"
    "   decided_at = CASE WHEN $2 IN ('open', 'countered') THEN NULL ELSE now() END,"
    "   updated_at = now(), version = version + 1 WHERE id = $1 RETURNING *),"
    " e AS (INSERT INTO bid_events (bid_id, kind, actor_org_id, actor_user_id, amount_fen,"
    "   message) SELECT b.id, $5, $6, $7, $8::bigint, $4 FROM b)"
    " SELECT " BID_COLS ", b.counters FROM b JOIN listings l ON l.id = b.listing_id",
    8};

/* Closes the live bids of a listing (expired ones become expired), with their
 * history lines and audit rows. $2 the bid to spare, $3 actor org, $4 actor
 * user, $5 why, $6 request id. */
static const struct stmt st_close_live = {
    "bids_close_live",
    "WITH b AS (UPDATE bids SET"
    "   status = CASE WHEN expires_at <= now() THEN 'expired' ELSE 'closed' END,"
    "   decided_at = now(), updated_at = now(), version = version + 1"
    "   WHERE listing_id = $1 AND status IN ('open', 'countered')"
    "   AND id IS DISTINCT FROM $2::uuid RETURNING id, status, bidder_org_id),"
    " e AS (INSERT INTO bid_events (bid_id, kind, actor_org_id, actor_user_id, message)"
    "   SELECT b.id, CASE b.status WHEN 'expired' THEN 'expire' ELSE 'close' END, $3, $4, $5"
    "   FROM b),"
    " a AS (INSERT INTO audit_log (actor_user_id, org_id, action, object_type, object_id,"
    "   detail, request_id) SELECT $4, $3, 'bid.' || CASE b.status WHEN 'expired' THEN"
    "   'expire' ELSE 'close' END, 'bid', b.id::text, jsonb_build_object('why', $5::text,"
    "   'bidder_org_id', b.bidder_org_id), $6 FROM b)"
    " SELECT count(*) FROM b",
    6};

/* A listing's bids, newest first: all of them for its owner and admins, the
 * caller's own ($2) for anyone else. */
static const struct stmt st_list_listing = {
    "bids_list_listing",
    "SELECT " BID_OBJ "::text, b.version, " US(
	"b.created_at") ", b.id"
			" FROM bids b JOIN listings l ON l.id = b.listing_id"
			" WHERE b.listing_id = $1 AND ($2::uuid IS NULL OR b.bidder_org_id = $2)"
			" AND ($3::text IS NULL OR bid_effective_status(b.status, b.expires_at) = "
			"$3)"
			" AND ($4::timestamptz IS NULL OR (b.created_at, b.id) < ($4::timestamptz, "
			"$5::uuid))"
			" ORDER BY b.created_at DESC, b.id DESC LIMIT $6",
    6};

/* The caller's organization's bids: sent ($2 'sent'), received ('received') or both. */
static const struct stmt st_list_mine = {
    "bids_list_mine",
    "SELECT " BID_OBJ "::text, b.version, " US(
	"b.created_at") ", b.id"
			" FROM bids b JOIN listings l ON l.id = b.listing_id"
			" WHERE ((coalesce($2, 'sent') = 'sent' AND b.bidder_org_id = $1)"
			"     OR (coalesce($2, 'received') = 'received' AND b.owner_org_id = $1))"
			" AND ($3::text IS NULL OR bid_effective_status(b.status, b.expires_at) = "
			"$3)"
			" AND ($4::uuid IS NULL OR b.listing_id = $4)"
			" AND ($5::timestamptz IS NULL OR (b.created_at, b.id) < ($5::timestamptz, "
			"$6::uuid))"
			" ORDER BY b.created_at DESC, b.id DESC LIMIT $7",
    7};

static const char *const modes[] = {"assignment", "exclusive_license", "sole_license",
				    "non_exclusive_license", NULL};
static const char *const statuses[] = {"open",      "countered", "accepted", "rejected",
				       "withdrawn", "expired",   "closed",   NULL};

static const struct field bid_terms_spec[] = {
    {.name = "royalty_bp", .type = F_INT, .nullable = true, .min = 0, .max = 10000},
    {.name = "term_months", .type = F_INT, .nullable = true, .min = 1, .max = 600},
    {.name = "territory", .type = F_TEXT1, .nullable = true, .min = 1, .max = 200},
    {.name = "field_of_use", .type = F_TEXT1, .nullable = true, .min = 1, .max = 500},
    {0},
};

static const struct field create_spec[] = {
    {.name = "amount_fen", .type = F_INT, .required = true, .min = 0, .max = MAX_FEN},
    {.name = "transaction_mode", .type = F_ENUM, .required = true, .enum_values = modes},
    {.name = "message", .type = F_STRING, .nullable = true, .max = 2000},
    {.name = "terms", .type = F_OBJECT, .nullable = true, .sub = bid_terms_spec},
    {.name = "expires_at", .type = F_DATETIME, .nullable = true},
    {0},
};

static const struct field counter_spec[] = {
    {.name = "amount_fen", .type = F_INT, .required = true, .min = 0, .max = MAX_FEN},
    {.name = "message", .type = F_STRING, .nullable = true, .max = 2000},
    {0},
};

static const struct field message_spec[] = {
    {.name = "message", .type = F_STRING, .nullable = true, .max = 2000},
    {0},
};

static const char *str_at(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static bool same(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

static long long fen_of(const char *text)
{
	return text ? strtoll(text, NULL, 10) : 0;
}

/* An integer field of the body as statement text, or NULL when absent or null. */
static const char *int_param(const json_t *obj, const char *key, char *buf, size_t len)
{
	json_t *v = json_object_get(obj, key);
	if (!json_is_integer(v))
		return NULL;
	snprintf(buf, len, "%lld", (long long)json_integer_value(v));
	return buf;
}

/* Replies with the bid at row 0 of res (BID_COLS) and its ETag. */
static enum rc reply_bid(struct req *r, int status, const PGresult *res)
{
	json_t *body = json_loads(PQgetvalue(res, 0, B_JSON), 0, NULL);
	if (body == NULL)
		return problem_set(r, 500, "internal", "could not read the bid");
	reply_etag(r, PQgetvalue(res, 0, B_VERSION));
	reply_json(r, status, body);
	return RC_OK;
}

static bool is_owner(const struct req *r, const PGresult *bid)
{
	return same(r->auth.org_id, PQgetvalue(bid, 0, B_OWNER));
}

static bool is_bidder(const struct req *r, const PGresult *bid)
{
	return same(r->auth.org_id, PQgetvalue(bid, 0, B_BIDDER));
}

/* Loads bid {id} (locked when lock) if the caller is its bidder, the listing's
 * owner or a platform admin; 404 otherwise. */
static bool may_see(const struct req *r, const PGresult *row)
{
	return is_owner(r, row) || is_bidder(r, row) || r->auth.platform_admin;
}

static PGresult *load(struct req *r, bool lock)
{
	return db_load_visible(r, lock ? &st_lock : &st_get, "bid", may_see);
}

enum rc bids_close_live(struct req *r, const char *listing_id, const char *except_bid,
			const char *why)
{
	const char *p[6] = {listing_id,
			    except_bid,
			    r->auth.org_id[0] ? r->auth.org_id : NULL,
			    r->auth.user_id[0] ? r->auth.user_id : NULL,
			    why,
			    r->request_id};
	PGresult *res = db_exec(r, &st_close_live, p);
	if (res == NULL)
		return RC_ERR;
	PQclear(res);
	return RC_OK;
}

/* The accept itself, on a bid already checked and locked with its listing:
 * the bid is accepted at price_fen, its contract drafted; an exclusive deal
 * puts the listing under contract and closes the other live bids, and so does
 * any accept on an auction (the auction is decided). Replies 201 with
 * {bid, contract}, or with the bid and its contract for an express offer. */
static enum rc accept_locked(struct req *r, const char *bid_id, const char *listing_id,
			     const char *mode, const char *pricing, const char *price_fen,
			     bool express)
{
	const char *p[8] = {bid_id,
			    "accepted",
			    NULL,
			    express ? "express licence at the listed price"
				    : str_at(r->json, "message"),
			    "accept",
			    r->auth.org_id,
			    r->auth.user_id,
			    price_fen};
	PGresult *res = db_exec(r, &st_decide, p);
	if (res == NULL)
		return RC_ERR;
	PQclear(res);
	json_t *contract = NULL;
	if (contract_draft(r, bid_id, price_fen, &contract) != RC_OK)
		return RC_ERR;
	enum rc rc = RC_ERR;
	bool exclusive = deal_is_exclusive(mode), auction = strcmp(pricing, "auction") == 0;
	if ((exclusive || auction) &&
	    bids_close_live(r, listing_id, bid_id,
			    exclusive ? "another offer on the listing was accepted"
				      : "the auction was decided") != RC_OK)
		goto out;
	if (exclusive &&
	    listing_move(r, listing_id, "published", "under_contract", "listing.under_contract",
			 "an exclusive deal was accepted") != RC_OK)
		goto out;
	if (auction) {
		const char *ep[1] = {listing_id};
		PGresult *ended = db_exec(r, &st_end_auction, ep);
		if (ended == NULL)
			goto out;
		bool was_running = PQntuples(ended) == 1;
		PQclear(ended);
		if (was_running &&
		    audit_write(r, "listing.auction_ended", "listing", listing_id, NULL,
				json_pack("{s:s, s:s}", "bid_id", bid_id, "why",
					  "the owner accepted the highest bid")) != RC_OK)
			goto out;
	}
	if (audit_write(r, "bid.accept", "bid", bid_id, NULL,
			json_pack("{s:I, s:s, s:O, s:b}", "price_fen",
				  (json_int_t)strtoll(price_fen, NULL, 10), "contract_id",
				  str_at(contract, "id"), "transaction_mode",
				  json_object_get(contract, "transaction_mode"), "express",
				  express)) != RC_OK)
		goto out;
	const char *g[1] = {bid_id};
	if ((res = db_exec(r, &st_get, g)) == NULL)
		goto out;
	json_t *bid = json_loads(PQgetvalue(res, 0, B_JSON), 0, NULL);
	reply_etag(r, PQgetvalue(res, 0, B_VERSION));
	PQclear(res);
	if (bid == NULL || contract == NULL) {
		json_decref(bid);
		problem_set(r, 500, "internal", "could not read the accepted bid or its contract");
		goto out;
	}
	if (express) {
		json_object_set_new(bid, "contract", contract);
		contract = NULL;
		reply_json(r, 201, bid);
	} else {
		reply_json(r, 201, json_pack("{s:o, s:o}", "bid", bid, "contract", contract));
		contract = NULL;
	}
	rc = RC_OK;
out:
	json_decref(contract);
	return rc;
}

/* POST /v1/listings/{id}/bids */
static enum rc bids_create(struct req *r)
{
	if (!r->auth.org_id[0] || strcmp(r->auth.org_status, "verified") != 0)
		return problem_set(r, 403, "organization-not-verified",
				   "only members of a verified organization can bid");
	if (rate_take(r, RATE_BID) != RC_OK || body_read_valid(r, create_spec) != RC_OK)
		return RC_ERR;
	const char *listing_id = req_param(r, "id");
	if (!uuid_valid(listing_id))
		return problem_set(r, 404, "not-found", "no listing has this id");

	const json_t *terms = json_object_get(r->json, "terms");
	const char *mode = str_at(r->json, "transaction_mode"),
		   *expires = str_at(r->json, "expires_at");
	long long amount = (long long)json_integer_value(json_object_get(r->json, "amount_fen"));
	const char *lp[3] = {listing_id, mode, expires};
	PGresult *l = db_exec(r, &st_listing_for_bid, lp);
	if (l == NULL)
		return RC_ERR;
	enum rc rc = RC_ERR;
	PGresult *res = NULL;
	const char *status = PQntuples(l) == 1 ? PQgetvalue(l, 0, L_STATUS) : NULL;
	bool owner = PQntuples(l) == 1 && same(r->auth.org_id, PQgetvalue(l, 0, L_ORG));
	if (status == NULL || !listing_visible(r, PQgetvalue(l, 0, L_ORG), status)) {
		problem_set(r, 404, "not-found", "no listing has this id");
		goto out;
	}
	if (owner) {
		problem_set(r, 403, "own-listing", "an organization cannot bid on its own listing");
		goto out;
	}
	if (strcmp(status, "published") != 0) {
		problem_set(r, 409, "listing-not-open",
			    "the listing is %s and takes no offers; only published listings do",
			    status);
		goto out;
	}
	if (strcmp(PQgetvalue(l, 0, L_ORG_STATUS), "verified") != 0) {
		problem_set(r, 409, "listing-not-open",
			    "the listing's organization is not verified and takes no offers");
		goto out;
	}
	if (strcmp(PQgetvalue(l, 0, L_MODE_OFFERED), "t") != 0)
		problem_field(r, "transaction_mode", "is not offered by this listing");
	if (expires != NULL && strcmp(PQgetvalue(l, 0, L_EXPIRY_AHEAD), "t") != 0)
		problem_field(r, "expires_at", "must be in the future");

	const char *pricing = PQgetvalue(l, 0, L_PRICING);
	bool auction = strcmp(pricing, "auction") == 0;
	if (auction) {
		if (strcmp(PQgetvalue(l, 0, L_RUNNING), "t") != 0) {
			problem_clear(&r->problem);
			problem_set(r, 409, "auction-ended",
				    "the auction has ended and takes no more bids");
			goto out;
		}
		long long reserve = fen_of(PQgetvalue(l, 0, L_RESERVE));
		if (amount < reserve)
			problem_field(r, "amount_fen",
				      "must be at least the reserve price, %lld fen", reserve);
		if (expires != NULL)
			problem_field(r, "expires_at",
				      "does not apply: auction bids are binding until the auction "
				      "ends");
		if (problem_fields_done(r) != RC_OK)
			goto out;
		const char *hp[1] = {listing_id};
		PGresult *h = db_exec(r, &st_highest, hp);
		if (h == NULL)
			goto out;
		const char *highest = db_value(h, 0, 0);
		long long need = highest ? fen_of(highest) : 0,
			  inc = fen_of(PQgetvalue(l, 0, L_INCREMENT));
		/* not capped at MAX_FEN: nobody outbids a bid at the cap */
		need = need > INT64_MAX - inc ? INT64_MAX : need + inc;
		if (highest != NULL && amount < need) {
			problem_set(
			    r, 409, "outbid",
			    "the highest bid is %s fen: a bid must be at least %lld fen (the "
			    "highest plus the increment)",
			    highest, need);
			PQclear(h);
			goto out;
		}
		PQclear(h);
	}
	if (problem_fields_done(r) != RC_OK)
		goto out;

	/* express licence: a fixed price met for a non-exclusive licence is taken at once */
	const char *asking = db_value(l, 0, L_ASKING);
	bool express = strcmp(pricing, "fixed") == 0 &&
		       strcmp(mode, "non_exclusive_license") == 0 && asking != NULL &&
		       amount >= fen_of(asking);
	char amount_s[24], royalty[16], months[16];
	snprintf(amount_s, sizeof amount_s, "%lld", amount);
	const char *ip[13] = {listing_id,
			      PQgetvalue(l, 0, L_ORG),
			      r->auth.org_id,
			      r->auth.user_id,
			      amount_s,
			      mode,
			      str_at(r->json, "message"),
			      int_param(terms, "royalty_bp", royalty, sizeof royalty),
			      int_param(terms, "term_months", months, sizeof months),
			      str_at(terms, "territory"),
			      str_at(terms, "field_of_use"),
			      expires,
			      express ? "true" : "false"};
	if ((res = db_exec(r, &st_insert, ip)) == NULL)
		goto out;
	json_t *created = json_loads(PQgetvalue(res, 0, B_JSON), 0, NULL);
	char id[37];
	snprintf(id, sizeof id, "%s", created ? str_at(created, "id") : "");
	json_decref(created);
	if (!uuid_valid(id)) {
		problem_set(r, 500, "internal", "could not read the new bid");
		goto out;
	}
	if (audit_write(r, "bid.create", "bid", id, NULL,
			json_pack("{s:s, s:I, s:s}", "listing_id", listing_id, "amount_fen",
				  (json_int_t)amount, "transaction_mode", mode)) != RC_OK)
		goto out;
	reply_location(r, "/v1/bids/{id}", id);

	if (auction && strcmp(PQgetvalue(l, 0, L_LAST_MINUTES), "t") == 0) {
		const char *ep[1] = {listing_id};
		PGresult *ext = db_exec(r, &st_extend_auction, ep);
		if (ext == NULL)
			goto out;
		json_t *detail =
		    json_pack("{s:s, s:s}", "auction_ends_at", PQgetvalue(ext, 0, 0), "bid_id", id);
		PQclear(ext);
		if (audit_write(r, "listing.auction_extended", "listing", listing_id,
				PQgetvalue(l, 0, L_ORG), detail) != RC_OK)
			goto out;
	}

	if (express) {
		rc = accept_locked(r, id, listing_id, mode, pricing, amount_s, true);
		goto out;
	}
	rc = reply_bid(r, 201, res);
out:
	PQclear(l);
	PQclear(res);
	return rc;
}

/* GET /v1/bids/{id}: the bid and every offer, counter and decision on it. */
static enum rc bids_get(struct req *r)
{
	PGresult *res = load(r, false);
	if (res == NULL)
		return RC_ERR;
	const char *p[1] = {req_param(r, "id")};
	PGresult *h = db_exec(r, &st_history, p);
	if (h == NULL) {
		PQclear(res);
		return RC_ERR;
	}
	json_t *bid = json_loads(PQgetvalue(res, 0, B_JSON), 0, NULL);
	json_object_set_new(bid, "history", json_loads(PQgetvalue(h, 0, 0), 0, NULL));
	reply_etag(r, PQgetvalue(res, 0, B_VERSION));
	reply_json(r, 200, bid);
	PQclear(h);
	PQclear(res);
	return RC_OK;
}

/* Reads the optional {message} or {amount_fen, message} of an action. */
static enum rc action_body(struct req *r, const struct field *spec)
{
	if (r->body_len == 0 && spec == message_spec)
		return RC_OK;
	if (body_read_valid(r, spec) != RC_OK)
		return RC_ERR;
	return RC_OK;
}

static bool live(const char *status)
{
	return strcmp(status, "open") == 0 || strcmp(status, "countered") == 0;
}

/* Loads bid {id} for a change: the listing first, then the bid, both locked
 * until commit - the order every writer takes them in, so a counter, an accept
 * and a withdrawal of the listing meet in one line. */
static PGresult *lock_bid(struct req *r)
{
	PGresult *bid = load(r, false);
	if (bid == NULL)
		return NULL;
	const char *lp[1] = {PQgetvalue(bid, 0, B_LISTING)};
	PGresult *l = db_exec(r, &st_lock_listing, lp);
	PQclear(bid);
	if (l == NULL)
		return NULL;
	PQclear(l);
	return load(r, true);
}

/* A bid that is no longer live says why in one 409. */
static enum rc not_live(struct req *r, const char *status, const char *what)
{
	if (strcmp(status, "expired") == 0)
		return problem_set(r, 409, "bid-expired", "the bid has expired and cannot be %s",
				   what);
	return problem_set(r, 409, "invalid-state", "a bid in status %s cannot be %s", status,
			   what);
}

enum action { COUNTER, WITHDRAW, REJECT };

/* POST /v1/bids/{id}/counter, /withdraw, /reject */
static enum rc bid_action(struct req *r, enum action a)
{
	static const char *const done[] = {"countered", "withdrawn", "rejected"};
	static const char *const kinds[] = {"counter", "withdraw", "reject"};
	if (action_body(r, a == COUNTER ? counter_spec : message_spec) != RC_OK)
		return RC_ERR;
	PGresult *res = lock_bid(r), *upd = NULL;
	if (res == NULL)
		return RC_ERR;
	enum rc rc = RC_ERR;
	const char *status = PQgetvalue(res, 0, B_STATUS);
	bool auction_running = strcmp(PQgetvalue(res, 0, B_AUCTION_RUNNING), "t") == 0;
	if (a == WITHDRAW ? !is_bidder(r, res) : !is_owner(r, res)) {
		problem_set(r, 403, "forbidden", "only the %s can %s this bid",
			    a == WITHDRAW ? "bidding organization" : "listing's organization",
			    kinds[a]);
		goto out;
	}
	if (!live(status)) {
		not_live(r, status, done[a]);
		goto out;
	}
	if (a == COUNTER && strcmp(PQgetvalue(res, 0, B_PRICING), "auction") == 0) {
		problem_set(r, 409, "auction-bid",
			    "auction bids are not negotiated: accept or reject");
		goto out;
	}
	if (a == WITHDRAW && auction_running) {
		problem_set(
		    r, 409, "auction-bid",
		    "auction bids are binding while the auction runs; withdraw after it ends");
		goto out;
	}
	char amount[24];
	const char *amount_p = NULL;
	if (a == COUNTER) {
		snprintf(amount, sizeof amount, "%lld",
			 (long long)json_integer_value(json_object_get(r->json, "amount_fen")));
		amount_p = amount;
	}
	const char *message = str_at(r->json, "message");
	const char *p[8] = {req_param(r, "id"), done[a],        amount_p,        message,
			    kinds[a],           r->auth.org_id, r->auth.user_id, amount_p};
	if ((upd = db_exec(r, &st_decide, p)) == NULL)
		goto out;
	if (a == COUNTER && atoi(PQgetvalue(upd, 0, PQnfields(upd) - 1)) > MAX_COUNTERS) {
		problem_set(
		    r, 409, "too-many-counters",
		    "a bid takes at most %d counters; accept, reject or wait for a new offer",
		    MAX_COUNTERS);
		goto out;
	}
	json_t *detail = json_pack("{s:s, s:s}", "from", status, "to", done[a]);
	if (amount_p)
		json_object_set_new(detail, "counter_amount_fen",
				    json_integer(strtoll(amount_p, NULL, 10)));
	if (audit_write(r,
			a == COUNTER    ? "bid.counter"
			: a == WITHDRAW ? "bid.withdraw"
					: "bid.reject",
			"bid", req_param(r, "id"), NULL, detail) != RC_OK)
		goto out;
	rc = reply_bid(r, 200, upd);
out:
	PQclear(res);
	PQclear(upd);
	return rc;
}

static enum rc bids_counter(struct req *r)
{
	return bid_action(r, COUNTER);
}

static enum rc bids_withdraw(struct req *r)
{
	return bid_action(r, WITHDRAW);
}

static enum rc bids_reject(struct req *r)
{
	return bid_action(r, REJECT);
}

/* POST /v1/bids/{id}/accept: the owner accepts an open bid, the bidder a
 * countered one; 201 {bid, contract}. */
static enum rc bids_accept(struct req *r)
{
	if (r->body_len > 0 && action_body(r, message_spec) != RC_OK)
		return RC_ERR;
	PGresult *bid = lock_bid(r), *l = NULL;
	if (bid == NULL)
		return RC_ERR;
	enum rc rc = RC_ERR;
	char listing_id[37];
	snprintf(listing_id, sizeof listing_id, "%s", PQgetvalue(bid, 0, B_LISTING));
	/* read with both locks held: nothing the checks rely on can move now */
	const char *lp[3] = {listing_id, PQgetvalue(bid, 0, B_BIDDER), PQgetvalue(bid, 0, B_MODE)};
	if ((l = db_exec(r, &st_accept_facts, lp)) == NULL)
		goto out;
	const char *status = PQgetvalue(bid, 0, B_STATUS), *mode = PQgetvalue(bid, 0, B_MODE),
		   *pricing = PQgetvalue(bid, 0, B_PRICING);
	bool countered = strcmp(status, "countered") == 0;
	if (!is_owner(r, bid) && !is_bidder(r, bid)) {
		problem_set(r, 403, "forbidden", "only the two parties can accept a bid");
		goto out;
	}
	/* optional: accept exactly the offer or counter the caller read */
	if (req_if_match(r, PQgetvalue(bid, 0, B_VERSION), "bid", false) != RC_OK)
		goto out;
	if (!live(status)) {
		not_live(r, status, "accepted");
		goto out;
	}
	if (countered ? !is_bidder(r, bid) : !is_owner(r, bid)) {
		problem_set(r, 403, "forbidden",
			    countered ? "a countered bid is accepted by the bidding organization"
				      : "an open bid is accepted by the listing's organization");
		goto out;
	}
	if (strcmp(PQgetvalue(l, 0, 0), "published") != 0) {
		problem_set(r, 409, "listing-not-open",
			    "the listing is %s: no offer on it can be accepted now",
			    PQgetvalue(l, 0, 0));
		goto out;
	}
	if (strcmp(PQgetvalue(l, 0, 5), "t") != 0) {
		problem_set(r, 409, "mode-not-offered",
			    "the listing no longer offers a %s; the offer cannot be accepted",
			    mode);
		goto out;
	}
	if (strcmp(PQgetvalue(l, 0, 2), "verified") != 0 ||
	    strcmp(PQgetvalue(l, 0, 3), "verified") != 0) {
		problem_set(r, 409, "party-not-verified",
			    "both organizations must be verified to make a deal");
		goto out;
	}
	if (strcmp(pricing, "auction") == 0 &&
	    fen_of(PQgetvalue(bid, 0, B_AMOUNT)) < fen_of(db_value(l, 0, 1))) {
		problem_set(r, 409, "not-highest-bid",
			    "only the highest bid (%s fen) can win the auction",
			    PQgetvalue(l, 0, 1));
		goto out;
	}
	if ((strcmp(mode, "exclusive_license") == 0 || strcmp(mode, "sole_license") == 0) &&
	    strcmp(PQgetvalue(l, 0, 4), "0") != 0) {
		problem_set(
		    r, 409, "licence-conflict",
		    "the listing has %s live non-exclusive licence(s); an exclusive or sole "
		    "licence cannot be granted over them",
		    PQgetvalue(l, 0, 4));
		goto out;
	}
	const char *price =
	    countered ? PQgetvalue(bid, 0, B_COUNTER) : PQgetvalue(bid, 0, B_AMOUNT);
	char price_s[24], mode_s[32], pricing_s[16], id[37];
	snprintf(price_s, sizeof price_s, "%s", price);
	snprintf(mode_s, sizeof mode_s, "%s", mode);
	snprintf(pricing_s, sizeof pricing_s, "%s", pricing);
	snprintf(id, sizeof id, "%s", req_param(r, "id"));
	rc = accept_locked(r, id, listing_id, mode_s, pricing_s, price_s, false);
out:
	PQclear(bid);
	PQclear(l);
	return rc;
}

/* Common query parameters of the two bid lists. */
static enum rc list_params(struct req *r, const char *const *known, int *limit, struct cursor *c)
{
	req_query_check(r, known);
	const char *status = req_query(r, "status");
	if (status && !str_in(statuses, status))
		problem_field(r, "status",
			      "must be open, countered, accepted, rejected, withdrawn, expired or "
			      "closed");
	return page_params(r, "tu", limit, c);
}

/* GET /v1/listings/{id}/bids */
static enum rc bids_list_listing(struct req *r)
{
	static const char *const known[] = {"status", "limit", "cursor", NULL};
	static const struct stmt st_listing = {
	    "bids_listing_owner", "SELECT org_id, status FROM listings WHERE id = $1", 1};
	int limit;
	struct cursor c;
	char lim[16];

	const char *listing_id = req_param(r, "id");
	if (!uuid_valid(listing_id))
		return problem_set(r, 404, "not-found", "no listing has this id");
	if (list_params(r, known, &limit, &c) != RC_OK)
		return RC_ERR;
	const char *lp[1] = {listing_id};
	PGresult *l = db_exec(r, &st_listing, lp);
	if (l == NULL)
		return RC_ERR;
	bool found = PQntuples(l) == 1;
	bool owner = found && same(r->auth.org_id, PQgetvalue(l, 0, 0));
	bool visible = found && listing_visible(r, PQgetvalue(l, 0, 0), PQgetvalue(l, 0, 1));
	PQclear(l);
	if (!visible)
		return problem_set(r, 404, "not-found", "no listing has this id");
	const char *only = owner || r->auth.platform_admin ? NULL : r->auth.org_id;
	if (only != NULL && *only == '\0') {
		reply_json(r, 200, json_pack("{s:[], s:n}", "data", "next_cursor"));
		return RC_OK;
	}
	snprintf(lim, sizeof lim, "%d", limit + 1);
	const char *p[6] = {listing_id,
			    only,
			    req_query(r, "status"),
			    c.nparts ? c.parts[0] : NULL,
			    c.nparts ? c.parts[1] : NULL,
			    lim};
	PGresult *res = db_exec_planned(r, &st_list_listing, p);
	if (res == NULL)
		return RC_ERR;
	reply_page(r, res, limit, 2);
	return RC_OK;
}

/* GET /v1/bids?role=sent|received */
static enum rc bids_list_mine(struct req *r)
{
	static const char *const known[] = {"role",  "status", "listing_id",
					    "limit", "cursor", NULL};
	int limit;
	struct cursor c;
	char lim[16];

	const char *role = req_query(r, "role"), *listing = req_query(r, "listing_id");
	if (role && strcmp(role, "sent") != 0 && strcmp(role, "received") != 0)
		problem_field(r, "role", "must be sent or received");
	if (listing && !uuid_valid(listing))
		problem_field(r, "listing_id", "must be a listing id");
	if (list_params(r, known, &limit, &c) != RC_OK)
		return RC_ERR;
	if (!r->auth.org_id[0]) {
		reply_json(r, 200, json_pack("{s:[], s:n}", "data", "next_cursor"));
		return RC_OK;
	}
	snprintf(lim, sizeof lim, "%d", limit + 1);
	const char *p[7] = {r->auth.org_id,
			    role,
			    req_query(r, "status"),
			    listing,
			    c.nparts ? c.parts[0] : NULL,
			    c.nparts ? c.parts[1] : NULL,
			    lim};
	PGresult *res = db_exec_planned(r, &st_list_mine, p);
	if (res == NULL)
		return RC_ERR;
	reply_page(r, res, limit, 2);
	return RC_OK;
}

const struct route bids_routes[] = {
    {M_POST, "/v1/listings/{id}/bids", bids_create, ROUTE_TX | ROUTE_AUTH | ROUTE_IDEMPOTENT,
     "createBid", NULL},
    {M_GET, "/v1/listings/{id}/bids", bids_list_listing, ROUTE_AUTH, "listListingBids", NULL},
    {M_GET, "/v1/bids", bids_list_mine, ROUTE_AUTH, "listMyBids", NULL},
    {M_GET, "/v1/bids/{id}", bids_get, ROUTE_AUTH, "getBid", NULL},
    {M_POST, "/v1/bids/{id}/counter", bids_counter, ROUTE_TX | ROUTE_AUTH, "counterBid", NULL},
    {M_POST, "/v1/bids/{id}/withdraw", bids_withdraw, ROUTE_TX | ROUTE_AUTH, "withdrawBid", NULL},
    {M_POST, "/v1/bids/{id}/reject", bids_reject, ROUTE_TX | ROUTE_AUTH, "rejectBid", NULL},
    {M_POST, "/v1/bids/{id}/accept", bids_accept, ROUTE_TX | ROUTE_AUTH | ROUTE_IDEMPOTENT,
     "acceptBid", NULL},
};
const size_t bids_routes_count = ARRAY_LEN(bids_routes);
