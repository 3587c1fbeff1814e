/*
 * search.c - the lists of listings: the public search (GET /v1/listings) and
 * an organization's own listings (GET /v1/orgs/{id}/listings).
 *
 * A query becomes units (techex_search_query, migration 0020): each synonym
 * group it names, then each remaining term (bigrams of Chinese runs, Latin
 * words). Relevance ranks listings that match every unit first, those whose
 * title or tags hold them all before the others, then listings that match at
 * least 60 % of the units, more first; newest first within a rank, the id last.
 * The other sorts keep the same matches. A result goes into the search cache
 * with the search version read before it, and is served from there while the
 * version stays.
 */
#include "search.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../server/cursor.h"
#include "../../server/db.h"
#include "../../server/json.h"
#include "listing_body.h"
#include "listing_sql.h"
#include "listings.h"
#include "search_cache.h"

/* Every search statement takes the query as $1 (NULL: no query) and what
 * techex_search_query made of it as values, so that each plan sees the real
 * terms ($2 full, $3 any, $4 units, $5 n, $6 need; see st_search_units);
 * then the optional filters, $7 domain .. $12 org. */
#define SEARCH_FILTERS                                                                   \
	" AND ($7::text IS NULL OR l.domain = $7) AND ($8::text IS NULL OR l.kind = $8)" \
	" AND ($9::text IS NULL OR $9 = ANY (l.transaction_modes))"                      \
	" AND ($10::text IS NULL OR l.pricing_mode = $10)"                               \
	" AND ($11::int IS NULL OR l.trl >= $11) AND ($12::uuid IS NULL OR l.org_id = $12)"

/* Whether listing l answers the query ($1 NULL: every listing does): every
 * unit, or at least need of them. The index finds l by any unit. */
#define SEARCH_MATCH                                                                  \
	" ($1::text IS NULL OR (l.search @@ $3::tsquery AND (l.search @@ $2::tsquery" \
	" OR ($5::int > 1 AND techex_search_hits(l.search, $4::tsquery[]) >= $6::int))))"

#define SEARCH_FROM                                                \
	" FROM listings l JOIN organizations o ON o.id = l.org_id" \
	" WHERE " LISTING_VISIBLE_TO_PUBLIC " AND" SEARCH_MATCH SEARCH_FILTERS

/* What a query asks for (migration 0020), its columns in the order of $2 .. $6. */
#define UNITS_SQL                                                                  \
	"SELECT full_q::text, any_q::text, units::text, n::text, need::text FROM " \
	"techex_search_query($1)"
static const struct stmt st_search_units = {"listings_search_units", UNITS_SQL, 1};
enum { UNITS_FULL, UNITS_ANY, UNITS_ALL, UNITS_N, UNITS_NEED, UNITS_COLUMNS };

/* One statement per sort order, keyset paging on ($13, $14), $15 the limit.
 * Columns: json, version, sort key, id. */
static const struct stmt st_search_newest = {
    "listings_search_newest",
    "SELECT " LISTING_WITH_ORG_JSON
    ", " TS_US("l.published_at") ", l.id" SEARCH_FROM " AND ($13::text IS NULL OR (l.published_at, "
				 "l.id) < ($13::timestamptz, $14::uuid))"
				 " ORDER BY l.published_at DESC, l.id DESC LIMIT $15",
    15};

static const struct stmt st_search_price_asc = {
    "listings_search_price_asc",
    "SELECT " LISTING_WITH_ORG_JSON
    ", coalesce(l.asking_price_fen, 9223372036854775807), l.id" SEARCH_FROM
    " AND ($13::text IS NULL OR (coalesce(l.asking_price_fen, 9223372036854775807),"
    " l.id) > ($13::bigint, $14::uuid))"
    " ORDER BY coalesce(l.asking_price_fen, 9223372036854775807), l.id LIMIT $15",
    15};

