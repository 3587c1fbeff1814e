/*
 * ledger.c - the hash-chained ledger: the split of a confirmed payment into
 * entries, each chained by SHA-256 to the one before in its contract's chain,
 * the chain's pages and its verification, and the ledger's part of
 * `techex check`.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../server/cursor.h"
#include "../../server/db.h"
#include "../contracts/contracts.h"
#include "../contracts/share.h"
#include "revenue.h"
#include "revenue_internal.h"

#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"

/* The signed plan, the chain's last link, and the entries' time (whole
 * seconds, as hashed). The caller holds the contract's row lock (the payment's
 * lock statement takes it), so this statement, which starts after the lock was
 * granted, sees every entry the previous holder appended. */
static const struct stmt st_plan_tail = {
    "revenue_plan_tail",
    "SELECT c.revenue_share::text, t.seq, t.hash, " TS(
	"now()") " FROM contracts c"
		 " LEFT JOIN LATERAL (SELECT seq, hash FROM ledger_entries"
		 " WHERE contract_id = c.id ORDER BY seq DESC LIMIT 1) t"
		 " ON true WHERE c.id = $1",
    1};
enum { PLAN_JSON, TAIL_SEQ, TAIL_HASH, TAIL_NOW };

static const struct stmt st_ledger_insert = {
    "revenue_ledger_insert",
    "INSERT INTO ledger_entries (contract_id, seq, payment_id, beneficiary, role, share_bp,"
    " amount_fen, currency, created_at, prev_hash, hash, user_id)"
    " SELECT contract_id, seq, payment_id, beneficiary, role, share_bp, amount_fen, currency,"
    " created_at, prev_hash, hash, user_id FROM jsonb_to_recordset($1::jsonb) AS x(contract_id"
    " uuid, seq integer, payment_id uuid, beneficiary text, role text, share_bp integer,"
    " amount_fen bigint, currency text, created_at timestamptz, prev_hash text, hash text,"
    " user_id uuid)",
    1};

/* The entries a confirmed payment made, in order, to be reversed. */
static const struct stmt st_payment_entries = {
    "revenue_payment_entries",
    "SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object('beneficiary', beneficiary,"
    " 'role', role, 'share_bp', share_bp, 'amount_fen', -amount_fen, 'user_id', user_id))"
    " ORDER BY seq)::text"
    " FROM ledger_entries WHERE payment_id = $1 AND amount_fen > 0",
    1};
enum { ENTRIES_JSON };

static const struct stmt st_ledger_page = {
    "revenue_ledger_page",
    "SELECT " LEDGER_COLUMNS " FROM ledger_entries e WHERE e.contract_id = $1 AND e.seq > $2"
    " ORDER BY e.seq LIMIT $3",
    3};

#define SQL_LEDGER_ALL \
	"SELECT " LEDGER_COLUMNS " FROM ledger_entries e WHERE e.contract_id = $1 ORDER BY e.seq"
static const struct stmt st_ledger_all = {"revenue_ledger_all", SQL_LEDGER_ALL, 1};

/* Payments whose ledger entries do not add up: a confirmed one must sum to its
 * amount, a reversed one to zero (its positive half to the amount), the others
 * (reported, disputed, voided) must have none; and the cost entries of a confirmed or reversed one (its
 * positive half) must be its recorded deductions, in order. $1 one contract,
 * or NULL for all. Columns: SUMS_*. */
#define SQL_COSTS                                                                       \
	"coalesce(jsonb_agg(jsonb_build_object('reason', e.beneficiary, 'amount_fen', " \
	"e.amount_fen)"                                                                 \
	" ORDER BY e.seq) FILTER (WHERE e.role = 'cost' AND e.amount_fen > 0), '[]'::jsonb)"
#define SQL_PAYMENT_SUMS                                                                           \
	"SELECT p.id, p.status, p.amount_fen, coalesce(sum(e.amount_fen), 0), count(e.seq),"       \
	" p.status NOT IN ('confirmed', 'reversed') OR " SQL_COSTS " = p.deductions,"              \
	" " SQL_COSTS "::text, p.deductions::text"                                                 \
	" FROM payments p LEFT JOIN ledger_entries e ON e.payment_id = p.id"                       \
	" WHERE $1::uuid IS NULL OR p.contract_id = $1 GROUP BY p.id"                              \
	" HAVING (p.status = 'confirmed' AND coalesce(sum(e.amount_fen), 0) <> p.amount_fen)"      \
	" OR (p.status = 'reversed' AND (coalesce(sum(e.amount_fen), 0) <> 0"                      \
	"     OR coalesce(sum(e.amount_fen) FILTER (WHERE e.amount_fen > 0), 0) <> p.amount_fen))" \
	" OR (p.status IN ('reported', 'disputed', 'voided') AND count(e.seq) > 0)"                \
	" OR (p.status IN ('confirmed', 'reversed') AND " SQL_COSTS " <> p.deductions)"
