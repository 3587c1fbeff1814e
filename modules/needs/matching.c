/*
 * matching.c - needs ↔ listings ↔ waste streams, ranked and explained.
 *
 * The score of a pair and the reasons that make it are the SQL functions
 * need_listing_match and stream_listing_match (migrations/0019; the table is
 * in the README, "Matching"): deterministic, so the same data gives the same
 * order; ties go to the smaller id. Only published listings and published
 * needs of other organizations are ranked. A listing newly published raises
 * need.matched for every published need it matches strongly (a waste code or
 * domain reason), once per need and listing (needs_listing_published).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../server/cursor.h"
#include "../../server/db.h"
#include "../../server/json.h"
#include "../events/events.h"
#include "../listings/listings.h"
#include "../platform/platform.h"
#include "needs_internal.h"

// clang-format off
#define LISTING_BRIEF                                                                     \
	"jsonb_build_object('id', l.id, 'title', l.title, 'kind', l.kind, 'domain', l.domain," \
	" 'trl', l.trl, 'tags', to_jsonb(l.tags), 'transaction_modes',"                       \
	" to_jsonb(l.transaction_modes), 'org', jsonb_build_object('id', o.id, 'name', o.name))"
/* Keyset after ($2 score, $3 id) in the order score DESC, id ASC; $4 the limit. */
#define MATCH_PAGE                                                                        \
	" AND ($2::int IS NULL OR (x.m->>'score')::int < $2"                                  \
	"   OR ((x.m->>'score')::int = $2 AND x.id > $3::uuid))"                               \
	" ORDER BY (x.m->>'score')::int DESC, x.id LIMIT $4"
// clang-format on

/* Columns of the match lists: the match, a version (1), score and id. */
static const struct stmt st_need_matches = {
    "matching_need",
    "SELECT jsonb_build_object('listing', x.brief, 'score', (x.m->>'score')::int,"
    " 'reasons', x.m->'reasons')::text, 1, x.m->>'score', x.id FROM ("
    "   SELECT l.id, " LISTING_BRIEF " AS brief, need_listing_match(n, l) AS m"
    "   FROM needs n JOIN listings l ON l.status = 'published' AND l.org_id <> n.org_id"
    "   JOIN organizations o ON o.id = l.org_id WHERE n.id = $1) x"
    " WHERE x.m IS NOT NULL" MATCH_PAGE,
    4};

static const struct stmt st_stream_matches = {
    "matching_stream",
    "SELECT jsonb_build_object('listing', x.brief, 'score', (x.m->>'score')::int,"
    " 'reasons', x.m->'reasons')::text, 1, x.m->>'score', x.id FROM ("
    "   SELECT l.id, " LISTING_BRIEF " AS brief, stream_listing_match(s, l) AS m"
    "   FROM waste_streams s JOIN listings l ON l.status = 'published' AND l.org_id <> s.org_id"
    "   JOIN organizations o ON o.id = l.org_id WHERE s.id = $1) x"
    " WHERE x.m IS NOT NULL" MATCH_PAGE,
    4};

static const struct stmt st_listing_matches = {
    "matching_listing",
    "SELECT jsonb_build_object('need', x.brief, 'score', (x.m->>'score')::int,"
    " 'reasons', x.m->'reasons')::text, 1, x.m->>'score', x.id FROM ("
    "   SELECT n.id, need_json(n) || jsonb_build_object('org', jsonb_build_object('id', o.id,"
    "     'name', o.name)) AS brief, need_listing_match(n, l) AS m"
    "   FROM listings l JOIN needs n ON n.status = 'published' AND n.org_id <> l.org_id"
    "   JOIN organizations o ON o.id = n.org_id WHERE l.id = $1) x"
    " WHERE x.m IS NOT NULL" MATCH_PAGE,
    4};

/* Who owns the object a match list is asked for, and whether anyone may see
 * it: a listing, a waste stream. */
static const struct stmt st_listing_owner = {
    "matching_listing_owner",
    "SELECT l.org_id, " LISTING_VISIBLE_TO_PUBLIC " FROM listings l WHERE l.id = $1", 1};
static const struct stmt st_stream_owner = {
    "matching_stream_owner", "SELECT s.org_id, s.public FROM waste_streams s WHERE s.id = $1", 1};
enum { O_ORG, O_PUBLIC };

/* The published needs listing $1 newly matches strongly, each recorded once
 * in need_matches_notified: need, its organization, score and reasons. */
static const struct stmt st_newly_matched = {
    "matching_newly_matched",
    "WITH m AS (SELECT n.id AS need_id, n.org_id, need_listing_match(n, l) AS m"
    "   FROM listings l JOIN needs n ON n.status = 'published' AND n.org_id <> l.org_id"
    "   WHERE l.id = $1),"
    " ins AS (INSERT INTO need_matches_notified (need_id, listing_id, score)"
    "   SELECT m.need_id, $1, (m.m->>'score')::int FROM m WHERE m.m IS NOT NULL"
    "   AND jsonb_path_exists(m.m, '$.reasons[*] ? (@.kind == \"waste_code\""
    "     || @.kind == \"domain\")')"
    "   ON CONFLICT DO NOTHING RETURNING need_id, score)"
    " SELECT ins.need_id, m.org_id, ins.score, (m.m->'reasons')::text"
    " FROM ins JOIN m USING (need_id) ORDER BY ins.need_id",
    1};
