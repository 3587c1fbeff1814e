"""HTTP-level attacks: slow and short bodies, request smuggling attempts (framing
that two parsers could read differently), chunked bodies past the limit, and
thousands of idle connections. Every refusal is a problem, never an HTML page,
and the connection closes after it."""

import json
import re
import resource
import select
import socket
import time

from common import main_server
from harness import (PASSWORD, Server, admin_token, login, member, problem, psql, publish_listing,
                     random_loopback, register, test)
from test_listings import PATENT


def read_all(sock, timeout):
    """Reads until the peer closes or timeout seconds pass; returns (bytes, closed)."""
    sock.settimeout(timeout)
    got = b""
    try:
        while True:
            b = sock.recv(65536)
            if not b:
                return got, True
            got += b
    except socket.timeout:
        return got, False
    except ConnectionResetError:
        return got, True


def exchange(port, data, timeout=5.0):
    c = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        c.sendall(data)
        return read_all(c, timeout)
    finally:
        c.close()


def problem_of(raw, status):
    """Asserts raw is one HTTP response with the status and a problem body that
    closes the connection; returns the problem."""
    head, _, body = raw.partition(b"\r\n\r\n")
    assert re.match(rb"HTTP/1\.[01] %d " % status, head), raw[:300]
    assert b"application/problem+json" in head, head
    assert re.search(rb"(?i)\r\nconnection: close", head), head
    p = json.loads(body.decode())
    assert p["status"] == status, p
    return p


