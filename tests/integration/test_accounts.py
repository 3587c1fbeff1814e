"""Accounts and organizations: register, login, logout, me, orgs, admin."""

import hashlib
import json
import time
import uuid

from common import main_server
from harness import (ADMIN_EMAIL, PASSWORD, admin_token, give_credit_code, login, member,
                     problem, psql,
                     random_loopback, register, test, unique_email)


@test
def test_register_creates_owner_and_unverified_org():
    """registration creates a user who owns a new unverified organization, Chinese intact"""
    s = main_server()
    data, body = register(s, kind="research_institute", name="中铝研究院", display_name="李研究员")
    u, o = data["user"], data["organization"]
    assert u["email"] == body["email"] and u["display_name"] == "李研究员", u
    assert u["org_id"] == o["id"] and u["org_role"] == "owner" and u["platform_admin"] is False, u
    assert o["name"] == "中铝研究院" and o["kind"] == "research_institute", o
    assert o["status"] == "unverified" and o["parent_id"] is None, o
    assert "password" not in str(data) and "hash" not in str(data)


@test
def test_register_email_taken_is_409_case_insensitive():
    """an email already registered (in any letter case) is a 409"""
    s = main_server()
    _, body = register(s)
    problem(s.request("POST", "/v1/auth/register", dict(body, email=body["email"].upper())), 409)


@test
def test_register_email_with_non_ascii_capitals():
    """an email with non-ASCII capitals registers and logs in in any case"""
    s = main_server()
    email = f"Ärger-{uuid.uuid4().hex[:6]}@Zibo.example.cn"
    data, _ = register(s, email=email)
    assert data["user"]["email"] == email.lower(), data
    login(s, email.lower())
    problem(s.request("POST", "/v1/auth/register", {
        "email": email.upper(), "password": PASSWORD, "display_name": "王",
        "organization": {"name": "山东翼冠", "kind": "enterprise"}}), 409)


@test
def test_register_password_bounds():
    """passwords must be 12 to 128 characters (characters, not bytes)"""
    s = main_server()
    register(s, password="一二三四五六七八九十一二")  # 12 characters, 36 bytes
    register(s, password=("技术成果转让交易平台" + "".join(map(str, range(100))))[:128])
    for bad in ("一二三四五六七八九十一", "x" * 129):
        r = s.request("POST", "/v1/auth/register", {
            "email": unique_email(), "password": bad, "display_name": "张",
            "organization": {"name": "广西大学", "kind": "university"}})
        problem(r, 422, "password")


@test
def test_register_with_parent_organization():
    """a group unit names its parent; an unknown parent is 422 and creates nothing"""
    s = main_server()
    parent, _ = register(s, kind="enterprise", name="中铝山东有限公司")
    child, _ = register(s, kind="research_institute", name="中铝科创园",
                        parent_id=parent["organization"]["id"])
    assert child["organization"]["parent_id"] == parent["organization"]["id"]
    email = unique_email()
    r = s.request("POST", "/v1/auth/register", {
        "email": email, "password": PASSWORD, "display_name": "赵",
        "organization": {"name": "孤儿单位", "kind": "enterprise", "parent_id": str(uuid.uuid4())}})
    problem(r, 422, "organization.parent_id")
    assert psql(f"SELECT count(*) FROM users WHERE email = '{email}'") == [["0"]]
    assert psql("SELECT count(*) FROM organizations WHERE name = '孤儿单位'") == [["0"]]


@test
def test_register_refuses_mass_assignment():
    """a client cannot set status, role or admin flags: unknown fields are 422"""
    s = main_server()
    email = unique_email()
    r = s.request("POST", "/v1/auth/register", {
        "email": email, "password": PASSWORD, "display_name": "黑客", "platform_admin": True,
        "organization": {"name": "东华水泥", "kind": "enterprise", "status": "verified"}})
    p = problem(r, 422)
    assert {"platform_admin", "organization.status"} <= {e["field"] for e in p["errors"]}, p
    problem(login(s, email, expect=401), 401)


