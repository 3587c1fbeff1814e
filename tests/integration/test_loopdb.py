"""The I/O loop's own reads: GET /v1/listings/{id} and GET /v1/me are answered by the loop
over a pipelined connection instead of a worker (a caller's token checked in the same
statement). The answer must be the workers' answer, byte for
byte, for every status a listing can have; a connection that dies mid-stream hands its
requests to the workers and comes back by itself."""

import copy
import os
import threading
import time

from harness import PGDIR, Server, admin_token, member, problem, psql, publish_listing, test
from deal_fixtures import NEGOTIABLE


def metrics(srv):
    """The numeric series of /metrics, by name."""
    r = srv.metrics()
    assert r.status == 200, r
    out = {}
    for line in r.body.decode().splitlines():
        if line and not line.startswith("#") and "{" not in line:
            name, value = line.rsplit(" ", 1)
            out[name] = float(value)
    return out


def comparable(r):
    """What a client sees of a response, without the per-request id and date."""
    skip = {"x-request-id", "date"}
    body = r.body
    if r.status >= 400 and body:
        p = r.json()
        p.pop("request_id", None)
        body = p
    return r.status, sorted((k.lower(), v) for k, v in r.headers if k.lower() not in skip), body


def listings_in_every_status(srv):
    """A published listing and one each of draft, pending_review, rejected, withdrawn, all
    with Chinese text, owned by a fresh university; returns (owner token, {status: id})."""
    tok, _, _, _ = member(srv, name="中铝山东研究院", verified=True)
    body = copy.deepcopy(NEGOTIABLE)
    body["title"] = "赤泥提铁及尾渣制备建材技术"
    ids = {"published": publish_listing(srv, tok, body)["id"]}
    for status in ("draft", "pending_review", "rejected", "withdrawn"):
        body["title"] = f"钛石膏综合利用工艺（{status}）"
        r = srv.request("POST", "/v1/listings", body, token=tok)
        assert r.status == 201, r
        ids[status] = r.json()["id"]
    lid = ids["pending_review"]
    assert srv.request("POST", f"/v1/listings/{lid}/submit", token=tok).status == 200
    lid = ids["withdrawn"]
    assert srv.request("POST", f"/v1/listings/{lid}/withdraw", token=tok).status == 200
    lid = ids["rejected"]
    assert srv.request("POST", f"/v1/listings/{lid}/submit", token=tok).status == 200
    psql(f"UPDATE listings SET status = 'rejected', rejection_reason = '材料不全' "
         f"WHERE id = '{lid}'")
    return tok, ids


@test
def test_loop_reads_answer_exactly_as_the_workers_do():
    """a listing read answered by the I/O loop is the workers' answer byte for byte (status,
    headers, ETag, Chinese body) for a published listing, and the same 404 for a draft, a
    pending, a rejected and a withdrawn one, an unknown id and a non-UUID; with a token the
    loop authenticates in the same statement (the owner and an admin see a draft, a stranger
    gets 404, a dead, malformed or logged-out token 401), and GET /v1/me likewise"""
    loop = Server("loop-on")
    workers = Server("loop-off", env={"TECHEX_LOOP_CONNECTIONS": "0"})
    try:
        tok, ids = listings_in_every_status(loop)
        before = metrics(loop)["techex_loop_reads_total"]
        assert metrics(loop)["techex_loop_db_ready"] == 1
        assert metrics(workers)["techex_loop_db_ready"] == 0
        paths = [f"/v1/listings/{lid}" for lid in ids.values()]
        paths += ["/v1/listings/7c0a2cc8-8a1e-4b6e-9d55-000000000000",
                  "/v1/listings/%E8%B5%A4%E6%B3%A5",
                  "/v1/listings/not-a-uuid"]
        for path in paths:
            for method in ("GET", "HEAD"):
                a = loop.request(method, path)
                b = workers.request(method, path)
                assert comparable(a) == comparable(b), (path, method, a, b)
        pub = loop.request("GET", f"/v1/listings/{ids['published']}")
        assert pub.status == 200 and pub.json()["title"] == "赤泥提铁及尾渣制备建材技术", pub
        assert pub.header("ETag"), pub.headers
        head = loop.request("HEAD", f"/v1/listings/{ids['published']}")
        assert head.body == b"" and head.header("Content-Length") == str(len(pub.body))
        for status in ("draft", "pending_review", "rejected", "withdrawn"):
            problem(loop.request("GET", f"/v1/listings/{ids[status]}"), 404)
        # 5 listings + 1 unknown id, GET and HEAD, plus the two GETs just above and the
        # four 404s: the non-UUIDs never reach the database
        after = metrics(loop)["techex_loop_reads_total"]
        assert after - before == 12 + 2 + 4, (before, after)
        assert metrics(workers)["techex_loop_reads_total"] == 0
        # a caller with a token is authenticated by the loop in the same statement: the
        # owner sees its draft, a stranger gets the same 404 as an anonymous client, an
        # admin sees it too; each is the workers' answer byte for byte
        own = loop.request("GET", f"/v1/listings/{ids['draft']}", token=tok)
        assert own.status == 200 and own.json()["status"] == "draft", own
        assert own.json()["title"] == "钛石膏综合利用工艺（draft）", own
        assert comparable(own) == comparable(
            workers.request("GET", f"/v1/listings/{ids['draft']}", token=tok))
        other, _, _, _ = member(loop, kind="enterprise", name="淄博固废处置有限公司")
        stranger = loop.request("GET", f"/v1/listings/{ids['draft']}", token=other)
        anonymous = loop.request("GET", f"/v1/listings/{ids['draft']}")
        assert comparable(stranger) == comparable(anonymous), (stranger, anonymous)
        admin = admin_token(loop)
        seen = loop.request("GET", f"/v1/listings/{ids['pending_review']}", token=admin)
        assert seen.status == 200 and seen.json()["status"] == "pending_review", seen
        unknown = "/v1/listings/7c0a2cc8-8a1e-4b6e-9d55-000000000000"
        assert comparable(loop.request("GET", unknown, token=tok)) == comparable(
            workers.request("GET", unknown, token=tok))
        problem(loop.request("GET", unknown, token=tok), 404)
        assert metrics(loop)["techex_loop_reads_total"] == after + 6
        # a dead token or a malformed header is refused by the loop as by the workers
        for auth in ("Bearer " + "x" * 43, "Basic dXNlcjpwYXNz", "Bearer"):
            path = f"/v1/listings/{ids['published']}"
            a = loop.request("GET", path, headers={"Authorization": auth})
            b = workers.request("GET", path, headers={"Authorization": auth})
            problem(a, 401)
            assert comparable(a) == comparable(b), (auth, a, b)
        # GET /v1/me too, and a token logged out is refused at once
        me_loop = loop.request("GET", "/v1/me", token=tok)
        assert me_loop.status == 200, me_loop
        assert me_loop.json()["organization"]["name"] == "中铝山东研究院", me_loop
        assert comparable(me_loop) == comparable(workers.request("GET", "/v1/me", token=tok))
        reads = metrics(loop)["techex_loop_reads_total"]
        assert reads >= after + 6 + 2, (after, reads)  # the bad Bearer token, /v1/me
        assert loop.request("POST", "/v1/auth/logout", token=other).status == 204
        problem(loop.request("GET", "/v1/me", token=other), 401)
        problem(loop.request("GET", f"/v1/listings/{ids['published']}", token=other), 401)
        problem(loop.request("GET", "/v1/me"), 401)
    finally:
        loop.stop()
        workers.stop()


