/*
 * accounts.c - handlers for /v1/auth, /v1/me, /v1/orgs and /v1/admin/orgs.
 */
#include "accounts.h"

#include <ctype.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../server/db.h"
#include "../../server/json.h"
#include "../../server/log.h"
#include "../../server/unicode.h"
#include "../events/events.h"
#include "../platform/platform.h"
#include "credentials.h"
#include "org_profile.h"
#include "password_policy.h"
#include "teams.h"
#include "throttle.h"

#define TS(col) SQL_RFC3339(col)
// clang-format off
#define USER_COLS                                                                   \
	"u.id, u.email, u.display_name, u.org_id, u.org_role, u.platform_admin, "   \
	TS("u.created_at")
enum {
	USER_ID, USER_EMAIL, USER_DISPLAY_NAME, USER_ORG_ID, USER_ORG_ROLE, USER_PLATFORM_ADMIN,
	USER_CREATED_AT, USER_NCOLS
};

/* The session of a token hash: AUTH_COLS FROM AUTH_FROM (accounts.h) */
#define AUTH_COLS ACCOUNTS_AUTH_COLS
#define AUTH_FROM ACCOUNTS_AUTH_FROM
enum {
	AUTH_USER_ID, AUTH_EMAIL, AUTH_PLATFORM_ADMIN, AUTH_ORG_ID, AUTH_ORG_ROLE, AUTH_ORG_STATUS,
	AUTH_ORG_KIND, AUTH_NCOLS
};
_Static_assert((int)AUTH_NCOLS == (int)ACCOUNTS_AUTH_NCOLS, "accounts.h counts the session's columns");
// clang-format on

static const struct stmt st_authenticate = {"accounts_authenticate", "SELECT " AUTH_COLS AUTH_FROM,
					    1};

static const struct stmt st_email_taken = {"accounts_email_taken",
					   "SELECT 1 FROM users WHERE email = lower($1)", 1};

static const struct stmt st_org_exists = {"accounts_org_exists",
					  "SELECT 1 FROM organizations WHERE id = $1", 1};

static const struct stmt st_org_insert = {
    "accounts_org_insert",
    "INSERT INTO organizations AS o (name, kind, parent_id, status)"
    " VALUES ($1, $2, $3, coalesce($4, 'unverified')) RETURNING " ORG_COLS,
    4};

static const struct stmt st_user_insert = {
    "accounts_user_insert",
    "INSERT INTO users AS u (email, password_hash, display_name, org_id, org_role, platform_admin)"
    " VALUES (lower($1), $2, $3, $4, $5, $6) RETURNING " USER_COLS,
    6};

static const struct stmt st_login_user = {
    "accounts_login_user",
    "SELECT u.id, u.password_hash, coalesce(o.status, '') FROM users u"
    " LEFT JOIN organizations o ON o.id = u.org_id WHERE u.email = lower($1)",
    1};
enum { LOGIN_USER_ID, LOGIN_PASSWORD_HASH, LOGIN_ORG_STATUS };

static const struct stmt st_session_insert = {
    "accounts_session_insert",
    "INSERT INTO sessions (token_hash, user_id, expires_at)"
    " VALUES ($1, $2, now() + interval '12 hours') RETURNING " TS("expires_at"),
    2};
enum { SESSION_EXPIRES_AT };

static const struct stmt st_session_revoke = {
    "accounts_session_revoke",
    "UPDATE sessions SET revoked_at = now() WHERE token_hash = $1 AND revoked_at IS NULL", 1};

static const struct stmt st_user_get = {"accounts_user_get",
					"SELECT " USER_COLS " FROM users u WHERE u.id = $1", 1};

/* /v1/me authenticates and reads the user and its organization in one round trip:
 * AUTH_COLS, then USER_COLS from ME_USER, then ORG_COLS from ME_ORG */
static const struct stmt st_me = {"accounts_me",
				  "SELECT " AUTH_COLS ", " USER_COLS ", " ORG_COLS
				  ", " EVENTS_UNREAD_SQL("u.id", "u.org_id") AUTH_FROM,
				  1};
enum { ME_USER = AUTH_NCOLS, ME_ORG = AUTH_NCOLS + USER_NCOLS, ME_UNREAD = ME_ORG + ORG_NCOLS };

static const struct stmt st_org_get = {
    "accounts_org_get", "SELECT " ORG_COLS " FROM organizations o WHERE o.id = $1", 1};

