/*
 * document.c - the printable contract: GET /v1/contracts/{id}/document and
 * contract_markdown, which renders it in Chinese and English from what the
 * contract and its signatures keep (its subject, never the live listing or
 * organizations). Data can neither format the document nor break its tables.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../server/db.h"
#include "contract_shape.h"
#include "contracts.h"
#include "document.h"

/* Everything the printable document shows, from what the contract and its
 * signatures keep (never the live listing or organizations). */
// clang-format off
static const struct stmt st_document = {
    "contracts_document",
    "SELECT jsonb_build_object('contract', " CONTRACT_OBJ ","
    " 'licensor', c.subject -> 'licensor', 'licensee', c.subject -> 'licensee',"
    " 'listing', c.subject -> 'listing',"
    " 'signers', coalesce((SELECT jsonb_agg(jsonb_build_object('party', s.party,"
    "   'organization', s.org_name, 'user', s.user_name, 'signed_at', " TS("s.signed_at") ","
    "   'digest', s.digest) ORDER BY s.signed_at, s.party)"
    "   FROM contract_signatures s WHERE s.contract_id = c.id), '[]'::jsonb))::text,"
    " c.licensor_org_id, c.licensee_org_id FROM contracts c WHERE c.id = $1",
    1};
enum { DOC_JSON, DOC_LICENSOR, DOC_LICENSEE };
// clang-format on

/* ---- the renderer ------------------------------------------------------ */
/* Writes s with every ASCII punctuation character backslash-escaped (CommonMark
 * takes each literally then) and line breaks as spaces, so data can neither
 * format the document nor break a table row. */
static void md_text(FILE *f, const char *s)
{
	for (; s != NULL && *s; s++) {
		if (*s == '\n' || *s == '\r' || *s == '\t')
			fputc(' ', f);
		else if (ispunct((unsigned char)*s))
			fprintf(f, "\\%c", *s);
		else
			fputc(*s, f);
	}
}

static void md_yuan(FILE *f, long long fen)
{
	char digits[32];
	snprintf(digits, sizeof digits, "%lld", fen / 100);
	size_t n = strlen(digits);
	fputs("¥", f);
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			fputc(',', f);
		fputc(digits[i], f);
	}
	fprintf(f, ".%02lld (%lld fen)", fen % 100, fen);
}

static void md_bp(FILE *f, long long bp)
{
	fprintf(f, "%lld.%02lld %% (%lld bp)", bp / 100, bp % 100, bp);
}

static const char *label(const char *const (*table)[2], const char *key)
{
	for (; (*table)[0] != NULL; table++)
		if (key != NULL && strcmp((*table)[0], key) == 0)
			return (*table)[1];
	return key ? key : "";
}

static const char *const mode_labels[][2] = {
    {"assignment", "转让 assignment"},
    {"exclusive_license", "独占许可 exclusive licence"},
    {"sole_license", "排他许可 sole licence"},
    {"non_exclusive_license", "普通许可 non-exclusive licence"},
    {NULL, NULL},
};
static const char *const status_labels[][2] = {
    {"draft", "草案 draft"},
    {"signed_by_licensor", "许可方已签署 signed by the licensor"},
    {"signed_by_licensee", "被许可方已签署 signed by the licensee"},
    {"active", "生效 active"},
    {"terminated", "已终止 terminated"},
    {NULL, NULL},
};
static const char *const kind_labels[][2] = {
    {"university", "高等院校 university"},
    {"research_institute", "科研院所 research institute"},
    {"enterprise", "企业 enterprise"},
    {"patent", "专利 patent"},
    {"process", "工艺技术 process know-how"},
    {"invention", "发明 invention"},
    {"utility_model", "实用新型 utility model"},
    {"design", "外观设计 design"},
    {"lab", "实验室 lab"},
    {"pilot", "中试 pilot"},
    {"industrial", "工业化 industrial"},
    {"institution", "单位 institution"},
    {"inventor", "完成人 inventor"},
    {"platform", "平台 platform"},
    {"other", "其他 other"},
    {"tto", "技术转移机构 technology-transfer office"},
    {"licensor", "许可方 Licensor"},
    {"licensee", "被许可方 Licensee"},
    {NULL, NULL},
};

static const char *str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static long long num(const json_t *obj, const char *key)
{
	return (long long)json_integer_value(json_object_get(obj, key));
}