@test
def test_loop_connection_killed_mid_stream_hands_reads_to_workers():
    """eight clients read listings anonymously while the loop's database connection is
    terminated three times: every answer is still a 200 with the listing, the loop's reads
    go to the workers meanwhile, and the loop reconnects by itself"""
    srv = Server("loop-kill", env={"TECHEX_WORKERS": "2"})
    try:
        tok, _, _, _ = member(srv, name="山东理工大学", verified=True)
        body = copy.deepcopy(NEGOTIABLE)
        body["title"] = "铸造废砂再生利用技术"
        lids = [publish_listing(srv, tok, body)["id"] for _ in range(3)]
        stop = threading.Event()
        statuses, errors, lock = {}, [], threading.Lock()

        def client(i):
            n = 0
            while not stop.is_set():
                lid = lids[(i + n) % 3]
                n += 1
                try:
                    r = srv.request("GET", f"/v1/listings/{lid}", timeout=15)
                except Exception as e:  # noqa: BLE001 - a reset or a hang is a failure
                    errors.append(repr(e))
                    continue
                with lock:
                    statuses[r.status] = statuses.get(r.status, 0) + 1
                if r.status != 200 or r.json()["id"] != lid:
                    errors.append(repr(r))

        threads = [threading.Thread(target=client, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        before = metrics(srv)
        for k in range(3):
            time.sleep(0.5)
            killed = psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE application_name = 'techex-loop'")
            assert killed, "no loop connection to terminate"
            # the loop reconnects by itself within a few seconds
            want = before["techex_db_reconnects_total"] + k + 1
            deadline = time.time() + 10
            while time.time() < deadline and metrics(srv)["techex_db_reconnects_total"] < want:
                time.sleep(0.1)
            assert metrics(srv)["techex_db_reconnects_total"] >= want
            assert metrics(srv)["techex_loop_db_ready"] == 1
        reads = metrics(srv)["techex_loop_reads_total"]
        time.sleep(0.5)
        stop.set()
        for t in threads:
            t.join(30)
        assert not any(t.is_alive() for t in threads), "a client is stuck"
        after = metrics(srv)
        handed = (after["techex_loop_handed_back_total"] -
                  before["techex_loop_handed_back_total"])
        print(f"    statuses: {statuses}; handed back to the workers: {handed:.0f}")
        assert not errors, errors[:5]
        assert set(statuses) == {200}, statuses
        assert after["techex_loop_reads_total"] > reads, "the loop does not answer again"
        assert after["techex_db_reconnects_total"] >= before["techex_db_reconnects_total"] + 3
        assert "loop database connection lost" in srv.read_log()
        assert srv.proc.poll() is None
    finally:
        srv.stop()


def postgres_log_errors():
    path = os.path.join(os.path.realpath(os.path.join(PGDIR, "data")), "server.log")
    with open(path, encoding="utf-8", errors="replace") as f:
        return [line for line in f if "FATAL" in line or "could not send data" in line]


@test
def test_stopping_at_once_leaves_postgresql_log_clean():
    """a server stopped with SIGTERM right after it first answers (its loop connection still
    being made or set up) exits 0 and leaves no "connection to client lost" in PostgreSQL's
    log"""
    before = postgres_log_errors()
    for i in range(8):
        srv = Server(f"quick-stop-{i}")
        assert srv.stop() == 0
    time.sleep(0.3)
    new = postgres_log_errors()[len(before):]
    assert not new, new
