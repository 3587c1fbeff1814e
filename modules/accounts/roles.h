/*
 * roles.h - what each role in an organization may do: one table (role x
 * action) that every handler consults and the authorization tests read.
 *
 * API.md "Roles": owner and admin sign contracts, confirm, dispute and reverse
 * payments, manage members and webhooks; every member may create and edit
 * listings and needs, bid, counter, report royalties and payments.
 */
#ifndef TECHEX_ROLES_H
#define TECHEX_ROLES_H

#include <stdbool.h>

#include "../../server/req.h"

enum org_action {
	ORG_TRADE,           /* listings, needs, bids, counters, reports, payments made */
	ORG_SIGN,            /* sign contracts, notices, registrations */
	ORG_MANAGE_PAYMENTS, /* confirm, dispute, reverse payments received */
	ORG_EDIT_PROFILE,    /* PATCH /v1/orgs/{id} */
	ORG_VIEW_MEMBERS,    /* GET /v1/orgs/{id}/members */
	ORG_INVITE,          /* invitations: send, list, revoke */
	ORG_REMOVE_MEMBER,   /* remove another member (never the owner) */
	ORG_REMOVE_ADMIN,    /* remove another admin */
	ORG_CHANGE_ROLE,     /* PATCH /v1/orgs/{id}/members/{user_id}, ownership hand-over */
	ORG_MANAGE_WEBHOOKS, /* webhooks and their secrets */
	ORG_LEAVE,           /* remove oneself (the only owner cannot) */
	ORG_ACTION_COUNT
};

/* One row of the table: the action's name and which roles may take it. */
struct org_permission {
	enum org_action action;
	const char *name;
	bool owner, admin, member;
};

/* The table, in enum order, ORG_ACTION_COUNT rows (borrowed). */
extern const struct org_permission org_permissions[];

/* Whether role ("owner", "admin", "member") may take action. */
bool org_role_may(const char *role, enum org_action action);

/* Whether the caller, as a member of its own organization, may take action
 * there. False without an organization. */
bool org_may(const struct auth *a, enum org_action action);

/* org_may for the organization org_id: false when the caller is not its member. */
bool org_may_in(const struct auth *a, const char *org_id, enum org_action action);

#endif