def healthy(port):
    out, _ = exchange(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 200"), out[:200]


@test
def test_body_trickled_past_its_deadline_is_cut_off():
    """a body trickled one byte at a time, or shorter than its Content-Length, is cut off
    with 408 at TECHEX_BODY_TIMEOUT, however steady the trickle"""
    s = Server("slowbody", env={"TECHEX_BODY_TIMEOUT": "2", "TECHEX_IDLE_TIMEOUT": "60"})
    try:
        head = (b"POST /v1/listings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Content-Length: 200\r\n\r\n")
        # a steady trickle: the idle timer alone would never fire
        c = socket.create_connection(("127.0.0.1", s.port), timeout=5)
        c.sendall(head)
        start = time.time()
        got = b""
        for ch in b'{"email":"' + b"a" * 150:
            try:
                c.sendall(bytes([ch]))
            except OSError:
                break
            c.setblocking(False)
            try:
                got += c.recv(4096)
            except (BlockingIOError, ConnectionResetError):
                pass
            c.setblocking(True)
            if got:
                break
            time.sleep(0.1)
        rest, closed = read_all(c, 5)
        got += rest
        elapsed = time.time() - start
        c.close()
        p = problem_of(got, 408)
        assert "body" in p["detail"], p
        assert closed, "the connection stays open after the 408"
        assert 1.5 <= elapsed <= 4.5, elapsed

        # a Content-Length larger than the body sent: the same deadline
        start = time.time()
        got, closed = exchange(s.port, head + b'{"email":"x"}', timeout=6)
        assert closed and 1.5 <= time.time() - start <= 4.5, time.time() - start
        problem_of(got, 408)
        healthy(s.port)
    finally:
        s.stop()


@test
def test_ambiguous_framing_is_refused_with_400_and_close():
    """Transfer-Encoding other than exactly chunked, beside Content-Length, or twice, a
    Content-Length that is not one number, folded or broken header lines and bad request
    lines: each a 400 problem (not evhttp's HTML page) and the connection closed"""
    s = main_server()
    body = b'{"email":"a@b.cn","password":"x"}'
    cases = [
        b"Transfer-Encoding: gzip\r\n",
        b"Transfer-Encoding: chunked, chunked\r\n",
        b"Transfer-Encoding: gzip, chunked\r\n",
        b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
        b"Transfer-Encoding: chunked\r\nContent-Length: 33\r\n",
        b"Content-Length: 33\r\nTransfer-Encoding: chunked\r\n",
        b"Transfer-Encoding : chunked\r\n",
        b"Transfer-Encoding:\x0bchunked\r\n",
        b"Content-Length: 33\r\nContent-Length: 34\r\n",
        b"Content-Length: +33\r\n",
        b"Content-Length: 33abc\r\n",
        b"Content-Length: -1\r\n",
        b"Content-Length: 0x21\r\n",
        b"Content-Length:\r\n",
        b"X-Folded: a\r\n b\r\nContent-Length: 33\r\n",
        b"No colon here\r\nContent-Length: 33\r\n",
        b"X-Nul: a\x00b\r\nContent-Length: 33\r\n",
        b"X-Cr: a\rb\r\nContent-Length: 33\r\n",
    ]
    for extra in cases:
        raw = (b"POST /v1/listings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               + extra + b"\r\n" + body)
        got, closed = exchange(s.port, raw)
        p = problem_of(got, 400)
        assert p["type"].endswith("/malformed-request"), (extra, p)
        assert closed, extra
        assert got.count(b"HTTP/1.") == 1, (extra, got)
    for line in [b"GET /healthz HTTP/2.0", b"GET  /healthz HTTP/1.1", b"GET /healthz",
                 b"GET /a b HTTP/1.1", b"GET /healthz HTTP/1.1 extra", b"G\x01T /healthz HTTP/1.1",
                 b"GET /he\x7flthz HTTP/1.1", b" GET /healthz HTTP/1.1"]:
        got, closed = exchange(s.port, line + b"\r\nHost: x\r\n\r\n")
        problem_of(got, 400)
        assert closed, line
    # identical repeated lengths and a chunked coding spelled in capitals are fine
    ok = (b"POST /v1/listings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
          b"Content-Length: 33\r\nContent-Length: 33\r\nConnection: close\r\n\r\n" + body)
    got, _ = exchange(s.port, ok)
    assert got.startswith(b"HTTP/1.1 401"), got[:200]
    healthy(s.port)


@test
def test_smuggled_second_request_is_not_served():
    """a request hidden in a body whose framing is disputed never runs"""
    s = main_server()
    hidden = b"GET /v1/stats HTTP/1.1\r\nHost: x\r\n\r\n"
    raw = (b"POST /v1/listings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
           b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + hidden)
    got, closed = exchange(s.port, raw)
    problem_of(got, 400)
    assert got.count(b"HTTP/1.") == 1 and b"listings_published" not in got, got
    assert closed


@test
def test_chunked_bodies_are_framed_counted_and_checked():
    """a chunked body is read chunk by chunk: the next pipelined request is served after it,
    its data counts against the 1 MiB limit (413 problem mid-stream), and malformed chunk
    lines are a 400 problem"""
    s = main_server()
    body = b'{"email":"nobody@example.cn","password":"wrong-password-1"}'
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 7]), body[i:i + 7])
                       for i in range(0, len(body), 7)) + b"0\r\nX-Trailer: 1\r\n\r\n"
    raw = (b"POST /v1/listings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
           b"Transfer-Encoding: Chunked\r\n\r\n" + chunked
           + b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    got, closed = exchange(s.port, raw)
    statuses = re.findall(rb"HTTP/1\.1 (\d{3}) ", got)
    assert statuses == [b"401", b"200"], got[:600]
    assert closed

    # over the limit in many small chunks: refused while it streams, as a problem
    c = socket.create_connection(("127.0.0.1", s.port), timeout=10)
    c.sendall(b"POST /v1/listings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              b"Transfer-Encoding: chunked\r\n\r\n")
    sent = 0
    got = b""
    while sent < 3 * 1024 * 1024 and not got:
        try:
            c.sendall(b"10000\r\n" + b"a" * 0x10000 + b"\r\n")
            sent += 0x10000
        except OSError:
            break
        if select.select([c], [], [], 0.02)[0]:  # give the server a moment to answer
            got += c.recv(65536)
    rest, closed = read_all(c, 5)
    c.close()
    p = problem_of(got + rest, 413)
    assert p["type"].endswith("/body-too-large"), p
    assert sent <= 1024 * 1024 + 0x40000, sent  # answered at the limit, not at the end

    # one chunk declaring more than the limit: refused at its size line
    got, closed = exchange(s.port, b"POST /v1/listings HTTP/1.1\r\nHost: x\r\n"
                           b"Transfer-Encoding: chunked\r\n\r\n100001\r\n")
    problem_of(got, 413)
    got, closed = exchange(s.port, b"POST /v1/listings HTTP/1.1\r\nHost: x\r\n"
                           b"Transfer-Encoding: chunked\r\n\r\nffffffffffffffffffffffff\r\n")
    problem_of(got, 413)

    for bad in [b"zz\r\nab\r\n0\r\n\r\n", b"2;ext=1\r\nab\r\n0\r\n\r\n", b"2\r\nabc\r\n0\r\n\r\n",
                b"\r\n", b"0x2\r\nab\r\n0\r\n\r\n", b"-2\r\nab\r\n0\r\n\r\n",
                b"2\r\nab\r\n0\r\n" + b"X: " + b"y" * 9000 + b"\r\n\r\n"]:
        got, closed = exchange(s.port, b"POST /v1/listings HTTP/1.1\r\nHost: x\r\n"
                               b"Content-Type: application/json\r\n"
                               b"Transfer-Encoding: chunked\r\n\r\n" + bad)
        assert re.match(rb"HTTP/1\.1 (400|431) ", got), (bad[:40], got[:300])
        assert b"application/problem+json" in got and closed, (bad[:40], got[:300])
    healthy(s.port)


@test
def test_thousands_of_idle_connections_leave_room_for_others():
    """2,000 idle keep-alive connections are held within the cap; other clients are still
    answered at once, and connections past the cap wait rather than being served"""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 2600
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))
    s = Server("idle", env={"TECHEX_MAX_CONNECTIONS": "2100", "TECHEX_IDLE_TIMEOUT": "120",
                            "TECHEX_PRESSURE_IDLE_TIMEOUT": "120",
                            "TECHEX_MAX_CLIENT_CONNECTIONS": "3000"})
    held = []
    try:
        for i in range(2000):
            c = socket.create_connection(("127.0.0.1", s.port), timeout=5)
            if i % 4 == 0:  # some have spoken once and stay idle after their reply
                c.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                assert c.recv(4096).startswith(b"HTTP/1.1 200")
            held.append(c)
        start = time.time()
        for _ in range(20):
            healthy(s.port)
        assert time.time() - start < 5, time.time() - start
        assert s.proc.poll() is None
        # fill the cap: the next client is not served until one leaves
        for _ in range(100):
            held.append(socket.create_connection(("127.0.0.1", s.port), timeout=5))
        time.sleep(0.3)
        extra = socket.create_connection(("127.0.0.1", s.port), timeout=1)
        extra.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        got, _ = read_all(extra, 1)
        assert got == b"", got[:100]
        held.pop().close()
        got, _ = read_all(extra, 3)
        assert got.startswith(b"HTTP/1.1 200"), got[:100]
        extra.close()
    finally:
        for c in held:
            c.close()
        s.stop()


