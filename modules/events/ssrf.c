/*
 * ssrf.c - which addresses and URLs a webhook may reach (ssrf.h).
 */
#include "ssrf.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../../server/i18n.h"

/* A network: its first bytes and the prefix length in bits. */
struct net {
	uint8_t addr[16];
	int bits;
	const char *what;
};

static const struct net v4_refused[] = {
    {{0}, 8, N_("unspecified (this network)")},
    {{10}, 8, N_("private")},
    {{100, 64}, 10, N_("shared address space (CGNAT)")},
    {{127}, 8, N_("loopback")},
    {{169, 254}, 16, N_("link-local")},
    {{172, 16}, 12, N_("private")},
    {{192, 0, 0}, 24, N_("IETF protocol assignments")},
    {{192, 0, 2}, 24, N_("documentation")},
    {{192, 88, 99}, 24, N_("6to4 relay anycast")},
    {{192, 168}, 16, N_("private")},
    {{198, 18}, 15, N_("benchmarking")},
    {{198, 51, 100}, 24, N_("documentation")},
    {{203, 0, 113}, 24, N_("documentation")},
    {{224}, 4, N_("multicast")},
    {{240}, 4, N_("reserved")},
};

static const struct net v6_refused[] = {
    {{0}, 128, N_("unspecified")},
    {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 128, N_("loopback")},
    {{0}, 96, N_("IPv4-compatible")},
    {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff}, 96, N_("IPv4-mapped")},
    {{0, 0x64, 0xff, 0x9b}, 96, N_("IPv4-translated (NAT64)")},
    {{0, 0x64, 0xff, 0x9b, 0, 1}, 48, N_("IPv4-translated (local NAT64)")},
    {{0x01, 0x00}, 64, N_("discard-only")},
    {{0x20, 0x01, 0x0d, 0xb8}, 32, N_("documentation")},
    {{0x20, 0x02}, 16, N_("6to4 (an embedded IPv4 address)")},
    {{0x20, 0x01, 0x00, 0x00}, 32, N_("Teredo (an embedded IPv4 address)")},
    {{0xfc}, 7, N_("unique local")},
    {{0xfe, 0x80}, 10, N_("link-local")},
    {{0xfe, 0xc0}, 10, N_("site-local")},
    {{0xff}, 8, N_("multicast")},
};

static bool in_net(const uint8_t *addr, const struct net *n)
{
	int full = n->bits / 8, rest = n->bits % 8;
	if (full == 16)
		return memcmp(addr, n->addr, 16) == 0;
	if (memcmp(addr, n->addr, (size_t)full) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (addr[full] & mask) == (n->addr[full] & mask);
}

static bool refused_in(const uint8_t *addr, const struct net *nets, size_t n, const char **why)
{
	for (size_t i = 0; i < n; i++) {
		if (in_net(addr, &nets[i])) {
			*why = nets[i].what;
			return true;
		}
	}
	return false;
}

bool ssrf_address_refused(const struct sockaddr *sa, const char **why)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
		return refused_in((const uint8_t *)&in->sin_addr, v4_refused,
				  sizeof v4_refused / sizeof v4_refused[0], why);
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
		return refused_in(in6->sin6_addr.s6_addr, v6_refused,
				  sizeof v6_refused / sizeof v6_refused[0], why);
	}
	*why = N_("not an IP address");
	return true;
}

bool ssrf_literal_refused(const char *text, const char **why)
{
	struct sockaddr_in in = {.sin_family = AF_INET};
	struct sockaddr_in6 in6 = {.sin6_family = AF_INET6};
	char host[64];
	size_t len = strlen(text);
	/* a URL's IPv6 host comes in brackets; a zone ("%eth0") is link-local anyway */
	if (len >= 2 && text[0] == '[' && text[len - 1] == ']' && len - 2 < sizeof host) {
		memcpy(host, text + 1, len - 2);
		host[len - 2] = '\0';
		host[strcspn(host, "%")] = '\0';
		text = host;
	}
	if (inet_pton(AF_INET, text, &in.sin_addr) == 1)
		return ssrf_address_refused((const struct sockaddr *)&in, why);
	if (inet_pton(AF_INET6, text, &in6.sin6_addr) == 1)
		return ssrf_address_refused((const struct sockaddr *)&in6, why);
	return false;
}

/* "localhost", "localhost.", and any name under it (RFC 6761: always loopback). */
static bool is_localhost_name(const char *host)
{
	size_t len = strlen(host);
	if (len > 0 && host[len - 1] == '.')
		len--;
	if (len < 9 || strncasecmp(host + len - 9, "localhost", 9) != 0)
		return false;
	return len == 9 || host[len - 10] == '.';
}

static void refuse(struct ssrf_why *why, const char *msg, const char *what)
{
	why->msg = msg;
	why->what = what;
}

bool ssrf_url_allowed(const char *url, bool allow_private, enum ssrf_when when,
		      struct ssrf_why *why)
{
	bool ok = false;
	char *scheme = NULL, *host = NULL, *user = NULL, *password = NULL, *fragment = NULL;
	CURLU *u = curl_url();
	if (strlen(url) > 2000) {
		refuse(why, N_("must be at most 2000 characters"), "");
		goto out;
	}
	if (u == NULL || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || host[0] == '\0') {
		refuse(why, N_("must be an absolute https URL with a host"), "");
		goto out;
	}
	if (strcasecmp(scheme, "https") != 0 &&
	    !(allow_private && strcasecmp(scheme, "http") == 0)) {
		refuse(why, N_("must use https"), "");
		goto out;
	}
	if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PASSWORD, &password, 0) == CURLUE_OK) {
		refuse(why, N_("must not carry a user name or password"), "");
		goto out;
	}
	if (curl_url_get(u, CURLUPART_FRAGMENT, &fragment, 0) == CURLUE_OK) {
		refuse(why, N_("must not carry a fragment"), "");
		goto out;
	}
	const char *what = NULL;
	if (when == SSRF_AT_DELIVERY)
		allow_private = true; /* open_checked in deliver.c checks every address */
	if (!allow_private && ssrf_literal_refused(host, &what)) {
		refuse(why, N_("must not point to a %s address"), what);
		goto out;
	}
	if (!allow_private && is_localhost_name(host)) {
		refuse(why, N_("must not point to localhost"), "");
		goto out;
	}
	ok = true;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(user);
	curl_free(password);
	curl_free(fragment);
	curl_url_cleanup(u);
	return ok;
}

void ssrf_why_text(const struct ssrf_why *why, char *out, size_t len)
{
	snprintf(out, len, why->msg, why->what);
}
