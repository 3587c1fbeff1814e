/*
 * registration.c - technology contract registration (技术合同认定登记): what the
 * registry asks of a signed contract, for the seller to file (JSON, or CSV
 * with Accept: text/csv), and the licensor's record of its progress there
 * (submitted, registered with its 16-digit number, rejected), as a state table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../server/db.h"
#include "../../server/json.h"
#include "../accounts/roles.h"
#include "../platform/platform.h"
#include "../revenue/csv.h"
#include "contract_shape.h"
#include "contracts.h"

// clang-format off
/* An organization's part in the registration: name, unified social credit
 * code, region code (GB/T 2260) and the registry's entity type (021 research
 * institute, 022 university, 150 limited company: TechEx knows no finer kind
 * of enterprise). */
#define PARTY_OBJ(o)                                                                       \
	"jsonb_build_object('name', " o ".name, 'credit_code', " o ".credit_code,"            \
	" 'region_code', " o ".region_code, 'entity_type', CASE " o ".kind"                   \
	" WHEN 'research_institute' THEN '021' WHEN 'university' THEN '022' ELSE '150' END)"

/* The root of an organization's family (parent_id up to the top): two
 * organizations of one family are related parties. */
#define FAMILY_ROOT(id)                                                                    \
	"(WITH RECURSIVE up(id, parent_id, depth) AS (SELECT o.id, o.parent_id, 0"             \
	"   FROM organizations o WHERE o.id = " id                                             \
	"   UNION ALL SELECT o.id, o.parent_id, up.depth + 1 FROM organizations o"             \
	"   JOIN up ON o.id = up.parent_id WHERE up.depth < 32)"                               \
	" SELECT id FROM up WHERE parent_id IS NULL OR depth = 32 ORDER BY depth DESC LIMIT 1)"
// clang-format on

/* Contract $1 as the registry asks for it, with the caller's view of it:
 * columns REG_*. The amounts: the total is the upfront fee agreed (the running
 * royalties are not known in advance); a transfer or licence of technology is
 * technology through and through, so the technology amount is the total until
 * the registry sets its own. */
static const struct stmt st_registration = {
    "registration_get",
    "SELECT jsonb_build_object('contract_type', CASE c.transaction_mode WHEN 'assignment'"
    " THEN '技术转让' ELSE '技术许可' END,"
    " 'project_name', c.subject -> 'listing' ->> 'title',"
    " 'seller', " PARTY_OBJ("lo") ", 'buyer', " PARTY_OBJ(
	"le") ","
	      " 'total_amount_fen', c.upfront_fee_fen, 'technology_amount_fen', c.upfront_fee_fen,"
	      " 'signed_on', (SELECT to_char((max(s.signed_at) AT TIME ZONE 'Asia/Shanghai')::date,"
	      "   'YYYY-MM-DD') FROM contract_signatures s WHERE s.contract_id = c.id"
	      "   HAVING count(*) = 2),"
	      " 'term_start', c.term_start, 'term_end', c.term_end,"
	      " 'payment_method', CASE WHEN c.royalty_bp = 0 AND c.minimum_annual_royalty_fen = 0"
	      "   THEN '一次总付' WHEN c.upfront_fee_fen = 0 THEN '提成支付' ELSE '入门费加提成' "
	      "END,"
	      " 'tech_area', '环境保护与资源综合利用',"
	      " 'patent_number', c.subject -> 'listing' -> 'patent' ->> 'number',"
	      " 'related_party', " FAMILY_ROOT("c.licensor_org_id") " = " FAMILY_ROOT(
		  "c.licensee_org_id") ","
				       " 'status', coalesce(g.status, 'none'),"
				       " 'registration_number', g.registration_number,"
				       " 'registered_on', g.registered_on)::text,"
				       " c.licensor_org_id, c.licensee_org_id, c.status, "
				       "coalesce(g.status, "
				       "'none')"
				       " FROM contracts c JOIN organizations lo ON lo.id = "
				       "c.licensor_org_id"
				       " JOIN organizations le ON le.id = c.licensee_org_id"
				       " LEFT JOIN contract_registrations g ON g.contract_id = c.id"
				       " WHERE c.id = $1",
    1};
