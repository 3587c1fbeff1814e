"""Revenue: royalty reports, payments, the exact split into a hash-chained ledger,
statements (JSON and CSV), platform statistics, the audit log and `techex check`."""

import hashlib
import json
import random
import uuid

from common import main_server
from harness import admin_token, problem, psql, techex, test
from deal_fixtures import deal, enterprise, get, patch_contract, sign

ZERO = "0" * 64


def s():
    return main_server()


def active_contract(minimum=5000000, plan=None):
    """An exclusive licence, 2025-01-01 to 2029-12-31 at 300 bp, signed by both:
    (seller, buyer, contract)."""
    seller, buyer, listing, b, contract = deal()
    body = {"terms": {"term_start": "2025-01-01", "term_end": "2029-12-31",
                      "minimum_annual_royalty_fen": minimum}}
    if plan is not None:
        body["revenue_share"] = plan
    patch_contract(seller[0], contract, body)
    sign(seller[0], contract["id"])
    c = sign(buyer[0], contract["id"])
    assert c["status"] == "active", c
    return seller, buyer, c


def report(tok, cid, start, end, gross, tonnes=1000, expect=201):
    r = s().request("POST", f"/v1/contracts/{cid}/royalty-reports",
                    {"period_start": start, "period_end": end, "gross_sales_fen": gross,
                     "waste_utilized_tonnes": tonnes}, token=tok)
    assert r.status == expect, r
    return r.json()


def pay(tok, cid, amount, kind="royalty", paid_at="2025-04-15T08:00:00Z", reference="工行转账 2025-0415",
        expect=201, key=None):
    r = s().request("POST", f"/v1/contracts/{cid}/payments",
                    {"amount_fen": amount, "kind": kind, "paid_at": paid_at, "reference": reference},
                    token=tok, headers={"Idempotency-Key": key} if key else None)
    assert r.status == expect, r
    return r.json()


def confirm(tok, pid, expect=200):
    r = s().request("POST", f"/v1/payments/{pid}/confirm", token=tok)
    assert r.status == expect, r
    return r.json()


def entry_hash(prev, e, contract_id):
    fields = {k: e[k] for k in ("amount_fen", "beneficiary", "created_at", "currency",
                                "payment_id", "role", "seq", "share_bp")}
    fields["contract_id"] = contract_id
    text = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev + "\n" + text).encode("utf-8")).hexdigest()


