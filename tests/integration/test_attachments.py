"""Attachments (API.md "Negotiation, conversations, attachments"): PDF, PNG and JPEG files on
listings, organizations and contracts, checked by their first bytes, at most 10 MiB (the
1 MiB limit stays everywhere else), stored with their SHA-256, downloaded as attachments
that are never sniffed, seen exactly as their parent, deleted by the uploader until a
contract is signed, within a quota per organization."""

import hashlib
import re
import urllib.parse
import uuid

from harness import admin_token, member, problem, psql, raw_exchange, test
from deal_fixtures import (NEGOTIABLE, s, university, enterprise, publish, bid, act, get,
                           sign, patch_contract)

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
       b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 17
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20
MiB = 1024 * 1024


def upload(tok, parent, pid, data=PDF, ctype="application/pdf", filename="赤泥路基材料技术简介.pdf",
           visibility=None, expect=201):
    q = "?filename=" + urllib.parse.quote(filename, safe="")
    if visibility:
        q += "&visibility=" + visibility
    r = s().request("POST", f"/v1/{parent}/{pid}/attachments{q}", raw=data, content_type=ctype,
                    token=tok)
    assert r.status == expect, r
    return r.json() if expect == 201 else r


def download(tok, aid):
    return s().request("GET", f"/v1/attachments/{aid}", token=tok)


@test
def test_attachment_round_trip():
    """a PDF brochure: 201 with size and sha256, downloaded byte for byte with its Chinese name"""
    seller = university()
    listing = publish(seller[0])
    a = upload(seller[0], "listings", listing["id"], visibility="public")
    assert a["size"] == len(PDF) and a["sha256"] == hashlib.sha256(PDF).hexdigest(), a
    assert a["content_type"] == "application/pdf" and a["visibility"] == "public", a
    assert a["filename"] == "赤泥路基材料技术简介.pdf", a
    r = download(None, a["id"])
    assert r.status == 200 and r.body == PDF, r
    assert r.header("Content-Type") == "application/pdf", r.headers
    assert r.header("X-Content-Type-Options") == "nosniff", r.headers
    assert r.header("ETag") == f'"{a["sha256"]}"', r.headers
    cd = r.header("Content-Disposition")
    assert cd.startswith("attachment;"), cd
    star = cd.split("filename*=UTF-8''")[1]
    assert urllib.parse.unquote(star) == "赤泥路基材料技术简介.pdf", cd
    assert hashlib.sha256(r.body).hexdigest() == a["sha256"]
    h = s().request("HEAD", f"/v1/attachments/{a['id']}")
    assert h.status == 200 and h.body == b"" and h.header("Content-Length") == str(len(PDF)), h
    # PNG and JPEG too, and the list shows them, oldest first
    upload(seller[0], "listings", listing["id"], PNG, "image/png", "工艺流程图.png", "public")
    upload(seller[0], "listings", listing["id"], JPEG, "image/jpeg", "现场照片.jpg", "public")
    lst = get(None, f"/v1/listings/{listing['id']}/attachments").json()
    assert [x["filename"] for x in lst["data"]] == ["赤泥路基材料技术简介.pdf", "工艺流程图.png",
                                                    "现场照片.jpg"], lst
    assert "data" not in lst["data"][0] or lst["data"][0].get("data") is None


@test
def test_attachment_type_spoofing_is_refused():
    """first bytes that do not match the Content-Type are 422; other types 415; nothing stored"""
    seller = university()
    listing = publish(seller[0])
    lid = listing["id"]
    html = b"<html><script>alert(1)</script></html>"
    problem(upload(seller[0], "listings", lid, html, "application/pdf", expect=422), 422, "body")
    problem(upload(seller[0], "listings", lid, PNG, "application/pdf", expect=422), 422, "body")
    problem(upload(seller[0], "listings", lid, PDF, "image/png", expect=422), 422, "body")
    problem(upload(seller[0], "listings", lid, b"\xff\xd8", "image/jpeg", expect=422), 422, "body")
    problem(upload(seller[0], "listings", lid, b"", "application/pdf", expect=422), 422, "body")
    problem(upload(seller[0], "listings", lid, html, "text/html", expect=415), 415)
    problem(upload(seller[0], "listings", lid, b'{"a":1}', "application/json", expect=415), 415)
    problem(upload(seller[0], "listings", lid, PDF, "image/svg+xml", expect=415), 415)
    for bad in ("../etc/passwd.pdf", "a/b.pdf", "a\\b.pdf", "a\x01.pdf", "..", "x" * 256):
        problem(upload(seller[0], "listings", lid, filename=bad, expect=422), 422, "filename")
    problem(upload(seller[0], "listings", lid, visibility="org", expect=422), 422, "visibility")
    r = s().request("POST", f"/v1/listings/{lid}/attachments", raw=PDF,
                    content_type="application/pdf", token=seller[0])
    problem(r, 422, "filename")
    assert psql(f"SELECT count(*) FROM attachments WHERE parent_id = '{lid}'") == [["0"]]


