/*
 * notices.c - public notice of agreed prices (协议定价公示) and objections to it.
 *
 * 促进科技成果转化法 art. 18 and 山东省促进科技成果转化条例 art. 14: a
 * government-established licensor that agreed a price (not an auction, not a
 * fixed price taken as listed: contract_needs_notice in migrations/0012) publishes
 * the deal for at least 15 days with its objection procedure before it may sign.
 * Whether a contract needs one is decided when it is drafted and kept
 * (contracts.needs_notice).
 *
 * A notice is `open` from its publication; it is `closed_clean` from the instant
 * its closes_at passes with no objection pending or upheld (notice_effective_status,
 * computed in SQL: no job has to run), `closed_upheld` when its licensor or a
 * platform admin upholds an objection (the contract is terminated and an exclusive
 * deal's listing published again, in the same transaction), and `withdrawn` when
 * the contract is terminated while it runs. From publication on the terms are
 * frozen (the contract's phase in contract_transitions, and contracts_notice_guard
 * in the database), and the contract is signed only once its latest notice closed
 * clean.
 *
 * Anyone reads notices and their objections with the decisions; the filer of an
 * objection (a real-name user and its organization) is shown only to the
 * licensor's members and platform admins (not even to the filer, whose answer
 * has the public's shape). Any authenticated user but
 * the two parties' members and platform admins (who decide objections) may object
 * while the notice is open and before closes_at.
 *
 * Locks, in this order where several are taken: the contract, then its notice,
 * then an objection. Filing locks the notice and checks the clock after the lock,
 * so a signature (whose guard locks the notice too) and an objection filed at the
 * last instant cannot both pass.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../server/cursor.h"
#include "../../server/db.h"
#include "../../server/json.h"
#include "../accounts/roles.h"
#include "../events/events.h"
#include "../platform/platform.h"
#include "contract_shape.h"
#include "contracts.h"

#define US(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

// clang-format off
/* An objection o (its filer fu, fo joined) as jsonb; the filer only where the
 * SQL condition see holds. */
#define OBJECTION_OBJ(see)                                                                 \
	"(jsonb_build_object('id', o.id, 'notice_id', o.notice_id,"                            \
	" 'filed_at', " TS("o.filed_at") ", 'grounds', o.grounds, 'status', o.status,"        \
	" 'decision_reason', o.decision_reason, 'decided_at', " TS("o.decided_at") ")"        \
	" || CASE WHEN " see " THEN jsonb_build_object('filer', jsonb_build_object("          \
	"   'user_id', o.filer_user_id, 'display_name', fu.display_name,"                       \
	"   'org_id', o.filer_org_id, 'org_name', fo.name)) ELSE '{}'::jsonb END)"
#define OBJECTION_JOINS                                                                    \
	" JOIN users fu ON fu.id = o.filer_user_id"                                            \
	" LEFT JOIN organizations fo ON fo.id = o.filer_org_id"

/* Who sees filers, for viewer organization V and admin flag A: the licensor's
 * members and platform admins. */
#define SEES(V, A) "(" A "::boolean OR n.licensor_org_id = " V "::uuid)"

/* Notice n as jsonb, with its objections (oldest first). */
#define NOTICE_OBJ(V, A)                                                                \
	"jsonb_build_object('id', n.id, 'contract_id', n.contract_id, 'listing', n.listing,"  \
	" 'licensor', n.licensor, 'licensee', n.licensee,"                                    \
	" 'transaction_mode', n.transaction_mode, 'price', n.price,"                           \
	" 'related_party', n.related_party, 'days', n.days,"                                   \
	" 'opens_at', " TS("n.opens_at") ", 'closes_at', " TS("n.closes_at") ","             \
	" 'objection_procedure', n.objection_procedure, 'status', notice_status_of(n.id),"    \
	" 'closed_at', " TS("n.closed_at") ","                                                \
	" 'objections', coalesce((SELECT jsonb_agg(" OBJECTION_OBJ(SEES(V, A))               \
	"     ORDER BY o.filed_at, o.id) FROM notice_objections o" OBJECTION_JOINS              \
	"   WHERE o.notice_id = n.id), '[]'::jsonb))"
// clang-format on

/* The contract a notice is published for, locked: 404 unless the caller is a
 * party or a platform admin. */
static const struct stmt st_contract = {
    "notices_contract",
    "SELECT c.licensor_org_id, c.licensee_org_id, c.status,"
    " contract_phase(c.id, c.status, c.needs_notice) FROM contracts c WHERE c.id = $1 FOR UPDATE",
    1};