@test
def test_royalty_reports_compute_what_is_due():
    """half-up royalty in integers, periods inside the term that have ended and do not overlap"""
    seller, buyer, c = active_contract()
    cid = c["id"]
    r = report(buyer[0], cid, "2025-01-01", "2025-03-31", 123456789, tonnes=12000)
    assert r["royalty_bp"] == 300 and r["royalty_due_fen"] == 3703704, r  # 3703703.67
    assert r["waste_utilized_tonnes"] == 12000 and r["currency"] == "CNY", r
    assert report(buyer[0], cid, "2025-04-01", "2025-04-30", 50)["royalty_due_fen"] == 2  # 1.5
    big = report(buyer[0], cid, "2025-05-01", "2025-05-31", 10 ** 15)
    assert big["royalty_due_fen"] == 3 * 10 ** 13, big
    p = problem(s().request("POST", f"/v1/contracts/{cid}/royalty-reports",
                            {"period_start": "2025-03-01", "period_end": "2025-06-30",
                             "gross_sales_fen": 1, "waste_utilized_tonnes": 0}, token=buyer[0]), 409)
    assert p["type"].endswith("period-overlap"), p
    report(buyer[0], cid, "2024-12-01", "2024-12-31", 1, expect=422)
    report(buyer[0], cid, "2029-12-01", "2030-01-31", 1, expect=422)
    p = problem(s().request("POST", f"/v1/contracts/{cid}/royalty-reports",
                            {"period_start": "2026-12-01", "period_end": "2027-01-31",
                             "gross_sales_fen": 1, "waste_utilized_tonnes": 0}, token=buyer[0]),
                422, "period_end")
    p = problem(s().request("POST", f"/v1/contracts/{cid}/royalty-reports",
                            {"period_start": "2025-08-01", "period_end": "2025-07-01",
                             "gross_sales_fen": 10 ** 15 + 1, "waste_utilized_tonnes": -1,
                             "currency": "USD"}, token=buyer[0]), 422)
    assert {e["field"] for e in p["errors"]} == {"gross_sales_fen", "waste_utilized_tonnes",
                                                 "currency"}, p
    problem(s().request("POST", f"/v1/contracts/{cid}/royalty-reports",
                        {"period_start": "2025-06-01", "period_end": "2025-06-30",
                         "gross_sales_fen": 1, "waste_utilized_tonnes": 0}, token=seller[0]), 403)
    listing = get(buyer[0], f"/v1/contracts/{cid}/royalty-reports").json()
    assert [x["period_start"] for x in listing["data"]] == ["2025-01-01", "2025-04-01",
                                                            "2025-05-01"], listing
    year1 = listing["contract_years"][0]
    assert year1["start"] == "2025-01-01" and year1["end"] == "2025-12-31" and year1["ended"]
    assert year1["royalty_due_fen"] == 3703704 + 2 + 3 * 10 ** 13, year1
    assert year1["shortfall_fen"] == 0, year1
    assert listing["contract_years"][1]["royalty_due_fen"] == 0
    assert listing["contract_years"][1]["shortfall_fen"] == 5000000
    assert get(seller[0], f"/v1/contracts/{cid}/royalty-reports").json()["data"] == listing["data"]
    # after a termination, no period past it
    t = s().request("POST", f"/v1/contracts/{cid}/terminate", {"reason": "提前终止"},
                    token=seller[0])
    assert t.status == 200, t
    report(buyer[0], cid, "2025-06-01", "2025-06-30", 1, expect=201)
    problem(s().request("POST", f"/v1/contracts/{cid}/royalty-reports",
                        {"period_start": "2026-11-01", "period_end": "2099-11-30",
                         "gross_sales_fen": 1, "waste_utilized_tonnes": 0}, token=buyer[0]),
            422, "period_start")
    # a draft takes no reports
    _, b2, _, _, draft = deal()
    problem(s().request("POST", f"/v1/contracts/{draft['id']}/royalty-reports",
                        {"period_start": "2025-01-01", "period_end": "2025-01-31",
                         "gross_sales_fen": 1, "waste_utilized_tonnes": 0}, token=b2[0]), 409)
    assert psql(f"SELECT action FROM audit_log WHERE object_id = '{r['id']}'") == \
        [["royalty_report.create"]]


