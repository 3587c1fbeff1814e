/*
 * org_profile.h - an organization's profile inside the accounts module: the
 * columns every organization statement reads, its JSON, and the handlers that
 * edit the profile (PATCH /v1/orgs/{id}, PATCH /v1/admin/orgs/{id}) and list the
 * verification queue (GET /v1/admin/orgs). Internal to modules/accounts.
 */
#ifndef TECHEX_ORG_PROFILE_H
#define TECHEX_ORG_PROFILE_H

#include <libpq-fe.h>

#include "../../server/db.h"
#include "../../server/req.h"

// clang-format off
#define ORG_COLS                                                                          \
	"o.id, o.name, o.kind, o.status, o.parent_id, " SQL_RFC3339("o.created_at") ", "  \
	SQL_RFC3339("o.updated_at") ", o.version, o.suspended_reason, o.credit_code,"     \
	" o.region_code, o.legal_representative, o.address, o.website, o.description,"    \
	" o.government_established, " SQL_RFC3339("o.verified_at")
enum {
	ORG_ID, ORG_NAME, ORG_KIND, ORG_STATUS, ORG_PARENT_ID, ORG_CREATED_AT, ORG_UPDATED_AT,
	ORG_VERSION, ORG_SUSPENDED_REASON, ORG_CREDIT_CODE, ORG_REGION_CODE,
	ORG_LEGAL_REPRESENTATIVE, ORG_ADDRESS, ORG_WEBSITE, ORG_DESCRIPTION,
	ORG_GOVERNMENT_ESTABLISHED, ORG_VERIFIED_AT, ORG_NCOLS
};
// clang-format on

/* An organization from ORG_COLS starting at column base: its public profile, and
 * with full also its dates and, while suspended, the reason. Caller owns. */
json_t *org_json_at(const PGresult *res, int row, int base, bool full);

/* PATCH /v1/orgs/{id}: the organization's owner or admin edits its profile. */
enum rc accounts_patch_org(struct req *r);
/* PATCH /v1/admin/orgs/{id}: a platform admin edits any profile field, with a reason. */
enum rc accounts_admin_patch_org(struct req *r);
/* GET /v1/admin/orgs?status=: the verification queue, oldest first. */
enum rc accounts_admin_list_orgs(struct req *r);

#endif
