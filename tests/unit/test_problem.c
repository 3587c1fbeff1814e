#include <string.h>

#include "../../server/problem.h"
#include "../../server/req.h"
#include "unit.h"

static const struct {
	const char *sqlstate;
	int status;
} map[] = {
    {"23505", 409}, {"23503", 422}, {"23514", 422}, {"22P02", 422}, {"40001", 0},
    {"40P01", 0},   {"08006", 503}, {"57P01", 503}, {"42601", 500}, {NULL, 503},
};

void test_problem(void)
{
	for (size_t i = 0; i < ARRAY_LEN(map); i++)
		CHECK(map[i].sqlstate ? map[i].sqlstate : "no SQLSTATE",
		      problem_status_for_sqlstate(map[i].sqlstate) == map[i].status);

	struct req r = {0};
	problem_field(&r, "email", "must be an email address");
	problem_field(&r, "organization.kind", "must be one of: university");
	CHECK("collected fields make a 422",
	      problem_fields_done(&r) != RC_OK && r.problem.status == 422);
	json_t *body = problem_to_json(&r.problem, NULL);
	CHECK("the body has type, title, status, detail",
	      json_object_get(body, "type") && json_object_get(body, "title") &&
		  json_integer_value(json_object_get(body, "status")) == 422 &&
		  json_object_get(body, "detail"));
	CHECK("the body lists both fields", json_array_size(json_object_get(body, "errors")) == 2);
	json_decref(body);
	reply_problem(&r);
	CHECK("a problem is served as application/problem+json",
	      strcmp(r.resp.content_type, "application/problem+json") == 0 && r.resp.status == 422);
	req_free(&r);

	struct req q = {0};
	problem_set(&q, 429, "too-many", "slow down");
	q.problem.retry_after = 30;
	reply_problem(&q);
	bool has = false;
	for (int i = 0; i < q.resp.nheaders; i++)
		has |= strcmp(q.resp.headers[i].key, "Retry-After") == 0 &&
		       strcmp(q.resp.headers[i].value, "30") == 0;
	CHECK("a 429 carries Retry-After", has);
	req_free(&q);
}
