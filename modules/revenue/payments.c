/*
 * payments.c - royalty reports and payments: the licensee reports each
 * period's sales and records its payments; the licensor confirms, disputes or
 * reverses a payment, as payment_transitions allows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../server/cursor.h"
#include "../../server/db.h"
#include "../../server/json.h"
#include "../accounts/roles.h"
#include "../contracts/contracts.h"
#include "../events/events.h"
#include "../platform/platform.h"
#include "revenue.h"
#include "revenue_internal.h"

#define US(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

#define PAYMENT_OBJ "json_build_object(" PAYMENT_FIELDS ")"

/* A payment as its handlers read it: PAYMENT_* columns. */
#define PAYMENT_COLS                                                               \
	PAYMENT_OBJ "::text, p.version, p.payer_org_id, p.payee_org_id, p.status," \
		    " p.contract_id, p.amount_fen"
enum {
	PAYMENT_JSON,
	PAYMENT_VERSION,
	PAYMENT_PAYER_ORG,
	PAYMENT_PAYEE_ORG,
	PAYMENT_STATUS,
	PAYMENT_CONTRACT,
	PAYMENT_AMOUNT
};

// clang-format off
#define REPORT_OBJ                                                                         \
	"jsonb_build_object('id', r.id, 'contract_id', r.contract_id,"                        \
	" 'period_start', r.period_start, 'period_end', r.period_end,"                        \
	" 'gross_sales_fen', r.gross_sales_fen, 'royalty_bp', r.royalty_bp,"                  \
	" 'royalty_due_fen', r.royalty_due_fen,"                                               \
	" 'waste_utilized_tonnes', r.waste_utilized_tonnes, 'currency', r.currency,"          \
	" 'reported_by', r.reported_by, 'created_at', " TS("r.created_at") ")"
// clang-format on

/* Where a new report's period stands: $2 start, $3 end. */
static const struct stmt st_report_period = {
    "revenue_report_period",
    "SELECT $3::date < " SHANGHAI_TODAY ","
    " $2::date >= c.term_start AND (c.term_end IS NULL OR $3::date <= c.term_end)"
    " AND (c.terminated_at IS NULL"
    "      OR $3::date <= (c.terminated_at AT TIME ZONE 'Asia/Shanghai')::date),"
    " (SELECT r.period_start || ' .. ' || r.period_end FROM royalty_reports r"
    "   WHERE r.contract_id = c.id AND daterange(r.period_start, r.period_end, '[]')"
    "   && daterange($2::date, $3::date, '[]') ORDER BY r.period_start LIMIT 1)"
    " FROM contracts c WHERE c.id = $1",
    3};
/* ended; inside the term; the dates of an earlier report it overlaps, or NULL */
enum { PERIOD_ENDED, PERIOD_IN_TERM, PERIOD_OVERLAP };

static const struct stmt st_report_insert = {
    "revenue_report_insert",
    "INSERT INTO royalty_reports AS r (contract_id, reported_by, period_start, period_end,"
    " gross_sales_fen, royalty_bp, royalty_due_fen, waste_utilized_tonnes)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING " REPORT_OBJ "::text, r.id",
    8};
enum { REPORT_JSON, REPORT_ID };

static const struct stmt st_reports = {"revenue_reports",
				       "SELECT coalesce(jsonb_agg(" REPORT_OBJ
				       " ORDER BY r.period_start), '[]'::jsonb)::text"
				       " FROM royalty_reports r WHERE r.contract_id = $1",
				       1};
enum { REPORTS_JSON };

/* Contract years from term_start, up to today and the term's end: what was due
 * in each (by period_start) against the minimum annual royalty. */
static const struct stmt st_contract_years = {
    "revenue_contract_years",
    "SELECT coalesce(jsonb_agg(jsonb_build_object('year', y.k + 1, 'start', y.s, 'end', y.e,"
    "   'royalty_due_fen', y.due, 'minimum_annual_royalty_fen', c.minimum_annual_royalty_fen,"
    "   'shortfall_fen', greatest(c.minimum_annual_royalty_fen - y.due, 0),"
    "   'ended', y.e < " SHANGHAI_TODAY ") ORDER BY y.k), '[]'::jsonb)::text"
    " FROM contracts c, LATERAL (SELECT k, s, e, (SELECT coalesce(sum(r.royalty_due_fen), 0)"
    "     FROM royalty_reports r WHERE r.contract_id = c.id AND r.period_start BETWEEN s AND e)"
    "     AS due FROM (SELECT k, (c.term_start + make_interval(years => k))::date AS s,"
    "       least((c.term_start + make_interval(years => k + 1))::date - 1,"
    "             coalesce(c.term_end, 'infinity'::date)) AS e"
    "       FROM generate_series(0, 199) AS k) g"
    "     WHERE s <= least(" SHANGHAI_TODAY ", coalesce(c.term_end, 'infinity'::date),"
    "       coalesce((c.terminated_at AT TIME ZONE 'Asia/Shanghai')::date, 'infinity'::date))) y"
    " WHERE c.id = $1 AND c.term_start IS NOT NULL",
    1};
