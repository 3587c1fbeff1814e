"""Negotiation both ways (API.md "Negotiation, conversations, attachments"): either side
counters in turn with an amount and terms, the bid carries the offer on the table and the
history of every offer, only the side that did not make the last offer accepts, and the
contract is drafted from that offer. Auctions keep their rules. Each change records its
event for the other side."""

from harness import admin_token, problem, psql, test
from deal_fixtures import (s, university, enterprise, publish, offer, bid, act, get,
                           auction_listing)


def events(org_id, since=0):
    return [(r[0], r[1]) for r in psql(
        f"SELECT type, data->>'bid_id' FROM events WHERE org_id = '{org_id}' AND id > {since}"
        " ORDER BY id")]


def last_event_id():
    return int(psql("SELECT coalesce(max(id), 0) FROM events")[0][0])


@test
def test_counters_take_turns():
    """owner counters an open bid, bidder counters back (open again); nobody counters its own offer"""
    seller, buyer = university(), enterprise()
    listing = publish(seller[0])
    b = bid(buyer[0], listing["id"])
    # the bidder's own offer is on the table: its turn is over
    p = problem(s().request("POST", f"/v1/bids/{b['id']}/counter", {"amount_fen": 31000000},
                            token=buyer[0]), 403)
    assert p["type"].endswith("not-your-turn"), p
    c1 = act(seller[0], b["id"], "counter",
             {"amount_fen": 45000000, "message": "独占许可需45万元，提成4%。",
              "terms": {"royalty_bp": 400, "territory": "中国大陆"}})
    assert c1["status"] == "countered" and c1["amount_fen"] == 45000000, c1
    assert c1["terms"] == {"royalty_bp": 400, "term_months": 60, "territory": "中国大陆",
                           "field_of_use": "道路基层材料"}, c1
    assert c1["offer_by_org_id"] == seller[2]["id"] and c1["counter_amount_fen"] == 45000000
    p = problem(s().request("POST", f"/v1/bids/{b['id']}/counter", {"amount_fen": 44000000},
                            token=seller[0]), 403)
    assert p["type"].endswith("not-your-turn"), p
    c2 = act(buyer[0], b["id"], "counter",
             {"amount_fen": 40000000, "message": "我方可接受40万元，期限八年。",
              "terms": {"term_months": 96}})
    assert c2["status"] == "open" and c2["amount_fen"] == 40000000, c2
    assert c2["terms"]["term_months"] == 96 and c2["terms"]["royalty_bp"] == 400, c2
    assert c2["offer_by_org_id"] == buyer[2]["id"], c2
    problem(s().request("POST", f"/v1/bids/{b['id']}/counter", {"amount_fen": 39000000},
                        token=buyer[0]), 403)
    # an outsider and an admin never counter (404 / 403)
    outsider = enterprise("淄博博达机械有限公司")
    problem(s().request("POST", f"/v1/bids/{b['id']}/counter", {"amount_fen": 1},
                        token=outsider[0]), 404)
    problem(s().request("POST", f"/v1/bids/{b['id']}/counter", {"amount_fen": 1},
                        token=admin_token(s())), 403)
    # bad terms in a counter: 422 naming them, nothing changes
    problem(s().request("POST", f"/v1/bids/{b['id']}/counter",
                        {"amount_fen": 1, "terms": {"royalty_bp": 10001, "region": "x"}},
                        token=seller[0]), 422, "terms.royalty_bp")
    assert get(buyer[0], f"/v1/bids/{b['id']}").json()["amount_fen"] == 40000000


@test
def test_history_lists_every_offer():
    """the history lists the bid and each counter with who made it, its amount, terms and message"""
    seller, buyer = university(), enterprise()
    listing = publish(seller[0])
    b = bid(buyer[0], listing["id"])
    act(seller[0], b["id"], "counter", {"amount_fen": 45000000, "terms": {"royalty_bp": 400}})
    act(buyer[0], b["id"], "counter", {"amount_fen": 40000000, "message": "折中方案。"})
    h = get(seller[0], f"/v1/bids/{b['id']}").json()["history"]
    assert [(e["action"], e["by_org_id"], e["amount_fen"]) for e in h] == [
        ("bid", buyer[2]["id"], 30000000), ("counter", seller[2]["id"], 45000000),
        ("counter", buyer[2]["id"], 40000000)], h
    assert h[0]["terms"]["royalty_bp"] == 300 and h[1]["terms"]["royalty_bp"] == 400, h
    assert h[2]["terms"]["royalty_bp"] == 400 and h[2]["message"] == "折中方案。", h
    assert all(e["at"].endswith("Z") for e in h), h
    assert get(buyer[0], f"/v1/bids/{b['id']}").json()["history"] == h


