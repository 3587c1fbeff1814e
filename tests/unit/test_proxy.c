/*
 * test_proxy.c - trusted proxies: the networks, and the client behind them.
 */
#include <string.h>

#include "../../server/proxy.h"
#include "unit.h"

static const char *client(const struct netlist *trusted, const char *peer, const char *xff)
{
	static char out[64];
	proxy_client_address(trusted, peer, xff, out, sizeof out);
	return out;
}

void test_proxy(void)
{
	struct netlist nets;
	char err[200];

	CHECK("an empty list parses",
	      netlist_parse("", &nets, err, sizeof err) == RC_OK && nets.n == 0);
	CHECK("networks and addresses parse", netlist_parse("10.0.0.0/8, 127.0.0.1,::1 ,fd00::/8",
							    &nets, err, sizeof err) == RC_OK &&
						  nets.n == 4);
	CHECK("an address in a network", netlist_contains(&nets, "10.20.30.40"));
	CHECK("an address outside it", !netlist_contains(&nets, "11.0.0.1"));
	CHECK("one address is a /32", !netlist_contains(&nets, "127.0.0.2"));
	CHECK("IPv6 in a network", netlist_contains(&nets, "fd12:3456::1"));
	CHECK("IPv4-mapped IPv6 counts as IPv4", netlist_contains(&nets, "::ffff:10.1.2.3"));
	CHECK("not an address", !netlist_contains(&nets, "localhost"));

	struct netlist bad;
	CHECK("a word is refused",
	      netlist_parse("proxy.example", &bad, err, sizeof err) == RC_ERR &&
		  strstr(err, "proxy.example") != NULL);
	CHECK("a prefix past 32 is refused",
	      netlist_parse("10.0.0.0/33", &bad, err, sizeof err) == RC_ERR);
	CHECK("an empty prefix is refused",
	      netlist_parse("10.0.0.0/", &bad, err, sizeof err) == RC_ERR);

	CHECK("an untrusted peer is the client, whatever it says",
	      strcmp(client(&nets, "203.0.113.9", "1.2.3.4"), "203.0.113.9") == 0);
	CHECK("a trusted peer without the header is the client",
	      strcmp(client(&nets, "127.0.0.1", NULL), "127.0.0.1") == 0);
	CHECK("behind a trusted proxy: the address it saw",
	      strcmp(client(&nets, "127.0.0.1", "198.51.100.7"), "198.51.100.7") == 0);
	CHECK("what the client wrote to the left is ignored",
	      strcmp(client(&nets, "127.0.0.1", "1.1.1.1, 198.51.100.7"), "198.51.100.7") == 0);
	CHECK("through two trusted proxies",
	      strcmp(client(&nets, "127.0.0.1", "198.51.100.7, 10.0.0.5"), "198.51.100.7") == 0);
	CHECK("garbage stops at the last trusted hop",
	      strcmp(client(&nets, "127.0.0.1", "198.51.100.7, junk"), "127.0.0.1") == 0);
	CHECK("all trusted: the left-most",
	      strcmp(client(&nets, "127.0.0.1", "10.0.0.1,10.0.0.2"), "10.0.0.1") == 0);
	CHECK("IPv6 clients pass through",
	      strcmp(client(&nets, "::1", " 2001:db8::7 "), "2001:db8::7") == 0);
	CHECK("nothing trusted: the peer",
	      strcmp(client(&bad, "127.0.0.1", "198.51.100.7"), "127.0.0.1") == 0);
}
