/*
 * conversations.c - private conversations on a listing (conversations.h).
 *
 * One conversation per (listing, interested organization): opening it again
 * adds the message to the one that exists (200 instead of 201), so the two
 * sides never talk past each other in two threads. Only members of the two
 * organizations see it; anyone else, platform admins included, gets 404, as
 * for an unknown id. Each message records conversation.message for the other
 * side in the same transaction.
 */
#include "conversations.h"

#include <stdio.h>
#include <string.h>

#include "../../server/cursor.h"
#include "../../server/db.h"
#include "../../server/json.h"
#include "../events/events.h"
#include "../listings/listings.h"
#include "../platform/platform.h"

#define US(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

/* Messages a conversation carries inline; the rest are paged. */
#define INLINE_MESSAGES "20"

// clang-format off
/* The API shape of a message (jsonb), on conversation_messages m. */
#define MESSAGE_OBJ                                                                        \
	"jsonb_build_object('id', m.id::text, 'conversation_id', m.conversation_id,"         \
	" 'org_id', m.org_id, 'user_id', m.user_id, 'body', m.body,"                         \
	" 'created_at', " SQL_RFC3339("m.created_at") ")"

/* The API shape of a conversation (jsonb), on conversations v and its listing l,
 * with its latest messages, oldest first. */
#define CONVERSATION_OBJ                                                                   \
	"jsonb_build_object('id', v.id, 'listing_id', v.listing_id, 'listing_title', l.title,"\
	" 'org_id', v.org_id, 'owner_org_id', v.owner_org_id,"                               \
	" 'message_count', (SELECT count(*) FROM conversation_messages m"                    \
	"   WHERE m.conversation_id = v.id),"                                                \
	" 'messages', (SELECT coalesce(jsonb_agg(x.o ORDER BY x.id), '[]'::jsonb) FROM"      \
	"   (SELECT " MESSAGE_OBJ " AS o, m.id FROM conversation_messages m"                 \
	"    WHERE m.conversation_id = v.id ORDER BY m.id DESC LIMIT " INLINE_MESSAGES ") x),"  \
	" 'created_at', " SQL_RFC3339("v.created_at") ","                                    \
	" 'updated_at', " SQL_RFC3339("v.updated_at") ")"
// clang-format on

static const struct stmt st_get = {
    "conversations_get",
    "SELECT " CONVERSATION_OBJ "::text, v.version, v.org_id, v.owner_org_id, v.listing_id"
    " FROM conversations v JOIN listings l ON l.id = v.listing_id WHERE v.id = $1",
    1};
enum { C_JSON, C_VERSION, C_ORG, C_OWNER, C_LISTING };

/* The listing a conversation opens on. */
static const struct stmt st_listing = {
    "conversations_listing",
    "SELECT l.org_id, " LISTING_VISIBLE_TO_PUBLIC " FROM listings l WHERE l.id = $1", 1};
enum { L_ORG, L_VISIBLE_TO_PUBLIC };

/* Opens the conversation of $2 on listing $1 (owner $3, by user $4), or finds
 * it; returns its id and whether it was made now. */
static const struct stmt st_open = {
    "conversations_open",
    "WITH n AS (INSERT INTO conversations (listing_id, org_id, owner_org_id, created_by)"
    "   VALUES ($1, $2, $3, $4) ON CONFLICT (listing_id, org_id) DO NOTHING RETURNING id)"
    " SELECT id, true FROM n UNION ALL"
    " SELECT id, false FROM conversations WHERE listing_id = $1 AND org_id = $2"
    " AND NOT EXISTS (SELECT 1 FROM n)",
    4};
enum { OPEN_ID, OPEN_NEW };

/* Adds a message from org $2, user $3 to conversation $1. */
static const struct stmt st_add = {
    "conversations_add",
    "WITH v AS (UPDATE conversations SET updated_at = now(), version = version + 1"
    "   WHERE id = $1 RETURNING id),"
    " m AS (INSERT INTO conversation_messages (conversation_id, org_id, user_id, body)"
    "   SELECT v.id, $2, $3, $4 FROM v RETURNING *)"
    " SELECT " MESSAGE_OBJ "::text, m.id FROM m",
    4};
enum { M_JSON, M_ID };

/* The caller's organization's conversations, newest first. */
static const struct stmt st_list = {
    "conversations_list",
    "SELECT " CONVERSATION_OBJ "::text, v.version, " US(
	"v.created_at") ", v.id"
			" FROM conversations v JOIN listings l ON l.id = v.listing_id"
			" WHERE (v.org_id = $1 OR v.owner_org_id = $1)"
			" AND ($2::timestamptz IS NULL OR (v.created_at, v.id) < ($2::timestamptz, "
			"$3::uuid))"
			" ORDER BY v.created_at DESC, v.id DESC LIMIT $4",
    4};

