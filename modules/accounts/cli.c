/*
 * cli.c - account operations from the command line: platform admins and demo
 * organizations. These run on a plain connection, outside any HTTP request.
 */
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "../../server/db.h"
#include "../../server/json.h"
#include "../../server/unicode.h"
#include "accounts.h"
#include "credentials.h"
#include "credit_code.h"
#include "password_policy.h"

/* Reads a password from the terminal without echo, or a line from stdin. */
static char *read_password(const char *prompt)
{
	char buf[512];
	struct termios old, quiet;
	bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;

	if (tty) {
		fprintf(stderr, "%s", prompt);
		quiet = old;
		quiet.c_lflag &= (tcflag_t)~ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	char *line = fgets(buf, sizeof buf, stdin);
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fprintf(stderr, "\n");
	}
	if (line == NULL)
		return NULL;
	buf[strcspn(buf, "\r\n")] = '\0';
	char *out = xstrdup(buf);
	OPENSSL_cleanse(buf, sizeof buf);
	return out;
}

static bool email_ok(const char *email)
{
	const char *at = strchr(email, '@');
	return at != NULL && at != email && strchr(at, '.') != NULL && strlen(email) <= 254 &&
	       strpbrk(email, " \t\r\n") == NULL;
}

int accounts_cli_admin_create(PGconn *conn, const char *email_in, const char *name)
{
	char hash[PASSWORD_HASH_MAX];
	char *password = NULL, *email = NULL;
	PGresult *res = NULL;
	int status = 1;

	if (!email_ok(email_in) || !unicode_valid(email_in)) {
		fprintf(stderr, "techex: --email: \"%s\" is not an email address\n", email_in);
		status = 2;
		goto out;
	}
	email = unicode_email_key(email_in); /* as registration stores it */
	if (unicode_find_invisible(email_in, false) != 0 || unicode_mixed_scripts(email)) {
		fprintf(stderr,
			"techex: --email: \"%s\" holds invisible characters or mixes scripts "
			"that can pass for another address\n",
			email_in);
		status = 2;
		goto out;
	}
	const char *env = getenv("TECHEX_ADMIN_PASSWORD");
	password = env ? xstrdup(env) : read_password("Password for the new admin: ");
	enum password_verdict weak = password_policy_check(password, email_in);
	if (weak != PASSWORD_OK) {
		fprintf(stderr, "techex: TECHEX_ADMIN_PASSWORD: the password %s\n",
			password ? password_policy_message(weak) : "is missing");
		status = 2;
		goto out;
	}
	if (password_hash(password, hash) != RC_OK) {
		fprintf(stderr, "techex: could not hash the password\n");
		goto out;
	}
	if (!db_run(conn, "BEGIN", 0, NULL, NULL))
		goto out;
	const char *admin_params[3] = {email, hash, name ? name : "Platform admin"};
	res = PQexecParams(
	    conn,
	    "INSERT INTO users (email, password_hash, display_name, platform_admin)"
	    " VALUES (lower($1), $2, $3, true) ON CONFLICT (email) DO NOTHING RETURNING id",
	    3, NULL, admin_params, NULL, NULL, 0);
	enum { ADMIN_ID };
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "techex: %s", PQresultErrorMessage(res));
		db_run(conn, "ROLLBACK", 0, NULL, NULL);
		goto out;
	}
	if (PQntuples(res) == 0) {
		fprintf(stderr, "techex: an account with the email %s already exists\n", email);
		db_run(conn, "ROLLBACK", 0, NULL, NULL);
		goto out;
	}
	const char *audit_params[2] = {PQgetvalue(res, 0, ADMIN_ID), email};
	if (!db_run(conn,
		    "INSERT INTO audit_log (action, object_type, object_id, detail)"
		    " VALUES ('admin.create', 'user', $1, jsonb_build_object('email', $2::text, "
		    "'via', 'command line'))",
		    2, audit_params, NULL) ||
	    !db_run(conn, "COMMIT", 0, NULL, NULL)) {
		db_run(conn, "ROLLBACK", 0, NULL, NULL);
		goto out;
	}
	printf("created platform admin %s (id %s)\n", email, PQgetvalue(res, 0, ADMIN_ID));
	status = 0;
