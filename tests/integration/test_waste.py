"""Waste streams (固废源头追溯): registration with 2024 directory codes, the monthly ledger
that must balance, transfers the receiver confirms once, the trace, who sees what, and the
waste figures of /v1/stats."""

import datetime
import urllib.parse

from deal_fixtures import deal, enterprise, s, sign, university
from harness import admin_token, member, problem, psql, test

RED_MUD = {
    "name": "氧化铝厂拜耳法赤泥",
    "waste_code": "321001S09",
    "industry_code": "C3216",
    "facility": "中铝山东第二赤泥堆场",
    "process_step": "拜耳法溶出、沉降分离",
    "form": "slurry",
    "components": ["Fe2O3", "Al2O3", "Na2O", "SiO2"],
    "annual_tonnes": 3000000,
    "region_code": "370303",
    "public": True,
}


def stream(tok, body=RED_MUD, expect=201):
    r = s().request("POST", "/v1/waste-streams", body, token=tok)
    assert r.status == expect, r
    return r.json()


def entry(tok, sid, period, generated, transfers=(), stored=0, self_used=0, disposed=0,
          expect=201):
    body = {"period": period, "generated_kg": generated, "stored_kg": stored,
            "self_used_kg": self_used, "disposed_kg": disposed, "transfers": list(transfers)}
    r = s().request("POST", f"/v1/waste-streams/{sid}/entries", body, token=tok)
    assert r.status == expect, r
    return r.json()


def last_month(months_back=1):
    d = datetime.date.today().replace(day=1)
    for _ in range(months_back):
        d = (d - datetime.timedelta(days=1)).replace(day=1)
    return d.strftime("%Y-%m")


@test
def test_waste_stream_registration_and_validation():
    """a verified producer registers a stream; bad codes, industry, form are 422 naming them"""
    tok, _, org, _ = enterprise("中铝山东有限公司")
    st = stream(tok)
    assert st["waste_code"] == "321001S09" and st["category"] == "S09" and st["industrial"], st
    assert st["org"]["id"] == org["id"] and st["components"] == RED_MUD["components"], st
    for code in ("321001S08", "321-024-48", "32100S09", "321100S09"):
        problem(s().request("POST", "/v1/waste-streams", dict(RED_MUD, waste_code=code),
                            token=tok), 422, "waste_code")
    # why, in the caller's language
    zh = {"Accept-Language": "zh-CN"}
    for code, said in (("321001S08", "不是名录中的类别（S01–S99，没有 S08）"),
                       ("000001S09", "未指明产生行业（000）")):
        p = problem(s().request("POST", "/v1/waste-streams", dict(RED_MUD, waste_code=code),
                                headers=zh, token=tok), 422, "waste_code")
        assert [e["message"] for e in p["errors"]] == [said], p
    p = problem(s().request("POST", "/v1/waste-streams", dict(RED_MUD, industry_code="C2611"),
                            headers=zh, token=tok), 422, "industry_code")
    assert p["errors"][0]["message"] == "必须是废物代码所指的行业（其前三位数字）", p
    p = problem(s().request("POST", "/v1/waste-streams",
                            dict(RED_MUD, industry_code="C2611", form="gas", region_code="12",
                                 annual_tonnes=-1, components=["x" * 101]), token=tok), 422)
    fields = {e["field"] for e in p["errors"]}
    assert {"form", "annual_tonnes", "components[0]"} <= fields, p
    p = problem(s().request("POST", "/v1/waste-streams",
                            dict(RED_MUD, industry_code="C2611", region_code="120"), token=tok),
                422)
    assert {e["field"] for e in p["errors"]} == {"industry_code", "region_code"}, p
    unverified = member(s(), kind="enterprise", name="淄博大亚金属科技有限公司", verified=False)
    problem(s().request("POST", "/v1/waste-streams", RED_MUD, token=unverified[0]), 403)
    problem(s().request("POST", "/v1/waste-streams", RED_MUD), 401)
    assert psql(f"SELECT count(*) FROM waste_streams WHERE org_id = '{org['id']}'") == [["1"]]


