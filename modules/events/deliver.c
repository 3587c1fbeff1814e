/*
 * deliver.c - the courier's "webhooks" task (events.h): claims due deliveries,
 * sends them with libcurl's multi interface (several at once, on the courier's
 * thread: never the I/O loop nor a request worker), logs each attempt and
 * schedules the next.
 *
 * Claims are rows: a batch is leased (lease_until) by one UPDATE whose SELECT
 * takes FOR UPDATE SKIP LOCKED, so two servers never send one delivery at the
 * same time, and a server that dies mid-send leaves a lease that runs out, so
 * the delivery is sent again (at least once). Signed per Standard Webhooks 1.0.
 * The address connected to is checked in CURLOPT_OPENSOCKETFUNCTION: after
 * resolution, for every address libcurl tries, so a name that resolves to a
 * private address is refused whatever the name.
 *
 * Between batches it also purges events past retention (90 days; never one
 * with a delivery pending) and announces the notices that closed clean.
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "../../server/common.h"
#include "../../server/db.h"
#include "../../server/log.h"
#include "event_sql.h"
#include "events.h"
#include "secret.h"
#include "ssrf.h"

#define BATCH 16
#define MAX_ATTEMPTS 8
#define LEASE_MARGIN_S 60
#define RETRY_AFTER_MAX_S 86400
#define PURGE_EVERY_S 3600
#define SWEEP_EVERY_S 5

/* After attempt n fails, the next comes retry_ms[n - 1] later (API.md). */
static const int64_t retry_ms[MAX_ATTEMPTS - 1] = {
    5000, 300000, 1800000, 7200000, 18000000, 36000000, 36000000,
};

static struct webhook_settings settings = {
    .secret_key = "", .retry_scale_bp = 10000, .timeout = 15};

void webhooks_configure(const struct webhook_settings *s)
{
	settings = *s;
	secret_configure(s->secret_key);
}

bool webhooks_allow_private(void)
{
	return settings.allow_private;
}

/* ---- statements (prepared on the courier's connection on first use) ----- */

/* $1 how many, $2 lease seconds: the due deliveries, leased, with what
 * sending them needs. */
static const struct stmt st_claim = {
    "webhooks_claim",
    "WITH due AS (SELECT d.id FROM webhook_deliveries d WHERE d.status = 'pending'"
    " AND d.next_attempt_at <= now() AND (d.lease_until IS NULL OR d.lease_until < now())"
    " ORDER BY d.next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)"
    " UPDATE webhook_deliveries AS d SET lease_until = now() + make_interval(secs => $2::int),"
    " attempts = d.attempts + 1 FROM due, webhooks w, events e"
    " WHERE d.id = due.id AND w.id = d.webhook_id AND e.id = d.event_id AND w.enabled"
    " RETURNING d.id, d.attempts, e.id::text, w.id, w.url, encode(w.secret_enc, 'hex'), e.type,"
    " e.data::text, to_char(e.created_at AT TIME ZONE 'UTC',"
    " 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')",
    2};
enum {
	CLAIM_ID,
	CLAIM_ATTEMPT,
	CLAIM_EVENT,
	CLAIM_WEBHOOK,
	CLAIM_URL,
	CLAIM_SECRET,
	CLAIM_TYPE,
	CLAIM_DATA,
	CLAIM_CREATED
};

/* $1 delivery, $2 attempt, $3 HTTP status, $4 error, $5 ms taken, $6 the new
 * status, $7 ms until the next attempt (when pending). A delivery removed
 * meanwhile (its webhook deleted) records nothing. */
static const struct stmt st_record = {
    "webhooks_record",
    "WITH d AS (UPDATE webhook_deliveries SET status = $6, next_attempt_at = CASE WHEN $6 ="
    " 'pending' THEN now() + make_interval(secs => $7::double precision / 1000) END,"
    " lease_until = NULL, last_status_code = $3::int, last_error = $4, last_attempt_at = now()"
    " WHERE id = $1::uuid RETURNING id, next_attempt_at)"
    " INSERT INTO webhook_attempts (delivery_id, attempt, status_code, error, duration_ms,"
    " next_attempt_at) SELECT d.id, $2::int, $3::int, $4, $5::int, d.next_attempt_at FROM d",
    7};

