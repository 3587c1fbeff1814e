"""Look-alike identities and weak passwords (issue 13, items 8 and 9): emails are one
account in every Unicode spelling, invisible and bidirectional controls are refused in
emails, names and free text, and passwords follow NIST SP 800-63B."""

import copy
import os
import unicodedata
import uuid

from common import main_server
from harness import (PASSWORD, ROOT, admin_token, login, member, problem, psql, publish_listing,
                     register, techex, test, unique_email)
from deal_fixtures import enterprise, offer, university
from test_listings import PATENT

ORG = {"name": "山东理工大学", "kind": "university"}


def s():
    return main_server()


def register_raw(body_overrides, source=None):
    body = {"email": unique_email("identity"), "password": PASSWORD, "display_name": "张教授",
            "organization": dict(ORG)}
    body.update(body_overrides)
    return s().request("POST", "/v1/auth/register", body, source=source)


def users_with(email_like):
    return int(psql(f"SELECT count(*) FROM users WHERE email LIKE '{email_like}'")[0][0])


@test
def test_email_nfc_and_nfd_are_one_account():
    """an email in NFC and in NFD is one account: the second registration is 409, login works with either"""
    tag = uuid.uuid4().hex[:8]
    nfc = unicodedata.normalize("NFC", f"sédut-{tag}@x.test")
    nfd = unicodedata.normalize("NFD", nfc)
    assert nfc != nfd
    data, _ = register(s(), email=nfc)
    assert data["user"]["email"] == nfc, data
    p = problem(register_raw({"email": nfd}), 409)
    assert p["type"].endswith("email-taken"), p
    login(s(), nfd)
    login(s(), nfc)
    assert users_with(f"%{tag}@x.test") == 1


@test
def test_email_case_folding_is_one_account():
    """SÉDUT@X.TEST and sédut@x.test (and STRASSE / straße) are one account each"""
    tag = uuid.uuid4().hex[:8]
    register(s(), email=f"sédut-{tag}@x.test")
    problem(register_raw({"email": f"SÉDUT-{tag}@X.TEST"}), 409)
    login(s(), f"SÉDUT-{tag}@X.TEST")
    login(s(), unicodedata.normalize("NFD", f"SÉDUT-{tag}@X.TEST"))
    data, _ = register(s(), email=f"STRASSE-{tag}@x.test")
    assert data["user"]["email"] == f"strasse-{tag}@x.test", data
    problem(register_raw({"email": f"straße-{tag}@x.test"}), 409)
    login(s(), f"Straße-{tag}@x.test")
    # a fullwidth spelling is the same address too
    problem(register_raw({"email": f"ｓｔｒａｓｓｅ-{tag}@x.test"}), 409)


@test
def test_email_cyrillic_look_alike_is_refused():
    """an email with a Cyrillic ѕ (U+0455) or а beside Latin letters is a 422 naming email"""
    tag = uuid.uuid4().hex[:8]
    register(s(), email=f"sdut-{tag}@x.test")
    for fake in (f"\u0455dut-{tag}@x.test", f"sdut-{tag}@x.t\u0435st",
                 f"g\u03bfogle-{tag}@x.test"):
        problem(register_raw({"email": fake}), 422, "email")
        problem(s().request("POST", "/v1/auth/login", {"email": fake, "password": PASSWORD}),
                422, "email")
    assert users_with(f"%dut-{tag}@x.t%") == 1


@test
def test_email_with_invisible_characters_is_refused():
    """a trailing U+200B, a leading U+FEFF or a U+202E in an email is a 422 naming email"""
    tag = uuid.uuid4().hex[:8]
    register(s(), email=f"sdut-{tag}@x.test")
    for fake in (f"sdut-{tag}@x.test\u200b", f"\ufeffsdut-{tag}@x.test",
                 f"sdut\u202e-{tag}@x.test", f"sdut\u00ad-{tag}@x.test"):
        p = problem(register_raw({"email": fake}), 422, "email")
        assert "invisible" in p["errors"][0]["message"], p
    assert users_with(f"%{tag}@x.test%") == 1


