/*
 * disputes.c - disputes about a contract: a member of either party opens one
 * with a subject and a first message; the parties and platform admins add
 * messages to its thread while it is open; a platform admin resolves it with an
 * outcome and a reason. Only the two parties and platform admins ever see it
 * (404 for anyone else). dispute_transitions says who may do what, when.
 */
#include <stdio.h>
#include <string.h>

#include "../../server/cursor.h"
#include "../../server/db.h"
#include "../../server/json.h"
#include "../events/events.h"
#include "../platform/platform.h"
#include "desk.h"
#include "desk_internal.h"

#define TS(col) SQL_RFC3339(col)
#define US(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

// clang-format off
/* A message of the thread (m), with its author's name. */
#define MESSAGE_OBJ                                                                         \
	"jsonb_build_object('id', m.id, 'dispute_id', m.dispute_id,"                           \
	" 'author_user_id', m.author_user_id, 'author_org_id', m.author_org_id,"               \
	" 'author_name', (SELECT u.display_name FROM users u WHERE u.id = m.author_user_id),"  \
	" 'author_role', m.author_role, 'body', m.body, 'created_at', " TS("m.created_at") ")"

/* A dispute (d), without its thread. */
#define DISPUTE_OBJ                                                                         \
	"jsonb_build_object('id', d.id, 'contract_id', d.contract_id, 'subject', d.subject,"   \
	" 'status', d.status, 'outcome', d.outcome, 'resolution_reason', d.resolution_reason," \
	" 'opened_by', d.opened_by, 'opened_by_org_id', d.opened_by_org_id,"                    \
	" 'resolved_by', d.resolved_by, 'resolved_at', " TS("d.resolved_at") ","               \
	" 'created_at', " TS("d.created_at") ", 'updated_at', " TS("d.updated_at") ")"

/* A dispute with its thread, oldest message first. */
#define DISPUTE_FULL                                                                        \
	"(" DISPUTE_OBJ " || jsonb_build_object('messages', coalesce((SELECT jsonb_agg("       \
	MESSAGE_OBJ " ORDER BY m.seq) FROM dispute_messages m WHERE m.dispute_id = d.id),"     \
	" '[]'::jsonb)))"

/* A dispute as its handlers read it: DISPUTE_* columns. */
#define DISPUTE_COLS                                                                        \
	DISPUTE_FULL "::text, d.version, c.licensor_org_id, c.licensee_org_id, d.status,"     \
	" d.contract_id"
// clang-format on
enum {
	DISPUTE_JSON,
	DISPUTE_VERSION,
	DISPUTE_LICENSOR_ORG,
	DISPUTE_LICENSEE_ORG,
	DISPUTE_STATUS,
	DISPUTE_CONTRACT
};

static const struct stmt st_contract = {
    "desk_dispute_contract",
    "SELECT c.licensor_org_id, c.licensee_org_id, c.status FROM contracts c WHERE c.id = $1", 1};
enum { CONTRACT_LICENSOR_ORG, CONTRACT_LICENSEE_ORG, CONTRACT_STATUS };

static const struct stmt st_get = {"desk_dispute_get",
				   "SELECT " DISPUTE_COLS
				   " FROM disputes d JOIN contracts c ON c.id = d.contract_id"
				   " WHERE d.id = $1",
				   1};

static const struct stmt st_lock = {"desk_dispute_lock",
				    "SELECT " DISPUTE_COLS
				    " FROM disputes d JOIN contracts c ON c.id = d.contract_id"
				    " WHERE d.id = $1 FOR UPDATE OF d",
				    1};

static const struct stmt st_insert = {
    "desk_dispute_insert",
    "INSERT INTO disputes (contract_id, opened_by, opened_by_org_id, subject)"
    " VALUES ($1, $2, $3, $4) RETURNING id",
    4};
enum { DISPUTE_NEW_ID };

static const struct stmt st_message = {
    "desk_dispute_message",
    "INSERT INTO dispute_messages AS m (dispute_id, author_user_id, author_org_id, author_role,"
    " body) VALUES ($1, $2, $3, $4, $5) RETURNING " MESSAGE_OBJ "::text, m.id",
    5};
enum { MESSAGE_JSON, MESSAGE_ID };

static const struct stmt st_touch = {
    "desk_dispute_touch",
    "UPDATE disputes AS d SET updated_at = now(), version = d.version + 1 WHERE d.id = $1", 1};

