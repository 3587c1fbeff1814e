/*
 * revenue.c - handlers for royalty reports, payments, the ledger and
 * statements.
 *
 * The licensee of an active contract reports each period's sales and records
 * its payments; the licensor confirms a payment, and in that transaction the
 * amount is split by the signed revenue-share plan (largest remainder, ties to
 * the earlier beneficiary) into ledger entries that chain by SHA-256 per
 * contract. The ledger only grows: its table refuses UPDATE and DELETE, and a
 * forced change shows in /ledger/verify and `techex check`.
 */
#include "revenue.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../server/cursor.h"
#include "../../server/db.h"
#include "../../server/json.h"
#include "../contracts/contracts.h"
#include "../contracts/share.h"
#include "../platform/platform.h"
#include "csv.h"

#define TS(col) SQL_RFC3339(col)
#define US(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
#define SHANGHAI_TODAY "(now() AT TIME ZONE 'Asia/Shanghai')::date"
#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"

// clang-format off
/* The API shape of a payment, with its split once in the ledger: the fields,
 * for json_build_object (json, not jsonb: a statement of thousands of payments
 * builds in a third of the time). */
#define PAYMENT_FIELDS                                                                     \
	"'id', p.id, 'contract_id', p.contract_id,"                                            \
	" 'payer_org_id', p.payer_org_id, 'payee_org_id', p.payee_org_id, 'kind', p.kind,"    \
	" 'amount_fen', p.amount_fen, 'currency', p.currency,"                                \
	" 'paid_at', " TS("p.paid_at") ", 'reference', p.reference, 'status', p.status,"      \
	" 'dispute_reason', p.dispute_reason, 'reversal_reason', p.reversal_reason,"           \
	" 'decided_at', " TS("p.decided_at") ","                                              \
	" 'created_at', " TS("p.created_at") ", 'updated_at', " TS("p.updated_at") ","        \
	" 'split', CASE WHEN p.status IN ('confirmed', 'reversed') THEN (SELECT"               \
	"   json_agg(json_build_object('beneficiary', e.beneficiary, 'role', e.role,"          \
	"   'share_bp', e.share_bp, 'amount_fen', e.amount_fen) ORDER BY e.seq)"               \
	"   FROM ledger_entries e WHERE e.payment_id = p.id) END"
#define PAYMENT_OBJ "json_build_object(" PAYMENT_FIELDS ")"

/* Columns: json, version, payer, payee, status, contract, amount. */
#define PAYMENT_COLS                                                                       \
	PAYMENT_OBJ "::text, p.version, p.payer_org_id, p.payee_org_id, p.status,"            \
	" p.contract_id, p.amount_fen"

#define REPORT_OBJ                                                                         \
	"jsonb_build_object('id', r.id, 'contract_id', r.contract_id,"                        \
	" 'period_start', r.period_start, 'period_end', r.period_end,"                        \
	" 'gross_sales_fen', r.gross_sales_fen, 'royalty_bp', r.royalty_bp,"                  \
	" 'royalty_due_fen', r.royalty_due_fen,"                                               \
	" 'waste_utilized_tonnes', r.waste_utilized_tonnes, 'currency', r.currency,"          \
	" 'reported_by', r.reported_by, 'created_at', " TS("r.created_at") ")"

/* A ledger entry's columns, in the order ledger_entry_json reads them. */
#define LEDGER_COLUMNS                                                                     \
	"e.seq, e.payment_id, e.beneficiary, e.role, e.share_bp, e.amount_fen, e.currency, "  \
	TS("e.created_at") ", e.prev_hash, e.hash, e.contract_id"
// clang-format on
enum {
	E_SEQ,
	E_PAYMENT,
	E_BENEFICIARY,
	E_ROLE,
	E_SHARE,
	E_AMOUNT,
	E_CURRENCY,
	E_CREATED,
	E_PREV,
	E_HASH,
	E_CONTRACT
};

/* The contract a revenue request is about. Columns: licensor, licensee, status,
 * ever active, royalty_bp, term_start, term_end, minimum annual royalty. */
#define CONTRACT_FACTS                                                                       \
	"SELECT c.licensor_org_id, c.licensee_org_id, c.status, c.activated_at IS NOT NULL," \
	" c.royalty_bp, c.term_start, c.term_end, c.minimum_annual_royalty_fen"              \
	" FROM contracts c WHERE c.id = $1"
enum { C_LICENSOR, C_LICENSEE, C_STATUS, C_ACTIVATED, C_ROYALTY, C_START, C_END, C_MINIMUM };

static const struct stmt st_contract = {"revenue_contract", CONTRACT_FACTS, 1};
static const struct stmt st_contract_lock = {"revenue_contract_lock", CONTRACT_FACTS " FOR UPDATE",
					     1};

/* Where a new report's period stands: $2 start, $3 end. Columns: ended, inside
 * the term, overlapping an earlier report's period (its dates, or NULL). */
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

static const struct stmt st_report_insert = {
    "revenue_report_insert",
    "INSERT INTO royalty_reports AS r (contract_id, reported_by, period_start, period_end,"
    " gross_sales_fen, royalty_bp, royalty_due_fen, waste_utilized_tonnes)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING " REPORT_OBJ "::text, r.id",
    8};

static const struct stmt st_reports = {"revenue_reports",
				       "SELECT coalesce(jsonb_agg(" REPORT_OBJ
				       " ORDER BY r.period_start), '[]'::jsonb)::text"
				       " FROM royalty_reports r WHERE r.contract_id = $1",
				       1};

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

static const struct stmt st_payment_insert = {
    "revenue_payment_insert",
    "INSERT INTO payments AS p (contract_id, payer_org_id, payee_org_id, recorded_by, kind,"
    " amount_fen, paid_at, reference) SELECT c.id, c.licensee_org_id, c.licensor_org_id, $2,"
    " $3, $4, $5::timestamptz, $6 FROM contracts c WHERE c.id = $1"
    " RETURNING " PAYMENT_COLS,
    6};

