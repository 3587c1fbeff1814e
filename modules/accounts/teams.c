/*
 * teams.c - handlers for /v1/orgs/{id}/invitations, /v1/invitations/accept and
 * /v1/orgs/{id}/members (teams.h). Who may do what is roles.c's table.
 */
#include "teams.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../server/db.h"
#include "../../server/json.h"
#include "../../server/unicode.h"
#include "../events/events.h"
#include "../mail/mail.h"
#include "../platform/platform.h"
#include "credentials.h"
#include "org_profile.h"
#include "roles.h"

#define TS(col) SQL_RFC3339(col)
// clang-format off
#define MEMBER_COLS                                                                  \
	"u.id, u.email, u.display_name, u.org_role, " TS("coalesce(u.joined_at, u.created_at)") \
	", u.version"
enum { MEMBER_USER_ID, MEMBER_EMAIL, MEMBER_DISPLAY_NAME, MEMBER_ROLE, MEMBER_JOINED_AT,
       MEMBER_VERSION };
#define INVITATION_COLS                                                              \
	"i.id, i.org_id, i.email, i.role, " TS("i.expires_at") ", " TS("i.created_at") \
	", CASE WHEN i.accepted_at IS NOT NULL THEN 'accepted'"                       \
	" WHEN i.revoked_at IS NOT NULL THEN 'revoked'"                               \
	" WHEN i.expires_at <= now() THEN 'expired' ELSE 'pending' END"
enum { INV_ID, INV_ORG_ID, INV_EMAIL, INV_ROLE, INV_EXPIRES_AT, INV_CREATED_AT, INV_STATUS };
// clang-format on

static const struct stmt st_members = {
    "teams_members",
    "SELECT " MEMBER_COLS " FROM users u WHERE u.org_id = $1"
    " ORDER BY CASE u.org_role WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 ELSE 2 END,"
    " coalesce(u.joined_at, u.created_at), u.id",
    1};

static const struct stmt st_member_lock = {
    "teams_member_lock",
    "SELECT " MEMBER_COLS " FROM users u WHERE u.org_id = $1 AND u.id = $2 FOR UPDATE", 2};

static const struct stmt st_member_set_role = {
    "teams_member_set_role",
    "UPDATE users AS u SET org_role = $3, version = version + 1, updated_at = now()"
    " WHERE u.org_id = $1 AND u.id = $2 RETURNING " MEMBER_COLS,
    3};

static const struct stmt st_member_remove = {
    "teams_member_remove",
    "UPDATE users SET org_id = NULL, org_role = NULL, joined_at = NULL,"
    " version = version + 1, updated_at = now() WHERE org_id = $1 AND id = $2",
    2};

static const struct stmt st_member_join = {
    "teams_member_join",
    "UPDATE users AS u SET org_id = $2, org_role = $3, joined_at = now(),"
    " version = version + 1, updated_at = now()"
    " WHERE u.id = $1 AND u.org_id IS NULL RETURNING " MEMBER_COLS,
    3};

static const struct stmt st_is_member = {"teams_is_member",
					 "SELECT 1 FROM users WHERE org_id = $1 AND email = $2", 2};

static const struct stmt st_org_name = {"teams_org_name",
					"SELECT name FROM organizations WHERE id = $1", 1};
enum { ORGNAME_NAME };

static const struct stmt st_invitation_revoke_pending = {
    "teams_invitation_revoke_pending",
    "UPDATE org_invitations SET revoked_at = now() WHERE org_id = $1 AND email = $2"
    " AND accepted_at IS NULL AND revoked_at IS NULL",
    2};

static const struct stmt st_invitation_insert = {
    "teams_invitation_insert",
    "INSERT INTO org_invitations AS i (org_id, email, role, token_hash, invited_by, expires_at)"
    " VALUES ($1, $2, $3, $4, $5, now() + interval '7 days') RETURNING " INVITATION_COLS,
    5};

static const struct stmt st_invitations = {
    "teams_invitations",
    "SELECT " INVITATION_COLS " FROM org_invitations i WHERE i.org_id = $1"
    " AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > now()"
    " ORDER BY i.created_at, i.id",
    1};

static const struct stmt st_invitation_cancel = {
    "teams_invitation_cancel",
    "UPDATE org_invitations AS i SET revoked_at = now() WHERE i.org_id = $1 AND i.id = $2"
    " AND i.accepted_at IS NULL AND i.revoked_at IS NULL RETURNING " INVITATION_COLS,
    2};

