"""``cdkg serve``: the built graph over SPARQL on 127.0.0.1, read-only, with Oxigraph's web
query UI at the root URL.

Why cdkg answers the queries itself rather than ``oxigraph serve-read-only``: Oxigraph's server
executes ``SERVICE`` — it fetches any URL a query names — and any web page the user opens can
make the browser post a query to a port on 127.0.0.1 (a cross-site request needs no
permission when it is a plain form post).  A checking proxy in front of Oxigraph would not be
enough: Oxigraph's own port, also on 127.0.0.1, would still take those posts.  So the endpoint
(``/query``, also ``/sparql`` which the UI uses) is served here with pyoxigraph, through the
same parsed check as ``cdkg query`` (:mod:`cdkg.kg.guard`: no updates, no ``SERVICE``, no
foreign ``FROM``) and in the same kind of worker process, which has a time limit and cannot
open a network socket (:mod:`cdkg.kg.worker`).  It refuses cross-site requests: a request whose
``Host`` is not this server (DNS rebinding), whose ``Origin`` is present and not
``http://127.0.0.1:PORT`` / ``http://localhost:PORT``, whose ``Sec-Fetch-Site`` says another
site sent it, or a POST that is not ``application/sparql-query`` or
``application/x-www-form-urlencoded``.

The UI (Oxigraph's page and its YASGUI script, built into the ``oxigraph`` program) is read once
at start from a short-lived ``oxigraph serve`` on an empty in-memory store and an unused port,
stopped as soon as the four files are read, and then served from memory.
"""

from __future__ import annotations

import http.client
import http.server
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable
from urllib.parse import parse_qs, urlsplit

import pyoxigraph as ox

from cdkg.errors import CdkgError, UsageError

UI_FILES = {"/": "text/html; charset=utf-8", "/yasgui.min.js": "application/javascript; charset=utf-8",
            "/yasgui.min.css": "text/css; charset=utf-8", "/logo.svg": "image/svg+xml"}
SPARQL_PATHS = ("/query", "/sparql")
QUERY_TYPES = ("application/sparql-query", "application/x-www-form-urlencoded")
MAX_BODY = 1 << 20  # a query larger than 1 MiB is refused
HOST = "127.0.0.1"


