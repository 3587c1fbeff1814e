/*
 * log.h - leveled logging to stderr; one JSON line per request.
 * Never pass a password, token or hash to these functions.
 */
#ifndef TECHEX_LOG_H
#define TECHEX_LOG_H

#include "common.h"
#include "config.h"

extern enum log_level log_threshold;

void log_write(enum log_level level, const char *fmt, ...) PRINTF_LIKE(2, 3);

/* The level is checked before the arguments are formatted. */
#define log_at(level, ...)                               \
	do {                                             \
		if (log_threshold <= (level))            \
			log_write((level), __VA_ARGS__); \
	} while (0)
#define log_debug(...) log_at(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_at(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_at(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_at(LOG_ERROR, __VA_ARGS__)

struct access_entry {
	const char *request_id;
	const char *method;
	const char *route; /* the matched pattern, never the raw path with ids */
	int status;
	double duration_ms;
	const char *org_id; /* NULL when unknown */
	const char *client_ip;
};

/* Writes one JSON line: {"time","level":"info","msg":"request",...}. */
void log_access(const struct access_entry *e);

#endif
