/*
 * test_identity.c - look-alike identities and weak passwords: normalization,
 * invisible characters, mixed scripts, and the password policy.
 */
#include <argon2.h>
#include <stdlib.h>
#include <string.h>

#include "../../modules/accounts/credentials.h"
#include "../../modules/accounts/password_policy.h"
#include "../../server/json.h"
#include "../../server/req.h"
#include "../../server/unicode.h"
#include "unit.h"

static const struct {
	const char *name;
	const char *a, *b; /* two spellings */
	bool same;         /* one account */
} email_cases[] = {
    {"NFC and NFD spellings are one key",
     "s\xc3\xa9"
     "dut@x.test",
     "se\xcc\x81"
     "dut@x.test",
     true},
    {"case is folded beyond ASCII",
     "S\xc3\x89"
     "DUT@X.TEST",
     "s\xc3\xa9"
     "dut@x.test",
     true},
    {"an uppercase NFD spelling is the same key",
     "SE\xcc\x81"
     "DUT@X.TEST",
     "s\xc3\xa9"
     "dut@x.test",
     true},
    {"full case folding maps sharp s to ss",
     "stra\xc3\x9f"
     "e@x.test",
     "STRASSE@x.test", true},
    {"fullwidth letters are their ordinary ones",
     "\xef\xbd\x93"
     "dut@x.test",
     "sdut@x.test", true},
    {"Chinese addresses are kept", "张三@例子.中国", "张三@例子.中国", true},
    {"a Cyrillic s is another key (and is refused as mixed)",
     "\xd1\x95"
     "dut@x.test",
     "sdut@x.test", false},
};

static const struct {
	const char *name;
	const char *s;
	bool allow_variation;
	uint32_t found;
} invisible_cases[] = {
    {"plain Chinese has nothing invisible", "山东理工大学", false, 0},
    {"newline and tab are not invisible", "赤泥\n\t砖", true, 0},
    {"a right-to-left override is found",
     "合同\xe2\x80\xae"
     "txt",
     true, 0x202e},
    {"a zero-width space is found", "sdut\xe2\x80\x8b", true, 0x200b},
    {"a zero-width joiner is found",
     "a\xe2\x80\x8d"
     "b",
     true, 0x200d},
    {"a word joiner is found",
     "a\xe2\x81\xa0"
     "b",
     true, 0x2060},
    {"a byte order mark is found",
     "\xef\xbb\xbf"
     "abc",
     true, 0xfeff},
    {"a soft hyphen is found",
     "ab\xc2\xad"
     "c",
     true, 0xad},
    {"a left-to-right isolate is found",
     "a\xe2\x81\xa6"
     "b",
     true, 0x2066},
    {"a variation selector passes in free text", "\xe2\x9d\xa4\xef\xb8\x8f", true, 0},
    {"a variation selector is found in a name", "\xe2\x9d\xa4\xef\xb8\x8f", false, 0xfe0f},
};

static const struct {
	const char *name;
	const char *s;
	bool mixed;
} script_cases[] = {
    {"plain Latin is one script", "sdut@sdut.edu.cn", false},
    {"a Cyrillic s beside Latin letters is mixed",
     "\xd1\x95"
     "dut@x.test",
     true},
    {"a Greek omicron beside Latin letters is mixed",
     "g\xce\xbf"
     "ogle@x.test",
     true},
    {"a Cyrillic a in the domain is mixed",
     "sdut@p\xd0\xb0"
     "ypal.com",
     true},
    {"whole Cyrillic labels are one script each", "иван@почта.рф", false},
    {"Chinese is one script", "张三@例子.中国", false},
    {"Han beside Latin is allowed", "zhang张三@x.cn", false},
    {"Japanese kana with Han and Latin is allowed", "やまだ山田taro@x.jp", false},
    {"Hangul with Han is allowed", "김金@x.kr", false},
    {"Hangul with Hiragana is mixed", "김やま@x.kr", true},
    {"digits and punctuation go with anything", "zhang.san-2026@x.cn", false},
};