static const struct stmt st_org_lock = {
    "accounts_org_lock", "SELECT " ORG_COLS " FROM organizations o WHERE o.id = $1 FOR UPDATE", 1};

static const struct stmt st_org_set_status = {
    "accounts_org_set_status",
    "UPDATE organizations AS o SET status = $2, suspended_reason = $3, updated_at = now(),"
    " verified_at = CASE WHEN $2 = 'verified' THEN now() ELSE o.verified_at END,"
    " version = version + 1 WHERE o.id = $1 RETURNING " ORG_COLS,
    3};

static const struct stmt st_org_revoke_sessions = {
    "accounts_org_revoke_sessions",
    "UPDATE sessions SET revoked_at = now() WHERE revoked_at IS NULL"
    " AND user_id IN (SELECT id FROM users WHERE org_id = $1)",
    1};

static const char *const org_kinds[] = {"university", "research_institute", "enterprise", NULL};

/* ---- JSON shapes ------------------------------------------------------- */

static json_t *str_or_null(const PGresult *res, int row, int col)
{
	const char *v = db_value(res, row, col);
	return v ? json_string(v) : json_null();
}

/* An organization from ORG_COLS at column 0. */
static json_t *org_json(const PGresult *res, int row, bool full)
{
	return org_json_at(res, row, 0, full);
}

/* A user from USER_COLS starting at column base. */
static json_t *user_json_at(const PGresult *res, int row, int base)
{
	return json_pack("{s:s, s:s, s:s, s:o, s:o, s:b, s:s}", "id",
			 PQgetvalue(res, row, base + USER_ID), "email",
			 PQgetvalue(res, row, base + USER_EMAIL), "display_name",
			 PQgetvalue(res, row, base + USER_DISPLAY_NAME), "org_id",
			 str_or_null(res, row, base + USER_ORG_ID), "org_role",
			 str_or_null(res, row, base + USER_ORG_ROLE), "platform_admin",
			 strcmp(PQgetvalue(res, row, base + USER_PLATFORM_ADMIN), "t") == 0,
			 "created_at", PQgetvalue(res, row, base + USER_CREATED_AT));
}

/* A user from USER_COLS at column 0. */
static json_t *user_json(const PGresult *res, int row)
{
	return user_json_at(res, row, 0);
}

/* The body's email in the form accounts are stored and compared in: NFC, case
 * folded (unicode_email_key). Caller frees. */
static char *email_of(const json_t *body)
{
	char *key = unicode_email_key(json_string_value(json_object_get(body, "email")));
	return key ? key : xstrdup("");
}

/* ---- authentication ---------------------------------------------------- */

/* The digest of the bearer token r carries (the $1 of every session lookup),
 * or RC_ERR with the 401 set. */
static enum rc token_digest(struct req *r, char digest[67])
{
	const char *token = token_from_header(req_header(r, "Authorization"));
	if (token == NULL)
		return problem_set(
		    r, 401, "unauthorized",
		    req_header(r, "Authorization")
			? N_("the Authorization header must be \"Bearer <token>\"")
			: N_("this needs \"Authorization: Bearer <token>\" from POST "
			     "/v1/auth/login"));
	token_digest_param(token, digest);
	return RC_OK;
}

/* r->auth from AUTH_COLS at column col of res's one row; RC_ERR with the 401
 * set when res has no row (the token opens no session). */
static enum rc auth_from_row(struct req *r, const PGresult *res, int col)
{
	if (PQntuples(res) != 1)
		return problem_set(r, 401, "unauthorized",
				   "the token is unknown, expired or revoked; log in again");
	struct auth *a = &r->auth;
	a->authenticated = true;
	snprintf(a->user_id, sizeof a->user_id, "%s", PQgetvalue(res, 0, col + AUTH_USER_ID));
	snprintf(a->email, sizeof a->email, "%s", PQgetvalue(res, 0, col + AUTH_EMAIL));
	a->platform_admin = strcmp(PQgetvalue(res, 0, col + AUTH_PLATFORM_ADMIN), "t") == 0;
	snprintf(a->org_id, sizeof a->org_id, "%s", PQgetvalue(res, 0, col + AUTH_ORG_ID));
	snprintf(a->org_role, sizeof a->org_role, "%s", PQgetvalue(res, 0, col + AUTH_ORG_ROLE));
	snprintf(a->org_status, sizeof a->org_status, "%s",
		 PQgetvalue(res, 0, col + AUTH_ORG_STATUS));
	snprintf(a->org_kind, sizeof a->org_kind, "%s", PQgetvalue(res, 0, col + AUTH_ORG_KIND));
	return RC_OK;
}

