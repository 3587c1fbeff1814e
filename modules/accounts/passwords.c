/*
 * passwords.c - handlers for /v1/auth/password (change) and
 * /v1/auth/password-reset (a token by mail, then a new password). Tokens are
 * stored as SHA-256 digests, travel only in the mail's body, and never reach a
 * log line.
 */
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../server/db.h"
#include "../../server/json.h"
#include "../../server/unicode.h"
#include "../mail/mail.h"
#include "../platform/platform.h"
#include "credentials.h"
#include "password_policy.h"
#include "passwords.h"
#include "throttle.h"

#define RESETS_PER_HOUR 3 /* reset mails one account gets per hour at most */

static const struct stmt st_user_hash = {
    "passwords_user_hash", "SELECT password_hash, email FROM users WHERE id = $1 FOR UPDATE", 1};
enum { HASH_PASSWORD_HASH, HASH_EMAIL };

static const struct stmt st_set_hash = {
    "passwords_set_hash",
    "UPDATE users SET password_hash = $2, updated_at = now(), version = version + 1"
    " WHERE id = $1",
    2};

/* Every session of the user but the one whose hash is $2 (NULL: every one). */
static const struct stmt st_revoke_sessions = {
    "passwords_revoke_sessions",
    "UPDATE sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL"
    " AND ($2::bytea IS NULL OR token_hash <> $2::bytea)",
    2};

/* The account of an address, and how many resets it was sent in the last hour. */
static const struct stmt st_reset_user = {
    "passwords_reset_user",
    "SELECT u.id, (SELECT count(*) FROM password_resets p WHERE p.user_id = u.id"
    " AND p.created_at > now() - interval '1 hour') FROM users u WHERE u.email = $1 FOR UPDATE",
    1};
enum { RESET_USER_ID, RESET_RECENT };

static const struct stmt st_reset_insert = {
    "passwords_reset_insert",
    "INSERT INTO password_resets (token_hash, user_id, expires_at)"
    " VALUES ($1, $2, now() + interval '1 hour')",
    2};

static const struct stmt st_reset_lock = {
    "passwords_reset_lock",
    "SELECT p.user_id, u.email, p.used_at IS NOT NULL, p.expires_at <= now()"
    " FROM password_resets p JOIN users u ON u.id = p.user_id WHERE p.token_hash = $1"
    " FOR UPDATE OF p",
    1};
enum { LOCK_USER_ID, LOCK_EMAIL, LOCK_USED, LOCK_EXPIRED };

/* Every reset token of the user still open is used up. */
static const struct stmt st_resets_close = {
    "passwords_resets_close",
    "UPDATE password_resets SET used_at = now() WHERE user_id = $1 AND used_at IS NULL", 1};

/* Checks a new password against the policy (422 naming field). */
static enum rc new_password_ok(struct req *r, const char *field, const char *password,
			       const char *email)
{
	enum password_verdict weak = password_policy_check(password, email);
	if (weak == PASSWORD_OK)
		return RC_OK;
	problem_field(r, field, "%s", password_policy_message(weak));
	return problem_fields_done(r);
}

/* Sets the user's password hash, closes the open reset tokens and revokes the
 * sessions (all but keep_digest's, when given), audits as action and answers
 * 204. */
static enum rc password_replace(struct req *r, const char *user_id, const char *password,
				const char *keep_digest, const char *action)
{
	char hash[PASSWORD_HASH_MAX];
	if (password_hash(password, hash) != RC_OK)
		return problem_set(r, 500, "internal", "could not hash the password");
	const char *set_params[2] = {user_id, hash};
	const char *revoke_params[2] = {user_id, keep_digest};
	const char *user_params[1] = {user_id};
	PGresult *res;
	enum rc rc = RC_ERR;
	if ((res = db_exec(r, &st_set_hash, set_params)) == NULL)
		goto out;
	PQclear(res);
	if ((res = db_exec(r, &st_resets_close, user_params)) == NULL)
		goto out;
	PQclear(res);
	if ((res = db_exec(r, &st_revoke_sessions, revoke_params)) == NULL)
		goto out;
	PQclear(res);
	rc = audit_write(r, action, "user", user_id, NULL, NULL);
	if (rc == RC_OK)
		reply_empty(r, 204);
out:
	OPENSSL_cleanse(hash, sizeof hash);
	return rc;
}

