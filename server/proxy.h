/*
 * proxy.h - trusted proxies (TECHEX_TRUSTED_PROXIES): which peers may tell the
 * server, in X-Forwarded-For, which client they forward.
 *
 * Behind a proxy every request comes from the proxy's address, so throttles
 * and limits per client address would count every client as one. When the
 * peer is a trusted proxy, the client is the right-most address in
 * X-Forwarded-For that is not itself a trusted proxy (each proxy appends the
 * address it saw; anything to the left of the first untrusted hop is whatever
 * the client wrote, and is ignored). A peer that is not trusted is the client,
 * whatever it sends.
 */
#ifndef TECHEX_PROXY_H
#define TECHEX_PROXY_H

#include <stdbool.h>
#include <stddef.h>

#include "common.h"

#define PROXY_MAX_NETS 32

struct net {
	int family; /* AF_INET or AF_INET6 */
	unsigned char addr[16];
	int prefix; /* bits */
};

struct netlist {
	int n;
	struct net v[PROXY_MAX_NETS];
};

/* Parses "10.0.0.0/8, 127.0.0.1, ::1, fd00::/8" (an address without a prefix is
 * that one address). An empty text is an empty list. On an error writes why
 * into err and returns RC_ERR. */
enum rc netlist_parse(const char *text, struct netlist *out, char *err, size_t errlen) MUSTCHECK;

/* Whether the textual address ip (IPv4, IPv6, or IPv4-mapped IPv6) is in the list. */
bool netlist_contains(const struct netlist *nets, const char *ip);

/* The client's address for a request from peer carrying X-Forwarded-For xff
 * (NULL when absent), into out. */
void proxy_client_address(const struct netlist *trusted, const char *peer, const char *xff,
			  char *out, size_t outlen);

#endif
