"""Reward policy (the inventors' statutory share by licensor: 50 % by art. 45 of the
national law, at least 70 % for a government-established Shandong university by art.
34(1) of the Shandong regulations), the `tto` role, and net income: deductions booked as
`cost` ledger entries before the split, in the chain, statements, stats and `techex check`.

Organizations get `region_code` and `government_established` by SQL here: the admin
PATCH /v1/admin/orgs/{id} route is built by another branch (issue 15, item 1)."""

from common import main_server
from harness import problem, psql, techex, test
from deal_fixtures import act, bid, enterprise, get, offer, patch_contract, publish, sign, university
from deal_fixtures import NEGOTIABLE
from test_revenue import active_contract, entry_hash, pay, ZERO


def s():
    return main_server()


def set_org(org_id, region_code, government_established):
    psql(f"UPDATE organizations SET region_code = '{region_code}', "
         f"government_established = {'true' if government_established else 'false'} "
         f"WHERE id = '{org_id}'")


def drafted(region_code=None, government_established=False, seller=None, kind="university"):
    """A bid accepted on a listing of a licensor with this profile: (seller, buyer, contract)."""
    if seller is None:
        seller = university() if kind == "university" else enterprise("淄博东大环保科技有限公司")
        if region_code is not None:
            set_org(seller[2]["id"], region_code, government_established)
    buyer = enterprise()
    listing = publish(seller[0], NEGOTIABLE)
    b = bid(buyer[0], listing["id"], offer())
    r = act(seller[0], b["id"], "accept", expect=201)
    return seller, buyer, r["contract"]


def inventor_bp(plan):
    return sum(e["share_bp"] for e in plan if e["role"] == "inventor")


def plan_of(c):
    return [(e["beneficiary"], e["role"], e["share_bp"]) for e in c["revenue_share"]]


@test
def test_shandong_government_university_gets_70_percent_default_and_floor():
    """a government-established Shandong university's contract starts at 70 % to the inventors, the floor"""
    seller, buyer, c = drafted("370303", True)  # 淄博市张店区
    assert plan_of(c) == [("张三", "inventor", 3500), ("李四", "inventor", 3500),
                          ("山东理工大学", "institution", 3000)], c["revenue_share"]
    pol = c["reward_policy"]
    assert pol["inventor_default_bp"] == 7000 and pol["inventor_floor_bp"] == 7000, pol
    assert "山东省促进科技成果转化条例" in pol["source"] and "34" in pol["source"], pol
    # 69.99 % to the inventors: 422 naming revenue_share, with the floor and its source
    low = [{"beneficiary": "张三", "role": "inventor", "share_bp": 6999},
           {"beneficiary": "山东理工大学", "role": "institution", "share_bp": 3001}]
    r = s().request("GET", f"/v1/contracts/{c['id']}", token=seller[0])
    before = r.json()
    r = s().request("PATCH", f"/v1/contracts/{c['id']}", {"revenue_share": low}, token=buyer[0],
                    headers={"If-Match": r.header("ETag")})
    p = problem(r, 422, "revenue_share")
    msg = " ".join(e["message"] for e in p["errors"])
    assert "7000" in msg and "山东省促进科技成果转化条例" in msg, p
    assert get(seller[0], f"/v1/contracts/{c['id']}").json() == before  # nothing changed
    # exactly 70 %, with the technology-transfer office (art. 36) taking part of the rest
    ok = [{"beneficiary": "张三", "role": "inventor", "share_bp": 7000},
          {"beneficiary": "山东理工大学技术转移中心", "role": "tto", "share_bp": 1000},
          {"beneficiary": "山东理工大学", "role": "institution", "share_bp": 2000}]
    c2 = patch_contract(seller[0], c, {"revenue_share": ok})
    assert plan_of(c2)[1] == ("山东理工大学技术转移中心", "tto", 1000), c2
    # set empty: back to the policy's default
    c3 = patch_contract(seller[0], c2, {"revenue_share": []})
    assert inventor_bp(c3["revenue_share"]) == 7000, c3


@test
def test_national_default_is_50_percent_without_floor():
    """elsewhere (or not government-established) the inventors get 50 % by default, and less may be agreed"""
    for region, gov in ((None, False), ("370303", False), ("110108", True)):  # 北京市海淀区
        seller, buyer, c = drafted(region, gov)
        assert inventor_bp(c["revenue_share"]) == 5000, (region, gov, c["revenue_share"])
        assert c["reward_policy"]["inventor_floor_bp"] == 0, c["reward_policy"]
        assert "促进科技成果转化法" in c["reward_policy"]["source"], c["reward_policy"]
    agreed = [{"beneficiary": "张三", "role": "inventor", "share_bp": 3000},
              {"beneficiary": "山东理工大学", "role": "institution", "share_bp": 7000}]
    assert inventor_bp(patch_contract(seller[0], c, {"revenue_share": agreed})["revenue_share"]) == 3000


