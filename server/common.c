/*
 * common.c - allocation that aborts in one place, time, hex and UUID helpers.
 */
#include "common.h"

#include <ctype.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void out_of_memory(size_t n)
{
	fprintf(stderr, "techex: out of memory allocating %zu bytes\n", n);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (p == NULL)
		out_of_memory(n);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (p == NULL)
		out_of_memory(n * size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (q == NULL)
		out_of_memory(n);
	return q;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void free_secret(char *s)
{
	if (s == NULL)
		return;
	OPENSSL_cleanse(s, strlen(s));
	free(s);
}

int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void format_rfc3339(int64_t unix_seconds, char *buf, size_t len)
{
	time_t t = (time_t)unix_seconds;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void hex_encode(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

/* Formats 16 bytes as a version 4 UUID (setting its version and variant bits). */
static void uuid_format(unsigned char b[16], char out[37])
{
	static const char hexd[] = "0123456789abcdef";
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	for (int i = 0, o = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hexd[b[i] >> 4];
		out[o++] = hexd[b[i] & 15];
	}
	out[36] = '\0';
}

void uuid_random(char out[37])
{
	unsigned char b[16];
	if (RAND_bytes(b, sizeof b) != 1) {
		fprintf(stderr, "techex: RAND_bytes failed\n");
		abort();
	}
	uuid_format(b, out);
}

/* xoshiro256** (Blackman and Vigna), one state per thread, seeded from RAND_bytes */
static _Thread_local uint64_t rid_state[4];
static _Thread_local bool rid_seeded;

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t rid_next(void)
{
	uint64_t *s = rid_state, result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

void request_id_new(char out[37])
{
	if (!rid_seeded) {
		do {
			if (RAND_bytes((unsigned char *)rid_state, sizeof rid_state) != 1) {
				fprintf(stderr, "techex: RAND_bytes failed\n");
				abort();
			}
		} while ((rid_state[0] | rid_state[1] | rid_state[2] | rid_state[3]) == 0);
		rid_seeded = true;
	}
	uint64_t v[2] = {rid_next(), rid_next()};
	unsigned char b[16];
	memcpy(b, v, sizeof b);
	uuid_format(b, out);
}

bool str_in(const char *const *list, const char *s)
{
	for (; s != NULL && *list; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

bool uuid_valid(const char *s)
{
	if (s == NULL || strlen(s) != 36)
		return false;
	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!isxdigit((unsigned char)s[i])) {
			return false;
		}
	}
	return true;
}
