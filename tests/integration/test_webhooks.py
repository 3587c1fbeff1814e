"""Webhooks (API.md "Notifications and webhooks", Standard Webhooks 1.0): an organization's
owner or admins add endpoints and see the secret once; deliveries are signed (checked here
with hmac and hashlib, not with the server's code), retried on the schedule (scaled down by
TECHEX_WEBHOOK_RETRY_SCALE_BP), honour Retry-After, stop at 410, survive a restart, go out
once with two servers, and never reach loopback, private or link-local addresses unless
TECHEX_WEBHOOK_ALLOW_PRIVATE=1. These tests run on databases of their own, so that the
shared server's courier (which has no TECHEX_SECRET_KEY) never takes their deliveries."""

import base64
import hashlib
import hmac
import http.server
import json
import os
import socket
import threading
import time
import uuid

import harness
from common import main_server
from harness import PASSWORD, Server, credit_code, problem, psql, register, techex, test
from test_listings import PATENT

SECRET_KEY = "webhook-test-key-" + uuid.uuid4().hex
WH_ENV = {"TECHEX_SECRET_KEY": SECRET_KEY, "TECHEX_WEBHOOK_ALLOW_PRIVATE": "1",
          "TECHEX_WEBHOOK_RETRY_SCALE_BP": "1", "TECHEX_WEBHOOK_TIMEOUT": "2",
          "TECHEX_WORKERS": "2"}
ADMIN_EMAIL = "wh-admin-" + uuid.uuid4().hex[:8] + "@techex.example"


class Db:
    """A database of its own, migrated, with a platform admin; servers on it."""

    def __init__(self):
        self.name = "techex_wh_" + uuid.uuid4().hex[:10]
        psql(f"CREATE DATABASE {self.name} OWNER techex", db="postgres")
        self.url = harness.DATABASE_URL.replace("dbname=techex", f"dbname={self.name}")
        assert techex("migrate", env={"DATABASE_URL": self.url}).returncode == 0
        p = techex("admin", "create", "--email", ADMIN_EMAIL,
                   env={"DATABASE_URL": self.url, "TECHEX_ADMIN_PASSWORD": PASSWORD})
        assert p.returncode == 0, p.stderr
        self.servers = []
        self.admin = None

    def serve(self, name="wh", **env):
        e = dict(WH_ENV)
        e.update(env)
        e["DATABASE_URL"] = self.url
        srv = Server(name, env=e)
        self.servers.append(srv)
        if self.admin is None:
            self.admin = harness.login(srv, ADMIN_EMAIL)["token"]
        return srv

    def sql(self, q):
        return psql(q, db=self.name)

    def stop(self):
        for srv in self.servers:
            srv.stop()
        self.servers = []


_db = None


def db():
    global _db
    if _db is None:
        _db = Db()
        _db.serve("wh-main")
    return _db


def srv():
    return db().servers[0]


def org(server=None, name="山东理工大学"):
    """A verified university's owner on server: (token, org_id)."""
    server = server or srv()
    data, body = register(server, kind="university", name=name)
    tok = harness.login(server, body["email"])["token"]
    oid = data["organization"]["id"]
    admin = db().admin
    r = server.request("PATCH", f"/v1/admin/orgs/{oid}",
                       {"credit_code": credit_code(), "reason": "核对营业执照"}, token=admin)
    assert r.status == 200, r
    assert server.request("POST", f"/v1/admin/orgs/{oid}/verify", token=admin).status == 200
    return tok, oid


def approve_listing(tok, server=None, title="赤泥基路基材料制备技术"):
    """Creates, submits and has the admin approve a listing: one listing.approved event."""
    server = server or srv()
    r = server.request("POST", "/v1/listings", dict(PATENT, title=title), token=tok)
    assert r.status == 201, r
    lid = r.json()["id"]
    assert server.request("POST", f"/v1/listings/{lid}/submit", token=tok).status == 200
    r = server.request("POST", f"/v1/admin/listings/{lid}/approve", token=db().admin)
    assert r.status == 200, r
    return lid


