#include <stdlib.h>
#include <string.h>

#include "../../server/router.h"
#include "unit.h"

static enum rc h(struct req *r)
{
	(void)r;
	return RC_OK;
}

static const struct route table[] = {
    {M_GET, "/v1/orgs/{id}", h, 0, "getOrg", NULL},
    {M_POST, "/v1/admin/orgs/{id}/verify", h, 0, "verify", NULL},
    {M_GET, "/v1/me", h, 0, "me", NULL},
    {M_POST, "/v1/contracts/{id}/payments", h, 0, "pay", NULL},
    {M_GET, "/v1/contracts/{id}/payments", h, 0, "payments", NULL},
    {M_GET, "/v1/listings/{id}/bids/{bid}", h, 0, "bid", NULL},
};

static const struct {
	const char *name;
	enum method method;
	const char *path;
	const char *op; /* expected operation, or NULL */
	int status;     /* when op is NULL */
	const char *param, *value;
} cases[] = {
    {"a literal path matches", M_GET, "/v1/me", "me", 0, NULL, NULL},
    {"a parameter captures its segment", M_GET, "/v1/orgs/abc", "getOrg", 0, "id", "abc"},
    {"a Chinese segment is captured as bytes", M_GET, "/v1/orgs/%E8%B5%A4", "getOrg", 0, "id",
     "%E8%B5%A4"},
    {"two parameters", M_GET, "/v1/listings/L1/bids/B2", "bid", 0, "bid", "B2"},
    {"a parameter never spans segments", M_GET, "/v1/orgs/a/b", NULL, 404, NULL, NULL},
    {"an empty parameter does not match", M_GET, "/v1/orgs/", NULL, 404, NULL, NULL},
    {"a trailing slash is another path", M_GET, "/v1/me/", NULL, 404, NULL, NULL},
    {"a prefix is not a match", M_GET, "/v1/m", NULL, 404, NULL, NULL},
    {"an unknown path is 404", M_GET, "/nope", NULL, 404, NULL, NULL},
    {"a known path with another method is 405", M_DELETE, "/v1/me", NULL, 405, NULL, NULL},
    {"POST and GET on one pattern both route", M_POST, "/v1/contracts/c/payments", "pay", 0, "id",
     "c"},
    {"HEAD is served by GET", M_HEAD, "/v1/me", "me", 0, NULL, NULL},
};

void test_router(void)
{
	struct router rt = {0};
	router_add(&rt, table, ARRAY_LEN(table));
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct kv params[MAX_PARAMS] = {{0}};
		int n = 0, status = 0;
		unsigned allow = 0;
		const struct route *r =
		    router_match(&rt, cases[i].method, cases[i].path, params, &n, &status, &allow);
		if (cases[i].op) {
			CHECK(cases[i].name,
			      r != NULL && strcmp(r->operation_id, cases[i].op) == 0);
			if (cases[i].param) {
				bool found = false;
				for (int k = 0; k < n; k++)
					found |= strcmp(params[k].key, cases[i].param) == 0 &&
						 strcmp(params[k].value, cases[i].value) == 0;
				CHECK(cases[i].name, found);
			}
		} else {
			CHECK(cases[i].name, r == NULL && status == cases[i].status);
		}
		for (int k = 0; k < n; k++) {
			free(params[k].key);
			free(params[k].value);
		}
	}
	int status = 0;
	unsigned allow = 0;
	char header[64];
	router_match(&rt, M_PUT, "/v1/contracts/x/payments", NULL, NULL, &status, &allow);
	router_allow_header(allow, header, sizeof header);
	CHECK("405 lists every allowed method", strcmp(header, "GET, HEAD, POST") == 0);
	router_free(&rt);
}
