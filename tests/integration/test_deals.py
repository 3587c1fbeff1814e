"""Deals: bids, counters, auctions, express licences, accept races, contracts,
signatures and the printable contract, with every refusal and who may see what."""

import copy
import datetime
import hashlib
import json
import threading
import uuid

from common import main_server
from harness import admin_token, member, problem, psql, publish_listing, test
from test_listings import PATENT, PROCESS

NEGOTIABLE = copy.deepcopy(PATENT)
NEGOTIABLE["transaction_modes"] = ["exclusive_license", "sole_license", "non_exclusive_license",
                                   "assignment"]


def s():
    return main_server()


def university(name="山东理工大学"):
    return member(s(), kind="university", name=name, verified=True)


def enterprise(name="山东金卡材料有限公司"):
    return member(s(), kind="enterprise", name=name, verified=True)


def publish(tok, body=NEGOTIABLE):
    return publish_listing(s(), tok, body)


def offer(amount=30000000, mode="exclusive_license", **extra):
    body = {"amount_fen": amount, "transaction_mode": mode,
            "message": "我公司年产赤泥基路基材料20万吨，希望获得独占许可。",
            "terms": {"royalty_bp": 300, "term_months": 60, "territory": "山东省",
                      "field_of_use": "道路基层材料"}}
    body.update(extra)
    return body


def bid(tok, lid, body=None, expect=201, headers=None):
    r = s().request("POST", f"/v1/listings/{lid}/bids", body or offer(), token=tok,
                    headers=headers)
    assert r.status == expect, r
    return r.json()


def act(tok, bid_id, action, body=None, expect=200, headers=None):
    r = s().request("POST", f"/v1/bids/{bid_id}/{action}", body, token=tok, headers=headers)
    assert r.status == expect, r
    return r.json()


def get(tok, path, expect=200):
    r = s().request("GET", path, token=tok)
    assert r.status == expect, r
    return r


def canonical_digest(contract):
    doc = {"revenue_share": contract["revenue_share"], "terms": contract["terms"]}
    if contract.get("digest_scheme", 2) == 2:  # scheme 1: contracts drafted before subjects
        doc["subject"] = contract["subject"]
    text = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def patch_contract(tok, contract, body, expect=200):
    r = s().request("GET", f"/v1/contracts/{contract['id']}", token=tok)
    r = s().request("PATCH", f"/v1/contracts/{contract['id']}", body, token=tok,
                    headers={"If-Match": r.header("ETag")})
    assert r.status == expect, r
    return r.json()


def sign(tok, contract_id, expect=200, digest=None):
    if digest is None:
        digest = get(tok, f"/v1/contracts/{contract_id}").json()["digest"]
    r = s().request("POST", f"/v1/contracts/{contract_id}/sign", {"digest": digest}, token=tok)
    assert r.status == expect, r
    return r.json()


def audit_actions(object_id):
    return [row[0] for row in psql(
        f"SELECT action FROM audit_log WHERE object_id = '{object_id}' ORDER BY id")]


