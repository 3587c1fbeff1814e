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
#include "bids_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../server/cursor.h"
#include "../../server/db.h"
#include "../../server/json.h"
#include "../../server/ratelimit.h"
#include "../accounts/roles.h"
#include "../contracts/contracts.h"
#include "../events/events.h"
#include "../listings/listings.h"
#include "../platform/platform.h"

#define TS(col) BID_TS(col)

/* An auction bid in its last minutes extends the auction (soft close). */
#define SOFT_CLOSE "interval '5 minutes'"
/* Counters per bid: a negotiation, not a chat. */
#define MAX_COUNTERS 50

// clang-format off
/* The columns of a bid: B_* below. */
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
	B_AUCTION_RUNNING,
	B_COUNTERS /* st_decide only */
};

/* What an offer is checked against; the listing row stays locked until commit.
 * $2 the mode asked for, $3 the bid's expires_at. */
static const struct stmt st_listing_for_bid = {
    "bids_listing_for_bid",
    "SELECT l.org_id, l.status, l.pricing_mode, $2 = ANY (l.transaction_modes),"
    " l.asking_price_fen, l.reserve_price_fen, l.min_increment_fen,"
    " coalesce(l.auction_ends_at > now(), false),"
    " coalesce(l.auction_ends_at <= now() + " SOFT_CLOSE ", false),"
    " coalesce($3::timestamptz > now(), true), o.status, " LISTING_VISIBLE_TO_PUBLIC
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
	L_ORG_STATUS,
	L_VISIBLE_TO_PUBLIC
};

/* The highest live bid on a listing. Run after the listing's lock is held, as a
 * statement of its own: a statement that waited for the lock still reads with
 * the snapshot it started with and would miss the bid that held it. */
static const struct stmt st_highest = {"bids_highest",
				       "SELECT amount_fen, bidder_org_id, id FROM bids"
				       " WHERE listing_id = $1 AND status IN ('open', 'countered')"
				       " ORDER BY amount_fen DESC, created_at, id LIMIT 1",
				       1};
enum { HIGHEST_AMOUNT, HIGHEST_BIDDER, HIGHEST_BID };

static const struct stmt st_insert = {
    "bids_insert",
    "WITH b AS (INSERT INTO bids (listing_id, owner_org_id, bidder_org_id, created_by,"
    "   amount_fen, transaction_mode, message, royalty_bp, term_months, territory,"
    "   field_of_use, expires_at, express)"
    "   VALUES ($1, $2, $3, $4, $5, $6, coalesce($7, ''), $8, $9, $10, $11, $12, $13)"
    "   RETURNING *),"
    " e AS (INSERT INTO bid_events (bid_id, kind, actor_org_id, actor_user_id, amount_fen,"
    "   message, terms) SELECT b.id, 'offer', b.bidder_org_id, b.created_by, b.amount_fen,"
    "   nullif(b.message, ''), " BID_TERMS("b") " FROM b)"
						" SELECT " BID_COLS
						" FROM b JOIN listings l ON l.id = b.listing_id",
    13};

static const struct stmt st_extend_auction = {
    "bids_extend_auction",
    "UPDATE listings SET auction_ends_at = auction_ends_at + " SOFT_CLOSE ","
    " updated_at = now(), version = version + 1"
    " WHERE id = $1 RETURNING " TS("auction_ends_at"),
    1};
enum { EXTENDED_ENDS_AT };

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
 * st_highest); $2 the bidder, $3 the bid's mode. */
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
enum {
	F_LISTING_STATUS,
	F_HIGHEST,
	F_LICENSOR_STATUS,
	F_BIDDER_STATUS,
	F_NON_EXCLUSIVE_LIVE,
	F_MODE_OFFERED
};

/* An accepted auction is over, whatever its clock said. */
static const struct stmt st_end_auction = {
    "bids_end_auction",
    "UPDATE listings SET auction_ends_at = now(), updated_at = now(), version = version + 1"
    " WHERE id = $1 AND auction_ends_at > now() RETURNING " TS("auction_ends_at"),
    1};

static const struct stmt st_history = {
    "bids_history",
    "SELECT coalesce(jsonb_agg(jsonb_build_object('kind', e.kind, 'org_id', e.actor_org_id,"
    " 'by_org_id', e.actor_org_id, 'action', CASE e.kind WHEN 'offer' THEN 'bid'"
    "   ELSE e.kind END, 'terms', e.terms,"
    " 'user_id', e.actor_user_id, 'amount_fen', e.amount_fen, 'message', e.message,"
    " 'at', " TS("e.at") ") ORDER BY e.id), '[]'::jsonb)::text FROM bid_events e"
			 " WHERE e.bid_id = $1",
    1};
