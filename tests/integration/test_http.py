"""The HTTP layer: limits, errors, body reader, health, metrics, access log."""

import json
import re
import socket
import time

from common import main_server
from harness import PASSWORD, login, problem, raw_exchange, register, test, unique_email

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@test
def test_healthz_answers_with_request_id():
    """GET /healthz is 200 JSON and every reply carries its own X-Request-Id"""
    s = main_server()
    a, b = s.request("GET", "/healthz"), s.request("GET", "/healthz")
    assert a.status == 200 and a.json() == {"status": "ok"}, a
    assert a.header("Content-Type") == "application/json"
    assert UUID_RE.match(a.header("X-Request-Id")), a.headers
    assert a.header("X-Request-Id") != b.header("X-Request-Id")


@test
def test_head_has_no_body():
    """HEAD /healthz answers 200 without a body"""
    r = main_server().request("HEAD", "/healthz")
    assert r.status == 200 and r.body == b"", r


@test
def test_readyz_ready_when_migrated():
    """GET /readyz is 200 when the database answers and migrations are current"""
    r = main_server().request("GET", "/readyz")
    assert r.status == 200 and r.json()["status"] == "ready", r


@test
def test_unknown_path_is_404_problem():
    """an unknown path is a 404 problem, not a crash or an HTML page"""
    p = problem(main_server().request("GET", "/v1/%E8%B5%A4%E6%B3%A5/nothing"), 404)
    assert p["type"].endswith("/not-found"), p


@test
def test_wrong_method_is_405_with_allow():
    """a known path with an unsupported method is 405 with an Allow header"""
    r = main_server().request("DELETE", "/v1/me")
    problem(r, 405)
    assert r.header("Allow") == "GET, HEAD", r.headers
    r = main_server().request("GET", "/v1/auth/login")
    problem(r, 405)
    assert r.header("Allow") == "POST", r.headers


@test
def test_headers_over_8k_are_431():
    """request headers over 8 KiB are refused with 431; just under passes"""
    s = main_server()
    r = s.request("GET", "/healthz", headers={"X-Padding": "a" * 9000})
    problem(r, 431)
    r = s.request("GET", "/healthz", headers={"X-Padding": "a" * 7000})
    assert r.status == 200, r
    # many small headers add up too
    many = {f"X-H{i}": "b" * 100 for i in range(100)}
    problem(s.request("GET", "/healthz", headers=many), 431)


@test
def test_header_block_never_ending_is_431():
    """a header block that never ends is cut off at 8 KiB with 431"""
    s = main_server()
    out = raw_exchange(s.port, b"GET /healthz HTTP/1.1\r\nX-A: " + b"x" * 20000)
    assert re.match(rb"HTTP/1\.[01] 431 ", out), out[:200]
    assert b"Connection: close" in out, out[:400]


@test
def test_body_over_1mib_is_413():
    """a body over 1 MiB is refused with 413, by Content-Length or chunked"""
    s = main_server()
    # the declared length is refused before a byte of the body is read
    out = raw_exchange(s.port, b"POST /v1/auth/login HTTP/1.1\r\nHost: x\r\n"
                       b"Content-Type: application/json\r\nContent-Length: 1048577\r\n\r\n")
    assert re.match(rb"HTTP/1\.[01] 413 ", out), out[:200]
    assert b"application/problem+json" in out and b"body-too-large" in out, out
    out = raw_exchange(s.port, b"POST /v1/auth/login HTTP/1.1\r\nHost: x\r\n"
                       b"Content-Type: application/json\r\nContent-Length: 1048576\r\n\r\n{",
                       read_timeout=1)
    assert not out.startswith(b"HTTP/1.1 413"), out[:100]  # exactly 1 MiB is allowed
    # chunked: the same size in pieces
    conn = s.connection()
    conn.putrequest("POST", "/v1/auth/login")
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Transfer-Encoding", "chunked")
    conn.endheaders()
    try:
        for _ in range(20):
            chunk = b"a" * 65536
            conn.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        conn.send(b"0\r\n\r\n")
        resp = conn.getresponse()
        assert resp.status == 413, resp.status
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server refused and closed: also a refusal
    finally:
        conn.close()
    assert s.request("GET", "/healthz").status == 200


@test
def test_body_reader_refusals_are_400():
    """bad bodies are 400 problems that say what is wrong, and change nothing"""
    s = main_server()
    email = unique_email("refused")
    good = {"email": email, "password": PASSWORD, "display_name": "王工",
            "organization": {"name": "淄博天之润", "kind": "enterprise"}}
    good_bytes = json.dumps(good, ensure_ascii=False).encode()
    cases = [
        ("no content type", good_bytes, None, "Content-Type"),
        ("text/plain", good_bytes, "text/plain", "Content-Type"),
        ("not JSON", b"{email:", "application/json", "JSON"),
        ("empty", b"", "application/json", "empty"),
        ("duplicate keys", good_bytes[:-1] + b',"email":"x@y.cn"}', "application/json", "duplicate"),
        ("invalid UTF-8", good_bytes.replace("王".encode(), b"\xe7\x8e"), "application/json", "UTF-8"),
        ("NUL byte", good_bytes.replace(b"enterprise", b"enter\x00prise"), "application/json", "UTF-8"),
        ("escaped NUL", good_bytes.replace(b"enterprise", b"enter\\u0000prise"), "application/json", "JSON"),
        ("33 levels deep", b'{"a":' * 33 + b"1" + b"}" * 33, "application/json", "deeper"),
        ("5000 levels deep", b"[" * 5000 + b"]" * 5000, "application/json", "deeper"),
        ("array at the top", b"[1,2]", "application/json", "object"),
    ]
    for name, body, ct, word in cases:
        headers = {"Content-Type": ct} if ct else {}
        r = s.request("POST", "/v1/auth/register", raw=body, headers=headers, content_type=None)
        p = problem(r, 400)
        assert word.lower() in p["detail"].lower(), (name, p)
    # valid JSON with an integer beyond 64 bits is a range error on that field
    huge = good_bytes[:-1] + b',"n": 123456789012345678901234567890}'
    problem(s.request("POST", "/v1/auth/register", raw=huge), 422, "n")
    # nothing was created by any of them
    problem(login(s, email, expect=401), 401)


