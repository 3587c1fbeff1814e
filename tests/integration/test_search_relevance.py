"""Search that finds what people type: partial matches ranked after full ones, synonyms
in Chinese and English, the organization in every result, facets, and a result cache
that a change to what it shows invalidates."""

import copy
import uuid
from urllib.parse import quote

from common import main_server
from harness import admin_token, member, problem, psql, test
from test_listings import PROCESS, create, publish


def org_of(name):
    return member(main_server(), kind="university", name=name, verified=True)


def found(query):
    r = main_server().request("GET", "/v1/listings?" + query)
    assert r.status == 200, r
    return r.json()


def ids(query):
    return [l["id"] for l in found(query)["data"]]


def every_page(query, limit):
    seen, cursor = [], None
    while True:
        page = found(f"{query}&limit={limit}" + (f"&cursor={cursor}" if cursor else ""))
        seen += [l["id"] for l in page["data"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return seen


@test
def test_search_finds_foundry_sand_by_its_variants():
    """q=铸造砂 finds listings that say 铸造废砂 and 铸造旧砂 (and 钛石膏 finds 钛白石膏)"""
    tok, _, org, _ = org_of("铸造砂检索研究院")
    waste = publish(tok, dict(PROCESS, title="一种铸造废砂多级擦洗再生装置", domain="foundry_waste"))
    used = publish(tok, dict(PROCESS, title="铸造旧砂焙烧再生方法", domain="foundry_waste"))
    gyp = publish(tok, dict(PROCESS, title="钛白石膏路基回填材料"))
    other = publish(tok, dict(PROCESS, title="废陶瓷再生釉料", domain="ceramic_waste"))
    got = ids(f"q={quote('铸造砂')}&org_id={org['id']}")
    assert set(got) == {waste, used}, got
    assert ids(f"q={quote('钛石膏')}&org_id={org['id']}") == [gyp]
    assert other not in ids(f"q={quote('铸造砂钛石膏')}&org_id={org['id']}")


@test
def test_search_ranks_full_matches_before_partial_ones():
    """every query term matched ranks first, then listings matching most terms (≥ 60 %), never those matching few; paging is stable"""
    tok, _, org, _ = org_of("部分匹配排序研究所")
    # three terms (no synonyms): 焙烧, 擦洗, 风选
    full_old = publish(tok, dict(PROCESS, title="焙烧擦洗风选联合工艺"))
    two = publish(tok, dict(PROCESS, title="焙烧与风选装置"))
    full_new = publish(tok, dict(PROCESS, title="风选前焙烧再擦洗"))
    two_in_text = publish(tok, dict(PROCESS, title="再生砂生产线",
                                    description="包括擦洗和风选工段。"))
    one = publish(tok, dict(PROCESS, title="擦洗设备"))
    q = f"q={quote('焙烧 擦洗 风选')}&org_id={org['id']}"
    got = ids(q)
    # full matches (title matches, newest first), then two of three terms
    # (title, then elsewhere); one term of three is not enough
    assert got == [full_new, full_old, two, two_in_text], got
    assert one not in got
    for limit in (1, 2, 3):
        assert every_page(q, limit) == got, limit
    # the other sorts keep the same matches
    assert set(ids(q + "&sort=newest")) == set(got)


@test
def test_synonyms_match_both_ways_in_chinese_and_english():
    """synonyms match each other: 钛石膏/钛白石膏/titanium gypsum, 赤泥/red mud/bauxite residue"""
    tok, _, org, _ = org_of("同义词检索大学")
    zh = publish(tok, dict(PROCESS, title="钛白石膏制备水泥缓凝剂"))
    en = publish(tok, dict(PROCESS, title="Bauxite residue road base binder",
                            domain="red_mud_modification"))
    mud = publish(tok, dict(PROCESS, title="赤泥陶粒烧制", domain="red_mud_modification"))
    scope = f"&org_id={org['id']}"
    assert ids(f"q=titanium%20gypsum{scope}") == [zh]
    assert ids(f"q={quote('钛石膏')}{scope}") == [zh]
    assert set(ids(f"q={quote('赤泥')}{scope}")) == {en, mud}
    assert set(ids(f"q=red%20mud{scope}")) == {en, mud}
    # an admin's new synonym (a migration or SQL) takes effect at once
    word = "赭泥" + uuid.uuid4().hex[:4]
    assert ids(f"q={quote(word)}{scope}") == []
    psql(f"INSERT INTO search_synonyms (group_id, term, lang) VALUES (1, '{word}', 'zh')")
    try:
        assert set(ids(f"q={quote(word)}{scope}")) == {en, mud}
    finally:
        psql(f"DELETE FROM search_synonyms WHERE term = '{word}'")
    assert ids(f"q={quote(word)}{scope}") == []


@test
def test_search_results_carry_their_organization():
    """each search result has org {id, name}"""
    tok, _, org, _ = org_of("结果带机构名称研究院")
    lid = publish(tok, dict(PROCESS, title="赤泥磁选提铁工艺"))
    for sort in ("relevance", "newest", "price_asc"):
        got = found(f"q={quote('赤泥')}&org_id={org['id']}&sort={sort}")["data"]
        assert [l["id"] for l in got] == [lid]
        assert got[0]["org"] == {"id": org["id"], "name": "结果带机构名称研究院"}, got[0]
    got = found(f"org_id={org['id']}")["data"]
    assert got[0]["org"]["name"] == "结果带机构名称研究院"


@test
def test_search_facets_count_the_whole_result():
    """?facets=domain,kind,trl counts every match per value, not only the page; an unknown facet is a 422 naming the allowed ones"""
    tok, _, org, _ = org_of("分面统计研究院")
    tag = uuid.uuid4().hex[:8]
    for domain, trl in (("foundry_waste", 5), ("foundry_waste", 7), ("titanium_gypsum", 7)):
        publish(tok, dict(PROCESS, title=f"分面 {tag}", domain=domain, trl=trl, tags=[tag]))
    page = found(f"q={tag}&limit=1&facets=domain,kind,trl")
    assert len(page["data"]) == 1
    assert page["facets"] == {
        "domain": [{"value": "foundry_waste", "count": 2}, {"value": "titanium_gypsum", "count": 1}],
        "kind": [{"value": "process", "count": 3}],
        "trl": [{"value": 7, "count": 2}, {"value": 5, "count": 1}],
    }, page["facets"]
    assert found(f"q={tag}&facets=kind")["facets"] == {"kind": [{"value": "process", "count": 3}]}
    assert found(f"q={tag}&facets=kind&domain=titanium_gypsum")["facets"] == {
        "kind": [{"value": "process", "count": 1}]}
    assert "facets" not in found(f"q={tag}")
    p = problem(main_server().request("GET", f"/v1/listings?q={tag}&facets=domain,color"), 422,
                "facets")
    msg = next(e["message"] for e in p["errors"] if e["field"] == "facets")
    assert all(name in msg for name in ("domain", "kind", "trl")), msg


@test
def test_search_cache_follows_every_change_it_shows():
    """a repeated search is answered again after any change to what it shows: an edit, a withdrawal, an organization's new name"""
    s = main_server()
    tok, _, org, _ = org_of("缓存失效测试研究院")
    tag = uuid.uuid4().hex[:8]
    lid = publish(tok, dict(PROCESS, title=f"赤泥缓存 {tag}", tags=[tag]))
    q = f"q={tag}&facets=kind"
    first = found(q)
    assert [l["id"] for l in first["data"]] == [lid] and found(q) == first
    # a change made straight in the database (no request of this server)
    psql(f"UPDATE organizations SET name = '缓存失效测试研究院（更名）' WHERE id = '{org['id']}'")
    assert found(q)["data"][0]["org"]["name"] == "缓存失效测试研究院（更名）"
    psql(f"UPDATE listings SET title = '赤泥缓存改名 {tag}' WHERE id = '{lid}'")
    assert found(q)["data"][0]["title"] == f"赤泥缓存改名 {tag}"
    r = s.request("POST", f"/v1/listings/{lid}/withdraw", token=tok)
    assert r.status == 200, r
    gone = found(q)
    assert gone["data"] == [] and gone["facets"] == {"kind": []}, gone
    # a new draft stays out of every search
    create(tok, dict(PROCESS, title=f"草稿 {tag}", tags=[tag]))
    assert found(q)["data"] == []


@test
def test_enum_errors_name_every_allowed_value():
    """a 422 for an enum (body or query) names the allowed values in full"""
    s = main_server()
    domains = ["red_mud_building_materials", "red_mud_iron_recovery", "red_mud_modification",
               "red_mud_harmless_treatment", "red_mud_ecological_restoration", "titanium_gypsum",
               "foundry_waste", "construction_waste", "industrial_slag", "ceramic_waste",
               "recycled_resources", "other"]
    p = problem(s.request("GET", "/v1/listings?domain=gold&sort=random"), 422, "domain")
    msgs = {e["field"]: e["message"] for e in p["errors"]}
    assert all(d in msgs["domain"] for d in domains), msgs
    assert all(x in msgs["sort"] for x in ("relevance", "newest", "price_asc", "price_desc")), msgs
    tok, _, _, _ = org_of("枚举错误提示研究院")
    body = copy.deepcopy(PROCESS)
    body["domain"] = "gold"
    r = s.request("POST", "/v1/listings", body, token=tok)
    p = problem(r, 422, "domain")
    msg = next(e["message"] for e in p["errors"] if e["field"] == "domain")
    assert all(d in msg for d in domains), msg


@test
def test_moderation_queue_names_the_organization():
    """the moderation queue shows each listing's organization {id, name}"""
    s = main_server()
    tok, _, org, _ = org_of("审核队列机构名称研究院")
    lid = create(tok, dict(PROCESS, title="待审核的赤泥工艺"))["id"]
    assert s.request("POST", f"/v1/listings/{lid}/submit", token=tok).status == 200
    seen, cursor = {}, None
    while True:
        r = s.request("GET", "/v1/admin/moderation-queue?limit=100"
                      + (f"&cursor={cursor}" if cursor else ""), token=admin_token(s))
        assert r.status == 200, r
        seen.update({l["id"]: l for l in r.json()["data"]})
        cursor = r.json()["next_cursor"]
        if cursor is None:
            break
    assert seen[lid]["org"] == {"id": org["id"], "name": "审核队列机构名称研究院"}, seen[lid]
