/*
 * accounts.h - registration, login, sessions, organizations and their
 * verification by platform admins.
 */
#ifndef TECHEX_ACCOUNTS_H
#define TECHEX_ACCOUNTS_H

#include <jansson.h>
#include <libpq-fe.h>

#include "../../server/loopread.h"
#include "../../server/router.h"

extern const struct route accounts_routes[];
extern const size_t accounts_routes_count;

/* Dispatch hook: resolves "Authorization: Bearer <token>" into r->auth. A
 * missing, unknown, expired or revoked token, or one whose organization is
 * suspended, is a 401. */
enum rc accounts_authenticate(struct req *r);

/* The same authentication for reads the I/O loop answers (loopread.h). */
extern const struct loop_auth accounts_loop_auth;

/* The session of a token: "SELECT " ACCOUNTS_AUTH_COLS ACCOUNTS_AUTH_FROM, with the
 * token's digest as $1, is one row of ACCOUNTS_AUTH_NCOLS columns for a valid
 * session (its user, organization and role), no row for any other token. For
 * a loop read's st_token, which joins it to what it reads. */
// clang-format off
#define ACCOUNTS_AUTH_COLS                                                          \
	"u.id, u.email, u.platform_admin, coalesce(u.org_id::text, ''),"            \
	" coalesce(u.org_role, ''), coalesce(o.status, ''), coalesce(o.kind, '')"
#define ACCOUNTS_AUTH_FROM                                                           \
	" FROM sessions s JOIN users u ON u.id = s.user_id"                          \
	" LEFT JOIN organizations o ON o.id = u.org_id"                              \
	" WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > now()" \
	" AND (o.status IS NULL OR o.status <> 'suspended')"
// clang-format on
enum { ACCOUNTS_AUTH_NCOLS = 7 };

/* `techex admin create --email E [--name N]`: creates a platform admin on conn.
 * The password comes from TECHEX_ADMIN_PASSWORD or is prompted for. Prints the
 * outcome; returns the exit status. */
int accounts_cli_admin_create(PGconn *conn, const char *email, const char *name);

/* Creates an organization with an owner (used by seed-demo). Returns the new
 * organization's id in org_id (37 bytes) or RC_ERR with a message on stderr. */
enum rc accounts_seed_org(PGconn *conn, const char *name, const char *kind, const char *parent_id,
			  const char *status, const char *email, const char *display_name,
			  const char *password, char org_id[37]) MUSTCHECK;

/* Sets a seeded organization's profile from a demo_profile_mistake-checked object
 * {credit_code, region_code, legal_representative, address, website, description,
 * government_established} (borrowed); a verified one gets its verified_at. */
enum rc accounts_seed_profile(PGconn *conn, const char *org_id, const json_t *profile) MUSTCHECK;

/* What is wrong with a demo organization's profile object, or NULL: unknown keys,
 * a credit code not written normalized or failing a check, a bad region code. */
const char *accounts_profile_mistake(const json_t *profile);

#endif
