"""The ``cdkg`` command as a user runs it: real processes, real exit codes, no tracebacks."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import rdflib

from cdkg.cli import app

COMMANDS = sorted(c.name or c.callback.__name__ for c in app.registered_commands)


def run_cdkg(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cdkg", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=120, env={"COLUMNS": "120", "PATH": "/usr/bin:/bin"})


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command):
    result = run_cdkg(command, "--help")
    assert result.returncode == 0
    assert "Example:" in result.stdout and f"cdkg {command}" in result.stdout
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert f"\n| `cdkg {command}" in readme, "every command has a row in the README's commands table"
    assert f"\n$ cdkg {command}" in readme, "every command has an example the README's test runs"


def test_build_stats_why_export(tmp_path):
    result = run_cdkg("build", "--out", "b", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert re.search(r"\b\d+ sources\b", result.stdout) and "distinct triples" in result.stdout
    assert (tmp_path / "b" / "kg.ttl").is_file()

    stats = run_cdkg("stats", "--build", "b", cwd=tmp_path)
    assert stats.returncode == 0 and "cd:Conference" in stats.stdout and "thuathienhue.gov.vn" in stats.stdout

    why = run_cdkg("why", "bui thanh son", "--build", "b", cwd=tmp_path)
    assert why.returncode == 0
    assert "Đồng chí Bùi Thanh Sơn, Ủy viên BCH Trung ương Đảng, Bộ trưởng Bộ Ngoại giao chủ trì hội nghị" in why.stdout
    assert "Điện Biên TV (DIENBIENTV.VN), 21/12/2021" in why.stdout

    exported = run_cdkg("export", "--format", "ntriples", "--build", "b", cwd=tmp_path)
    assert exported.returncode == 0
    assert len(rdflib.Graph().parse(data=exported.stdout, format="nt")) == len(
        rdflib.Graph().parse(tmp_path / "b" / "kg.ttl", format="turtle"))

    to_file = run_cdkg("export", "--format", "trig", "--output", "out.trig", "--build", "b", cwd=tmp_path)
    assert to_file.returncode == 0 and (tmp_path / "out.trig").stat().st_size > 0


def test_errors_are_one_message_and_an_exit_code(tmp_path, sources_copy, built):
    not_built = run_cdkg("stats", "--build", "nowhere", cwd=tmp_path)
    assert not_built.returncode == 2
    assert "run `cdkg build` first" in not_built.stderr and "Traceback" not in not_built.stderr

    unknown = run_cdkg("why", "Atlantis", "--build", str(built), cwd=tmp_path)
    assert unknown.returncode == 2 and "no entity matches 'Atlantis'" in unknown.stderr

    bad = sources_copy / "curated" / "000-steering-committee-annual-meeting.yaml"
    bad.write_text(bad.read_text(encoding="utf-8").replace("[ev_scd_annual_meeting, chair, ha_kim_ngoc]",
                                                           "[ev_scd_annual_meeting, chair, ha_kim_ngok]"),
                   encoding="utf-8")
    failed = run_cdkg("build", "--sources", str(sources_copy), "--out", "b2", cwd=tmp_path)
    assert failed.returncode == 1
    assert "curated/000-steering-committee-annual-meeting.yaml:" in failed.stderr
    assert "unknown entity 'ha_kim_ngok'" in failed.stderr and "did you mean ha_kim_ngoc" in failed.stderr
    assert "Traceback" not in failed.stderr
    assert not (tmp_path / "b2").exists()
