#include <stdlib.h>
#include <string.h>

#include "../../modules/contracts/contracts.h"
#include "../../modules/contracts/share.h"
#include "unit.h"

static int64_t sum(const int64_t *v, size_t n)
{
	int64_t s = 0;
	for (size_t i = 0; i < n; i++)
		s += v[i];
	return s;
}

static const struct {
	const char *name;
	int64_t total;
	int64_t weights[4];
	size_t n;
	int64_t want[4];
} splits[] = {
    {"an even split", 100, {5000, 5000}, 2, {50, 50}},
    {"one fen left goes to the larger remainder", 101, {3000, 7000}, 2, {30, 71}},
    {"a tie goes to the earlier part", 1, {5000, 5000}, 2, {1, 0}},
    {"thirds: the remainder to the first two", 5000, {1, 1, 1}, 3, {1667, 1667, 1666}},
    {"largest remainder, not first come", 10, {3333, 3333, 3334}, 3, {3, 3, 4}},
    {"a zero weight gets nothing", 7, {0, 1, 1}, 3, {0, 4, 3}},
    {"a reversal splits as the negation", -101, {3000, 7000}, 2, {-30, -71}},
    {"10^15 fen does not overflow",
     1000000000000000LL,
     {3333, 6667},
     2,
     {333300000000000LL, 666700000000000LL}},
    {"INT64_MAX splits exactly",
     INT64_MAX,
     {1, 1},
     2,
     {4611686018427387904LL, 4611686018427387903LL}},
};