enum {
	SUMS_PAYMENT,
	SUMS_STATUS,
	SUMS_AMOUNT,
	SUMS_ENTRIES_FEN,
	SUMS_ENTRIES,
	SUMS_COSTS_OK,
	SUMS_COSTS,
	SUMS_DEDUCTIONS
};

static const struct stmt st_payment_sums = {"revenue_payment_sums", SQL_PAYMENT_SUMS, 1};

/* ---- pure parts ---------------------------------------------------------- */

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

/* The hashed fields of the entry at row i (LEDGER_COLUMNS); user_id only when
 * set, so that entries written before it existed hash as they did. */
static json_t *ledger_entry_json(const PGresult *rows, int i)
{
	json_t *e = json_pack(
	    "{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I}", "amount_fen",
	    (json_int_t)strtoll(PQgetvalue(rows, i, LEDGER_AMOUNT), NULL, 10), "beneficiary",
	    PQgetvalue(rows, i, LEDGER_BENEFICIARY), "contract_id",
	    PQgetvalue(rows, i, LEDGER_CONTRACT), "created_at", PQgetvalue(rows, i, LEDGER_CREATED),
	    "currency", PQgetvalue(rows, i, LEDGER_CURRENCY), "payment_id",
	    PQgetvalue(rows, i, LEDGER_PAYMENT), "role", PQgetvalue(rows, i, LEDGER_ROLE), "seq",
	    (json_int_t)strtoll(PQgetvalue(rows, i, LEDGER_SEQ), NULL, 10), "share_bp",
	    (json_int_t)strtoll(PQgetvalue(rows, i, LEDGER_SHARE), NULL, 10));
	if (!PQgetisnull(rows, i, LEDGER_USER))
		json_object_set_new(e, "user_id", json_string(PQgetvalue(rows, i, LEDGER_USER)));
	return e;
}

int ledger_first_broken(const PGresult *rows, char *why, size_t len)
{
	const char *prev = ZERO_HASH;
	for (int i = 0; i < PQntuples(rows); i++) {
		int seq = atoi(PQgetvalue(rows, i, LEDGER_SEQ));
		char hash[65];
		if (seq != i + 1) {
			snprintf(why, len, "entry %d is missing: the chain jumps to %d", i + 1,
				 seq);
			return i + 1;
		}
		if (strcmp(PQgetvalue(rows, i, LEDGER_PREV_HASH), prev) != 0) {
			snprintf(why, len, "entry %d does not link to entry %d", seq, seq - 1);
			return seq;
		}
		json_t *entry = ledger_entry_json(rows, i);
		ledger_hash(prev, entry, hash);
		json_decref(entry);
		if (strcmp(hash, PQgetvalue(rows, i, LEDGER_HASH)) != 0) {
			snprintf(why, len, "entry %d does not match its hash: it was changed", seq);
			return seq;
		}
		prev = PQgetvalue(rows, i, LEDGER_HASH);
	}
	return 0;
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
		if (json_is_string(json_object_get(e, "user_id")))
			json_object_set(json_array_get(lines, i), "user_id",
					json_object_get(e, "user_id"));
	}
	free(weights);
	free(parts);
	return lines;
}

/* ---- booking ------------------------------------------------------------- */

/* The caller holds the contract's row lock until commit, so appends to one
 * chain happen one at a time. */