@test
def test_confirmed_payment_is_split_exactly_into_a_hash_chain():
    """a payment reported, confirmed by the licensor, split by largest remainder, chained"""
    seller, buyer, c = active_contract()
    cid = c["id"]
    key = f"pay-{uuid.uuid4()}"
    p = pay(buyer[0], cid, 1000001, kind="upfront", key=key)
    assert p["status"] == "reported" and p["split"] is None, p
    again = s().request("POST", f"/v1/contracts/{cid}/payments",
                        {"amount_fen": 1000001, "kind": "upfront", "paid_at": "2025-04-15T08:00:00Z",
                         "reference": "工行转账 2025-0415"}, token=buyer[0],
                        headers={"Idempotency-Key": key})
    assert again.status == 201 and again.json()["id"] == p["id"], again
    pay(buyer[0], cid, 5, key=key, expect=422)
    assert psql(f"SELECT count(*) FROM payments WHERE contract_id = '{cid}'") == [["1"]]

    problem(s().request("POST", f"/v1/payments/{p['id']}/confirm", token=buyer[0]), 403)
    psql(f"UPDATE users SET org_role = 'member' WHERE id = '{seller[1]['id']}'")
    problem(s().request("POST", f"/v1/payments/{p['id']}/confirm", token=seller[0]), 403)
    psql(f"UPDATE users SET org_role = 'owner' WHERE id = '{seller[1]['id']}'")
    done = confirm(seller[0], p["id"].upper())  # ids are case-insensitive, hashed as stored
    assert done["status"] == "confirmed" and done["decided_at"], done
    # 1000001 by 2500/2500/5000: 250000.25, 250000.25, 500000.5 → the fen left goes to 500000.5
    assert [(x["beneficiary"], x["amount_fen"]) for x in done["split"]] == [
        ("张三", 250000), ("李四", 250000), ("山东理工大学", 500001)], done
    again = confirm(seller[0], p["id"])
    assert again["split"] == done["split"], "a second confirm adds nothing"
    ledger = get(buyer[0], f"/v1/contracts/{cid}/ledger").json()
    entries = ledger["data"]
    assert [e["seq"] for e in entries] == [1, 2, 3] and sum(e["amount_fen"] for e in entries) == \
        1000001, entries
    prev = ZERO
    for e in entries:
        assert e["prev_hash"] == prev and e["hash"] == entry_hash(prev, e, cid), e
        prev = e["hash"]
    v = get(seller[0], f"/v1/contracts/{cid}/ledger/verify").json()
    assert v == {"ok": True, "entries": 3, "head_hash": prev}, v

    # a second payment chains on; a dispute keeps it out of the ledger
    p2 = pay(buyer[0], cid, 777, paid_at="2025-05-01")
    assert p2["paid_at"] == "2025-04-30T16:00:00Z", p2  # a date is that day in China
    d = s().request("POST", f"/v1/payments/{p2['id']}/dispute", {"reason": "未收到款项"},
                    token=seller[0])
    assert d.status == 200 and d.json()["status"] == "disputed", d
    assert d.json()["dispute_reason"] == "未收到款项"
    assert len(get(buyer[0], f"/v1/contracts/{cid}/ledger").json()["data"]) == 3
    done2 = confirm(seller[0], p2["id"])  # the money turned up after all
    assert sum(x["amount_fen"] for x in done2["split"]) == 777, done2
    problem(s().request("POST", f"/v1/payments/{p2['id']}/dispute", {"reason": "x"},
                        token=seller[0]), 409)
    # the transfer bounced: a reversal books the same entries negated; the chain only grows
    problem(s().request("POST", f"/v1/payments/{p2['id']}/reverse", {}, token=seller[0]), 422,
            "reason")
    problem(s().request("POST", f"/v1/payments/{p2['id']}/reverse", {"reason": "退票"},
                        token=buyer[0]), 403)
    rev = s().request("POST", f"/v1/payments/{p2['id']}/reverse", {"reason": "银行退票"},
                      token=seller[0])
    assert rev.status == 200 and rev.json()["status"] == "reversed", rev
    assert rev.json()["reversal_reason"] == "银行退票", rev
    split = rev.json()["split"]
    assert sum(x["amount_fen"] for x in split) == 0 and len(split) == 6, split
    assert [x["amount_fen"] for x in split[3:]] == [-x["amount_fen"] for x in split[:3]], split
    problem(s().request("POST", f"/v1/payments/{p2['id']}/reverse", {"reason": "再次"},
                        token=seller[0]), 409)
    problem(s().request("POST", f"/v1/payments/{p2['id']}/confirm", token=seller[0]), 409)
    assert len(get(buyer[0], f"/v1/contracts/{cid}/ledger").json()["data"]) == 9
    entries = get(buyer[0], f"/v1/contracts/{cid}/ledger?limit=2").json()
    assert len(entries["data"]) == 2 and entries["next_cursor"], entries
    rest = get(buyer[0], f"/v1/contracts/{cid}/ledger?cursor={entries['next_cursor']}").json()
    assert [e["seq"] for e in rest["data"]] == [3, 4, 5, 6, 7, 8, 9] and rest["next_cursor"] is None
    assert rest["data"][0]["prev_hash"] == entries["data"][1]["hash"]
    assert get(seller[0], f"/v1/contracts/{cid}/ledger/verify").json()["ok"] is True

    # refusals: future, zero, unknown kind, the licensor recording, a draft contract
    pay(buyer[0], cid, 1, paid_at="2099-01-01T00:00:00Z", expect=422)
    r = s().request("POST", f"/v1/contracts/{cid}/payments",
                    {"amount_fen": 0, "kind": "bonus", "paid_at": "yesterday", "reference": ""},
                    token=buyer[0])
    assert {e["field"] for e in problem(r, 422)["errors"]} == {"amount_fen", "kind", "paid_at",
                                                               "reference"}
    pay(seller[0], cid, 1, expect=403)
    actions = [a[0] for a in psql(f"SELECT action FROM audit_log WHERE object_id = '{p2['id']}'"
                                  " ORDER BY id")]
    assert actions == ["payment.report", "payment.dispute", "payment.confirm",
                       "payment.reverse"], actions