enum { YEARS_JSON };

static const struct stmt st_payment_insert = {
    "revenue_payment_insert",
    "INSERT INTO payments AS p (contract_id, payer_org_id, payee_org_id, recorded_by, kind,"
    " amount_fen, paid_at, reference) SELECT c.id, c.licensee_org_id, c.licensor_org_id, $2,"
    " $3, $4, $5::timestamptz, $6 FROM contracts c WHERE c.id = $1"
    " RETURNING " PAYMENT_COLS,
    6};

static const struct stmt st_paid_at_future = {"revenue_paid_at_future",
					      "SELECT $1::timestamptz > now()", 1};
enum { PAID_AT_FUTURE };

/* A page of a contract's payments: json, version, then the cursor's parts. */
static const struct stmt st_payments = {
    "revenue_payments",
    "SELECT " PAYMENT_OBJ
    "::text, p.version, " US("p.created_at") ", p.id FROM payments p"
					     " WHERE p.contract_id = $1"
					     " AND ($2::timestamptz IS NULL OR (p.created_at, "
					     "p.id) > ($2::timestamptz, $3::uuid))"
					     " ORDER BY p.created_at, p.id LIMIT $4",
    4};
enum { PAYMENTS_CURSOR_PARTS = 2 };

static const struct stmt st_payment_get = {
    "revenue_payment_get", "SELECT " PAYMENT_COLS " FROM payments p WHERE p.id = $1", 1};

/* The payment's row and its contract's, locked until commit: a decision that
 * books into the contract's ledger chain (ledger_append) holds the chain. */
static const struct stmt st_payment_lock = {
    "revenue_payment_lock",
    "SELECT " PAYMENT_COLS " FROM payments p JOIN contracts c ON c.id = p.contract_id"
    " WHERE p.id = $1 FOR UPDATE OF p, c",
    1};

/* $2 the new status, $3 its reason (a dispute's, a reversal's, or with $6 an
 * admin's resolution of a dispute), $5 the deductions a confirmation records
 * (NULL: none). */
static const struct stmt st_payment_decide = {
    "revenue_payment_decide",
    "UPDATE payments AS p SET status = $2,"
    " deductions = CASE WHEN $2 = 'confirmed' THEN coalesce($5::jsonb, '[]'::jsonb)"
    "   ELSE p.deductions END,"
    " dispute_reason = CASE WHEN $2 = 'disputed' THEN $3 END,"
    " reversal_reason = CASE WHEN $2 = 'reversed' THEN $3 END,"
    " resolution_reason = CASE WHEN $6::boolean THEN $3 ELSE p.resolution_reason END,"
    " decided_by = $4, decided_at = now(), updated_at = now(), version = p.version + 1"
    " WHERE p.id = $1 RETURNING " PAYMENT_COLS,
    6};

static const char *const kinds[] = {"upfront", "royalty", "milestone", NULL};

static const struct field report_spec[] = {
    {.name = "period_start", .type = F_DATE, .required = true},
    {.name = "period_end", .type = F_DATE, .required = true},
    {.name = "gross_sales_fen", .type = F_INT, .required = true, .min = 0, .max = MAX_FEN},
    {.name = "waste_utilized_tonnes",
     .type = F_INT,
     .required = true,
     .min = 0,
     .max = 1000000000000LL},
    {0},
};

static const struct field payment_spec[] = {
    {.name = "amount_fen", .type = F_INT, .required = true, .min = 1, .max = MAX_FEN},
    {.name = "kind", .type = F_ENUM, .required = true, .enum_values = kinds},
    {.name = "paid_at", .type = F_MOMENT, .required = true},
    {.name = "reference", .type = F_TEXT1, .required = true, .min = 1, .max = 200},
    {0},
};

static const struct field reason_spec[] = {
    {.name = "reason", .type = F_STRING, .required = true, .min = 1, .max = 2000},
    {0},
};

