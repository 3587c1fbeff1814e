"""Organization profiles: the credit code and its two check characters, the region, who
edits what and when, the verification queue, verification needing a credit code."""

import uuid

from common import main_server
from harness import (admin_token, credit_code, credit_code_check, login,
                     member, org_code_check, problem, psql, register, test)

PROFILE = {
    "region_code": "370303",
    "legal_representative": "李明远",
    "address": "山东省淄博市张店区新村西路266号",
    "website": "https://www.sdut.edu.cn",
    "description": "山东省属重点建设大学，开展赤泥等工业固废综合利用研究。\n联系：技术转移中心",
}
PROFILE_FIELDS = ("credit_code", "region_code", "legal_representative", "address", "website",
                  "description", "government_established", "verified_at")


def etag(s, org_id):
    return s.request("GET", f"/v1/orgs/{org_id}").header("ETag")


def patch(s, org_id, body, tok, match=None):
    headers = {"If-Match": match} if match else {}
    return s.request("PATCH", f"/v1/orgs/{org_id}", body, token=tok, headers=headers)


def state(org_id):
    """What a refusal must leave unchanged: the row and its audit trail."""
    return (psql(f"SELECT name, credit_code, region_code, legal_representative, address,"
                 f" website, description, government_established, version, status"
                 f" FROM organizations WHERE id = '{org_id}'"),
            psql(f"SELECT count(*) FROM audit_log WHERE object_id = '{org_id}'"))


def colleague(s, org_id, role):
    """Another user of the organization, with role; returns its token."""
    data, body = register(s, kind="enterprise", name="临时注册单位")
    psql(f"UPDATE users SET org_id = '{org_id}', org_role = '{role}'"
         f" WHERE id = '{data['user']['id']}'")
    return login(s, body["email"])["token"]


def with_check(first17):
    return first17 + credit_code_check(first17)


@test
def test_org_profile_is_public_with_etag():
    """GET /v1/orgs/{id} and /v1/me show every profile field (null until given) with an ETag"""
    s = main_server()
    tok, _, org, _ = member(s, name="山东理工大学赤泥研究院", kind="research_institute")
    r = s.request("GET", f"/v1/orgs/{org['id']}")
    assert r.status == 200 and r.header("ETag"), r
    body = r.json()
    for f in PROFILE_FIELDS:
        assert f in body, (f, body)
    assert body["government_established"] is False and body["credit_code"] is None, body
    me = s.request("GET", "/v1/me", token=tok).json()["organization"]
    for f in PROFILE_FIELDS:
        assert f in me, (f, me)


@test
def test_owner_edits_profile_with_if_match():
    """the owner edits the profile with If-Match (428 without, 412 stale), audited with the
    changed fields; the credit code is stored upper case; the same values change nothing"""
    s = main_server()
    tok, _, org, _ = member(s, name="山东理工大学")
    oid = org["id"]
    code = credit_code("370303", head="12")
    before = state(oid)
    problem(patch(s, oid, PROFILE, tok), 428)
    problem(patch(s, oid, PROFILE, tok, match='"999"'), 412)
    assert state(oid) == before
    tag = etag(s, oid)
    r = patch(s, oid, dict(PROFILE, credit_code=code.lower()), tok, match=tag)
    assert r.status == 200, r
    o = r.json()
    assert o["credit_code"] == code, o
    for k, v in PROFILE.items():
        assert o[k] == v, (k, o)
    assert r.header("ETag") and r.header("ETag") != tag, r.headers
    g = s.request("GET", f"/v1/orgs/{oid}")
    assert g.json()["address"] == PROFILE["address"] and g.header("ETag") == r.header("ETag")
    rows = psql("SELECT detail->'changed'->'credit_code'->>'to', detail->'changed' ? 'name'"
                f" FROM audit_log WHERE action = 'organization.update' AND object_id = '{oid}'")
    assert rows == [[code, "f"]], rows
    # the old ETag is stale now
    problem(patch(s, oid, {"address": "淄博市"}, tok, match=tag), 412)
    # the same values again: no new version, no audit row
    after = state(oid)
    r2 = patch(s, oid, dict(PROFILE, credit_code=code), tok, match=r.header("ETag"))
    assert r2.status == 200 and r2.header("ETag") == r.header("ETag"), r2
    assert state(oid) == after
    # null clears an optional field
    r3 = patch(s, oid, {"website": None}, tok, match="*")
    assert r3.status == 200 and r3.json()["website"] is None, r3