@test
def test_split_is_exact_for_random_amounts_and_plans():
    """random amounts over a four-way plan: the entries always sum to the payment"""
    plan = [{"beneficiary": "王五", "role": "inventor", "share_bp": 3333},
            {"beneficiary": "赵六", "role": "inventor", "share_bp": 3333},
            {"beneficiary": "山东理工大学", "role": "institution", "share_bp": 3000},
            {"beneficiary": "淄博市技术市场", "role": "platform", "share_bp": 334}]
    seller, buyer, c = active_contract(plan=plan)
    rng = random.Random(45)
    for _ in range(12):
        amount = rng.choice([1, 2, 3, 7, 9999, rng.randint(1, 10 ** 12)])
        done = confirm(seller[0], pay(buyer[0], c["id"], amount)["id"])
        parts = [x["amount_fen"] for x in done["split"]]
        assert sum(parts) == amount and len(parts) == 4, (amount, parts)
        for x, share in zip(parts, (3333, 3333, 3000, 334)):
            assert abs(x * 10000 - amount * share) < 10000, (amount, parts)
    assert get(buyer[0], f"/v1/contracts/{c['id']}/ledger/verify").json()["ok"] is True


@test
def test_a_forced_ledger_change_is_refused_or_shows():
    """UPDATE and DELETE are refused; a change forced past the trigger shows in verify and check"""
    seller, buyer, c = active_contract()
    confirm(seller[0], pay(buyer[0], c["id"], 300000)["id"])
    cid = c["id"]
    out = psql(f"UPDATE ledger_entries SET amount_fen = amount_fen + 1 WHERE contract_id = '{cid}'",
               check=False)
    assert "append-only" in out, out
    assert "append-only" in psql(f"DELETE FROM ledger_entries WHERE contract_id = '{cid}'",
                                 check=False)
    assert "append-only" in psql("TRUNCATE ledger_entries CASCADE", check=False)
    privileges = psql("SELECT has_table_privilege('techex', 'ledger_entries', 'UPDATE'),"
                      " has_table_privilege('techex', 'ledger_entries', 'DELETE')")
    assert privileges == [["f", "f"]], privileges
    # a superuser switches the trigger off and changes an amount: it shows
    tamper = (f"ALTER TABLE ledger_entries DISABLE TRIGGER ledger_entries_append_only;"
              f" UPDATE ledger_entries SET amount_fen = amount_fen {{}} 1"
              f" WHERE contract_id = '{cid}' AND seq = 2;"
              f" ALTER TABLE ledger_entries ENABLE TRIGGER ledger_entries_append_only;")
    psql(tamper.format("+"))
    try:
        v = get(buyer[0], f"/v1/contracts/{cid}/ledger/verify").json()
        assert v["ok"] is False and v["first_broken_seq"] == 2 and "changed" in v["reason"], v
        p = techex("check")
        assert p.returncode == 1 and cid in p.stdout and "problem" in p.stdout, p.stdout
    finally:
        psql(tamper.format("-"))
    assert get(buyer[0], f"/v1/contracts/{cid}/ledger/verify").json()["ok"] is True
    # entries cut from the end still link; the payment they belong to tells
    psql(f"CREATE TABLE tamper_backup AS SELECT * FROM ledger_entries WHERE contract_id = '{cid}'"
         f" AND seq = 3;"
         f" ALTER TABLE ledger_entries DISABLE TRIGGER ledger_entries_append_only;"
         f" DELETE FROM ledger_entries WHERE contract_id = '{cid}' AND seq = 3;"
         f" ALTER TABLE ledger_entries ENABLE TRIGGER ledger_entries_append_only;")
    try:
        v = get(buyer[0], f"/v1/contracts/{cid}/ledger/verify").json()
        assert v["ok"] is False and v["entries"] == 2 and "missing" in v["reason"], v
        assert techex("check").returncode == 1
    finally:
        psql("INSERT INTO ledger_entries SELECT * FROM tamper_backup; DROP TABLE tamper_backup")
    assert get(buyer[0], f"/v1/contracts/{cid}/ledger/verify").json()["ok"] is True
    p = techex("check")
    assert p.returncode == 0 and "all invariants hold" in p.stdout, p.stdout + p.stderr