@test
def test_waste_stream_visibility():
    """a private stream is seen by its org and admins; a third org and anonymous get 404"""
    tok, _, _, _ = enterprise("山东金虹钛白化工股份有限公司")
    private = stream(tok, dict(RED_MUD, name="钛白粉生产钛石膏", waste_code="261001S11",
                               industry_code="C2619", form="sludge", public=False))
    third = university("山东理工大学")
    for path in (f"/v1/waste-streams/{private['id']}", f"/v1/waste-streams/{private['id']}/trace"):
        problem(s().request("GET", path, token=third[0]), 404)
        problem(s().request("GET", path), 404)
        assert s().request("GET", path, token=tok).status == 200
        assert s().request("GET", path, token=admin_token(s())).status == 200
    problem(s().request("POST", f"/v1/waste-streams/{private['id']}/entries",
                        {"period": last_month(), "generated_kg": 1}, token=third[0]), 404)
    listed = [x["id"] for x in s().request("GET", "/v1/waste-streams?limit=100",
                                           token=third[0]).json()["data"]]
    assert private["id"] not in listed, listed
    public = stream(tok, dict(RED_MUD, name="钛石膏（公开）", waste_code="261001S11",
                              industry_code="C2619", form="sludge"))
    assert s().request("GET", f"/v1/waste-streams/{public['id']}").status == 200
    problem(s().request("POST", f"/v1/waste-streams/{public['id']}/entries",
                        {"period": last_month(), "generated_kg": 1}, token=third[0]), 403)


def active_licence():
    """An active exclusive licence: (licensor, licensee, contract)."""
    seller, buyer, _, _, contract = deal()
    sign(seller[0], contract["id"])
    c = sign(buyer[0], contract["id"])
    assert c["status"] == "active", c
    return seller, buyer, c