enum { HISTORY_JSON };

/* One decision on a bid and its line in the history. $2 status, $3 counter
 * amount, $4 message, $5 event kind, $6 actor org, $7 actor user, $8 event
 * amount, $9 a counter's terms (jsonb: the keys it names replace the terms on
 * the table). A counter puts its amount and terms on the table. */
static const struct stmt st_decide = {
    "bids_decide",
    "WITH b AS (UPDATE bids SET status = $2,"
    "   amount_fen = coalesce($3::bigint, amount_fen),"
    "   royalty_bp = CASE WHEN $9::jsonb ? 'royalty_bp'"
    "     THEN ($9::jsonb ->> 'royalty_bp')::integer ELSE royalty_bp END,"
    "   term_months = CASE WHEN $9::jsonb ? 'term_months'"
    "     THEN ($9::jsonb ->> 'term_months')::integer ELSE term_months END,"
    "   territory = CASE WHEN $9::jsonb ? 'territory'"
    "     THEN $9::jsonb ->> 'territory' ELSE territory END,"
    "   field_of_use = CASE WHEN $9::jsonb ? 'field_of_use'"
    "     THEN $9::jsonb ->> 'field_of_use' ELSE field_of_use END,"
    "   counter_amount_fen = coalesce($3::bigint, counter_amount_fen),"
    "   counter_message = CASE WHEN $5 = 'counter' THEN $4 ELSE counter_message END,"
    "   counters = counters + (CASE WHEN $5 = 'counter' THEN 1 ELSE 0 END),"
    "   decided_at = CASE WHEN $2 IN ('open', 'countered') THEN NULL ELSE now() END,"
    "   updated_at = now(), version = version + 1 WHERE id = $1 RETURNING *),"
    " e AS (INSERT INTO bid_events (bid_id, kind, actor_org_id, actor_user_id, amount_fen,"
    "   message, terms) SELECT b.id, $5, $6, $7, $8::bigint, $4,"
    "   CASE WHEN $5 = 'counter' THEN " BID_TERMS(
	"b") " END FROM b)"
	     " SELECT " BID_COLS ", b.counters FROM b JOIN listings l ON l.id = b.listing_id",
    9};

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

static const char *const modes[] = {"assignment", "exclusive_license", "sole_license",
				    "non_exclusive_license", NULL};
const char *const bid_statuses[] = {"open",      "countered", "accepted", "rejected",
				    "withdrawn", "expired",   "closed",   NULL};

static const char *const from_live[] = {"open", "countered", NULL};
static const char *const from_open[] = {"open", NULL};
static const char *const from_countered[] = {"countered", NULL};

/* Who may move a bid from which state to which: the handlers ask it (bid_action,
 * bids_accept); the system's rows are taken by st_close_live when a listing
 * stops taking offers. The offer on the table is the bidder's while the bid is
 * open and the owner's while it is countered; each side counters or accepts
 * only the other side's offer, so the two take turns. */
const struct transition bid_transitions[] = {
    {"counter", from_open, "countered", BID_OWNER, "bid.counter"},
    {"counter", from_countered, "open", BID_BIDDER, "bid.counter"},
    {"withdraw", from_live, "withdrawn", BID_BIDDER, "bid.withdraw"},
    {"reject", from_live, "rejected", BID_OWNER, "bid.reject"},
    {"accept", from_open, "accepted", BID_OWNER, "bid.accept"},
    {"accept", from_countered, "accepted", BID_BIDDER, "bid.accept"},
    {"expire", from_live, "expired", BID_SYSTEM, "bid.expire"},
    {"close", from_live, "closed", BID_SYSTEM, "bid.close"},
    {NULL, NULL, NULL, 0, NULL},
};

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
    {.name = "terms", .type = F_OBJECT, .nullable = true, .sub = bid_terms_spec},
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

bool bid_org_matches(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* A fen amount read from a result column; 0 for NULL. */
static long long fen_from_text(const char *text)
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
	return reply_stored(r, status, PQgetvalue(res, 0, B_JSON), PQgetvalue(res, 0, B_VERSION));
}

static bool is_owner(const struct req *r, const PGresult *bid)
{
	return bid_org_matches(r->auth.org_id, PQgetvalue(bid, 0, B_OWNER));
}

