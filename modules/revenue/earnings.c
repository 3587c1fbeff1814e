/*
 * earnings.c - a person's earnings: the ledger entries paid to them (a
 * revenue_share entry naming their user_id), with the contract, the payment,
 * and totals per year, as JSON or CSV. Only the caller's own entries, ever.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../server/db.h"
#include "../../server/json.h"
#include "csv.h"
#include "revenue_internal.h"

/* The entries paid to user $1 for payments with paid_at in [$2, $3] (days in
 * China), the totals (numeric: exact at any size) and the totals per year:
 * the whole document (EARN_JSON) and the entries alone (EARN_DATA, for CSV). */
// clang-format off
static const struct stmt st_earnings = {
    "revenue_earnings",
    "WITH e AS (SELECT e.contract_id, e.seq, e.payment_id, e.beneficiary, e.role,"
    "   e.share_bp, e.amount_fen, e.currency, e.created_at, e.hash, p.kind, p.paid_at,"
    "   p.status AS payment_status, c.licensor_org_id, c.licensee_org_id, l.title,"
    "   extract(year FROM p.paid_at AT TIME ZONE 'Asia/Shanghai')::int AS year"
    " FROM ledger_entries e JOIN payments p ON p.id = e.payment_id"
    " JOIN contracts c ON c.id = e.contract_id JOIN listings l ON l.id = c.listing_id"
    " WHERE e.user_id = $1"
    "   AND p.paid_at >= ($2::date)::timestamp AT TIME ZONE 'Asia/Shanghai'"
    "   AND p.paid_at < ($3::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai'),"
    " d AS (SELECT coalesce(json_agg(json_build_object('paid_at', " TS("e.paid_at") ","
    "   'contract_id', e.contract_id, 'listing_title', e.title,"
    "   'licensor_org_id', e.licensor_org_id, 'licensee_org_id', e.licensee_org_id,"
    "   'payment_id', e.payment_id, 'kind', e.kind, 'payment_status', e.payment_status,"
    "   'seq', e.seq, 'beneficiary', e.beneficiary, 'role', e.role, 'share_bp', e.share_bp,"
    "   'amount_fen', e.amount_fen, 'currency', e.currency,"
    "   'created_at', " TS("e.created_at") ", 'hash', e.hash)"
    "   ORDER BY e.paid_at, e.contract_id, e.seq), '[]') AS data,"
    "   json_build_object('entries', count(*), 'amount_fen', coalesce(sum(e.amount_fen), 0))"
    "   AS totals FROM e),"
    " y AS (SELECT coalesce(json_agg(json_build_object('year', year, 'entries', n,"
    "   'amount_fen', fen) ORDER BY year), '[]') AS years FROM (SELECT year, count(*) AS n,"
    "   sum(amount_fen) AS fen FROM e GROUP BY year) g)"
    " SELECT json_build_object('user_id', $1::uuid, 'from', $2::date, 'to', $3::date,"
    "   'currency', 'CNY', 'data', d.data, 'totals', d.totals, 'years', y.years)::text,"
    "   d.data::text FROM d, y",
    3};
// clang-format on
enum { EARN_JSON, EARN_DATA };

static const struct stmt st_earnings_dates = {
    "revenue_earnings_dates",
    "SELECT coalesce($1::date, '1900-01-01'), coalesce($2::date, " SHANGHAI_TODAY ")", 2};
enum { EDATES_FROM, EDATES_TO };

/* The entries as CSV: a BOM (Chinese opens intact in Excel), a header row, one
 * row per entry. Caller frees. */
static char *earnings_csv(const json_t *data, size_t *len)
{
	static const char *const columns[] = {
	    "paid_at",  "contract_id", "listing_title", "payment_id", "kind",
	    "seq",      "beneficiary", "role",          "share_bp",   "amount_fen",
	    "currency", "created_at",  "hash"};
	char *out;
	FILE *f = csv_open(&out, len, columns, ARRAY_LEN(columns));
	if (f == NULL)
		return NULL;
	size_t i;
	const json_t *row;
	json_array_foreach(data, i, row) csv_json_row(f, row, columns, ARRAY_LEN(columns));
	fclose(f);
	return out;
}

/* GET /v1/me/earnings?from=&to= */
enum rc earnings_get(struct req *r)
{
	static const char *const known[] = {"from", "to", NULL};
	static const struct field dates[] = {
	    {.name = "from", .type = F_DATE}, {.name = "to", .type = F_DATE}, {0}};
	const char *from = req_query(r, "from"), *to = req_query(r, "to");
	req_query_check(r, known);
	bool ok = query_validate(r, dates) == RC_OK && r->problem.errors == NULL;
	if (from && to && ok && strcmp(from, to) > 0)
		problem_field(r, "to", "must not be before from");
	if (problem_fields_done(r) != RC_OK)
		return RC_ERR;
	const char *dates_params[2] = {from, to};
	PGresult *period = db_exec(r, &st_earnings_dates, dates_params);
	if (period == NULL)
		return RC_ERR;
	const char *params[3] = {r->auth.user_id, PQgetvalue(period, 0, EDATES_FROM),
				 PQgetvalue(period, 0, EDATES_TO)};
	PGresult *res = db_exec(r, &st_earnings, params);
	if (res == NULL) {
		PQclear(period);
		return RC_ERR;
	}
	enum rc rc = RC_OK;
	if (!revenue_wants_csv(r)) {
		reply_raw(r, 200, "application/json", PQgetvalue(res, 0, EARN_JSON),
			  (size_t)PQgetlength(res, 0, EARN_JSON));
	} else {
		json_t *data = json_loads(PQgetvalue(res, 0, EARN_DATA), 0, NULL);
		size_t len = 0;
		char *csv = data ? earnings_csv(data, &len) : NULL;
		json_decref(data);
		if (csv == NULL) {
			rc = problem_set(r, 500, "internal", "could not write the earnings");
		} else {
			char disposition[160];
			snprintf(disposition, sizeof disposition,
				 "attachment; filename=\"techex-earnings-%s-%s.csv\"", params[1],
				 params[2]);
			reply_raw(r, 200, "text/csv; charset=utf-8", csv, len);
			reply_header(r, "Content-Disposition", disposition);
			free(csv);
		}
	}
	PQclear(res);
	PQclear(period);
	return rc;
}
