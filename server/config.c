/*
 * config.c - configuration from the environment, declared once as a table.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum key_type { KEY_STRING, KEY_INT, KEY_HOSTPORT, KEY_LEVEL, KEY_FILE, KEY_NETS };

struct key {
	const char *name;
	enum key_type type;
	const char *def; /* default as text; NULL means computed or empty */
	long min, max;
	size_t offset;
	size_t size; /* for strings */
	const char *help;
};

#define STR(field) offsetof(struct config, field), sizeof(((struct config *)0)->field)
#define INT(field) offsetof(struct config, field), sizeof(int)
#define HOSTPORT(field) offsetof(struct config, field), sizeof(struct hostport)

static const struct key keys[] = {
    {"DATABASE_URL", KEY_STRING, "dbname=techex", 0, 0, STR(database_url),
     "libpq connection string or URI"},
    {"DATABASE_READ_URL", KEY_STRING, "", 0, 0, STR(read_database_url),
     "a streaming replica for anonymous reads of listings, searches and statistics (unset:"
     " the primary answers them; when the replica fails, it does too)"},
    {"TECHEX_LISTEN", KEY_HOSTPORT, "127.0.0.1:8080", 1, 65535, HOSTPORT(listen),
     "host:port to serve on"},
    {"TECHEX_WORKERS", KEY_INT, NULL, 1, 256, INT(workers),
     "worker threads (default: one per core)"},
    {"TECHEX_WORKER_TRANSACTIONS", KEY_INT, "4", 1, 64, INT(worker_transactions),
     "transactions each worker keeps in flight, each on a database connection of its own:"
     " while one waits for PostgreSQL, the worker runs the others"},
    {"TECHEX_HASH_CONCURRENCY", KEY_INT, NULL, 1, 256, INT(hash_concurrency),
     "threads that hash passwords (logins, registrations, password changes) beside the"
     " workers, one at a time each (default: half the workers, at least 1; at most"
     " TECHEX_WORKERS)"},
    {"TECHEX_LOOP_CONNECTIONS", KEY_INT, "1", 0, 16, INT(loop_connections),
     "pipelined database connections the I/O loop answers anonymous listing reads over"
     " (0: workers answer every request)"},
    {"TECHEX_QUEUE_DEPTH", KEY_INT, "1024", 1, 1000000, INT(queue_depth),
     "requests waiting for a worker before new ones get 503"},
    {"TECHEX_MAX_CONNECTIONS", KEY_INT, "4096", 1, 1000000, INT(max_connections),
     "open client connections at most"},
    {"TECHEX_MAX_CLIENT_CONNECTIONS", KEY_INT, "256", 1, 1000000, INT(max_client_connections),
     "open connections from one client address (an IPv6 /64 counts as one) at most"},
    {"TECHEX_HEADER_TIMEOUT", KEY_INT, "10", 1, 3600, INT(header_timeout),
     "seconds a client has to send a request's headers"},
    {"TECHEX_BODY_TIMEOUT", KEY_INT, "30", 1, 3600, INT(body_timeout),
     "seconds a client has to send a request's body once its headers arrived"},
    {"TECHEX_IDLE_TIMEOUT", KEY_INT, "60", 1, 86400, INT(idle_timeout),
     "seconds a connection may stay silent between requests (keep-alive)"},
    {"TECHEX_PRESSURE_IDLE_TIMEOUT", KEY_INT, "5", 1, 86400, INT(pressure_idle_timeout),
     "the same while open connections exceed 75 % of TECHEX_MAX_CONNECTIONS"},
    {"TECHEX_TLS_CERT", KEY_FILE, "", 0, 0, STR(tls_cert),
     "PEM certificate chain; with TECHEX_TLS_KEY serves HTTPS"},
    {"TECHEX_TLS_KEY", KEY_FILE, "", 0, 0, STR(tls_key), "PEM private key"},
    {"TECHEX_METRICS_TOKEN", KEY_STRING, "", 0, 0, STR(metrics_token),
     "bearer token that opens /metrics on the API address"},
    {"TECHEX_METRICS_LISTEN", KEY_HOSTPORT, "", 1, 65535, HOSTPORT(metrics_listen),
     "host:port serving /metrics alone, without a token (unset: /metrics only on the API"
     " address, with TECHEX_METRICS_TOKEN)"},
    {"TECHEX_TRUSTED_PROXIES", KEY_NETS, "", 0, 0, offsetof(struct config, trusted_proxies),
     sizeof(struct netlist),
     "addresses or networks of proxies whose X-Forwarded-For names the client (\"10.0.0.0/8,"
     " ::1\"); unset: the peer is the client"},
    {"TECHEX_STATS_TTL", KEY_INT, "10", 0, 3600, INT(stats_ttl),
     "seconds a server reuses its /v1/stats answer (0: computes each time)"},
    {"TECHEX_LISTING_RATE", KEY_INT, "60", 0, 1000000, INT(listing_rate),
     "listings an organization may create in any hour, on every server together (0: no"
     " limit); past it 429"},
    {"TECHEX_BID_RATE", KEY_INT, "60", 0, 1000000, INT(bid_rate),
     "bids an organization may make in any minute, on every server together (0: no limit);"
     " past it 429"},
    {"TECHEX_REGISTER_RATE", KEY_INT, "10", 0, 100000, INT(register_rate),
     "registrations one client address (IPv6: /64) may make per 15 minutes (0: no limit);"
     " past it 429"},
    {"TECHEX_LOCALEDIR", KEY_STRING, "", 0, 0, STR(localedir),
     "where zh_CN/LC_MESSAGES/techex.mo is (default: share/locale beside the executable's"
     " bin/, e.g. /usr/local/share/locale)"},
    {"TECHEX_SMTP_URL", KEY_STRING, "", 0, 0, STR(smtp_url),
     "where mail goes: smtp://host:port (STARTTLS when offered) or smtps://host:port"
     " (implicit TLS), credentials as smtp://user:password@host; unset: nothing is sent and"
     " `techex mail list` shows the queue"},
    {"TECHEX_SMTP_TLS", KEY_STRING, "try", 0, 0, STR(smtp_tls),
     "try (smtp:// uses STARTTLS when the server offers it) or required (refuses to send"
     " in clear)"},
    {"TECHEX_MAIL_FROM", KEY_STRING, "TechEx <noreply@techex.localhost>", 0, 0, STR(mail_from),
     "the sender of mail: an address, or \"Name <address>\" in ASCII"},
    {"TECHEX_PUBLIC_URL", KEY_STRING, "http://127.0.0.1:8080", 0, 0, STR(public_url),
     "the address people reach TechEx at: invitation and reset links in mails start with it"},
    {"TECHEX_SECRET_KEY", KEY_STRING, "", 32, 0, STR(secret_key),
     "at least 32 characters from which the key that encrypts webhook signing secrets at rest"
     " is derived (unset: creating a webhook answers 503); keep it across restarts"},
    {"TECHEX_WEBHOOK_ALLOW_PRIVATE", KEY_INT, "0", 0, 1, INT(webhook_allow_private),
     "1: webhooks may use http and point to loopback, private and link-local addresses"
     " (tests, closed networks); 0: only https to public addresses"},
    {"TECHEX_WEBHOOK_TIMEOUT", KEY_INT, "15", 1, 15, INT(webhook_timeout),
     "seconds a webhook endpoint has to answer a delivery"},
    {"TECHEX_WEBHOOK_RETRY_SCALE_BP", KEY_INT, "10000", 1, 10000, INT(webhook_retry_scale_bp),
     "the webhook retry schedule (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h) times this / 10000;"
     " a test knob (Retry-After is honoured unscaled)"},
    {"TECHEX_LOG_LEVEL", KEY_LEVEL, "info", 0, 0, offsetof(struct config, log_level),
     sizeof(enum log_level), "debug, info, warn or error"},
};