/* A conversation's messages, oldest first, after message id $2. */
static const struct stmt st_messages = {
    "conversations_messages",
    "SELECT " MESSAGE_OBJ "::text, 1, m.id FROM conversation_messages m"
    " WHERE m.conversation_id = $1 AND m.id > coalesce($2::bigint, 0)"
    " ORDER BY m.id LIMIT $3",
    3};

static const struct field open_spec[] = {
    {.name = "message", .type = F_STRING, .required = true, .min = 1, .max = 5000},
    {0},
};

static const struct field message_spec[] = {
    {.name = "body", .type = F_STRING, .required = true, .min = 1, .max = 5000},
    {0},
};

static bool same(const char *a, const char *b)
{
	return a != NULL && b != NULL && a[0] != '\0' && strcmp(a, b) == 0;
}

/* Members of the two organizations only: a conversation is private. */
static bool may_see(const struct req *r, const PGresult *row)
{
	return same(r->auth.org_id, PQgetvalue(row, 0, C_ORG)) ||
	       same(r->auth.org_id, PQgetvalue(row, 0, C_OWNER));
}

/* Adds body from the caller to conversation id, and conversation.message for
 * to_org; *out gets the message's JSON (caller decrefs) when out is not NULL. */
static enum rc add_message(struct req *r, const char *id, const char *listing_id,
			   const char *to_org, const char *body, json_t **out)
{
	const char *add_params[4] = {id, r->auth.org_id, r->auth.user_id, body};
	PGresult *res = db_exec(r, &st_add, add_params);
	if (res == NULL)
		return RC_ERR;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return db_not_found(r, "conversation");
	}
	json_t *data = json_pack("{s:s, s:s, s:s}", "conversation_id", id, "listing_id", listing_id,
				 "message_id", PQgetvalue(res, 0, M_ID));
	if (out != NULL)
		*out = json_loads(PQgetvalue(res, 0, M_JSON), 0, NULL);
	PQclear(res);
	if (event_record(r, "conversation.message", to_org, NULL, data) != RC_OK ||
	    audit_write(r, "conversation.message", "conversation", id, NULL,
			json_pack("{s:s}", "to_org_id", to_org)) != RC_OK) {
		if (out != NULL) {
			json_decref(*out);
			*out = NULL;
		}
		return RC_ERR;
	}
	return RC_OK;
}

enum rc conversation_open(struct req *r, const char *listing_id, const char *body, char id[37],
			  bool *opened)
{
	if (!r->auth.org_id[0] || strcmp(r->auth.org_status, "verified") != 0)
		return problem_set(r, 403, "organization-not-verified",
				   "only members of a verified organization can open a "
				   "conversation");
	if (!uuid_valid(listing_id))
		return problem_set(r, 404, "not-found", "no listing has this id");
	const char *listing_params[1] = {listing_id};
	PGresult *listing = db_exec(r, &st_listing, listing_params);
	if (listing == NULL)
		return RC_ERR;
	char owner[37] = "";
	bool visible =
	    PQntuples(listing) == 1 &&
	    listing_visible(r, PQgetvalue(listing, 0, L_ORG),
			    strcmp(PQgetvalue(listing, 0, L_VISIBLE_TO_PUBLIC), "t") == 0);
	if (visible)
		snprintf(owner, sizeof owner, "%s", PQgetvalue(listing, 0, L_ORG));
	PQclear(listing);
	if (!visible)
		return problem_set(r, 404, "not-found", "no listing has this id");
	if (same(r->auth.org_id, owner))
		return problem_set(r, 403, "own-listing",
				   "an organization does not open a conversation on its own "
				   "listing: the interested organizations do");
	const char *open_params[4] = {listing_id, r->auth.org_id, owner, r->auth.user_id};
	PGresult *res = db_exec(r, &st_open, open_params);
	if (res == NULL)
		return RC_ERR;
	if (PQntuples(res) != 1) {
		/* opened by a request that committed after this statement began: run again */
		PQclear(res);
		problem_set(r, 409, "conflict", "the conversation was opened at the same time");
		r->problem.retry = true;
		return RC_ERR;
	}
	snprintf(id, 37, "%s", PQgetvalue(res, 0, OPEN_ID));
	*opened = strcmp(PQgetvalue(res, 0, OPEN_NEW), "t") == 0;
	PQclear(res);
	if (*opened && audit_write(r, "conversation.open", "conversation", id, NULL,
				   json_pack("{s:s}", "listing_id", listing_id)) != RC_OK)
		return RC_ERR;
	return add_message(r, id, listing_id, owner, body, NULL);
}