@test
def test_attachment_size_limits():
    """10 MiB is taken and 10 MiB + 1 is 413 on uploads; 1.5 MiB is taken there but 413 elsewhere"""
    seller = university()
    listing = publish(seller[0])
    lid = listing["id"]
    big = PDF + b"0" * (int(1.5 * MiB) - len(PDF))
    a = upload(seller[0], "listings", lid, big, filename="大文件.pdf")
    assert a["size"] == len(big), a
    # a declared length past the route's limit is refused as soon as the headers arrive
    for method, path, length in (("PATCH", f"/v1/listings/{lid}", int(1.5 * MiB)),
                                 ("POST", f"/v1/listings/{lid}/bids", int(1.5 * MiB)),
                                 ("POST", f"/v1/listings/{lid}/attachments?filename=a.pdf",
                                  10 * MiB + 1)):
        head = (f"{method} {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {seller[0]}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n")
        out = raw_exchange(s().port, head.encode() + b"{")
        assert re.match(rb"HTTP/1\.[01] 413 ", out), (method, path, out[:200])
    full = PDF + b"0" * (10 * MiB - len(PDF))
    assert upload(seller[0], "listings", lid, full, filename="整十兆.pdf")["size"] == 10 * MiB
    # a chunked body past 10 MiB is cut off as it arrives
    head = (f"POST /v1/listings/{lid}/attachments?filename=x.pdf HTTP/1.1\r\nHost: x\r\n"
            f"Authorization: Bearer {seller[0]}\r\nContent-Type: application/pdf\r\n"
            "Transfer-Encoding: chunked\r\n\r\n").encode()
    chunk = b"%x\r\n" % MiB + b"0" * MiB + b"\r\n"
    out = raw_exchange(s().port, head + chunk * 11 + b"0\r\n\r\n", read_timeout=10)
    assert re.match(rb"HTTP/1\.[01] 413 ", out), out[:200]
    assert psql(f"SELECT count(*) FROM attachments WHERE parent_id = '{lid}'") == [["2"]]


@test
def test_attachment_visibility_on_listings():
    """public: anyone who sees the listing; verified_orgs: verified orgs, owner, admin; 404 else"""
    seller = university()
    buyer = enterprise()
    unverified = member(s(), kind="enterprise", name="淄博未认证环保科技", verified=False)
    admin = admin_token(s())
    listing = publish(seller[0])
    pub = upload(seller[0], "listings", listing["id"], visibility="public")
    ver = upload(seller[0], "listings", listing["id"], filename="技术参数（认证机构可见）.pdf")
    assert ver["visibility"] == "verified_orgs", ver  # the default: never public by omission
    for tok in (None, unverified[0], buyer[0], seller[0], admin):
        assert download(tok, pub["id"]).status == 200
    for tok, want in ((None, 404), (unverified[0], 404), (buyer[0], 200), (seller[0], 200),
                      (admin, 200)):
        r = download(tok, ver["id"])
        assert r.status == want, (tok, r)
        if want == 404:
            problem(r, 404)
            assert PDF not in r.body
        ids = [x["id"] for x in get(tok, f"/v1/listings/{listing['id']}/attachments").json()["data"]]
        assert (ver["id"] in ids) == (want == 200), (tok, ids)
    # a draft listing's files: only its organization and admins
    draft = s().request("POST", "/v1/listings", NEGOTIABLE, token=seller[0]).json()
    d = upload(seller[0], "listings", draft["id"], visibility="public")
    for tok, want in ((None, 404), (buyer[0], 404), (seller[0], 200), (admin, 200)):
        assert download(tok, d["id"]).status == want, tok
        assert s().request("GET", f"/v1/listings/{draft['id']}/attachments",
                           token=tok).status == (200 if want == 200 else 404)
    # only the listing's organization attaches
    problem(upload(buyer[0], "listings", listing["id"], expect=403), 403)
    problem(upload(admin, "listings", listing["id"], expect=403), 403)
    problem(upload(buyer[0], "listings", draft["id"], expect=404), 404)
    problem(upload(buyer[0], "listings", str(uuid.uuid4()), expect=404), 404)
    assert download(None, str(uuid.uuid4())).status == 404
    assert download(None, "not-an-id").status == 404


