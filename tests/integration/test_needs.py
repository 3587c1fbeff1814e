"""Needs (技术需求): drafts and their validation, moderation in the listings' queue, public
search, proposals from technology owners, and the accept that drafts the contract."""

import datetime
import urllib.parse

from deal_fixtures import NEGOTIABLE, enterprise, publish, s, sign, university
from harness import admin_token, member, problem, psql, test

NEED = {
    "title": "年处理30万吨赤泥的建材化利用技术",
    "description": "中铝山东第二赤泥堆场每年新增赤泥约30万吨，寻求赤泥制备路基材料或透水砖的成熟技术。",
    "domain": "red_mud_building_materials",
    "waste_codes": ["321001S09"],
    "annual_tonnes": 300000,
    "target_trl": 6,
    "budget_min_fen": 10000000,
    "budget_max_fen": 80000000,
    "deadline": (datetime.date.today() + datetime.timedelta(days=180)).isoformat(),
    "region_code": "370303",
}


def create_need(tok, body=NEED, expect=201):
    r = s().request("POST", "/v1/needs", body, token=tok)
    assert r.status == expect, r
    return r.json()


def published_need(tok, body=NEED):
    n = create_need(tok, body)
    r = s().request("POST", f"/v1/needs/{n['id']}/submit", token=tok)
    assert r.status == 200 and r.json()["status"] == "pending_review", r
    r = s().request("POST", f"/v1/admin/needs/{n['id']}/approve", token=admin_token(s()))
    assert r.status == 200 and r.json()["status"] == "published", r
    return r.json()


def propose(tok, need_id, listing_id, amount=45000000, mode="non_exclusive_license", expect=201):
    r = s().request("POST", f"/v1/needs/{need_id}/proposals",
                    {"listing_id": listing_id, "amount_fen": amount, "transaction_mode": mode,
                     "message": "我校赤泥路基材料技术已在淄博示范路段应用，可提供技术服务。",
                     "terms": {"royalty_bp": 200, "term_months": 36, "territory": "山东省淄博市",
                               "field_of_use": "赤泥路基材料"}},
                    token=tok)
    assert r.status == expect, r
    return r.json()


@test
def test_need_draft_and_validation():
    """a verified enterprise drafts a need; bad waste codes, budget order and region are 422"""
    tok, _, org, _ = enterprise("中铝山东有限公司")
    n = create_need(tok)
    assert n["status"] == "draft" and n["org_id"] == org["id"], n
    assert n["waste_codes"] == ["321001S09"] and n["budget_max_fen"] == 80000000, n
    assert psql(f"SELECT action FROM audit_log WHERE object_id = '{n['id']}'") == [["need.create"]]
    for codes in (["321001S08"], ["321-024-48"], ["000001S09"], ["321000S09"], ["321001X09"]):
        bad = dict(NEED, waste_codes=codes)
        problem(s().request("POST", "/v1/needs", bad, token=tok), 422, "waste_codes")
    p = problem(s().request("POST", "/v1/needs",
                            dict(NEED, budget_min_fen=9, budget_max_fen=8, region_code="990000",
                                 target_trl=10, domain="gold", deadline="2001-01-01"),
                            token=tok), 422)
    fields = {e["field"] for e in p["errors"]}
    assert {"target_trl", "domain"} <= fields, p
    p = problem(s().request("POST", "/v1/needs",
                            dict(NEED, budget_min_fen=9, budget_max_fen=8, region_code="990000",
                                 deadline="2001-01-01"), token=tok), 422)
    assert {e["field"] for e in p["errors"]} == {"budget_min_fen", "region_code", "deadline"}, p
    problem(s().request("POST", "/v1/needs", dict(NEED, budget_max_fen=10 ** 15 + 1),
                        token=tok), 422, "budget_max_fen")
    count = psql(f"SELECT count(*) FROM needs WHERE org_id = '{org['id']}'")
    assert count == [["1"]], count


