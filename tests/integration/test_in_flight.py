"""Transactions in flight: a worker runs each request's transaction on a fiber with a
connection of its own, so while one waits for PostgreSQL (a row lock, a commit's fsync) the
same thread serves the next request (TECHEX_WORKER_TRANSACTIONS per worker)."""

import threading
import time

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
