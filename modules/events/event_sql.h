/*
 * event_sql.h - the SQL that records events with their webhook deliveries,
 * shared by the request path (events.c) and the courier's sweeps (deliver.c).
 */
#ifndef TECHEX_EVENT_SQL_H
#define TECHEX_EVENT_SQL_H

// clang-format off
/* One statement: inserts the events source (a SELECT of type, org_id, user_id,
 * data) yields, and one delivery per enabled webhook of each event's
 * organization subscribed to its type ("*": every type). Its one row: how
 * many events (FANOUT_EVENTS), how many deliveries (FANOUT_DELIVERIES). */
#define EVENT_FANOUT_CTES(source)                                                          \
	"ev AS (INSERT INTO events (type, org_id, user_id, data) " source                      \
	" RETURNING id, org_id, type),"                                                        \
	" dl AS (INSERT INTO webhook_deliveries (webhook_id, event_id)"                        \
	" SELECT w.id, ev.id FROM ev JOIN webhooks w ON w.org_id = ev.org_id AND w.enabled"    \
	" AND (ev.type = ANY (w.events) OR '*' = ANY (w.events)) RETURNING 1)"                 \
	" SELECT (SELECT count(*) FROM ev), (SELECT count(*) FROM dl)"
#define EVENT_FANOUT(source) "WITH " EVENT_FANOUT_CTES(source)
/* The same after WITH clauses of the caller's own (source may read them). */
#define EVENT_FANOUT_AFTER(source) ", " EVENT_FANOUT_CTES(source)
// clang-format on
enum { FANOUT_EVENTS, FANOUT_DELIVERIES };

#endif
