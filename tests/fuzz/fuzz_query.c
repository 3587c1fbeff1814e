/*
 * fuzz_query.c - query strings as handlers see them: decoded into r->query the
 * way server/http.c does it (evhttp_parse_query_str), then read with req_query,
 * checked with req_query_check, validated as the audit log and the statement
 * validate their filters, and paged with page_params.
 *
 * The input (up to a NUL) is the query string after '?'.
 * Invariants (abort on violation):
 *  - req_query returns the first value given for a name, NULL for none;
 *  - req_query_check records one error per unknown name and per repeat;
 *  - page_params leaves a limit of 1..100 and a cursor of the parts asked for,
 *    and fails exactly when some field error was recorded;
 *  - every problem reply is valid problem+json.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sys/queue.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "../../modules/platform/reports.h"
#include "../../server/cursor.h"
#include "../../server/json.h"
#include "../../server/req.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* GET /v1/listings */
static const char *const search_known[] = {
    "q",     "domain", "kind", "transaction_mode", "pricing_mode", "min_trl", "org_id", "sort",
    "limit", "cursor", NULL};

/* GET /v1/orgs/{id}/statement */
static const struct field statement_dates[] = {
    {.name = "from", .type = F_DATE}, {.name = "to", .type = F_DATE}, {0}};

static size_t nerrors(const struct req *r)
{
	return r->problem.errors ? json_array_size(r->problem.errors) : 0;
}

static void check_problem_reply(struct req *r)
{
	reply_problem(r);
	json_t *back = r->resp.body ? json_loadb(r->resp.body, r->resp.body_len, 0, NULL) : NULL;
	if (!json_is_object(back) ||
	    json_integer_value(json_object_get(back, "status")) != r->resp.status)
		abort();
	json_decref(back);
	resp_reset(&r->resp);
	problem_clear(&r->problem);
}

static void check_lookup(const struct req *r)
{
	for (int i = 0; i < r->nquery; i++) {
		const char *got = req_query(r, r->query[i].key);
		int first = 0;
		while (strcmp(r->query[first].key, r->query[i].key) != 0)
			first++;
		if (got != r->query[first].value)
			abort();
	}
	for (const char *const *k = search_known; *k; k++) {
		const char *got = req_query(r, *k);
		const char *want = NULL;
		for (int i = 0; i < r->nquery && want == NULL; i++)
			if (strcmp(r->query[i].key, *k) == 0)
				want = r->query[i].value;
		if (got != want)
			abort();
	}
}

static void check_known(struct req *r)
{
	size_t expected = 0;
	for (int i = 0; i < r->nquery; i++) {
		if (!str_in(search_known, r->query[i].key))
			expected++;
		for (int j = 0; j < i; j++)
			if (strcmp(r->query[i].key, r->query[j].key) == 0) {
				expected++;
				break;
			}
	}
	req_query_check(r, search_known);
	if (nerrors(r) != expected)
		abort();
	if (problem_fields_done(r) != (expected ? RC_ERR : RC_OK))
		abort();
	if (expected)
		check_problem_reply(r);
}

/* As the audit log and the statement check their filters. */
static void check_filters(struct req *r, const struct field *filters)
{
	size_t before = nerrors(r);
	enum rc vr = query_validate(r, filters);
	if ((vr == RC_OK) != (nerrors(r) == before))
		abort();
	if (problem_fields_done(r) != RC_OK)
		check_problem_reply(r);
}

static void check_paging(struct req *r, int nparts)
{
	static const char *const shapes[] = {"", "n", "tu", "ntu"};
	int limit = -1;
	struct cursor c;
	memset(&c, 0xa5, sizeof c);
	enum rc rc = page_params(r, shapes[nparts], &limit, &c);
	if (limit < 1 || limit > 100)
		abort();
	if (c.nparts != 0 && c.nparts != nparts)
		abort();
	for (int k = 0; k < c.nparts; k++)
		if (memchr(c.parts[k], '\0', CURSOR_PART_MAX) == NULL ||
		    (rc == RC_OK && !cursor_part_valid(c.parts[k], shapes[nparts][k])))
			abort();
	if ((rc == RC_OK) != (nerrors(r) == 0))
		abort();
	if (rc != RC_OK)
		check_problem_reply(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct req r = {0};
	char *query = xstrndup((const char *)data, size);

	if (req_parse_query(&r, query) != RC_OK) {
		if (r.problem.status != 400 && r.problem.status != 422)
			abort();
		check_problem_reply(&r);
		goto out;
	}
	check_lookup(&r);
	check_known(&r);
	check_filters(&r, reports_audit_filters);
	check_filters(&r, statement_dates);
	for (int nparts = 1; nparts <= CURSOR_MAX_PARTS; nparts++)
		check_paging(&r, nparts);
out:
	req_free(&r);
	free(query);
	return 0;
}
