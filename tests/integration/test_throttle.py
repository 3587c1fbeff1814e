"""Throttles per client address: failed logins (per address and per account and
address, with backoff) and registrations. Addresses are 127.x.y.z loopback sources."""

import http.client
import json
import statistics
import threading
import time

from common import main_server
from harness import (PASSWORD, Server, login, problem, psql, random_loopback, register, test,
                     unique_email)


def net(address):
    return f"{address}/32"


def retry_after(r):
    problem(r, 429)
    assert r.json()["type"].endswith("/too-many-attempts"), r
    return int(r.header("Retry-After"))


def pass_time(minutes, address=None, email=None):
    """Moves the recorded failures and blocks of an address (or of an account) back in
    time, as if `minutes` had passed."""
    where = f"client_net = '{net(address)}'" if address else f"email = '{email}'"
    psql(f"UPDATE login_failures SET at = at - interval '{minutes} minutes' WHERE {where};"
         f" UPDATE login_blocks SET at = at - interval '{minutes} minutes',"
         f" until = until - interval '{minutes} minutes' WHERE {where}")


@test
def test_owner_logs_in_while_other_addresses_fail_against_the_account():
    """after 10, then 30 failed logins for an account from 10 other addresses, its owner's
    right password from a fresh address is 200; the addresses that failed 3 times are 429"""
    s = main_server()
    _, body = register(s, name="中铝山东有限公司")
    email = body["email"]
    attackers = [random_loopback() for _ in range(10)]
    for i, a in enumerate(attackers):
        login(s, email, f"错误口令-{i:04d}", expect=401, source=a)
    login(s, email, PASSWORD, source=random_loopback())
    codes = [login(s, email, f"错误口令-{i:04d}-{r}", expect=None, source=a).status
             for r in range(2) for i, a in enumerate(attackers)]
    assert set(codes) <= {401, 429}, codes
    assert psql(f"SELECT count(*) FROM login_failures WHERE email = '{email}'") == [["30"]]
    login(s, email, PASSWORD, source=random_loopback())
    for a in attackers:  # each has failed 3 times against the account: blocked for it
        assert 0 < retry_after(login(s, email, PASSWORD, expect=429, source=a)) <= 900


@test
def test_one_address_is_blocked_after_10_failures_for_every_account():
    """10 failed logins from one address: its 11th try is 429 with Retry-After about 900 s
    even with the right password, and so is a login to another account from it"""
    s = main_server()
    _, body = register(s, name="山东理工大学")
    _, other = register(s, name="淄博天之润")
    a = random_loopback()
    for i in range(10):
        login(s, body["email"], f"错误口令-{i:04d}", expect=401, source=a)
    wait = retry_after(login(s, body["email"], PASSWORD, expect=429, source=a))
    assert 880 <= wait <= 900, wait
    assert 880 <= retry_after(login(s, other["email"], PASSWORD, expect=429, source=a)) <= 900
    # unknown accounts count the same and get the same answer
    b = random_loopback()
    for i in range(10):
        login(s, unique_email("nobody"), f"错误口令-{i:04d}", expect=401, source=b)
    assert 880 <= retry_after(login(s, other["email"], PASSWORD, expect=429, source=b)) <= 900
    login(s, body["email"], PASSWORD, source=random_loopback())
    login(s, other["email"], PASSWORD, source=random_loopback())


@test
def test_a_few_addresses_hammering_one_account_are_each_blocked_with_backoff():
    """three addresses guessing one account in turn are each blocked once the account has 10
    failures; after the block, one more failure blocks again for twice as long"""
    s = main_server()
    _, victim = register(s, name="山东金卡材料")
    _, own = register(s, name="淄博博达")
    email = victim["email"]
    attackers = [random_loopback() for _ in range(3)]
    for i in range(9):
        login(s, email, f"猜测-{i:04d}", expect=401, source=attackers[i % 3])
    login(s, email, "猜测-0009", expect=401, source=attackers[0])  # the account's 10th
    firsts = [retry_after(login(s, email, PASSWORD, expect=429, source=a)) for a in attackers]
    assert all(880 <= w <= 900 for w in firsts), firsts
    # fewer than 10 failures each: the addresses are not blocked for other accounts
    login(s, own["email"], PASSWORD, source=attackers[1])
    # the owner is not locked out
    login(s, email, PASSWORD, source=random_loopback())

    pass_time(16, email=email)
    for a in attackers:  # the block is over; the next failure blocks again, longer
        login(s, email, "猜测-再来", expect=401, source=a)
        second = retry_after(login(s, email, PASSWORD, expect=429, source=a))
        assert 1780 <= second <= 1800, second
    pass_time(31, email=email)
    login(s, email, "猜测-第三次", expect=401, source=attackers[2])
    assert 3580 <= retry_after(login(s, email, PASSWORD, expect=429, source=attackers[2])) <= 3600


