/*
 * mail.c - the mail outbox and its sender (mail.h).
 */
#include "mail.h"

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../server/courier.h"
#include "../../server/db.h"
#include "../../server/log.h"

#define LEASE "interval '2 minutes'" /* a claimed message's sender has this long */
#define BATCH 20                     /* messages one drain sends at most */
#define MAX_ATTEMPTS 10              /* then the message is given up (failed_at) */

static struct mail_settings settings = {
    .smtp_url = "", .from = "techex@localhost", .public_url = "http://127.0.0.1:8080"};

void mail_configure(const struct mail_settings *s)
{
	settings = *s;
}

const char *mail_public_url(void)
{
	return settings.public_url;
}

/* ---- queueing (in the request's transaction) ----------------------------- */

static const struct stmt st_queue = {
    "mail_queue", "INSERT INTO mail_outbox (kind, to_addr, subject, body) VALUES ($1, $2, $3, $4)",
    4};

enum rc mail_queue(struct req *r, const char *kind, const char *to, const char *subject,
		   const char *body)
{
	const char *queue_params[4] = {kind, to, subject, body};
	PGresult *res = db_exec(r, &st_queue, queue_params);
	if (res == NULL)
		return RC_ERR;
	PQclear(res);
	courier_wake(); /* the courier sees it once this transaction commits */
	return RC_OK;
}

/* ---- composing ----------------------------------------------------------- */

/* Appends the base64 of n bytes of s to f, in lines of at most 76 characters. */
static void base64_lines(FILE *f, const unsigned char *s, size_t n)
{
	unsigned char out[80];
	for (size_t i = 0; i < n; i += 57) {
		size_t k = n - i < 57 ? n - i : 57;
		EVP_EncodeBlock(out, s + i, (int)k);
		fprintf(f, "%s\r\n", out);
	}
}

/* Whether s is printable ASCII only (a header that needs no encoding). */
static bool plain_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

/* Writes s as RFC 2047 encoded-words ("=?UTF-8?B?...?="), each at most 75
 * characters and holding whole UTF-8 characters, folded onto lines of their own. */
static void encoded_words(FILE *f, const char *s)
{
	size_t n = strlen(s), i = 0;
	bool first = true;
	while (i < n) {
		size_t k = n - i < 39 ? n - i : 39; /* with "Subject: ", under 78 */
		while (i + k < n && ((unsigned char)s[i + k] & 0xC0) == 0x80)
			k--; /* never split a character */
		unsigned char out[80];
		EVP_EncodeBlock(out, (const unsigned char *)s + i, (int)k);
		fprintf(f, "%s=?UTF-8?B?%s?=", first ? "" : "\r\n ", out);
		first = false;
		i += k;
	}
}

bool mail_address_of(const char *from, char *out, size_t len)
{
	const char *lt = strrchr(from, '<'), *gt = strrchr(from, '>');
	const char *start = from, *end = from + strlen(from);
	if (lt != NULL || gt != NULL) {
		if (lt == NULL || gt == NULL || gt < lt || gt[1] != '\0')
			return false;
		start = lt + 1;
		end = gt;
	}
	while (start < end && *start == ' ')
		start++;
	while (end > start && end[-1] == ' ')
		end--;
	size_t n = (size_t)(end - start);
	const char *at = memchr(start, '@', n);
	if (n == 0 || n >= len || at == NULL || at == start || at == end - 1 ||
	    memchr(at + 1, '@', (size_t)(end - at - 1)) != NULL)
		return false;
	for (const char *p = start; p < end; p++)
		if ((unsigned char)*p <= ' ' || *p == '<' || *p == '>' || *p == ',' || *p == '"')
			return false;
	memcpy(out, start, n);
	out[n] = '\0';
	return true;
}

char *mail_compose(const char *from, const char *to, const char *subject, const char *body,
		   const char *date, const char *message_id)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (f == NULL)
		return NULL;
	fprintf(f, "From: %s\r\nTo: <%s>\r\nSubject: ", from, to);
	if (plain_ascii(subject))
		fputs(subject, f);
	else
		encoded_words(f, subject);
	fprintf(f,
		"\r\nDate: %s\r\nMessage-ID: <%s>\r\nMIME-Version: 1.0\r\n"
		"Content-Type: text/plain; charset=UTF-8\r\n"
		"Content-Transfer-Encoding: base64\r\nAuto-Submitted: auto-generated\r\n\r\n",
		date, message_id);
	/* the body with CRLF line ends, then in base64 */
	char *crlf = NULL;
	size_t crlf_len = 0;
	FILE *g = open_memstream(&crlf, &crlf_len);
	if (g != NULL) {
		for (const char *p = body; *p; p++) {
			if (*p == '\n' && (p == body || p[-1] != '\r'))
				fputc('\r', g);
			fputc(*p, g);
		}
		fclose(g);
		base64_lines(f, (const unsigned char *)crlf, crlf_len);
		free(crlf);
	}
	fclose(f);
	return text;
}