enum { REG_JSON, REG_LICENSOR, REG_LICENSEE, REG_CONTRACT_STATUS, REG_STATUS };

/* The contract row locked, so two records of progress come one after the other. */
static const struct stmt st_registration_lock = {
    "registration_lock", "SELECT c.id FROM contracts c WHERE c.id = $1 FOR UPDATE", 1};

static const struct stmt st_registration_upsert = {
    "registration_upsert",
    "INSERT INTO contract_registrations AS g (contract_id, status, registration_number,"
    " registered_on, updated_by) VALUES ($1, $2, $3, $4::date, $5)"
    " ON CONFLICT (contract_id) DO UPDATE SET status = $2, registration_number = $3,"
    " registered_on = $4::date, updated_by = $5, updated_at = now(), version = g.version + 1",
    5};

/* ---- the state table ------------------------------------------------------ */

/* The licensor's officers record the registration of a signed contract:
 * submitted (again after a rejection), then registered or rejected. */
static const char *const from_none_or_rejected[] = {"none", "rejected", NULL};
static const char *const from_submitted[] = {"submitted", NULL};
const struct transition registration_transitions[] = {
    {"submitted", from_none_or_rejected, "submitted", CONTRACT_LICENSOR_OFFICER,
     "registration.submit"},
    {"registered", from_submitted, "registered", CONTRACT_LICENSOR_OFFICER,
     "registration.register"},
    {"rejected", from_submitted, "rejected", CONTRACT_LICENSOR_OFFICER, "registration.reject"},
    {NULL, NULL, NULL, 0, NULL},
};

static const char *const reg_statuses[] = {"submitted", "registered", "rejected", NULL};
static const struct field registration_spec[] = {
    {.name = "status", .type = F_ENUM, .required = true, .enum_values = reg_statuses},
    {.name = "registration_number", .type = F_TEXT1, .nullable = true, .min = 1, .max = 16},
    {.name = "registered_on", .type = F_DATE, .nullable = true},
    {0},
};

/* The contract statuses a registration may be recorded for: signed ones. */
static const char *const signed_statuses[] = {"signed_by_licensor", "signed_by_licensee", "active",
					      NULL};

/* ---- access ------------------------------------------------------------- */

static bool caller_in(const struct req *r, const PGresult *res, int col)
{
	return r->auth.org_id[0] && strcmp(r->auth.org_id, PQgetvalue(res, 0, col)) == 0;
}

static bool may_see(const struct req *r, const PGresult *res)
{
	return caller_in(r, res, REG_LICENSOR) || caller_in(r, res, REG_LICENSEE) ||
	       r->auth.platform_admin;
}

static unsigned roles_of(const struct req *r, const PGresult *res)
{
	bool officer = org_may(&r->auth, ORG_SIGN);
	unsigned roles = r->auth.platform_admin ? CONTRACT_PLATFORM_ADMIN : 0;
	if (caller_in(r, res, REG_LICENSOR))
		roles |=
		    officer ? CONTRACT_LICENSOR | CONTRACT_LICENSOR_OFFICER : CONTRACT_LICENSOR;
	if (caller_in(r, res, REG_LICENSEE))
		roles |=
		    officer ? CONTRACT_LICENSEE | CONTRACT_LICENSEE_OFFICER : CONTRACT_LICENSEE;
	return roles;
}

/* ---- CSV ------------------------------------------------------------------ */

static bool wants_csv(const struct req *r)
{
	const char *accept = req_header(r, "Accept");
	return accept != NULL && strstr(accept, "text/csv") != NULL;
}

/* The registration as CSV: a BOM, a header row, one row; seller and buyer
 * flattened as seller_name, seller_credit_code, ... Caller frees. */