const struct field revenue_deduction_spec[] = {
    {.name = "reason", .type = F_TEXT1, .required = true, .min = 1, .max = 200},
    {.name = "amount_fen", .type = F_INT, .required = true, .min = 1, .max = MAX_FEN},
    {0},
};

static const struct field confirm_spec[] = {
    {.name = "deductions",
     .type = F_OBJECTS,
     .sub = revenue_deduction_spec,
     .max_items = REVENUE_MAX_DEDUCTIONS},
    {0},
};

/* ---- the payment's state machine ----------------------------------------- */

/* Only the licensor decides, through an owner or admin: it received the money.
 * A confirmation books the split into the ledger; a reversal (of a confirmed
 * payment that bounced, say) books the same entries negated, since the ledger
 * itself never changes. A confirmed payment is in the ledger: it is reversed,
 * never disputed. */
static const char *const from_reported[] = {"reported", NULL};
static const char *const from_reported_or_disputed[] = {"reported", "disputed", NULL};
static const char *const from_confirmed[] = {"confirmed", NULL};
static const char *const from_disputed[] = {"disputed", NULL};
/* A disputed payment a platform admin settles (POST /v1/admin/payments/{id}/
 * resolve): confirmed into the ledger as the licensor's confirm books it, or
 * voided, with no ledger entries. */
const struct transition payment_transitions[] = {
    {"confirm", from_reported_or_disputed, "confirmed", PAYMENT_PAYEE_MANAGER, "payment.confirm"},
    {"dispute", from_reported, "disputed", PAYMENT_PAYEE_MANAGER, "payment.dispute"},
    {"reverse", from_confirmed, "reversed", PAYMENT_PAYEE_MANAGER, "payment.reverse"},
    {"resolve_confirm", from_disputed, "confirmed", PAYMENT_PLATFORM_ADMIN,
     "payment.resolve_confirm"},
    {"resolve_void", from_disputed, "voided", PAYMENT_PLATFORM_ADMIN, "payment.void"},
    {NULL, NULL, NULL, 0, NULL},
};

/* The caller's roles for the payment at row 0 of payment (PAYMENT_COLS). */
static unsigned payment_roles(const struct req *r, const PGresult *payment)
{
	unsigned roles = 0;
	if (org_may_in(&r->auth, PQgetvalue(payment, 0, PAYMENT_PAYEE_ORG), ORG_MANAGE_PAYMENTS))
		roles |= PAYMENT_PAYEE_MANAGER;
	if (revenue_caller_org_is(r, PQgetvalue(payment, 0, PAYMENT_PAYER_ORG)))
		roles |= PAYMENT_PAYER;
	if (r->auth.platform_admin)
		roles |= PAYMENT_PLATFORM_ADMIN;
	return roles;
}

/* The state action leads to, whatever the state it leaves. */
static const char *payment_target(const char *action)
{
	for (const struct transition *t = payment_transitions; t->action != NULL; t++)
		if (strcmp(t->action, action) == 0)
			return t->to;
	return "";
}

/* ---- access -------------------------------------------------------------- */

/* The licensee of a contract that has been active: RC_OK, else the problem. */
static enum rc licensee_of_live_contract(struct req *r, const PGresult *contract, const char *what)
{
	const char *status = PQgetvalue(contract, 0, FACT_STATUS);
	if (!revenue_caller_org_is(r, PQgetvalue(contract, 0, FACT_LICENSEE)))
		return problem_set(r, 403, "forbidden", "only the licensee %s",
				   problem_tr(r, what));
	if (strcmp(status, "active") != 0 &&
	    !(strcmp(status, "terminated") == 0 &&
	      strcmp(PQgetvalue(contract, 0, FACT_EVER_ACTIVE), "t") == 0))
		return problem_set(r, 409, "contract-not-active",
				   "the contract is %s: only a contract both parties signed takes "
				   "royalty reports and payments",
				   status);
	return RC_OK;
}

/* The payment {id} (locked when lock) if the caller's organization paid or
 * received it, or is a platform admin; 404 otherwise. Columns: PAYMENT_COLS. */
static bool party_to_payment(const struct req *r, const PGresult *row)
{
	return revenue_caller_org_is(r, PQgetvalue(row, 0, PAYMENT_PAYER_ORG)) ||
	       revenue_caller_org_is(r, PQgetvalue(row, 0, PAYMENT_PAYEE_ORG)) ||
	       r->auth.platform_admin;
}

