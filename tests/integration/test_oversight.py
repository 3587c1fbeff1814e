"""Deal oversight end to end, only through the API: a Shandong university fills in its
profile, an admin verifies it and records that it is government-established; its agreed
price then carries the 70 % inventors' plan, must be publicly noticed, draws an objection
that the admin's desk shows, is signed only after a clean close, is registered, and its
first payment is confirmed net of costs, disputed and settled by the admin."""

from harness import admin_token, credit_code, login, problem, psql, register, techex, test
from deal_fixtures import NEGOTIABLE, s, publish, offer, bid, act, sign, enterprise
from test_notices import PROCEDURE, GROUNDS, slug, close_window


def university_from_scratch():
    """Registers 山东理工大学, fills in its profile as its owner (If-Match), and has the admin
    verify it and mark it government-established (reason given): (token, user, org)."""
    data, body = register(s(), kind="university", name="山东理工大学")
    tok = login(s(), body["email"])["token"]
    org_id = data["organization"]["id"]
    admin = admin_token(s())
    problem(s().request("POST", f"/v1/admin/orgs/{org_id}/verify", token=admin), 409)
    r = s().request("GET", f"/v1/orgs/{org_id}")
    assert r.status == 200, r
    profile = {"credit_code": credit_code("370303", "12"), "region_code": "370303",
               "legal_representative": "王教授", "address": "山东省淄博市张店区新村西路266号",
               "website": "https://www.sdut.edu.cn", "description": "赤泥综合利用技术转移中心"}
    # an owner may not declare itself government-established
    r = s().request("PATCH", f"/v1/orgs/{org_id}", dict(profile, government_established=True),
                    token=tok, headers={"If-Match": r.header("ETag")})
    problem(r, 403)
    r = s().request("GET", f"/v1/orgs/{org_id}")
    r = s().request("PATCH", f"/v1/orgs/{org_id}", profile, token=tok,
                    headers={"If-Match": r.header("ETag")})
    assert r.status == 200 and r.json()["credit_code"] == profile["credit_code"], r
    r = s().request("POST", f"/v1/admin/orgs/{org_id}/verify", token=admin)
    assert r.status == 200 and r.json()["status"] == "verified", r
    problem(s().request("PATCH", f"/v1/admin/orgs/{org_id}", {"government_established": True},
                        token=admin), 422, "reason")
    r = s().request("PATCH", f"/v1/admin/orgs/{org_id}",
                    {"government_established": True, "reason": "省属公办高校，依据办学许可证核定"},
                    token=admin)
    assert r.status == 200 and r.json()["government_established"] is True, r
    return tok, data["user"], r.json()


