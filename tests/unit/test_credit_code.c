#include <string.h>

#include "../../modules/accounts/credit_code.h"
#include "unit.h"

/* Published codes: GB 32100-2015's worked example, and codes organizations print
 * on their licences (checked by hand with both check characters). */
static const struct {
	const char *name, *input;
	enum credit_code_verdict verdict;
	const char *normalized;
} cases[] = {
    {"the standard's example", "91350100M000100Y43", CREDIT_CODE_OK, "91350100M000100Y43"},
    {"a public institution (清华大学)", "12100000400000624D", CREDIT_CODE_OK, "12100000400000624D"},
    {"an enterprise with a letter check", "91110000802100433B", CREDIT_CODE_OK,
     "91110000802100433B"},
    {"an enterprise ending in T", "91440300708461136T", CREDIT_CODE_OK, "91440300708461136T"},
    {"lower case is taken as upper case", "91110108551385082q", CREDIT_CODE_OK,
     "91110108551385082Q"},
    {"a computed Zibo code with an MA organization code", "91370303MA3C9GXE0G", CREDIT_CODE_OK,
     "91370303MA3C9GXE0G"},
    {"the standard's counter-example (Z is no check)", "91350100M000100Y4Z", CREDIT_CODE_CHARSET,
     NULL},
    {"a wrong GB 32100 check", "91350100M000100Y44", CREDIT_CODE_CHECK, NULL},
    {"a wrong GB 11714 check", "91350100M000100Y53", CREDIT_CODE_ORG_CHECK, NULL},
    {"one digit mistyped breaks a check", "91350100M000101Y43", CREDIT_CODE_ORG_CHECK, NULL},
    {"two characters swapped in the region", "91351000M000100Y43", CREDIT_CODE_CHECK, NULL},
    {"17 characters", "91350100M000100Y4", CREDIT_CODE_LENGTH, NULL},
    {"19 characters", "91350100M000100Y433", CREDIT_CODE_LENGTH, NULL},
    {"empty", "", CREDIT_CODE_LENGTH, NULL},
    {"the letter O is not in the alphabet", "91350100O000100Y43", CREDIT_CODE_CHARSET, NULL},
    {"the letter I is not in the alphabet", "91350100I000100Y43", CREDIT_CODE_CHARSET, NULL},
    {"a space inside", "91350100 000100Y43", CREDIT_CODE_CHARSET, NULL},
    {"a letter in the region", "91A50100M000100Y43", CREDIT_CODE_REGION, NULL},
    {"full-width digits are not digits", "９1350100M000100Y", CREDIT_CODE_CHARSET, NULL},
};

void test_credit_code(void)
{
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		char out[CREDIT_CODE_LEN + 1];
		enum credit_code_verdict v = credit_code_check(cases[i].input, out);
		CHECK(cases[i].name, v == cases[i].verdict);
		if (v == CREDIT_CODE_OK && cases[i].normalized)
			CHECK(cases[i].name, strcmp(out, cases[i].normalized) == 0);
		if (v != CREDIT_CODE_OK)
			CHECK(cases[i].name, out[0] == '\0');
		CHECK(cases[i].name, credit_code_message(v) != NULL);
	}
	CHECK("31 - 0 is check character 0", credit_code_check_char("00000000000000000") == '0');
	CHECK("a character outside the alphabet has no check",
	      credit_code_check_char("0000000000000000I") == '\0');
	CHECK("the standard's organization code", org_code_check_char("M000100Y") == '4');
	CHECK("an org code check of 10 is X", org_code_check_char("00000006") == 'X');
	CHECK("an org code check of 11 is 0", org_code_check_char("00000000") == '0');
	CHECK("an org code of other characters has no check",
	      org_code_check_char("0000000a") == '\0');
	CHECK("a null input is refused",
	      credit_code_check(NULL, (char[CREDIT_CODE_LEN + 1]){0}) == CREDIT_CODE_LENGTH);

	static const struct {
		const char *code;
		bool valid;
	} regions[] = {
	    {"370303", true},        {"370302", true},   {"370305", true},  {"370102", true},
	    {"110000", true},        {"650102", true},   {"710000", true},  {"810000", true},
	    {"820000", true},        {"100000", false},  {"660000", false}, {"990000", false},
	    {"37030", false},        {"3703031", false}, {"37030a", false}, {"", false},
	    {"３７０３０３", false},
	};
	for (size_t i = 0; i < ARRAY_LEN(regions); i++)
		CHECK(regions[i].code, region_code_valid(regions[i].code) == regions[i].valid);
}