static const struct {
	const char *name;
	const char *password;
	const char *email;
	enum password_verdict verdict;
} password_cases[] = {
    {"a long passphrase is accepted", "correct horse battery staple", "a@x.cn", PASSWORD_OK},
    {"a mixed-case email local part with digits after it is refused", "ZhangSan.Weak0a1b2!",
     "zhangsan.weak0a1b2@sdut.edu.cn", PASSWORD_EMAIL},
    {"a Chinese passphrase is accepted", "赤泥综合利用技术成果转让", "zhang@sdut.edu.cn",
     PASSWORD_OK},
    {"a Chinese passphrase with digits is accepted", "钛白石膏路基材料2026年", "a@x.cn",
     PASSWORD_OK},
    {"the demo password is accepted", "techex-demo-2026", "sdut@demo.techex.example", PASSWORD_OK},
    {"the demo admin password is accepted", "techex-admin-2026", "admin@demo.techex.example",
     PASSWORD_OK},
    {"eleven characters are too short", "abcdefgh-1x", "a@x.cn", PASSWORD_LENGTH},
    {"129 characters are too long",
     "0123456789abcdefghij0123456789abcdefghij0123456789abcdefghij0123456789abcdefghij"
     "0123456789abcdefghij0123456789abcdefghij012345678",
     "a@x.cn", PASSWORD_LENGTH},
    {"twelve spaces are blank", "            ", "a@x.cn", PASSWORD_BLANK},
    {"twelve no-break spaces are blank",
     "\xc2\xa0\xc2\xa0\xc2\xa0\xc2\xa0\xc2\xa0\xc2\xa0\xc2\xa0\xc2\xa0\xc2\xa0\xc2\xa0\xc2\xa0"
     "\xc2\xa0",
     "a@x.cn", PASSWORD_BLANK},
    {"twelve ideographic spaces are blank",
     "\u3000\u3000\u3000\u3000\u3000\u3000\u3000\u3000\u3000\u3000\u3000\u3000", "a@x.cn",
     PASSWORD_BLANK},
    {"twelve zero-width spaces are blank",
     "\u200b\u200b\u200b\u200b\u200b\u200b\u200b\u200b\u200b\u200b\u200b\u200b", "a@x.cn",
     PASSWORD_BLANK},
    {"the email is refused", "zhang@sdut.edu.cn", "zhang@sdut.edu.cn", PASSWORD_EMAIL},
    {"the email in capitals is refused", "ZHANG@SDUT.EDU.CN", "zhang@sdut.edu.cn", PASSWORD_EMAIL},
    {"the local part is refused", "zhangsan2026", "ZhangSan2026@sdut.edu.cn", PASSWORD_EMAIL},
    {"the local part with digits after it is refused", "zhangsanfeng!2026",
     "zhangsanfeng@sdut.edu.cn", PASSWORD_EMAIL},
    {"a common password of 12 characters is refused", "unbelievable", "a@x.cn", PASSWORD_COMMON},
    {"a common password with digits around is refused", "12qwertyuiop34", "a@x.cn",
     PASSWORD_COMMON},
    {"a common password with digits appended is refused", "password1234", "a@x.cn",
     PASSWORD_COMMON},
    {"a common password in capitals with digits is refused", "PASSWORD1234", "a@x.cn",
     PASSWORD_COMMON},
    {"a common password with a year and a symbol is refused", "iloveyou2026!", "a@x.cn",
     PASSWORD_COMMON},
    {"a common password with symbols before it is refused", "!!!2026monkey", "a@x.cn",
     PASSWORD_COMMON},
    {"a fullwidth common password is refused (NFKC)",
     "\xef\xbd\x90\xef\xbd\x81\xef\xbd\x93\xef\xbd\x93\xef\xbd\x97\xef\xbd\x8f\xef\xbd\x92"
     "\xef\xbd\x84"
     "1234",
     "a@x.cn", PASSWORD_COMMON},
    {"one character twelve times is repetitive", "aaaaaaaaaaaa", "a@x.cn", PASSWORD_REPETITIVE},
    {"two characters alternating are repetitive", "abababababab", "a@x.cn", PASSWORD_REPETITIVE},
    {"four distinct characters are repetitive", "abcdabcdabcd", "a@x.cn", PASSWORD_REPETITIVE},
    {"a repeated Chinese block is repetitive", "赤泥砖材料钛赤泥砖材料钛", "a@x.cn",
     PASSWORD_REPETITIVE},
    {"digits running up and wrapping are sequential", "123456789012", "a@x.cn",
     PASSWORD_SEQUENTIAL},
    {"digits running down are sequential", "987654321098", "a@x.cn", PASSWORD_SEQUENTIAL},
    {"letters running up are sequential", "abcdefghijkl", "a@x.cn", PASSWORD_SEQUENTIAL},
    {"a short common word inside a passphrase is fine", "my dragon eats red mud", "a@x.cn",
     PASSWORD_OK},
    {"a common word of five letters with digits is allowed", "zhang1234567", "a@x.cn", PASSWORD_OK},
};

