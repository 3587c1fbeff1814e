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

#define log_debug(...)                                     \
	do {                                               \
		if (log_threshold <= LOG_DEBUG)            \
			log_write(LOG_DEBUG, __VA_ARGS__); \
	} while (0)
#define log_info(...)                                     \
	do {                                              \
		if (log_threshold <= LOG_INFO)            \
			log_write(LOG_INFO, __VA_ARGS__); \
	} while (0)
#define log_warn(...)                                     \
	do {                                              \
		if (log_threshold <= LOG_WARN)            \
			log_write(LOG_WARN, __VA_ARGS__); \
	} while (0)
#define log_error(...)                                     \
	do {                                               \
		if (log_threshold <= LOG_ERROR)            \
			log_write(LOG_ERROR, __VA_ARGS__); \
	} while (0)

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
