/*
 * bids_internal.h - what the files of the bids module share: the API shape of
 * a bid in SQL and the handlers of the two lists (bid_lists.c).
 */
#ifndef TECHEX_BIDS_INTERNAL_H
#define TECHEX_BIDS_INTERNAL_H

#include "../../server/db.h"
#include "../../server/req.h"

#define BID_TS(col) SQL_RFC3339(col)

// clang-format off
/* The API shape of a bid (jsonb); needs b (bids) and l (its listing). amount_fen
 * and terms are the offer on the table; counter_amount_fen the last counter's.
 * Who made that offer follows from a live bid's status (a statement that adds
 * to the history does not see its own line); a decided bid's is in its history. */
#define BID_OBJ                                                                            \
	"jsonb_build_object('id', b.id, 'listing_id', b.listing_id, 'listing_title', l.title,"\
	" 'listing_org_id', b.owner_org_id, 'bidder_org_id', b.bidder_org_id,"               \
	" 'amount_fen', b.amount_fen, 'currency', b.currency,"                               \
	" 'transaction_mode', b.transaction_mode, 'message', b.message,"                     \
	" 'terms', " BID_TERMS("b") ","                                                      \
	" 'status', bid_effective_status(b.status, b.expires_at),"                           \
	" 'offer_by_org_id', CASE b.status WHEN 'open' THEN b.bidder_org_id"                 \
	"   WHEN 'countered' THEN b.owner_org_id ELSE (SELECT e.actor_org_id FROM bid_events e"\
	"   WHERE e.bid_id = b.id AND e.kind IN ('offer', 'counter') ORDER BY e.id DESC"      \
	"   LIMIT 1) END,"                                                                   \
	" 'counter_amount_fen', b.counter_amount_fen, 'counter_message', b.counter_message,"  \
	" 'express', b.express, 'expires_at', " BID_TS("b.expires_at") ","                   \
	" 'contract_id', (SELECT c.id FROM contracts c WHERE c.bid_id = b.id),"              \
	" 'decided_at', " BID_TS("b.decided_at") ","                                         \
	" 'created_at', " BID_TS("b.created_at") ", 'updated_at', " BID_TS("b.updated_at") ")"
// clang-format on

/* The terms of a bid row aliased a, as jsonb. */
#define BID_TERMS(a)                                                                           \
	"jsonb_build_object('royalty_bp', " a ".royalty_bp, 'term_months', " a ".term_months," \
	" 'territory', " a ".territory, 'field_of_use', " a ".field_of_use)"

/* Whether two organization ids are both present and the same. */
bool bid_org_matches(const char *a, const char *b);

/* GET /v1/listings/{id}/bids and GET /v1/bids?role=sent|received (bid_lists.c). */
enum rc bids_list_listing(struct req *r);
enum rc bids_list_mine(struct req *r);

#endif