static char *registration_csv(const json_t *reg, size_t *len)
{
	static const char *const columns[] = {
	    "contract_type",  "project_name",     "seller",
	    "buyer",          "total_amount_fen", "technology_amount_fen",
	    "signed_on",      "term_start",       "term_end",
	    "payment_method", "tech_area",        "patent_number",
	    "related_party",  "status",           "registration_number",
	    "registered_on"};
	static const char *const party[] = {"name", "credit_code", "region_code", "entity_type"};
	char *out = NULL;
	FILE *f = open_memstream(&out, len);
	if (f == NULL)
		return NULL;
	fputs("\xef\xbb\xbf", f);
	for (int pass = 0; pass < 2; pass++) {
		for (size_t k = 0; k < ARRAY_LEN(columns); k++) {
			bool last = k + 1 == ARRAY_LEN(columns);
			const json_t *v = json_object_get(reg, columns[k]);
			if (json_is_object(v)) {
				for (size_t p = 0; p < ARRAY_LEN(party); p++) {
					char name[48];
					snprintf(name, sizeof name, "%s_%s", columns[k], party[p]);
					const char *text =
					    json_string_value(json_object_get(v, party[p]));
					csv_field(f, pass == 0 ? name : (text ? text : ""), false);
				}
				continue;
			}
			char num[24];
			const char *text = json_string_value(v);
			if (json_is_integer(v)) {
				snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
				text = num;
			} else if (json_is_boolean(v)) {
				text = json_is_true(v) ? "true" : "false";
			}
			csv_field(f, pass == 0 ? columns[k] : (text ? text : ""), last);
		}
	}
	fclose(f);
	return out;
}

/* Replies with the registration at row 0 of res, as JSON or CSV. */
static enum rc reply_registration(struct req *r, const PGresult *res, const char *id)
{
	if (!wants_csv(r))
		return reply_stored(r, 200, PQgetvalue(res, 0, REG_JSON), NULL);
	json_t *reg = json_loads(PQgetvalue(res, 0, REG_JSON), 0, NULL);
	size_t len = 0;
	char *csv = reg ? registration_csv(reg, &len) : NULL;
	json_decref(reg);
	if (csv == NULL)
		return problem_set(r, 500, "internal", "could not write the registration");
	char disposition[120];
	snprintf(disposition, sizeof disposition,
		 "attachment; filename=\"techex-registration-%s.csv\"", id);
	reply_raw(r, 200, "text/csv; charset=utf-8", csv, len);
	reply_header(r, "Content-Disposition", disposition);
	free(csv);
	return RC_OK;
}

/* The acting part of a record of progress on contract id's registration: the
 * move t (whose checks the caller made) from status from, with the number and
 * date of a registered one; audited as the licensor's (licensor_org_id). */
static enum rc apply_progress(struct req *r, const char *id, const char *licensor_org_id,
			      const char *from, const struct transition *t, const char *number,
			      const char *on)
{
	const char *upsert[5] = {id, t->to, number, on, r->auth.user_id};
	PGresult *row = db_exec(r, &st_registration_upsert, upsert);
	if (row == NULL)
		return RC_ERR;
	PQclear(row);
	json_t *detail = json_pack("{s:s, s:s}", "from", from, "to", t->to);
	if (number)
		json_object_set_new(detail, "registration_number", json_string(number));
	if (on)
		json_object_set_new(detail, "registered_on", json_string(on));
	return audit_write(r, t->audit, "contract", id, licensor_org_id, detail);
}

enum rc contract_registration_submit(struct req *r, const char *contract_id)
{
	const char *params[1] = {contract_id};
	PGresult *res = db_exec(r, &st_registration, params);
	if (res == NULL)
		return RC_ERR;
	enum rc rc;
	const struct transition *t = NULL;
	if (PQntuples(res) != 1)
		rc = db_not_found(r, "contract");
	else if ((t = transition_row(registration_transitions, "submitted",
				     PQgetvalue(res, 0, REG_STATUS))) == NULL)
		rc = problem_set(r, 409, "invalid-state",
				 "a registration that is %s cannot become submitted",
				 PQgetvalue(res, 0, REG_STATUS));
	else
		rc = apply_progress(r, contract_id, PQgetvalue(res, 0, REG_LICENSOR),
				    PQgetvalue(res, 0, REG_STATUS), t, NULL, NULL);
	PQclear(res);
	return rc;
}

