/*
 * reports.h - platform statistics and the admins' audit-log view.
 */
#ifndef TECHEX_REPORTS_H
#define TECHEX_REPORTS_H

#include "../../server/json.h"
#include "../../server/router.h"

extern const struct route reports_routes[];
extern const size_t reports_routes_count;

/* Settings: seconds a server answers /v1/stats from its last computation
 * (0: computes it every time; 10 until this is called). */
void reports_init(int stats_ttl);

/* The audit log's query filters, as fields for the body validator. */
extern const struct field reports_audit_filters[];

#endif