static PGresult *payment_visible(struct req *r, bool lock)
{
	return db_load_visible(r, lock ? &st_payment_lock : &st_payment_get, "payment",
			       party_to_payment);
}

/* ---- royalty reports ----------------------------------------------------- */

int64_t royalty_due(int64_t gross_fen, int bp)
{
	__int128 due = ((__int128)gross_fen * bp + 5000) / 10000;
	return (int64_t)due;
}

/* The acting part of a royalty report: the caller reports gross sales and
 * tonnes for [start, end] on contract id (row contract: FACT_*); the
 * royalty due is computed at the contract's rate. The new row goes to *res
 * (caller clears; REPORT_* columns). */
static enum rc report_insert(struct req *r, const char *id, const PGresult *contract,
			     const char *start, const char *end, long long gross, long long tonnes,
			     PGresult **res)
{
	const char *royalty_bp = PQgetvalue(contract, 0, FACT_ROYALTY_BP);
	int bp = atoi(royalty_bp);
	char gross_s[24], due_s[24], tonnes_s[24];
	snprintf(gross_s, sizeof gross_s, "%lld", gross);
	snprintf(due_s, sizeof due_s, "%lld", (long long)royalty_due(gross, bp));
	snprintf(tonnes_s, sizeof tonnes_s, "%lld", tonnes);
	const char *insert_params[8] = {id,      r->auth.user_id, start, end,
					gross_s, royalty_bp,      due_s, tonnes_s};
	if ((*res = db_exec(r, &st_report_insert, insert_params)) == NULL)
		return RC_ERR;
	if (audit_write(
		r, "royalty_report.create", "royalty_report", PQgetvalue(*res, 0, REPORT_ID), NULL,
		json_pack("{s:s, s:s, s:s, s:I, s:I, s:I}", "contract_id", id, "period_start",
			  start, "period_end", end, "gross_sales_fen", (json_int_t)gross,
			  "royalty_due_fen", (json_int_t)royalty_due(gross, bp),
			  "waste_utilized_tonnes", (json_int_t)tonnes)) != RC_OK)
		return RC_ERR;
	return event_record_contract(r, "royalty_report.submitted", id,
				     json_pack("{s:s, s:s, s:s, s:I}", "royalty_report_id",
					       PQgetvalue(*res, 0, REPORT_ID), "period_start",
					       start, "period_end", end, "royalty_due_fen",
					       (json_int_t)royalty_due(gross, bp)));
}

enum rc revenue_report_add(struct req *r, const char *contract_id, const char *start,
			   const char *end, long long gross_fen, long long tonnes)
{
	PGresult *contract = revenue_contract_locked(r, contract_id), *res = NULL;
	if (contract == NULL)
		return RC_ERR;
	enum rc rc = PQntuples(contract) == 1 ? report_insert(r, contract_id, contract, start, end,
							      gross_fen, tonnes, &res)
					      : db_not_found(r, "contract");
	PQclear(res);
	PQclear(contract);
	return rc;
}

/* POST /v1/contracts/{id}/royalty-reports */
enum rc royalty_reports_create(struct req *r)
{
	if (body_read_valid(r, report_spec) != RC_OK)
		return RC_ERR;
	const char *start = json_string_value(json_object_get(r->json, "period_start")),
		   *end = json_string_value(json_object_get(r->json, "period_end"));
	if (strcmp(start, end) > 0) {
		problem_field(r, "period_end", "must not be before period_start");
		return problem_fields_done(r);
	}
	PGresult *contract = revenue_contract_visible(r, true), *res = NULL;
	if (contract == NULL)
		return RC_ERR;
	enum rc rc = RC_ERR;
	const char *id = req_param(r, "id");
	if (licensee_of_live_contract(r, contract, N_("reports royalties")) != RC_OK ||
	    contract_guard(r, id, "report") != RC_OK)
		goto out;
	const char *period_params[3] = {id, start, end};
	if ((res = db_exec(r, &st_report_period, period_params)) == NULL)
		goto out;
	if (strcmp(PQgetvalue(res, 0, PERIOD_IN_TERM), "t") != 0) {
		const char *term_end = PQgetvalue(contract, 0, FACT_TERM_END);
		problem_field(
		    r, "period_start",
		    "the period must lie inside the contract term (%s to %s) and end by its "
		    "termination, if any",
		    PQgetvalue(contract, 0, FACT_TERM_START), *term_end ? term_end : "open");
	}
	if (strcmp(PQgetvalue(res, 0, PERIOD_ENDED), "t") != 0)
		problem_field(r, "period_end", "the period has not ended yet");
	if (problem_fields_done(r) != RC_OK)
		goto out;
	if (!PQgetisnull(res, 0, PERIOD_OVERLAP)) {
		problem_set(r, 409, "period-overlap",
			    "the period overlaps the one already reported for %s",
			    PQgetvalue(res, 0, PERIOD_OVERLAP));
		goto out;
	}
	PQclear(res);
	res = NULL;

