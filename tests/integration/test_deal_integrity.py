"""Deal integrity: what was signed stays signed (the contract's subject snapshot),
no listing goes live unreviewed, money caps and exact totals, auction terms frozen
under binding bids, and CSV cells that no spreadsheet runs as formulas."""

import copy
import datetime
import hashlib
import json

from common import main_server
from harness import admin_token, problem, psql, techex, test
from deal_fixtures import NEGOTIABLE, act, auction_listing, bid, deal, enterprise, get, offer
from deal_fixtures import patch_contract, publish, sign, university
from test_listings import PATENT
from test_revenue import active_contract, confirm, pay

CAP = 10 ** 15


def s():
    return main_server()


def canonical(doc):
    text = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def etag(tok, path):
    return s().request("GET", path, token=tok).header("ETag")


def patch_listing(tok, lid, body, expect=200):
    r = s().request("PATCH", f"/v1/listings/{lid}", body, token=tok,
                    headers={"If-Match": etag(tok, f"/v1/listings/{lid}")})
    assert r.status == expect, r
    return r


def approve(lid, headers=None, expect=200):
    r = s().request("POST", f"/v1/admin/listings/{lid}/approve", token=admin_token(s()),
                    headers=headers)
    assert r.status == expect, r
    return r


def bid_events(tok, bid_id):
    return get(tok, f"/v1/bids/{bid_id}").json()


# ---- 2. the signed document --------------------------------------------------

@test
def test_signed_contract_keeps_its_subject():
    """an edit of the listing or a rename after signing changes neither the document nor the digest"""
    seller, buyer, listing, b, contract = deal(mode="non_exclusive_license")
    lid, cid = listing["id"], contract["id"]
    subject = contract["subject"]
    assert subject["listing"]["id"] == lid and subject["listing"]["title"] == PATENT["title"], subject
    assert subject["listing"]["patent"]["number"] == "ZL2017106018623", subject
    assert subject["listing"]["patent"]["inventors"] == ["张三", "李四"], subject
    assert subject["licensor"] == {"name": "山东理工大学", "kind": "university"}, subject
    assert subject["licensee"] == {"name": "山东金卡材料有限公司", "kind": "enterprise"}, subject
    assert contract["digest_scheme"] == 2, contract
    doc = {"revenue_share": contract["revenue_share"], "subject": subject,
           "terms": contract["terms"]}
    assert contract["digest"] == canonical(doc), contract
    patch_contract(seller[0], contract, {"terms": {"term_start": "2026-01-01",
                                                   "term_end": "2030-12-31"}})
    sign(seller[0], cid)
    signed = sign(buyer[0], cid)
    assert signed["status"] == "active", signed
    before_doc = get(buyer[0], f"/v1/contracts/{cid}/document").body.decode()

    # the licensor rewrites the (non-exclusive, still published) listing; it is approved
    r = patch_listing(seller[0], lid, {"title": "赤泥制备道路基层材料技术（第二代）",
                                       "patent": {"number": "ZL 2020 1000 0001.1",
                                                  "inventors": ["王五"]}})
    assert r.json()["status"] == "pending_review", r
    approve(lid)
    live = get(None, f"/v1/listings/{lid}").json()
    assert live["title"].endswith("（第二代）") and live["patent"]["inventors"] == ["王五"], live
    # and both organizations and the signers rename themselves
    psql(f"UPDATE organizations SET name = name || '（更名）' WHERE id IN"
         f" ('{seller[2]['id']}', '{buyer[2]['id']}');"
         f" UPDATE users SET display_name = '冒名者' WHERE id IN"
         f" ('{seller[1]['id']}', '{buyer[1]['id']}')")

    now = get(buyer[0], f"/v1/contracts/{cid}").json()
    assert now["subject"] == subject and now["digest"] == signed["digest"], now
    doc = {"revenue_share": now["revenue_share"], "subject": now["subject"], "terms": now["terms"]}
    assert canonical(doc) == now["digest"], now
    assert all(x["digest"] == now["digest"] for x in now["signatures"]), now
    text = get(buyer[0], f"/v1/contracts/{cid}/document").body.decode()
    assert text == before_doc, "the document changed after signing"
    assert "赤泥制备道路基层材料技术" in text and "第二代" not in text, text
    assert "ZL2017106018623" in text and "202010000001" not in text, text
    assert "张三、李四" in text and "王五" not in text, text
    assert "更名" not in text and "冒名者" not in text and "张教授" in text, text
    assert "`revenue_share`, `subject` and `terms`" in text, text
    # the database refuses a changed subject, signed or not
    err = psql(f"UPDATE contracts SET subject = jsonb_set(subject, '{{listing,title}}', '\"伪\"')"
               f" WHERE id = '{cid}'", check=False)
    assert "cannot change" in err, err
    _, _, _, _, draft = deal(mode="non_exclusive_license")
    err = psql(f"UPDATE contracts SET subject = '{{}}'::jsonb WHERE id = '{draft['id']}'",
               check=False)
    assert "cannot change" in err, err
    p = techex("check")
    assert cid not in p.stdout and draft["id"] not in p.stdout, p.stdout