static const char *const harness_passwords[] = {
    "赤泥综合利用-技术转让-2026", /* tests/integration/harness.py PASSWORD */
    "平台管理员-口令-2026",       /* and ADMIN_PASSWORD */
    "techex-admin-2026",          "techex-demo-2026", "bench-password-0123", /* bench/run.sh */
    "运维管理员口令-0001",       /* tests/integration/test_cli.py */
    "从标准输入读取的口令-0002", /* the same, from standard input */
    "一二三四五六七八九十一二",  /* tests/integration/test_accounts.py */
};

static const struct field identity_spec[] = {
    {.name = "email", .type = F_EMAIL},
    {.name = "display_name", .type = F_NAME, .min = 1, .max = 100},
    {.name = "title", .type = F_TEXT1, .min = 1, .max = 200},
    {.name = "message", .type = F_STRING, .max = 2000},
    {.name = "tags", .type = F_STRINGS, .max_items = 5, .max = 20},
    {0},
};

static const struct {
	const char *name;
	const char *body;
	const char *field; /* the field named, or NULL when valid */
} validate_cases[] = {
    {"a Chinese name and address pass",
     "{\"email\":\"张三@例子.中国\",\"display_name\":\"山东理工大学\",\"title\":\"赤泥路基材料\"}",
     NULL},
    {"an ASCII address passes", "{\"email\":\"zhang@sdut.edu.cn\"}", NULL},
    {"a trailing zero-width space in an email is refused", "{\"email\":\"sdut@x.test\\u200b\"}",
     "email"},
    {"a Cyrillic look-alike email is refused", "{\"email\":\"\\u0455dut@x.test\"}", "email"},
    {"a right-to-left override in a name is refused", "{\"display_name\":\"张\\u202e三\"}",
     "display_name"},
    {"a variation selector in a name is refused", "{\"display_name\":\"张三\\ufe0f\"}",
     "display_name"},
    {"a right-to-left override in a title is refused", "{\"title\":\"赤泥\\u202egpj.exe\"}",
     "title"},
    {"a zero-width space in a message is refused", "{\"message\":\"报价\\u200b\"}", "message"},
    {"a soft hyphen in a tag is refused", "{\"tags\":[\"赤泥\",\"砖\\u00ad\"]}", "tags[1]"},
    {"a variation selector in free text passes", "{\"message\":\"好\\u2764\\ufe0f\\n下一行\"}",
     NULL},
    {"a name of ideographic spaces is blank", "{\"display_name\":\"\\u3000\\u3000\"}",
     "display_name"},
};

static bool same_key(const char *a, const char *b)
{
	char *ka = unicode_email_key(a), *kb = unicode_email_key(b);
	bool same = ka && kb && strcmp(ka, kb) == 0;
	free(ka);
	free(kb);
	return same;
}