@test
def test_brute_force_on_one_account_is_throttled():
    """120 wrong passwords for one account from three addresses in turn: after the account's
    10th failure each is a 429 with Retry-After, the right password too from those
    addresses, while its owner still logs in from an address that has not been failing"""
    s = main_server()
    _, body = register(s, name="淄博市固废资源化研究院")
    attackers = [random_loopback() for _ in range(3)]
    statuses = []
    for i in range(120):
        r = login(s, body["email"], f"猜测口令-{i:04d}", expect=None, source=attackers[i % 3])
        statuses.append(r.status)
        if r.status == 429:
            problem(r, 429)
            assert 0 < int(r.header("Retry-After")) <= 900, r.headers
    assert statuses[:10] == [401] * 10, statuses[:12]
    assert statuses[10:] == [429] * 110, statuses
    for a in attackers:
        r = login(s, body["email"], PASSWORD, expect=429, source=a)
        assert "token" not in r.body.decode()
    login(s, body["email"], PASSWORD, source=random_loopback())


def rate_fixture(srv):
    """A verified university with a published listing and a verified enterprise."""
    uni, _, uni_org, _ = member(srv, name="中铝山东研究院", verified=True)
    ent, _, ent_org, _ = member(srv, kind="enterprise", name="淄博赤泥综合利用有限公司",
                                verified=True)
    lid = publish_listing(srv, uni, PATENT)["id"]
    return uni, uni_org, ent, ent_org, lid


