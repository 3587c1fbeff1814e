"""Teams: invitations by mail, joining, members, roles, ownership, leaving and removal
(API.md "Organizations and people"). Tokens are read from the mail outbox."""

import os
import re
import threading

import harness
from common import main_server
from harness import login, problem, psql, register, test, unique_email
from teams_fixtures import invite, join_by_registering, outbox_token, team


@test
def test_invitation_joins_by_registering_and_lists_members():
    """An invitation mailed to an address lets it register into the organization with the invited role; members list every role"""
    srv = main_server()
    t = team(srv)
    r = srv.request("GET", f"/v1/orgs/{t['org']}/members", token=t["member"][0])
    assert r.status == 200, r
    roles = {m["user_id"]: m["role"] for m in r.json()["data"]}
    assert roles == {t["owner"][1]: "owner", t["admin"][1]: "admin", t["member"][1]: "member"}
    names = {m["display_name"] for m in r.json()["data"]}
    assert {"王管理员", "刘发明人"} <= names
    me = srv.request("GET", "/v1/me", token=t["admin"][0]).json()
    assert me["organization"]["id"] == t["org"] and me["roles"] == ["admin"], me
    rows = psql(f"SELECT count(*) FROM events WHERE type = 'member.joined' AND org_id = '{t['org']}'")
    assert rows[0][0] == "2", rows
    # only digests are stored
    stored = psql(f"SELECT encode(token_hash, 'hex') FROM org_invitations WHERE org_id = '{t['org']}'")
    assert all(len(s[0]) == 64 for s in stored)


@test
def test_invitation_replayed_expired_or_for_another_address_is_refused():
    """An invitation token works once, for 7 days, for the address it was sent to"""
    srv = main_server()
    t = team(srv)
    email = unique_email("invitee")
    r = invite(srv, t["owner"][0], t["org"], email, "member")
    assert r.json()["role"] == "member" and r.json()["email"] == email, r.json()
    token = outbox_token(email)
    # another address
    other = unique_email("intruder")
    r = srv.request("POST", "/v1/auth/register",
                    {"email": other, "password": harness.PASSWORD, "display_name": "冒名者",
                     "invitation_token": token}, source=harness.random_loopback())
    problem(r, 403)
    # the right address joins
    r = srv.request("POST", "/v1/auth/register",
                    {"email": email, "password": harness.PASSWORD, "display_name": "赵工程师",
                     "invitation_token": token}, source=harness.random_loopback())
    assert r.status == 201, r
    # replayed
    r = srv.request("POST", "/v1/auth/register",
                    {"email": unique_email(), "password": harness.PASSWORD,
                     "display_name": "重放者", "invitation_token": token},
                    source=harness.random_loopback())
    problem(r, 410)
    # expired
    late = unique_email("late")
    invite(srv, t["owner"][0], t["org"], late)
    late_token = outbox_token(late)
    psql(f"UPDATE org_invitations SET expires_at = now() - interval '1 second' WHERE email = '{late}'")
    r = srv.request("POST", "/v1/auth/register",
                    {"email": late, "password": harness.PASSWORD, "display_name": "迟到者",
                     "invitation_token": late_token}, source=harness.random_loopback())
    problem(r, 410)
    # unknown token, and both organization and a token
    r = srv.request("POST", "/v1/auth/register",
                    {"email": unique_email(), "password": harness.PASSWORD,
                     "display_name": "猜测者", "invitation_token": "x" * 43},
                    source=harness.random_loopback())
    problem(r, 422, "invitation_token")
    r = srv.request("POST", "/v1/auth/register",
                    {"email": unique_email(), "password": harness.PASSWORD, "display_name": "两者",
                     "invitation_token": "x" * 43,
                     "organization": {"name": "某大学", "kind": "university"}},
                    source=harness.random_loopback())
    problem(r, 422, "invitation_token")
    # the invitation lasts 7 days
    rows = psql(f"SELECT expires_at - created_at = interval '7 days' FROM org_invitations"
                f" WHERE email = '{email}'")
    assert rows[0][0] == "t", rows


@test
def test_member_without_organization_accepts_an_invitation():
    """A person who left an organization joins another by accepting an invitation"""
    srv = main_server()
    a, b = team(srv), team(srv)
    tok, uid, email = a["member"]
    assert srv.request("DELETE", f"/v1/orgs/{a['org']}/members/{uid}", token=tok).status == 204
    me = srv.request("GET", "/v1/me", token=tok).json()
    assert me["organization"] is None and me["roles"] == [], me
    invite(srv, b["admin"][0], b["org"], email, "admin")
    token = outbox_token(email)
    # someone else, even without an organization, cannot take it
    r = srv.request("POST", "/v1/invitations/accept", {"token": token}, token=a["owner"][0])
    problem(r, 403)
    r = srv.request("POST", "/v1/invitations/accept", {"token": token}, token=tok)
    assert r.status == 200, r
    assert r.json()["organization_id"] == b["org"] and r.json()["member"]["role"] == "admin"
    me = srv.request("GET", "/v1/me", token=tok).json()
    assert me["organization"]["id"] == b["org"] and me["roles"] == ["admin"], me
    problem(srv.request("POST", "/v1/invitations/accept", {"token": token}, token=tok), 410)


