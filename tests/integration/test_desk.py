"""The admins' deal desk: holds on contracts, contract disputes with their thread, the
settling of a disputed payment, and GET /v1/admin/deals; races of a signature against a
hold and of the licensor's confirm against an admin's resolve."""

import json
import threading
import uuid

from common import main_server
from deal_fixtures import audit_actions, deal, get, patch_contract, sign
from harness import admin_token, member, problem, psql, test
from test_revenue import active_contract, pay, report

KEY = "dispute-" + uuid.uuid4().hex
HOLD_REASON = "淄博技术市场：收到对本合同定价的实名举报，暂停签署待核查"
RELEASE_REASON = "核查完毕，举报不成立，恢复合同"


def s():
    return main_server()


def admin():
    return admin_token(s())


def post(tok, path, body=None, expect=200, headers=None):
    r = s().request("POST", path, body, token=tok, headers=headers)
    assert r.status == expect, r
    return r


def hold(cid, reason=HOLD_REASON, expect=200):
    return post(admin(), f"/v1/admin/contracts/{cid}/hold", {"reason": reason}, expect)


def release(cid, reason=RELEASE_REASON, expect=200):
    return post(admin(), f"/v1/admin/contracts/{cid}/release", {"reason": reason}, expect)


def dispute_payment(tok, pid, reason="未收到该笔款项，银行流水无此记录"):
    return post(tok, f"/v1/payments/{pid}/dispute", {"reason": reason}).json()


def audit_rows(object_id):
    return psql("SELECT action, detail->>'reason', actor_user_id FROM audit_log"
                f" WHERE object_id = '{object_id}' ORDER BY id")


def ledger_of(pid):
    return psql(f"SELECT count(*), coalesce(sum(amount_fen), 0) FROM ledger_entries"
                f" WHERE payment_id = '{pid}'")[0]


# ---- holds ------------------------------------------------------------------------

@test
def test_hold_stops_signatures_until_released():
    """A held draft carries hold {reason, since} and refuses signatures (409 contract-on-hold) until released"""
    seller, buyer, listing, b, c = deal()
    patch_contract(seller[0], c, {"terms": {"term_start": "2025-01-01", "term_end": "2029-12-31"}})
    before = get(seller[0], f"/v1/contracts/{c['id']}")
    assert before.json()["hold"] is None, before
    r = hold(c["id"])
    held = r.json()
    assert held["hold"]["reason"] == HOLD_REASON and held["hold"]["since"].endswith("Z"), held
    assert held["status"] == "draft", held
    assert r.header("ETag") != before.header("ETag"), "a hold changes the contract's ETag"
    # both parties see the hold; nobody signs while it lasts
    assert get(buyer[0], f"/v1/contracts/{c['id']}").json()["hold"]["reason"] == HOLD_REASON
    digest = held["digest"]
    for tok in (seller[0], buyer[0]):
        r = s().request("POST", f"/v1/contracts/{c['id']}/sign", {"digest": digest}, token=tok)
        assert problem(r, 409)["type"].endswith("contract-on-hold"), r
    assert get(seller[0], f"/v1/contracts/{c['id']}").json()["signatures"] == []
    # a held contract is not held again
    assert problem(hold(c["id"], "再次暂停", expect=409), 409)["type"].endswith("contract-on-hold")
    released = release(c["id"]).json()
    assert released["hold"] is None, released
    assert problem(release(c["id"], expect=409), 409)["type"].endswith("contract-not-held")
    sign(seller[0], c["id"])
    assert sign(buyer[0], c["id"])["status"] == "active"
    rows = audit_rows(c["id"])
    acts = [row[0] for row in rows]
    assert "contract.hold" in acts and "contract.release" in acts, acts
    assert [row[1] for row in rows if row[0] == "contract.hold"] == [HOLD_REASON], rows
    assert [row[1] for row in rows if row[0] == "contract.release"] == [RELEASE_REASON], rows
    history = psql("SELECT reason, release_reason FROM contract_holds"
                   f" WHERE contract_id = '{c['id']}'")
    assert history == [[HOLD_REASON, RELEASE_REASON]], history