@test
def test_org_and_contract_attachments():
    """an org's licence: its members and admins; a contract's scans: the parties and admins"""
    seller, buyer = university(), enterprise()
    other = enterprise("山东海逸恒安环保科技有限公司")
    admin = admin_token(s())
    lic = upload(buyer[0], "orgs", buyer[2]["id"], JPEG, "image/jpeg", "营业执照副本.jpg")
    assert lic["visibility"] == "org", lic
    for tok, want in ((buyer[0], 200), (admin, 200), (seller[0], 404), (other[0], 404),
                      (None, 404)):
        assert download(tok, lic["id"]).status == want, tok
    problem(upload(seller[0], "orgs", buyer[2]["id"], expect=404), 404)
    assert s().request("GET", f"/v1/orgs/{buyer[2]['id']}/attachments",
                       token=seller[0]).status == 404
    assert len(get(admin, f"/v1/orgs/{buyer[2]['id']}/attachments").json()["data"]) == 1

    listing = publish(seller[0])
    b = bid(buyer[0], listing["id"])
    contract = act(seller[0], b["id"], "accept", expect=201)["contract"]
    cid = contract["id"]
    scan = upload(buyer[0], "contracts", cid, PDF, filename="许可合同（乙方签字页）.pdf")
    assert scan["visibility"] == "parties", scan
    for tok, want in ((buyer[0], 200), (seller[0], 200), (admin, 200), (other[0], 404),
                      (None, 404)):
        assert download(tok, scan["id"]).status == want, tok
    problem(upload(other[0], "contracts", cid, expect=404), 404)
    problem(upload(admin, "contracts", cid, expect=403), 403)
    # delete: only the uploading organization, only before signing
    problem(s().request("DELETE", f"/v1/attachments/{scan['id']}", token=seller[0]), 403)
    problem(s().request("DELETE", f"/v1/attachments/{scan['id']}", token=other[0]), 404)
    assert s().request("DELETE", f"/v1/attachments/{scan['id']}", token=buyer[0]).status == 204
    assert download(buyer[0], scan["id"]).status == 404
    kept = upload(buyer[0], "contracts", cid, PDF, filename="签字页.pdf")
    patch_contract(seller[0], contract, {"terms": {"term_start": "2026-01-01",
                                                   "term_end": "2030-12-31"}})
    sign(seller[0], cid)
    p = problem(s().request("DELETE", f"/v1/attachments/{kept['id']}", token=buyer[0]), 409)
    assert p["type"].endswith("contract-signed"), p
    # signed scans are still uploaded after signing
    upload(seller[0], "contracts", cid, PNG, "image/png", "甲方盖章页.png")
    # and the database itself keeps them (a trigger)
    psql(f"DELETE FROM attachments WHERE id = '{kept['id']}'", check=False)
    assert psql(f"SELECT count(*) FROM attachments WHERE id = '{kept['id']}'") == [["1"]]


@test
def test_attachment_quota_per_organization():
    """an upload past the organization's quota is 409 attachment-quota-exceeded"""
    seller = university()
    listing = publish(seller[0])
    psql(f"UPDATE organizations SET attachment_quota_bytes = {len(PDF) * 2 + 10}"
         f" WHERE id = '{seller[2]['id']}'")
    upload(seller[0], "listings", listing["id"])
    upload(seller[0], "listings", listing["id"])
    p = problem(upload(seller[0], "listings", listing["id"], expect=409), 409)
    assert p["type"].endswith("attachment-quota-exceeded"), p
    aid = get(seller[0], f"/v1/listings/{listing['id']}/attachments").json()["data"][0]["id"]
    assert s().request("DELETE", f"/v1/attachments/{aid}", token=seller[0]).status == 204
    upload(seller[0], "listings", listing["id"])


@test
def test_attachment_upload_honours_idempotency_key():
    """a retried upload with its Idempotency-Key stores one file; the key with another file is 422"""
    seller = university()
    listing = publish(seller[0])
    path = f"/v1/listings/{listing['id']}/attachments?filename=" + urllib.parse.quote("简介.pdf")
    h = {"Idempotency-Key": "upload-" + uuid.uuid4().hex}
    first = s().request("POST", path, raw=PDF, content_type="application/pdf", token=seller[0],
                        headers=h)
    again = s().request("POST", path, raw=PDF, content_type="application/pdf", token=seller[0],
                        headers=h)
    assert first.status == 201 and again.status == 201, (first, again)
    assert first.json()["id"] == again.json()["id"]
    # the same bytes under another name, or other bytes (a NUL early on), are another request
    png2 = PNG[:9] + b"\x01" + PNG[10:]
    for p_, data, ct in ((path.replace("%E7%AE%80", "x"), PDF, "application/pdf"),
                         (path, PNG, "image/png")):
        problem(s().request("POST", p_, raw=data, content_type=ct, token=seller[0], headers=h),
                422)
    # two PNGs that differ only after a NUL byte are two requests, not one
    h2 = {"Idempotency-Key": "upload-" + uuid.uuid4().hex}
    assert s().request("POST", path, raw=PNG, content_type="image/png", token=seller[0],
                       headers=h2).status == 201
    problem(s().request("POST", path, raw=png2, content_type="image/png", token=seller[0],
                        headers=h2), 422)
    assert psql(f"SELECT count(*) FROM attachments WHERE parent_id = '{listing['id']}'") == \
        [["2"]]