/* The invitation of a token, locked, and whether its organization is suspended. */
static const struct stmt st_invitation_by_token = {
    "teams_invitation_by_token",
    "SELECT " INVITATION_COLS ", o.status = 'suspended' FROM org_invitations i"
    " JOIN organizations o ON o.id = i.org_id WHERE i.token_hash = $1 FOR UPDATE OF i",
    1};
enum { INV_ORG_SUSPENDED = INV_STATUS + 1 };

static const struct stmt st_invitation_accept = {
    "teams_invitation_accept",
    "UPDATE org_invitations SET accepted_at = now(), accepted_by = $2"
    " WHERE id = $1 AND accepted_at IS NULL AND revoked_at IS NULL",
    2};

static const char *const invite_roles[] = {"admin", "member", NULL};
static const char *const member_roles[] = {"owner", "admin", "member", NULL};

/* ---- JSON shapes ------------------------------------------------------- */

static json_t *member_json(const PGresult *res, int row)
{
	return json_pack(
	    "{s:s, s:s, s:s, s:s, s:s}", "user_id", PQgetvalue(res, row, MEMBER_USER_ID), "email",
	    PQgetvalue(res, row, MEMBER_EMAIL), "display_name",
	    PQgetvalue(res, row, MEMBER_DISPLAY_NAME), "role", PQgetvalue(res, row, MEMBER_ROLE),
	    "joined_at", PQgetvalue(res, row, MEMBER_JOINED_AT));
}

static json_t *invitation_json(const PGresult *res, int row)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id", PQgetvalue(res, row, INV_ID),
			 "org_id", PQgetvalue(res, row, INV_ORG_ID), "email",
			 PQgetvalue(res, row, INV_EMAIL), "role", PQgetvalue(res, row, INV_ROLE),
			 "status", PQgetvalue(res, row, INV_STATUS), "expires_at",
			 PQgetvalue(res, row, INV_EXPIRES_AT), "created_at",
			 PQgetvalue(res, row, INV_CREATED_AT));
}

/* ---- who may -------------------------------------------------------------- */

/* The organization {id} when the caller may take action there: a member whose
 * role allows it. Someone outside it (a platform admin too, unless admin_sees)
 * gets a 404, a member whose role does not allow it a 403. NULL then. */
static const char *org_for(struct req *r, enum org_action action, bool admin_sees)
{
	const char *id = req_param(r, "id");
	/* ids are case-insensitive; the caller's own is the canonical spelling */
	bool inside = uuid_valid(id) && r->auth.org_id[0] && strcasecmp(r->auth.org_id, id) == 0;
	if (inside && org_may_in(&r->auth, r->auth.org_id, action))
		return r->auth.org_id;
	if (!inside && admin_sees && r->auth.platform_admin && uuid_valid(id))
		return id;
	if (!inside) {
		problem_set(r, 404, "not-found", "no organization of yours has this id");
		return NULL;
	}
	problem_set(r, 403, "forbidden", "your role (%s) in the organization does not allow this",
		    r->auth.org_role);
	return NULL;
}

/* ---- invitations ----------------------------------------------------------- */

static const struct field invite_spec[] = {
    {.name = "email", .type = F_EMAIL, .required = true},
    {.name = "role", .type = F_ENUM, .required = true, .enum_values = invite_roles},
    {0},
};

/* The invitation mail, Chinese first, then English. Caller frees both. */
static void invitation_text(const char *org_name, const char *role, const char *token,
			    char **subject, char **body)
{
	const char *base = mail_public_url();
	const char *role_zh = strcmp(role, "admin") == 0 ? "管理员" : "成员";
	if (asprintf(subject, "邀请您加入 %s / Invitation to join %s on TechEx", org_name,
		     org_name) < 0)
		*subject = NULL;
	if (asprintf(
		body,
		"您好：\n\n"
		"%s 邀请您以%s身份加入其在 TechEx 技术成果转让交易平台上的团队。\n"
		"请在 7 "
		"天内打开以下链接接受邀请（仅可使用一次）：\n\n%s/invitations/accept?token=%s\n\n"
		"已有账号：登录后调用 POST /v1/invitations/accept，邀请码：\n%s\n"
		"尚无账号：注册时（POST /v1/auth/register）以 invitation_token 提交上述邀请码。\n"
		"如果您不认识该单位，请忽略本邮件。\n\n"
		"------------------------------------------------------------\n\n"
		"Hello,\n\n"
		"%s invites you to join its team on TechEx as %s.\n"
		"Open this link within 7 days to accept (it works "
		"once):\n\n%s/invitations/accept?token=%s\n\n"
		"With an account: log in and POST /v1/invitations/accept with this token:\n%s\n"
		"Without one: register (POST /v1/auth/register) with it as invitation_token.\n"
		"If you do not know this organization, ignore this mail.\n",
		org_name, role_zh, base, token, token, org_name, role, base, token, token) < 0)
		*body = NULL;
}