@test
def test_credit_code_check_characters():
    """a credit code with a wrong GB 32100 or GB 11714 check character is 422 naming
    credit_code and the failed check; nothing changes"""
    s = main_server()
    tok, _, org, _ = member(s, kind="enterprise", name="淄博天之润环保科技有限公司")
    oid = org["id"]
    good = credit_code()
    body = good[8:16]
    wrong_final = good[:17] + ("1" if good[17] != "1" else "2")
    wrong_org = "91370303" + body + ("1" if good[16] != "1" else "2")
    wrong_org = with_check(wrong_org)  # its final check is right: only GB 11714 fails
    before = state(oid)
    cases = [(wrong_final, "GB 32100"), (wrong_org, "GB 11714"), (good[:17], "18 characters"),
             ("91350100O000100Y43", "letters"), ("９" + good[1:], "18 characters"),
             ("91350100M000100Y4Z", "letters"), (good[:2] + "37A303" + good[8:], "six digits")]
    for bad, words in cases:
        p = problem(patch(s, oid, {"credit_code": bad}, tok, match="*"), 422, "credit_code")
        msg = [e["message"] for e in p["errors"] if e["field"] == "credit_code"][0]
        assert words in msg, (bad, msg)
    assert state(oid) == before
    # the standard's own example passes both checks
    r = patch(s, oid, {"credit_code": "91350100M000100Y43"}, tok, match="*")
    if r.status == 409:  # another run of this test took it first
        problem(r, 409, "credit_code")
    else:
        assert r.status == 200 and r.json()["credit_code"] == "91350100M000100Y43", r
        assert org_code_check("M000100Y") == "4"


@test
def test_profile_field_rules():
    """region codes (GB/T 2260 provinces), websites, lengths and invisible characters are
    checked, every bad field named at once; nothing changes"""
    s = main_server()
    tok, _, org, _ = member(s, kind="enterprise", name="山东海逸恒安环保科技有限公司")
    oid = org["id"]
    before = state(oid)
    for region in ("990000", "37030", "3703031", "37030a", "660000", "", "３７０３０３"):
        problem(patch(s, oid, {"region_code": region}, tok, match="*"), 422, "region_code")
    for site in ("ftp://haiyi.example", "javascript:alert(1)", "www.haiyi.example", "https://",
                 "http:///path", "https://海逸 环保.cn", "https://" + "a" * 300):
        problem(patch(s, oid, {"website": site}, tok, match="*"), 422, "website")
    bad = {"legal_representative": "王\u202e建国", "address": "淄" * 301,
           "description": "赤" * 4001, "name": None, "kind": "university",
           "website": "https://haiyi.example\u200b"}
    p = problem(patch(s, oid, bad, tok, match="*"), 422)
    named = {e["field"] for e in p["errors"]}
    assert named == set(bad), p
    problem(patch(s, oid, {"legal_representative": "   "}, tok, match="*"), 422,
            "legal_representative")
    problem(patch(s, oid, {"government_established": "true", "address": "x"}, tok, match="*"),
            403, "government_established")
    assert state(oid) == before
    # what is right goes through: the Shandong region of another city, an http URL
    r = patch(s, oid, {"region_code": "370102", "website": "http://www.haiyi.example/关于",
                       "description": ""}, tok, match="*")
    assert r.status == 200 and r.json()["region_code"] == "370102", r


@test
def test_who_edits_the_profile():
    """owner and admin edit; a member, another organization, a platform admin on this route
    get 403 (the profile is public); anonymous 401; an unknown org 404"""
    s = main_server()
    tok, _, org, _ = member(s, kind="enterprise", name="淄博东大环保科技有限公司")
    oid = org["id"]
    other, _, _, _ = member(s, kind="enterprise", name="山东翼冠新材料有限公司")
    mem = colleague(s, oid, "member")
    adm = colleague(s, oid, "admin")
    before = state(oid)
    body = {"address": "山东省淄博市临淄区"}
    problem(patch(s, oid, body, mem, match="*"), 403)
    problem(patch(s, oid, body, other, match="*"), 403)
    problem(patch(s, oid, body, admin_token(s), match="*"), 403)
    problem(patch(s, oid, body, None, match="*"), 401)
    problem(patch(s, str(uuid.uuid4()), body, tok, match="*"), 404)
    problem(patch(s, "not-an-id", body, tok, match="*"), 404)
    # government_established is the platform's to say
    problem(patch(s, oid, {"government_established": True}, tok, match="*"), 403,
            "government_established")
    assert state(oid) == before
    r = patch(s, oid, body, adm, match="*")
    assert r.status == 200 and r.json()["address"] == body["address"], r
    # a suspended organization's sessions end: its owner cannot edit
    verify = s.request("POST", f"/v1/admin/orgs/{oid}/suspend", {"reason": "资质核查"},
                       token=admin_token(s))
    assert verify.status == 200, verify
    problem(patch(s, oid, {"address": "淄博"}, tok, match="*"), 401)