static const struct stmt st_paid_at_future = {"revenue_paid_at_future",
					      "SELECT $1::timestamptz > now()", 1};

static const struct stmt st_payments = {
    "revenue_payments",
    "SELECT " PAYMENT_OBJ
    "::text, p.version, " US("p.created_at") ", p.id FROM payments p"
					     " WHERE p.contract_id = $1"
					     " AND ($2::timestamptz IS NULL OR (p.created_at, "
					     "p.id) > ($2::timestamptz, $3::uuid))"
					     " ORDER BY p.created_at, p.id LIMIT $4",
    4};

static const struct stmt st_payment_get = {
    "revenue_payment_get", "SELECT " PAYMENT_COLS " FROM payments p WHERE p.id = $1", 1};

static const struct stmt st_payment_lock = {
    "revenue_payment_lock", "SELECT " PAYMENT_COLS " FROM payments p WHERE p.id = $1 FOR UPDATE",
    1};

/* The signed plan, with the contract row locked: one ledger append at a time. */
static const struct stmt st_plan_lock = {
    "revenue_plan_lock", "SELECT revenue_share::text FROM contracts WHERE id = $1 FOR UPDATE", 1};

/* The chain's last link, and the entries' time (whole seconds, as hashed). */
static const struct stmt st_ledger_tail = {
    "revenue_ledger_tail",
    "SELECT t.seq, t.hash, " TS("now()") " FROM (SELECT 1) x LEFT JOIN LATERAL"
					 " (SELECT seq, hash FROM ledger_entries WHERE contract_id "
					 "= $1 ORDER BY seq DESC LIMIT 1) t"
					 " ON true",
    1};

static const struct stmt st_ledger_insert = {
    "revenue_ledger_insert",
    "INSERT INTO ledger_entries (contract_id, seq, payment_id, beneficiary, role, share_bp,"
    " amount_fen, currency, created_at, prev_hash, hash)"
    " SELECT contract_id, seq, payment_id, beneficiary, role, share_bp, amount_fen, currency,"
    " created_at, prev_hash, hash FROM jsonb_to_recordset($1::jsonb) AS x(contract_id uuid,"
    " seq integer, payment_id uuid, beneficiary text, role text, share_bp integer,"
    " amount_fen bigint, currency text, created_at timestamptz, prev_hash text, hash text)",
    1};

/* $2 the new status, $3 its reason (a dispute's or a reversal's). */
static const struct stmt st_payment_decide = {
    "revenue_payment_decide",
    "UPDATE payments AS p SET status = $2,"
    " dispute_reason = CASE WHEN $2 = 'disputed' THEN $3 END,"
    " reversal_reason = CASE WHEN $2 = 'reversed' THEN $3 END, decided_by = $4,"
    " decided_at = now(), updated_at = now(), version = p.version + 1"
    " WHERE p.id = $1 RETURNING " PAYMENT_COLS,
    4};

/* The entries a confirmed payment made, in order, to be reversed. */
static const struct stmt st_payment_entries = {
    "revenue_payment_entries",
    "SELECT jsonb_agg(jsonb_build_object('beneficiary', beneficiary, 'role', role,"
    " 'share_bp', share_bp, 'amount_fen', -amount_fen) ORDER BY seq)::text"
    " FROM ledger_entries WHERE payment_id = $1 AND amount_fen > 0",
    1};

static const struct stmt st_ledger_page = {
    "revenue_ledger_page",
    "SELECT " LEDGER_COLUMNS " FROM ledger_entries e WHERE e.contract_id = $1 AND e.seq > $2"
    " ORDER BY e.seq LIMIT $3",
    3};

/* Payments whose ledger entries do not add up: a confirmed one must sum to its
 * amount, a reversed one to zero (its positive half to the amount), the others
 * must have none. $1 one contract, or NULL for all. Columns: payment, status,
 * amount, entries' sum, entries. */
#define SQL_PAYMENT_SUMS                                                                           \
	"SELECT p.id, p.status, p.amount_fen, coalesce(sum(e.amount_fen), 0), count(e.seq)"        \
	" FROM payments p LEFT JOIN ledger_entries e ON e.payment_id = p.id"                       \
	" WHERE $1::uuid IS NULL OR p.contract_id = $1 GROUP BY p.id"                              \
	" HAVING (p.status = 'confirmed' AND coalesce(sum(e.amount_fen), 0) <> p.amount_fen)"      \
	" OR (p.status = 'reversed' AND (coalesce(sum(e.amount_fen), 0) <> 0"                      \
	"     OR coalesce(sum(e.amount_fen) FILTER (WHERE e.amount_fen > 0), 0) <> p.amount_fen))" \
	" OR (p.status IN ('reported', 'disputed') AND count(e.seq) > 0)"

static const struct stmt st_payment_sums = {"revenue_payment_sums", SQL_PAYMENT_SUMS, 1};

static const struct stmt st_ledger_all = {
    "revenue_ledger_all",
    "SELECT " LEDGER_COLUMNS " FROM ledger_entries e WHERE e.contract_id = $1 ORDER BY e.seq", 1};

/* An organization's payments made or received with paid_at in [$2, $3] (days
 * in China), with their splits and totals, as one JSON document (column 0) and
 * the payments alone (column 1, what the CSV is written from). Totals are sums
 * in numeric, exact at any size: received_fen and paid_fen count confirmed
 * payments only; reported and disputed ones are summed apart; reversed ones in
 * none. */
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

/* ---- pure parts ---------------------------------------------------------- */

int64_t royalty_due(int64_t gross_fen, int bp)
{
	__int128 due = ((__int128)gross_fen * bp + 5000) / 10000;
	return (int64_t)due;
}

