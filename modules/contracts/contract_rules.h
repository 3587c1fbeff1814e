/*
 * contract_rules.h - the pure rules of a contract's plan and completeness
 * (plan.c), shared by the module's files. Internal to modules/contracts: the
 * module's interface is contracts.h.
 */
#ifndef TECHEX_CONTRACT_RULES_H
#define TECHEX_CONTRACT_RULES_H

#include <jansson.h>

#include "../../server/req.h"

#define MAX_SHARES 51 /* revenue_share entries at most */

/* The rules across a plan's entries: shares sum to 10000, no beneficiary twice
 * in one role. Records field errors. */
void contract_plan_check(struct req *r, const json_t *plan);

/* The floor (basis points, as text; NULL or "0": none) of the policy a contract
 * was drafted under, whose legal source is source: a plan giving the inventor
 * roles less is a field error naming revenue_share. */
void contract_plan_floor_check(struct req *r, const json_t *plan, const char *floor,
			       const char *source);

/* Each entry naming user_id must name a member of the licensor organization
 * (id): a field error naming revenue_share otherwise. RC_ERR only when the
 * database failed (plan_members.c). */
enum rc contract_plan_members_check(struct req *r, const json_t *plan,
				    const char *licensor) MUSTCHECK;

/* What a contract (its API JSON) still lacks before anyone may sign it, as field
 * errors. */
void contract_complete_check(struct req *r, const json_t *contract);

#endif