const struct loop_auth accounts_loop_auth = {token_digest, auth_from_row};

/* Authenticates r by its bearer token with st, whose first columns are AUTH_COLS
 * and whose $1 is the token's hash. Returns the row, for callers that asked st for
 * more columns, or NULL with a 401 (or the database's problem) set. */
static PGresult *authenticate_with(struct req *r, const struct stmt *st)
{
	char digest[67];
	if (token_digest(r, digest) != RC_OK)
		return NULL;
	const char *token_params[1] = {digest};
	PGresult *res = db_exec(r, st, token_params);
	if (res == NULL)
		return NULL;
	if (auth_from_row(r, res, 0) != RC_OK) {
		PQclear(res);
		return NULL;
	}
	return res;
}

enum rc accounts_authenticate(struct req *r)
{
	PGresult *res = authenticate_with(r, &st_authenticate);
	if (res == NULL)
		return RC_ERR;
	PQclear(res);
	return RC_OK;
}

/* ---- POST /v1/auth/register ------------------------------------------- */

static const struct field register_org_spec[] = {
    {.name = "name", .type = F_NAME, .required = true, .min = 1, .max = 200},
    {.name = "kind", .type = F_ENUM, .required = true, .enum_values = org_kinds},
    {.name = "parent_id", .type = F_UUID, .nullable = true},
    {0},
};

static const struct field register_spec[] = {
    {.name = "email", .type = F_EMAIL, .required = true},
    {.name = "password", .type = F_SECRET, .required = true, .min = 12, .max = 128},
    {.name = "display_name", .type = F_NAME, .required = true, .min = 1, .max = 100},
    {.name = "organization", .type = F_OBJECT, .sub = register_org_spec},
    {.name = "invitation_token", .type = F_SECRET, .min = 1, .max = 128},
    {0},
};

static enum rc accounts_register(struct req *r)
{
	enum rc rc = RC_ERR;
	PGresult *org = NULL, *user = NULL, *res;
	char hash[PASSWORD_HASH_MAX];
	char *email = NULL;
	struct invitation_claim claim;

	if (body_read_valid(r, register_spec) != RC_OK)
		return RC_ERR;
	const char *invitation = json_string_value(json_object_get(r->json, "invitation_token"));
	if ((json_object_get(r->json, "organization") == NULL) == (invitation == NULL)) {
		problem_field(r, invitation ? "invitation_token" : "organization",
			      invitation
				  ? N_("must come without organization: the invitation names it")
				  : N_("is required, or invitation_token to join one"));
		return problem_fields_done(r);
	}
	enum password_verdict weak =
	    password_policy_check(json_string_value(json_object_get(r->json, "password")),
				  json_string_value(json_object_get(r->json, "email")));
	if (weak != PASSWORD_OK) {
		problem_field(r, "password", "%s", problem_tr(r, password_policy_message(weak)));
		return problem_fields_done(r);
	}
	if (register_throttle_take(r) != RC_OK) /* before any hashing; counts this one */
		return RC_ERR;

	json_t *o = json_object_get(r->json, "organization");
	const char *parent = json_string_value(json_object_get(o, "parent_id"));
	email = email_of(r->json);

	const char *email_params[1] = {email};
	if ((res = db_exec(r, &st_email_taken, email_params)) == NULL)
		goto out;
	bool taken = PQntuples(res) > 0;
	PQclear(res);
	if (taken) {
		problem_set(r, 409, "email-taken", "an account with this email already exists");
		goto out;
	}
	if (invitation != NULL &&
	    invitation_claim(r, invitation, "invitation_token", email, &claim) != RC_OK)
		goto out;
	if (parent != NULL) {
		const char *parent_params[1] = {parent};
		if ((res = db_exec(r, &st_org_exists, parent_params)) == NULL)
			goto out;
		bool exists = PQntuples(res) > 0;
		PQclear(res);
		if (!exists) {
			problem_field(r, "organization.parent_id", "no organization has this id");
			rc = problem_fields_done(r);
			goto out;
		}
	}

