/*
 * common.h - small shared definitions: result codes, allocation, helpers.
 */
#ifndef TECHEX_COMMON_H
#define TECHEX_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MUSTCHECK __attribute__((warn_unused_result))
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* The most fen any one amount a client sends may hold (10^15 fen, ten trillion
 * yuan): prices, bids, counters, contract terms, sales and payments. Sums of
 * capped amounts are computed in numeric by the database. */
#define MAX_FEN 1000000000000000LL

/* Result of a fallible function: zero is success, never 1. */
enum rc {
	RC_OK = 0,
	RC_ERR,   /* failed; the problem is recorded where the caller can see it */
	RC_RETRY, /* serialization failure or deadlock: re-run the transaction */
};

/* Allocation that cannot fail: on out-of-memory the process aborts in one place. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Wipes then frees a secret string (password, token). NULL is fine. */
void free_secret(char *s);

/* Current wall-clock time in milliseconds and monotonic time in nanoseconds. */
int64_t now_ms(void);
int64_t mono_ns(void);

/* Formats unix seconds as RFC 3339 UTC ("2026-03-01T00:00:00Z") into buf (>= 21 bytes). */
void format_rfc3339(int64_t unix_seconds, char *buf, size_t len);

/* Lower-case hex of n bytes into out (2n+1 bytes). */
void hex_encode(const unsigned char *in, size_t n, char *out);

/* A random UUID v4 string (37 bytes with NUL) from OpenSSL's RAND_bytes. */
void uuid_random(char out[37]);

/* A UUID-shaped id for a request: version 4 bits, from a fast per-thread
 * generator seeded by RAND_bytes. Unique in practice, not for secrets. */
void request_id_new(char out[37]);

/* True if s (may be NULL) is one of the strings of list (NULL-terminated). */
bool str_in(const char *const *list, const char *s);

/* True if s is a canonical UUID (8-4-4-4-12 hex digits). */
bool uuid_valid(const char *s);

#endif
