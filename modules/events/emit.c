/*
 * emit.c - the events other modules' state changes record, named from the
 * change they made (a transition's target or action), so that each of those
 * modules calls one function where the change happens (events.h).
 */
#include <string.h>

#include "events.h"

enum rc event_listing_moved(struct req *r, const char *action, const char *listing_id,
			    const char *org_id, const char *reason)
{
	const char *type = strcmp(action, "approve") == 0  ? "listing.approved"
			   : strcmp(action, "reject") == 0 ? "listing.rejected"
							   : NULL;
	if (type == NULL)
		return RC_OK;
	json_t *data = json_pack("{s:s}", "listing_id", listing_id);
	if (reason != NULL)
		json_object_set_new(data, "reason", json_string(reason));
	return event_record(r, type, org_id, NULL, data);
}

enum rc event_payment_moved(struct req *r, const char *to, const char *contract_id,
			    const char *payment_id, long long amount_fen)
{
	const char *type = strcmp(to, "reported") == 0    ? "payment.reported"
			   : strcmp(to, "confirmed") == 0 ? "payment.confirmed"
			   : strcmp(to, "disputed") == 0  ? "payment.disputed"
							  : NULL;
	if (type == NULL)
		return RC_OK;
	return event_record_contract(r, type, contract_id,
				     json_pack("{s:s, s:I}", "payment_id", payment_id, "amount_fen",
					       (json_int_t)amount_fen));
}

enum rc event_org_moved(struct req *r, const char *status, const char *org_id)
{
	if (strcmp(status, "verified") != 0)
		return RC_OK;
	return event_record(r, "org.verified", org_id, NULL, json_pack("{s:s}", "org_id", org_id));
}

enum rc event_contract_drafted(struct req *r, const char *contract_id, const char *bid_id)
{
	return event_record_contract(r, "contract.drafted", contract_id,
				     json_pack("{s:s}", "bid_id", bid_id));
}

enum rc event_contract_signed(struct req *r, const char *contract_id, const char *party,
			      const char *to)
{
	if (event_record_contract(r, "contract.signed", contract_id,
				  json_pack("{s:s}", "party", party)) != RC_OK)
		return RC_ERR;
	if (strcmp(to, "active") != 0)
		return RC_OK;
	return event_record_contract(r, "contract.activated", contract_id, NULL);
}

enum rc event_contract_ended(struct req *r, const char *contract_id, const char *reason)
{
	return event_record_contract(r, "contract.terminated", contract_id,
				     json_pack("{s:s}", "reason", reason));
}
