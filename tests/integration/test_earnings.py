"""Inventors' earnings: a revenue_share entry naming a member (user_id), its ledger
entries, and GET /v1/me/earnings (JSON and CSV) showing that person's entries only."""

import csv
import io

from common import main_server
from deal_fixtures import deal, patch_contract, sign
from harness import problem, psql, techex, test
from teams_fixtures import join_by_registering
from test_revenue import confirm, pay


@test
def test_inventor_sees_own_earnings_with_totals_per_year():
    """An inventor named in the plan sees every ledger entry paid to them, with contract, payment and totals per year; nobody else does"""
    srv = main_server()
    seller, buyer, listing, b, contract = deal()
    org = seller[2]["id"]
    inv_tok, inv_id, _ = join_by_registering(srv, org, seller[0], "member", "刘畅")
    other_tok, other_id, _ = join_by_registering(srv, org, seller[0], "member", "王建国")
    plan = [{"beneficiary": "刘畅", "role": "inventor", "share_bp": 7000, "user_id": inv_id},
            {"beneficiary": "鲁中赤泥理工大学", "role": "institution", "share_bp": 3000}]
    # the licensee's people are not the licensor's members
    bad = [dict(plan[0], user_id=buyer[1]["id"]), plan[1]]
    r = srv.request("GET", f"/v1/contracts/{contract['id']}", token=seller[0])
    problem(srv.request("PATCH", f"/v1/contracts/{contract['id']}", {"revenue_share": bad},
                        token=seller[0], headers={"If-Match": r.header("ETag")}), 422, "revenue_share")
    patch_contract(seller[0], contract, {"terms": {"term_start": "2025-01-01", "term_end": "2029-12-31"},
                                         "revenue_share": plan})
    sign(seller[0], contract["id"])
    assert sign(buyer[0], contract["id"])["status"] == "active"
    cid = contract["id"]
    p1 = pay(buyer[0], cid, 1000001, "upfront", paid_at="2025-03-01T08:00:00Z", reference="工行 2025")
    p2 = pay(buyer[0], cid, 500000, "royalty", paid_at="2026-04-15T08:00:00Z", reference="工行 2026")
    confirm(seller[0], p1["id"])
    confirm(seller[0], p2["id"])
    r = srv.request("GET", "/v1/me/earnings", token=inv_tok)
    assert r.status == 200, r
    e = r.json()
    assert [x["payment_id"] for x in e["data"]] == [p1["id"], p2["id"]], e
    assert [x["amount_fen"] for x in e["data"]] == [700001, 350000], e  # largest remainder
    assert all(x["contract_id"] == cid and x["role"] == "inventor" for x in e["data"]), e
    assert e["totals"] == {"entries": 2, "amount_fen": 1050001}, e["totals"]
    assert e["years"] == [{"year": 2025, "entries": 1, "amount_fen": 700001},
                          {"year": 2026, "entries": 1, "amount_fen": 350000}], e["years"]
    # a period
    r = srv.request("GET", "/v1/me/earnings?from=2026-01-01&to=2026-12-31", token=inv_tok)
    assert [x["payment_id"] for x in r.json()["data"]] == [p2["id"]], r
    problem(srv.request("GET", "/v1/me/earnings?from=2026-02-01&to=2026-01-01", token=inv_tok), 422, "to")
    # CSV
    r = srv.request("GET", "/v1/me/earnings", token=inv_tok, headers={"Accept": "text/csv"})
    assert r.status == 200 and r.header("Content-Type").startswith("text/csv"), r
    rows = list(csv.DictReader(io.StringIO(r.body.decode("utf-8-sig"))))
    assert [row["amount_fen"] for row in rows] == ["700001", "350000"], rows
    assert rows[0]["beneficiary"] == "刘畅" and rows[0]["contract_id"] == cid, rows[0]
    # nobody else's entries show
    for tok in (seller[0], buyer[0], other_tok):
        r = srv.request("GET", "/v1/me/earnings", token=tok)
        assert r.status == 200 and r.json()["data"] == [] and r.json()["totals"]["entries"] == 0, r
    problem(srv.request("GET", "/v1/me/earnings"), 401)
    # the chain holds with the user ids in it
    assert psql(f"SELECT count(*) FROM ledger_entries WHERE contract_id = '{cid}' AND user_id = '{inv_id}'") \
        == [["2"]]
    v = srv.request("GET", f"/v1/contracts/{cid}/ledger/verify", token=seller[0]).json()
    assert v["ok"] is True, v
    p = techex("check")
    assert p.returncode == 0, p.stdout[-2000:]
    # a reversal books the inventor's part back, to the same person
    r = srv.request("POST", f"/v1/payments/{p2['id']}/reverse", {"reason": "银行退票"}, token=seller[0])
    assert r.status == 200, r
    e = srv.request("GET", "/v1/me/earnings", token=inv_tok).json()
    assert e["totals"] == {"entries": 3, "amount_fen": 700001}, e["totals"]
    assert srv.request("GET", f"/v1/contracts/{cid}/ledger/verify", token=seller[0]).json()["ok"]
