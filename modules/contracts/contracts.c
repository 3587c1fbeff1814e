/*
 * contracts.c - handlers for /v1/contracts.
 *
 * An accepted bid drafts a contract, with a snapshot of what it is about (the
 * subject: listing, patent or process, both parties). While it is a draft
 * either party edits its terms and revenue-share plan (If-Match); every edit
 * recomputes the digest, the SHA-256 of the canonical JSON of plan, subject and
 * terms. A signature names the digest it signs; the database never lets the
 * subject change, and from the first signature refuses any change to terms,
 * plan or parties (contracts_guard in migrations/0005 and 0009). Both
 * signatures make it active. The printable document (document.c) renders from
 * the snapshot only. Only the two parties and platform admins ever see it. A
 * platform admin may hold a contract (contract_holds, migrations/0014): while
 * held, contract_guards refuses its signatures, royalty reports and payments.
 * `techex check` tests what must always hold of contracts (check.c).
 */
#include "contracts.h"

#include <ctype.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../server/cursor.h"
#include "../../server/db.h"
#include "../../server/json.h"
#include "../accounts/roles.h"
#include "../events/events.h"
#include "../listings/listings.h"
#include "../platform/platform.h"
#include "contract_rules.h"
#include "contract_shape.h"
#include "document.h"
#include "share.h"

#define US(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

// clang-format off
/* Columns: json, version, licensor, licensee, status, transaction_mode, listing_id,
 * and the phase contract_transitions reads (contract_phase in migrations/0012: the
 * status, or for a draft that needs a public notice, where its notice stands). */
#define CONTRACT_COLS                                                                      \
	CONTRACT_OBJ "::text, c.version, c.licensor_org_id, c.licensee_org_id, c.status,"     \
	" c.transaction_mode, c.listing_id, contract_phase(c.id, c.status, c.needs_notice)"
enum {
	COL_JSON,
	COL_VERSION,
	COL_LICENSOR,
	COL_LICENSEE,
	COL_STATUS,
	COL_MODE,
	COL_LISTING,
	COL_PHASE
};

/* The terms columns from a jsonb parameter t (the validated terms object). */
#define TERMS_FROM_T                                                                       \
	"(x.t->>'upfront_fee_fen')::bigint, (x.t->>'royalty_bp')::integer,"                    \
	" (x.t->>'minimum_annual_royalty_fen')::bigint, (x.t->>'term_start')::date,"           \
	" (x.t->>'term_end')::date, x.t->>'territory', x.t->>'field_of_use'"
// clang-format on

#define SHANGHAI_TODAY "(now() AT TIME ZONE 'Asia/Shanghai')::date"

/* What a draft needs from its bid: the term starts on $2, or today in China,
 * and ends after the bid's term_months; the inventors are a JSON array. */
#define DRAFT_START "coalesce($2::date, " SHANGHAI_TODAY ")"
/* The reward policy (migrations/0013) for licensor lo: of the rows for its kind
 * and, when they name it, its government_established, whose jurisdiction
 * prefixes its region_code, the longest prefix, then the row that names
 * government_established. None for an enterprise. */
#define REWARD_POLICY_OF_LO                                                                     \
	" LEFT JOIN LATERAL (SELECT p.id, p.inventor_default_bp FROM reward_policies p"         \
	"   WHERE p.licensor_kind = lo.kind AND (p.government_established IS NULL"              \
	"     OR p.government_established = lo.government_established)"                         \
	"   AND starts_with(coalesce(lo.region_code, ''), p.jurisdiction)"                      \
	"   ORDER BY length(p.jurisdiction) DESC, p.government_established IS NULL LIMIT 1) rp" \
	" ON true"
static const struct stmt st_draft_info = {
    "contracts_draft_info",
    "SELECT b.royalty_bp, b.territory, b.field_of_use, to_char(" DRAFT_START ", 'YYYY-MM-DD'),"
    " to_char((" DRAFT_START " + make_interval(months => b.term_months))::date - 1,"
    " 'YYYY-MM-DD'), lo.kind, lo.name, coalesce(l.patent -> 'inventors', '[]'::jsonb)::text,"
    " " CONTRACT_SUBJECT_SQL "::text, rp.id, rp.inventor_default_bp"
    " FROM bids b JOIN listings l ON l.id = b.listing_id"
    " JOIN organizations lo ON lo.id = b.owner_org_id"
    " JOIN organizations le ON le.id = b.bidder_org_id" REWARD_POLICY_OF_LO " WHERE b.id = $1",
    2};
enum {
	DRAFT_ROYALTY,
	DRAFT_TERRITORY,
	DRAFT_FIELD_OF_USE,
	DRAFT_TERM_START,
	DRAFT_TERM_END,
	DRAFT_LICENSOR_KIND,
	DRAFT_LICENSOR_NAME,
	DRAFT_INVENTORS,
	DRAFT_SUBJECT,
	DRAFT_POLICY,
	DRAFT_POLICY_DEFAULT,
};

static const struct stmt st_insert = {
    "contracts_insert",
    "INSERT INTO contracts AS c (listing_id, bid_id, licensor_org_id, licensee_org_id,"
    " transaction_mode, upfront_fee_fen, royalty_bp, minimum_annual_royalty_fen, term_start,"
    " term_end, territory, field_of_use, revenue_share, digest, subject, digest_scheme,"
    " reward_policy_id, inventor_default_bp, inventor_floor_bp, reward_policy_source,"
    " needs_notice)"
    " SELECT b.listing_id, b.id, b.owner_org_id, b.bidder_org_id, b.transaction_mode, " TERMS_FROM_T
    ", $3::jsonb, $4, $5::jsonb, 2, rp.id, rp.inventor_default_bp, rp.inventor_floor_bp,"
    " rp.source, contract_needs_notice(b.id, (x.t->>'upfront_fee_fen')::bigint)"
    " FROM bids b CROSS JOIN (SELECT $2::jsonb AS t) x"
    " LEFT JOIN reward_policies rp ON rp.id = $6::uuid WHERE b.id = $1"
    " RETURNING " CONTRACT_COLS,
    6};