/* The RFC 5322 date of now in UTC, without the locale's names. */
static void rfc5322_now(char *out, size_t len)
{
	static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	snprintf(out, len, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
		 months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* ---- sending (the courier's thread) -------------------------------------- */

/* Claims the next due message: its lease and attempt counted in one short
 * statement; FOR UPDATE SKIP LOCKED passes over a row another server is
 * claiming at this instant, and the lease over one it is sending. */
static const char sql_claim[] =
    "UPDATE mail_outbox SET locked_until = now() + " LEASE ","
    " next_attempt_at = now() + " LEASE ", attempts = attempts + 1"
    " WHERE id = (SELECT id FROM mail_outbox WHERE sent_at IS NULL AND failed_at IS NULL"
    "  AND next_attempt_at <= now() ORDER BY next_attempt_at, id LIMIT 1"
    "  FOR UPDATE SKIP LOCKED)"
    " RETURNING id, to_addr, subject, body, attempts";
enum { CLAIM_ID, CLAIM_TO, CLAIM_SUBJECT, CLAIM_BODY, CLAIM_ATTEMPTS };

/* Sent: the body (it may carry a token) is erased. */
static const char sql_sent[] = "UPDATE mail_outbox SET sent_at = now(), locked_until = NULL,"
			       " body = NULL, last_error = NULL WHERE id = $1";

/* Failed: the next attempt after 30 s x 2^(attempts - 1), at most 6 hours;
 * after MAX_ATTEMPTS given up. */
static const char sql_failed[] =
    "UPDATE mail_outbox SET locked_until = NULL, last_error = $2,"
    " next_attempt_at = now() + least(interval '6 hours',"
    "  interval '30 seconds' * power(2, greatest(attempts - 1, 0))),"
    " failed_at = CASE WHEN attempts >= $3::int THEN now() END,"
    " body = CASE WHEN attempts >= $3::int THEN NULL ELSE body END WHERE id = $1";

struct upload {
	const char *data;
	size_t len, off;
};

static size_t upload_read(char *buf, size_t size, size_t nitems, void *arg)
{
	struct upload *u = arg;
	size_t room = size * nitems, left = u->len - u->off;
	size_t n = left < room ? left : room;
	memcpy(buf, u->data + u->off, n);
	u->off += n;
	return n;
}

/* Sends one message over SMTP; on failure writes why into err (never the URL,
 * which may carry credentials, nor the message). */
static bool smtp_send(const char *to, const char *message, char *err, size_t errlen)
{
	char from_addr[320], angle_from[330], angle_to[330];
	if (!mail_address_of(settings.from, from_addr, sizeof from_addr)) {
		snprintf(err, errlen, "TECHEX_MAIL_FROM has no address");
		return false;
	}
	snprintf(angle_from, sizeof angle_from, "<%s>", from_addr);
	snprintf(angle_to, sizeof angle_to, "<%s>", to);
	CURL *c = curl_easy_init();
	if (c == NULL) {
		snprintf(err, errlen, "libcurl cannot start");
		return false;
	}
	struct upload u = {.data = message, .len = strlen(message)};
	struct curl_slist *rcpt = curl_slist_append(NULL, angle_to);
	char curl_err[CURL_ERROR_SIZE] = "";
	curl_easy_setopt(c, CURLOPT_URL, settings.smtp_url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(c, CURLOPT_USE_SSL,
			 (long)(settings.tls_required ? CURLUSESSL_ALL : CURLUSESSL_TRY));
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, angle_from);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, upload_read);
	curl_easy_setopt(c, CURLOPT_READDATA, &u);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)u.len);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_err);
	CURLcode code = curl_easy_perform(c);
	long reply = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply);
	curl_slist_free_all(rcpt);
	curl_easy_cleanup(c);
	if (code == CURLE_OK)
		return true;
	snprintf(err, errlen, "%s (SMTP reply %ld)%s%.200s", curl_easy_strerror(code), reply,
		 curl_err[0] ? ": " : "", curl_err);
	return false;
}