	if (report_insert(
		r, id, contract, start, end,
		(long long)json_integer_value(json_object_get(r->json, "gross_sales_fen")),
		(long long)json_integer_value(json_object_get(r->json, "waste_utilized_tonnes")),
		&res) != RC_OK)
		goto out;
	rc = reply_stored(r, 201, PQgetvalue(res, 0, REPORT_JSON), NULL);
out:
	PQclear(contract);
	PQclear(res);
	return rc;
}

/* GET /v1/contracts/{id}/royalty-reports: every report, and each contract year
 * against the minimum annual royalty. */
enum rc royalty_reports_list(struct req *r)
{
	static const char *const known[] = {NULL};
	req_query_check(r, known);
	if (problem_fields_done(r) != RC_OK)
		return RC_ERR;
	PGresult *contract = revenue_contract_visible(r, false);
	if (contract == NULL)
		return RC_ERR;
	PQclear(contract);
	const char *contract_params[1] = {req_param(r, "id")};
	PGresult *reports = db_exec(r, &st_reports, contract_params);
	if (reports == NULL)
		return RC_ERR;
	PGresult *years = db_exec(r, &st_contract_years, contract_params);
	if (years == NULL) {
		PQclear(reports);
		return RC_ERR;
	}
	/* the database's JSON goes out as it is: its sums are numeric, never cut to
	 * 64 bits by a parse */
	const char *years_json = PQntuples(years) == 1 && !PQgetisnull(years, 0, YEARS_JSON)
				     ? PQgetvalue(years, 0, YEARS_JSON)
				     : "[]";
	char *body = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&body, &len);
	if (f == NULL) {
		PQclear(reports);
		PQclear(years);
		return problem_set(r, 500, "internal", "out of memory");
	}
	fprintf(f, "{\"data\":%s,\"next_cursor\":null,\"contract_years\":%s}",
		PQgetvalue(reports, 0, REPORTS_JSON), years_json);
	fclose(f);
	reply_raw(r, 200, "application/json", body, len);
	free(body);
	PQclear(reports);
	PQclear(years);
	return RC_OK;
}

/* ---- payments ------------------------------------------------------------ */

/* The acting part of recording a payment: the caller records amount of kind,
 * paid at moment (RFC 3339), on contract id. Its id goes to payment_id (37
 * bytes), its row to *res (caller clears; PAYMENT_COLS). */
static enum rc payment_insert(struct req *r, const char *id, const char *kind, long long amount_fen,
			      const char *moment, const char *reference, char payment_id[37],
			      PGresult **res)
{
	char amount[24];
	snprintf(amount, sizeof amount, "%lld", amount_fen);
	const char *insert_params[6] = {id, r->auth.user_id, kind, amount, moment, reference};
	if ((*res = db_exec(r, &st_payment_insert, insert_params)) == NULL)
		return RC_ERR;
	json_t *created = json_loads(PQgetvalue(*res, 0, PAYMENT_JSON), 0, NULL);
	const char *created_id = json_string_value(json_object_get(created, "id"));
	snprintf(payment_id, 37, "%s", created_id ? created_id : "");
	json_decref(created);
	if (!uuid_valid(payment_id))
		return problem_set(r, 500, "internal", "could not read the new payment");
	if (audit_write(r, "payment.report", "payment", payment_id, NULL,
			json_pack("{s:s, s:I, s:s, s:s}", "contract_id", id, "amount_fen",
				  (json_int_t)amount_fen, "kind", kind, "paid_at", moment)) !=
	    RC_OK)
		return RC_ERR;
	return event_payment_moved(r, "reported", id, payment_id, amount_fen);
}

enum rc revenue_payment_record(struct req *r, const char *contract_id, const char *kind,
			       long long amount_fen, const char *paid_at, const char *reference,
			       char payment_id[37])
{
	PGresult *res = NULL;
	enum rc rc =
	    payment_insert(r, contract_id, kind, amount_fen, paid_at, reference, payment_id, &res);
	PQclear(res);
	return rc;
}

