"""Reading a source file safely: only a regular file inside its folder, never more than a limit.

A curated file or article named in a sources folder may be a symbolic link out of the folder
(``../../etc/passwd``), a device (``/dev/zero`` never ends) or a FIFO (opening it blocks for
ever).  :func:`read_regular` refuses all of these before reading a byte, and says why without
printing anything of the file.

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "a.txt").write_text("hello")
>>> read_regular(d / "a.txt", d, 100)
b'hello'
>>> read_regular(d / ".." / "x.txt", d, 100)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
cdkg.loaders.reading.UnsafeFile: it is outside the folder ...
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


class UnsafeFile(ValueError):
    """The file may not be read; the message says why, ``hint`` what to do."""

    def __init__(self, message: str, hint: str = ""):
        super().__init__(message)
        self.hint = hint


def inside(path: Path, folder: Path) -> Path:
    """``path`` with every link resolved, if that lies inside ``folder`` (resolved too); else
    :class:`UnsafeFile`."""
    real, base = Path(os.path.realpath(path)), Path(os.path.realpath(folder))
    if not real.is_relative_to(base) or real == base:
        raise UnsafeFile(f"it is outside the folder {folder} (after following links)",
                         f"put the file itself (not a link to elsewhere) in {folder}")
    return real


def read_regular(path: Path, folder: Path, limit: int) -> bytes:
    """The bytes of ``path``, which must be a regular file inside ``folder`` of at most ``limit``
    bytes; otherwise :class:`UnsafeFile`, with nothing of the file read."""
    real = inside(path, folder)
    try:
        st = os.stat(real)
    except OSError as exc:
        raise UnsafeFile(f"cannot be read ({exc.strerror})") from None
    if not stat.S_ISREG(st.st_mode):
        what = "a folder" if stat.S_ISDIR(st.st_mode) else "a FIFO" if stat.S_ISFIFO(st.st_mode) else \
            "a device or other special file"
        raise UnsafeFile(f"it is {what}, not a regular file", "a source is a plain text file")
    _check_size(st.st_size, limit)
    # O_NONBLOCK: should the file be swapped for a FIFO after the check, opening does not hang.
    fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise UnsafeFile("it changed into a special file while being read", "a source is a plain text file")
        _check_size(st.st_size, limit)
        chunks, total = [], 0
        while chunk := os.read(fd, 1 << 20):
            total += len(chunk)
            if total > limit:
                _check_size(total, limit)
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _check_size(size: int, limit: int) -> None:
    if size > limit:
        raise UnsafeFile(f"it is {size / 1e6:.1f} MB, over the {limit / 2**20:g} MiB limit",
                         "a curated source or article is a few KB of text; check that the right file is in the folder")