@test
def test_each_organization_is_limited_in_creating_listings_and_bids():
    """past TECHEX_LISTING_RATE listings an hour or TECHEX_BID_RATE bids a minute an
    organization gets 429 with Retry-After (until the oldest creation leaves the window) and
    nothing is written; other organizations are unaffected, and the allowance comes back as
    creations age out of the window"""
    srv = Server("rates", env={"TECHEX_LISTING_RATE": "3", "TECHEX_BID_RATE": "60"})
    try:
        uni, uni_org, ent, ent_org, lid = rate_fixture(srv)
        # the fixture's listing was the first of three
        for _ in range(2):
            assert srv.request("POST", "/v1/listings", PATENT, token=uni).status == 201
        before = psql(f"SELECT count(*) FROM listings WHERE org_id = '{uni_org['id']}'")
        r = srv.request("POST", "/v1/listings", PATENT, token=uni)
        problem(r, 429)
        assert r.json()["type"].endswith("/rate-limited"), r
        assert 3500 <= int(r.header("Retry-After")) <= 3600, r.headers  # the first leaves in ~1 h
        assert psql(f"SELECT count(*) FROM listings WHERE org_id = '{uni_org['id']}'") == before
        other, _, _, _ = member(srv, name="山东理工大学", verified=True)
        assert srv.request("POST", "/v1/listings", PATENT, token=other).status == 201

        bid = {"amount_fen": 30000000, "transaction_mode": "exclusive_license",
               "message": "申请独占许可，年处理赤泥20万吨。",
               "terms": {"royalty_bp": 300, "term_months": 60, "territory": "山东省"}}
        codes = [srv.request("POST", f"/v1/listings/{lid}/bids", bid, token=ent).status
                 for _ in range(61)]
        assert codes[:60] == [201] * 60 and codes[60] == 429, codes
        bids = psql(f"SELECT count(*) FROM bids WHERE bidder_org_id = '{ent_org['id']}'")
        assert bids == [["60"]], bids
        r = srv.request("POST", f"/v1/listings/{lid}/bids", bid, token=ent)
        problem(r, 429)
        wait = int(r.header("Retry-After"))
        assert 30 <= wait <= 60, r.headers  # the oldest of the 60 leaves the minute then
        # a minute passes for the ten oldest: ten more, and no eleventh
        psql(f"UPDATE bids SET created_at = created_at - interval '61 seconds' WHERE id IN ("
             f"SELECT id FROM bids WHERE bidder_org_id = '{ent_org['id']}' "
             f"ORDER BY created_at LIMIT 10)")
        codes = [srv.request("POST", f"/v1/listings/{lid}/bids", bid, token=ent).status
                 for _ in range(11)]
        assert codes == [201] * 10 + [429], codes
    finally:
        srv.stop()


