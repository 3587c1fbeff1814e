"""Measurements of bench/run.sh that wrk cannot make. Standard library only.

    python3 bench/probe.py idle PORT PID N
        opens N keep-alive connections to 127.0.0.1:PORT, sends one GET /healthz on
        each and reads the reply, then holds them all idle; prints
        "held RSS_KB" (the server's VmRSS, process PID, while all N are open and idle;
        held is how many connections still answer a second request afterwards);
    python3 bench/probe.py ready BIN PORT ROUNDS
        starts `BIN serve` on PORT ROUNDS times and prints, one a line, the
        milliseconds from the fork to the first 200 from /healthz (polled every 1 ms);
        the environment (DATABASE_URL, ...) is passed on.
"""

import os
import resource
import socket
import subprocess
import sys
import time

REQUEST = b"GET /healthz HTTP/1.1\r\nHost: bench\r\n\r\n"


def read_reply(s):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    while len(body) < length:
        body += s.recv(4096)
    return head.split(b" ", 2)[1]


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def idle(port, pid, n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n + 64:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(n + 64, hard), hard))
    conns = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.sendall(REQUEST)
        if read_reply(s) != b"200":
            raise SystemExit("healthz did not answer 200")
        conns.append(s)
    time.sleep(1)  # idle: the server holds them without traffic
    rss = rss_kb(pid)
    alive = 0
    for s in conns:
        try:
            s.sendall(REQUEST)
            alive += read_reply(s) == b"200"
        except OSError:
            pass
    for s in conns:
        s.close()
    print(alive, rss)


def ready(binary, port, rounds):
    env = dict(os.environ, TECHEX_LISTEN=f"127.0.0.1:{port}", TECHEX_LOG_LEVEL="warn")
    for _ in range(rounds):
        start = time.monotonic()
        p = subprocess.Popen([binary, "serve"], env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        took = None
        while time.monotonic() - start < 10:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                    s.sendall(REQUEST)
                    if read_reply(s) == b"200":
                        took = (time.monotonic() - start) * 1000
                        break
            except OSError:
                time.sleep(0.001)
        p.terminate()
        p.wait(10)
        if took is None:
            raise SystemExit("the server did not answer /healthz within 10 s")
        print(f"{took:.1f}")


if __name__ == "__main__":
    if sys.argv[1] == "idle":
        idle(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
    elif sys.argv[1] == "ready":
        ready(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        raise SystemExit(__doc__)
