"""Events and the inbox (API.md "Notifications and webhooks"): every state change of this
part's catalogue records its event in the same transaction, for the organizations it
concerns and no other; the inbox pages them newest first, counts the unread ones on
GET /v1/me and marks them read per user."""

import time

from common import main_server
from deal_fixtures import NEGOTIABLE, deal, enterprise, get, publish, sign, university
from harness import admin_token, member, problem, psql, test, verify_org
from test_notices import agreed_deal, decide, object_to, publish_notice, close_window
from test_revenue import active_contract, pay, report


def s():
    return main_server()


def events_of(key, value):
    """(type, org_id) of every event whose data names value under key, in order."""
    return [(t, o) for t, o in psql(
        f"SELECT type, coalesce(org_id::text, '') FROM events WHERE data->>'{key}' = '{value}'"
        f" ORDER BY id")]


def types_for(rows, org_id):
    return [t for t, o in rows if o == org_id]


def inbox(tok, query=""):
    r = s().request("GET", "/v1/notifications" + query, token=tok)
    assert r.status == 200, r
    return r.json()


def post(tok, path, body=None, expect=200):
    r = s().request("POST", path, body, token=tok)
    assert r.status == expect, r
    return r.json() if r.body else None


@test
def test_listing_moderation_records_events_for_its_organization_only():
    """listing.approved and listing.rejected (with the reason) go to the listing's organization and to no one else"""
    owner = university("鲁中赤泥理工学院")
    stranger = enterprise("淄博旁观者建材有限公司")
    approved = publish(owner[0])
    rows = events_of("listing_id", approved["id"])
    # a published listing may also match open needs of other tests' organizations: those
    # get need.matched (test_matching.py), never the stranger
    assert ("need.matched", stranger[2]["id"]) not in rows, rows
    rows = [row for row in rows if row[0] != "need.matched"]
    assert rows == [("listing.approved", owner[2]["id"])], rows
    r = s().request("POST", "/v1/listings", dict(NEGOTIABLE, title="赤泥基透水砖制备工艺（待补充）"),
                    token=owner[0])
    lid = r.json()["id"]
    post(owner[0], f"/v1/listings/{lid}/submit")
    post(admin_token(s()), f"/v1/admin/listings/{lid}/reject", {"reason": "请补充中试数据"})
    rows = events_of("listing_id", lid)
    assert rows == [("listing.rejected", owner[2]["id"])], rows
    mine = inbox(owner[0])["data"]
    rejected = [e for e in mine if e["type"] == "listing.rejected"][0]
    assert rejected["data"] == {"listing_id": lid, "reason": "请补充中试数据"}, rejected
    assert rejected["org_id"] == owner[2]["id"] and isinstance(rejected["id"], str)
    assert rejected["created_at"].endswith("Z") and rejected["read"] is False
    assert not [e for e in inbox(stranger[0], "?limit=100")["data"]
                if e["data"].get("listing_id") in (lid, approved["id"])]


@test
def test_org_verification_records_org_verified_for_that_organization():
    """org.verified goes to the verified organization alone, and a refused action records nothing"""
    tok, user, org, _ = member(s(), kind="research_institute", name="中铝研究院赤泥所")
    assert events_of("org_id", org["id"]) == []
    verify_org(s(), org["id"])
    assert events_of("org_id", org["id"]) == [("org.verified", org["id"])]
    # verifying again is refused or idempotent: either way no second event
    s().request("POST", f"/v1/admin/orgs/{org['id']}/verify", token=admin_token(s()))
    assert events_of("org_id", org["id"]) == [("org.verified", org["id"])]
    assert [e["type"] for e in inbox(tok)["data"]] == ["org.verified"]


