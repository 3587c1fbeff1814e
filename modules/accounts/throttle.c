/*
 * throttle.c - failed logins and registrations per client network, counted in
 * PostgreSQL under advisory locks (see throttle.h for the rules).
 */
#include "throttle.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../server/db.h"

#define WINDOW "interval '15 minutes'"
#define DAY "interval '24 hours'"

/* Advisory lock classes (the first key of pg_advisory_xact_lock(int, int)).
 * A login takes its account's lock, then its network's: always in this order. */
#define LOCK_LOGIN_ACCOUNT "7401"
#define LOCK_LOGIN_NETWORK "7402"
#define LOCK_REGISTER_NETWORK "7403"

static const struct stmt st_login_lock = {
    "throttle_login_lock",
    "SELECT pg_advisory_xact_lock(" LOCK_LOGIN_ACCOUNT ", hashtext(lower($1))),"
    " pg_advisory_xact_lock(" LOCK_LOGIN_NETWORK ", hashtext($2::cidr::text))",
    2};

/* The throttle state of (email $1, network $2), in the columns of enum state_col. */
static const struct stmt st_login_state = {
    "throttle_login_state",
    "SELECT"
    " (SELECT count(*) FROM login_failures WHERE client_net = $2::cidr AND at > now() - " WINDOW
    "),"
    " (SELECT count(*) FROM login_failures WHERE email = lower($1) AND at > now() - " WINDOW "),"
    " (SELECT count(*) FROM login_failures WHERE email = lower($1) AND client_net = $2::cidr"
    "   AND at > now() - " DAY "),"
    " (SELECT count(*) FROM login_blocks WHERE client_net = $2::cidr AND email IS NULL"
    "   AND at > now() - " DAY "),"
    " (SELECT count(*) FROM login_blocks WHERE client_net = $2::cidr AND email = lower($1)"
    "   AND at > now() - " DAY "),"
    " coalesce((SELECT ceil(extract(epoch FROM max(until) - now())) FROM login_blocks"
    "   WHERE client_net = $2::cidr AND (email IS NULL OR email = lower($1))"
    "   AND until > now()), 0)::bigint",
    2};
enum state_col { S_BY_NET, S_BY_ACCOUNT, S_BY_PAIR, S_NET_BLOCKS, S_PAIR_BLOCKS, S_ACTIVE };

/* A block of network $1, for account $2 (NULL: every account), for $3 seconds. */
static const struct stmt st_login_block = {
    "throttle_login_block",
    "INSERT INTO login_blocks (client_net, email, until)"
    " VALUES ($1::cidr, lower($2), now() + $3::int * interval '1 second')",
    3};

static const struct stmt st_login_failed = {
    "throttle_login_failed",
    "INSERT INTO login_failures (email, client_ip, client_net) VALUES (lower($1), $2, $3::cidr)",
    3};

static const struct stmt st_login_clear = {
    "throttle_login_clear",
    "WITH b AS (DELETE FROM login_blocks WHERE email = lower($1) AND client_net = $2::cidr)"
    " DELETE FROM login_failures WHERE email = lower($1) AND client_net = $2::cidr",
    2};

static const struct stmt st_register_lock = {
    "throttle_register_lock",
    "SELECT pg_advisory_xact_lock(" LOCK_REGISTER_NETWORK ", hashtext($1::cidr::text))", 1};

/* Accounts network $1 created in the window, and the seconds until fewer than
 * $2 remain in it (when the $2-th most recent ages out). */
static const struct stmt st_register_count = {
    "throttle_register_count",
    "SELECT count(*), coalesce(ceil(extract(epoch FROM (SELECT at FROM registrations"
    "   WHERE client_net = $1::cidr AND at > now() - " WINDOW
    "   ORDER BY at DESC OFFSET $2::int - 1 LIMIT 1) + " WINDOW " - now())), 1)::bigint"
    " FROM registrations WHERE client_net = $1::cidr AND at > now() - " WINDOW,
    2};
enum { REGISTER_MADE, REGISTER_RETRY_SECONDS };

static const struct stmt st_register_insert = {
    "throttle_register_insert", "INSERT INTO registrations (client_net) VALUES ($1::cidr)", 1};

static int register_rate = 10;

void throttle_configure(int rate)
{
	register_rate = rate;
}

void throttle_client_net(const char *ip, char out[THROTTLE_NET_LEN])
{
	char text[INET6_ADDRSTRLEN + 1], shown[INET6_ADDRSTRLEN];
	struct in_addr v4;
	struct in6_addr v6;

	/* a zone ("fe80::1%eth0") does not change the network */
	snprintf(text, sizeof text, "%.*s", (int)strcspn(ip ? ip : "", "%"), ip ? ip : "");
	if (inet_pton(AF_INET, text, &v4) == 1) {
		inet_ntop(AF_INET, &v4, shown, sizeof shown);
		snprintf(out, THROTTLE_NET_LEN, "%s/32", shown);
		return;
	}
	if (inet_pton(AF_INET6, text, &v6) == 1) {
		if (IN6_IS_ADDR_V4MAPPED(&v6)) {
			memcpy(&v4, &v6.s6_addr[12], sizeof v4);
			inet_ntop(AF_INET, &v4, shown, sizeof shown);
			snprintf(out, THROTTLE_NET_LEN, "%s/32", shown);
			return;
		}
		memset(&v6.s6_addr[8], 0, 8);
		inet_ntop(AF_INET6, &v6, shown, sizeof shown);
		snprintf(out, THROTTLE_NET_LEN, "%s/64", shown);
		return;
	}
	snprintf(out, THROTTLE_NET_LEN, "0.0.0.0/32");
}

