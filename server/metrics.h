/*
 * metrics.h - counters for /metrics in the Prometheus text format.
 * metrics_observe() and metrics_render() run on the I/O loop only.
 */
#ifndef TECHEX_METRICS_H
#define TECHEX_METRICS_H

#include "router.h"

void metrics_init(const struct router *rt);
/* Records one finished request; route may be NULL (no route matched). */
void metrics_observe(const struct route *route, int status, double seconds);
/* Renders every metric; caller frees. */
char *metrics_render(void);
void metrics_free(void);

/* Open connections, maintained by the HTTP layer. */
extern int metrics_open_connections;

#endif
