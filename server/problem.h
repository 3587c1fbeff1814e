/*
 * problem.h - the one error type: an HTTP status, an RFC 9457 problem type,
 * a detail, the field errors of a validation failure, and the SQLSTATE when the
 * database raised it.
 */
#ifndef TECHEX_PROBLEM_H
#define TECHEX_PROBLEM_H

#include <jansson.h>

#include "common.h"
#include "i18n.h"

struct problem {
	int status;        /* 0 while no problem is set */
	const char *slug;  /* problem type, e.g. "validation"; static */
	char detail[1024]; /* in lang; UTF-8, cut at a character's end */
	enum lang lang;    /* of title, detail and field messages: the request's */
	char sqlstate[6];
	json_t *errors;  /* [{field, message}], owned; NULL if none */
	int retry_after; /* seconds, for 429 and 503; 0 for none */
	bool retry;      /* a serialization failure or deadlock (set by db.c): the worker
			  * re-runs the transaction; the status says what a client sees
			  * once the retries run out */
	bool commit;     /* the transaction commits although this problem is the answer
			  * (problem_commit) */
	char allow[64];  /* for 405 */
};

struct req;

/* Sets the request's problem; returns RC_ERR so handlers can `return problem_set(...)`.
 * fmt is English and a literal (xgettext extracts it for po/zh_CN.po); it is
 * translated into the language of the request's Accept-Language before the
 * arguments are formatted into it. */
enum rc problem_set(struct req *r, int status, const char *slug, const char *fmt, ...)
    PRINTF_LIKE(4, 5);

/* As problem_set, but the request's transaction commits what it wrote before the
 * problem (a failed login's record, say) instead of rolling back. */
enum rc problem_commit(struct req *r, int status, const char *slug, const char *fmt, ...)
    PRINTF_LIKE(4, 5);

/* Records one bad field; the caller turns the collection into a 422 with
 * problem_fields_done(). fmt is translated as problem_set's. */
void problem_field(struct req *r, const char *field, const char *fmt, ...) PRINTF_LIKE(3, 4);

/* The language a request's problems are written in (its Accept-Language). */
enum lang problem_lang(const struct req *r);

/* msgid (English, marked with N_() where it is defined) in the language of r's
 * problems: for a message made elsewhere and passed as a "%s" argument.
 * Borrowed. */
const char *problem_tr(const struct req *r, const char *msgid);

/* If any field errors were recorded, sets a 422 validation problem and returns RC_ERR. */
enum rc problem_fields_done(struct req *r) MUSTCHECK;

/* Maps a SQLSTATE to an HTTP status: 23505 -> 409, 23503 -> 422, 40001/40P01 -> 0 (retry),
 * connection errors -> 503, everything else -> 500. */
int problem_status_for_sqlstate(const char *sqlstate);

/* The English title of a status ("Not Found"), as in the status line. */
const char *problem_title(int status);

/* Builds the problem+json body. Caller owns (json_decref). */
json_t *problem_to_json(const struct problem *p, const char *instance);

void problem_clear(struct problem *p);

#endif