@test
def test_statement_in_json_and_csv():
    """each side's payments in the period with splits and totals; CSV with a BOM, header, Chinese"""
    seller, buyer, c = active_contract()
    cid = c["id"]
    p1 = pay(buyer[0], cid, 1000000, kind="upfront", paid_at="2025-02-01T00:00:00Z",
             reference="首付款，淄博")
    confirm(seller[0], p1["id"])
    p2 = pay(buyer[0], cid, 2500, paid_at="2025-03-15T10:00:00Z", reference="=SUM(A1:A9)")
    pay(buyer[0], cid, 99, paid_at="2024-12-31T15:59:59Z")  # 23:59:59 in China: outside
    pay(buyer[0], cid, 98, paid_at="2025-12-31T16:00:00Z")  # 2026-01-01 in China: outside
    path = f"/v1/orgs/{buyer[2]['id']}/statement?from=2025-01-01&to=2025-12-31"
    st = get(buyer[0], path).json()
    assert [(x["payment_id"], x["direction"], x["status"]) for x in st["data"]] == [
        (p1["id"], "paid", "confirmed"), (p2["id"], "paid", "reported")], st
    assert st["data"][0]["split"][2] == {"beneficiary": "山东理工大学", "role": "institution",
                                          "share_bp": 5000, "amount_fen": 500000}, st
    assert st["totals"] == {"payments": 2, "paid_fen": 1000000, "paid_reported_fen": 2500,
                            "paid_disputed_fen": 0, "received_fen": 0,
                            "received_reported_fen": 0, "received_disputed_fen": 0}, st
    theirs = get(seller[0], f"/v1/orgs/{seller[2]['id']}/statement?from=2025-01-01&to=2025-12-31")
    assert [x["direction"] for x in theirs.json()["data"]] == ["received", "received"]
    r = s().request("GET", path, token=buyer[0], headers={"Accept": "text/csv"})
    assert r.status == 200 and r.header("Content-Type").startswith("text/csv"), r
    assert "attachment" in r.header("Content-Disposition"), r.headers
    assert r.body.startswith(b"\xef\xbb\xbf"), r.body[:10]
    lines = r.body.decode("utf-8-sig").split("\r\n")
    assert lines[0] == ("paid_at,direction,contract_id,payment_id,kind,amount_fen,currency,status,"
                        "reference,deductions_fen,net_fen")
    assert lines[1] == (f"2025-02-01T00:00:00Z,paid,{cid},{p1['id']},upfront,1000000,CNY,confirmed,"
                        "首付款，淄博,0,1000000"), lines[1]
    assert lines[2].endswith(",reported,\"'=SUM(A1:A9)\",0,2500"), lines[2]
    assert lines[3] == "" and len(lines) == 4, lines
    # only the organization's members and admins; bad dates named
    problem(s().request("GET", path, token=seller[0]), 404)
    problem(s().request("GET", path, token=enterprise()[0]), 404)
    problem(s().request("GET", path), 401)
    assert get(admin_token(s()), path).json()["totals"]["payments"] == 2
    problem(s().request("GET", f"/v1/orgs/{buyer[2]['id']}/statement?from=2025-13-01",
                        token=buyer[0]), 422, "from")
    problem(s().request("GET", f"/v1/orgs/{buyer[2]['id']}/statement?from=2025-02-01&to=2025-01-01",
                        token=buyer[0]), 422, "to")
    problem(s().request("GET", f"/v1/orgs/{buyer[2]['id']}/statement?month=1", token=buyer[0]),
            422, "month")