/* The moment the body's paid_at names into *moment: paid_at itself, or for a
 * date its midnight in China, written to midnight (32 bytes). RC_OK, or a 422
 * when it lies in the future. */
static enum rc paid_at_moment(struct req *r, char midnight[32], const char **moment)
{
	const char *paid_at = json_string_value(json_object_get(r->json, "paid_at"));
	*moment = paid_at;
	if (strlen(paid_at) == 10) {
		snprintf(midnight, 32, "%sT00:00:00+08:00", paid_at);
		*moment = midnight;
	}
	const char *future_params[1] = {*moment};
	PGresult *res = db_exec(r, &st_paid_at_future, future_params);
	if (res == NULL)
		return RC_ERR;
	bool future = strcmp(PQgetvalue(res, 0, PAID_AT_FUTURE), "t") == 0;
	PQclear(res);
	if (future)
		problem_field(r, "paid_at", "must not be in the future");
	return problem_fields_done(r);
}

/* POST /v1/contracts/{id}/payments: the licensee records a payment. */
enum rc payments_create(struct req *r)
{
	if (body_read_valid(r, payment_spec) != RC_OK)
		return RC_ERR;
	/* locked, as for a report: a hold placed meanwhile is seen, or waits */
	PGresult *contract = revenue_contract_visible(r, true);
	if (contract == NULL)
		return RC_ERR;
	enum rc rc = licensee_of_live_contract(r, contract, N_("records payments"));
	PQclear(contract);
	if (rc == RC_OK)
		rc = contract_guard(r, req_param(r, "id"), "pay");
	char midnight[32];
	const char *moment = NULL;
	if (rc != RC_OK || paid_at_moment(r, midnight, &moment) != RC_OK)
		return RC_ERR;
	char payment_id[37];
	PGresult *res = NULL;
	rc = payment_insert(
	    r, req_param(r, "id"), json_string_value(json_object_get(r->json, "kind")),
	    (long long)json_integer_value(json_object_get(r->json, "amount_fen")), moment,
	    json_string_value(json_object_get(r->json, "reference")), payment_id, &res);
	if (rc == RC_OK) {
		reply_location(r, "/v1/payments/{id}", payment_id);
		rc = reply_stored(r, 201, PQgetvalue(res, 0, PAYMENT_JSON),
				  PQgetvalue(res, 0, PAYMENT_VERSION));
	}
	PQclear(res);
	return rc;
}

/* GET /v1/contracts/{id}/payments */
enum rc payments_list(struct req *r)
{
	static const char *const known[] = {"limit", "cursor", NULL};
	int limit;
	struct cursor cur;
	char lim[16];

	req_query_check(r, known);
	if (page_params(r, "tu", &limit, &cur) != RC_OK)
		return RC_ERR;
	PGresult *contract = revenue_contract_visible(r, false);
	if (contract == NULL)
		return RC_ERR;
	PQclear(contract);
	snprintf(lim, sizeof lim, "%d", limit + 1);
	const char *payments_params[4] = {req_param(r, "id"), cur.nparts ? cur.parts[0] : NULL,
					  cur.nparts ? cur.parts[1] : NULL, lim};
	return reply_page_of(r, db_exec(r, &st_payments, payments_params), limit,
			     PAYMENTS_CURSOR_PARTS);
}

/* GET /v1/payments/{id} */
enum rc payments_get(struct req *r)
{
	return db_reply_visible(r, &st_payment_get, "payment", party_to_payment);
}

/* What comes with a decision: its reason (a dispute's, a reversal's or an
 * admin's resolution's), the deductions a confirmation books as costs first,
 * and whether it is an admin's resolution of a dispute. */
struct decision {
	const char *reason;
	const json_t *deductions;
	bool resolution;
};

/* The acting part of a decision on payment id (row payment: PAYMENT_COLS,
 * locked) by transition row, whose checks the caller made: entering confirmed
 * books the split into the ledger, entering reversed the same entries negated.
 * The updated row goes to *updated (caller clears). With last, the decision is
 * the transaction's last statement (db_exec_commit): the caller only replies.
 * The licensor's confirm and an admin's resolve both come through here: one
 * code path into the ledger. */
