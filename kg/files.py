"""Writing outputs without harming what is not ours.

* :func:`write_atomic` — a file appears complete or not at all (a temporary file beside it, then
  a rename), but only a regular file is ever replaced: a device, FIFO or ``/dev/stdout`` is
  written through, and a symbolic link keeps being a link (its target is written).  New files
  get the mode the umask allows, a replaced file keeps its mode.
* :func:`staging_dir` / :func:`replace_dir` — a folder cdkg writes whole (a build, a site: an
  :class:`OutputFolder`) is swapped in; the folder it replaces must be one cdkg wrote
  (:func:`check_build_target`): cdkg never deletes a folder that holds anything it did not
  write, nor the current, home or root folder, nor the sources.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import tempfile
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cdkg.errors import UsageError

#: The file that marks a folder as a cdkg build (its content: cdkg's version and format).
BUILD_MARKER = ".cdkg-build"
#: What a build and the commands writing into it by default put in a build folder; a folder
#: holding anything else is not replaced.
BUILD_ENTRIES = frozenset({BUILD_MARKER, "store", "kg.ttl", "kg.trig", "report.json", "inferred.ttl"})


@dataclass(frozen=True)
class OutputFolder:
    """A kind of folder cdkg writes whole and may replace: the marker file that says cdkg made it,
    the names it holds, and how messages name it."""

    marker: str
    entries: frozenset[str]
    noun: str  # "a cdkg build"
    option: str  # the option that names it: "--out"
    example: str  # a folder name to suggest: "build"
    legacy: frozenset[str] = frozenset()  # unmarked folders holding all of these count as ours
    replaced_by: str = "cdkg"  # who the marker says may replace the folder

    def marker_text(self) -> str:
        return marker_text(f"{self.noun} folder; {self.replaced_by} may replace it whole")


BUILD = OutputFolder(BUILD_MARKER, BUILD_ENTRIES, "a cdkg build", "--out", "build",
                     legacy=frozenset({"store", "report.json"}), replaced_by="`cdkg build`")

_umask_lock = threading.Lock()


def _umask() -> int:
    with _umask_lock:  # the only portable way to read the umask is to set it
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def _new_file_mode() -> int:
    return 0o666 & ~_umask()


def _is_system_file(path: Path) -> bool:
    """Whatever lies in /dev or /proc, or is reached through them (/dev/stdout → /proc/self/fd/1 →
    a file or a pipe), is written in place, never renamed over."""
    for p in (os.path.abspath(path), os.path.realpath(path)):
        parts = Path(p).parts
        if len(parts) > 1 and parts[1] in ("dev", "proc"):
            return True
    return False


def write_atomic(path: Path | str, data: bytes | Iterable[bytes]) -> Path:
    """Write ``data`` (bytes, or pieces of bytes written as they come) to ``path``.

    A regular file (or a new one) is replaced atomically: written to a temporary file in the
    same folder, then renamed over it.  A symbolic link is followed and its target written the
    same way (the link stays).  Anything else that exists — ``/dev/null``, ``/dev/stdout``, a
    FIFO — is opened and written through, never replaced.
    """
    path = Path(path)
    try:
        st = path.stat()  # follows links: what would be written
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}") from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise UsageError(f"cannot write {path}: it is a folder — give a file name")
    if (st is not None and not stat.S_ISREG(st.st_mode)) or _is_system_file(path):
        with open(path, "wb") as fh:  # a device, FIFO, terminal or /dev/stdout: write through
            for piece in _pieces(data):
                fh.write(piece)
        return path
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    if not target.parent.is_dir():
        if path.is_symlink():
            raise UsageError(f"cannot write {path}: it is a link to {target}, whose folder does not exist")
        target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        os.fchmod(fd, stat.S_IMODE(st.st_mode) if st is not None else _new_file_mode())
        with os.fdopen(fd, "wb") as fh:
            for piece in _pieces(data):
                fh.write(piece)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _pieces(data: bytes | Iterable[bytes]) -> Iterable[bytes]:
    return [data] if isinstance(data, (bytes, bytearray, memoryview)) else data


def marker_text(what: str) -> str:
    """What a marker file holds: cdkg's version and what the folder is."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        v = version("cdkg")
    except PackageNotFoundError:
        v = "unknown"
    return json.dumps({"cdkg": v, "what": what}) + "\n"


def _protected(target: Path, sources: Path | None) -> str | None:
    """Why ``target`` (resolved) may never be replaced, or None."""
    home = Path(os.path.expanduser("~")).resolve()
    if target == Path(target.anchor):
        return "it is the root folder"
    if target == Path.cwd().resolve():
        return "it is the current folder"
    if target == home or home.is_relative_to(target):
        return "it is your home folder" if target == home else "it contains your home folder"
    if sources is not None:
        src = sources.resolve()
        if src == target or src.is_relative_to(target):
            return "it is the sources folder" if src == target else f"it contains the sources folder {sources}"
    return None


def check_build_target(final: Path, sources: Path | None = None, kind: OutputFolder = BUILD) -> None:
    """Refuse (:class:`UsageError`) to write ``kind`` (a build, a site) into ``final`` unless replacing
    it can only lose an earlier one: it does not exist, is an empty folder, or holds one cdkg wrote
    (its marker) and nothing else."""
    final = Path(final)
    if final.is_symlink():
        raise UsageError(f"{kind.option} {final} is a symbolic link; give the real folder")
    target = final.resolve()
    why = _protected(target, sources)
    if why:
        raise UsageError(f"will not write {kind.noun} into {final}: {why}. Give a folder of its own, "
                         f"e.g. {kind.option} {kind.example}")
    if not final.exists():
        return
    if not final.is_dir():
        raise UsageError(f"{kind.option} {final} exists and is not a folder; give another {kind.option}")
    entries = {p.name for p in final.iterdir()}
    if not entries:
        return
    legacy = bool(kind.legacy) and kind.legacy <= entries  # written before such folders were marked
    if kind.marker not in entries and not legacy:
        raise UsageError(f"will not replace {final}/: it is not {kind.noun} (no {kind.marker} file). "
                         f"Give an empty or new folder as {kind.option}, or move its files away first")
    foreign = sorted(entries - kind.entries)
    if foreign:
        shown = ", ".join(foreign[:5]) + (" …" if len(foreign) > 5 else "")
        raise UsageError(f"will not replace {final}/: it holds files cdkg did not write there ({shown}). "
                         f"Move them out of the folder, or give another {kind.option}")


def staging_dir(final: Path, kind: OutputFolder = BUILD) -> Path:
    """A fresh, empty folder beside ``final`` to write into (mode as the umask allows), holding the
    marker of ``kind``."""
    final.parent.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent))
    os.chmod(staged, 0o777 & ~_umask())
    (staged / kind.marker).write_text(kind.marker_text(), encoding="utf-8")
    return staged


def replace_dir(staged: Path, final: Path, sources: Path | None = None, kind: OutputFolder = BUILD) -> None:
    """Put ``staged`` in place of ``final``; the old folder is removed only once the new one is in
    place, and only if it is one cdkg wrote (checked again here, just before the swap)."""
    check_build_target(final, sources, kind)
    old = None
    if final.exists():
        old = final.with_name(f".{final.name}.old-{os.getpid()}")
        if old.exists():
            shutil.rmtree(old)
        os.replace(final, old)
    try:
        os.replace(staged, final)
    except BaseException:
        if old is not None:
            os.replace(old, final)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
