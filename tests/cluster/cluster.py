"""make test-cluster: the real thing on one machine, then the loss of its primary.

A primary PostgreSQL and a synchronous streaming replica made from it with
pg_basebackup; two TechEx servers behind HAProxy, each with a multi-host
DATABASE_URL (target_session_attrs=read-write) and DATABASE_READ_URL on the
replica. It proves, through HAProxy:

1. anonymous reads and searches are answered from the replica;
2. with the replica down they are answered from the primary, none fails;
3. under a bid load, `kill -9` of the primary and promotion of the replica lose
   no acknowledged bid (every 201 is on the new primary), and prints how long
   no bid was acknowledged.

Standard library only; every helper it starts (PostgreSQL twice, two servers,
HAProxy) is stopped at the end, whatever happened. Ends with "N passed, N failed".
"""

import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.path.join(ROOT, os.environ.get("TECHEX_BIN", "bin/techex"))
WORK = os.path.join(ROOT, "var", "cluster")
PASSWORD = "赤泥综合利用-技术转让-2026"
METRICS_TOKEN = "cluster-metrics-" + uuid.uuid4().hex
IS_ROOT = os.geteuid() == 0
PGBIN = sorted((d for d in (os.path.join("/usr/lib/postgresql", v, "bin")
                            for v in os.listdir("/usr/lib/postgresql"))
                if os.path.isdir(d)), key=lambda d: [int(x) for x in d.split("/")[-2].split(".")])[-1]

results = []
cleanups = []


def say(msg):
    print(f"cluster: {msg}", flush=True)


def check(name, ok, detail=""):
    results.append(bool(ok))
    print(f"{'PASS' if ok else 'FAIL'} {name}{': ' + detail if detail else ''}", flush=True)


def as_owner(cmd, **kw):
    """Runs a PostgreSQL program as the postgres user when we are root."""
    if IS_ROOT:
        cmd = ["runuser", "-u", "postgres", "--"] + cmd
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Postgres:
    """One PostgreSQL cluster in a directory of its own, reached by its socket."""

    def __init__(self, name):
        base = tempfile.mkdtemp(prefix=f"techex-{name}-")
        os.chmod(base, 0o755)
        if IS_ROOT:
            shutil.chown(base, "postgres", "postgres")
        self.name = name
        self.base = base
        self.data = os.path.join(base, "data")
        self.sock = os.path.join(base, "run")
        cleanups.append(self.destroy)

    def url(self, user="techex"):
        return f"host={self.sock} port=5432 dbname=techex user={user}"

    def initdb(self, sync_name):
        out = as_owner([f"{PGBIN}/initdb", "-D", self.data, "-U", "postgres", "--auth=trust",
                        "-E", "UTF8", "--locale=C.UTF-8"])
        assert out.returncode == 0, out.stderr
        self._conf([f"listen_addresses = ''", f"unix_socket_directories = '{self.sock}'",
                    "max_connections = 200", "shared_buffers = 128MB", "wal_level = replica",
                    "max_wal_senders = 5", "wal_keep_size = '256MB'",
                    # the synchronous standby is named now, and only required from phase 3
                    f"# synchronous standby: {sync_name}"])

    def basebackup(self, primary, app_name):
        out = as_owner([f"{PGBIN}/pg_basebackup", "-D", self.data, "-h", primary.sock, "-p", "5432",
                        "-U", "postgres", "-X", "stream", "-c", "fast", "-R"])
        assert out.returncode == 0, out.stderr
        self._conf([f"unix_socket_directories = '{self.sock}'",
                    f"primary_conninfo = 'host={primary.sock} port=5432 user=postgres "
                    f"application_name={app_name}'"])

    def _conf(self, lines):
        path = os.path.join(self.data, "postgresql.auto.conf")
        text = "".join(line + "\n" for line in lines)
        out = as_owner(["sh", "-c", f"cat >> '{path}'"], input=text)
        assert out.returncode == 0, out.stderr

    def start(self):
        as_owner(["mkdir", "-p", self.sock])
        as_owner(["chmod", "700", self.sock])
        out = as_owner([f"{PGBIN}/pg_ctl", "-D", self.data, "-l", os.path.join(self.data, "server.log"),
                        "-w", "-t", "60", "start"])
        assert out.returncode == 0, out.stdout + out.stderr + self.log_tail()

    def stop(self, mode="fast"):
        as_owner([f"{PGBIN}/pg_ctl", "-D", self.data, "-m", mode, "-w", "stop"])

    def kill9(self):
        """kill -9 of the postmaster and every process it started, at once: the host is lost
        (a postmaster killed alone leaves its backends to finish what they were doing)."""
        with open(os.path.join(self.data, "postmaster.pid")) as f:
            pid = int(f.readline())
        os.kill(pid, signal.SIGSTOP)  # no new backend from here on
        subprocess.run(["pkill", "-9", "-P", str(pid)], capture_output=True)
        os.kill(pid, signal.SIGKILL)
        return pid

    def promote(self):
        out = as_owner([f"{PGBIN}/pg_ctl", "-D", self.data, "-w", "promote"])
        assert out.returncode == 0, out.stdout + out.stderr

    def sql(self, q, db="techex"):
        out = subprocess.run([f"{PGBIN}/psql", "-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1", "-h",
                              self.sock, "-U", "postgres", "-d", db],
                             input=q, capture_output=True, text=True)
        if out.returncode != 0:
            raise RuntimeError(out.stderr)
        return out.stdout.strip()

    def log_tail(self):
        try:
            with open(os.path.join(self.data, "server.log"), errors="replace") as f:
                return f.read()[-2000:]
        except OSError:
            return ""

    def destroy(self):
        if os.path.exists(os.path.join(self.data, "postmaster.pid")):
            as_owner([f"{PGBIN}/pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop"])
        # backends of a postmaster killed with SIGKILL leave by themselves; make sure
        subprocess.run(["pkill", "-9", "-f", f"-D {self.data}"], capture_output=True)
        shutil.rmtree(self.base, ignore_errors=True)