static enum rc apply_decision(struct req *r, const char *id, const PGresult *payment,
			      const struct transition *row, const struct decision *how, bool last,
			      PGresult **updated)
{
	const char *contract_id = PQgetvalue(payment, 0, PAYMENT_CONTRACT);
	long long amount_fen = strtoll(PQgetvalue(payment, 0, PAYMENT_AMOUNT), NULL, 10);
	bool books = strcmp(row->to, "confirmed") == 0, reverses = strcmp(row->to, "reversed") == 0;
	const json_t *deductions = how->deductions;
	if (!books || json_array_size(deductions) == 0)
		deductions = NULL;
	if (deductions != NULL) {
		long long total = 0;
		size_t i;
		const json_t *d;
		json_array_foreach(deductions, i, d) total +=
		    json_integer_value(json_object_get(d, "amount_fen"));
		if (total >= amount_fen) {
			problem_field(r, "deductions",
				      "the deductions total %lld fen; they must stay below the "
				      "payment's %lld fen, whose rest is the net income split",
				      total, amount_fen);
			return problem_fields_done(r);
		}
	}
	if ((books || reverses) &&
	    ledger_append(r, contract_id, id, amount_fen, reverses, deductions) != RC_OK)
		return RC_ERR;
	json_t *detail =
	    json_pack("{s:s, s:I, s:s}", "from", PQgetvalue(payment, 0, PAYMENT_STATUS),
		      "amount_fen", (json_int_t)amount_fen, "contract_id", contract_id);
	if (how->reason)
		json_object_set_new(detail, "reason", json_string(how->reason));
	if (deductions)
		json_object_set(detail, "deductions", (json_t *)deductions);
	if (audit_write(r, row->audit, "payment", id, NULL, detail) != RC_OK ||
	    event_payment_moved(r, row->to, contract_id, id, amount_fen) != RC_OK)
		return RC_ERR;
	char *deductions_text = deductions ? json_dumps(deductions, JSON_COMPACT) : NULL;
	const char *decide_params[6] = {id,
					row->to,
					how->reason,
					r->auth.user_id,
					deductions_text,
					how->resolution ? "true" : "false"};
	/* the audit row and the event went first, so the decision is the last
	 * statement and the COMMIT rides with it: the contract's chain is held one
	 * round trip less */
	*updated = last ? db_exec_commit(r, &st_payment_decide, decide_params)
			: db_exec(r, &st_payment_decide, decide_params);
	free(deductions_text);
	return *updated == NULL ? RC_ERR : RC_OK;
}

/* Applies the decision and answers with the payment as it now is. */
static enum rc decide_and_reply(struct req *r, const char *id, const PGresult *payment,
				const struct transition *row, const struct decision *how)
{
	PGresult *updated = NULL;
	enum rc rc = apply_decision(r, id, payment, row, how, true, &updated);
	if (rc == RC_OK)
		rc = reply_stored(r, 200, PQgetvalue(updated, 0, PAYMENT_JSON),
				  PQgetvalue(updated, 0, PAYMENT_VERSION));
	PQclear(updated);
	return rc;
}

/* The licensor's confirm or dispute of payment_id, for callers without a
 * request body of their own (seed-demo). */
static enum rc payment_act(struct req *r, const char *payment_id, const char *action,
			   const struct decision *how)
{
	const char *payment_params[1] = {payment_id};
	PGresult *payment = db_exec(r, &st_payment_lock, payment_params), *updated = NULL;
	if (payment == NULL)
		return RC_ERR;
	enum rc rc;
	const struct transition *row = NULL;
	if (PQntuples(payment) != 1)
		rc = db_not_found(r, "payment");
	else if ((row = transition_row(payment_transitions, action,
				       PQgetvalue(payment, 0, PAYMENT_STATUS))) == NULL)
		rc = problem_set(r, 409, "invalid-state", "a %s payment cannot be %s",
				 PQgetvalue(payment, 0, PAYMENT_STATUS), payment_target(action));
	else
		rc = apply_decision(r, payment_id, payment, row, how, false, &updated);
	PQclear(updated);
	PQclear(payment);
	return rc;
}

enum rc revenue_payment_dispute(struct req *r, const char *payment_id, const char *reason)
{
	const struct decision how = {.reason = reason};
	return payment_act(r, payment_id, "dispute", &how);
}

enum rc revenue_payment_confirm(struct req *r, const char *payment_id, const json_t *deductions)
{
	const struct decision how = {.deductions = deductions};
	return payment_act(r, payment_id, "confirm", &how);
}

/* POST /v1/payments/{id}/confirm, /dispute and /reverse: the licensor decides,
 * as payment_transitions allows. Confirming a confirmed payment answers with
 * it as it is. */