@test
def test_creation_limits_hold_across_servers():
    """two servers on one database share each organization's allowance: with
    TECHEX_LISTING_RATE=3, three listings made through either server use it up on both, and
    a refused or invalid request uses none of it"""
    env = {"TECHEX_LISTING_RATE": "3", "TECHEX_BID_RATE": "60"}
    a, b = Server("rates-a", env=env), Server("rates-b", env=env)
    try:
        tok, _, org, _ = member(a, name="山东理工大学赤泥研究所", verified=True)
        bad = dict(PATENT, trl=12)
        problem(b.request("POST", "/v1/listings", bad, token=tok), 422)  # costs nothing
        codes = [s.request("POST", "/v1/listings", PATENT, token=tok).status for s in (a, b, a)]
        assert codes == [201, 201, 201], codes
        for s in (a, b):
            r = s.request("POST", "/v1/listings", PATENT, token=tok)
            problem(r, 429)
            assert r.json()["type"].endswith("/rate-limited"), r
        assert psql(f"SELECT count(*) FROM listings WHERE org_id = '{org['id']}'") == [["3"]]
    finally:
        a.stop()
        b.stop()


@test
def test_no_password_or_token_reaches_the_log():
    """a whole flow at log level debug (register, logins right and wrong, admin work, a
    listing, a bid, accept, both signatures, a payment and its confirmation, logout, a forged
    token): the server's log holds none of the passwords or tokens used, nor a token's digest"""
    import hashlib
    from harness import ADMIN_PASSWORD
    srv = Server("secrets", env={"TECHEX_LOG_LEVEL": "debug", "TECHEX_BID_RATE": "0"})
    try:
        admin = admin_token(srv)
        uni, uni_org, ent, ent_org, lid = rate_fixture(srv)
        wrong = "错误口令-不应出现在日志-7731"
        login(srv, "nobody@example.cn", wrong, expect=401, source=random_loopback())
        forged = "tx_" + "f" * 40
        assert srv.request("GET", "/v1/me", token=forged).status == 401
        bid = {"amount_fen": 2500000, "transaction_mode": "non_exclusive_license",
               "message": "普通许可，用于铸造废砂再生。",
               "terms": {"royalty_bp": 150, "term_months": 24, "territory": "淄博市"}}
        r = srv.request("POST", f"/v1/listings/{lid}/bids", bid, token=ent,
                        headers={"Idempotency-Key": "secrets-flow-key-1"})
        assert r.status == 201, r
        r = srv.request("POST", f"/v1/bids/{r.json()['id']}/accept", token=uni)
        assert r.status == 201, r
        cid = r.json()["contract"]["id"]
        for tok in (uni, ent):
            digest = srv.request("GET", f"/v1/contracts/{cid}", token=tok).json()["digest"]
            assert srv.request("POST", f"/v1/contracts/{cid}/sign", {"digest": digest},
                               token=tok).status == 200
        r = srv.request("POST", f"/v1/contracts/{cid}/payments",
                        {"amount_fen": 2500000, "kind": "upfront",
                         "paid_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                         "reference": "农行转账 0001"}, token=ent)
        assert r.status == 201, r
        assert srv.request("POST", f"/v1/payments/{r.json()['id']}/confirm",
                           token=uni).status == 200
        assert srv.request("POST", "/v1/auth/logout", token=ent).status == 204
        time.sleep(0.3)
        log = srv.read_log()
        assert log.count('"msg":"request"') >= 15, log[-500:]
        secrets = {"password": PASSWORD, "admin password": ADMIN_PASSWORD, "wrong password": wrong,
                   "forged token": forged}
        for name, tok in (("admin", admin), ("university", uni), ("enterprise", ent)):
            secrets[f"{name} token"] = tok
            secrets[f"{name} token digest"] = hashlib.sha256(tok.encode()).hexdigest()
        for name, secret in secrets.items():
            assert secret not in log, f"the {name} is in the log"
        assert "Bearer" not in log and "Authorization" not in log
    finally:
        srv.stop()