@test
def test_revenue_is_private_to_the_parties():
    """an outsider gets 404 and no data on every revenue endpoint; anonymous callers 401"""
    seller, buyer, c = active_contract()
    cid = c["id"]
    p = pay(buyer[0], cid, 4321, reference="保密转账")
    outsider = enterprise("淄博大亚金属科技")
    for method, path, body in (
            ("GET", f"/v1/contracts/{cid}/royalty-reports", None),
            ("POST", f"/v1/contracts/{cid}/royalty-reports",
             {"period_start": "2025-01-01", "period_end": "2025-01-31", "gross_sales_fen": 1,
              "waste_utilized_tonnes": 1}),
            ("GET", f"/v1/contracts/{cid}/payments", None),
            ("POST", f"/v1/contracts/{cid}/payments",
             {"amount_fen": 1, "kind": "royalty", "paid_at": "2025-01-01", "reference": "x"}),
            ("GET", f"/v1/payments/{p['id']}", None),
            ("POST", f"/v1/payments/{p['id']}/confirm", None),
            ("POST", f"/v1/payments/{p['id']}/dispute", {"reason": "试探"}),
            ("POST", f"/v1/payments/{p['id']}/reverse", {"reason": "试探"}),
            ("GET", f"/v1/contracts/{cid}/ledger", None),
            ("GET", f"/v1/contracts/{cid}/ledger/verify", None),
            ("GET", f"/v1/orgs/{buyer[2]['id']}/statement", None)):
        r = s().request(method, path, body, token=outsider[0])
        problem(r, 404)
        text = r.body.decode()
        assert "amount_fen" not in text and "保密转账" not in text and p["id"] not in text, r
        problem(s().request(method, path, body), 401)
    assert get(buyer[0], f"/v1/payments/{p['id']}").json()["status"] == "reported"
    assert get(seller[0], f"/v1/contracts/{cid}/payments").json()["data"][0]["id"] == p["id"]


@test
def test_stats_count_what_the_plan_measures():
    """per domain and in all: listings, deals signed, value, money distributed, waste used"""
    before = get(None, "/v1/stats").json()
    assert len(before["data"]) == 12 and before["data"][0]["domain"] == \
        "red_mud_building_materials", before
    seller, buyer, c = active_contract()
    report(buyer[0], c["id"], "2025-01-01", "2025-06-30", 1000000, tonnes=250000)
    confirm(seller[0], pay(buyer[0], c["id"], 8888)["id"])
    after = get(None, "/v1/stats").json()

    def row(doc):
        return next(x for x in doc["data"] if x["domain"] == "red_mud_building_materials")
    b, a = row(before), row(after)
    assert a["deals_signed"] - b["deals_signed"] == 1, (b, a)
    assert a["contract_value_fen"] - b["contract_value_fen"] == c["terms"]["upfront_fee_fen"]
    assert a["royalties_distributed_fen"] - b["royalties_distributed_fen"] == 8888, (b, a)
    assert a["waste_utilized_tonnes"] - b["waste_utilized_tonnes"] == 250000, (b, a)
    assert a["published_listings"] >= b["published_listings"]
    assert after["totals"]["waste_utilized_tonnes"] == sum(x["waste_utilized_tonnes"]
                                                           for x in after["data"])
    problem(s().request("GET", "/v1/stats?domain=x"), 422, "domain")