class Process:
    """A helper process whose output goes to var/cluster/<name>.log."""

    def __init__(self, name, cmd, env=None):
        self.name = name
        self.log_path = os.path.join(WORK, f"{name}.log")
        self.log = open(self.log_path, "wb")
        e = dict(os.environ)
        e.update(env or {})
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=self.log, env=e)
        cleanups.append(self.stop)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()

    def read_log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")


def request(port, method, path, body=None, token=None, headers=None, source=None, timeout=10):
    h = dict(headers or {})
    data = None
    if body is not None:
        data = json.dumps(body, ensure_ascii=False).encode()
        h["Content-Type"] = "application/json"
    if token:
        h["Authorization"] = f"Bearer {token}"
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout,
                                   source_address=(source, 0) if source else None)
    try:
        c.request(method, path, body=data, headers=h)
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


def wait_until(what, fn, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if fn():
                return
        except (OSError, RuntimeError, http.client.HTTPException):
            pass
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def metric(port, name):
    status, body = request(port, "GET", "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert status == 200, status
    for line in body.decode().splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(f"no metric {name}")


def anonymous_reads(port, listing_ids, n):
    """n anonymous reads through HAProxy (searches, single listings, statistics);
    returns the statuses that were not 200."""
    bad = []
    paths = ["/v1/listings?q=%E8%B5%A4%E6%B3%A5", "/v1/stats", "/v1/listings?sort=newest&limit=5"]
    for i in range(n):
        path = paths[i % 3] if i % 2 else f"/v1/listings/{listing_ids[i % len(listing_ids)]}"
        status, _ = request(port, "GET", path)
        if status != 200:
            bad.append((path, status))
    return bad


class BidLoad:
    """Threads that keep offering on negotiable listings through HAProxy, each bid with
    its own Idempotency-Key; records every acknowledged (201) bid and when."""

    def __init__(self, port, token, listing_ids, threads=8):
        self.port, self.token, self.ids = port, token, listing_ids
        self.acked = []  # (monotonic time, bid id)
        self.failed = 0
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self.run, daemon=True) for _ in range(threads)]

    def run(self):
        conn = None
        n = 0
        while not self.stopping.is_set():
            n += 1
            body = json.dumps({"amount_fen": 30000000 + n, "transaction_mode": "exclusive_license",
                               "message": "集群测试报价：拟建年处理赤泥30万吨生产线",
                               "terms": {"royalty_bp": 300, "term_months": 60,
                                         "territory": "山东省"}}, ensure_ascii=False).encode()
            headers = {"Content-Type": "application/json", "Authorization": f"Bearer {self.token}",
                       "Idempotency-Key": str(uuid.uuid4())}
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                conn.request("POST", f"/v1/listings/{random.choice(self.ids)}/bids", body=body,
                             headers=headers)
                r = conn.getresponse()
                data = r.read()
                if r.status == 201:
                    with self.lock:
                        self.acked.append((time.monotonic(), json.loads(data)["id"]))
                    continue
                if r.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException):
                if conn is not None:
                    conn.close()
                conn = None
            with self.lock:
                self.failed += 1
            time.sleep(0.02)
        if conn is not None:
            conn.close()

    def start(self):
        for t in self.threads:
            t.start()

    def stop(self):
        self.stopping.set()
        for t in self.threads:
            t.join(timeout=15)

    def count(self):
        with self.lock:
            return len(self.acked)


