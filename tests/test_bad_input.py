"""Bad input gets a clear, one-screen error naming file and line — never a traceback — and
loses nothing: the corpus in tests/data/bad/, a 50 MB file, and fuzzed input."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cdkg.errors import SourceError
from cdkg.loaders import load_corpus

BAD = Path(__file__).parent / "data" / "bad"
CASES = yaml.safe_load((BAD / "cases.yaml").read_text(encoding="utf-8"))


def sources_with(tmp_path: Path, name: str, content: bytes) -> Path:
    root = tmp_path / "sources"
    (root / "curated").mkdir(parents=True)
    (root / "articles").mkdir()
    shutil.copy(BAD / "article.txt", root / "articles" / "test.txt")
    (root / "curated" / name).write_bytes(content)
    return root


def run_cdkg(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cdkg.cli", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120, env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"})


def assert_clear_error(result: subprocess.CompletedProcess, case: dict) -> None:
    assert result.returncode == case["exit"], result.stderr
    where = f"curated/{case['file']}" + (f":{case['line']}:" if case["line"] else ":")
    assert where in result.stderr, result.stderr
    assert case["message"] in result.stderr, result.stderr
    assert case.get("field", "") in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) <= 25, "the error must fit on one screen"


def test_every_bad_file_is_a_case():
    assert sorted(c["file"] for c in CASES) == sorted(p.name for p in BAD.glob("*.yaml") if p.name != "cases.yaml")


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_validate_names_file_line_and_problem(tmp_path, case):
    root = sources_with(tmp_path, case["file"], (BAD / case["file"]).read_bytes())
    assert_clear_error(run_cdkg("validate", "--sources", str(root), cwd=tmp_path), case)


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_build_refuses_and_writes_nothing(tmp_path, case):
    root = sources_with(tmp_path, case["file"], (BAD / case["file"]).read_bytes())
    assert_clear_error(run_cdkg("build", "--sources", str(root), "--out", "out", cwd=tmp_path), case)
    assert not (tmp_path / "out").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["sources"]


def test_a_failed_build_after_a_good_one_leaves_it_byte_for_byte(tmp_path):
    good = sources_with(tmp_path, "ok.yaml", (BAD / "unknown-reference.yaml").read_bytes().replace(b"ha_kim_ngok",
                                                                                                     b"ha_kim_ngoc"))
    assert run_cdkg("build", "--sources", str(good), "--out", "out", cwd=tmp_path).returncode == 0
    before = {p: p.read_bytes() for p in sorted((tmp_path / "out").rglob("*")) if p.is_file()}
    (good / "curated" / "ok.yaml").write_bytes((BAD / "position-two-people.yaml").read_bytes())
    failed = run_cdkg("build", "--sources", str(good), "--out", "out", cwd=tmp_path)
    assert failed.returncode == 1 and "exactly one person" in failed.stderr
    after = {p: p.read_bytes() for p in sorted((tmp_path / "out").rglob("*")) if p.is_file()}
    assert after == before


def test_a_50_mb_file_is_refused_quickly(tmp_path):
    root = sources_with(tmp_path, "huge.yaml", b"")
    with open(root / "curated" / "huge.yaml", "wb") as fh:
        fh.write(b"source: huge\n")
        chunk = (b"# padding line " + b"x" * 1009 + b"\n") * 1024
        for _ in range(50):
            fh.write(chunk)
    result = run_cdkg("validate", "--sources", str(root), cwd=tmp_path)
    assert result.returncode == 1
    assert "curated/huge.yaml:" in result.stderr and "over the 5 MiB limit" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_sources_folder_without_curated_files(tmp_path):
    result = run_cdkg("validate", "--sources", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 1 and "no 'curated' folder" in result.stderr


# --- Fuzzing: any input either loads or raises the project's own error -------------------------

def _loads_or_source_error(tmp_path: Path, content: bytes) -> None:
    curated = tmp_path / "curated"
    curated.mkdir(exist_ok=True)
    (tmp_path / "articles").mkdir(exist_ok=True)
    shutil.copy(BAD / "article.txt", tmp_path / "articles" / "test.txt")
    (curated / "fuzz.yaml").write_bytes(content)
    try:
        load_corpus(tmp_path)
    except SourceError as exc:
        assert exc.problems and all(p.file for p in exc.problems)


FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(st.binary(max_size=400))
def test_fuzz_bytes(tmp_path, content):
    _loads_or_source_error(tmp_path, content)


@FUZZ
@given(st.text(max_size=400))
def test_fuzz_text(tmp_path, content):
    _loads_or_source_error(tmp_path, content.encode("utf-8", "surrogatepass"))


scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 3000), st.floats(allow_nan=False),
                    st.sampled_from(["plan", "ha_kim_ngoc", "26/5", "31/02/2021", "Plan", "chair", "eli:passed_by",
                                     "cd:PublicDiplomacy", "x:y", "", "<b>x</b>", "test.txt", "Kế hoạch"]),
                    st.text(max_size=12))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                         st.dictionaries(st.sampled_from(
                                                             ["id", "kind", "vi", "en", "alt", "also", "quote",
                                                              "facts", "teaser", "note", "cites"]), inner, max_size=5)),
                      max_leaves=20)
documents = st.fixed_dictionaries({"source": st.sampled_from(["fuzz", "Fuzz!", 3]),
                                   "article": st.sampled_from(["test.txt", "missing.txt"])},
                                  optional={"entities": values, "evidence": values, "cited_sources": values,
                                            "extra": values})


@FUZZ
@given(documents)
def test_fuzz_structured(tmp_path, document):
    _loads_or_source_error(tmp_path, yaml.safe_dump(document, allow_unicode=True).encode("utf-8"))
