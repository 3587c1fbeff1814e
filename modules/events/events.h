/*
 * events.h - the events of API.md "Notifications and webhooks": what a state
 * change records, in the request's transaction, for the organizations (or the
 * one person) it concerns. The inbox and the webhooks read them.
 *
 * Recording is a transactional outbox: the event row, and one delivery row per
 * enabled webhook of the organization subscribed to the type, are written by
 * one statement in the caller's transaction, so nothing is announced for a
 * change that rolled back and nothing is lost when the process dies. An
 * organization without webhooks costs one index probe more than the INSERT.
 */
#ifndef TECHEX_EVENTS_H
#define TECHEX_EVENTS_H

#include <jansson.h>
#include <libpq-fe.h>

#include "../../server/common.h"
#include "../../server/router.h"

struct req;

/* Every event type of API.md's catalogue, NULL-terminated. */
extern const char *const event_types[];

/* Records one event of type (a name of API.md's catalogue, "bid.received")
 * for org_id, or for the person user_id when org_id is NULL (at least one is
 * set), in r's transaction. data is the thin payload (ids and key fields): a
 * JSON object, stolen (NULL: {}). Returns RC_OK, or RC_ERR with r->problem set. */
enum rc event_record(struct req *r, const char *type, const char *org_id, const char *user_id,
		     json_t *data) MUSTCHECK;

/* The same event for each of two organizations (once when they are the same;
 * a NULL one is skipped). data is stolen. */
enum rc event_record_pair(struct req *r, const char *type, const char *org_a, const char *org_b,
			  json_t *data) MUSTCHECK;

/* The same event for both parties of contract contract_id (licensor and
 * licensee), read in r's transaction. data is stolen; "contract_id" is added. */
enum rc event_record_contract(struct req *r, const char *type, const char *contract_id,
			      json_t *data) MUSTCHECK;

/* The same event for both parties of the contract of notice notice_id. data is
 * stolen; "notice_id" and "contract_id" are added. */
enum rc event_record_notice(struct req *r, const char *type, const char *notice_id,
			    json_t *data) MUSTCHECK;

/* What a module's state change means as an event (emit.c); each records
 * nothing for a change that is not in the catalogue. */
/* A listing's transition action ("approve": listing.approved, "reject":
 * listing.rejected, with the reason) for its organization. */
enum rc event_listing_moved(struct req *r, const char *action, const char *listing_id,
			    const char *org_id, const char *reason) MUSTCHECK;
/* A payment now in status to ("reported", "confirmed", "disputed") for both
 * parties of its contract. */
enum rc event_payment_moved(struct req *r, const char *to, const char *contract_id,
			    const char *payment_id, long long amount_fen) MUSTCHECK;
/* A contract drafted (from bid_id), signed by party ("licensor", "licensee";
 * to is its status after: "active" adds contract.activated), or ended with
 * reason (contract.terminated): for both parties. */
enum rc event_contract_drafted(struct req *r, const char *contract_id,
			       const char *bid_id) MUSTCHECK;
enum rc event_contract_signed(struct req *r, const char *contract_id, const char *party,
			      const char *to) MUSTCHECK;
enum rc event_contract_ended(struct req *r, const char *contract_id, const char *reason) MUSTCHECK;
/* An organization now in status ("verified": org.verified) for itself. */
enum rc event_org_moved(struct req *r, const char *status, const char *org_id) MUSTCHECK;

/* SQL: the id of the last event user (a uuid column or parameter) has read. */
#define EVENTS_READ_MARK(user) \
	"coalesce((SELECT nr.up_to FROM notification_reads nr WHERE nr.user_id = " user "), 0)"

/* SQL: how many events user of organization org has not read yet, counted up
 * to 1,000: the organization's and the user's own (not the organization's)
 * after the read mark, each an index range scan (events_org_idx,
 * events_user_idx) however many events others have. */
#define EVENTS_UNREAD_SQL(user, org)                                                        \
	"(SELECT least(count(*), 1000) FROM ((SELECT 1 FROM events e WHERE e.org_id = " org \
	" AND e.id > " EVENTS_READ_MARK(                                                    \
	    user) " LIMIT 1000) UNION ALL (SELECT 1 FROM events e"                          \
		  " WHERE e.user_id = " user " AND e.org_id IS DISTINCT FROM " org          \
		  " AND e.id > " EVENTS_READ_MARK(user) " LIMIT 1000)) unread)"

/* The inbox's routes (notifications.c) and the webhooks' (webhooks.c). */
extern const struct route notifications_routes[];
extern const size_t notifications_routes_count;
extern const struct route webhooks_routes[];
extern const size_t webhooks_routes_count;

struct webhook_settings {
	const char *secret_key; /* TECHEX_SECRET_KEY; "" : webhooks cannot be created (503) */
	bool allow_private;     /* TECHEX_WEBHOOK_ALLOW_PRIVATE: http and private targets too */
	int retry_scale_bp;     /* TECHEX_WEBHOOK_RETRY_SCALE_BP: the schedule x bp/10000 */
	int timeout;            /* TECHEX_WEBHOOK_TIMEOUT: seconds an endpoint has to answer */
};

/* Takes the settings (borrowed for the process) and derives the key that
 * encrypts signing secrets. Call once at start-up, before any thread. */
void webhooks_configure(const struct webhook_settings *settings);

/* TECHEX_WEBHOOK_ALLOW_PRIVATE as configured. */
bool webhooks_allow_private(void);

/* The courier task (server/courier.h) that delivers due webhook deliveries,
 * purges events past retention and announces notices that closed clean. */
int webhooks_drain(PGconn *conn, void *arg, const _Atomic bool *stop);

#endif