/* An attempt cut short by shutdown: the lease and the attempt are given back. */
static const struct stmt st_release = {
    "webhooks_release",
    "UPDATE webhook_deliveries SET lease_until = NULL, attempts = attempts - 1"
    " WHERE id = $1::uuid AND attempts > 0",
    1};

/* $1 webhook, $2 why, $3 the delivery that got the 410: the webhook disabled,
 * its other pending deliveries failed, and the audit log told. */
static const struct stmt st_disable = {
    "webhooks_disable",
    "WITH w AS (UPDATE webhooks SET enabled = false, disabled_reason = $2, updated_at = now()"
    " WHERE id = $1::uuid AND enabled RETURNING id, org_id),"
    " d AS (UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL,"
    " last_error = 'not sent: the webhook was disabled' WHERE webhook_id IN (SELECT id FROM w)"
    " AND status = 'pending' AND id <> $3::uuid)"
    " INSERT INTO audit_log (org_id, action, object_type, object_id, detail, request_id)"
    " SELECT w.org_id, 'webhook.disable', 'webhook', w.id::text,"
    " jsonb_build_object('reason', $2::text), 'courier' FROM w",
    3};

/* Events past retention, unless a delivery of theirs is pending. */
static const struct stmt st_purge = {
    "events_purge",
    "DELETE FROM events e WHERE e.created_at < now() - interval '90 days' AND NOT EXISTS"
    " (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = e.id AND d.status = 'pending')",
    0};

/* notice.closed for each notice whose window passed with no objection pending
 * or upheld (notice_effective_status), once: marked closed_announced. */
static const struct stmt st_sweep_notices = {
    "events_sweep_notices",
    "WITH n AS (UPDATE notices n SET closed_announced = true WHERE n.status = 'open'"
    " AND NOT n.closed_announced AND n.closes_at <= now()"
    " AND notice_status_of(n.id) = 'closed_clean' RETURNING n.id, n.contract_id),"
    " src AS (SELECT DISTINCT 'notice.closed'::text AS type, o.id AS org_id,"
    " NULL::uuid AS user_id, jsonb_build_object('notice_id', n.id, 'contract_id', c.id,"
    " 'outcome', 'closed_clean') AS data FROM n JOIN contracts c ON c.id = n.contract_id,"
    " unnest(ARRAY[c.licensor_org_id, c.licensee_org_id]) AS o(id))" EVENT_FANOUT_AFTER(
	"SELECT type, org_id, user_id, data FROM src"),
    0};

/* The statements prepared on the courier's connection (only the courier's
 * thread runs these), forgotten when the connection changes. */
static struct {
	const PGconn *conn;
	const struct stmt *done[8];
	int n;
} prepared;

static bool prepared_on(const PGconn *conn, const struct stmt *st)
{
	if (prepared.conn != conn) {
		prepared.conn = conn;
		prepared.n = 0;
	}
	for (int i = 0; i < prepared.n; i++)
		if (prepared.done[i] == st)
			return true;
	return false;
}

/* Prepares st on conn; false on failure (logged). 42P05 (prepared already)
 * is as good as done. */
static bool prepare(PGconn *conn, const struct stmt *st)
{
	PGresult *res = PQprepare(conn, st->name, st->sql, st->nparams, NULL);
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	bool ok = PQresultStatus(res) == PGRES_COMMAND_OK ||
		  (state != NULL && strcmp(state, "42P05") == 0);
	if (!ok)
		log_warn("webhooks: preparing %s: %.*s", st->name,
			 (int)strcspn(PQresultErrorMessage(res), "\n"), PQresultErrorMessage(res));
	PQclear(res);
	if (ok && prepared.n < (int)ARRAY_LEN(prepared.done))
		prepared.done[prepared.n++] = st;
	return ok;
}

/* Runs st on the courier's connection, preparing it first when this
 * connection has not (a new connection at the same address as an old one is
 * caught by 26000, "does not exist"). NULL on failure (logged). */