def scenario():
    os.makedirs(WORK, exist_ok=True)
    primary, replica = Postgres("primary"), Postgres("replica")
    say(f"primary PostgreSQL in {primary.base}")
    primary.initdb("replica1")
    primary.start()
    primary.sql("CREATE ROLE techex LOGIN", db="postgres")
    primary.sql("CREATE DATABASE techex OWNER techex ENCODING 'UTF8' TEMPLATE template0", db="postgres")
    env = {"DATABASE_URL": primary.url()}
    for args in (["migrate"], ["seed-demo"]):
        out = subprocess.run([BIN, *args], capture_output=True, text=True, env={**os.environ, **env})
        assert out.returncode == 0, out.stderr
    say(f"streaming replica from pg_basebackup in {replica.base}")
    replica.basebackup(primary, "replica1")
    replica.start()
    wait_until("the replica to stream", lambda: primary.sql(
        "SELECT count(*) FROM pg_stat_replication WHERE application_name = 'replica1' "
        "AND state = 'streaming'", db="postgres") == "1")

    server_env = {
        # either host may be the primary: libpq finds the one that takes writes
        "DATABASE_URL": (f"host={primary.sock},{replica.sock} port=5432,5432 dbname=techex "
                         "user=techex target_session_attrs=read-write connect_timeout=2"),
        "DATABASE_READ_URL": replica.url() + " connect_timeout=2",
        "TECHEX_METRICS_TOKEN": METRICS_TOKEN, "TECHEX_BID_RATE": "0", "TECHEX_WORKERS": "4",
        "TECHEX_REGISTER_RATE": "0", "TECHEX_LOG_LEVEL": "info",
        "TECHEX_TRUSTED_PROXIES": "127.0.0.1"}
    ports = [free_port(), free_port()]
    servers = [Process(f"techex-{i}", [BIN, "serve"],
                       {**server_env, "TECHEX_LISTEN": f"127.0.0.1:{p}"})
               for i, p in enumerate(ports)]
    for p in ports:
        wait_until(f"the server on {p}", lambda p=p: request(p, "GET", "/readyz")[0] == 200)
    hport = free_port()
    cfg = os.path.join(WORK, "haproxy.cfg")
    with open(cfg, "w") as f:
        f.write(f"""global
    maxconn 2000
defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    retries 2
    option redispatch
frontend api
    bind 127.0.0.1:{hport}
    default_backend techex
backend techex
    balance roundrobin
    option httpchk GET /healthz
    option forwardfor
""" + "".join(f"    server s{i} 127.0.0.1:{p} check inter 500ms\n" for i, p in enumerate(ports)))
    proxy = Process("haproxy", ["haproxy", "-db", "-f", cfg])
    wait_until("HAProxy", lambda: request(hport, "GET", "/healthz")[0] == 200)
    say(f"two servers on {ports} behind HAProxy on {hport}")

    # a verified enterprise that bids; demo listings it may bid on
    source = f"127.{random.randint(1, 250)}.{random.randint(1, 250)}.{random.randint(2, 250)}"
    email = f"bidder-{uuid.uuid4().hex[:10]}@example.cn"
    status, body = request(ports[0], "POST", "/v1/auth/register", {
        "email": email, "password": PASSWORD, "display_name": "王经理",
        "organization": {"name": "淄博集群测试受让企业", "kind": "enterprise"}}, source=source)
    assert status == 201, body
    org = json.loads(body)["organization"]["id"]
    primary.sql(f"UPDATE organizations SET status = 'verified' WHERE id = '{org}'")
    status, body = request(ports[0], "POST", "/v1/auth/login", {"email": email, "password": PASSWORD},
                           source=source)
    assert status == 200, body
    token = json.loads(body)["token"]
    ids = primary.sql(
        "SELECT id FROM listings WHERE status = 'published' AND pricing_mode = 'negotiable' "
        f"AND 'exclusive_license' = ANY (transaction_modes) AND org_id <> '{org}'").split()
    assert ids, "the demo data has negotiable listings"
    wait_until("the replica to replay the set-up", lambda: replica.sql(
        f"SELECT status FROM organizations WHERE id = '{org}'") == "verified")

    # 1. reads from the replica
    before = sum(metric(p, "techex_replica_reads_total") + metric(p, "techex_loop_reads_total")
                 for p in ports)
    bad = anonymous_reads(hport, ids, 120)
    after = sum(metric(p, "techex_replica_reads_total") + metric(p, "techex_loop_reads_total")
                for p in ports)
    on_replica = replica.sql("SELECT count(*) FROM pg_stat_activity WHERE datname = 'techex' "
                             "AND application_name = 'techex-loop'", db="postgres")
    check("anonymous reads and searches are answered from DATABASE_READ_URL's replica",
          not bad and after - before >= 120 and int(on_replica) == 2,
          f"{int(after - before)} of 120 from the replica, loop connections there: {on_replica}, "
          f"failed: {bad[:3]}")

    # 1b. a caller with a token is never answered from the replica (it may lag behind a
    # logout or a suspension): neither the loop nor a worker reads the replica for it
    before = [metric(ports[0], m) for m in ("techex_replica_reads_total", "techex_loop_reads_total")]
    answers = [request(ports[0], "GET", path, token=token)[0]
               for path in ["/v1/me"] * 10 + [f"/v1/listings/{ids[0]}"] * 10]
    after = [metric(ports[0], m) for m in ("techex_replica_reads_total", "techex_loop_reads_total")]
    check("reads that carry a token go to the primary, never to the replica",
          set(answers) == {200} and after == before, f"statuses {set(answers)}, {before} -> {after}")

    # 2. the replica down: the primary answers, nothing fails
    replica.stop()
    before = sum(metric(p, "techex_replica_fallbacks_total") + metric(p, "techex_loop_handed_back_total")
                 for p in ports)
    bad = anonymous_reads(hport, ids, 120)
    after = sum(metric(p, "techex_replica_fallbacks_total") + metric(p, "techex_loop_handed_back_total")
                for p in ports)
    check("with the replica down, the primary answers every anonymous read", not bad,
          f"failed: {bad[:3]}; replica reads the primary took: {int(after - before)}")
    replica.start()
    wait_until("the replica to stream again", lambda: primary.sql(
        "SELECT count(*) FROM pg_stat_replication WHERE application_name = 'replica1' "
        "AND state = 'streaming'", db="postgres") == "1")

    # 3. synchronous replication, a bid load, and the primary lost
    primary.sql("ALTER SYSTEM SET synchronous_standby_names = 'replica1'", db="postgres")
    primary.sql("SELECT pg_reload_conf()", db="postgres")
    wait_until("the replica to be synchronous", lambda: primary.sql(
        "SELECT sync_state FROM pg_stat_replication WHERE application_name = 'replica1'",
        db="postgres") == "sync")
    load = BidLoad(hport, token, ids)
    load.start()
    time.sleep(3)
    before_kill = load.count()
    killed_at = time.monotonic()
    pid = primary.kill9()
    say(f"kill -9 of the primary's postmaster (pid {pid}) after {before_kill} acknowledged bids")
    time.sleep(1.0)  # the failover manager's decision (Patroni's loop_wait, say)
    promoted_at = time.monotonic()
    replica.promote()
    say("replica promoted")
    wait_until("a bid acknowledged by the new primary",
               lambda: any(t > promoted_at for t, _ in list(load.acked)), timeout=30)
    time.sleep(3)
    load.stop()
    acked = sorted(load.acked)
    # the longest time without an acknowledged bid, from the kill to the end of the load
    times = [killed_at] + [t for t, _ in acked if t > killed_at]
    gap = max(b - a for a, b in zip(times, times[1:])) if len(times) > 1 else None
    after_promotion = [t for t, _ in acked if t > promoted_at]
    ids_acked = [b for _, b in acked]
    found = int(replica.sql("SELECT count(*) FROM bids WHERE id = ANY (ARRAY[%s]::uuid[])"
                            % ",".join(f"'{b}'" for b in ids_acked)))
    check("no acknowledged bid is lost when the primary is killed and the replica promoted",
          found == len(ids_acked) and len(ids_acked) > before_kill,
          f"{len(ids_acked)} bids acknowledged ({before_kill} before the kill), "
          f"{found} on the new primary, {len(ids_acked) - found} lost")
    check("service resumes after the promotion", gap is not None,
          f"{gap:.2f} s without an acknowledged bid, of which 1.00 s is the simulated failover "
          f"decision; {(after_promotion[0] - promoted_at):.2f} s from promotion to the first 201; "
          f"{load.failed} requests refused or failed meanwhile" if gap is not None else "")
    print(f"cluster: seconds without service: {gap:.2f}" if gap is not None else
          "cluster: service did not resume", flush=True)
    # the ledger of the new primary still verifies, and writes go on through both servers
    for p in ports:
        status, _ = request(p, "GET", "/readyz")
        check(f"server on {p} is ready on the new primary without a restart", status == 200,
              f"/readyz {status}")
    out = subprocess.run([BIN, "check"], capture_output=True, text=True,
                         env={**os.environ, "DATABASE_URL": replica.url()})
    check("techex check finds the promoted database consistent", out.returncode == 0,
          (out.stdout + out.stderr).strip()[-300:])
    del servers, proxy


def main():
    try:
        scenario()
    except Exception:
        traceback.print_exc()
        results.append(False)
        print("FAIL the cluster scenario did not complete", flush=True)
    finally:
        for fn in reversed(cleanups):
            try:
                fn()
            except Exception:
                traceback.print_exc()
    passed = sum(results)
    print(f"{passed} passed, {len(results) - passed} failed", flush=True)
    sys.exit(0 if results and all(results) else 1)


if __name__ == "__main__":
    main()
