"""Hardening (issue 19, items 13, 14, 20, 21): output that cannot be turned against the reader,
a damaged store said clearly, and no worker process left behind by a killed build."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


# --- 21. Killing a build ends its workers ------------------------------------------------------


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found |= {int(x) for x in task.read_text().split()}
        except OSError:
            pass
    return found


def _running(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.fixture(scope="module")
def big_sources(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated corpus with enough curated files (168) for the build to load them in workers."""
    out = tmp_path_factory.mktemp("big") / "sources"
    subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), "--size", "100k", "--out", str(out)],
                   check=True, capture_output=True, timeout=120)
    from loaders.curated import PARALLEL_FROM

    assert len(list((out / "curated").glob("*.yaml"))) >= PARALLEL_FROM
    return out


@pytest.mark.skipif(not Path("/proc/self/task").is_dir() or (os.cpu_count() or 1) < 2,
                    reason="needs Linux /proc and two cores (the build loads in workers from two cores on)")
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_killing_a_build_ends_its_workers(big_sources: Path, tmp_path: Path, how: signal.Signals) -> None:
    cdkg = [sys.executable, "-c", "from kg.cli import main; main()"]
    proc = subprocess.Popen([*cdkg, "build", "-s", str(big_sources), "-o", str(tmp_path / "out"), "-q"],
                            start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: set[int] = set()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            workers = _children(proc.pid)
            if len(workers) >= 2:
                break
            time.sleep(0.005)
        assert len(workers) >= 2, "the build finished or stalled before its workers could be seen"
        time.sleep(0.1)  # the workers are parsing
        os.kill(proc.pid, how)
        proc.wait(timeout=10)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(_running(w) for w in workers):
            time.sleep(0.05)
        left = [w for w in workers if _running(w)]
        assert not left, f"worker processes {left} outlived the killed build"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for w in workers:
            if _running(w):
                try:
                    os.kill(w, signal.SIGKILL)
                except OSError:
                    pass