/* ---- POST /v1/auth/password ------------------------------------------------ */

/* The new password of a change or a reset: the policy says the rest. */
#define NEW_PASSWORD_FIELD                                                                        \
	{                                                                                         \
		.name = "new_password", .type = F_SECRET, .required = true, .min = 12, .max = 128 \
	}

static const struct field change_spec[] = {
    {.name = "current_password", .type = F_SECRET, .required = true, .min = 1, .max = 128},
    NEW_PASSWORD_FIELD,
    {0},
};

static enum rc passwords_change(struct req *r)
{
	char net[THROTTLE_NET_LEN], digest[67];
	if (body_read_valid(r, change_spec) != RC_OK)
		return RC_ERR;
	const char *user_params[1] = {r->auth.user_id};
	PGresult *res = db_exec(r, &st_user_hash, user_params);
	if (res == NULL)
		return RC_ERR;
	enum rc rc = RC_ERR;
	const char *email = PQgetvalue(res, 0, HASH_EMAIL);
	const char *next = json_string_value(json_object_get(r->json, "new_password"));
	if (new_password_ok(r, "new_password", next, email) != RC_OK)
		goto out;
	/* guessing the current password through a stolen session is throttled as logins are */
	if (login_throttle_begin(r, email, net) != RC_OK)
		goto out;
	if (!password_verify(PQgetvalue(res, 0, HASH_PASSWORD_HASH),
			     json_string_value(json_object_get(r->json, "current_password")))) {
		if (login_throttle_failed(r, email, net) == RC_OK)
			problem_commit(r, 403, "invalid-credentials",
				       "the current password is wrong");
		goto out;
	}
	token_digest_param(token_from_header(req_header(r, "Authorization")), digest);
	rc = password_replace(r, r->auth.user_id, next, digest, "user.password_change");
out:
	PQclear(res);
	return rc;
}

/* ---- POST /v1/auth/password-reset ----------------------------------------- */

static const struct field reset_spec[] = {
    {.name = "email", .type = F_EMAIL, .required = true},
    {0},
};

/* The reset mail, Chinese first, then English. Caller frees. */
static char *reset_text(const char *token)
{
	const char *base = mail_public_url();
	char *body = NULL;
	if (asprintf(
		&body,
		"您好：\n\n"
		"有人（希望是您本人）请求重置您在 TechEx 技术成果转让交易平台的密码。\n"
		"请在 1 "
		"小时内打开以下链接设置新密码（仅可使用一次）：\n\n%s/password-reset?token=%s\n\n"
		"或调用 POST /v1/auth/password-reset/confirm，重置码：\n%s\n"
		"重置后，您的所有登录会话都将失效。如果不是您本人的请求，请忽略本邮件，密码不会改变"
		"。\n\n"
		"------------------------------------------------------------\n\n"
		"Hello,\n\n"
		"Someone (we hope you) asked to reset your TechEx password.\n"
		"Open this link within 1 hour to choose a new one (it works "
		"once):\n\n%s/password-reset?token=%s\n\n"
		"Or POST /v1/auth/password-reset/confirm with this token:\n%s\n"
		"Every session of yours ends with the reset. If you did not ask, ignore this "
		"mail: your password stays as it is.\n",
		base, token, token, base, token, token) < 0)
		return NULL;
	return body;
}