enum rc teams_invitation_send(struct req *r, const char *id, const char *email, const char *role,
			      PGresult **out)
{
	enum rc rc = RC_ERR;
	PGresult *res = NULL, *org = NULL;
	char token[TOKEN_TEXT], digest[67];
	char *subject = NULL, *body = NULL;

	*out = NULL;
	const char *member_params[2] = {id, email};
	if ((res = db_exec(r, &st_is_member, member_params)) == NULL)
		goto out;
	bool already = PQntuples(res) > 0;
	PQclear(res);
	res = NULL;
	if (already) {
		problem_set(r, 409, "already-member", "this address is already a member");
		goto out;
	}
	/* a new invitation replaces one still pending for the address */
	if ((res = db_exec(r, &st_invitation_revoke_pending, member_params)) == NULL)
		goto out;
	PQclear(res);
	token_new(token);
	token_digest_param(token, digest);
	const char *insert_params[5] = {id, email, role, digest, r->auth.user_id};
	if ((res = db_exec(r, &st_invitation_insert, insert_params)) == NULL)
		goto out;
	const char *org_params[1] = {id};
	if ((org = db_exec(r, &st_org_name, org_params)) == NULL)
		goto out;
	invitation_text(PQgetvalue(org, 0, ORGNAME_NAME), role, token, &subject, &body);
	if (subject == NULL || body == NULL) {
		problem_set(r, 500, "internal", "could not write the invitation");
		goto out;
	}
	if (mail_queue(r, "invitation", email, subject, body) != RC_OK ||
	    audit_write(r, "invitation.create", "invitation", PQgetvalue(res, 0, INV_ID), id,
			json_pack("{s:s, s:s}", "email", email, "role", role)) != RC_OK)
		goto out;
	*out = res;
	res = NULL;
	rc = RC_OK;
out:
	OPENSSL_cleanse(token, sizeof token);
	free_secret(body);
	free(subject);
	PQclear(org);
	PQclear(res);
	return rc;
}

/* POST /v1/orgs/{id}/invitations */
static enum rc teams_invite(struct req *r)
{
	PGresult *res = NULL;
	const char *id = org_for(r, ORG_INVITE, false);
	if (id == NULL || body_read_valid(r, invite_spec) != RC_OK)
		return RC_ERR;
	char *email = unicode_email_key(json_string_value(json_object_get(r->json, "email")));
	enum rc rc = teams_invitation_send(
	    r, id, email ? email : "", json_string_value(json_object_get(r->json, "role")), &res);
	free(email);
	if (rc != RC_OK)
		return RC_ERR;
	reply_location(r, "/v1/orgs/{id}/invitations", id);
	reply_json(r, 201, invitation_json(res, 0));
	PQclear(res);
	return RC_OK;
}

/* GET /v1/orgs/{id}/invitations: the pending ones. */
/* Lists of a team come whole: they take no parameters. */
static enum rc no_query(struct req *r)
{
	static const char *const known[] = {NULL};
	req_query_check(r, known);
	return problem_fields_done(r);
}

static enum rc teams_list_invitations(struct req *r)
{
	const char *id = org_for(r, ORG_INVITE, true);
	if (id == NULL || no_query(r) != RC_OK)
		return RC_ERR;
	const char *params[1] = {id};
	PGresult *res = db_exec(r, &st_invitations, params);
	if (res == NULL)
		return RC_ERR;
	json_t *data = json_array();
	for (int i = 0; i < PQntuples(res); i++)
		json_array_append_new(data, invitation_json(res, i));
	PQclear(res);
	reply_json(r, 200, json_pack("{s:o, s:n}", "data", data, "next_cursor"));
	return RC_OK;
}

