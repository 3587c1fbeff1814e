/*
 * desk.c - GET /v1/admin/deals: everything about deals that waits for a
 * person, oldest first, for the platform admins; and the desk's route table.
 *
 * Each kind of item is one SELECT of its own (DESK_* below), all of the same
 * columns: kind, rank (the kind's place in the order among items of the same
 * moment and object), object_type, object_id, contract_id, since (when it began
 * to need a person) and a one-line summary. The list is their UNION ALL,
 * ordered by (since, object_id, rank), which is also the cursor.
 *
 * The kinds (api-spec/openapi.yaml, DealDeskItem):
 *   payment_disputed  a payment its licensor disputed; since the dispute
 *   dispute_open      a contract dispute not yet resolved; since it was opened
 *   contract_hold     a contract on hold; since the hold
 *   draft_stale       a contract still a draft 30 days (or more) after it was
 *                     drafted; since it was drafted
 *   royalty_overdue   an active contract with royalty_bp > 0 whose next royalty
 *                     report is late: it was due 3 calendar months after the
 *                     end of the last reported period (or, with no report yet,
 *                     3 months after the day before term_start), that day has
 *                     passed in China, and the reports do not yet reach
 *                     term_end; since the first day it was late
 *   notice_objection  a public notice with a pending objection
 */
#include <stdio.h>
#include <string.h>

#include "../../server/cursor.h"
#include "../../server/db.h"
#include "desk.h"
#include "desk_internal.h"

#define TS(col) SQL_RFC3339(col)
#define US(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
#define SHANGHAI_TODAY "(now() AT TIME ZONE 'Asia/Shanghai')::date"
#define TITLE "(c.subject -> 'listing' ->> 'title')"

// clang-format off
/* ---- one SELECT per kind ------------------------------------------------- */

#define DESK_PAYMENT_DISPUTED                                                               \
	"SELECT 'payment_disputed'::text AS kind, 1 AS rank, 'payment'::text AS object_type,"  \
	" p.id AS object_id, p.contract_id, p.decided_at AS since,"                           \
	" format('%s: payment of %s fen (%s) disputed by the licensor: %s', " TITLE ","       \
	"   p.amount_fen, p.reference, p.dispute_reason) AS summary"                          \
	" FROM payments p JOIN contracts c ON c.id = p.contract_id WHERE p.status = 'disputed'"

#define DESK_DISPUTE_OPEN                                                                   \
	"SELECT 'dispute_open', 2, 'dispute', d.id, d.contract_id, d.created_at,"             \
	" format('%s: dispute opened by the %s: %s', " TITLE ","                               \
	"   CASE WHEN d.opened_by_org_id = c.licensor_org_id THEN 'licensor'"                  \
	"   ELSE 'licensee' END, d.subject)"                                                   \
	" FROM disputes d JOIN contracts c ON c.id = d.contract_id WHERE d.status = 'open'"

#define DESK_CONTRACT_HOLD                                                                  \
	"SELECT 'contract_hold', 3, 'contract', c.id, c.id, h.held_at,"                        \
	" format('%s: %s contract on hold: %s', " TITLE ", c.status, h.reason)"               \
	" FROM contract_holds h JOIN contracts c ON c.id = h.contract_id"                      \
	" WHERE h.released_at IS NULL"

#define DESK_DRAFT_STALE                                                                    \
	"SELECT 'draft_stale', 4, 'contract', c.id, c.id, c.created_at,"                       \
	" format('%s: still a draft, unsigned since %s', " TITLE ","                           \
	"   to_char(c.created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'))"                 \
	" FROM contracts c WHERE c.status = 'draft'"                                          \
	" AND c.created_at <= now() - make_interval(days => 30)"

#define DESK_ROYALTY_OVERDUE                                                                \
	"SELECT 'royalty_overdue', 5, 'contract', c.id, c.id,"                                 \
	" ((o.due + 1)::timestamp AT TIME ZONE 'Asia/Shanghai'),"                              \
	" format('%s: royalty report overdue: %s; the next was due by %s', " TITLE ","         \
	"   CASE WHEN l.last_end IS NULL THEN 'none since the term started on ' || c.term_start" \
	"   ELSE 'the last covers up to ' || l.last_end END, o.due)"                           \
	" FROM contracts c"                                                                     \
	" CROSS JOIN LATERAL (SELECT max(r.period_end) AS last_end FROM royalty_reports r"      \
	"   WHERE r.contract_id = c.id) l"                                                      \
	" CROSS JOIN LATERAL (SELECT (coalesce(l.last_end, c.term_start - 1)"                   \
	"   + make_interval(months => 3))::date AS due) o"                                      \
	" WHERE c.status = 'active' AND c.royalty_bp > 0 AND c.term_start IS NOT NULL"         \
	" AND o.due < " SHANGHAI_TODAY                                                          \
	" AND (c.term_end IS NULL OR l.last_end IS NULL OR l.last_end < c.term_end)"