@test
def test_enterprise_licensor_has_no_statutory_plan():
    """an enterprise licensor (even a government-established one in Shandong) keeps 100 % and no policy"""
    seller, buyer, c = drafted("370303", True, kind="enterprise")
    assert plan_of(c) == [("淄博东大环保科技有限公司", "institution", 10000)], c
    assert c["reward_policy"] is None, c
    low = [{"beneficiary": "王工", "role": "inventor", "share_bp": 100},
           {"beneficiary": "淄博东大环保科技有限公司", "role": "institution", "share_bp": 9900}]
    assert inventor_bp(patch_contract(seller[0], c, {"revenue_share": low})["revenue_share"]) == 100


@test
def test_policy_most_specific_row_wins_and_contracts_keep_theirs():
    """a new jurisdiction is a row; the longest prefix wins; a contract keeps the policy it was drafted under"""
    prefix = "3799"
    psql(f"INSERT INTO reward_policies (jurisdiction, licensor_kind, government_established,"
         f" inventor_default_bp, inventor_floor_bp, source) VALUES ('{prefix}', 'university', true,"
         f" 8000, 7500, '测试用地方规定 第一条')")
    seller, buyer, c = drafted(prefix + "01", True)
    assert inventor_bp(c["revenue_share"]) == 8000, c["revenue_share"]
    assert c["reward_policy"]["inventor_floor_bp"] == 7500, c["reward_policy"]
    # the table changes: this contract keeps 8000 / 7500, a new one gets the new row
    psql(f"UPDATE reward_policies SET inventor_default_bp = 9000, inventor_floor_bp = 9000"
         f" WHERE jurisdiction = '{prefix}'")
    seven_five = [{"beneficiary": "张三", "role": "inventor", "share_bp": 7500},
                  {"beneficiary": "山东理工大学", "role": "institution", "share_bp": 2500}]
    c = patch_contract(seller[0], c, {"revenue_share": seven_five})
    c = patch_contract(seller[0], c, {"revenue_share": []})
    assert inventor_bp(c["revenue_share"]) == 8000, c["revenue_share"]
    # a government-established licensor's agreed price is publicly noticed first
    r = s().request("POST", f"/v1/contracts/{c['id']}/notice",
                    {"days": 15, "objection_procedure": "异议请于公示期内实名书面提出。"},
                    token=seller[0])
    assert r.status == 201, r
    psql(f"UPDATE notices SET closes_at = now() - interval '1 second' WHERE id = '{r.json()['id']}'")
    sign(seller[0], c["id"])
    signed = sign(buyer[0], c["id"])
    assert signed["status"] == "active", signed
    psql(f"UPDATE reward_policies SET inventor_default_bp = 9500, inventor_floor_bp = 9500"
         f" WHERE jurisdiction = '{prefix}'")
    after = get(seller[0], f"/v1/contracts/{c['id']}").json()
    assert after["revenue_share"] == c["revenue_share"], after
    assert after["reward_policy"]["inventor_default_bp"] == 8000, after["reward_policy"]
    _, _, newer = drafted(seller=seller)
    assert inventor_bp(newer["revenue_share"]) == 9500, newer["revenue_share"]
    # the snapshot itself is fixed in the database
    err = psql(f"UPDATE contracts SET inventor_floor_bp = 0 WHERE id = '{newer['id']}'", check=False)
    assert "fixed" in err, err


@test
def test_tto_role_is_a_plan_role_and_bad_roles_are_named():
    """the technology-transfer office (tto) is a revenue_share role; an unknown role is a 422"""
    seller, buyer, c = active_contract(plan=[
        {"beneficiary": "张三", "role": "inventor", "share_bp": 5000},
        {"beneficiary": "山东理工大学技术转移中心", "role": "tto", "share_bp": 1000},
        {"beneficiary": "山东理工大学", "role": "institution", "share_bp": 4000}])
    p = pay(buyer[0], c["id"], 100001)
    r = s().request("POST", f"/v1/payments/{p['id']}/confirm", token=seller[0])
    assert r.status == 200, r
    assert [(e["role"], e["amount_fen"]) for e in r.json()["split"]] == [
        ("inventor", 50001), ("tto", 10000), ("institution", 40000)], r.json()["split"]
    doc = get(seller[0], f"/v1/contracts/{c['id']}/document").body.decode("utf-8")
    assert "技术转移机构 technology-transfer office" in doc, doc
    _, b2, c2 = drafted()
    r = s().request("GET", f"/v1/contracts/{c2['id']}", token=b2[0])
    problem(s().request("PATCH", f"/v1/contracts/{c2['id']}",
                        {"revenue_share": [{"beneficiary": "某人", "role": "agent", "share_bp": 10000}]},
                        token=b2[0], headers={"If-Match": r.header("ETag")}), 422, "revenue_share[0].role")


