/*
 * main.c - the techex command: serve, migrate, admin create, seed-demo, check.
 *
 * The composition root: the one place that knows both the transport (server/)
 * and the business modules (modules/). It joins the modules' route tables,
 * hands each module its settings through its init call, and gives the server
 * the hooks it calls back (authentication, idempotency, maintenance, metrics).
 * Nothing in server/ includes a module, and no module includes another's
 * internals.
 */
#include <curl/curl.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modules/accounts/accounts.h"
#include "modules/accounts/passwords.h"
#include "modules/accounts/teams.h"
#include "modules/accounts/throttle.h"
#include "modules/attachments/attachments.h"
#include "modules/bids/bids.h"
#include "modules/contracts/contracts.h"
#include "modules/conversations/conversations.h"
#include "modules/desk/desk.h"
#include "modules/events/events.h"
#include "modules/listings/listings.h"
#include "modules/mail/mail.h"
#include "modules/needs/needs.h"
#include "modules/platform/platform.h"
#include "modules/platform/reports.h"
#include "modules/platform/seed.h"
#include "modules/revenue/revenue.h"
#include "modules/waste/waste.h"
#include "server/config.h"
#include "server/courier.h"
#include "server/db.h"
#include "server/http.h"
#include "server/i18n.h"
#include "server/log.h"
#include "server/migrate.h"
#include "server/ratelimit.h"
#include "server/router.h"
#include "server/worker.h"

#ifndef TECHEX_VERSION
#define TECHEX_VERSION "0.0.0-dev"
#endif

static void usage(FILE *to)
{
	fprintf(
	    to,
	    "usage: techex <command> [options]\n"
	    "\n"
	    "Commands:\n"
	    "  serve                          serve the API (migrations must be current)\n"
	    "  migrate                        apply pending migrations, each once, in order\n"
	    "  admin create --email E [--name N]\n"
	    "                                 create a platform admin; the password comes from\n"
	    "                                 TECHEX_ADMIN_PASSWORD or is prompted for\n"
	    "  seed-demo                      load demo organizations, listings and deals from\n"
	    "                                 the Zibo plan (data/demo.json, built in)\n"
	    "  mail list                      the mail outbox: messages waiting (with their text,\n"
	    "                                 for `make run` without TECHEX_SMTP_URL), sent, "
	    "failed\n"
	    "  check                          read-only invariant checks of contracts and the "
	    "ledger;\n"
	    "                                 exit 0 when all hold, 1 with a report when one "
	    "fails\n"
	    "  --help                         this text\n"
	    "  --version                      the version\n"
	    "\n");
	if (to == stdout)
		config_print_help();
}

static const char *env(const char *name)
{
	return getenv(name);
}

static int load_config(struct config *cfg)
{
	char err[512];
	if (config_load(cfg, env, err, sizeof err) != RC_OK) {
		fprintf(stderr, "techex: %s\n", err);
		return 2;
	}
	char *parse_err = NULL;
	PQconninfoOption *opts = PQconninfoParse(cfg->database_url, &parse_err);
	if (opts == NULL) {
		fprintf(stderr, "techex: DATABASE_URL: %s",
			parse_err ? parse_err : "cannot be parsed\n");
		PQfreemem(parse_err);
		return 2;
	}
	PQconninfoFree(opts);
	log_threshold = cfg->log_level;
	return 0;
}

static PGconn *connect_db(const struct config *cfg)
{
	PGconn *conn = db_connect(cfg->database_url, NULL);
	if (PQstatus(conn) != CONNECTION_OK) {
		fprintf(stderr, "techex: cannot connect to the database (DATABASE_URL): %s",
			PQerrorMessage(conn));
		PQfinish(conn);
		return NULL;
	}
	PQsetClientEncoding(conn, "UTF8");
	return conn;
}

static void build_router(struct router *rt)
{
	router_add(rt, platform_routes, platform_routes_count);
	router_add(rt, accounts_routes, accounts_routes_count);
	router_add(rt, teams_routes, teams_routes_count);
	router_add(rt, passwords_routes, passwords_routes_count);
	router_add(rt, listings_routes, listings_routes_count);
	router_add(rt, bids_routes, bids_routes_count);
	router_add(rt, contracts_routes, contracts_routes_count);
	router_add(rt, notices_routes, notices_routes_count);
	router_add(rt, revenue_routes, revenue_routes_count);
	router_add(rt, desk_routes, desk_routes_count);
	router_add(rt, reports_routes, reports_routes_count);
	router_add(rt, notifications_routes, notifications_routes_count);
	router_add(rt, webhooks_routes, webhooks_routes_count);
	router_add(rt, needs_routes, needs_routes_count);
	router_add(rt, waste_routes, waste_routes_count);
	router_add(rt, conversations_routes, conversations_routes_count);
	router_add(rt, attachments_routes, attachments_routes_count);
}

/* What the background sender drains (server/courier.h), ended by {0}. */
static const struct courier_task courier_tasks[] = {
    {"mail", mail_drain, NULL},
    {"webhooks", webhooks_drain, NULL},
    {0},
};