@test
def test_an_address_block_doubles_with_each_further_failure():
    """an address blocked for 10 failures is blocked again by its next failure after the
    block, for 30 minutes, then 60; the blocks end as Retry-After says"""
    s = main_server()
    _, body = register(s, name="东华水泥")
    a = random_loopback()
    for i in range(10):
        login(s, unique_email("nobody"), f"错误口令-{i:04d}", expect=401, source=a)
    assert 880 <= retry_after(login(s, body["email"], PASSWORD, expect=429, source=a)) <= 900
    pass_time(14, address=a)
    assert 0 < retry_after(login(s, body["email"], PASSWORD, expect=429, source=a)) <= 60
    pass_time(2, address=a)
    login(s, unique_email("nobody"), "错误口令-再来", expect=401, source=a)
    assert 1780 <= retry_after(login(s, body["email"], PASSWORD, expect=429, source=a)) <= 1800
    pass_time(31, address=a)
    login(s, unique_email("nobody"), "错误口令-第三次", expect=401, source=a)
    assert 3580 <= retry_after(login(s, body["email"], PASSWORD, expect=429, source=a)) <= 3600
    pass_time(61, address=a)
    login(s, body["email"], PASSWORD, source=a)  # the block is over and this is no failure
    blocks = psql(f"SELECT count(*) FROM login_blocks WHERE client_net = '{net(a)}'"
                  " AND email IS NULL")
    assert blocks == [["3"]], blocks


@test
def test_success_clears_only_its_own_pair():
    """a successful login clears that account's failures from that address only: not the
    address's failures against other accounts, not other addresses' failures"""
    s = main_server()
    _, p = register(s, name="山东海逸")
    _, q = register(s, name="淄博大亚金属")
    x, y = random_loopback(), random_loopback()
    for i in range(2):
        login(s, p["email"], f"错-{i}", expect=401, source=x)
        login(s, p["email"], f"错-{i}", expect=401, source=y)
    for i in range(6):
        login(s, q["email"], f"错-{i}", expect=401, source=x)
    login(s, p["email"], PASSWORD, source=x)

    def count(email, address):
        return psql(f"SELECT count(*) FROM login_failures WHERE email = '{email}'"
                    f" AND client_net = '{net(address)}'")[0][0]

    assert (count(p["email"], x), count(q["email"], x), count(p["email"], y)) == ("0", "6", "2")
    # logging in to one's own account does not reset the address: 4 more failures block it
    for i in range(4):
        login(s, q["email"], f"再错-{i}", expect=401, source=x)
    retry_after(login(s, p["email"], PASSWORD, expect=429, source=x))