def deal(listing_body=NEGOTIABLE, mode="exclusive_license"):
    """A published listing, a bid on it accepted by the owner: (seller, buyer, listing,
    bid, contract)."""
    seller = university()
    buyer = enterprise()
    listing = publish(seller[0], listing_body)
    b = bid(buyer[0], listing["id"], offer(mode=mode))
    r = act(seller[0], b["id"], "accept", expect=201)
    return seller, buyer, listing, r["bid"], r["contract"]


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
def test_bid_refusals():
    """unverified 403, own listing 403, unpublished 404/409, mode not offered 422, bad fields 422"""
    seller, buyer = university(), enterprise()
    listing = publish(seller[0], PATENT)  # offers exclusive and non-exclusive licences only
    lid = listing["id"]
    unverified = member(s(), kind="enterprise", name="山东宜景环保", verified=False)
    problem(s().request("POST", f"/v1/listings/{lid}/bids", offer(), token=unverified[0]), 403)
    problem(s().request("POST", f"/v1/listings/{lid}/bids", offer()), 401)
    problem(s().request("POST", f"/v1/listings/{lid}/bids", offer(), token=admin_token(s())), 403)
    p = problem(s().request("POST", f"/v1/listings/{lid}/bids", offer(), token=seller[0]), 403)
    assert p["type"].endswith("own-listing"), p
    problem(s().request("POST", f"/v1/listings/{lid}/bids", offer(mode="assignment"),
                        token=buyer[0]), 422, "transaction_mode")
    p = problem(s().request("POST", f"/v1/listings/{lid}/bids",
                            {"amount_fen": -1, "transaction_mode": "lease", "price": 1,
                             "terms": {"royalty_bp": 10001, "term_months": 0},
                             "message": "x" * 2001}, token=buyer[0]), 422)
    fields = {e["field"] for e in p["errors"]}
    assert fields == {"amount_fen", "transaction_mode", "price", "terms.royalty_bp",
                      "terms.term_months", "message"}, p
    problem(s().request("POST", f"/v1/listings/{lid}/bids", offer(amount=1.5), token=buyer[0]),
            422, "amount_fen")
    problem(s().request("POST", f"/v1/listings/{lid}/bids", offer(amount=2 ** 63),
                        token=buyer[0]), 422, "amount_fen")
    problem(s().request("POST", f"/v1/listings/{lid}/bids",
                        offer(expires_at="2020-01-01T00:00:00Z"), token=buyer[0]), 422,
            "expires_at")
    problem(s().request("POST", f"/v1/listings/{uuid.uuid4()}/bids", offer(), token=buyer[0]), 404)
    problem(s().request("POST", "/v1/listings/not-an-id/bids", offer(), token=buyer[0]), 404)
    # a draft is invisible to bidders; a withdrawn listing too
    draft = s().request("POST", "/v1/listings", PATENT, token=seller[0]).json()
    problem(s().request("POST", f"/v1/listings/{draft['id']}/bids", offer(), token=buyer[0]), 404)
    assert s().request("POST", f"/v1/listings/{lid}/withdraw", token=seller[0]).status == 200
    problem(s().request("POST", f"/v1/listings/{lid}/bids", offer(), token=buyer[0]), 404)
    # nothing of the refused offers was written
    assert psql(f"SELECT count(*) FROM bids WHERE listing_id = '{lid}'") == [["0"]]


@test
def test_bids_are_private_to_the_two_parties():
    """an outsider gets 404 and no data on every bid endpoint; anonymous callers 401"""
    seller, buyer, outsider = university(), enterprise(), enterprise("淄博博达机械有限公司")
    listing = publish(seller[0])
    b = bid(buyer[0], listing["id"], offer(message="保密报价：三十万元"))
    bid_paths = [("GET", f"/v1/bids/{b['id']}", None),
                 ("POST", f"/v1/bids/{b['id']}/counter", {"amount_fen": 1}),
                 ("POST", f"/v1/bids/{b['id']}/withdraw", None),
                 ("POST", f"/v1/bids/{b['id']}/reject", None),
                 ("POST", f"/v1/bids/{b['id']}/accept", None)]
    for method, path, body in bid_paths:
        r = s().request(method, path, body, token=outsider[0])
        problem(r, 404)
        assert b["id"] not in r.body.decode() and "保密报价" not in r.body.decode(), r
        problem(s().request(method, path, body), 401)
    seen = get(outsider[0], f"/v1/listings/{listing['id']}/bids").json()
    assert seen == {"data": [], "next_cursor": None}, seen
    for role in ("sent", "received"):
        assert get(outsider[0], f"/v1/bids?role={role}").json()["data"] == []
    problem(s().request("GET", f"/v1/listings/{listing['id']}/bids"), 401)
    problem(s().request("GET", "/v1/bids"), 401)
    # an admin may look, not act
    admin = admin_token(s())
    assert get(admin, f"/v1/bids/{b['id']}").json()["id"] == b["id"]
    problem(s().request("POST", f"/v1/bids/{b['id']}/accept", token=admin), 403)
    assert get(buyer[0], f"/v1/bids/{b['id']}").json()["status"] == "open"