void test_contracts(void)
{
	for (size_t i = 0; i < ARRAY_LEN(splits); i++) {
		int64_t out[4];
		share_split(splits[i].total, splits[i].weights, splits[i].n, out);
		CHECK(splits[i].name, memcmp(out, splits[i].want, splits[i].n * sizeof *out) == 0);
	}

	/* thousands of random amounts and plans: the parts always sum to the amount */
	srand(45);
	bool exact = true, bounded = true;
	for (int k = 0; k < 5000; k++) {
		int64_t w[8], out[8];
		size_t n = 1 + (size_t)(rand() % 8);
		int64_t left = 10000;
		for (size_t i = 0; i + 1 < n; i++) {
			w[i] = left > 1 ? 1 + rand() % (left - (int64_t)(n - i) + 1 > 0
							    ? left - (int64_t)(n - i) + 1
							    : 1)
					: 0;
			left -= w[i];
		}
		w[n - 1] = left;
		int64_t total = ((int64_t)rand() << 20 ^ rand()) % 1000000000000000LL;
		share_split(total, w, n, out);
		exact &= sum(out, n) == total;
		for (size_t i = 0; i < n; i++) {
			/* each part is within one fen of its exact share */
			__int128 exact_x10000 = (__int128)total * w[i];
			__int128 mine = (__int128)out[i] * 10000;
			bounded &= mine - exact_x10000 < 10000 && exact_x10000 - mine < 10000;
		}
	}
	CHECK("5,000 random splits each sum to the amount", exact);
	CHECK("5,000 random splits: each part within one fen of its share", bounded);

	/* the digest is SHA-256 over sorted keys without white space */
	json_t *terms = json_pack("{s:I, s:s, s:n}", "upfront_fee_fen", (json_int_t)100,
				  "territory", "山东省", "term_end");
	json_t *plan = json_pack("[{s:s, s:s, s:i}]", "role", "institution", "beneficiary",
				 "山东理工大学", "share_bp", 10000);
	char digest[65];
	contract_digest(terms, plan, NULL, digest);
	/* python3: hashlib.sha256(json.dumps(doc, sort_keys=True, separators=(",", ":"),
	 * ensure_ascii=False).encode()).hexdigest() */
	CHECK("the digest matches the canonical form",
	      strcmp(digest, "f1f654086e6b5993491b29f7582601b5c97f79e540262edf999027b8549383cd") ==
		  0);
	json_object_set_new(terms, "upfront_fee_fen", json_integer(101));
	char other[65];
	contract_digest(terms, plan, NULL, other);
	CHECK("one fen more is another digest", strcmp(digest, other) != 0);
	json_object_set_new(terms, "upfront_fee_fen", json_integer(100));
	/* scheme 2: the subject, as drafted, is signed too */
	json_t *subject = json_pack(
	    "{s:{s:s, s:s, s:s, s:s, s:{s:s, s:s, s:[s, s]}, s:n}, s:{s:s, s:s}, s:{s:s, s:s}}",
	    "listing", "id", "5f0c6a4e-0000-4000-8000-000000000001", "title",
	    "赤泥基路基材料制备技术", "kind", "patent", "domain", "red_mud_building_materials",
	    "patent", "number", "ZL202110000001.X", "type", "invention", "inventors", "王五",
	    "赵六", "process", "licensor", "name", "山东理工大学", "kind", "university", "licensee",
	    "name", "山东金卡材料有限公司", "kind", "enterprise");
	contract_digest(terms, plan, subject, other);
	CHECK("scheme 2: the digest covers revenue_share, subject and terms",
	      strcmp(other, "09e97353a49730b1f5d3fda4dd19eb99c76d1621c6b145e43596807b11a134ae") ==
		  0);
	json_object_set_new(json_object_get(subject, "listing"), "title",
			    json_string("赤泥基路基材料制备技术（修订）"));
	char edited[65];
	contract_digest(terms, plan, subject, edited);
	CHECK("scheme 2: another title is another digest", strcmp(other, edited) != 0);
	json_decref(subject);
	json_decref(terms);
	json_decref(plan);

	json_t *inventors = json_pack("[s, s, s, s]", "王五", "赵六", "孙七", "王五");
	json_t *p = contract_default_plan(5000, "山东理工大学", inventors);
	CHECK("the statutory plan: distinct inventors then the institution",
	      json_array_size(p) == 4 &&
		  json_integer_value(json_object_get(json_array_get(p, 0), "share_bp")) == 1667 &&
		  json_integer_value(json_object_get(json_array_get(p, 2), "share_bp")) == 1666 &&
		  json_integer_value(json_object_get(json_array_get(p, 3), "share_bp")) == 5000 &&
		  strcmp(json_string_value(json_object_get(json_array_get(p, 3), "role")),
			 "institution") == 0);
	json_decref(p);
	p = contract_default_plan(-1, "山铝环保", inventors);
	CHECK("an enterprise licensor keeps 10000 bp",
	      json_array_size(p) == 1 &&
		  json_integer_value(json_object_get(json_array_get(p, 0), "share_bp")) == 10000);
	json_decref(p);
	p = contract_default_plan(7000, "山东理工大学", inventors);
	CHECK("the Shandong plan: 7000 bp among the inventors, 3000 to the institution",
	      json_array_size(p) == 4 &&
		  json_integer_value(json_object_get(json_array_get(p, 0), "share_bp")) == 2334 &&
		  json_integer_value(json_object_get(json_array_get(p, 2), "share_bp")) == 2333 &&
		  json_integer_value(json_object_get(json_array_get(p, 3), "share_bp")) == 3000);
	json_decref(p);
	json_decref(inventors);

	/* the document escapes what data could use to format it */
	json_t *doc = json_pack(
	    "{s:{s:s, s:s, s:s, s:{s:I, s:I, s:I, s:n, s:n, s:n, s:n}, s:[], s:s, s:s, s:s, s:s},"
	    " s:{s:s, s:s}, s:{s:s, s:s}, s:{s:s, s:s}, s:[]}",
	    "contract", "id", "c1", "transaction_mode", "assignment", "status", "draft", "terms",
	    "upfront_fee_fen", (json_int_t)123456789, "royalty_bp", (json_int_t)250,
	    "minimum_annual_royalty_fen", (json_int_t)0, "term_start", "term_end", "territory",
	    "field_of_use", "revenue_share", "digest", "ab", "created_at", "2026-11-28T00:00:00Z",
	    "licensor_org_id", "o1", "licensee_org_id", "o2", "licensor", "name",
	    "*赤泥* [链接](http://x) | <b>", "kind", "university", "licensee", "name", "东佳",
	    "kind", "enterprise", "listing", "title", "赤泥\n# 标题", "kind", "process", "signers");
	char *md = contract_markdown(doc);
	CHECK("an assignment is titled as one",
	      md && strncmp(md, "# 技术转让合同 Technology Assignment Contract\n",
			    strlen("# 技术转让合同 Technology Assignment Contract\n")) == 0);
	CHECK("markup in names is escaped",
	      md && strstr(md, "\\*赤泥\\* \\[链接\\]\\(http\\:\\/\\/x\\) \\| \\<b\\>") != NULL);
	CHECK("a line break in data cannot start a heading",
	      md && strstr(md, "赤泥 \\# 标题") != NULL);
	CHECK("money reads as yuan with the fen",
	      md && strstr(md, "¥1,234,567.89 (123456789 fen)"));
	CHECK("basis points read as percent", md && strstr(md, "2.50 % (250 bp)"));
	free(md);
	json_decref(doc);
}
