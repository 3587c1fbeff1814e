"""A small harness for integration tests: the real bin/techex against a real
PostgreSQL, spoken to over HTTP. Standard library only."""

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
import uuid

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.path.join(ROOT, os.environ.get("TECHEX_BIN", "bin/techex"))
DATABASE_URL = os.environ["DATABASE_URL"]
PGDIR = os.environ["PGDIR"]
SANITIZED = os.environ.get("TECHEX_SANITIZED") == "1"
LOGDIR = os.path.join(ROOT, "var", "test-logs")
os.makedirs(LOGDIR, exist_ok=True)

TESTS = []


def test(fn):
    """Registers a test; its docstring's first line names the behaviour."""
    TESTS.append(fn)
    return fn


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def psql(sql, db="techex", check=True):
    """Runs SQL as the superuser and returns the rows as lists of strings; with
    check=False a failure returns the error text instead of raising."""
    out = subprocess.run(
        ["sh", os.path.join(ROOT, "scripts/pg.sh"), "psql", PGDIR, "-d", db, "-tA", "-F", "\t", "-v",
         "ON_ERROR_STOP=1", "-c", sql],
        capture_output=True, text=True, check=check)
    if not check:
        return out.stdout + out.stderr if out.returncode != 0 else ""
    return [line.split("\t") for line in out.stdout.splitlines() if line]


def techex(*args, env=None, input=None, timeout=60):
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([BIN, *args], capture_output=True, text=True, env=e, input=input,
                          timeout=timeout)


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def __repr__(self):
        return f"<{self.status} {self.body[:300]!r}>"


METRICS_TOKEN = "metrics-" + uuid.uuid4().hex