@test
def test_who_may_counter_withdraw_reject_accept():
    """each action belongs to one side, per status"""
    seller, buyer = university(), enterprise()
    listing = publish(seller[0])
    b = bid(buyer[0], listing["id"])
    problem(s().request("POST", f"/v1/bids/{b['id']}/counter", {"amount_fen": 1},
                        token=buyer[0]), 403)
    problem(s().request("POST", f"/v1/bids/{b['id']}/withdraw", token=seller[0]), 403)
    problem(s().request("POST", f"/v1/bids/{b['id']}/reject", token=buyer[0]), 403)
    problem(s().request("POST", f"/v1/bids/{b['id']}/accept", token=buyer[0]), 403)
    problem(s().request("POST", f"/v1/bids/{b['id']}/counter", {"message": "缺少金额"},
                        token=seller[0]), 422, "amount_fen")
    act(seller[0], b["id"], "counter", {"amount_fen": 40000000})
    problem(s().request("POST", f"/v1/bids/{b['id']}/accept", token=seller[0]), 403)
    # the owner may revise its counter
    assert act(seller[0], b["id"], "counter", {"amount_fen": 38000000})["counter_amount_fen"] == \
        38000000
    w = act(buyer[0], b["id"], "withdraw", {"message": "价格过高"})
    assert w["status"] == "withdrawn" and w["decided_at"], w
    for action in ("accept", "counter", "reject", "withdraw"):
        body = {"amount_fen": 1} if action == "counter" else None
        tok = buyer[0] if action in ("accept", "withdraw") else seller[0]
        problem(s().request("POST", f"/v1/bids/{b['id']}/{action}", body, token=tok), 409)
    b2 = bid(buyer[0], listing["id"])
    assert act(seller[0], b2["id"], "reject", {"message": "不接受"})["status"] == "rejected"
    problem(s().request("POST", f"/v1/bids/{b2['id']}/accept", token=seller[0]), 409)
    assert audit_actions(b["id"]) == ["bid.create", "bid.counter", "bid.counter", "bid.withdraw"]


@test
def test_expired_bid_cannot_be_accepted():
    """a bid past its expires_at reads as expired and accept says so"""
    seller, buyer = university(), enterprise()
    listing = publish(seller[0])
    later = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=7))
    b = bid(buyer[0], listing["id"], offer(expires_at=later.strftime("%Y-%m-%dT%H:%M:%SZ")))
    assert b["expires_at"] == later.strftime("%Y-%m-%dT%H:%M:%SZ"), b
    psql(f"UPDATE bids SET expires_at = now() - interval '1 second' WHERE id = '{b['id']}'")
    assert get(buyer[0], f"/v1/bids/{b['id']}").json()["status"] == "expired"
    p = problem(s().request("POST", f"/v1/bids/{b['id']}/accept", token=seller[0]), 409)
    assert p["type"].endswith("bid-expired"), p
    assert [x["id"] for x in get(seller[0], f"/v1/listings/{listing['id']}/bids?status=expired")
            .json()["data"]] == [b["id"]]


def auction_listing(tok, ends_in=datetime.timedelta(hours=1)):
    body = copy.deepcopy(NEGOTIABLE)
    body["title"] = "赤泥提铁及尾渣制备陶粒技术（拍卖）"
    ends = datetime.datetime.now(datetime.timezone.utc) + ends_in
    body["pricing"] = {"mode": "auction", "reserve_price_fen": 1000000,
                       "min_increment_fen": 100000,
                       "auction_ends_at": ends.strftime("%Y-%m-%dT%H:%M:%SZ")}
    return publish(tok, body)


