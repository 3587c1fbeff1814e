/*
 * test_seed.c - the demo data embedded from data/demo.json: it parses, every
 * listing in it passes the API's listing validator (listing_create_spec and the
 * rules across fields, the patent number among them), and
 * a malformed entry is refused with a message naming it.
 */
#include <jansson.h>
#include <string.h>

#include "../../modules/listings/listings.h"
#include "../../modules/listings/patent.h"
#include "../../modules/platform/seed.h"
#include "../../server/req.h"
#include "unit.h"

/* The listing as a POST /v1/listings body would carry it. */
static bool listing_valid(const json_t *l)
{
	json_t *body = json_deep_copy(l), *pricing = json_object_get(body, "pricing");
	json_object_del(body, "org");
	if (json_object_get(pricing, "auction_days") != NULL) {
		json_object_del(pricing, "auction_days");
		json_object_set_new(pricing, "auction_ends_at",
				    json_string("2099-01-01T00:00:00Z"));
	}
	struct req r = {0};
	bool ok = listing_validate(&r, body) == RC_OK;
	const json_t *patent = json_object_get(body, "patent");
	if (ok && patent != NULL) {
		const char *number = json_string_value(json_object_get(patent, "number"));
		struct patent_number pn;
		patent_number_parse(number, &pn);
		ok = pn.kind != PN_INVALID && strcmp(pn.normalized, number) == 0 &&
		     patent_type_from_name(json_string_value(json_object_get(patent, "type"))) ==
			 pn.type;
	}
	problem_clear(&r.problem);
	json_decref(body);
	return ok;
}

/* A copy of the embedded data with one change, parsed: true when refused with
 * a message that contains want. */
static bool refused_naming(const char *path, int index, const char *key, json_t *value,
			   const char *want)
{
	json_t *doc = json_loads(seed_demo_json, 0, NULL);
	json_t *entry = json_array_get(json_object_get(doc, path), (size_t)index);
	if (strchr(key, '.') != NULL) { /* one level down: "patent.number" */
		char outer[32];
		snprintf(outer, sizeof outer, "%.*s", (int)(strchr(key, '.') - key), key);
		entry = json_object_get(entry, outer);
		key = strchr(key, '.') + 1;
	}
	if (value != NULL)
		json_object_set_new(entry, key, value);
	else
		json_object_del(entry, key);
	char *text = json_dumps(doc, 0), why[512] = "";
	struct demo *d = seed_demo_parse(text, why, sizeof why);
	bool ok = d == NULL && strstr(why, want) != NULL;
	if (!ok)
		printf("  refused_naming %s[%d].%s: %s\n", path, index, key, why);
	seed_demo_free(d);
	free(text);
	json_decref(doc);
	return ok;
}