@test
def test_contracts_drafted_before_keep_their_digest_scheme():
    """a scheme-1 contract (terms and plan only) is still signed and checked by its own rule"""
    seller, buyer, listing, b, contract = deal(mode="non_exclusive_license")
    cid = contract["id"]
    c = patch_contract(seller[0], contract, {"terms": {"term_start": "2026-01-01",
                                                       "term_end": "2030-12-31"}})
    old = canonical({"revenue_share": c["revenue_share"], "terms": c["terms"]})
    # as migration 0009 leaves a contract drafted before it
    psql(f"UPDATE contracts SET digest_scheme = 1, digest = '{old}' WHERE id = '{cid}'")
    sign(seller[0], cid)
    signed = sign(buyer[0], cid)
    assert signed["status"] == "active" and signed["digest"] == old, signed
    assert signed["digest_scheme"] == 1, signed
    text = get(buyer[0], f"/v1/contracts/{cid}/document").body.decode()
    assert "`terms` and `revenue_share`" in text, text
    p = techex("check")
    assert cid not in p.stdout, p.stdout
    # a signed contract's scheme is frozen with its terms
    err = psql(f"UPDATE contracts SET digest_scheme = 2 WHERE id = '{cid}'", check=False)
    assert "cannot change" in err, err


# ---- 3. moderation ---------------------------------------------------------

@test
def test_listing_in_review_cannot_change():
    """PATCH while pending_review is 409 and changes nothing; retract, edit, submit, approve"""
    seller = university()
    r = s().request("POST", "/v1/listings", PATENT, token=seller[0])
    assert r.status == 201, r
    lid = r.json()["id"]
    assert s().request("POST", f"/v1/listings/{lid}/submit", token=seller[0]).status == 200
    before = s().request("GET", f"/v1/listings/{lid}", token=seller[0])
    r = s().request("PATCH", f"/v1/listings/{lid}", {"title": "未经审核的标题"}, token=seller[0],
                    headers={"If-Match": before.header("ETag")})
    p = problem(r, 409)
    assert p["type"].endswith("listing-in-review") and "retract" in p["detail"], p
    after = s().request("GET", f"/v1/listings/{lid}", token=seller[0])
    assert after.json() == before.json() and after.header("ETag") == before.header("ETag")
    # only the owner retracts, and only from review
    problem(s().request("POST", f"/v1/listings/{lid}/retract", token=university()[0]), 404)
    r = s().request("POST", f"/v1/listings/{lid}/retract", token=seller[0])
    assert r.status == 200 and r.json()["status"] == "draft", r
    problem(s().request("POST", f"/v1/listings/{lid}/retract", token=seller[0]), 409)
    r = patch_listing(seller[0], lid, {"title": "赤泥制备道路基层材料技术（修订版）"})
    assert r.json()["status"] == "draft", r
    assert s().request("POST", f"/v1/listings/{lid}/submit", token=seller[0]).status == 200
    published = approve(lid).json()
    assert published["status"] == "published", published
    assert published["title"] == "赤泥制备道路基层材料技术（修订版）", published
    actions = [row[0] for row in psql(f"SELECT action FROM audit_log WHERE object_id = '{lid}'"
                                      f" ORDER BY id")]
    assert actions == ["listing.create", "listing.submit", "listing.retract", "listing.update",
                       "listing.submit", "listing.approve"], actions


