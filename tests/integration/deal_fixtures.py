"""What the deal tests share: a negotiable patent listing, the two kinds of party, and
short ways to publish, bid, act on a bid, edit and sign a contract, and read the audit log."""

import copy
import datetime
import hashlib
import json
import threading

from common import main_server
from harness import member, psql, publish_listing
from test_listings import PATENT

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


def auction_listing(tok, ends_in=datetime.timedelta(hours=1)):
    body = copy.deepcopy(NEGOTIABLE)
    body["title"] = "赤泥提铁及尾渣制备陶粒技术（拍卖）"
    ends = datetime.datetime.now(datetime.timezone.utc) + ends_in
    body["pricing"] = {"mode": "auction", "reserve_price_fen": 1000000,
                       "min_increment_fen": 100000,
                       "auction_ends_at": ends.strftime("%Y-%m-%dT%H:%M:%SZ")}
    return publish(tok, body)


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