@test
def test_only_the_other_side_accepts():
    """accepting one's own offer is 403 not-your-turn; the other side's accept goes through"""
    seller, buyer = university(), enterprise()
    listing = publish(seller[0])
    b = bid(buyer[0], listing["id"])
    problem(s().request("POST", f"/v1/bids/{b['id']}/accept", token=buyer[0]), 403)
    act(seller[0], b["id"], "counter", {"amount_fen": 45000000})
    p = problem(s().request("POST", f"/v1/bids/{b['id']}/accept", token=seller[0]), 403)
    assert p["type"].endswith("not-your-turn"), p
    act(buyer[0], b["id"], "counter", {"amount_fen": 42000000})
    p = problem(s().request("POST", f"/v1/bids/{b['id']}/accept", token=buyer[0]), 403)
    assert p["type"].endswith("not-your-turn"), p
    assert get(buyer[0], f"/v1/bids/{b['id']}").json()["status"] == "open"
    # after the bidder's counter the bid is open: the owner accepts the bidder's offer
    r = act(seller[0], b["id"], "accept", expect=201)
    assert r["bid"]["status"] == "accepted" and r["contract"]["terms"]["upfront_fee_fen"] == \
        42000000, r


@test
def test_contract_drafted_from_the_offer_on_the_table():
    """the contract takes the last offer's amount, royalty, term, territory and field of use"""
    seller, buyer = university(), enterprise()
    listing = publish(seller[0])
    b = bid(buyer[0], listing["id"])
    act(seller[0], b["id"], "counter",
        {"amount_fen": 45000000, "terms": {"royalty_bp": 450, "term_months": 120,
                                           "territory": "山东省、河北省",
                                           "field_of_use": "赤泥基道路基层及路面砖"}})
    act(buyer[0], b["id"], "counter", {"amount_fen": 41000000, "terms": {"royalty_bp": 350}})
    act(seller[0], b["id"], "counter", {"amount_fen": 43000000, "message": "最终报价。"})
    r = act(buyer[0], b["id"], "accept", expect=201)
    t = r["contract"]["terms"]
    assert t["upfront_fee_fen"] == 43000000 and t["royalty_bp"] == 350, t
    assert t["territory"] == "山东省、河北省" and t["field_of_use"] == "赤泥基道路基层及路面砖", t
    assert t["term_end"] is not None and t["term_start"] is not None, t
    assert r["bid"]["amount_fen"] == 43000000 and r["bid"]["counter_amount_fen"] == 43000000
    assert r["bid"]["offer_by_org_id"] == seller[2]["id"], r["bid"]  # the offer accepted


@test
def test_negotiation_records_events_for_the_other_side():
    """bid.received, bid.countered, bid.accepted go to the side that did not act"""
    seller, buyer = university(), enterprise()
    listing = publish(seller[0])
    start = last_event_id()
    b = bid(buyer[0], listing["id"])
    act(seller[0], b["id"], "counter", {"amount_fen": 45000000})
    act(buyer[0], b["id"], "counter", {"amount_fen": 41000000})
    act(seller[0], b["id"], "accept", expect=201)
    assert events(seller[2]["id"], start)[:2] == [("bid.received", b["id"]),
                                                  ("bid.countered", b["id"])], \
        events(seller[2]["id"], start)
    assert [e for e in events(buyer[2]["id"], start) if e[0].startswith("bid.")] == [
        ("bid.countered", b["id"]), ("bid.accepted", b["id"])], events(buyer[2]["id"], start)
    data = psql(f"SELECT data->>'amount_fen', data->>'listing_id' FROM events WHERE id > {start}"
                f" AND type = 'bid.accepted'")
    assert data == [["41000000", listing["id"]]], data
    listing = publish(seller[0])
    b2 = bid(buyer[0], listing["id"], offer(mode="non_exclusive_license"))
    mark = last_event_id()
    act(seller[0], b2["id"], "reject")
    assert events(buyer[2]["id"], mark) == [("bid.rejected", b2["id"])]
    b3 = bid(buyer[0], listing["id"], offer(mode="non_exclusive_license"))
    mark = last_event_id()
    act(buyer[0], b3["id"], "withdraw")
    assert events(seller[2]["id"], mark) == [("bid.withdrawn", b3["id"])]


