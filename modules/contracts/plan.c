/*
 * plan.c - the pure rules of a contract, apart from the database: whether a mode
 * is exclusive, the digest both parties sign, the default revenue-share plan,
 * the rules across a plan's entries and the policy's floor, and what a contract
 * must hold before it is signed.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../server/common.h"
#include "../../server/problem.h"
#include "contract_rules.h"
#include "contracts.h"
#include "share.h"

bool deal_is_exclusive(const char *mode)
{
	return strcmp(mode, "assignment") == 0 || strcmp(mode, "exclusive_license") == 0 ||
	       strcmp(mode, "sole_license") == 0;
}

void contract_digest(const json_t *terms, const json_t *plan, const json_t *subject, char out[65])
{
	json_t *doc =
	    json_pack("{s:O, s:O}", "revenue_share", (json_t *)plan, "terms", (json_t *)terms);
	if (subject != NULL)
		json_object_set(doc, "subject", (json_t *)subject);
	char *text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
	unsigned char md[32];
	EVP_Digest(text, strlen(text), md, NULL, EVP_sha256(), NULL);
	hex_encode(md, sizeof md, out);
	free(text);
	json_decref(doc);
}

static json_t *share(const char *beneficiary, const char *role, long long bp)
{
	return json_pack("{s:s, s:s, s:I}", "beneficiary", beneficiary, "role", role, "share_bp",
			 (json_int_t)bp);
}

json_t *contract_default_plan(int inventor_bp, const char *licensor_name, const json_t *inventors)
{
	json_t *plan = json_array();
	if (inventor_bp < 0 || inventor_bp > 10000) {
		json_array_append_new(plan, share(licensor_name, "institution", 10000));
		return plan;
	}
	/* the distinct names, in the listing's order */
	const char *names[MAX_SHARES];
	size_t n = 0, i;
	const json_t *v;
	json_array_foreach(inventors, i, v)
	{
		const char *name = json_string_value(v);
		bool seen = name == NULL || *name == '\0';
		for (size_t k = 0; k < n && !seen; k++)
			seen = strcmp(names[k], name) == 0;
		if (!seen && n < MAX_SHARES - 1) /* room for the institution */
			names[n++] = name;
	}
	if (inventor_bp == 0) {
		/* nothing to the inventors */
	} else if (n == 0) {
		json_array_append_new(plan,
				      share("科技成果完成人 (inventors)", "inventor", inventor_bp));
	} else {
		int64_t weights[MAX_SHARES], parts[MAX_SHARES];
		for (size_t k = 0; k < n; k++)
			weights[k] = 1;
		share_split(inventor_bp, weights, n, parts);
		for (size_t k = 0; k < n; k++)
			if (parts[k] > 0)
				json_array_append_new(plan, share(names[k], "inventor", parts[k]));
	}
	if (inventor_bp < 10000)
		json_array_append_new(plan,
				      share(licensor_name, "institution", 10000 - inventor_bp));
	return plan;
}

void contract_plan_floor_check(struct req *r, const json_t *plan, const char *floor,
			       const char *source)
{
	if (floor == NULL || atoi(floor) == 0)
		return;
	long long inventors = 0;
	size_t i;
	const json_t *e;
	json_array_foreach(
	    plan, i, e) if (strcmp(json_string_value(json_object_get(e, "role")), "inventor") == 0)
	    inventors += json_integer_value(json_object_get(e, "share_bp"));
	if (inventors < atoi(floor))
		problem_field(r, "revenue_share",
			      "the inventor roles get %lld basis points; the licensor's reward "
			      "policy gives them at least %d (%d.%02d %%) of net income: %s",
			      inventors, atoi(floor), atoi(floor) / 100, atoi(floor) % 100, source);
}

void contract_plan_check(struct req *r, const json_t *plan)
{
	long long sum = 0;
	size_t i, j;
	const json_t *e;
	json_array_foreach(plan, i, e)
	{
		sum += json_integer_value(json_object_get(e, "share_bp"));
		for (j = 0; j < i; j++) {
			const json_t *prev = json_array_get(plan, j);
			if (json_equal(json_object_get(e, "beneficiary"),
				       json_object_get(prev, "beneficiary")) &&
			    json_equal(json_object_get(e, "role"), json_object_get(prev, "role"))) {
				char path[48];
				snprintf(path, sizeof path, "revenue_share[%zu]", i);
				problem_field(
				    r, path,
				    "repeats revenue_share[%zu]: same beneficiary and role", j);
				break;
			}
		}
	}
	if (json_array_size(plan) > 0 && sum != 10000)
		problem_field(r, "revenue_share",
			      "shares must sum to 10000 basis points (100 %%); these sum to %lld",
			      sum);
}

void contract_complete_check(struct req *r, const json_t *contract)
{
	const json_t *terms = json_object_get(contract, "terms");
	const char *mode = json_string_value(json_object_get(contract, "transaction_mode"));
	if (json_is_null(json_object_get(terms, "term_start")))
		problem_field(r, "terms.term_start", "is required before signing");
	if (strcmp(mode, "assignment") != 0 && json_is_null(json_object_get(terms, "term_end")))
		problem_field(r, "terms.term_end", "is required before a licence is signed");
}