static const struct stmt st_search_price_desc = {
    "listings_search_price_desc",
    "SELECT " LISTING_WITH_ORG_JSON ", coalesce(l.asking_price_fen, -1), l.id" SEARCH_FROM
    " AND ($13::text IS NULL OR (coalesce(l.asking_price_fen, -1), l.id) < ($13::bigint,"
    " $14::uuid)) ORDER BY coalesce(l.asking_price_fen, -1) DESC, l.id DESC LIMIT $15",
    15};

/* Relevance: the rank is 2 × the units matched, plus one when the title and
 * tags (search_head) hold every matched unit. Full matches (ranks 2n + 1 and
 * 2n) are read as two scans in publication order that stop when the page is
 * full, so a common term never ranks every match; partial matches (n > 1
 * only) are ranked when the page still has room. Cursor: ($13 rank,
 * $14 published_at, $15 id); $16 the limit. */
#define REL_FROM                                                   \
	" FROM listings l JOIN organizations o ON o.id = l.org_id" \
	" WHERE $1::text IS NOT NULL AND " LISTING_VISIBLE_TO_PUBLIC SEARCH_FILTERS
#define REL_COLUMNS(rank) \
	"SELECT " LISTING_WITH_ORG_JSON ", (" rank ")::text, " TS_US("l.published_at") ", l.id"
#define REL_AFTER " (l.published_at, l.id) < ($14::timestamptz, $15::uuid)"
#define REL_ORDER " ORDER BY l.published_at DESC, l.id DESC LIMIT $16"

static const struct stmt st_search_relevance = {
    "listings_search_relevance",
    "(" REL_COLUMNS("2 * $5::int + 1") REL_FROM
    " AND l.search @@ $2::tsquery AND l.search_head @@ $2::tsquery"
    " AND ($13::int IS NULL OR ($13::int = 2 * $5::int + 1 AND" REL_AFTER "))" REL_ORDER ")"
    " UNION ALL (" REL_COLUMNS("2 * $5::int") REL_FROM
    " AND l.search @@ $2::tsquery AND NOT l.search_head @@ $2::tsquery"
    " AND ($13::int IS NULL OR $13::int > 2 * $5::int OR ($13::int = 2 * $5::int AND" REL_AFTER
    "))" REL_ORDER ")"
    " UNION ALL (" REL_COLUMNS(
	"p.rank") " FROM listings l JOIN organizations o ON o.id = l.org_id,"
		  " LATERAL (SELECT techex_search_hits(l.search, $4::tsquery[]) AS hits) h,"
		  " LATERAL (SELECT 2 * h.hits + (techex_search_hits(l.search_head, $4::tsquery[])"
		  "   = h.hits)::int AS rank) p"
		  " WHERE $1::text IS NOT NULL AND " LISTING_VISIBLE_TO_PUBLIC SEARCH_FILTERS
		  " AND $5::int > 1 AND l.search @@ $3::tsquery AND NOT l.search @@ $2::tsquery"
		  " AND h.hits >= $6::int AND ($13::int IS NULL OR (p.rank, l.published_at, l.id)"
		  " < ($13::int, $14::timestamptz, $15::uuid))"
		  " ORDER BY p.rank DESC, l.published_at DESC, l.id DESC LIMIT $16)"
		  " LIMIT $16",
    16};

/* The counts per value of the facets named in $13 (a text[]), over every
 * listing the search finds, not only a page: {"domain": [{value, count}], ...},
 * most frequent first. */