@test
def test_contract_and_revenue_actions_record_events_for_both_parties():
    """contract.drafted/signed/activated/terminated, royalty_report.submitted, payment.reported/confirmed/disputed and dispute.opened/resolved go to both parties and to no third organization"""
    seller, buyer, c = active_contract()
    cid = c["id"]
    u, e = seller[2]["id"], buyer[2]["id"]
    rep = report(buyer[0], cid, "2025-01-01", "2025-03-31", 100000000)
    p1 = pay(buyer[0], cid, 3000000)
    post(seller[0], f"/v1/payments/{p1['id']}/confirm")
    p2 = pay(buyer[0], cid, 2000000, reference="工行转账 2025-0501")
    post(seller[0], f"/v1/payments/{p2['id']}/dispute", {"reason": "未收到该笔款项"})
    d = post(buyer[0], f"/v1/contracts/{cid}/disputes",
             {"subject": "赤泥路基材料质量争议", "message": "第二批材料强度不达标。"}, expect=201)
    post(admin_token(s()), f"/v1/admin/disputes/{d['id']}/resolve",
         {"outcome": "settled", "reason": "双方协商一致"})
    post(buyer[0], f"/v1/contracts/{cid}/terminate", {"reason": "双方协商一致解除"})
    rows = events_of("contract_id", cid)
    expected = ["contract.drafted", "contract.signed", "contract.signed", "contract.activated",
                "royalty_report.submitted", "payment.reported", "payment.confirmed",
                "payment.reported", "payment.disputed", "dispute.opened", "dispute.resolved",
                "contract.terminated"]
    assert types_for(rows, u) == expected, rows
    assert types_for(rows, e) == expected, rows
    assert {o for _, o in rows} == {u, e}, rows
    by_type = {}
    for ev in inbox(seller[0], "?limit=100")["data"]:
        if ev["data"].get("contract_id") == cid:
            by_type.setdefault(ev["type"], []).append(ev["data"])
    assert by_type["royalty_report.submitted"][0]["royalty_report_id"] == rep["id"]
    assert by_type["royalty_report.submitted"][0]["royalty_due_fen"] == rep["royalty_due_fen"]
    assert by_type["payment.confirmed"][0] == {"contract_id": cid, "payment_id": p1["id"],
                                               "amount_fen": 3000000}
    assert by_type["payment.disputed"][0]["payment_id"] == p2["id"]
    assert by_type["dispute.resolved"][0] == {"contract_id": cid, "dispute_id": d["id"],
                                              "outcome": "settled"}
    assert sorted(x["party"] for x in by_type["contract.signed"]) == ["licensee", "licensor"]
    assert by_type["contract.terminated"][0]["reason"] == "双方协商一致解除"
    # thin payloads: ids and key fields, never whole objects
    for evs in by_type.values():
        for data in evs:
            assert "terms" not in data and "subject" not in data, data
    third = enterprise("淄博东大环保有限公司")
    assert not [x for x in inbox(third[0], "?limit=100")["data"]
                if x["data"].get("contract_id") == cid]


@test
def test_a_failed_action_records_no_event():
    """a signature refused (wrong digest) records no contract.signed: the event is in the action's transaction"""
    seller, buyer, listing, b, contract = deal()
    r = s().request("POST", f"/v1/contracts/{contract['id']}/sign", {"digest": "0" * 64},
                    token=buyer[0])
    assert r.status in (409, 422), r
    assert [t for t, _ in events_of("contract_id", contract["id"])] == ["contract.drafted"] * 2


@test
def test_notice_events_go_to_both_parties_not_to_the_objector():
    """notice.opened, notice.objection_filed and notice.closed (upheld, withdrawn, or clean by time, announced by the courier) go to the two parties"""
    seller, buyer, listing, contract = agreed_deal()
    u, e = seller[2]["id"], buyer[2]["id"]
    nid = publish_notice(seller[0], contract["id"]).json()["id"]
    objector = enterprise("淄博博达环保有限公司")
    o = object_to(objector[0], nid)
    decide(seller[0], o["id"], "upheld", reason="经核查，异议成立。")
    rows = events_of("notice_id", nid)
    for org in (u, e):
        assert types_for(rows, org) == ["notice.opened", "notice.objection_filed",
                                        "notice.closed"], rows
    assert objector[2]["id"] not in {o_ for _, o_ in rows}
    closed = [x for x in inbox(buyer[0], "?limit=100")["data"]
              if x["type"] == "notice.closed" and x["data"]["notice_id"] == nid]
    assert closed[0]["data"]["outcome"] == "closed_upheld", closed
    assert "contract.terminated" in [t for t, _ in events_of("contract_id", contract["id"])]

    # withdrawn: the contract is terminated while its notice runs
    seller2, buyer2, _, contract2 = agreed_deal()
    nid2 = publish_notice(seller2[0], contract2["id"]).json()["id"]
    post(buyer2[0], f"/v1/contracts/{contract2['id']}/terminate", {"reason": "买方放弃"})
    outcomes = [x["data"]["outcome"] for x in inbox(seller2[0], "?limit=100")["data"]
                if x["type"] == "notice.closed" and x["data"]["notice_id"] == nid2]
    assert outcomes == ["withdrawn"], outcomes

    # clean: the window passes with no objection; the courier announces it once
    seller3, buyer3, _, contract3 = agreed_deal(mode="non_exclusive_license")
    nid3 = publish_notice(seller3[0], contract3["id"]).json()["id"]
    close_window(nid3)
    deadline = time.time() + 20
    while time.time() < deadline and not [t for t, _ in events_of("notice_id", nid3)
                                          if t == "notice.closed"]:
        time.sleep(0.5)
    rows = events_of("notice_id", nid3)
    assert sorted(rows) == sorted([("notice.opened", seller3[2]["id"]),
                                   ("notice.opened", buyer3[2]["id"]),
                                   ("notice.closed", seller3[2]["id"]),
                                   ("notice.closed", buyer3[2]["id"])]), rows
    time.sleep(1)
    assert len(events_of("notice_id", nid3)) == 4