/* The reward policy the contract was drafted under (NULLs: none), the
 * licensor's name and the inventors, for the default plan and the floor: from
 * the contract as drafted. */
static const struct stmt st_plan_info = {
    "contracts_plan_info",
    "SELECT c.inventor_default_bp, c.inventor_floor_bp, c.reward_policy_source,"
    " c.subject -> 'licensor' ->> 'name',"
    " coalesce(c.subject -> 'listing' -> 'patent' -> 'inventors', '[]'::jsonb)::text"
    " FROM contracts c WHERE c.id = $1",
    1};
enum { PLAN_DEFAULT_BP, PLAN_FLOOR_BP, PLAN_SOURCE, PLAN_LICENSOR_NAME, PLAN_INVENTORS };

static const struct stmt st_get = {"contracts_get",
				   "SELECT " CONTRACT_COLS " FROM contracts c WHERE c.id = $1", 1};

static const struct stmt st_lock = {
    "contracts_lock", "SELECT " CONTRACT_COLS " FROM contracts c WHERE c.id = $1 FOR UPDATE", 1};

static const struct stmt st_update = {
    "contracts_update",
    "UPDATE contracts AS c SET (upfront_fee_fen, royalty_bp, minimum_annual_royalty_fen,"
    " term_start, term_end, territory, field_of_use) = (SELECT " TERMS_FROM_T "),"
    " revenue_share = $3::jsonb, digest = $4, digest_scheme = 2, updated_at = now(),"
    " version = c.version + 1"
    " FROM (SELECT $2::jsonb AS t) x WHERE c.id = $1 RETURNING " CONTRACT_COLS,
    4};

/* The database adds the names of the organization and the signer as they are
 * now (contract_signatures_guard in migrations/0009). */
static const struct stmt st_sign = {
    "contracts_sign",
    "INSERT INTO contract_signatures (contract_id, org_id, user_id, party, digest)"
    " VALUES ($1, $2, $3, $4, $5)",
    5};

static const struct stmt st_set_status = {
    "contracts_set_status",
    "UPDATE contracts AS c SET status = $2,"
    " activated_at = CASE WHEN $2 = 'active' THEN now() ELSE c.activated_at END,"
    " updated_at = now(), version = c.version + 1 WHERE c.id = $1 RETURNING " CONTRACT_COLS,
    2};

static const struct stmt st_terminate = {
    "contracts_terminate",
    "UPDATE contracts AS c SET status = 'terminated', terminated_at = now(), terminated_by = $2,"
    " termination_reason = $3, updated_at = now(), version = c.version + 1"
    " WHERE c.id = $1 RETURNING " CONTRACT_COLS,
    3};

/* Whether the contract is on hold now (a statement of its own: it sees a hold
 * committed while the caller waited for the contract's lock). */
static const struct stmt st_held = {
    "contracts_held",
    "SELECT EXISTS (SELECT 1 FROM contract_holds h WHERE h.contract_id = $1"
    " AND h.released_at IS NULL)",
    1};
enum { HELD_NOW };

static const struct stmt st_hold = {
    "contracts_hold",
    "INSERT INTO contract_holds (contract_id, reason, held_by) VALUES ($1, $2, $3)", 3};

static const struct stmt st_release = {
    "contracts_release",
    "UPDATE contract_holds SET release_reason = $2, released_by = $3, released_at = now()"
    " WHERE contract_id = $1 AND released_at IS NULL",
    3};

/* A hold or release changes the contract's JSON: a new version (ETag), except
 * of a terminated contract, which never changes (contracts_guard). */
static const struct stmt st_touch = {
    "contracts_touch",
    "UPDATE contracts AS c SET updated_at = now(), version = c.version + 1"
    " WHERE c.id = $1 AND c.status <> 'terminated'",
    1};

/* Newest first; $1 the caller's organization (NULL: every contract, for admins). */
// clang-format off
static const struct stmt st_list = {
    "contracts_list",
    "SELECT " CONTRACT_OBJ "::text, c.version, " US("c.created_at") ", c.id FROM contracts c"
    " WHERE ($1::uuid IS NULL OR c.licensor_org_id = $1 OR c.licensee_org_id = $1)"
    " AND ($2::text IS NULL OR ($2 = 'licensor' AND c.licensor_org_id = $1)"
    "      OR ($2 = 'licensee' AND c.licensee_org_id = $1))"
    " AND ($3::text IS NULL OR c.status = $3) AND ($4::uuid IS NULL OR c.listing_id = $4)"
    " AND ($5::timestamptz IS NULL OR (c.created_at, c.id) < ($5::timestamptz, $6::uuid))"
    " ORDER BY c.created_at DESC, c.id DESC LIMIT $7",
    7};
// clang-format on

static const char *const share_roles[] = {"institution", "inventor", "platform",
					  "other",       "tto",      NULL};
static const char *const statuses[] = {"draft",  "signed_by_licensor", "signed_by_licensee",
				       "active", "terminated",         NULL};

/* ---- the state machine --------------------------------------------------- */

/* A draft that needs a public notice (contract_phase, migrations/0012) is
 * draft_awaiting_notice until its licensor publishes one, draft_in_notice while it
 * runs (terms frozen, no signature), draft_noticed once it closed clean (signable). */
static const char *const from_editable[] = {"draft", "draft_awaiting_notice", NULL};
static const char *const from_signable[] = {"draft", "draft_noticed", NULL};
static const char *const from_awaiting_notice[] = {"draft_awaiting_notice", NULL};
static const char *const from_signed_by_licensor[] = {"signed_by_licensor", NULL};
static const char *const from_signed_by_licensee[] = {"signed_by_licensee", NULL};
/* Every state of a contract that has not ended, the draft's notice phases included. */
#define LIVE_PHASES                                                           \
	"draft", "draft_awaiting_notice", "draft_in_notice", "draft_noticed", \
	    "signed_by_licensor", "signed_by_licensee", "active"