def confirm_with(tok, pid, deductions, expect=200):
    r = s().request("POST", f"/v1/payments/{pid}/confirm", {"deductions": deductions}, token=tok)
    assert r.status == expect, r
    return r.json()


DEDUCTIONS = [{"reason": "技术评估费 (valuation)", "amount_fen": 30000},
              {"reason": "专利代理费", "amount_fen": 20001}]


@test
def test_deductions_are_booked_as_costs_before_the_split():
    """deductions become cost entries first; the net income is split by largest remainder; sums exact"""
    seller, buyer, c = active_contract()
    cid = c["id"]
    p = pay(buyer[0], cid, 1000000, kind="upfront", paid_at="2025-02-01T00:00:00Z")
    done = confirm_with(seller[0], p["id"], DEDUCTIONS)
    assert done["status"] == "confirmed" and done["deductions"] == DEDUCTIONS, done
    split = [(e["beneficiary"], e["role"], e["share_bp"], e["amount_fen"]) for e in done["split"]]
    # net 949999 at 2500/2500/5000: 237499.75, 237499.75, 474999.5 -> the remainders
    assert split == [("技术评估费 (valuation)", "cost", 0, 30000), ("专利代理费", "cost", 0, 20001),
                     ("张三", "inventor", 2500, 237500), ("李四", "inventor", 2500, 237500),
                     ("山东理工大学", "institution", 5000, 474999)], split
    assert sum(x[3] for x in split) == 1000000
    # the chain covers the costs, and verifies
    ledger = get(seller[0], f"/v1/contracts/{cid}/ledger").json()["data"]
    prev = ZERO
    for e in ledger:
        assert e["prev_hash"] == prev and e["hash"] == entry_hash(prev, e, cid), e
        prev = e["hash"]
    assert [e["role"] for e in ledger][:2] == ["cost", "cost"], ledger
    v = get(buyer[0], f"/v1/contracts/{cid}/ledger/verify").json()
    assert v["ok"] is True and v["entries"] == 5, v
    # the statement shows them: JSON split and CSV columns
    path = f"/v1/orgs/{seller[2]['id']}/statement?from=2025-01-01&to=2025-12-31"
    st = get(seller[0], path).json()
    assert st["data"][0]["split"][0]["role"] == "cost", st
    assert st["data"][0]["deductions"] == DEDUCTIONS, st
    r = s().request("GET", path, token=seller[0], headers={"Accept": "text/csv"})
    lines = r.body.decode("utf-8-sig").split("\r\n")
    assert lines[0].endswith(",reference,deductions_fen,net_fen"), lines[0]
    assert lines[1].endswith(",confirmed,工行转账 2025-0415,50001,949999"), lines[1]
    # the audit log records them
    rows = psql(f"SELECT detail->'deductions'->0->>'amount_fen' FROM audit_log"
                f" WHERE object_id = '{p['id']}' AND action = 'payment.confirm'")
    assert rows == [["30000"]], rows
    # a reversal negates every entry, costs included
    r = s().request("POST", f"/v1/payments/{p['id']}/reverse", {"reason": "银行退票"}, token=seller[0])
    assert r.status == 200, r
    rev = r.json()["split"]
    assert [e["amount_fen"] for e in rev[5:]] == [-30000, -20001, -237500, -237500, -474999], rev
    assert [e["role"] for e in rev[5:7]] == ["cost", "cost"], rev
    assert get(buyer[0], f"/v1/contracts/{cid}/ledger/verify").json()["ok"] is True


