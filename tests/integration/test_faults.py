"""Faults: PostgreSQL restarted under load, and the server killed with SIGKILL in the
middle of a stream of bids, accepts, signatures and payments. TechEx recovers by itself;
everything it acknowledged is there afterwards, and nothing is half done."""

import os
import signal
import subprocess
import threading
import time

from harness import (PGDIR, ROOT, Server, member, problem, psql, publish_listing, techex, test)
from common import main_server
from deal_fixtures import NEGOTIABLE
from test_listings import PATENT

PG = ["sh", os.path.join(ROOT, "scripts/pg.sh")]


def loop_metric(srv, name):
    for line in srv.metrics().body.decode().splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(f"no {name} in /metrics")


@test
def test_postgresql_restart_under_load():
    """eight clients keep reading and writing while PostgreSQL stops for two seconds: they get
    503 problems with Retry-After (never a 500 or a hang) while it is down, 2xx again after,
    the server process never restarts, and every worker and the I/O loop's connection is back"""
    srv = Server("pgload", env={"TECHEX_WORKERS": "4", "TECHEX_BID_RATE": "0"})
    pid = srv.proc.pid
    try:
        uni, _, _, _ = member(srv, name="中铝郑州研究院", verified=True)
        lid = publish_listing(srv, uni, NEGOTIABLE)["id"]
        ents = [member(srv, kind="enterprise", name=f"淄博固废利用{i}号有限公司", verified=True)[0]
                for i in range(4)]
        stop = threading.Event()
        seen = {}  # phase -> {status: count}
        phase = ["before"]
        errors = []
        lock = threading.Lock()
        bid = {"amount_fen": 1200000, "transaction_mode": "non_exclusive_license",
               "message": "普通许可，用于钛石膏制砖。",
               "terms": {"royalty_bp": 200, "term_months": 24, "territory": "淄博市"}}

        def client(i):
            tok = ents[i % 4]
            while not stop.is_set():
                try:
                    if i % 2:
                        r = srv.request("POST", f"/v1/listings/{lid}/bids", bid, token=tok,
                                        timeout=15)
                    elif i % 4:
                        r = srv.request("GET", "/v1/me", token=tok, timeout=15)
                    else:  # anonymous: the I/O loop's own connection answers
                        r = srv.request("GET", f"/v1/listings/{lid}", timeout=15)
                except Exception as e:  # noqa: BLE001 - a hang or a reset is a failure
                    errors.append(repr(e))
                    continue
                with lock:
                    d = seen.setdefault(phase[0], {})
                    d[r.status] = d.get(r.status, 0) + 1
                if r.status == 503:
                    problem(r, 503)
                    assert r.header("Retry-After"), r.headers
                time.sleep(0.01)

        threads = [threading.Thread(target=client, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        time.sleep(1)
        phase[0] = "down"
        subprocess.run(PG + ["stop", PGDIR], check=True, capture_output=True)
        time.sleep(2)
        subprocess.run(PG + ["start", PGDIR], check=True, capture_output=True)
        phase[0] = "recovering"
        deadline = time.time() + 15
        while time.time() < deadline and srv.request("GET", "/readyz").status != 200:
            time.sleep(0.2)
        time.sleep(1)
        phase[0] = "after"
        loop_reads = loop_metric(srv, "techex_loop_reads_total")
        time.sleep(2)
        stop.set()
        for t in threads:
            t.join(30)
        assert not any(t.is_alive() for t in threads), "a client is stuck"
        assert not errors, errors[:5]
        print(f"    statuses by phase: {seen}")
        allowed = {200, 201, 503}
        for ph, d in seen.items():
            assert set(d) <= allowed, (ph, d)
        assert seen["down"].get(503, 0) > 0, seen
        assert seen["after"].get(503, 0) == 0 and seen["after"].get(200, 0) > 0, seen
        assert seen["after"].get(201, 0) > 0, seen
        # every worker answers: as many concurrent requests as workers, twice over
        results = []
        ts = [threading.Thread(target=lambda: results.append(
            srv.request("GET", "/v1/me", token=ents[0]).status)) for _ in range(8)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(10)
        assert results == [200] * 8, results
        # and the I/O loop's connection is back and answering again
        assert loop_metric(srv, "techex_loop_db_ready") == 1
        assert loop_metric(srv, "techex_loop_reads_total") > loop_reads
        assert srv.proc.poll() is None and srv.proc.pid == pid
    finally:
        srv.stop()


@test
def test_kill_9_mid_stream_loses_nothing_acknowledged():
    """SIGKILL while clients bid, accept, sign, pay and confirm: after a restart `techex
    check` passes and every request that got a 2xx is there, whole"""
    env = {"TECHEX_WORKERS": "4", "TECHEX_BID_RATE": "0"}
    srv = Server("kill9", env=env)
    uni, _, uni_org, _ = member(srv, name="山东理工大学资源与环境工程学院", verified=True)
    lids = [publish_listing(srv, uni, NEGOTIABLE)["id"] for _ in range(3)]
    buyers = [member(srv, kind="enterprise", name=f"淄博赤泥建材{i}号有限公司", verified=True)[0]
              for i in range(4)]
    acked = []  # (kind, id, extra) for every 2xx
    lock = threading.Lock()
    stop = threading.Event()

    def note(kind, oid, extra=None):
        with lock:
            acked.append((kind, oid, extra))

    def flow(i):
        tok = buyers[i]
        lid = lids[i % len(lids)]
        n = 0
        while not stop.is_set():
            n += 1
            try:
                r = srv.request("POST", f"/v1/listings/{lid}/bids",
                                {"amount_fen": 800000 + n,
                                 "transaction_mode": "non_exclusive_license",
                                 "message": f"第{n}次报价：用于赤泥路基材料。",
                                 "terms": {"royalty_bp": 250, "term_months": 36,
                                           "territory": "山东省"}}, token=tok, timeout=5)
                if r.status != 201:
                    continue
                bid_id = r.json()["id"]
                note("bid", bid_id)
                r = srv.request("POST", f"/v1/bids/{bid_id}/accept", token=uni, timeout=5)
                if r.status != 201:
                    continue
                cid = r.json()["contract"]["id"]
                note("accept", bid_id, cid)
                for who, party in ((uni, "licensor"), (tok, "licensee")):
                    g = srv.request("GET", f"/v1/contracts/{cid}", token=who, timeout=5)
                    if g.status != 200:
                        break
                    r = srv.request("POST", f"/v1/contracts/{cid}/sign",
                                    {"digest": g.json()["digest"]}, token=who, timeout=5)
                    if r.status != 200:
                        break
                    note("sign", cid, party)
                else:
                    r = srv.request("POST", f"/v1/contracts/{cid}/payments",
                                    {"amount_fen": 1000001 + n, "kind": "upfront",
                                     "paid_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                                     "reference": f"建行转账 {n:04d}"}, token=tok, timeout=5)
                    if r.status != 201:
                        continue
                    pid = r.json()["id"]
                    note("payment", pid, 1000001 + n)
                    r = srv.request("POST", f"/v1/payments/{pid}/confirm", token=uni, timeout=5)
                    if r.status == 200:
                        note("confirm", pid, 1000001 + n)
            except Exception:  # noqa: BLE001 - the server died under us: expected
                time.sleep(0.05)

    threads = [threading.Thread(target=flow, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    time.sleep(4)
    srv.proc.send_signal(signal.SIGKILL)
    srv.proc.wait(10)
    stop.set()
    for t in threads:
        t.join(30)
    kinds = {k: sum(1 for a in acked if a[0] == k) for k in
             ("bid", "accept", "sign", "payment", "confirm")}
    print(f"    acknowledged before the kill: {kinds}")
    assert kinds["confirm"] > 0, kinds  # the stream reached every step

    srv2 = Server("kill9-after", env=env)
    try:
        assert srv2.request("GET", "/readyz").status == 200
        p = techex("check")
        assert p.returncode == 0, p.stdout + p.stderr

        def ids(kind):
            return [(oid, extra) for k, oid, extra in acked if k == kind]

        def rows(sql):
            return {r[0]: r[1:] for r in psql(sql)}

        def in_list(pairs):
            return ",".join(f"'{oid}'" for oid, _ in pairs) or "NULL"

        got = rows(f"SELECT id, status FROM bids WHERE id IN ({in_list(ids('bid'))})")
        assert set(got) == {oid for oid, _ in ids("bid")}, "an acknowledged bid is missing"
        got = rows("SELECT b.id, b.status, c.id FROM bids b JOIN contracts c ON c.bid_id = b.id"
                   f" WHERE b.id IN ({in_list(ids('accept'))})")
        for oid, cid in ids("accept"):
            assert got.get(oid) == ["accepted", cid], (oid, got.get(oid))
        got = psql("SELECT contract_id || ' ' || party FROM contract_signatures"
                   f" WHERE contract_id IN ({in_list(ids('sign'))})")
        have = {r[0] for r in got}
        for cid, party in ids("sign"):
            assert f"{cid} {party}" in have, (cid, party)
        got = rows("SELECT p.id, p.amount_fen, p.status, (SELECT sum(amount_fen)"
                   " FROM ledger_entries e WHERE e.payment_id = p.id)"
                   f" FROM payments p WHERE p.id IN ({in_list(ids('payment'))})")
        for pid, amount in ids("payment"):
            assert got[pid][0] == str(amount), (pid, got.get(pid))
        for pid, amount in ids("confirm"):
            assert got[pid][1:] == ["confirmed", str(amount)], (pid, got.get(pid))
    finally:
        srv2.stop()


@test
def test_a_serialization_failure_runs_the_transaction_again():
    """a transaction that meets a serialization failure (SQLSTATE 40001) is run again from the
    start and its answer is the second run's; one that keeps failing is 503 busy with
    Retry-After, and nothing of any run stays"""
    s = main_server()
    tok, _, org, _ = member(s, kind="research_institute", name="重试探针研究院", verified=True)
    psql("CREATE SEQUENCE retry_probe_seq; CREATE TABLE retry_probe (fail_first int);"
         " INSERT INTO retry_probe VALUES (2);"
         " CREATE FUNCTION retry_probe() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$ BEGIN"
         "  IF nextval('retry_probe_seq') <= (SELECT fail_first FROM retry_probe) THEN"
         "   RAISE EXCEPTION 'retry probe' USING ERRCODE = '40001'; END IF;"
         "  RETURN NEW; END $$;"
         " CREATE TRIGGER retry_probe BEFORE INSERT ON listings FOR EACH ROW"
         "  WHEN (NEW.title LIKE '重试探针%') EXECUTE FUNCTION retry_probe();")
    try:
        body = dict(PATENT, title="重试探针·赤泥陶粒（第三次成功）")
        r = s.request("POST", "/v1/listings", body, token=tok)
        assert r.status == 201, r
        assert psql("SELECT last_value FROM retry_probe_seq") == [["3"]]
        assert "retrying after SQLSTATE 40001" in s.read_log()
        psql("ALTER SEQUENCE retry_probe_seq RESTART; UPDATE retry_probe SET fail_first = 100")
        body = dict(PATENT, title="重试探针·赤泥陶粒（始终冲突）")
        p = problem(s.request("POST", "/v1/listings", body, token=tok), 503)
        assert p["type"].endswith("/busy"), p
        assert int(s.request("POST", "/v1/listings", body, token=tok).header("Retry-After")) >= 1
        assert psql(f"SELECT count(*) FROM listings WHERE org_id = '{org['id']}'") == [["1"]]
    finally:
        psql("DROP TRIGGER retry_probe ON listings; DROP FUNCTION retry_probe();"
             " DROP TABLE retry_probe; DROP SEQUENCE retry_probe_seq")
