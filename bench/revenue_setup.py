"""Sets up the revenue benchmarks of bench/run.sh through the API itself.

    python3 bench/revenue_setup.py contracts BASE SELLER_TOKEN BIDDER_TOKEN ADMIN_TOKEN N
        makes N active exclusive licences between the seller's university and the
        bidder's enterprise (a listing each: create, submit, approve, bid, accept,
        settle the term, both sign) and prints their ids, one a line;
    python3 bench/revenue_setup.py confirm BASE SELLER_TOKEN IDS_FILE
        confirms every payment of IDS_FILE, one after another on one connection.

Standard library only.
"""

import http.client
import json
import sys
import urllib.parse

LISTING = {
    "kind": "patent", "title": "赤泥基胶凝材料制备技术（基准）", "domain": "red_mud_building_materials",
    "trl": 7, "transaction_modes": ["exclusive_license"],
    "pricing": {"mode": "negotiable", "asking_price_fen": 50000000},
    "patent": {"number": "201710601862.3", "type": "invention", "inventors": ["张三", "李四"]},
}


class Api:
    def __init__(self, base):
        url = urllib.parse.urlsplit(base)
        self.conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)

    def call(self, method, path, token, body=None, headers=None):
        h = {"Authorization": f"Bearer {token}"}
        data = None
        if body is not None:
            data = json.dumps(body, ensure_ascii=False).encode()
            h["Content-Type"] = "application/json"
        h.update(headers or {})
        self.conn.request(method, path, body=data, headers=h)
        r = self.conn.getresponse()
        raw = r.read()
        if r.status not in (200, 201):
            raise SystemExit(f"{method} {path}: {r.status} {raw[:300]!r}")
        return json.loads(raw or b"null"), r


def contracts(api, seller, bidder, admin, count):
    for i in range(count):
        listing, _ = api.call("POST", "/v1/listings", seller, LISTING)
        api.call("POST", f"/v1/listings/{listing['id']}/submit", seller)
        api.call("POST", f"/v1/admin/listings/{listing['id']}/approve", admin)
        bid, _ = api.call("POST", f"/v1/listings/{listing['id']}/bids", bidder,
                          {"amount_fen": 30000000 + i, "transaction_mode": "exclusive_license",
                           "terms": {"royalty_bp": 300, "term_months": 60}})
        deal, _ = api.call("POST", f"/v1/bids/{bid['id']}/accept", seller)
        cid = deal["contract"]["id"]
        _, r = api.call("GET", f"/v1/contracts/{cid}", seller)
        contract, _ = api.call("PATCH", f"/v1/contracts/{cid}", seller,
                               {"terms": {"term_start": "2024-01-01", "term_end": "2029-12-31"}},
                               headers={"If-Match": r.getheader("ETag")})
        for token in (seller, bidder):
            api.call("POST", f"/v1/contracts/{cid}/sign", token, {"digest": contract["digest"]})
        print(cid)


def confirm(api, seller, ids_file):
    with open(ids_file) as f:
        for line in f:
            if line.strip():
                api.call("POST", f"/v1/payments/{line.strip()}/confirm", seller)


if __name__ == "__main__":
    mode, base = sys.argv[1], sys.argv[2]
    if mode == "contracts":
        contracts(Api(base), sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6]))
    elif mode == "confirm":
        confirm(Api(base), sys.argv[3], sys.argv[4])
    else:
        raise SystemExit(f"unknown mode {mode}")