static bool is_bidder(const struct req *r, const PGresult *bid)
{
	return bid_org_matches(r->auth.org_id, PQgetvalue(bid, 0, B_BIDDER));
}

/* Loads bid {id} (locked when lock) if the caller is its bidder, the listing's
 * owner or a platform admin; 404 otherwise. */
static bool may_see(const struct req *r, const PGresult *row)
{
	return is_owner(r, row) || is_bidder(r, row) || r->auth.platform_admin;
}

static PGresult *load_bid(struct req *r, bool lock)
{
	return db_load_visible(r, lock ? &st_lock : &st_get, "bid", may_see);
}

enum rc bids_close_live(struct req *r, const char *listing_id, const char *except_bid,
			const char *why)
{
	const char *close_params[6] = {listing_id,
				       except_bid,
				       r->auth.org_id[0] ? r->auth.org_id : NULL,
				       r->auth.user_id[0] ? r->auth.user_id : NULL,
				       why,
				       r->request_id};
	PGresult *res = db_exec(r, &st_close_live, close_params);
	if (res == NULL)
		return RC_ERR;
	PQclear(res);
	return RC_OK;
}

/* Records event type of bid_id on listing_id at amount_fen (may be NULL) for
 * org_id: the thin payload of API.md's events. */
static enum rc bid_event(struct req *r, const char *type, const char *org_id, const char *bid_id,
			 const char *listing_id, const char *amount_fen)
{
	json_t *data = json_pack("{s:s, s:s}", "bid_id", bid_id, "listing_id", listing_id);
	if (amount_fen != NULL)
		json_object_set_new(data, "amount_fen",
				    json_integer(strtoll(amount_fen, NULL, 10)));
	return event_record(r, type, org_id, NULL, data);
}

/* The two organizations of a bid being accepted. */
struct parties {
	char owner[37], bidder[37];
};

/* The accept itself, on a bid already checked and locked with its listing:
 * the bid is accepted at price_fen, its contract drafted; an exclusive deal
 * puts the listing under contract and closes the other live bids, and so does
 * any accept on an auction (the auction is decided). Replies 201 with
 * {bid, contract}, or with the bid and its contract for an express offer. */
static enum rc accept_locked(struct req *r, const char *bid_id, const char *listing_id,
			     const char *mode, const char *pricing, const char *price_fen,
			     bool express, const struct parties *p)
{
	const char *decide_params[9] = {bid_id,
					"accepted",
					NULL,
					express ? "express licence at the listed price"
						: str_at(r->json, "message"),
					"accept",
					r->auth.org_id,
					r->auth.user_id,
					price_fen,
					NULL};
	PGresult *res = db_exec(r, &st_decide, decide_params);
	if (res == NULL)
		return RC_ERR;
	PQclear(res);
	json_t *contract = NULL;
	if (contract_draft(r, bid_id, price_fen, &contract) != RC_OK)
		return RC_ERR;
	enum rc rc = RC_ERR;
	bool by_owner = bid_org_matches(r->auth.org_id, p->owner);
	if (bid_event(r, "bid.accepted", by_owner ? p->bidder : p->owner, bid_id, listing_id,
		      price_fen) != RC_OK)
		goto out;
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
		const char *end_params[1] = {listing_id};
		PGresult *ended = db_exec(r, &st_end_auction, end_params);
		if (ended == NULL)
			goto out;
		bool was_running = PQntuples(ended) == 1;
		PQclear(ended);
		if (was_running &&
		    (audit_write(r, "listing.auction_ended", "listing", listing_id, NULL,
				 json_pack("{s:s, s:s}", "bid_id", bid_id, "why",
					   "the owner accepted the highest bid")) != RC_OK ||
		     bid_event(r, "auction.ended", p->owner, bid_id, listing_id, price_fen) !=
			 RC_OK ||
		     bid_event(r, "auction.ended", p->bidder, bid_id, listing_id, price_fen) !=
			 RC_OK))
			goto out;
	}
	if (audit_write(r, "bid.accept", "bid", bid_id, NULL,
			json_pack("{s:I, s:s, s:O, s:b}", "price_fen",
				  (json_int_t)strtoll(price_fen, NULL, 10), "contract_id",
				  str_at(contract, "id"), "transaction_mode",
				  json_object_get(contract, "transaction_mode"), "express",
				  express)) != RC_OK)
		goto out;
	const char *get_params[1] = {bid_id};
	if ((res = db_exec(r, &st_get, get_params)) == NULL)
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

