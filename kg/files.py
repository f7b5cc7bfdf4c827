"""Writing outputs without harming what is not ours.

* :func:`write_atomic` — a file appears complete or not at all (a temporary file beside it, then
  a rename), but only a regular file is ever replaced: a device, FIFO or ``/dev/stdout`` is
  written through, and a symbolic link keeps being a link (its target is written).  New files
  get the mode the umask allows, a replaced file keeps its mode.
* :func:`staging_dir` / :func:`replace_dir` — a build folder is swapped in whole; the folder it
  replaces must be a cdkg build (:func:`check_build_target`): cdkg never deletes a folder that
  holds anything it did not write, nor the current, home or root folder, nor the sources.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import tempfile
import threading
from pathlib import Path

from kg.errors import UsageError

#: The file that marks a folder as a cdkg build (its content: cdkg's version and format).
BUILD_MARKER = ".cdkg-build"
#: What a build and the commands writing into it by default put in a build folder; a folder
#: holding anything else is not replaced.
BUILD_ENTRIES = frozenset({BUILD_MARKER, "store", "kg.ttl", "kg.trig", "report.json", "inferred.ttl"})

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


def write_atomic(path: Path | str, data: bytes) -> Path:
    """Write ``data`` to ``path``.

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
            fh.write(data)
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
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def marker_text() -> str:
    """What :data:`BUILD_MARKER` holds."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        v = version("cdkg")
    except PackageNotFoundError:
        v = "unknown"
    return json.dumps({"cdkg": v, "what": "a cdkg build folder; `cdkg build` may replace it whole"}) + "\n"


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


def check_build_target(final: Path, sources: Path | None = None) -> None:
    """Refuse (:class:`UsageError`) to build into ``final`` unless replacing it can only lose an
    earlier build: it does not exist, is an empty folder, or holds a cdkg build and nothing else."""
    final = Path(final)
    if final.is_symlink():
        raise UsageError(f"--out {final} is a symbolic link; give the real folder")
    target = final.resolve()
    why = _protected(target, sources)
    if why:
        raise UsageError(f"will not build into {final}: {why}. Give a folder of its own, e.g. --out build")
    if not final.exists():
        return
    if not final.is_dir():
        raise UsageError(f"--out {final} exists and is not a folder; give another --out")
    entries = {p.name for p in final.iterdir()}
    if not entries:
        return
    legacy = {"store", "report.json"} <= entries  # built before builds were marked
    if BUILD_MARKER not in entries and not legacy:
        raise UsageError(f"will not replace {final}/: it is not a cdkg build (no {BUILD_MARKER} file). "
                         "Give an empty or new folder as --out, or move its files away first")
    foreign = sorted(entries - BUILD_ENTRIES)
    if foreign:
        shown = ", ".join(foreign[:5]) + (" …" if len(foreign) > 5 else "")
        raise UsageError(f"will not replace {final}/: it holds files a build did not write ({shown}). "
                         "Move them out of the folder, or give another --out")


def staging_dir(final: Path) -> Path:
    """A fresh, empty folder beside ``final`` to build into (mode as the umask allows), holding
    the build marker."""
    final.parent.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent))
    os.chmod(staged, 0o777 & ~_umask())
    (staged / BUILD_MARKER).write_text(marker_text(), encoding="utf-8")
    return staged


def replace_dir(staged: Path, final: Path, sources: Path | None = None) -> None:
    """Put ``staged`` in place of ``final``; the old folder is removed only once the new one is in
    place, and only if it is a build (checked again here, just before the swap)."""
    check_build_target(final, sources)
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
