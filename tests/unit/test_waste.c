#include <string.h>

#include "../../modules/needs/needs.h"
#include "../../modules/waste/waste.h"
#include "../../modules/waste/waste_code.h"
#include "unit.h"

/* The 2024 directory's codes, GB/T 4754 industry codes, the monthly ledger's
 * balance and period, and the needs' state table. */
void test_waste(void)
{
	static const struct {
		const char *name, *code;
		bool ok, industrial;
	} codes[] = {
	    {"red mud from alumina refining", "321001S09", true, true},
	    {"titanium gypsum, industrial by-product gypsum", "261001S11", true, true},
	    {"the last industrial category", "339099S59", true, true},
	    {"construction waste is not industrial", "470001S70", true, false},
	    {"household waste", "000001S60", false, false},
	    {"S08 is no category", "321001S08", false, false},
	    {"S00 is no category", "321001S00", false, false},
	    {"sequence 000", "321000S09", false, false},
	    {"sequence above 099", "321100S09", false, false},
	    {"a hazardous waste code keeps its own list", "321-024-48", false, false},
	    {"eight characters", "32101S09", false, false},
	    {"a lower-case s", "321001s09", false, false},
	    {"ten characters", "321001S091", false, false},
	};
	for (size_t i = 0; i < ARRAY_LEN(codes); i++) {
		bool ok = waste_code_problem(codes[i].code) == NULL;
		CHECK(codes[i].name,
		      ok == codes[i].ok &&
			  (!ok || waste_code_industrial(codes[i].code) == codes[i].industrial));
	}
	CHECK("no code at all", waste_code_problem(NULL) != NULL);

	CHECK("aluminium smelting C3216 with a 321 code",
	      industry_code_problem("C3216", "321001S09") == NULL);
	CHECK("a division C32 names no group", industry_code_problem("C32", "261001S11") == NULL);
	CHECK("an industry other than the code's", industry_code_problem("C2619", "321001S09"));
	CHECK("a section letter beyond T", industry_code_problem("Z3216", NULL) != NULL);
	CHECK("five digits", industry_code_problem("C32161", NULL) != NULL);
	CHECK("no letter", industry_code_problem("3216", NULL) != NULL);

	CHECK("a balanced month", waste_balance_problem(250, 100, 20, 5, 125) == NULL);
	CHECK("a kilogram missing", waste_balance_problem(250, 100, 20, 5, 124) != NULL);
	CHECK("a kilogram too many", waste_balance_problem(250, 100, 20, 5, 126) != NULL);
	CHECK("nothing generated, nothing moved", waste_balance_problem(0, 0, 0, 0, 0) == NULL);

	CHECK("a month", waste_period_problem("2026-10", "2026-11") == NULL);
	CHECK("the current month", waste_period_problem("2026-11", "2026-11") == NULL);
	CHECK("next month", waste_period_problem("2026-12", "2026-11") != NULL);
	CHECK("month 13", waste_period_problem("2026-13", "2026-11") != NULL);
	CHECK("month 00", waste_period_problem("2026-00", "2026-11") != NULL);
	CHECK("a date", waste_period_problem("2026-10-01", "2026-11") != NULL);
	CHECK("before 2000", waste_period_problem("1999-12", "2026-11") != NULL);
	CHECK("letters", waste_period_problem("20a6-10", "2026-11") != NULL);

	static const unsigned all = NEED_OWNER | NEED_ADMIN;
	size_t rows = 0;
	for (const struct transition *t = need_transitions; t->action != NULL; t++, rows++) {
		CHECK("a need row leads to a need status", str_in(need_statuses, t->to));
		for (const char *const *from = t->from; *from != NULL; from++) {
			const struct transition *row = NULL;
			CHECK("a need row leaves a need status", str_in(need_statuses, *from));
			CHECK("a need row's actors take it from each of its states",
			      transition_find(need_transitions, t->action, *from, t->actors,
					      &row) == TR_OK &&
				  row == t);
			CHECK("an actor outside a need row is refused",
			      transition_find(need_transitions, t->action, *from, all & ~t->actors,
					      &row) == TR_FORBIDDEN);
		}
		CHECK("a need row audits as need.<action>",
		      strncmp(t->audit, "need.", 5) == 0 && strcmp(t->audit + 5, t->action) == 0);
	}
	CHECK("the need table has its four rows", rows == 4);
	const struct transition *row = NULL;
	CHECK("the owner does not approve its own need",
	      transition_find(need_transitions, "approve", "pending_review", NEED_OWNER, &row) ==
		  TR_FORBIDDEN);
	CHECK("a published need is not submitted again",
	      transition_find(need_transitions, "submit", "published", NEED_OWNER, &row) ==
		  TR_WRONG_STATE);
	CHECK("a withdrawn need stays withdrawn",
	      transition_find(need_transitions, "withdraw", "withdrawn", NEED_OWNER, &row) ==
		  TR_WRONG_STATE);
}