/* Replies with conversation id as it now is (status 200 or 201). */
static enum rc reply_conversation(struct req *r, int status, const char *id)
{
	const char *get_params[1] = {id};
	PGresult *res = db_exec(r, &st_get, get_params);
	if (res == NULL)
		return RC_ERR;
	enum rc rc =
	    reply_stored(r, status, PQgetvalue(res, 0, C_JSON), PQgetvalue(res, 0, C_VERSION));
	PQclear(res);
	return rc;
}

/* POST /v1/listings/{id}/conversations */
static enum rc conversations_open(struct req *r)
{
	if (body_read_valid(r, open_spec) != RC_OK)
		return RC_ERR;
	char id[37];
	bool opened = false;
	if (conversation_open(r, req_param(r, "id"),
			      json_string_value(json_object_get(r->json, "message")), id,
			      &opened) != RC_OK)
		return RC_ERR;
	reply_location(r, "/v1/conversations/{id}", id);
	return reply_conversation(r, opened ? 201 : 200, id);
}

/* GET /v1/conversations/{id} */
static enum rc conversations_get(struct req *r)
{
	return db_reply_visible(r, &st_get, "conversation", may_see);
}

enum rc conversation_post(struct req *r, const char *body, json_t **out)
{
	PGresult *res = db_load_visible(r, &st_get, "conversation", may_see);
	if (res == NULL)
		return RC_ERR;
	bool from_owner = same(r->auth.org_id, PQgetvalue(res, 0, C_OWNER));
	enum rc rc = add_message(r, req_param(r, "id"), PQgetvalue(res, 0, C_LISTING),
				 PQgetvalue(res, 0, from_owner ? C_ORG : C_OWNER), body, out);
	PQclear(res);
	return rc;
}

/* POST /v1/conversations/{id}/messages */
static enum rc conversations_post(struct req *r)
{
	if (body_read_valid(r, message_spec) != RC_OK)
		return RC_ERR;
	json_t *message = NULL;
	if (conversation_post(r, json_string_value(json_object_get(r->json, "body")), &message) !=
	    RC_OK)
		return RC_ERR;
	if (message == NULL)
		return problem_set(r, 500, "internal", "could not read the new message");
	reply_json(r, 201, message);
	return RC_OK;
}

/* GET /v1/conversations/{id}/messages: oldest first, paged by id. */
static enum rc conversations_messages(struct req *r)
{
	int limit;
	struct cursor c;
	char lim[16];
	PGresult *res = NULL;
	if (page_only(r, "n", &limit, &c, lim) != RC_OK ||
	    (res = db_load_visible(r, &st_get, "conversation", may_see)) == NULL)
		return RC_ERR;
	PQclear(res);
	const char *messages_params[3] = {req_param(r, "id"), c.nparts ? c.parts[0] : NULL, lim};
	if ((res = db_exec(r, &st_messages, messages_params)) == NULL)
		return RC_ERR;
	reply_page(r, res, limit, 1);
	return RC_OK;
}

/* GET /v1/conversations: both sides', newest first; none without an organization. */
static enum rc conversations_list(struct req *r)
{
	int limit;
	struct cursor c;
	char lim[16];
	if (page_only(r, "tu", &limit, &c, lim) != RC_OK)
		return RC_ERR;
	const char *list_params[4] = {r->auth.org_id[0] ? r->auth.org_id : NULL,
				      c.nparts ? c.parts[0] : NULL, c.nparts ? c.parts[1] : NULL,
				      lim};
	return reply_page_of(r, db_exec(r, &st_list, list_params), limit, 2);
}

const struct route conversations_routes[] = {
    {M_POST, "/v1/listings/{id}/conversations", conversations_open,
     ROUTE_TX | ROUTE_AUTH | ROUTE_IDEMPOTENT, "openConversation", NULL},
    {M_GET, "/v1/conversations", conversations_list, ROUTE_AUTH, "listConversations", NULL},
    {M_GET, "/v1/conversations/{id}", conversations_get, ROUTE_AUTH, "getConversation", NULL},
    {M_GET, "/v1/conversations/{id}/messages", conversations_messages, ROUTE_AUTH,
     "listConversationMessages", NULL},
    {M_POST, "/v1/conversations/{id}/messages", conversations_post,
     ROUTE_TX | ROUTE_AUTH | ROUTE_IDEMPOTENT, "postConversationMessage", NULL},
};
const size_t conversations_routes_count = ARRAY_LEN(conversations_routes);