static const char *const from_live[] = {LIVE_PHASES, NULL};
static const char *const from_any[] = {LIVE_PHASES, "terminated", NULL};

#define PARTY_OFFICERS (CONTRACT_LICENSOR_OFFICER | CONTRACT_LICENSEE_OFFICER)
/* Either party edits a draft whose terms no notice has frozen; the licensor's
 * officers publish the notice a draft needs (notices.c); each party's officers
 * sign once a draft needs no notice or its notice closed clean (the second
 * signature makes it active: the handler then also writes contract.activate);
 * a party's officers or a platform admin terminate it while it lives. */
const struct transition contract_transitions[] = {
    {"edit", from_editable, "draft", CONTRACT_LICENSOR | CONTRACT_LICENSEE, "contract.update"},
    {"notice", from_awaiting_notice, "draft_in_notice", CONTRACT_LICENSOR_OFFICER, "notice.open"},
    {"sign", from_signable, "signed_by_licensor", CONTRACT_LICENSOR_OFFICER, "contract.sign"},
    {"sign", from_signed_by_licensee, "active", CONTRACT_LICENSOR_OFFICER, "contract.sign"},
    {"sign", from_signable, "signed_by_licensee", CONTRACT_LICENSEE_OFFICER, "contract.sign"},
    {"sign", from_signed_by_licensor, "active", CONTRACT_LICENSEE_OFFICER, "contract.sign"},
    {"terminate", from_live, "terminated", PARTY_OFFICERS | CONTRACT_PLATFORM_ADMIN,
     "contract.terminate"},
    /* a hold leaves the status as it is (to NULL); contract_guards says what it stops */
    {"hold", from_live, NULL, CONTRACT_PLATFORM_ADMIN, "contract.hold"},
    {"release", from_any, NULL, CONTRACT_PLATFORM_ADMIN, "contract.release"},
    {NULL, NULL, NULL, 0, NULL},
};

/* While an admin holds a contract, nobody signs it, reports royalties on it or
 * records payments on it; a held contract is not held again, nor released
 * when it is not held. */
const struct transition_guard contract_guards[] = {
    {"sign", CONTRACT_HELD, "contract-on-hold",
     N_("the contract is on hold by a platform admin: it cannot be signed until it is released")},
    {"report", CONTRACT_HELD, "contract-on-hold",
     N_("the contract is on hold by a platform admin: royalty reports wait until it is released")},
    {"pay", CONTRACT_HELD, "contract-on-hold",
     N_("the contract is on hold by a platform admin: payments wait until it is released")},
    {"hold", CONTRACT_HELD, "contract-on-hold", N_("the contract is already on hold")},
    {"release", CONTRACT_NOT_HELD, "contract-not-held", N_("the contract is not on hold")},
    {NULL, 0, NULL, NULL},
};

enum rc contract_guard(struct req *r, const char *contract_id, const char *action)
{
	const char *held_params[1] = {contract_id};
	PGresult *res = db_exec(r, &st_held, held_params);
	if (res == NULL)
		return RC_ERR;
	unsigned conditions =
	    strcmp(PQgetvalue(res, 0, HELD_NOW), "t") == 0 ? CONTRACT_HELD : CONTRACT_NOT_HELD;
	PQclear(res);
	const struct transition_guard *g =
	    transition_guard_find(contract_guards, action, conditions);
	return g == NULL ? RC_OK : problem_set(r, 409, g->type, "%s", problem_tr(r, g->detail));
}

/* Whether roles take action from some state: a caller who never may is refused
 * (403) before anything else about the contract is looked at. */
static bool may_ever(const char *action, unsigned roles)
{
	for (const struct transition *t = contract_transitions; t->action != NULL; t++)
		if (strcmp(t->action, action) == 0 && (t->actors & roles) != 0)
			return true;
	return false;
}

/* A status no row leaves: the contract is over (terminated). */
static bool is_final(const char *status)
{
	for (const struct transition *t = contract_transitions; t->action != NULL; t++)
		if (str_in(t->from, status))
			return false;
	return true;
}

static const struct field terms_spec[] = {
    {.name = "upfront_fee_fen", .type = F_INT, .min = 0, .max = MAX_FEN},
    {.name = "royalty_bp", .type = F_INT, .min = 0, .max = 10000},
    {.name = "minimum_annual_royalty_fen", .type = F_INT, .min = 0, .max = MAX_FEN},
    {.name = "term_start", .type = F_DATE, .nullable = true},
    {.name = "term_end", .type = F_DATE, .nullable = true},
    {.name = "territory", .type = F_TEXT1, .nullable = true, .min = 1, .max = 200},
    {.name = "field_of_use", .type = F_TEXT1, .nullable = true, .min = 1, .max = 500},
    {0},
};

static const struct field share_spec[] = {
    {.name = "beneficiary", .type = F_TEXT1, .required = true, .min = 1, .max = 200},
    {.name = "role", .type = F_ENUM, .required = true, .enum_values = share_roles},
    {.name = "share_bp", .type = F_INT, .required = true, .min = 1, .max = 10000},
    {.name = "user_id", .type = F_UUID, .nullable = true}, /* a member: their earnings */
    {0},
};

static const struct field patch_spec[] = {
    {.name = "terms", .type = F_OBJECT, .sub = terms_spec},
    {.name = "revenue_share", .type = F_OBJECTS, .sub = share_spec, .max_items = MAX_SHARES},
    {0},
};

static const struct field sign_spec[] = {
    {.name = "digest", .type = F_TEXT1, .required = true, .min = 64, .max = 64},
    {0},
};

static const struct field reason_spec[] = {
    {.name = "reason", .type = F_STRING, .required = true, .min = 1, .max = 2000},
    {0},
};

/* ---- loading and access -------------------------------------------------- */