@test
def test_names_refuse_bidi_and_invisible_characters():
    """U+202E in display_name or organization name, U+200B or a variation selector in a name: 422 naming it"""
    tag = uuid.uuid4().hex[:8]
    cases = [({"display_name": "张\u202e教授"}, "display_name"),
             ({"display_name": "张教授\u200b"}, "display_name"),
             ({"display_name": "张教授\ufe0f"}, "display_name"),
             ({"organization": {"name": "山东理工\u202e大学", "kind": "university"}},
              "organization.name"),
             ({"organization": {"name": "\u2066山东理工大学", "kind": "university"}},
              "organization.name")]
    for i, (override, field) in enumerate(cases):
        override = dict(override, email=f"names-{i}-{tag}@x.test")
        problem(register_raw(override), 422, field)
    assert users_with(f"names-%-{tag}@x.test") == 0


@test
def test_chinese_names_and_addresses_still_register():
    """山东理工大学 and 张教授, 张三@例子.中国 and zhang@sdut.edu.cn register and log in"""
    tag = uuid.uuid4().hex[:6]
    for email in (f"张三{tag}@例子.中国", f"zhang-{tag}@sdut.edu.cn", f"山田やまだ{tag}@例え.jp"):
        data, _ = register(s(), email=email, name="山东理工大学", display_name="张教授")
        assert data["user"]["display_name"] == "张教授", data
        assert data["organization"]["name"] == "山东理工大学", data
        login(s(), email)


@test
def test_listing_text_refuses_bidi_and_invisible_characters():
    """a listing's title, tags, description or inventors with U+202E or U+200B is a 422 naming the field"""
    tok = university()[0]
    for path, value, field in (
            (("title",), "赤泥制备\u202egpj.道路基层材料", "title"),
            (("tags",), ["赤泥", "路基\u200b材料"], "tags[1]"),
            (("description",), "赤泥路基材料\u202a示范", "description"),
            (("patent", "inventors"), ["张三", "李\u200f四"], "patent.inventors[1]")):
        body = copy.deepcopy(PATENT)
        target = body
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        problem(s().request("POST", "/v1/listings", body, token=tok), 422, field)
    # free text keeps newlines, tabs and emoji variation selectors
    body = copy.deepcopy(PATENT)
    body["description"] = "第一行\n\t第二行 ❤️"
    r = s().request("POST", "/v1/listings", body, token=tok)
    assert r.status == 201, r


@test
def test_bids_and_contracts_refuse_bidi_and_invisible_characters():
    """a bid's message or territory and a contract's field_of_use with U+202E or U+2066 are 422, nothing stored"""
    seller = university()
    buyer = enterprise()
    listing = publish_listing(s(), seller[0], PATENT)
    lid = listing["id"]
    r = s().request("POST", f"/v1/listings/{lid}/bids",
                    offer(message="报价见附件\u202efdp.exe"), token=buyer[0])
    problem(r, 422, "message")
    bad_terms = offer()
    bad_terms["terms"]["territory"] = "山东省\u2066淄博市"
    problem(s().request("POST", f"/v1/listings/{lid}/bids", bad_terms, token=buyer[0]), 422,
            "terms.territory")
    assert s().request("GET", f"/v1/listings/{lid}/bids", token=seller[0]).json()["data"] == []
    r = s().request("POST", f"/v1/listings/{lid}/bids", offer(), token=buyer[0])
    assert r.status == 201, r
    r = s().request("POST", f"/v1/bids/{r.json()['id']}/accept", token=seller[0])
    assert r.status == 201, r
    contract = r.json()["contract"]
    cur = s().request("GET", f"/v1/contracts/{contract['id']}", token=seller[0])
    r = s().request("PATCH", f"/v1/contracts/{contract['id']}",
                    {"terms": {"field_of_use": "道路基层\u202e材料"}}, token=seller[0],
                    headers={"If-Match": cur.header("ETag")})
    problem(r, 422, "terms.field_of_use")
    after = s().request("GET", f"/v1/contracts/{contract['id']}", token=seller[0])
    assert after.header("ETag") == cur.header("ETag"), after


WEAK = [
    ("aaaaaaaaaaaa", "repetitive"),
    ("abababababab", "repetitive"),
    ("123456789012", "sequence"),
    ("abcdefghijkl", "sequence"),
    ("password1234", "common"),
    ("PASSWORD1234", "common"),
    ("iloveyou2026!", "common"),
    ("\u00a0" * 12, "blank"),
    ("\u3000" * 12, "blank"),
]


