/*
 * reports.c - what the platform reports: the public statistics the city's plan
 * measures, and the audit log for admins.
 */
#include "reports.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../server/cursor.h"
#include "../../server/db.h"
#include "../../server/json.h"
#include "../listings/listings.h"

/* Per waste category (S09 red mud, ...) and year of the monthly entries of
 * every waste stream (migrations/0019): kilograms generated, handed to
 * receivers, confirmed received, and confirmed received under a licence (a
 * transfer naming its contract), also in tonnes rounded half up. */
#define WASTE_STATS                                                                           \
	"SELECT coalesce(jsonb_agg(jsonb_build_object('category', w.cat, 'year', w.yr,"       \
	" 'generated_kg', w.g, 'transferred_kg', w.tr, 'confirmed_kg', w.cf,"                 \
	" 'licensed_utilized_kg', w.lu, 'licensed_utilized_tonnes', round(w.lu / 1000.0))"    \
	" ORDER BY w.cat, w.yr), '[]') FROM (SELECT waste_category(s.waste_code) AS cat,"     \
	" left(e.period, 4)::int AS yr, sum(e.generated_kg) AS g, sum(t.kg) AS tr,"           \
	" sum(t.cf) AS cf, sum(t.lu) AS lu FROM waste_entries e"                              \
	" JOIN waste_streams s ON s.id = e.stream_id, LATERAL (SELECT coalesce(sum(x.kg), 0)" \
	"   AS kg, coalesce(sum(x.received_kg), 0) AS cf, coalesce(sum(x.received_kg)"        \
	"   FILTER (WHERE x.contract_id IS NOT NULL), 0) AS lu FROM waste_transfers x"        \
	"   WHERE x.entry_id = e.id) t GROUP BY 1, 2) w"

/* Per domain ($1: the domains in API order) and in all: public listings, deals
 * signed (contracts that became active), their upfront value, the money
 * distributed through the ledger (confirmed payments less their deductions:
 * the net income the beneficiaries share), and the tonnes of waste reported
 * used; then the waste streams' figures (WASTE_STATS) under "waste". */
static const struct stmt st_stats = {
    "reports_stats",
    "WITH d AS (SELECT value AS domain, pos FROM jsonb_array_elements_text($1::jsonb)"
    "   WITH ORDINALITY AS x(value, pos)),"
    " l AS (SELECT domain, count(*) AS n FROM listings"
    "   WHERE status IN ('published', 'under_contract', 'licensed') GROUP BY domain),"
    " c AS (SELECT l.domain, count(*) AS deals, sum(c.upfront_fee_fen) AS value"
    "   FROM contracts c JOIN listings l ON l.id = c.listing_id"
    "   WHERE c.activated_at IS NOT NULL GROUP BY l.domain),"
    " p AS (SELECT l.domain, sum(p.amount_fen - (SELECT coalesce(sum((x.d->>'amount_fen')"
    "   ::bigint), 0) FROM jsonb_array_elements(p.deductions) x(d))) AS paid FROM payments p"
    "   JOIN contracts c ON c.id = p.contract_id JOIN listings l ON l.id = c.listing_id"
    "   WHERE p.status = 'confirmed' GROUP BY l.domain),"
    " w AS (SELECT l.domain, sum(r.waste_utilized_tonnes) AS tonnes FROM royalty_reports r"
    "   JOIN contracts c ON c.id = r.contract_id JOIN listings l ON l.id = c.listing_id"
    "   GROUP BY l.domain),"
    " r AS (SELECT d.pos, d.domain, coalesce(l.n, 0) AS n, coalesce(c.deals, 0) AS deals,"
    "   coalesce(c.value, 0) AS value, coalesce(p.paid, 0) AS paid,"
    "   coalesce(w.tonnes, 0) AS tonnes FROM d LEFT JOIN l USING (domain)"
    "   LEFT JOIN c USING (domain) LEFT JOIN p USING (domain) LEFT JOIN w USING (domain))"
    " SELECT (jsonb_build_object('data', jsonb_agg(jsonb_build_object('domain', domain,"
    "   'published_listings', n, 'deals_signed', deals, 'contract_value_fen', value,"
    "   'royalties_distributed_fen', paid, 'waste_utilized_tonnes', tonnes) ORDER BY pos),"
    " 'totals', jsonb_build_object('published_listings', sum(n), 'deals_signed', sum(deals),"
    "   'contract_value_fen', sum(value), 'royalties_distributed_fen', sum(paid),"
    "   'waste_utilized_tonnes', sum(tonnes)), 'currency', 'CNY')"
    " || jsonb_build_object('waste', (" WASTE_STATS ")))::text FROM r",
    1};
