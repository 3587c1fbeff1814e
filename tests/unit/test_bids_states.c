#include <string.h>

#include "../../modules/bids/bids.h"
#include "unit.h"

/* Walks bid_transitions: every row's from-states and actors lead to its to,
 * every state it names is a bid status, an actor outside the row is refused,
 * and the audit names are the ones the handlers write. */
void test_bids_states(void)
{
	static const char *const audits[][2] = {
	    {"counter", "bid.counter"}, {"withdraw", "bid.withdraw"}, {"reject", "bid.reject"},
	    {"accept", "bid.accept"},   {"expire", "bid.expire"},     {"close", "bid.close"},
	};
	static const unsigned all = BID_OWNER | BID_BIDDER | BID_SYSTEM;
	size_t rows = 0;
	for (const struct transition *t = bid_transitions; t->action != NULL; t++, rows++) {
		CHECK("a bid row leads to a bid status", str_in(bid_statuses, t->to));
		for (const char *const *from = t->from; *from != NULL; from++) {
			const struct transition *row = NULL;
			CHECK("a bid row leaves a bid status", str_in(bid_statuses, *from));
			CHECK("a bid row's actors take it from each of its states",
			      transition_find(bid_transitions, t->action, *from, t->actors, &row) ==
				      TR_OK &&
				  row == t);
			unsigned others = all & ~t->actors;
			CHECK("an actor outside a bid row is refused",
			      others == 0 ||
				  transition_find(bid_transitions, t->action, *from, others,
						  &row) != TR_OK ||
				  row->actors != t->actors);
		}
		const char *audit = NULL;
		for (size_t i = 0; i < ARRAY_LEN(audits); i++)
			if (strcmp(audits[i][0], t->action) == 0)
				audit = audits[i][1];
		CHECK("a bid row audits as the handlers do",
		      audit != NULL && strcmp(audit, t->audit) == 0);
	}
	CHECK("the bid table has its eight rows", rows == 8);

	const struct transition *row = NULL;
	CHECK("an open bid is the owner's to accept",
	      transition_find(bid_transitions, "accept", "open", BID_OWNER, &row) == TR_OK &&
		  strcmp(row->to, "accepted") == 0);
	CHECK("a countered bid is the bidder's to accept",
	      transition_find(bid_transitions, "accept", "countered", BID_BIDDER, &row) == TR_OK);
	CHECK("the owner cannot accept its own counter",
	      transition_find(bid_transitions, "accept", "countered", BID_OWNER, &row) ==
		  TR_FORBIDDEN);
	CHECK("the bidder cannot accept an open bid",
	      transition_find(bid_transitions, "accept", "open", BID_BIDDER, &row) == TR_FORBIDDEN);
	CHECK("only the bidder withdraws", transition_find(bid_transitions, "withdraw", "open",
							   BID_OWNER, &row) == TR_FORBIDDEN);
	CHECK("the bidder does not counter its own offer (an open bid)",
	      transition_find(bid_transitions, "counter", "open", BID_BIDDER, &row) ==
		  TR_FORBIDDEN);
	CHECK("the owner does not counter its own counter",
	      transition_find(bid_transitions, "counter", "countered", BID_OWNER, &row) ==
		  TR_FORBIDDEN);
	CHECK("the bidder's counter puts its offer on the table: the bid is open again",
	      transition_find(bid_transitions, "counter", "countered", BID_BIDDER, &row) == TR_OK &&
		  strcmp(row->to, "open") == 0);
	CHECK("a decided bid is not countered",
	      transition_find(bid_transitions, "counter", "accepted", BID_OWNER, &row) ==
		  TR_WRONG_STATE);
	CHECK("an expired bid is not accepted",
	      transition_find(bid_transitions, "accept", "expired", BID_OWNER | BID_BIDDER, &row) ==
		  TR_WRONG_STATE);
	CHECK("a party does not close bids: the system does",
	      transition_find(bid_transitions, "close", "open", BID_OWNER | BID_BIDDER, &row) ==
		  TR_FORBIDDEN);
}