	if (password_hash(json_string_value(json_object_get(r->json, "password")), hash) != RC_OK) {
		problem_set(r, 500, "internal", "could not hash the password");
		goto out;
	}
	const char *org_params[4] = {json_string_value(json_object_get(o, "name")),
				     json_string_value(json_object_get(o, "kind")), parent, NULL};
	const char *joined_params[1] = {invitation ? claim.org_id : NULL};
	if ((org = db_exec(r, invitation ? &st_org_get : &st_org_insert,
			   invitation ? joined_params : org_params)) == NULL)
		goto out;
	const char *org_id = PQgetvalue(org, 0, ORG_ID);
	const char *user_params[6] = {email,
				      hash,
				      json_string_value(json_object_get(r->json, "display_name")),
				      org_id,
				      invitation ? claim.role : "owner",
				      "false"};
	if ((user = db_exec(r, &st_user_insert, user_params)) == NULL) {
		if (r->problem.status == 409)
			problem_set(r, 409, "email-taken",
				    "an account with this email already exists");
		goto out;
	}
	if (invitation != NULL) {
		if (invitation_accepted(r, &claim, PQgetvalue(user, 0, USER_ID)) != RC_OK)
			goto out;
	} else if (audit_write(r, "organization.register", "organization", org_id, org_id,
			       json_pack("{s:s, s:s, s:s}", "user_id", PQgetvalue(user, 0, USER_ID),
					 "name", PQgetvalue(org, 0, ORG_NAME), "kind",
					 PQgetvalue(org, 0, ORG_KIND))) != RC_OK)
		goto out;
	reply_json(r, 201,
		   json_pack("{s:o, s:o}", "user", user_json(user, 0), "organization",
			     org_json(org, 0, true)));
	rc = RC_OK;
out:
	OPENSSL_cleanse(hash, sizeof hash);
	free(email);
	PQclear(user);
	PQclear(org);
	return rc;
}

/* ---- POST /v1/auth/login ---------------------------------------------- */

static const struct field login_spec[] = {
    {.name = "email", .type = F_EMAIL, .required = true},
    {.name = "password", .type = F_SECRET, .required = true, .min = 1, .max = 128},
    {0},
};

static enum rc accounts_login(struct req *r)
{
	enum rc rc = RC_ERR;
	PGresult *res = NULL, *user = NULL;
	char *email = NULL;
	char token[TOKEN_TEXT], digest[67], net[THROTTLE_NET_LEN];

	if (body_read_valid(r, login_spec) != RC_OK)
		return RC_ERR;
	email = email_of(r->json);

	if (login_throttle_begin(r, email, net) != RC_OK)
		goto out; /* a 429 commits the block it started */

	const char *email_params[1] = {email};
	if ((user = db_exec(r, &st_login_user, email_params)) == NULL)
		goto out;
	const char *stored = PQntuples(user) == 1 ? PQgetvalue(user, 0, LOGIN_PASSWORD_HASH) : NULL;
	const char *password = json_string_value(json_object_get(r->json, "password"));
	if (!password_verify(stored, password)) {
		if (login_throttle_failed(r, email, net) == RC_OK) /* the answer commits it */
			problem_commit(r, 401, "invalid-credentials",
				       "the email or password is wrong");
		goto out;
	}
	if (strcmp(PQgetvalue(user, 0, LOGIN_ORG_STATUS), "suspended") == 0) {
		problem_set(r, 403, "organization-suspended",
			    "your organization is suspended; contact the platform");
		goto out;
	}

	token_new(token);
	token_digest_param(token, digest);
	const char *session_params[2] = {digest, PQgetvalue(user, 0, LOGIN_USER_ID)};
	if ((res = db_exec(r, &st_session_insert, session_params)) == NULL)
		goto out;
	char expires[32];
	snprintf(expires, sizeof expires, "%s", PQgetvalue(res, 0, SESSION_EXPIRES_AT));
	PQclear(res);
	res = NULL;
	if (login_throttle_succeeded(r, email, net) != RC_OK)
		goto out;
	const char *user_params[1] = {PQgetvalue(user, 0, LOGIN_USER_ID)};
	if ((res = db_exec(r, &st_user_get, user_params)) == NULL)
		goto out;
	/* the actor of the audit row is the user who just logged in */
	snprintf(r->auth.user_id, sizeof r->auth.user_id, "%s", PQgetvalue(res, 0, USER_ID));
	if (audit_write(r, "session.login", "user", PQgetvalue(res, 0, USER_ID),
			db_value(res, 0, USER_ORG_ID), NULL) != RC_OK)
		goto out;
	reply_json(r, 200,
		   json_pack("{s:s, s:s, s:o}", "token", token, "expires_at", expires, "user",
			     user_json(res, 0)));
	rc = RC_OK;
out:
	OPENSSL_cleanse(token, sizeof token);
	free(email);
	PQclear(res);
	PQclear(user);
	return rc;
}