enum { STATS_JSON };

/* Newest first; the cursor is the last id. Columns: AUDIT_*. */
static const struct stmt st_audit_log = {
    "reports_audit_log",
    "SELECT jsonb_build_object('id', a.id, 'at', " SQL_RFC3339(
	"a.at") ","
		" 'actor_user_id', a.actor_user_id, 'org_id', a.org_id, 'action', a.action,"
		" 'object_type', a.object_type, 'object_id', a.object_id, 'detail', a.detail,"
		" 'request_id', a.request_id)::text, 1, a.id FROM audit_log a"
		" WHERE ($1::uuid IS NULL OR a.actor_user_id = $1) AND ($2::uuid IS NULL OR "
		"a.org_id = $2)"
		" AND ($3::text IS NULL OR a.action = $3) AND ($4::text IS NULL OR a.object_type = "
		"$4)"
		" AND ($5::text IS NULL OR a.object_id = $5) AND ($6::timestamptz IS NULL OR a.at "
		">= $6)"
		" AND ($7::timestamptz IS NULL OR a.at < $7) AND ($8::bigint IS NULL OR a.id < $8)"
		" ORDER BY a.id DESC LIMIT $9",
    9};
enum { AUDIT_JSON, AUDIT_VERSION, AUDIT_ID, AUDIT_CURSOR_PARTS = 1 };

/* The snapshot every server shares (migrations/0021), and its age in ms. */
static const struct stmt st_stats_shared = {
    "reports_stats_shared",
    "SELECT body, (extract(epoch FROM now() - computed_at) * 1000)::bigint"
    " FROM stats_snapshots WHERE name = 'stats'",
    0};
enum { SHARED_BODY, SHARED_AGE_MS };

static const struct stmt st_stats_save = {
    "reports_stats_save",
    "INSERT INTO stats_snapshots (name, body) VALUES ('stats', $1)"
    " ON CONFLICT (name) DO UPDATE SET body = excluded.body, computed_at = now()",
    1};

static int stats_ttl = 10; /* seconds */

void reports_init(int ttl_seconds)
{
	stats_ttl = ttl_seconds;
}

/* The last /v1/stats answer: counting every listing and deal per domain takes
 * tens of milliseconds at 100,000 listings, and the figures need not be newer
 * than a few seconds. Each server keeps a copy and, when it is older than the
 * TTL, takes the snapshot the servers share (st_stats_shared) if that is
 * fresh: losing either costs one query. */
static struct {
	pthread_mutex_t lock;
	char *body;
	size_t len;
	int64_t at_ms;
} stats_cache = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* Replies from the cache when it is fresh; false otherwise. */
static bool stats_from_cache(struct req *r)
{
	bool hit = false;
	pthread_mutex_lock(&stats_cache.lock);
	if (stats_cache.body != NULL && now_ms() - stats_cache.at_ms < stats_ttl * 1000LL) {
		reply_raw(r, 200, "application/json", stats_cache.body, stats_cache.len);
		hit = true;
	}
	pthread_mutex_unlock(&stats_cache.lock);
	return hit;
}

/* Keeps body, counted age_ms ago, as this server's copy. */
static void stats_remember(const char *body, size_t len, int64_t age_ms)
{
	pthread_mutex_lock(&stats_cache.lock);
	free(stats_cache.body);
	stats_cache.body = xstrndup(body, len);
	stats_cache.len = len;
	stats_cache.at_ms = now_ms() - age_ms;
	pthread_mutex_unlock(&stats_cache.lock);
}