/* DELETE /v1/orgs/{id}/invitations/{invitation_id}: its token stops working. */
static enum rc teams_revoke_invitation(struct req *r)
{
	const char *id = org_for(r, ORG_INVITE, false);
	if (id == NULL)
		return RC_ERR;
	const char *inv = req_param(r, "invitation_id");
	if (!uuid_valid(inv))
		return problem_set(r, 404, "not-found", "no pending invitation has this id");
	const char *params[2] = {id, inv};
	PGresult *res = db_exec(r, &st_invitation_cancel, params);
	if (res == NULL)
		return RC_ERR;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return problem_set(r, 404, "not-found", "no pending invitation has this id");
	}
	enum rc rc = audit_write(r, "invitation.revoke", "invitation", inv, id,
				 json_pack("{s:s}", "email", PQgetvalue(res, 0, INV_EMAIL)));
	PQclear(res);
	if (rc == RC_OK)
		reply_empty(r, 204);
	return rc;
}

enum rc invitation_claim(struct req *r, const char *token, const char *field, const char *email,
			 struct invitation_claim *out)
{
	char digest[67];
	token_digest_param(token, digest);
	const char *params[1] = {digest};
	PGresult *res = db_exec(r, &st_invitation_by_token, params);
	if (res == NULL)
		return RC_ERR;
	enum rc rc = RC_ERR;
	if (PQntuples(res) != 1) {
		problem_field(r, field, "is not an invitation token");
		rc = problem_fields_done(r);
		goto out;
	}
	const char *status = PQgetvalue(res, 0, INV_STATUS);
	if (strcmp(status, "pending") != 0) {
		problem_set(r, 410, "invitation-gone",
			    strcmp(status, "accepted") == 0 ? N_("this invitation was already used")
			    : strcmp(status, "revoked") == 0
				? N_("this invitation was revoked or replaced by a newer one")
				: N_("this invitation has expired; ask for a new one"));
		goto out;
	}
	if (strcmp(PQgetvalue(res, 0, INV_ORG_SUSPENDED), "t") == 0) {
		problem_set(r, 403, "organization-suspended",
			    "the organization is suspended; nobody joins it now");
		goto out;
	}
	if (strcmp(PQgetvalue(res, 0, INV_EMAIL), email) != 0) {
		problem_set(r, 403, "invitation-email-mismatch",
			    "this invitation was sent to another address");
		goto out;
	}
	snprintf(out->id, sizeof out->id, "%s", PQgetvalue(res, 0, INV_ID));
	snprintf(out->org_id, sizeof out->org_id, "%s", PQgetvalue(res, 0, INV_ORG_ID));
	snprintf(out->role, sizeof out->role, "%s", PQgetvalue(res, 0, INV_ROLE));
	rc = RC_OK;
out:
	PQclear(res);
	return rc;
}

enum rc invitation_accepted(struct req *r, const struct invitation_claim *c, const char *user_id)
{
	const char *params[2] = {c->id, user_id};
	PGresult *res = db_exec(r, &st_invitation_accept, params);
	if (res == NULL)
		return RC_ERR;
	bool taken = strcmp(PQcmdTuples(res), "1") == 0;
	PQclear(res);
	if (!taken)
		return problem_set(r, 410, "invitation-gone", "this invitation was already used");
	/* the actor is the person joining */
	snprintf(r->auth.user_id, sizeof r->auth.user_id, "%s", user_id);
	if (audit_write(r, "member.join", "user", user_id, c->org_id,
			json_pack("{s:s, s:s}", "invitation_id", c->id, "role", c->role)) != RC_OK)
		return RC_ERR;
	return event_record(r, "member.joined", c->org_id, user_id,
			    json_pack("{s:s, s:s, s:s}", "user_id", user_id, "role", c->role,
				      "invitation_id", c->id));
}

