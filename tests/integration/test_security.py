"""Security II at the connection level: a body on a method that takes none (request
smuggling through HEAD or TRACE), connections per client address, idle connections
under pressure, and /metrics behind a proxy on the same host."""

import json
import re
import socket
import time

from common import main_server
from harness import METRICS_TOKEN, Server, free_port, problem, test

INNER = b"GET /v1/me HTTP/1.1\r\nHost: x\r\n\r\n"
# every method evhttp knows; only these three take a body
METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "TRACE", "CONNECT", "PATCH")
BODY_METHODS = ("POST", "PUT", "PATCH")
STATUS_LINE = re.compile(rb"HTTP/1\.[01] ([2-9]\d\d) ")


def talk(port, data, source="127.0.0.1", quiet=1.0):
    """Sends data on one connection and reads until the server closes it or stays
    quiet for `quiet` seconds; returns (bytes, closed)."""
    c = socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(source, 0))
    try:
        c.sendall(data)
        c.settimeout(quiet)
        got = b""
        while True:
            try:
                b = c.recv(65536)
            except socket.timeout:
                return got, False
            except ConnectionResetError:
                return got, True
            if not b:
                return got, True
            got += b
    finally:
        c.close()


def smuggling_requests(method):
    """The same hidden request behind a declared length, and inside a chunked body."""
    by_length = (f"{method} /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: {len(INNER)}\r\n\r\n"
                 .encode() + INNER)
    chunked = (f"{method} /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
               .encode() + b"%x\r\n" % len(INNER) + INNER + b"\r\n0\r\n\r\n")
    return {"Content-Length": by_length, "chunked": chunked}