@test
def test_approve_and_reject_honour_if_match():
    """an admin's stale If-Match is 412 naming the current ETag; absent or current is fine"""
    seller = university()
    lid = s().request("POST", "/v1/listings", PATENT, token=seller[0]).json()["id"]
    reviewed = etag(seller[0], f"/v1/listings/{lid}")
    # the owner submits, retracts, edits and submits again: the admin reviewed another version
    for path in ("submit", "retract"):
        assert s().request("POST", f"/v1/listings/{lid}/{path}", token=seller[0]).status == 200
    patch_listing(seller[0], lid, {"summary": "改过的摘要"})
    assert s().request("POST", f"/v1/listings/{lid}/submit", token=seller[0]).status == 200
    current = etag(seller[0], f"/v1/listings/{lid}")
    assert current != reviewed
    p = problem(approve(lid, {"If-Match": reviewed}, expect=412), 412)
    assert current in p["detail"], p
    r = s().request("POST", f"/v1/admin/listings/{lid}/reject", {"reason": "资料不全"},
                    token=admin_token(s()), headers={"If-Match": reviewed})
    problem(r, 412)
    assert get(seller[0], f"/v1/listings/{lid}").json()["status"] == "pending_review"
    assert approve(lid, {"If-Match": current}).json()["status"] == "published"
    other = s().request("POST", "/v1/listings", PATENT, token=seller[0]).json()["id"]
    assert s().request("POST", f"/v1/listings/{other}/submit", token=seller[0]).status == 200
    assert approve(other).json()["status"] == "published"  # without If-Match, as before


# ---- 4. money ----------------------------------------------------------------

@test
def test_every_client_amount_is_capped_at_ten_to_the_fifteen():
    """prices, bids, counters, contract terms and payments above 10^15 fen are 422 naming the field"""
    seller, buyer = university(), enterprise()
    body = copy.deepcopy(PATENT)
    body["pricing"] = {"mode": "negotiable", "asking_price_fen": CAP + 1}
    problem(s().request("POST", "/v1/listings", body, token=seller[0]), 422,
            "pricing.asking_price_fen")
    body["pricing"] = {"mode": "auction", "reserve_price_fen": CAP + 1,
                       "min_increment_fen": 9223372036854775807,
                       "auction_ends_at": "2099-01-01T00:00:00Z"}
    p = problem(s().request("POST", "/v1/listings", body, token=seller[0]), 422)
    assert {e["field"] for e in p["errors"]} >= {"pricing.reserve_price_fen",
                                                  "pricing.min_increment_fen"}, p
    body["pricing"] = {"mode": "negotiable", "asking_price_fen": CAP}
    listing = publish(seller[0], dict(body, transaction_modes=NEGOTIABLE["transaction_modes"]))
    lid = listing["id"]
    problem(s().request("POST", f"/v1/listings/{lid}/bids", offer(CAP + 1), token=buyer[0]),
            422, "amount_fen")
    b = bid(buyer[0], lid, offer(CAP))
    problem(s().request("POST", f"/v1/bids/{b['id']}/counter", {"amount_fen": CAP + 1},
                        token=seller[0]), 422, "amount_fen")
    contract = act(seller[0], b["id"], "accept", expect=201)["contract"]
    for field in ("upfront_fee_fen", "minimum_annual_royalty_fen"):
        r = s().request("PATCH", f"/v1/contracts/{contract['id']}", {"terms": {field: CAP + 1}},
                        token=seller[0],
                        headers={"If-Match": etag(seller[0], f"/v1/contracts/{contract['id']}")})
        problem(r, 422, f"terms.{field}")
    _, payer, c = active_contract()
    for amount in (CAP + 1, 9223372036854775807):
        r = s().request("POST", f"/v1/contracts/{c['id']}/payments",
                        {"amount_fen": amount, "kind": "royalty", "paid_at": "2025-04-15",
                         "reference": "超额付款"}, token=payer[0])
        problem(r, 422, "amount_fen")
    pay(payer[0], c["id"], CAP)


