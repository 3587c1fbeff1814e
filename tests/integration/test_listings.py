"""Listings: drafts, validation (patent numbers, pricing, sizes), moderation and
who may see what."""

import copy
import uuid

from common import main_server
from harness import admin_token, member, problem, psql, test

PATENT = {
    "kind": "patent",
    "title": "赤泥制备道路基层材料技术",
    "summary": "以拜耳法赤泥为主要原料制备道路基层材料，赤泥掺量可达60%。",
    "description": "本技术利用赤泥、粉煤灰与少量水泥复合，制备高速公路基层材料。\n已在淄博完成示范路段。",
    "domain": "red_mud_building_materials",
    "tags": ["赤泥", "路基材料", "red mud"],
    "trl": 7,
    "transaction_modes": ["exclusive_license", "non_exclusive_license"],
    "pricing": {"mode": "negotiable", "asking_price_fen": 50000000},
    "patent": {"number": "ZL 2017 1060 1862.3", "type": "invention", "legal_status": "granted",
               "filing_date": "2017-07-21", "grant_date": "2019-11-05", "expiry_date": "2037-07-20",
               "ipc": ["C04B 18/04"], "inventors": ["张三", "李四"]},
}

PROCESS = {
    "kind": "process",
    "title": "钛白石膏制备特种工程材料中试工艺",
    "domain": "titanium_gypsum",
    "trl": 6,
    "transaction_modes": ["assignment"],
    "pricing": {"mode": "fixed", "asking_price_fen": 1200000000},
    "process": {"scale": "pilot", "inputs": ["钛白石膏", "矿渣"], "outputs": ["特种工程材料"]},
}


def university(verified=True, name="山东理工大学"):
    return member(main_server(), kind="university", name=name, verified=verified)


def create(tok, body=PATENT, expect=201, headers=None):
    r = main_server().request("POST", "/v1/listings", body, token=tok, headers=headers)
    assert r.status == expect, r
    return r.json()


@test
def test_create_patent_draft_normalizes_the_number():
    """a verified university drafts a patent listing; the number is stored normalized"""
    tok, user, org, _ = university()
    r = main_server().request("POST", "/v1/listings", PATENT, token=tok)
    assert r.status == 201 and r.header("ETag"), r
    listing = r.json()
    assert listing["status"] == "draft" and listing["org_id"] == org["id"], listing
    assert listing["title"] == PATENT["title"] and listing["tags"] == PATENT["tags"], listing
    assert listing["patent"]["number"] == "ZL2017106018623", listing["patent"]
    assert listing["pricing"] == {"mode": "negotiable", "asking_price_fen": 50000000,
                                  "reserve_price_fen": None, "min_increment_fen": None,
                                  "auction_ends_at": None, "currency": "CNY",
                                  "highest_bid_fen": None}, listing["pricing"]
    assert listing["process"] is None
    rows = psql(f"SELECT action FROM audit_log WHERE object_id = '{listing['id']}'")
    assert rows == [["listing.create"]], rows


@test
def test_create_process_listing():
    """a process listing carries scale, inputs and outputs"""
    tok, _, _, _ = university(name="中国建筑材料科学研究总院")
    listing = create(tok, PROCESS)
    assert listing["process"]["scale"] == "pilot" and listing["patent"] is None, listing


@test
def test_only_verified_organizations_create_listings():
    """members of unverified organizations and admins without one get 403; anonymous 401"""
    s = main_server()
    tok, _, _, _ = university(verified=False)
    problem(s.request("POST", "/v1/listings", PATENT, token=tok), 403)
    problem(s.request("POST", "/v1/listings", PATENT, token=admin_token(s)), 403)
    problem(s.request("POST", "/v1/listings", PATENT), 401)


@test
def test_listing_validation_names_every_field():
    """bad listings are 422 naming every bad field, and nothing is stored"""
    tok, _, org, _ = university()
    bad = copy.deepcopy(PATENT)
    bad.update({"title": "赤" * 201, "trl": 10, "domain": "gold", "tags": ["t"] * 21,
                "transaction_modes": ["lease"], "description": "x" * 20001})
    bad["pricing"] = {"mode": "fixed", "asking_price_fen": -1}
    bad["patent"] = dict(PATENT["patent"], number="201710601862.4", grant_date="2016-01-01")
    r = main_server().request("POST", "/v1/listings", bad, token=tok)
    p = problem(r, 422)
    fields = {e["field"] for e in p["errors"]}
    assert {"title", "trl", "domain", "tags", "description", "pricing.asking_price_fen"} <= fields, fields
    assert psql(f"SELECT count(*) FROM listings WHERE org_id = '{org['id']}'") == [["0"]]