static const char *const level_names[] = {"debug", "info", "warn", "error"};

static enum rc parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	errno = 0;
	if (*s == '\0' || isspace((unsigned char)*s))
		return RC_ERR;
	long v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return RC_ERR;
	*out = v;
	return RC_OK;
}

static enum rc set_key(struct config *cfg, const struct key *k, const char *val, char *err,
		       size_t errlen)
{
	char *base = (char *)cfg;
	long v;

	switch (k->type) {
	case KEY_STRING:
	case KEY_FILE:
		if (strlen(val) >= k->size) {
			snprintf(err, errlen, "%s: value is longer than %zu bytes", k->name,
				 k->size - 1);
			return RC_ERR;
		}
		if (k->min > 0 && *val != '\0' && strlen(val) < (size_t)k->min) {
			snprintf(err, errlen, "%s: must be at least %ld characters", k->name,
				 k->min);
			return RC_ERR;
		}
		if (k->type == KEY_FILE && *val != '\0' && access(val, R_OK) != 0) {
			snprintf(err, errlen, "%s: cannot read file \"%s\": %s", k->name, val,
				 strerror(errno));
			return RC_ERR;
		}
		snprintf(base + k->offset, k->size, "%s", val);
		return RC_OK;
	case KEY_INT:
		if (parse_long(val, k->min, k->max, &v) != RC_OK) {
			snprintf(err, errlen, "%s: must be an integer from %ld to %ld (got \"%s\")",
				 k->name, k->min, k->max, val);
			return RC_ERR;
		}
		*(int *)(base + k->offset) = (int)v;
		return RC_OK;
	case KEY_HOSTPORT: {
		struct hostport *hp = (struct hostport *)(base + k->offset);
		if (*val == '\0')
			return RC_OK; /* unset */
		const char *colon = strrchr(val, ':');
		size_t hostlen = colon ? (size_t)(colon - val) : 0;
		if (colon == NULL || hostlen == 0 || hostlen >= sizeof hp->host ||
		    parse_long(colon + 1, k->min, k->max, &v) != RC_OK) {
			snprintf(err, errlen,
				 "%s: must be host:port with a port from 1 to 65535 (got \"%s\")",
				 k->name, val);
			return RC_ERR;
		}
		const char *h = val;
		if (*h == '[' && hostlen >= 2 && h[hostlen - 1] == ']') { /* [::1]:8080 */
			h++;
			hostlen -= 2;
		}
		snprintf(hp->host, sizeof hp->host, "%.*s", (int)hostlen, h);
		hp->port = (int)v;
		return RC_OK;
	}
	case KEY_NETS: {
		char why[200];
		if (netlist_parse(val, (struct netlist *)(base + k->offset), why, sizeof why) !=
		    RC_OK) {
			snprintf(err, errlen, "%s: %s", k->name, why);
			return RC_ERR;
		}
		return RC_OK;
	}
	case KEY_LEVEL:
		for (size_t i = 0; i < ARRAY_LEN(level_names); i++) {
			if (strcmp(val, level_names[i]) == 0) {
				cfg->log_level = (enum log_level)i;
				return RC_OK;
			}
		}
		snprintf(err, errlen, "%s: must be debug, info, warn or error (got \"%s\")",
			 k->name, val);
		return RC_ERR;
	}
	return RC_ERR;
}

