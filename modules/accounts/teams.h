/*
 * teams.h - an organization's people: invitations by mail, joining, members,
 * roles, ownership, leaving and removal (API.md "Organizations and people").
 */
#ifndef TECHEX_TEAMS_H
#define TECHEX_TEAMS_H

#include <libpq-fe.h>

#include "../../server/router.h"

extern const struct route teams_routes[];
extern const size_t teams_routes_count;

/* An invitation taken for a person: its organization and role. */
struct invitation_claim {
	char id[37];
	char org_id[37];
	char role[16];
};

/* Locks the invitation of token (field names it in a 422) for the person whose
 * email key is email: RC_OK with out filled when it is pending, unexpired and
 * sent to that address; otherwise RC_ERR with the problem set (422 unknown
 * token, 410 used, revoked or expired, 403 another address). Concurrent claims
 * of one token wait on its row lock: only the first to commit joins. */
enum rc invitation_claim(struct req *r, const char *token, const char *field, const char *email,
			 struct invitation_claim *out) MUSTCHECK;

/* Marks a claimed invitation accepted by user_id, audits it and records the
 * event member.joined, in the request's transaction. */
enum rc invitation_accepted(struct req *r, const struct invitation_claim *c,
			    const char *user_id) MUSTCHECK;

/* Invites email (its key: unicode_email_key) into organization id as role
 * ("admin" or "member") on behalf of the caller: replaces a pending invitation
 * of the address, stores the token's digest, queues the mail, audits. The new
 * invitation's row (caller PQclears) into *out; 409 already-member when the
 * address is in the organization. POST /v1/orgs/{id}/invitations after its
 * checks, and `techex seed-demo`. */
enum rc teams_invitation_send(struct req *r, const char *id, const char *email, const char *role,
			      PGresult **out) MUSTCHECK;

#endif
