/*
 * plan_members.c - a revenue_share entry may name the member it is paid to
 * (user_id): a member of the licensor organization, who then sees the entries
 * in GET /v1/me/earnings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../server/db.h"
#include "../../server/problem.h"
#include "../../server/req.h"
#include "contract_rules.h"

/* How many of the ids ($1, a JSON array) are members of organization $2. */
static const struct stmt st_plan_members = {
    "contracts_plan_members",
    "SELECT count(*) FROM users WHERE org_id = $2"
    " AND id IN (SELECT x::uuid FROM jsonb_array_elements_text($1::jsonb) AS x)",
    2};
enum { MEMBERS_COUNT };

enum rc contract_plan_members_check(struct req *r, const json_t *plan, const char *licensor)
{
	size_t i;
	const json_t *e;
	json_array_foreach(plan, i, e)
	{
		const json_t *uid = json_object_get(e, "user_id");
		if (!json_is_string(uid))
			continue;
		json_t *one = json_pack("[O]", uid);
		char *text = json_dumps(one, JSON_COMPACT);
		json_decref(one);
		const char *params[2] = {text, licensor};
		PGresult *res = db_exec(r, &st_plan_members, params);
		free(text);
		if (res == NULL)
			return RC_ERR;
		bool member = strcmp(PQgetvalue(res, 0, MEMBERS_COUNT), "1") == 0;
		PQclear(res);
		if (!member)
			problem_field(r, "revenue_share",
				      "revenue_share[%zu].user_id is not a member of the licensor "
				      "organization",
				      i);
	}
	return RC_OK;
}