static const struct stmt st_search_facets = {
    "listings_search_facets",
    "WITH m AS MATERIALIZED (SELECT l.domain, l.kind, l.trl FROM listings l"
    " WHERE " LISTING_VISIBLE_TO_PUBLIC " AND" SEARCH_MATCH SEARCH_FILTERS "),"
    " f (facet, value, c) AS (SELECT 'domain', to_jsonb(domain), count(*) FROM m GROUP BY domain"
    "   UNION ALL SELECT 'kind', to_jsonb(kind), count(*) FROM m GROUP BY kind"
    "   UNION ALL SELECT 'trl', to_jsonb(trl), count(*) FROM m GROUP BY trl)"
    " SELECT jsonb_object_agg(r.facet, (SELECT coalesce(jsonb_agg(jsonb_build_object("
    "   'value', f.value, 'count', f.c) ORDER BY f.c DESC, f.value), '[]') FROM f"
    "   WHERE f.facet = r.facet))::text"
    " FROM unnest($13::text[]) AS r (facet)",
    13};
enum { FACETS_JSON };

/* The search version: every change a search could show raises it. */
static const struct stmt st_search_version = {"listings_search_version",
					      "SELECT sum(n)::text FROM search_versions", 0};
enum { VERSION_SUM };

static const char *const sorts[] = {"relevance", "newest", "price_asc", "price_desc", NULL};
static const char *const facet_names[] = {"domain", "kind", "trl", NULL};
static const char *const trl_values[] = {"1", "2", "3", "4", "5", "6", "7", "8", "9", NULL};

/* Reads ?facets= (names from facet_names, comma-separated) into out as a
 * PostgreSQL array ("{domain,trl}"); out is "" without one. A 422 names every
 * allowed facet. */
