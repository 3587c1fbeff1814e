/*
 * events.c - recording events in the request's transaction, with their
 * webhook deliveries (events.h).
 */
#include "events.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../server/cursor.h"
#include "../../server/db.h"
#include "../../server/req.h"
#include "event_sql.h"
#include "events_internal.h"

const char *const event_types[] = {"listing.approved",
				   "listing.rejected",
				   "bid.received",
				   "bid.countered",
				   "bid.accepted",
				   "bid.rejected",
				   "bid.withdrawn",
				   "bid.outbid",
				   "auction.extended",
				   "auction.ended",
				   "contract.drafted",
				   "contract.signed",
				   "contract.activated",
				   "contract.terminated",
				   "notice.opened",
				   "notice.objection_filed",
				   "notice.closed",
				   "royalty_report.submitted",
				   "payment.reported",
				   "payment.confirmed",
				   "payment.disputed",
				   "dispute.opened",
				   "dispute.resolved",
				   "need.matched",
				   "proposal.received",
				   "waste_transfer.confirmed",
				   "org.verified",
				   "member.joined",
				   NULL};

/* Nobody reads an event statement's result (the event and its deliveries): it
 * is deferred (db_exec_deferred) and goes out with the request's next statement
 * or its COMMIT; the courier finds new deliveries within its idle second. */

/* $1 type, $2 the organizations (uuid[], '{NULL}' for a person's), $3 the
 * person, $4 data */
static const struct stmt st_record = {
    "events_record",
    EVENT_FANOUT("SELECT $1::text, o.id, $3::uuid, $4::jsonb FROM unnest($2::uuid[]) AS o(id)"), 4};

/* $1 type, $2 the contract, $3 data: both parties */
static const struct stmt st_record_contract = {
    "events_record_contract",
    EVENT_FANOUT("SELECT DISTINCT $1::text, o.id, NULL::uuid, $3::jsonb"
		 " || jsonb_build_object('contract_id', c.id) FROM contracts c,"
		 " unnest(ARRAY[c.licensor_org_id, c.licensee_org_id]) AS o(id)"
		 " WHERE c.id = $2::uuid"),
    3};

/* $1 type, $2 the notice, $3 data: both parties of its contract */
static const struct stmt st_record_notice = {
    "events_record_notice",
    EVENT_FANOUT("SELECT DISTINCT $1::text, o.id, NULL::uuid, $3::jsonb"
		 " || jsonb_build_object('notice_id', n.id, 'contract_id', c.id)"
		 " FROM notices n JOIN contracts c ON c.id = n.contract_id,"
		 " unnest(ARRAY[c.licensor_org_id, c.licensee_org_id]) AS o(id)"
		 " WHERE n.id = $2::uuid"),
    3};

/* data as text (stolen): "{}" for NULL. Caller frees. */
static char *data_text(json_t *data)
{
	char *text = data ? json_dumps(data, JSON_COMPACT) : NULL;
	json_decref(data);
	return text ? text : xstrdup("{}");
}

static enum rc record_orgs(struct req *r, const char *type, const char *org_a, const char *org_b,
			   const char *user_id, json_t *data)
{
	char orgs[80];
	if (org_a == NULL)
		org_a = org_b, org_b = NULL;
	if (org_a == NULL)
		snprintf(orgs, sizeof orgs, "{NULL}");
	else if (org_b == NULL || strcmp(org_a, org_b) == 0)
		snprintf(orgs, sizeof orgs, "{%s}", org_a);
	else
		snprintf(orgs, sizeof orgs, "{%s,%s}", org_a, org_b);
	char *text = data_text(data);
	const char *params[4] = {type, orgs, user_id, text};
	enum rc rc = db_exec_deferred(r, &st_record, params);
	free(text);
	return rc;
}

enum rc event_record(struct req *r, const char *type, const char *org_id, const char *user_id,
		     json_t *data)
{
	return record_orgs(r, type, org_id, NULL, user_id, data);
}

enum rc event_record_pair(struct req *r, const char *type, const char *org_a, const char *org_b,
			  json_t *data)
{
	return record_orgs(r, type, org_a, org_b, NULL, data);
}

static enum rc record_by(struct req *r, const struct stmt *st, const char *type, const char *id,
			 json_t *data)
{
	char *text = data_text(data);
	const char *params[3] = {type, id, text};
	enum rc rc = db_exec_deferred(r, st, params);
	free(text);
	return rc;
}

enum rc event_record_contract(struct req *r, const char *type, const char *contract_id,
			      json_t *data)
{
	return record_by(r, &st_record_contract, type, contract_id, data);
}

enum rc event_record_notice(struct req *r, const char *type, const char *notice_id, json_t *data)
{
	return record_by(r, &st_record_notice, type, notice_id, data);
}

enum rc events_reply_page(struct req *r, const struct stmt *st, const char **params, int nparams,
			  int limit, int nparts)
{
	char lim[16];
	snprintf(lim, sizeof lim, "%d", limit + 1);
	params[nparams - 1] = lim;
	return db_reply_page(r, st, params, limit, nparts);
}