@test
def test_waste_entries_balance_and_transfers():
    """entries balance to the kilogram, one per month, not in the future; receivers confirm once"""
    _, receiver, contract = active_licence()
    tok, _, producer, _ = enterprise("中铝山东有限公司")
    st = stream(tok)
    month = last_month()
    # the ledger must balance: 1000 generated, 999 accounted for
    problem(s().request("POST", f"/v1/waste-streams/{st['id']}/entries",
                        {"period": month, "generated_kg": 1000, "stored_kg": 999}, token=tok),
            422, "generated_kg")
    future = (datetime.date.today().replace(day=28) + datetime.timedelta(days=5)).strftime("%Y-%m")
    problem(s().request("POST", f"/v1/waste-streams/{st['id']}/entries",
                        {"period": future, "generated_kg": 0}, token=tok), 422, "period")
    p = problem(s().request("POST", f"/v1/waste-streams/{st['id']}/entries",
                            {"period": "2025-13", "generated_kg": 0},
                            headers={"Accept-Language": "zh-CN"}, token=tok), 422, "period")
    assert [e["message"] for e in p["errors"]] == ["必须是月份 YYYY-MM"], p
    problem(s().request("POST", f"/v1/waste-streams/{st['id']}/entries",
                        {"period": month, "generated_kg": 1.5}, token=tok), 422, "generated_kg")
    # a receiver must be a verified organization, a contract an active licence of the receiver
    unverified = member(s(), kind="enterprise", name="山东宜景环保科技有限公司", verified=False)
    p = problem(s().request("POST", f"/v1/waste-streams/{st['id']}/entries",
                            {"period": month, "generated_kg": 20,
                             "transfers": [{"receiver_org_id": unverified[2]["id"], "kg": 10},
                                           {"receiver_org_id": producer["id"], "kg": 10,
                                            "contract_id": contract["id"]}]}, token=tok), 422)
    assert {e["field"] for e in p["errors"]} == {"transfers[0].receiver_org_id",
                                                 "transfers[1].receiver_org_id"}, p
    other = enterprise("东华水泥有限公司")
    problem(s().request("POST", f"/v1/waste-streams/{st['id']}/entries",
                        {"period": month, "generated_kg": 10,
                         "transfers": [{"receiver_org_id": other[2]["id"], "kg": 10,
                                        "contract_id": contract["id"]}]}, token=tok),
            422, "transfers[0].contract_id")
    assert psql(f"SELECT count(*) FROM waste_entries WHERE stream_id = '{st['id']}'") == [["0"]]
    # 250 t generated: 100 t stored, 20 t used in the plant, 5 t disposed, 125 t handed over
    e = entry(tok, st["id"], month, 250000, stored=100000, self_used=20000, disposed=5000,
              transfers=[{"receiver_org_id": receiver[2]["id"], "kg": 120000,
                          "contract_id": contract["id"]},
                         {"receiver_org_id": other[2]["id"], "kg": 5000}])
    assert e["transferred_kg"] == 125000 and len(e["transfers"]) == 2, e
    t1, t2 = e["transfers"]
    assert t1["status"] == "pending" and t1["contract_id"] == contract["id"], t1
    assert t1["receiver_org"]["id"] == receiver[2]["id"] and t1["period"] == month, t1
    entry(tok, st["id"], month, 0, expect=409)
    # the receiver confirms what it received (less than sent, both kept); the producer cannot
    problem(s().request("POST", f"/v1/waste-transfers/{t1['id']}/confirm",
                        {"received_kg": 119500}, token=tok), 403)
    problem(s().request("POST", f"/v1/waste-transfers/{t1['id']}/confirm",
                        {"received_kg": 119500}, token=other[0]), 404)
    problem(s().request("POST", f"/v1/waste-transfers/{t1['id']}/confirm",
                        {"received_kg": -1}, token=receiver[0]), 422, "received_kg")
    r = s().request("POST", f"/v1/waste-transfers/{t1['id']}/confirm", {"received_kg": 119500},
                    token=receiver[0])
    assert r.status == 200, r
    got = r.json()
    assert got["status"] == "confirmed" and got["kg"] == 120000 and got["received_kg"] == 119500
    problem(s().request("POST", f"/v1/waste-transfers/{t1['id']}/confirm",
                        {"received_kg": 120000}, token=receiver[0]), 409)
    ev = psql(f"SELECT type, org_id FROM events WHERE data->>'transfer_id' = '{t1['id']}'")
    assert ev == [["waste_transfer.confirmed", producer["id"]]], ev
    acts = psql(f"SELECT action FROM audit_log WHERE object_id IN ('{st['id']}', '{t1['id']}')"
                " ORDER BY id")
    assert acts == [["waste_stream.create"], ["waste_entry.create"],
                    ["waste_transfer.confirm"]], acts
    # the receiver lists what it received; the producer what it sent
    rec = s().request("GET", "/v1/waste-transfers?role=received", token=receiver[0]).json()
    assert [x["id"] for x in rec["data"]] == [t1["id"]], rec
    sent = s().request("GET", "/v1/waste-transfers?role=sent", token=tok).json()
    assert {x["id"] for x in sent["data"]} == {t1["id"], t2["id"]}, sent
    assert s().request("GET", "/v1/waste-transfers?role=sent",
                       token=receiver[0]).json()["data"] == []
    # the trace: every entry and transfer with its confirmation, and the totals
    trace = s().request("GET", f"/v1/waste-streams/{st['id']}/trace").json()
    assert trace["stream"]["id"] == st["id"] and len(trace["entries"]) == 1, trace
    assert trace["entries"][0]["transfers"][0]["received_kg"] == 119500, trace
    assert trace["totals"] == {"generated_kg": 250000, "stored_kg": 100000,
                               "self_used_kg": 20000, "disposed_kg": 5000,
                               "transferred_kg": 125000, "confirmed_kg": 119500,
                               "pending_kg": 5000, "licensed_utilized_kg": 119500}, trace