static enum rc payment_decide(struct req *r, const char *action)
{
	bool confirm = strcmp(action, "confirm") == 0;
	const char *reason = NULL;
	const json_t *deductions = NULL;
	if (!confirm || r->body_len > 0) {
		if (body_read_valid(r, confirm ? confirm_spec : reason_spec) != RC_OK)
			return RC_ERR;
		reason = json_string_value(json_object_get(r->json, "reason"));
		deductions = json_object_get(r->json, "deductions");
	}
	PGresult *payment = payment_visible(r, true), *updated = NULL;
	if (payment == NULL)
		return RC_ERR;
	enum rc rc = RC_ERR;
	const char *status = PQgetvalue(payment, 0, PAYMENT_STATUS), *id = req_param(r, "id");
	const struct transition *row = NULL;
	enum transition_check check =
	    transition_find(payment_transitions, action, status, payment_roles(r, payment), &row);
	if (check == TR_FORBIDDEN) {
		problem_set(
		    r, 403, "forbidden",
		    "only an owner or admin of the licensor, who received the money, confirms, "
		    "disputes or reverses a payment");
		goto out;
	}
	if (confirm && strcmp(status, payment_target(action)) == 0) {
		/* a second confirm adds nothing; read again, as a statement that waited
		 * for the first confirm's lock still saw the ledger without its entries */
		const char *payment_params[1] = {id};
		if ((updated = db_exec(r, &st_payment_get, payment_params)) != NULL)
			rc = reply_stored(r, 200, PQgetvalue(updated, 0, PAYMENT_JSON),
					  PQgetvalue(updated, 0, PAYMENT_VERSION));
		goto out;
	}
	if (check != TR_OK) {
		problem_set(r, 409, "invalid-state", "a %s payment cannot be %s%s", status,
			    payment_target(action),
			    strcmp(action, "dispute") == 0 && strcmp(status, "confirmed") == 0
				? problem_tr(r, N_(": it is in the ledger; reverse it instead"))
				: "");
		goto out;
	}
	const struct decision how = {.reason = reason, .deductions = deductions};
	rc = decide_and_reply(r, id, payment, row, &how);
out:
	PQclear(payment);
	PQclear(updated);
	return rc;
}

enum rc payments_confirm(struct req *r)
{
	return payment_decide(r, "confirm");
}

enum rc payments_dispute(struct req *r)
{
	return payment_decide(r, "dispute");
}

enum rc payments_reverse(struct req *r)
{
	return payment_decide(r, "reverse");
}

/* POST /v1/admin/payments/{id}/resolve {outcome: confirm | void, reason}: a
 * platform admin settles a disputed payment (payment_transitions). The
 * payment's row lock orders it against the licensor's own confirm: whichever
 * comes second finds the payment no longer disputed. */
enum rc payments_resolve(struct req *r)
{
	static const char *const outcomes[] = {"confirm", "void", NULL};
	static const struct field resolve_spec[] = {
	    {.name = "outcome", .type = F_ENUM, .required = true, .enum_values = outcomes},
	    {.name = "reason", .type = F_STRING, .required = true, .min = 1, .max = 2000},
	    {0},
	};
	if (body_read_valid(r, resolve_spec) != RC_OK)
		return RC_ERR;
	const char *outcome = json_string_value(json_object_get(r->json, "outcome")),
		   *reason = json_string_value(json_object_get(r->json, "reason"));
	const char *action = strcmp(outcome, "confirm") == 0 ? "resolve_confirm" : "resolve_void";
	PGresult *payment = payment_visible(r, true);
	if (payment == NULL)
		return RC_ERR;
	enum rc rc = RC_ERR;
	const char *status = PQgetvalue(payment, 0, PAYMENT_STATUS), *id = req_param(r, "id");
	const struct transition *row = NULL;
	switch (
	    transition_find(payment_transitions, action, status, payment_roles(r, payment), &row)) {
	case TR_OK: break;
	case TR_FORBIDDEN:
		problem_set(r, 403, "forbidden",
			    "only a platform admin resolves a disputed payment");
		goto out;
	case TR_WRONG_STATE:
		problem_set(r, 409, "invalid-state",
			    "only a disputed payment is resolved; this one is %s", status);
		goto out;
	case TR_NO_ACTION:
		problem_set(r, 500, "internal", "payments have no %s transition", action);
		goto out;
	}
	const struct decision how = {.reason = reason, .resolution = true};
	rc = decide_and_reply(r, id, payment, row, &how);
out:
	PQclear(payment);
	return rc;
}
