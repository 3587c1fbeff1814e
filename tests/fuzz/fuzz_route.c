/*
 * fuzz_route.c - the router's path matching against the real route tables,
 * joined as server/main.c joins them.
 *
 * The first input byte picks the method, the rest (up to a NUL) is the path.
 * Invariants (abort on violation):
 *  - a match is a route of the method asked for (GET for HEAD) whose pattern,
 *    with each {name} replaced by its parameter, spells the path (a UUID
 *    parameter may differ in case only); parameters are non-empty segments;
 *  - no match is a 404, or a 405 whose Allow set does not hold the method;
 *  - the Allow header fits the buffer the server gives it and names each method.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../modules/accounts/accounts.h"
#include "../../modules/bids/bids.h"
#include "../../modules/contracts/contracts.h"
#include "../../modules/listings/listings.h"
#include "../../modules/platform/platform.h"
#include "../../modules/platform/reports.h"
#include "../../modules/revenue/revenue.h"
#include "../../server/router.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const enum method methods[] = {M_GET,    M_POST, M_PUT,     M_PATCH,
				      M_DELETE, M_HEAD, M_OPTIONS, M_OTHER};

static struct router *routes(void)
{
	static struct router rt;
	if (rt.n == 0) {
		router_add(&rt, platform_routes, platform_routes_count);
		router_add(&rt, accounts_routes, accounts_routes_count);
		router_add(&rt, listings_routes, listings_routes_count);
		router_add(&rt, bids_routes, bids_routes_count);
		router_add(&rt, contracts_routes, contracts_routes_count);
		router_add(&rt, revenue_routes, revenue_routes_count);
		router_add(&rt, reports_routes, reports_routes_count);
	}
	return &rt;
}

/* The pattern of a match, its parameters put back, must spell the path. */
static void check_match(const struct route *route, const char *path, const struct kv *params, int n)
{
	const char *p = route->pattern, *s = path;
	int k = 0;

	if (n < 0 || n > MAX_PARAMS)
		abort();
	while (*p) {
		if (*p != '{') {
			if (*p++ != *s++)
				abort();
			continue;
		}
		const char *end = strchr(p, '}');
		if (end == NULL || k >= n)
			abort();
		size_t name_len = (size_t)(end - p - 1), vlen = strlen(params[k].value);
		if (strlen(params[k].key) != name_len ||
		    strncmp(params[k].key, p + 1, name_len) != 0)
			abort();
		if (vlen == 0 || strchr(params[k].value, '/') != NULL)
			abort();
		if (strncmp(s, params[k].value, vlen) != 0 &&
		    !(uuid_valid(params[k].value) && strncasecmp(s, params[k].value, vlen) == 0))
			abort();
		s += vlen;
		p = end + 1;
		k++;
	}
	if (*s != '\0' || k != n)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	enum method method = methods[data[0] % (sizeof methods / sizeof methods[0])];
	char *path = xstrndup((const char *)data + 1, size - 1);
	struct router *rt = routes();
	struct kv params[MAX_PARAMS] = {{0}};
	int n = 0, status = 0;
	unsigned allow = 0;

	const struct route *route = router_match(rt, method, path, params, &n, &status, &allow);
	if (route != NULL) {
		if (route->method != (method == M_HEAD ? M_GET : method))
			abort();
		check_match(route, path, params, n);
	} else {
		if (n != 0 || (status != 404 && status != 405))
			abort();
		if ((status == 405) != (allow != 0) || (allow & method))
			abort();
		for (int k = 0; k < MAX_PARAMS; k++)
			if (params[k].key != NULL || params[k].value != NULL)
				abort();
	}
	for (int k = 0; k < n; k++) {
		free(params[k].key);
		free(params[k].value);
	}

	/* the 405's Allow header, in the buffer the server writes it to */
	if (route == NULL && status == 405) {
		struct problem pr = {0};
		router_allow_header(allow, pr.allow, sizeof pr.allow);
		for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
			if ((allow & methods[i]) && methods[i] != M_OTHER &&
			    strstr(pr.allow, method_name(methods[i])) == NULL)
				abort();
		char tiny[8];
		router_allow_header(allow, tiny, sizeof tiny);
		if (strlen(tiny) >= sizeof tiny)
			abort();
	}
	if (method_from_name(method_name(method)) != method)
		abort();
	free(path);
	return 0;
}