@test
def test_auctions_keep_their_rules():
    """auction bids are not countered by either side; outbid, extended and ended events"""
    seller, a, b_ = university(), enterprise(), enterprise("山东海逸恒安环保科技有限公司")
    listing = auction_listing(seller[0])
    start = last_event_id()
    first = bid(a[0], listing["id"], offer(1500000))
    second = bid(b_[0], listing["id"], offer(1700000))
    for tok, bid_id in ((seller[0], second["id"]), (b_[0], second["id"])):
        r = s().request("POST", f"/v1/bids/{bid_id}/counter", {"amount_fen": 1800000}, token=tok)
        assert r.status in (403, 409), r
    assert events(a[2]["id"], start) == [("bid.outbid", first["id"])], events(a[2]["id"], start)
    act(seller[0], second["id"], "accept", expect=201)
    assert ("auction.ended", second["id"]) in events(b_[2]["id"], start)
    assert ("auction.ended", second["id"]) in events(seller[2]["id"], start)
    # a bid in the last minutes extends the auction: the owner hears of it
    import datetime
    late = auction_listing(seller[0], ends_in=datetime.timedelta(minutes=3))
    mark = last_event_id()
    bid(a[0], late["id"], offer(1500000))
    types = [e[0] for e in events(seller[2]["id"], mark)]
    assert types == ["bid.received", "auction.extended"], types


@test
def test_demo_negotiation_conversation_and_brochure():
    """seed-demo loads a bid with three offers, a conversation and a public PDF brochure, once"""
    from harness import techex
    import hashlib
    assert techex("seed-demo").returncode == 0
    assert techex("seed-demo").returncode == 0
    rows = psql("SELECT b.status, b.amount_fen, b.royalty_bp, b.term_months,"
                " (SELECT count(*) FROM bid_events e WHERE e.bid_id = b.id)"
                " FROM bids b JOIN listings l ON l.id = b.listing_id"
                " WHERE l.title = '赤泥中钪和稀土的湿法提取工艺'")
    assert rows == [["open", "200000000", "300", "96", "3"]], rows
    kinds = psql("SELECT e.kind, e.terms->>'royalty_bp' FROM bid_events e JOIN bids b"
                 " ON b.id = e.bid_id JOIN listings l ON l.id = b.listing_id"
                 " WHERE l.title = '赤泥中钪和稀土的湿法提取工艺' ORDER BY e.id")
    assert kinds == [["offer", "250"], ["counter", "400"], ["counter", "300"]], kinds
    assert psql("SELECT count(*) FROM conversation_messages m JOIN conversations c"
                " ON c.id = m.conversation_id JOIN listings l ON l.id = c.listing_id"
                " WHERE l.title = '高掺量赤泥水泥配料及熟料煅烧工艺'") == [["3"]]
    att = psql("SELECT a.id, a.sha256, a.visibility FROM attachments a JOIN listings l"
               " ON l.id = a.listing_id WHERE a.filename = '赤泥基透水砖技术简介.pdf'")
    assert len(att) == 1 and att[0][2] == "public", att
    r = s().request("GET", f"/v1/attachments/{att[0][0]}")
    assert r.status == 200 and r.body.startswith(b"%PDF-1.4") and r.body.rstrip().endswith(b"%%EOF")
    assert hashlib.sha256(r.body).hexdigest() == att[0][1]
    # the cross-reference table points at each object
    body = r.body.decode("ascii")
    xref = int(body.rsplit("startxref\n", 1)[1].split()[0])
    assert body[xref:].startswith("xref"), body[xref:xref + 10]
    for n, line in enumerate(body[xref:].splitlines()[3:8], start=1):
        assert body[int(line.split()[0]):].startswith(f"{n} 0 obj"), (n, line)