/* ---- POST /v1/auth/logout, GET /v1/me ---------------------------------- */

static enum rc accounts_logout(struct req *r)
{
	static const struct field no_fields[] = {{0}};
	if (r->body_len > 0 && body_read_valid(r, no_fields) != RC_OK)
		return RC_ERR; /* logout takes no body; a body with fields is a mistake */
	char digest[67];
	token_digest_param(token_from_header(req_header(r, "Authorization")), digest);
	const char *revoke_params[1] = {digest};
	PGresult *res = db_exec(r, &st_session_revoke, revoke_params);
	if (res == NULL)
		return RC_ERR;
	PQclear(res);
	if (audit_write(r, "session.logout", "user", r->auth.user_id, NULL, NULL) != RC_OK)
		return RC_ERR;
	reply_empty(r, 204);
	return RC_OK;
}

/* The body of GET /v1/me from st_me's row (r->auth already set from it). */
static enum rc me_reply(struct req *r, const PGresult *res)
{
	json_t *org = json_null(), *roles = json_array();
	if (r->auth.org_id[0] && !PQgetisnull(res, 0, ME_ORG)) {
		org = org_json_at(res, 0, ME_ORG, true);
		json_array_append_new(roles, json_string(r->auth.org_role));
	}
	if (r->auth.platform_admin)
		json_array_append_new(roles, json_string("platform_admin"));
	reply_json(r, 200,
		   json_pack("{s:o, s:o, s:o, s:I}", "user", user_json_at(res, 0, ME_USER),
			     "organization", org, "roles", roles, "unread_notifications",
			     (json_int_t)atoll(PQgetvalue(res, 0, ME_UNREAD))));
	return RC_OK;
}

/* GET /v1/me: its route authenticates here, with the user and organization in the
 * same statement (one round trip instead of two). */
static enum rc accounts_me(struct req *r)
{
	PGresult *res = authenticate_with(r, &st_me);
	if (res == NULL)
		return RC_ERR;
	enum rc rc = me_reply(r, res);
	PQclear(res);
	return rc;
}

static enum rc me_params(struct req *r, const char **params)
{
	(void)r;
	(void)params; /* the token's digest, $1, is all st_me takes */
	return RC_OK;
}

/* GET /v1/me answered on the I/O loop: the same statement, which authenticates. */
static const struct loop_read me_on_loop = {
    .params = me_params, .reply = me_reply, .st_token = &st_me, .auth_col = 0};

/* ---- organizations ----------------------------------------------------- */

/* Reads {id} as a UUID; anything else names no organization: 404. */
static const char *org_param(struct req *r)
{
	const char *id = req_param(r, "id");
	if (!uuid_valid(id)) {
		problem_set(r, 404, "not-found", "no organization has this id");
		return NULL;
	}
	return id;
}

static enum rc accounts_get_org(struct req *r)
{
	const char *id = org_param(r);
	if (id == NULL)
		return RC_ERR;
	const char *org_params[1] = {id};
	PGresult *res = db_exec(r, &st_org_get, org_params);
	if (res == NULL)
		return RC_ERR;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return problem_set(r, 404, "not-found", "no organization has this id");
	}
	reply_etag(r, PQgetvalue(res, 0, ORG_VERSION));
	reply_json(r, 200, org_json(res, 0, false));
	PQclear(res);
	return RC_OK;
}

static const struct field verify_spec[] = {{0}};
static const struct field suspend_spec[] = {
    {.name = "reason", .type = F_STRING, .required = true, .min = 1, .max = 2000},
    {0},
};

/* What a platform admin does to an organization: the status it enters, the
 * audit action it writes, the body it takes, and whether its sessions end. */
struct org_action {
	const char *status;
	const char *audit;
	const struct field *spec;
	bool ends_sessions;
	bool needs_credit_code; /* a complete profile (API.md: required before verification) */
};
static const struct org_action org_verify = {"verified", "organization.verify", verify_spec, false,
					     true};
static const struct org_action org_suspend = {"suspended", "organization.suspend", suspend_spec,
					      true, false};