static void facets_param(struct req *r, char *out, size_t len)
{
	const char *f = req_query(r, "facets");
	*out = '\0';
	if (f == NULL)
		return;
	char buf[64];
	if (strlen(f) >= sizeof buf) {
		problem_enum(r, "facets", facet_names);
		return;
	}
	snprintf(buf, sizeof buf, "%s", f);
	size_t at = (size_t)snprintf(out, len, "{");
	char *save = NULL;
	for (char *name = strtok_r(buf, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		if (!str_in(facet_names, name)) {
			problem_enum(r, "facets", facet_names);
			*out = '\0';
			return;
		}
		at += (size_t)snprintf(out + at, len - at, "%s%s", at > 1 ? "," : "", name);
	}
	if (at == 1) {
		problem_enum(r, "facets", facet_names);
		*out = '\0';
		return;
	}
	snprintf(out + at, len - at, "}");
}

/* The validated parameters of a search. */
struct search {
	const char *q, *domain, *kind, *mode, *pricing, *min_trl, *org, *sort;
	char facets[48];
};

/* Reads and checks the query string; every bad field at once (a 422). */
static enum rc search_params(struct req *r, struct search *s)
{
	static const char *const known[] = {
	    "q",      "domain", "kind",  "transaction_mode", "pricing_mode", "min_trl",
	    "org_id", "sort",   "limit", "cursor",           "facets",       NULL};
	req_query_check(r, known);
	s->q = req_query(r, "q");
	s->domain = req_query(r, "domain");
	s->kind = req_query(r, "kind");
	s->mode = req_query(r, "transaction_mode");
	s->pricing = req_query(r, "pricing_mode");
	s->min_trl = req_query(r, "min_trl");
	s->org = req_query(r, "org_id");
	s->sort = req_query(r, "sort");
	if (s->q != NULL) {
		json_t *js = json_string(s->q); /* NULL unless valid UTF-8 */
		if (js == NULL)
			problem_field(r, "q", "must be UTF-8 text");
		else if (utf8_length(s->q) > 200)
			problem_field(r, "q", "must be at most 200 characters");
		json_decref(js);
		if (*s->q == '\0')
			s->q = NULL;
	}
	if (s->domain && !str_in(listing_domains, s->domain))
		problem_enum(r, "domain", listing_domains);
	if (s->kind && !str_in(listing_kinds, s->kind))
		problem_enum(r, "kind", listing_kinds);
	if (s->mode && !str_in(listing_modes, s->mode))
		problem_enum(r, "transaction_mode", listing_modes);
	if (s->pricing && !str_in(listing_pricing_modes, s->pricing))
		problem_enum(r, "pricing_mode", listing_pricing_modes);
	if (s->min_trl && !str_in(trl_values, s->min_trl))
		problem_field(r, "min_trl", "must be an integer from 1 to 9");
	if (s->org && !uuid_valid(s->org))
		problem_field(r, "org_id", "must be an organization id");
	if (s->sort && !str_in(sorts, s->sort))
		problem_enum(r, "sort", sorts);
	facets_param(r, s->facets, sizeof s->facets);
	return RC_OK;
}

/* The cache key of a search: every parameter that shapes the answer. Caller
 * frees. */
static char *search_key(const struct search *s, int limit, const char *cursor)
{
	const char *parts[] = {s->q,       s->domain, s->kind, s->mode, s->pricing,
			       s->min_trl, s->org,    s->sort, cursor,  s->facets};
	size_t len = 32;
	for (size_t i = 0; i < ARRAY_LEN(parts); i++)
		len += (parts[i] ? strlen(parts[i]) : 0) + 2;
	char *key = xmalloc(len), *o = key;
	o += sprintf(o, "%d", limit);
	for (size_t i = 0; i < ARRAY_LEN(parts); i++) {
		*o++ = '\x1f';
		if (parts[i] == NULL)
			*o++ = '\x1e'; /* absent, unlike empty */
		else
			o = stpcpy(o, parts[i]);
	}
	*o = '\0';
	return key;
}

/* ",\"facets\":{...}" for the search's facets, or "" without any. Caller frees. */
static char *facets_json(struct req *r, const struct search *s, const char *const *params)
{
	if (!s->facets[0])
		return xstrdup("");
	const char *facet_params[13];
	memcpy(facet_params, params, 12 * sizeof *facet_params);
	facet_params[12] = s->facets;
	PGresult *res = db_exec_planned(r, &st_search_facets, facet_params);
	if (res == NULL)
		return NULL;
	const char *json = PQgetvalue(res, 0, FACETS_JSON);
	char *out = xmalloc(strlen(json) + 16);
	sprintf(out, ",\"facets\":%s", json);
	PQclear(res);
	return out;
}

/* The search version as the database has it now, into v. */
static enum rc search_version(struct req *r, char *v, size_t len)
{
	PGresult *res = db_exec(r, &st_search_version, NULL);
	if (res == NULL)
		return RC_ERR;
	snprintf(v, len, "%s", PQgetvalue(res, 0, VERSION_SUM));
	PQclear(res);
	return RC_OK;
}

enum rc listings_search(struct req *r)
{
	struct search s;
	int limit;
	struct cursor c;
	char lim[16], version[32];

	if (search_params(r, &s) != RC_OK)
		return RC_ERR;
	const struct stmt *st = &st_search_newest;
	if (s.sort == NULL || strcmp(s.sort, "relevance") == 0)
		st = s.q != NULL ? &st_search_relevance : &st_search_newest;
	else if (strcmp(s.sort, "price_asc") == 0)
		st = &st_search_price_asc;
	else if (strcmp(s.sort, "price_desc") == 0)
		st = &st_search_price_desc;
	bool ranked = st == &st_search_relevance; /* its cursor carries the rank too */
	bool priced = st == &st_search_price_asc || st == &st_search_price_desc;
	const char *shape = ranked ? "ntu" : priced ? "iu" : "tu";
	int nparts = (int)strlen(shape);

	/* page_params adds its own errors to these and reports them all at once */
	if (page_params(r, shape, &limit, &c) != RC_OK)
		return RC_ERR;

	/* the version first: a result read after it is at least as new as it */
	if (search_version(r, version, sizeof version) != RC_OK)
		return RC_ERR;
	char *key = search_key(&s, limit, req_query(r, "cursor")), *body = NULL, *facets = NULL;
	size_t len;
	if ((body = search_cache_get(key, version, &len)) != NULL) {
		free(key);
		reply_json_text(r, 200, body, len);
		return RC_OK;
	}

	enum rc rc = RC_ERR;
	PGresult *units = NULL, *res = NULL;
	const char *search_args[16] = {s.q};
	if (s.q != NULL) {
		if ((units = db_exec(r, &st_search_units, search_args)) == NULL)
			goto out;
		for (int k = 0; k < UNITS_COLUMNS; k++)
			search_args[1 + k] = PQgetvalue(units, 0, k);
	}
	const char *filters[] = {s.domain, s.kind, s.mode, s.pricing, s.min_trl, s.org};
	memcpy(search_args + 6, filters, sizeof filters);
	int at = 12;
	for (int k = 0; k < nparts; k++)
		search_args[at++] = c.nparts ? c.parts[k] : NULL;
	snprintf(lim, sizeof lim, "%d", limit + 1);
	search_args[at] = lim;
	res = db_exec_planned(r, st, search_args);
	if (res == NULL) {
		/* a cursor from another sort order does not parse as this one's key */
		if (r->problem.status == 422 && c.nparts) {
			problem_clear(&r->problem);
			problem_field(r, "cursor", "belongs to another sort order");
			rc = problem_fields_done(r);
		}
		goto out;
	}
	if ((facets = facets_json(r, &s, search_args)) == NULL)
		goto out;
	body = page_json(res, limit, nparts, facets, &len);
	search_cache_put(key, version, body, len);
	reply_json_text(r, 200, body, len);
	rc = RC_OK;
out:
	PQclear(res);
	PQclear(units);
	free(facets);
	free(key);
	return rc;
}

/* An organization's listings, newest first; $2 a status or NULL; cursor
 * ($3 created_at, $4 id), $5 the limit. */
static const struct stmt st_org_listings = {
    "listings_of_org",
    "SELECT " LISTING_WITH_ORG_JSON
    ", " TS_US("l.created_at") ", l.id"
			       " FROM listings l JOIN organizations o ON o.id = l.org_id WHERE "
			       "l.org_id = $1"
			       " AND ($2::text IS NULL OR l.status = $2)"
			       " AND ($3::timestamptz IS NULL OR (l.created_at, l.id) < "
			       "($3::timestamptz, $4::uuid))"
			       " ORDER BY l.created_at DESC, l.id DESC LIMIT $5",
    5};

static const struct stmt st_org_exists = {
    "listings_org_exists", "SELECT EXISTS (SELECT 1 FROM organizations WHERE id = $1)", 1};
enum { ORG_EXISTS };

enum rc listings_of_org(struct req *r)
{
	static const char *const known[] = {"status", "limit", "cursor", NULL};
	const char *org = req_param(r, "id");
	int limit;
	struct cursor c;
	char lim[16];

	if (!uuid_valid(org) || (strcmp(r->auth.org_id, org) != 0 && !r->auth.platform_admin))
		return problem_set(r, 404, "not-found", "no listings for this organization");
	req_query_check(r, known);
	const char *status = req_query(r, "status");
	if (status && !str_in(listing_statuses, status))
		problem_enum(r, "status", listing_statuses);
	if (page_params(r, "tu", &limit, &c) != RC_OK)
		return RC_ERR;
	if (strcmp(r->auth.org_id, org) != 0) { /* an admin: the organization must exist */
		const char *exists_params[1] = {org};
		PGresult *e = db_exec(r, &st_org_exists, exists_params);
		if (e == NULL)
			return RC_ERR;
		bool exists = strcmp(PQgetvalue(e, 0, ORG_EXISTS), "t") == 0;
		PQclear(e);
		if (!exists)
			return problem_set(r, 404, "not-found",
					   "no listings for this organization");
	}
	snprintf(lim, sizeof lim, "%d", limit + 1);
	const char *list_params[5] = {org, status, c.nparts ? c.parts[0] : NULL,
				      c.nparts ? c.parts[1] : NULL, lim};
	return reply_page_of(r, db_exec(r, &st_org_listings, list_params), limit, 2);
}