class Server:
    """One bin/techex serve process on a free port."""

    def __init__(self, name="main", env=None, tls=None, host="127.0.0.1", bin=None):
        self.port = free_port()
        self.name = name
        self.host = host  # "::1" serves on IPv6 loopback
        self.log_path = os.path.join(LOGDIR, f"{name}-{self.port}.log")
        e = dict(os.environ)
        listen = f"[{host}]:{self.port}" if ":" in host else f"{host}:{self.port}"
        e.update({"TECHEX_LISTEN": listen, "DATABASE_URL": DATABASE_URL,
                  "TECHEX_METRICS_TOKEN": METRICS_TOKEN})
        e.update(env or {})
        self.tls = tls
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([bin or BIN, "serve"], stdout=self.log, stderr=self.log,
                                     env=e)
        self.wait_ready()

    def wait_ready(self, timeout=15):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited with {self.proc.returncode}: {self.read_log()[-2000:]}")
            try:
                if self.request("GET", "/healthz").status == 200:
                    return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("server did not become healthy")

    def connection(self, timeout=30, source=None):
        if self.tls is not None:
            return http.client.HTTPSConnection(self.host, self.port, timeout=timeout,
                                               context=self.tls)
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout,
                                          source_address=(source, 0) if source else None)

    def request(self, method, path, body=None, headers=None, token=None, raw=None,
                content_type="application/json", source=None, timeout=30):
        h = dict(headers or {})
        data = None
        if raw is not None:
            data = raw
        elif body is not None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        if data is not None and content_type and "Content-Type" not in h:
            h["Content-Type"] = content_type
        if token:
            h["Authorization"] = f"Bearer {token}"
        conn = self.connection(timeout=timeout, source=source)
        try:
            conn.request(method, path, body=data, headers=h)
            r = conn.getresponse()
            return Response(r.status, r.getheaders(), r.read())
        finally:
            conn.close()

    def metrics(self):
        """GET /metrics with the metrics token (on the API address nothing else opens it)."""
        return self.request("GET", "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})

    def read_log(self):
        self.log.flush()
        with open(self.log_path, "rb") as f:
            text = f.read().decode("utf-8", "replace")
        if SANITIZED:
            # AddressSanitizer says once that it supports swapcontext only partly;
            # server/fiber.c tells it of every switch (its fiber annotations), and
            # any report it makes still fails the run
            text = "".join(line for line in text.splitlines(True)
                           if "ASan doesn't fully support makecontext/swapcontext" not in line)
        return text

    def stop(self, sig=signal.SIGTERM, timeout=20):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("server did not stop in time")
        self.log.close()
        return self.proc.returncode


def unique_email(prefix="user"):
    return f"{prefix}-{uuid.uuid4().hex[:12]}@example.cn"


PASSWORD = "赤泥综合利用-技术转让-2026"


def register(srv, kind="university", name="山东理工大学", email=None, password=PASSWORD,
             display_name="张教授", parent_id=None, expect=201, source=None):
    """Registers from a loopback address of its own (registrations are limited per
    client address), or from source."""
    org = {"name": name, "kind": kind}
    if parent_id:
        org["parent_id"] = parent_id
    body = {"email": email or unique_email(), "password": password, "display_name": display_name,
            "organization": org}
    if source is None and srv.tls is None:
        source = random_loopback()
    r = srv.request("POST", "/v1/auth/register", body, source=source)
    assert r.status == expect, r
    return r.json(), body


def random_loopback():
    """A loopback client address of its own, so failed logins in one test never
    count against another test's address."""
    import random
    return f"127.{random.randint(1, 250)}.{random.randint(1, 250)}.{random.randint(2, 250)}"


def login(srv, email, password=PASSWORD, expect=200, source=None):
    if source is None and expect != 200 and srv.tls is None:
        source = random_loopback()
    r = srv.request("POST", "/v1/auth/login", {"email": email, "password": password},
                    source=source)
    if expect is None:
        return r
    assert r.status == expect, r
    return r.json() if expect == 200 else r


ADMIN_EMAIL = "admin-" + uuid.uuid4().hex[:8] + "@techex.example"
ADMIN_PASSWORD = "平台管理员-口令-2026"


def admin_token(srv):
    """Creates (once) a platform admin from the command line and logs in."""
    if not getattr(admin_token, "created", False):
        p = techex("admin", "create", "--email", ADMIN_EMAIL,
                   env={"TECHEX_ADMIN_PASSWORD": ADMIN_PASSWORD})
        assert p.returncode == 0, p.stderr
        admin_token.created = True
    return login(srv, ADMIN_EMAIL, ADMIN_PASSWORD)["token"]


CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015: no I, O, S, V, Z
CREDIT_WEIGHTS = [pow(3, i, 31) for i in range(17)]  # 1, 3, 9, 27, 19, 26, ...


def org_code_check(first8):
    """The GB 11714 check character of an organization code's first 8 characters."""
    total = sum((int(c) if c.isdigit() else ord(c) - ord("A") + 10) * w
                for c, w in zip(first8, (3, 7, 9, 10, 5, 8, 4, 2)))
    c = 11 - total % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def credit_code_check(first17):
    """The GB 32100 check character of a credit code's first 17 characters."""
    total = sum(CREDIT_ALPHABET.index(c) * w for c, w in zip(first17, CREDIT_WEIGHTS))
    return CREDIT_ALPHABET[(31 - total % 31) % 31]


def credit_code(region="370303", head="91"):
    """A valid, random (so unique) unified social credit code (统一社会信用代码) registered
    in region: both check characters computed."""
    import random
    body = "".join(random.choice(CREDIT_ALPHABET) for _ in range(8))
    first17 = head + region + body + org_code_check(body)
    return first17 + credit_code_check(first17)


def give_credit_code(srv, org_id, code=None):
    """Has a platform admin record a credit code for the organization (required before
    verification); returns the organization."""
    r = srv.request("PATCH", f"/v1/admin/orgs/{org_id}",
                    {"credit_code": code or credit_code(), "reason": "核对营业执照"},
                    token=admin_token(srv))
    assert r.status == 200, r
    return r.json()


def verify_org(srv, org_id):
    """Gives the organization a credit code and has a platform admin verify it."""
    give_credit_code(srv, org_id)
    r = srv.request("POST", f"/v1/admin/orgs/{org_id}/verify", token=admin_token(srv))
    assert r.status == 200, r
    return r.json()


def member(srv, kind="university", name="山东理工大学", verified=False):
    """A registered organization's owner: (token, user, org, email)."""
    data, body = register(srv, kind=kind, name=name)
    tok = login(srv, body["email"])["token"]
    if verified:
        verify_org(srv, data["organization"]["id"])
    return tok, data["user"], data["organization"], body["email"]


def publish_listing(srv, tok, body):
    """Creates a listing as tok's organization, submits it and has an admin approve it;
    returns the published listing."""
    r = srv.request("POST", "/v1/listings", body, token=tok)
    assert r.status == 201, r
    lid = r.json()["id"]
    assert srv.request("POST", f"/v1/listings/{lid}/submit", token=tok).status == 200
    r = srv.request("POST", f"/v1/admin/listings/{lid}/approve", token=admin_token(srv))
    assert r.status == 200 and r.json()["status"] == "published", r
    return r.json()


def problem(r, status, field=None):
    """Asserts an RFC 9457 problem with this status (naming field, if given)."""
    assert r.status == status, r
    assert (r.header("Content-Type") or "").startswith("application/problem+json"), r.headers
    p = r.json()
    for k in ("type", "title", "status", "detail"):
        assert k in p, p
    assert p["status"] == status, p
    if field is not None:
        fields = [e["field"] for e in p.get("errors", [])]
        assert field in fields, (field, p)
    return p


def raw_exchange(port, data, read_timeout=5.0, tls=None):
    """Sends raw bytes and returns everything read until close or timeout."""
    s = socket.create_connection(("127.0.0.1", port), timeout=read_timeout)
    try:
        s.sendall(data)
        chunks = []
        while True:
            try:
                b = s.recv(65536)
            except socket.timeout:
                break
            if not b:
                break
            chunks.append(b)
        return b"".join(chunks)
    finally:
        s.close()


def run_all(selected=None):
    passed = failed = 0
    t0 = time.time()
    for fn in TESTS:
        name = fn.__name__
        if selected and selected not in name and selected != fn.__module__:
            continue
        doc = (fn.__doc__ or name).strip().splitlines()[0]
        start = time.time()
        try:
            fn()
            passed += 1
            print(f"PASS {name}: {doc} ({time.time() - start:.1f}s)", flush=True)
        except Exception:  # noqa: BLE001 - every failure is reported
            failed += 1
            print(f"FAIL {name}: {doc}", flush=True)
            traceback.print_exc(file=sys.stdout)
    print(f"integration: {passed} passed, {failed} failed ({time.time() - t0:.0f}s)")
    return passed, failed
