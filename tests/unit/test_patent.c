#include <string.h>

#include "../../modules/listings/patent.h"
#include "unit.h"

static const struct {
	const char *name, *input;
	enum patent_number_kind kind;
	enum patent_type type;
	const char *normalized;
} cases[] = {
    {"the plan's example application number", "201710601862.3", PN_APPLICATION, PT_INVENTION,
     "2017106018623"},
    {"spaces and dots are removed", " 2017 1060 1862.3 ", PN_APPLICATION, PT_INVENTION,
     "2017106018623"},
    {"a wrong check digit is refused", "201710601862.4", PN_INVALID, PT_UNKNOWN, NULL},
    {"a utility model application", "201820123456.0", PN_APPLICATION, PT_UTILITY_MODEL,
     "2018201234560"},
    {"a design application", "201930012345.2", PN_APPLICATION, PT_DESIGN, "2019300123452"},
    {"type digit 4 does not exist", "201740601862.3", PN_INVALID, PT_UNKNOWN, NULL},
    {"a year before 2003 in the new form is refused", "200210601862.3", PN_INVALID, PT_UNKNOWN,
     NULL},
    {"the pre-2003 form with check X", "95115608.X", PN_APPLICATION, PT_INVENTION, "95115608X"},
    {"the check X may be lower case", "95115608.x", PN_APPLICATION, PT_INVENTION, "95115608X"},
    {"the pre-2003 form with a wrong check", "95115608.1", PN_INVALID, PT_UNKNOWN, NULL},
    {"a ZL patent number", "ZL201710601862.3", PN_PATENT, PT_INVENTION, "ZL2017106018623"},
    {"zl in lower case with spaces", "zl 2017 1060 1862.3", PN_PATENT, PT_INVENTION,
     "ZL2017106018623"},
    {"a ZL number with a wrong check", "ZL201710601862.5", PN_INVALID, PT_UNKNOWN, NULL},
    {"a granted invention publication", "CN114000001B", PN_PUBLICATION, PT_INVENTION,
     "CN114000001B"},
    {"a published application", "CN 114000001 A", PN_PUBLICATION, PT_INVENTION, "CN114000001A"},
    {"a utility model publication", "CN215000001U", PN_PUBLICATION, PT_UTILITY_MODEL,
     "CN215000001U"},
    {"a design publication", "CN306000001S", PN_PUBLICATION, PT_DESIGN, "CN306000001S"},
    {"a publication without kind code", "CN114000001", PN_INVALID, PT_UNKNOWN, NULL},
    {"an unknown kind code", "CN114000001Z", PN_INVALID, PT_UNKNOWN, NULL},
    {"too short", "2017", PN_INVALID, PT_UNKNOWN, NULL},
    {"punctuation is refused", "2017-10601862.3", PN_INVALID, PT_UNKNOWN, NULL},
    {"Chinese text is refused", "专利201710601862.3", PN_INVALID, PT_UNKNOWN, NULL},
    {"empty is refused", "", PN_INVALID, PT_UNKNOWN, NULL},
    {"a US number is refused", "US10000000B2", PN_INVALID, PT_UNKNOWN, NULL},
    {"a number too long is refused", "2017106018623 2017106018623 2017106018623", PN_INVALID,
     PT_UNKNOWN, NULL},
};

void test_patent(void)
{
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct patent_number pn;
		patent_number_parse(cases[i].input, &pn);
		CHECK(cases[i].name, pn.kind == cases[i].kind);
		if (cases[i].kind == PN_INVALID) {
			CHECK(cases[i].name, pn.error != NULL);
			continue;
		}
		CHECK(cases[i].name, pn.type == cases[i].type && pn.error == NULL);
		CHECK(cases[i].name, strcmp(pn.normalized, cases[i].normalized) == 0);
	}
	struct patent_number pn;
	patent_number_parse("2017106018623 2017106018623 2017106018623", &pn);
	CHECK("a number too long is refused as too long, not for its characters",
	      pn.error != NULL && strstr(pn.error, "too long") != NULL);
	CHECK("type names map", patent_type_from_name("utility_model") == PT_UTILITY_MODEL &&
				    patent_type_from_name("invention") == PT_INVENTION &&
				    patent_type_from_name("design") == PT_DESIGN &&
				    patent_type_from_name("trademark") == PT_UNKNOWN);
}
