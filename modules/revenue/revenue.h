/*
 * revenue.h - royalty reports, payments, the hash-chained ledger that splits
 * each confirmed payment among the beneficiaries of the signed plan, and the
 * statements organizations download.
 */
#ifndef TECHEX_REVENUE_H
#define TECHEX_REVENUE_H

#include <jansson.h>
#include <libpq-fe.h>

#include "../../server/json.h"
#include "../../server/router.h"
#include "../../server/transition.h"

extern const struct route revenue_routes[];
extern const size_t revenue_routes_count;

/* Who may decide on a payment, as roles of the caller for that payment: an
 * owner or admin of the licensor (the payee, who received the money), a
 * member of the licensee (the payer), a platform admin. */
enum {
	PAYMENT_PAYEE_MANAGER = 1,
	PAYMENT_PAYER = 2,
	PAYMENT_PLATFORM_ADMIN = 4,
};

/* The payment's state machine: confirm, dispute and reverse, from which of
 * the statuses reported, confirmed, disputed and reversed, by whom, with the
 * audit action each writes. Ends with a row whose action is NULL. */
extern const struct transition payment_transitions[];

/* The royalty on gross_fen at bp basis points, rounded half up: exact for every
 * gross up to 10^15 fen (the bound of a report) and well beyond. Pure. */
int64_t royalty_due(int64_t gross_fen, int bp);

/* The hash of a ledger entry: hex SHA-256 of prev_hash, a newline, and the
 * canonical JSON (keys sorted, no white space) of the entry's fields amount_fen,
 * beneficiary, contract_id, created_at, currency, payment_id, role, seq and
 * share_bp. Pure. */
void ledger_hash(const char *prev_hash, const json_t *entry, char out[65]);

/* Checks one contract's chain, given its entries in seq order (columns of
 * LEDGER_COLUMNS in revenue_internal.h). Returns 0 when every entry links to the one
 * before and hashes right, else the seq of the first broken entry, with why. */
int ledger_first_broken(const PGresult *rows, char *why, size_t len);

/* The acting parts of the licensee's and the licensor's revenue requests,
 * without their checks (the caller made them); each audited as the API audits
 * it. For `techex seed-demo`.
 * revenue_report_add: the caller (the licensee) reports gross sales and tonnes
 * for [start, end]; the royalty due is computed at the contract's rate.
 * revenue_payment_record: the caller records a payment (paid_at RFC 3339); its
 * id into payment_id (37 bytes).
 * revenue_payment_confirm: confirms a payment (reported or disputed; 409
 * otherwise), which books its split into the contract's ledger: first each of
 * deductions (an array of {reason, amount_fen} as revenue_deduction_spec
 * validates it; NULL or empty: none) as an entry of role `cost`, then the rest
 * (the net income) by the plan's share_bp. Deductions totalling the amount or
 * more: 422 naming `deductions`. The one path of every confirmation: the
 * licensor's POST /v1/payments/{id}/confirm, an admin's resolve, seed-demo. */
enum rc revenue_report_add(struct req *r, const char *contract_id, const char *start,
			   const char *end, long long gross_fen, long long tonnes) MUSTCHECK;
enum rc revenue_payment_record(struct req *r, const char *contract_id, const char *kind,
			       long long amount_fen, const char *paid_at, const char *reference,
			       char payment_id[37]) MUSTCHECK;
enum rc revenue_payment_confirm(struct req *r, const char *payment_id,
				const json_t *deductions) MUSTCHECK;

/* A confirmation's deductions: the field spec of one {reason, amount_fen} (for
 * a body spec's F_OBJECTS field "deductions", at most REVENUE_MAX_DEDUCTIONS). */
#define REVENUE_MAX_DEDUCTIONS 20
extern const struct field revenue_deduction_spec[];
/* revenue_payment_dispute: the caller (the licensor) disputes a reported
 * payment with reason. */
enum rc revenue_payment_dispute(struct req *r, const char *payment_id,
				const char *reason) MUSTCHECK;

/* `techex check`: read-only invariant checks on a plain connection; prints a
 * report and returns the exit status (0 all hold, 1 one failed, 2 unreachable). */
int revenue_check(PGconn *conn);

#endif
