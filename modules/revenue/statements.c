/*
 * statements.c - an organization's statement: its payments made or received
 * in a period, with their splits and totals, as JSON or as CSV.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../server/db.h"
#include "../../server/json.h"
#include "csv.h"
#include "revenue_internal.h"

/* An organization's payments made or received with paid_at in [$2, $3] (days
 * in China), with their splits and totals, as one JSON document
 * (STATEMENT_JSON) and the payments alone (STATEMENT_PAYMENTS, what the CSV is
 * written from). Totals are sums in numeric, exact at any size: received_fen
 * and paid_fen count confirmed payments only; reported and disputed ones are
 * summed apart; reversed ones in none. */
// clang-format off
#define STATEMENT_SUM(dir, status)                                                    \
	"coalesce(sum(p.amount_fen) FILTER (WHERE p.dir = '" dir "' AND p.status = '" \
	status "'), 0)"
static const struct stmt st_statement = {
    "revenue_statement",
    "SELECT json_build_object('organization_id', $1::uuid, 'from', $2::date, 'to', $3::date,"
    " 'currency', 'CNY', 'data', s.data, 'totals', s.totals)::text, s.data::text"
    " FROM (SELECT coalesce(json_agg(json_build_object(" PAYMENT_FIELDS ","
    "   'payment_id', p.id, 'direction', p.dir, 'counterparty_org_id', CASE p.dir"
    "   WHEN 'paid' THEN p.payee_org_id ELSE p.payer_org_id END) ORDER BY p.paid_at, p.id),"
    "   '[]') AS data,"
    " json_build_object('payments', count(p.id),"
    "   'paid_fen', " STATEMENT_SUM("paid", "confirmed") ","
    "   'paid_reported_fen', " STATEMENT_SUM("paid", "reported") ","
    "   'paid_disputed_fen', " STATEMENT_SUM("paid", "disputed") ","
    "   'received_fen', " STATEMENT_SUM("received", "confirmed") ","
    "   'received_reported_fen', " STATEMENT_SUM("received", "reported") ","
    "   'received_disputed_fen', " STATEMENT_SUM("received", "disputed") ") AS totals"
    " FROM (SELECT p.*, CASE WHEN p.payer_org_id = $1 THEN 'paid' ELSE 'received' END AS dir"
    "   FROM payments p WHERE (p.payer_org_id = $1 OR p.payee_org_id = $1)"
    "   AND p.paid_at >= ($2::date)::timestamp AT TIME ZONE 'Asia/Shanghai'"
    "   AND p.paid_at < ($3::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai') p) s",
    3};
// clang-format on
enum { STATEMENT_JSON, STATEMENT_PAYMENTS };

/* The period asked for, its open ends filled in, and whether the organization
 * exists. */
static const struct stmt st_statement_dates = {
    "revenue_statement_dates",
    "SELECT coalesce($1::date, '1900-01-01'), coalesce($2::date, " SHANGHAI_TODAY "),"
    " EXISTS (SELECT 1 FROM organizations WHERE id = $3)",
    3};
enum { DATES_FROM, DATES_TO, DATES_ORG_EXISTS };

/* The statement as CSV: a BOM (so Chinese opens intact in Excel), a header row,
 * one row per payment: the columns of API.md, then what a confirmation
 * deducted as the costs of the transfer (净收入: deductions_fen) and the net
 * income split among the beneficiaries (net_fen). Caller frees. */
static char *statement_csv(json_t *data, size_t *len)
{
	static const char *const columns[] = {
	    "paid_at",  "direction", "contract_id", "payment_id",     "kind",   "amount_fen",
	    "currency", "status",    "reference",   "deductions_fen", "net_fen"};
	char *out;
	FILE *f = csv_open(&out, len, columns, ARRAY_LEN(columns));
	if (f == NULL)
		return NULL;
	size_t i;
	json_t *row;
	json_array_foreach(data, i, row)
	{
		long long deducted = 0;
		size_t j;
		const json_t *d;
		json_array_foreach(json_object_get(row, "deductions"), j, d) deducted +=
		    json_integer_value(json_object_get(d, "amount_fen"));
		json_int_t amount = json_integer_value(json_object_get(row, "amount_fen"));
		json_object_set_new(row, "deductions_fen", json_integer(deducted));
		json_object_set_new(row, "net_fen", json_integer(amount - deducted));
		csv_json_row(f, row, columns, ARRAY_LEN(columns));
	}
	fclose(f);
	return out;
}

bool revenue_wants_csv(const struct req *r)
{
	const char *accept = req_header(r, "Accept");
	return accept != NULL && strstr(accept, "text/csv") != NULL;
}

/* GET /v1/orgs/{id}/statement?from=&to= */
enum rc statement_get(struct req *r)
{
	static const char *const known[] = {"from", "to", NULL};
	const char *org = req_param(r, "id"), *from = req_query(r, "from"),
		   *to = req_query(r, "to");
	if (!uuid_valid(org) || (!revenue_caller_org_is(r, org) && !r->auth.platform_admin))
		return problem_set(r, 404, "not-found", "no statement for this organization");
	req_query_check(r, known);
	static const struct field dates[] = {
	    {.name = "from", .type = F_DATE}, {.name = "to", .type = F_DATE}, {0}};
	bool ok = query_validate(r, dates) == RC_OK && r->problem.errors == NULL;
	if (from && to && ok && strcmp(from, to) > 0)
		problem_field(r, "to", "must not be before from");
	if (problem_fields_done(r) != RC_OK)
		return RC_ERR;
	const char *dates_params[3] = {from, to, org};
	PGresult *period = db_exec(r, &st_statement_dates, dates_params);
	if (period == NULL)
		return RC_ERR;
	if (strcmp(PQgetvalue(period, 0, DATES_ORG_EXISTS), "t") != 0) {
		/* an admin asking for no organization */
		PQclear(period);
		return problem_set(r, 404, "not-found", "no statement for this organization");
	}
	const char *start = PQgetvalue(period, 0, DATES_FROM),
		   *end = PQgetvalue(period, 0, DATES_TO);
	const char *statement_params[3] = {org, start, end};
	PGresult *res = db_exec(r, &st_statement, statement_params);
	if (res == NULL) {
		PQclear(period);
		return RC_ERR;
	}
	if (!revenue_wants_csv(r)) { /* the database wrote the JSON: pass it on as it is */
		reply_raw(r, 200, "application/json", PQgetvalue(res, 0, STATEMENT_JSON),
			  (size_t)PQgetlength(res, 0, STATEMENT_JSON));
		PQclear(res);
		PQclear(period);
		return RC_OK;
	}
	/* the rows only: totals may exceed what a 64-bit integer holds */
	json_t *data = json_loads(PQgetvalue(res, 0, STATEMENT_PAYMENTS), 0, NULL);
	PQclear(res);
	if (data == NULL) {
		PQclear(period);
		return problem_set(r, 500, "internal", "could not read the statement");
	}
	size_t len = 0;
	char *csv = statement_csv(data, &len);
	char disposition[160];
	snprintf(disposition, sizeof disposition,
		 "attachment; filename=\"techex-statement-%s-%s-%s.csv\"", org, start, end);
	PQclear(period);
	json_decref(data);
	if (csv == NULL)
		return problem_set(r, 500, "internal", "could not write the statement");
	reply_raw(r, 200, "text/csv; charset=utf-8", csv, len);
	reply_header(r, "Content-Disposition", disposition);
	free(csv);
	return RC_OK;
}
