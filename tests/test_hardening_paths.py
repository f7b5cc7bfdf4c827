"""Hardening (issue 19, items 1, 2, 3 and 6): cdkg never deletes, replaces or reads what is not
its own — a folder that is not a build, a special file or link given as output, a file outside
the sources folder named as an article or curated source."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

import cdkg
from cdkg.cli import app
from cdkg.errors import SourceError, UsageError
from cdkg.kg.files import BUILD_MARKER, write_atomic
from cdkg.loaders import load_corpus

runner = CliRunner()


def _tiny_sources(root: Path, article_name: str = "a.txt") -> Path:
    """A valid one-article sources folder (fast to build)."""
    (root / "curated").mkdir(parents=True)
    (root / "articles").mkdir()
    (root / "articles" / "a.txt").write_text(
        "Title: T\nPublisher: P\nPublished: unknown\nLanguage: vi\nKind: NewsReport\nURL: https://example.org/a\n"
        "Retrieved: 2026-12-02\n---\nBộ Ngoại giao chủ trì hội nghị.\n",
        encoding="utf-8")
    (root / "curated" / "a.yaml").write_text(
        f"source: a\narticle: {article_name}\nentities:\n"
        '  - {id: mofa, kind: Ministry, vi: "Bộ Ngoại giao", en: "Ministry of Foreign Affairs"}\n'
        "evidence:\n"
        '  - quote: "Bộ Ngoại giao chủ trì hội nghị."\n'
        "    facts:\n      - [mofa, locatedIn, vietnam_x]\n", encoding="utf-8")
    # a fact needs a declared object; keep the file valid with a second entity
    text = (root / "curated" / "a.yaml").read_text(encoding="utf-8")
    text = text.replace("entities:\n", 'entities:\n  - {id: vietnam_x, kind: Country, vi: "Việt Nam", en: "Viet Nam"}\n')
    (root / "curated" / "a.yaml").write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    return _tiny_sources(tmp_path / "src")


# --- Item 1: a build replaces only a build ------------------------------------------------------

def test_build_refuses_a_folder_with_a_researchers_files(tiny: Path, tmp_path: Path) -> None:
    thesis = tmp_path / "thesis"
    thesis.mkdir()
    (thesis / "chapter1.md").write_text("my chapter", encoding="utf-8")
    result = runner.invoke(app, ["build", "--sources", str(tiny), "--out", str(thesis)])
    assert result.exit_code == 2
    assert "not a cdkg build" in result.output
    assert (thesis / "chapter1.md").read_text(encoding="utf-8") == "my chapter"
    assert sorted(p.name for p in thesis.iterdir()) == ["chapter1.md"]
    assert not list(tmp_path.glob(".thesis.*")), "no staging folder is left behind"


def test_build_refuses_a_build_folder_holding_a_foreign_file(tiny: Path, tmp_path: Path) -> None:
    out = tmp_path / "build"
    cdkg.build(tiny, out)
    (out / "gaps.md").write_text("my report", encoding="utf-8")
    with pytest.raises(UsageError, match="gaps.md"):
        cdkg.build(tiny, out)
    assert (out / "gaps.md").read_text(encoding="utf-8") == "my report"


def test_build_replaces_its_own_build_and_fills_an_empty_folder(tiny: Path, tmp_path: Path) -> None:
    out = tmp_path / "build"
    out.mkdir()
    cdkg.build(tiny, out)  # empty folder: fine
    assert (out / BUILD_MARKER).is_file()
    (out / "inferred.ttl").write_text("# from cdkg reason", encoding="utf-8")
    cdkg.build(tiny, out)  # its own build (with what `cdkg reason` writes into it): replaced
    assert (out / "kg.ttl").is_file() and not (out / "inferred.ttl").exists()


def test_build_accepts_an_unmarked_build_of_an_earlier_version(tiny: Path, tmp_path: Path) -> None:
    out = tmp_path / "build"
    cdkg.build(tiny, out)
    (out / BUILD_MARKER).unlink()
    cdkg.build(tiny, out)
    assert (out / BUILD_MARKER).is_file()


@pytest.mark.parametrize("which", ["cwd", "home", "root", "sources", "sources-parent"])
def test_build_refuses_folders_it_must_never_replace(which: str, tiny: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    target = {"cwd": Path("."), "home": home, "root": Path("/"), "sources": tiny, "sources-parent": tiny.parent}[which]
    before = sorted(os.listdir(target))
    result = runner.invoke(app, ["build", "--sources", str(tiny), "--out", str(target)])
    assert result.exit_code == 2, result.output
    assert "will not write a cdkg build into" in result.output
    assert sorted(os.listdir(target)) == before


# --- Item 2: outputs never replace special files or links; modes follow the umask ----------------

def test_write_through_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    write_atomic(fifo, b"through the pipe")
    reader.join(10)
    assert got == [b"through the pipe"]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode), "the FIFO is still a FIFO"


def test_write_to_a_symlink_writes_its_target(tmp_path: Path) -> None:
    real = tmp_path / "real" / "graph.html"
    real.parent.mkdir()
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "graph.html"
    link.symlink_to(real)
    write_atomic(link, b"new")
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text(encoding="utf-8") == "new"


def test_a_dangling_link_whose_folder_is_missing_is_refused(tmp_path: Path) -> None:
    link = tmp_path / "out.ttl"
    link.symlink_to(tmp_path / "nowhere" / "out.ttl")
    with pytest.raises(UsageError, match="link"):
        write_atomic(link, b"x")
    assert not (tmp_path / "nowhere").exists()


def test_a_folder_is_not_overwritten(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    with pytest.raises(UsageError, match="folder"):
        write_atomic(tmp_path / "d", b"x")


def test_modes_follow_the_umask_and_a_replaced_file_keeps_its_mode(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        write_atomic(tmp_path / "new.ttl", b"x")
        assert stat.S_IMODE(os.stat(tmp_path / "new.ttl").st_mode) == 0o640
        kept = tmp_path / "kept.ttl"
        kept.write_bytes(b"old")
        os.chmod(kept, 0o604)
        write_atomic(kept, b"new")
        assert stat.S_IMODE(os.stat(kept).st_mode) == 0o604
    finally:
        os.umask(old)


def _repair(path: str, was_link: str | None, device: tuple[int, int] | None) -> bool:
    """Put a damaged /dev entry back (a regression of the fix would replace it); True if it was damaged."""
    st = os.lstat(path)
    if was_link is not None and not stat.S_ISLNK(st.st_mode):
        os.unlink(path)
        os.symlink(was_link, path)
        return True
    if device is not None and not stat.S_ISCHR(st.st_mode):
        os.unlink(path)
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(*device))
        os.chmod(path, 0o666)
        return True
    return False


@pytest.mark.parametrize("redirect", ["file", "pipe"])
def test_export_to_dev_stdout_writes_through(redirect: str, built: Path, tmp_path: Path) -> None:
    """`-o /dev/stdout` with stdout redirected to a file or a pipe: the data arrives, and /dev/stdout
    stays a link (as root, the old rename replaced it with a regular file)."""
    assert os.path.islink("/dev/stdout")
    link = os.readlink("/dev/stdout")
    cmd = [sys.executable, "-m", "cdkg.cli", "export", "--format", "ntriples", "-o", "/dev/stdout", "--build", str(built)]
    try:
        if redirect == "file":
            dest = tmp_path / "out.nt"
            with open(dest, "wb") as fh:
                proc = subprocess.run(cmd, stdout=fh, stderr=subprocess.PIPE, timeout=120)
            data = dest.read_bytes()
        else:
            proc = subprocess.run(cmd, capture_output=True, timeout=120)
            data = proc.stdout
    finally:
        damaged = _repair("/dev/stdout", link, None)
    assert not damaged, "/dev/stdout was replaced by a file (repaired)"
    assert proc.returncode == 0, proc.stderr.decode()
    assert len(data) > 1000 and b"<https://w3id.org/cdkg/" in data


def test_export_to_dev_null_keeps_the_device(built: Path) -> None:
    proc = None
    try:
        proc = subprocess.run([sys.executable, "-m", "cdkg.cli", "export", "-o", "/dev/null", "--build", str(built)],
                              capture_output=True, timeout=120)
    finally:
        damaged = _repair("/dev/null", None, (1, 3))
    assert not damaged, "/dev/null was replaced by a file (repaired)"
    assert proc is not None and proc.returncode == 0, proc.stderr.decode() if proc else ""


def test_build_folder_mode_follows_the_umask(tiny: Path, tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        cdkg.build(tiny, tmp_path / "b")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "b").st_mode) == 0o755


# --- Item 3: an article is a regular file inside the articles folder ----------------------------

SECRET = "TOP-SECRET-LINE: do not print me"


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "secret" / "passwd"
    path.parent.mkdir()
    path.write_text(f"{SECRET}\nanother: line\n", encoding="utf-8")
    return path


def _problems(src: Path) -> str:
    with pytest.raises(SourceError) as info:
        load_corpus(src)
    return str(info.value)


@pytest.mark.parametrize("kind", ["relative", "absolute", "symlink"])
def test_article_outside_the_articles_folder_is_refused_unread(kind: str, tmp_path: Path, secret: Path) -> None:
    if kind == "symlink":
        src = _tiny_sources(tmp_path / "src", "link.txt")
        (src / "articles" / "link.txt").symlink_to(secret)
    else:
        name = os.path.relpath(secret, tmp_path / "src" / "articles") if kind == "relative" else str(secret)
        src = _tiny_sources(tmp_path / "src", name)
    message = _problems(src)
    assert "a.yaml" in message and "article" in message
    assert "TOP-SECRET" not in message and "another: line" not in message


def test_article_that_is_a_folder_or_fifo_is_refused(tmp_path: Path) -> None:
    src = _tiny_sources(tmp_path / "src", "pipe.txt")
    os.mkfifo(src / "articles" / "pipe.txt")
    assert "FIFO" in _problems(src)


# --- Item 6: curated files are regular files inside curated/, size checked before reading --------

def _load_in_subprocess(src: Path) -> subprocess.CompletedProcess[str]:
    """Load in a child process, so a regression (a read that never ends) fails instead of hanging."""
    code = ("import sys; from loaders import load_corpus; from cdkg.errors import SourceError\n"
            "try:\n    load_corpus(sys.argv[1])\nexcept SourceError as e:\n    print(e); sys.exit(1)\n")
    return subprocess.run([sys.executable, "-c", code, str(src)], capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("kind", ["fifo", "device-link", "outside-link"])
def test_special_or_foreign_curated_files_are_refused(kind: str, tmp_path: Path, secret: Path) -> None:
    src = _tiny_sources(tmp_path / "src")
    bad = src / "curated" / "b.yaml"
    if kind == "fifo":
        os.mkfifo(bad)
    elif kind == "device-link":
        bad.symlink_to("/dev/zero")
    else:
        bad.symlink_to(secret)
    proc = _load_in_subprocess(src)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "curated/b.yaml" in proc.stdout and "not read" in proc.stdout
    assert "TOP-SECRET" not in proc.stdout + proc.stderr


def test_oversized_curated_file_is_refused_before_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import cdkg.loaders.curated as curated

    src = _tiny_sources(tmp_path / "src")
    monkeypatch.setattr(curated, "MAX_FILE_BYTES", 100)
    message = _problems(src)
    assert "over the" in message and "limit" in message


def test_the_bundled_sources_still_load() -> None:
    corpus = load_corpus()
    assert corpus.sources


def test_a_sources_folder_reached_through_a_link_still_loads(tiny: Path, tmp_path: Path) -> None:
    link = tmp_path / "linked-sources"
    link.symlink_to(tiny)
    assert load_corpus(link).sources
    shutil.rmtree(tiny / "curated")
