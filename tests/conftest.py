"""Shared fixtures: a graph built once from the bundled sources, and a writable copy of the
sources for tests that break them."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from cdkg.loaders import default_sources


def require(tool: str, why: str) -> None:
    """Skip (or, when CI is set, fail) a test whose tool is missing from the machine."""
    if shutil.which(tool) is None:
        message = f"{tool} is not installed: {why}"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI must install it: see .ci/run)")
        pytest.skip(message)


#: Debian's chromium, driven by Python playwright (never `playwright install`, which downloads).
CHROMIUM = "/usr/bin/chromium"


def need_chromium() -> None:
    """Skip (or, when CI is set, fail) a browser test on a machine without Debian's chromium."""
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is missing: apt-get install -y chromium (the browser tests drive Debian's chromium)"
        if os.environ.get("CI"):
            pytest.fail(message + " — .ci/run must install it")
        pytest.skip(message)


@pytest.fixture(scope="module")
def browser():
    """Headless chromium for the tests of one module."""
    need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        try:
            yield b
        finally:
            b.close()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, seconds: float = 30) -> None:
    """Wait until a server started as ``process`` answers at ``url``; fail with its stderr when it exits."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            stderr = process.stderr.read() if process.stderr else ""
            raise RuntimeError(f"server exited with {process.returncode}: {stderr}")
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server at {url} did not come up in {seconds} s")


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A build folder made from the bundled curated sources."""
    import cdkg
    out = tmp_path_factory.mktemp("built") / "build"
    cdkg.build(out=out)
    return out


#: The curated files of the five seed articles and of the supplementary legal facts.  The query
#: manifest (tests/queries/manifest.yaml) and the fact tests are written from these sources and run
#: on a graph built from them alone; the register, locality and event sources (1xx, 2xx, 3xx, 5xx)
#: are checked in the full bundled build by tests/test_register.py.
SEED_FILES = ("000-", "001-", "002-", "003-", "004-", "900-")


def seed_sources(dest: Path) -> Path:
    """A copy of the bundled sources holding only the seed files."""
    shutil.copytree(default_sources(), dest)
    for f in (dest / "curated").iterdir():
        if not f.name.startswith(SEED_FILES):
            f.unlink()
    # the search log names the register's localities and documents, which the seed files do not declare
    shutil.rmtree(dest / "searches", ignore_errors=True)
    return dest


@pytest.fixture(scope="session")
def seed_built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A build folder made from the seed sources alone (see :data:`SEED_FILES`)."""
    import cdkg
    root = tmp_path_factory.mktemp("seed")
    out = root / "build"
    cdkg.build(seed_sources(root / "sources"), out)
    return out


@pytest.fixture(scope="session")
def seed_store(seed_built: Path):
    """The seed build's store, opened read-only."""
    from cdkg.kg.store import open_store

    return open_store(seed_built)


@pytest.fixture(scope="session")
def store(built: Path):
    """The built store, opened read-only."""
    from cdkg.kg.store import open_store

    return open_store(built)


def write_sources(root: Path, article: str, curated: dict[str, str | bytes]) -> Path:
    """A small sources folder at ``root``: ``articles/test.txt`` holding ``article``, and each
    curated file by name (text as UTF-8, bytes as given)."""
    (root / "curated").mkdir(parents=True, exist_ok=True)
    (root / "articles").mkdir(exist_ok=True)
    (root / "articles" / "test.txt").write_text(article, encoding="utf-8")
    for name, text in curated.items():
        (root / "curated" / name).write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return root


@pytest.fixture
def sources_copy(tmp_path: Path) -> Path:
    """A writable copy of the bundled sources folder."""
    dest = tmp_path / "sources"
    shutil.copytree(default_sources(), dest)
    return dest


PREFIXES = """
PREFIX cd: <https://w3id.org/cdkg/ontology#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX eli: <http://data.europa.eu/eli/ontology#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX person: <https://w3id.org/cdkg/id/person/>
PREFIX organisation: <https://w3id.org/cdkg/id/organisation/>
PREFIX place: <https://w3id.org/cdkg/id/place/>
PREFIX event: <https://w3id.org/cdkg/id/event/>
PREFIX document: <https://w3id.org/cdkg/id/document/>
PREFIX heritage: <https://w3id.org/cdkg/id/heritage/>
PREFIX objective: <https://w3id.org/cdkg/id/objective/>
PREFIX position: <https://w3id.org/cdkg/id/position/>
PREFIX role: <https://w3id.org/cdkg/id/role/>
PREFIX statement: <https://w3id.org/cdkg/id/statement/>
PREFIX source: <https://w3id.org/cdkg/id/source/>
"""


def ask(store, query: str) -> bool:
    """ASK over the union of all graphs."""
    return bool(store.query(PREFIXES + query, use_default_graph_as_union=True))