static PGresult *run(PGconn *conn, const struct stmt *st, const char *const *params)
{
	if (!prepared_on(conn, st) && !prepare(conn, st))
		return NULL;
	PGresult *res = PQexecPrepared(conn, st->name, st->nparams, params, NULL, NULL, 0);
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	if (state != NULL && strcmp(state, "26000") == 0) {
		PQclear(res);
		prepared.n = 0;
		if (!prepare(conn, st))
			return NULL;
		res = PQexecPrepared(conn, st->name, st->nparams, params, NULL, NULL, 0);
	}
	ExecStatusType s = PQresultStatus(res);
	if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
		log_warn("webhooks: %s: %.*s", st->name,
			 (int)strcspn(PQresultErrorMessage(res), "\n"), PQresultErrorMessage(res));
		PQclear(res);
		return NULL;
	}
	return res;
}

/* ---- one send ------------------------------------------------------------ */

struct send {
	CURL *easy;
	struct curl_slist *headers;
	char *body;
	char error[CURL_ERROR_SIZE];
	char refused[300]; /* the addresses the opensocket check refused, and why */
	bool done;
	CURLcode result;
	int64_t started_ns;
	/* from the claim */
	char id[37], webhook[37], event[24];
	int attempt;
	/* outcome */
	long status_code;
	char why[400];
};

/* CURLOPT_OPENSOCKETFUNCTION: the address about to be connected to, after
 * resolution; refused unless allowed. */
static curl_socket_t open_checked(void *clientp, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct send *s = clientp;
	const char *what = NULL;
	(void)purpose;
	if (!settings.allow_private && ssrf_address_refused(&a->addr, &what)) {
		char text[64] = "";
		if (a->family == AF_INET)
			inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)&a->addr)->sin_addr,
				  text, sizeof text);
		else if (a->family == AF_INET6)
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)(void *)&a->addr)->sin6_addr,
				  text, sizeof text);
		size_t used = strlen(s->refused);
		snprintf(s->refused + used, sizeof s->refused - used, "%s%s (%s)",
			 used ? ", " : "refused: the endpoint resolves to ", text, what);
		return CURL_SOCKET_BAD;
	}
	return socket(a->family, a->socktype, a->protocol);
}

static size_t discard(char *ptr, size_t size, size_t n, void *arg)
{
	(void)ptr;
	(void)arg;
	return size * n;
}

/* The Standard Webhooks body: {type, timestamp, data}. Caller frees. */
static char *payload(const PGresult *res, int row)
{
	json_t *data = json_loads(PQgetvalue(res, row, CLAIM_DATA), 0, NULL);
	json_t *body =
	    json_pack("{s:s, s:s, s:o}", "type", PQgetvalue(res, row, CLAIM_TYPE), "timestamp",
		      PQgetvalue(res, row, CLAIM_CREATED), "data", data ? data : json_object());
	char *text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	return text;
}

static void add_header(struct send *s, const char *name, const char *value)
{
	char line[256];
	snprintf(line, sizeof line, "%s: %s", name, value);
	s->headers = curl_slist_append(s->headers, line);
}

