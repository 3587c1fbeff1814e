/*
 * needs.h - technology needs (技术需求): drafts, moderation in the listings'
 * queue, public search; proposals from technology owners that draft a
 * contract when accepted; and the matching of needs, listings and waste
 * streams (matching.c).
 */
#ifndef TECHEX_NEEDS_H
#define TECHEX_NEEDS_H

#include "../../server/router.h"
#include "../../server/transition.h"

extern const struct route needs_routes[];
extern const size_t needs_routes_count;

/* Who acts on a need: a member of its organization, or a platform admin. */
enum { NEED_OWNER = 1, NEED_ADMIN = 2 };

/* A need's state machine: submit (draft, rejected → pending_review), approve
 * and reject (an admin's, from pending_review), withdraw (the owner's, from
 * any state but withdrawn). Ended by a NULL action. */
extern const struct transition need_transitions[];

/* The statuses of a need (the CHECK of needs.status), NULL-terminated. */
extern const char *const need_statuses[];

/* The hook listings calls once a listing is published (listings_on_publish):
 * every published need it matches with a waste_code or domain reason, and
 * whose organization is not the listing's, gets need.matched, once per need
 * and listing. */
enum rc needs_listing_published(struct req *r, const char *listing_id) MUSTCHECK;

/* The acting part of POST /v1/proposals/{id}/accept, for `techex seed-demo`:
 * the caller (a member of the need's organization) accepts proposal id with
 * the same checks and effects; the reply (201 {proposal, contract}) is left
 * in r->resp. */
enum rc proposal_accept(struct req *r, const char *id) MUSTCHECK;

#endif
