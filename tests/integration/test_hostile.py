"""Hostile input on every endpoint that reads a JSON body, a query string or an id.

The endpoints come from the route tables (check_spec.py reads them): every POST, PATCH
or PUT route takes a body, every GET list or search takes a query, every {id} is a path
parameter. Each one gets a batch of hostile requests from an actor who may make the
request, so that every request reaches the body reader, the validator or the parameter
checks: malformed JSON, duplicate keys, deep nesting, NUL bytes, invalid UTF-8, numbers
of the wrong kind or beyond 64 bits, 200 KB strings, 100,000-element arrays, unknown
fields, wrong media types, arrays and scalars for objects; bad cursors and limits,
repeated and unknown parameters, ids that are not UUIDs.

Every answer must be a 4xx RFC 9457 problem whose status matches, naming the field at
fault in a 422; nothing may be written (every table is counted and hashed before and
after each batch); and the server must stay up. A valid request to each endpoint after
the batches shows the actor was allowed all along. Failures are collected, not stopped
at, so one run lists every endpoint and input that misbehaves."""

import base64
import copy
import http.client
import json
import random
import re
import socket
import time
import urllib.parse
import uuid

import check_spec
from common import main_server
from harness import (PASSWORD, ROOT, Response, Server, admin_token, give_credit_code, login,
                     member, psql,
                     random_loopback, raw_exchange, test, unique_email)
from deal_fixtures import NEGOTIABLE, act, bid, offer, patch_contract, publish, sign
from test_revenue import confirm, pay
from teams_fixtures import invite, join_by_registering, outbox_token

MIB = 1 << 20
TIMEOUT = 20
LONG = "赤" * 70000  # 210 KB of UTF-8
MARK = "\u2063HOSTILE\u2063"  # stands where raw bytes go in a serialized body
UNKNOWN = "备注"  # a field no endpoint knows
ANY_4XX = tuple(range(400, 500))
FILE_PDF = b"%PDF-1.4\n%hostile\n%%EOF\n"
SEP = b"\x1f"  # between the parts of a cursor
# the creation rate limits charge every attempt, refused or not: off, so that each hostile
# request reaches the validator
ENV = {"TECHEX_WORKERS": "4", "TECHEX_STATS_TTL": "0", "TECHEX_LISTING_RATE": "0",
       "TECHEX_BID_RATE": "0", "TECHEX_SECRET_KEY": "hostile-" + uuid.uuid4().hex * 2}


def dumps(value):
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


def set_path(body, path, value):
    """Sets a dotted path ("terms.royalty_bp") in body, making objects on the way."""
    keys = path.split(".")
    for k in keys[:-1]:
        if not isinstance(body.get(k), dict):
            body[k] = {}
        body = body[k]
    body[keys[-1]] = value


def with_raw(good, path, raw):
    """The good body with the value at path replaced by raw bytes (any JSON text, or not)."""
    b = copy.deepcopy(good)
    set_path(b, path, MARK)
    return dumps(b).replace(dumps(MARK), raw)


def with_key(good, raw_key, raw_value=b"1"):
    """The good body with one more member whose key is raw bytes between the quotes."""
    extra = b'"' + raw_key + b'": ' + raw_value
    text = dumps(good)
    return text[:-1] + (b", " if good else b"") + extra + b"}"


