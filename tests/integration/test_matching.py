"""Matching: needs ↔ listings ↔ waste streams ranked with the reasons that made each match,
deterministic order, who may ask, need.matched when a listing is published, and the domains
with their waste categories."""

import copy

from deal_fixtures import NEGOTIABLE, enterprise, publish, s, university
from harness import admin_token, problem, psql, test
from test_needs import NEED, create_need, published_need
from test_waste import RED_MUD, stream

LISTING = copy.deepcopy(NEGOTIABLE)
LISTING.update({"title": "赤泥制备道路基层材料成套技术（匹配测试）", "trl": 7,
                "tags": ["赤泥", "路基材料", "匹配测试"]})
GYPSUM = copy.deepcopy(NEGOTIABLE)
GYPSUM.update({"title": "钛白石膏缓凝剂技术（匹配测试）", "domain": "titanium_gypsum",
               "tags": ["钛白石膏", "缓凝剂"], "trl": 5})


def set_region(org_id, region):
    r = s().request("PATCH", f"/v1/admin/orgs/{org_id}",
                    {"region_code": region, "reason": "核对注册地址"}, token=admin_token(s()))
    assert r.status == 200, r


def all_matches(tok, path):
    out, cursor = [], None
    while True:
        r = s().request("GET", path + "?limit=7" + (f"&cursor={cursor}" if cursor else ""),
                        token=tok)
        assert r.status == 200, r
        page = r.json()
        out += page["data"]
        cursor = page["next_cursor"]
        if not cursor:
            return out


def ordered(matches, key):
    """Score first, then the smaller id: the order the README states."""
    return matches == sorted(matches, key=lambda m: (-m["score"], m[key]["id"]))


@test
def test_matching_need_ranks_listings_with_reasons():
    """a need's matches rank published listings by score, then id, with every reason named"""
    uni_tok, _, uni_org, _ = university("山东理工大学")
    set_region(uni_org["id"], "370303")
    road = publish(uni_tok, LISTING)
    gypsum = publish(uni_tok, GYPSUM)
    need_tok, _, need_org, _ = enterprise("中铝山东有限公司")
    n = published_need(need_tok)
    first = all_matches(need_tok, f"/v1/needs/{n['id']}/matches")
    assert first == all_matches(need_tok, f"/v1/needs/{n['id']}/matches"), "not deterministic"
    assert ordered(first, "listing"), [(m["score"], m["listing"]["id"]) for m in first]
    by_id = {m["listing"]["id"]: m for m in first}
    assert gypsum["id"] not in by_id, by_id.get(gypsum["id"])
    m = by_id[road["id"]]
    kinds = {r["kind"]: r for r in m["reasons"]}
    assert set(kinds) == {"waste_code", "domain", "trl", "region", "words"}, m
    assert kinds["waste_code"]["waste_codes"] == ["321001S09"], kinds
    assert kinds["region"]["points"] == 10 and set(kinds["words"]["words"]) == {"赤泥", "路基材料"}
    assert m["score"] == 40 + 30 + 15 + 10 + 6 == sum(r["points"] for r in m["reasons"]), m
    assert m["listing"]["org"]["name"] == "山东理工大学", m
    # a listing of the need's own organization is never proposed to it
    own = publish(need_tok, LISTING)
    assert own["id"] not in {x["listing"]["id"] for x in
                             all_matches(need_tok, f"/v1/needs/{n['id']}/matches")}
    # the listing's side: its org sees the need among its matches
    lm = {x["need"]["id"]: x for x in all_matches(uni_tok, f"/v1/listings/{road['id']}/matches")}
    assert lm[n["id"]]["score"] == m["score"] and lm[n["id"]]["need"]["org"]["id"] == need_org["id"]