def add_webhook(tok, oid, url, events=("listing.approved",), server=None, expect=201):
    r = (server or srv()).request("POST", f"/v1/orgs/{oid}/webhooks",
                                  {"url": url, "events": list(events)}, token=tok)
    assert r.status == expect, r
    return r.json()


def deliveries(tok, oid, wid, server=None):
    r = (server or srv()).request("GET", f"/v1/orgs/{oid}/webhooks/{wid}/deliveries?limit=100",
                                  token=tok)
    assert r.status == 200, r
    return r.json()["data"]


def wait_for(cond, timeout=30, what="the condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


# ---- the receiver and an independent signature check --------------------------

class Receiver:
    """An HTTP endpoint on loopback: each path answers from its script, a list of
    (status, headers, delay) used in turn (the last one repeats; default 200)."""

    def __init__(self, port=0):
        self.requests = []
        self.scripts = {}
        self.lock = threading.Lock()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with outer.lock:
                    outer.requests.append({"path": self.path, "headers": dict(self.headers),
                                           "body": body, "at": time.time()})
                    script = outer.scripts.get(self.path, [(200, {}, 0)])
                    step = script.pop(0) if len(script) > 1 else script[0]
                status, headers, delay = step
                if delay:
                    time.sleep(delay)
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def to(self, path):
        with self.lock:
            return [r for r in self.requests if r["path"] == path]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def verify_signature(secret, req):
    """Standard Webhooks: v1,base64(HMAC-SHA256(base64-decoded secret, id.timestamp.body))."""
    h = {k.lower(): v for k, v in req["headers"].items()}
    assert secret.startswith("whsec_"), secret
    key = base64.b64decode(secret[len("whsec_"):])
    assert len(key) == 32
    signed = f"{h['webhook-id']}.{h['webhook-timestamp']}.".encode() + req["body"]
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    sigs = [s.split(",", 1)[1] for s in h["webhook-signature"].split(" ") if s.startswith("v1,")]
    assert any(hmac.compare_digest(expected, s) for s in sigs), (h, expected)
    assert abs(int(h["webhook-timestamp"]) - time.time()) < 120, h
    assert h["content-type"] == "application/json"
    return h


# ---- tests ---------------------------------------------------------------------

@test
def test_webhook_secret_is_shown_once_and_kept_encrypted():
    """POST /v1/orgs/{id}/webhooks answers 201 with whsec_ + base64 of 32 bytes once; lists never show it and the database holds it only sealed"""
    tok, oid = org(name="中铝山东赤泥研究所")
    w = add_webhook(tok, oid, "https://hooks.example.com/techex", ["listing.approved", "*"])
    assert len(base64.b64decode(w["secret"][6:])) == 32 and w["secret"].startswith("whsec_")
    assert w["enabled"] is True and w["org_id"] == oid and w["events"] == ["*", "listing.approved"]
    listed = srv().request("GET", f"/v1/orgs/{oid}/webhooks", token=tok)
    assert listed.status == 200 and "secret" not in listed.body.decode(), listed
    assert [x["id"] for x in listed.json()["data"]] == [w["id"]]
    raw = base64.b64decode(w["secret"][6:]).hex()
    stored = db().sql(f"SELECT encode(secret_enc, 'hex') FROM webhooks WHERE id = '{w['id']}'")
    assert raw not in stored[0][0] and len(stored[0][0]) == 120
    audit = db().sql(f"SELECT detail::text FROM audit_log WHERE object_id = '{w['id']}'")
    assert audit and w["secret"] not in audit[0][0]
    # removal: 204, then 404; its id is no longer listed
    r = srv().request("DELETE", f"/v1/orgs/{oid}/webhooks/{w['id']}", token=tok)
    assert r.status == 204, r
    problem(srv().request("DELETE", f"/v1/orgs/{oid}/webhooks/{w['id']}", token=tok), 404)
    assert srv().request("GET", f"/v1/orgs/{oid}/webhooks", token=tok).json()["data"] == []


@test
def test_a_retried_create_shows_the_same_secret_which_the_replay_store_keeps_sealed():
    """POST /v1/orgs/{id}/webhooks retried with its Idempotency-Key answers the first 201 again, secret and all, while the kept response holds the secret only sealed; another body under the key is a 422 and creates nothing"""
    tok, oid = org(name="淄博市固废资源化利用研究院")
    path = f"/v1/orgs/{oid}/webhooks"
    body = {"url": "https://hooks.example.com/zibo/red-mud", "events": ["listing.approved"]}
    key = {"Idempotency-Key": "webhook-" + uuid.uuid4().hex}
    first = srv().request("POST", path, body, headers=key, token=tok)
    assert first.status == 201 and first.json()["secret"].startswith("whsec_"), first
    again = srv().request("POST", path, body, headers=key, token=tok)
    assert again.status == 201 and again.header("Idempotent-Replayed") == "true", again
    assert again.body == first.body, (first, again)
    listed = srv().request("GET", path, token=tok).json()["data"]
    assert [w["id"] for w in listed] == [first.json()["id"]], listed
    secret = first.json()["secret"]
    raw = base64.b64decode(secret[len("whsec_"):])
    kept = db().sql(f"SELECT response FROM idempotency_keys WHERE scope = '{oid}'"
                    f" AND key = '{key['Idempotency-Key']}'")[0][0]
    assert secret[len("whsec_"):] not in kept and raw.hex() not in kept, kept
    assert '"secret_sealed"' in kept and '"secret"' not in kept, kept
    other = dict(body, events=["*"])
    problem(srv().request("POST", path, other, headers=key, token=tok), 422, "Idempotency-Key")
    assert len(srv().request("GET", path, token=tok).json()["data"]) == 1
    # a response kept in the clear before migration 0022: the migration takes the
    # secret out, byte for byte otherwise, and its replay answers without one
    old_key = "webhook-old-" + uuid.uuid4().hex
    clear = first.body.decode().replace("'", "''")
    db().sql(f"INSERT INTO idempotency_keys (scope, key, request_hash, status, response)"
             f" SELECT scope, '{old_key}', request_hash, status, '{clear}' FROM idempotency_keys"
             f" WHERE scope = '{oid}' AND key = '{key['Idempotency-Key']}'")
    with open(os.path.join(harness.ROOT, "migrations",
                           "0022_seal_replayed_webhook_secrets.sql"), encoding="utf-8") as f:
        db().sql(f.read())
    kept = db().sql(f"SELECT response FROM idempotency_keys WHERE key = '{old_key}'")[0][0]
    assert secret not in kept and kept == first.body.decode().replace(f',"secret":"{secret}"', ""), kept
    old = srv().request("POST", path, body, headers={"Idempotency-Key": old_key}, token=tok)
    assert old.status == 201 and old.header("Idempotent-Replayed") == "true", old
    assert "secret" not in old.json() and old.json()["id"] == first.json()["id"], old


@test
def test_webhook_routes_are_for_the_organizations_owner_and_admins():
    """members of the organization who are neither owner nor admin get 403, other organizations 404, and bad bodies 422 naming the field"""
    tok, oid = org(name="山东理工大学资源学院")
    w = add_webhook(tok, oid, "https://hooks.example.com/a")
    db().sql(f"INSERT INTO users (email, password_hash, display_name, org_id, org_role)"
             f" SELECT 'wh-member-{uuid.uuid4().hex[:8]}@sdut.edu.cn', password_hash, '李工',"
             f" org_id, 'member' FROM users WHERE org_id = '{oid}' AND org_role = 'owner'")
    email = db().sql(f"SELECT email FROM users WHERE org_id = '{oid}' AND org_role = 'member'")
    mate = harness.login(srv(), email[0][0])["token"]
    other, other_oid = org(name="淄博旁观者环保有限公司")
    paths = [("POST", f"/v1/orgs/{oid}/webhooks", {"url": "https://h.example.com/", "events": ["*"]}),
             ("GET", f"/v1/orgs/{oid}/webhooks", None),
             ("DELETE", f"/v1/orgs/{oid}/webhooks/{w['id']}", None),
             ("GET", f"/v1/orgs/{oid}/webhooks/{w['id']}/deliveries", None),
             ("POST", f"/v1/orgs/{oid}/webhooks/{w['id']}/deliveries/{uuid.uuid4()}/retry", None)]
    for method, path, body in paths:
        problem(srv().request(method, path, body, token=mate), 403)
        p = problem(srv().request(method, path, body, token=other), 404)
        assert "hooks.example.com" not in json.dumps(p)
        assert srv().request(method, path, body).status == 401
    # the other organization's own webhook id under this organization is 404 too
    ow = add_webhook(other, other_oid, "https://hooks.example.com/b")
    problem(srv().request("DELETE", f"/v1/orgs/{oid}/webhooks/{ow['id']}", token=tok), 404)
    for body, field in (({"events": ["*"]}, "url"), ({"url": "https://h.example.com/"}, "events"),
                        ({"url": "https://h.example.com/", "events": ["bid.eaten"]}, "events"),
                        ({"url": "https://h.example.com/", "events": []}, "events"),
                        ({"url": "ftp://h.example.com/", "events": ["*"]}, "url"),
                        ({"url": "https://u:p@h.example.com/", "events": ["*"]}, "url"),
                        ({"url": "https://h.example.com/" + "a" * 2000, "events": ["*"]}, "url"),
                        ({"url": "no url", "events": ["*"]}, "url")):
        problem(srv().request("POST", f"/v1/orgs/{oid}/webhooks", body, token=tok), 422, field)
    assert len(srv().request("GET", f"/v1/orgs/{oid}/webhooks", token=tok).json()["data"]) == 1


@test
def test_without_a_secret_key_webhooks_cannot_be_created():
    """a server without TECHEX_SECRET_KEY answers 503 to a webhook's creation instead of keeping a secret it could not protect"""
    from harness import member
    tok, user, o, _ = member(main_server(), name="山东理工大学无密钥")
    p = problem(main_server().request("POST", f"/v1/orgs/{o['id']}/webhooks",
                                      {"url": "https://hooks.example.com/x", "events": ["*"]},
                                      token=tok), 503)
    assert "TECHEX_SECRET_KEY" in p["detail"], p


@test
def test_delivery_is_signed_and_retried_after_500_until_2xx():
    """an event is POSTed as {type, timestamp, data} with webhook-id/-timestamp/-signature that an independent HMAC check accepts; 500 twice, then 200: three attempts logged, delivered; other types and organizations get nothing"""
    rx = Receiver()
    try:
        rx.scripts["/flaky"] = [(500, {}, 0), (500, {}, 0), (200, {}, 0)]
        tok, oid = org(name="山东金虹钛白化工研究院")
        w = add_webhook(tok, oid, rx.url("/flaky"))
        other_type = add_webhook(tok, oid, rx.url("/rejected-only"), ["listing.rejected"])
        stranger, _ = org(name="淄博大亚金属科技")
        approve_listing(stranger, title="别人的赤泥技术")
        lid = approve_listing(tok, title="钛白石膏制备特种工程材料技术")
        wait_for(lambda: len(rx.to("/flaky")) >= 3, 30, "three attempts")
        time.sleep(0.5)
        reqs = rx.to("/flaky")
        assert len(reqs) == 3, reqs
        heads = [verify_signature(w["secret"], q) for q in reqs]
        assert len({h["webhook-id"] for h in heads}) == 1  # the same message each time
        body = json.loads(reqs[-1]["body"])
        assert set(body) == {"type", "timestamp", "data"}, body
        assert body["type"] == "listing.approved" and body["data"] == {"listing_id": lid}
        event = db().sql(f"SELECT id FROM events WHERE data->>'listing_id' = '{lid}'")
        assert heads[0]["webhook-id"] == event[0][0]
        d = wait_for(lambda: [x for x in deliveries(tok, oid, w["id"])
                              if x["status"] == "delivered"], 10, "the log")[0]
        assert d["event_id"] == event[0][0] and d["attempt"] == 3 and d["status_code"] == 200
        assert [(a["attempt"], a["status_code"]) for a in d["attempts"]] == [(1, 500), (2, 500),
                                                                             (3, 200)], d
        assert d["attempts"][0]["error"] == "the endpoint answered 500"
        assert d["attempts"][0]["next_attempt_at"] and d["next_attempt_at"] is None
        assert rx.to("/rejected-only") == [] and deliveries(tok, oid, other_type["id"]) == []
        # a manual retry sends it once more: 202, then a fourth request
        r = srv().request("POST",
                          f"/v1/orgs/{oid}/webhooks/{w['id']}/deliveries/{d['id']}/retry",
                          token=tok)
        assert r.status == 202 and r.json()["status"] == "pending", r
        wait_for(lambda: len(rx.to("/flaky")) == 4, 15, "the retried delivery")
        verify_signature(w["secret"], rx.to("/flaky")[3])
        problem(srv().request("POST", f"/v1/orgs/{oid}/webhooks/{w['id']}/deliveries/"
                              f"{uuid.uuid4()}/retry", token=tok), 404)
    finally:
        rx.close()


@test
def test_429_with_retry_after_is_honoured():
    """a 429 with Retry-After: 3 puts the next attempt at least 3 s later (the schedule alone would be 0.5 ms here)"""
    rx = Receiver()
    try:
        rx.scripts["/busy"] = [(429, {"Retry-After": "3"}, 0), (200, {}, 0)]
        tok, oid = org(name="山东海逸恒安环保科技")
        w = add_webhook(tok, oid, rx.url("/busy"))
        approve_listing(tok)
        wait_for(lambda: len(rx.to("/busy")) >= 2, 30, "the second attempt")
        first, second = rx.to("/busy")[:2]
        assert second["at"] - first["at"] >= 2.9, (first["at"], second["at"])
        d = wait_for(lambda: [x for x in deliveries(tok, oid, w["id"])
                              if x["status"] == "delivered"], 10, "delivered")[0]
        assert d["attempts"][0]["status_code"] == 429
    finally:
        rx.close()


@test
def test_410_disables_the_endpoint():
    """a 410 Gone marks the delivery failed and disables the webhook with its reason; later events make no deliveries and a retry is 409"""
    rx = Receiver()
    try:
        rx.scripts["/gone"] = [(410, {}, 0)]
        tok, oid = org(name="淄博天之润环保科技")
        w = add_webhook(tok, oid, rx.url("/gone"))
        approve_listing(tok)
        hook = wait_for(lambda: [x for x in srv().request("GET", f"/v1/orgs/{oid}/webhooks",
                                                          token=tok).json()["data"]
                                 if not x["enabled"]], 30, "the webhook disabled")[0]
        assert "410" in hook["disabled_reason"], hook
        d = deliveries(tok, oid, w["id"])
        assert len(d) == 1 and d[0]["status"] == "failed" and d[0]["status_code"] == 410, d
        approve_listing(tok, title="赤泥陶粒第二项技术")
        time.sleep(1.5)
        assert len(rx.to("/gone")) == 1 and len(deliveries(tok, oid, w["id"])) == 1
        p = problem(srv().request("POST", f"/v1/orgs/{oid}/webhooks/{w['id']}/deliveries/"
                                  f"{d[0]['id']}/retry", token=tok), 409)
        assert p["type"].endswith("webhook-disabled"), p
        assert db().sql(f"SELECT count(*) FROM audit_log WHERE object_id = '{w['id']}'"
                        f" AND action = 'webhook.disable'") == [["1"]]
    finally:
        rx.close()


@test
def test_an_endpoint_that_never_answers_times_out_and_failures_end_in_failed():
    """a receiver that never answers is logged as a timeout and retried; one that always answers 500 is tried 8 times (the schedule) and then marked failed"""
    rx = Receiver()
    try:
        rx.scripts["/hang"] = [(200, {}, 8)]
        rx.scripts["/down"] = [(500, {}, 0)]
        tok, oid = org(name="东华水泥研究所")
        hang = add_webhook(tok, oid, rx.url("/hang"))
        down = add_webhook(tok, oid, rx.url("/down"))
        approve_listing(tok)
        d = wait_for(lambda: [x for x in deliveries(tok, oid, hang["id"]) if x["attempt"] >= 1
                              and x["error"]], 20, "the timeout logged")[0]
        assert d["error"].startswith("timeout"), d
        assert d["status"] == "pending" and d["status_code"] is None, d
        srv().request("DELETE", f"/v1/orgs/{oid}/webhooks/{hang['id']}", token=tok)
        d = wait_for(lambda: [x for x in deliveries(tok, oid, down["id"])
                              if x["status"] == "failed"], 60, "failed after the schedule")[0]
        assert d["attempt"] == 8 and len(d["attempts"]) == 8 and len(rx.to("/down")) == 8, d
        assert d["next_attempt_at"] is None and d["attempts"][-1]["next_attempt_at"] is None
        gaps = [b["at"] - a["at"] for a, b in zip(rx.to("/down"), rx.to("/down")[1:])]
        assert gaps[-1] >= 3.0, gaps  # the 10 h step, scaled by 1/10000: 3.6 s
    finally:
        rx.close()


@test
def test_deliveries_pending_at_a_restart_are_sent_after_it():
    """a delivery whose endpoint was down when its server stopped is delivered by the next server started on the database"""
    d = db()
    port = harness.free_port()
    tok, oid = org(name="山东翼冠新材料")
    w = add_webhook(tok, oid, f"http://127.0.0.1:{port}/later")
    approve_listing(tok)
    wait_for(lambda: deliveries(tok, oid, w["id"]) and deliveries(tok, oid, w["id"])[0]["attempt"]
             >= 1, 20, "a failed attempt")
    first = deliveries(tok, oid, w["id"])[0]
    assert first["status"] == "pending" and first["error"], first
    d.stop()
    rx = Receiver(port)
    try:
        time.sleep(1)
        assert rx.to("/later") == []
        d.serve("wh-main-again")
        wait_for(lambda: rx.to("/later"), 30, "the delivery after the restart")
        verify_signature(w["secret"], rx.to("/later")[0])
        wait_for(lambda: deliveries(tok, oid, w["id"])[0]["status"] == "delivered", 10,
                 "delivered")
        time.sleep(1)
        assert len(rx.to("/later")) == 1
    finally:
        rx.close()


@test
def test_two_servers_deliver_each_event_once():
    """two servers share the deliveries of one database: every event reaches the receiver exactly once"""
    rx = Receiver()
    d = db()
    second = d.serve("wh-second")
    try:
        rx.scripts["/once"] = [(200, {}, 0.05)]
        tok, oid = org(name="山东盛日环保科技")
        w = add_webhook(tok, oid, rx.url("/once"))
        n = 16
        for i in range(n):
            approve_listing(tok, server=(srv() if i % 2 else second),
                            title=f"赤泥综合利用技术第{i + 1}号")
        wait_for(lambda: len(rx.to("/once")) >= n, 60, "every event")
        time.sleep(2)
        ids = [verify_signature(w["secret"], q)["webhook-id"] for q in rx.to("/once")]
        assert len(ids) == n and len(set(ids)) == n, sorted(ids)
        rows = d.sql(f"SELECT status, attempts FROM webhook_deliveries WHERE webhook_id ="
                     f" '{w['id']}'")
        assert rows == [["delivered", "1"]] * n, rows
    finally:
        rx.close()
        d.servers.remove(second)
        second.stop()


@test
def test_ssrf_targets_are_refused_without_allow_private():
    """without TECHEX_WEBHOOK_ALLOW_PRIVATE: http, loopback, private, link-local, IPv6 loopback and mapped addresses are 422 at creation, saying why in English or Chinese, and a name that resolves to 127.0.0.1 is refused at delivery without a connection"""
    d = Db()
    try:
        server = d.serve("wh-ssrf", TECHEX_WEBHOOK_ALLOW_PRIVATE="0")
        data, body = register(server, kind="university", name="山东理工大学安全组")
        tok = harness.login(server, body["email"])["token"]
        oid = data["organization"]["id"]
        for url in ("http://hooks.example.com/", "https://127.0.0.1/", "https://127.1.2.3:8443/",
                    "https://10.0.0.8/", "https://172.16.5.4/", "https://192.168.1.1/",
                    "https://169.254.169.254/latest/meta-data", "https://100.64.0.1/",
                    "https://0.0.0.0/", "https://[::1]/", "https://[::ffff:127.0.0.1]/",
                    "https://[fe80::1]/", "https://[fd00::1]/", "https://localhost/",
                    "https://LOCALHOST./", "https://api.localhost/", "https://224.0.0.1/"):
            p = problem(server.request("POST", f"/v1/orgs/{oid}/webhooks",
                                       {"url": url, "events": ["*"]}, token=tok), 422, "url")
            assert p["errors"][0]["message"], p
        # the reason in the caller's language, what the address is included
        for url, lang, said in (
                ("https://10.0.0.8/", "en", "must not point to a private address"),
                ("https://10.0.0.8/", "zh-CN", "不得指向私有地址"),
                ("https://[::1]/", "zh-CN", "不得指向环回地址"),
                ("http://hooks.example.com/", "zh-CN", "必须使用 https"),
                ("https://api.localhost/", "zh-CN", "不得指向 localhost")):
            p = problem(server.request("POST", f"/v1/orgs/{oid}/webhooks",
                                       {"url": url, "events": ["*"]},
                                       headers={"Accept-Language": lang}, token=tok), 422, "url")
            assert [e["message"] for e in p["errors"] if e["field"] == "url"] == [said], p
        # a name: accepted at creation, refused at delivery for the address it resolves to
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(5)
        listener.settimeout(0.2)
        port = listener.getsockname()[1]
        w = add_webhook(tok, oid, f"https://webhooks.example.com:{port}/x", ["org.verified"],
                        server=server)
        # the name now resolves to loopback (as a DNS answer might change): the host name
        # localhost stands in for it, written where creation would have refused it
        d.sql(f"UPDATE webhooks SET url = 'https://localhost:{port}/x' WHERE id = '{w['id']}'")
        server.request("PATCH", f"/v1/admin/orgs/{oid}",
                       {"credit_code": credit_code(), "reason": "核对营业执照"}, token=d.admin)
        assert server.request("POST", f"/v1/admin/orgs/{oid}/verify",
                              token=d.admin).status == 200
        got = wait_for(lambda: [x for x in deliveries(tok, oid, w["id"], server=server)
                                if x["error"]], 20, "the refusal logged")[0]
        assert got["error"].startswith("refused: the endpoint resolves to"), got
        assert ("127.0.0.1 (loopback)" in got["error"] or "::1 (loopback)" in got["error"]), got
        try:
            conn, _ = listener.accept()
            conn.close()
            raise AssertionError("the courier connected to a loopback address")
        except socket.timeout:
            pass
        listener.close()
    finally:
        d.stop()


@test
def test_events_past_retention_are_purged_unless_a_delivery_is_pending():
    """events older than 90 days are deleted by the courier, except one whose delivery is still pending"""
    d = Db()
    try:
        server = d.serve("wh-retention")
        tok, oid = None, None
        data, body = register(server, kind="university", name="山东理工大学档案馆")
        oid = data["organization"]["id"]
        tok = harness.login(server, body["email"])["token"]
        w = add_webhook(tok, oid, "https://hooks.example.com/retention", server=server)
        d.sql(f"INSERT INTO events (type, org_id, created_at) VALUES"
              f" ('org.verified', '{oid}', now() - interval '91 days'),"
              f" ('listing.approved', '{oid}', now() - interval '92 days'),"
              f" ('listing.rejected', '{oid}', now() - interval '89 days')")
        d.sql(f"INSERT INTO webhook_deliveries (webhook_id, event_id, next_attempt_at)"
              f" SELECT '{w['id']}', id, now() + interval '1 day' FROM events"
              f" WHERE type = 'listing.approved' AND org_id = '{oid}'")
        server.stop()
        d.servers.remove(server)
        d.serve("wh-retention-2")
        wait_for(lambda: d.sql(f"SELECT count(*) FROM events WHERE org_id = '{oid}'") == [["2"]],
                 20, "the purge")
        left = d.sql(f"SELECT type FROM events WHERE org_id = '{oid}' ORDER BY type")
        assert left == [["listing.approved"], ["listing.rejected"]], left
    finally:
        d.stop()