static const struct stmt st_resolve = {
    "desk_dispute_resolve",
    "UPDATE disputes AS d SET status = $2, outcome = $3, resolution_reason = $4,"
    " resolved_by = $5, resolved_at = now(), updated_at = now(), version = d.version + 1"
    " WHERE d.id = $1",
    5};

/* A page of a contract's disputes, oldest first: json, version, cursor parts. */
static const struct stmt st_list = {
    "desk_disputes_list",
    "SELECT " DISPUTE_OBJ "::text, d.version, " US(
	"d.created_at") ", d.id FROM disputes d"
			" WHERE d.contract_id = $1 AND ($2::text IS NULL OR d.status = $2)"
			" AND ($3::timestamptz IS NULL OR (d.created_at, d.id) > ($3::timestamptz, "
			"$4::uuid))"
			" ORDER BY d.created_at, d.id LIMIT $5",
    5};

/* ---- the state machine --------------------------------------------------- */

#define DISPUTE_PARTIES (DISPUTE_LICENSOR | DISPUTE_LICENSEE)

static const char *const from_new[] = {"new", NULL};
static const char *const from_open[] = {"open", NULL};

/* A member of either party opens a dispute; while it is open the parties and
 * admins write to its thread; an admin resolves it, which closes the thread. */
const struct transition dispute_transitions[] = {
    {"open", from_new, "open", DISPUTE_PARTIES, "dispute.open"},
    {"message", from_open, "open", DISPUTE_PARTIES | DISPUTE_PLATFORM_ADMIN, "dispute.message"},
    {"resolve", from_open, "resolved", DISPUTE_PLATFORM_ADMIN, "dispute.resolve"},
    {NULL, NULL, NULL, 0, NULL},
};

const char *const dispute_outcomes[] = {"upheld_licensor", "upheld_licensee", "settled",
					"withdrawn", NULL};
static const char *const statuses[] = {"open", "resolved", NULL};

static const struct field open_spec[] = {
    {.name = "subject", .type = F_TEXT1, .required = true, .min = 1, .max = 200},
    {.name = "message", .type = F_STRING, .required = true, .min = 1, .max = 20000},
    {0},
};

static const struct field message_spec[] = {
    {.name = "body", .type = F_STRING, .required = true, .min = 1, .max = 20000},
    {0},
};

static const struct field resolve_spec[] = {
    {.name = "outcome", .type = F_ENUM, .required = true, .enum_values = dispute_outcomes},
    {.name = "reason", .type = F_STRING, .required = true, .min = 1, .max = 2000},
    {0},
};

/* ---- access -------------------------------------------------------------- */

static bool caller_in(const struct req *r, const char *org_id)
{
	return r->auth.org_id[0] != '\0' && strcmp(r->auth.org_id, org_id) == 0;
}

/* The caller's roles for a contract whose parties are licensor and licensee. */
static unsigned roles_for(const struct req *r, const char *licensor, const char *licensee)
{
	unsigned roles = r->auth.platform_admin ? DISPUTE_PLATFORM_ADMIN : 0;
	if (caller_in(r, licensor))
		roles |= DISPUTE_LICENSOR;
	if (caller_in(r, licensee))
		roles |= DISPUTE_LICENSEE;
	return roles;
}

/* How an author signs a message: its side, or as a platform admin. */
static const char *author_role(unsigned roles)
{
	return (roles & DISPUTE_LICENSOR)   ? "licensor"
	       : (roles & DISPUTE_LICENSEE) ? "licensee"
					    : "platform_admin";
}

static bool may_see_contract(const struct req *r, const PGresult *row)
{
	return roles_for(r, PQgetvalue(row, 0, CONTRACT_LICENSOR_ORG),
			 PQgetvalue(row, 0, CONTRACT_LICENSEE_ORG)) != 0;
}

static bool may_see_dispute(const struct req *r, const PGresult *row)
{
	return roles_for(r, PQgetvalue(row, 0, DISPUTE_LICENSOR_ORG),
			 PQgetvalue(row, 0, DISPUTE_LICENSEE_ORG)) != 0;
}

static unsigned dispute_roles(const struct req *r, const PGresult *row)
{
	return roles_for(r, PQgetvalue(row, 0, DISPUTE_LICENSOR_ORG),
			 PQgetvalue(row, 0, DISPUTE_LICENSEE_ORG));
}

