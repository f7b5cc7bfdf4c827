"""Run a query in a forked worker process that a deadline or Ctrl-C can stop.

Pyoxigraph evaluates a query in native code that never looks at Python's signals, so neither
a timer nor Ctrl-C can interrupt it in the process that started it.  Two ways out were
weighed: a worker *thread* (pyoxigraph releases the GIL, so the main thread could stop
waiting at the deadline) leaves the evaluation running — burning a core, holding the store —
until it ends by itself, which for a cross product is never, and a library user's Python
session keeps it; a forked worker *process* can be killed at the deadline, so nothing keeps
running, for the command line and the Python API alike.  The worker is forked (no new
interpreter, no reopening: the child shares the parent's open store), evaluates, and sends the
answer back serialised in a standard format (SPARQL JSON results, N-Triples) that the parent
parses — the same path as an answer from a remote endpoint.  It costs a few milliseconds per
query, so it is used when a time limit is asked for (``timeout=``), which the command line
always does.

The worker ends when the parent dies, however it dies (``PR_SET_PDEATHSIG`` on Linux), and
dies of Ctrl-C itself when the terminal sends it to the whole process group.  Unless the caller
allows the network (``network=True``: ``--allow-service``), the worker cannot open an IP socket
at all — a seccomp filter makes ``socket(AF_INET/AF_INET6, …)`` fail (Linux on x86-64 and
ARM64) — so even a query that got past the parsed check (:mod:`cdkg.kg.guard`) fetches nothing.
"""

from __future__ import annotations

import ctypes
import os
import pickle
import platform
import select
import signal
import struct
import sys
import time
from typing import Callable, Iterator

from cdkg.errors import CdkgError


class QueryTimeout(CdkgError):
    """The query ran longer than its time limit and was stopped."""


class QueryInterrupted(CdkgError):
    """The query was stopped by Ctrl-C (SIGINT).  Exit code 130, as a shell reports Ctrl-C."""

    exit_code = 130


def run_in_worker(work: Callable[[], bytes], timeout: float, what: str = "the query", *,
                  network: bool = False) -> bytes:
    """Run ``work`` in a forked child and return the bytes it returns; re-raise its exception.

    Raises :class:`QueryTimeout` after ``timeout`` seconds and :class:`QueryInterrupted` on
    Ctrl-C — in both cases the child is killed before this returns.  Without ``network`` the
    child cannot open IP sockets (where seccomp is available)."""
    return b"".join(stream_in_worker(lambda send: send(work()), timeout, what, network=network))


def stream_in_worker(work: Callable[[Callable[[bytes], None]], None], timeout: float, what: str = "the query", *,
                     network: bool = False) -> Iterator[bytes]:
    """Run ``work(send)`` in a forked child and yield the bytes it sends, as they arrive; re-raise
    its exception.  The deadline (``timeout`` seconds) is for the whole answer; the child waits
    while the caller has not read what it sent, so an answer is never held whole.  Closing the
    generator early (the caller has read enough) kills the child.  Raises as :func:`run_in_worker`."""
    if not timeout or timeout <= 0:
        raise ValueError("timeout must be a positive number of seconds")
    if not hasattr(os, "fork"):  # pragma: no cover - Windows: no fork, run here without a deadline
        sent: list[bytes] = []
        work(sent.append)
        yield from sent
        return
    prctl = _prctl()
    no_network = None if network else _no_ip_sockets()
    read_end, write_end = os.pipe()
    parent = os.getpid()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child: never returns into the caller's code
        code = 0
        try:
            os.close(read_end)
            _die_with(parent, prctl)
            if no_network is not None and prctl is not None:
                prctl(38, 1, 0, 0, 0)  # PR_SET_NO_NEW_PRIVS, which an unprivileged filter needs
                prctl(ctypes.c_int(22), ctypes.c_ulong(2), no_network, ctypes.c_ulong(0), ctypes.c_ulong(0))
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)

            def frame(tag: bytes, data: bytes) -> None:
                view = memoryview(tag + struct.pack(">Q", len(data)) + data)
                while view:
                    view = view[os.write(write_end, view):]

            try:
                work(lambda data: frame(b"D", bytes(data)) if data else None)
                frame(b"K", b"")
            except BaseException as exc:  # noqa: BLE001 - sent to the parent, which re-raises it
                frame(b"E", _pickled(exc))
        except BaseException:  # noqa: BLE001
            code = 1
        finally:
            os._exit(code)
    os.close(write_end)
    deadline = time.monotonic() + timeout
    buffer = bytearray()
    ended = False
    try:
        while not ended:
            left = deadline - time.monotonic()
            if left <= 0:
                raise QueryTimeout(f"{what} did not finish within {timeout:g} s and was stopped; narrow the "
                                   "query (LIMIT, more specific patterns) or raise --timeout (timeout= in Python)")
            try:
                ready, _, _ = select.select([read_end], [], [], min(left, 0.5))
                chunk = os.read(read_end, 1 << 20) if ready else None
            except KeyboardInterrupt:
                raise QueryInterrupted(f"interrupted (Ctrl-C): {what} was stopped") from None
            if chunk is None:
                continue
            if not chunk:
                break
            buffer += chunk
            while len(buffer) >= 9:
                size = struct.unpack(">Q", buffer[1:9])[0]
                if len(buffer) < 9 + size:
                    break
                tag, data = bytes(buffer[:1]), bytes(buffer[9:9 + size])
                del buffer[:9 + size]
                if tag == b"D":
                    yield data
                elif tag == b"E":
                    raise pickle.loads(data)
                else:
                    ended = True
                    break
    finally:
        os.close(read_end)
        status = _reap(pid)
    if ended:
        return
    if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGINT:  # Ctrl-C reached it first
        raise QueryInterrupted(f"interrupted (Ctrl-C): {what} was stopped")
    raise CdkgError(f"the process running {what} ended without an answer (status {status}); "
                    "it may have run out of memory — narrow the query")


