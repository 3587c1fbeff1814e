/*
 * seed_teams.c - the demo teams (seed_teams.h). data/demo.json:
 *   "teams": [{"owner": email of the organization's owner,
 *              "members": [{"email", "person", "role": "admin"|"member",
 *                           "inventor": true when a plan names them}],
 *              "invitations": [{"email", "role"}]}]
 */
#include "seed_teams.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../accounts/credentials.h"
#include "../accounts/teams.h"
#include "../contracts/contracts.h"

/* The organization and user id of an owner's address. */
static bool owner_of(PGconn *conn, const char *email, char org_id[37], char user_id[37])
{
	const char *params[1] = {email};
	enum { OWNER_ORG, OWNER_ID };
	PGresult *res;
	if (!db_run(conn, "SELECT org_id, id FROM users WHERE email = $1 AND org_role = 'owner'", 1,
		    params, &res))
		return false;
	bool found = PQntuples(res) == 1;
	if (found) {
		snprintf(org_id, 37, "%s", PQgetvalue(res, 0, OWNER_ORG));
		snprintf(user_id, 37, "%s", PQgetvalue(res, 0, OWNER_ID));
	} else {
		fprintf(stderr, "techex: seed-demo: teams: %s owns no organization\n", email);
	}
	PQclear(res);
	return found;
}

bool seed_teams_members(PGconn *conn, const json_t *teams, const char *password)
{
	char hash[PASSWORD_HASH_MAX];
	size_t i, j;
	const json_t *t, *m;
	if (json_array_size(teams) == 0)
		return true;
	if (password_hash(password, hash) != RC_OK)
		return false;
	bool ok = true;
	json_array_foreach(teams, i, t)
	{
		char org[37], owner[37];
		const char *owner_email = json_string_value(json_object_get(t, "owner"));
		if (owner_email == NULL || !owner_of(conn, owner_email, org, owner)) {
			ok = false;
			break;
		}
		json_array_foreach(json_object_get(t, "members"), j, m)
		{
			const char *email = json_string_value(json_object_get(m, "email")),
				   *person = json_string_value(json_object_get(m, "person")),
				   *role = json_string_value(json_object_get(m, "role"));
			if (email == NULL || person == NULL || role == NULL ||
			    (strcmp(role, "admin") != 0 && strcmp(role, "member") != 0)) {
				fprintf(stderr,
					"techex: seed-demo: teams[%zu].members[%zu] needs "
					"email, person and role admin or member\n",
					i, j);
				ok = false;
				break;
			}
			const char *params[5] = {email, hash, person, org, role};
			PGresult *res;
			if (!db_run(conn,
				    "INSERT INTO users (email, password_hash, display_name, org_id,"
				    " org_role, joined_at) VALUES ($1, $2, $3, $4, $5, now())"
				    " ON CONFLICT (email) DO NOTHING RETURNING id",
				    5, params, &res)) {
				ok = false;
				break;
			}
			if (PQntuples(res) == 1)
				printf("team member %-26s %-7s %s\n", person, role, email);
			PQclear(res);
		}
		if (!ok)
			break;
	}
	OPENSSL_cleanse(hash, sizeof hash);
	return ok;
}

bool seed_teams_plan(const json_t *teams, struct req *licensor, json_t *contract)
{
	size_t i, j, k;
	const json_t *t, *m;
	json_t *plan = json_object_get(contract, "revenue_share"), *e;
	bool changed = false;
	json_array_foreach(teams, i, t)
	{
		char org[37], owner[37];
		const char *owner_email = json_string_value(json_object_get(t, "owner"));
		if (owner_email == NULL || !owner_of(licensor->db->conn, owner_email, org, owner))
			return false;
		if (strcmp(org, licensor->auth.org_id) != 0)
			continue;
		json_array_foreach(json_object_get(t, "members"), j, m)
		{
			if (!json_is_true(json_object_get(m, "inventor")))
				continue;
			const char *params[1] = {json_string_value(json_object_get(m, "email"))};
			enum { MEMBER_ID };
			PGresult *res;
			if (!db_run(licensor->db->conn,
				    "SELECT id FROM users WHERE email = $1 AND org_id IS NOT NULL",
				    1, params, &res))
				return false;
			json_array_foreach(plan, k, e)
			{
				if (PQntuples(res) == 1 &&
				    json_equal(json_object_get(e, "beneficiary"),
					       json_object_get(m, "person")) &&
				    strcmp(json_string_value(json_object_get(e, "role")),
					   "inventor") == 0) {
					json_object_set_new(
					    e, "user_id",
					    json_string(PQgetvalue(res, 0, MEMBER_ID)));
					changed = true;
				}
			}
			PQclear(res);
		}
	}
	if (!changed)
		return true;
	char digest[65];
	contract_digest(json_object_get(contract, "terms"), plan,
			json_object_get(contract, "subject"), digest);
	char *plan_text = json_dumps(plan, JSON_COMPACT);
	const char *params[3] = {json_string_value(json_object_get(contract, "id")), plan_text,
				 digest};
	bool ok = db_run(licensor->db->conn,
			 "UPDATE contracts SET revenue_share = $2::jsonb, digest = $3,"
			 " version = version + 1, updated_at = now()"
			 " WHERE id = $1::uuid AND status = 'draft'",
			 3, params, NULL);
	free(plan_text);
	json_object_set_new(contract, "digest", json_string(digest));
	return ok;
}

bool seed_teams_invitations(struct db *db, const json_t *teams)
{
	size_t i, j;
	const json_t *t, *inv;
	json_array_foreach(teams, i, t)
	{
		struct req r;
		memset(&r, 0, sizeof r);
		r.db = db;
		snprintf(r.request_id, sizeof r.request_id, "seed-demo");
		const char *owner_email = json_string_value(json_object_get(t, "owner"));
		if (owner_email == NULL ||
		    !owner_of(db->conn, owner_email, r.auth.org_id, r.auth.user_id))
			return false;
		r.auth.authenticated = true;
		snprintf(r.auth.org_role, sizeof r.auth.org_role, "owner");
		snprintf(r.auth.email, sizeof r.auth.email, "%s", owner_email);
		json_array_foreach(json_object_get(t, "invitations"), j, inv)
		{
			const char *email = json_string_value(json_object_get(inv, "email")),
				   *role = json_string_value(json_object_get(inv, "role"));
			const char *params[2] = {r.auth.org_id, email};
			PGresult *res;
			if (email == NULL || role == NULL ||
			    !db_run(db->conn,
				    "SELECT 1 FROM org_invitations WHERE org_id = $1::uuid"
				    " AND email = $2",
				    2, params, &res))
				return false;
			bool invited = PQntuples(res) > 0;
			PQclear(res);
			if (invited)
				continue;
			if (teams_invitation_send(&r, r.auth.org_id, email, role, &res) != RC_OK) {
				fprintf(stderr, "techex: seed-demo: invitation of %s: %s\n", email,
					r.problem.detail);
				req_free(&r);
				return false;
			}
			PQclear(res);
			printf("team invitation to %s (%s): its mail waits in `techex mail list`\n",
			       email, role);
		}
		req_free(&r);
	}
	return true;
}