@test
def test_auction_rules():
    """reserve, increment, binding bids, highest wins, no bids after the end"""
    seller, a, b = university(), enterprise(), enterprise("东华水泥有限公司")
    listing = auction_listing(seller[0])
    lid = listing["id"]
    problem(s().request("POST", f"/v1/listings/{lid}/bids", offer(999999), token=a[0]), 422,
            "amount_fen")
    first = bid(a[0], lid, offer(1000000))
    p = problem(s().request("POST", f"/v1/listings/{lid}/bids", offer(1099999), token=b[0]), 409)
    assert p["type"].endswith("outbid") and "1100000" in p["detail"], p
    later = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)
    problem(s().request("POST", f"/v1/listings/{lid}/bids",
                        offer(2000000, expires_at=later.strftime("%Y-%m-%dT%H:%M:%SZ")),
                        token=b[0]), 422, "expires_at")
    assert get(None, f"/v1/listings/{lid}").json()["pricing"]["highest_bid_fen"] == 1000000
    second = bid(b[0], lid, offer(1100000))
    public = get(None, f"/v1/listings/{lid}").json()["pricing"]
    assert public["highest_bid_fen"] == 1100000, public
    assert public["auction_ends_at"] == listing["pricing"]["auction_ends_at"], \
        "no extension an hour before the end"
    # while bids bind, the auction's listing does not change: an edit would send it
    # back to review and release the bidders (see test_deal_integrity)
    r = s().request("GET", f"/v1/listings/{lid}", token=seller[0])
    p = problem(s().request("PATCH", f"/v1/listings/{lid}", {"summary": "拍卖：赤泥提铁"},
                            token=seller[0], headers={"If-Match": r.header("ETag")}), 409)
    assert p["type"].endswith("auction-in-progress"), p
    assert get(None, f"/v1/listings/{lid}").json()["status"] == "published"
    problem(s().request("POST", f"/v1/bids/{first['id']}/counter", {"amount_fen": 1500000},
                        token=seller[0]), 409)
    problem(s().request("POST", f"/v1/bids/{second['id']}/withdraw", token=b[0]), 409)
    p = problem(s().request("POST", f"/v1/bids/{first['id']}/accept", token=seller[0]), 409)
    assert p["type"].endswith("not-highest-bid"), p
    won = act(seller[0], second["id"], "accept", expect=201)
    assert won["contract"]["terms"]["upfront_fee_fen"] == 1100000, won
    assert get(a[0], f"/v1/bids/{first['id']}").json()["status"] == "closed"

    # a non-exclusive auction, accepted before its end, is over: no more bids
    body = copy.deepcopy(NEGOTIABLE)
    body["transaction_modes"] = ["non_exclusive_license"]
    ends = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
    body["pricing"] = {"mode": "auction", "reserve_price_fen": 1000000, "min_increment_fen": 1,
                       "auction_ends_at": ends.strftime("%Y-%m-%dT%H:%M:%SZ")}
    open_auction = publish(seller[0], body)
    top = bid(a[0], open_auction["id"], offer(1000000, "non_exclusive_license"))
    act(seller[0], top["id"], "accept", expect=201)
    p = problem(s().request("POST", f"/v1/listings/{open_auction['id']}/bids",
                            offer(2000000, "non_exclusive_license"), token=b[0]), 409)
    assert p["type"].endswith("auction-ended"), p

    ended = auction_listing(seller[0])
    late = bid(a[0], ended["id"], offer(1000000))
    psql(f"UPDATE listings SET auction_ends_at = now() - interval '1 minute'"
         f" WHERE id = '{ended['id']}'")
    p = problem(s().request("POST", f"/v1/listings/{ended['id']}/bids", offer(5000000),
                            token=b[0]), 409)
    assert p["type"].endswith("auction-ended"), p
    # after the end a bidder may let go of its bid
    assert act(a[0], late["id"], "withdraw")["status"] == "withdrawn"


@test
def test_auction_soft_close_extends_by_five_minutes():
    """a bid in the last five minutes moves the end five minutes later"""
    seller, buyer = university(), enterprise()
    listing = auction_listing(seller[0], ends_in=datetime.timedelta(minutes=3))
    ends = datetime.datetime.fromisoformat(
        listing["pricing"]["auction_ends_at"].replace("Z", "+00:00"))
    bid(buyer[0], listing["id"], offer(1000000))
    after = get(None, f"/v1/listings/{listing['id']}").json()
    new_end = datetime.datetime.fromisoformat(after["pricing"]["auction_ends_at"].replace("Z",
                                                                                          "+00:00"))
    assert new_end - ends == datetime.timedelta(minutes=5), (ends, new_end)
    assert "listing.auction_extended" in audit_actions(listing["id"])


