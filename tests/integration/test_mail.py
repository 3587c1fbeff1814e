"""Mail that arrives: the outbox delivered over SMTP to a real sink (aiosmtpd) started
here on loopback, across a restart and across two servers."""

import base64
import time

import harness
from harness import Server, login, psql, register, test, unique_email
from teams_fixtures import SmtpSink, TOKEN_RE, invite, parse


def smtp_env(sink, extra=None):
    env = {"TECHEX_SMTP_URL": sink.url, "TECHEX_MAIL_FROM": "TechEx <noreply@techex.example>",
           "TECHEX_PUBLIC_URL": "https://techex.example/", "TECHEX_LOG_LEVEL": "debug"}
    env.update(extra or {})
    return env


def owner(srv):
    data, body = register(srv, name="鲁中邮件测试大学")
    return login(srv, body["email"])["token"], data["organization"]["id"]


@test
def test_invitation_mail_arrives_over_smtp_in_chinese_and_english():
    """An invitation is delivered over SMTP as UTF-8 plain text, Chinese then English, with correct MIME headers, and never logged"""
    sink = SmtpSink()
    srv = Server("mail", env=smtp_env(sink))
    try:
        tok, org = owner(srv)
        email = unique_email("invitee")
        invite(srv, tok, org, email, "admin")
        got = sink.wait_for(email)
        mail_from, rcpt, raw = got[0]
        assert mail_from == "noreply@techex.example" and rcpt == [email], got[0][:2]
        msg = parse(raw)
        assert msg["Subject"].startswith("邀请您加入 鲁中邮件测试大学"), msg["Subject"]
        assert b"=?UTF-8?B?" in raw and msg["Message-ID"] and msg["Date"], raw[:600]
        assert msg.get_content_type() == "text/plain" and msg.get_content_charset() == "utf-8"
        assert msg["Content-Transfer-Encoding"] == "base64" and msg["MIME-Version"] == "1.0"
        assert f"\r\nTo: <{email}>\r\n".encode() in raw.replace(b"\n", b"\r\n").replace(b"\r\r", b"\r")
        assert b"From: TechEx <noreply@techex.example>" in raw
        text = msg.get_content()
        assert text.index("您好") < text.index("Hello"), text
        token = TOKEN_RE.search(text).group(1)
        assert "https://techex.example/invitations/accept?token=" + token in text
        # the token joins; it is in no log line, and the outbox no longer holds the body
        r = srv.request("POST", "/v1/auth/register",
                        {"email": email, "password": harness.PASSWORD, "display_name": "邮件受邀者",
                         "invitation_token": token}, source=harness.random_loopback())
        assert r.status == 201, r
        deadline = time.time() + 5
        while psql(f"SELECT body IS NULL AND sent_at IS NOT NULL FROM mail_outbox"
                   f" WHERE to_addr = '{email}'")[0][0] != "t" and time.time() < deadline:
            time.sleep(0.1)
        assert psql(f"SELECT body IS NULL, attempts FROM mail_outbox WHERE to_addr = '{email}'") \
            == [["t", "1"]]
        log = srv.read_log()
        assert token not in log and "mail" in log, log[-2000:]
    finally:
        srv.stop()
        sink.stop()


