"""The benchmark itself cannot rot: `bench/run.py --quick` runs end to end (10k corpus) and
prints every row. It asserts no timings — speed is claimed in bench/RESULTS.md, not in tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_quick_benchmark_runs(tmp_path):
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--reps", "1",
                             "--rdflib-timeout", "10", "--work", str(tmp_path), "--results", str(tmp_path / "r.md")],
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    table = (tmp_path / "r.md").read_text(encoding="utf-8")
    for row in ["| build:", "| peak memory", "| query cq01 |", "| query cq16 |", "| query gap rule 8-partners",
                "| all named queries", "| network analysis", "| export Turtle", "| export N-Quads",
                "| HTML graph of 500 nodes", "| `cdkg --help`", "| `cdkg query cq06`"]:
        assert row in table, row
