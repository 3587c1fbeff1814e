/*
 * mail.h - mail that arrives: a durable outbox in PostgreSQL, written in the
 * transaction of the change that causes the mail, and the courier task that
 * delivers it over SMTP with libcurl (retries with backoff, one sender per
 * message however many servers run, bodies erased once sent).
 */
#ifndef TECHEX_MAIL_H
#define TECHEX_MAIL_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "../../server/req.h"

/* Where and how mail goes; set once before serving (mail_configure). */
struct mail_settings {
	const char *smtp_url;   /* "" : nothing is sent; `techex mail list` shows the queue */
	bool tls_required;      /* smtp:// refuses to send without STARTTLS */
	const char *from;       /* "TechEx <noreply@example.cn>" or "noreply@example.cn" */
	const char *public_url; /* the links in mails start with it, no trailing '/' */
};

/* Keeps s (its strings borrowed for the process). */
void mail_configure(const struct mail_settings *s);

/* The public URL links are built on (borrowed). */
const char *mail_public_url(void);

/* Queues a plain-text UTF-8 mail to `to` in the request's transaction: nothing
 * goes out if it rolls back. kind names it in `techex mail list` ("invitation",
 * "password_reset"). RC_ERR with r->problem set on a database failure. */
enum rc mail_queue(struct req *r, const char *kind, const char *to, const char *subject,
		   const char *body) MUSTCHECK;

/* The courier's "mail" task (server/courier.h): claims due messages one at a
 * time with FOR UPDATE SKIP LOCKED and a lease, sends each outside any
 * transaction, records the outcome. Returns how many it handled, -1 when the
 * database failed. Without an SMTP URL it handles nothing. */
int mail_drain(PGconn *conn, void *arg, const _Atomic bool *stop);

/* `techex mail list`: prints the outbox (unsent messages with their bodies) on
 * stdout. Returns the exit status. */
int mail_cli_list(PGconn *conn);

/* The message as sent: RFC 5322 headers (From, To, an RFC 2047 Subject, Date,
 * Message-ID, MIME headers for text/plain; charset=UTF-8 in base64) and the
 * body, lines ended by CRLF. date is RFC 5322 text, message_id without the
 * angle brackets. Pure; caller frees. */
char *mail_compose(const char *from, const char *to, const char *subject, const char *body,
		   const char *date, const char *message_id);

/* The address part of a From setting: "a@b" of "Name <a@b>" or of "a@b",
 * into out; false when there is none. */
bool mail_address_of(const char *from, char *out, size_t len);

#endif