@test
def test_statement_totals_are_exact_beyond_64_bits():
    """legacy payments summing past 2^63: JSON and CSV statements and yearly sums stay exact, not 500"""
    seller, buyer, c = active_contract()
    cid = c["id"]
    confirmed = pay(buyer[0], cid, 700, reference="已确认")
    confirm(seller[0], confirmed["id"])
    disputed = pay(buyer[0], cid, 30, reference="有争议")
    r = s().request("POST", f"/v1/payments/{disputed['id']}/dispute", {"reason": "未到账"},
                    token=seller[0])
    assert r.status == 200, r
    reversed_ = pay(buyer[0], cid, 5, reference="已冲回")
    confirm(seller[0], reversed_["id"])
    r = s().request("POST", f"/v1/payments/{reversed_['id']}/reverse", {"reason": "重复付款"},
                    token=seller[0])
    assert r.status == 200, r
    # legacy rows, written around the API (and its cap): 9300 reported payments of 10^15
    n = 9300
    psql(f"WITH p AS (INSERT INTO payments (contract_id, payer_org_id, payee_org_id, recorded_by,"
         f" kind, amount_fen, paid_at, reference)"
         f" SELECT '{cid}', '{buyer[2]['id']}', '{seller[2]['id']}', '{buyer[1]['id']}',"
         f" 'royalty', {CAP}, '2025-04-15T08:00:00Z', '历史数据 ' || g"
         f" FROM generate_series(1, {n}) g RETURNING id)"
         f" INSERT INTO audit_log (action, object_type, object_id)"
         f" SELECT 'payment.import', 'payment', id::text FROM p")
    total = n * CAP + 1  # and the one reported payment below
    assert total > 2 ** 63
    pay(buyer[0], cid, 1, reference="新报告")
    path = f"/v1/orgs/{seller[2]['id']}/statement?from=2025-01-01&to=2025-12-31"
    st = get(seller[0], path).json()
    assert st["totals"] == {"payments": n + 4, "received_fen": 700,
                            "received_reported_fen": total, "received_disputed_fen": 30,
                            "paid_fen": 0, "paid_reported_fen": 0, "paid_disputed_fen": 0}, \
        st["totals"]
    raw = get(seller[0], path).body.decode()
    assert f'"received_reported_fen" : {total}' in raw or \
        f'"received_reported_fen":{total}' in raw, raw[-400:]
    theirs = get(buyer[0], f"/v1/orgs/{buyer[2]['id']}/statement?from=2025-01-01&to=2025-12-31")
    assert theirs.json()["totals"]["paid_reported_fen"] == total
    r = s().request("GET", path, token=seller[0], headers={"Accept": "text/csv"})
    assert r.status == 200 and r.header("Content-Type").startswith("text/csv"), r
    lines = r.body.decode("utf-8-sig").split("\r\n")
    assert len(lines) == n + 4 + 2, len(lines)
    assert sum(1 for x in lines if f",{CAP},CNY,reported," in x) == n
    # royalty reports a legacy import left: a contract year summing past 2^63
    psql(f"INSERT INTO royalty_reports (contract_id, reported_by, period_start, period_end,"
         f" gross_sales_fen, royalty_bp, royalty_due_fen, waste_utilized_tonnes)"
         f" SELECT '{cid}', '{buyer[1]['id']}', make_date(2025, m, 1),"
         f" (make_date(2025, m, 1) + interval '1 month - 1 day')::date, {CAP}, 300,"
         f" 4000000000000000000, 0 FROM generate_series(1, 3) m")
    years = get(buyer[0], f"/v1/contracts/{cid}/royalty-reports").json()["contract_years"]
    assert years[0]["royalty_due_fen"] == 12 * 10 ** 18, years[0]
    stats = get(None, "/v1/stats").json()
    assert stats["totals"]["royalties_distributed_fen"] < 10 ** 18, stats["totals"]


# ---- 6. auctions -------------------------------------------------------------

@test
def test_auction_terms_frozen_under_binding_bids():
    """with a binding bid, end, reserve, increment, mode and asking price cannot change (409)"""
    seller, buyer = university(), enterprise()
    listing = auction_listing(seller[0])
    lid = listing["id"]
    bid(buyer[0], lid, offer(1000000))
    for change in ({"auction_ends_at": "2099-12-31T00:00:00Z"}, {"reserve_price_fen": 1},
                   {"min_increment_fen": 1}, {"mode": "negotiable", "reserve_price_fen": None,
                                              "min_increment_fen": None,
                                              "auction_ends_at": None},
                   {"asking_price_fen": 5}):
        r = s().request("PATCH", f"/v1/listings/{lid}", {"pricing": change}, token=seller[0],
                        headers={"If-Match": etag(seller[0], f"/v1/listings/{lid}")})
        p = problem(r, 409)
        assert p["type"].endswith("pricing-frozen"), (change, p)
    # nor anything else while the auction runs: an edit would release the bidders
    p = problem(patch_listing(seller[0], lid, {"summary": "改"}, expect=409), 409)
    assert p["type"].endswith("auction-in-progress"), p
    now = get(None, f"/v1/listings/{lid}").json()
    assert now["pricing"] == dict(listing["pricing"], highest_bid_fen=1000000), now
    assert now["status"] == "published", now


