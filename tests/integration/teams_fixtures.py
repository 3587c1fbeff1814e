"""Shared steps of the team, mail, password and earnings tests."""

import re
import threading
import time

import harness
from harness import login, psql, register, unique_email

TOKEN_RE = re.compile(r"token=([A-Za-z0-9_-]{43})")


def outbox_token(email, kind="invitation"):
    """The token in the newest queued mail of kind to email (read from the outbox,
    as `techex mail list` shows it)."""
    rows = psql(f"SELECT replace(body, E'\\n', ' ') FROM mail_outbox WHERE to_addr = lower('{email}') AND kind = '{kind}'"
                " AND body IS NOT NULL ORDER BY id DESC LIMIT 1")
    assert rows, f"no {kind} mail to {email}"
    m = TOKEN_RE.search(rows[0][0])
    assert m, rows[0][0][:200]
    return m.group(1)


def invite(srv, tok, org_id, email, role="member", expect=201):
    r = srv.request("POST", f"/v1/orgs/{org_id}/invitations", {"email": email, "role": role},
                    token=tok)
    assert r.status == expect, r
    return r


def join_by_registering(srv, org_id, tok, role="member", name="李研究员", email=None):
    """Invites a new address and registers it with the mailed token: (token, user_id, email)."""
    email = email or unique_email("team")
    invite(srv, tok, org_id, email, role)
    token = outbox_token(email)
    r = srv.request("POST", "/v1/auth/register",
                    {"email": email, "password": harness.PASSWORD, "display_name": name,
                     "invitation_token": token}, source=harness.random_loopback())
    assert r.status == 201, r
    assert r.json()["user"]["org_id"] == org_id, r.json()
    return login(srv, email)["token"], r.json()["user"]["id"], email


def team(srv, verified=False):
    """A university with an owner, an admin and a member: dict of (token, user_id, email)."""
    data, body = register(srv, name="鲁中赤泥理工大学")
    org = data["organization"]["id"]
    owner = (login(srv, body["email"])["token"], data["user"]["id"], body["email"])
    if verified:
        harness.verify_org(srv, org)
    admin = join_by_registering(srv, org, owner[0], "admin", "王管理员")
    member = join_by_registering(srv, org, owner[0], "member", "刘发明人")
    return {"org": org, "owner": owner, "admin": admin, "member": member}


class SmtpSink:
    """A real SMTP server on loopback (Debian's python3-aiosmtpd) that keeps what it is sent."""

    def __init__(self, port=None):
        try:
            from aiosmtpd.controller import Controller
        except ImportError:  # a python3 other than Debian's: use Debian's package
            import sys
            sys.path.append("/usr/lib/python3/dist-packages")
            from aiosmtpd.controller import Controller
        self.messages = []
        self.lock = threading.Lock()
        self.port = port or harness.free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        with self.lock:
            self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"

    @property
    def url(self):
        return f"smtp://127.0.0.1:{self.port}"

    def stop(self):
        self.controller.stop()

    def to(self, address):
        with self.lock:
            return [m for m in self.messages if address in m[1]]

    def wait_for(self, address, count=1, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            got = self.to(address)
            if len(got) >= count:
                return got
            time.sleep(0.1)
        raise AssertionError(f"{len(self.to(address))} of {count} mails to {address} arrived")


def parse(raw):
    """A received message as email.message.EmailMessage."""
    import email
    import email.policy
    return email.message_from_bytes(raw, policy=email.policy.default)
