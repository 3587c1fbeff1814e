"""The container image builds from exactly the files docker/Dockerfile copies: a file the
Makefile reads that the Dockerfile forgets (tests/fuzz/fuzz.mk once) breaks `docker build`
although every other build passes. No Docker engine is needed to prove it."""

import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request

from harness import ROOT, free_port, test


def build_stage_copies(dockerfile):
    """The (source, destination) pairs of the COPY lines of the first (build) stage."""
    pairs, stage = [], 0
    with open(dockerfile) as f:
        for line in f:
            words = line.split()
            if not words:
                continue
            if words[0] == "FROM":
                stage += 1
                if stage > 1:
                    break
            elif words[0] == "COPY" and not any(w.startswith("--from") for w in words):
                *sources, dest = words[1:]
                pairs += [(s, dest) for s in sources]
    return pairs


@test
def test_the_image_builds_from_what_the_dockerfile_copies():
    """`make bin/techex` succeeds in a directory holding only the files the Dockerfile's build
    stage copies (as `docker build` would), and the binary it makes runs"""
    pairs = build_stage_copies(os.path.join(ROOT, "docker", "Dockerfile"))
    assert ("Makefile", "./") in pairs, pairs
    with tempfile.TemporaryDirectory() as ctx:
        for src, dest in pairs:
            target = os.path.join(ctx, dest)
            path = os.path.join(ROOT, src)
            if os.path.isdir(path):  # Docker copies a directory's contents
                shutil.copytree(path, target, dirs_exist_ok=True,
                                ignore=shutil.ignore_patterns("__pycache__", "*.o"))
            else:
                os.makedirs(target if dest.endswith("/") else os.path.dirname(target),
                            exist_ok=True)
                shutil.copy(path, target)
        out = subprocess.run(["make", "-j2", "bin/techex"], cwd=ctx, capture_output=True,
                             text=True, timeout=600)
        assert out.returncode == 0, (out.stdout[-3000:], out.stderr[-3000:])
        v = subprocess.run([os.path.join(ctx, "bin", "techex"), "--version"],
                           capture_output=True, text=True, timeout=10)
        assert v.returncode == 0 and v.stdout.strip(), v


@test
def test_make_run_says_serving_once_it_serves_and_ctrl_c_ends_cleanly():
    """`make run` prints "serving on" only once /healthz answers there, and Ctrl-C (SIGINT
    to the whole foreground process group) drains the server, stops the database and ends
    make quietly: by the signal, as an interrupted program should, without "make: ***
    ... Error 130\""""
    port = free_port()
    pgdir = os.path.join(ROOT, "var", f"test-run-pg-{os.getpid()}")
    env = dict(os.environ, TECHEX_LISTEN=f"127.0.0.1:{port}", TECHEX_RUN_PGDIR=pgdir)
    env.pop("DATABASE_URL", None)
    proc = subprocess.Popen(["make", "--no-print-directory", "run"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    lines = []
    try:
        deadline = time.time() + 60
        pending = b""
        while time.time() < deadline:
            ready, _, _ = select.select([proc.stdout], [], [], 1.0)
            if not ready:
                continue
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                break
            pending += chunk
            if b"\n" not in pending:
                continue
            done, pending = pending.rsplit(b"\n", 1)
            new = [l + "\n" for l in done.decode("utf-8", "replace").split("\n")]
            lines += new
            line = "".join(new)
            if "serving on http://" in line:
                # the line comes only once the port is bound and answering
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    assert r.status == 200
                break
        assert any("serving on http://127.0.0.1:%d" % port in l for l in lines), "".join(lines)
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C does
        out, _ = proc.communicate(timeout=60)
        text = "".join(lines) + out.decode("utf-8", "replace")
        assert proc.returncode in (0, -signal.SIGINT), (proc.returncode, text[-2000:])
        assert "Error 130" not in text and "***" not in text, text[-2000:]
        assert "stopping the database" in text, text[-2000:]
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        subprocess.run(["sh", os.path.join(ROOT, "scripts/pg.sh"), "stop", pgdir],
                       capture_output=True)
        data = os.path.join(pgdir, "data")
        if os.path.islink(data):
            shutil.rmtree(os.readlink(data), ignore_errors=True)
        shutil.rmtree(pgdir, ignore_errors=True)