@test
def test_matching_who_may_ask():
    """matches are for the object's org and admins: others 403 on public objects, 404 on others"""
    need_tok, _, _, _ = enterprise("山东海逸恒安环保科技有限公司")
    n = published_need(need_tok)
    draft = create_need(need_tok, dict(NEED, title="赤泥草稿需求（匹配测试）"))
    st = stream(need_tok, dict(RED_MUD, public=False))
    pub = stream(need_tok)
    other = university("北京科技大学")
    problem(s().request("GET", f"/v1/needs/{n['id']}/matches", token=other[0]), 403)
    problem(s().request("GET", f"/v1/needs/{draft['id']}/matches", token=other[0]), 404)
    problem(s().request("GET", f"/v1/needs/{n['id']}/matches"), 401)
    problem(s().request("GET", f"/v1/waste-streams/{st['id']}/matches", token=other[0]), 404)
    problem(s().request("GET", f"/v1/waste-streams/{pub['id']}/matches", token=other[0]), 403)
    listing = publish(other[0], LISTING)
    problem(s().request("GET", f"/v1/listings/{listing['id']}/matches", token=need_tok), 403)
    for path in (f"/v1/needs/{n['id']}/matches", f"/v1/waste-streams/{st['id']}/matches",
                 f"/v1/listings/{listing['id']}/matches"):
        assert s().request("GET", path, token=admin_token(s())).status == 200, path
    problem(s().request("GET", f"/v1/needs/{n['id']}/matches?cursor=xyz", token=need_tok), 422,
            "cursor")


@test
def test_matching_stream_ranks_listings():
    """a red mud stream matches red mud listings on its waste code and words, not titanium gypsum"""
    uni_tok, _, _, _ = university("中国建筑材料科学研究总院")
    road = publish(uni_tok, LISTING)
    gypsum = publish(uni_tok, GYPSUM)
    tok, _, _, _ = enterprise("中铝山东有限公司")
    st = stream(tok, dict(RED_MUD, components=["赤泥", "Fe2O3"]))
    ms = all_matches(tok, f"/v1/waste-streams/{st['id']}/matches")
    assert ordered(ms, "listing"), [(m["score"], m["listing"]["id"]) for m in ms]
    by_id = {m["listing"]["id"]: m for m in ms}
    assert gypsum["id"] not in by_id
    kinds = {r["kind"] for r in by_id[road["id"]]["reasons"]}
    assert {"waste_code", "words"} <= kinds, by_id[road["id"]]


@test
def test_matching_need_matched_event_once():
    """a listing newly published that matches an open need raises need.matched, once"""
    need_tok, _, need_org, _ = enterprise("山东金虹钛白化工股份有限公司")
    n = published_need(need_tok, dict(NEED, title="钛白石膏综合利用技术需求（事件测试）",
                                      domain="titanium_gypsum", waste_codes=["261001S11"],
                                      description="每年产生钛白石膏约50万吨，寻求缓凝剂或特种工程材料技术。"))
    uni_tok, _, _, _ = university("中国建筑材料科学研究院")
    listing = publish(uni_tok, GYPSUM)

    def events():
        return psql("SELECT org_id, data->>'need_id', (data->>'score')::int FROM events"
                    f" WHERE type = 'need.matched' AND data->>'listing_id' = '{listing['id']}'")
    ev = events()
    assert [n["id"], need_org["id"]] in [[e[1], e[0]] for e in ev], ev
    # edited and approved again: not raised a second time
    r = s().request("PATCH", f"/v1/listings/{listing['id']}", {"trl": 6}, token=uni_tok,
                    headers={"If-Match": s().request("GET", f"/v1/listings/{listing['id']}")
                             .header("ETag")})
    assert r.status == 200 and r.json()["status"] == "pending_review", r
    s().request("POST", f"/v1/admin/listings/{listing['id']}/approve", token=admin_token(s()))
    assert len(events()) == len(ev), events()


@test
def test_matching_domains_list_every_listing_domain():
    """GET /v1/domains lists every listing domain with names and waste categories"""
    r = s().request("GET", "/v1/domains")
    assert r.status == 200, r
    data = r.json()["data"]
    codes = [d["code"] for d in data]
    assert codes == NEGOTIABLE_DOMAINS, codes
    by = {d["code"]: d for d in data}
    assert by["red_mud_building_materials"]["waste_categories"] == ["S09"], by
    assert by["titanium_gypsum"]["name_zh"] == "钛白石膏" and by["titanium_gypsum"]["name_en"]


NEGOTIABLE_DOMAINS = ["red_mud_building_materials", "red_mud_iron_recovery", "red_mud_modification",
                      "red_mud_harmless_treatment", "red_mud_ecological_restoration",
                      "titanium_gypsum", "foundry_waste", "construction_waste", "industrial_slag",
                      "ceramic_waste", "recycled_resources", "other"]
