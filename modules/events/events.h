/*
 * events.h - the events of API.md "Notifications and webhooks": what a state
 * change records, in the request's transaction, for the organizations (or the
 * one person) it concerns. The inbox and the webhooks read them.
 */
#ifndef TECHEX_EVENTS_H
#define TECHEX_EVENTS_H

#include <jansson.h>

#include "../../server/common.h"

struct req;

/* Records one event of type (a name of API.md's catalogue, "bid.received")
 * for org_id, or for the person user_id when org_id is NULL (at least one is
 * set), in r's transaction. data is the thin payload (ids and key fields): a
 * JSON object, stolen (NULL: {}). Returns RC_OK, or RC_ERR with r->problem set. */
enum rc event_record(struct req *r, const char *type, const char *org_id, const char *user_id,
		     json_t *data) MUSTCHECK;

#endif