@test
def test_concurrent_acceptances_of_one_invitation_join_once():
    """Two acceptances of one invitation at once: exactly one joins, the other is refused"""
    srv = main_server()
    a, b = team(srv), team(srv)
    tok, uid, email = a["member"]
    assert srv.request("DELETE", f"/v1/orgs/{a['org']}/members/{uid}", token=tok).status == 204
    invite(srv, b["owner"][0], b["org"], email, "member")
    token = outbox_token(email)
    results = []
    barrier = threading.Barrier(4)

    def accept():
        barrier.wait()
        results.append(srv.request("POST", "/v1/invitations/accept", {"token": token}, token=tok))

    threads = [threading.Thread(target=accept) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    statuses = sorted(r.status for r in results)
    assert statuses.count(200) == 1 and all(s in (409, 410) for s in statuses if s != 200), statuses
    rows = psql(f"SELECT count(*) FROM events WHERE type = 'member.joined' AND user_id = '{uid}'"
                f" AND org_id = '{b['org']}'")
    assert rows[0][0] == "1", rows
    # and two registrations racing on one token: one account
    email2 = unique_email("racer")
    invite(srv, b["owner"][0], b["org"], email2)
    token2 = outbox_token(email2)
    results.clear()
    barrier2 = threading.Barrier(3)

    def register_with():
        barrier2.wait()
        results.append(srv.request("POST", "/v1/auth/register",
                                   {"email": email2, "password": harness.PASSWORD,
                                    "display_name": "并发者", "invitation_token": token2},
                                   source=harness.random_loopback()))

    threads = [threading.Thread(target=register_with) for _ in range(3)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    statuses = sorted(r.status for r in results)
    assert statuses.count(201) == 1 and all(s in (409, 410) for s in statuses if s != 201), statuses


@test
def test_the_only_owner_cannot_leave_and_hands_ownership_over():
    """The only owner cannot leave, be removed or step down (409) until ownership is handed over"""
    srv = main_server()
    t = team(srv)
    org, (otok, oid, _), (atok, aid, _), (mtok, mid, _) = t["org"], t["owner"], t["admin"], t["member"]
    problem(srv.request("DELETE", f"/v1/orgs/{org}/members/{oid}", token=otok), 409)
    problem(srv.request("DELETE", f"/v1/orgs/{org}/members/{oid}", token=atok), 409)
    problem(srv.request("PATCH", f"/v1/orgs/{org}/members/{oid}", {"role": "admin"}, token=otok), 409)
    # an admin cannot hand ownership over, nor change roles
    problem(srv.request("PATCH", f"/v1/orgs/{org}/members/{mid}", {"role": "owner"}, token=atok), 403)
    r = srv.request("PATCH", f"/v1/orgs/{org}/members/{mid}", {"role": "owner"}, token=otok)
    assert r.status == 200 and r.json()["role"] == "owner", r
    roles = {m["user_id"]: m["role"] for m in
             srv.request("GET", f"/v1/orgs/{org}/members", token=otok).json()["data"]}
    assert roles == {oid: "admin", aid: "admin", mid: "owner"}, roles
    # the new owner decides; the old one may now leave
    problem(srv.request("PATCH", f"/v1/orgs/{org}/members/{aid}", {"role": "member"}, token=otok), 403)
    assert srv.request("DELETE", f"/v1/orgs/{org}/members/{oid}", token=otok).status == 204
    assert psql(f"SELECT count(*) FROM users WHERE org_id = '{org}' AND org_role = 'owner'")[0][0] == "1"


@test
def test_a_removed_member_loses_the_organization_at_once():
    """A removed member's session keeps working for them but no longer for the organization"""
    srv = main_server()
    t = team(srv, verified=True)
    org, (atok, _, _), (mtok, mid, _) = t["org"], t["admin"], t["member"]
    assert srv.request("GET", f"/v1/orgs/{org}/members", token=mtok).status == 200
    assert srv.request("DELETE", f"/v1/orgs/{org}/members/{mid}", token=atok).status == 204
    me = srv.request("GET", "/v1/me", token=mtok)
    assert me.status == 200 and me.json()["organization"] is None, me
    problem(srv.request("GET", f"/v1/orgs/{org}/members", token=mtok), 404)
    problem(srv.request("GET", f"/v1/orgs/{org}/statement", token=mtok), 404)
    problem(srv.request("POST", f"/v1/orgs/{org}/invitations", {"email": unique_email(), "role": "member"},
                        token=mtok), 404)
    r = srv.request("POST", "/v1/listings", {"kind": "process", "title": "赤泥探针"}, token=mtok)
    problem(r, 403)
    for path in ("/v1/contracts", "/v1/bids?role=sent"):
        assert srv.request("GET", path, token=mtok).status in (200, 403), path
    # nobody leaves twice; and an admin does not remove another admin
    problem(srv.request("DELETE", f"/v1/orgs/{org}/members/{mid}", token=atok), 404)
    other_admin = join_by_registering(srv, org, t["owner"][0], "admin", "孙管理员")
    problem(srv.request("DELETE", f"/v1/orgs/{org}/members/{other_admin[1]}", token=atok), 403)


ROLES_C = os.path.join(harness.ROOT, "modules", "accounts", "roles.c")


def permission_table():
    """roles.c's table: {action name: {role: allowed}}."""
    rows = re.findall(r'\{ORG_[A-Z_]+,\s*"([a-z_]+)",\s*(true|false),\s*(true|false),\s*(true|false)\}',
                      open(ROLES_C, encoding="utf-8").read())
    assert len(rows) >= 10, rows
    return {name: {"owner": o == "true", "admin": a == "true", "member": m == "true"}
            for name, o, a, m in rows}


@test
def test_each_role_gets_what_the_permission_table_says():
    """Every role (owner, admin, member) is allowed or refused each team action as roles.c's table says"""
    srv = main_server()
    table = permission_table()
    for role in ("owner", "admin", "member"):
        t = team(srv, verified=True)
        org, tok = t["org"], t[role][0]
        # a fresh member to act on
        target = join_by_registering(srv, org, t["owner"][0], "member", "周探针")

        def allowed(status):
            return status not in (403, 404)

        probes = {
            "invite": lambda: srv.request("POST", f"/v1/orgs/{org}/invitations",
                                          {"email": unique_email(), "role": "member"}, token=tok),
            "view_members": lambda: srv.request("GET", f"/v1/orgs/{org}/members", token=tok),
            "change_role": lambda: srv.request("PATCH", f"/v1/orgs/{org}/members/{target[1]}",
                                               {"role": "admin"}, token=tok),
            "edit_profile": lambda: srv.request("PATCH", f"/v1/orgs/{org}",
                                                {"description": "权限表探针"}, token=tok),
            "trade": lambda: srv.request("POST", "/v1/listings",
                                         {"kind": "process", "title": "赤泥探针"}, token=tok),
            "remove_member": lambda: srv.request("DELETE", f"/v1/orgs/{org}/members/{target[1]}",
                                                 token=tok),
        }
        for action, probe in probes.items():
            r = probe()
            assert allowed(r.status) == table[action][role], (role, action, r)
        r = srv.request("DELETE", f"/v1/orgs/{org}/members/{t[role][1]}", token=tok)
        assert (r.status == 204) == (table["leave"][role] and role != "owner"), (role, r)


@test
def test_demo_team_has_three_members_an_inventor_with_earnings_and_pending_invitations():
    """seed-demo gives 山东理工大学 an owner, an admin and an inventor who earns from a licence, and pending invitations in `techex mail list`"""
    from harness import techex
    assert techex("seed-demo").returncode == 0
    assert techex("seed-demo").returncode == 0  # twice: nothing twice
    srv = main_server()
    pw = "techex-demo-2026"
    owner = login(srv, "sdut@demo.techex.example", pw)["token"]
    inventor = login(srv, "liuchang@sdut.demo.techex.example", pw)["token"]
    org = srv.request("GET", "/v1/me", token=owner).json()["organization"]["id"]
    members = srv.request("GET", f"/v1/orgs/{org}/members", token=inventor).json()["data"]
    assert sorted(m["role"] for m in members) == ["admin", "member", "owner"], members
    e = srv.request("GET", "/v1/me/earnings", token=inventor).json()
    assert e["data"] and all(x["beneficiary"] == "刘畅" for x in e["data"]), e
    assert e["totals"]["amount_fen"] > 0, e
    assert srv.request("GET", "/v1/me/earnings", token=owner).json()["data"] == []
    pending = srv.request("GET", f"/v1/orgs/{org}/invitations", token=owner).json()["data"]
    assert {p["email"] for p in pending} >= {"wangjianguo@sdut.demo.techex.example",
                                             "finance@sdut.demo.techex.example"}, pending
    p = techex("mail", "list")
    assert "wangjianguo@sdut.demo.techex.example" in p.stdout and "token=" in p.stdout
    assert psql("SELECT count(*) FROM org_invitations WHERE email = 'finance@sdut.demo.techex.example'") == [["1"]]
    c = techex("check")
    assert c.returncode == 0, c.stdout[-2000:]