def b64(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def q(value):
    return urllib.parse.quote(value, safe="")


class Field:
    """An expectation on the field a 422 names: exactly name, or (prefix=True) a
    prefix of it at least 8 characters long, for keys too long to echo whole."""

    def __init__(self, name, prefix=False):
        self.name, self.prefix = name, prefix

    def matches(self, named):
        if not isinstance(named, str):
            return False
        if self.prefix:
            return len(named) >= 8 and self.name.startswith(named)
        return named == self.name

    def __repr__(self):
        return repr(self.name[:40] + ("..." if len(self.name) > 40 else ""))


def verdict(r, statuses, field=None):
    """Why r is not a 4xx problem with one of statuses (naming field in a 422), or None."""
    if not 400 <= r.status < 500:
        return f"answered {r.status}"
    if r.status not in statuses:
        return f"answered {r.status}, expected {'/'.join(str(x) for x in statuses[:4])}"
    ct = r.header("Content-Type") or ""
    if not ct.startswith("application/problem+json"):
        return f"Content-Type {ct!r}, not application/problem+json"
    try:
        p = json.loads(r.body.decode("utf-8"))
    except ValueError:
        return "the problem is not JSON"
    if not isinstance(p, dict) or any(k not in p for k in ("type", "title", "status", "detail")):
        return "the problem lacks type, title, status or detail"
    if p["status"] != r.status:
        return f"the problem says status {p['status']}, HTTP says {r.status}"
    if r.status == 422:
        named = [e.get("field") for e in p.get("errors") or [] if isinstance(e, dict)]
        if not named:
            return "a 422 that names no field"
        if field is not None and not any(field.matches(n) for n in named):
            return f"names {named[:4]}, not {field!r}"
    return None


def parse_raw(out):
    """A Response from the bytes of one raw HTTP exchange."""
    head, _, body = out.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    m = re.match(rb"HTTP/1\.[01] (\d{3})", lines[0]) if lines else None
    if m is None:
        return None
    headers = [(k.strip().decode("latin-1"), v.strip().decode("latin-1"))
               for k, _, v in (line.partition(b":") for line in lines[1:])]
    return Response(int(m.group(1)), headers, body)


class Client:
    """One keep-alive connection from one client address, reopened when the server
    closes it."""

    def __init__(self, srv, source=None):
        self.srv, self.source, self.conn = srv, source, None

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def send(self, method, path, data=None, headers=None):
        for attempt in range(2):
            if self.conn is None:
                self.conn = self.srv.connection(timeout=TIMEOUT, source=self.source)
            try:
                self.conn.request(method, path, body=data, headers=headers or {})
                r = self.conn.getresponse()
                resp = Response(r.status, r.getheaders(), r.read())
                if r.will_close:
                    self.close()
                return resp
            except socket.timeout:
                self.close()
                raise
            except (OSError, http.client.HTTPException):
                self.close()  # a keep-alive connection the server had closed: once more
                if attempt == 1 or self.srv.proc.poll() is not None:
                    raise
        raise AssertionError("unreachable")


# ---- what is in the database ---------------------------------------------------

_tables = []


def snapshot():
    """{table: (rows, md5 of all rows)} for every table of the techex database."""
    if not _tables:
        _tables.extend(row[0] for row in psql(
            "SELECT format('%I.%I', schemaname, tablename) FROM pg_tables"
            " WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1"))
    sql = " UNION ALL ".join(
        f"SELECT '{t}', count(*), md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), ''))"
        f" FROM {t} x" for t in _tables)
    return {row[0]: (int(row[1]), row[2]) for row in psql(sql)}


def changes(before, after):
    out = []
    for t in sorted(set(before) | set(after)):
        a, b = before.get(t, (0, "")), after.get(t, (0, ""))
        if a[0] != b[0]:
            out.append(f"{t}: {a[0]} -> {b[0]} rows")
        elif a[1] != b[1]:
            out.append(f"{t}: rows changed")
    return out


# ---- the run ---------------------------------------------------------------------

class Run:
    """A server of its own, its connection, and what went wrong so far."""

    def __init__(self):
        self.srv = Server("hostile", env=ENV)
        self.client = Client(self.srv)
        self.failures = []  # (endpoint, why, input, example answer)
        self.sent = 0
        self.endpoints = set()
        self.last = []  # the latest requests, for a crash report

    def fail(self, op, label, why, r=None):
        shown = "" if r is None else f"{r.status} {r.body[:200]!r}"
        self.failures.append((f"{op[0].upper()} {op[1]}", why, label, shown))

    def report(self):
        """The failures, one line per endpoint and kind of misbehaviour."""
        groups = {}
        for where, why, label, shown in self.failures:
            groups.setdefault((where, why), []).append((label, shown))
        lines = []
        for (where, why), items in groups.items():
            labels = "; ".join(label for label, _ in items[:6])
            more = f"; ... {len(items)} inputs in all" if len(items) > 6 else ""
            lines.append(f"{where}: {why[:300]}\n      inputs: {labels}{more}")
            if items[0][1]:
                lines.append(f"      e.g. {items[0][1]}")
        return lines

    def hit(self, op, label, method, path, data=None, headers=None, statuses=(400,),
            field=None, client=None):
        """Sends one hostile request and checks the answer; returns it (or None)."""
        if data is not None and len(data) > MIB:
            statuses = (413,)
        self.sent += 1
        self.endpoints.add(op)
        self.last = self.last[-2:] + [f"{method} {path[:100]} [{label}]"]
        try:
            r = (client or self.client).send(method, path, data, headers)
        except socket.timeout:
            self.fail(op, label, f"no answer within {TIMEOUT} s")
            self.recover(op)
            return None
        except (OSError, http.client.HTTPException) as e:
            if data is not None and len(data) > MIB and self.srv.proc.poll() is None:
                return None  # refused by closing the connection: test_http covers 413
            self.fail(op, label, f"the connection failed: {e!r}")
            return None
        why = verdict(r, statuses, field)
        if why:
            self.fail(op, label, why, r)
        return r

    def hit_raw(self, op, label, raw):
        """Sends raw bytes on a connection of their own."""
        self.sent += 1
        self.endpoints.add(op)
        self.last = self.last[-2:] + [f"raw {raw[:80]!r} [{label}]"]
        try:
            r = parse_raw(raw_exchange(self.srv.port, raw))
        except OSError as e:
            self.fail(op, label, f"the connection failed: {e!r}")
            return
        if r is None:
            self.fail(op, label, "no HTTP answer")
        else:
            why = verdict(r, ANY_4XX)
            if why:
                self.fail(op, label, why, r)

    def still_up(self, op):
        """Records a crash (with the log's tail) and carries on with a new server."""
        if self.srv.proc.poll() is None:
            return
        tail = self.srv.read_log()[-600:]
        self.fail(op, "server", f"the server exited ({self.srv.proc.returncode}) after "
                  f"{' then '.join(self.last)}; log: {tail!r}")
        self.restart()

    def recover(self, op):
        """After a request went unanswered: a server that no longer answers /healthz is
        recorded as hung and replaced."""
        self.still_up(op)
        try:
            if self.srv.request("GET", "/healthz", timeout=5).status == 200:
                return
        except OSError:
            pass
        self.fail(op, "server", f"the server hangs after {' then '.join(self.last)}")
        self.restart()

    def restart(self):
        self.client.close()
        if self.srv.proc.poll() is None:
            self.srv.proc.kill()
            self.srv.proc.wait()
        self.srv.log.close()
        self.srv = Server("hostile", env=ENV)
        self.client = Client(self.srv)

    def unchanged(self, op, before):
        """Records any change since before (the audit log's count, every table's rows);
        returns the state now, the next batch's before."""
        after = snapshot()
        audit = [t for t in after if t.endswith(".audit_log")]
        for t in audit:
            if after[t][0] != before.get(t, (0, ""))[0]:
                self.fail(op, "audit log", f"{after[t][0] - before.get(t, (0, ''))[0]} audit "
                          f"entries written")
        diff = changes(before, after)
        if diff:
            self.fail(op, "nothing written", "the database changed: " + "; ".join(diff))
        return after


# ---- the actors and objects each endpoint is exercised on ---------------------------

def fixtures(s):
    """Everything the endpoints need, in the state that lets each request through."""
    f = {"admin": admin_token(s)}
    f["seller"] = member(s, kind="university", name="山东理工大学", verified=True)
    f["buyer"] = member(s, kind="enterprise", name="山东金卡材料有限公司", verified=True)
    f["fresh"] = member(s, kind="enterprise", name="淄博宜景环保科技有限公司")  # to verify
    give_credit_code(s, f["fresh"][2]["id"])
    f["doomed"] = member(s, kind="enterprise", name="淄博某贸易有限公司")  # to suspend
    f["logout"] = login(s, f["buyer"][3])["token"]
    seller, buyer = f["seller"][0], f["buyer"][0]

    def draft():
        r = s.request("POST", "/v1/listings", NEGOTIABLE, token=seller)
        assert r.status == 201, r
        return r.json()["id"]

    def pending():
        lid = draft()
        assert s.request("POST", f"/v1/listings/{lid}/submit", token=seller).status == 200
        return lid

    f["patch_listing"], f["submit"], f["withdraw_listing"] = draft(), draft(), draft()
    f["approve"], f["reject_listing"], f["retract"] = pending(), pending(), pending()
    f["listing"] = publish(seller)["id"]
    # non-exclusive offers: accepting one closes none of the others
    f["bids"] = [bid(buyer, f["listing"], offer(30000000 + i, "non_exclusive_license"))["id"]
                 for i in range(4)]
    # a draft contract, and an active one with payments in every state
    lid = publish(seller)["id"]
    b = bid(buyer, lid, offer())
    f["draft"] = act(seller, b["id"], "accept", expect=201)["contract"]["id"]
    lid = publish(seller)["id"]
    b = bid(buyer, lid, offer(mode="sole_license"))
    active = act(seller, b["id"], "accept", expect=201)["contract"]
    patch_contract(seller, active, {"terms": {"term_start": "2025-01-01",
                                              "term_end": "2029-12-31"}})
    sign(seller, active["id"])
    sign(buyer, active["id"])
    f["active"] = active["id"]
    f["confirm"] = pay(buyer, active["id"], 1000001)["id"]
    f["dispute"] = pay(buyer, active["id"], 2000000, reference="建行转账 0502")["id"]
    f["reverse"] = pay(buyer, active["id"], 3000000, kind="upfront")["id"]
    confirm(seller, f["reverse"])
    # the deal desk: two drafts to hold (one held already, to release), a disputed payment
    # to resolve, two disputes on the active contract (one to write to, one to resolve)
    for name in ("hold", "release"):
        lid = publish(seller)["id"]
        b = bid(buyer, lid, offer())
        f[name] = act(seller, b["id"], "accept", expect=201)["contract"]["id"]
    r = s.request("POST", f"/v1/admin/contracts/{f['release']}/hold",
                  {"reason": "实名举报待核查"}, token=f["admin"])
    assert r.status == 200, r
    f["resolve"] = pay(buyer, active["id"], 4000000, reference="农行转账 0611")["id"]
    r = s.request("POST", f"/v1/payments/{f['resolve']}/dispute", {"reason": "未收到款项"},
                  token=seller)
    assert r.status == 200, r
    for name in ("dispute_x", "dispute_r"):
        r = s.request("POST", f"/v1/contracts/{active['id']}/disputes",
                      {"subject": "提成费计算争议", "message": "销售额口径不一致。"}, token=buyer)
        assert r.status == 201, r
        f[name] = r.json()["id"]
    # public notices: the seller becomes government-established (the contracts above keep
    # needing none); one agreed price awaits its notice, two are under notice, one of
    # them with a pending objection
    psql(f"UPDATE organizations SET government_established = true"
         f" WHERE id = '{f['seller'][2]['id']}'")
    f["objector"] = member(s, kind="enterprise", name="淄博博达环保科技有限公司", verified=True)
    f["objector2"] = member(s, kind="university", name="淄博职业学院", verified=True)

    def agreed():
        lid = publish(seller)["id"]
        b = bid(buyer, lid, offer(31000000, "non_exclusive_license"))
        c = act(seller, b["id"], "accept", expect=201)["contract"]
        assert c["needs_notice"] is True, c
        return c["id"]

    procedure = {"days": 15, "objection_procedure": "异议请于公示期内实名书面提出。"}
    f["awaiting_notice"] = agreed()
    notices = []
    for _ in range(2):
        r = s.request("POST", f"/v1/contracts/{agreed()}/notice", procedure, token=seller)
        assert r.status == 201, r
        notices.append(r.json()["id"])
    f["notice"] = notices[0]
    r = s.request("POST", f"/v1/notices/{notices[1]}/objections",
                  {"grounds": "协议价格低于评估价值。"}, token=f["objector2"][0])
    assert r.status == 201, r
    f["objection"] = r.json()["id"]
    # teams and passwords: a member to change, a person without an organization holding an
    # invitation, a person changing a password and one holding a reset token
    org = f["seller"][2]["id"]
    f["member"] = join_by_registering(s, org, seller, "member", "敌意测试成员")
    f["loner"] = join_by_registering(s, org, seller, "member", "敌意测试离开者")
    assert s.request("DELETE", f"/v1/orgs/{org}/members/{f['loner'][1]}",
                     token=f["loner"][0]).status == 204
    invite(s, seller, org, f["loner"][2], "member")
    f["loner_token"] = outbox_token(f["loner"][2])
    f["pw"] = member(s, kind="enterprise", name="淄博改密测试有限公司")
    f["reset"] = member(s, kind="enterprise", name="淄博重置测试有限公司")
    assert s.request("POST", "/v1/auth/password-reset", {"email": f["reset"][3]}).status == 202
    f["reset_token"] = outbox_token(f["reset"][3], "password_reset")
    webhook_fixtures(f)
    needs_fixtures(s, f)
    # conversations (two, the first with two messages) and two files on each parent
    convs = []
    for lid in (f["listing"], publish(seller)["id"]):
        r = s.request("POST", f"/v1/listings/{lid}/conversations",
                      {"message": "能否提供中试数据？"}, token=buyer)
        assert r.status == 201, r
        convs.append(r.json()["id"])
    r = s.request("POST", f"/v1/conversations/{convs[0]}/messages", {"body": "可以，下周发送。"},
                  token=seller)
    assert r.status == 201, r
    f["conv"] = convs[0]
    for name, parent, pid, tok in (("att_listing", "listings", f["listing"], seller),
                                   ("att_org", "orgs", f["seller"][2]["id"], seller),
                                   ("att_contract", "contracts", active["id"], buyer)):
        for i in range(2):
            r = s.request("POST", f"/v1/{parent}/{pid}/attachments?filename=doc{i}.pdf",
                          raw=FILE_PDF, content_type="application/pdf", token=tok)
            assert r.status == 201, r
            f[name] = r.json()["id"]
    return f


def webhook_fixtures(f):
    """Two webhooks of the seller (for a second page), subscribed to a type nothing here
    fires, with two failed deliveries (the courier leaves them alone until a retry), and
    an event id of the seller's inbox. Straight in the database: the shared server keeps
    no TECHEX_SECRET_KEY, and these secrets never have to open."""
    org = f["seller"][2]["id"]
    f["webhooks"] = [psql(
        f"INSERT INTO webhooks (org_id, url, events, secret_enc) VALUES ('{org}',"
        f" 'https://hooks.example.com/hostile-{i}', '{{member.joined}}',"
        f" decode(repeat('00', 60), 'hex')) RETURNING id")[0][0] for i in range(2)]
    events = [psql(f"INSERT INTO events (type, org_id) VALUES ('member.joined', '{org}')"
                   f" RETURNING id")[0][0] for _ in range(2)]
    f["deliveries"] = [psql(
        f"INSERT INTO webhook_deliveries (webhook_id, event_id, status, next_attempt_at)"
        f" VALUES ('{f['webhooks'][0]}', {e}, 'failed', NULL) RETURNING id")[0][0]
        for e in events]
    f["event"] = events[0]


NEED = {"title": "年处理30万吨赤泥的建材化利用技术需求", "description": "寻求赤泥制备路基材料的成熟技术。",
        "domain": "red_mud_building_materials", "waste_codes": ["321001S09"],
        "annual_tonnes": 300000, "target_trl": 6, "region_code": "370303"}
STREAM = {"name": "氧化铝厂拜耳法赤泥", "waste_code": "321001S09", "industry_code": "C3216",
          "form": "slurry", "components": ["Fe2O3", "Al2O3"], "annual_tonnes": 3000000}


def needs_fixtures(s, f):
    """The buyer's needs in every state, proposals of the seller on its published need, and
    its waste streams with transfers to the seller and the objector."""
    seller, buyer, adm = f["seller"][0], f["buyer"][0], f["admin"]

    def call(method, path, body, tok, expect):
        r = s.request(method, path, body, token=tok)
        assert r.status == expect, (path, r)
        return r.json()

    def need(to):
        nid = call("POST", "/v1/needs", NEED, buyer, 201)["id"]
        if to != "draft":
            call("POST", f"/v1/needs/{nid}/submit", None, buyer, 200)
        if to == "published":
            call("POST", f"/v1/admin/needs/{nid}/approve", None, adm, 200)
        return nid

    for name in ("need_patch", "need_submit", "need_withdraw"):
        f[name] = need("draft")
    f["need_approve"], f["need_reject"] = need("pending"), need("pending")
    f["need"], f["need2"] = need("published"), need("published")
    f["propose_listing"] = publish(seller)["id"]
    for name in ("proposal", "proposal2", "proposal_accept"):
        call("POST", f"/v1/needs/{f['need']}/proposals",
             {"listing_id": publish(seller)["id"], "amount_fen": 45000000,
              "transaction_mode": "non_exclusive_license", "message": "可提供技术服务。"},
             seller, 201)
    props = call("GET", f"/v1/needs/{f['need']}/proposals", None, buyer, 200)["data"]
    f["proposal_accept"] = props[-1]["id"]
    f["stream"] = call("POST", "/v1/waste-streams", STREAM, buyer, 201)["id"]
    f["stream2"] = call("POST", "/v1/waste-streams", dict(STREAM, public=True), buyer, 201)["id"]
    entry = call("POST", f"/v1/waste-streams/{f['stream']}/entries",
                 {"period": "2025-01", "generated_kg": 30000, "stored_kg": 10000,
                  "transfers": [{"receiver_org_id": f["seller"][2]["id"], "kg": 12000},
                                {"receiver_org_id": f["objector"][2]["id"], "kg": 8000}]},
                 buyer, 201)
    f["transfer"] = entry["transfers"][0]["id"]


class Target:
    """One body-taking endpoint: who calls it on what, a body it accepts, and its fields
    by kind (dotted paths): integers, strings, arrays, enums, nested objects."""

    def __init__(self, op, path, token, good, ints=(), strs=(), arrays=(), enums=(),
                 nested=(), required=None, optional=False, headers=None, source=None,
                 idempotent=False, control=200):
        self.op, self.path, self.token = op, path, token
        self.good_fn = good if callable(good) else (lambda: copy.deepcopy(good))
        self.ints, self.strs, self.arrays = list(ints), list(strs), list(arrays)
        self.enums, self.nested = list(enums), list(nested)
        self.required, self.optional = required, optional
        self.headers_fn = headers or (lambda: {})
        self.source, self.idempotent, self.control = source, idempotent, control
        self.key = f"hostile-{uuid.uuid4()}"  # the control reuses it: failures stored none


def body_targets(f, s):
    seller, buyer, adm = f["seller"][0], f["buyer"][0], f["admin"]

    def any_version():
        # "*": a hostile edit that slipped through must not hide the next ones behind 412s
        return {"If-Match": "*"}

    def digest():
        r = s.request("GET", f"/v1/contracts/{f['draft']}", token=seller)
        return {"digest": r.json()["digest"]}

    listing = copy.deepcopy(NEGOTIABLE)
    listing["title"] = "赤泥基透水砖制备技术"
    bids = f["bids"]
    reason = {"reason": "提交的资质材料与工商登记不符"}
    return [
        Target(("post", "/v1/auth/register"), "/v1/auth/register", None,
               {"email": unique_email("hostile"), "password": PASSWORD, "display_name": "王工",
                "organization": {"name": "淄博天之润环保", "kind": "enterprise"}},
               strs=["display_name", "organization.name", "email"],
               enums=["organization.kind"], nested=["organization"], required="email",
               idempotent=True, control=201, source=random_loopback()),
        Target(("post", "/v1/auth/login"), "/v1/auth/login", None,
               {"email": f["buyer"][3], "password": PASSWORD}, strs=["email", "password"],
               required="password", source=random_loopback()),
        Target(("post", "/v1/auth/logout"), "/v1/auth/logout", f["logout"], {},
               optional=True, control=204),
        Target(("post", "/v1/notifications/read"), "/v1/notifications/read", seller,
               {"up_to": f["event"]}, strs=["up_to"], required="up_to", control=204),
        Target(("post", "/v1/orgs/{id}/webhooks"), f"/v1/orgs/{f['seller'][2]['id']}/webhooks",
               seller, {"url": "https://hooks.example.com/techex", "events": ["member.joined"]},
               strs=["url"], arrays=["events"], required="url", idempotent=True, control=201),
        Target(("post", "/v1/orgs/{id}/webhooks/{wid}/deliveries/{did}/retry"),
               f"/v1/orgs/{f['seller'][2]['id']}/webhooks/{f['webhooks'][0]}/deliveries/"
               f"{f['deliveries'][0]}/retry", seller, {}, optional=True, control=202),
        Target(("patch", "/v1/orgs/{id}"), f"/v1/orgs/{f['seller'][2]['id']}", seller,
               {"address": "山东省淄博市张店区新村西路266号", "description": "赤泥综合利用研究"},
               strs=["address", "description"], headers=any_version),
        Target(("patch", "/v1/admin/orgs/{id}"), f"/v1/admin/orgs/{f['seller'][2]['id']}", adm,
               {"region_code": "370303", "government_established": True,
                "reason": "核对事业单位法人证书"},
               strs=["region_code", "reason"], required="reason"),
        Target(("post", "/v1/admin/orgs/{id}/verify"),
               f"/v1/admin/orgs/{f['fresh'][2]['id']}/verify", adm, {}, optional=True),
        Target(("post", "/v1/admin/orgs/{id}/suspend"),
               f"/v1/admin/orgs/{f['doomed'][2]['id']}/suspend", adm, reason,
               strs=["reason"], required="reason"),
        Target(("post", "/v1/listings"), "/v1/listings", seller, listing,
               ints=["trl", "pricing.asking_price_fen"],
               strs=["title", "description", "patent.number"],
               arrays=["tags", "patent.inventors", "transaction_modes"],
               enums=["domain", "kind"], nested=["pricing", "patent"], required="title",
               idempotent=True, control=201),
        Target(("patch", "/v1/listings/{id}"), f"/v1/listings/{f['patch_listing']}", seller,
               {"title": "赤泥制备道路基层材料技术（修订版）"},
               ints=["trl", "pricing.asking_price_fen"], strs=["title", "summary"],
               arrays=["tags"], enums=["domain"], nested=["pricing", "patent"],
               headers=any_version),
        Target(("post", "/v1/listings/{id}/submit"), f"/v1/listings/{f['submit']}/submit",
               seller, {}, optional=True),
        Target(("post", "/v1/listings/{id}/withdraw"),
               f"/v1/listings/{f['withdraw_listing']}/withdraw", seller, {}, optional=True),
        Target(("post", "/v1/listings/{id}/retract"), f"/v1/listings/{f['retract']}/retract",
               seller, {}, optional=True),
        Target(("post", "/v1/admin/listings/{id}/approve"),
               f"/v1/admin/listings/{f['approve']}/approve", adm, {}, optional=True),
        Target(("post", "/v1/admin/listings/{id}/reject"),
               f"/v1/admin/listings/{f['reject_listing']}/reject", adm,
               {"reason": "专利号校验位不符，请核实后重新提交"}, strs=["reason"],
               required="reason"),
        Target(("post", "/v1/listings/{id}/bids"), f"/v1/listings/{f['listing']}/bids", buyer,
               offer(26000000, "non_exclusive_license"),
               ints=["amount_fen", "terms.royalty_bp"], strs=["message", "terms.territory"],
               enums=["transaction_mode"], nested=["terms"], required="amount_fen",
               idempotent=True, control=201),
        Target(("post", "/v1/bids/{id}/counter"), f"/v1/bids/{bids[0]}/counter", seller,
               {"amount_fen": 35000000, "message": "非独占许可可按三十五万元成交。"},
               ints=["amount_fen"], strs=["message"], required="amount_fen"),
        Target(("post", "/v1/bids/{id}/withdraw"), f"/v1/bids/{bids[1]}/withdraw", buyer,
               {"message": "我方调整采购计划，撤回报价。"}, strs=["message"], optional=True),
        Target(("post", "/v1/bids/{id}/reject"), f"/v1/bids/{bids[2]}/reject", seller,
               {"message": "报价低于预期。"}, strs=["message"], optional=True),
        Target(("post", "/v1/bids/{id}/accept"), f"/v1/bids/{bids[3]}/accept", seller,
               {"message": "同意按此报价签约。"}, strs=["message"], optional=True,
               idempotent=True, control=201),
        Target(("patch", "/v1/contracts/{id}"), f"/v1/contracts/{f['draft']}", buyer,
               {"terms": {"territory": "山东省淄博市", "royalty_bp": 350}},
               ints=["terms.royalty_bp", "terms.upfront_fee_fen"],
               strs=["terms.territory", "terms.field_of_use"], arrays=["revenue_share"],
               nested=["terms"], headers=any_version),
        Target(("post", "/v1/contracts/{id}/sign"), f"/v1/contracts/{f['draft']}/sign", seller,
               digest, strs=["digest"], required="digest"),
        Target(("post", "/v1/contracts/{id}/terminate"),
               f"/v1/contracts/{f['draft']}/terminate", buyer, {"reason": "双方协商一致解除"},
               strs=["reason"], required="reason"),
        Target(("post", "/v1/contracts/{id}/royalty-reports"),
               f"/v1/contracts/{f['active']}/royalty-reports", buyer,
               {"period_start": "2025-01-01", "period_end": "2025-01-31",
                "gross_sales_fen": 123456789, "waste_utilized_tonnes": 12000},
               ints=["gross_sales_fen", "waste_utilized_tonnes"],
               strs=["period_start", "period_end"], required="gross_sales_fen",
               idempotent=True, control=201),
        Target(("post", "/v1/contracts/{id}/payments"), f"/v1/contracts/{f['active']}/payments",
               buyer, {"amount_fen": 100000, "kind": "royalty", "paid_at": "2025-04-15T08:00:00Z",
                       "reference": "工行转账 2025-0415"},
               ints=["amount_fen"], strs=["reference", "paid_at"], enums=["kind"],
               required="amount_fen", idempotent=True, control=201),
        Target(("post", "/v1/payments/{id}/confirm"), f"/v1/payments/{f['confirm']}/confirm",
               seller, {}, optional=True),
        Target(("post", "/v1/payments/{id}/dispute"), f"/v1/payments/{f['dispute']}/dispute",
               seller, {"reason": "未收到款项"}, strs=["reason"], required="reason"),
        Target(("post", "/v1/payments/{id}/reverse"), f"/v1/payments/{f['reverse']}/reverse",
               seller, {"reason": "银行退票"}, strs=["reason"], required="reason"),
        Target(("post", "/v1/contracts/{id}/registration"),
               f"/v1/contracts/{f['active']}/registration", seller, {"status": "submitted"},
               strs=["registration_number", "registered_on"], enums=["status"],
               required="status"),
        Target(("post", "/v1/admin/contracts/{id}/hold"),
               f"/v1/admin/contracts/{f['hold']}/hold", adm, {"reason": "实名举报定价异常"},
               strs=["reason"], required="reason"),
        Target(("post", "/v1/admin/contracts/{id}/release"),
               f"/v1/admin/contracts/{f['release']}/release", adm, {"reason": "核查完毕"},
               strs=["reason"], required="reason"),
        Target(("post", "/v1/admin/payments/{id}/resolve"),
               f"/v1/admin/payments/{f['resolve']}/resolve", adm,
               {"outcome": "void", "reason": "重复登记"}, strs=["reason"], enums=["outcome"],
               required="reason"),
        Target(("post", "/v1/contracts/{id}/disputes"), f"/v1/contracts/{f['active']}/disputes",
               seller, {"subject": "付款期限争议", "message": "被许可方逾期付款。"},
               strs=["subject", "message"], required="subject", idempotent=True, control=201),
        Target(("post", "/v1/disputes/{id}/messages"), f"/v1/disputes/{f['dispute_x']}/messages",
               seller, {"body": "我方不同意该计算口径。"}, strs=["body"], required="body",
               idempotent=True, control=201),
        Target(("post", "/v1/admin/disputes/{id}/resolve"),
               f"/v1/admin/disputes/{f['dispute_r']}/resolve", adm,
               {"outcome": "settled", "reason": "双方和解"}, strs=["reason"],
               enums=["outcome"], required="outcome"),
        Target(("post", "/v1/contracts/{id}/notice"),
               f"/v1/contracts/{f['awaiting_notice']}/notice", seller,
               {"days": 15, "objection_procedure": "对成交价格有异议者请于公示期内实名书面提出。"},
               ints=["days"], strs=["objection_procedure"], required="objection_procedure",
               idempotent=True, control=201),
        Target(("post", "/v1/notices/{id}/objections"), f"/v1/notices/{f['notice']}/objections",
               f["objector"][0], {"grounds": "该技术评估价值明显高于协议价格。"},
               strs=["grounds"], required="grounds", idempotent=True, control=201),
        Target(("post", "/v1/objections/{id}/decide"), f"/v1/objections/{f['objection']}/decide",
               seller, {"outcome": "dismissed", "reason": "经第三方评估，价格公允。"},
               strs=["reason"], enums=["outcome"], required="reason"),
        Target(("post", "/v1/orgs/{id}/invitations"), f"/v1/orgs/{f['seller'][2]['id']}/invitations",
               seller, {"email": unique_email("hostile-invitee"), "role": "member"},
               strs=["email"], enums=["role"], required="email", idempotent=True, control=201),
        Target(("post", "/v1/invitations/accept"), "/v1/invitations/accept", f["loner"][0],
               {"token": f["loner_token"]}, strs=["token"], required="token"),
        Target(("patch", "/v1/orgs/{id}/members/{user_id}"),
               f"/v1/orgs/{f['seller'][2]['id']}/members/{f['member'][1]}", seller,
               {"role": "admin"}, enums=["role"], required="role"),
        Target(("post", "/v1/auth/password"), "/v1/auth/password", f["pw"][0],
               {"current_password": PASSWORD, "new_password": "赤泥陶粒-敌意测试-新口令"},
               strs=["new_password"], required="current_password", control=204),
        Target(("post", "/v1/auth/password-reset"), "/v1/auth/password-reset", None,
               {"email": "hostile-nobody@example.cn"}, strs=["email"], required="email",
               control=202),
        Target(("post", "/v1/auth/password-reset/confirm"), "/v1/auth/password-reset/confirm",
               None, {"token": f["reset_token"], "new_password": "赤泥陶粒-敌意重置-新口令"},
               strs=["token", "new_password"], required="token", control=204),
        Target(("post", "/v1/needs"), "/v1/needs", buyer, NEED,
               ints=["annual_tonnes", "target_trl"], strs=["title", "description"],
               arrays=["waste_codes"], enums=["domain"], required="title", idempotent=True,
               control=201),
        Target(("patch", "/v1/needs/{id}"), f"/v1/needs/{f['need_patch']}", buyer,
               {"title": "赤泥建材化利用技术需求（修订）"}, ints=["annual_tonnes"],
               strs=["title", "description"], arrays=["waste_codes"], enums=["domain"],
               headers=any_version),
        Target(("post", "/v1/needs/{id}/submit"), f"/v1/needs/{f['need_submit']}/submit", buyer,
               {}, optional=True),
        Target(("post", "/v1/needs/{id}/withdraw"), f"/v1/needs/{f['need_withdraw']}/withdraw",
               buyer, {}, optional=True),
        Target(("post", "/v1/admin/needs/{id}/approve"),
               f"/v1/admin/needs/{f['need_approve']}/approve", adm, {}, optional=True),
        Target(("post", "/v1/admin/needs/{id}/reject"),
               f"/v1/admin/needs/{f['need_reject']}/reject", adm,
               {"reason": "请补充赤泥成分分析报告"}, strs=["reason"], required="reason"),
        Target(("post", "/v1/needs/{id}/proposals"), f"/v1/needs/{f['need']}/proposals", seller,
               {"listing_id": f["propose_listing"], "amount_fen": 36000000,
                "transaction_mode": "non_exclusive_license", "message": "可提供技术服务。",
                "terms": {"royalty_bp": 200, "term_months": 36}},
               ints=["amount_fen", "terms.royalty_bp"], strs=["message"],
               enums=["transaction_mode"], nested=["terms"], required="listing_id",
               idempotent=True, control=201),
        Target(("post", "/v1/proposals/{id}/accept"),
               f"/v1/proposals/{f['proposal_accept']}/accept", buyer, {}, optional=True,
               idempotent=True, control=201),
        Target(("post", "/v1/waste-streams"), "/v1/waste-streams", buyer, STREAM,
               ints=["annual_tonnes"], strs=["name", "waste_code", "industry_code"],
               arrays=["components"], enums=["form"], required="name", idempotent=True,
               control=201),
        Target(("post", "/v1/waste-streams/{id}/entries"),
               f"/v1/waste-streams/{f['stream']}/entries", buyer,
               {"period": "2025-03", "generated_kg": 1000, "stored_kg": 1000},
               ints=["generated_kg", "stored_kg"], strs=["period"], arrays=["transfers"],
               required="period", idempotent=True, control=201),
        Target(("post", "/v1/waste-transfers/{id}/confirm"),
               f"/v1/waste-transfers/{f['transfer']}/confirm", seller, {"received_kg": 11900},
               ints=["received_kg"], required="received_kg"),
        Target(("post", "/v1/listings/{id}/conversations"),
               f"/v1/listings/{f['listing']}/conversations", buyer,
               {"message": "请问能否安排实地考察？"}, strs=["message"], required="message",
               idempotent=True, control=200),
        Target(("post", "/v1/conversations/{id}/messages"),
               f"/v1/conversations/{f['conv']}/messages", seller, {"body": "欢迎来访。"},
               strs=["body"], required="body", idempotent=True, control=201),
    ]


# ---- file uploads (the body is the file, not JSON) ----------------------------------------

def file_targets(f):
    """(op, path, token) of each upload route, on a parent the caller may attach to."""
    seller, buyer = f["seller"][0], f["buyer"][0]
    return [(("post", "/v1/listings/{id}/attachments"),
             f"/v1/listings/{f['listing']}/attachments", seller),
            (("post", "/v1/orgs/{id}/attachments"),
             f"/v1/orgs/{f['seller'][2]['id']}/attachments", seller),
            (("post", "/v1/contracts/{id}/attachments"),
             f"/v1/contracts/{f['active']}/attachments", buyer)]


def file_cases():
    """(label, query, body, Content-Type, statuses, Field or None)."""
    ok = "filename=" + q("赤泥技术简介.pdf")
    pdf, png = "application/pdf", "image/png"
    yield "HTML as a PDF", ok, b"<html><script>alert(1)</script></html>", pdf, (422,), \
        Field("body")
    yield "a PNG as a PDF", ok, b"\x89PNG\r\n\x1a\n" + b"\0" * 20, pdf, (422,), Field("body")
    yield "a PDF as a PNG", ok, FILE_PDF, png, (422,), Field("body")
    yield "SVG with script", ok, b"<svg onload=alert(1)/>", "image/svg+xml", (415,), None
    yield "JSON", ok, b'{"a": 1}', "application/json", (415,), None
    yield "no Content-Type", ok, FILE_PDF, None, (415,), None
    yield "empty body", ok, b"", pdf, (422,), Field("body")
    yield "truncated magic", ok, b"%PD", pdf, (422,), Field("body")
    yield "no filename", "", FILE_PDF, pdf, (422,), Field("filename")
    for label, name in [("path", "../../etc/passwd"), ("slash", "a/b.pdf"),
                        ("backslash", q("a\\b.pdf")), ("NUL", "a%00b.pdf"),
                        ("control", "a%01b.pdf"), ("invalid UTF-8", "%FF%FE.pdf"),
                        ("dot dot", ".."), ("256 characters", "a" * 256), ("empty", ""),
                        ("newline", "a%0Ab.pdf")]:
        yield f"filename: {label}", "filename=" + (name if "%" in name else q(name)), \
            FILE_PDF, pdf, (422,), Field("filename")
    yield "filename repeated", ok + "&" + ok, FILE_PDF, pdf, (422,), Field("filename")
    yield "unknown parameter", ok + "&foo=1", FILE_PDF, pdf, (422,), Field("foo")
    yield "visibility: unknown", ok + "&visibility=everyone", FILE_PDF, pdf, (422,), \
        Field("visibility")


def run_file_target(run, op, path, token, before):
    h = {"Authorization": f"Bearer {token}"}
    for label, query, data, ct, statuses, field in file_cases():
        hh = dict(h, **({"Content-Type": ct} if ct else {}))
        run.hit(op, label, "POST", path + "?" + query, data, hh, statuses, field)
    run.still_up(op)
    return run.unchanged(op, before)


def run_file_control(run, op, path, token):
    h = {"Authorization": f"Bearer {token}", "Content-Type": "application/pdf"}
    r = run.client.send("POST", path + "?filename=" + q("控制组.pdf"), FILE_PDF, h)
    if r.status != 201:
        run.fail(op, "control: a valid PDF", f"answered {r.status}, expected 201", r)


# ---- hostile bodies --------------------------------------------------------------------

INVALID_UTF8 = [
    ("byte 0xff", b"\xff"),
    ("truncated sequence", b"\xe7\x8e"),
    ("lone continuation byte", b"\x80"),
    ("overlong 2-byte '/'", b"\xc0\xaf"),
    ("overlong 3-byte '/'", b"\xe0\x80\xaf"),
    ("overlong 4-byte '/'", b"\xf0\x80\x80\xaf"),
    ("overlong NUL", b"\xc0\x80"),
    ("raw surrogate", b"\xed\xa0\x80"),
    ("CESU-8 surrogate pair", b"\xed\xa0\xbd\xed\xb8\x80"),
    ("beyond U+10FFFF", b"\xf4\x90\x80\x80"),
    ("5-byte form", b"\xf8\x88\x80\x80\x80"),
]

LONE_SURROGATES = [b"\\ud800", b"\\udc00", b"\\ud800\\u0041", b"\\ud800\\ud800", b"\\udbff"]

NOT_INTEGERS = [
    ("real", b"1.5"), ("real with zero fraction", b"1.0"), ("exponent", b"1e3"),
    ("negative real", b"-0.5"), ("string", b'"100"'), ("boolean", b"true"),
    ("array", b"[1]"), ("object", dumps({"值": 1})), ("200 KB string", dumps(LONG)),
]

BEYOND_64_BITS = [
    ("2^63", str(2 ** 63).encode()), ("2^64", str(2 ** 64).encode()),
    ("-2^63-1", str(-(2 ** 63) - 1).encode()), ("10^30", str(10 ** 30).encode()),
    ("-10^30", str(-(10 ** 30)).encode()), ("a 400-digit integer", str(10 ** 400).encode()),
    ("1e400", b"1e400"),
]

CONTENT_TYPES = [
    ("no Content-Type", None), ("text/plain", "text/plain"),
    ("text/plain; charset=utf-8", "text/plain; charset=utf-8"),
    ("multipart/form-data with a JSON body", "multipart/form-data; boundary=techex"),
    ("application/x-www-form-urlencoded", "application/x-www-form-urlencoded"),
    ("charset=iso-8859-1", "application/json; charset=iso-8859-1"),
    ("charset=utf-16", "application/json; charset=utf-16"), ("text/json", "text/json"),
    ("application/jsonx", "application/jsonx"), ("application/xml", "application/xml"),
    ("two media types", "application/json, text/plain"), ("empty Content-Type", ""),
]


def multipart(good):
    parts = []
    for k, v in (good or {UNKNOWN: "赤泥"}).items():
        value = v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
        parts.append(f'--techex\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{value}\r\n')
    return ("".join(parts) + "--techex--\r\n").encode()


def body_cases(t, good):
    """(label, bytes, Content-Type, statuses, Field or None) for one endpoint."""
    g = dumps(good)
    sf = t.strs[0] if t.strs else UNKNOWN  # a string field, or a field nobody knows
    nf = t.ints[0] if t.ints else sf  # where an integer goes, or where none belongs
    dup = good or {UNKNOWN: 1}  # a body with a key to repeat
    first = next(iter(dup))
    j = "application/json"
    bad, either = (400,), (400, 422)

    # malformed JSON
    for label, raw in [
        ("truncated", g[:-1]), ("trailing garbage", g + b" x"), ("two objects", g + g),
        ("trailing comma", g[:-1] + b",}" if good else b'{"a": 1,}'),
        ("single quotes", b"{'title': '\xe8\xb5\xa4'}"), ("unquoted key", b"{title: 1}"),
        ("comment", b"{/* x */}"), ("NaN", with_raw(good, sf, b"NaN")),
        ("-Infinity", with_raw(good, sf, b"-Infinity")),
        ("leading zero", with_raw(good, sf, b"012")),
        ("hex number", with_raw(good, sf, b"0x10")), ("plus sign", with_raw(good, sf, b"+1")),
        ("bare fraction", with_raw(good, sf, b".5")), ("unterminated string", b'{"a": "abc'),
        ("raw control character in a string", with_raw(good, sf, b'"\xe8\xb5\xa4\x01"')),
        ("raw newline in a string", with_raw(good, sf, b'"\xe8\xb5\xa4\n\xe6\xb3\xa5"')),
        ("bad escape", with_raw(good, sf, b'"\\x41"')),
        ("short \\u escape", with_raw(good, sf, b'"\\u12"')),
        ("whitespace only", b" \r\n\t "), ("just a brace", b"{"), ("just a quote", b'"'),
    ] + ([] if t.optional else [("empty body", b"")]):
        yield "malformed JSON: " + label, raw, j, bad, None

    # duplicate keys
    fk = dumps(first)[1:-1]
    esc = b"\\u%04x" % ord(first[0]) + dumps(first[1:])[1:-1]
    fv = dumps(dup[first])
    yield "duplicate key, same value", with_key(dup, fk, fv), j, bad, None
    yield "duplicate key, other value", with_key(dup, fk, b'"\xe8\xb5\xa4"'), j, bad, None
    yield "duplicate key spelled with an escape", with_key(dup, esc, fv), j, bad, None
    yield "duplicate unknown key", with_key({**good, UNKNOWN: 1}, UNKNOWN.encode()), j, bad, None
    for n in t.nested:
        inner = b'{"k": 1, "k": 2}'
        yield f"duplicate key inside {n}", with_raw(good, n, inner), j, bad, None

    # deep nesting
    deep = b"[" * 5000 + b"]" * 5000
    yield "nesting 5000 deep: arrays at the top", deep, j, bad, None
    yield "nesting 5000 deep: objects at the top", b'{"a":' * 5000 + b"1" + b"}" * 5000, j, \
        bad, None
    yield f"nesting 5000 deep in {sf}", with_raw(good, sf, deep), j, bad, None
    yield "nesting 5000 deep, never closed", b"[" * 5000, j, bad, None
    yield f"nesting 33 deep in {sf}", with_raw(good, sf, b"[" * 33 + b"]" * 33), j, bad, None

    # NUL
    yield f"raw NUL in {sf}", with_raw(good, sf, b'"\xe8\xb5\xa4\x00\xe6\xb3\xa5"'), j, bad, None
    yield "raw NUL between tokens", g[:1] + b"\x00" + g[1:], j, bad, None
    yield "raw NUL in a key", with_key(good, b"a\x00b"), j, bad, None
    yield "raw NUL after the body", g + b"\x00", j, bad, None
    yield f"escaped NUL in {sf}", with_raw(good, sf, b'"\xe8\xb5\xa4\\u0000\xe6\xb3\xa5"'), j, \
        either, Field(sf)
    yield "escaped NUL in a key", with_key(good, b"a\\u0000b"), j, either, None

    # invalid UTF-8
    for label, raw in INVALID_UTF8:
        yield f"invalid UTF-8 in {sf}: {label}", \
            with_raw(good, sf, b'"\xe8\xb5\xa4' + raw + b'"'), j, bad, None
    yield "invalid UTF-8 in a key", with_key(good, b"\xff\xfe"), j, bad, None
    yield f"Latin-1 text in {sf}", with_raw(good, sf, b'"caf\xe9"'), j, bad, None
    yield "UTF-16 body", g.decode().encode("utf-16-le"), j, bad, None
    for raw in LONE_SURROGATES:
        yield f"lone surrogate escape {raw.decode()} in {sf}", \
            with_raw(good, sf, b'"a' + raw + b'"'), j, either, Field(sf)

    # numbers that are not what the field takes
    for f in t.ints or [nf]:
        for label, raw in NOT_INTEGERS:
            if t.ints or not raw.startswith(b'"'):  # a string is right in a string field
                yield f"{label} in {f}", with_raw(good, f, raw), j, (422,), Field(f)
        for label, raw in BEYOND_64_BITS if t.ints else BEYOND_64_BITS[:2]:
            yield f"{label} in {f}", with_raw(good, f, raw), j, (422,), Field(f)

    # 200 KB strings
    for f in t.strs + t.enums:
        yield f"200 KB string in {f}", with_raw(good, f, dumps(LONG)), j, (422,), Field(f)
    if not t.strs:
        yield f"200 KB string in {sf}", with_raw(good, sf, dumps(LONG)), j, (422,), Field(sf)
    key = "x" + LONG
    yield "200 KB key", with_key(good, key.encode()), j, (422,), Field(key, prefix=True)

    # 100,000-element arrays
    for f in t.arrays:
        yield f"100,000 strings in {f}", with_raw(good, f, dumps(["赤泥"] * 100000)), j, \
            (422,), Field(f)
        yield f"100,000 integers in {f}", with_raw(good, f, dumps([0] * 100000)), j, \
            (422,), Field(f)
    if t.op == ("post", "/v1/listings"):  # over 1 MiB: refused by size
        yield "100,000 inventors (over 1 MiB)", with_raw(good, "patent.inventors",
                                                         dumps(["张三丰"] * 100000)), j, (413,), None
    yield f"100,000 integers in {sf}", with_raw(good, sf, dumps([0] * 100000)), j, \
        (422,), Field(sf)
    yield f"100,000 objects in {UNKNOWN}", with_raw(good, UNKNOWN, dumps([{}] * 100000)), j, \
        (422,), Field(UNKNOWN)
    yield "100,000-element array at the top", dumps([0] * 100000), j, bad, None
    many = {f"k{i:x}": 0 for i in range(20000)}
    yield "20,000 unknown fields", dumps({**good, **many}), j, (422,), Field("k0")

    # unknown fields, read-only fields smuggled in
    for name, value in [("角色", "admin"), (UNKNOWN, None), ("id", str(uuid.uuid4())),
                        ("status", "published"), ("org_id", str(uuid.uuid4())),
                        ("created_at", "2026-01-01T00:00:00Z"), ("__proto__", {}), ("", 1),
                        (first.upper(), good.get(first, 1))]:
        if name in good:
            continue
        yield f"unknown field {name!r}", dumps({**good, name: value}), j, (422,), Field(name)
    for n in t.nested:
        body = copy.deepcopy(good)
        set_path(body, f"{n}.{UNKNOWN}", "赤泥")
        yield f"unknown field inside {n}", dumps(body), j, (422,), Field(f"{n}.{UNKNOWN}")
        body = copy.deepcopy(good)
        set_path(body, f"{n}.{UNKNOWN}", None)
        yield f"unknown null field inside {n}", dumps(body), j, (422,), Field(f"{n}.{UNKNOWN}")
        yield f"{n} as a string", with_raw(good, n, b'"\xe8\xb5\xa4"'), j, (422,), Field(n)
        yield f"{n} as an array", with_raw(good, n, b"[]"), j, (422,), Field(n)

    # the wrong media type, with a body that would otherwise be accepted
    for label, ct in CONTENT_TYPES:
        yield f"Content-Type: {label}", g, ct, (400, 415), None
    yield "multipart/form-data with a form body", multipart(good), \
        "multipart/form-data; boundary=techex", (400, 415), None
    form = urllib.parse.urlencode({k: v if isinstance(v, str) else json.dumps(v)
                                   for k, v in (good or {UNKNOWN: "1"}).items()}).encode()
    yield "x-www-form-urlencoded with a form body", form, \
        "application/x-www-form-urlencoded", (400, 415), None

    # not an object
    for label, raw in [("array holding the body", b"[" + g + b"]"), ("empty array", b"[]"),
                       ("string", b'"\xe8\xb5\xa4\xe6\xb3\xa5"'), ("number", b"42"),
                       ("real", b"1.5"), ("null", b"null"), ("true", b"true")]:
        yield f"a JSON {label} instead of an object", raw, j, bad, None

    # required fields
    if t.required:
        yield "empty object", b"{}", j, (422,), Field(t.required)
        yield f"{t.required} null", with_raw(good, t.required, b"null"), j, (422,), \
            Field(t.required)


def base_headers(t):
    base = dict(t.headers_fn())
    if t.token:
        base["Authorization"] = f"Bearer {t.token}"
    if t.idempotent:
        base["Idempotency-Key"] = t.key
    return base


def run_body_target(run, t, before):
    op, good, base, method = t.op, t.good_fn(), base_headers(t), t.op[0].upper()
    client = Client(run.srv, t.source) if t.source else run.client
    for label, data, ct, statuses, field in body_cases(t, good):
        h = dict(base)
        if ct is not None:
            h["Content-Type"] = ct
        run.hit(op, label, method, t.path, data, h, statuses, field, client=client)
    if t.idempotent:  # bad keys with the good body
        for label, bad in [("Idempotency-Key of 300 characters", "k" * 300),
                           ("Idempotency-Key not ASCII", "赤泥键".encode()),
                           ("empty Idempotency-Key", "")]:
            h = dict(base, **{"Idempotency-Key": bad, "Content-Type": "application/json"})
            run.hit(op, label, method, t.path, dumps(good), h, (400, 422), client=client)
    if client is not run.client:
        client.close()
    run.still_up(op)
    return run.unchanged(op, before)


def run_control(run, t):
    """The same actor, key and headers with the good body: allowed all along."""
    client = Client(run.srv, t.source) if t.source else run.client
    h = dict(base_headers(t), **{"Content-Type": "application/json"})
    try:
        r = client.send(t.op[0].upper(), t.path, dumps(t.good_fn()), h)
        if r.status != t.control:
            run.fail(t.op, "control: the good body", f"answered {r.status}, expected "
                     f"{t.control}", r)
    except (OSError, http.client.HTTPException) as e:
        run.fail(t.op, "control: the good body", f"the connection failed: {e!r}")
    if client is not run.client:
        client.close()


# ---- path parameters -------------------------------------------------------------------

def bad_ids(valid):
    nodash = valid.replace("-", "")
    return [
        ("..", ".."), ("../", "../"), ("encoded ../../admin", "..%2F..%2Fadmin"),
        ("SQL", q("1 OR 1=1")), ("SQL quote", q("' OR '1'='1")), ("NUL", "%00"),
        ("valid id then NUL", valid + "%00"), ("valid id then junk", valid + "x"),
        ("valid id then a space", valid + "%20"), ("no dashes", nodash),
        ("braces", q("{" + valid + "}")), ("very long", "a" * 6000),
        ("invalid UTF-8", "%FF%FE"), ("Chinese", q("赤泥")), ("negative number", "-1"),
        ("30 digits", "9" * 30), ("nil UUID", str(uuid.UUID(int=0))),
        ("unknown UUID", str(uuid.uuid4())), ("empty", ""),
    ]


def id_routes(f, targets):
    """{(method, pattern): (token, id, body or None, headers)} for every route with {id}."""
    seller, buyer = f["seller"][0], f["buyer"][0]
    out = {}
    for t in targets:
        if "{id}" not in t.op[1]:
            continue
        m = re.search(r"/([0-9a-f-]{36})(/|$)", t.path)
        h = {"If-Match": "*"} if t.op[0] == "patch" else {}
        out[t.op] = (t.token, m.group(1), t.good_fn(), h, t.path.replace(m.group(1), "{id}", 1))
    views = [
        ("/v1/orgs/{id}", None, f["seller"][2]["id"]),
        ("/v1/orgs/{id}/statement", seller, f["seller"][2]["id"]),
        ("/v1/orgs/{id}/listings", seller, f["seller"][2]["id"]),
        ("/v1/listings/{id}", seller, f["patch_listing"]),
        ("/v1/listings/{id}/bids", seller, f["listing"]),
        ("/v1/bids/{id}", buyer, f["bids"][0]),
        ("/v1/contracts/{id}", buyer, f["active"]),
        ("/v1/contracts/{id}/document", buyer, f["active"]),
        ("/v1/contracts/{id}/royalty-reports", buyer, f["active"]),
        ("/v1/contracts/{id}/payments", buyer, f["active"]),
        ("/v1/contracts/{id}/ledger", buyer, f["active"]),
        ("/v1/contracts/{id}/ledger/verify", buyer, f["active"]),
        ("/v1/contracts/{id}/registration", buyer, f["active"]),
        ("/v1/payments/{id}", buyer, f["reverse"]),
        ("/v1/contracts/{id}/disputes", buyer, f["active"]),
        ("/v1/disputes/{id}", buyer, f["dispute_x"]),
        ("/v1/notices/{id}", None, f["notice"]),
        ("/v1/orgs/{id}/members", seller, f["seller"][2]["id"]),
        ("/v1/orgs/{id}/invitations", seller, f["seller"][2]["id"]),
        ("/v1/needs/{id}", None, f["need"]),
        ("/v1/needs/{id}/proposals", buyer, f["need"]),
        ("/v1/needs/{id}/matches", buyer, f["need"]),
        ("/v1/orgs/{id}/needs", buyer, f["buyer"][2]["id"]),
        ("/v1/listings/{id}/matches", seller, f["listing"]),
        ("/v1/waste-streams/{id}", buyer, f["stream"]),
        ("/v1/waste-streams/{id}/matches", buyer, f["stream"]),
        ("/v1/waste-streams/{id}/trace", buyer, f["stream"]),
        ("/v1/conversations/{id}", buyer, f["conv"]),
        ("/v1/conversations/{id}/messages", buyer, f["conv"]),
        ("/v1/listings/{id}/attachments", seller, f["listing"]),
        ("/v1/orgs/{id}/attachments", seller, f["seller"][2]["id"]),
        ("/v1/contracts/{id}/attachments", buyer, f["active"]),
        ("/v1/attachments/{id}", seller, f["att_listing"]),
    ]
    for pattern, tok, oid in views:
        out[("get", pattern)] = (tok, oid, None, {})
    for pattern in ("/v1/orgs/{id}/members/{user_id}", "/v1/orgs/{id}/invitations/{invitation_id}"):
        out[("delete", pattern)] = (seller, f["seller"][2]["id"], None, {})
    # routes with more ids than {id}: the path with the others filled in
    org, hook = f["seller"][2]["id"], f["webhooks"]
    out[("delete", "/v1/orgs/{id}/webhooks/{wid}")] = (
        seller, org, None, {}, f"/v1/orgs/{{id}}/webhooks/{hook[1]}")
    out[("get", "/v1/orgs/{id}/webhooks/{wid}/deliveries")] = (
        seller, org, None, {}, f"/v1/orgs/{{id}}/webhooks/{hook[0]}/deliveries")
    out[("get", "/v1/orgs/{id}/webhooks")] = (seller, org, None, {})
    out[("delete", "/v1/attachments/{id}")] = (seller, f["att_listing"], None, {})
    for op, path, tok in file_targets(f):
        out[op] = (tok, re.search(r"/([0-9a-f-]{36})/", path).group(1), None, {})
    return out


def run_id_route(run, op, spec):
    tok, valid, body, headers = spec[:4]
    pattern = spec[4] if len(spec) > 4 else op[1]  # other ids than {id} filled in
    method = op[0].upper()
    h = dict(headers)
    if tok:
        h["Authorization"] = f"Bearer {tok}"
    data = None
    if body is not None:
        data = dumps(body)
        h["Content-Type"] = "application/json"
    for label, bad in bad_ids(valid):
        run.hit(op, f"id {label}", method, pattern.replace("{id}", bad), data, h, ANY_4XX)
    if method == "GET":  # ids are case-insensitive by design
        run.sent += 1
        try:
            r = run.client.send("GET", pattern.replace("{id}", valid.upper()), None, h)
        except (OSError, http.client.HTTPException) as e:
            run.fail(op, "id in upper case", f"the connection failed: {e!r}")
        else:
            if r.status != 200:
                run.fail(op, "id in upper case", f"answered {r.status}, expected 200", r)
    run.still_up(op)


# ---- queries -----------------------------------------------------------------------------

class Query:
    """One list or search: who reads it, a valid value for each parameter it knows, which
    take free text, ids or dates, and whether it pages."""

    def __init__(self, op, path, token, params, paged=True, text=(), ids=(), dates=()):
        self.op, self.path, self.token, self.params = op, path, token, params
        self.paged, self.text, self.ids, self.dates = paged, text, ids, dates


def query_targets(f):
    seller, buyer, adm = f["seller"][0], f["buyer"][0], f["admin"]
    org, active = f["seller"][2]["id"], f["active"]
    return [
        Query(("get", "/v1/listings"), "/v1/listings", None,
              {"q": "赤泥", "domain": "red_mud_building_materials", "kind": "patent",
               "transaction_mode": "exclusive_license", "pricing_mode": "negotiable",
               "min_trl": "5", "org_id": org, "sort": "newest", "facets": "domain,trl"},
              text=["q"], ids=["org_id"]),
        Query(("get", "/v1/listings/{id}/bids"), f"/v1/listings/{f['listing']}/bids", seller,
              {"status": "open"}),
        Query(("get", "/v1/bids"), "/v1/bids", buyer,
              {"role": "sent", "status": "open", "listing_id": f["listing"]}, ids=["listing_id"]),
        Query(("get", "/v1/contracts"), "/v1/contracts", buyer,
              {"status": "active", "role": "licensee", "listing_id": f["listing"]},
              ids=["listing_id"]),
        Query(("get", "/v1/admin/moderation-queue"), "/v1/admin/moderation-queue", adm, {}),
        Query(("get", "/v1/admin/orgs"), "/v1/admin/orgs", adm, {"status": "unverified"}),
        Query(("get", "/v1/notices"), "/v1/notices", None,
              {"status": "open", "contract_id": f["awaiting_notice"]}, ids=["contract_id"]),
        Query(("get", "/v1/stats"), "/v1/stats", None, {}, paged=False),
        Query(("get", "/v1/admin/audit-log"), "/v1/admin/audit-log", adm,
              {"actor_user_id": f["seller"][1]["id"], "org_id": org, "action": "listing.create",
               "object_type": "listing", "object_id": f["listing"],
               "from": "2025-01-01", "to": "2099-12-31"},
              text=["action", "object_type", "object_id"], ids=["actor_user_id", "org_id"],
              dates=["from", "to"]),
        Query(("get", "/v1/contracts/{id}/royalty-reports"),
              f"/v1/contracts/{active}/royalty-reports", buyer, {}, paged=False),
        Query(("get", "/v1/contracts/{id}/payments"), f"/v1/contracts/{active}/payments",
              buyer, {}),
        Query(("get", "/v1/contracts/{id}/ledger"), f"/v1/contracts/{active}/ledger", buyer, {}),
        Query(("get", "/v1/orgs/{id}/statement"), f"/v1/orgs/{org}/statement", seller,
              {"from": "2025-01-01", "to": "2025-12-31"}, paged=False, dates=["from", "to"]),
        Query(("get", "/v1/me/earnings"), "/v1/me/earnings", seller,
              {"from": "2025-01-01", "to": "2025-12-31"}, paged=False, dates=["from", "to"]),
        Query(("get", "/v1/orgs/{id}/members"), f"/v1/orgs/{org}/members", seller, {},
              paged=False),
        Query(("get", "/v1/orgs/{id}/invitations"), f"/v1/orgs/{org}/invitations", seller, {},
              paged=False),
        Query(("get", "/v1/orgs/{id}/listings"), f"/v1/orgs/{org}/listings", seller,
              {"status": "draft"}),
        Query(("get", "/v1/admin/deals"), "/v1/admin/deals", adm, {"kind": "contract_hold"}),
        Query(("get", "/v1/contracts/{id}/disputes"), f"/v1/contracts/{active}/disputes",
              buyer, {"status": "open"}),
        Query(("get", "/v1/notifications"), "/v1/notifications", seller, {"unread": "false"}),
        Query(("get", "/v1/orgs/{id}/webhooks"), f"/v1/orgs/{org}/webhooks", seller, {}),
        Query(("get", "/v1/orgs/{id}/webhooks/{wid}/deliveries"),
              f"/v1/orgs/{org}/webhooks/{f['webhooks'][0]}/deliveries", seller,
              {"status": "failed"}),
        Query(("get", "/v1/needs"), "/v1/needs", None,
              {"q": "赤泥", "domain": "red_mud_building_materials", "waste_code": "321001S09",
               "region_code": "3703"}, text=["q"]),
        Query(("get", "/v1/orgs/{id}/needs"), f"/v1/orgs/{f['buyer'][2]['id']}/needs", buyer,
              {"status": "draft"}),
        Query(("get", "/v1/needs/{id}/proposals"), f"/v1/needs/{f['need']}/proposals", buyer,
              {}),
        Query(("get", "/v1/needs/{id}/matches"), f"/v1/needs/{f['need']}/matches", buyer, {}),
        Query(("get", "/v1/listings/{id}/matches"), f"/v1/listings/{f['listing']}/matches",
              seller, {}),
        Query(("get", "/v1/waste-streams"), "/v1/waste-streams", buyer,
              {"org_id": f["buyer"][2]["id"], "waste_code": "321001S09"}, ids=["org_id"]),
        Query(("get", "/v1/waste-streams/{id}/matches"),
              f"/v1/waste-streams/{f['stream']}/matches", buyer, {}),
        Query(("get", "/v1/waste-streams/{id}/trace"), f"/v1/waste-streams/{f['stream']}/trace",
              buyer, {}, paged=False),
        Query(("get", "/v1/waste-transfers"), "/v1/waste-transfers", buyer, {"role": "sent"}),
        Query(("get", "/v1/domains"), "/v1/domains", None, {}, paged=False),
        Query(("get", "/v1/conversations"), "/v1/conversations", buyer, {}),
        Query(("get", "/v1/conversations/{id}/messages"),
              f"/v1/conversations/{f['conv']}/messages", seller, {}),
        Query(("get", "/v1/listings/{id}/attachments"),
              f"/v1/listings/{f['listing']}/attachments", seller, {}),
        Query(("get", "/v1/orgs/{id}/attachments"), f"/v1/orgs/{org}/attachments", seller, {}),
        Query(("get", "/v1/contracts/{id}/attachments"), f"/v1/contracts/{active}/attachments",
              seller, {}),
    ]


def bad_cursors(valid):
    """(label, cursor text) made from a valid cursor of this list."""
    raw = unb64(valid)
    parts = raw[1:].split(SEP)
    last = parts[-1]
    rnd = random.Random(20260301)

    def keyed(value):
        """The cursor with its sort key (every part but the last, or its only part) replaced."""
        if len(parts) == 1:
            return b64(b"1" + value)
        return b64(b"1" + SEP.join([value] * (len(parts) - 1) + [last]))

    out = [
        ("random base64", b64(bytes(rnd.randrange(256) for _ in range(30)))),
        ("random base64 starting with the version", b64(b"1" + bytes(
            rnd.randrange(0x20, 0x7f) for _ in range(40)))),
        ("random printable text", "".join(rnd.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
                                          for _ in range(24))),
        ("first character only", valid[:1]), ("the version byte only", b64(b"1")),
        ("version changed", b64(b"2" + raw[1:])),
        ("an extra part", b64(raw + SEP + b"x")),
        ("sort key garbage", keyed(b"garbage")),
        ("last part garbage", b64(b"1" + SEP.join(parts[:-1] + [b"not-an-id"]))),
        ("sort key not UTF-8", keyed(b"\xff\xfe")), ("SQL in the sort key", keyed(b"' OR '1'='1")),
        ("30-digit sort key", keyed(b"9" * 30)), ("negative sort key", keyed(b"-5")),
        ("impossible date", keyed(b"2026-13-45T99:99:99Z")),
        ("not base64", "!!!!"), ("padding", valid + "=="), ("NUL", "%00"),
        ("valid then NUL", valid + "%00"), ("invalid UTF-8", "%FF%FE"),
        ("5000 characters", "A" * 5000), ("empty", ""),
        ("separator replaced", b64(raw.replace(SEP, b"x")) if SEP in raw else b64(raw + b"x")),
        ("first character changed", ("N" if valid[0] != "N" else "O") + valid[1:]),
    ]
    if len(parts) > 1:  # cut into its id: a shorter number would still be a valid cursor
        out += [("truncated by 3", valid[:-3]), ("truncated by half", valid[:len(valid) // 2])]
    return [(label, c) for label, c in out if c != valid]


def cursor_of(run, qt):
    """A valid next_cursor of this list (its first page of one)."""
    h = {"Authorization": f"Bearer {qt.token}"} if qt.token else {}
    r = run.client.send("GET", qt.path + "?limit=1", None, h)
    assert r.status == 200, (qt.op, r)
    c = r.json()["next_cursor"]
    assert c, (qt.op, "needs a second page for its cursor cases", r)
    return c


def query_cases(qt, cursors):
    """(label, query string, statuses, Field or None)."""
    enc = urllib.parse.urlencode
    need = (422,)
    yield "unknown parameter", "foo=1", need, Field("foo")
    yield "unknown parameter in Chinese", q("无此参数") + "=1", need, None
    yield "parameter name in upper case", "LIMIT=5", need, Field("LIMIT")
    yield "parameter without a value", "limit" if qt.paged else "foo", (400, 422), None
    yield "value without a name", "=1", (400, 422), None
    yield "empty parameters", "&&", (400, 422), None
    params = dict(qt.params)
    if qt.paged:
        params["limit"] = "5"
        params["cursor"] = cursors[qt.op]
    for p, v in params.items():
        yield f"{p} repeated", enc([(p, v), (p, v)]), need, Field(p)
        yield f"{p} repeated with another value", enc([(p, v), (p, v + "0")]), need, Field(p)
        if p in ("limit", "cursor"):
            continue
        for label, bad in [("invalid UTF-8", q(v) + "%FF"), ("overlong", "%C0%AF"),
                           ("raw surrogate", "%ED%A0%80"), ("NUL", "%00"),
                           ("valid then NUL", q(v) + "%00"), ("NUL inside", q(v) + "%00x")]:
            yield f"{p}: {label}", f"{p}={bad}", need, Field(p)
        if p not in qt.text:
            yield f"{p}: not a known value", enc({p: "' OR '1'='1"}), need, Field(p)
            yield f"{p}: 700 characters", enc({p: "赤" * 700}), need, Field(p)
    if "q" in qt.text:
        yield "q: 201 characters", enc({"q": "赤" * 201}), need, Field("q")
    for p in qt.ids:
        for bad in ["1 OR 1=1", "../", qt.params[p] + "x", "赤泥"]:
            yield f"{p}: {bad!r}", enc({p: bad}), need, Field(p)
    for p in qt.dates:
        for bad in ["2026-02-30", "2026-13-01", "yesterday", "1e3", "0001-01-01", "２０２６-01-01"]:
            yield f"{p}: {bad!r}", enc({p: bad}), need, Field(p)
    if qt.op == ("get", "/v1/listings"):
        for p, bad in [("min_trl", "0"), ("min_trl", "10"), ("min_trl", "5.5"),
                       ("sort", "price"), ("kind", "software")]:
            yield f"{p}: {bad!r}", enc({p: bad}), need, Field(p)
    if not qt.paged:
        for p in ("limit", "cursor"):
            yield f"{p} on a list that does not page", enc({p: "5"}), need, Field(p)
        return
    for bad in ["-1", "0", "101", "99999999999999999999", "1e3", "ten", "十", "", "1.5",
                "0x10", "5%00", "%FF"]:
        yield f"limit={bad!r}", "limit=" + (bad if "%" in bad else q(bad)), need, Field("limit")
    for label, c in bad_cursors(cursors[qt.op]):
        text = c if "%" in c else q(c)
        yield f"cursor: {label}", "cursor=" + text, need, Field("cursor")


def run_query(run, qt, cursors, before):
    h = {"Authorization": f"Bearer {qt.token}"} if qt.token else {}
    for label, query, statuses, field in query_cases(qt, cursors):
        run.hit(qt.op, label, "GET", qt.path + "?" + query, None, h, statuses, field)
    # raw bytes in the request line
    p = next(iter(qt.params), "foo")
    for label, raw in [("raw invalid UTF-8", b"\xff\xfe"), ("raw NUL", b"a\x00b"),
                       ("raw space", b"a b"), ("raw overlong", b"\xc0\xaf")]:
        auth = f"Authorization: Bearer {qt.token}\r\n".encode() if qt.token else b""
        line = b"GET " + qt.path.encode() + b"?" + p.encode() + b"=" + raw + b" HTTP/1.1\r\n"
        run.hit_raw(qt.op, f"{p}: {label}", line + b"Host: x\r\n" + auth +
                    b"Connection: close\r\n\r\n")
    r = run.client.send("GET", qt.path + "?" + urllib.parse.urlencode(qt.params), None, h)
    if r.status != 200:
        run.fail(qt.op, "control: valid parameters", f"answered {r.status}, expected 200", r)
    run.still_up(qt.op)
    return run.unchanged(qt.op, before)


# ---- which routes must be covered ---------------------------------------------------------

NOT_LISTS = {"/healthz", "/readyz", "/metrics", "/v1/me", "/v1/contracts/{id}/document",
             "/v1/contracts/{id}/ledger/verify", "/v1/contracts/{id}/registration"}


def route_table():
    problems = []
    ops = check_spec.route_operations(ROOT, problems)
    assert not problems, problems
    return {(m, p) for m, p, _, _ in ops}


def coverage_gaps(routes, body_ops, query_ops, id_ops):
    gaps = []
    for m, p in sorted(routes):
        if m in ("post", "patch", "put") and (m, p) not in body_ops:
            gaps.append(f"{m.upper()} {p} takes a body but has no hostile-input coverage")
        if m == "get" and not p.endswith("{id}") and p not in NOT_LISTS and \
                (m, p) not in query_ops:
            gaps.append(f"GET {p} is a list but has no hostile-query coverage")
        if "{id}" in p and (m, p) not in id_ops:
            gaps.append(f"{m.upper()} {p} has an id but no hostile-id coverage")
    for op in sorted(body_ops | query_ops | id_ops):
        if op not in routes:
            gaps.append(f"{op[0].upper()} {op[1]} is covered here but is not in the route tables")
    return gaps


@test
def test_hostile_inputs_are_refused_everywhere():
    """every body, query and id endpoint refuses hostile input with a 4xx problem, writes
    nothing and stays up"""
    start = time.time()
    run = Run()
    try:
        check_everything(run, start)
    finally:
        run.client.close()
        run.srv.stop()


def check_everything(run, start):
    f = fixtures(main_server())
    targets = body_targets(f, run.srv)
    files = file_targets(f)
    queries = query_targets(f)
    ids = id_routes(f, targets)
    routes = route_table()
    gaps = coverage_gaps(routes, {t.op for t in targets} | {x[0] for x in files},
                         {x.op for x in queries}, set(ids))
    run.failures.extend(("coverage", gap, "-", "") for gap in gaps)

    # each batch is checked against the state the one before it left
    cursors = {qt.op: cursor_of(run, qt) for qt in queries if qt.paged}
    state = snapshot()
    for qt in queries:
        state = run_query(run, qt, cursors, state)
    for op in sorted(ids):
        run_id_route(run, op, ids[op])
    state = run.unchanged(("any", "{id} routes"), state)
    for t in targets:
        state = run_body_target(run, t, state)
    for op, path, tok in files:
        state = run_file_target(run, op, path, tok, state)
    # then, in the same order, a valid request each: the controls change what they act on
    for t in targets:
        run_control(run, t)
    for op, path, tok in files:
        run_file_control(run, op, path, tok)

    run.still_up(("get", "/healthz"))
    try:
        r = run.srv.request("GET", "/healthz", timeout=5)
        if r.status != 200:
            run.fail(("get", "/healthz"), "at the end", "the server is not healthy", r)
    except OSError as e:
        run.fail(("get", "/healthz"), "at the end", f"the server does not answer: {e!r}")
    print(f"hostile inputs: {run.sent} requests over {len(run.endpoints)} endpoints "
          f"({len(routes)} routes in the tables, {time.time() - start:.0f}s)")
    for line in run.report():
        print("  " + line)
    assert not run.failures, f"{len(run.failures)} hostile inputs were mishandled (listed above)"