/* The offer of POST /v1/listings/{id}/bids, read from its valid body. */
struct offer {
	const char *listing_id, *mode, *expires;
	const json_t *terms;
	long long amount;
	char amount_text[24];
	char outbid_org[37]; /* an auction's highest bidder until this bid, or "" */
	char outbid_bid[37];
};

/* Checks an offer against its listing (row 0 of st_listing_for_bid): 404, 403 or
 * 409 and RC_ERR; field errors stay in r->problem for the caller to report. */
static enum rc check_offer(struct req *r, const struct offer *offer, const PGresult *listing)
{
	const char *status = PQntuples(listing) == 1 ? PQgetvalue(listing, 0, L_STATUS) : NULL;
	if (status == NULL ||
	    !listing_visible(r, PQgetvalue(listing, 0, L_ORG),
			     strcmp(PQgetvalue(listing, 0, L_VISIBLE_TO_PUBLIC), "t") == 0))
		return problem_set(r, 404, "not-found", "no listing has this id");
	if (bid_org_matches(r->auth.org_id, PQgetvalue(listing, 0, L_ORG)))
		return problem_set(r, 403, "own-listing",
				   "an organization cannot bid on its own listing");
	if (strcmp(status, "published") != 0)
		return problem_set(r, 409, "listing-not-open",
				   "the listing is %s and takes no offers; only published "
				   "listings do",
				   status);
	if (strcmp(PQgetvalue(listing, 0, L_ORG_STATUS), "verified") != 0)
		return problem_set(r, 409, "listing-not-open",
				   "the listing's organization is not verified and takes no "
				   "offers");
	if (strcmp(PQgetvalue(listing, 0, L_MODE_OFFERED), "t") != 0)
		problem_field(r, "transaction_mode", "is not offered by this listing");
	if (offer->expires != NULL && strcmp(PQgetvalue(listing, 0, L_EXPIRY_AHEAD), "t") != 0)
		problem_field(r, "expires_at", "must be in the future");
	return RC_OK;
}

/* Checks a bid in an auction: running, at least the reserve, no expiry of its
 * own, and above the highest live bid by the increment (409 outbid). */
static enum rc check_auction_bid(struct req *r, struct offer *offer, const PGresult *listing)
{
	if (strcmp(PQgetvalue(listing, 0, L_RUNNING), "t") != 0) {
		problem_clear(&r->problem);
		return problem_set(r, 409, "auction-ended",
				   "the auction has ended and takes no more bids");
	}
	long long reserve = fen_from_text(PQgetvalue(listing, 0, L_RESERVE));
	if (offer->amount < reserve)
		problem_field(r, "amount_fen", "must be at least the reserve price, %lld fen",
			      reserve);
	if (offer->expires != NULL)
		problem_field(r, "expires_at",
			      "does not apply: auction bids are binding until the auction ends");
	if (problem_fields_done(r) != RC_OK)
		return RC_ERR;
	const char *highest_params[1] = {offer->listing_id};
	PGresult *top = db_exec(r, &st_highest, highest_params);
	if (top == NULL)
		return RC_ERR;
	enum rc rc = RC_OK;
	const char *highest = PQntuples(top) == 1 ? db_value(top, 0, HIGHEST_AMOUNT) : NULL;
	if (highest != NULL &&
	    !bid_org_matches(r->auth.org_id, PQgetvalue(top, 0, HIGHEST_BIDDER))) {
		snprintf(offer->outbid_org, sizeof offer->outbid_org, "%s",
			 PQgetvalue(top, 0, HIGHEST_BIDDER));
		snprintf(offer->outbid_bid, sizeof offer->outbid_bid, "%s",
			 PQgetvalue(top, 0, HIGHEST_BID));
	}
	long long need = highest ? fen_from_text(highest) : 0,
		  inc = fen_from_text(PQgetvalue(listing, 0, L_INCREMENT));
	/* not capped at MAX_FEN: nobody outbids a bid at the cap */
	need = need > INT64_MAX - inc ? INT64_MAX : need + inc;
	if (highest != NULL && offer->amount < need)
		rc = problem_set(r, 409, "outbid",
				 "the highest bid is %s fen: a bid must be at least %lld fen (the "
				 "highest plus the increment)",
				 highest, need);
	PQclear(top);
	return rc;
}

/* Inserts the offer with its history line and audit row, and extends an
 * auction bid in its last minutes (soft close); *bid gets its BID_COLS and id
 * its id. */
