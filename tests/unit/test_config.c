#include <string.h>

#include "../../server/config.h"
#include "unit.h"

static const char *const *current;

static const char *fake_env(const char *name)
{
	for (const char *const *e = current; e && *e; e += 2)
		if (strcmp(e[0], name) == 0)
			return e[1];
	return NULL;
}

static const struct {
	const char *name;
	const char *env[8];
	bool ok;
	const char *key_in_error;
} cases[] = {
    {"defaults load", {NULL}, true, NULL},
    {"workers in range", {"TECHEX_WORKERS", "4", NULL}, true, NULL},
    {"workers zero is refused", {"TECHEX_WORKERS", "0", NULL}, false, "TECHEX_WORKERS"},
    {"workers not a number is refused", {"TECHEX_WORKERS", "four", NULL}, false, "TECHEX_WORKERS"},
    {"workers with trailing junk is refused",
     {"TECHEX_WORKERS", "4x", NULL},
     false,
     "TECHEX_WORKERS"},
    {"listen without port is refused",
     {"TECHEX_LISTEN", "127.0.0.1", NULL},
     false,
     "TECHEX_LISTEN"},
    {"listen port out of range is refused",
     {"TECHEX_LISTEN", "127.0.0.1:70000", NULL},
     false,
     "TECHEX_LISTEN"},
    {"listen IPv6 in brackets", {"TECHEX_LISTEN", "[::1]:9000", NULL}, true, NULL},
    {"log level unknown is refused", {"TECHEX_LOG_LEVEL", "loud", NULL}, false, "TECHEX_LOG_LEVEL"},
    {"TLS cert without key is refused",
     {"TECHEX_TLS_CERT", "/etc/hostname", NULL},
     false,
     "TECHEX_TLS"},
    {"TLS cert that does not exist is refused",
     {"TECHEX_TLS_CERT", "/nonexistent.pem", "TECHEX_TLS_KEY", "/nonexistent.key", NULL},
     false,
     "TECHEX_TLS_CERT"},
    {"no loop connections: workers answer everything",
     {"TECHEX_LOOP_CONNECTIONS", "0", NULL},
     true,
     NULL},
    {"loop connections above 16 are refused",
     {"TECHEX_LOOP_CONNECTIONS", "17", NULL},
     false,
     "TECHEX_LOOP_CONNECTIONS"},
    {"negative loop connections are refused",
     {"TECHEX_LOOP_CONNECTIONS", "-1", NULL},
     false,
     "TECHEX_LOOP_CONNECTIONS"},
    {"a metrics address of its own", {"TECHEX_METRICS_LISTEN", "127.0.0.1:9100", NULL}, true, NULL},
    {"a metrics address without a port is refused",
     {"TECHEX_METRICS_LISTEN", "127.0.0.1", NULL},
     false,
     "TECHEX_METRICS_LISTEN"},
    {"connections per client address at least 1",
     {"TECHEX_MAX_CLIENT_CONNECTIONS", "0", NULL},
     false,
     "TECHEX_MAX_CLIENT_CONNECTIONS"},
    {"a pressure idle time of 0 is refused",
     {"TECHEX_PRESSURE_IDLE_TIMEOUT", "0", NULL},
     false,
     "TECHEX_PRESSURE_IDLE_TIMEOUT"},
    {"hash concurrency above workers is refused",
     {"TECHEX_WORKERS", "2", "TECHEX_HASH_CONCURRENCY", "3", NULL},
     false,
     "TECHEX_HASH_CONCURRENCY"},
};

void test_config(void)
{
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct config cfg;
		char err[256] = "";
		current = cases[i].env;
		enum rc rc = config_load(&cfg, fake_env, err, sizeof err);
		CHECK(cases[i].name, (rc == RC_OK) == cases[i].ok);
		if (!cases[i].ok)
			CHECK(cases[i].name, strstr(err, cases[i].key_in_error) == err);
	}
	struct config cfg;
	char err[256];
	current = NULL;
	if (config_load(&cfg, fake_env, err, sizeof err) == RC_OK) {
		CHECK("default listen is 127.0.0.1:8080",
		      strcmp(cfg.listen.host, "127.0.0.1") == 0 && cfg.listen.port == 8080);
		CHECK("default workers is at least one", cfg.workers >= 1);
		CHECK("default hash concurrency leaves workers free",
		      cfg.hash_concurrency >= 1 && cfg.hash_concurrency <= cfg.workers);
		CHECK("no metrics address by default", cfg.metrics_listen.host[0] == '\0');
		CHECK("256 connections per client address by default",
		      cfg.max_client_connections == 256);
	}
	static const char *const v6[] = {"TECHEX_LISTEN", "[::1]:9000", NULL};
	current = v6;
	if (config_load(&cfg, fake_env, err, sizeof err) == RC_OK)
		CHECK("IPv6 host loses its brackets",
		      strcmp(cfg.listen.host, "::1") == 0 && cfg.listen.port == 9000);
}