@test
def test_patent_number_and_type_rules():
    """a wrong check digit, a type that disagrees with the number, dates out of order are 422"""
    tok, _, _, _ = university()
    cases = [
        ({"number": "201710601862.4"}, "patent.number"),
        ({"number": "CN114000001Z"}, "patent.number"),
        ({"number": "201820123456.0", "type": "invention"}, "patent.type"),
        ({"grant_date": "2016-01-01"}, "patent.grant_date"),
        ({"expiry_date": "2018-01-01"}, "patent.expiry_date"),
    ]
    for change, field in cases:
        body = copy.deepcopy(PATENT)
        body["patent"].update(change)
        problem(main_server().request("POST", "/v1/listings", body, token=tok), 422, field)
    for number, kind in (("95115608.X", "invention"), ("CN215000001U", "utility_model")):
        body = copy.deepcopy(PATENT)
        body["patent"].update({"number": number, "type": kind})
        create(tok, body)


@test
def test_pricing_rules():
    """fixed needs a price; auctions need reserve, increment and a future end"""
    tok, _, _, _ = university()
    s = main_server()
    for pricing, field in [
        ({"mode": "fixed"}, "pricing.asking_price_fen"),
        ({"mode": "auction", "reserve_price_fen": 100}, "pricing.min_increment_fen"),
        ({"mode": "auction", "reserve_price_fen": 100, "min_increment_fen": 10,
          "auction_ends_at": "2020-01-01T00:00:00Z"}, "pricing.auction_ends_at"),
        ({"mode": "negotiable", "reserve_price_fen": 5}, "pricing.reserve_price_fen"),
        ({"mode": "fixed", "asking_price_fen": 1.5}, "pricing.asking_price_fen"),
        ({"mode": "fixed", "asking_price_fen": 2 ** 63}, None),
    ]:
        body = dict(PATENT, pricing=pricing)
        r = s.request("POST", "/v1/listings", body, token=tok)
        if field is None:
            assert r.status in (400, 422), r
        else:
            problem(r, 422, field)
    ok = dict(PATENT, pricing={"mode": "auction", "reserve_price_fen": 1000000,
                               "min_increment_fen": 50000, "auction_ends_at": "2099-01-01T00:00:00Z"})
    assert create(tok, ok)["pricing"]["auction_ends_at"] == "2099-01-01T00:00:00Z"


@test
def test_drafts_are_invisible_to_others():
    """a draft is 404 to anonymous callers and other organizations, visible to its org and admins"""
    s = main_server()
    tok, _, _, _ = university()
    other, _, _, _ = university(name="北京科技大学")
    listing = create(tok)
    path = f"/v1/listings/{listing['id']}"
    for t in (None, other):
        r = s.request("GET", path, token=t)
        problem(r, 404)
        assert listing["title"].encode() not in r.body
    assert s.request("GET", path, token=tok).status == 200
    assert s.request("GET", path, token=admin_token(s)).status == 200
    problem(s.request("GET", "/v1/listings/not-a-uuid"), 404)
    problem(s.request("GET", f"/v1/listings/{uuid.uuid4()}"), 404)
    for action in ("submit", "withdraw"):
        problem(s.request("POST", f"{path}/{action}", token=other), 404)


@test
def test_moderation_lifecycle():
    """submit → reject with a reason the owner sees → resubmit → approve → public → withdraw"""
    s = main_server()
    tok, _, _, _ = university()
    other, _, _, _ = university(name="广西大学")
    admin = admin_token(s)
    listing = create(tok, PROCESS)
    lid = listing["id"]
    path = f"/v1/listings/{lid}"
    problem(s.request("POST", f"/v1/admin/listings/{lid}/approve", token=admin), 409)  # a draft
    r = s.request("POST", f"{path}/submit", token=tok)
    assert r.status == 200 and r.json()["status"] == "pending_review" and r.json()["submitted_at"], r
    problem(s.request("POST", f"{path}/submit", token=tok), 409)
    problem(s.request("POST", f"/v1/admin/listings/{lid}/approve", token=tok), 403)
    problem(s.request("POST", f"/v1/admin/listings/{lid}/reject", {}, token=admin), 422, "reason")
    r = s.request("POST", f"/v1/admin/listings/{lid}/reject", {"reason": "请补充中试数据"}, token=admin)
    assert r.status == 200 and r.json()["status"] == "rejected", r
    mine = s.request("GET", path, token=tok).json()
    assert mine["rejection_reason"] == "请补充中试数据", mine
    problem(s.request("GET", path, token=other), 404)
    assert s.request("POST", f"{path}/submit", token=tok).json()["status"] == "pending_review"
    r = s.request("POST", f"/v1/admin/listings/{lid}/approve", token=admin)
    assert r.status == 200 and r.json()["status"] == "published" and r.json()["published_at"], r
    assert r.json()["rejection_reason"] is None
    public = s.request("GET", path)
    assert public.status == 200 and public.json()["title"] == PROCESS["title"], public
    problem(s.request("POST", f"{path}/withdraw", token=other), 403)  # visible, not theirs
    r = s.request("POST", f"{path}/withdraw", token=tok)
    assert r.status == 200 and r.json()["status"] == "withdrawn", r
    problem(s.request("GET", path), 404)
    problem(s.request("POST", f"{path}/withdraw", token=tok), 409)
    actions = [a for (a,) in psql(f"SELECT action FROM audit_log WHERE object_id = '{lid}' ORDER BY id")]
    assert actions == ["listing.create", "listing.submit", "listing.reject", "listing.submit",
                       "listing.approve", "listing.withdraw"], actions


