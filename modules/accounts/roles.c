/*
 * roles.c - the permission table (roles.h).
 */
#include "roles.h"

#include <string.h>
#include <strings.h>

// clang-format off
/*                     action                 name               owner  admin  member */
const struct org_permission org_permissions[] = {
    {ORG_TRADE,           "trade",           true,  true,  true},
    {ORG_SIGN,            "sign",            true,  true,  false},
    {ORG_MANAGE_PAYMENTS, "manage_payments", true,  true,  false},
    {ORG_EDIT_PROFILE,    "edit_profile",    true,  true,  false},
    {ORG_VIEW_MEMBERS,    "view_members",    true,  true,  true},
    {ORG_INVITE,          "invite",          true,  true,  false},
    {ORG_REMOVE_MEMBER,   "remove_member",   true,  true,  false},
    {ORG_REMOVE_ADMIN,    "remove_admin",    true,  false, false},
    {ORG_CHANGE_ROLE,     "change_role",     true,  false, false},
    {ORG_MANAGE_WEBHOOKS, "manage_webhooks", true,  true,  false},
    {ORG_LEAVE,           "leave",           true,  true,  true},
};
// clang-format on
_Static_assert(sizeof org_permissions / sizeof org_permissions[0] == ORG_ACTION_COUNT,
	       "one row per enum org_action");

bool org_role_may(const char *role, enum org_action action)
{
	if (role == NULL || (unsigned)action >= ORG_ACTION_COUNT)
		return false;
	const struct org_permission *p = &org_permissions[action];
	if (strcmp(role, "owner") == 0)
		return p->owner;
	if (strcmp(role, "admin") == 0)
		return p->admin;
	if (strcmp(role, "member") == 0)
		return p->member;
	return false;
}

bool org_may(const struct auth *a, enum org_action action)
{
	return a->org_id[0] != '\0' && org_role_may(a->org_role, action);
}

bool org_may_in(const struct auth *a, const char *org_id, enum org_action action)
{
	return org_id != NULL && a->org_id[0] != '\0' && strcasecmp(a->org_id, org_id) == 0 &&
	       org_role_may(a->org_role, action);
}