void ledger_hash(const char *prev_hash, const json_t *entry, char out[65])
{
	char *text = json_dumps(entry, JSON_COMPACT | JSON_SORT_KEYS);
	unsigned char md[32];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	EVP_DigestUpdate(ctx, prev_hash, strlen(prev_hash));
	EVP_DigestUpdate(ctx, "\n", 1);
	EVP_DigestUpdate(ctx, text, strlen(text));
	EVP_DigestFinal_ex(ctx, md, NULL);
	EVP_MD_CTX_free(ctx);
	hex_encode(md, sizeof md, out);
	free(text);
}

/* The hashed fields of the entry at row i (LEDGER_COLUMNS). */
static json_t *ledger_entry_json(const PGresult *rows, int i)
{
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I}", "amount_fen",
			 (json_int_t)strtoll(PQgetvalue(rows, i, E_AMOUNT), NULL, 10),
			 "beneficiary", PQgetvalue(rows, i, E_BENEFICIARY), "contract_id",
			 PQgetvalue(rows, i, E_CONTRACT), "created_at",
			 PQgetvalue(rows, i, E_CREATED), "currency",
			 PQgetvalue(rows, i, E_CURRENCY), "payment_id",
			 PQgetvalue(rows, i, E_PAYMENT), "role", PQgetvalue(rows, i, E_ROLE), "seq",
			 (json_int_t)strtoll(PQgetvalue(rows, i, E_SEQ), NULL, 10), "share_bp",
			 (json_int_t)strtoll(PQgetvalue(rows, i, E_SHARE), NULL, 10));
}

int ledger_first_broken(const PGresult *rows, char *why, size_t len)
{
	const char *prev = ZERO_HASH;
	for (int i = 0; i < PQntuples(rows); i++) {
		int seq = atoi(PQgetvalue(rows, i, E_SEQ));
		char hash[65];
		if (seq != i + 1) {
			snprintf(why, len, "entry %d is missing: the chain jumps to %d", i + 1,
				 seq);
			return i + 1;
		}
		if (strcmp(PQgetvalue(rows, i, E_PREV), prev) != 0) {
			snprintf(why, len, "entry %d does not link to entry %d", seq, seq - 1);
			return seq;
		}
		json_t *entry = ledger_entry_json(rows, i);
		ledger_hash(prev, entry, hash);
		json_decref(entry);
		if (strcmp(hash, PQgetvalue(rows, i, E_HASH)) != 0) {
			snprintf(why, len, "entry %d does not match its hash: it was changed", seq);
			return seq;
		}
		prev = PQgetvalue(rows, i, E_HASH);
	}
	return 0;
}

/* ---- access -------------------------------------------------------------- */

static bool same(const char *a, const char *b)
{
	return a != NULL && b != NULL && *a && strcmp(a, b) == 0;
}

/* The contract {id} (locked when lock) if the caller is a party or an admin;
 * 404 otherwise. Columns: CONTRACT_FACTS. */
static bool party_to_contract(const struct req *r, const PGresult *row)
{
	return same(r->auth.org_id, PQgetvalue(row, 0, C_LICENSOR)) ||
	       same(r->auth.org_id, PQgetvalue(row, 0, C_LICENSEE)) || r->auth.platform_admin;
}

static PGresult *load_contract(struct req *r, bool lock)
{
	return db_load_visible(r, lock ? &st_contract_lock : &st_contract, "contract",
			       party_to_contract);
}

/* The licensee of a contract that has been active: RC_OK, else the problem. */
static enum rc licensee_of_live_contract(struct req *r, const PGresult *c, const char *what)
{
	if (!same(r->auth.org_id, PQgetvalue(c, 0, C_LICENSEE)))
		return problem_set(r, 403, "forbidden", "only the licensee %s", what);
	if (strcmp(PQgetvalue(c, 0, C_STATUS), "active") != 0 &&
	    !(strcmp(PQgetvalue(c, 0, C_STATUS), "terminated") == 0 &&
	      strcmp(PQgetvalue(c, 0, C_ACTIVATED), "t") == 0))
		return problem_set(r, 409, "contract-not-active",
				   "the contract is %s: only a contract both parties signed takes "
				   "royalty reports and payments",
				   PQgetvalue(c, 0, C_STATUS));
	return RC_OK;
}

static enum rc reply_text_json(struct req *r, int status, const char *text, const char *version)
{
	json_t *body = json_loads(text, 0, NULL);
	if (body == NULL)
		return problem_set(r, 500, "internal", "could not read the record");
	if (version != NULL)
		reply_etag(r, version);
	reply_json(r, status, body);
	return RC_OK;
}

/* ---- royalty reports ----------------------------------------------------- */

/* The acting part of a royalty report: the caller reports gross sales and
 * tonnes for [start, end] on contract id (row c: CONTRACT_FACTS); the royalty
 * due is computed at the contract's rate. The new row goes to *res (caller
 * clears; columns: json, id). */
static enum rc report_insert(struct req *r, const char *id, const PGresult *c, const char *start,
			     const char *end, long long gross, long long tonnes, PGresult **res)
{
	int bp = atoi(PQgetvalue(c, 0, C_ROYALTY));
	char gross_s[24], due_s[24], tonnes_s[24];
	snprintf(gross_s, sizeof gross_s, "%lld", gross);
	snprintf(due_s, sizeof due_s, "%lld", (long long)royalty_due(gross, bp));
	snprintf(tonnes_s, sizeof tonnes_s, "%lld", tonnes);
	const char *ip[8] = {
	    id, r->auth.user_id, start, end, gross_s, PQgetvalue(c, 0, C_ROYALTY), due_s, tonnes_s};
	if ((*res = db_exec(r, &st_report_insert, ip)) == NULL)
		return RC_ERR;
	return audit_write(
	    r, "royalty_report.create", "royalty_report", PQgetvalue(*res, 0, 1), NULL,
	    json_pack("{s:s, s:s, s:s, s:I, s:I, s:I}", "contract_id", id, "period_start", start,
		      "period_end", end, "gross_sales_fen", (json_int_t)gross, "royalty_due_fen",
		      (json_int_t)royalty_due(gross, bp), "waste_utilized_tonnes",
		      (json_int_t)tonnes));
}

