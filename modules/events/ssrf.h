/*
 * ssrf.h - where a webhook may point: https URLs (http too, and any address,
 * when the operator allows private targets) whose host is not, and does not
 * resolve to, a loopback, private, link-local, unique-local, CGNAT, multicast,
 * reserved, documentation or unspecified address, nor an IPv4-mapped or
 * -translated form of one. Pure functions; the courier checks the very address
 * it connects to (deliver.c), creation checks what it can without resolving.
 */
#ifndef TECHEX_SSRF_H
#define TECHEX_SSRF_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/* Whether the address sa (AF_INET or AF_INET6) may not be connected to; *why
 * (static text: "loopback", "private", ...) says what it is. Any other family
 * is refused ("not an IP address"). */
bool ssrf_address_refused(const struct sockaddr *sa, const char **why);

/* The same for an address written as text ("10.0.0.1", "::1"); false (allowed)
 * when text is not a literal address (a host name) or is an allowed one. */
bool ssrf_literal_refused(const char *text, const char **why);

enum ssrf_when {
	SSRF_AT_CREATION, /* what can be told without resolving: literal addresses, localhost */
	SSRF_AT_DELIVERY, /* the addresses are checked as they are connected to instead */
};

/* Why a URL is refused: msg, an English sentence with at most one "%s", and
 * what fills it ("" when msg has none); both static and marked N_(), so that a
 * problem can say it in the caller's language (problem_field(r, f, why.msg,
 * problem_tr(r, why.what))). */
struct ssrf_why {
	const char *msg;
	const char *what;
};

/* Checks a webhook URL: at most 2,000 characters, parsed by libcurl, https
 * (or http with allow_private), a host, no user name or password, no fragment;
 * at creation and without allow_private, a literal address must be allowed and
 * "localhost" (and names under it) is refused. On refusal sets *why and returns
 * false. */
bool ssrf_url_allowed(const char *url, bool allow_private, enum ssrf_when when,
		      struct ssrf_why *why);

/* why in English, into out (len bytes). */
void ssrf_why_text(const struct ssrf_why *why, char *out, size_t len);

#endif