@test
def test_register_is_idempotent_with_key():
    """Idempotency-Key: a retry returns the first response; the key with another body is 422"""
    s = main_server()
    key = str(uuid.uuid4())
    body = {"email": unique_email(), "password": PASSWORD, "display_name": "孙总",
            "organization": {"name": "淄博博达", "kind": "enterprise"}}
    src = random_loopback()
    a = s.request("POST", "/v1/auth/register", body, headers={"Idempotency-Key": key}, source=src)
    b = s.request("POST", "/v1/auth/register", body, headers={"Idempotency-Key": key}, source=src)
    assert a.status == 201 and b.status == 201, (a, b)
    assert a.json() == b.json() and b.header("Idempotent-Replayed") == "true", (a, b)
    other = dict(body, display_name="别人")
    problem(s.request("POST", "/v1/auth/register", other, headers={"Idempotency-Key": key}), 422)
    assert psql(f"SELECT display_name FROM users WHERE email = '{body['email']}'") == [["孙总"]]
    # the stored key keeps no fast hash of the password
    import hashlib
    raw = json.dumps(body, ensure_ascii=False).encode()
    naive = hashlib.sha256(b"POST /v1/auth/register\n" + raw).hexdigest()
    rows = psql(f"SELECT encode(request_hash, 'hex'), response FROM idempotency_keys WHERE key = '{key}'")
    assert len(rows) == 1 and rows[0][0] != naive and PASSWORD not in rows[0][1], rows
    # a stranger who happens to pick the same key for another email is not refused
    stranger = dict(body, email=unique_email())
    r = s.request("POST", "/v1/auth/register", stranger, headers={"Idempotency-Key": key},
                  source=random_loopback())
    assert r.status == 201 and r.json()["user"]["email"] == stranger["email"], r