@test
def test_deductions_at_or_over_the_amount_are_422_and_change_nothing():
    """deductions totalling the amount or more, or malformed: 422 naming deductions; the payment stays reported"""
    seller, buyer, c = active_contract()
    p = pay(buyer[0], c["id"], 50000)
    for bad, field in (([{"reason": "评估费", "amount_fen": 50000}], "deductions"),
                       ([{"reason": "评估费", "amount_fen": 30000},
                         {"reason": "代理费", "amount_fen": 30000}], "deductions"),
                       ([{"reason": "", "amount_fen": 1}], "deductions[0].reason"),
                       ([{"reason": "评估费", "amount_fen": 0}], "deductions[0].amount_fen"),
                       ([{"amount_fen": 5}], "deductions[0].reason"),
                       ([{"reason": "费", "amount_fen": 1}] * 21, "deductions"),
                       ("评估费", "deductions")):
        r = s().request("POST", f"/v1/payments/{p['id']}/confirm", {"deductions": bad},
                        token=seller[0])
        problem(r, 422, field)
    r = get(buyer[0], f"/v1/payments/{p['id']}").json()
    assert r["status"] == "reported" and r["deductions"] == [], r
    assert psql(f"SELECT count(*) FROM ledger_entries WHERE payment_id = '{p['id']}'") == [["0"]]
    # no deductions, or an empty list: the whole amount is split, as before
    done = confirm_with(seller[0], p["id"], [])
    assert sum(e["amount_fen"] for e in done["split"]) == 50000, done
    assert all(e["role"] != "cost" for e in done["split"]), done


@test
def test_stats_distribute_net_income():
    """royalties_distributed_fen counts what the beneficiaries share: confirmed payments less deductions"""
    def distributed():
        return get(None, "/v1/stats").json()["totals"]["royalties_distributed_fen"]
    seller, buyer, c = active_contract()
    p = pay(buyer[0], c["id"], 700000)
    before = distributed()
    confirm_with(seller[0], p["id"], [{"reason": "交易服务费", "amount_fen": 100000}])
    assert distributed() - before == 600000, (before, distributed())


@test
def test_check_reports_costs_that_differ_from_deductions():
    """`techex check` reports a confirmed payment whose cost entries are not its recorded deductions"""
    seller, buyer, c = active_contract()
    p = pay(buyer[0], c["id"], 90000)
    confirm_with(seller[0], p["id"], [{"reason": "评估费", "amount_fen": 9000}])
    out = techex("check")
    assert p["id"] not in out.stdout, out.stdout
    # the recorded deductions are altered behind the ledger's back
    psql(f"UPDATE payments SET deductions = '[{{\"reason\": \"评估费\", \"amount_fen\": 8000}}]'"
         f" WHERE id = '{p['id']}'")
    try:
        out = techex("check")
        assert out.returncode == 1, out.stdout
        line = [x for x in out.stdout.splitlines() if p["id"] in x]
        assert line and "deductions" in line[0], out.stdout
        v = get(seller[0], f"/v1/contracts/{c['id']}/ledger/verify").json()
        assert v["ok"] is False and "deductions" in v["reason"], v
    finally:
        psql(f"UPDATE payments SET deductions = '[{{\"reason\": \"评估费\", \"amount_fen\": 9000}}]'"
             f" WHERE id = '{p['id']}'")
    assert p["id"] not in techex("check").stdout


def race(tok, path, bodies):
    """POSTs each body to path at once; the statuses in order."""
    import json
    import threading
    statuses = [None] * len(bodies)
    start = threading.Barrier(len(bodies))

    def go(i):
        conn = s().connection()
        start.wait()
        conn.request("POST", path, body=json.dumps(bodies[i], ensure_ascii=False).encode(),
                     headers={"Authorization": f"Bearer {tok}",
                              "Content-Type": "application/json"})
        statuses[i] = conn.getresponse().status
        conn.close()

    threads = [threading.Thread(target=go, args=(i,)) for i in range(len(bodies))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return statuses


@test
def test_concurrent_confirms_book_one_set_of_deductions():
    """two confirms with different deductions at once: one books its costs and split, the other sees it done"""
    seller, buyer, c = active_contract()
    p = pay(buyer[0], c["id"], 800000)
    statuses = race(seller[0], f"/v1/payments/{p['id']}/confirm",
                    [{"deductions": [{"reason": "评估费", "amount_fen": 10000}]},
                     {"deductions": [{"reason": "代理费", "amount_fen": 20000}]}])
    assert statuses == [200, 200], statuses
    rows = psql(f"SELECT role, amount_fen FROM ledger_entries WHERE payment_id = '{p['id']}'"
                f" ORDER BY seq")
    assert len([r for r in rows if r[0] == "cost"]) == 1 and len(rows) == 4, rows
    assert sum(int(r[1]) for r in rows) == 800000, rows
    done = get(seller[0], f"/v1/payments/{p['id']}").json()
    assert done["deductions"][0]["reason"] == [r for r in done["split"] if r["role"] == "cost"][0]["beneficiary"]
    assert get(seller[0], f"/v1/contracts/{c['id']}/ledger/verify").json()["ok"] is True