enum { CT_LICENSOR, CT_LICENSEE, CT_STATUS, CT_PHASE };

static const struct stmt st_contract_lock = {"notices_contract_lock",
					     "SELECT 1 FROM contracts WHERE id = $1 FOR UPDATE", 1};

/* What is published: the deal as it stands, the parties' names as they are now,
 * the listing's title as the contract names it. Related party: the two
 * organizations belong to one family (parent_id, org_family_root). */
static const struct stmt st_insert = {
    "notices_insert",
    "INSERT INTO notices (contract_id, licensor_org_id, days, objection_procedure, listing,"
    " licensor, licensee, transaction_mode, price, related_party, closes_at, created_by)"
    " SELECT c.id, c.licensor_org_id, $2::integer, $3,"
    " jsonb_build_object('id', c.listing_id, 'title', c.subject -> 'listing' ->> 'title'),"
    " jsonb_build_object('id', lo.id, 'name', lo.name),"
    " jsonb_build_object('id', le.id, 'name', le.name), c.transaction_mode,"
    " jsonb_build_object('upfront_fee_fen', c.upfront_fee_fen, 'royalty_bp', c.royalty_bp,"
    "   'minimum_annual_royalty_fen', c.minimum_annual_royalty_fen),"
    " org_family_root(lo.id) = org_family_root(le.id),"
    " now() + make_interval(days => $2::integer), $4"
    " FROM contracts c JOIN organizations lo ON lo.id = c.licensor_org_id"
    " JOIN organizations le ON le.id = c.licensee_org_id WHERE c.id = $1"
    " RETURNING id, related_party, " TS("closes_at"),
    4};
enum { INS_ID, INS_RELATED, INS_CLOSES };

static const struct stmt st_get = {
    "notices_get",
    "SELECT " NOTICE_OBJ("$2", "$3") "::text, n.version FROM notices n WHERE n.id = $1", 3};
enum { GET_JSON, GET_VERSION };

// clang-format off
static const struct stmt st_list = {
    "notices_list",
    "SELECT " NOTICE_OBJ("$1", "$2") "::text, n.version, " US("n.opens_at") ", n.id"
    " FROM notices n"
    " WHERE ($3::text IS NULL OR notice_status_of(n.id) = $3)"
    " AND ($4::uuid IS NULL OR n.contract_id = $4)"
    " AND ($5::timestamptz IS NULL OR (n.opens_at, n.id) < ($5::timestamptz, $6::uuid))"
    " ORDER BY n.opens_at DESC, n.id DESC LIMIT $7",
    7};
// clang-format on

static const struct stmt st_notice_lock = {"notices_lock",
					   "SELECT 1 FROM notices WHERE id = $1 FOR UPDATE", 1};

/* Read after the lock, with a snapshot of its own: where the notice stands now. */
static const struct stmt st_notice_facts = {
    "notices_facts",
    "SELECT notice_status_of(n.id), n.closes_at > clock_timestamp(), n.licensor_org_id,"
    " c.licensee_org_id, n.contract_id, n.status FROM notices n"
    " JOIN contracts c ON c.id = n.contract_id WHERE n.id = $1",
    1};
enum { NF_STATUS, NF_IN_WINDOW, NF_LICENSOR, NF_LICENSEE, NF_CONTRACT, NF_STORED };

static const struct stmt st_object = {
    "notices_object",
    "INSERT INTO notice_objections (notice_id, filer_user_id, filer_org_id, grounds)"
    " VALUES ($1, $2, $3, $4) RETURNING id",
    4};
enum { OBJECTION_NEW_ID };

static const struct stmt st_objection = {
    "notices_objection",
    "SELECT " OBJECTION_OBJ(
	SEES("$2",
	     "$3")) "::text, o.version, o.notice_id,"
		    " n.contract_id, n.licensor_org_id, o.status"
		    " FROM notice_objections o JOIN notices n ON n.id = o.notice_id" OBJECTION_JOINS
		    " WHERE o.id = $1",
    3};
enum { OB_JSON, OB_VERSION, OB_NOTICE, OB_CONTRACT, OB_LICENSOR, OB_STATUS };

/* Only a pending objection is decided: a second decision finds none (0 rows). */
static const struct stmt st_decide = {
    "notices_decide",
    "UPDATE notice_objections SET status = $2, decision_reason = $3, decided_by = $4,"
    " decided_at = clock_timestamp(), version = version + 1"
    " WHERE id = $1 AND status = 'pending' RETURNING id",
    4};