@test
def test_a_declared_body_never_yields_a_second_response():
    """for every method evhttp knows, a request whose body hides another request gets one
    response: a 400 problem and close where the method takes no body (HEAD, TRACE, GET,
    ...), never the hidden request's 401"""
    s = main_server()
    for method in METHODS:
        for framing, data in smuggling_requests(method).items():
            got, closed = talk(s.port, data)
            statuses = STATUS_LINE.findall(got)
            assert len(statuses) == 1, (method, framing, got[:600])
            if method in BODY_METHODS:
                assert statuses[0] != b"401", (method, framing, got[:300])
                continue
            assert statuses[0] == b"400", (method, framing, got[:300])
            assert closed, (method, framing)
            head, _, body = got.partition(b"\r\n\r\n")
            assert re.search(rb"(?i)\r\nconnection: close", head), head
            p = json.loads(body)
            assert p["status"] == 400 and "takes no body" in p["detail"], p
    # a method no route serves never reaches libevent, whatever its target (libevent
    # answered a CONNECT to an authority it could not parse twice: found by fuzz_filter)
    for data in (b"CONNECT [a HTTP/1.1\r\nHost: x\r\n\r\n",
                 b"CONNECT a:b HTTP/1.1\r\nHost: x\r\n\r\n",
                 b"CONNECT -\xff&\xffz HTTP/1.1\r\nHost: x\r\n\r\n",
                 b"TRACE / HTTP/1.1\r\nHost: x\r\n\r\n",
                 b"BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n"):
        got, closed = talk(s.port, data + INNER)
        assert STATUS_LINE.findall(got) == [b"501"], (data, got[:600])
        assert closed, data
        p = json.loads(got.partition(b"\r\n\r\n")[2])
        assert p["type"].endswith("/method-not-implemented") and "OPTIONS" in p["detail"], p
    # no body, or an empty one, is fine on them
    for data in (b"HEAD /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
                 b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"):
        got, _ = talk(s.port, data, quiet=0.5)
        assert STATUS_LINE.findall(got) == [b"200"], got[:300]


@test
def test_metrics_need_the_token_on_the_api_address():
    """/metrics on the API address needs the metrics token even from loopback (a proxy on
    the same host would forward anyone); TECHEX_METRICS_LISTEN serves it alone, on an
    address of its own, without a token"""
    s = main_server()
    problem(s.request("GET", "/metrics"), 403)
    problem(s.request("GET", "/metrics", headers={"Authorization": "Bearer wrong"}), 403)
    assert s.metrics().status == 200
    port = free_port()
    m = Server("metrics-listen", env={"TECHEX_METRICS_LISTEN": f"127.0.0.1:{port}",
                                      "TECHEX_METRICS_TOKEN": ""})
    try:
        problem(m.request("GET", "/metrics"), 403)  # no token configured: closed here
        got, _ = talk(port, b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert got.startswith(b"HTTP/1.1 200"), got[:300]
        assert b"techex_http_requests_total" in got and b"text/plain; version=0.0.4" in got
        got, _ = talk(port, b"GET /v1/listings HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert got.startswith(b"HTTP/1.1 404"), got[:300]  # the API is not served there
        got, _ = talk(port, b"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n"
                            b"Connection: close\r\n\r\n")
        assert got.startswith(b"HTTP/1.1 405"), got[:300]
        assert "serving /metrics on 127.0.0.1:%d" % port in m.read_log()
    finally:
        m.stop()


def open_idle(port, source, n, speak=False):
    held = []
    for _ in range(n):
        c = socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(source, 0))
        if speak:
            c.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            assert c.recv(4096).startswith(b"HTTP/1.1 200")
        held.append(c)
    return held


@test
def test_one_client_address_cannot_hold_every_connection():
    """connections per client address are capped (TECHEX_MAX_CLIENT_CONNECTIONS): the one
    past it is answered 429 and closed, while other addresses are served; a closed one
    makes room again"""
    s = Server("per-client", env={"TECHEX_MAX_CLIENT_CONNECTIONS": "20",
                                  "TECHEX_MAX_CONNECTIONS": "1000"})
    held = []
    try:
        held = open_idle(s.port, "127.0.9.1", 20, speak=True)
        time.sleep(0.2)
        got, closed = talk(s.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", "127.0.9.1")
        assert re.match(rb"HTTP/1\.[01] 429 ", got), got[:300]
        assert closed and b"too-many-connections" in got, got[:400]
        assert re.search(rb"(?i)\r\nretry-after: \d+", got), got[:400]
        # a silent one past the cap is not kept either
        c = socket.create_connection(("127.0.0.1", s.port), timeout=5,
                                     source_address=("127.0.9.1", 0))
        c.settimeout(4)
        start = time.time()
        assert c.recv(100) == b"" and time.time() - start < 3.5
        c.close()
        got, _ = talk(s.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", "127.0.9.2", 0.5)
        assert got.startswith(b"HTTP/1.1 200"), got[:300]
        held.pop().close()
        time.sleep(0.3)
        got, _ = talk(s.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", "127.0.9.1", 0.5)
        assert got.startswith(b"HTTP/1.1 200"), got[:300]
        assert s.proc.poll() is None
    finally:
        for c in held:
            c.close()
        s.stop()


@test
def test_idle_connections_are_cut_short_under_pressure():
    """past 75 % of TECHEX_MAX_CONNECTIONS, keep-alive connections idle for 5 s are closed
    (TECHEX_PRESSURE_IDLE_TIMEOUT; TECHEX_IDLE_TIMEOUT is 600 here); below it they are kept"""
    s = Server("pressure", env={"TECHEX_MAX_CONNECTIONS": "40", "TECHEX_IDLE_TIMEOUT": "600"})
    held = []
    try:
        few = open_idle(s.port, "127.0.8.1", 10, speak=True)  # 25 %: no pressure
        held += few
        time.sleep(7)
        for c in few:  # still open: a request on each is answered
            c.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            assert c.recv(4096).startswith(b"HTTP/1.1 200")
        for i in range(25):  # 35 of 40: under pressure
            held += open_idle(s.port, f"127.0.8.{i + 2}", 1, speak=True)
        start = time.time()
        for c in held:
            c.settimeout(12)
        assert all(c.recv(100) == b"" for c in held)  # each closed by the server
        took = time.time() - start
        assert took < 10, took
        assert "idle keep-alive connection(s)" in s.read_log()
        got, _ = talk(s.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", "127.0.8.200", 0.5)
        assert got.startswith(b"HTTP/1.1 200"), got[:300]
    finally:
        for c in held:
            c.close()
        s.stop()