/* Takes action on organization {id}; a suspension gives its reason. */
static enum rc set_org_status(struct req *r, const struct org_action *action)
{
	const char *status = action->status;
	const struct field *spec = action->spec;
	const char *id = org_param(r);
	const char *reason = NULL;
	PGresult *res = NULL, *upd = NULL;
	enum rc rc = RC_ERR;

	if (id == NULL)
		return RC_ERR;
	if (r->body_len > 0 || spec[0].name != NULL) {
		if (body_read_valid(r, spec) != RC_OK)
			return RC_ERR;
		reason = json_string_value(json_object_get(r->json, "reason"));
	}
	const char *org_params[1] = {id};
	if ((res = db_exec(r, &st_org_lock, org_params)) == NULL)
		goto out;
	if (PQntuples(res) != 1) {
		problem_set(r, 404, "not-found", "no organization has this id");
		goto out;
	}
	if (strcmp(PQgetvalue(res, 0, ORG_STATUS), status) == 0) {
		/* already there: nothing changes, nothing to audit */
		reply_etag(r, PQgetvalue(res, 0, ORG_VERSION));
		reply_json(r, 200, org_json(res, 0, true));
		rc = RC_OK;
		goto out;
	}
	if (action->needs_credit_code && PQgetisnull(res, 0, ORG_CREDIT_CODE)) {
		problem_field(
		    r, "credit_code",
		    "is required before verification: the owner sends it with "
		    "PATCH /v1/orgs/{id}, or a platform admin with PATCH /v1/admin/orgs/{id}");
		problem_set(r, 409, "profile-incomplete",
			    "the organization cannot be verified without its credit_code "
			    "(统一社会信用代码)");
		goto out;
	}
	const char *status_params[3] = {id, status, reason};
	if ((upd = db_exec(r, &st_org_set_status, status_params)) == NULL)
		goto out;
	if (action->ends_sessions) {
		PGresult *rev = db_exec(r, &st_org_revoke_sessions, org_params);
		if (rev == NULL)
			goto out;
		PQclear(rev);
	}
	json_t *detail =
	    json_pack("{s:s, s:s}", "from", PQgetvalue(res, 0, ORG_STATUS), "to", status);
	if (reason != NULL)
		json_object_set_new(detail, "reason", json_string(reason));
	if (audit_write(r, action->audit, "organization", id, id, detail) != RC_OK ||
	    event_org_moved(r, status, id) != RC_OK)
		goto out;
	reply_etag(r, PQgetvalue(upd, 0, ORG_VERSION));
	reply_json(r, 200, org_json(upd, 0, true));
	rc = RC_OK;
out:
	PQclear(res);
	PQclear(upd);
	return rc;
}

static enum rc accounts_verify_org(struct req *r)
{
	return set_org_status(r, &org_verify);
}

static enum rc accounts_suspend_org(struct req *r)
{
	return set_org_status(r, &org_suspend);
}

const struct route accounts_routes[] = {
    {M_POST, "/v1/auth/register", accounts_register, ROUTE_TX | ROUTE_HEAVY | ROUTE_IDEMPOTENT,
     "register", NULL},
    {M_POST, "/v1/auth/login", accounts_login, ROUTE_TX | ROUTE_HEAVY, "login", NULL},
    {M_POST, "/v1/auth/logout", accounts_logout, ROUTE_TX | ROUTE_AUTH, "logout", NULL},
    {M_GET, "/v1/me", accounts_me, 0, "getMe",
     &me_on_loop}, /* authenticates in its own statement */
    {M_GET, "/v1/orgs/{id}", accounts_get_org, 0, "getOrganization", NULL},
    {M_PATCH, "/v1/orgs/{id}", accounts_patch_org, ROUTE_TX | ROUTE_AUTH, "updateOrganization",
     NULL},
    {M_GET, "/v1/admin/orgs", accounts_admin_list_orgs, ROUTE_ADMIN, "listOrganizations", NULL},
    {M_PATCH, "/v1/admin/orgs/{id}", accounts_admin_patch_org, ROUTE_TX | ROUTE_ADMIN,
     "adminUpdateOrganization", NULL},
    {M_POST, "/v1/admin/orgs/{id}/verify", accounts_verify_org, ROUTE_TX | ROUTE_ADMIN,
     "verifyOrganization", NULL},
    {M_POST, "/v1/admin/orgs/{id}/suspend", accounts_suspend_org, ROUTE_TX | ROUTE_ADMIN,
     "suspendOrganization", NULL},
};
const size_t accounts_routes_count = ARRAY_LEN(accounts_routes);