enum rc revenue_report_add(struct req *r, const char *contract_id, const char *start,
			   const char *end, long long gross_fen, long long tonnes)
{
	const char *p[1] = {contract_id};
	PGresult *c = db_exec(r, &st_contract_lock, p), *res = NULL;
	if (c == NULL)
		return RC_ERR;
	enum rc rc = PQntuples(c) == 1
			 ? report_insert(r, contract_id, c, start, end, gross_fen, tonnes, &res)
			 : db_not_found(r, "contract");
	PQclear(res);
	PQclear(c);
	return rc;
}

/* POST /v1/contracts/{id}/royalty-reports */
static enum rc reports_create(struct req *r)
{
	if (body_read_valid(r, report_spec) != RC_OK)
		return RC_ERR;
	const char *start = json_string_value(json_object_get(r->json, "period_start")),
		   *end = json_string_value(json_object_get(r->json, "period_end"));
	if (strcmp(start, end) > 0) {
		problem_field(r, "period_end", "must not be before period_start");
		return problem_fields_done(r);
	}
	PGresult *c = load_contract(r, true), *res = NULL;
	if (c == NULL)
		return RC_ERR;
	enum rc rc = RC_ERR;
	if (licensee_of_live_contract(r, c, "reports royalties") != RC_OK)
		goto out;
	const char *id = req_param(r, "id");
	const char *pp[3] = {id, start, end};
	if ((res = db_exec(r, &st_report_period, pp)) == NULL)
		goto out;
	if (strcmp(PQgetvalue(res, 0, 1), "t") != 0)
		problem_field(
		    r, "period_start",
		    "the period must lie inside the contract term (%s to %s) and end by its "
		    "termination, if any",
		    PQgetvalue(c, 0, C_START),
		    *PQgetvalue(c, 0, C_END) ? PQgetvalue(c, 0, C_END) : "open");
	if (strcmp(PQgetvalue(res, 0, 0), "t") != 0)
		problem_field(r, "period_end", "the period has not ended yet");
	if (problem_fields_done(r) != RC_OK)
		goto out;
	if (!PQgetisnull(res, 0, 2)) {
		problem_set(r, 409, "period-overlap",
			    "the period overlaps the one already reported for %s",
			    PQgetvalue(res, 0, 2));
		goto out;
	}
	PQclear(res);
	res = NULL;

	if (report_insert(
		r, id, c, start, end,
		(long long)json_integer_value(json_object_get(r->json, "gross_sales_fen")),
		(long long)json_integer_value(json_object_get(r->json, "waste_utilized_tonnes")),
		&res) != RC_OK)
		goto out;
	rc = reply_text_json(r, 201, PQgetvalue(res, 0, 0), NULL);
out:
	PQclear(c);
	PQclear(res);
	return rc;
}

/* GET /v1/contracts/{id}/royalty-reports: every report, and each contract year
 * against the minimum annual royalty. */
static enum rc reports_list(struct req *r)
{
	static const char *const known[] = {NULL};
	req_query_check(r, known);
	if (problem_fields_done(r) != RC_OK)
		return RC_ERR;
	PGresult *c = load_contract(r, false);
	if (c == NULL)
		return RC_ERR;
	PQclear(c);
	const char *p[1] = {req_param(r, "id")};
	PGresult *reports = db_exec(r, &st_reports, p);
	if (reports == NULL)
		return RC_ERR;
	PGresult *years = db_exec(r, &st_contract_years, p);
	if (years == NULL) {
		PQclear(reports);
		return RC_ERR;
	}
	/* the database's JSON goes out as it is: its sums are numeric, never cut to
	 * 64 bits by a parse */
	const char *y =
	    PQntuples(years) == 1 && !PQgetisnull(years, 0, 0) ? PQgetvalue(years, 0, 0) : "[]";
	char *body = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&body, &len);
	if (f == NULL) {
		PQclear(reports);
		PQclear(years);
		return problem_set(r, 500, "internal", "out of memory");
	}
	fprintf(f, "{\"data\":%s,\"next_cursor\":null,\"contract_years\":%s}",
		PQgetvalue(reports, 0, 0), y);
	fclose(f);
	reply_raw(r, 200, "application/json", body, len);
	free(body);
	PQclear(reports);
	PQclear(years);
	return RC_OK;
}

/* ---- payments ------------------------------------------------------------ */

/* The acting part of recording a payment: the caller records amount of kind,
 * paid at moment (RFC 3339), on contract id. Its id goes to pid (37 bytes), its
 * row to *res (caller clears; PAYMENT_COLS). */
