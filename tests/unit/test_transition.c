#include <string.h>

#include "../../server/transition.h"
#include "unit.h"

/* A small machine of the shape the modules use: an offer the owner answers,
 * a counter the bidder answers. */
enum { OWNER = 1, BIDDER = 2, ADMIN = 4 };
static const char *const open_[] = {"open", NULL};
static const char *const countered[] = {"countered", NULL};
static const char *const live[] = {"open", "countered", NULL};
static const struct transition machine[] = {
    {"counter", open_, "countered", OWNER, "offer.counter"},
    {"accept", open_, "accepted", OWNER, "offer.accept"},
    {"accept", countered, "accepted", BIDDER, "offer.accept"},
    {"withdraw", live, "withdrawn", BIDDER, "offer.withdraw"},
    {"void", live, "void", ADMIN, "offer.void"},
    {NULL, NULL, NULL, 0, NULL},
};

void test_transition(void)
{
	static const struct {
		const char *name, *action, *state;
		unsigned roles;
		enum transition_check want;
		const char *to;
	} cases[] = {
	    {"the owner counters an open offer", "counter", "open", OWNER, TR_OK, "countered"},
	    {"the bidder may never counter", "counter", "open", BIDDER, TR_FORBIDDEN, NULL},
	    {"a stranger is forbidden before the state is looked at", "counter", "accepted", 0,
	     TR_FORBIDDEN, NULL},
	    {"the owner cannot counter a countered offer", "counter", "countered", OWNER,
	     TR_WRONG_STATE, NULL},
	    {"an open offer is the owner's to accept", "accept", "open", OWNER, TR_OK, "accepted"},
	    {"a countered offer is the bidder's to accept", "accept", "countered", BIDDER, TR_OK,
	     "accepted"},
	    {"the owner cannot accept its own counter", "accept", "countered", OWNER, TR_FORBIDDEN,
	     NULL},
	    {"the bidder cannot accept an open offer", "accept", "open", BIDDER, TR_FORBIDDEN,
	     NULL},
	    {"nobody accepts a withdrawn offer", "accept", "withdrawn", OWNER | BIDDER,
	     TR_WRONG_STATE, NULL},
	    {"either role held is enough", "withdraw", "countered", OWNER | BIDDER, TR_OK,
	     "withdrawn"},
	    {"an admin's row is its own", "void", "open", ADMIN, TR_OK, "void"},
	    {"an unknown action is a programmer's error", "sell", "open", OWNER, TR_NO_ACTION,
	     NULL},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		const struct transition *row = NULL;
		enum transition_check got =
		    transition_find(machine, cases[i].action, cases[i].state, cases[i].roles, &row);
		CHECK(cases[i].name,
		      got == cases[i].want &&
			  (got == TR_OK ? row != NULL && strcmp(row->to, cases[i].to) == 0
					: row == NULL));
	}
	const struct transition *row = transition_row(machine, "withdraw", "open");
	CHECK("transition_row finds where an action leads, whoever acts",
	      row != NULL && strcmp(row->to, "withdrawn") == 0);
	CHECK("transition_row is NULL where no row leaves the state",
	      transition_row(machine, "counter", "accepted") == NULL);
}