/* Whether s is printable ASCII without spaces (a URL) or, with spaces, at all. */
static bool printable(const char *s, bool spaces)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 + !spaces || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

static bool has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The mail settings: URLs of the right scheme, an ASCII sender with one
 * address (the address itself is checked again when mail is sent). */
static enum rc mail_config_check(struct config *cfg, char *err, size_t errlen)
{
	const char *url = cfg->smtp_url, *from = cfg->mail_from;
	if (*url && (!printable(url, false) ||
		     !(has_prefix(url, "smtp://") || has_prefix(url, "smtps://")) ||
		     strlen(strchr(url, ':') + 3) == 0)) {
		snprintf(err, errlen,
			 "TECHEX_SMTP_URL: must be smtp://host:port or smtps://host:port");
		return RC_ERR;
	}
	if (strcmp(cfg->smtp_tls, "try") != 0 && strcmp(cfg->smtp_tls, "required") != 0) {
		snprintf(err, errlen, "TECHEX_SMTP_TLS: must be try or required (got \"%s\")",
			 cfg->smtp_tls);
		return RC_ERR;
	}
	const char *at = strchr(from, '@');
	if (!printable(from, true) || at == NULL || at == from || at[1] == '\0' ||
	    strchr(at + 1, '@') != NULL ||
	    (strchr(from, '<') != NULL) != (strchr(from, '>') != NULL)) {
		snprintf(err, errlen,
			 "TECHEX_MAIL_FROM: must be an address or \"Name <address>\" in ASCII");
		return RC_ERR;
	}
	char *pub = cfg->public_url;
	if (!printable(pub, false) ||
	    !(has_prefix(pub, "http://") || has_prefix(pub, "https://")) ||
	    strlen(strchr(pub, ':') + 3) == 0) {
		snprintf(err, errlen, "TECHEX_PUBLIC_URL: must be an http:// or https:// URL");
		return RC_ERR;
	}
	size_t n = strlen(pub);
	while (n > 0 && pub[n - 1] == '/')
		pub[--n] = '\0';
	return RC_OK;
}

enum rc config_load(struct config *cfg, const char *(*getenv_fn)(const char *name), char *err,
		    size_t errlen)
{
	memset(cfg, 0, sizeof *cfg);
	for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
		const struct key *k = &keys[i];
		const char *val = getenv_fn(k->name);
		if (val == NULL || (*val == '\0' && k->type != KEY_STRING && k->type != KEY_FILE))
			val = k->def;
		if (val == NULL)
			continue; /* computed below */
		if (set_key(cfg, k, val, err, errlen) != RC_OK)
			return RC_ERR;
	}
	if (cfg->workers == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		cfg->workers = n < 1 ? 1 : (n > 256 ? 256 : (int)n);
	}
	if (cfg->hash_concurrency == 0)
		cfg->hash_concurrency = cfg->workers / 2 > 0 ? cfg->workers / 2 : 1;
	if (cfg->hash_concurrency > cfg->workers) {
		snprintf(err, errlen,
			 "TECHEX_HASH_CONCURRENCY: must not exceed TECHEX_WORKERS (%d)",
			 cfg->workers);
		return RC_ERR;
	}
	if (mail_config_check(cfg, err, errlen) != RC_OK)
		return RC_ERR;
	if ((cfg->tls_cert[0] == '\0') != (cfg->tls_key[0] == '\0')) {
		snprintf(err, errlen, "%s: TECHEX_TLS_CERT and TECHEX_TLS_KEY must be set together",
			 cfg->tls_cert[0] ? "TECHEX_TLS_KEY" : "TECHEX_TLS_CERT");
		return RC_ERR;
	}
	return RC_OK;
}

void config_print_help(void)
{
	printf("Configuration (environment variables):\n");
	for (size_t i = 0; i < ARRAY_LEN(keys); i++)
		printf("  %-24s %s%s%s%s\n", keys[i].name, keys[i].help,
		       keys[i].def && *keys[i].def ? " [default: " : "",
		       keys[i].def && *keys[i].def ? keys[i].def : "",
		       keys[i].def && *keys[i].def ? "]" : "");
}
