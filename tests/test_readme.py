"""The README's commands and Python snippet run as written (docs that run)."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import require

README = Path(__file__).resolve().parents[1] / "README.md"
TEXT = README.read_text(encoding="utf-8")
# Commands that need a running SPARQL server are exercised against a real one in test_remote.py.
NEEDS_SERVER = ("cdkg serve", "cdkg push", "--endpoint")
COMMANDS = [line[2:] for line in re.findall(r"^\$ cdkg[^\n]*", TEXT, flags=re.M)
            if not any(word in line for word in NEEDS_SERVER)]


def test_the_readme_test_command_is_what_ci_runs():
    setup = re.search(r"```bash\n(.*?)```", TEXT, flags=re.S).group(1).splitlines()
    assert setup[0].startswith("pip install -e '.[test]' && cdkg build")
    assert setup[1].split("#")[0].strip() == "pytest"
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert ci[-1] == "pytest"


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    wd = tmp_path_factory.mktemp("readme")
    # the article the README's `cdkg draft` example names, at the same path as in the repository
    shutil.copytree(README.parent / "tests" / "data" / "draft", wd / "tests" / "data" / "draft")
    subprocess.run([sys.executable, "-m", "cdkg.cli", "build", "--quiet"], cwd=wd, check=True, timeout=120)
    return wd


@pytest.mark.parametrize("command", COMMANDS)
def test_readme_command_runs(workdir, command):
    if command.startswith("cdkg reason"):
        require("java", "cdkg reason runs HermiT")
    cmd = command.replace("cdkg ", f"{shlex.quote(sys.executable)} -m cdkg.cli ", 1)
    result = subprocess.run(cmd, shell=True, cwd=workdir, capture_output=True, text=True, timeout=120,
                            env={**os.environ, "COLUMNS": "110"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() or result.stderr.strip()


def test_readme_python_snippets_run(tmp_path, monkeypatch):
    snippets = re.findall(r"```python\n(.*?)```", TEXT, flags=re.S)
    assert len(snippets) >= 2
    monkeypatch.chdir(tmp_path)
    subprocess.run([sys.executable, "-m", "cdkg.cli", "build", "--quiet"], check=True, timeout=120)  # set-up command
    namespace: dict = {}
    for snippet in snippets:
        exec(compile(snippet, "README.md", "exec"), namespace)
    assert (tmp_path / "build" / "kg.ttl").is_file() and (tmp_path / "kg.nq").stat().st_size > 0


def test_the_readmes_counts_are_the_bundled_builds(built, store):
    """The numbers the README states about the bundled corpus are what the build gives."""
    import cdkg
    from tests.conftest import PREFIXES

    s = cdkg.stats(built)
    line = (f"{len(s.sources)} sources, {s.excerpts} excerpts, {s.entities} entities, {s.triples} distinct triples "
            f"({s.quads} quads in {s.graphs} named graphs)")
    assert line in TEXT, "the session's build summary"

    def count(cls: str) -> int:
        query = PREFIXES + f"SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE {{ ?e a cd:{cls} }}"
        return int(next(iter(store.query(query, use_default_graph_as_union=True)))["n"].value)

    front = re.sub(r"\s+", " ", TEXT.split("## Set up", 1)[0])
    for stated in (f"{len(s.sources)} curated sources", f"{count('QuotedEvidence')} verbatim quotes",
                   f"{count('CitedEvidence')} cited statements", f"{s.entities} entities"):
        assert stated in front, stated