@test
def test_waste_stats_per_category_and_year():
    """/v1/stats reports generated, transferred, confirmed and licensed-utilized kg per category"""
    def figures(year):
        rows = [w for w in s().request("GET", "/v1/stats").json()["waste"]
                if w["category"] == "S11" and w["year"] == year]
        return rows[0] if rows else {"generated_kg": 0, "transferred_kg": 0, "confirmed_kg": 0,
                                     "licensed_utilized_kg": 0}
    _, receiver, contract = active_licence()
    tok, _, _, _ = enterprise("山东金虹钛白化工股份有限公司")
    st = stream(tok, dict(RED_MUD, name="钛石膏", waste_code="261001S11", industry_code="C2619",
                          form="sludge", public=False))
    month = last_month()
    before = figures(int(month[:4]))
    e = entry(tok, st["id"], month, 8000, stored=1000,
              transfers=[{"receiver_org_id": receiver[2]["id"], "kg": 7000,
                          "contract_id": contract["id"]}])
    s().request("POST", f"/v1/waste-transfers/{e['transfers'][0]['id']}/confirm",
                {"received_kg": 6990}, token=receiver[0])
    after = figures(int(month[:4]))
    assert after["generated_kg"] - before["generated_kg"] == 8000, (before, after)
    assert after["transferred_kg"] - before["transferred_kg"] == 7000, (before, after)
    assert after["confirmed_kg"] - before["confirmed_kg"] == 6990, (before, after)
    assert after["licensed_utilized_kg"] - before["licensed_utilized_kg"] == 6990, (before, after)
    stats = s().request("GET", "/v1/stats").json()
    assert "data" in stats and "totals" in stats, stats


@test
def test_waste_demo_data_from_the_plan():
    """seed-demo loads the plan's needs, proposals and the red mud and titanium gypsum streams"""
    from harness import techex
    a, b = techex("seed-demo"), techex("seed-demo")
    assert a.returncode == 0 and b.returncode == 0, (a.stderr, b.stderr)
    chalco = psql("SELECT org_id FROM users WHERE email = 'chalco-sd@demo.techex.example'")[0][0]
    streams = s().request("GET", f"/v1/waste-streams?org_id={chalco}&limit=100").json()["data"]
    red = [x for x in streams if x["name"] == "氧化铝厂拜耳法赤泥"]
    assert len(red) == 1 and red[0]["public"] and red[0]["org"]["name"] == "中铝山东有限公司", red
    trace = s().request("GET", f"/v1/waste-streams/{red[0]['id']}/trace").json()
    assert [e["period"] for e in trace["entries"]] == [f"2025-{m:02d}" for m in range(1, 13)]
    assert trace["totals"]["licensed_utilized_kg"] > 0, trace["totals"]
    licensed = [t for e in trace["entries"] for t in e["transfers"] if t["contract_id"]]
    assert {t["receiver_org"]["name"] for t in licensed} == {"山铝环保科技有限公司",
                                                             "淄博天之润环保科技有限公司"}, licensed
    for e in trace["entries"]:
        assert e["generated_kg"] == (e["stored_kg"] + e["self_used_kg"] + e["disposed_kg"] +
                                     e["transferred_kg"]), e
    gypsum = s().request("GET", "/v1/waste-streams?waste_code=264001S11&limit=100").json()["data"]
    assert any(x["name"] == "硫酸法钛白粉生产钛石膏" for x in gypsum), gypsum
    q = urllib.parse.quote("赤泥堆场及周边矿坑生态治理")
    needs = s().request("GET", f"/v1/needs?q={q}&region_code=370303&limit=100").json()["data"]
    assert "中铝山东第二赤泥堆场及周边矿坑生态治理技术需求" in {n["title"] for n in needs}, needs
    rows = psql("SELECT p.status, c.bid_id = p.bid_id, c.licensee_org_id = n.org_id FROM proposals p"
                " JOIN needs n ON n.id = p.need_id JOIN contracts c ON c.id = p.contract_id"
                " WHERE n.title = '中铝山东第二赤泥堆场及周边矿坑生态治理技术需求'")
    assert rows == [["accepted", "t", "t"]], rows
    assert psql("SELECT count(*) FROM needs WHERE title = '钛白石膏生产特种工程材料技术需求'") == [["1"]]
    waste = s().request("GET", "/v1/stats").json()["waste"]
    s09 = [w for w in waste if w["category"] == "S09" and w["year"] == 2025]
    assert s09 and s09[0]["licensed_utilized_kg"] > 0 and s09[0]["licensed_utilized_tonnes"] > 0