static int cmd_serve(const struct config *cfg)
{
	/* argon2id's 19 MiB block must go back to the system after each hash, or
	 * every worker that ever hashed keeps one: a fixed threshold makes large
	 * blocks mmap'd and unmapped on free */
	mallopt(M_MMAP_THRESHOLD, 1024 * 1024);
	/* ...which also pins the trim threshold at 128 KiB: each burst of
	 * responses (a search's 25 KB) then grows the heap, the next free gives
	 * the pages back and the burst after faults them in again, a third of
	 * the CPU at 64 connections (perf, bench/results). Keep up to 8 MiB. */
	mallopt(M_TRIM_THRESHOLD, 8 * 1024 * 1024);
	char why[256] = "";
	PGconn *conn = connect_db(cfg);
	if (conn == NULL)
		return 1;
	int pending = migrate_pending(conn, why, sizeof why);
	PQfinish(conn);
	if (pending != 0) {
		fprintf(stderr, "techex: refusing to serve: %s; run `techex migrate` first\n", why);
		return 1;
	}
	if (i18n_init(cfg->localedir, why, sizeof why) != RC_OK) {
		fprintf(stderr, "techex: refusing to serve: %s\n", why);
		return 1;
	}
	struct router rt = {0};
	build_router(&rt);
	platform_init(cfg->metrics_token);
	reports_init(cfg->stats_ttl);
	rate_configure(RATE_LISTING, cfg->listing_rate, 3600);
	rate_configure(RATE_BID, cfg->bid_rate, 60);
	throttle_configure(cfg->register_rate);
	mail_configure(
	    &(struct mail_settings){.smtp_url = cfg->smtp_url,
				    .tls_required = strcmp(cfg->smtp_tls, "required") == 0,
				    .from = cfg->mail_from,
				    .public_url = cfg->public_url});
	webhooks_configure(&(struct webhook_settings){
	    .secret_key = cfg->secret_key,
	    .allow_private = cfg->webhook_allow_private == 1,
	    .retry_scale_bp = cfg->webhook_retry_scale_bp,
	    .timeout = cfg->webhook_timeout,
	});
	struct dispatch_hooks hooks = {
	    .authenticate = accounts_authenticate,
	    .idempotency_begin = idempotency_begin,
	    .idempotency_end = idempotency_end,
	};
	dispatch_set_hooks(&hooks);
	courier_start(cfg->database_url, courier_tasks);
	int status =
	    http_serve(cfg, &rt, platform_maintenance, platform_serve_metrics, &accounts_loop_auth);
	/* the loop has drained: a second Ctrl-C or SIGTERM (make run's trap sends one) must not
	 * cut the rest of the shutdown short */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	courier_stop();
	router_free(&rt);
	return status;
}

int main(int argc, char **argv)
{
	struct config cfg;
	int status;

	setvbuf(stdout, NULL, _IOLBF, 0); /* progress lines appear as they happen */
	/* before any thread: libcurl's global state (mail and webhooks) */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fputs("techex: cannot initialize libcurl\n", stderr);
		return 1;
	}
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[1];
	listings_init(bids_close_live);
	listings_on_publish(needs_listing_published);
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(cmd, "--version") == 0) {
		printf("techex %s\n", TECHEX_VERSION);
		return 0;
	}
	bool known = strcmp(cmd, "serve") == 0 || strcmp(cmd, "migrate") == 0 ||
		     strcmp(cmd, "admin") == 0 || strcmp(cmd, "seed-demo") == 0 ||
		     strcmp(cmd, "check") == 0 || strcmp(cmd, "mail") == 0;
	if (!known) {
		fprintf(stderr, "techex: unknown command \"%s\"\n\n", cmd);
		usage(stderr);
		return 2;
	}
	if ((status = load_config(&cfg)) != 0)
		return status;

	if (strcmp(cmd, "serve") == 0) {
		if (argc != 2) {
			fprintf(stderr, "techex: serve takes no arguments; configure it with "
					"environment variables\n");
			return 2;
		}
		return cmd_serve(&cfg);
	}

	const char *email = NULL, *name = NULL;
	if (strcmp(cmd, "admin") == 0) {
		if (argc < 3 || strcmp(argv[2], "create") != 0) {
			fprintf(stderr,
				"techex: usage: techex admin create --email E [--name N]\n");
			return 2;
		}
		for (int i = 3; i < argc; i++) {
			if (strcmp(argv[i], "--email") == 0 && i + 1 < argc)
				email = argv[++i];
			else if (strcmp(argv[i], "--name") == 0 && i + 1 < argc)
				name = argv[++i];
			else {
				fprintf(stderr,
					"techex: admin create: unexpected argument \"%s\"\n",
					argv[i]);
				return 2;
			}
		}
		if (email == NULL) {
			fprintf(stderr, "techex: admin create: --email is required\n");
			return 2;
		}
	} else if (strcmp(cmd, "mail") == 0) {
		if (argc != 3 || strcmp(argv[2], "list") != 0) {
			fprintf(stderr, "techex: usage: techex mail list\n");
			return 2;
		}
	} else if (argc != 2) {
		fprintf(stderr, "techex: %s takes no arguments\n", cmd);
		return 2;
	}

	PGconn *conn = connect_db(&cfg);
	if (conn == NULL)
		return 1;
	if (strcmp(cmd, "migrate") == 0) {
		status = migrate_apply(conn) == RC_OK ? 0 : 1;
	} else {
		char why[256];
		if (migrate_pending(conn, why, sizeof why) != 0) {
			fprintf(stderr, "techex: %s; run `techex migrate` first\n", why);
			status = 1;
		} else if (strcmp(cmd, "admin") == 0) {
			status = accounts_cli_admin_create(conn, email, name);
		} else if (strcmp(cmd, "mail") == 0) {
			status = mail_cli_list(conn);
		} else if (strcmp(cmd, "check") == 0) {
			status = revenue_check(conn);
		} else {
			status = seed_demo(conn);
		}
	}
	PQfinish(conn);
	return status;
}