@test
def test_hold_stops_royalty_reports_and_payments():
    """A held active contract refuses royalty reports and payments (409 contract-on-hold); released, it takes them again"""
    seller, buyer, c = active_contract()
    pid = pay(buyer[0], c["id"], 1234500)["id"]
    hold(c["id"])
    r = s().request("POST", f"/v1/contracts/{c['id']}/royalty-reports",
                    {"period_start": "2025-01-01", "period_end": "2025-03-31",
                     "gross_sales_fen": 8800000, "waste_utilized_tonnes": 1200}, token=buyer[0])
    assert problem(r, 409)["type"].endswith("contract-on-hold"), r
    r = s().request("POST", f"/v1/contracts/{c['id']}/payments",
                    {"amount_fen": 500000, "kind": "royalty", "paid_at": "2025-05-01",
                     "reference": "农行转账·暂停期间"}, token=buyer[0])
    assert problem(r, 409)["type"].endswith("contract-on-hold"), r
    n = psql(f"SELECT count(*) FROM payments WHERE contract_id = '{c['id']}'")[0][0]
    assert n == "1", n
    # what was paid before the hold is still the licensor's to confirm
    assert post(seller[0], f"/v1/payments/{pid}/confirm").json()["status"] == "confirmed"
    release(c["id"])
    report(buyer[0], c["id"], "2025-01-01", "2025-03-31", 8800000)
    pay(buyer[0], c["id"], 500000, reference="农行转账·恢复之后")


@test
def test_hold_and_release_rules():
    """Hold and release: platform admins only, a reason required, no hold on a terminated contract"""
    seller, buyer, listing, b, c = deal()
    cid = c["id"]
    for body, field in (({}, "reason"), ({"reason": ""}, "reason"),
                        ({"reason": "暂停", "extra": 1}, "extra")):
        problem(post(admin(), f"/v1/admin/contracts/{cid}/hold", body, 422), 422, field)
    problem(post(admin(), f"/v1/admin/contracts/{cid}/hold", None, 400), 400)
    assert get(seller[0], f"/v1/contracts/{cid}").json()["hold"] is None
    for tok in (seller[0], buyer[0]):
        problem(post(tok, f"/v1/admin/contracts/{cid}/hold", {"reason": "自行暂停"}, 403), 403)
    problem(post(None, f"/v1/admin/contracts/{cid}/hold", {"reason": "匿名暂停"}, 401), 401)
    problem(post(admin(), "/v1/admin/contracts/00000000-0000-4000-8000-000000000000/hold",
                 {"reason": "不存在的合同"}, 404), 404)
    hold(cid)
    for tok in (seller[0], buyer[0]):
        problem(post(tok, f"/v1/admin/contracts/{cid}/release", {"reason": "自行恢复"}, 403), 403)
    problem(post(admin(), f"/v1/admin/contracts/{cid}/release", {}, 422), 422, "reason")
    assert get(seller[0], f"/v1/contracts/{cid}").json()["hold"] is not None
    # a hold does not stop termination; the terminated contract's hold can still be released
    post(seller[0], f"/v1/contracts/{cid}/terminate", {"reason": "双方协商终止"})
    release(cid)
    p = problem(hold(cid, expect=409), 409)
    assert p["type"].endswith("invalid-state"), p
    assert [a for a in audit_actions(cid) if a.startswith("contract.h") or
            a.startswith("contract.r")] == ["contract.hold", "contract.release"]