@test
def test_verified_name_and_credit_code_are_fixed():
    """once verified, the owner cannot change name or credit_code (409 org-verified), other
    fields stay editable; a platform admin can, with a reason"""
    s = main_server()
    tok, _, org, _ = member(s, kind="university", name="山东理工大学", verified=True)
    oid = org["id"]
    o = s.request("GET", f"/v1/orgs/{oid}").json()
    assert o["status"] == "verified" and o["verified_at"], o
    before = state(oid)
    p = problem(patch(s, oid, {"name": "山东理工学院"}, tok, match="*"), 409)
    assert p["type"].endswith("org-verified") and "name" in p["detail"], p
    p = problem(patch(s, oid, {"credit_code": credit_code()}, tok, match="*"), 409)
    assert p["type"].endswith("org-verified") and "credit_code" in p["detail"], p
    problem(patch(s, oid, {"credit_code": None}, tok, match="*"), 409)
    assert state(oid) == before
    # the same name is no change; the address is editable
    r = patch(s, oid, {"name": "山东理工大学", "address": "淄博市张店区新村西路266号"}, tok,
              match="*")
    assert r.status == 200 and r.json()["status"] == "verified", r
    # the platform corrects the name and the code
    admin = admin_token(s)
    code = credit_code("370303", head="12")
    r = s.request("PATCH", f"/v1/admin/orgs/{oid}",
                  {"name": "山东理工大学（淄博）", "credit_code": code,
                   "reason": "营业执照变更登记"}, token=admin)
    assert r.status == 200 and r.json()["name"] == "山东理工大学（淄博）", r
    assert r.json()["credit_code"] == code and r.json()["status"] == "verified", r
    rows = psql("SELECT detail->>'reason', detail->'changed'->'name'->>'from'"
                f" FROM audit_log WHERE action = 'organization.admin_update' AND object_id = '{oid}'"
                " ORDER BY id DESC LIMIT 1")
    assert rows == [["营业执照变更登记", "山东理工大学"]], rows


@test
def test_verification_needs_credit_code():
    """verifying an organization without a credit code is 409 profile-incomplete naming it
    and changes nothing; with one it verifies and sets verified_at"""
    s = main_server()
    tok, _, org, _ = member(s, kind="enterprise", name="山东金虹钛白化工有限公司")
    oid = org["id"]
    admin = admin_token(s)
    before = state(oid)
    p = problem(s.request("POST", f"/v1/admin/orgs/{oid}/verify", token=admin), 409,
                "credit_code")
    assert p["type"].endswith("profile-incomplete"), p
    assert state(oid) == before
    r = patch(s, oid, {"credit_code": credit_code("370305")}, tok, match=etag(s, oid))
    assert r.status == 200, r
    v = s.request("POST", f"/v1/admin/orgs/{oid}/verify", token=admin)
    assert v.status == 200 and v.json()["status"] == "verified" and v.json()["verified_at"], v


@test
def test_credit_code_is_unique():
    """two organizations cannot share a credit code: 409 credit-code-taken naming it"""
    s = main_server()
    tok1, _, org1, _ = member(s, kind="enterprise", name="山东盛日新材料有限公司")
    tok2, _, org2, _ = member(s, kind="enterprise", name="淄博盛日新材料有限公司")
    code = credit_code("370302")
    assert patch(s, org1["id"], {"credit_code": code}, tok1, match="*").status == 200
    before = state(org2["id"])
    p = problem(patch(s, org2["id"], {"credit_code": code.lower()}, tok2, match="*"), 409,
                "credit_code")
    assert p["type"].endswith("credit-code-taken"), p
    assert state(org2["id"]) == before
    problem(s.request("PATCH", f"/v1/admin/orgs/{org2['id']}",
                      {"credit_code": code, "reason": "更正"}, token=admin_token(s)),
            409, "credit_code")