/* Prepares the transfer of claimed row; false when it cannot start (s->why says). */
static bool send_prepare(struct send *s, const PGresult *res, int row)
{
	uint8_t secret[SECRET_BYTES];
	const char *hex = PQgetvalue(res, row, CLAIM_SECRET),
		   *url = PQgetvalue(res, row, CLAIM_URL);
	char sig[80], ts[24], why[160];

	snprintf(s->id, sizeof s->id, "%s", PQgetvalue(res, row, CLAIM_ID));
	snprintf(s->webhook, sizeof s->webhook, "%s", PQgetvalue(res, row, CLAIM_WEBHOOK));
	snprintf(s->event, sizeof s->event, "%s", PQgetvalue(res, row, CLAIM_EVENT));
	s->attempt = atoi(PQgetvalue(res, row, CLAIM_ATTEMPT));
	s->started_ns = mono_ns();
	struct ssrf_why refused;
	if (!ssrf_url_allowed(url, settings.allow_private, SSRF_AT_DELIVERY, &refused)) {
		ssrf_why_text(&refused, why, sizeof why);
		snprintf(s->why, sizeof s->why, "refused: the URL %s", why);
		return false;
	}
	if (!secret_open_hex(hex, s->webhook, secret)) {
		snprintf(s->why, sizeof s->why,
			 "the signing secret does not open with this TECHEX_SECRET_KEY");
		return false;
	}
	s->body = payload(res, row);
	long long now = (long long)time(NULL);
	snprintf(ts, sizeof ts, "%lld", now);
	secret_sign(secret, s->event, now, s->body, strlen(s->body), sig, sizeof sig);
	OPENSSL_cleanse(secret, sizeof secret);
	add_header(s, "Content-Type", "application/json");
	add_header(s, "User-Agent", "TechEx-Webhooks/1");
	add_header(s, "webhook-id", s->event);
	add_header(s, "webhook-timestamp", ts);
	add_header(s, "webhook-signature", sig);
	add_header(s, "Expect", "");

	const char *protocols = settings.allow_private ? "http,https" : "https";
	CURL *e = s->easy = curl_easy_init();
	if (e == NULL) {
		snprintf(s->why, sizeof s->why, "libcurl could not start a transfer");
		return false;
	}
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, protocols);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_PROXY, ""); /* never the environment's proxy */
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, (long)settings.timeout);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, s->body);
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(s->body));
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, s->headers);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_checked);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, s);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, s->error);
	curl_easy_setopt(e, CURLOPT_PRIVATE, s);
	return true;
}

static void send_free(struct send *s)
{
	if (s->easy)
		curl_easy_cleanup(s->easy);
	curl_slist_free_all(s->headers);
	free(s->body);
	memset(s, 0, sizeof *s);
}

/* ---- outcome -------------------------------------------------------------- */

/* Describes what happened to a finished transfer; returns whether it counts as
 * delivered and sets *retry_after (seconds, 0 for none). */
static bool outcome(struct send *s, long long *retry_after)
{
	*retry_after = 0;
	if (s->why[0] != '\0')
		return false; /* it never started */
	if (s->result != CURLE_OK) {
		char text[sizeof s->why]; /* not s->why itself: its sources live in s too */
		if (s->refused[0] != '\0')
			snprintf(text, sizeof text, "%s", s->refused);
		else if (s->result == CURLE_OPERATION_TIMEDOUT)
			snprintf(text, sizeof text, "timeout: no answer within %d s",
				 settings.timeout);
		else
			snprintf(text, sizeof text, "%s: %s", curl_easy_strerror(s->result),
				 s->error);
		memcpy(s->why, text, sizeof text);
		return false;
	}
	curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &s->status_code);
	if (s->status_code >= 200 && s->status_code < 300)
		return true;
	curl_off_t after = 0;
	if (curl_easy_getinfo(s->easy, CURLINFO_RETRY_AFTER, &after) == CURLE_OK && after > 0)
		*retry_after = after > RETRY_AFTER_MAX_S ? RETRY_AFTER_MAX_S : (long long)after;
	snprintf(s->why, sizeof s->why, "the endpoint answered %ld", s->status_code);
	return false;
}

/* Records the attempt and what comes next; a 410 disables the webhook. */
static int record(PGconn *conn, struct send *s)
{
	long long retry_after = 0;
	bool delivered = outcome(s, &retry_after);
	const char *status = delivered ? "delivered" : "pending";
	int64_t delay_ms = 0;
	if (!delivered && (s->status_code == 410 || s->attempt >= MAX_ATTEMPTS)) {
		status = "failed";
	} else if (!delivered) {
		delay_ms = retry_ms[s->attempt - 1] * settings.retry_scale_bp / 10000;
		if (retry_after * 1000 > delay_ms)
			delay_ms = retry_after * 1000;
	}
	char attempt[16], code[16], took[24], delay[24];
	snprintf(attempt, sizeof attempt, "%d", s->attempt);
	snprintf(code, sizeof code, "%ld", s->status_code);
	snprintf(took, sizeof took, "%lld", (long long)((mono_ns() - s->started_ns) / 1000000));
	snprintf(delay, sizeof delay, "%lld", (long long)delay_ms);
	const char *params[7] = {
	    s->id,  attempt, s->status_code ? code : NULL, delivered ? NULL : s->why, took,
	    status, delay};
	PGresult *res = run(conn, &st_record, params);
	if (res == NULL)
		return -1;
	PQclear(res);
	log_info("webhooks: delivery %s of event %s, attempt %d: %s%s%s", s->id, s->event,
		 s->attempt, status, delivered ? "" : ", ", delivered ? "" : s->why);
	if (s->status_code == 410) {
		const char *disable_params[3] = {
		    s->webhook, "the endpoint answered 410 Gone: it no longer takes deliveries",
		    s->id};
		if ((res = run(conn, &st_disable, disable_params)) == NULL)
			return -1;
		PQclear(res);
	}
	return 0;
}

