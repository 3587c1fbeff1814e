/*
 * bid_lists.c - the two lists of bids: a listing's (all of them for its owner
 * and admins, the caller's own for anyone else) and the caller's organization's
 * (sent, received or both). Newest first, paged by (created_at, id).
 */
#include <stdio.h>
#include <string.h>

#include "../../server/cursor.h"
#include "../../server/json.h"
#include "../listings/listings.h"
#include "bids.h"
#include "bids_internal.h"

#define US(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

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

/* Common query parameters of the two bid lists. */
static enum rc list_params(struct req *r, const char *const *known, int *limit, struct cursor *c)
{
	req_query_check(r, known);
	const char *status = req_query(r, "status");
	if (status && !str_in(bid_statuses, status))
		problem_field(r, "status",
			      "must be open, countered, accepted, rejected, withdrawn, expired or "
			      "closed");
	return page_params(r, "tu", limit, c);
}

/* The page of a caller who can have no bids there: empty. */
static enum rc reply_empty_page(struct req *r)
{
	reply_json(r, 200, json_pack("{s:[], s:n}", "data", "next_cursor"));
	return RC_OK;
}

/* GET /v1/listings/{id}/bids */
enum rc bids_list_listing(struct req *r)
{
	static const char *const known[] = {"status", "limit", "cursor", NULL};
	static const struct stmt st_listing = {
	    "bids_listing_owner",
	    "SELECT l.org_id, " LISTING_VISIBLE_TO_PUBLIC " FROM listings l WHERE l.id = $1", 1};
	enum { OWNER_ORG, OWNER_VISIBLE_TO_PUBLIC };
	int limit;
	struct cursor c;
	char lim[16];

	const char *listing_id = req_param(r, "id");
	if (!uuid_valid(listing_id))
		return problem_set(r, 404, "not-found", "no listing has this id");
	if (list_params(r, known, &limit, &c) != RC_OK)
		return RC_ERR;
	const char *owner_params[1] = {listing_id};
	PGresult *listing = db_exec(r, &st_listing, owner_params);
	if (listing == NULL)
		return RC_ERR;
	bool found = PQntuples(listing) == 1;
	bool owner = found && bid_org_matches(r->auth.org_id, PQgetvalue(listing, 0, OWNER_ORG));
	bool visible =
	    found &&
	    listing_visible(r, PQgetvalue(listing, 0, OWNER_ORG),
			    strcmp(PQgetvalue(listing, 0, OWNER_VISIBLE_TO_PUBLIC), "t") == 0);
	PQclear(listing);
	if (!visible)
		return problem_set(r, 404, "not-found", "no listing has this id");
	const char *only = owner || r->auth.platform_admin ? NULL : r->auth.org_id;
	if (only != NULL && *only == '\0')
		return reply_empty_page(r);
	snprintf(lim, sizeof lim, "%d", limit + 1);
	const char *bids_params[6] = {listing_id,
				      only,
				      req_query(r, "status"),
				      c.nparts ? c.parts[0] : NULL,
				      c.nparts ? c.parts[1] : NULL,
				      lim};
	return db_reply_page(r, &st_list_listing, bids_params, limit, 2); /* created_at, id */
}

/* GET /v1/bids?role=sent|received */
enum rc bids_list_mine(struct req *r)
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
	if (!r->auth.org_id[0])
		return reply_empty_page(r);
	snprintf(lim, sizeof lim, "%d", limit + 1);
	const char *mine_params[7] = {r->auth.org_id,
				      role,
				      req_query(r, "status"),
				      listing,
				      c.nparts ? c.parts[0] : NULL,
				      c.nparts ? c.parts[1] : NULL,
				      lim};
	return db_reply_page(r, &st_list_mine, mine_params, limit, 2);
}
