"""``cdkg serve``: an Oxigraph SPARQL server (the ``oxigraph`` package from PyPI) on the built
store, read-only, bound to 127.0.0.1, with its web query UI at the root URL."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from kg.errors import UsageError
from kg.store import open_store, store_path


def server_command(build: Path | str | None = None, port: int = 7878, host: str = "127.0.0.1") -> list[str]:
    """The command line that serves ``build`` (checked to be a build)."""
    open_store(build)  # raises NotBuiltError with the fix when nothing is built
    exe = shutil.which("oxigraph")
    if exe is None:
        raise UsageError("the `oxigraph` server is not installed: pip install oxigraph "
                         "(it is part of cdkg's [test] and [server] extras)")
    return [exe, "serve-read-only", "--location", str(store_path(build)), "--bind", f"{host}:{port}",
            "--union-default-graph"]


def serve(build: Path | str | None = None, port: int = 7878, host: str = "127.0.0.1") -> int:
    """Run the server in the foreground until interrupted (Ctrl-C or SIGTERM, which also stop
    the server); returns 0 when it was stopped that way, else the server's exit code."""
    import signal

    cmd = server_command(build, port, host)

    def stop(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    process = subprocess.Popen(cmd)
    try:
        code = process.wait()
    except KeyboardInterrupt:
        process.terminate()
        code = process.wait()
    finally:
        signal.signal(signal.SIGTERM, previous)
    return 0 if code in (0, -2, -15) else code