@test
def test_concurrent_guesses_from_one_address_cannot_overshoot():
    """20 wrong passwords at once from one address, each for another account, record at
    most 10 failures; the rest are 429"""
    s = main_server()
    a = random_loopback()
    codes = []
    threads = [threading.Thread(target=lambda i=i: codes.append(
        login(s, unique_email("nobody"), f"并发猜测-{i:04d}", expect=None, source=a).status))
        for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rows = psql(f"SELECT count(*) FROM login_failures WHERE client_net = '{net(a)}'")
    assert rows == [["10"]], rows
    assert sorted(codes) == [401] * 10 + [429] * 10, codes


@test
def test_ipv6_clients_are_throttled_per_64():
    """a server on [::1]: failed logins from ::1 are counted for its /64 and block it"""
    srv = Server("ipv6", host="::1")
    try:
        _, body = register(srv, source="::1")
        for i in range(10):
            login(srv, body["email"], f"错误口令-{i:04d}", expect=401, source="::1")
        rows = psql(f"SELECT DISTINCT client_net FROM login_failures WHERE email = '{body['email']}'")
        assert rows == [["::/64"]], rows
        assert 880 <= retry_after(login(srv, body["email"], PASSWORD, expect=429, source="::1")) <= 900
        assert psql("SELECT count(*) FROM registrations WHERE client_net = '::/64'") != [["0"]]
    finally:
        psql("DELETE FROM login_failures WHERE client_net = '::/64';"
             " DELETE FROM login_blocks WHERE client_net = '::/64';"
             " DELETE FROM registrations WHERE client_net = '::/64'")
        srv.stop()


def registration(name="淄博固废研究院"):
    return {"email": unique_email("reg"), "password": PASSWORD, "display_name": "刘工",
            "organization": {"name": name, "kind": "research_institute"}}


def timed(srv, body, source, headers=None):
    t0 = time.monotonic()
    r = srv.request("POST", "/v1/auth/register", body, source=source, headers=headers)
    return r, time.monotonic() - t0


@test
def test_registrations_are_limited_per_address_across_servers():
    """10 registrations from one address are 201, the 11th is 429 with Retry-After before any
    hashing and creates nothing; a replay by Idempotency-Key is still 201; another address
    registers; a second server sharing the database refuses the same address"""
    s = main_server()
    a, b = random_loopback(), random_loopback()
    # refused for validation: not counted
    for _ in range(12):
        problem(s.request("POST", "/v1/auth/register", dict(registration(), password="短"),
                          source=a), 422, "password")
    key = f"throttle-{time.time_ns()}"
    first = registration()
    made = []
    for i in range(10):
        r, secs = timed(s, first if i == 0 else registration(), a,
                        headers={"Idempotency-Key": key} if i == 0 else None)
        assert r.status == 201, r
        made.append(secs)
    refused = []
    for _ in range(3):
        body = registration()
        r, secs = timed(s, body, a)
        wait = int(r.header("Retry-After") or 0)
        p = problem(r, 429)
        assert p["type"].endswith("/rate-limited"), p
        assert 0 < wait <= 900, r.headers
        assert psql(f"SELECT count(*) FROM users WHERE email = '{body['email']}'") == [["0"]]
        refused.append(secs)
    # no argon2 hash was computed for a refusal: it is answered far faster
    assert max(refused) < statistics.median(made) / 2, (refused, made)
    r = s.request("POST", "/v1/auth/register", first, source=a, headers={"Idempotency-Key": key})
    assert r.status == 201 and r.header("Idempotent-Replayed") == "true", r
    assert psql(f"SELECT count(*) FROM registrations WHERE client_net = '{net(a)}'") == [["10"]]
    assert s.request("POST", "/v1/auth/register", registration(), source=b).status == 201

    other = Server("register-2")
    try:
        problem(other.request("POST", "/v1/auth/register", registration(), source=a), 429)
        assert other.request("POST", "/v1/auth/register", registration(), source=b).status == 201
    finally:
        other.stop()
    # the window passes
    psql(f"UPDATE registrations SET at = at - interval '16 minutes' WHERE client_net = '{net(a)}'")
    assert s.request("POST", "/v1/auth/register", registration(), source=a).status == 201


@test
def test_register_rate_zero_is_unlimited_and_bounds_are_checked():
    """TECHEX_REGISTER_RATE=0 lifts the limit; a value out of 0..100000 stops start-up"""
    srv = Server("register-unlimited", env={"TECHEX_REGISTER_RATE": "0"})
    try:
        a = random_loopback()
        psql("INSERT INTO registrations (client_net) SELECT '" + net(a) + "' FROM generate_series(1, 20)")
        assert srv.request("POST", "/v1/auth/register", registration(), source=a).status == 201
        problem(main_server().request("POST", "/v1/auth/register", registration(), source=a), 429)
    finally:
        srv.stop()
    from harness import techex
    for bad in ("-1", "100001", "ten"):
        p = techex("serve", env={"TECHEX_REGISTER_RATE": bad})
        assert p.returncode == 2 and "TECHEX_REGISTER_RATE" in p.stderr, (bad, p.stderr)


def login_via(s, email, password, proxy, forwarded):
    """A login arriving from `proxy` with X-Forwarded-For `forwarded`."""
    return s.request("POST", "/v1/auth/login", {"email": email, "password": password},
                     headers={"X-Forwarded-For": forwarded}, source=proxy)


@test
def test_behind_a_trusted_proxy_each_client_is_throttled_on_its_own():
    """with TECHEX_TRUSTED_PROXIES, a proxy's clients are throttled by the address the proxy
    saw (the right-most untrusted X-Forwarded-For hop), not all as the proxy: one client's 10
    failures block it and not its neighbour; what a client writes into X-Forwarded-For
    itself changes nothing, and an untrusted peer's header is ignored"""
    proxy, stranger = random_loopback(), random_loopback()
    s = Server("proxied", env={"TECHEX_TRUSTED_PROXIES": f"{proxy}, 10.0.0.0/8"})
    try:
        _, body = register(s, name="淄博市张店区赤泥建材厂")
        email = body["email"]
        bad_client, good_client = "198.51.100.7", "198.51.100.8"
        for i in range(10):
            # the client prepends a fresh address each time: ignored
            r = login_via(s, unique_email("nobody"), f"错误口令-{i:04d}", proxy,
                          f"203.0.113.{i + 1}, {bad_client}, 10.1.2.3")
            assert r.status == 401, r
        retry_after(login_via(s, email, PASSWORD, proxy, f"{bad_client}, 10.9.9.9"))
        assert login_via(s, email, PASSWORD, proxy, good_client).status == 200
        assert login_via(s, email, PASSWORD, proxy, "2001:db8::1").status == 200
        # the block is on the client, not on the proxy
        rows = psql("SELECT client_net FROM login_failures WHERE client_net << '198.51.100.0/24'")
        assert rows and all(r == [net(bad_client)] for r in rows), rows
        # a peer that is not a trusted proxy is the client, whatever it forwards
        for i in range(10):
            assert login_via(s, unique_email("nobody"), f"错误口令-{i:04d}", stranger,
                             good_client).status == 401
        retry_after(login_via(s, email, PASSWORD, stranger, "198.51.100.99"))
        assert login_via(s, email, PASSWORD, proxy, good_client).status == 200
    finally:
        s.stop()
    out = techex_serve_error({"TECHEX_TRUSTED_PROXIES": "proxy.example"})
    assert "TECHEX_TRUSTED_PROXIES" in out and "proxy.example" in out, out


def techex_serve_error(env):
    from harness import techex
    p = techex("serve", env=env, timeout=10)
    assert p.returncode == 2, (p.returncode, p.stderr)
    return p.stderr