enum rc ledger_append(struct req *r, const char *contract_id, const char *payment_id,
		      long long amount_fen, bool reversal, const json_t *deductions)
{
	const char *contract_params[1] = {contract_id}, *payment_params[1] = {payment_id};
	PGresult *tail = db_exec(r, &st_plan_tail, contract_params), *res;
	if (tail == NULL)
		return RC_ERR;
	if (PQntuples(tail) != 1) {
		PQclear(tail);
		return problem_set(r, 500, "internal", "the record has vanished");
	}
	json_t *plan = json_loads(PQgetvalue(tail, 0, PLAN_JSON), 0, NULL);
	json_t *lines = NULL;
	if (!reversal) {
		/* the costs first, then the net income by the plan */
		json_t *costs = json_array();
		size_t i;
		const json_t *d;
		json_array_foreach(deductions, i, d)
		{
			json_int_t fen = json_integer_value(json_object_get(d, "amount_fen"));
			amount_fen -= fen;
			json_array_append_new(costs,
					      json_pack("{s:O, s:s, s:i, s:I}", "beneficiary",
							json_object_get(d, "reason"), "role",
							"cost", "share_bp", 0, "amount_fen", fen));
		}
		lines = plan_split(plan, amount_fen);
		json_array_extend(costs, lines);
		json_decref(lines);
		lines = costs;
	} else if ((res = db_exec(r, &st_payment_entries, payment_params)) != NULL) {
		lines = json_loads(PQgetvalue(res, 0, ENTRIES_JSON), 0, NULL);
		PQclear(res);
	}
	json_decref(plan);
	if (lines == NULL) {
		PQclear(tail);
		if (r->problem.status == 0)
			return problem_set(r, 500, "internal",
					   "the payment's ledger entries cannot be read");
		return RC_ERR;
	}
	int seq = PQgetisnull(tail, 0, TAIL_SEQ) ? 0 : atoi(PQgetvalue(tail, 0, TAIL_SEQ));
	char prev[65], now[32];
	snprintf(prev, sizeof prev, "%s",
		 PQgetisnull(tail, 0, TAIL_HASH) ? ZERO_HASH : PQgetvalue(tail, 0, TAIL_HASH));
	snprintf(now, sizeof now, "%s", PQgetvalue(tail, 0, TAIL_NOW));
	PQclear(tail);

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
	const char *insert_params[1] = {text};
	/* nobody reads its result: it goes out with the payment's update */
	enum rc rc = db_exec_deferred(r, &st_ledger_insert, insert_params);
	free(text);
	return rc;
}

/* ---- handlers ------------------------------------------------------------ */

/* GET /v1/contracts/{id}/ledger: entries in seq order, paged by seq. */
enum rc ledger_list(struct req *r)
{
	static const char *const known[] = {"limit", "cursor", NULL};
	int limit;
	struct cursor cur;
	char lim[16];