/* POST /v1/invitations/accept {token}: a person without an organization joins. */
static enum rc teams_accept(struct req *r)
{
	static const struct field accept_spec[] = {
	    {.name = "token", .type = F_SECRET, .required = true, .min = 1, .max = 128},
	    {0},
	};
	struct invitation_claim claim;
	if (body_read_valid(r, accept_spec) != RC_OK)
		return RC_ERR;
	char *email = unicode_email_key(r->auth.email);
	enum rc rc = invitation_claim(r, json_string_value(json_object_get(r->json, "token")),
				      "token", email ? email : r->auth.email, &claim);
	free(email);
	if (rc != RC_OK)
		return RC_ERR;
	if (r->auth.org_id[0])
		return problem_set(r, 409, "already-member",
				   "you belong to an organization already: leave it first");
	char user_id[37];
	snprintf(user_id, sizeof user_id, "%s", r->auth.user_id);
	const char *join_params[3] = {user_id, claim.org_id, claim.role};
	PGresult *res = db_exec(r, &st_member_join, join_params);
	if (res == NULL)
		return RC_ERR;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return problem_set(r, 409, "already-member",
				   "you belong to an organization already: leave it first");
	}
	if (invitation_accepted(r, &claim, user_id) != RC_OK) {
		PQclear(res);
		return RC_ERR;
	}
	reply_json(r, 200,
		   json_pack("{s:s, s:o}", "organization_id", claim.org_id, "member",
			     member_json(res, 0)));
	PQclear(res);
	return RC_OK;
}

/* ---- members --------------------------------------------------------------- */

/* GET /v1/orgs/{id}/members */
static enum rc teams_list_members(struct req *r)
{
	const char *id = org_for(r, ORG_VIEW_MEMBERS, true);
	if (id == NULL || no_query(r) != RC_OK)
		return RC_ERR;
	const char *params[1] = {id};
	PGresult *res = db_exec(r, &st_members, params);
	if (res == NULL)
		return RC_ERR;
	if (PQntuples(res) == 0) { /* an admin asking for no organization */
		PQclear(res);
		return problem_set(r, 404, "not-found", "no organization has this id");
	}
	json_t *data = json_array();
	for (int i = 0; i < PQntuples(res); i++)
		json_array_append_new(data, member_json(res, i));
	PQclear(res);
	reply_json(r, 200, json_pack("{s:o, s:n}", "data", data, "next_cursor"));
	return RC_OK;
}

/* The member {user_id} of organization id, locked; a 404 when there is none. */
static PGresult *member_lock(struct req *r, const char *id)
{
	const char *uid = req_param(r, "user_id");
	if (!uuid_valid(uid)) {
		problem_set(r, 404, "not-found", "no member of this organization has this id");
		return NULL;
	}
	const char *params[2] = {id, uid};
	PGresult *res = db_exec(r, &st_member_lock, params);
	if (res != NULL && PQntuples(res) != 1) {
		PQclear(res);
		problem_set(r, 404, "not-found", "no member of this organization has this id");
		return NULL;
	}
	return res;
}

static const struct field role_spec[] = {
    {.name = "role", .type = F_ENUM, .required = true, .enum_values = member_roles},
    {0},
};

/* Sets member uid's role; the updated member into *out. */
static enum rc set_role(struct req *r, const char *id, const char *uid, const char *role,
			PGresult **out)
{
	const char *params[3] = {id, uid, role};
	*out = db_exec(r, &st_member_set_role, params);
	return *out != NULL ? RC_OK : RC_ERR;
}

/* PATCH /v1/orgs/{id}/members/{user_id} {role}: the owner changes a role; giving
 * `owner` hands ownership over (the old owner becomes admin). */
static enum rc teams_patch_member(struct req *r)
{
	enum rc rc = RC_ERR;
	PGresult *res = NULL, *upd = NULL, *me = NULL;
	const char *id = org_for(r, ORG_CHANGE_ROLE, false);
	if (id == NULL || body_read_valid(r, role_spec) != RC_OK)
		return RC_ERR;
	if ((res = member_lock(r, id)) == NULL)
		return RC_ERR;
	const char *uid = PQgetvalue(res, 0, MEMBER_USER_ID),
		   *from = PQgetvalue(res, 0, MEMBER_ROLE),
		   *role = json_string_value(json_object_get(r->json, "role"));
	if (req_if_match(r, PQgetvalue(res, 0, MEMBER_VERSION), "member", false) != RC_OK)
		goto out;
	if (strcmp(from, role) == 0) {
		reply_etag(r, PQgetvalue(res, 0, MEMBER_VERSION));
		reply_json(r, 200, member_json(res, 0));
		rc = RC_OK;
		goto out;
	}
	if (strcmp(from, "owner") == 0) {
		problem_set(r, 409, "last-owner",
			    "the organization needs its owner: hand ownership over to another "
			    "member first (PATCH their role to owner)");
		goto out;
	}
	if (strcmp(role, "owner") == 0) {
		/* the old owner steps down first: one owner at a time */
		if (set_role(r, id, r->auth.user_id, "admin", &me) != RC_OK ||
		    audit_write(r, "organization.ownership", "organization", id, id,
				json_pack("{s:s, s:s}", "from_user_id", r->auth.user_id,
					  "to_user_id", uid)) != RC_OK)
			goto out;
	}
	if (set_role(r, id, uid, role, &upd) != RC_OK ||
	    audit_write(r, "member.role", "user", uid, id,
			json_pack("{s:s, s:s}", "from", from, "to", role)) != RC_OK ||
	    event_record(r, "member.role_changed", id, uid,
			 json_pack("{s:s, s:s, s:s}", "user_id", uid, "from", from, "to", role)) !=
		RC_OK)
		goto out;
	reply_etag(r, PQgetvalue(upd, 0, MEMBER_VERSION));
	reply_json(r, 200, member_json(upd, 0));
	rc = RC_OK;
out:
	PQclear(me);
	PQclear(upd);
	PQclear(res);
	return rc;
}