@test
def test_validation_reports_every_field():
    """field validation names every bad field at once in a 422"""
    r = main_server().request("POST", "/v1/auth/register", {
        "email": "not-an-email", "password": "短", "display_name": "",
        "organization": {"name": "", "kind": "bank", "parent_id": "42"},
        "role": "admin"})
    p = problem(r, 422)
    fields = sorted(e["field"] for e in p["errors"])
    assert fields == sorted(["email", "password", "display_name", "organization.name",
                             "organization.kind", "organization.parent_id", "role"]), fields


@test
def test_mistyped_fields_are_422():
    """reals, strings and nulls where other types belong are 422 naming the field"""
    s = main_server()
    for body, field in [
        ({"email": 12, "password": PASSWORD}, "email"),
        ({"email": "a@b.cn", "password": ["x"]}, "password"),
        ({"email": None, "password": PASSWORD}, "email"),
        ({"email": "a@b.cn", "password": 1.5}, "password"),
        ({"email": "a@b.cn"}, "password"),
    ]:
        problem(s.request("POST", "/v1/auth/login", body), 422, field)


@test
def test_metrics_in_prometheus_format():
    """GET /metrics serves requests by route and status, latency, queue, workers, reconnects"""
    s = main_server()
    s.request("GET", "/v1/me")  # a 401 to count
    r = s.metrics()
    assert r.status == 200, r
    assert r.header("Content-Type").startswith("text/plain; version=0.0.4"), r.headers
    text = r.body.decode()
    assert re.search(r'techex_http_requests_total\{method="GET",route="/v1/me",status="401"\} \d+', text), text
    assert 'techex_http_request_duration_seconds_bucket{le="+Inf"}' in text
    for name in ("techex_queue_depth", "techex_workers_busy", "techex_db_reconnects_total",
                 "techex_open_connections"):
        assert re.search(rf"^{name} \d+$", text, re.M), name


@test
def test_access_log_is_json_and_keeps_secrets_out():
    """one JSON access-log line per request, with request id, route and org; no password or token"""
    s = main_server()
    data, body = register(s, kind="enterprise", name="山东金虹钛白化工")
    r = s.request("POST", "/v1/auth/login", {"email": body["email"], "password": body["password"]})
    token = r.json()["token"]
    me = s.request("GET", "/v1/me", token=token)
    rid = me.header("X-Request-Id")
    time.sleep(0.2)
    log = s.read_log()
    assert body["password"] not in log and token not in log
    lines = [json.loads(line) for line in log.splitlines() if rid in line]
    assert len(lines) == 1, lines
    e = lines[0]
    assert e["method"] == "GET" and e["route"] == "/v1/me" and e["status"] == 200, e
    assert e["org_id"] == data["organization"]["id"] and "duration_ms" in e and "time" in e, e


@test
def test_keep_alive_serves_many_requests_on_one_connection():
    """a keep-alive connection serves requests to workers and to the loop in turn"""
    s = main_server()
    conn = s.connection()
    for path in ("/healthz", "/readyz", "/v1/me", "/healthz", "/readyz"):
        conn.request("GET", path)
        r = conn.getresponse()
        r.read()
        assert r.status in (200, 401), (path, r.status)
    conn.close()


@test
def test_spec_and_route_tables_agree():
    """api-spec/openapi.yaml and the route tables list the same operations"""
    import subprocess
    import sys
    from harness import ROOT
    p = subprocess.run([sys.executable, "tests/integration/check_spec.py"], cwd=ROOT,
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr


@test
def test_code_passes_the_formatter():
    """every C file passes clang-format with the project's .clang-format"""
    import subprocess
    from harness import ROOT
    p = subprocess.run(["make", "-s", "format-check"], cwd=ROOT, capture_output=True, text=True)
    assert p.returncode == 0, (p.stdout + p.stderr)[:2000]


@test
def test_head_then_get_on_one_connection():
    """HEAD sends Content-Length and no body, so the next reply on the connection is intact"""
    s = main_server()
    out = raw_exchange(s.port, b"HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                       b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    head, _, rest = out.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and b"Content-Length: 15" in head, out
    assert rest.startswith(b"HTTP/1.1 200"), out
    assert rest.endswith(b'{"status":"ok"}'), out


@test
def test_pipelined_requests_with_a_split_body():
    """pipelined requests are answered in order, even when a body arrives in pieces"""
    s = main_server()
    body = json.dumps({"email": unique_email(), "password": "wrong-password-01"}).encode()
    post = (b"POST /v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Connection: close\r\nContent-Length: %d\r\n\r\n" % len(body))
    c = socket.create_connection(("127.0.0.1", s.port), timeout=10)
    c.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n" + post + body[:10])
    time.sleep(0.5)
    c.sendall(body[10:])
    got = b""
    while True:
        b = c.recv(65536)
        if not b:
            break
        got += b
    c.close()
    assert got.count(b"HTTP/1.1 ") == 2, got
    first, second = got.split(b"HTTP/1.1 ")[1:]
    assert first.startswith(b"200") and second.startswith(b"401"), got