/* The dispute id as it is now, replied with status. */
static enum rc reply_dispute(struct req *r, int status, const char *id)
{
	const char *get_params[1] = {id};
	PGresult *res = db_exec(r, &st_get, get_params);
	if (res == NULL)
		return RC_ERR;
	enum rc rc = reply_stored(r, status, PQgetvalue(res, 0, DISPUTE_JSON),
				  PQgetvalue(res, 0, DISPUTE_VERSION));
	PQclear(res);
	return rc;
}

/* Writes the caller's message body to dispute id's thread; the new message's
 * row into *res (caller clears; MESSAGE_* columns). */
static enum rc add_message(struct req *r, const char *id, unsigned roles, const char *body,
			   PGresult **res)
{
	const char *org = (roles & DISPUTE_PARTIES) ? r->auth.org_id : NULL;
	const char *message_params[5] = {id, r->auth.user_id, org, author_role(roles), body};
	*res = db_exec(r, &st_message, message_params);
	return *res != NULL ? RC_OK : RC_ERR;
}

/* ---- handlers ------------------------------------------------------------ */

/* POST /v1/contracts/{id}/disputes {subject, message}: a member of either
 * party opens a dispute (201, open), the message its thread's first. */
enum rc disputes_create(struct req *r)
{
	if (body_read_valid(r, open_spec) != RC_OK)
		return RC_ERR;
	PGresult *contract = db_load_visible(r, &st_contract, "contract", may_see_contract);
	if (contract == NULL)
		return RC_ERR;
	PQclear(contract);
	char id[37];
	if (dispute_open(r, req_param(r, "id"),
			 json_string_value(json_object_get(r->json, "subject")),
			 json_string_value(json_object_get(r->json, "message")), id) != RC_OK)
		return RC_ERR;
	reply_location(r, "/v1/disputes/{id}", id);
	return reply_dispute(r, 201, id);
}

enum rc dispute_open(struct req *r, const char *contract_id, const char *subject,
		     const char *message, char id[37])
{
	const char *contract_params[1] = {contract_id};
	PGresult *contract = db_exec(r, &st_contract, contract_params);
	if (contract == NULL)
		return RC_ERR;
	if (PQntuples(contract) != 1) {
		PQclear(contract);
		return db_not_found(r, "contract");
	}
	unsigned roles = roles_for(r, PQgetvalue(contract, 0, CONTRACT_LICENSOR_ORG),
				   PQgetvalue(contract, 0, CONTRACT_LICENSEE_ORG));
	PQclear(contract);
	const struct transition *row = NULL;
	if (transition_find(dispute_transitions, "open", "new", roles, &row) != TR_OK)
		return problem_set(r, 403, "forbidden",
				   "only a member of one of the two parties opens a dispute");
	const char *insert_params[4] = {contract_id, r->auth.user_id, r->auth.org_id, subject};
	PGresult *ins = db_exec(r, &st_insert, insert_params), *msg = NULL;
	if (ins == NULL)
		return RC_ERR;
	snprintf(id, 37, "%s", PQgetvalue(ins, 0, DISPUTE_NEW_ID));
	PQclear(ins);
	if (add_message(r, id, roles, message, &msg) != RC_OK)
		return RC_ERR;
	PQclear(msg);
	if (audit_write(r, row->audit, "dispute", id, NULL,
			json_pack("{s:s, s:s, s:s}", "contract_id", contract_id, "subject", subject,
				  "side", author_role(roles))) != RC_OK)
		return RC_ERR;
	return event_record_contract(
	    r, "dispute.opened", contract_id,
	    json_pack("{s:s, s:s}", "dispute_id", id, "opened_by_org_id", r->auth.org_id));
}

/* GET /v1/contracts/{id}/disputes: the contract's disputes, oldest first. */
enum rc disputes_list(struct req *r)
{
	const char *status;
	struct page p;
	if (page_filtered(r, "status", statuses, N_("must be open or resolved"), &status, "tu",
			  &p) != RC_OK)
		return RC_ERR;
	PGresult *contract = db_load_visible(r, &st_contract, "contract", may_see_contract);
	if (contract == NULL)
		return RC_ERR;
	PQclear(contract);
	const char *list_params[5] = {req_param(r, "id"), status,
				      p.cur.nparts ? p.cur.parts[0] : NULL,
				      p.cur.nparts ? p.cur.parts[1] : NULL, p.lim};
	return db_reply_page(r, &st_list, list_params, p.limit, 2);
}