/* A notice with a pending objection, since its oldest pending objection was filed. */
#define DESK_NOTICE_OBJECTION                                                               \
	"SELECT 'notice_objection', 6, 'notice', n.id, n.contract_id, min(o.filed_at),"        \
	" format('%s: %s pending objection(s) to the public notice', " TITLE ", count(*))"    \
	" FROM notices n JOIN notice_objections o ON o.notice_id = n.id"                       \
	" JOIN contracts c ON c.id = n.contract_id"                                             \
	" WHERE o.status = 'pending' GROUP BY n.id, n.contract_id, c.subject"

#define DESK_ALL                                                                            \
	DESK_PAYMENT_DISPUTED                                                                   \
	" UNION ALL " DESK_DISPUTE_OPEN                                                         \
	" UNION ALL " DESK_CONTRACT_HOLD                                                        \
	" UNION ALL " DESK_DRAFT_STALE                                                          \
	" UNION ALL " DESK_ROYALTY_OVERDUE                                                      \
	" UNION ALL " DESK_NOTICE_OBJECTION

/* A page of the desk, oldest first: $1 a kind or NULL, $2..$4 the cursor
 * (since, object_id, rank), $5 the limit. Columns: json, version (none),
 * then the cursor's three parts. */
static const struct stmt st_deals = {
    "desk_deals",
    "SELECT jsonb_build_object('kind', k.kind, 'object_type', k.object_type,"
    " 'object_id', k.object_id, 'contract_id', k.contract_id, 'since', " TS("k.since") ","
    " 'summary', k.summary)::text, NULL, " US("k.since") ", k.object_id, k.rank"
    " FROM (" DESK_ALL ") k"
    " WHERE ($1::text IS NULL OR k.kind = $1)"
    " AND ($2::timestamptz IS NULL"
    "      OR (k.since, k.object_id, k.rank) > ($2::timestamptz, $3::uuid, $4::integer))"
    " ORDER BY k.since, k.object_id, k.rank LIMIT $5",
    5};
// clang-format on

static const char *const kinds[] = {"payment_disputed",
				    "dispute_open",
				    "contract_hold",
				    "draft_stale",
				    "royalty_overdue",
				    "notice_objection",
				    NULL};

/* GET /v1/admin/deals[?kind=]: what needs a platform admin, oldest first. */
static enum rc deals_list(struct req *r)
{
	const char *kind;
	struct page p;
	if (page_filtered(r, "kind", kinds,
			  N_("must be payment_disputed, dispute_open, contract_hold, draft_stale, "
			     "royalty_overdue or notice_objection"),
			  &kind, "tun", &p) != RC_OK)
		return RC_ERR;
	const char *deals_params[5] = {kind, p.cur.nparts ? p.cur.parts[0] : NULL,
				       p.cur.nparts ? p.cur.parts[1] : NULL,
				       p.cur.nparts ? p.cur.parts[2] : NULL, p.lim};
	return db_reply_page(r, &st_deals, deals_params, p.limit, 3);
}

const struct route desk_routes[] = {
    {M_POST, "/v1/contracts/{id}/disputes", disputes_create,
     ROUTE_TX | ROUTE_AUTH | ROUTE_IDEMPOTENT, "createDispute", NULL},
    {M_GET, "/v1/contracts/{id}/disputes", disputes_list, ROUTE_AUTH, "listDisputes", NULL},
    {M_GET, "/v1/disputes/{id}", disputes_get, ROUTE_AUTH, "getDispute", NULL},
    {M_POST, "/v1/disputes/{id}/messages", disputes_message,
     ROUTE_TX | ROUTE_AUTH | ROUTE_IDEMPOTENT, "createDisputeMessage", NULL},
    {M_POST, "/v1/admin/disputes/{id}/resolve", disputes_resolve,
     ROUTE_TX | ROUTE_AUTH | ROUTE_ADMIN, "resolveDispute", NULL},
    {M_GET, "/v1/admin/deals", deals_list, ROUTE_AUTH | ROUTE_ADMIN, "listDeals", NULL},
};
const size_t desk_routes_count = ARRAY_LEN(desk_routes);