@test
def test_need_refusals_and_visibility():
    """unverified 403, anonymous 401; another org's draft 404; published needs are public"""
    tok, _, org, _ = enterprise("山东金虹钛白化工股份有限公司")
    unverified = member(s(), kind="enterprise", name="淄博博达", verified=False)
    problem(s().request("POST", "/v1/needs", NEED, token=unverified[0]), 403)
    problem(s().request("POST", "/v1/needs", NEED), 401)
    problem(s().request("POST", "/v1/needs", NEED, token=admin_token(s())), 403)
    n = create_need(tok, dict(NEED, title="钛白石膏制特种工程材料技术需求", domain="titanium_gypsum",
                              waste_codes=["261001S11"]))
    other = university("清华大学")
    problem(s().request("GET", f"/v1/needs/{n['id']}", token=other[0]), 404)
    problem(s().request("GET", f"/v1/needs/{n['id']}"), 404)
    problem(s().request("POST", f"/v1/needs/{n['id']}/submit", token=other[0]), 404)
    assert s().request("GET", f"/v1/needs/{n['id']}", token=admin_token(s())).status == 200
    # the owner edits the draft with If-Match; without one 428
    r = s().request("GET", f"/v1/needs/{n['id']}", token=tok)
    problem(s().request("PATCH", f"/v1/needs/{n['id']}", {"annual_tonnes": 50000}, token=tok), 428)
    problem(s().request("PATCH", f"/v1/needs/{n['id']}", {"备注": None}, token=tok,
                        headers={"If-Match": r.header("ETag")}), 422, "备注")
    r = s().request("PATCH", f"/v1/needs/{n['id']}", {"annual_tonnes": 50000, "target_trl": None},
                    token=tok, headers={"If-Match": r.header("ETag")})
    assert r.status == 200 and r.json()["annual_tonnes"] == 50000, r
    assert r.json()["target_trl"] is None, r.json()
    pub = s().request("POST", f"/v1/needs/{n['id']}/submit", token=tok).json()
    assert pub["status"] == "pending_review", pub
    etag = s().request("GET", f"/v1/needs/{n['id']}", token=tok).header("ETag")
    problem(s().request("PATCH", f"/v1/needs/{n['id']}", {"annual_tonnes": 1}, token=tok,
                        headers={"If-Match": etag}), 409)
    problem(s().request("POST", f"/v1/admin/needs/{n['id']}/approve", token=tok), 403)
    r = s().request("POST", f"/v1/admin/needs/{n['id']}/approve", token=admin_token(s()))
    assert r.json()["status"] == "published", r
    assert s().request("GET", f"/v1/needs/{n['id']}").json()["title"] == "钛白石膏制特种工程材料技术需求"
    # org list: members see every status, others 404
    problem(s().request("GET", f"/v1/orgs/{org['id']}/needs", token=other[0]), 404)
    lst = s().request("GET", f"/v1/orgs/{org['id']}/needs?status=published", token=tok).json()
    assert [x["id"] for x in lst["data"]] == [n["id"]], lst
    assert s().request("GET", f"/v1/orgs/{org['id']}/needs?status=draft",
                       token=tok).json()["data"] == []
    problem(s().request("GET", f"/v1/orgs/{org['id']}/needs?status=open", token=tok), 422,
            "status")


@test
def test_needs_in_moderation_queue_and_rejection():
    """the admins' queue lists needs beside listings with object_type; reject needs a reason"""
    tok, _, _, _ = enterprise("山东海逸恒安环保科技有限公司")
    n = create_need(tok, dict(NEED, title="赤泥改性制备陶粒技术需求", domain="red_mud_modification"))
    s().request("POST", f"/v1/needs/{n['id']}/submit", token=tok)
    uni = university()
    lid = s().request("POST", "/v1/listings", NEGOTIABLE, token=uni[0]).json()["id"]
    s().request("POST", f"/v1/listings/{lid}/submit", token=uni[0])
    seen, cursor = {}, None
    while True:
        q = "/v1/admin/moderation-queue?limit=100" + (f"&cursor={cursor}" if cursor else "")
        page = s().request("GET", q, token=admin_token(s())).json()
        seen.update({x["id"]: x for x in page["data"]})
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen[n["id"]]["object_type"] == "need", seen[n["id"]]
    assert seen[lid]["object_type"] == "listing" and seen[lid]["title"] == NEGOTIABLE["title"]
    problem(s().request("POST", f"/v1/admin/needs/{n['id']}/reject", {}, token=admin_token(s())),
            422, "reason")
    r = s().request("POST", f"/v1/admin/needs/{n['id']}/reject",
                    {"reason": "请补充赤泥成分分析报告"}, token=admin_token(s()))
    assert r.status == 200 and r.json()["rejection_reason"] == "请补充赤泥成分分析报告", r
    acts = psql(f"SELECT action FROM audit_log WHERE object_id = '{n['id']}' ORDER BY id")
    assert acts == [["need.create"], ["need.submit"], ["need.reject"]], acts
    problem(s().request("POST", f"/v1/admin/needs/{n['id']}/approve", token=admin_token(s())), 409)


@test
def test_need_search():
    """GET /v1/needs finds published needs by words, domain, waste code and region only"""
    tok, _, _, _ = enterprise("淄博东大环保科技有限公司")
    title = "铸造废砂再生循环利用技术需求（搜索测试）"
    n = published_need(tok, dict(NEED, title=title, domain="foundry_waste",
                                 waste_codes=["339002S59"], region_code="370304"))
    draft = create_need(tok, dict(NEED, title="铸造废砂草稿需求（搜索测试）"))
    found = s().request("GET", "/v1/needs?q=" + urllib.parse.quote("铸造废砂") +
                        "&limit=100").json()["data"]
    ids = [x["id"] for x in found]
    assert n["id"] in ids and draft["id"] not in ids, ids
    for q in ("domain=foundry_waste", "waste_code=339002S59", "region_code=3703"):
        ids = [x["id"] for x in s().request("GET", f"/v1/needs?{q}&limit=100").json()["data"]]
        assert n["id"] in ids, (q, ids)
    ids = [x["id"] for x in s().request("GET", "/v1/needs?waste_code=339002S11&limit=100")
           .json()["data"]]
    assert n["id"] not in ids, ids
    problem(s().request("GET", "/v1/needs?waste_code=339002S08"), 422, "waste_code")
    problem(s().request("GET", "/v1/needs?region_code=3"), 422, "region_code")