enum { NM_NEED, NM_ORG, NM_SCORE, NM_REASONS };

static const struct stmt st_domains = {
    "matching_domains",
    "SELECT jsonb_build_object('data', jsonb_agg(jsonb_build_object('code', d.code,"
    " 'domain', d.code, 'name_zh', d.name_zh, 'name_en', d.name_en,"
    " 'waste_categories', to_jsonb(d.waste_categories)) ORDER BY d.pos))::text FROM domains d",
    0};

static bool member_of(const struct req *r, const char *org_id)
{
	return r->auth.org_id[0] && strcmp(r->auth.org_id, org_id) == 0;
}

/* Checks that the caller may ask for the matches of the object {id} (owner
 * st gives its organization and whether it is public): its organization and
 * admins; 404 to whoever may not see it, 403 to others. */
static enum rc owner_only(struct req *r, const struct stmt *st, const char *noun)
{
	const char *id = req_param(r, "id");
	if (!uuid_valid(id))
		return db_not_found(r, noun);
	const char *owner_params[1] = {id};
	PGresult *res = db_exec(r, st, owner_params);
	if (res == NULL)
		return RC_ERR;
	enum rc rc = RC_OK;
	if (PQntuples(res) != 1)
		rc = db_not_found(r, noun);
	else if (!r->auth.platform_admin && !member_of(r, PQgetvalue(res, 0, O_ORG)))
		rc = strcmp(PQgetvalue(res, 0, O_PUBLIC), "t") == 0
			 ? problem_set(r, 403, "forbidden",
				       "only the %s's organization sees its matches", noun)
			 : db_not_found(r, noun);
	PQclear(res);
	return rc;
}

/* Replies with a page of matches from st ($1 the object's id). */
static enum rc match_page(struct req *r, const struct stmt *st)
{
	static const char *const known[] = {"limit", "cursor", NULL};
	int limit;
	struct cursor c;
	char lim[16];
	req_query_check(r, known);
	if (page_params(r, "nu", &limit, &c) != RC_OK)
		return RC_ERR;
	snprintf(lim, sizeof lim, "%d", limit + 1);
	const char *match_params[4] = {req_param(r, "id"), c.nparts ? c.parts[0] : NULL,
				       c.nparts ? c.parts[1] : NULL, lim};
	return db_reply_page(r, st, match_params, limit, 2);
}

/* GET /v1/needs/{id}/matches */
enum rc matching_for_need(struct req *r)
{
	PGresult *need = need_load(r, false);
	if (need == NULL)
		return RC_ERR;
	bool mine = r->auth.platform_admin || member_of(r, PQgetvalue(need, 0, N_ORG));
	PQclear(need);
	if (!mine)
		return problem_set(r, 403, "forbidden",
				   "only the need's organization sees its matches");
	return match_page(r, &st_need_matches);
}

/* GET /v1/waste-streams/{id}/matches */
enum rc matching_for_stream(struct req *r)
{
	if (owner_only(r, &st_stream_owner, "waste stream") != RC_OK)
		return RC_ERR;
	return match_page(r, &st_stream_matches);
}

/* GET /v1/listings/{id}/matches */
enum rc matching_for_listing(struct req *r)
{
	if (owner_only(r, &st_listing_owner, "listing") != RC_OK)
		return RC_ERR;
	return match_page(r, &st_listing_matches);
}

/* GET /v1/domains */
enum rc domains_list(struct req *r)
{
	static const char *const known[] = {NULL};
	req_query_check(r, known);
	if (problem_fields_done(r) != RC_OK)
		return RC_ERR;
	return db_reply_json(r, 200, &st_domains, NULL);
}

enum rc needs_listing_published(struct req *r, const char *listing_id)
{
	const char *matched_params[1] = {listing_id};
	PGresult *res = db_exec(r, &st_newly_matched, matched_params);
	if (res == NULL)
		return RC_ERR;
	enum rc rc = RC_OK;
	for (int i = 0; i < PQntuples(res) && rc == RC_OK; i++) {
		const char *need = PQgetvalue(res, i, NM_NEED), *org = PQgetvalue(res, i, NM_ORG);
		json_int_t score = strtoll(PQgetvalue(res, i, NM_SCORE), NULL, 10);
		json_t *reasons = json_loads(PQgetvalue(res, i, NM_REASONS), 0, NULL);
		rc = audit_write(r, "need.matched", "need", need, org,
				 json_pack("{s:s, s:I}", "listing_id", listing_id, "score", score));
		if (rc == RC_OK)
			rc = event_record(r, "need.matched", org, NULL,
					  json_pack("{s:s, s:s, s:I, s:o}", "need_id", need,
						    "listing_id", listing_id, "score", score,
						    "reasons", reasons ? reasons : json_array()));
		else
			json_decref(reasons);
	}
	PQclear(res);
	return rc;
}