@test
def test_admin_audit_log_filters_and_pages():
    """admins read every state change by object, actor, organization, action and time"""
    seller, buyer, c = active_contract()
    admin = admin_token(s())
    rows = get(admin, f"/v1/admin/audit-log?object_id={c['id']}").json()["data"]
    assert [x["action"] for x in rows] == ["contract.activate", "contract.sign", "contract.sign",
                                           "contract.update", "contract.draft"], rows
    assert rows[0]["object_type"] == "contract" and rows[0]["at"].endswith("Z"), rows[0]
    mine = get(admin, f"/v1/admin/audit-log?actor_user_id={buyer[1]['id']}&action=contract.sign")
    assert [x["object_id"] for x in mine.json()["data"]] == [c["id"]], mine.json()
    page = get(admin, f"/v1/admin/audit-log?org_id={seller[2]['id']}&limit=2").json()
    assert len(page["data"]) == 2 and page["next_cursor"], page
    more = get(admin, f"/v1/admin/audit-log?org_id={seller[2]['id']}&limit=2&cursor="
                      f"{page['next_cursor']}").json()
    assert not {x["id"] for x in more["data"]} & {x["id"] for x in page["data"]}
    assert all(x["id"] < page["data"][-1]["id"] for x in more["data"])
    assert get(admin, "/v1/admin/audit-log?from=2099-01-01").json()["data"] == []
    problem(s().request("GET", "/v1/admin/audit-log", token=buyer[0]), 403)
    problem(s().request("GET", "/v1/admin/audit-log"), 401)
    p = problem(s().request("GET", "/v1/admin/audit-log?actor_user_id=me&from=soon&cursor=x",
                            token=admin), 422)
    assert {e["field"] for e in p["errors"]} >= {"actor_user_id", "from"}, p


@test
def test_stats_are_served_from_memory_for_a_few_seconds():
    """with TECHEX_STATS_TTL a server reuses its last answer; Cache-Control says for how long"""
    import harness
    srv = harness.Server("stats", env={"TECHEX_STATS_TTL": "30"})
    try:
        first = srv.request("GET", "/v1/stats")
        assert first.status == 200
        assert [v for k, v in first.headers if k.lower() == "cache-control"] == \
            ["public, max-age=30"], first.headers
        seller, buyer, c = active_contract()
        report(buyer[0], c["id"], "2025-01-01", "2025-01-31", 1, tonnes=777)
        again = srv.request("GET", "/v1/stats")
        assert again.body == first.body, "served from memory"
        fresh = get(None, "/v1/stats")  # the shared server computes each time
        assert fresh.header("Cache-Control") == "public, max-age=0"
        assert fresh.json()["totals"]["waste_utilized_tonnes"] >= \
            first.json()["totals"]["waste_utilized_tonnes"] + 777
    finally:
        srv.stop()


@test
def test_stats_are_shared_by_the_servers_of_one_database():
    """servers on one database share the last /v1/stats answer for the TTL: a second server
    shows the figures the first counted, not figures of its own; once the shared answer is
    older than the TTL, the next server counts again and shares that"""
    import harness
    a = harness.Server("stats-a", env={"TECHEX_STATS_TTL": "30"})
    b = c = None
    try:
        first = a.request("GET", "/v1/stats")
        assert first.status == 200
        assert psql("SELECT count(*) FROM stats_snapshots") == [["1"]]
        seller, buyer, contract = active_contract()
        report(buyer[0], contract["id"], "2025-02-01", "2025-02-28", 1, tonnes=555)
        b = harness.Server("stats-b", env={"TECHEX_STATS_TTL": "30"})
        second = b.request("GET", "/v1/stats")
        assert second.status == 200 and second.body == first.body, "the shared answer"
        # the shared answer ages past the TTL: the next server to ask counts again
        psql("UPDATE stats_snapshots SET computed_at = now() - interval '31 seconds'")
        c = harness.Server("stats-c", env={"TECHEX_STATS_TTL": "30"})
        third = c.request("GET", "/v1/stats").json()
        assert third["totals"]["waste_utilized_tonnes"] >= \
            first.json()["totals"]["waste_utilized_tonnes"] + 555, third["totals"]
        [[body, recent]] = psql("SELECT body, computed_at > now() - interval '10 seconds'"
                                " FROM stats_snapshots")
        assert json.loads(body) == third and recent == "t", "the new count is shared"
    finally:
        for srv in (a, b, c):
            if srv is not None:
                srv.stop()
