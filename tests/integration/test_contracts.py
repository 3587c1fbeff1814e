"""Contracts: from an accepted bid to an active contract, edits, signatures, termination, the
statutory revenue-share plan and the printable document, with who may see what."""

import copy
import datetime
import json
import uuid

from harness import admin_token, member, problem, psql, test
from deal_fixtures import (NEGOTIABLE, s, university, enterprise, publish, offer, bid, act, get,
                           canonical_digest, patch_contract, sign, audit_actions, deal)


@test
def test_negotiation_from_offer_to_active_contract():
    """offer → counter → the bidder accepts → terms edited → both sign → active, listing licensed"""
    seller, buyer, rival = university(), enterprise(), enterprise("淄博东大环保科技有限公司")
    listing = publish(seller[0])
    lid = listing["id"]
    b = bid(buyer[0], lid)
    assert b["status"] == "open" and b["amount_fen"] == 30000000 and b["currency"] == "CNY", b
    assert b["bidder_org_id"] == buyer[2]["id"] and b["listing_org_id"] == seller[2]["id"], b
    assert b["terms"] == {"royalty_bp": 300, "term_months": 60, "territory": "山东省",
                          "field_of_use": "道路基层材料"}, b
    assert b["listing_title"] == NEGOTIABLE["title"] and b["contract_id"] is None, b
    other = bid(rival[0], lid, offer(25000000, "non_exclusive_license"))

    # the owner sees every offer; each bidder only its own
    seen = get(seller[0], f"/v1/listings/{lid}/bids").json()["data"]
    assert {x["id"] for x in seen} == {b["id"], other["id"]}, seen
    mine = get(buyer[0], f"/v1/listings/{lid}/bids").json()["data"]
    assert [x["id"] for x in mine] == [b["id"]], mine
    assert [x["id"] for x in get(seller[0], "/v1/bids?role=received").json()["data"]] == \
        [other["id"], b["id"]]
    assert [x["id"] for x in get(buyer[0], "/v1/bids?role=sent").json()["data"]] == [b["id"]]
    assert get(buyer[0], "/v1/bids?role=received").json()["data"] == []

    read = s().request("GET", f"/v1/bids/{b['id']}", token=buyer[0])
    c = act(seller[0], b["id"], "counter", {"amount_fen": 42000000, "message": "独占许可需42万元。"})
    # the bidder accepts what it read, or nothing: the counter came after its read
    problem(s().request("POST", f"/v1/bids/{b['id']}/accept", token=buyer[0],
                        headers={"If-Match": read.header("ETag")}), 412)
    assert c["status"] == "countered" and c["counter_amount_fen"] == 42000000, c
    assert c["counter_message"] == "独占许可需42万元。", c
    r = act(buyer[0], b["id"], "accept", expect=201)
    accepted, contract = r["bid"], r["contract"]
    assert accepted["status"] == "accepted" and accepted["contract_id"] == contract["id"], accepted

    # the contract starts from the bid and the statutory revenue share
    assert contract["status"] == "draft" and contract["transaction_mode"] == "exclusive_license"
    assert contract["licensor_org_id"] == seller[2]["id"], contract
    assert contract["licensee_org_id"] == buyer[2]["id"], contract
    t = contract["terms"]
    assert t["upfront_fee_fen"] == 42000000 and t["royalty_bp"] == 300, t
    assert t["territory"] == "山东省" and t["field_of_use"] == "道路基层材料", t
    start = datetime.date.fromisoformat(t["term_start"])
    end = datetime.date.fromisoformat(t["term_end"])
    assert end.year - start.year == 5 and (end + datetime.timedelta(days=1)).day == start.day, t
    assert contract["revenue_share"] == [
        {"beneficiary": "张三", "role": "inventor", "share_bp": 2500},
        {"beneficiary": "李四", "role": "inventor", "share_bp": 2500},
        {"beneficiary": "山东理工大学", "role": "institution", "share_bp": 5000}], contract
    assert contract["digest"] == canonical_digest(contract), contract
    assert contract["signatures"] == [], contract

    # the exclusive deal takes the listing off the market and closes the rival offer
    assert get(None, f"/v1/listings/{lid}").json()["status"] == "under_contract"
    assert get(rival[0], f"/v1/bids/{other['id']}").json()["status"] == "closed"
    problem(s().request("POST", f"/v1/listings/{lid}/bids", offer(), token=rival[0]), 409)

    # both sides read the whole negotiation
    history = get(buyer[0], f"/v1/bids/{b['id']}").json()["history"]
    assert [(h["kind"], h["amount_fen"]) for h in history] == [
        ("offer", 30000000), ("counter", 42000000), ("accept", 42000000)], history
    assert history[1]["message"] == "独占许可需42万元。" and history[1]["org_id"] == seller[2]["id"]
    assert get(seller[0], f"/v1/bids/{b['id']}").json()["history"] == history

    # terms are settled while a draft; the digest follows them
    plan = [{"beneficiary": "张三", "role": "inventor", "share_bp": 3000},
            {"beneficiary": "李四", "role": "inventor", "share_bp": 3000},
            {"beneficiary": "山东理工大学", "role": "institution", "share_bp": 3500},
            {"beneficiary": "淄博市技术市场", "role": "platform", "share_bp": 500}]
    edited = patch_contract(buyer[0], contract, {"terms": {"minimum_annual_royalty_fen": 5000000,
                                                           "territory": "山东省淄博市"},
                                                 "revenue_share": plan})
    assert edited["terms"]["minimum_annual_royalty_fen"] == 5000000, edited
    assert edited["terms"]["upfront_fee_fen"] == 42000000, edited
    assert edited["revenue_share"] == plan and edited["digest"] != contract["digest"], edited
    assert edited["digest"] == canonical_digest(edited), edited

    # the licensor signs the current digest; a stale one is refused
    problem(s().request("POST", f"/v1/contracts/{contract['id']}/sign",
                        {"digest": contract["digest"]}, token=seller[0]), 409)
    signed = sign(seller[0], contract["id"])
    assert signed["status"] == "signed_by_licensor", signed
    assert [(x["org_id"], x["party"], x["digest"]) for x in signed["signatures"]] == [
        (seller[2]["id"], "licensor", edited["digest"])], signed
    problem(s().request("POST", f"/v1/contracts/{contract['id']}/sign",
                        {"digest": edited["digest"]}, token=seller[0]), 409)
    # from the first signature nothing in it changes, by the API or in the database
    patch_contract(buyer[0], contract, {"terms": {"royalty_bp": 100}}, expect=409)
    out = psql(f"UPDATE contracts SET royalty_bp = 100 WHERE id = '{contract['id']}'",
               check=False)
    assert "cannot change" in out, out
    out = psql(f"DELETE FROM contract_signatures WHERE contract_id = '{contract['id']}'",
               check=False)
    assert "refused" in out, out

    active = sign(buyer[0], contract["id"])
    assert active["status"] == "active" and active["activated_at"], active
    assert len(active["signatures"]) == 2 and active["digest"] == edited["digest"], active
    assert get(None, f"/v1/listings/{lid}").json()["status"] == "licensed"
    problem(s().request("POST", f"/v1/contracts/{contract['id']}/sign",
                        {"digest": edited["digest"]}, token=buyer[0]), 409)

    assert audit_actions(b["id"]) == ["bid.create", "bid.counter", "bid.accept"]
    assert audit_actions(other["id"]) == ["bid.create", "bid.close"]
    assert audit_actions(contract["id"]) == ["contract.draft", "contract.update", "contract.sign",
                                             "contract.sign", "contract.activate"]
    assert audit_actions(lid)[-2:] == ["listing.under_contract", "listing.licensed"]


