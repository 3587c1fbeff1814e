/*
 * desk.h - the platform admins' deal desk: contract disputes with their
 * message thread, and GET /v1/admin/deals, everything about deals that needs
 * a person. (Holds live with contracts, the settling of a disputed payment with
 * payments: they are rows of those objects' state tables.)
 */
#ifndef TECHEX_DESK_H
#define TECHEX_DESK_H

#include "../../server/router.h"
#include "../../server/transition.h"

extern const struct route desk_routes[];
extern const size_t desk_routes_count;

/* Who may act on a dispute: a member of the licensor or of the licensee of its
 * contract, a platform admin. */
enum {
	DISPUTE_LICENSOR = 1,
	DISPUTE_LICENSEE = 2,
	DISPUTE_PLATFORM_ADMIN = 4,
};

/* The dispute's state machine: "open" (from "new": a member of either party
 * opens it), "message" (parties and admins, while open), "resolve" (a platform
 * admin: open -> resolved). Ends with a row whose action is NULL. */
extern const struct transition dispute_transitions[];

/* The outcomes an admin resolves a dispute with, NULL-terminated:
 * upheld_licensor, upheld_licensee, settled, withdrawn. */
extern const char *const dispute_outcomes[];

/* The acting part of POST /v1/contracts/{id}/disputes: the caller, a member of
 * a party to contract contract_id, opens a dispute with subject and the
 * thread's first message (403 for anyone else, 404 for no such contract).
 * Audited. Its id into id (37 bytes). For the handler and `techex seed-demo`. */
enum rc dispute_open(struct req *r, const char *contract_id, const char *subject,
		     const char *message, char id[37]) MUSTCHECK;

#endif
