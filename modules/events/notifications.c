/*
 * notifications.c - the inbox: GET /v1/notifications (the caller's
 * organization's events and its own, newest first) and POST
 * /v1/notifications/read (a read mark per user: that event and every older one).
 */
#include <stdio.h>
#include <string.h>

#include "../../server/cursor.h"
#include "../../server/db.h"
#include "../../server/json.h"
#include "../platform/platform.h"
#include "events.h"
#include "events_internal.h"

// clang-format off
/* An event e as the API shows it; read: whether it is at or below the mark m. */
#define EVENT_OBJ(mark)                                                                    \
	"jsonb_build_object('id', e.id::text, 'type', e.type, 'created_at', "                  \
	SQL_RFC3339("e.created_at") ", 'org_id', e.org_id, 'user_id', e.user_id,"             \
	" 'data', e.data, 'read', e.id <= " mark ")"
#define READ_MARK EVENTS_READ_MARK("$2")
// clang-format on

/* A page of the inbox of user $2 in organization $1 (NULL: none): newest
 * first, after the cursor $3 (an event id), unread only when $4; $5 rows. The
 * organization's events and the user's own (not the organization's) are read
 * apart, each newest first by its index, and merged. */
#define INBOX_PART(who)                                                                       \
	"(SELECT * FROM events e WHERE " who " AND ($3::bigint IS NULL OR e.id < $3::bigint)" \
	" AND (NOT $4::boolean OR e.id > m.up_to) ORDER BY e.id DESC LIMIT $5)"
static const struct stmt st_list = {
    "notifications_list",
    "SELECT " EVENT_OBJ(
	"m.up_to") "::text, '1', e.id::text FROM"
		   " (SELECT " READ_MARK " AS up_to) m, LATERAL (" INBOX_PART(
		       "e.org_id = $1::uuid") " UNION ALL " INBOX_PART("e.user_id = $2::uuid AND "
								       "e.org_id IS DISTINCT FROM "
								       "$1::uuid") ") e ORDER BY "
										   "e.id DESC "
										   "LIMIT $5",
    5};

/* Whether event $3 is one of the inbox of user $2 in organization $1. */
static const struct stmt st_visible = {
    "notifications_visible",
    "SELECT 1 FROM events e WHERE e.id = $3::bigint AND (e.org_id = $1::uuid OR e.user_id = "
    "$2::uuid)",
    3};

/* Moves user $1's read mark up to $2 (never down). */
static const struct stmt st_mark = {
    "notifications_mark",
    "INSERT INTO notification_reads AS nr (user_id, up_to) VALUES ($1, $2::bigint)"
    " ON CONFLICT (user_id) DO UPDATE SET up_to = greatest(nr.up_to, excluded.up_to),"
    " updated_at = now()",
    2};

static const struct field read_spec[] = {
    {.name = "up_to", .type = F_TEXT1, .required = true, .min = 1, .max = 19},
    {0},
};

static const char *caller_org(const struct req *r)
{
	return r->auth.org_id[0] ? r->auth.org_id : NULL;
}

/* GET /v1/notifications[?unread=true]: the caller's inbox, newest first. */
static enum rc notifications_list(struct req *r)
{
	static const char *const bools[] = {"true", "false", NULL};
	const char *unread;
	struct page p;
	if (page_filtered(r, "unread", bools, N_("must be true or false"), &unread, "n", &p) !=
	    RC_OK)
		return RC_ERR;
	bool only_unread = unread && strcmp(unread, "true") == 0;
	const char *params[5] = {caller_org(r), r->auth.user_id,
				 p.cur.nparts ? p.cur.parts[0] : NULL,
				 only_unread ? "true" : "false"};
	return events_reply_page(r, &st_list, params, 5, p.limit, 1);
}

/* POST /v1/notifications/read {up_to}: that event and every older one of the
 * caller's inbox are read (for the caller) -> 204. */
static enum rc notifications_read(struct req *r)
{
	if (body_read_valid(r, read_spec) != RC_OK)
		return RC_ERR;
	const char *up_to = json_string_value(json_object_get(r->json, "up_to"));
	if (!cursor_part_valid(up_to, 'n') || strcmp(up_to, "0") == 0) {
		problem_field(r, "up_to", "must be the id of a notification");
		return problem_fields_done(r);
	}
	const char *visible_params[3] = {caller_org(r), r->auth.user_id, up_to};
	bool found;
	if (db_found(r, &st_visible, visible_params, &found) != RC_OK)
		return RC_ERR;
	if (!found) {
		problem_field(r, "up_to", "names no notification of yours");
		return problem_fields_done(r);
	}
	const char *mark_params[2] = {r->auth.user_id, up_to};
	PGresult *res = db_exec(r, &st_mark, mark_params);
	if (res == NULL)
		return RC_ERR;
	PQclear(res);
	if (audit_write(r, "notifications.read", "user", r->auth.user_id, NULL,
			json_pack("{s:s}", "up_to", up_to)) != RC_OK)
		return RC_ERR;
	reply_empty(r, 204);
	return RC_OK;
}

const struct route notifications_routes[] = {
    {M_GET, "/v1/notifications", notifications_list, ROUTE_AUTH, "listNotifications", NULL},
    {M_POST, "/v1/notifications/read", notifications_read, ROUTE_TX | ROUTE_AUTH,
     "markNotificationsRead", NULL},
};
const size_t notifications_routes_count = ARRAY_LEN(notifications_routes);
