/*
 * revenue_internal.h - what the revenue module's files share: the SQL shapes
 * of a payment and a ledger entry, the contract a request is about, and the
 * handlers the route table in revenue.c names. Not for other modules: their
 * interface is revenue.h.
 *
 *   revenue.c     the route table, access to a contract, replies from JSON text
 *   payments.c    royalty reports, payments and the payment state table
 *   ledger.c      the split, the hash chain, its verification, `techex check`
 *   statements.c  an organization's statement as JSON or CSV
 */
#ifndef TECHEX_REVENUE_INTERNAL_H
#define TECHEX_REVENUE_INTERNAL_H

#include <jansson.h>
#include <libpq-fe.h>

#include "../../server/db.h"
#include "../../server/req.h"

#define TS(col) SQL_RFC3339(col)
#define SHANGHAI_TODAY "(now() AT TIME ZONE 'Asia/Shanghai')::date"

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
	" 'deductions', p.deductions,"                                                         \
	" 'resolution_reason', p.resolution_reason,"                                          \
	" 'decided_at', " TS("p.decided_at") ","                                              \
	" 'created_at', " TS("p.created_at") ", 'updated_at', " TS("p.updated_at") ","        \
	" 'split', CASE WHEN p.status IN ('confirmed', 'reversed') THEN (SELECT"               \
	"   json_agg(json_build_object('beneficiary', e.beneficiary, 'role', e.role,"          \
	"   'share_bp', e.share_bp, 'amount_fen', e.amount_fen) ORDER BY e.seq)"               \
	"   FROM ledger_entries e WHERE e.payment_id = p.id) END"

/* A ledger entry's columns (LEDGER_*), as ledger_entry_json and
 * ledger_first_broken read them. */
#define LEDGER_COLUMNS                                                                     \
	"e.seq, e.payment_id, e.beneficiary, e.role, e.share_bp, e.amount_fen, e.currency, "  \
	TS("e.created_at") ", e.prev_hash, e.hash, e.contract_id, e.user_id"
// clang-format on
enum {
	LEDGER_SEQ,
	LEDGER_PAYMENT,
	LEDGER_BENEFICIARY,
	LEDGER_ROLE,
	LEDGER_SHARE,
	LEDGER_AMOUNT,
	LEDGER_CURRENCY,
	LEDGER_CREATED,
	LEDGER_PREV_HASH,
	LEDGER_HASH,
	LEDGER_CONTRACT,
	LEDGER_USER /* NULL unless the plan's entry named a member */
};

/* The contract a revenue request is about: the FACT_* columns of CONTRACT_FACTS (revenue.c). */
enum {
	FACT_LICENSOR,
	FACT_LICENSEE,
	FACT_STATUS,
	FACT_EVER_ACTIVE,
	FACT_ROYALTY_BP,
	FACT_TERM_START,
	FACT_TERM_END,
	FACT_MINIMUM
};

/* The contract contract_id, locked, whoever asks (zero rows when there is
 * none). For the acting parts seed-demo calls; the caller clears. */
PGresult *revenue_contract_locked(struct req *r, const char *contract_id) MUSTCHECK;

/* Whether the caller belongs to organization org_id (false for a caller of no
 * organization, and for a NULL or empty org_id). */
bool revenue_caller_org_is(const struct req *r, const char *org_id);

/* The contract {id} (locked when lock) if the caller is a party or an admin;
 * NULL with a 404 otherwise. Columns: FACT_*; the caller clears. */
PGresult *revenue_contract_visible(struct req *r, bool lock) MUSTCHECK;

/* Books payment_id into contract_id's ledger: deductions (NULL: none; their
 * total below amount_fen, checked by the caller) as entries of role cost, then
 * the signed plan's split of the rest; or, for a reversal, the payment's own
 * entries negated, costs included; each entry chained to the one before
 * (ledger.c). */
enum rc ledger_append(struct req *r, const char *contract_id, const char *payment_id,
		      long long amount_fen, bool reversal, const json_t *deductions) MUSTCHECK;

/* The handlers of revenue_routes. */
enum rc royalty_reports_create(struct req *r);
enum rc royalty_reports_list(struct req *r);
enum rc payments_create(struct req *r);
enum rc payments_list(struct req *r);
enum rc payments_get(struct req *r);
enum rc payments_confirm(struct req *r);
enum rc payments_dispute(struct req *r);
enum rc payments_reverse(struct req *r);
enum rc payments_resolve(struct req *r);
enum rc ledger_list(struct req *r);
enum rc ledger_verify(struct req *r);
enum rc statement_get(struct req *r);

/* Whether the client asked for CSV (Accept: text/csv). */
bool revenue_wants_csv(const struct req *r);

/* GET /v1/me/earnings (earnings.c). */
enum rc earnings_get(struct req *r);

#endif
