/*
 * revenue.c - the revenue module's routes, and the access and replies its
 * handlers share.
 *
 * The licensee of an active contract reports each period's sales and records
 * its payments; the licensor confirms a payment, and in that transaction the
 * amount is split by the signed revenue-share plan (largest remainder, ties to
 * the earlier beneficiary) into ledger entries that chain by SHA-256 per
 * contract. The ledger only grows: its table refuses UPDATE and DELETE, and a
 * forced change shows in /ledger/verify and `techex check`. Where each part
 * lives: revenue_internal.h.
 */
#include "revenue.h"

#include <string.h>

#include "../../server/db.h"
#include "revenue_internal.h"

/* The contract a revenue request is about: FACT_* columns. */
#define CONTRACT_FACTS                                                                       \
	"SELECT c.licensor_org_id, c.licensee_org_id, c.status, c.activated_at IS NOT NULL," \
	" c.royalty_bp, c.term_start, c.term_end, c.minimum_annual_royalty_fen"              \
	" FROM contracts c WHERE c.id = $1"

static const struct stmt st_contract = {"revenue_contract", CONTRACT_FACTS, 1};
static const struct stmt st_contract_lock = {"revenue_contract_lock", CONTRACT_FACTS " FOR UPDATE",
					     1};

bool revenue_caller_org_is(const struct req *r, const char *org_id)
{
	return r->auth.org_id[0] != '\0' && org_id != NULL && strcmp(r->auth.org_id, org_id) == 0;
}

static bool party_to_contract(const struct req *r, const PGresult *row)
{
	return revenue_caller_org_is(r, PQgetvalue(row, 0, FACT_LICENSOR)) ||
	       revenue_caller_org_is(r, PQgetvalue(row, 0, FACT_LICENSEE)) ||
	       r->auth.platform_admin;
}

PGresult *revenue_contract_visible(struct req *r, bool lock)
{
	return db_load_visible(r, lock ? &st_contract_lock : &st_contract, "contract",
			       party_to_contract);
}

PGresult *revenue_contract_locked(struct req *r, const char *contract_id)
{
	const char *contract_params[1] = {contract_id};
	return db_exec(r, &st_contract_lock, contract_params);
}

const struct route revenue_routes[] = {
    {M_POST, "/v1/contracts/{id}/royalty-reports", royalty_reports_create,
     ROUTE_TX | ROUTE_AUTH | ROUTE_IDEMPOTENT, "createRoyaltyReport", NULL},
    {M_GET, "/v1/contracts/{id}/royalty-reports", royalty_reports_list, ROUTE_AUTH,
     "listRoyaltyReports", NULL},
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
    {M_POST, "/v1/admin/payments/{id}/resolve", payments_resolve,
     ROUTE_TX | ROUTE_AUTH | ROUTE_ADMIN, "resolvePayment", NULL},
    {M_GET, "/v1/contracts/{id}/ledger", ledger_list, ROUTE_AUTH, "getLedger", NULL},
    {M_GET, "/v1/contracts/{id}/ledger/verify", ledger_verify, ROUTE_AUTH, "verifyLedger", NULL},
    {M_GET, "/v1/orgs/{id}/statement", statement_get, ROUTE_AUTH, "getStatement", NULL},
    {M_GET, "/v1/me/earnings", earnings_get, ROUTE_AUTH, "getMyEarnings", NULL},
};
const size_t revenue_routes_count = ARRAY_LEN(revenue_routes);
