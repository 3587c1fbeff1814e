/*
 * search.h - the listings module's lists: the public search and an
 * organization's own listings. Private to modules/listings (its route table).
 */
#ifndef TECHEX_SEARCH_H
#define TECHEX_SEARCH_H

#include "../../server/req.h"

/* GET /v1/listings: public listings searched (every term first, then most of
 * them, synonyms matching each other), filtered, sorted, paged, with facets on
 * request; answered from the search cache while its version holds. */
enum rc listings_search(struct req *r);

/* GET /v1/orgs/{id}/listings: every listing of the organization, in any or one
 * status, newest first; its members and platform admins only (404 otherwise). */
enum rc listings_of_org(struct req *r);

#endif
