"""Passwords: change (other sessions revoked) and reset by a mailed token (1 hour, single
use, 202 for every address, every session revoked, no token in any log line)."""

import harness
from harness import Server, login, problem, psql, register, test, unique_email
from teams_fixtures import SmtpSink, TOKEN_RE, outbox_token, parse

NEW_PASSWORD = "赤泥陶粒-新口令-2027-山东"


@test
def test_password_change_revokes_other_sessions():
    """Changing the password needs the current one and ends every other session"""
    from common import main_server
    srv = main_server()
    data, body = register(srv)
    email = body["email"]
    here, there = login(srv, email)["token"], login(srv, email)["token"]
    r = srv.request("POST", "/v1/auth/password",
                    {"current_password": "不是这个口令-2026-错误", "new_password": NEW_PASSWORD},
                    token=here)
    problem(r, 403)
    r = srv.request("POST", "/v1/auth/password",
                    {"current_password": harness.PASSWORD, "new_password": "password1234"},
                    token=here)
    problem(r, 422, "new_password")
    r = srv.request("POST", "/v1/auth/password",
                    {"current_password": harness.PASSWORD, "new_password": NEW_PASSWORD},
                    token=here)
    assert r.status == 204, r
    assert srv.request("GET", "/v1/me", token=here).status == 200
    problem(srv.request("GET", "/v1/me", token=there), 401)
    login(srv, email, expect=401)
    login(srv, email, NEW_PASSWORD)


@test
def test_password_reset_by_mail_over_smtp():
    """A reset token arrives by SMTP, works once within the hour, ends every session, and appears in no log line"""
    sink = SmtpSink()
    srv = Server("reset", env={"TECHEX_SMTP_URL": sink.url, "TECHEX_LOG_LEVEL": "debug"})
    try:
        data, body = register(srv)
        email = body["email"]
        session = login(srv, email)["token"]
        r = srv.request("POST", "/v1/auth/password-reset", {"email": email})
        assert r.status == 202, r
        msg = parse(sink.wait_for(email)[0][2])
        assert msg["Subject"].startswith("重置 TechEx 密码"), msg["Subject"]
        token = TOKEN_RE.search(msg.get_content()).group(1)
        r = srv.request("POST", "/v1/auth/password-reset/confirm",
                        {"token": token, "new_password": NEW_PASSWORD})
        assert r.status == 204, r
        problem(srv.request("GET", "/v1/me", token=session), 401)
        login(srv, email, NEW_PASSWORD)
        # reused
        r = srv.request("POST", "/v1/auth/password-reset/confirm",
                        {"token": token, "new_password": "另一个新口令-赤泥-2028"})
        problem(r, 410)
        login(srv, email, NEW_PASSWORD)
        log = srv.read_log()
        assert token not in log, log[-2000:]
        assert not psql(f"SELECT 1 FROM password_resets WHERE encode(token_hash, 'escape') LIKE '%{token}%'")
    finally:
        srv.stop()
        sink.stop()


@test
def test_password_reset_expired_unknown_and_every_address_answered_alike():
    """An expired or unknown reset token is refused; every address gets the same 202"""
    from common import main_server
    srv = main_server()
    data, body = register(srv)
    email = body["email"]
    a = srv.request("POST", "/v1/auth/password-reset", {"email": email})
    b = srv.request("POST", "/v1/auth/password-reset", {"email": unique_email("nobody")})
    assert a.status == b.status == 202 and a.body == b.body, (a, b)
    token = outbox_token(email, "password_reset")
    psql(f"UPDATE password_resets SET expires_at = now() - interval '1 second'"
         f" WHERE user_id = '{data['user']['id']}'")
    r = srv.request("POST", "/v1/auth/password-reset/confirm",
                    {"token": token, "new_password": NEW_PASSWORD})
    problem(r, 410)
    r = srv.request("POST", "/v1/auth/password-reset/confirm",
                    {"token": "y" * 43, "new_password": NEW_PASSWORD})
    problem(r, 422, "token")
    login(srv, email)  # unchanged
    # the hour's limit: a fourth request sends nothing, and answers the same
    for _ in range(3):
        assert srv.request("POST", "/v1/auth/password-reset", {"email": email}).status == 202
    rows = psql(f"SELECT count(*) FROM mail_outbox WHERE to_addr = '{email}' AND kind = 'password_reset'")
    assert rows[0][0] == "3", rows
    rows = psql(f"SELECT expires_at - created_at = interval '1 hour' FROM password_resets"
                f" WHERE user_id = '{data['user']['id']}' ORDER BY created_at DESC LIMIT 1")
    assert rows[0][0] == "t", rows