	req_query_check(r, known);
	if (page_params(r, "n", &limit, &cur) != RC_OK)
		return RC_ERR;
	long after = cur.nparts ? strtol(cur.parts[0], NULL, 10) : 0;
	PGresult *c = revenue_contract_visible(r, false);
	if (c == NULL)
		return RC_ERR;
	PQclear(c);
	char after_s[24];
	snprintf(after_s, sizeof after_s, "%ld", after);
	snprintf(lim, sizeof lim, "%d", limit + 1);
	const char *ledger_page_params[3] = {req_param(r, "id"), after_s, lim};
	PGresult *res = db_exec(r, &st_ledger_page, ledger_page_params);
	if (res == NULL)
		return RC_ERR;
	json_t *data = json_array();
	int rows = PQntuples(res);
	for (int i = 0; i < rows && i < limit; i++) {
		json_t *e = ledger_entry_json(res, i);
		json_object_del(e, "contract_id");
		json_object_set_new(e, "prev_hash",
				    json_string(PQgetvalue(res, i, LEDGER_PREV_HASH)));
		json_object_set_new(e, "hash", json_string(PQgetvalue(res, i, LEDGER_HASH)));
		json_array_append_new(data, e);
	}
	json_t *next = json_null();
	if (rows > limit) {
		struct cursor n = {.nparts = 1};
		snprintf(n.parts[0], CURSOR_PART_MAX, "%s", PQgetvalue(res, limit - 1, LEDGER_SEQ));
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
enum rc ledger_verify(struct req *r)
{
	PGresult *c = revenue_contract_visible(r, false);
	if (c == NULL)
		return RC_ERR;
	PQclear(c);
	const char *contract_params[1] = {req_param(r, "id")};
	PGresult *res = db_exec(r, &st_ledger_all, contract_params);
	if (res == NULL)
		return RC_ERR;
	char why[160] = "";
	int broken = ledger_first_broken(res, why, sizeof why);
	PGresult *sums = db_exec(r, &st_payment_sums, contract_params);
	if (sums == NULL) {
		PQclear(res);
		return RC_ERR;
	}
	/* entries cut from the end leave a chain that links; the payments tell */
	if (broken == 0 && PQntuples(sums) > 0 &&
	    strcmp(PQgetvalue(sums, 0, SUMS_COSTS_OK), "t") != 0) {
		broken = PQntuples(res) + 1;
		snprintf(why, sizeof why,
			 "the cost entries of payment %s are not its recorded deductions",
			 PQgetvalue(sums, 0, SUMS_PAYMENT));
	} else if (broken == 0 && PQntuples(sums) > 0) {
		broken = PQntuples(res) + 1;
		snprintf(why, sizeof why,
			 "the entries of payment %s (%s, %s fen) sum to %s fen in %s entries: "
			 "entries are missing",
			 PQgetvalue(sums, 0, SUMS_PAYMENT), PQgetvalue(sums, 0, SUMS_STATUS),
			 PQgetvalue(sums, 0, SUMS_AMOUNT), PQgetvalue(sums, 0, SUMS_ENTRIES_FEN),
			 PQgetvalue(sums, 0, SUMS_ENTRIES));
	}
	PQclear(sums);
	json_t *body = json_pack("{s:b, s:i}", "ok", broken == 0, "entries", PQntuples(res));
	if (broken) {
		json_object_set_new(body, "first_broken_seq", json_integer(broken));
		json_object_set_new(body, "reason", json_string(why));
	} else if (PQntuples(res) > 0) {
		json_object_set_new(body, "head_hash",
				    json_string(PQgetvalue(res, PQntuples(res) - 1, LEDGER_HASH)));
	}
	PQclear(res);
	reply_json(r, 200, body);
	return RC_OK;
}

/* ---- techex check -------------------------------------------------------- */

int revenue_check(PGconn *conn)
{
	static const char sql_sums[] = SQL_PAYMENT_SUMS;
	static const char sql_chains[] = "SELECT DISTINCT contract_id FROM ledger_entries";
	enum { CHAINS_CONTRACT };
	static const char sql_chain[] = SQL_LEDGER_ALL;
	PGresult *res = NULL;
	int failed = contracts_check(conn, stdout);
	if (failed < 0)
		return 2;
	const char *every_contract[1] = {NULL};
	if (!db_run(conn, sql_sums, 1, every_contract, &res))
		return 2;
	for (int i = 0; i < PQntuples(res); i++) {
		if (strcmp(PQgetvalue(res, i, SUMS_COSTS_OK), "t") != 0)
			printf("payment %s (%s, %s fen): its cost entries %s are not its recorded "
			       "deductions %s\n",
			       PQgetvalue(res, i, SUMS_PAYMENT), PQgetvalue(res, i, SUMS_STATUS),
			       PQgetvalue(res, i, SUMS_AMOUNT), PQgetvalue(res, i, SUMS_COSTS),
			       PQgetvalue(res, i, SUMS_DEDUCTIONS));
		else
			printf("payment %s (%s, %s fen): its ledger entries sum to %s fen in %s "
			       "entries\n",
			       PQgetvalue(res, i, SUMS_PAYMENT), PQgetvalue(res, i, SUMS_STATUS),
			       PQgetvalue(res, i, SUMS_AMOUNT),
			       PQgetvalue(res, i, SUMS_ENTRIES_FEN),
			       PQgetvalue(res, i, SUMS_ENTRIES));
		failed++;
	}
	PQclear(res);
	if (!db_run(conn, sql_chains, 0, NULL, &res))
		return 2;
	int chains = PQntuples(res);
	for (int i = 0; i < chains; i++) {
		const char *chain_params[1] = {PQgetvalue(res, i, CHAINS_CONTRACT)};
		PGresult *rows = NULL;
		if (!db_run(conn, sql_chain, 1, chain_params, &rows)) {
			PQclear(res);
			return 2;
		}
		char why[160];
		if (ledger_first_broken(rows, why, sizeof why) != 0) {
			printf("ledger of contract %s: %s\n", chain_params[0], why);
			failed++;
		}
		PQclear(rows);
	}
	PQclear(res);
	printf("ledger: %d chains recomputed; payments: every confirmed one checked against its "
	       "entries and its deductions\n",
	       chains);
	if (failed == 0) {
		printf("check: all invariants hold\n");
		return 0;
	}
	printf("check: %d problem%s found\n", failed, failed == 1 ? "" : "s");
	return 1;
}
