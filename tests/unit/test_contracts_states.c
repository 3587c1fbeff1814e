#include <string.h>

#include "../../modules/contracts/contracts.h"
#include "unit.h"

/* Walks contract_transitions: every row is reachable by its own actors, names
 * only the statuses the CHECK on contracts.status allows (migrations/0005), refuses
 * every other role and writes the audit action the handlers always wrote. */
void test_contracts_states(void)
{
	/* the statuses, and the phases of a draft that needs a public notice
	 * (contract_phase, migrations/0012) */
	static const char *const statuses[] = {"draft",
					       "draft_awaiting_notice",
					       "draft_in_notice",
					       "draft_noticed",
					       "signed_by_licensor",
					       "signed_by_licensee",
					       "active",
					       "terminated",
					       NULL};
	static const char *const audits[] = {"contract.update",
					     "contract.sign",
					     "contract.terminate",
					     "notice.open",
					     "contract.hold",
					     "contract.release",
					     NULL};
	static const unsigned every_role[] = {CONTRACT_LICENSOR, CONTRACT_LICENSEE,
					      CONTRACT_LICENSOR_OFFICER, CONTRACT_LICENSEE_OFFICER,
					      CONTRACT_PLATFORM_ADMIN};
	int rows = 0;
	for (const struct transition *t = contract_transitions; t->action != NULL; t++, rows++) {
		CHECK("a row enters a contract status, or leaves it as it is (a hold)",
		      t->to == NULL
			  ? strcmp(t->action, "hold") == 0 || strcmp(t->action, "release") == 0
			  : str_in(statuses, t->to));
		CHECK("a row's audit action is one the handlers write", str_in(audits, t->audit));
		CHECK("a row has actors", t->actors != 0);
		for (const char *const *from = t->from; *from != NULL; from++) {
			CHECK("a row leaves a contract status", str_in(statuses, *from));
			const struct transition *row = NULL;
			CHECK("a row's actors take it from each of its states",
			      transition_find(contract_transitions, t->action, *from, t->actors,
					      &row) == TR_OK &&
				  row == t);
			for (size_t i = 0; i < ARRAY_LEN(every_role); i++) {
				if ((t->actors & every_role[i]) != 0)
					continue;
				enum transition_check got = transition_find(
				    contract_transitions, t->action, *from, every_role[i], &row);
				CHECK("a role outside a row's actors cannot take it",
				      got != TR_OK || row != t);
			}
		}
	}
	CHECK("the table has edit, notice, four signatures, terminate, hold and release",
	      rows == 9);

	/* the answers the handlers turn into their refusals, in their order */
	static const struct {
		const char *name, *action, *state;
		unsigned roles;
		enum transition_check want;
		const char *to;
	} cases[] = {
	    {"either party edits a draft", "edit", "draft", CONTRACT_LICENSEE, TR_OK, "draft"},
	    {"a signed contract is not edited (contract-signed)", "edit", "signed_by_licensor",
	     CONTRACT_LICENSOR, TR_WRONG_STATE, NULL},
	    {"a platform admin does not edit", "edit", "draft", CONTRACT_PLATFORM_ADMIN,
	     TR_FORBIDDEN, NULL},
	    {"the licensor's officer signs a draft first", "sign", "draft",
	     CONTRACT_LICENSOR | CONTRACT_LICENSOR_OFFICER, TR_OK, "signed_by_licensor"},
	    {"the licensee's officer signs second: active", "sign", "signed_by_licensor",
	     CONTRACT_LICENSEE | CONTRACT_LICENSEE_OFFICER, TR_OK, "active"},
	    {"the licensor's officer signs second: active", "sign", "signed_by_licensee",
	     CONTRACT_LICENSOR_OFFICER, TR_OK, "active"},
	    {"a party signs once (already-signed)", "sign", "signed_by_licensor",
	     CONTRACT_LICENSOR | CONTRACT_LICENSOR_OFFICER, TR_FORBIDDEN, NULL},
	    {"a plain member never signs", "sign", "draft", CONTRACT_LICENSEE, TR_FORBIDDEN, NULL},
	    {"a platform admin never signs", "sign", "draft", CONTRACT_PLATFORM_ADMIN, TR_FORBIDDEN,
	     NULL},
	    {"an active contract is not signed again", "sign", "active", CONTRACT_LICENSEE_OFFICER,
	     TR_WRONG_STATE, NULL},
	    {"a party's officer terminates an active contract", "terminate", "active",
	     CONTRACT_LICENSOR_OFFICER, TR_OK, "terminated"},
	    {"a platform admin terminates a draft", "terminate", "draft", CONTRACT_PLATFORM_ADMIN,
	     TR_OK, "terminated"},
	    {"a plain member does not terminate", "terminate", "active", CONTRACT_LICENSEE,
	     TR_FORBIDDEN, NULL},
	    {"a stranger is refused before the state is looked at", "terminate", "terminated", 0,
	     TR_FORBIDDEN, NULL},
	    {"a draft awaiting its notice is edited", "edit", "draft_awaiting_notice",
	     CONTRACT_LICENSOR, TR_OK, "draft"},
	    {"terms are frozen while the notice runs (terms-frozen)", "edit", "draft_in_notice",
	     CONTRACT_LICENSEE, TR_WRONG_STATE, NULL},
	    {"terms stay frozen after a clean close", "edit", "draft_noticed", CONTRACT_LICENSOR,
	     TR_WRONG_STATE, NULL},
	    {"the licensor's officer publishes the notice", "notice", "draft_awaiting_notice",
	     CONTRACT_LICENSOR_OFFICER, TR_OK, "draft_in_notice"},
	    {"the licensee does not publish it", "notice", "draft_awaiting_notice",
	     CONTRACT_LICENSEE_OFFICER, TR_FORBIDDEN, NULL},
	    {"a draft that needs none gets none (notice-not-required)", "notice", "draft",
	     CONTRACT_LICENSOR_OFFICER, TR_WRONG_STATE, NULL},
	    {"no second notice while one runs", "notice", "draft_in_notice",
	     CONTRACT_LICENSOR_OFFICER, TR_WRONG_STATE, NULL},
	    {"no signature before the notice (notice-required)", "sign", "draft_awaiting_notice",
	     CONTRACT_LICENSOR_OFFICER, TR_WRONG_STATE, NULL},
	    {"no signature while it runs (notice-required)", "sign", "draft_in_notice",
	     CONTRACT_LICENSEE_OFFICER, TR_WRONG_STATE, NULL},
	    {"a signature once it closed clean", "sign", "draft_noticed", CONTRACT_LICENSEE_OFFICER,
	     TR_OK, "signed_by_licensee"},
	    {"a draft in notice is terminated", "terminate", "draft_in_notice",
	     CONTRACT_LICENSOR_OFFICER, TR_OK, "terminated"},
	    {"a terminated contract is not terminated again", "terminate", "terminated",
	     CONTRACT_PLATFORM_ADMIN, TR_WRONG_STATE, NULL},
	    {"a platform admin holds an active contract", "hold", "active", CONTRACT_PLATFORM_ADMIN,
	     TR_OK, NULL},
	    {"a terminated contract is not held", "hold", "terminated", CONTRACT_PLATFORM_ADMIN,
	     TR_WRONG_STATE, NULL},
	    {"a party's officer does not hold", "hold", "draft",
	     CONTRACT_LICENSOR | CONTRACT_LICENSOR_OFFICER, TR_FORBIDDEN, NULL},
	    {"a platform admin releases even a terminated contract's hold", "release", "terminated",
	     CONTRACT_PLATFORM_ADMIN, TR_OK, NULL},
	    {"a party's officer does not release", "release", "active",
	     CONTRACT_LICENSEE | CONTRACT_LICENSEE_OFFICER, TR_FORBIDDEN, NULL},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		const struct transition *row = NULL;
		enum transition_check got = transition_find(contract_transitions, cases[i].action,
							    cases[i].state, cases[i].roles, &row);
		CHECK(cases[i].name,
		      got == cases[i].want &&
			  (got == TR_OK ? row != NULL && (cases[i].to == NULL
							      ? row->to == NULL
							      : strcmp(row->to, cases[i].to) == 0)
					: row == NULL));
	}
	/* the registration's table: none → submitted → registered | rejected → submitted */
	static const struct {
		const char *name, *action, *state;
		unsigned roles;
		enum transition_check want;
	} reg[] = {
	    {"the licensor's officer files a registration", "submitted", "none",
	     CONTRACT_LICENSOR | CONTRACT_LICENSOR_OFFICER, TR_OK},
	    {"a rejected registration is filed again", "submitted", "rejected",
	     CONTRACT_LICENSOR_OFFICER, TR_OK},
	    {"a submitted one is registered", "registered", "submitted", CONTRACT_LICENSOR_OFFICER,
	     TR_OK},
	    {"a submitted one is rejected", "rejected", "submitted", CONTRACT_LICENSOR_OFFICER,
	     TR_OK},
	    {"nothing is registered before it is filed", "registered", "none",
	     CONTRACT_LICENSOR_OFFICER, TR_WRONG_STATE},
	    {"a registered one stays registered", "submitted", "registered",
	     CONTRACT_LICENSOR_OFFICER, TR_WRONG_STATE},
	    {"a registered one is not rejected", "rejected", "registered",
	     CONTRACT_LICENSOR_OFFICER, TR_WRONG_STATE},
	    {"the licensee never records the registration", "submitted", "none",
	     CONTRACT_LICENSEE | CONTRACT_LICENSEE_OFFICER, TR_FORBIDDEN},
	    {"a plain member of the licensor does not", "submitted", "none", CONTRACT_LICENSOR,
	     TR_FORBIDDEN},
	    {"nor a platform admin", "registered", "submitted", CONTRACT_PLATFORM_ADMIN,
	     TR_FORBIDDEN},
	};
	for (size_t i = 0; i < ARRAY_LEN(reg); i++) {
		const struct transition *row = NULL;
		enum transition_check got = transition_find(registration_transitions, reg[i].action,
							    reg[i].state, reg[i].roles, &row);
		CHECK(reg[i].name,
		      got == reg[i].want &&
			  (got == TR_OK ? strcmp(row->to, reg[i].action) == 0 : row == NULL));
	}

	/* a hold stops signatures, reports and payments; hold and release pair up */
	static const struct {
		const char *name, *action;
		unsigned conditions;
		const char *type;
	} guards[] = {
	    {"a held contract is not signed", "sign", CONTRACT_HELD, "contract-on-hold"},
	    {"a held contract takes no royalty report", "report", CONTRACT_HELD,
	     "contract-on-hold"},
	    {"a held contract takes no payment", "pay", CONTRACT_HELD, "contract-on-hold"},
	    {"a held contract is not held again", "hold", CONTRACT_HELD, "contract-on-hold"},
	    {"a contract not on hold is not released", "release", CONTRACT_NOT_HELD,
	     "contract-not-held"},
	    {"a contract not on hold is signed", "sign", CONTRACT_NOT_HELD, NULL},
	    {"a contract not on hold is held", "hold", CONTRACT_NOT_HELD, NULL},
	    {"a held contract is released", "release", CONTRACT_HELD, NULL},
	    {"a hold does not stop termination", "terminate", CONTRACT_HELD, NULL},
	};
	for (size_t i = 0; i < ARRAY_LEN(guards); i++) {
		const struct transition_guard *g =
		    transition_guard_find(contract_guards, guards[i].action, guards[i].conditions);
		CHECK(guards[i].name, guards[i].type == NULL
					  ? g == NULL
					  : g != NULL && strcmp(g->type, guards[i].type) == 0);
	}
}
