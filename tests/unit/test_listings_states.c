#include <string.h>

#include "../../modules/listings/listings.h"
#include "unit.h"

/* Walks listing_transitions: every row's from-states and actors lead to its
 * to, every state it names is a listing status, an actor outside the row is
 * refused, and the audit names are the ones the handlers and deals write. */
void test_listings_states(void)
{
	static const char *const audits[][2] = {
	    {"submit", "listing.submit"},     {"retract", "listing.retract"},
	    {"withdraw", "listing.withdraw"}, {"approve", "listing.approve"},
	    {"reject", "listing.reject"},     {"under_contract", "listing.under_contract"},
	    {"license", "listing.licensed"},  {"republish", "listing.republish"},
	};
	static const unsigned all = LISTING_OWNER | LISTING_ADMIN | LISTING_DEAL;
	size_t rows = 0;
	for (const struct transition *t = listing_transitions; t->action != NULL; t++, rows++) {
		CHECK("a listing row leads to a listing status", str_in(listing_statuses, t->to));
		for (const char *const *from = t->from; *from != NULL; from++) {
			const struct transition *row = NULL;
			CHECK("a listing row leaves a listing status",
			      str_in(listing_statuses, *from));
			CHECK("a listing row's actors take it from each of its states",
			      transition_find(listing_transitions, t->action, *from, t->actors,
					      &row) == TR_OK &&
				  row == t);
			CHECK("an actor outside a listing row is refused",
			      transition_find(listing_transitions, t->action, *from,
					      all & ~t->actors, &row) == TR_FORBIDDEN);
		}
		const char *audit = NULL;
		for (size_t i = 0; i < ARRAY_LEN(audits); i++)
			if (strcmp(audits[i][0], t->action) == 0)
				audit = audits[i][1];
		CHECK("a listing row audits as the handlers do",
		      audit != NULL && strcmp(audit, t->audit) == 0);
	}
	CHECK("the listing table has its eight rows", rows == 8);

	const struct transition *row = NULL;
	CHECK("an admin does not withdraw another organization's listing",
	      transition_find(listing_transitions, "withdraw", "published", LISTING_ADMIN, &row) ==
		  TR_FORBIDDEN);
	CHECK("a listing under contract is not withdrawn",
	      transition_find(listing_transitions, "withdraw", "under_contract", LISTING_OWNER,
			      &row) == TR_WRONG_STATE);
	CHECK("the owner does not approve its own listing",
	      transition_find(listing_transitions, "approve", "pending_review", LISTING_OWNER,
			      &row) == TR_FORBIDDEN);
	CHECK("a withdrawal leaves published for withdrawn",
	      (row = transition_row(listing_transitions, "withdraw", "published")) != NULL &&
		  strcmp(row->to, "withdrawn") == 0);
	CHECK("a terminated licence republishes its listing",
	      transition_find(listing_transitions, "republish", "licensed", LISTING_DEAL, &row) ==
		  TR_OK);
}