@test
def test_admin_edits_any_profile_field_with_reason():
    """a platform admin sets government_established and any field, needs a reason, may send
    If-Match (412 when stale); everyone else is refused"""
    s = main_server()
    tok, _, org, _ = member(s, kind="university", name="山东理工大学")
    oid = org["id"]
    admin = admin_token(s)
    path = f"/v1/admin/orgs/{oid}"
    before = state(oid)
    problem(s.request("PATCH", path, {"government_established": True}, token=admin), 422,
            "reason")
    problem(s.request("PATCH", path, {"government_established": "yes", "reason": "核对"},
                      token=admin), 422, "government_established")
    problem(s.request("PATCH", path, {"credit_code": "91350100M000100Y44", "reason": "核对"},
                      token=admin), 422, "credit_code")
    problem(s.request("PATCH", path, {"region_code": "000000", "reason": "核对"}, token=admin),
            422, "region_code")
    problem(s.request("PATCH", path, {"government_established": True, "reason": "核对"},
                      token=tok), 403)
    problem(s.request("PATCH", path, {"government_established": True, "reason": "核对"}), 401)
    problem(s.request("PATCH", f"/v1/admin/orgs/{uuid.uuid4()}",
                      {"government_established": True, "reason": "核对"}, token=admin), 404)
    problem(s.request("PATCH", path, {"government_established": True, "reason": "核对"},
                      token=admin, headers={"If-Match": '"999"'}), 412)
    assert state(oid) == before
    r = s.request("PATCH", path, {"government_established": True,
                                  "reason": "核对事业单位法人证书：山东省人民政府举办"},
                  token=admin, headers={"If-Match": etag(s, oid)})
    assert r.status == 200 and r.json()["government_established"] is True, r
    assert s.request("GET", f"/v1/orgs/{oid}").json()["government_established"] is True
    rows = psql("SELECT detail->>'reason', detail->'changed'->'government_established'->>'to'"
                f" FROM audit_log WHERE action = 'organization.admin_update' AND object_id = '{oid}'")
    assert rows == [["核对事业单位法人证书：山东省人民政府举办", "true"]], rows
    # the owner still cannot turn it off
    problem(patch(s, oid, {"government_established": False}, tok, match="*"), 403,
            "government_established")


@test
def test_admin_verification_queue():
    """GET /v1/admin/orgs lists unverified organizations oldest first with the whole
    profile, paged without gaps or duplicates; status filters; admins only"""
    s = main_server()
    admin = admin_token(s)
    mine = []
    for name in ("淄博博达环保有限公司", "淄博大亚金属科技有限公司", "山东宜景材料有限公司"):
        tok, _, org, _ = member(s, kind="enterprise", name=name)
        mine.append(org["id"])
    r = s.request("PATCH", f"/v1/admin/orgs/{mine[1]}",
                  dict(PROFILE, credit_code=credit_code(), reason="补录营业执照信息"), token=admin)
    assert r.status == 200, r
    seen, cursor, pages = [], None, 0
    while True:
        q = "/v1/admin/orgs?limit=7" + (f"&cursor={cursor}" if cursor else "")
        r = s.request("GET", q, token=admin)
        assert r.status == 200, r
        page = r.json()
        seen.extend(page["data"])
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None or pages > 500:
            break
    ids = [o["id"] for o in seen]
    assert len(ids) == len(set(ids)), "a duplicate while paging"
    assert all(o["status"] == "unverified" for o in seen)
    assert [i for i in ids if i in mine] == mine, "not oldest first"
    created = [o["created_at"] for o in seen]
    assert created == sorted(created), "not oldest first"
    entry = next(o for o in seen if o["id"] == mine[1])
    for f in PROFILE_FIELDS + ("created_at", "updated_at"):
        assert f in entry, (f, entry)
    assert entry["credit_code"], entry
    # verified ones are listed under their status
    s.request("POST", f"/v1/admin/orgs/{mine[1]}/verify", token=admin)
    r = s.request("GET", "/v1/admin/orgs?status=unverified&limit=100", token=admin)
    assert r.status == 200
    r = s.request("GET", "/v1/admin/orgs?status=verified&limit=100", token=admin)
    assert all(o["status"] == "verified" for o in r.json()["data"]), r
    problem(s.request("GET", "/v1/admin/orgs?status=pending", token=admin), 422, "status")
    problem(s.request("GET", "/v1/admin/orgs?limit=0", token=admin), 422, "limit")
    problem(s.request("GET", "/v1/admin/orgs?cursor=bogus", token=admin), 422, "cursor")
    problem(s.request("GET", "/v1/admin/orgs?sort=name", token=admin), 422, "sort")
    tok, _, _, _ = member(s, kind="enterprise", name="东佳集团")
    problem(s.request("GET", "/v1/admin/orgs", token=tok), 403)
    problem(s.request("GET", "/v1/admin/orgs"), 401)


@test
def test_concurrent_profile_edits_one_wins():
    """two edits sent at once with the same ETag: one is applied, the other is 412 (the row
    lock orders them), and the audit log has one row"""
    import threading
    s = main_server()
    tok, _, org, _ = member(s, kind="enterprise", name="淄博大亚金属科技有限公司")
    oid = org["id"]
    for round_ in range(5):
        tag = etag(s, oid)
        results = [None, None]
        start = threading.Barrier(2)

        def edit(i):
            start.wait()
            results[i] = patch(s, oid, {"address": f"山东省淄博市周村区王村镇{round_}-{i}号"},
                               tok, match=tag).status
        threads = [threading.Thread(target=edit, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(results) == [200, 412], results
    rows = psql(f"SELECT count(*) FROM audit_log WHERE action = 'organization.update'"
                f" AND object_id = '{oid}'")
    assert rows == [["5"]], rows
