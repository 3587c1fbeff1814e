/*
 * log.c - log lines are JSON objects, one per line, on stderr.
 */
#include "log.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>

enum log_level log_threshold = LOG_INFO;

static const char *const level_text[] = {"debug", "info", "warn", "error"};

static void timestamp(char *buf, size_t len)
{
	struct timeval tv;
	struct tm tm;
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%03dZ", (int)(tv.tv_usec / 1000));
}

static void emit(json_t *line)
{
	char *text = json_dumps(line, JSON_COMPACT);
	if (text != NULL) {
		fprintf(stderr, "%s\n", text);
		free(text);
	}
	json_decref(line);
}

void log_write(enum log_level level, const char *fmt, ...)
{
	char ts[40], msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	timestamp(ts, sizeof ts);
	emit(json_pack("{s:s, s:s, s:s}", "time", ts, "level", level_text[level], "msg", msg));
}

void log_access(const struct access_entry *e)
{
	char ts[40];
	if (log_threshold > LOG_INFO)
		return;
	timestamp(ts, sizeof ts);
	json_t *line = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:f, s:s}", "time", ts,
				 "level", "info", "msg", "request", "request_id", e->request_id,
				 "method", e->method, "route", e->route, "status", e->status,
				 "duration_ms", e->duration_ms, "client", e->client_ip);
	if (line == NULL)
		return;
	if (e->org_id != NULL && *e->org_id != '\0')
		json_object_set_new(line, "org_id", json_string(e->org_id));
	emit(line);
}