static enum rc insert_offer(struct req *r, const struct offer *offer, const PGresult *listing,
			    bool express, PGresult **bid, char id[37])
{
	char royalty[16], months[16];
	const char *insert_params[13] = {
	    offer->listing_id,
	    PQgetvalue(listing, 0, L_ORG),
	    r->auth.org_id,
	    r->auth.user_id,
	    offer->amount_text,
	    offer->mode,
	    str_at(r->json, "message"),
	    int_param(offer->terms, "royalty_bp", royalty, sizeof royalty),
	    int_param(offer->terms, "term_months", months, sizeof months),
	    str_at(offer->terms, "territory"),
	    str_at(offer->terms, "field_of_use"),
	    offer->expires,
	    express ? "true" : "false"};
	if ((*bid = db_exec(r, &st_insert, insert_params)) == NULL)
		return RC_ERR;
	json_t *created = json_loads(PQgetvalue(*bid, 0, B_JSON), 0, NULL);
	snprintf(id, 37, "%s", created ? str_at(created, "id") : "");
	json_decref(created);
	if (!uuid_valid(id))
		return problem_set(r, 500, "internal", "could not read the new bid");
	if (audit_write(r, "bid.create", "bid", id, NULL,
			json_pack("{s:s, s:I, s:s}", "listing_id", offer->listing_id, "amount_fen",
				  (json_int_t)offer->amount, "transaction_mode", offer->mode)) !=
	    RC_OK)
		return RC_ERR;
	reply_location(r, "/v1/bids/{id}", id);
	if (bid_event(r, "bid.received", PQgetvalue(listing, 0, L_ORG), id, offer->listing_id,
		      offer->amount_text) != RC_OK)
		return RC_ERR;
	if (offer->outbid_org[0] && bid_event(r, "bid.outbid", offer->outbid_org, offer->outbid_bid,
					      offer->listing_id, offer->amount_text) != RC_OK)
		return RC_ERR;

	if (strcmp(PQgetvalue(listing, 0, L_PRICING), "auction") != 0 ||
	    strcmp(PQgetvalue(listing, 0, L_LAST_MINUTES), "t") != 0)
		return RC_OK;
	const char *extend_params[1] = {offer->listing_id};
	PGresult *extended = db_exec(r, &st_extend_auction, extend_params);
	if (extended == NULL)
		return RC_ERR;
	json_t *detail = json_pack("{s:s, s:s}", "auction_ends_at",
				   PQgetvalue(extended, 0, EXTENDED_ENDS_AT), "bid_id", id);
	json_t *data = json_pack("{s:s, s:O}", "listing_id", offer->listing_id, "auction_ends_at",
				 json_object_get(detail, "auction_ends_at"));
	PQclear(extended);
	if (event_record(r, "auction.extended", PQgetvalue(listing, 0, L_ORG), NULL, data) !=
	    RC_OK) {
		json_decref(detail);
		return RC_ERR;
	}
	return audit_write(r, "listing.auction_extended", "listing", offer->listing_id,
			   PQgetvalue(listing, 0, L_ORG), detail);
}

/* An express licence, a fixed price met for a non-exclusive licence, is taken
 * at once: the new bid id is accepted and its contract drafted. */
static enum rc take_express(struct req *r, const struct offer *offer, const char *bid_id,
			    const char *pricing, const char *owner_org)
{
	struct parties p;
	snprintf(p.owner, sizeof p.owner, "%s", owner_org);
	snprintf(p.bidder, sizeof p.bidder, "%s", r->auth.org_id);
	return accept_locked(r, bid_id, offer->listing_id, offer->mode, pricing, offer->amount_text,
			     true, &p);
}

/* The organization's bids in the rate window (ratelimit.h). */
static const struct stmt st_recent = {"bids_recent", RATE_RECENT_SQL("bids", "bidder_org_id"), 3};

/* POST /v1/listings/{id}/bids */
static enum rc bids_create(struct req *r)
{
	if (!org_may(&r->auth, ORG_TRADE) || strcmp(r->auth.org_status, "verified") != 0)
		return problem_set(r, 403, "organization-not-verified",
				   "only members of a verified organization can bid");
	if (rate_take(r, RATE_BID, &st_recent) != RC_OK || body_read_valid(r, create_spec) != RC_OK)
		return RC_ERR;
	struct offer offer = {
	    .listing_id = req_param(r, "id"),
	    .mode = str_at(r->json, "transaction_mode"),
	    .expires = str_at(r->json, "expires_at"),
	    .terms = json_object_get(r->json, "terms"),
	    .amount = (long long)json_integer_value(json_object_get(r->json, "amount_fen")),
	};
	if (!uuid_valid(offer.listing_id))
		return problem_set(r, 404, "not-found", "no listing has this id");
	snprintf(offer.amount_text, sizeof offer.amount_text, "%lld", offer.amount);

