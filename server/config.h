/*
 * config.h - the one struct config, filled from environment variables through a
 * table of keys with types, defaults and bounds.
 */
#ifndef TECHEX_CONFIG_H
#define TECHEX_CONFIG_H

#include "common.h"
#include "proxy.h"

enum log_level { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR };

/* host:port; an empty host means unset. */
struct hostport {
	char host[256];
	int port;
};

struct config {
	char database_url[1024];
	char read_database_url[1024]; /* "": no replica */
	struct hostport listen;
	int workers;
	int worker_transactions; /* transactions each worker keeps in flight */
	int hash_concurrency;    /* threads that hash passwords, beside the workers */
	int queue_depth;         /* jobs waiting for a worker before 503 */
	int loop_connections;    /* pipelined connections the I/O loop reads over */
	int max_connections;
	int max_client_connections; /* per client address (IPv6: per /64) */
	int header_timeout;         /* seconds to receive a request's headers, absolute */
	int idle_timeout;           /* seconds a connection may stay silent */
	int pressure_idle_timeout;  /* the same while connections exceed 75 % of the cap */
	int body_timeout;           /* seconds to receive a request's body, absolute */
	char tls_cert[1024];
	char tls_key[1024];
	char metrics_token[256];
	struct hostport metrics_listen; /* serves /metrics alone, when set */
	struct netlist trusted_proxies; /* peers whose X-Forwarded-For is believed */
	int stats_ttl;                  /* seconds /v1/stats is served from memory */
	int listing_rate; /* listings an organization may create per hour (0: no limit) */
	int bid_rate;     /* bids an organization may make per minute (0: no limit) */
	/* registrations one client network may make per 15 minutes (0: no limit) */
	int register_rate;
	char localedir[1024];       /* "": <executable's directory>/../share/locale */
	char secret_key[256];       /* derives the key sealing webhook secrets; "": none */
	int webhook_allow_private;  /* 1: http and private addresses too (tests) */
	int webhook_timeout;        /* seconds an endpoint has to answer */
	int webhook_retry_scale_bp; /* the retry schedule x this / 10000 (a test knob) */
	enum log_level log_level;
	/* mail (API.md "Organizations and people"); smtp_url "" sends nothing */
	char smtp_url[1024];
	char smtp_tls[16]; /* "try" (STARTTLS when offered) or "required" */
	char mail_from[320];
	char public_url[512]; /* links in mails start with it; no trailing '/' */
};

/* Reads one variable per key through getenv_fn (getenv in production, a table in
 * tests). On a bad value writes "KEY: why" into err and returns RC_ERR. */
enum rc config_load(struct config *cfg, const char *(*getenv_fn)(const char *name), char *err,
		    size_t errlen) MUSTCHECK;

/* Prints the configuration keys, their defaults and meaning (for --help). */
void config_print_help(void);

#endif
