"""Round trips to the database: what nobody reads the result of (BEGIN, an audit row, an
event, a stored Idempotency-Key response) rides along with the next statement or the COMMIT
in one pipeline, so a bid waits on six round trips instead of nine, and a failure of one of
them still fails the whole request."""

import uuid

from deal_fixtures import NEGOTIABLE, offer
from harness import Server, member, problem, psql, publish_listing, techex, test


def series(srv, name):
    for line in srv.metrics().body.decode().splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(f"{name} is not in /metrics")


@test
def test_a_bid_costs_six_round_trips_and_keeps_its_audit_row_and_replay():
    """a bid with an Idempotency-Key costs six round trips (BEGIN with the session, the key,
    the rate limit, the listing, the insert, then the audit row, the stored response and
    COMMIT together); the audit row and the stored response are really written (a retry with
    the key replays the 201) and a failed bid leaves neither behind"""
    srv = Server("round-trips", env={"TECHEX_WORKERS": "1", "TECHEX_LOOP_CONNECTIONS": "0"})
    try:
        owner, _, _, _ = member(srv, name="中铝郑州有色金属研究院", verified=True)
        bidder, _, _, _ = member(srv, kind="enterprise", name="淄博赤泥综合利用有限公司",
                                 verified=True)
        lids = [publish_listing(srv, owner, NEGOTIABLE)["id"] for _ in range(2)]
        # the first bid prepares the statements on the worker's connection
        warm = srv.request("POST", f"/v1/listings/{lids[0]}/bids", offer(), token=bidder,
                           headers={"Idempotency-Key": str(uuid.uuid4())})
        assert warm.status == 201, warm
        key = str(uuid.uuid4())
        trips = series(srv, "techex_db_round_trips_total")
        deferred = series(srv, "techex_db_deferred_total")
        r = srv.request("POST", f"/v1/listings/{lids[1]}/bids", offer(), token=bidder,
                        headers={"Idempotency-Key": key})
        assert r.status == 201, r
        assert series(srv, "techex_db_round_trips_total") - trips == 6
        # BEGIN, the bid.received event, the audit row, the stored response
        assert series(srv, "techex_db_deferred_total") - deferred == 4
        bid_id = r.json()["id"]
        assert psql(f"SELECT action FROM audit_log WHERE object_id = '{bid_id}'") == [["bid.create"]]
        again = srv.request("POST", f"/v1/listings/{lids[1]}/bids", offer(), token=bidder,
                            headers={"Idempotency-Key": key})
        assert again.status == 201 and again.json() == r.json(), again
        assert psql(f"SELECT count(*) FROM bids WHERE listing_id = '{lids[1]}'") == [["1"]]
        # a refused bid (an amount over the limit) writes nothing, audit row included
        before = psql("SELECT count(*) FROM audit_log")
        problem(srv.request("POST", f"/v1/listings/{lids[1]}/bids",
                            offer(amount=10**15 + 1), token=bidder), 422, "amount_fen")
        assert psql("SELECT count(*) FROM audit_log") == before
        # a read without a transaction is one round trip (once its statement is prepared)
        assert srv.request("GET", "/v1/me", token=bidder).status == 200
        trips = series(srv, "techex_db_round_trips_total")
        assert srv.request("GET", "/v1/me", token=bidder).status == 200
        assert series(srv, "techex_db_round_trips_total") - trips == 1
    finally:
        srv.stop()