/* ---- the batch ------------------------------------------------------------ */

/* Sends every prepared transfer of sends at once until all finished or stop;
 * the unfinished ones are marked so. */
static void send_all(struct send *sends, int n, const _Atomic bool *stop)
{
	CURLM *multi = curl_multi_init();
	int running = 0;
	for (int i = 0; i < n; i++)
		if (sends[i].easy != NULL)
			curl_multi_add_handle(multi, sends[i].easy);
	do {
		if (curl_multi_perform(multi, &running) != CURLM_OK)
			break;
		CURLMsg *msg;
		int left;
		while ((msg = curl_multi_info_read(multi, &left)) != NULL) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			struct send *s = NULL;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&s);
			s->done = true;
			s->result = msg->data.result;
		}
		if (running > 0)
			curl_multi_poll(multi, NULL, 0, 200, NULL);
	} while (running > 0 && !*stop);
	for (int i = 0; i < n; i++)
		if (sends[i].easy != NULL)
			curl_multi_remove_handle(multi, sends[i].easy);
	curl_multi_cleanup(multi);
}

/* Purges and sweeps, each at most every so often (per server). */
static int housekeeping(PGconn *conn)
{
	static int64_t last_purge, last_sweep;
	int64_t now = mono_ns() / 1000000000;
	PGresult *res;
	if (last_sweep == 0 || now - last_sweep >= SWEEP_EVERY_S) {
		last_sweep = now;
		if ((res = run(conn, &st_sweep_notices, NULL)) == NULL)
			return -1;
		PQclear(res);
	}
	if (last_purge == 0 || now - last_purge >= PURGE_EVERY_S) {
		last_purge = now;
		if ((res = run(conn, &st_purge, NULL)) == NULL)
			return -1;
		if (atoi(PQcmdTuples(res)) > 0)
			log_info("webhooks: %s events past retention purged", PQcmdTuples(res));
		PQclear(res);
	}
	return 0;
}

int webhooks_drain(PGconn *conn, void *arg, const _Atomic bool *stop)
{
	(void)arg;
	if (housekeeping(conn) < 0)
		return -1;
	char batch[16], lease[16];
	snprintf(batch, sizeof batch, "%d", BATCH);
	snprintf(lease, sizeof lease, "%d", settings.timeout + LEASE_MARGIN_S);
	const char *claim_params[2] = {batch, lease};
	PGresult *res = run(conn, &st_claim, claim_params);
	if (res == NULL)
		return -1;
	int n = PQntuples(res), failed = 0;
	struct send sends[BATCH];
	memset(sends, 0, sizeof sends);
	for (int i = 0; i < n; i++)
		if (!send_prepare(&sends[i], res, i) && sends[i].easy != NULL) {
			curl_easy_cleanup(sends[i].easy);
			sends[i].easy = NULL;
		}
	PQclear(res);
	send_all(sends, n, stop);
	for (int i = 0; i < n; i++) {
		struct send *s = &sends[i];
		if (s->easy != NULL && !s->done) { /* shutdown cut it short: give it back */
			const char *release_params[1] = {s->id};
			PGresult *released = run(conn, &st_release, release_params);
			PQclear(released);
		} else if (failed == 0 && record(conn, s) < 0) {
			/* the others keep their leases and go again once those run out */
			failed = PQstatus(conn) != CONNECTION_OK;
		}
		send_free(s);
	}
	return failed ? -1 : n;
}