static const struct stmt st_close_upheld = {
    "notices_close_upheld",
    "UPDATE notices SET status = 'closed_upheld', closed_at = now(), updated_at = now(),"
    " version = version + 1 WHERE id = $1 AND status = 'open' RETURNING id",
    1};

static const struct stmt st_withdraw = {
    "notices_withdraw",
    "UPDATE notices n SET status = 'withdrawn', closed_at = now(), updated_at = now(),"
    " version = n.version + 1"
    " WHERE n.contract_id = $1 AND n.status = 'open' AND notice_status_of(n.id) = 'open'"
    " RETURNING n.id",
    1};
enum { WITHDRAWN_ID };

static const char *const notice_statuses[] = {"open", "closed_clean", "closed_upheld", "withdrawn",
					      NULL};
static const char *const outcomes[] = {"upheld", "dismissed", NULL};

/* The shortest window the law allows (Shandong art. 14) and a sane longest. */
#define NOTICE_MIN_DAYS 15
#define NOTICE_MAX_DAYS 90

static const struct field notice_spec[] = {
    {.name = "days",
     .type = F_INT,
     .required = true,
     .min = NOTICE_MIN_DAYS,
     .max = NOTICE_MAX_DAYS},
    {.name = "objection_procedure", .type = F_STRING, .required = true, .min = 1, .max = 4000},
    {0},
};

static const struct field objection_spec[] = {
    {.name = "grounds", .type = F_STRING, .required = true, .min = 1, .max = 4000},
    {0},
};

static const struct field decide_spec[] = {
    {.name = "outcome", .type = F_ENUM, .required = true, .enum_values = outcomes},
    {.name = "reason", .type = F_STRING, .required = true, .min = 1, .max = 2000},
    {0},
};

static bool is_officer(const struct req *r)
{
	return org_may(&r->auth, ORG_SIGN);
}

static bool same_org(const struct req *r, const char *org)
{
	return r->auth.org_id[0] && org != NULL && strcmp(r->auth.org_id, org) == 0;
}

/* The parties and platform admins see the contract; anyone else a 404. */
static bool may_see_contract(const struct req *r, const PGresult *row)
{
	return r->auth.platform_admin || same_org(r, PQgetvalue(row, 0, CT_LICENSOR)) ||
	       same_org(r, PQgetvalue(row, 0, CT_LICENSEE));
}

/* The viewer parameters of NOTICE_OBJ / OBJECTION_OBJ: organization, admin. */
static void viewer(const struct req *r, const char *out[2])
{
	out[0] = r->auth.org_id[0] ? r->auth.org_id : NULL;
	out[1] = r->auth.platform_admin ? "true" : "false";
}

/* Replies with notice id as the caller may see it. */
static enum rc reply_notice(struct req *r, int status, const char *id)
{
	const char *params[3] = {id};
	viewer(r, params + 1);
	PGresult *res = db_exec(r, &st_get, params);
	if (res == NULL)
		return RC_ERR;
	enum rc rc = PQntuples(res) == 1
			 ? reply_stored(r, status, PQgetvalue(res, 0, GET_JSON), NULL)
			 : db_not_found(r, "notice");
	PQclear(res);
	return rc;
}

/* Replies with objection id as the caller may see it, with its ETag. */
static enum rc reply_objection(struct req *r, int status, const char *id)
{
	const char *params[3] = {id};
	viewer(r, params + 1);
	PGresult *res = db_exec(r, &st_objection, params);
	if (res == NULL)
		return RC_ERR;
	enum rc rc = PQntuples(res) == 1 ? reply_stored(r, status, PQgetvalue(res, 0, OB_JSON),
							PQgetvalue(res, 0, OB_VERSION))
					 : db_not_found(r, "objection");
	PQclear(res);
	return rc;
}

/* POST /v1/contracts/{id}/notice: the licensor's owner or admin publishes the
 * notice its draft needs (contract_transitions' "notice" row). */
static enum rc notices_create(struct req *r)
{
	PGresult *res = NULL;
	enum rc rc = RC_ERR;

