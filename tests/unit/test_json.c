#include <string.h>

#include "../../server/json.h"
#include "../../server/req.h"
#include "unit.h"

static const struct {
	const char *name;
	const char *bytes;
	size_t len;
	bool ok;
} utf8_cases[] = {
    {"ASCII is valid", "{\"a\":1}", 7, true},
    {"Chinese is valid", "赤泥", 6, true},
    {"a four-byte character is valid", "\xf0\x9f\x98\x80", 4, true},
    {"a lone continuation byte is invalid", "\x80", 1, false},
    {"a truncated sequence is invalid", "\xe8\xb5", 2, false},
    {"an overlong slash is invalid", "\xc0\xaf", 2, false},
    {"a surrogate is invalid", "\xed\xa0\x80", 3, false},
    {"a NUL byte is refused", "a\0b", 3, false},
    {"past U+10FFFF is invalid", "\xf4\x90\x80\x80", 4, false},
};

static const char *const kinds[] = {"university", "enterprise", NULL};
static const struct field inner[] = {
    {.name = "kind", .type = F_ENUM, .required = true, .enum_values = kinds},
    {0},
};
static const struct field spec[] = {
    {.name = "title", .type = F_TEXT1, .required = true, .min = 1, .max = 5},
    {.name = "n", .type = F_INT, .min = 1, .max = 9},
    {.name = "when", .type = F_DATE},
    {.name = "at", .type = F_DATETIME},
    {.name = "id", .type = F_UUID, .nullable = true},
    {.name = "email", .type = F_EMAIL},
    {.name = "tags", .type = F_STRINGS, .max_items = 2, .max = 4},
    {.name = "org", .type = F_OBJECT, .sub = inner},
    {.name = "text", .type = F_STRING, .max = 100},
    {.name = "orgs", .type = F_OBJECTS, .sub = inner, .max_items = 2},
    {0},
};

static const struct {
	const char *name;
	const char *body;
	int errors;        /* expected number of field errors */
	const char *field; /* one field that must be named */
} cases[] = {
    {"a valid object passes",
     "{\"title\":\"赤泥砖\",\"n\":3,\"when\":\"2024-02-29\",\"at\":\"2026-03-01T00:00:00Z\",\"id\":"
     "null,\"email\":\"a@b.cn\",\"tags\":[\"赤泥\"],\"org\":{\"kind\":\"university\"},\"text\":"
     "\"line\\nnext\\tcol\"}",
     0, NULL},
    {"a missing required field is named", "{}", 1, "title"},
    {"an array of objects checks each one by path",
     "{\"title\":\"a\",\"orgs\":[{\"kind\":\"university\"},{\"kind\":\"bank\"}]}", 1,
     "orgs[1].kind"},
    {"an array of objects refuses a non-object item", "{\"title\":\"a\",\"orgs\":[1]}", 1,
     "orgs[0]"},
    {"an array of objects is bounded",
     "{\"title\":\"a\",\"orgs\":[{\"kind\":\"university\"},{\"kind\":\"university\"},"
     "{\"kind\":\"university\"}]}",
     1, "orgs"},
    {"an array of objects must be an array", "{\"title\":\"a\",\"orgs\":{}}", 1, "orgs"},
    {"length counts characters, not bytes", "{\"title\":\"赤泥赤泥赤\"}", 0, NULL},
    {"six Chinese characters exceed five", "{\"title\":\"赤泥赤泥赤泥\"}", 1, "title"},
    {"every bad field is reported at once",
     "{\"title\":\"\",\"n\":10,\"when\":\"2023-02-29\",\"email\":\"x\"}", 4, "when"},
    {"a real is not an integer", "{\"title\":\"a\",\"n\":1.5}", 1, "n"},
    {"a string is not an integer", "{\"title\":\"a\",\"n\":\"1\"}", 1, "n"},
    {"an unknown field is refused", "{\"title\":\"a\",\"role\":\"admin\"}", 1, "role"},
    {"a nested unknown field is named with its path",
     "{\"title\":\"a\",\"org\":{\"kind\":\"university\",\"x\":1}}", 1, "org.x"},
    {"a nested enum is checked", "{\"title\":\"a\",\"org\":{\"kind\":\"bank\"}}", 1, "org.kind"},
    {"too many items are refused", "{\"title\":\"a\",\"tags\":[\"a\",\"b\",\"c\"]}", 1, "tags"},
    {"an item too long is named by index", "{\"title\":\"a\",\"tags\":[\"abcde\"]}", 1, "tags[0]"},
    {"a control character is refused", "{\"title\":\"a\\u0007\"}", 1, "title"},
    {"a C1 control character is refused", "{\"title\":\"a\\u009b\"}", 1, "title"},
    {"a newline is refused in a one-line field", "{\"title\":\"a\\nb\"}", 1, "title"},
    {"a blank title is refused", "{\"title\":\"   \"}", 1, "title"},
    {"null is refused where not nullable", "{\"title\":null}", 1, "title"},
    {"a bad UUID is refused", "{\"title\":\"a\",\"id\":\"123\"}", 1, "id"},
    {"a bad date-time is refused", "{\"title\":\"a\",\"at\":\"2026-03-01 00:00\"}", 1, "at"},
};

