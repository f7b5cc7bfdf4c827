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
#: The pages under docs/ that the README links to: their commands run too.
DOCS = sorted((README.parent / "docs").glob("*.md"))
# Commands that need a running SPARQL server are exercised against a real one in test_remote.py.
NEEDS_SERVER = ("cdkg serve", "cdkg push", "--endpoint")
COMMANDS = [line[2:] for text in [TEXT, *(d.read_text(encoding="utf-8") for d in DOCS)]
            for line in re.findall(r"^\$ cdkg[^\n]*", text, flags=re.M)
            if not any(word in line for word in NEEDS_SERVER)]


def _block(section: str) -> list[str]:
    return re.search(re.escape(section) + r".*?```bash\n(.*?)```", TEXT, flags=re.S).group(1).splitlines()


def test_the_readme_test_command_is_what_ci_runs():
    setup = _block("## For developers (two commands)")
    assert len(setup) == 2
    assert "pip install -e '.[dev]' && cdkg build" in setup[0]
    assert setup[1].split("#")[0].strip() == "pytest"
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert ci[-1] == "pytest"
    assert "pip install --quiet --disable-pip-version-check -e '.[dev]'" in "\n".join(ci)


def test_the_quickstart_makes_a_virtual_environment_and_installs_without_test_tools():
    quick = _block("## Quickstart (researchers)")
    assert quick[0].startswith("python3 -m venv ") and quick[1].startswith("pip install . ")
    assert quick[2].startswith("cdkg build")
    # the three questions come right after, as commands that the test below runs
    questions = re.search(r"Three questions.*?```console\n(.*?)```", TEXT, flags=re.S).group(1).splitlines()
    assert len(questions) == 3 and all(q.startswith("$ cdkg ") and q[2:] in COMMANDS for q in questions)


def test_every_local_link_of_the_readme_and_docs_resolves():
    for page in [README, *DOCS]:
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            assert (page.parent / target).exists(), f"{page.name} links to missing {target}"
    linked = set(re.findall(r"\]\(docs/([^)#]+\.md)", TEXT))
    assert {d.name for d in DOCS} <= linked, "a page under docs/ that the README does not link to"


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    wd = tmp_path_factory.mktemp("readme")
    # the article the README's `cdkg draft` example names, at the same path as in the repository
    shutil.copytree(README.parent / "tests" / "data" / "draft", wd / "tests" / "data" / "draft")
    subprocess.run([sys.executable, "-m", "cdkg", "build", "--quiet"], cwd=wd, check=True, timeout=120)
    return wd


@pytest.mark.parametrize("command", COMMANDS)
def test_readme_command_runs(workdir, command):
    if command.startswith("cdkg reason"):
        require("java", "cdkg reason runs HermiT")
    cmd = command.replace("cdkg ", f"{shlex.quote(sys.executable)} -m cdkg ", 1)
    result = subprocess.run(cmd, shell=True, cwd=workdir, capture_output=True, text=True, timeout=120,
                            env={**os.environ, "COLUMNS": "110"})
    assert result.returncode == 0, result.stderr
    redirected = re.search(r">\s*(\S+)$", command)
    if redirected:  # the answer went to a file: it is there, and not empty
        assert (workdir / redirected.group(1)).stat().st_size > 0
    else:
        assert result.stdout.strip() or result.stderr.strip()


def test_readme_python_snippets_run(tmp_path, monkeypatch):
    snippets = re.findall(r"```python\n(.*?)```", TEXT, flags=re.S)
    assert len(snippets) >= 2
    monkeypatch.chdir(tmp_path)
    subprocess.run([sys.executable, "-m", "cdkg", "build", "--quiet"], check=True, timeout=120)  # set-up command
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

    front = re.sub(r"\s+", " ", TEXT.split("## A session", 1)[0])
    for stated in (f"{len(s.sources)} curated sources", f"{count('QuotedEvidence')} verbatim quotes",
                   f"{count('CitedEvidence')} cited statements", f"{s.entities} entities"):
        assert stated in front, stated