@test
def test_need_proposal_accept_drafts_contract():
    """a technology owner proposes its listing; the need's org accepts and a contract is drafted"""
    need_tok, _, need_org, _ = enterprise("中铝山东有限公司")
    n = published_need(need_tok)
    uni_tok, _, uni_org, _ = university("山东理工大学")
    listing = publish(uni_tok)
    # refusals: the need's own org, a listing not of the proposer, a mode not offered
    p = problem(s().request("POST", f"/v1/needs/{n['id']}/proposals",
                            {"listing_id": listing["id"], "amount_fen": 1,
                             "transaction_mode": "non_exclusive_license"}, token=need_tok), 403)
    other = university("北京科技大学")
    problem(s().request("POST", f"/v1/needs/{n['id']}/proposals",
                        {"listing_id": listing["id"], "amount_fen": 1,
                         "transaction_mode": "non_exclusive_license"}, token=other[0]),
            422, "listing_id")
    prop = propose(uni_tok, n["id"], listing["id"])
    assert prop["status"] == "open" and prop["listing"]["title"] == NEGOTIABLE["title"], prop
    propose(uni_tok, n["id"], listing["id"], expect=409)
    ev = psql(f"SELECT type, org_id FROM events WHERE data->>'proposal_id' = '{prop['id']}'")
    assert ev == [["proposal.received", need_org["id"]]], ev
    # who sees the proposals: the need's org all, the proposer its own, others none
    assert [x["id"] for x in s().request("GET", f"/v1/needs/{n['id']}/proposals",
                                         token=need_tok).json()["data"]] == [prop["id"]]
    assert [x["id"] for x in s().request("GET", f"/v1/needs/{n['id']}/proposals",
                                         token=uni_tok).json()["data"]] == [prop["id"]]
    assert s().request("GET", f"/v1/needs/{n['id']}/proposals",
                       token=other[0]).json()["data"] == []
    # only the need's org accepts; a stranger gets 404
    problem(s().request("POST", f"/v1/proposals/{prop['id']}/accept", token=uni_tok), 403)
    problem(s().request("POST", f"/v1/proposals/{prop['id']}/accept", token=other[0]), 404)
    r = s().request("POST", f"/v1/proposals/{prop['id']}/accept", token=need_tok)
    assert r.status == 201, r
    body = r.json()
    c = body["contract"]
    assert body["proposal"]["status"] == "accepted" and body["proposal"]["contract_id"] == c["id"]
    assert c["status"] == "draft" and c["licensor_org_id"] == uni_org["id"], c
    assert c["licensee_org_id"] == need_org["id"] and c["terms"]["upfront_fee_fen"] == 45000000, c
    assert c["transaction_mode"] == "non_exclusive_license", c
    assert c["terms"]["royalty_bp"] == 200 and c["terms"]["territory"] == "山东省淄博市", c
    assert c["bid_id"] == body["proposal"]["bid_id"], (c, body)
    # a university licensor carries the statutory default plan
    assert {e["role"] for e in c["revenue_share"]} == {"inventor", "institution"}, c
    problem(s().request("POST", f"/v1/proposals/{prop['id']}/accept", token=need_tok), 409)
    # from here it is a deal like any other: both sign, it becomes active
    sign(uni_tok, c["id"])
    active = sign(need_tok, c["id"])
    assert active["status"] == "active", active
    acts = psql(f"SELECT action FROM audit_log WHERE object_id = '{prop['id']}' ORDER BY id")
    assert acts == [["proposal.create"], ["proposal.accept"]], acts


@test
def test_need_exclusive_proposal_puts_listing_under_contract():
    """accepting an exclusive proposal puts the listing under contract; a second accept is 409"""
    need_tok, _, _, _ = enterprise("山东翼冠新能源有限公司")
    n = published_need(need_tok)
    n2_tok, _, _, _ = enterprise("山东盛日环保科技有限公司")
    n2 = published_need(n2_tok, dict(NEED, title="赤泥选铁分砂技术需求"))
    uni_tok, _, _, _ = university("广西大学")
    listing = publish(uni_tok)
    a = propose(uni_tok, n["id"], listing["id"], mode="exclusive_license")
    b = propose(uni_tok, n2["id"], listing["id"], mode="exclusive_license")
    r = s().request("POST", f"/v1/proposals/{a['id']}/accept", token=need_tok)
    assert r.status == 201, r
    got = s().request("GET", f"/v1/listings/{listing['id']}").json()
    assert got["status"] == "under_contract", got
    p = problem(s().request("POST", f"/v1/proposals/{b['id']}/accept", token=n2_tok), 409)
    assert p["type"].endswith("listing-not-open"), p
