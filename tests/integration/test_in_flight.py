"""Transactions in flight: a worker runs each request's transaction on a fiber with a
connection of its own, so while one waits for PostgreSQL (a row lock, a commit's fsync) the
same thread serves the next request (TECHEX_WORKER_TRANSACTIONS per worker)."""

import re
import socket
import threading
import time

import harness
from deal_fixtures import NEGOTIABLE, offer
from harness import Server, member, psql, publish_listing, test


def wait_for(sql, timeout=10):
    end = time.time() + timeout
    while time.time() < end:
        if psql(sql) == [["1"]]:
            return
        time.sleep(0.05)
    raise AssertionError(f"never true: {sql}")


def lock_then_read(transactions):
    """Holds a listing's row lock from psql while a bid on it waits for the lock, then reads
    /v1/me; returns the order in which the bid and the read came back, and their statuses."""
    srv = Server(f"in-flight-{transactions}",
                 env={"TECHEX_WORKERS": "1", "TECHEX_LOOP_CONNECTIONS": "0",
                      "TECHEX_WORKER_TRANSACTIONS": str(transactions)})
    try:
        owner, _, _, _ = member(srv, name="中铝山东有限公司研究院", verified=True)
        bidder, _, _, _ = member(srv, kind="enterprise", name="淄博赤泥建材有限公司", verified=True)
        lid = publish_listing(srv, owner, NEGOTIABLE)["id"]
        order, statuses = [], {}
        holder = threading.Thread(target=psql, args=(
            f"BEGIN; SELECT 1 FROM listings WHERE id = '{lid}' FOR UPDATE;"
            " SELECT pg_sleep(2.5) /* in-flight lock */; COMMIT;",))
        holder.start()
        wait_for("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%in-flight lock%'"
                 " AND state = 'active' AND pid <> pg_backend_pid()")

        def bid():
            r = srv.request("POST", f"/v1/listings/{lid}/bids", offer(), token=bidder)
            statuses["bid"] = r.status
            order.append("bid")

        bidding = threading.Thread(target=bid)
        bidding.start()
        # the bid's transaction now waits for the row lock
        wait_for("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                 " AND datname = current_database()")
        r = srv.request("GET", "/v1/me", token=bidder)
        statuses["me"] = r.status
        order.append("me")
        bidding.join()
        holder.join()
        return order, statuses
    finally:
        srv.stop()


@test
def test_a_transaction_waiting_for_a_lock_does_not_hold_up_the_worker():
    """with one worker, a bid waiting for its listing's row lock does not hold up a reader:
    the read comes back first and the bid still succeeds once the lock is free; with one
    transaction per worker the read waits behind the bid"""
    order, statuses = lock_then_read(4)
    assert statuses == {"bid": 201, "me": 200}, statuses
    assert order == ["me", "bid"], order
    order, statuses = lock_then_read(1)
    assert statuses == {"bid": 201, "me": 200}, statuses
    assert order == ["bid", "me"], order


class SilentHost:
    """The first host of a multi-host DATABASE_URL: refused at first (libpq goes on to the
    real host), then, once holding, a host that takes connections and never answers, as
    one that went away mid-failover does, until connect_timeout sends libpq on."""

    def __init__(self):
        self.port = harness.free_port()
        self.sock = None
        self.held = []
        self.lock = threading.Lock()

    def hold(self):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", self.port))
        self.sock.listen(16)
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                self.held.append(conn)

    def count_held(self):
        with self.lock:
            return len(self.held)

    def close(self):
        if self.sock is not None:
            self.sock.close()
        with self.lock:
            for conn in self.held:
                conn.close()


@test
def test_a_transaction_reconnecting_does_not_hold_up_the_worker():
    """with one worker, a request whose reconnect waits on a silent first host of a multi-host DATABASE_URL does not hold up a read on the worker's other connection, and succeeds on the next host once connect_timeout gives up on the first"""
    silent = SilentHost()
    url = harness.DATABASE_URL
    url = re.sub(r"\bhost=(\S+)", r"host=127.0.0.1,\1", url)
    url = re.sub(r"\bport=(\S+)", rf"port={silent.port},\1", url) + " connect_timeout=8"
    srv = Server("in-flight-reconnect",
                 env={"TECHEX_WORKERS": "1", "TECHEX_LOOP_CONNECTIONS": "0",
                      "TECHEX_WORKER_TRANSACTIONS": "2", "DATABASE_URL": url})
    try:
        tok, _, _, _ = member(srv, name="山东理工大学资源化研究中心", verified=True)
        assert srv.request("GET", "/v1/me", token=tok).status == 200
        # the first transaction slot served everything so far: its session ends, and the
        # next request finds out and reconnects, which the silent host now holds up
        silent.hold()
        killed = psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                      " WHERE application_name = 'techex-worker' AND pid <> pg_backend_pid()"
                      " ORDER BY state_change DESC LIMIT 1")
        assert killed == [["t"]], killed
        statuses = {}

        def first():
            statuses["first"] = srv.request("GET", "/v1/me", token=tok, timeout=60).status

        reconnecting = threading.Thread(target=first)
        reconnecting.start()
        end = time.time() + 5
        while silent.count_held() == 0 and time.time() < end:
            time.sleep(0.02)
        assert silent.count_held() == 1, "the reconnect never reached the silent host"
        # meanwhile the worker's other connection answers
        r = srv.request("GET", "/v1/me", token=tok, timeout=30)
        assert r.status == 200 and r.json()["user"]["display_name"], r
        assert reconnecting.is_alive(), "the read came back only after the reconnect"
        reconnecting.join(30)
        assert statuses == {"first": 200}, statuses
    finally:
        silent.close()
        srv.stop()