static enum rc payment_insert(struct req *r, const char *id, const char *kind, long long amount_fen,
			      const char *moment, const char *reference, char pid[37],
			      PGresult **res)
{
	char amount[24];
	snprintf(amount, sizeof amount, "%lld", amount_fen);
	const char *ip[6] = {id, r->auth.user_id, kind, amount, moment, reference};
	if ((*res = db_exec(r, &st_payment_insert, ip)) == NULL)
		return RC_ERR;
	json_t *created = json_loads(PQgetvalue(*res, 0, 0), 0, NULL);
	const char *created_id = json_string_value(json_object_get(created, "id"));
	snprintf(pid, 37, "%s", created_id ? created_id : "");
	json_decref(created);
	if (!uuid_valid(pid))
		return problem_set(r, 500, "internal", "could not read the new payment");
	return audit_write(r, "payment.report", "payment", pid, NULL,
			   json_pack("{s:s, s:I, s:s, s:s}", "contract_id", id, "amount_fen",
				     (json_int_t)amount_fen, "kind", kind, "paid_at", moment));
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

/* POST /v1/contracts/{id}/payments: the licensee records a payment. */
static enum rc payments_create(struct req *r)
{
	if (body_read_valid(r, payment_spec) != RC_OK)
		return RC_ERR;
	PGresult *c = load_contract(r, false), *res = NULL;
	if (c == NULL)
		return RC_ERR;
	enum rc rc = RC_ERR;
	if (licensee_of_live_contract(r, c, "records payments") != RC_OK)
		goto out;
	const char *paid_at = json_string_value(json_object_get(r->json, "paid_at"));
	char midnight[32];
	const char *moment = paid_at;
	if (strlen(paid_at) == 10) { /* a date: its midnight in China */
		snprintf(midnight, sizeof midnight, "%sT00:00:00+08:00", paid_at);
		moment = midnight;
	}
	const char *fp[1] = {moment};
	if ((res = db_exec(r, &st_paid_at_future, fp)) == NULL)
		goto out;
	bool future = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	res = NULL;
	if (future) {
		problem_field(r, "paid_at", "must not be in the future");
		rc = problem_fields_done(r);
		goto out;
	}
	char pid[37];
	if (payment_insert(
		r, req_param(r, "id"), json_string_value(json_object_get(r->json, "kind")),
		(long long)json_integer_value(json_object_get(r->json, "amount_fen")), moment,
		json_string_value(json_object_get(r->json, "reference")), pid, &res) != RC_OK)
		goto out;
	reply_location(r, "/v1/payments/{id}", pid);
	rc = reply_text_json(r, 201, PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
out:
	PQclear(c);
	PQclear(res);
	return rc;
}

/* GET /v1/contracts/{id}/payments */
static enum rc payments_list(struct req *r)
{
	static const char *const known[] = {"limit", "cursor", NULL};
	int limit;
	struct cursor cur;
	char lim[16];

	req_query_check(r, known);
	if (page_params(r, "tu", &limit, &cur) != RC_OK)
		return RC_ERR;
	PGresult *c = load_contract(r, false);
	if (c == NULL)
		return RC_ERR;
	PQclear(c);
	snprintf(lim, sizeof lim, "%d", limit + 1);
	const char *p[4] = {req_param(r, "id"), cur.nparts ? cur.parts[0] : NULL,
			    cur.nparts ? cur.parts[1] : NULL, lim};
	PGresult *res = db_exec(r, &st_payments, p);
	if (res == NULL)
		return RC_ERR;
	reply_page(r, res, limit, 2);
	return RC_OK;
}

/* The payment {id} (locked when lock) if the caller's organization paid or
 * received it, or is a platform admin; 404 otherwise. Columns: PAYMENT_COLS. */
static bool party_to_payment(const struct req *r, const PGresult *row)
{
	return same(r->auth.org_id, PQgetvalue(row, 0, 2)) ||
	       same(r->auth.org_id, PQgetvalue(row, 0, 3)) || r->auth.platform_admin;
}

static PGresult *load_payment(struct req *r, bool lock)
{
	return db_load_visible(r, lock ? &st_payment_lock : &st_payment_get, "payment",
			       party_to_payment);
}

/* GET /v1/payments/{id} */
static enum rc payments_get(struct req *r)
{
	PGresult *res = load_payment(r, false);
	if (res == NULL)
		return RC_ERR;
	enum rc rc = reply_text_json(r, 200, PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
	PQclear(res);
	return rc;
}

/* The lines a confirmation books: the amount split by the plan's share_bp,
 * largest remainder, ties to the earlier beneficiary. Caller decrefs. */
static json_t *plan_split(const json_t *plan, long long amount)
{
	size_t n = json_array_size(plan);
	int64_t *weights = xcalloc(n ? n : 1, sizeof *weights),
		*parts = xcalloc(n ? n : 1, sizeof *parts);
	for (size_t i = 0; i < n; i++)
		weights[i] =
		    json_integer_value(json_object_get(json_array_get(plan, i), "share_bp"));
	share_split(amount, weights, n, parts);
	json_t *lines = json_array();
	for (size_t i = 0; i < n; i++) {
		const json_t *e = json_array_get(plan, i);
		json_array_append_new(lines, json_pack("{s:O, s:O, s:O, s:I}", "beneficiary",
						       json_object_get(e, "beneficiary"), "role",
						       json_object_get(e, "role"), "share_bp",
						       json_object_get(e, "share_bp"), "amount_fen",
						       (json_int_t)parts[i]));
	}
	free(weights);
	free(parts);
	return lines;
}

/* Books a payment into its contract's ledger: the plan's split of amount, or,
 * for a reversal, the payment's own entries negated. Each entry is chained to
 * the one before; the contract row stays locked until commit, so appends to one
 * chain happen one at a time. */
static enum rc ledger_append(struct req *r, const char *contract_id, const char *payment_id,
			     long long amount, bool reversal)
{
	const char *p[1] = {contract_id}, *pp[1] = {payment_id};
	PGresult *res = db_exec(r, &st_plan_lock, p);
	if (res == NULL)
		return RC_ERR;
	json_t *plan = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
	PQclear(res);
	json_t *lines = NULL;
	if (!reversal) {
		lines = plan_split(plan, amount);
	} else if ((res = db_exec(r, &st_payment_entries, pp)) != NULL) {
		lines = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
		PQclear(res);
	}
	json_decref(plan);
	if (lines == NULL && r->problem.status == 0)
		return problem_set(r, 500, "internal",
				   "the payment's ledger entries cannot be read");
	if (lines == NULL || (res = db_exec(r, &st_ledger_tail, p)) == NULL) {
		json_decref(lines);
		return RC_ERR;
	}
	int seq = PQgetisnull(res, 0, 0) ? 0 : atoi(PQgetvalue(res, 0, 0));
	char prev[65], now[32];
	snprintf(prev, sizeof prev, "%s",
		 PQgetisnull(res, 0, 1) ? ZERO_HASH : PQgetvalue(res, 0, 1));
	snprintf(now, sizeof now, "%s", PQgetvalue(res, 0, 2));
	PQclear(res);

	size_t i;
	json_t *entry;
	json_array_foreach(lines, i, entry)
	{
		json_object_set_new(entry, "contract_id", json_string(contract_id));
		json_object_set_new(entry, "created_at", json_string(now));
		json_object_set_new(entry, "currency", json_string("CNY"));
		json_object_set_new(entry, "payment_id", json_string(payment_id));
		json_object_set_new(entry, "seq", json_integer(++seq));
		char hash[65];
		ledger_hash(prev, entry, hash);
		json_object_set_new(entry, "prev_hash", json_string(prev));
		json_object_set_new(entry, "hash", json_string(hash));
		memcpy(prev, hash, sizeof prev);
	}
	char *text = json_dumps(lines, JSON_COMPACT);
	json_decref(lines);
	const char *ip[1] = {text};
	res = db_exec(r, &st_ledger_insert, ip);
	free(text);
	if (res == NULL)
		return RC_ERR;
	PQclear(res);
	return RC_OK;
}

enum decision { CONFIRM, DISPUTE, REVERSE };

/* The acting part of a decision on payment id (row res: PAYMENT_COLS, locked),
 * whose checks the caller made: a confirmation books the split into the
 * ledger, a reversal the same entries negated. The updated row goes to *upd
 * (caller clears). */
static enum rc decide(struct req *r, const char *id, const PGresult *res, enum decision d,
		      const char *reason, PGresult **upd)
{
	static const char *const to[] = {"confirmed", "disputed", "reversed"};
	static const char *const actions[] = {"payment.confirm", "payment.dispute",
					      "payment.reverse"};
	if (d != DISPUTE &&
	    ledger_append(r, PQgetvalue(res, 0, 5), id, strtoll(PQgetvalue(res, 0, 6), NULL, 10),
			  d == REVERSE) != RC_OK)
		return RC_ERR;
	const char *p[4] = {id, to[d], reason, r->auth.user_id};
	if ((*upd = db_exec(r, &st_payment_decide, p)) == NULL)
		return RC_ERR;
	json_t *detail = json_pack("{s:s, s:I, s:s}", "from", PQgetvalue(res, 0, 4), "amount_fen",
				   (json_int_t)strtoll(PQgetvalue(res, 0, 6), NULL, 10),
				   "contract_id", PQgetvalue(res, 0, 5));
	if (reason)
		json_object_set_new(detail, "reason", json_string(reason));
	return audit_write(r, actions[d], "payment", id, NULL, detail);
}

enum rc revenue_payment_confirm(struct req *r, const char *payment_id)
{
	const char *p[1] = {payment_id};
	PGresult *res = db_exec(r, &st_payment_lock, p), *upd = NULL;
	if (res == NULL)
		return RC_ERR;
	enum rc rc = PQntuples(res) == 1 ? decide(r, payment_id, res, CONFIRM, NULL, &upd)
					 : db_not_found(r, "payment");
	PQclear(upd);
	PQclear(res);
	return rc;
}

/* POST /v1/payments/{id}/confirm, /dispute and /reverse: the licensor decides.
 * A confirmation books the split into the ledger; a reversal (of a confirmed
 * payment that bounced, say) books the same entries negated, since the ledger
 * itself never changes. */
static enum rc payment_decide(struct req *r, enum decision d)
{
	static const char *const to[] = {"confirmed", "disputed", "reversed"};
	static const struct field none[] = {{0}};
	const char *reason = NULL;
	if (d != CONFIRM || r->body_len > 0) {
		if (body_read_valid(r, d == CONFIRM ? none : reason_spec) != RC_OK)
			return RC_ERR;
		reason = json_string_value(json_object_get(r->json, "reason"));
	}
	PGresult *res = load_payment(r, true), *upd = NULL;
	if (res == NULL)
		return RC_ERR;
	enum rc rc = RC_ERR;
	const char *status = PQgetvalue(res, 0, 4), *id = req_param(r, "id");
	if (!same(r->auth.org_id, PQgetvalue(res, 0, 3)) ||
	    (strcmp(r->auth.org_role, "owner") != 0 && strcmp(r->auth.org_role, "admin") != 0)) {
		problem_set(
		    r, 403, "forbidden",
		    "only an owner or admin of the licensor, who received the money, confirms, "
		    "disputes or reverses a payment");
		goto out;
	}
	if (d == CONFIRM && strcmp(status, "confirmed") == 0) {
		/* a second confirm adds nothing; read again, as a statement that waited
		 * for the first confirm's lock still saw the ledger without its entries */
		const char *gp[1] = {id};
		if ((upd = db_exec(r, &st_payment_get, gp)) != NULL)
			rc = reply_text_json(r, 200, PQgetvalue(upd, 0, 0), PQgetvalue(upd, 0, 1));
		goto out;
	}
	bool allowed = d == REVERSE ? strcmp(status, "confirmed") == 0
		       : d == DISPUTE
			   ? strcmp(status, "reported") == 0
			   : strcmp(status, "reported") == 0 || strcmp(status, "disputed") == 0;
	if (!allowed) {
		problem_set(r, 409, "invalid-state", "a %s payment cannot be %s%s", status, to[d],
			    d == DISPUTE && strcmp(status, "confirmed") == 0
				? ": it is in the ledger; reverse it instead"
				: "");
		goto out;
	}
	if (decide(r, id, res, d, reason, &upd) != RC_OK)
		goto out;
	rc = reply_text_json(r, 200, PQgetvalue(upd, 0, 0), PQgetvalue(upd, 0, 1));
out:
	PQclear(res);
	PQclear(upd);
	return rc;
}

static enum rc payments_confirm(struct req *r)
{
	return payment_decide(r, CONFIRM);
}

static enum rc payments_dispute(struct req *r)
{
	return payment_decide(r, DISPUTE);
}

static enum rc payments_reverse(struct req *r)
{
	return payment_decide(r, REVERSE);
}

/* ---- the ledger ---------------------------------------------------------- */

/* GET /v1/contracts/{id}/ledger: entries in seq order, paged by seq. */
static enum rc ledger_list(struct req *r)
{
	static const char *const known[] = {"limit", "cursor", NULL};
	int limit;
	struct cursor cur;
	char lim[16];

	req_query_check(r, known);
	if (page_params(r, "n", &limit, &cur) != RC_OK)
		return RC_ERR;
	long after = cur.nparts ? strtol(cur.parts[0], NULL, 10) : 0;
	PGresult *c = load_contract(r, false);
	if (c == NULL)
		return RC_ERR;
	PQclear(c);
	char after_s[24];
	snprintf(after_s, sizeof after_s, "%ld", after);
	snprintf(lim, sizeof lim, "%d", limit + 1);
	const char *p[3] = {req_param(r, "id"), after_s, lim};
	PGresult *res = db_exec(r, &st_ledger_page, p);
	if (res == NULL)
		return RC_ERR;
	json_t *data = json_array();
	int rows = PQntuples(res);
	for (int i = 0; i < rows && i < limit; i++) {
		json_t *e = ledger_entry_json(res, i);
		json_object_del(e, "contract_id");
		json_object_set_new(e, "prev_hash", json_string(PQgetvalue(res, i, E_PREV)));
		json_object_set_new(e, "hash", json_string(PQgetvalue(res, i, E_HASH)));
		json_array_append_new(data, e);
	}
	json_t *next = json_null();
	if (rows > limit) {
		struct cursor n = {.nparts = 1};
		snprintf(n.parts[0], CURSOR_PART_MAX, "%s", PQgetvalue(res, limit - 1, E_SEQ));
		char *text = cursor_encode(&n);
		next = json_string(text);
		free(text);
	}
	PQclear(res);
	reply_json(r, 200,
		   json_pack("{s:s, s:o, s:o}", "contract_id", req_param(r, "id"), "data", data,
			     "next_cursor", next));
	return RC_OK;
}

/* GET /v1/contracts/{id}/ledger/verify: recomputes the whole chain. */
static enum rc ledger_verify(struct req *r)
{
	PGresult *c = load_contract(r, false);
	if (c == NULL)
		return RC_ERR;
	PQclear(c);
	const char *p[1] = {req_param(r, "id")};
	PGresult *res = db_exec(r, &st_ledger_all, p);
	if (res == NULL)
		return RC_ERR;
	char why[160] = "";
	int broken = ledger_first_broken(res, why, sizeof why);
	PGresult *sums = db_exec(r, &st_payment_sums, p);
	if (sums == NULL) {
		PQclear(res);
		return RC_ERR;
	}
	/* entries cut from the end leave a chain that links; the payments tell */
	if (broken == 0 && PQntuples(sums) > 0) {
		broken = PQntuples(res) + 1;
		snprintf(why, sizeof why,
			 "the entries of payment %s (%s, %s fen) sum to %s fen in %s entries: "
			 "entries are missing",
			 PQgetvalue(sums, 0, 0), PQgetvalue(sums, 0, 1), PQgetvalue(sums, 0, 2),
			 PQgetvalue(sums, 0, 3), PQgetvalue(sums, 0, 4));
	}
	PQclear(sums);
	json_t *body = json_pack("{s:b, s:i}", "ok", broken == 0, "entries", PQntuples(res));
	if (broken) {
		json_object_set_new(body, "first_broken_seq", json_integer(broken));
		json_object_set_new(body, "reason", json_string(why));
	} else if (PQntuples(res) > 0) {
		json_object_set_new(body, "head_hash",
				    json_string(PQgetvalue(res, PQntuples(res) - 1, E_HASH)));
	}
	PQclear(res);
	reply_json(r, 200, body);
	return RC_OK;
}

/* ---- statements ---------------------------------------------------------- */

/* The statement as CSV: a BOM (so Chinese opens intact in Excel), a header row,
 * one row per payment. Caller frees. */
static char *statement_csv(const json_t *data, size_t *len)
{
	static const char *const columns[] = {"paid_at",    "direction", "contract_id",
					      "payment_id", "kind",      "amount_fen",
					      "currency",   "status",    "reference"};
	char *out = NULL;
	FILE *f = open_memstream(&out, len);
	if (f == NULL)
		return NULL;
	fputs("\xef\xbb\xbf", f);
	for (size_t k = 0; k < ARRAY_LEN(columns); k++)
		csv_field(f, columns[k], k + 1 == ARRAY_LEN(columns));
	size_t i;
	const json_t *row;
	json_array_foreach(data, i, row)
	{
		for (size_t k = 0; k < ARRAY_LEN(columns); k++) {
			const json_t *v = json_object_get(row, columns[k]);
			char num[24];
			const char *text = json_string_value(v);
			if (json_is_integer(v)) {
				snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
				text = num;
			}
			csv_field(f, text ? text : "", k + 1 == ARRAY_LEN(columns));
		}
	}
	fclose(f);
	return out;
}

static bool wants_csv(const struct req *r)
{
	const char *accept = req_header(r, "Accept");
	return accept != NULL && strstr(accept, "text/csv") != NULL;
}

/* GET /v1/orgs/{id}/statement?from=&to= */
static enum rc statement(struct req *r)
{
	static const char *const known[] = {"from", "to", NULL};
	static const struct stmt st_dates = {"revenue_statement_dates",
					     "SELECT coalesce($1::date, '1900-01-01'), "
					     "coalesce($2::date, " SHANGHAI_TODAY "),"
					     " EXISTS (SELECT 1 FROM organizations WHERE id = $3)",
					     3};
	const char *org = req_param(r, "id"), *from = req_query(r, "from"),
		   *to = req_query(r, "to");
	if (!uuid_valid(org) || (!same(r->auth.org_id, org) && !r->auth.platform_admin))
		return problem_set(r, 404, "not-found", "no statement for this organization");
	req_query_check(r, known);
	static const struct field dates[] = {
	    {.name = "from", .type = F_DATE}, {.name = "to", .type = F_DATE}, {0}};
	bool ok = query_validate(r, dates) == RC_OK && r->problem.errors == NULL;
	if (from && to && ok && strcmp(from, to) > 0)
		problem_field(r, "to", "must not be before from");
	if (problem_fields_done(r) != RC_OK)
		return RC_ERR;
	const char *dp[3] = {from, to, org};
	PGresult *d = db_exec(r, &st_dates, dp);
	if (d == NULL)
		return RC_ERR;
	if (strcmp(PQgetvalue(d, 0, 2), "t") != 0) { /* an admin asking for no organization */
		PQclear(d);
		return problem_set(r, 404, "not-found", "no statement for this organization");
	}
	const char *p[3] = {org, PQgetvalue(d, 0, 0), PQgetvalue(d, 0, 1)};
	PGresult *res = db_exec(r, &st_statement, p);
	if (res == NULL) {
		PQclear(d);
		return RC_ERR;
	}
	if (!wants_csv(r)) { /* the database wrote the JSON: pass it on as it is */
		reply_raw(r, 200, "application/json", PQgetvalue(res, 0, 0),
			  (size_t)PQgetlength(res, 0, 0));
		PQclear(res);
		PQclear(d);
		return RC_OK;
	}
	/* the rows only: totals may exceed what a 64-bit integer holds */
	json_t *data = json_loads(PQgetvalue(res, 0, 1), 0, NULL);
	PQclear(res);
	if (data == NULL) {
		PQclear(d);
		return problem_set(r, 500, "internal", "could not read the statement");
	}
	size_t len = 0;
	char *csv = statement_csv(data, &len);
	char disposition[160];
	snprintf(disposition, sizeof disposition,
		 "attachment; filename=\"techex-statement-%s-%s-%s.csv\"", org, PQgetvalue(d, 0, 0),
		 PQgetvalue(d, 0, 1));
	PQclear(d);
	json_decref(data);
	if (csv == NULL)
		return problem_set(r, 500, "internal", "could not write the statement");
	reply_raw(r, 200, "text/csv; charset=utf-8", csv, len);
	reply_header(r, "Content-Disposition", disposition);
	free(csv);
	return RC_OK;
}

/* ---- techex check -------------------------------------------------------- */

int revenue_check(PGconn *conn)
{
	static const char sql_sums[] = SQL_PAYMENT_SUMS;
	static const char sql_chains[] = "SELECT DISTINCT contract_id FROM ledger_entries";
	static const char sql_chain[] = "SELECT " LEDGER_COLUMNS " FROM ledger_entries e"
					" WHERE e.contract_id = $1 ORDER BY e.seq";
	PGresult *res = NULL;
	int failed = contracts_check(conn, stdout);
	if (failed < 0)
		return 2;
	const char *all[1] = {NULL};
	if (!db_run(conn, sql_sums, 1, all, &res))
		return 2;
	for (int i = 0; i < PQntuples(res); i++) {
		printf("payment %s (%s, %s fen): its ledger entries sum to %s fen in %s entries\n",
		       PQgetvalue(res, i, 0), PQgetvalue(res, i, 1), PQgetvalue(res, i, 2),
		       PQgetvalue(res, i, 3), PQgetvalue(res, i, 4));
		failed++;
	}
	PQclear(res);
	if (!db_run(conn, sql_chains, 0, NULL, &res))
		return 2;
	int chains = PQntuples(res);
	for (int i = 0; i < chains; i++) {
		const char *p[1] = {PQgetvalue(res, i, 0)};
		PGresult *rows = NULL;
		if (!db_run(conn, sql_chain, 1, p, &rows)) {
			PQclear(res);
			return 2;
		}
		char why[160];
		if (ledger_first_broken(rows, why, sizeof why) != 0) {
			printf("ledger of contract %s: %s\n", p[0], why);
			failed++;
		}
		PQclear(rows);
	}
	PQclear(res);
	printf("ledger: %d chains recomputed; payments: every confirmed one checked against its "
	       "entries\n",
	       chains);
	if (failed == 0) {
		printf("check: all invariants hold\n");
		return 0;
	}
	printf("check: %d problem%s found\n", failed, failed == 1 ? "" : "s");
	return 1;
}

const struct route revenue_routes[] = {
    {M_POST, "/v1/contracts/{id}/royalty-reports", reports_create,
     ROUTE_TX | ROUTE_AUTH | ROUTE_IDEMPOTENT, "createRoyaltyReport", NULL},
    {M_GET, "/v1/contracts/{id}/royalty-reports", reports_list, ROUTE_AUTH, "listRoyaltyReports",
     NULL},
    {M_POST, "/v1/contracts/{id}/payments", payments_create,
     ROUTE_TX | ROUTE_AUTH | ROUTE_IDEMPOTENT, "createPayment", NULL},
    {M_GET, "/v1/contracts/{id}/payments", payments_list, ROUTE_AUTH, "listPayments", NULL},
    {M_GET, "/v1/payments/{id}", payments_get, ROUTE_AUTH, "getPayment", NULL},
    {M_POST, "/v1/payments/{id}/confirm", payments_confirm, ROUTE_TX | ROUTE_AUTH, "confirmPayment",
     NULL},
    {M_POST, "/v1/payments/{id}/dispute", payments_dispute, ROUTE_TX | ROUTE_AUTH, "disputePayment",
     NULL},
    {M_POST, "/v1/payments/{id}/reverse", payments_reverse, ROUTE_TX | ROUTE_AUTH, "reversePayment",
     NULL},
    {M_GET, "/v1/contracts/{id}/ledger", ledger_list, ROUTE_AUTH, "getLedger", NULL},
    {M_GET, "/v1/contracts/{id}/ledger/verify", ledger_verify, ROUTE_AUTH, "verifyLedger", NULL},
    {M_GET, "/v1/orgs/{id}/statement", statement, ROUTE_AUTH, "getStatement", NULL},
};
const size_t revenue_routes_count = ARRAY_LEN(revenue_routes);