void test_identity(void)
{
	for (size_t i = 0; i < ARRAY_LEN(email_cases); i++)
		CHECK(email_cases[i].name,
		      same_key(email_cases[i].a, email_cases[i].b) == email_cases[i].same);
	for (size_t i = 0; i < ARRAY_LEN(invisible_cases); i++)
		CHECK(invisible_cases[i].name,
		      unicode_find_invisible(invisible_cases[i].s,
					     invisible_cases[i].allow_variation) ==
			  invisible_cases[i].found);
	for (size_t i = 0; i < ARRAY_LEN(script_cases); i++)
		CHECK(script_cases[i].name,
		      unicode_mixed_scripts(script_cases[i].s) == script_cases[i].mixed);
	for (size_t i = 0; i < ARRAY_LEN(password_cases); i++) {
		enum password_verdict v =
		    password_policy_check(password_cases[i].password, password_cases[i].email);
		if (v != password_cases[i].verdict)
			printf("  got verdict %d\n", (int)v);
		CHECK(password_cases[i].name, v == password_cases[i].verdict);
	}
	for (size_t i = 0; i < ARRAY_LEN(harness_passwords); i++)
		CHECK("the test and demo passwords pass the policy",
		      password_policy_check(harness_passwords[i], "someone@x.test") == PASSWORD_OK);

	bool sorted = common_passwords_count == 10000;
	for (size_t i = 1; i < common_passwords_count; i++)
		sorted = sorted && strcmp(common_passwords[i - 1], common_passwords[i]) < 0;
	CHECK("the 10,000 common passwords are embedded, sorted for bsearch", sorted);
	CHECK("a listed password is found", password_is_common("password"));
	CHECK("an unlisted one is not", !password_is_common("赤泥综合利用"));

	char *nfkc = unicode_nfkc("\xef\xbd\x81\xef\xbc\xa2\xef\xbc\x91"); /* ａＢ１ */
	CHECK("NFKC maps fullwidth forms to ASCII", nfkc && strcmp(nfkc, "aB1") == 0);
	free(nfkc);

	char hash[PASSWORD_HASH_MAX];
	const char *fullwidth = "\xef\xbd\x94\xef\xbd\x85\xef\xbd\x83\xef\xbd\x88"
				"ex-demo-2026";
	CHECK("a password hashes in NFKC", password_hash(fullwidth, hash) == RC_OK);
	CHECK("its NFKC spelling verifies", password_verify(hash, "techex-demo-2026"));
	CHECK("its fullwidth spelling verifies", password_verify(hash, fullwidth));
	/* a hash made before normalization, of the password as typed, still verifies */
	unsigned char salt[16] = "techex-unit-salt";
	CHECK("a raw hash is made",
	      argon2id_hash_encoded(PASSWORD_T_COST, PASSWORD_M_COST, PASSWORD_LANES, fullwidth,
				    strlen(fullwidth), salt, sizeof salt, 32, hash,
				    sizeof hash) == ARGON2_OK);
	CHECK("an old hash of a non-NFKC password verifies as typed",
	      password_verify(hash, fullwidth));
	CHECK("an old hash does not verify another password",
	      !password_verify(hash, "techex-demo-2027"));

	for (size_t i = 0; i < ARRAY_LEN(validate_cases); i++) {
		struct req r = {0};
		json_t *obj = json_loads(validate_cases[i].body, 0, NULL);
		CHECK(validate_cases[i].name, obj != NULL);
		if (obj == NULL)
			continue;
		enum rc vr = validate_object(&r, obj, identity_spec, "");
		if (validate_cases[i].field == NULL) {
			CHECK(validate_cases[i].name, vr == RC_OK);
		} else {
			const char *named = json_string_value(
			    json_object_get(json_array_get(r.problem.errors, 0), "field"));
			CHECK(validate_cases[i].name,
			      vr != RC_OK && named && strcmp(named, validate_cases[i].field) == 0);
		}
		json_decref(obj);
		req_free(&r);
	}
}
