/*
 * throttle.h - failed logins and registrations, throttled per client network.
 *
 * A client network is an IPv4 address or an IPv6 /64 (an IPv4-mapped IPv6
 * address counts as its IPv4). Everything is counted in PostgreSQL, under
 * advisory locks, so it holds across servers and concurrent requests cannot
 * overshoot. Logins:
 *   - a network with 10 failures in 15 minutes (any accounts) is blocked;
 *   - once an account has had 10 failures in 15 minutes from anywhere, a network
 *     that has itself failed against it 3 or more times in 24 hours is blocked
 *     for that account;
 *   - the k-th block (k = 0, 1, ...) of a network or pair in 24 hours lasts
 *     15 min x 2^k, at most 24 hours, and once a network or pair has been blocked,
 *     each further failure within 24 hours blocks it again (longer);
 *   - a success clears only that (account, network) pair's failures and blocks.
 * A correct password from a network that has not been failing always passes.
 */
#ifndef TECHEX_THROTTLE_H
#define TECHEX_THROTTLE_H

#include "../../server/req.h"

#define THROTTLE_NET_LEN 64 /* "xxxx:xxxx:xxxx:xxxx::/64" and its NUL fit */

#define LOGIN_WINDOW_SECONDS 900      /* failures are counted over 15 minutes */
#define LOGIN_MAX_PER_NETWORK 10      /* failures from one network in the window */
#define LOGIN_MAX_PER_ACCOUNT 10      /* failures against one account in the window */
#define LOGIN_MAX_PER_PAIR 3          /* a network's failures against it in 24 h */
#define LOGIN_BLOCK_MAX_SECONDS 86400 /* no block is longer than a day */
#define REGISTER_WINDOW_SECONDS 900   /* registrations are counted over 15 minutes */

/* Writes the client network of the address text ip as cidr text into out:
 * "a.b.c.d/32" for IPv4 (and IPv4-mapped IPv6), the /64 prefix for IPv6. An
 * address that does not parse (no peer) gives "0.0.0.0/32", one shared network. */
void throttle_client_net(const char *ip, char out[THROTTLE_NET_LEN]);

/* The length in seconds of the k-th block (k from 0) in 24 hours. */
int throttle_block_seconds(long k);

/* Sets the registrations one network may make per REGISTER_WINDOW_SECONDS
 * (0: no limit). Call before serving. */
void throttle_configure(int register_rate);

/* Before a login checks a password: locks the account's and the client
 * network's throttle state for the rest of the transaction and writes the
 * client's network into net. RC_ERR with a 429 problem (and its Retry-After)
 * when this network may not try this account now: a problem_commit, since a
 * block it starts is written and must stay; or with the database's problem. */
enum rc login_throttle_begin(struct req *r, const char *email,
			     char net[THROTTLE_NET_LEN]) MUSTCHECK;

/* Records a failed login of email from net and starts the blocks it triggers. */
enum rc login_throttle_failed(struct req *r, const char *email, const char *net) MUSTCHECK;

/* A successful login of email from net: clears that pair's failures and blocks. */
enum rc login_throttle_succeeded(struct req *r, const char *email, const char *net) MUSTCHECK;

/* Before a registration hashes its password: locks the client network's count,
 * refuses with 429 and Retry-After (RC_ERR) when it has created the configured
 * number of accounts in the window, else counts this one (the count rolls back
 * with the transaction when no account is created). */
enum rc register_throttle_take(struct req *r) MUSTCHECK;

#endif