static enum rc passwords_reset_request(struct req *r)
{
	char token[TOKEN_TEXT], digest[67];
	char *body = NULL, *email = NULL;
	PGresult *res = NULL;
	enum rc rc = RC_ERR;
	if (body_read_valid(r, reset_spec) != RC_OK)
		return RC_ERR;
	email = unicode_email_key(json_string_value(json_object_get(r->json, "email")));
	const char *email_params[1] = {email ? email : ""};
	if ((res = db_exec(r, &st_reset_user, email_params)) == NULL)
		goto out;
	/* an unknown address, or one that had its share of mails this hour: the
	 * same answer, and nothing is sent */
	if (PQntuples(res) == 1 && atoi(PQgetvalue(res, 0, RESET_RECENT)) < RESETS_PER_HOUR) {
		const char *user_id = PQgetvalue(res, 0, RESET_USER_ID);
		token_new(token);
		token_digest_param(token, digest);
		const char *insert_params[2] = {digest, user_id};
		PGresult *ins = db_exec(r, &st_reset_insert, insert_params);
		if (ins == NULL)
			goto out;
		PQclear(ins);
		if ((body = reset_text(token)) == NULL) {
			problem_set(r, 500, "internal", "could not write the mail");
			goto out;
		}
		snprintf(r->auth.user_id, sizeof r->auth.user_id, "%s", user_id);
		if (mail_queue(r, "password_reset", email,
			       "重置 TechEx 密码 / Reset your TechEx password", body) != RC_OK ||
		    audit_write(r, "user.password_reset_request", "user", user_id, NULL, NULL) !=
			RC_OK)
			goto out;
	}
	reply_json(r, 202,
		   json_pack("{s:s}", "detail",
			     "if an account has this address, a reset link is on its way to it"));
	rc = RC_OK;
out:
	OPENSSL_cleanse(token, sizeof token);
	free_secret(body);
	free(email);
	PQclear(res);
	return rc;
}

/* ---- POST /v1/auth/password-reset/confirm ---------------------------------- */

static const struct field confirm_spec[] = {
    {.name = "token", .type = F_SECRET, .required = true, .min = 1, .max = 128},
    NEW_PASSWORD_FIELD,
    {0},
};

static enum rc passwords_reset_confirm(struct req *r)
{
	char digest[67];
	if (body_read_valid(r, confirm_spec) != RC_OK)
		return RC_ERR;
	token_digest_param(json_string_value(json_object_get(r->json, "token")), digest);
	const char *lock_params[1] = {digest};
	PGresult *reset = db_exec(r, &st_reset_lock, lock_params);
	if (reset == NULL)
		return RC_ERR;
	enum rc rc = RC_ERR;
	if (PQntuples(reset) != 1) {
		problem_field(r, "token", "is not a password reset token");
		rc = problem_fields_done(r);
		goto out;
	}
	if (strcmp(PQgetvalue(reset, 0, LOCK_USED), "t") == 0 ||
	    strcmp(PQgetvalue(reset, 0, LOCK_EXPIRED), "t") == 0) {
		problem_set(r, 410, "token-gone",
			    strcmp(PQgetvalue(reset, 0, LOCK_USED), "t") == 0
				? N_("this reset token was already used; ask for a new one")
				: N_("this reset token has expired; ask for a new one"));
		goto out;
	}
	const char *user_id = PQgetvalue(reset, 0, LOCK_USER_ID);
	const char *next = json_string_value(json_object_get(r->json, "new_password"));
	if (new_password_ok(r, "new_password", next, PQgetvalue(reset, 0, LOCK_EMAIL)) != RC_OK)
		goto out;
	snprintf(r->auth.user_id, sizeof r->auth.user_id, "%s", user_id);
	rc = password_replace(r, user_id, next, NULL, "user.password_reset");
out:
	PQclear(reset);
	return rc;
}

/* Changing needs a session; a reset only the mailed token. */
const struct route passwords_routes[] = {
    {M_POST, "/v1/auth/password", passwords_change, ROUTE_TX | ROUTE_AUTH | ROUTE_HEAVY,
     "changePassword", NULL},
    {M_POST, "/v1/auth/password-reset", passwords_reset_request, ROUTE_TX, "requestPasswordReset",
     NULL},
    {M_POST, "/v1/auth/password-reset/confirm", passwords_reset_confirm, ROUTE_TX | ROUTE_HEAVY,
     "confirmPasswordReset", NULL},
};
const size_t passwords_routes_count = ARRAY_LEN(passwords_routes);
