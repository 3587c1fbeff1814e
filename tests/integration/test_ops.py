"""Operations: graceful shutdown, back-pressure, connection limits, timeouts,
TLS, and surviving a PostgreSQL restart."""

import os
import re
import signal
import socket
import ssl
import subprocess
import threading
import time

import harness
from common import main_server
from harness import PASSWORD, ROOT, PGDIR, Server, login, problem, psql, register, test


def burst(fn, n):
    """Runs fn(i) in n threads at once; returns the results in order."""
    out = [None] * n
    go = threading.Event()

    def run(i):
        go.wait()
        try:
            out[i] = fn(i)
        except Exception as e:  # noqa: BLE001
            out[i] = e

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    go.set()
    for t in threads:
        t.join()
    return out


@test
def test_sigterm_drains_requests_in_flight():
    """SIGTERM stops accepting, finishes the requests in flight and exits 0"""
    s = Server("drain", env={"TECHEX_WORKERS": "1"})
    _, body = register(s)
    results = []

    def one(i):
        try:
            results.append(s.request("POST", "/v1/auth/login",
                                     {"email": body["email"], "password": PASSWORD}).status)
        except Exception as e:  # noqa: BLE001
            results.append(repr(e))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    # wait until the server holds all six (queued or running: argon2id takes a while)
    deadline = time.time() + 5
    while time.time() < deadline:
        m = s.metrics().body.decode()
        held = sum(int(l.split()[1]) for l in m.splitlines()
                   if l.startswith(("techex_queue_depth ", "techex_workers_busy ")))
        if held >= 6:
            break
        time.sleep(0.01)
    s.proc.send_signal(signal.SIGTERM)
    for t in threads:
        t.join()
    assert s.proc.wait(timeout=15) == 0
    s.stop()
    assert results == [200] * 6, results
    assert "draining" in s.read_log() if not s.log.closed else True
    try:
        socket.create_connection(("127.0.0.1", s.port), timeout=1).close()
        raise AssertionError("still accepting after exit")
    except OSError:
        pass


@test
def test_sigint_on_idle_server_exits_0():
    """SIGINT on an idle server exits 0 at once"""
    s = Server("sigint")
    t = time.time()
    assert s.stop(signal.SIGINT) == 0
    assert time.time() - t < 5


@test
def test_full_queue_answers_503_with_retry_after():
    """when the work queue is full, requests get 503 with Retry-After at once"""
    s = Server("queue", env={"TECHEX_WORKERS": "1", "TECHEX_QUEUE_DEPTH": "1"})
    try:
        _, body = register(s)
        rs = burst(lambda i: s.request("POST", "/v1/auth/login",
                                       {"email": body["email"], "password": PASSWORD}), 12)
        statuses = [r.status for r in rs]
        assert 503 in statuses and 200 in statuses, statuses
        r = next(r for r in rs if r.status == 503)
        problem(r, 503)
        assert r.header("Retry-After") == "1", r.headers
        assert s.request("GET", "/readyz").status == 200  # and it recovers
    finally:
        s.stop()


@test
def test_password_hashing_cannot_starve_other_requests():
    """with logins flooding in, other requests are served by the free worker first"""
    s = Server("hashing", env={"TECHEX_WORKERS": "2", "TECHEX_HASH_CONCURRENCY": "1"})
    try:
        _, body = register(s)
        order = []
        lock = threading.Lock()

        def job(i):
            if i == 0:
                time.sleep(0.1)  # the logins are queued by now
                r = s.request("GET", "/readyz")
            else:
                r = s.request("POST", "/v1/auth/login", {"email": body["email"], "password": PASSWORD})
            with lock:
                order.append((i, r.status))
            return r.status

        statuses = burst(job, 13)
        assert statuses[0] == 200 and all(x == 200 for x in statuses[1:]), statuses
        pos = [i for i, _ in order].index(0)
        assert pos < len(order) - 6, order  # readyz did not wait behind the hashing queue
    finally:
        s.stop()


@test
def test_connection_cap_holds():
    """past TECHEX_MAX_CONNECTIONS new clients wait; when one leaves, they are served"""
    s = Server("cap", env={"TECHEX_MAX_CONNECTIONS": "4"})
    try:
        idle = [socket.create_connection(("127.0.0.1", s.port)) for _ in range(4)]
        time.sleep(0.2)
        extra = socket.create_connection(("127.0.0.1", s.port), timeout=1.0)
        extra.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        try:
            got = extra.recv(100)
        except socket.timeout:
            got = b""
        assert got == b"", got
        idle[0].close()
        extra.settimeout(5)
        got = extra.recv(100)
        assert got.startswith(b"HTTP/1.1 200"), got
        extra.close()
        for c in idle[1:]:
            c.close()
    finally:
        s.stop()