/* ---- handlers ----------------------------------------------------------- */

/* GET /v1/contracts/{id}/registration: the parties and admins. */
enum rc contracts_registration_get(struct req *r)
{
	PGresult *res = db_load_visible(r, &st_registration, "contract", may_see);
	if (res == NULL)
		return RC_ERR;
	enum rc rc = reply_registration(r, res, req_param(r, "id"));
	PQclear(res);
	return rc;
}

/* POST /v1/contracts/{id}/registration: the licensor's officers record progress. */
enum rc contracts_registration_record(struct req *r)
{
	if (body_read_valid(r, registration_spec) != RC_OK)
		return RC_ERR;
	const char *id = req_param(r, "id");
	PGresult *res = db_load_visible(r, &st_registration, "contract", may_see);
	if (res == NULL)
		return RC_ERR;
	PQclear(res);
	/* locked, then read again: two records of progress come one after the other */
	const char *params[1] = {id};
	if ((res = db_exec(r, &st_registration_lock, params)) == NULL)
		return RC_ERR;
	PQclear(res);
	if ((res = db_exec(r, &st_registration, params)) == NULL)
		return RC_ERR;
	enum rc rc = RC_ERR;
	const char *status = json_string_value(json_object_get(r->json, "status")),
		   *number = json_string_value(json_object_get(r->json, "registration_number")),
		   *on = json_string_value(json_object_get(r->json, "registered_on"));
	const struct transition *t = NULL;
	if (!may_see(r, res)) {
		rc = db_not_found(r, "contract");
		goto out;
	}
	enum transition_check check = transition_find(
	    registration_transitions, status, PQgetvalue(res, 0, REG_STATUS), roles_of(r, res), &t);
	if (check == TR_FORBIDDEN || check == TR_NO_ACTION) {
		problem_set(r, 403, "forbidden",
			    "only an owner or admin of the licensor, the seller, records the "
			    "contract's registration");
		goto out;
	}
	if (!str_in(signed_statuses, PQgetvalue(res, 0, REG_CONTRACT_STATUS))) {
		problem_set(r, 409, "contract-not-signed",
			    "the contract is %s: only a signed contract is registered",
			    PQgetvalue(res, 0, REG_CONTRACT_STATUS));
		goto out;
	}
	if (check == TR_WRONG_STATE) {
		problem_set(r, 409, "invalid-state", "a registration that is %s cannot become %s",
			    PQgetvalue(res, 0, REG_STATUS), status);
		goto out;
	}
	bool registered = strcmp(status, "registered") == 0;
	if (registered &&
	    (number == NULL || strlen(number) != 16 || strspn(number, "0123456789") != 16))
		problem_field(r, "registration_number",
			      "a registered contract needs the registry's 16-digit number");
	else if (!registered && number != NULL)
		problem_field(r, "registration_number", "is given only with status registered");
	if (registered && on == NULL)
		problem_field(r, "registered_on", "a registered contract needs its date");
	else if (!registered && on != NULL)
		problem_field(r, "registered_on", "is given only with status registered");
	if (problem_fields_done(r) != RC_OK)
		goto out;
	if (apply_progress(r, id, PQgetvalue(res, 0, REG_LICENSOR), PQgetvalue(res, 0, REG_STATUS),
			   t, number, on) != RC_OK)
		goto out;
	PQclear(res);
	if ((res = db_exec(r, &st_registration, params)) == NULL)
		goto out;
	rc = reply_registration(r, res, id);
out:
	PQclear(res);
	return rc;
}