void test_seed(void)
{
	char why[512] = "";
	struct demo *d = seed_demo_parse(seed_demo_json, why, sizeof why);
	CHECK("the embedded data/demo.json parses and passes every check", d != NULL);
	if (d == NULL)
		printf("  %s\n", why);
	seed_demo_free(d);

	json_t *doc = json_loads(seed_demo_json, JSON_REJECT_DUPLICATES, NULL);
	const json_t *listings = json_object_get(doc, "listings");
	size_t i, valid = 0, patents = 0;
	const json_t *l;
	json_array_foreach(listings, i, l)
	{
		valid += listing_valid(l);
		patents += json_object_get(l, "patent") != NULL;
	}
	CHECK("the demo data has 22 organizations, 45 listings (24 patents) and 7 deals",
	      json_array_size(json_object_get(doc, "organizations")) == 22 &&
		  json_array_size(listings) == 45 && patents == 24 &&
		  json_array_size(json_object_get(doc, "deals")) == 7);
	CHECK("every demo listing passes listing_create_spec and the patent-number check",
	      valid == json_array_size(listings));
	json_decref(doc);

	CHECK("text that is not JSON is refused with its line and column",
	      seed_demo_parse("{\"organizations\": [", why, sizeof why) == NULL &&
		  strstr(why, "line 1") != NULL);
	CHECK("a listing's bad check character is refused naming the listing",
	      refused_naming("listings", 0, "patent.number", json_string("ZL2018107342153"),
			     "listings[0] (赤泥基透水砖及其制备方法): patent.number"));
	CHECK("a listing the API validator refuses (trl 12) is refused naming the field",
	      refused_naming("listings", 1, "trl", json_integer(12), "listings[1] (") &&
		  refused_naming("listings", 1, "trl", json_integer(12), "trl"));
	CHECK("a listing of an unknown domain is refused",
	      refused_naming("listings", 2, "domain", json_string("red_mud"), "domain"));
	CHECK("a listing with a misspelt transaction mode is refused (a rule across fields)",
	      refused_naming("listings", 2, "transaction_modes",
			     json_pack("[s]", "exclusive_licence"), "transaction_modes[0]"));
	CHECK("a desk hold on a deal without a contract is refused",
	      refused_naming("deals", 0, "desk", json_pack("{s:s}", "hold", "暂停"),
			     "only a deal with a contract"));
	CHECK("a desk payment dispute on a deal with no royalty payment is refused",
	      refused_naming("deals", 5, "desk", json_pack("{s:s}", "payment_dispute", "未到账"),
			     "desk.payment_dispute"));
	CHECK("an unknown key in a deal's desk is refused",
	      refused_naming("deals", 4, "desk", json_pack("{s:s}", "freeze", "冻结"), "freeze"));
	CHECK("a listing whose kind does not match its details is refused",
	      refused_naming("listings", 0, "kind", json_string("process"),
			     "listings[0] (赤泥基透水砖及其制备方法): process is required"));
	CHECK("a listing of an organization not in the data is refused",
	      refused_naming("listings", 3, "org", json_string("nobody"), "org must be"));
	CHECK("an unknown key in an organization is refused naming it",
	      refused_naming("organizations", 0, "website", json_string("x"),
			     "organizations[0] (chalco_sd)"));
	CHECK("a demo credit code with a wrong check character is refused naming the organization",
	      refused_naming("organizations", 3, "profile.credit_code",
			     json_string("913703008HW2WW7C5C"),
			     "organizations[3] (sdut): profile.credit_code"));
	CHECK("a demo credit code in lower case is refused",
	      refused_naming("organizations", 3, "profile.credit_code",
			     json_string("913703008hw2ww7c5b"), "profile.credit_code must"));
	CHECK("two demo organizations with one credit code are refused",
	      refused_naming("organizations", 3, "profile.credit_code",
			     json_string("913703008HW2WW7C5B"), "another organization's"));
	CHECK("a demo region code outside GB/T 2260 is refused",
	      refused_naming("organizations", 3, "profile.region_code", json_string("990000"),
			     "profile.region_code"));
	CHECK("a verified demo organization without a profile is refused",
	      refused_naming("organizations", 3, "profile", NULL, "needs a profile"));
	CHECK("an organization whose parent comes later is refused",
	      refused_naming("organizations", 1, "parent", json_string("daya"), "parent must"));
	CHECK("a countered deal without counter_fen is refused naming the deal",
	      refused_naming("deals", 3, "counter_fen", NULL,
			     "deals[3] (钛白石膏改性路基回填材料): a countered deal"));
	CHECK("a deal whose bidder owns the listing is refused",
	      refused_naming("deals", 0, "bidder", json_string("chalco_ri"), "bidder must"));
	CHECK("an active deal without its upfront payment's reference is refused",
	      refused_naming("deals", 5, "revenue.upfront_reference", NULL, "upfront_reference"));
	CHECK("deductions that eat the upfront fee are refused",
	      refused_naming(
		  "deals", 6, "revenue.upfront_deductions",
		  json_pack("[{s:s, s:I}]", "reason", "评估费", "amount_fen", (json_int_t)45000000),
		  "total less than the upfront fee"));
	CHECK("a demo registration other than submitted is refused",
	      refused_naming("deals", 6, "revenue.registration", json_string("registered"),
			     "registration can only be submitted"));
}
