"""Bids: offers, counters, withdrawals, rejections, auctions and their soft close, express
licences at the fixed price, accept races, idempotency and lists, with every refusal and who
may see what."""

import copy
import datetime
import json
import threading
import uuid

from harness import admin_token, member, problem, psql, test
from test_listings import PATENT, PROCESS
from deal_fixtures import (NEGOTIABLE, s, university, enterprise, publish, offer, bid, act, get,
                           audit_actions, auction_listing, race_accepts)


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
    # the owner does not counter its own counter: the bidder's turn (API.md, two-sided counters)
    problem(s().request("POST", f"/v1/bids/{b['id']}/counter", {"amount_fen": 38000000},
                        token=seller[0]), 403)
    assert act(buyer[0], b["id"], "counter", {"amount_fen": 35000000})["status"] == "open"
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
    assert audit_actions(b["id"]) == ["bid.create", "bid.counter", "bid.counter", "bid.counter",
                                      "bid.withdraw"]


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