@test
def test_slow_headers_are_cut_off():
    """headers trickled past TECHEX_HEADER_TIMEOUT are cut off with 408, whatever the trickle"""
    s = Server("slow", env={"TECHEX_HEADER_TIMEOUT": "1"})
    try:
        c = socket.create_connection(("127.0.0.1", s.port), timeout=5)
        start = time.time()
        got = b""
        for ch in b"GET /healthz HTTP/1.1\r\nX-Slow: 1234567890":
            try:
                c.sendall(bytes([ch]))
            except OSError:
                break
            time.sleep(0.1)
            c.setblocking(False)
            try:
                got += c.recv(4096)
            except BlockingIOError:
                pass
            c.setblocking(True)
            if got:
                break
        c.settimeout(3)
        try:
            while True:
                b = c.recv(4096)
                if not b:
                    break
                got += b
        except OSError:
            pass
        assert re.match(rb"HTTP/1\.[01] 408 ", got), got[:100]
        assert time.time() - start < 3.5
        assert s.request("GET", "/healthz").status == 200
    finally:
        s.stop()


@test
def test_idle_connections_are_closed():
    """a silent keep-alive connection is closed after TECHEX_IDLE_TIMEOUT"""
    s = Server("idle", env={"TECHEX_IDLE_TIMEOUT": "1"})
    try:
        c = socket.create_connection(("127.0.0.1", s.port), timeout=5)
        c.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        first = c.recv(4096)
        assert first.startswith(b"HTTP/1.1 200"), first
        t = time.time()
        assert c.recv(4096) == b""
        assert time.time() - t < 4
    finally:
        s.stop()


def make_cert(tmp):
    cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    return cert, key


@test
def test_https_with_tls_12_minimum():
    """with TECHEX_TLS_CERT and TECHEX_TLS_KEY the server speaks HTTPS, TLS 1.2 at least"""
    tmp = os.path.join(ROOT, "var", "test-tls")
    os.makedirs(tmp, exist_ok=True)
    cert, key = make_cert(tmp)
    ctx = ssl.create_default_context(cafile=cert)
    s = Server("tls", env={"TECHEX_TLS_CERT": cert, "TECHEX_TLS_KEY": key}, tls=ctx)
    try:
        conn = s.connection()
        conn.request("GET", "/healthz")
        r = conn.getresponse()
        assert r.status == 200 and r.read() == b'{"status":"ok"}'
        assert conn.sock.version() in ("TLSv1.2", "TLSv1.3"), conn.sock.version()
        conn.close()
        _, body = register(s)
        assert login(s, body["email"])["token"]
        old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        old.check_hostname = False
        old.verify_mode = ssl.CERT_NONE
        old.minimum_version = ssl.TLSVersion.TLSv1
        old.maximum_version = ssl.TLSVersion.TLSv1_1
        try:
            old.set_ciphers("ALL:@SECLEVEL=0")
        except ssl.SSLError:
            pass
        try:
            with socket.create_connection(("127.0.0.1", s.port), timeout=5) as raw:
                with old.wrap_socket(raw) as t:
                    raise AssertionError(f"TLS {t.version()} was accepted")
        except (ssl.SSLError, ConnectionResetError, OSError) as e:
            assert not isinstance(e, AssertionError)
        # plain HTTP to the TLS port gets nowhere
        got = harness.raw_exchange(s.port, b"GET /healthz HTTP/1.1\r\n\r\n", read_timeout=2)
        assert b"200 OK" not in got
    finally:
        s.stop()


@test
def test_readyz_reports_pending_migrations():
    """GET /readyz is 503 when a migration is missing, 200 again once it is back"""
    s = main_server()
    rows = psql("SELECT version, checksum, applied_at FROM schema_migrations ORDER BY version DESC LIMIT 1")
    version, checksum, applied = rows[0]
    psql(f"DELETE FROM schema_migrations WHERE version = '{version}'")
    try:
        r = s.request("GET", "/readyz")
        p = problem(r, 503)
        assert version in p["detail"], p
    finally:
        psql(f"INSERT INTO schema_migrations VALUES ('{version}', '{checksum}', '{applied}')")
    assert s.request("GET", "/readyz").status == 200


@test
def test_survives_postgresql_restart():
    """while PostgreSQL is down requests get 503 and health stays up; after, workers reconnect"""
    s = main_server()
    tok, _, _, _ = harness.member(s)
    assert s.request("GET", "/v1/me", token=tok).status == 200
    pg = ["sh", os.path.join(ROOT, "scripts/pg.sh")]
    subprocess.run(pg + ["stop", PGDIR], check=True)
    try:
        for path in ("/readyz", "/v1/me"):
            r = s.request("GET", path, token=tok)
            problem(r, 503)
            assert r.header("Retry-After"), r.headers
        assert s.request("GET", "/healthz").status == 200
    finally:
        subprocess.run(pg + ["start", PGDIR], check=True)
    deadline = time.time() + 10
    while time.time() < deadline and s.request("GET", "/readyz").status != 200:
        time.sleep(0.2)
    for _ in range(8):  # every worker gets its connection back
        assert s.request("GET", "/v1/me", token=tok).status == 200
    metrics = s.metrics().body.decode()
    line = [l for l in metrics.splitlines() if l.startswith("techex_db_reconnects_total ")][0]
    assert int(line.split()[1]) >= 1, line
    assert s.proc.poll() is None


@test
def test_zz_main_server_stops_cleanly():
    """the shared server, after everything above, still drains and exits 0"""
    s = main_server()
    assert s.request("GET", "/healthz").status == 200
    import common
    common._main = None
    assert s.stop() == 0
