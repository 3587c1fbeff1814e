/*
 * listings.h - patents and process know-how: drafts, moderation, publication.
 */
#ifndef TECHEX_LISTINGS_H
#define TECHEX_LISTINGS_H

#include "../../server/json.h"
#include "../../server/router.h"
#include "../../server/transition.h"

extern const struct route listings_routes[];
extern const size_t listings_routes_count;

/* The technology domains of API.md, NULL-terminated. */
extern const char *const listing_domains[];

/* The one rule of who sees a listing, as SQL on a listing aliased l: anyone
 * once it is published, under contract or licensed. Statements select it as a
 * visible_to_public column for listing_visible, and searches filter on it. */
#define LISTING_VISIBLE_TO_PUBLIC "l.status IN ('published', 'under_contract', 'licensed')"

/* True when the caller may see a listing of organization org_id: anyone when
 * visible_to_public (the LISTING_VISIBLE_TO_PUBLIC column), else only its
 * organization and platform admins. */
bool listing_visible(const struct req *r, const char *org_id, bool visible_to_public);

/* Moves listing id from status `from` to `to` in the request's transaction
 * (a deal begins, is signed or falls through) and audits it as action with why
 * in the detail. A listing no longer in `from` is a 409: the deal and its
 * listing must not part ways. */
enum rc listing_move(struct req *r, const char *id, const char *from, const char *to,
		     const char *action, const char *why) MUSTCHECK;

/* Who acts on a listing: its organization, a platform admin, or a deal (a
 * contract that begins, becomes active or falls through, via listing_move). */
enum { LISTING_OWNER = 1, LISTING_ADMIN = 2, LISTING_DEAL = 4 };

/* A listing's state machine: {action, from, to, actors, audit}, ended by a
 * NULL action. */
extern const struct transition listing_transitions[];

/* The statuses of a listing (the CHECK of listings.status), NULL-terminated. */
extern const char *const listing_statuses[];

/* Releases the live offers on listing_id but except_bid (may be NULL), with why
 * in their history (bids_close_live). */
typedef enum rc (*listing_release_fn)(struct req *r, const char *listing_id, const char *except_bid,
				      const char *why);

/* Called once at start-up by the composition root: how a listing that leaves
 * published releases its offers (listings does not know bids). */
void listings_init(listing_release_fn release);

/* Called in the request's transaction each time an admin publishes listing
 * listing_id (needs raise need.matched); set once at start-up by the
 * composition root (listings does not know needs). */
typedef enum rc (*listing_published_fn)(struct req *r, const char *listing_id);
void listings_on_publish(listing_published_fn published);

/* The fields of a whole listing (POST /v1/listings; PATCH checks the merge). */
extern const struct field listing_create_spec[];

/* The checks of POST /v1/listings on a whole listing body, without the ones
 * that need the database (an auction's end in the future): each field against
 * listing_create_spec, then the rules across fields (modes, pricing, patent or
 * process, the patent number and its type, dates in order). RC_OK, or a 422
 * with every bad field in r->problem.errors. Pure. */
enum rc listing_validate(struct req *r, json_t *body) MUSTCHECK;

#endif