@test
def test_contract_document_is_printable():
    """the Markdown document shows parties, technology, terms, plan, digest and signatures"""
    seller, buyer, listing, b, contract = deal()
    sign(seller[0], contract["id"])
    r = get(buyer[0], f"/v1/contracts/{contract['id']}/document")
    assert r.header("Content-Type").startswith("text/markdown"), r.headers
    text = r.body.decode("utf-8")
    assert text.startswith("# 技术许可合同 Technology Licence Contract"), text[:200]
    for needle in ("## 一、合同双方 Parties", "山东理工大学", "山东金卡材料有限公司",
                   "独占许可 exclusive licence", "ZL2017106018623", "张三",
                   "## 四、收益分配 Revenue share", "50.00 % (5000 bp)", contract["digest"],
                   "许可方 Licensor", "张教授", "¥300,000.00 (30000000 fen)"):
        assert needle in text, (needle, text)
    assert "赤泥制备道路基层材料技术" in text, text
    get(enterprise()[0], f"/v1/contracts/{contract['id']}/document", expect=404)


@test
def test_terminating_frees_an_exclusive_listing():
    """a draft that falls through or an exclusive licence that ends returns the listing; an
    active assignment does not"""
    seller, buyer, listing, b, contract = deal()
    problem(s().request("POST", f"/v1/contracts/{contract['id']}/terminate", {},
                        token=buyer[0]), 422, "reason")
    problem(s().request("POST", f"/v1/contracts/{contract['id']}/terminate", {"reason": "x"},
                        token=enterprise()[0]), 404)
    t = s().request("POST", f"/v1/contracts/{contract['id']}/terminate",
                    {"reason": "双方协商一致解除"}, token=buyer[0])
    assert t.status == 200 and t.json()["status"] == "terminated", t
    assert t.json()["termination_reason"] == "双方协商一致解除" and t.json()["terminated_at"]
    assert get(None, f"/v1/listings/{listing['id']}").json()["status"] == "published"
    problem(s().request("POST", f"/v1/contracts/{contract['id']}/terminate", {"reason": "再次"},
                        token=seller[0]), 409)
    problem(s().request("POST", f"/v1/contracts/{contract['id']}/sign",
                        {"digest": contract["digest"]}, token=seller[0]), 409)
    # the listing can be dealt again
    again = bid(buyer[0], listing["id"])
    c2 = act(seller[0], again["id"], "accept", expect=201)["contract"]
    sign(seller[0], c2["id"])
    sign(buyer[0], c2["id"])
    assert get(None, f"/v1/listings/{listing['id']}").json()["status"] == "licensed"
    r = s().request("POST", f"/v1/contracts/{c2['id']}/terminate", {"reason": "被许可方违约"},
                    token=admin_token(s()))
    assert r.status == 200, r
    assert get(None, f"/v1/listings/{listing['id']}").json()["status"] == "published"

    s2, b2, l2, _, assignment = deal(mode="assignment")
    sign(s2[0], assignment["id"])
    sign(b2[0], assignment["id"])
    assert s().request("POST", f"/v1/contracts/{assignment['id']}/terminate",
                       {"reason": "转让款争议"}, token=s2[0]).status == 200
    assert get(None, f"/v1/listings/{l2['id']}").json()["status"] == "licensed"


