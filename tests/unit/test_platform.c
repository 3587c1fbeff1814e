#include <string.h>

#include "../../modules/platform/platform.h"
#include "unit.h"

/* Who may read /metrics on the API address. */
void test_metrics_access(void)
{
	/* on the API address the token is the only way in: a loopback peer may be a
	 * proxy on the same host, forwarding anyone (TECHEX_METRICS_LISTEN serves
	 * /metrics without a token on an address of its own) */
	static const struct {
		const char *name;
		const char *auth, *token;
		bool ok;
	} cases[] = {
	    {"no token configured: refused", NULL, "", false},
	    {"an empty configured token is refused even with Bearer", "Bearer ", "", false},
	    {"the token is allowed", "Bearer s3cret-metrics", "s3cret-metrics", true},
	    {"another token is refused", "Bearer s3cret-metricz", "s3cret-metrics", false},
	    {"a prefix of the token is refused", "Bearer s3cret", "s3cret-metrics", false},
	    {"the token with more after it is refused", "Bearer s3cret-metrics2", "s3cret-metrics",
	     false},
	    {"Basic is refused", "Basic s3cret-metrics", "s3cret-metrics", false},
	    {"no Authorization is refused", NULL, "s3cret-metrics", false},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++)
		CHECK(cases[i].name,
		      platform_metrics_allowed(cases[i].auth, cases[i].token) == cases[i].ok);
}