@test
def test_concurrent_wrong_logins_cannot_overshoot_the_limit():
    """20 wrong passwords at once for one account from one address record at most 10 failures"""
    import threading
    s = main_server()
    _, body = register(s)
    a = random_loopback()
    threads = [threading.Thread(target=lambda i=i: login(s, body["email"], f"wrong-{i:010d}",
                                                           expect=None, source=a))
               for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rows = psql(f"SELECT count(*) FROM login_failures WHERE email = '{body['email']}'")
    assert rows == [["10"]], rows


@test
def test_passwords_and_tokens_at_rest():
    """passwords are argon2id PHC strings (m>=19 MiB, t>=2); sessions keep only SHA-256 of tokens"""
    s = main_server()
    _, body = register(s)
    (h,), = psql(f"SELECT password_hash FROM users WHERE email = '{body['email']}'")
    assert h.startswith("$argon2id$v=19$m="), h
    params = dict(kv.split("=") for kv in h.split("$")[3].split(","))
    assert int(params["m"]) >= 19456 and int(params["t"]) >= 2, params
    assert PASSWORD not in h
    token = login(s, body["email"])["token"]
    assert len(token) >= 43  # 256 bits
    digest = hashlib.sha256(token.encode()).hexdigest()
    rows = psql("SELECT encode(token_hash, 'hex') FROM sessions s JOIN users u ON u.id = s.user_id"
                f" WHERE u.email = '{body['email']}'")
    assert rows == [[digest]], rows


@test
def test_login_returns_token_for_12_hours():
    """login returns a bearer token that expires in 12 hours, and the user"""
    s = main_server()
    data, body = register(s)
    r = login(s, body["email"].upper())
    assert r["user"]["id"] == data["user"]["id"], r
    exp = time.mktime(time.strptime(r["expires_at"], "%Y-%m-%dT%H:%M:%SZ")) - time.timezone
    assert abs(exp - time.time() - 12 * 3600) < 120, r["expires_at"]


@test
def test_login_same_answer_for_unknown_email_and_wrong_password():
    """a wrong password and an unknown email get the same 401"""
    s = main_server()
    _, body = register(s)
    a = problem(login(s, body["email"], "错误的口令-wrong-1", expect=401), 401)
    b = problem(login(s, unique_email(), "错误的口令-wrong-1", expect=401), 401)
    a.pop("request_id"), b.pop("request_id")
    assert a == b, (a, b)


def harness_addresses(n):
    """Distinct loopback client addresses no earlier test has used."""
    from harness import random_loopback
    return [random_loopback() for _ in range(n)]


@test
def test_login_failures_from_other_addresses_do_not_lock_the_owner_out():
    """after 10 failed logins for one account from 10 addresses, the right password succeeds
    from a fresh address and from one of them (the old per-account lockout was a bug)"""
    s = main_server()
    _, body = register(s)
    addresses = harness_addresses(11)
    for i, a in enumerate(addresses[:10]):
        login(s, body["email"], f"wrong-password-{i:04d}", expect=401, source=a)
    login(s, body["email"], PASSWORD, source=addresses[10])
    login(s, body["email"], PASSWORD, source=addresses[0])


@test
def test_login_throttled_per_client_address():
    """after 10 failed logins from one client address, that address gets 429"""
    s = main_server()
    _, body = register(s)
    a, b = harness_addresses(2)
    for i in range(10):
        login(s, unique_email("nobody"), f"wrong-password-{i:04d}", expect=401, source=a)
    r = login(s, body["email"], PASSWORD, expect=429, source=a)
    problem(r, 429)
    assert 880 <= int(r.header("Retry-After")) <= 900, r.headers
    login(s, body["email"], PASSWORD, source=b)  # another address is unaffected


@test
def test_logout_revokes_the_token():
    """logout answers 204 and the token is refused afterwards"""
    s = main_server()
    tok, user, _, _ = member(s)
    assert s.request("GET", "/v1/me", token=tok).status == 200
    r = s.request("POST", "/v1/auth/logout", token=tok)
    assert r.status == 204 and r.body == b"", r
    problem(s.request("GET", "/v1/me", token=tok), 401)
    problem(s.request("POST", "/v1/auth/logout", token=tok), 401)
    rows = psql(f"SELECT count(*) FROM audit_log WHERE action = 'session.logout' AND actor_user_id = '{user['id']}'")
    assert rows == [["1"]], rows


@test
def test_me_shows_user_org_and_roles():
    """GET /v1/me returns the user, the organization and the roles"""
    s = main_server()
    tok, user, org, _ = member(s, kind="enterprise", name="山东盛日")
    me = s.request("GET", "/v1/me", token=tok).json()
    assert me["user"]["id"] == user["id"] and me["organization"]["id"] == org["id"], me
    assert me["organization"]["name"] == "山东盛日" and me["roles"] == ["owner"], me
    admin = s.request("GET", "/v1/me", token=admin_token(s)).json()
    assert admin["roles"] == ["platform_admin"] and admin["organization"] is None, admin
    assert admin["user"]["email"] == ADMIN_EMAIL


@test
def test_protected_routes_need_a_valid_token():
    """no token, a malformed one or an unknown one is 401 with WWW-Authenticate"""
    s = main_server()
    for headers in ({}, {"Authorization": "Basic dXNlcjpwYXNz"},
                    {"Authorization": "Bearer " + "A" * 43}, {"Authorization": "Bearer"}):
        r = s.request("GET", "/v1/me", headers=headers)
        problem(r, 401)
        assert r.header("WWW-Authenticate").startswith("Bearer"), r.headers


@test
def test_public_org_profile():
    """GET /v1/orgs/{id} shows anyone the public profile only, with an ETag; else 404"""
    s = main_server()
    _, _, org, _ = member(s, kind="university", name="北京科技大学")
    r = s.request("GET", f"/v1/orgs/{org['id']}")
    assert r.status == 200, r
    assert r.json() == {"id": org["id"], "name": "北京科技大学", "kind": "university",
                        "status": "unverified", "parent_id": None, "credit_code": None,
                        "region_code": None, "legal_representative": None, "address": None,
                        "website": None, "description": None, "government_established": False,
                        "verified_at": None}, r.json()
    assert r.header("ETag"), r.headers
    problem(s.request("GET", f"/v1/orgs/{uuid.uuid4()}"), 404)
    problem(s.request("GET", "/v1/orgs/not-a-uuid"), 404)
    problem(s.request("GET", "/v1/orgs/1%27%20OR%201=1"), 404)


@test
def test_admin_verifies_organization():
    """an admin verifies an organization: 200 with a new ETag, audited once"""
    s = main_server()
    tok, _, org, _ = member(s)
    before = s.request("GET", f"/v1/orgs/{org['id']}").header("ETag")
    path = f"/v1/admin/orgs/{org['id']}/verify"
    problem(s.request("POST", path), 401)
    problem(s.request("POST", path, token=tok), 403)
    admin = admin_token(s)
    give_credit_code(s, org["id"])
    r = s.request("POST", path, token=admin)
    assert r.status == 200 and r.json()["status"] == "verified", r
    assert r.header("ETag") and r.header("ETag") != before, r.headers
    again = s.request("POST", path, token=admin)
    assert again.status == 200 and again.header("ETag") == r.header("ETag"), again
    rows = psql(f"SELECT count(*) FROM audit_log WHERE action = 'organization.verify' AND object_id = '{org['id']}'")
    assert rows == [["1"]], rows
    assert s.request("GET", "/v1/me", token=tok).json()["organization"]["status"] == "verified"
    problem(s.request("POST", f"/v1/admin/orgs/{uuid.uuid4()}/verify", token=admin), 404)


@test
def test_admin_suspends_organization_and_its_sessions_end():
    """suspension needs a reason, ends every session of the org at once, and blocks login"""
    s = main_server()
    tok, _, org, email = member(s, kind="enterprise", name="淄博大亚金属", verified=True)
    tok2 = login(s, email)["token"]
    other_tok, _, _, _ = member(s, kind="enterprise", name="山东海逸")
    admin = admin_token(s)
    path = f"/v1/admin/orgs/{org['id']}/suspend"
    problem(s.request("POST", path, {}, token=admin), 422, "reason")
    problem(s.request("POST", path, {"reason": "违规"}, token=tok), 403)
    r = s.request("POST", path, {"reason": "虚假资质材料"}, token=admin)
    assert r.status == 200 and r.json()["status"] == "suspended", r
    assert r.json()["suspended_reason"] == "虚假资质材料", r.json()
    problem(s.request("GET", "/v1/me", token=tok), 401)
    problem(s.request("GET", "/v1/me", token=tok2), 401)
    assert s.request("GET", "/v1/me", token=other_tok).status == 200
    problem(login(s, email, expect=403), 403)
    rows = psql("SELECT detail->>'reason' FROM audit_log WHERE action = 'organization.suspend'"
                f" AND object_id = '{org['id']}'")
    assert rows == [["虚假资质材料"]], rows
    # an admin can reinstate it
    r = s.request("POST", f"/v1/admin/orgs/{org['id']}/verify", token=admin)
    assert r.json()["status"] == "verified"
    login(s, email)


@test
def test_every_state_change_is_audited():
    """registration and login write audit rows in the same transaction"""
    s = main_server()
    data, body = register(s)
    login(s, body["email"])
    oid, uid = data["organization"]["id"], data["user"]["id"]
    rows = psql(f"SELECT action FROM audit_log WHERE org_id = '{oid}' ORDER BY id")
    assert [r[0] for r in rows] == ["organization.register", "session.login"], rows
    rows = psql(f"SELECT detail->>'user_id' FROM audit_log WHERE action = 'organization.register' AND object_id = '{oid}'")
    assert rows == [[uid]], rows


@test
def test_audit_log_is_append_only():
    """the database refuses UPDATE and DELETE on audit_log"""
    import subprocess
    for sql in ("UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log"):
        try:
            psql(sql)
        except subprocess.CalledProcessError as e:
            assert "append-only" in e.stderr, e.stderr
        else:
            raise AssertionError(f"{sql} was allowed")