/* GET /v1/disputes/{id}: the dispute with its thread. */
enum rc disputes_get(struct req *r)
{
	return db_reply_visible(r, &st_get, "dispute", may_see_dispute);
}

/* POST /v1/disputes/{id}/messages {body}: a party or an admin writes to the
 * thread of an open dispute (201 with the message). */
enum rc disputes_message(struct req *r)
{
	if (body_read_valid(r, message_spec) != RC_OK)
		return RC_ERR;
	PGresult *res = db_load_visible(r, &st_lock, "dispute", may_see_dispute), *msg = NULL;
	if (res == NULL)
		return RC_ERR;
	enum rc rc = RC_ERR;
	const char *id = req_param(r, "id"), *status = PQgetvalue(res, 0, DISPUTE_STATUS);
	unsigned roles = dispute_roles(r, res);
	const struct transition *row = NULL;
	switch (transition_find(dispute_transitions, "message", status, roles, &row)) {
	case TR_OK: break;
	case TR_FORBIDDEN:
		problem_set(r, 403, "forbidden",
			    "only the two parties and platform admins write to a dispute");
		goto out;
	case TR_WRONG_STATE:
		problem_set(r, 409, "invalid-state",
			    "the dispute is %s: its thread is closed to new messages", status);
		goto out;
	case TR_NO_ACTION:
		problem_set(r, 500, "internal", "disputes have no message transition");
		goto out;
	}
	if (add_message(r, id, roles, json_string_value(json_object_get(r->json, "body")), &msg) !=
	    RC_OK)
		goto out;
	const char *touch_params[1] = {id};
	PGresult *touched = db_exec(r, &st_touch, touch_params);
	if (touched == NULL)
		goto out;
	PQclear(touched);
	if (audit_write(r, row->audit, "dispute", id, NULL,
			json_pack("{s:s, s:s, s:s}", "contract_id",
				  PQgetvalue(res, 0, DISPUTE_CONTRACT), "message_id",
				  PQgetvalue(msg, 0, MESSAGE_ID), "side", author_role(roles))) !=
	    RC_OK)
		goto out;
	rc = reply_stored(r, 201, PQgetvalue(msg, 0, MESSAGE_JSON), NULL);
out:
	PQclear(res);
	PQclear(msg);
	return rc;
}

/* POST /v1/admin/disputes/{id}/resolve {outcome, reason}: a platform admin
 * resolves an open dispute. */
enum rc disputes_resolve(struct req *r)
{
	if (body_read_valid(r, resolve_spec) != RC_OK)
		return RC_ERR;
	PGresult *res = db_load_visible(r, &st_lock, "dispute", may_see_dispute);
	if (res == NULL)
		return RC_ERR;
	enum rc rc = RC_ERR;
	const char *id = req_param(r, "id"), *status = PQgetvalue(res, 0, DISPUTE_STATUS);
	const char *outcome = json_string_value(json_object_get(r->json, "outcome")),
		   *reason = json_string_value(json_object_get(r->json, "reason"));
	const struct transition *row = NULL;
	switch (
	    transition_find(dispute_transitions, "resolve", status, dispute_roles(r, res), &row)) {
	case TR_OK: break;
	case TR_FORBIDDEN:
		problem_set(r, 403, "forbidden", "only a platform admin resolves a dispute");
		goto out;
	case TR_WRONG_STATE:
		problem_set(r, 409, "invalid-state", "the dispute is already %s", status);
		goto out;
	case TR_NO_ACTION:
		problem_set(r, 500, "internal", "disputes have no resolve transition");
		goto out;
	}
	const char *resolve_params[5] = {id, row->to, outcome, reason, r->auth.user_id};
	PGresult *done = db_exec(r, &st_resolve, resolve_params);
	if (done == NULL)
		goto out;
	PQclear(done);
	if (audit_write(r, row->audit, "dispute", id, PQgetvalue(res, 0, DISPUTE_LICENSOR_ORG),
			json_pack("{s:s, s:s, s:s}", "contract_id",
				  PQgetvalue(res, 0, DISPUTE_CONTRACT), "outcome", outcome,
				  "reason", reason)) != RC_OK ||
	    event_record_contract(r, "dispute.resolved", PQgetvalue(res, 0, DISPUTE_CONTRACT),
				  json_pack("{s:s, s:s}", "dispute_id", id, "outcome", outcome)) !=
		RC_OK)
		goto out;
	rc = reply_dispute(r, 200, id);
out:
	PQclear(res);
	return rc;
}
