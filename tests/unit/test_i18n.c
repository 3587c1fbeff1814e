#include <stdlib.h>
#include <string.h>

#include "../../server/db.h"
#include "../../server/i18n.h"
#include "../../server/problem.h"
#include "../../server/req.h"
#include "unit.h"

static const struct {
	const char *accept_language;
	enum lang lang;
} negotiations[] = {
    {NULL, LANG_EN},
    {"", LANG_EN},
    {"zh-CN", LANG_ZH},
    {"zh", LANG_ZH},
    {"ZH-cn", LANG_ZH},
    {"zh-Hans-CN", LANG_ZH},
    {"zh-TW", LANG_ZH}, /* traditional Chinese readers get the simplified catalogue */
    {"zh;q=0.9,en;q=0.8", LANG_ZH},
    {"en,zh;q=0.5", LANG_EN},
    {"en;q=1, zh;q=0.5", LANG_EN},
    {"en;q=0.5, zh;q=0.6", LANG_ZH},
    {"en-US,en;q=0.9,zh-CN;q=0.8", LANG_EN},
    {"zh-CN, en", LANG_ZH}, /* a tie: the first listed */
    {"en, zh-CN", LANG_EN},
    {"*", LANG_EN},
    {"de-DE, *;q=0.5, zh;q=0.4", LANG_EN},
    {"fr, zh;q=0.8", LANG_ZH}, /* French is not spoken here: the next choice */
    {"fr", LANG_EN},
    {"zh;q=0", LANG_EN}, /* q=0: not acceptable */
    {"zh;q=0.000", LANG_EN},
    {"zh;q=1.5", LANG_EN}, /* a malformed weight counts for nothing */
    {"zh;q=abc", LANG_EN},
    {"zhx, zh_CN", LANG_EN},
    {" zh-CN ;q=0.7 , en ;q=0.6", LANG_ZH},
    {",,;;,zh", LANG_ZH},
};

static bool has_cjk(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p >= 0xE4 && *p <= 0xE9) /* lead bytes of U+4000..U+9FFF */
			return true;
	return false;
}

static void request_in(struct req *r, const char *accept_language)
{
	memset(r, 0, sizeof *r);
	r->headers = xcalloc(1, sizeof *r->headers);
	r->headers[0].key = xstrdup("Accept-Language");
	r->headers[0].value = xstrdup(accept_language);
	r->nheaders = 1;
}

void test_i18n(void)
{
	for (size_t i = 0; i < ARRAY_LEN(negotiations); i++)
		CHECK(negotiations[i].accept_language ? negotiations[i].accept_language : "(none)",
		      i18n_negotiate(negotiations[i].accept_language) == negotiations[i].lang);

	CHECK("before i18n_init nothing is translated",
	      strcmp(i18n_text(LANG_ZH, "Not Found"), "Not Found") == 0);
	char err[512] = "";
	CHECK("the catalogue compiled from po/zh_CN.po loads",
	      i18n_init("share/locale", err, sizeof err) == RC_OK);
	if (err[0])
		printf("  %s\n", err);
	char bad[512];
	CHECK("a directory without the catalogue is refused, naming the file",
	      i18n_init("/nonexistent", bad, sizeof bad) == RC_ERR &&
		  strstr(bad, "/nonexistent/zh_CN/LC_MESSAGES/techex.mo") != NULL);
	CHECK("the catalogue loads again", i18n_init("share/locale", err, sizeof err) == RC_OK);

	/* every status that has a title has its Chinese title */
	int titled = 0, translated = 0;
	for (int status = 100; status < 600; status++) {
		const char *title = problem_title(status);
		if (strcmp(title, "Error") == 0)
			continue;
		titled++;
		translated += has_cjk(i18n_text(LANG_ZH, title));
	}
	CHECK("every problem title has a Chinese translation", titled > 15 && translated == titled);
	CHECK("the fallback title too", has_cjk(i18n_text(LANG_ZH, problem_title(599))));
	static const char not_found[] = "Not Found";
	CHECK("English is the msgid itself, looked up nowhere",
	      i18n_text(LANG_EN, not_found) == not_found);
	CHECK("a message without a translation stays English",
	      strcmp(i18n_text(LANG_ZH, "no such message in the catalogue"),
		     "no such message in the catalogue") == 0);

	struct req r;
	request_in(&r, "zh-CN,zh;q=0.9,en;q=0.8");
	db_not_found(&r, "listing");
	json_t *body = problem_to_json(&r.problem, NULL);
	CHECK("a Chinese 404: the detail with its noun translated",
	      strcmp(r.problem.detail, "没有此 id 的挂牌项目") == 0);
	CHECK("a Chinese 404: the title",
	      strcmp(json_string_value(json_object_get(body, "title")), "未找到") == 0);
	CHECK("a Chinese 404: the type is never translated",
	      strcmp(json_string_value(json_object_get(body, "type")), "/problems/not-found") == 0);
	json_decref(body);
	reply_problem(&r);
	bool zh_cn = false, vary = false;
	for (int i = 0; i < r.resp.nheaders; i++) {
		zh_cn |= strcmp(r.resp.headers[i].key, "Content-Language") == 0 &&
			 strcmp(r.resp.headers[i].value, "zh-CN") == 0;
		vary |= strcmp(r.resp.headers[i].key, "Vary") == 0 &&
			strcmp(r.resp.headers[i].value, "Accept-Language") == 0;
	}
	CHECK("a Chinese problem says Content-Language: zh-CN and Vary: Accept-Language",
	      zh_cn && vary);
	req_free(&r);

	request_in(&r, "zh");
	problem_field(&r, "title", "must be at most %lld characters", 200LL);
	problem_field(&r, "kind", "must be one of: %s", "patent, process");
	CHECK("Chinese field messages, enum values as they are",
	      problem_fields_done(&r) == RC_ERR &&
		  strcmp(json_string_value(
			     json_object_get(json_array_get(r.problem.errors, 0), "message")),
			 "不能超过 200 个字符") == 0 &&
		  strcmp(json_string_value(
			     json_object_get(json_array_get(r.problem.errors, 1), "message")),
			 "必须是以下之一：patent, process") == 0 &&
		  strcmp(r.problem.detail, "2 个字段未通过校验；见 errors") == 0);
	req_free(&r);

	/* a long detail is cut at a character's end, never inside one */
	request_in(&r, "zh-CN");
	char *long_text = xmalloc(3 * 1000 + 1);
	for (int i = 0; i < 1000; i++)
		memcpy(long_text + 3 * i, "赤", 3);
	long_text[3 * 1000] = '\0';
	problem_set(&r, 409, "conflict", "%s", long_text);
	json_t *detail = json_string(r.problem.detail);
	CHECK("a detail cut to its buffer stays valid UTF-8",
	      detail != NULL && strlen(r.problem.detail) % 3 == 0 &&
		  strlen(r.problem.detail) > 1000);
	json_decref(detail);
	free(long_text);
	req_free(&r);

	request_in(&r, "en, zh;q=0.5");
	db_not_found(&r, "listing");
	CHECK("English when English comes first",
	      strcmp(r.problem.detail, "no listing has this id") == 0 && r.problem.lang == LANG_EN);
	req_free(&r);
}
