#include <string.h>

#include "../../modules/revenue/revenue.h"
#include "../../server/common.h"
#include "unit.h"

/* The statuses payments' CHECK constraint allows (migrations/0006, 0014). */
static const char *const payment_statuses[] = {"reported", "confirmed", "disputed",
					       "reversed", "voided",    NULL};
static const unsigned all_roles = PAYMENT_PAYEE_MANAGER | PAYMENT_PAYER | PAYMENT_PLATFORM_ADMIN;

/* The action, the audit action the payment handlers write for each, and who
 * takes it: the licensor's manager, or a platform admin settling a dispute. */
static const struct {
	const char *action, *audit, *to;
	unsigned actor;
} decisions[] = {
    {"confirm", "payment.confirm", "confirmed", PAYMENT_PAYEE_MANAGER},
    {"dispute", "payment.dispute", "disputed", PAYMENT_PAYEE_MANAGER},
    {"reverse", "payment.reverse", "reversed", PAYMENT_PAYEE_MANAGER},
    {"resolve_confirm", "payment.resolve_confirm", "confirmed", PAYMENT_PLATFORM_ADMIN},
    {"resolve_void", "payment.void", "voided", PAYMENT_PLATFORM_ADMIN},
};

static bool row_leaves(const char *action, const char *state)
{
	for (const struct transition *t = payment_transitions; t->action != NULL; t++)
		if (strcmp(t->action, action) == 0 && str_in(t->from, state))
			return true;
	return false;
}

void test_payments_states(void)
{
	int rows = 0;
	for (const struct transition *t = payment_transitions; t->action != NULL; t++, rows++) {
		CHECK("a payment row enters one of the payment statuses",
		      str_in(payment_statuses, t->to));
		bool audit_known = false;
		for (size_t k = 0; k < ARRAY_LEN(decisions); k++)
			audit_known |= strcmp(decisions[k].action, t->action) == 0 &&
				       strcmp(decisions[k].audit, t->audit) == 0 &&
				       strcmp(decisions[k].to, t->to) == 0;
		CHECK("a payment row's action, audit name and status are the handlers'",
		      audit_known);
		for (const char *const *from = t->from; *from != NULL; from++) {
			CHECK("a payment row leaves one of the payment statuses",
			      str_in(payment_statuses, *from));
			const struct transition *found = NULL;
			CHECK("each actor of a payment row takes it from each of its states",
			      transition_find(payment_transitions, t->action, *from, t->actors,
					      &found) == TR_OK &&
				  found == t && strcmp(found->to, t->to) == 0);
			unsigned outside = all_roles & ~t->actors;
			for (unsigned roles = 0; roles <= all_roles; roles++) {
				if ((roles & ~outside) != 0)
					continue; /* holds one of the row's actors */
				CHECK("a caller outside a payment row's actors is refused",
				      transition_find(payment_transitions, t->action, *from, roles,
						      &found) == TR_FORBIDDEN &&
					  found == NULL);
			}
		}
	}
	CHECK("the payment table has a row for each decision", rows == (int)ARRAY_LEN(decisions));

	/* the rule as the API states it, state by state */
	static const struct {
		const char *name, *action, *state;
		enum transition_check want;
	} cases[] = {
	    {"the licensor confirms a reported payment", "confirm", "reported", TR_OK},
	    {"the licensor confirms a disputed payment", "confirm", "disputed", TR_OK},
	    {"the licensor disputes a reported payment", "dispute", "reported", TR_OK},
	    {"a confirmed payment is in the ledger: it is not disputed", "dispute", "confirmed",
	     TR_WRONG_STATE},
	    {"a disputed payment is not disputed again", "dispute", "disputed", TR_WRONG_STATE},
	    {"the licensor reverses a confirmed payment", "reverse", "confirmed", TR_OK},
	    {"a reported payment is not reversed", "reverse", "reported", TR_WRONG_STATE},
	    {"a disputed payment is not reversed", "reverse", "disputed", TR_WRONG_STATE},
	    {"a reversed payment is not reversed again", "reverse", "reversed", TR_WRONG_STATE},
	    {"a reversed payment is not confirmed again", "confirm", "reversed", TR_WRONG_STATE},
	    {"a confirmed payment is no row to confirm (the handler answers it as it is)",
	     "confirm", "confirmed", TR_WRONG_STATE},
	    {"a voided payment is not confirmed", "confirm", "voided", TR_WRONG_STATE},
	    {"a voided payment is not reversed", "reverse", "voided", TR_WRONG_STATE},
	    {"the licensor does not resolve a disputed payment", "resolve_void", "disputed",
	     TR_FORBIDDEN},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		const struct transition *found = NULL;
		CHECK(cases[i].name,
		      transition_find(payment_transitions, cases[i].action, cases[i].state,
				      PAYMENT_PAYEE_MANAGER, &found) == cases[i].want);
	}
	static const struct {
		const char *name, *action, *state;
		enum transition_check want;
		const char *to;
	} admin_cases[] = {
	    {"an admin confirms a disputed payment into the ledger", "resolve_confirm", "disputed",
	     TR_OK, "confirmed"},
	    {"an admin voids a disputed payment", "resolve_void", "disputed", TR_OK, "voided"},
	    {"an admin resolves only a disputed payment (reported)", "resolve_void", "reported",
	     TR_WRONG_STATE, NULL},
	    {"an admin resolves only a disputed payment (confirmed)", "resolve_confirm",
	     "confirmed", TR_WRONG_STATE, NULL},
	    {"a voided payment is not resolved again", "resolve_confirm", "voided", TR_WRONG_STATE,
	     NULL},
	};
	for (size_t i = 0; i < ARRAY_LEN(admin_cases); i++) {
		const struct transition *found = NULL;
		enum transition_check got =
		    transition_find(payment_transitions, admin_cases[i].action,
				    admin_cases[i].state, PAYMENT_PLATFORM_ADMIN, &found);
		CHECK(admin_cases[i].name,
		      got == admin_cases[i].want &&
			  (got != TR_OK || strcmp(found->to, admin_cases[i].to) == 0));
	}
	for (size_t k = 0; k < ARRAY_LEN(decisions); k++)
		for (const char *const *s = payment_statuses; *s != NULL; s++) {
			const struct transition *found = NULL;
			CHECK("the payer, and whoever is not the decision's actor, decide on no "
			      "payment in any state",
			      transition_find(payment_transitions, decisions[k].action, *s,
					      all_roles & ~decisions[k].actor,
					      &found) == TR_FORBIDDEN);
			CHECK("a state no row leaves is the payment's wrong state",
			      row_leaves(decisions[k].action, *s) ||
				  transition_find(payment_transitions, decisions[k].action, *s,
						  decisions[k].actor, &found) == TR_WRONG_STATE);
		}
}
