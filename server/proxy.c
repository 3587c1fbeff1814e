/*
 * proxy.c - trusted proxies and the client address behind them (proxy.h).
 */
#include "proxy.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* A textual address as (family, 16 bytes); an IPv4-mapped IPv6 address is IPv4. */
static bool parse_addr(const char *s, size_t n, int *family, unsigned char addr[16])
{
	char buf[64];
	if (n == 0 || n >= sizeof buf)
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, buf, addr) == 1) {
		*family = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, buf, addr) != 1)
		return false;
	static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	if (memcmp(addr, mapped, sizeof mapped) == 0) {
		memmove(addr, addr + 12, 4);
		memset(addr + 4, 0, 12);
		*family = AF_INET;
		return true;
	}
	*family = AF_INET6;
	return true;
}

static bool net_contains(const struct net *net, int family, const unsigned char addr[16])
{
	if (net->family != family)
		return false;
	int full = net->prefix / 8, bits = net->prefix % 8;
	if (memcmp(net->addr, addr, (size_t)full) != 0)
		return false;
	if (bits == 0)
		return true;
	unsigned char mask = (unsigned char)(0xff << (8 - bits));
	return (net->addr[full] & mask) == (addr[full] & mask);
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

enum rc netlist_parse(const char *text, struct netlist *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	const char *p = text;
	while (*p != '\0') {
		while (is_space(*p) || *p == ',')
			p++;
		if (*p == '\0')
			break;
		const char *start = p;
		while (*p != '\0' && *p != ',' && !is_space(*p))
			p++;
		size_t n = (size_t)(p - start);
		const char *slash = memchr(start, '/', n);
		size_t an = slash ? (size_t)(slash - start) : n;
		struct net net = {0};
		if (!parse_addr(start, an, &net.family, net.addr)) {
			snprintf(err, errlen,
				 "\"%.*s\" is not an address or a network (10.0.0.0/8, ::1)",
				 (int)n, start);
			return RC_ERR;
		}
		int max = net.family == AF_INET ? 32 : 128;
		net.prefix = max;
		if (slash != NULL) {
			char *end;
			long bits = strtol(slash + 1, &end, 10);
			if (end != p || slash + 1 == p || bits < 0 || bits > max) {
				snprintf(err, errlen, "\"%.*s\": the prefix must be 0 to %d",
					 (int)n, start, max);
				return RC_ERR;
			}
			net.prefix = (int)bits;
		}
		if (out->n == PROXY_MAX_NETS) {
			snprintf(err, errlen, "at most %d networks", PROXY_MAX_NETS);
			return RC_ERR;
		}
		out->v[out->n++] = net;
	}
	return RC_OK;
}

static bool contains(const struct netlist *nets, const char *s, size_t n)
{
	int family;
	unsigned char addr[16];
	if (!parse_addr(s, n, &family, addr))
		return false;
	for (int i = 0; i < nets->n; i++)
		if (net_contains(&nets->v[i], family, addr))
			return true;
	return false;
}

bool netlist_contains(const struct netlist *nets, const char *ip)
{
	return contains(nets, ip, strlen(ip));
}

void proxy_client_address(const struct netlist *trusted, const char *peer, const char *xff,
			  char *out, size_t outlen)
{
	snprintf(out, outlen, "%s", peer);
	if (xff == NULL || trusted->n == 0 || !netlist_contains(trusted, peer))
		return;
	/* from the right: each trusted hop vouches for the one before it */
	size_t end = strlen(xff);
	for (;;) {
		size_t start = end;
		while (start > 0 && xff[start - 1] != ',')
			start--;
		size_t s = start, e = end;
		while (s < e && is_space(xff[s]))
			s++;
		while (e > s && is_space(xff[e - 1]))
			e--;
		int family;
		unsigned char addr[16];
		if (!parse_addr(xff + s, e - s, &family, addr))
			return; /* not an address: the last hop we could trust stands */
		snprintf(out, outlen, "%.*s", (int)(e - s), xff + s);
		if (!contains(trusted, xff + s, e - s) || start == 0)
			return;  /* the first untrusted hop is the client (or the left-most) */
		end = start - 1; /* before the comma */
	}
}