/* "licensor", "licensee", or NULL when the caller's organization is neither. */
static const char *party_of(const struct req *r, const PGresult *res)
{
	if (!r->auth.org_id[0])
		return NULL;
	if (strcmp(r->auth.org_id, PQgetvalue(res, 0, COL_LICENSOR)) == 0)
		return "licensor";
	if (strcmp(r->auth.org_id, PQgetvalue(res, 0, COL_LICENSEE)) == 0)
		return "licensee";
	return NULL;
}

/* The two parties and platform admins see a contract; anyone else a 404. */
static bool may_see(const struct req *r, const PGresult *row)
{
	return party_of(r, row) != NULL || r->auth.platform_admin;
}

/* Contract {id} (locked when lock) if the caller may see it; a 404 otherwise. */
static PGresult *find_contract(struct req *r, bool lock)
{
	return db_load_visible(r, lock ? &st_lock : &st_get, "contract", may_see);
}

/* Replies with the contract at row 0 of res, with its ETag. */
static enum rc reply_contract(struct req *r, int status, const PGresult *res)
{
	return reply_stored(r, status, PQgetvalue(res, 0, COL_JSON),
			    PQgetvalue(res, 0, COL_VERSION));
}

/* The caller's roles for the contract at row 0 of res (contract_transitions):
 * officers of a party (roles.c: ORG_SIGN) sign and terminate; members edit. */
static unsigned roles_of(const struct req *r, const PGresult *res)
{
	const char *party = party_of(r, res);
	unsigned roles = r->auth.platform_admin ? CONTRACT_PLATFORM_ADMIN : 0;
	bool licensor = party != NULL && strcmp(party, "licensor") == 0;
	if (party != NULL)
		roles |= licensor ? CONTRACT_LICENSOR : CONTRACT_LICENSEE;
	if (party != NULL && org_may(&r->auth, ORG_SIGN))
		roles |= licensor ? CONTRACT_LICENSOR_OFFICER : CONTRACT_LICENSEE_OFFICER;
	return roles;
}

/* The 500 for an action missing from contract_transitions. */
static enum rc no_such_action(struct req *r, const char *action)
{
	return problem_set(r, 500, "internal", "contracts have no %s transition", action);
}

/* ---- drafting ---------------------------------------------------------- */

static json_t *json_text_or_null(const PGresult *res, int row, int col)
{
	const char *v = db_value(res, row, col);
	return v ? json_string(v) : json_null();
}

enum rc contract_draft(struct req *r, const char *bid_id, const char *price_fen, json_t **out)
{
	return contract_draft_from(r, bid_id, price_fen, NULL, out);
}