@test
def test_a_shandong_universitys_deal_from_profile_to_settled_payment():
    """a Shandong university verified through its profile: 70 % to the inventors, public
    notice with an objection on the admin's desk, signed after a clean close, registered,
    paid net of costs, the payment disputed and settled by the admin"""
    uni = university_from_scratch()
    buyer = enterprise("淄博金鼎建材有限公司")
    public = enterprise("淄博东大环保科技有限公司")
    admin = admin_token(s())
    listing = publish(uni[0])
    b = bid(buyer[0], listing["id"], offer(30000000, "exclusive_license"))
    act(uni[0], b["id"], "counter", {"amount_fen": 42000000, "message": "协议定价，需公示。"})
    c = act(buyer[0], b["id"], "accept", expect=201)["contract"]
    cid = c["id"]

    # the statutory plan of a government-established Shandong licensor, and its floor
    assert c["needs_notice"] is True, c
    inventors = sum(e["share_bp"] for e in c["revenue_share"] if e["role"] == "inventor")
    assert inventors == 7000 and c["reward_policy"]["inventor_floor_bp"] == 7000, c
    low = [{"beneficiary": "张三", "role": "inventor", "share_bp": 5000},
           {"beneficiary": "山东理工大学", "role": "institution", "share_bp": 5000}]
    r = s().request("PATCH", f"/v1/contracts/{cid}", {"revenue_share": low}, token=uni[0],
                    headers={"If-Match": s().request("GET", f"/v1/contracts/{cid}",
                                                     token=uni[0]).header("ETag")})
    problem(r, 422, "revenue_share")
    # terms complete before the notice freezes them
    r = s().request("GET", f"/v1/contracts/{cid}", token=uni[0])
    r = s().request("PATCH", f"/v1/contracts/{cid}",
                    {"terms": {"term_start": "2026-01-01", "term_end": "2030-12-31"}},
                    token=uni[0], headers={"If-Match": r.header("ETag")})
    assert r.status == 200, r
    c = r.json()

    # no signature before a clean notice; only the licensor publishes it
    r = s().request("POST", f"/v1/contracts/{cid}/sign", {"digest": c["digest"]}, token=buyer[0])
    problem(r, 409)
    assert slug(r) == "notice-required", r
    notice_body = {"days": 15, "objection_procedure": PROCEDURE}
    problem(s().request("POST", f"/v1/contracts/{cid}/notice", notice_body, token=buyer[0]), 403)
    problem(s().request("POST", f"/v1/contracts/{cid}/notice", notice_body, token=public[0]), 404)
    r = s().request("POST", f"/v1/contracts/{cid}/notice", notice_body, token=uni[0])
    assert r.status == 201, r
    nid = r.json()["id"]

    # anyone reads it; a member of the public objects; the parties may not
    r = s().request("GET", f"/v1/notices/{nid}")
    assert r.status == 200 and r.json()["price"]["upfront_fee_fen"] == c["terms"]["upfront_fee_fen"]
    problem(s().request("POST", f"/v1/notices/{nid}/objections", {"grounds": GROUNDS},
                        token=buyer[0]), 403)
    r = s().request("POST", f"/v1/notices/{nid}/objections", {"grounds": GROUNDS}, token=public[0])
    assert r.status == 201 and r.json()["status"] == "pending", r
    oid = r.json()["id"]
    anon = s().request("GET", f"/v1/notices/{nid}").json()
    assert "filer" not in anon["objections"][0] or anon["objections"][0]["filer"] is None, anon
    assert "淄博东大" not in s().request("GET", f"/v1/notices/{nid}").body.decode(), anon

    # the admin's desk shows the pending objection
    r = s().request("GET", "/v1/admin/deals?kind=notice_objection&limit=100", token=admin)
    assert r.status == 200, r
    assert any(d["object_id"] == nid and d["contract_id"] == cid for d in r.json()["data"]), r
    problem(s().request("GET", "/v1/admin/deals", token=uni[0]), 403)

    # the terms are frozen; the objection is dismissed with a reason; the window closes
    r = s().request("GET", f"/v1/contracts/{cid}", token=uni[0])
    r = s().request("PATCH", f"/v1/contracts/{cid}", {"terms": {"royalty_bp": 100}},
                    token=uni[0], headers={"If-Match": r.header("ETag")})
    problem(r, 409)
    assert slug(r) == "terms-frozen", r
    problem(s().request("POST", f"/v1/objections/{oid}/decide", {"outcome": "dismissed",
                        "reason": "越权"}, token=buyer[0]), 403)
    r = s().request("POST", f"/v1/objections/{oid}/decide",
                    {"outcome": "dismissed", "reason": "经第三方评估，协议价格公允。"}, token=admin)
    assert r.status == 200, r
    r = s().request("GET", "/v1/admin/deals?kind=notice_objection&limit=100", token=admin)
    assert not any(d["object_id"] == nid for d in r.json()["data"]), r
    problem(s().request("POST", f"/v1/contracts/{cid}/sign", {"digest": c["digest"]},
                        token=uni[0]), 409)  # still in its window
    close_window(nid)
    assert s().request("GET", f"/v1/notices/{nid}").json()["status"] == "closed_clean"
    sign(uni[0], cid)
    c = sign(buyer[0], cid)
    assert c["status"] == "active", c

    # registration, then the first payment net of costs, disputed, settled by the admin
    r = s().request("POST", f"/v1/contracts/{cid}/registration", {"status": "submitted"},
                    token=uni[0])
    assert r.status == 200 and r.json()["status"] == "submitted", r
    reg = s().request("GET", f"/v1/contracts/{cid}/registration", token=buyer[0]).json()
    assert reg["seller"]["credit_code"] == uni[2]["credit_code"], reg
    assert reg["contract_type"] == "技术许可", reg
    problem(s().request("GET", f"/v1/contracts/{cid}/registration", token=public[0]), 404)
    p = s().request("POST", f"/v1/contracts/{cid}/payments",
                    {"amount_fen": 1000000, "kind": "upfront", "paid_at": "2026-01-05T08:00:00Z",
                     "reference": "建设银行 转账 2026-0105"}, token=buyer[0])
    assert p.status == 201, p
    pid = p.json()["id"]
    r = s().request("POST", f"/v1/payments/{pid}/dispute", {"reason": "财务处未查到到账记录"},
                    token=uni[0])
    assert r.status == 200 and r.json()["status"] == "disputed", r
    r = s().request("GET", "/v1/admin/deals?kind=payment_disputed&limit=100", token=admin)
    assert any(d["object_id"] == pid for d in r.json()["data"]), r
    problem(s().request("POST", f"/v1/admin/payments/{pid}/resolve",
                        {"outcome": "confirm", "reason": "越权"}, token=uni[0]), 403)
    r = s().request("POST", f"/v1/admin/payments/{pid}/resolve",
                    {"outcome": "confirm", "reason": "已核实建设银行回单"}, token=admin)
    assert r.status == 200 and r.json()["status"] == "confirmed", r
    ledger = s().request("GET", f"/v1/contracts/{cid}/ledger", token=uni[0]).json()["data"]
    assert sum(e["amount_fen"] for e in ledger) == 1000000, ledger
    to_inventors = sum(e["amount_fen"] for e in ledger if e["role"] == "inventor")
    assert to_inventors == 700000, ledger
    assert s().request("GET", f"/v1/contracts/{cid}/ledger/verify",
                       token=buyer[0]).json()["ok"] is True

    # a second payment, confirmed by the licensor net of a cost: 70 % of the net
    p = s().request("POST", f"/v1/contracts/{cid}/payments",
                    {"amount_fen": 2000000, "kind": "milestone", "paid_at": "2026-02-05T08:00:00Z",
                     "reference": "建设银行 转账 2026-0205"}, token=buyer[0]).json()
    r = s().request("POST", f"/v1/payments/{p['id']}/confirm",
                    {"deductions": [{"reason": "技术合同登记代理费", "amount_fen": 200000}]},
                    token=uni[0])
    assert r.status == 200 and r.json()["status"] == "confirmed", r
    ledger = s().request("GET", f"/v1/contracts/{cid}/ledger", token=uni[0]).json()["data"]
    mine = [e for e in ledger if e["payment_id"] == p["id"]]
    assert [e["role"] for e in mine][0] == "cost" and mine[0]["amount_fen"] == 200000, mine
    assert sum(e["amount_fen"] for e in mine if e["role"] == "inventor") == 1260000, mine
    assert techex("check").returncode == 0
    actions = {row[0] for row in psql(f"SELECT action FROM audit_log WHERE object_id IN "
                                      f"('{cid}', '{nid}', '{oid}', '{pid}')")}
    assert {"notice.open", "contract.sign"} <= actions, actions