int throttle_block_seconds(long k)
{
	long s = LOGIN_WINDOW_SECONDS;
	for (long i = 0; i < k && s < LOGIN_BLOCK_MAX_SECONDS; i++)
		s *= 2;
	return (int)(s < LOGIN_BLOCK_MAX_SECONDS ? s : LOGIN_BLOCK_MAX_SECONDS);
}

struct login_state {
	long by_net, by_account, by_pair, net_blocks, pair_blocks, active;
};

static enum rc login_state_read(struct req *r, const char *email, const char *net,
				struct login_state *s)
{
	const char *state_params[2] = {email, net};
	PGresult *res = db_exec(r, &st_login_state, state_params);
	if (res == NULL)
		return RC_ERR;
	s->by_net = atol(PQgetvalue(res, 0, S_BY_NET));
	s->by_account = atol(PQgetvalue(res, 0, S_BY_ACCOUNT));
	s->by_pair = atol(PQgetvalue(res, 0, S_BY_PAIR));
	s->net_blocks = atol(PQgetvalue(res, 0, S_NET_BLOCKS));
	s->pair_blocks = atol(PQgetvalue(res, 0, S_PAIR_BLOCKS));
	s->active = atol(PQgetvalue(res, 0, S_ACTIVE));
	PQclear(res);
	return RC_OK;
}

/* Starts the k-th block of net (for email, or every account when email is NULL)
 * and raises *longest to its length when longer. */
static enum rc login_block(struct req *r, const char *net, const char *email, long k, int *longest)
{
	char secs[16];
	int n = throttle_block_seconds(k);
	snprintf(secs, sizeof secs, "%d", n);
	const char *block_params[3] = {net, email, secs};
	PGresult *res = db_exec(r, &st_login_block, block_params);
	if (res == NULL)
		return RC_ERR;
	PQclear(res);
	if (n > *longest)
		*longest = n;
	return RC_OK;
}

/* Starts the blocks the state calls for; after_failure: a failure was just
 * recorded, and a network or pair blocked earlier today is blocked again. */
static enum rc login_blocks_start(struct req *r, const char *email, const char *net,
				  const struct login_state *s, bool after_failure, int *longest)
{
	bool net_due = s->by_net >= LOGIN_MAX_PER_NETWORK || (after_failure && s->net_blocks > 0);
	bool pair_due =
	    (s->by_account >= LOGIN_MAX_PER_ACCOUNT && s->by_pair >= LOGIN_MAX_PER_PAIR) ||
	    (after_failure && s->pair_blocks > 0);
	if (net_due && login_block(r, net, NULL, s->net_blocks, longest) != RC_OK)
		return RC_ERR;
	if (pair_due && login_block(r, net, email, s->pair_blocks, longest) != RC_OK)
		return RC_ERR;
	return RC_OK;
}

enum rc login_throttle_begin(struct req *r, const char *email, char net[THROTTLE_NET_LEN])
{
	struct login_state s;
	int retry = 0;

	throttle_client_net(r->client_ip, net);
	const char *lock_params[2] = {email, net};
	PGresult *res = db_exec(r, &st_login_lock, lock_params);
	if (res == NULL)
		return RC_ERR;
	PQclear(res);
	if (login_state_read(r, email, net, &s) != RC_OK)
		return RC_ERR;
	if (s.active > 0)
		retry = (int)s.active;
	else if (login_blocks_start(r, email, net, &s, false, &retry) != RC_OK)
		return RC_ERR;
	if (retry > 0) {
		/* a block this refusal started stays written: the answer commits */
		problem_commit(r, 429, "too-many-attempts",
			       "too many failed logins from your network; try again in %d seconds",
			       retry);
		r->problem.retry_after = retry;
		return RC_ERR;
	}
	return RC_OK;
}

enum rc login_throttle_failed(struct req *r, const char *email, const char *net)
{
	struct login_state s;
	int longest = 0;
	const char *failure_params[3] = {email, r->client_ip, net};
	PGresult *res = db_exec(r, &st_login_failed, failure_params);
	if (res == NULL)
		return RC_ERR;
	PQclear(res);
	if (login_state_read(r, email, net, &s) != RC_OK)
		return RC_ERR;
	return login_blocks_start(r, email, net, &s, true, &longest);
}

enum rc login_throttle_succeeded(struct req *r, const char *email, const char *net)
{
	const char *clear_params[2] = {email, net};
	PGresult *res = db_exec(r, &st_login_clear, clear_params);
	if (res == NULL)
		return RC_ERR;
	PQclear(res);
	return RC_OK;
}

enum rc register_throttle_take(struct req *r)
{
	char net[THROTTLE_NET_LEN], rate[16];
	PGresult *res;

	if (register_rate <= 0)
		return RC_OK;
	throttle_client_net(r->client_ip, net);
	snprintf(rate, sizeof rate, "%d", register_rate);
	const char *register_params[2] = {net, rate};
	if ((res = db_exec(r, &st_register_lock, register_params)) == NULL)
		return RC_ERR;
	PQclear(res);
	if ((res = db_exec(r, &st_register_count, register_params)) == NULL)
		return RC_ERR;
	long made = atol(PQgetvalue(res, 0, REGISTER_MADE));
	int retry = atoi(PQgetvalue(res, 0, REGISTER_RETRY_SECONDS));
	PQclear(res);
	if (made >= register_rate) {
		problem_set(r, 429, "rate-limited",
			    "too many registrations from your network; try again in %d seconds",
			    retry > 0 ? retry : 1);
		r->problem.retry_after = retry > 0 ? retry : 1;
		return RC_ERR;
	}
	if ((res = db_exec(r, &st_register_insert, register_params)) == NULL)
		return RC_ERR;
	PQclear(res);
	return RC_OK;
}