@test
def test_register_refuses_weak_passwords():
    """repetitive, sequential, common (with digits appended), blank passwords and the email are 422 naming password"""
    tag = uuid.uuid4().hex[:8]
    for i, (password, why) in enumerate(WEAK):
        p = problem(register_raw({"email": f"weak-{i}-{tag}@x.test", "password": password}), 422,
                    "password")
        message = [e["message"] for e in p["errors"] if e["field"] == "password"][0]
        assert why in message, (password, message)
    email = f"zhangsan.weak{tag}@sdut.edu.cn"
    for password in (email, email.upper(), f"zhangsan.weak{tag}", f"ZhangSan.Weak{tag}!"):
        p = problem(register_raw({"email": email, "password": password}), 422, "password")
        assert "email" in p["errors"][0]["message"], p
    assert users_with(f"%weak%{tag}%") == 0


@test
def test_register_accepts_chinese_passphrases():
    """long Chinese passphrases, with digits or not, pass the password policy"""
    for password in ("赤泥综合利用技术成果转让", "钛白石膏路基材料2026年", "一二三四五六七八九十一二"):
        data, body = register(s(), password=password)
        login(s(), body["email"], password)


@test
def test_passwords_are_normalized_nfkc():
    """a password set with fullwidth letters logs in with its NFKC (ASCII) spelling and as typed"""
    typed = "ｔｅｃｈｅｘ-赤泥-综合利用"
    _, body = register(s(), password=typed)
    login(s(), body["email"], typed)
    login(s(), body["email"], unicodedata.normalize("NFKC", typed))
    login(s(), body["email"], "techex-赤泥-综合利用-x", expect=401)


@test
def test_admin_create_refuses_weak_passwords():
    """techex admin create refuses a weak TECHEX_ADMIN_PASSWORD with exit status 2 and says why"""
    tag = uuid.uuid4().hex[:8]
    email = f"ops-weak-{tag}@techex.example"
    for password, why in (("password1234", "common"), ("aaaaaaaaaaaa", "repetitive"),
                          ("\u00a0" * 12, "blank"), (email, "email")):
        p = techex("admin", "create", "--email", email, env={"TECHEX_ADMIN_PASSWORD": password})
        assert p.returncode == 2 and why in p.stderr, (password, p)
        assert "TECHEX_ADMIN_PASSWORD" in p.stderr, p
    p = techex("admin", "create", "--email", f"\u0455dut-{tag}@techex.example",
               env={"TECHEX_ADMIN_PASSWORD": "运维管理员口令-0001"})
    assert p.returncode == 2 and "--email" in p.stderr, p
    assert users_with(f"%{tag}@techex.example") == 0
    # the address is stored as registration stores it: NFC, case folded
    p = techex("admin", "create", "--email", f"OPS-É-{tag}@TECHEX.EXAMPLE",
               env={"TECHEX_ADMIN_PASSWORD": "运维管理员口令-0001"})
    assert p.returncode == 0, p
    login(s(), unicodedata.normalize("NFD", f"ops-é-{tag}@techex.example"), "运维管理员口令-0001")


@test
def test_stored_nfd_emails_are_rewritten_by_migration_0010():
    """migration 0010 rewrites an email stored in NFD (before normalization) to NFC, so its owner still logs in"""
    tag = uuid.uuid4().hex[:8]
    _, body = register(s(), email=f"legacy-{tag}@x.test")
    nfd = unicodedata.normalize("NFD", f"légacy-{tag}@x.test")
    psql(f"INSERT INTO users (email, password_hash, display_name, org_id, org_role) "
         f"SELECT '{nfd}', password_hash, '旧账户', org_id, 'member' FROM users WHERE email = '{body['email']}'")
    with open(os.path.join(ROOT, "migrations", "0010_normalize_emails.sql"), encoding="utf-8") as f:
        psql(f.read())
    rows = psql(f"SELECT email FROM users WHERE email LIKE 'l%gacy-{tag}@x.test' ORDER BY email")
    assert [r[0] for r in rows] == sorted([f"legacy-{tag}@x.test", f"légacy-{tag}@x.test"]), rows
    login(s(), f"LÉGACY-{tag}@x.test")
