"""The container image builds from exactly the files docker/Dockerfile copies: a file the
Makefile reads that the Dockerfile forgets (tests/fuzz/fuzz.mk once) breaks `docker build`
although every other build passes. No Docker engine is needed to prove it."""

import os
import shutil
import subprocess
import tempfile

from harness import ROOT, test


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