	if (body_read_valid(r, notice_spec) != RC_OK)
		return RC_ERR;
	if ((res = db_load_visible(r, &st_contract, "contract", may_see_contract)) == NULL)
		return RC_ERR;
	const char *id = req_param(r, "id"), *phase = PQgetvalue(res, 0, CT_PHASE);
	unsigned roles = 0;
	if (same_org(r, PQgetvalue(res, 0, CT_LICENSOR)) && is_officer(r))
		roles |= CONTRACT_LICENSOR_OFFICER;
	const struct transition *row = NULL;
	switch (transition_find(contract_transitions, "notice", phase, roles, &row)) {
	case TR_OK: break;
	case TR_FORBIDDEN:
		problem_set(r, 403, "forbidden",
			    "only an owner or admin of the licensor publishes its notice");
		goto out;
	case TR_WRONG_STATE:
		if (strcmp(phase, "draft") == 0)
			problem_set(r, 409, "notice-not-required",
				    "this contract needs no public notice: its licensor is not "
				    "government-established, or its price was not agreed (an "
				    "auction, or a fixed price taken as listed)");
		else if (strcmp(phase, "draft_in_notice") == 0 ||
			 strcmp(phase, "draft_noticed") == 0)
			problem_set(r, 409, "notice-exists", "the contract's notice is %s already",
				    strcmp(phase, "draft_in_notice") == 0 ? "open"
									  : "closed clean");
		else
			problem_set(r, 409, "invalid-state",
				    "a contract in status %s is not publicly noticed",
				    PQgetvalue(res, 0, CT_STATUS));
		goto out;
	case TR_NO_ACTION:
		problem_set(r, 500, "internal", "contracts have no notice transition");
		goto out;
	}
	char notice_id[37];
	if (notice_publish(r, id, (int)json_integer_value(json_object_get(r->json, "days")),
			   json_string_value(json_object_get(r->json, "objection_procedure")),
			   notice_id) != RC_OK)
		goto out;
	if ((rc = reply_notice(r, 201, notice_id)) == RC_OK)
		reply_location(r, "/v1/notices/{id}", notice_id);
out:
	PQclear(res);
	return rc;
}

enum rc notice_publish(struct req *r, const char *contract_id, int days, const char *procedure,
		       char id[37])
{
	char days_text[16];
	snprintf(days_text, sizeof days_text, "%d", days);
	const char *insert_params[4] = {contract_id, days_text, procedure, r->auth.user_id};
	PGresult *ins = db_exec(r, &st_insert, insert_params);
	if (ins == NULL) {
		if (r->problem.status == 409) /* another one was published meanwhile */
			problem_set(r, 409, "notice-exists",
				    "the contract's notice is open already");
		return RC_ERR;
	}
	snprintf(id, 37, "%s", PQgetvalue(ins, 0, INS_ID));
	enum rc rc =
	    audit_write(r, "notice.open", "notice", id, NULL,
			json_pack("{s:s, s:i, s:s, s:b}", "contract_id", contract_id, "days", days,
				  "closes_at", PQgetvalue(ins, 0, INS_CLOSES), "related_party",
				  strcmp(PQgetvalue(ins, 0, INS_RELATED), "t") == 0));
	if (rc == RC_OK)
		rc = event_record_notice(
		    r, "notice.opened", id,
		    json_pack("{s:s}", "closes_at", PQgetvalue(ins, 0, INS_CLOSES)));
	PQclear(ins);
	return rc;
}

/* GET /v1/notices/{id}: anyone. */
static enum rc notices_get(struct req *r)
{
	const char *id = req_param(r, "id");
	if (!uuid_valid(id))
		return db_not_found(r, "notice");
	return reply_notice(r, 200, id);
}

/* GET /v1/notices: anyone; newest first, ?status= (as everyone sees it), ?contract_id=. */
static enum rc notices_list(struct req *r)
{
	static const char *const known[] = {"status", "contract_id", "limit", "cursor", NULL};
	int limit;
	struct cursor c;
	char lim[16];

	req_query_check(r, known);
	const char *status = req_query(r, "status"), *contract = req_query(r, "contract_id");
	if (status && !str_in(notice_statuses, status))
		problem_field(r, "status",
			      "must be open, closed_clean, closed_upheld or withdrawn");
	if (contract && !uuid_valid(contract))
		problem_field(r, "contract_id", "must be a contract id");
	if (page_params(r, "tu", &limit, &c) != RC_OK)
		return RC_ERR;
	snprintf(lim, sizeof lim, "%d", limit + 1);
	const char *params[7] = {NULL,
				 NULL,
				 status,
				 contract,
				 c.nparts ? c.parts[0] : NULL,
				 c.nparts ? c.parts[1] : NULL,
				 lim};
	viewer(r, params);
	return db_reply_page(r, &st_list, params, limit, 2);
}

/* Locks notice id and reads where it stands (NF_*); NULL with a 404 when there is
 * none. */