/* DELETE /v1/orgs/{id}/members/{user_id}: an owner or admin removes a member (an
 * admin only the owner removes), anyone leaves; never the owner. The person's
 * sessions lose the organization at once: they are read with the membership. */
static enum rc teams_remove_member(struct req *r)
{
	const char *uid = req_param(r, "user_id");
	bool self = uid != NULL && strcasecmp(uid, r->auth.user_id) == 0;
	const char *id = org_for(r, self ? ORG_LEAVE : ORG_REMOVE_MEMBER, false);
	if (id == NULL)
		return RC_ERR;
	PGresult *res = member_lock(r, id);
	if (res == NULL)
		return RC_ERR;
	enum rc rc = RC_ERR;
	const char *role = PQgetvalue(res, 0, MEMBER_ROLE);
	if (strcmp(role, "owner") == 0) {
		problem_set(r, 409, "last-owner",
			    "the owner cannot leave or be removed: hand ownership over first");
		goto out;
	}
	if (!self && strcmp(role, "admin") == 0 && !org_may(&r->auth, ORG_REMOVE_ADMIN)) {
		problem_set(r, 403, "forbidden", "only the owner removes an admin");
		goto out;
	}
	const char *params[2] = {id, PQgetvalue(res, 0, MEMBER_USER_ID)};
	PGresult *del = db_exec(r, &st_member_remove, params);
	if (del == NULL)
		goto out;
	PQclear(del);
	rc = audit_write(r, self ? "member.leave" : "member.remove", "user", params[1], id,
			 json_pack("{s:s}", "role", role));
	if (rc == RC_OK)
		rc = event_record(
		    r, "member.removed", id, params[1],
		    json_pack("{s:s, s:s, s:b}", "user_id", params[1], "role", role, "left", self));
	if (rc == RC_OK)
		reply_empty(r, 204);
out:
	PQclear(res);
	return rc;
}

const struct route teams_routes[] = {
    {M_POST, "/v1/orgs/{id}/invitations", teams_invite, ROUTE_TX | ROUTE_AUTH | ROUTE_IDEMPOTENT,
     "createInvitation", NULL},
    {M_GET, "/v1/orgs/{id}/invitations", teams_list_invitations, ROUTE_AUTH, "listInvitations",
     NULL},
    {M_DELETE, "/v1/orgs/{id}/invitations/{invitation_id}", teams_revoke_invitation,
     ROUTE_TX | ROUTE_AUTH, "revokeInvitation", NULL},
    {M_POST, "/v1/invitations/accept", teams_accept, ROUTE_TX | ROUTE_AUTH, "acceptInvitation",
     NULL},
    {M_GET, "/v1/orgs/{id}/members", teams_list_members, ROUTE_AUTH, "listMembers", NULL},
    {M_PATCH, "/v1/orgs/{id}/members/{user_id}", teams_patch_member, ROUTE_TX | ROUTE_AUTH,
     "updateMember", NULL},
    {M_DELETE, "/v1/orgs/{id}/members/{user_id}", teams_remove_member, ROUTE_TX | ROUTE_AUTH,
     "removeMember", NULL},
};
const size_t teams_routes_count = ARRAY_LEN(teams_routes);