/* A term the parties left open reads as such. */
static const char *or_unset(const char *s)
{
	return s ? s : "未约定 not set";
}

static void md_list(FILE *f, const json_t *array)
{
	size_t i;
	const json_t *v;
	json_array_foreach(array, i, v)
	{
		if (i > 0)
			fputs("、", f);
		md_text(f, json_string_value(v));
	}
	if (json_array_size(array) == 0)
		fputs("—", f);
}

/* doc: {contract: <API JSON>, licensor: {name, kind}, licensee: {name, kind},
 *       listing: {id, title, kind, domain, patent, process} (the subject's),
 *       signers: [{party, organization, user, signed_at, digest}]} */
char *contract_markdown(const json_t *doc)
{
	const json_t *c = json_object_get(doc, "contract"), *terms = json_object_get(c, "terms"),
		     *listing = json_object_get(doc, "listing");
	const char *mode = str(c, "transaction_mode");
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	if (f == NULL)
		return NULL;

	bool assignment = mode != NULL && strcmp(mode, "assignment") == 0;
	fprintf(f, "# %s\n\n",
		assignment ? "技术转让合同 Technology Assignment Contract"
			   : "技术许可合同 Technology Licence Contract");
	fputs("| 项目 Item | 内容 Value |\n|---|---|\n", f);
	fprintf(f, "| 合同编号 Contract No. | %s |\n", str(c, "id"));
	fprintf(f, "| 状态 Status | %s |\n", label(status_labels, str(c, "status")));
	fprintf(f, "| 交易方式 Transaction mode | %s |\n", label(mode_labels, mode));
	fprintf(f, "| 起草时间 Drafted at | %s |\n", str(c, "created_at"));
	if (str(c, "activated_at"))
		fprintf(f, "| 生效时间 In force since | %s |\n", str(c, "activated_at"));
	fputs("\n## 一、合同双方 Parties\n\n", f);
	fputs(
	    "| 角色 Role | 名称 Name | 类型 Kind | 机构编号 Organization ID |\n|---|---|---|---|\n",
	    f);
	static const char *const parties[] = {"licensor", "licensee"};
	for (size_t i = 0; i < 2; i++) {
		const json_t *o = json_object_get(doc, parties[i]);
		char idkey[24];
		snprintf(idkey, sizeof idkey, "%s_org_id", parties[i]);
		fprintf(f, "| %s | ", label(kind_labels, parties[i]));
		md_text(f, str(o, "name"));
		fprintf(f, " | %s | %s |\n", label(kind_labels, str(o, "kind")), str(c, idkey));
	}

	fputs("\n## 二、技术 The technology\n\n", f);
	fputs("- 名称 Title: ", f);
	md_text(f, str(listing, "title"));
	fprintf(f, "\n- 类别 Kind: %s\n", label(kind_labels, str(listing, "kind")));
	fprintf(f, "- 领域 Domain: %s\n", str(listing, "domain"));
	fprintf(f, "- 挂牌编号 Listing ID: %s\n", str(c, "listing_id"));
	const json_t *patent = json_object_get(listing, "patent"),
		     *process = json_object_get(listing, "process");
	if (json_is_object(patent)) {
		fputs("- 专利号 Patent number: ", f);
		md_text(f, str(patent, "number"));
		fprintf(f, "\n- 专利类型 Patent type: %s\n",
			label(kind_labels, str(patent, "type")));
		fputs("- 发明人 Inventors: ", f);
		md_list(f, json_object_get(patent, "inventors"));
		fputs("\n", f);
	}
	if (json_is_object(process)) {
		fprintf(f, "- 规模 Scale: %s\n", label(kind_labels, str(process, "scale")));
		fputs("- 原料 Inputs: ", f);
		md_list(f, json_object_get(process, "inputs"));
		fputs("\n- 产品 Outputs: ", f);
		md_list(f, json_object_get(process, "outputs"));
		fputs("\n", f);
	}

	fputs("\n## 三、合同条款 Terms\n\n| 条款 Term | 约定 Agreed |\n|---|---|\n", f);
	fprintf(f, "| %s | ", assignment ? "转让费 Price" : "入门费 Upfront fee");
	md_yuan(f, num(terms, "upfront_fee_fen"));
	fputs(" |\n| 提成费率 Royalty rate | ", f);
	md_bp(f, num(terms, "royalty_bp"));
	fputs(" of net sales |\n| 年度最低提成 Minimum annual royalty | ", f);
	md_yuan(f, num(terms, "minimum_annual_royalty_fen"));
	fprintf(f, " |\n| 期限 Term | %s 至 to %s |\n", or_unset(str(terms, "term_start")),
		or_unset(str(terms, "term_end")));
	fputs("| 地域 Territory | ", f);
	md_text(f, or_unset(str(terms, "territory")));
	fputs(" |\n| 使用领域 Field of use | ", f);
	md_text(f, or_unset(str(terms, "field_of_use")));
	fprintf(f, " |\n| 币种 Currency | %s |\n", str(c, "currency"));

	fputs("\n## 四、收益分配 Revenue share\n\n", f);
	fputs("许可方所得净收入按下表分配。The licensor's net income is shared as follows.\n\n", f);
	fputs("| # | 受益人 Beneficiary | 角色 Role | 比例 Share |\n|---|---|---|---|\n", f);
	size_t i;
	const json_t *e;
	long long total = 0;
	json_array_foreach(json_object_get(c, "revenue_share"), i, e)
	{
		fprintf(f, "| %zu | ", i + 1);
		md_text(f, str(e, "beneficiary"));
		fprintf(f, " | %s | ", label(kind_labels, str(e, "role")));
		md_bp(f, num(e, "share_bp"));
		fputs(" |\n", f);
		total += num(e, "share_bp");
	}
	fputs("| | 合计 Total | | ", f);
	md_bp(f, total);
	fputs(" |\n", f);

	fputs("\n## 五、摘要与签署 Digest and signatures\n\n", f);
	fprintf(f,
		"合同摘要 Digest: `%s`\n\n"
		"SHA-256 over the canonical JSON of %s (keys sorted, no "
		"white space, integers as integers, UTF-8), as `GET /v1/contracts/%s` returns "
		"them.\n\n",
		str(c, "digest"),
		num(c, "digest_scheme") == 1 ? "`terms` and `revenue_share`"
					     : "`revenue_share`, `subject` and `terms`",
		str(c, "id"));
	const json_t *signers = json_object_get(doc, "signers");
	if (json_array_size(signers) == 0) {
		fputs("尚无签署。Not yet signed.\n", f);
	} else {
		fputs(
		    "| 签署方 Party | 机构 Organization | 签署人 Signed by | 时间 Signed at | 摘要 "
		    "Digest |\n|---|---|---|---|---|\n",
		    f);
		json_array_foreach(signers, i, e)
		{
			fprintf(f, "| %s | ", label(kind_labels, str(e, "party")));
			md_text(f, str(e, "organization"));
			fputs(" | ", f);
			md_text(f, str(e, "user"));
			fprintf(f, " | %s | `%s` |\n", str(e, "signed_at"), str(e, "digest"));
		}
	}
	if (str(c, "terminated_at")) {
		fprintf(f, "\n## 六、终止 Termination\n\n- 时间 At: %s\n- 原因 Reason: ",
			str(c, "terminated_at"));
		md_text(f, str(c, "termination_reason"));
		fputs("\n", f);
	}
	fclose(f);
	return out;
}

/* ---- the handler ------------------------------------------------------- */

/* The parties and platform admins see the document; anyone else a 404. */
static bool may_see_document(const struct req *r, const PGresult *row)
{
	return (r->auth.org_id[0] &&
		(strcmp(r->auth.org_id, PQgetvalue(row, 0, DOC_LICENSOR)) == 0 ||
		 strcmp(r->auth.org_id, PQgetvalue(row, 0, DOC_LICENSEE)) == 0)) ||
	       r->auth.platform_admin;
}

enum rc contracts_document(struct req *r)
{
	PGresult *res = db_load_visible(r, &st_document, "contract", may_see_document);
	if (res == NULL)
		return RC_ERR;
	json_t *doc = json_loads(PQgetvalue(res, 0, DOC_JSON), 0, NULL);
	PQclear(res);
	char *md = doc ? contract_markdown(doc) : NULL;
	json_decref(doc);
	if (md == NULL)
		return problem_set(r, 500, "internal", "could not render the contract");
	reply_raw(r, 200, "text/markdown; charset=utf-8", md, strlen(md));
	free(md);
	return RC_OK;
}