@test
def test_outbox_survives_a_restart_and_retries_with_backoff():
    """Mail queued while no SMTP server answers is retried with backoff, and sent by the next server after a restart"""
    port = harness.free_port()
    srv = Server("mail-down", env={"TECHEX_SMTP_URL": f"smtp://127.0.0.1:{port}"})
    email = unique_email("patient")
    try:
        tok, org = owner(srv)
        invite(srv, tok, org, email)
        deadline = time.time() + 15
        while time.time() < deadline:
            rows = psql(f"SELECT attempts, last_error IS NOT NULL, next_attempt_at > now() + interval '20 seconds'"
                        f" FROM mail_outbox WHERE to_addr = '{email}'")
            if rows[0][0] == "1" and rows[0][1] == "t":
                break
            time.sleep(0.2)
        assert rows == [["1", "t", "t"]], rows  # failed once, next attempt ~30 s later
    finally:
        srv.stop()
    # the server is gone; an SMTP server appears on that port; the next server sends it
    sink = SmtpSink(port)
    psql(f"UPDATE mail_outbox SET next_attempt_at = now() WHERE to_addr = '{email}'")
    srv2 = Server("mail-up", env={"TECHEX_SMTP_URL": sink.url})
    try:
        sink.wait_for(email)
        time.sleep(1)
        assert len(sink.to(email)) == 1
        assert psql(f"SELECT attempts, sent_at IS NOT NULL FROM mail_outbox WHERE to_addr = '{email}'") \
            == [["2", "t"]]
    finally:
        srv2.stop()
        sink.stop()


@test
def test_two_servers_deliver_each_message_once():
    """Two servers draining one outbox deliver every message exactly once (FOR UPDATE SKIP LOCKED and a lease)"""
    sink = SmtpSink()
    plain = Server("mail-queue")  # no SMTP: queues only
    emails = [unique_email(f"both{i}") for i in range(12)]
    try:
        tok, org = owner(plain)
        for e in emails:
            invite(plain, tok, org, e)
    finally:
        plain.stop()
    a = Server("mail-a", env={"TECHEX_SMTP_URL": sink.url})
    b = Server("mail-b", env={"TECHEX_SMTP_URL": sink.url})
    try:
        for e in emails:
            sink.wait_for(e)
        time.sleep(2)
        for e in emails:
            assert len(sink.to(e)) == 1, (e, len(sink.to(e)))
        ids = [parse(m[2])["Message-ID"] for m in sink.messages]
        assert len(set(ids)) == len(ids)
    finally:
        a.stop()
        b.stop()
        sink.stop()


@test
def test_without_smtp_mail_list_shows_what_would_have_gone_out():
    """Without TECHEX_SMTP_URL nothing is sent and `techex mail list` prints the queued mail"""
    from common import main_server
    srv = main_server()
    tok, org = owner(srv)
    email = unique_email("listed")
    invite(srv, tok, org, email)
    p = harness.techex("mail", "list")
    assert p.returncode == 0, p.stderr
    assert email in p.stdout and "queued" in p.stdout and "invitations/accept?token=" in p.stdout
    assert "邀请您加入" in p.stdout


@test
def test_bad_mail_settings_stop_start_up():
    """A bad TECHEX_SMTP_URL, TECHEX_SMTP_TLS, TECHEX_MAIL_FROM or TECHEX_PUBLIC_URL is exit 2 naming it"""
    for key, value in (("TECHEX_SMTP_URL", "http://mail.example"), ("TECHEX_SMTP_TLS", "maybe"),
                       ("TECHEX_MAIL_FROM", "no address"), ("TECHEX_PUBLIC_URL", "ftp://x")):
        p = harness.techex("serve", env={key: value})
        assert p.returncode == 2 and key in p.stderr, (key, p.returncode, p.stderr)


@test
def test_tls_required_refuses_a_server_without_starttls():
    """With TECHEX_SMTP_TLS=required, a server that offers no STARTTLS gets nothing: the message waits, its error recorded"""
    sink = SmtpSink()
    srv = Server("mail-tls", env={"TECHEX_SMTP_URL": sink.url, "TECHEX_SMTP_TLS": "required"})
    email = unique_email("secure")
    try:
        tok, org = owner(srv)
        invite(srv, tok, org, email)
        deadline = time.time() + 15
        rows = []
        while time.time() < deadline:
            rows = psql(f"SELECT attempts, sent_at IS NULL, last_error FROM mail_outbox"
                        f" WHERE to_addr = '{email}'")
            if rows and rows[0][0] != "0" and rows[0][2]:
                break
            time.sleep(0.2)
        assert rows and rows[0][1] == "t" and rows[0][2], rows
        assert sink.to(email) == []
    finally:
        srv.stop()
        sink.stop()