out:
	OPENSSL_cleanse(hash, sizeof hash);
	free_secret(password);
	free(email);
	PQclear(res);
	return status;
}

enum rc accounts_seed_org(PGconn *conn, const char *name, const char *kind, const char *parent_id,
			  const char *status, const char *email, const char *display_name,
			  const char *password, char org_id[37])
{
	char hash[PASSWORD_HASH_MAX];
	PGresult *res = NULL;
	const char *email_params[1] = {email};
	enum { SEEDED_ORG_ID };

	/* already seeded: reuse it */
	if (!db_run(conn, "SELECT org_id FROM users WHERE email = $1", 1, email_params, &res))
		return RC_ERR;
	if (PQntuples(res) == 1) {
		snprintf(org_id, 37, "%s", PQgetvalue(res, 0, SEEDED_ORG_ID));
		PQclear(res);
		return RC_OK;
	}
	PQclear(res);
	if (password_hash(password, hash) != RC_OK)
		return RC_ERR;
	const char *org_params[4] = {name, kind, parent_id, status};
	if (!db_run(conn,
		    "INSERT INTO organizations (name, kind, parent_id, status) VALUES ($1, $2, $3, "
		    "$4) RETURNING id",
		    4, org_params, &res))
		return RC_ERR;
	enum { NEW_ORG_ID };
	snprintf(org_id, 37, "%s", PQgetvalue(res, 0, NEW_ORG_ID));
	PQclear(res);
	const char *user_params[4] = {email, hash, display_name, org_id};
	bool ok = db_run(conn,
			 "INSERT INTO users (email, password_hash, display_name, org_id, org_role)"
			 " VALUES ($1, $2, $3, $4, 'owner')",
			 4, user_params, NULL);
	const char *audit_params[3] = {org_id, name, org_id};
	ok = ok && db_run(conn,
			  "INSERT INTO audit_log (org_id, action, object_type, object_id, detail)"
			  " VALUES ($1, 'organization.seed', 'organization', $3, "
			  "jsonb_build_object('name', $2::text))",
			  3, audit_params, NULL);
	OPENSSL_cleanse(hash, sizeof hash);
	return ok ? RC_OK : RC_ERR;
}

const char *accounts_profile_mistake(const json_t *profile)
{
	const char *cc = NULL, *region = NULL, *rep = NULL, *address = NULL, *web = NULL,
		   *desc = NULL;
	int gov = 0;
	json_error_t err;
	char code[CREDIT_CODE_LEN + 1];
	if (json_unpack_ex((json_t *)profile, &err, JSON_STRICT,
			   "{s:s, s:s, s:s, s:s, s:s, s:s, s:b}", "credit_code", &cc, "region_code",
			   &region, "legal_representative", &rep, "address", &address, "website",
			   &web, "description", &desc, "government_established", &gov) != 0)
		return "profile needs credit_code, region_code, legal_representative, address, "
		       "website, description and government_established, and nothing else";
	if (credit_code_check(cc, code) != CREDIT_CODE_OK || strcmp(code, cc) != 0)
		return "profile.credit_code must be a valid credit code in upper case";
	if (!region_code_valid(region))
		return "profile.region_code must be a GB/T 2260 region code";
	return NULL;
}

enum rc accounts_seed_profile(PGconn *conn, const char *org_id, const json_t *profile)
{
	const char *params[8] = {org_id};
	static const char *const keys[] = {"credit_code", "region_code", "legal_representative",
					   "address",     "website",     "description"};
	for (size_t i = 0; i < ARRAY_LEN(keys); i++)
		params[1 + i] = json_string_value(json_object_get(profile, keys[i]));
	params[7] = json_is_true(json_object_get(profile, "government_established")) ? "t" : "f";
	return db_run(conn,
		      "UPDATE organizations SET credit_code = $2, region_code = $3,"
		      " legal_representative = $4, address = $5, website = $6, description = $7,"
		      " government_established = $8::boolean, verified_at = CASE WHEN status ="
		      " 'verified' THEN coalesce(verified_at, now()) END WHERE id = $1::uuid",
		      8, params, NULL)
		   ? RC_OK
		   : RC_ERR;
}