@test
def test_create_listing_is_idempotent():
    """Idempotency-Key on listing creation: a retry returns the same listing, no second row"""
    tok, _, org, _ = university()
    key = str(uuid.uuid4())
    a = create(tok, PROCESS, headers={"Idempotency-Key": key})
    b = create(tok, PROCESS, headers={"Idempotency-Key": key})
    assert a["id"] == b["id"], (a, b)
    assert psql(f"SELECT count(*) FROM listings WHERE org_id = '{org['id']}'") == [["1"]]


@test
def test_moderation_queue_pages_oldest_first():
    """the moderation queue lists pending listings oldest first, paged without repeats or gaps"""
    s = main_server()
    admin = admin_token(s)
    tok, _, _, _ = university(name="淄博职业学院")
    ids = []
    for i in range(5):
        lid = create(tok, dict(PROCESS, title=f"赤泥陶粒中试工艺 第{i}批"))["id"]
        assert s.request("POST", f"/v1/listings/{lid}/submit", token=tok).status == 200
        ids.append(lid)
    seen, cursor = [], None
    while True:
        path = "/v1/admin/moderation-queue?limit=2" + (f"&cursor={cursor}" if cursor else "")
        r = s.request("GET", path, token=admin)
        assert r.status == 200, r
        page = r.json()
        assert len(page["data"]) <= 2
        seen += [l["id"] for l in page["data"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    mine = [i for i in seen if i in ids]
    assert mine == ids, (mine, ids)  # oldest first, each once
    assert len(seen) == len(set(seen))
    problem(s.request("GET", "/v1/admin/moderation-queue", token=tok), 403)
    problem(s.request("GET", "/v1/admin/moderation-queue"), 401)
    problem(s.request("GET", "/v1/admin/moderation-queue?limit=0", token=admin), 422, "limit")
    problem(s.request("GET", "/v1/admin/moderation-queue?limit=101", token=admin), 422, "limit")
    problem(s.request("GET", "/v1/admin/moderation-queue?cursor=garbage!", token=admin), 422, "cursor")


@test
def test_patch_needs_if_match_and_sends_published_back_to_review():
    """PATCH needs If-Match (428 without, 412 stale); editing a published listing re-enters review"""
    s = main_server()
    tok, _, _, _ = university()
    other, _, _, _ = university(name="山东科技大学")
    admin = admin_token(s)
    r = s.request("POST", "/v1/listings", PATENT, token=tok)
    lid, etag = r.json()["id"], r.header("ETag")
    path = f"/v1/listings/{lid}"
    problem(s.request("PATCH", path, {"title": "新标题"}, token=tok), 428)
    problem(s.request("PATCH", path, {"title": "新标题"}, token=tok, headers={"If-Match": '"999"'}), 412)
    problem(s.request("PATCH", path, {"title": "新标题"}, token=other, headers={"If-Match": etag}), 404)
    problem(s.request("PATCH", path, {"kind": "process"}, token=tok, headers={"If-Match": etag}), 422, "kind")
    problem(s.request("PATCH", path, {"trl": 0, "status": "published"}, token=tok,
                      headers={"If-Match": etag}), 422, "status")
    r = s.request("PATCH", path, {"title": "赤泥基道路材料（第二版）", "pricing": {"asking_price_fen": 60000000},
                                  "patent": {"inventors": ["张三"]}}, token=tok, headers={"If-Match": etag})
    assert r.status == 200, r
    edited = r.json()
    assert edited["title"] == "赤泥基道路材料（第二版）" and edited["pricing"]["asking_price_fen"] == 60000000, edited
    assert edited["patent"]["inventors"] == ["张三"] and edited["patent"]["number"] == "ZL2017106018623", edited
    assert edited["status"] == "draft" and r.header("ETag") != etag
    problem(s.request("PATCH", path, {"title": "再改"}, token=tok, headers={"If-Match": etag}), 412)
    etag = r.header("ETag")
    assert s.request("POST", f"{path}/submit", token=tok).status == 200
    r = s.request("POST", f"/v1/admin/listings/{lid}/approve", token=admin)
    assert r.json()["status"] == "published"
    r = s.request("PATCH", path, {"summary": "补充了示范工程数据"}, token=tok, headers={"If-Match": r.header("ETag")})
    assert r.status == 200 and r.json()["status"] == "pending_review", r
    problem(s.request("GET", path, token=other), 404)  # back in review: not public any more
    # in review it does not change under the admin: retracted to draft, it does
    assert s.request("POST", f"{path}/retract", token=tok).json()["status"] == "draft"
    # a patch that breaks a rule changes nothing
    before = s.request("GET", path, token=tok)
    problem(s.request("PATCH", path, {"pricing": {"mode": "fixed", "asking_price_fen": None}}, token=tok,
                      headers={"If-Match": before.header("ETag")}), 422, "pricing.asking_price_fen")
    after = s.request("GET", path, token=tok)
    assert after.json() == before.json() and after.header("ETag") == before.header("ETag")


def publish(tok, body):
    s = main_server()
    lid = create(tok, body)["id"]
    assert s.request("POST", f"/v1/listings/{lid}/submit", token=tok).status == 200
    r = s.request("POST", f"/v1/admin/listings/{lid}/approve", token=admin_token(s))
    assert r.status == 200, r
    return lid


def search(query, expect=200):
    r = main_server().request("GET", "/v1/listings?" + query)
    assert r.status == expect, r
    return r.json()


@test
def test_search_finds_chinese_and_english_and_filters():
    """q=赤泥 finds red-mud listings inside longer titles; English words; facets filter; drafts never show"""
    from urllib.parse import quote
    tok, _, org, _ = university(name="赤泥研究中心")
    tag = uuid.uuid4().hex[:8]
    red = publish(tok, dict(PATENT, title=f"利用赤泥制备透水砖 {tag}", tags=["透水砖", tag]))
    gyp = publish(tok, dict(PROCESS, title=f"钛白石膏制备特种工程材料 {tag}", tags=[tag]))
    foundry = publish(tok, dict(PROCESS, title=f"Foundry sand regeneration 铸造用砂再生 {tag}",
                                domain="foundry_waste", tags=[tag], trl=9,
                                pricing={"mode": "fixed", "asking_price_fen": 100}))
    draft = create(tok, dict(PATENT, title=f"赤泥草稿 {tag}", tags=[tag]))["id"]

    def ids(query):
        return [l["id"] for l in search(query)["data"]]

    got = ids(f"q={quote('赤泥')}&org_id={org['id']}")
    assert red in got and gyp not in got and draft not in got, got
    assert ids(f"q={quote('钛白石膏')}&org_id={org['id']}") == [gyp]
    assert ids(f"q=FOUNDRY%20sand&org_id={org['id']}") == [foundry]
    assert ids(f"q={tag}&domain=foundry_waste") == [foundry]
    assert set(ids(f"q={tag}&kind=process")) == {gyp, foundry}
    assert ids(f"q={tag}&min_trl=8") == [foundry]
    assert ids(f"q={tag}&transaction_mode=exclusive_license") == [red]
    assert ids(f"q={tag}&pricing_mode=fixed&sort=price_asc") == [foundry, gyp]
    assert ids(f"q={tag}&pricing_mode=fixed&sort=price_desc") == [gyp, foundry]
    newest = ids(f"q={tag}&sort=newest")
    assert newest == [foundry, gyp, red], newest


@test
def test_search_pages_without_repeats_or_gaps():
    """paging with a cursor returns every matching listing once, in order, for every sort"""
    tok, _, org, _ = university(name="分页测试大学")
    tag = uuid.uuid4().hex[:8]
    made = {publish(tok, dict(PROCESS, title=f"赤泥陶粒 {tag} {i}", tags=[tag],
                              pricing={"mode": "fixed", "asking_price_fen": 1000 * (i % 3)}))
            for i in range(7)}
    for sort in ("newest", "price_asc", "price_desc", "relevance"):
        seen, cursor = [], None
        while True:
            page = search(f"q={tag}&sort={sort}&limit=3" + (f"&cursor={cursor}" if cursor else ""))
            seen += [l["id"] for l in page["data"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert len(seen) == 7 and set(seen) == made, (sort, seen)


@test
def test_search_refuses_bad_parameters():
    """bad filter values, unknown parameters and foreign cursors are 422 naming the parameter"""
    for query, field in [("domain=gold", "domain"), ("kind=trademark", "kind"),
                         ("transaction_mode=lease", "transaction_mode"), ("pricing_mode=free", "pricing_mode"),
                         ("min_trl=10", "min_trl"), ("min_trl=x", "min_trl"), ("org_id=1", "org_id"),
                         ("sort=random", "sort"), ("limit=0", "limit"), ("limit=1000", "limit"),
                         ("cursor=%%%", "cursor"), ("color=red", "color"), ("q=" + "赤" * 201, "q")]:
        r = main_server().request("GET", "/v1/listings?" + query.replace("赤", "%E8%B5%A4"))
        problem(r, 422, field)


@test
def test_search_covers_inventors_ipc_summary_and_description():
    """search looks into summary, description, tags, patent inventors and IPC codes"""
    from urllib.parse import quote
    tok, _, org, _ = university(name="检索字段大学")
    tag = uuid.uuid4().hex[:8]
    body = copy.deepcopy(PATENT)
    body.update(title=f"一种复合材料 {tag}", summary="Magnetic fertilizer from bauxite residue",
                description="以赤泥为原料制备磁化肥料。", tags=["磁肥"])
    body["patent"].update(inventors=["欧阳明远"], ipc=["C05D 9/00"])
    lid = publish(tok, body)
    for q in ("欧阳明远", "C05D", "magnetic", "磁化肥料", "磁肥"):
        got = [l["id"] for l in search(f"q={quote(q)}&org_id={org['id']}")["data"]]
        assert got == [lid], (q, got)


@test
def test_patch_that_changes_nothing_keeps_version_and_status():
    """a PATCH that changes nothing keeps the ETag and does not send a published listing back"""
    s = main_server()
    tok, _, _, _ = university(name="不变更测试研究院")
    lid = publish(tok, dict(PROCESS, title="钛白石膏缓凝剂工艺"))
    r = s.request("GET", f"/v1/listings/{lid}", token=tok)
    same = s.request("PATCH", f"/v1/listings/{lid}", {"title": "钛白石膏缓凝剂工艺"}, token=tok,
                     headers={"If-Match": r.header("ETag")})
    assert same.status == 200 and same.json()["status"] == "published", same
    assert same.header("ETag") == r.header("ETag")


@test
def test_search_reports_all_bad_parameters_at_once():
    """filter errors and paging errors come back together in one 422"""
    p = problem(main_server().request("GET", "/v1/listings?domain=gold&limit=0&cursor=%21"), 422)
    assert {"domain", "limit", "cursor"} <= {e["field"] for e in p["errors"]}, p


@test
def test_search_with_only_punctuation_finds_nothing_quietly():
    """a query with no searchable word finds nothing, and the server log stays JSON"""
    import json as _json
    s = main_server()
    r = s.request("GET", "/v1/listings?q=%21%21%3F")
    assert r.status == 200 and r.json() == {"data": [], "next_cursor": None}, r
    for line in s.read_log().splitlines():
        _json.loads(line)  # every line is a JSON object


@test
def test_relevance_puts_title_and_tag_matches_first():
    """sort=relevance: listings matching in title or tags come first, then those matching elsewhere, newest first"""
    from urllib.parse import quote
    tok, _, org, _ = university(name="相关性测试研究所")
    word = "磁选" + uuid.uuid4().hex[:4]
    in_title = publish(tok, dict(PROCESS, title=f"赤泥{word}提铁工艺", tags=["提铁"]))
    in_desc = publish(tok, dict(PROCESS, title="赤泥提铁新工艺", description=f"采用{word}技术。"))
    in_tags = publish(tok, dict(PROCESS, title="高铁砂回收", tags=[word]))
    in_desc2 = publish(tok, dict(PROCESS, title="钢渣提铁", summary=f"{word} separation"))
    got = [l["id"] for l in search(f"q={quote(word)}&org_id={org['id']}")["data"]]
    assert got == [in_tags, in_title, in_desc2, in_desc], got
    # and paging through the tiers one listing at a time gives the same order
    seen, cursor = [], None
    while True:
        page = search(f"q={quote(word)}&org_id={org['id']}&limit=1" + (f"&cursor={cursor}" if cursor else ""))
        seen += [l["id"] for l in page["data"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == got, (seen, got)