@test
def test_contract_edits_are_checked():
    """If-Match, the plan's sum and entries, the term's order, unknown fields"""
    seller, buyer, listing, b, contract = deal()
    path = f"/v1/contracts/{contract['id']}"
    problem(s().request("PATCH", path, {"terms": {"royalty_bp": 500}}, token=buyer[0]), 428)
    problem(s().request("PATCH", path, {"terms": {"royalty_bp": 500}}, token=buyer[0],
                        headers={"If-Match": '"999"'}), 412)
    bad = [({"revenue_share": [{"beneficiary": "山东理工大学", "role": "institution",
                                "share_bp": 9000}]}, "revenue_share"),
           ({"revenue_share": [{"beneficiary": "张三", "role": "inventor", "share_bp": 0},
                               {"beneficiary": "李四", "role": "inventor", "share_bp": 10000}]},
            "revenue_share[0].share_bp"),
           ({"revenue_share": [{"beneficiary": "张三", "role": "inventor", "share_bp": 5000},
                               {"beneficiary": "张三", "role": "inventor", "share_bp": 5000}]},
            "revenue_share[1]"),
           ({"revenue_share": [{"beneficiary": "张三", "role": "boss", "share_bp": 10000}]},
            "revenue_share[0].role"),
           ({"terms": {"term_start": "2027-01-01", "term_end": "2026-12-31"}}, "terms.term_end"),
           ({"terms": {"upfront_fee_fen": None}}, "terms.upfront_fee_fen"),
           ({"terms": {"royalty_bp": 10001}}, "terms.royalty_bp"),
           ({"terms": {"term_start": "2026-02-30"}}, "terms.term_start"),
           ({"parties": []}, "parties")]
    for body, field in bad:
        patch_contract(buyer[0], contract, body, expect=422)
        r = s().request("GET", path, token=buyer[0])
        r = s().request("PATCH", path, body, token=buyer[0], headers={"If-Match": r.header("ETag")})
        problem(r, 422, field)
    assert get(buyer[0], path).json()["digest"] == contract["digest"], "nothing changed"
    # an empty plan brings the statutory default back
    custom = [{"beneficiary": "山东理工大学", "role": "institution", "share_bp": 10000}]
    assert patch_contract(seller[0], contract, {"revenue_share": custom})["revenue_share"] == custom
    restored = patch_contract(seller[0], contract, {"revenue_share": []})
    assert restored["revenue_share"] == contract["revenue_share"], restored
    assert restored["digest"] == contract["digest"], restored
    # a no-op edit makes no new version
    r = s().request("GET", path, token=seller[0])
    same = s().request("PATCH", path, {"terms": {"royalty_bp": 300}}, token=seller[0],
                       headers={"If-Match": r.header("ETag")})
    assert same.status == 200 and same.header("ETag") == r.header("ETag"), same