@test
def test_a_deferred_statement_that_fails_fails_the_transaction():
    """when a statement that rode along with the COMMIT fails (the audit log refuses the row),
    the request is an error and nothing it wrote stays: the bid is not there either"""
    srv = Server("round-trips-fail", env={"TECHEX_WORKERS": "1"})
    try:
        owner, _, _, _ = member(srv, name="山东理工大学", verified=True)
        bidder, _, _, _ = member(srv, kind="enterprise", name="山东金卡材料有限公司",
                                 verified=True)
        lid = publish_listing(srv, owner, NEGOTIABLE)["id"]
        psql("CREATE FUNCTION refuse_bid_audit() RETURNS trigger LANGUAGE plpgsql AS $$"
             " BEGIN IF NEW.action = 'bid.create' THEN"
             " RAISE EXCEPTION 'audit refused for the test'; END IF; RETURN NEW; END $$")
        psql("CREATE TRIGGER refuse_bid_audit BEFORE INSERT ON audit_log FOR EACH ROW"
             " EXECUTE FUNCTION refuse_bid_audit()")
        try:
            r = srv.request("POST", f"/v1/listings/{lid}/bids", offer(), token=bidder)
            problem(r, 500)
            assert psql(f"SELECT count(*) FROM bids WHERE listing_id = '{lid}'") == [["0"]]
        finally:
            psql("DROP TRIGGER refuse_bid_audit ON audit_log")
            psql("DROP FUNCTION refuse_bid_audit()")
        # the connection is fine afterwards
        r = srv.request("POST", f"/v1/listings/{lid}/bids", offer(), token=bidder)
        assert r.status == 201, r
        assert psql(f"SELECT count(*) FROM bids WHERE listing_id = '{lid}'") == [["1"]]
    finally:
        srv.stop()


@test
def test_a_confirmation_commits_with_its_last_statement():
    """a payment's confirmation waits on four round trips (BEGIN with the session, the payment
    and its contract locked, the plan with the chain's last link, then the ledger's entries,
    the audit row, the event, the decision and the COMMIT together), so the contract's chain is
    held for two; when a statement in that last pipeline fails, nothing of it stays: the payment
    is still reported and the ledger empty, and the next confirmation books it"""
    from test_revenue import active_contract, pay
    srv = Server("round-trips-confirm", env={"TECHEX_WORKERS": "1", "TECHEX_LOOP_CONNECTIONS": "0"})
    try:
        seller, buyer, contract = active_contract()
        first = pay(buyer[0], contract["id"], 1200000, reference="工行转账 甲")["id"]
        second = pay(buyer[0], contract["id"], 3400000, reference="工行转账 乙")["id"]
        # the first confirmation prepares the statements on the worker's connection
        r = srv.request("POST", f"/v1/payments/{first}/confirm", token=seller[0])
        assert r.status == 200 and r.json()["status"] == "confirmed", r
        psql("CREATE FUNCTION refuse_confirm_audit() RETURNS trigger LANGUAGE plpgsql AS $$"
             " BEGIN IF NEW.action = 'payment.confirm' THEN"
             " RAISE EXCEPTION 'audit refused for the test'; END IF; RETURN NEW; END $$")
        psql("CREATE TRIGGER refuse_confirm_audit BEFORE INSERT ON audit_log FOR EACH ROW"
             " EXECUTE FUNCTION refuse_confirm_audit()")
        try:
            problem(srv.request("POST", f"/v1/payments/{second}/confirm", token=seller[0]), 500)
        finally:
            psql("DROP TRIGGER refuse_confirm_audit ON audit_log")
            psql("DROP FUNCTION refuse_confirm_audit()")
        assert psql(f"SELECT status FROM payments WHERE id = '{second}'") == [["reported"]]
        assert psql(f"SELECT count(*) FROM ledger_entries WHERE payment_id = '{second}'") == [["0"]]
        trips = series(srv, "techex_db_round_trips_total")
        r = srv.request("POST", f"/v1/payments/{second}/confirm", token=seller[0])
        assert r.status == 200 and r.json()["status"] == "confirmed", r
        assert series(srv, "techex_db_round_trips_total") - trips == 4
        assert sum(e["amount_fen"] for e in r.json()["split"]) == 3400000, r.json()
        assert psql(f"SELECT count(*) > 0 FROM ledger_entries WHERE payment_id = '{second}'") == \
            [["t"]]
        assert psql("SELECT count(*) FROM audit_log WHERE action = 'payment.confirm'"
                    f" AND object_id = '{second}'") == [["1"]]
        check = techex("check")
        assert check.returncode == 0, check.stdout + check.stderr
    finally:
        srv.stop()