/* A Message-ID: the outbox id, random, and the sender's domain. */
static void message_id_of(const char *id, char *out, size_t len)
{
	unsigned char rnd[8];
	char hex[17], addr[320] = "techex@localhost";
	RAND_bytes(rnd, sizeof rnd);
	hex_encode(rnd, sizeof rnd, hex);
	if (!mail_address_of(settings.from, addr, sizeof addr))
		snprintf(addr, sizeof addr, "techex@localhost");
	snprintf(out, len, "techex.%s.%s%s", id, hex, strchr(addr, '@'));
}

int mail_drain(PGconn *conn, void *arg, const _Atomic bool *stop)
{
	(void)arg;
	if (settings.smtp_url == NULL || settings.smtp_url[0] == '\0')
		return 0; /* nothing is sent: `techex mail list` shows the queue */
	int handled = 0;
	while (handled < BATCH && !*stop) {
		PGresult *res = NULL;
		if (!db_run(conn, sql_claim, 0, NULL, &res))
			return -1;
		if (PQntuples(res) != 1) {
			PQclear(res);
			break;
		}
		char id[24], date[64], message_id[400], err[400] = "", max[8];
		snprintf(id, sizeof id, "%s", PQgetvalue(res, 0, CLAIM_ID));
		rfc5322_now(date, sizeof date);
		message_id_of(id, message_id, sizeof message_id);
		char *message = mail_compose(settings.from, PQgetvalue(res, 0, CLAIM_TO),
					     PQgetvalue(res, 0, CLAIM_SUBJECT),
					     PQgetvalue(res, 0, CLAIM_BODY), date, message_id);
		bool ok = message != NULL &&
			  smtp_send(PQgetvalue(res, 0, CLAIM_TO), message, err, sizeof err);
		if (message != NULL) {
			OPENSSL_cleanse(message, strlen(message));
			free(message);
		}
		int attempts = atoi(PQgetvalue(res, 0, CLAIM_ATTEMPTS));
		PQclear(res);
		snprintf(max, sizeof max, "%d", MAX_ATTEMPTS);
		const char *outcome_params[3] = {id, err, max};
		bool recorded = ok ? db_run(conn, sql_sent, 1, outcome_params, NULL)
				   : db_run(conn, sql_failed, 3, outcome_params, NULL);
		if (ok)
			log_info("mail: message %s sent", id);
		else
			log_warn("mail: message %s, attempt %d of %d, not sent: %s", id, attempts,
				 MAX_ATTEMPTS, err);
		if (!recorded)
			return -1;
		handled++;
	}
	return handled;
}

/* ---- techex mail list ---------------------------------------------------- */

int mail_cli_list(PGconn *conn)
{
	static const char sql[] =
	    "SELECT id, kind, to_addr, subject, coalesce(body, ''),"
	    " CASE WHEN sent_at IS NOT NULL THEN 'sent' WHEN failed_at IS NOT NULL THEN 'failed'"
	    " ELSE 'queued' END, " SQL_RFC3339("created_at") ", attempts, coalesce(last_error, '')"
							     " FROM mail_outbox ORDER BY id";
	enum { L_ID, L_KIND, L_TO, L_SUBJECT, L_BODY, L_STATUS, L_CREATED, L_ATTEMPTS, L_ERROR };
	PGresult *res = NULL;
	if (!db_run(conn, sql, 0, NULL, &res))
		return 1;
	int queued = 0;
	for (int i = 0; i < PQntuples(res); i++) {
		bool unsent = strcmp(PQgetvalue(res, i, L_STATUS), "queued") == 0;
		queued += unsent;
		printf("--- mail %s (%s) %s at %s, %s attempt(s)%s%s\nTo: %s\nSubject: %s\n",
		       PQgetvalue(res, i, L_ID), PQgetvalue(res, i, L_KIND),
		       PQgetvalue(res, i, L_STATUS), PQgetvalue(res, i, L_CREATED),
		       PQgetvalue(res, i, L_ATTEMPTS),
		       *PQgetvalue(res, i, L_ERROR) ? "; last error: " : "",
		       PQgetvalue(res, i, L_ERROR), PQgetvalue(res, i, L_TO),
		       PQgetvalue(res, i, L_SUBJECT));
		if (unsent)
			printf("\n%s\n", PQgetvalue(res, i, L_BODY));
		else
			printf("(body erased once %s)\n", PQgetvalue(res, i, L_STATUS));
	}
	printf("mail: %d message(s), %d waiting to be sent\n", PQntuples(res), queued);
	PQclear(res);
	return 0;
}