static PGresult *lock_notice(struct req *r, const char *id)
{
	const char *params[1] = {id};
	if (!uuid_valid(id)) {
		db_not_found(r, "notice");
		return NULL;
	}
	bool found;
	if (db_found(r, &st_notice_lock, params, &found) != RC_OK)
		return NULL;
	if (!found) {
		db_not_found(r, "notice");
		return NULL;
	}
	return db_exec(r, &st_notice_facts, params);
}

/* POST /v1/notices/{id}/objections: any authenticated user but the parties'
 * members and platform admins, while the notice is open and before closes_at. */
static enum rc notices_object(struct req *r)
{
	PGresult *facts = NULL;
	enum rc rc = RC_ERR;

	if (body_read_valid(r, objection_spec) != RC_OK)
		return RC_ERR;
	const char *id = req_param(r, "id");
	if ((facts = lock_notice(r, id)) == NULL)
		return RC_ERR;
	if (r->auth.platform_admin) {
		problem_set(r, 403, "forbidden",
			    "platform admins decide objections and do not file them");
		goto out;
	}
	if (same_org(r, PQgetvalue(facts, 0, NF_LICENSOR)) ||
	    same_org(r, PQgetvalue(facts, 0, NF_LICENSEE))) {
		problem_set(r, 403, "party-may-not-object",
			    "the parties to the deal cannot object to its notice");
		goto out;
	}
	const char *status = PQgetvalue(facts, 0, NF_STATUS);
	if (strcmp(status, "open") != 0 || strcmp(PQgetvalue(facts, 0, NF_IN_WINDOW), "t") != 0) {
		problem_set(r, 409, "notice-closed",
			    "the notice is %s: objections are taken only while it is open, before "
			    "its closes_at",
			    strcmp(status, "open") == 0 ? problem_tr(r, N_("past its closes_at"))
							: status);
		goto out;
	}
	char objection[37];
	if (notice_object(r, id, json_string_value(json_object_get(r->json, "grounds")),
			  objection) != RC_OK)
		goto out;
	rc = reply_objection(r, 201, objection);
out:
	PQclear(facts);
	return rc;
}

enum rc notice_object(struct req *r, const char *notice_id, const char *grounds, char id[37])
{
	const char *insert_params[4] = {notice_id, r->auth.user_id,
					r->auth.org_id[0] ? r->auth.org_id : NULL, grounds};
	PGresult *ins = db_exec(r, &st_object, insert_params);
	if (ins == NULL) {
		if (r->problem.status == 409)
			problem_set(r, 409, "objection-pending",
				    "you have an objection to this notice that is not decided yet");
		return RC_ERR;
	}
	snprintf(id, 37, "%s", PQgetvalue(ins, 0, OBJECTION_NEW_ID));
	PQclear(ins);
	if (audit_write(r, "objection.file", "objection", id, NULL,
			json_pack("{s:s}", "notice_id", notice_id)) != RC_OK)
		return RC_ERR;
	return event_record_notice(r, "notice.objection_filed", notice_id,
				   json_pack("{s:s}", "objection_id", id));
}

/* The upheld objection's effects on notice notice_id of contract contract_id:
 * the notice closed_upheld (when still open), the contract terminated and an
 * exclusive deal's listing published again. */
static enum rc uphold(struct req *r, const char *objection, const char *notice_id,
		      const char *contract_id, const char *reason)
{
	const char *params[1] = {notice_id};
	bool was_open;
	if (db_found(r, &st_close_upheld, params, &was_open) != RC_OK)
		return RC_ERR;
	if (was_open && (audit_write(r, "notice.close_upheld", "notice", notice_id, NULL,
				     json_pack("{s:s, s:s}", "objection_id", objection,
					       "contract_id", contract_id)) != RC_OK ||
			 event_record_notice(r, "notice.closed", notice_id,
					     json_pack("{s:s, s:s}", "outcome", "closed_upheld",
						       "objection_id", objection)) != RC_OK))
		return RC_ERR;
	char why[2200];
	snprintf(why, sizeof why, "objection %s to the public notice was upheld: %s", objection,
		 reason);
	return contract_end(
	    r, contract_id, why,
	    json_pack("{s:s, s:s}", "objection_id", objection, "notice_id", notice_id));
}

/* POST /v1/objections/{id}/decide: the licensor's owner or admin, or a platform
 * admin, upholds or dismisses a pending objection with a reason. */
