/*
 * listings.h - patents and process know-how: drafts, moderation, publication.
 */
#ifndef TECHEX_LISTINGS_H
#define TECHEX_LISTINGS_H

#include "../../server/json.h"
#include "../../server/router.h"

extern const struct route listings_routes[];
extern const size_t listings_routes_count;

/* The technology domains of API.md, NULL-terminated. */
extern const char *const listing_domains[];

/* True when the caller may see a listing of organization org_id in status:
 * anyone once it is public (published, under contract, licensed), else only its
 * organization and platform admins. */
bool listing_visible(const struct req *r, const char *org_id, const char *status);

/* Moves listing id from status `from` to `to` in the request's transaction
 * (a deal begins, is signed or falls through) and audits it as action with why
 * in the detail. A listing no longer in `from` is a 409: the deal and its
 * listing must not part ways. */
enum rc listing_move(struct req *r, const char *id, const char *from, const char *to,
		     const char *action, const char *why) MUSTCHECK;

/* The fields of a whole listing (POST /v1/listings; PATCH checks the merge). */
extern const struct field listing_create_spec[];

/* The checks of POST /v1/listings on a whole listing body, without the ones
 * that need the database (an auction's end in the future): each field against
 * listing_create_spec, then the rules across fields (modes, pricing, patent or
 * process, the patent number and its type, dates in order). RC_OK, or a 422
 * with every bad field in r->problem.errors. Pure. */
enum rc listing_validate(struct req *r, json_t *body) MUSTCHECK;

#endif