/* GET /v1/stats */
static enum rc reports_stats(struct req *r)
{
	static const char *const known[] = {NULL};
	req_query_check(r, known);
	if (problem_fields_done(r) != RC_OK)
		return RC_ERR;
	char max_age[40];
	snprintf(max_age, sizeof max_age, "public, max-age=%d", stats_ttl);
	reply_header(r, "Cache-Control", max_age);
	if (stats_ttl > 0) {
		if (stats_from_cache(r))
			return RC_OK;
		PGresult *shared = db_exec(r, &st_stats_shared, NULL);
		if (shared == NULL)
			return RC_ERR;
		int64_t age_ms = PQntuples(shared) == 1
				     ? strtoll(PQgetvalue(shared, 0, SHARED_AGE_MS), NULL, 10)
				     : INT64_MAX;
		if (age_ms >= 0 && age_ms < stats_ttl * 1000LL) {
			const char *body = PQgetvalue(shared, 0, SHARED_BODY);
			size_t len = (size_t)PQgetlength(shared, 0, SHARED_BODY);
			reply_raw(r, 200, "application/json", body, len);
			stats_remember(body, len, age_ms);
			PQclear(shared);
			return RC_OK;
		}
		PQclear(shared);
	}
	json_t *domains = json_array();
	for (const char *const *d = listing_domains; *d; d++)
		json_array_append_new(domains, json_string(*d));
	char *text = json_dumps(domains, JSON_COMPACT);
	json_decref(domains);
	const char *stats_params[1] = {text};
	PGresult *res = db_exec(r, &st_stats, stats_params);
	free(text);
	if (res == NULL)
		return RC_ERR;
	const char *body = PQgetvalue(res, 0, STATS_JSON);
	size_t len = (size_t)PQgetlength(res, 0, STATS_JSON);
	reply_raw(r, 200, "application/json", body, len);
	enum rc rc = RC_OK;
	if (stats_ttl > 0) {
		stats_remember(body, len, 0);
		/* for the other servers; a replica cannot write, the primary's
		 * snapshot reaches it */
		if (r->db != r->read_db) {
			const char *save_params[1] = {body};
			rc = db_exec_deferred(r, &st_stats_save, save_params);
		}
	}
	PQclear(res);
	return rc;
}

/* The audit log's filters, read from the query by the body validator. */
const struct field reports_audit_filters[] = {
    {.name = "actor_user_id", .type = F_UUID},
    {.name = "org_id", .type = F_UUID},
    {.name = "action", .type = F_TEXT1, .min = 1, .max = 100},
    {.name = "object_type", .type = F_TEXT1, .min = 1, .max = 100},
    {.name = "object_id", .type = F_TEXT1, .min = 1, .max = 200},
    {.name = "from", .type = F_MOMENT},
    {.name = "to", .type = F_MOMENT},
    {0},
};

/* GET /v1/admin/audit-log */
static enum rc reports_audit_log(struct req *r)
{
	static const char *const known[] = {"actor_user_id", "org_id", "action", "object_type",
					    "object_id",     "from",   "to",     "limit",
					    "cursor",        NULL};
	int limit;
	struct cursor cur;
	char lim[16];

	req_query_check(r, known);
	(void)query_validate(r, reports_audit_filters); /* reported with the others below */
	if (page_params(r, "n", &limit, &cur) != RC_OK)
		return RC_ERR;
	snprintf(lim, sizeof lim, "%d", limit + 1);
	const char *filter_params[9] = {req_query(r, "actor_user_id"),
					req_query(r, "org_id"),
					req_query(r, "action"),
					req_query(r, "object_type"),
					req_query(r, "object_id"),
					req_query(r, "from"),
					req_query(r, "to"),
					cur.nparts ? cur.parts[0] : NULL,
					lim};
	return db_reply_page(r, &st_audit_log, filter_params, limit, AUDIT_CURSOR_PARTS);
}

const struct route reports_routes[] = {
    {M_GET, "/v1/stats", reports_stats, ROUTE_REPLICA, "getStats", NULL},
    {M_GET, "/v1/admin/audit-log", reports_audit_log, ROUTE_ADMIN, "getAuditLog", NULL},
};
const size_t reports_routes_count = ARRAY_LEN(reports_routes);