@test
def test_signing_rules():
    """owners and admins of a party sign a complete contract; members and outsiders do not"""
    seller, buyer, listing, b, contract = deal()
    cid = contract["id"]
    problem(s().request("POST", f"/v1/contracts/{cid}/sign", {"digest": "abc"},
                        token=seller[0]), 422, "digest")
    problem(s().request("POST", f"/v1/contracts/{cid}/sign", {"digest": contract["digest"]},
                        token=enterprise()[0]), 404)
    problem(s().request("POST", f"/v1/contracts/{cid}/sign", {"digest": contract["digest"]},
                        token=admin_token(s())), 403)
    problem(s().request("POST", f"/v1/contracts/{cid}/sign", {"digest": contract["digest"]}), 401)
    psql(f"UPDATE users SET org_role = 'member' WHERE id = '{buyer[1]['id']}'")
    problem(s().request("POST", f"/v1/contracts/{cid}/sign", {"digest": contract["digest"]},
                        token=buyer[0]), 403)
    psql(f"UPDATE users SET org_role = 'owner' WHERE id = '{buyer[1]['id']}'")
    # a licence without an end date is not ready to sign
    undated = patch_contract(seller[0], contract, {"terms": {"term_end": None}})
    p = problem(s().request("POST", f"/v1/contracts/{cid}/sign", {"digest": undated["digest"]},
                            token=seller[0]), 409)
    assert p["type"].endswith("contract-incomplete") and \
        [e["field"] for e in p["errors"]] == ["terms.term_end"], p
    dated = patch_contract(seller[0], contract, {"terms": {"term_end": "2031-12-31"}})
    assert sign(buyer[0], cid, digest=dated["digest"].upper())["status"] == "signed_by_licensee"


@test
def test_contracts_are_private_to_the_two_parties():
    """outsiders get 404 and no data; anonymous 401; lists hold only the caller's contracts"""
    seller, buyer, listing, b, contract = deal()
    outsider = university("北京科技大学")
    cid = contract["id"]
    for method, path, body in (("GET", f"/v1/contracts/{cid}", None),
                               ("PATCH", f"/v1/contracts/{cid}", {"terms": {"royalty_bp": 1}}),
                               ("POST", f"/v1/contracts/{cid}/sign", {"digest": "0" * 64}),
                               ("POST", f"/v1/contracts/{cid}/terminate", {"reason": "试探"}),
                               ("GET", f"/v1/contracts/{cid}/document", None)):
        r = s().request(method, path, body, token=outsider[0], headers={"If-Match": "*"})
        problem(r, 404)
        assert contract["digest"] not in r.body.decode() and "张三" not in r.body.decode(), r
        problem(s().request(method, path, body), 401)
    problem(s().request("GET", f"/v1/contracts/{uuid.uuid4()}", token=seller[0]), 404)
    problem(s().request("GET", "/v1/contracts"), 401)
    assert get(outsider[0], "/v1/contracts").json()["data"] == []
    mine = get(buyer[0], "/v1/contracts?role=licensee&status=draft").json()["data"]
    assert [c["id"] for c in mine] == [cid], mine
    assert get(buyer[0], "/v1/contracts?role=licensor").json()["data"] == []
    assert cid in [c["id"] for c in get(admin_token(s()), "/v1/contracts?limit=100")
                   .json()["data"]]
    problem(s().request("GET", "/v1/contracts?status=signed", token=buyer[0]), 422, "status")
    problem(s().request("GET", "/v1/contracts?role=both", token=buyer[0]), 422, "role")


@test
def test_statutory_plan_splits_inventors_by_largest_remainder():
    """three inventors share 5000 bp as 1667, 1667, 1666; an enterprise licensor keeps 100 %"""
    body = copy.deepcopy(NEGOTIABLE)
    body["patent"]["inventors"] = ["王五", "赵六", "孙七", "王五"]
    _, _, _, _, contract = deal(body)
    assert contract["revenue_share"] == [
        {"beneficiary": "王五", "role": "inventor", "share_bp": 1667},
        {"beneficiary": "赵六", "role": "inventor", "share_bp": 1667},
        {"beneficiary": "孙七", "role": "inventor", "share_bp": 1666},
        {"beneficiary": "山东理工大学", "role": "institution", "share_bp": 5000}], contract
    seller = enterprise("山铝环保科技有限公司")
    buyer = enterprise()
    listing = publish(seller[0])
    b = bid(buyer[0], listing["id"])
    c = act(seller[0], b["id"], "accept", expect=201)["contract"]
    assert c["revenue_share"] == [{"beneficiary": "山铝环保科技有限公司", "role": "institution",
                                   "share_bp": 10000}], c
    c = patch_contract(buyer[0], c, {"revenue_share": []})
    assert c["revenue_share"][0]["share_bp"] == 10000, c
