/*
 * conversations.h - private conversations on a listing between an interested
 * verified organization and the listing's owner (API.md "Negotiation,
 * conversations, attachments"). Only the two organizations see one: anyone
 * else, platform admins included, gets 404.
 */
#ifndef TECHEX_CONVERSATIONS_H
#define TECHEX_CONVERSATIONS_H

#include <jansson.h>

#include "../../server/router.h"

extern const struct route conversations_routes[];
extern const size_t conversations_routes_count;

/* Opens (or finds) the conversation of the caller's organization on listing_id
 * and adds body as a message from the caller, recording conversation.message
 * for the owner, in r's transaction. id gets the conversation's id; *opened
 * whether it is new. RC_ERR with r->problem set (404, 403) otherwise. Used by
 * the handler and the demo loader. */
enum rc conversation_open(struct req *r, const char *listing_id, const char *body, char id[37],
			  bool *opened) MUSTCHECK;

/* Adds body to the conversation named by r's path parameter {id} as the
 * caller, recording conversation.message for the other side; 404 unless the
 * caller's organization is one of its two. *out gets the message (caller
 * decrefs; out may be NULL). */
enum rc conversation_post(struct req *r, const char *body, json_t **out) MUSTCHECK;

#endif