def _reap(pid: int) -> int:
    """Kill the child if it still runs, collect it, and return its wait status."""
    try:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done == 0:
            os.kill(pid, signal.SIGKILL)
            _, status = os.waitpid(pid, 0)
        return status
    except ChildProcessError:
        return 0


def _pickled(exc: BaseException) -> bytes:
    try:
        data = pickle.dumps(exc)
        pickle.loads(data)
        return data
    except Exception:  # noqa: BLE001 - an exception that does not pickle becomes its message
        return pickle.dumps(RuntimeError(f"{type(exc).__name__}: {exc}"))


_PRCTL: list = []


def _prctl() -> Callable[..., int] | None:
    """libc's prctl, looked up once in the parent (the child should not import anything)."""
    if not _PRCTL:
        try:
            import ctypes

            _PRCTL.append(ctypes.CDLL(None, use_errno=True).prctl)
        except (OSError, AttributeError):  # pragma: no cover - not Linux
            _PRCTL.append(None)
    return _PRCTL[0]


def _die_with(parent: int, prctl: Callable[..., int] | None) -> None:
    """Ask Linux to kill this process when its parent dies; exit now if it already has."""
    if prctl is not None:
        prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:
        os._exit(1)


# seccomp: (audit arch, socket syscall number) per machine, and the filter, built in the parent.
_SOCKET_SYSCALL = {"x86_64": (0xC000003E, 41), "aarch64": (0xC00000B7, 198)}
_FILTERS: list = []


def _no_ip_sockets() -> object | None:
    """A pointer to a seccomp program that makes ``socket()`` for IPv4 and IPv6 fail with EPERM
    (everything else allowed), or None on a machine it is not written for."""
    if _FILTERS:
        return _FILTERS[0][0]
    arch = _SOCKET_SYSCALL.get(platform.machine()) if sys.platform.startswith("linux") else None
    if arch is None:
        _FILTERS.append((None,))
        return None
    audit, socket_nr = arch
    load, jeq, ret = 0x20, 0x15, 0x06  # BPF_LD|BPF_W|BPF_ABS, BPF_JMP|BPF_JEQ|BPF_K, BPF_RET|BPF_K
    allow, deny = 0x7FFF0000, 0x00050000 | 1  # SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO | EPERM
    program = [
        (load, 0, 0, 4),          # A = seccomp_data.arch
        (jeq, 1, 0, audit),       # another ABI: allow
        (ret, 0, 0, allow),
        (load, 0, 0, 0),          # A = seccomp_data.nr
        (jeq, 0, 3, socket_nr),   # not socket(): allow
        (load, 0, 0, 16),         # A = seccomp_data.args[0] (the address family)
        (jeq, 2, 0, 2),           # AF_INET: deny
        (jeq, 1, 0, 10),          # AF_INET6: deny
        (ret, 0, 0, allow),
        (ret, 0, 0, deny),
    ]
    code = ctypes.create_string_buffer(b"".join(struct.pack("HBBI", *op) for op in program))

    class FilterProgram(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    fprog = FilterProgram(len(program), ctypes.addressof(code))
    pointer = ctypes.c_void_p(ctypes.addressof(fprog))
    _FILTERS.append((pointer, code, fprog))  # kept alive for the children to come
    return pointer