@test
def test_negotiable_pricing_frozen_and_edit_releases_bids():
    """an open bid freezes the pricing mode; an edit that sends the listing to review releases it"""
    seller, buyer = university(), enterprise()
    listing = publish(seller[0])
    lid = listing["id"]
    b = bid(buyer[0], lid, offer(20000000))
    p = problem(patch_listing(seller[0], lid, {"pricing": {"mode": "fixed"}}, expect=409), 409)
    assert p["type"].endswith("pricing-frozen") and "pricing.mode" in p["detail"], p
    # the asking price of a negotiable listing is no auction term: it stays editable
    r = patch_listing(seller[0], lid, {"summary": "补充示范工程数据",
                                       "pricing": {"asking_price_fen": 45000000}})
    assert r.json()["status"] == "pending_review", r
    closed = bid_events(buyer[0], b["id"])
    assert closed["status"] == "closed", closed
    why = psql(f"SELECT detail->>'why' FROM audit_log WHERE object_id = '{b['id']}'"
               f" AND action = 'bid.close'")
    assert why == [["the listing was edited and went back to review"]], why
    msgs = psql(f"SELECT kind, message FROM bid_events WHERE bid_id = '{b['id']}' ORDER BY id")
    assert msgs[-1] == ["close", "the listing was edited and went back to review"], msgs


@test
def test_leaving_published_releases_every_bid():
    """withdrawn or rejected (even with bids a legacy edit left binding): no bidder stays bound"""
    seller, buyer = university(), enterprise()
    listing = auction_listing(seller[0])
    b = bid(buyer[0], listing["id"], offer(1000000))
    r = s().request("POST", f"/v1/listings/{listing['id']}/withdraw", token=seller[0])
    assert r.status == 200, r
    assert bid_events(buyer[0], b["id"])["status"] == "closed"
    # a listing sent to review with its bids still binding (as e70ec51 left it), then rejected
    other = auction_listing(seller[0])
    b2 = bid(buyer[0], other["id"], offer(1000000))
    psql(f"UPDATE listings SET status = 'pending_review', version = version + 1"
         f" WHERE id = '{other['id']}'")
    r = s().request("POST", f"/v1/admin/listings/{other['id']}/reject", {"reason": "资料不全"},
                    token=admin_token(s()))
    assert r.status == 200 and r.json()["status"] == "rejected", r
    assert bid_events(buyer[0], b2["id"])["status"] == "closed"
    why = psql(f"SELECT detail->>'why' FROM audit_log WHERE object_id = '{b2['id']}'"
               f" AND action = 'bid.close'")
    assert why == [["the listing was rejected in review"]], why


# ---- 10. CSV -----------------------------------------------------------------

@test
def test_csv_statement_neutralizes_formulas_after_any_separator():
    """a reference with ';=' or '=HYPERLINK' is quoted and prefixed; reversal amounts stay numbers"""
    seller, buyer, c = active_contract()
    cid = c["id"]
    a = pay(buyer[0], cid, 100, reference="INV-2;=1+1")
    b = pay(buyer[0], cid, 200, reference='=HYPERLINK("http://evil.test","点击")')
    t = pay(buyer[0], cid, 300, reference="a|@SUM(A1)|-2")
    path = f"/v1/orgs/{buyer[2]['id']}/statement?from=2025-01-01&to=2025-12-31"
    r = s().request("GET", path, token=buyer[0], headers={"Accept": "text/csv"})
    assert r.status == 200, r
    lines = r.body.decode("utf-8-sig").split("\r\n")
    row = {x.split(",")[3]: x for x in lines[1:] if x}
    assert row[a["id"]].endswith(",100,CNY,reported,\"INV-2;'=1+1\",0,100"), row[a["id"]]
    assert row[b["id"]].endswith(
        ',200,CNY,reported,"\'=HYPERLINK(""http://evil.test"",""点击"")",0,200'), row[b["id"]]
    assert row[t["id"]].endswith(",300,CNY,reported,\"a|'@SUM(A1)|'-2\",0,300"), row[t["id"]]