@test
def test_concurrent_auction_bids_at_one_amount():
    """ten bids at the same amount at once: the database lets exactly one through"""
    seller = university()
    listing = auction_listing(seller[0])
    bidders = [enterprise(f"竞买企业{i}") for i in range(10)]
    statuses = [None] * 10

    def go(i):
        r = s().request("POST", f"/v1/listings/{listing['id']}/bids", offer(2000000),
                        token=bidders[i][0])
        statuses[i] = r.status

    threads = [threading.Thread(target=go, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [201] + [409] * 9, statuses


@test
def test_express_non_exclusive_licence_at_the_fixed_price():
    """a fixed-price non-exclusive licence is taken at once, by as many as want it"""
    seller = university("中国建筑材料科学研究总院")
    body = copy.deepcopy(PROCESS)
    body["transaction_modes"] = ["non_exclusive_license", "exclusive_license"]
    body["pricing"] = {"mode": "fixed", "asking_price_fen": 20000000}
    listing = publish(seller[0], body)
    lid = listing["id"]
    first, second = enterprise("山铝水泥有限公司"), enterprise("东佳集团")
    got = bid(first[0], lid, offer(20000000, "non_exclusive_license"))
    assert got["status"] == "accepted" and got["express"] is True, got
    assert got["contract"]["id"] == got["contract_id"], got
    assert got["contract"]["status"] == "draft", got
    assert got["contract"]["terms"]["upfront_fee_fen"] == 20000000, got
    # a research institute's process without named inventors: one collective inventor entry
    assert got["contract"]["revenue_share"] == [
        {"beneficiary": "科技成果完成人 (inventors)", "role": "inventor", "share_bp": 5000},
        {"beneficiary": "中国建筑材料科学研究总院", "role": "institution", "share_bp": 5000}]
    assert get(None, f"/v1/listings/{lid}").json()["status"] == "published"
    assert bid(second[0], lid, offer(20000000, "non_exclusive_license"))["status"] == "accepted"
    # below the price, or for another mode, it is an ordinary offer
    assert bid(second[0], lid, offer(19999999, "non_exclusive_license"))["status"] == "open"
    excl = bid(second[0], lid, offer(20000000, "exclusive_license"))
    assert excl["status"] == "open", excl
    # an exclusive licence cannot be granted over the non-exclusive ones
    p = problem(s().request("POST", f"/v1/bids/{excl['id']}/accept", token=seller[0]), 409)
    assert p["type"].endswith("licence-conflict"), p
    assert len(get(seller[0], f"/v1/contracts?listing_id={lid}").json()["data"]) == 2


def race_accepts(tok, bid_ids):
    statuses = [None] * len(bid_ids)
    start = threading.Barrier(len(bid_ids))

    def go(i):
        conn = s().connection()
        start.wait()
        conn.request("POST", f"/v1/bids/{bid_ids[i]}/accept",
                     headers={"Authorization": f"Bearer {tok}"})
        statuses[i] = conn.getresponse().status
        conn.close()

    threads = [threading.Thread(target=go, args=(i,)) for i in range(len(bid_ids))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return statuses


@test
def test_twenty_concurrent_accepts_exactly_one_wins():
    """20 accepts fired at once on one exclusive listing: one 201, nineteen 409, every time"""
    seller = university()
    bidders = [enterprise(f"受让企业{i}") for i in range(4)]
    for round_ in range(3):
        listing = publish(seller[0])
        ids = [bid(bidders[i % 4][0], listing["id"], offer(30000000 + i))["id"]
               for i in range(20)]
        statuses = race_accepts(seller[0], ids)
        assert sorted(statuses) == [201] + [409] * 19, (round_, statuses)
        rows = psql(f"SELECT status, count(*) FROM bids WHERE listing_id = '{listing['id']}'"
                    " GROUP BY status ORDER BY status")
        assert rows == [["accepted", "1"], ["closed", "19"]], rows
        assert psql(f"SELECT count(*) FROM contracts WHERE listing_id = '{listing['id']}'") == \
            [["1"]]
    # and twenty accepts of one bid: one contract
    listing = publish(seller[0])
    one = bid(bidders[0][0], listing["id"])["id"]
    assert sorted(race_accepts(seller[0], [one] * 20)) == [201] + [409] * 19


@test
def test_bid_and_accept_are_idempotent():
    """a retried offer or accept with the same Idempotency-Key returns the first response"""
    seller, buyer = university(), enterprise()
    listing = publish(seller[0])
    key = {"Idempotency-Key": f"bid-{uuid.uuid4()}"}
    first = s().request("POST", f"/v1/listings/{listing['id']}/bids", offer(), token=buyer[0],
                        headers=key)
    again = s().request("POST", f"/v1/listings/{listing['id']}/bids", offer(), token=buyer[0],
                        headers=key)
    assert first.status == again.status == 201, (first, again)
    assert again.header("Idempotent-Replayed") == "true" and again.json() == first.json()
    assert again.header("ETag") == first.header("ETag") and first.header("ETag"), again.headers
    assert again.header("Location") == first.header("Location") == \
        f"/v1/bids/{first.json()['id']}", again.headers
    problem(s().request("POST", f"/v1/listings/{listing['id']}/bids", offer(amount=1),
                        token=buyer[0], headers=key), 422, "Idempotency-Key")
    assert psql(f"SELECT count(*) FROM bids WHERE listing_id = '{listing['id']}'") == [["1"]]
    bid_id = first.json()["id"]
    akey = {"Idempotency-Key": f"accept-{uuid.uuid4()}"}
    a1 = s().request("POST", f"/v1/bids/{bid_id}/accept", token=seller[0], headers=akey)
    a2 = s().request("POST", f"/v1/bids/{bid_id}/accept", token=seller[0], headers=akey)
    assert a1.status == a2.status == 201 and a1.json() == a2.json(), (a1, a2)
    assert psql(f"SELECT count(*) FROM contracts WHERE bid_id = '{bid_id}'") == [["1"]]


@test
def test_withdrawing_a_listing_closes_its_open_bids():
    """the owner withdraws: every open or countered bid is closed, with a line in its history"""
    seller, buyer = university(), enterprise()
    listing = publish(seller[0])
    b1 = bid(buyer[0], listing["id"])
    b2 = bid(buyer[0], listing["id"], offer(mode="sole_license"))
    act(seller[0], b2["id"], "counter", {"amount_fen": 50000000})
    b3 = bid(buyer[0], listing["id"], offer(mode="assignment"))
    act(buyer[0], b3["id"], "withdraw")
    assert s().request("POST", f"/v1/listings/{listing['id']}/withdraw",
                       token=seller[0]).status == 200
    for b, want in ((b1, "closed"), (b2, "closed"), (b3, "withdrawn")):
        got = get(buyer[0], f"/v1/bids/{b['id']}").json()
        assert got["status"] == want, got
    assert get(buyer[0], f"/v1/bids/{b1['id']}").json()["history"][-1]["kind"] == "close"


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


@test
def test_bid_lists_page_and_filter():
    """role and status filters, stable paging without repeats, bad parameters named"""
    seller, buyer = university(), enterprise()
    listing = publish(seller[0])
    made = [bid(buyer[0], listing["id"], offer(1000 + i))["id"] for i in range(5)]
    act(seller[0], made[0], "reject")
    seen, cursor = [], None
    while True:
        q = "/v1/bids?role=sent&limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = get(buyer[0], q).json()
        seen += [x["id"] for x in page["data"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(made)), seen
    open_ = get(seller[0], f"/v1/listings/{listing['id']}/bids?status=open").json()["data"]
    assert len(open_) == 4 and all(x["status"] == "open" for x in open_), open_
    assert [x["id"] for x in get(buyer[0], "/v1/bids?status=rejected").json()["data"]] == \
        [made[0]]
    problem(s().request("GET", "/v1/bids?role=mine", token=buyer[0]), 422, "role")
    problem(s().request("GET", "/v1/bids?status=won", token=buyer[0]), 422, "status")
    problem(s().request("GET", "/v1/bids?cursor=zzz", token=buyer[0]), 422, "cursor")
    problem(s().request("GET", "/v1/bids?sort=amount", token=buyer[0]), 422, "sort")


@test
def test_accept_racing_a_withdrawal_or_a_counter():
    """an accept racing a withdrawal or a counter: exactly one goes through, the other is refused"""
    seller, buyer = university(), enterprise()
    for action, tok, body in (("withdraw", buyer[0], None),
                              ("counter", seller[0], {"amount_fen": 1})):
        for _ in range(5):
            listing = publish(seller[0])
            b = bid(buyer[0], listing["id"], offer(mode="non_exclusive_license"))
            results = {}
            start = threading.Barrier(2)

            def go(name, t, path, payload):
                conn = s().connection()
                start.wait()
                data = json.dumps(payload).encode() if payload is not None else None
                headers = {"Authorization": f"Bearer {t}"}
                if data:
                    headers["Content-Type"] = "application/json"
                conn.request("POST", path, body=data, headers=headers)
                results[name] = conn.getresponse().status
                conn.close()

            threads = [threading.Thread(target=go, args=("accept", seller[0],
                                                         f"/v1/bids/{b['id']}/accept", None)),
                       threading.Thread(target=go, args=(action, tok,
                                                         f"/v1/bids/{b['id']}/{action}", body))]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            if results["accept"] == 201:
                assert results[action] == 409, results
            else:
                # a withdrawn bid cannot be accepted (409); a countered one is the bidder's to
                # accept, not the owner's (403)
                assert results[action] == 200 and \
                    results["accept"] == (409 if action == "withdraw" else 403), results
            final = get(buyer[0], f"/v1/bids/{b['id']}").json()["status"]
            assert final in ("accepted", "withdrawn", "countered"), final
