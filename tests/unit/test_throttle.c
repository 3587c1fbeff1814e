/*
 * test_throttle.c - the client network a throttle counts by, the backoff, and
 * the creation limits' decision on a count.
 */
#include <string.h>

#include "../../modules/accounts/throttle.h"
#include "../../server/ratelimit.h"
#include "unit.h"

void test_throttle(void)
{
	static const struct {
		const char *name, *ip, *net;
	} nets[] = {
	    {"an IPv4 address is its own network", "203.0.113.7", "203.0.113.7/32"},
	    {"a loopback address too", "127.12.34.56", "127.12.34.56/32"},
	    {"an IPv6 address counts by its /64", "2001:db8:1:2:aaaa:bbbb:cccc:dddd",
	     "2001:db8:1:2::/64"},
	    {"another address in the same /64 is the same network", "2001:db8:1:2::1",
	     "2001:db8:1:2::/64"},
	    {"the next /64 is another network", "2001:db8:1:3::1", "2001:db8:1:3::/64"},
	    {"an IPv4-mapped IPv6 address counts as its IPv4", "::ffff:198.51.100.9",
	     "198.51.100.9/32"},
	    {"IPv6 loopback", "::1", "::/64"},
	    {"a zone does not change the network", "fe80::1:2:3:4%eth0", "fe80::/64"},
	    {"upper-case hex is the same network", "2001:DB8:1:2::FFFF", "2001:db8:1:2::/64"},
	    {"no address is one shared network", "", "0.0.0.0/32"},
	    {"garbage is that network too", "not-an-address", "0.0.0.0/32"},
	};
	char net[THROTTLE_NET_LEN];
	for (size_t i = 0; i < ARRAY_LEN(nets); i++) {
		throttle_client_net(nets[i].ip, net);
		CHECK(nets[i].name, strcmp(net, nets[i].net) == 0);
	}
	throttle_client_net(NULL, net);
	CHECK("a missing address is the shared network", strcmp(net, "0.0.0.0/32") == 0);

	CHECK("the first block lasts 15 minutes", throttle_block_seconds(0) == 900);
	CHECK("the second lasts 30", throttle_block_seconds(1) == 1800);
	CHECK("the fourth lasts 2 hours", throttle_block_seconds(3) == 7200);
	CHECK("no block lasts more than a day", throttle_block_seconds(7) == 86400);
	CHECK("even the thousandth", throttle_block_seconds(1000) == 86400);

	rate_configure(RATE_BID, 60, 60);
	CHECK("under the limit passes", rate_wait(RATE_BID, 59, 0) == 0);
	CHECK("at the limit waits for the oldest to leave", rate_wait(RATE_BID, 60, 42) == 42);
	CHECK("a wait is at least a second", rate_wait(RATE_BID, 60, 0) == 1);
	rate_configure(RATE_BID, 0, 60);
	CHECK("a limit of 0 is none", rate_wait(RATE_BID, 1000, 42) == 0);
}