def ui_files() -> dict[str, bytes]:
    """Oxigraph's web UI, read from a short-lived ``oxigraph serve`` on an empty in-memory store."""
    exe = shutil.which("oxigraph")
    if exe is None:
        raise UsageError("the `oxigraph` program (which holds the web query UI) is not installed: "
                         "pip install oxigraph (it is part of cdkg's [test] and [server] extras)")
    with socket.socket() as s:
        s.bind((HOST, 0))
        port = s.getsockname()[1]
    process = subprocess.Popen([exe, "serve", "--bind", f"{HOST}:{port}"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                return {path: _get(port, path) for path in UI_FILES}
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise UsageError("could not read the web query UI from the `oxigraph` program") from None
                time.sleep(0.05)
    finally:
        process.kill()
        process.wait()


def _get(port: int, path: str) -> bytes:
    connection = http.client.HTTPConnection(HOST, port, timeout=5)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise OSError(f"GET {path}: HTTP {response.status}")
        return body
    finally:
        connection.close()


class SparqlServer(http.server.ThreadingHTTPServer):
    """The endpoint and the UI for one build, on 127.0.0.1."""

    daemon_threads = True

    def __init__(self, backend, port: int, ui: dict[str, bytes], timeout: float):
        self.backend = backend
        self.ui = ui
        self.query_timeout = timeout
        super().__init__((HOST, port), _Handler)
        self.port = self.server_address[1]
        self.origins = {f"http://{HOST}:{self.port}", f"http://localhost:{self.port}"}


class _Handler(http.server.BaseHTTPRequestHandler):
    server: SparqlServer
    server_version = "cdkg"
    timeout = 30  # seconds a client may take to send its request

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._handle()

    def do_POST(self) -> None:  # noqa: N802
        self._handle()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet: no line per request
        pass

    # -- checks -----------------------------------------------------------------------------------

    def _cross_site(self) -> str | None:
        """Why this request must be refused as coming from another site, or None."""
        port = self.server.port
        host = (self.headers.get("Host") or "").strip().lower()
        if host and host not in (f"{HOST}:{port}", f"localhost:{port}"):
            return f"Host {host!r} is not this server"
        origin = self.headers.get("Origin")
        if origin is not None and origin.strip().lower().rstrip("/") not in self.server.origins:
            return f"Origin {origin!r} is another site"
        fetch_site = (self.headers.get("Sec-Fetch-Site") or "").strip().lower()
        if fetch_site not in ("", "same-origin", "none"):
            return f"the browser says another site sent it (Sec-Fetch-Site: {fetch_site})"
        return None

    def _handle(self) -> None:
        why = self._cross_site()
        if why:
            return self._send(403, f"cross-site request refused: {why}\n")
        path = urlsplit(self.path).path
        if path in SPARQL_PATHS:
            return self._sparql()
        if path == "/update" or path.startswith("/store"):
            return self._send(403, "this server is read-only: it answers SPARQL queries at /query\n")
        if self.command == "GET" and path in self.server.ui:
            return self._send(200, self.server.ui[path], UI_FILES[path])
        return self._send(404, "not found: the SPARQL endpoint is /query, the web UI is /\n")

    def _request_text(self) -> tuple[str | None, str | None]:
        """The query text of a SPARQL Protocol request, or (None, why it is refused)."""
        url = urlsplit(self.path)
        if self.command == "GET":
            fields = parse_qs(url.query, keep_blank_values=True)
        else:
            mime = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if mime not in QUERY_TYPES:
                return None, f"415 a query is posted as {' or '.join(QUERY_TYPES)}, not {mime or 'no content type'}"
            length = self.headers.get("Content-Length")
            if length is None or not length.strip().isdigit():
                return None, "411 a POST needs a Content-Length"
            if int(length) > MAX_BODY:
                return None, f"413 a query is at most {MAX_BODY} bytes"
            body = self.rfile.read(int(length))
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                return None, "400 the query is not UTF-8"
            if mime == "application/sparql-query":
                if url.query and parse_qs(url.query).keys() - {"query"}:
                    return None, "400 protocol parameters (default-graph-uri, ...) are not supported"
                return text, None
            fields = parse_qs(text, keep_blank_values=True)
        if "update" in fields:
            return None, "403 this server is read-only: updates are refused"
        if fields.keys() - {"query"}:
            return None, ("400 only the query parameter is supported (not "
                          f"{', '.join(sorted(fields.keys() - {'query'}))}); use FROM or GRAPH in the query")
        if len(fields.get("query", [])) != 1:
            return None, "400 give one query parameter"
        return fields["query"][0], None

    # -- answering --------------------------------------------------------------------------------

    def _sparql(self) -> None:
        from cdkg.kg import guard

        text, refused = self._request_text()
        if text is None:
            status, _, message = (refused or "400 bad request").partition(" ")
            return self._send(int(status), message + "\n")
        verdict = guard.analyse(text)
        if verdict.kind == "update":
            return self._send(403, "this server is read-only: updates are refused\n")
        if verdict.network:
            return self._send(403, f"refused: the query would make this server contact another one "
                                   f"({verdict.network}); cdkg serve never does\n")
        results, graph = _negotiate(self.headers.get("Accept") or "")
        try:
            data = _evaluate(self.server.backend, text, results, graph, self.server.query_timeout)
        except SyntaxError as exc:
            return self._send(400, f"SPARQL syntax error: {exc}\n")
        except CdkgError as exc:
            return self._send(503, f"{exc}\n")
        except Exception as exc:  # noqa: BLE001 - the client gets the reason, the server keeps serving
            return self._send(500, f"the query failed: {exc}\n")
        fmt = graph if data[:1] == b"G" else results
        self._send(200, data[1:], fmt.media_type + ("; charset=utf-8" if fmt.media_type.startswith("text/") else ""))

    def _send(self, status: int, body: bytes | str, ctype: str = "text/plain; charset=utf-8") -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)


def _negotiate(accept: str) -> tuple[ox.QueryResultsFormat, ox.RdfFormat]:
    """The results format (SELECT, ASK) and graph format (CONSTRUCT, DESCRIBE) the client prefers."""
    ranked = []
    for i, part in enumerate(accept.split(",")):
        mime, *params = [p.strip() for p in part.split(";")]
        q = 1.0
        for p in params:
            if p.startswith("q="):
                try:
                    q = float(p[2:])
                except ValueError:
                    q = 0.0
        ranked.append((-q, i, mime.lower()))
    mimes = [m for _, _, m in sorted(ranked)]
    results = next((f for f in map(ox.QueryResultsFormat.from_media_type, mimes) if f), ox.QueryResultsFormat.JSON)
    graph = next((f for f in map(ox.RdfFormat.from_media_type, mimes) if f and not f.supports_datasets),
                 ox.RdfFormat.TURTLE)
    return results, graph


def _evaluate(backend, text: str, results: ox.QueryResultsFormat, graph: ox.RdfFormat, timeout: float) -> bytes:
    """Run the query in a worker stopped at the deadline; ``R`` + results or ``G`` + a graph."""
    from cdkg.kg.worker import run_in_worker

    def work() -> bytes:
        answer = backend.query(text)
        if isinstance(answer, ox.QueryTriples):
            return b"G" + answer.serialize(format=graph)
        return b"R" + answer.serialize(format=results)

    return run_in_worker(work, timeout)


def make_server(build: Path | str | None = None, port: int = 7878, timeout: float = 60.0) -> SparqlServer:
    """The server for ``build`` on 127.0.0.1:``port`` (0: any free port), not yet serving."""
    from cdkg.kg.sparql import LocalBackend

    backend = LocalBackend(build)  # raises NotBuiltError with the fix when nothing is built
    return SparqlServer(backend, port, ui_files(), timeout)


def serve(build: Path | str | None = None, port: int = 7878, timeout: float = 60.0,
          ready: Callable[[SparqlServer], None] | None = None) -> int:
    """Serve in the foreground until Ctrl-C or SIGTERM; returns 0."""
    import signal

    server = make_server(build, port, timeout)

    def stop(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        if ready:
            ready(server)
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.server_close()
    sys.stderr.flush()
    return 0