static enum rc objections_decide(struct req *r)
{
	PGresult *ob = NULL, *res = NULL;
	enum rc rc = RC_ERR;

	if (body_read_valid(r, decide_spec) != RC_OK)
		return RC_ERR;
	const char *id = req_param(r, "id");
	if (!uuid_valid(id))
		return db_not_found(r, "objection");
	const char *params[3] = {id};
	viewer(r, params + 1);
	if ((ob = db_exec(r, &st_objection, params)) == NULL)
		return RC_ERR;
	if (PQntuples(ob) != 1) {
		rc = db_not_found(r, "objection");
		goto out;
	}
	char notice_id[37], contract_id[37];
	snprintf(notice_id, sizeof notice_id, "%s", PQgetvalue(ob, 0, OB_NOTICE));
	snprintf(contract_id, sizeof contract_id, "%s", PQgetvalue(ob, 0, OB_CONTRACT));
	if (!r->auth.platform_admin &&
	    !(same_org(r, PQgetvalue(ob, 0, OB_LICENSOR)) && is_officer(r))) {
		problem_set(r, 403, "forbidden",
			    "only an owner or admin of the licensor, or a platform admin, decides "
			    "objections");
		goto out;
	}
	/* the locks in their order: contract, notice, objection (st_decide) */
	const char *contract_params[1] = {contract_id}, *notice_params[1] = {notice_id};
	if ((res = db_exec(r, &st_contract_lock, contract_params)) == NULL)
		goto out;
	PQclear(res);
	if ((res = db_exec(r, &st_notice_lock, notice_params)) == NULL)
		goto out;
	PQclear(res);
	const char *outcome = json_string_value(json_object_get(r->json, "outcome")),
		   *reason = json_string_value(json_object_get(r->json, "reason"));
	const char *decide_params[4] = {id, outcome, reason, r->auth.user_id};
	if ((res = db_exec(r, &st_decide, decide_params)) == NULL)
		goto out;
	if (PQntuples(res) != 1) {
		problem_set(r, 409, "objection-decided", "the objection is already decided");
		goto out;
	}
	bool upheld = strcmp(outcome, "upheld") == 0;
	if (audit_write(r, upheld ? "objection.uphold" : "objection.dismiss", "objection", id,
			PQgetvalue(ob, 0, OB_LICENSOR),
			json_pack("{s:s, s:s, s:s}", "notice_id", notice_id, "contract_id",
				  contract_id, "reason", reason)) != RC_OK)
		goto out;
	if (upheld && uphold(r, id, notice_id, contract_id, reason) != RC_OK)
		goto out;
	rc = reply_objection(r, 200, id);
out:
	PQclear(ob);
	PQclear(res);
	return rc;
}

enum rc notices_withdraw(struct req *r, const char *contract_id)
{
	const char *params[1] = {contract_id};
	PGresult *res = db_exec(r, &st_withdraw, params);
	if (res == NULL)
		return RC_ERR;
	enum rc rc = RC_OK;
	for (int i = 0; i < PQntuples(res) && rc == RC_OK; i++)
		rc = audit_write(r, "notice.withdraw", "notice", PQgetvalue(res, i, WITHDRAWN_ID),
				 NULL,
				 json_pack("{s:s, s:s}", "contract_id", contract_id, "why",
					   "the contract was terminated while its notice ran"));
	for (int i = 0; i < PQntuples(res) && rc == RC_OK; i++)
		rc = event_record_notice(r, "notice.closed", PQgetvalue(res, i, WITHDRAWN_ID),
					 json_pack("{s:s}", "outcome", "withdrawn"));
	PQclear(res);
	return rc;
}

const struct route notices_routes[] = {
    {M_POST, "/v1/contracts/{id}/notice", notices_create, ROUTE_TX | ROUTE_AUTH | ROUTE_IDEMPOTENT,
     "createNotice", NULL},
    {M_GET, "/v1/notices", notices_list, ROUTE_OPTIONAL_AUTH, "listNotices", NULL},
    {M_GET, "/v1/notices/{id}", notices_get, ROUTE_OPTIONAL_AUTH, "getNotice", NULL},
    {M_POST, "/v1/notices/{id}/objections", notices_object,
     ROUTE_TX | ROUTE_AUTH | ROUTE_IDEMPOTENT, "createObjection", NULL},
    {M_POST, "/v1/objections/{id}/decide", objections_decide, ROUTE_TX | ROUTE_AUTH,
     "decideObjection", NULL},
};
const size_t notices_routes_count = ARRAY_LEN(notices_routes);
