"""Sets up the revenue benchmarks of bench/run.sh through the API itself.

    python3 bench/revenue_setup.py BASE SELLER_TOKEN BIDDER_TOKEN ADMIN_TOKEN CONTRACTS

Makes CONTRACTS active exclusive licences between the seller's university and the
bidder's enterprise (a listing each: create, submit, approve, bid, accept, settle
the term, both sign) and prints their ids, one a line. Standard library only.
"""

import json
import sys
import urllib.request

BASE, SELLER, BIDDER, ADMIN, COUNT = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])


def call(method, path, token, body=None, headers=None, want=(200, 201)):
    data = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
    req = urllib.request.Request(BASE + path, data=data, method=method)
    req.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    with urllib.request.urlopen(req, timeout=30) as r:
        if r.status not in want:
            raise SystemExit(f"{method} {path}: {r.status}")
        return json.loads(r.read() or b"null"), r.headers


LISTING = {
    "kind": "patent", "title": "赤泥基胶凝材料制备技术（基准）", "domain": "red_mud_building_materials",
    "trl": 7, "transaction_modes": ["exclusive_license"],
    "pricing": {"mode": "negotiable", "asking_price_fen": 50000000},
    "patent": {"number": "201710601862.3", "type": "invention", "inventors": ["张三", "李四"]},
}

for i in range(COUNT):
    listing, _ = call("POST", "/v1/listings", SELLER, LISTING)
    call("POST", f"/v1/listings/{listing['id']}/submit", SELLER)
    call("POST", f"/v1/admin/listings/{listing['id']}/approve", ADMIN)
    bid, _ = call("POST", f"/v1/listings/{listing['id']}/bids", BIDDER,
                  {"amount_fen": 30000000 + i, "transaction_mode": "exclusive_license",
                   "terms": {"royalty_bp": 300, "term_months": 60}})
    deal, _ = call("POST", f"/v1/bids/{bid['id']}/accept", SELLER)
    cid = deal["contract"]["id"]
    _, headers = call("GET", f"/v1/contracts/{cid}", SELLER)
    contract, _ = call("PATCH", f"/v1/contracts/{cid}", SELLER,
                       {"terms": {"term_start": "2025-01-01", "term_end": "2029-12-31"}},
                       headers={"If-Match": headers["ETag"]})
    for token in (SELLER, BIDDER):
        call("POST", f"/v1/contracts/{cid}/sign", token, {"digest": contract["digest"]})
    print(cid)
