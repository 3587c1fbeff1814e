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

#endif