@test
def test_inbox_pages_newest_first_counts_unread_and_marks_read_per_user():
    """GET /v1/notifications pages newest first with ?unread=true, /v1/me counts unread_notifications, POST /v1/notifications/read {up_to} marks that one and older read for this user only"""
    tok, user, org, email = member(s(), kind="university", name="山东理工大学赤泥研究中心")
    assert get(tok, "/v1/me").json()["unread_notifications"] == 0
    verify_org(s(), org["id"])
    for i in range(4):
        publish(tok, dict(NEGOTIABLE, title=f"赤泥综合利用技术第{i + 1}号"))
    # a personal event (one addressed to this user alone) shows too
    psql(f"INSERT INTO events (type, user_id, data) VALUES ('member.joined', '{user['id']}',"
         f" '{{\"org_id\": \"{org['id']}\"}}')")
    me = get(tok, "/v1/me").json()
    assert me["unread_notifications"] == 6, me
    page1 = inbox(tok, "?limit=4")
    assert len(page1["data"]) == 4 and page1["next_cursor"]
    page2 = inbox(tok, f"?limit=4&cursor={page1['next_cursor']}")
    assert len(page2["data"]) == 2 and page2["next_cursor"] is None
    everything = page1["data"] + page2["data"]
    ids = [int(e["id"]) for e in everything]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 6
    assert everything[0]["type"] == "member.joined" and everything[0]["user_id"] == user["id"]
    assert everything[-1]["type"] == "org.verified"
    # mark the third newest and everything older read
    r = s().request("POST", "/v1/notifications/read", {"up_to": everything[2]["id"]}, token=tok)
    assert r.status == 204 and r.body == b"", r
    assert get(tok, "/v1/me").json()["unread_notifications"] == 2
    unread = inbox(tok, "?unread=true")["data"]
    assert [e["id"] for e in unread] == [everything[0]["id"], everything[1]["id"]]
    assert [e["read"] for e in inbox(tok)["data"]] == [False, False, True, True, True, True]
    # the mark never moves back
    r = s().request("POST", "/v1/notifications/read", {"up_to": everything[5]["id"]}, token=tok)
    assert r.status == 204
    assert get(tok, "/v1/me").json()["unread_notifications"] == 2
    # bad marks: not an id, another organization's event
    problem(s().request("POST", "/v1/notifications/read", {"up_to": "abc"}, token=tok), 422,
            "up_to")
    problem(s().request("POST", "/v1/notifications/read", {}, token=tok), 422, "up_to")
    other = member(s(), kind="enterprise", name="山东海逸恒安环保科技有限公司")
    problem(s().request("POST", "/v1/notifications/read", {"up_to": everything[0]["id"]},
                        token=other[0]), 422, "up_to")
    problem(s().request("GET", "/v1/notifications?unread=maybe", token=tok), 422, "unread")
    problem(s().request("GET", "/v1/notifications?cursor=zzz", token=tok), 422, "cursor")
    assert s().request("GET", "/v1/notifications").status == 401
    # another member of the organization keeps its own marks
    psql(f"INSERT INTO users (email, password_hash, display_name, org_id, org_role)"
         f" SELECT 'member-' || md5(random()::text) || '@sdut.edu.cn', password_hash, '李工',"
         f" org_id, 'member' FROM users WHERE id = '{user['id']}'")
    assert get(tok, "/v1/me").json()["unread_notifications"] == 2
    rows = psql(f"SELECT email FROM users WHERE org_id = '{org['id']}' AND org_role = 'member'")
    from harness import login
    mate = login(s(), rows[0][0])["token"]
    assert get(mate, "/v1/me").json()["unread_notifications"] == 5  # not the personal one
