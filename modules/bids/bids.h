/*
 * bids.h - offers on listings, the negotiation on each, auctions, express
 * licences, and the accept that drafts a contract.
 */
#ifndef TECHEX_BIDS_H
#define TECHEX_BIDS_H

#include "../../server/router.h"
#include "../../server/transition.h"

extern const struct route bids_routes[];
extern const size_t bids_routes_count;

/* Who acts on a bid: the listing's organization, the bidding one, or the
 * system (a listing that stops taking offers closes them). */
enum { BID_OWNER = 1, BID_BIDDER = 2, BID_SYSTEM = 4 };

/* A bid's state machine: {action, from, to, actors, audit}, ended by a NULL
 * action. */
extern const struct transition bid_transitions[];

/* The statuses of a bid (the CHECK of bids.status), NULL-terminated. */
extern const char *const bid_statuses[];

/* Closes every live (open or countered) bid on listing_id but except_bid (may be
 * NULL) in the request's transaction, recording why in each bid's history and
 * the audit log; bids already past their expiry become expired instead. */
enum rc bids_close_live(struct req *r, const char *listing_id, const char *except_bid,
			const char *why) MUSTCHECK;

#endif