enum rc contract_draft_from(struct req *r, const char *bid_id, const char *price_fen,
			    const char *term_start, json_t **out)
{
	const char *info_params[2] = {bid_id, term_start};
	PGresult *info = db_exec(r, &st_draft_info, info_params);
	if (info == NULL)
		return RC_ERR;
	if (PQntuples(info) != 1) {
		PQclear(info);
		return problem_set(r, 500, "internal", "the accepted bid has vanished");
	}
	const char *royalty = db_value(info, 0, DRAFT_ROYALTY);
	json_t *terms = json_pack("{s:I, s:I, s:I, s:o, s:o, s:o, s:o}", "upfront_fee_fen",
				  (json_int_t)strtoll(price_fen, NULL, 10), "royalty_bp",
				  (json_int_t)(royalty ? strtoll(royalty, NULL, 10) : 0),
				  "minimum_annual_royalty_fen", (json_int_t)0, "term_start",
				  json_text_or_null(info, 0, DRAFT_TERM_START), "term_end",
				  json_text_or_null(info, 0, DRAFT_TERM_END), "territory",
				  json_text_or_null(info, 0, DRAFT_TERRITORY), "field_of_use",
				  json_text_or_null(info, 0, DRAFT_FIELD_OF_USE));
	json_t *inventors = json_loads(PQgetvalue(info, 0, DRAFT_INVENTORS), 0, NULL);
	const char *policy_default = db_value(info, 0, DRAFT_POLICY_DEFAULT);
	json_t *plan = contract_default_plan(policy_default ? atoi(policy_default) : -1,
					     PQgetvalue(info, 0, DRAFT_LICENSOR_NAME), inventors);
	char policy_id[40] = "";
	if (db_value(info, 0, DRAFT_POLICY) != NULL)
		snprintf(policy_id, sizeof policy_id, "%s", PQgetvalue(info, 0, DRAFT_POLICY));
	json_decref(inventors);
	json_t *subject = json_loads(PQgetvalue(info, 0, DRAFT_SUBJECT), 0, NULL);
	PQclear(info);
	if (subject == NULL) {
		json_decref(terms);
		json_decref(plan);
		return problem_set(r, 500, "internal", "could not read the contract's subject");
	}

	char digest[65];
	contract_digest(terms, plan, subject, digest);
	char *terms_text = json_dumps(terms, JSON_COMPACT),
	     *plan_text = json_dumps(plan, JSON_COMPACT),
	     *subject_text = json_dumps(subject, JSON_COMPACT);
	json_decref(terms);
	json_decref(plan);
	json_decref(subject);
	const char *insert_params[6] = {bid_id, terms_text,   plan_text,
					digest, subject_text, policy_id[0] ? policy_id : NULL};
	PGresult *res = db_exec(r, &st_insert, insert_params);
	free(terms_text);
	free(plan_text);
	free(subject_text);
	if (res == NULL) {
		if (r->problem.status == 409)
			problem_set(r, 409, "listing-under-contract",
				    "another exclusive deal on this listing is already under way");
		return RC_ERR;
	}
	*out = json_loads(PQgetvalue(res, 0, COL_JSON), 0, NULL);
	const char *id = json_string_value(json_object_get(*out, "id"));
	enum rc rc =
	    audit_write(r, "contract.draft", "contract", id, PQgetvalue(res, 0, COL_LICENSOR),
			json_pack("{s:s, s:s, s:I, s:s}", "bid_id", bid_id, "licensee_org_id",
				  PQgetvalue(res, 0, COL_LICENSEE), "upfront_fee_fen",
				  (json_int_t)strtoll(price_fen, NULL, 10), "digest", digest));
	PQclear(res);
	if (rc != RC_OK || (rc = event_contract_drafted(r, id, bid_id)) != RC_OK) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

/* ---- handlers ---------------------------------------------------------- */

/* GET /v1/contracts/{id} */
static enum rc contracts_get(struct req *r)
{
	PGresult *res = find_contract(r, false);
	if (res == NULL)
		return RC_ERR;
	enum rc rc = reply_contract(r, 200, res);
	PQclear(res);
	return rc;
}

/* GET /v1/contracts: the caller's organization's contracts (every one, for admins). */
static enum rc contracts_list(struct req *r)
{
	static const char *const known[] = {"status", "role",   "listing_id",
					    "limit",  "cursor", NULL};
	int limit;
	struct cursor c;
	char lim[16];

	req_query_check(r, known);
	const char *status = req_query(r, "status"), *role = req_query(r, "role"),
		   *listing = req_query(r, "listing_id");
	if (status && !str_in(statuses, status))
		problem_field(r, "status",
			      "must be draft, signed_by_licensor, signed_by_licensee, active or "
			      "terminated");
	if (role && strcmp(role, "licensor") != 0 && strcmp(role, "licensee") != 0)
		problem_field(r, "role", "must be licensor or licensee");
	if (listing && !uuid_valid(listing))
		problem_field(r, "listing_id", "must be a listing id");
	if (page_params(r, "tu", &limit, &c) != RC_OK)
		return RC_ERR;
	const char *org = r->auth.platform_admin ? NULL : r->auth.org_id;
	if (org != NULL && *org == '\0') {
		reply_json(r, 200, json_pack("{s:[], s:n}", "data", "next_cursor"));
		return RC_OK;
	}
	snprintf(lim, sizeof lim, "%d", limit + 1);
	const char *list_params[7] = {
	    org, role, status, listing, c.nparts ? c.parts[0] : NULL, c.nparts ? c.parts[1] : NULL,
	    lim};
	return db_reply_page(r, &st_list, list_params, limit, 2);
}

/* The default plan of the policy the contract at row 0 of info
 * (st_plan_info) was drafted under (for a plan set empty). Caller decrefs. */
static json_t *default_plan_of(const PGresult *info)
{
	const char *bp = db_value(info, 0, PLAN_DEFAULT_BP);
	json_t *inventors = json_loads(PQgetvalue(info, 0, PLAN_INVENTORS), 0, NULL);
	json_t *plan = contract_default_plan(bp ? atoi(bp) : -1,
					     PQgetvalue(info, 0, PLAN_LICENSOR_NAME), inventors);
	json_decref(inventors);
	return plan;
}

/* PATCH /v1/contracts/{id}: either party edits terms and plan of a draft. */
static enum rc contracts_patch(struct req *r)
{
	PGresult *res = NULL, *upd = NULL, *info = NULL;
	json_t *stored = NULL, *terms = NULL, *plan = NULL;
	enum rc rc = RC_ERR;

	if (body_read(r) != RC_OK)
		return RC_ERR;
	if ((res = find_contract(r, true)) == NULL)
		return RC_ERR;
	const char *id = req_param(r, "id"), *status = PQgetvalue(res, 0, COL_STATUS),
		   *phase = PQgetvalue(res, 0, COL_PHASE);
	unsigned roles = roles_of(r, res);
	const struct transition *edit = NULL;
	if (!may_ever("edit", roles)) {
		problem_set(r, 403, "forbidden", "only the two parties can edit a contract");
		goto out;
	}
	if (req_if_match(r, PQgetvalue(res, 0, COL_VERSION), "contract", true) != RC_OK)
		goto out;
	switch (transition_find(contract_transitions, "edit", phase, roles, &edit)) {
	case TR_OK: break;
	case TR_WRONG_STATE:
	case TR_FORBIDDEN:
		if (strcmp(status, "draft") == 0)
			problem_set(r, 409, "terms-frozen",
				    "the terms are publicly noticed (%s) and cannot change", phase);
		else if (is_final(status))
			problem_set(r, 409, "invalid-state", "a terminated contract cannot change");
		else
			problem_set(r, 409, "contract-signed",
				    "a contract in status %s cannot change: terms are fixed from "
				    "the first signature",
				    status);
		goto out;
	case TR_NO_ACTION: no_such_action(r, "edit"); goto out;
	}
	if (validate_object(r, r->json, patch_spec, "") != RC_OK)
		goto fields;

	stored = json_loads(PQgetvalue(res, 0, COL_JSON), 0, NULL);
	terms = json_deep_copy(json_object_get(stored, "terms"));
	const char *key;
	json_t *value;
	json_object_foreach(json_object_get(r->json, "terms"), key, value)
	    json_object_set(terms, key, value);
	const char *start = json_string_value(json_object_get(terms, "term_start")),
		   *end = json_string_value(json_object_get(terms, "term_end"));
	if (start && end && strcmp(start, end) > 0)
		problem_field(r, "terms.term_end", "must not be before terms.term_start");

	json_t *new_plan = json_object_get(r->json, "revenue_share");
	if (new_plan == NULL) {
		plan = json_incref(json_object_get(stored, "revenue_share"));
	} else {
		const char *plan_params[1] = {id};
		if ((info = db_exec(r, &st_plan_info, plan_params)) == NULL)
			goto out;
		if (json_array_size(new_plan) == 0) {
			plan = default_plan_of(info);
		} else {
			contract_plan_check(r, new_plan);
			if (contract_plan_members_check(r, new_plan,
							PQgetvalue(res, 0, COL_LICENSOR)))
				goto out;
			contract_plan_floor_check(r, new_plan, db_value(info, 0, PLAN_FLOOR_BP),
						  PQgetvalue(info, 0, PLAN_SOURCE));
			plan = json_incref(new_plan);
		}
	}
fields:
	if (problem_fields_done(r) != RC_OK)
		goto out;

	char digest[65];
	contract_digest(terms, plan, json_object_get(stored, "subject"), digest);
	if (strcmp(digest, json_string_value(json_object_get(stored, "digest"))) == 0) {
		rc = reply_contract(r, 200, res); /* nothing changes: no new version */
		goto out;
	}
	char *terms_text = json_dumps(terms, JSON_COMPACT),
	     *plan_text = json_dumps(plan, JSON_COMPACT);
	const char *update_params[4] = {id, terms_text, plan_text, digest};
	upd = db_exec(r, &st_update, update_params);
	free(terms_text);
	free(plan_text);
	if (upd == NULL)
		goto out;
	if (audit_write(r, edit->audit, "contract", id, NULL,
			json_pack("{s:O, s:s, s:s}", "fields", r->json, "digest_before",
				  json_string_value(json_object_get(stored, "digest")), "digest",
				  digest)) != RC_OK)
		goto out;
	rc = reply_contract(r, 200, upd);
out:
	json_decref(stored);
	json_decref(terms);
	json_decref(plan);
	PQclear(info);
	PQclear(res);
	PQclear(upd);
	return rc;
}

/* What must hold of the contract at row 0 of res before digest is signed: it is
 * the contract's present digest (409 digest-mismatch), and nothing the contract
 * needs is missing (409 contract-incomplete, each as a field error). */
static enum rc check_signable(struct req *r, const PGresult *res, const char *digest)
{
	json_t *contract = json_loads(PQgetvalue(res, 0, COL_JSON), 0, NULL);
	const char *current = json_string_value(json_object_get(contract, "digest"));
	enum rc rc = RC_OK;
	if (strcmp(digest, current) != 0) {
		rc = problem_set(
		    r, 409, "digest-mismatch",
		    "the contract's digest is now %s: read it again, check the terms, and sign "
		    "that digest",
		    current);
	} else {
		contract_complete_check(r, contract);
		if (r->problem.errors != NULL)
			rc = problem_set(
			    r, 409, "contract-incomplete",
			    "the contract cannot be signed until it is complete; see errors");
	}
	json_decref(contract);
	return rc;
}

/* The acting part of signing: the caller's organization signs digest as party
 * of contract id, whose row (locked, CONTRACT_COLS) is res, taking transition
 * sign; the second signature makes it active (and an exclusive deal's listing
 * licensed). The updated row goes to *upd (caller clears). */
static enum rc sign_as(struct req *r, const char *id, const PGresult *res, const char *party,
		       const struct transition *sign, const char *digest, PGresult **upd)
{
	const char *status = PQgetvalue(res, 0, COL_STATUS);
	const char *signature_params[5] = {id, r->auth.org_id, r->auth.user_id, party, digest};
	PGresult *ins = db_exec(r, &st_sign, signature_params);
	if (ins == NULL)
		return RC_ERR;
	PQclear(ins);
	const char *status_params[2] = {id, sign->to};
	if ((*upd = db_exec(r, &st_set_status, status_params)) == NULL)
		return RC_ERR;
	if (audit_write(r, sign->audit, "contract", id, NULL,
			json_pack("{s:s, s:s, s:s, s:s}", "party", party, "digest", digest, "from",
				  status, "to", sign->to)) != RC_OK ||
	    event_contract_signed(r, id, party, sign->to) != RC_OK)
		return RC_ERR;
	if (strcmp(sign->to, "active") == 0) {
		const char *mode = PQgetvalue(res, 0, COL_MODE);
		if (audit_write(r, "contract.activate", "contract", id, NULL,
				json_pack("{s:s}", "digest", digest)) != RC_OK)
			return RC_ERR;
		if (deal_is_exclusive(mode) &&
		    listing_move(r, PQgetvalue(res, 0, COL_LISTING), "under_contract", "licensed",
				 "listing.licensed",
				 "an exclusive contract became active") != RC_OK)
			return RC_ERR;
	}
	return RC_OK;
}

/* The body's digest (sign_spec), in lower case, into digest; a 422 unless it
 * is 64 hexadecimal digits. */
static enum rc read_digest(struct req *r, char digest[65])
{
	if (body_read_valid(r, sign_spec) != RC_OK)
		return RC_ERR;
	snprintf(digest, 65, "%s", json_string_value(json_object_get(r->json, "digest")));
	for (char *d = digest; *d; d++) {
		*d = (char)tolower((unsigned char)*d);
		if (!isxdigit((unsigned char)*d)) {
			problem_field(r, "digest", "must be 64 hexadecimal digits (SHA-256)");
			return problem_fields_done(r);
		}
	}
	return RC_OK;
}

/* POST /v1/contracts/{id}/sign: an owner or admin of a party signs the digest. */
static enum rc contracts_sign(struct req *r)
{
	PGresult *res = NULL, *upd = NULL;
	enum rc rc = RC_ERR;
	char digest[65];

	if (read_digest(r, digest) != RC_OK)
		return RC_ERR;
	if ((res = find_contract(r, true)) == NULL)
		return RC_ERR;
	const char *id = req_param(r, "id"), *party = party_of(r, res);
	const char *status = PQgetvalue(res, 0, COL_STATUS), *phase = PQgetvalue(res, 0, COL_PHASE);
	unsigned roles = roles_of(r, res);
	const struct transition *sign = NULL;
	if (!may_ever("sign", roles)) {
		problem_set(r, 403, "forbidden",
			    "only an owner or admin of one of the two parties can sign");
		goto out;
	}
	if (strcmp(r->auth.org_status, "verified") != 0) {
		problem_set(r, 403, "organization-not-verified",
			    "only verified organizations sign contracts");
		goto out;
	}
	switch (transition_find(contract_transitions, "sign", phase, roles, &sign)) {
	case TR_OK: break;
	case TR_WRONG_STATE:
		if (strcmp(status, "draft") == 0) /* a draft whose notice has not closed clean */
			problem_set(r, 409, "notice-required",
				    "the agreed price must be publicly noticed, and the notice "
				    "closed clean, before the contract is signed (%s)",
				    phase);
		else
			problem_set(r, 409, "invalid-state",
				    "a contract in status %s cannot be signed", status);
		goto out;
	case TR_FORBIDDEN: /* a row leaves this status, but the other party's */
		problem_set(r, 409, "already-signed",
			    "your organization has already signed; the %s "
			    "has not yet",
			    strcmp(party, "licensor") == 0 ? "licensee" : "licensor");
		goto out;
	case TR_NO_ACTION: no_such_action(r, "sign"); goto out;
	}
	if (contract_guard(r, id, "sign") != RC_OK || check_signable(r, res, digest) != RC_OK ||
	    sign_as(r, id, res, party, sign, digest, &upd) != RC_OK)
		goto out;
	rc = reply_contract(r, 200, upd);
out:
	PQclear(res);
	PQclear(upd);
	return rc;
}

enum rc contract_sign(struct req *r, const char *id, const char *digest)
{
	const char *lock_params[1] = {id};
	PGresult *res = db_exec(r, &st_lock, lock_params), *upd = NULL;
	if (res == NULL)
		return RC_ERR;
	const char *party = PQntuples(res) == 1 ? party_of(r, res) : NULL;
	/* the caller acts as its party's officer: its checks are the caller's */
	unsigned officer = party != NULL && strcmp(party, "licensor") == 0
			       ? CONTRACT_LICENSOR_OFFICER
			       : CONTRACT_LICENSEE_OFFICER;
	const struct transition *sign = NULL;
	enum rc rc;
	if (party == NULL)
		rc = db_not_found(r, "contract");
	else if (transition_find(contract_transitions, "sign", PQgetvalue(res, 0, COL_PHASE),
				 officer, &sign) != TR_OK)
		rc =
		    problem_set(r, 409, "invalid-state", "a contract in status %s cannot be signed",
				PQgetvalue(res, 0, COL_STATUS));
	else
		rc = sign_as(r, id, res, party, sign, digest, &upd);
	PQclear(upd);
	PQclear(res);
	return rc;
}

/* Ends the live contract id whose locked row (CONTRACT_COLS) is res, with
 * reason, audited as audit with detail extra (stolen; may be NULL): terminated,
 * a public notice still running withdrawn, and an exclusive deal that never
 * became active frees its listing; so does an exclusive or sole licence that
 * ends (an assignment, once active, moved the right itself and stays done).
 * The updated row goes to *upd (caller clears). */
static enum rc end_locked(struct req *r, const char *id, const PGresult *res, const char *reason,
			  const char *audit, json_t *extra, PGresult **upd)
{
	const char *status = PQgetvalue(res, 0, COL_STATUS), *mode = PQgetvalue(res, 0, COL_MODE),
		   *listing = PQgetvalue(res, 0, COL_LISTING);
	json_t *detail = json_pack("{s:s, s:s}", "from", status, "reason", reason);
	if (extra != NULL)
		json_object_update(detail, extra);
	json_decref(extra);
	const char *terminate_params[3] = {id, r->auth.user_id, reason};
	if ((*upd = db_exec(r, &st_terminate, terminate_params)) == NULL) {
		json_decref(detail);
		return RC_ERR;
	}
	if (audit_write(r, audit, "contract", id, NULL, detail) != RC_OK ||
	    event_contract_ended(r, id, reason) != RC_OK || notices_withdraw(r, id) != RC_OK)
		return RC_ERR;
	if (deal_is_exclusive(mode)) {
		bool active = strcmp(status, "active") == 0;
		const char *from = active ? "licensed" : "under_contract";
		if ((!active || strcmp(mode, "assignment") != 0) &&
		    listing_move(r, listing, from, "published", "listing.republish",
				 active
				     ? "its exclusive licence was terminated"
				     : "its exclusive deal fell through before it became active") !=
			RC_OK)
			return RC_ERR;
	}
	return RC_OK;
}

enum rc contract_end(struct req *r, const char *id, const char *reason, json_t *extra)
{
	const char *lock_params[1] = {id};
	PGresult *res = db_exec(r, &st_lock, lock_params), *upd = NULL;
	enum rc rc = RC_ERR;
	if (res == NULL) {
		json_decref(extra);
		return RC_ERR;
	}
	if (PQntuples(res) != 1 || is_final(PQgetvalue(res, 0, COL_STATUS))) {
		json_decref(extra);
		rc = RC_OK; /* over already: nothing to end */
	} else {
		rc = end_locked(r, id, res, reason, "contract.terminate", extra, &upd);
	}
	PQclear(upd);
	PQclear(res);
	return rc;
}

/* The opening of an action that takes a reason (terminate, hold, release):
 * reads {reason}, locks contract {id} (*res, caller clears) and finds the
 * action's row for the caller from the contract's phase. NULL with a problem
 * set when the body, the contract, the caller (403: forbidden) or the phase
 * (409) refuses it. */
static const struct transition *reasoned_action(struct req *r, const char *action,
						const char *forbidden, PGresult **res,
						const char **reason)
{
	if (body_read_valid(r, reason_spec) != RC_OK || (*res = find_contract(r, true)) == NULL)
		return NULL;
	*reason = json_string_value(json_object_get(r->json, "reason"));
	const char *phase = PQgetvalue(*res, 0, COL_PHASE);
	const struct transition *row = NULL;
	switch (transition_find(contract_transitions, action, phase, roles_of(r, *res), &row)) {
	case TR_OK: return row;
	case TR_FORBIDDEN: problem_set(r, 403, "forbidden", "%s", forbidden); return NULL;
	case TR_WRONG_STATE:
		problem_set(r, 409, "invalid-state", "a %s contract cannot be %s",
			    PQgetvalue(*res, 0, COL_STATUS),
			    strcmp(action, "terminate") == 0 ? "terminated" : "held");
		return NULL;
	case TR_NO_ACTION: no_such_action(r, action); return NULL;
	}
	return NULL;
}

/* POST /v1/contracts/{id}/terminate: a party's owner or admin, or a platform
 * admin, ends the contract with a reason (end_locked). */
static enum rc contracts_terminate(struct req *r)
{
	PGresult *res = NULL, *upd = NULL;
	const char *reason;
	const struct transition *terminate = reasoned_action(
	    r, "terminate",
	    problem_tr(r, N_("only an owner or admin of one of the two parties, or a platform "
			     "admin, can terminate a contract")),
	    &res, &reason);
	enum rc rc = RC_ERR;
	if (terminate != NULL &&
	    end_locked(r, req_param(r, "id"), res, reason, terminate->audit, NULL, &upd) == RC_OK)
		rc = reply_contract(r, 200, upd);
	PQclear(res);
	PQclear(upd);
	return rc;
}

/* The acting part of a hold or release (transition row, whose checks on the
 * caller and the status the caller made) of contract id, locked at row 0 of
 * res: refused while contract_guards refuses it; audited with reason. */
static enum rc hold_or_release(struct req *r, const char *id, const PGresult *res,
			       const struct transition *row, const char *reason)
{
	if (contract_guard(r, id, row->action) != RC_OK)
		return RC_ERR;
	bool hold = strcmp(row->action, "hold") == 0;
	const char *hold_params[3] = {id, reason, r->auth.user_id[0] ? r->auth.user_id : NULL};
	PGresult *done = db_exec(r, hold ? &st_hold : &st_release, hold_params);
	if (done == NULL)
		return RC_ERR;
	PQclear(done);
	const char *touch_params[1] = {id};
	if ((done = db_exec(r, &st_touch, touch_params)) == NULL)
		return RC_ERR;
	PQclear(done);
	return audit_write(r, row->audit, "contract", id, PQgetvalue(res, 0, COL_LICENSOR),
			   json_pack("{s:s, s:s, s:s}", "status", PQgetvalue(res, 0, COL_STATUS),
				     "reason", reason, "licensee_org_id",
				     PQgetvalue(res, 0, COL_LICENSEE)));
}

enum rc contract_hold(struct req *r, const char *id, const char *reason)
{
	const char *lock_params[1] = {id};
	PGresult *res = db_exec(r, &st_lock, lock_params);
	if (res == NULL)
		return RC_ERR;
	const struct transition *row = NULL;
	enum rc rc;
	if (PQntuples(res) != 1)
		rc = db_not_found(r, "contract");
	else if ((row = transition_row(contract_transitions, "hold",
				       PQgetvalue(res, 0, COL_STATUS))) == NULL)
		rc = problem_set(r, 409, "invalid-state", "a %s contract cannot be held",
				 PQgetvalue(res, 0, COL_STATUS));
	else
		rc = hold_or_release(r, id, res, row, reason);
	PQclear(res);
	return rc;
}

/* POST /v1/admin/contracts/{id}/hold and /release: a platform admin holds a
 * live contract, or releases a held one, with a reason (contract_transitions
 * and contract_guards). The contract's row lock orders a hold against a
 * signature: whichever takes it first wins, the other sees its result. */
static enum rc contract_hold_or_release(struct req *r, const char *action)
{
	PGresult *res = NULL, *now = NULL;
	const char *reason, *id = req_param(r, "id");
	const struct transition *row = reasoned_action(
	    r, action, problem_tr(r, N_("only a platform admin holds or releases a contract")),
	    &res, &reason);
	enum rc rc = RC_ERR;
	if (row != NULL && hold_or_release(r, id, res, row, reason) == RC_OK) {
		const char *get_params[1] = {id};
		if ((now = db_exec(r, &st_get, get_params)) != NULL)
			rc = reply_contract(r, 200, now);
	}
	PQclear(res);
	PQclear(now);
	return rc;
}

static enum rc contracts_hold(struct req *r)
{
	return contract_hold_or_release(r, "hold");
}

static enum rc contracts_release(struct req *r)
{
	return contract_hold_or_release(r, "release");
}

const struct route contracts_routes[] = {
    {M_GET, "/v1/contracts", contracts_list, ROUTE_AUTH, "listContracts", NULL},
    {M_GET, "/v1/contracts/{id}", contracts_get, ROUTE_AUTH, "getContract", NULL},
    {M_PATCH, "/v1/contracts/{id}", contracts_patch, ROUTE_TX | ROUTE_AUTH, "updateContract", NULL},
    {M_POST, "/v1/contracts/{id}/sign", contracts_sign, ROUTE_TX | ROUTE_AUTH, "signContract",
     NULL},
    {M_POST, "/v1/contracts/{id}/terminate", contracts_terminate, ROUTE_TX | ROUTE_AUTH,
     "terminateContract", NULL},
    {M_GET, "/v1/contracts/{id}/document", contracts_document, ROUTE_AUTH, "getContractDocument",
     NULL},
    {M_GET, "/v1/contracts/{id}/registration", contracts_registration_get, ROUTE_AUTH,
     "getContractRegistration", NULL},
    {M_POST, "/v1/contracts/{id}/registration", contracts_registration_record,
     ROUTE_TX | ROUTE_AUTH, "recordContractRegistration", NULL},
    {M_POST, "/v1/admin/contracts/{id}/hold", contracts_hold, ROUTE_TX | ROUTE_AUTH | ROUTE_ADMIN,
     "holdContract", NULL},
    {M_POST, "/v1/admin/contracts/{id}/release", contracts_release,
     ROUTE_TX | ROUTE_AUTH | ROUTE_ADMIN, "releaseContract", NULL},
};
const size_t contracts_routes_count = ARRAY_LEN(contracts_routes);