	const char *listing_params[3] = {offer.listing_id, offer.mode, offer.expires};
	PGresult *listing = db_exec(r, &st_listing_for_bid, listing_params);
	if (listing == NULL)
		return RC_ERR;
	enum rc rc = RC_ERR;
	PGresult *bid = NULL;
	if (check_offer(r, &offer, listing) != RC_OK)
		goto out;
	const char *pricing = PQgetvalue(listing, 0, L_PRICING);
	if (strcmp(pricing, "auction") == 0 && check_auction_bid(r, &offer, listing) != RC_OK)
		goto out;
	if (problem_fields_done(r) != RC_OK)
		goto out;

	const char *asking = db_value(listing, 0, L_ASKING);
	bool express = strcmp(pricing, "fixed") == 0 &&
		       strcmp(offer.mode, "non_exclusive_license") == 0 && asking != NULL &&
		       offer.amount >= fen_from_text(asking);
	char id[37];
	if (insert_offer(r, &offer, listing, express, &bid, id) != RC_OK)
		goto out;
	rc = express ? take_express(r, &offer, id, pricing, PQgetvalue(listing, 0, L_ORG))
		     : reply_bid(r, 201, bid);
out:
	PQclear(listing);
	PQclear(bid);
	return rc;
}

/* GET /v1/bids/{id}: the bid and every offer, counter and decision on it. */
static enum rc bids_get(struct req *r)
{
	PGresult *res = load_bid(r, false);
	if (res == NULL)
		return RC_ERR;
	const char *history_params[1] = {req_param(r, "id")};
	PGresult *history = db_exec(r, &st_history, history_params);
	if (history == NULL) {
		PQclear(res);
		return RC_ERR;
	}
	json_t *bid = json_loads(PQgetvalue(res, 0, B_JSON), 0, NULL);
	json_object_set_new(bid, "history",
			    json_loads(PQgetvalue(history, 0, HISTORY_JSON), 0, NULL));
	reply_etag(r, PQgetvalue(res, 0, B_VERSION));
	reply_json(r, 200, bid);
	PQclear(history);
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

/* Loads bid {id} for a change: the listing first, then the bid, both locked
 * until commit - the order every writer takes them in, so a counter, an accept
 * and a withdrawal of the listing meet in one line. */
static PGresult *lock_bid(struct req *r)
{
	PGresult *bid = load_bid(r, false);
	if (bid == NULL)
		return NULL;
	const char *lock_params[1] = {PQgetvalue(bid, 0, B_LISTING)};
	PGresult *listing = db_exec(r, &st_lock_listing, lock_params);
	PQclear(bid);
	if (listing == NULL)
		return NULL;
	PQclear(listing);
	return load_bid(r, true);
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

/* A party that acts on its own offer: the other side's turn (403). */
static enum rc not_your_turn(struct req *r, const char *status, const char *action)
{
	return problem_set(r, 403, "not-your-turn",
			   "the offer on the table is yours (the bid is %s): only the other "
			   "side may %s it now",
			   status, action);
}

/* The first row of action that roles may take (from some state); NULL when none. */
static const struct transition *action_row(const char *action, unsigned roles)
{
	for (const struct transition *t = bid_transitions; t->action != NULL; t++)
		if (strcmp(t->action, action) == 0 && (t->actors & roles) != 0)
			return t;
	return NULL;
}

/* The caller's roles on a bid (row 0 of BID_COLS). */
static unsigned bid_roles(const struct req *r, const PGresult *bid)
{
	return (is_owner(r, bid) ? BID_OWNER : 0) | (is_bidder(r, bid) ? BID_BIDDER : 0);
}

/* The organization that actors name, as the 403s say it. */
static const char *party(unsigned actors)
{
	return actors & BID_BIDDER ? N_("bidding organization") : N_("listing's organization");
}

/* POST /v1/bids/{id}/counter, /withdraw, /reject: the action's row of
 * bid_transitions says who may take it, from which states, and where it leads. */
static enum rc bid_action(struct req *r, const char *action)
{
	bool counter = strcmp(action, "counter") == 0;
	if (action_body(r, counter ? counter_spec : message_spec) != RC_OK)
		return RC_ERR;
	PGresult *res = lock_bid(r), *upd = NULL;
	if (res == NULL)
		return RC_ERR;
	enum rc rc = RC_ERR;
	const char *status = PQgetvalue(res, 0, B_STATUS);
	bool auction_running = strcmp(PQgetvalue(res, 0, B_AUCTION_RUNNING), "t") == 0;
	const struct transition *any = action_row(action, ~0u), *row = NULL;
	unsigned roles = bid_roles(r, res);
	enum transition_check check = transition_find(bid_transitions, action, status, roles, &row);
	if (check == TR_FORBIDDEN && counter && roles != 0) {
		not_your_turn(r, status, "counter");
		goto out;
	}
	if (check == TR_FORBIDDEN) {
		problem_set(r, 403, "forbidden", "only the %s can %s this bid",
			    problem_tr(r, counter ? N_("two parties") : party(any->actors)),
			    action);
		goto out;
	}
	if (check != TR_OK) {
		not_live(r, status, any->to);
		goto out;
	}
	if (counter && strcmp(PQgetvalue(res, 0, B_PRICING), "auction") == 0) {
		problem_set(r, 409, "auction-bid",
			    "auction bids are not negotiated: accept or reject");
		goto out;
	}
	if (strcmp(action, "withdraw") == 0 && auction_running) {
		problem_set(
		    r, 409, "auction-bid",
		    "auction bids are binding while the auction runs; withdraw after it ends");
		goto out;
	}
	char amount[24];
	const char *amount_p = NULL;
	if (counter) {
		snprintf(amount, sizeof amount, "%lld",
			 (long long)json_integer_value(json_object_get(r->json, "amount_fen")));
		amount_p = amount;
	}
	const char *message = str_at(r->json, "message");
	json_t *terms = counter ? json_object_get(r->json, "terms") : NULL;
	char *terms_text = json_is_object(terms) ? json_dumps(terms, JSON_COMPACT) : NULL;
	const char *decide_params[9] = {
	    req_param(r, "id"), row->to,         amount_p, message,   action,
	    r->auth.org_id,     r->auth.user_id, amount_p, terms_text};
	upd = db_exec(r, &st_decide, decide_params);
	free(terms_text);
	if (upd == NULL)
		goto out;
	if (counter && atoi(PQgetvalue(upd, 0, B_COUNTERS)) > MAX_COUNTERS) {
		problem_set(
		    r, 409, "too-many-counters",
		    "a bid takes at most %d counters; accept, reject or wait for a new offer",
		    MAX_COUNTERS);
		goto out;
	}
	json_t *detail = json_pack("{s:s, s:s}", "from", status, "to", row->to);
	if (amount_p)
		json_object_set_new(detail, "counter_amount_fen",
				    json_integer(strtoll(amount_p, NULL, 10)));
	if (audit_write(r, row->audit, "bid", req_param(r, "id"), NULL, detail) != RC_OK)
		goto out;
	/* the other side hears of it: a counter or a withdrawal the owner or the
	 * bidder, a rejection the bidder */
	static const char *const events[][2] = {{"counter", "bid.countered"},
						{"withdraw", "bid.withdrawn"},
						{"reject", "bid.rejected"}};
	const char *type = NULL;
	for (size_t i = 0; i < ARRAY_LEN(events); i++)
		if (strcmp(events[i][0], action) == 0)
			type = events[i][1];
	bool by_owner = (roles & BID_OWNER) != 0;
	if (type != NULL && bid_event(r, type, PQgetvalue(res, 0, by_owner ? B_BIDDER : B_OWNER),
				      req_param(r, "id"), PQgetvalue(res, 0, B_LISTING),
				      counter ? amount_p : PQgetvalue(upd, 0, B_AMOUNT)) != RC_OK)
		goto out;
	rc = reply_bid(r, 200, upd);
out:
	PQclear(res);
	PQclear(upd);
	return rc;
}

/* The handler of POST /v1/bids/{id}/<action>: bids_counter, bids_withdraw, ... */
#define BID_ACTION(action)                          \
	static enum rc bids_##action(struct req *r) \
	{                                           \
		return bid_action(r, #action);      \
	}
BID_ACTION(counter)
BID_ACTION(withdraw)
BID_ACTION(reject)

/* POST /v1/bids/{id}/accept: the rows of "accept" in bid_transitions give an
 * open bid to the owner, a countered one to the bidder; 201 {bid, contract}. */
static enum rc bids_accept(struct req *r)
{
	if (r->body_len > 0 && action_body(r, message_spec) != RC_OK)
		return RC_ERR;
	PGresult *bid = lock_bid(r), *facts = NULL;
	if (bid == NULL)
		return RC_ERR;
	enum rc rc = RC_ERR;
	char listing_id[37];
	snprintf(listing_id, sizeof listing_id, "%s", PQgetvalue(bid, 0, B_LISTING));
	/* read with both locks held: nothing the checks rely on can move now */
	const char *facts_params[3] = {listing_id, PQgetvalue(bid, 0, B_BIDDER),
				       PQgetvalue(bid, 0, B_MODE)};
	if ((facts = db_exec(r, &st_accept_facts, facts_params)) == NULL)
		goto out;
	const char *status = PQgetvalue(bid, 0, B_STATUS), *mode = PQgetvalue(bid, 0, B_MODE),
		   *pricing = PQgetvalue(bid, 0, B_PRICING);
	unsigned roles = bid_roles(r, bid);
	const struct transition *row = NULL;
	enum transition_check check =
	    transition_find(bid_transitions, "accept", status, roles, &row);
	if (action_row("accept", roles) == NULL) {
		problem_set(r, 403, "forbidden", "only the two parties can accept a bid");
		goto out;
	}
	/* optional: accept exactly the offer or counter the caller read */
	if (req_if_match(r, PQgetvalue(bid, 0, B_VERSION), "bid", false) != RC_OK)
		goto out;
	if (check == TR_WRONG_STATE) {
		not_live(r, status, action_row("accept", ~0u)->to);
		goto out;
	}
	if (check != TR_OK) {
		not_your_turn(r, status, "accept");
		goto out;
	}
	if (strcmp(PQgetvalue(facts, 0, F_LISTING_STATUS), "published") != 0) {
		problem_set(r, 409, "listing-not-open",
			    "the listing is %s: no offer on it can be accepted now",
			    PQgetvalue(facts, 0, F_LISTING_STATUS));
		goto out;
	}
	if (strcmp(PQgetvalue(facts, 0, F_MODE_OFFERED), "t") != 0) {
		problem_set(r, 409, "mode-not-offered",
			    "the listing no longer offers a %s; the offer cannot be accepted",
			    mode);
		goto out;
	}
	if (strcmp(PQgetvalue(facts, 0, F_LICENSOR_STATUS), "verified") != 0 ||
	    strcmp(PQgetvalue(facts, 0, F_BIDDER_STATUS), "verified") != 0) {
		problem_set(r, 409, "party-not-verified",
			    "both organizations must be verified to make a deal");
		goto out;
	}
	if (strcmp(pricing, "auction") == 0 && fen_from_text(PQgetvalue(bid, 0, B_AMOUNT)) <
						   fen_from_text(db_value(facts, 0, F_HIGHEST))) {
		problem_set(r, 409, "not-highest-bid",
			    "only the highest bid (%s fen) can win the auction",
			    PQgetvalue(facts, 0, F_HIGHEST));
		goto out;
	}
	if ((strcmp(mode, "exclusive_license") == 0 || strcmp(mode, "sole_license") == 0) &&
	    strcmp(PQgetvalue(facts, 0, F_NON_EXCLUSIVE_LIVE), "0") != 0) {
		problem_set(
		    r, 409, "licence-conflict",
		    "the listing has %s live non-exclusive licence(s); an exclusive or sole "
		    "licence cannot be granted over them",
		    PQgetvalue(facts, 0, F_NON_EXCLUSIVE_LIVE));
		goto out;
	}
	/* the offer on the table, whoever made it */
	char price_s[24], mode_s[32], pricing_s[16], id[37];
	struct parties p;
	snprintf(p.owner, sizeof p.owner, "%s", PQgetvalue(bid, 0, B_OWNER));
	snprintf(p.bidder, sizeof p.bidder, "%s", PQgetvalue(bid, 0, B_BIDDER));
	snprintf(price_s, sizeof price_s, "%s", PQgetvalue(bid, 0, B_AMOUNT));
	snprintf(mode_s, sizeof mode_s, "%s", mode);
	snprintf(pricing_s, sizeof pricing_s, "%s", pricing);
	snprintf(id, sizeof id, "%s", req_param(r, "id"));
	rc = accept_locked(r, id, listing_id, mode_s, pricing_s, price_s, false, &p);
out:
	PQclear(bid);
	PQclear(facts);
	return rc;
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