void test_json(void)
{
	for (size_t i = 0; i < ARRAY_LEN(utf8_cases); i++)
		CHECK(utf8_cases[i].name, (json_check_utf8(utf8_cases[i].bytes, utf8_cases[i].len,
							   NULL) == RC_OK) == utf8_cases[i].ok);

	char deep[200];
	memset(deep, '[', 33);
	memset(deep + 33, ']', 33);
	CHECK("33 levels are too deep", json_check_depth(deep, 66, 32) != RC_OK);
	CHECK("32 levels are fine", json_check_depth(deep + 1, 64, 32) == RC_OK);
	CHECK("brackets inside strings do not count",
	      json_check_depth("{\"a\":\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"}", 43, 32) ==
		  RC_OK);

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct req r = {0};
		json_error_t err;
		json_t *obj = json_loads(cases[i].body, JSON_REJECT_DUPLICATES, &err);
		CHECK(cases[i].name, obj != NULL);
		if (obj == NULL)
			continue;
		enum rc vr = validate_object(&r, obj, spec, "");
		CHECK(cases[i].name, (vr == RC_OK) == (cases[i].errors == 0));
		size_t n = r.problem.errors ? json_array_size(r.problem.errors) : 0;
		CHECK(cases[i].name, n == (size_t)cases[i].errors);
		if (cases[i].field) {
			bool named = false;
			size_t k;
			json_t *e;
			json_array_foreach(r.problem.errors, k, e) named |=
			    strcmp(json_string_value(json_object_get(e, "field")),
				   cases[i].field) == 0;
			CHECK(cases[i].name, named);
		}
		json_decref(obj);
		req_free(&r);
	}

	/* an enum's message names every allowed value, however long the list */
	static const char *const many[] = {"red_mud_building_materials",
					   "red_mud_iron_recovery",
					   "red_mud_modification",
					   "red_mud_harmless_treatment",
					   "red_mud_ecological_restoration",
					   "titanium_gypsum",
					   "foundry_waste",
					   "construction_waste",
					   "industrial_slag",
					   "ceramic_waste",
					   "recycled_resources",
					   "other",
					   NULL};
	static const struct field many_spec[] = {
	    {.name = "domain", .type = F_ENUM, .enum_values = many},
	    {0},
	};
	struct req en = {0};
	json_t *bad_domain = json_loads("{\"domain\":\"赤泥\"}", 0, NULL);
	CHECK("an unknown domain is refused",
	      validate_object(&en, bad_domain, many_spec, "") != RC_OK);
	const char *says =
	    json_string_value(json_object_get(json_array_get(en.problem.errors, 0), "message"));
	CHECK("the message names every domain, the last one whole",
	      says != NULL && strstr(says, "red_mud_building_materials, ") != NULL &&
		  strstr(says, ", recycled_resources, other") != NULL && strlen(says) > 256);
	json_decref(bad_domain);
	req_free(&en);

	/* a path past the 256-byte buffer is cut between characters, not inside one */
	char prefix[260];
	memset(prefix, 'p', 252);
	prefix[252] = '\0';
	struct req cut = {0};
	json_t *obj = json_loads("{\"kind\":\"university\",\"赤泥\":1}", 0, NULL);
	CHECK("a long path with a Chinese key is refused",
	      validate_object(&cut, obj, inner, prefix) != RC_OK);
	const char *named =
	    json_string_value(json_object_get(json_array_get(cut.problem.errors, 0), "field"));
	CHECK("a long path is cut before a partial character and still names the field",
	      named != NULL && strlen(named) == 253 && strncmp(named, prefix, 252) == 0);
	json_decref(obj);
	req_free(&cut);

	struct req r = {0};
	r.body = (char *)"{\"a\":1,\"a\":2}";
	r.body_len = strlen(r.body);
	struct kv ct = {(char *)"Content-Type", (char *)"application/json"};
	r.headers = &ct;
	r.nheaders = 1;
	CHECK("duplicate keys are a 400", body_read(&r) != RC_OK && r.problem.status == 400);
	json_decref(r.json);
	r.json = NULL;
	problem_clear(&r.problem);
	ct.value = (char *)"text/plain";
	CHECK("another media type is a 400", body_read(&r) != RC_OK && r.problem.status == 400);
	problem_clear(&r.problem);
	ct.value = (char *)"application/json; charset=utf-8x";
	r.body = (char *)"{}";
	r.body_len = 2;
	CHECK("a charset that only starts with utf-8 is a 400",
	      body_read(&r) != RC_OK && r.problem.status == 400);
	problem_clear(&r.problem);
	ct.value = (char *)"Application/JSON ;charset=\"UTF-8\" ";
	CHECK("a quoted charset in any case reads", body_read(&r) == RC_OK);
	json_decref(r.json);
	r.json = NULL;
	ct.value = (char *)"application/json; charset=utf-8";
	r.body = (char *)"[1]";
	r.body_len = 3;
	CHECK("a top-level array is a 400", body_read(&r) != RC_OK && r.problem.status == 400);
	json_decref(r.json);
	r.json = NULL;
	problem_clear(&r.problem);
	r.body = (char *)"{\"a\":{\"b\":[1, 99999999999999999999]}, \"c\": -9223372036854775809}";
	r.body_len = strlen(r.body);
	CHECK("integers beyond 64 bits are a 422 naming each field",
	      body_read(&r) != RC_OK && r.problem.status == 422 &&
		  json_array_size(r.problem.errors) == 2 &&
		  strcmp(json_string_value(
			     json_object_get(json_array_get(r.problem.errors, 0), "field")),
			 "a.b[1]") == 0);
	json_decref(r.json);
	r.json = NULL;
	problem_clear(&r.problem);
	r.body = (char *)"{\"a\": 9223372036854775807}";
	r.body_len = strlen(r.body);
	CHECK("INT64_MAX itself reads", body_read(&r) == RC_OK);
	json_decref(r.json);
	problem_clear(&r.problem);
}