@test
def test_sign_racing_hold_one_wins_consistently():
    """A signature racing a hold: the contract's row lock orders them, and the result matches the order"""
    outcomes = set()
    for _ in range(6):
        seller, buyer, listing, b, c = deal()
        cid = c["id"]
        patch_contract(seller[0], c, {"terms": {"term_start": "2025-01-01",
                                                "term_end": "2029-12-31"}})
        sign(seller[0], cid)
        digest = get(buyer[0], f"/v1/contracts/{cid}").json()["digest"]
        atok = admin()
        start = threading.Barrier(2)
        got = {}

        def go(name, path, body, tok):
            conn = s().connection()
            start.wait()
            conn.request("POST", path, json.dumps(body).encode(),
                         headers={"Authorization": f"Bearer {tok}",
                                  "Content-Type": "application/json"})
            resp = conn.getresponse()
            got[name] = (resp.status, resp.read())
            conn.close()

        threads = [threading.Thread(target=go, args=("sign", f"/v1/contracts/{cid}/sign",
                                                      {"digest": digest}, buyer[0])),
                   threading.Thread(target=go, args=("hold", f"/v1/admin/contracts/{cid}/hold",
                                                      {"reason": HOLD_REASON}, atok))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert got["hold"][0] == 200, got  # a signed or active contract is held all the same
        now = get(seller[0], f"/v1/contracts/{cid}").json()
        assert now["hold"] is not None, now
        order = [row[0] for row in psql(
            "SELECT action FROM audit_log WHERE object_id = '" + cid + "'"
            " AND action IN ('contract.sign', 'contract.hold') ORDER BY id")]
        if got["sign"][0] == 200:
            outcomes.add("sign first")
            assert now["status"] == "active" and len(now["signatures"]) == 2, now
            assert order == ["contract.sign", "contract.sign", "contract.hold"], order
        else:
            outcomes.add("hold first")
            assert got["sign"][0] == 409 and b"contract-on-hold" in got["sign"][1], got
            assert now["status"] == "signed_by_licensor" and len(now["signatures"]) == 1, now
            assert order == ["contract.sign", "contract.hold"], order
    print(f"    sign racing hold, winners seen: {sorted(outcomes)}")


# ---- disputes ---------------------------------------------------------------------

def open_dispute(tok, cid, subject="赤泥路基材料质量争议", message="第二批路基材料7天无侧限抗压强度不达标。",
                 expect=201, key=None):
    return post(tok, f"/v1/contracts/{cid}/disputes", {"subject": subject, "message": message},
                expect, headers={"Idempotency-Key": key} if key else None)


@test
def test_dispute_thread_and_resolution():
    """A party opens a dispute (201 open, idempotent), both parties and admins write to its thread, an admin resolves it and the thread closes"""
    seller, buyer, c = active_contract()
    cid = c["id"]
    r = open_dispute(buyer[0], cid, key=KEY)
    d = r.json()
    assert d["status"] == "open" and d["contract_id"] == cid and d["outcome"] is None, d
    assert r.header("Location") == f"/v1/disputes/{d['id']}", r.headers
    assert [m["author_role"] for m in d["messages"]] == ["licensee"], d
    assert d["messages"][0]["body"] == "第二批路基材料7天无侧限抗压强度不达标。", d
    assert d["opened_by_org_id"] == buyer[2]["id"], d
    again = open_dispute(buyer[0], cid, key=KEY).json()
    assert again["id"] == d["id"], again
    problem(open_dispute(buyer[0], cid, subject="另一个主题", key=KEY, expect=422), 422)
    n = psql(f"SELECT count(*) FROM disputes WHERE contract_id = '{cid}'")[0][0]
    assert n == "1", n

    m = post(seller[0], f"/v1/disputes/{d['id']}/messages",
             {"body": "我方检测报告显示强度合格，附第三方检测编号 ZB-2025-0417。"}, 201).json()
    assert m["author_role"] == "licensor" and m["author_org_id"] == seller[2]["id"], m
    m = post(admin(), f"/v1/disputes/{d['id']}/messages",
             {"body": "平台已调取双方检测报告，请于五个工作日内补充材料。"}, 201).json()
    assert m["author_role"] == "platform_admin" and m["author_org_id"] is None, m
    thread = get(buyer[0], f"/v1/disputes/{d['id']}").json()["messages"]
    assert [x["author_role"] for x in thread] == ["licensee", "licensor", "platform_admin"], thread
    problem(post(buyer[0], f"/v1/disputes/{d['id']}/messages", {"body": ""}, 422), 422, "body")
    problem(post(buyer[0], f"/v1/disputes/{d['id']}/messages", {}, 422), 422, "body")

    listed = get(seller[0], f"/v1/contracts/{cid}/disputes").json()
    assert [x["id"] for x in listed["data"]] == [d["id"]] and listed["next_cursor"] is None
    assert get(admin(), f"/v1/contracts/{cid}/disputes?status=open").json()["data"]
    problem(s().request("GET", f"/v1/contracts/{cid}/disputes?status=closed",
                        token=seller[0]), 422, "status")

    path = f"/v1/admin/disputes/{d['id']}/resolve"
    problem(post(admin(), path, {"outcome": "upheld_licensor"}, 422), 422, "reason")
    problem(post(admin(), path, {"outcome": "双方和解", "reason": "和解"}, 422), 422, "outcome")
    problem(post(seller[0], path, {"outcome": "upheld_licensor", "reason": "自己裁决"}, 403), 403)
    done = post(admin(), path, {"outcome": "settled",
                                "reason": "双方同意第二批降价百分之五结算"}).json()
    assert done["status"] == "resolved" and done["outcome"] == "settled", done
    assert done["resolution_reason"] == "双方同意第二批降价百分之五结算", done
    assert len(done["messages"]) == 3, done
    p = problem(post(buyer[0], f"/v1/disputes/{d['id']}/messages", {"body": "不服"}, 409), 409)
    assert p["type"].endswith("invalid-state"), p
    problem(post(admin(), f"/v1/disputes/{d['id']}/messages", {"body": "补充"}, 409), 409)
    problem(post(admin(), path, {"outcome": "withdrawn", "reason": "再次裁决"}, 409), 409)
    rows = audit_rows(d["id"])
    assert [row[0] for row in rows] == ["dispute.open", "dispute.message", "dispute.message",
                                        "dispute.resolve"], rows
    assert rows[-1][1] == "双方同意第二批降价百分之五结算", rows


@test
def test_disputes_are_the_parties_and_admins_only():
    """Only a member of a party opens a dispute; a third organization sees none of it (404), an admin reads but does not open"""
    seller, buyer, c = active_contract()
    cid = c["id"]
    d = open_dispute(seller[0], cid, subject="许可费支付争议").json()
    assert d["messages"][0]["author_role"] == "licensor"
    third = member(s(), kind="enterprise", name="淄博旁观者环保科技有限公司", verified=True)
    problem(open_dispute(third[0], cid, expect=404), 404)
    problem(s().request("GET", f"/v1/contracts/{cid}/disputes", token=third[0]), 404)
    r = s().request("GET", f"/v1/disputes/{d['id']}", token=third[0])
    problem(r, 404)
    assert "许可费支付争议".encode() not in r.body
    problem(post(third[0], f"/v1/disputes/{d['id']}/messages", {"body": "插话"}, 404), 404)
    problem(open_dispute(admin(), cid, expect=403), 403)
    assert get(admin(), f"/v1/disputes/{d['id']}").json()["subject"] == "许可费支付争议"
    problem(s().request("GET", f"/v1/disputes/{d['id']}"), 401)
    problem(open_dispute(buyer[0], cid, subject="", expect=422), 422, "subject")
    problem(open_dispute(buyer[0], cid, message="", expect=422), 422, "message")


# ---- payment resolve ----------------------------------------------------------------

@test
def test_admin_resolves_a_disputed_payment():
    """An admin confirms a disputed payment into the ledger exactly as the licensor would, or voids it with no entries"""
    seller, buyer, c = active_contract(plan=[
        {"beneficiary": "诸葛赤泥", "role": "inventor", "share_bp": 3333},
        {"beneficiary": "欧阳路基", "role": "inventor", "share_bp": 3334},
        {"beneficiary": "山东理工大学", "role": "institution", "share_bp": 3333}])
    cid = c["id"]
    p1 = pay(buyer[0], cid, 1000001, reference="工行转账·争议甲")["id"]
    p2 = pay(buyer[0], cid, 2000003, reference="工行转账·争议乙")["id"]
    p3 = pay(buyer[0], cid, 3000005, reference="工行转账·未争议")["id"]
    for pid in (p1, p2):
        dispute_payment(seller[0], pid)
    path = "/v1/admin/payments/{}/resolve"
    problem(post(admin(), path.format(p1), {"outcome": "confirm"}, 422), 422, "reason")
    problem(post(admin(), path.format(p1), {"outcome": "refund", "reason": "退款"}, 422), 422,
            "outcome")
    problem(post(seller[0], path.format(p1), {"outcome": "confirm", "reason": "确认"}, 403), 403)
    problem(post(admin(), path.format(p3), {"outcome": "void", "reason": "作废"}, 409), 409)
    done = post(admin(), path.format(p1), {"outcome": "confirm",
                                           "reason": "银行回单核实到账"}).json()
    assert done["status"] == "confirmed" and done["resolution_reason"] == "银行回单核实到账"
    assert sum(e["amount_fen"] for e in done["split"]) == 1000001, done
    # the same split the licensor's own confirm books
    own = post(seller[0], f"/v1/payments/{p3}/confirm").json()
    assert [(e["beneficiary"], e["share_bp"]) for e in own["split"]] == \
        [(e["beneficiary"], e["share_bp"]) for e in done["split"]]
    voided = post(admin(), path.format(p2), {"outcome": "void",
                                             "reason": "重复登记，款项不存在"}).json()
    assert voided["status"] == "voided" and voided["split"] is None, voided
    assert voided["resolution_reason"] == "重复登记，款项不存在", voided
    assert ledger_of(p2) == ["0", "0"], ledger_of(p2)
    assert ledger_of(p1) == ["3", "1000001"], ledger_of(p1)
    for pid, outcome in ((p1, "void"), (p2, "confirm")):
        problem(post(admin(), path.format(pid), {"outcome": outcome, "reason": "再裁"}, 409), 409)
    problem(post(seller[0], f"/v1/payments/{p2}/confirm", None, 409), 409)
    problem(post(seller[0], f"/v1/payments/{p2}/reverse", {"reason": "冲正"}, 409), 409)
    assert get(buyer[0], f"/v1/contracts/{cid}/ledger/verify").json()["ok"] is True
    assert [row[0] for row in audit_rows(p1)][-1] == "payment.resolve_confirm"
    rows = audit_rows(p2)
    assert rows[-1][0] == "payment.void" and rows[-1][1] == "重复登记，款项不存在", rows


@test
def test_confirm_racing_resolve_exactly_one_wins():
    """The licensor's confirm racing an admin's void of a disputed payment: exactly one wins and the ledger matches"""
    seller, buyer, c = active_contract()
    cid = c["id"]
    atok = admin()
    seen = set()
    for i in range(8):
        pid = pay(buyer[0], cid, 777700 + i, reference=f"建行转账·竞态{i}")["id"]
        dispute_payment(seller[0], pid)
        admin_outcome = "void" if i % 2 == 0 else "confirm"
        start = threading.Barrier(2)
        got = {}

        def go(name, path, body, tok):
            conn = s().connection()
            start.wait()
            conn.request("POST", path, json.dumps(body).encode() if body else None,
                         headers={"Authorization": f"Bearer {tok}",
                                  **({"Content-Type": "application/json"} if body else {})})
            resp = conn.getresponse()
            got[name] = resp.status
            resp.read()
            conn.close()

        ts = [threading.Thread(target=go, args=("licensor", f"/v1/payments/{pid}/confirm",
                                                None, seller[0])),
              threading.Thread(target=go, args=("admin", f"/v1/admin/payments/{pid}/resolve",
                                                {"outcome": admin_outcome,
                                                 "reason": "平台裁决"}, atok))]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        status = get(seller[0], f"/v1/payments/{pid}").json()["status"]
        count, total = ledger_of(pid)
        if got["admin"] == 200:
            seen.add("admin")
            want = "voided" if admin_outcome == "void" else "confirmed"
            assert status == want, (got, status)
            # the licensor's confirm came second: a voided payment is refused, a confirmed
            # one is answered as it is
            assert got["licensor"] == (409 if want == "voided" else 200), got
        else:
            seen.add("licensor")
            assert got["admin"] == 409 and got["licensor"] == 200 and status == "confirmed", got
        if status == "confirmed":
            assert total == str(777700 + i) and int(count) >= 1, (count, total)
        else:
            assert count == "0", count
        decisions = [a for a in audit_actions(pid) if a != "payment.report"
                     and a != "payment.dispute"]
        assert len(decisions) == 1, decisions
    assert get(buyer[0], f"/v1/contracts/{cid}/ledger/verify").json()["ok"] is True
    print(f"    confirm racing resolve, winners seen: {sorted(seen)}")


# ---- the desk ---------------------------------------------------------------------

def desk(kind=None, limit=100):
    items, cursor = [], None
    while True:
        q = f"?limit={limit}" + (f"&kind={kind}" if kind else "") + \
            (f"&cursor={cursor}" if cursor else "")
        page = get(admin(), "/v1/admin/deals" + q).json()
        items += page["data"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


def backdate_contract(cid, days):
    psql("ALTER TABLE contracts DISABLE TRIGGER contracts_guard;"
         f" UPDATE contracts SET created_at = now() - interval '{days} days' WHERE id = '{cid}';"
         " ALTER TABLE contracts ENABLE TRIGGER contracts_guard;")


@test
def test_deal_desk_lists_what_needs_a_person_oldest_first():
    """GET /v1/admin/deals: disputed payments, open disputes, holds, stale drafts and overdue royalty reports, oldest first, paged, gone once handled"""
    seller, buyer, c = active_contract()  # term from 2025-01-01, royalty 300 bp, no report
    cid = c["id"]
    pid = pay(buyer[0], cid, 4321000, reference="中行转账·待核")["id"]
    dispute_payment(seller[0], pid, "金额与发票不符")
    d = open_dispute(buyer[0], cid, subject="独占许可范围争议").json()
    s2, b2, l2, bid2, draft = deal()
    backdate_contract(draft["id"], 31)
    s3, b3, l3, bid3, fresh = deal()
    backdate_contract(fresh["id"], 29)
    s4, b4, c4 = active_contract()
    report(b4[0], c4["id"], "2025-01-01", "2025-03-31", 1000000)
    hold(c4["id"], "举报该合同关联交易未披露")

    items = desk()
    since = [x["since"] for x in items]
    assert since == sorted(since), "oldest first"
    assert len({(x["kind"], x["object_id"]) for x in items}) == len(items), "no duplicates"
    for x in items:
        assert set(x) == {"kind", "object_type", "object_id", "contract_id", "since",
                          "summary"}, x
    mine = {(x["kind"], x["object_id"]): x for x in items
            if x["contract_id"] in (cid, draft["id"], fresh["id"], c4["id"])}
    title = c["subject"]["listing"]["title"]
    x = mine[("payment_disputed", pid)]
    assert x["object_type"] == "payment" and x["contract_id"] == cid, x
    assert "金额与发票不符" in x["summary"] and title in x["summary"], x
    x = mine[("dispute_open", d["id"])]
    assert x["object_type"] == "dispute" and "独占许可范围争议" in x["summary"], x
    assert x["since"] == d["created_at"], x
    x = mine[("contract_hold", c4["id"])]
    assert x["object_type"] == "contract" and "举报该合同关联交易未披露" in x["summary"], x
    assert x["since"] == get(b4[0], f"/v1/contracts/{c4['id']}").json()["hold"]["since"]
    assert ("draft_stale", draft["id"]) in mine
    assert ("draft_stale", fresh["id"]) not in mine, "29 days is not stuck yet"
    # no report since the term began on 2025-01-01: due by 2025-03-31, late from 04-01
    assert mine[("royalty_overdue", cid)]["since"] == "2025-03-31T16:00:00Z", mine
    # reported to 2025-03-31: the next was due by 2025-06-30
    assert mine[("royalty_overdue", c4["id"])]["since"] == "2025-06-30T16:00:00Z", mine
    assert len(mine) == 6, sorted(mine)

    # paging by one gives the same list
    assert [(x["kind"], x["object_id"]) for x in desk(kind="draft_stale", limit=1)] == \
        [(x["kind"], x["object_id"]) for x in items if x["kind"] == "draft_stale"]
    assert {x["kind"] for x in desk(kind="contract_hold")} == {"contract_hold"}
    problem(s().request("GET", "/v1/admin/deals?kind=payment", token=admin()), 422, "kind")
    problem(s().request("GET", "/v1/admin/deals", token=seller[0]), 403)
    problem(s().request("GET", "/v1/admin/deals"), 401)

    # handled, they leave the desk
    post(admin(), f"/v1/admin/payments/{pid}/resolve", {"outcome": "void", "reason": "发票作废"})
    post(admin(), f"/v1/admin/disputes/{d['id']}/resolve",
         {"outcome": "withdrawn", "reason": "被许可方撤回"})
    release(c4["id"])
    post(s2[0], f"/v1/contracts/{draft['id']}/terminate", {"reason": "长期未签署，终止"})
    left = {(x["kind"], x["object_id"]) for x in desk()
            if x["contract_id"] in (cid, draft["id"], c4["id"])}
    assert left == {("royalty_overdue", cid), ("royalty_overdue", c4["id"])}, left


@test
def test_royalty_overdue_rule():
    """A royalty report is overdue 3 months after the last reported period (or the term start), never for a zero royalty or a fully reported term"""
    seller, buyer, listing, b, c = deal()
    patch_contract(seller[0], c, {"terms": {"term_start": "2025-01-01", "term_end": "2025-06-30",
                                            "royalty_bp": 0}})
    sign(seller[0], c["id"])
    sign(buyer[0], c["id"])
    s2, b2, c2 = active_contract()
    s3, b3, l3, bid3, c3 = deal()
    patch_contract(s3[0], c3, {"terms": {"term_start": "2025-01-01", "term_end": "2025-03-31"}})
    sign(s3[0], c3["id"])
    sign(b3[0], c3["id"])
    report(b3[0], c3["id"], "2025-01-01", "2025-03-31", 5000)
    overdue = {x["contract_id"] for x in desk(kind="royalty_overdue")}
    assert c["id"] not in overdue, "royalty_bp 0 owes no report"
    assert c2["id"] in overdue
    assert c3["id"] not in overdue, "its reports reach term_end"


@test
def test_demo_data_puts_the_desk_to_work():
    """seed-demo leaves a held contract, a disputed payment and an open dispute on the desk"""
    from harness import techex
    p = techex("seed-demo")
    assert p.returncode == 0, p.stderr
    items = desk()
    summaries = {x["kind"]: [] for x in items}
    for x in items:
        summaries[x["kind"]].append(x["summary"])
    assert any("赤泥发泡保温板及其制备方法" in t and "权属" in t
               for t in summaries.get("contract_hold", [])), summaries
    assert any("一种赤泥基酸性土壤改良剂及其制备方法" in t and "建设银行" in t
               for t in summaries.get("payment_disputed", [])), summaries
    assert any("第一季度提成费计算口径争议" in t for t in summaries.get("dispute_open", [])), \
        summaries
    held = psql("SELECT count(*) FROM contract_holds WHERE held_by IS NULL"
                " AND released_at IS NULL")[0][0]
    assert held == "1", held
    assert techex("seed-demo").returncode == 0  # a second run adds nothing
    assert psql("SELECT count(*) FROM contract_holds WHERE held_by IS NULL")[0][0] == "1"
