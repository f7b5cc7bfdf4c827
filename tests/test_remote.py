"""Beyond one machine: a real Oxigraph server on 127.0.0.1 — push the graph, run every named
query remotely and compare with the embedded store, push twice, and fail cleanly when the
server dies, is slow, refuses, or answers garbage."""

from __future__ import annotations

import http.server
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest
import yaml

from cdkg import queries
from cdkg.kg.remote import EndpointError, RemoteBackend, push
from cdkg.kg.sparql import LocalBackend
from tests.conftest import free_port, require, wait_until_up

MANIFEST = yaml.safe_load((Path(__file__).parent / "queries" / "manifest.yaml").read_text(encoding="utf-8"))


def start_oxigraph(tmp: Path) -> tuple[subprocess.Popen, str]:
    require("oxigraph", "the remote-endpoint tests run a real Oxigraph server (pip install oxigraph)")
    port = free_port()
    process = subprocess.Popen(["oxigraph", "serve", "--location", str(tmp), "--bind", f"127.0.0.1:{port}",
                                "--union-default-graph"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    wait_until_up(base + "/", process)
    return process, base + "/query"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    process, endpoint = start_oxigraph(tmp_path_factory.mktemp("oxigraph"))
    yield endpoint
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="module")
def pushed(server, built):
    push(server, built)
    return RemoteBackend(server, timeout=30)


def terms(result):
    return sorted((tuple(str(t) if t is not None else "" for t in row) for row in result.terms))


def count_quads(backend) -> int:
    rows = list(backend.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"))
    return int(rows[0]["n"].value)


def test_push_keeps_every_named_graph(pushed, store):
    local_graphs = {g.value for g in store.named_graphs()}
    rows = pushed.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert {r["g"].value for r in rows} == local_graphs
    assert count_quads(pushed) == len(list(store.quads_for_pattern(None, None, None, None)))


@pytest.mark.parametrize("entry", MANIFEST, ids=[f"{e['query']}-{i}" for i, e in enumerate(MANIFEST)])
def test_every_named_query_answers_the_same_remotely(pushed, store, entry):
    params = {k: str(v) for k, v in (entry.get("params") or {}).items()}
    local = queries.run(entry["query"], params, backend=LocalBackend(store=store))
    remote = queries.run(entry["query"], params, backend=pushed)
    assert remote.variables == local.variables
    assert terms(remote) == terms(local)
    assert remote.rows() == local.rows() or sorted(map(repr, remote.rows())) == sorted(map(repr, local.rows()))


def test_pushing_twice_replaces_rather_than_duplicates(pushed, server, built):
    before = count_quads(pushed)
    push(server, built)
    assert count_quads(pushed) == before


def test_cli_push_and_remote_query(server, built):
    env = {"COLUMNS": "120", "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-m", "cdkg.cli", "push", "--endpoint", server, "--build", str(built)],
                            capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    from cdkg.kg.store import open_store

    graphs = len(list(open_store(built).named_graphs()))
    assert f"Pushed {graphs} named graphs" in result.stdout
    csv = subprocess.run([sys.executable, "-m", "cdkg.cli", "query", "cq06", "--endpoint", server, "-f", "csv"],
                         capture_output=True, text=True, timeout=120, env=env)
    assert csv.returncode == 0, csv.stderr
    assert csv.stdout.splitlines()[0] == "locality,plan,carried_from,date"
    assert "https://w3id.org/cdkg/id/place/hue_city,https://w3id.org/cdkg/id/document/plan_173_kh_ubnd" in csv.stdout


def test_a_server_killed_mid_run_gives_a_clear_error(tmp_path, built):
    process, endpoint = start_oxigraph(tmp_path / "doomed")
    push(endpoint, built)
    backend = RemoteBackend(endpoint, timeout=5, retries=2, backoff=0.05)
    assert len(queries.run("cq06", backend=backend)) == len(queries.run("cq06", build=built))
    process.kill()
    process.wait(timeout=10)
    with pytest.raises(EndpointError, match=r"127\.0\.0\.1.*unreachable .* after 3 attempts"):
        queries.run("cq06", backend=backend)
    cli = subprocess.run([sys.executable, "-m", "cdkg.cli", "query", "cq06", "--endpoint", endpoint, "--timeout", "2"],
                         capture_output=True, text=True, timeout=120)
    assert cli.returncode == 2 and endpoint in cli.stderr and "Traceback" not in cli.stderr


def test_bad_queries_report_the_status(pushed):
    with pytest.raises(EndpointError, match="HTTP 400"):
        pushed.query("SELECT WHERE {")


class _Scripted(http.server.BaseHTTPRequestHandler):
    """A fake endpoint answering from a script: (status, content type, body, delay) per request."""

    script: list[tuple[int, str, bytes, float]] = []
    calls = 0

    def do_POST(self):  # noqa: N802
        type(self).calls += 1
        status, ctype, body, delay = self.script[min(self.calls, len(self.script)) - 1]
        time.sleep(delay)
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class _QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # the client gave up on a slow answer: expected in the time-out test


@pytest.fixture
def fake():
    server = _QuietServer(("127.0.0.1", 0), _Scripted)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Scripted.calls = 0
    yield f"http://127.0.0.1:{server.server_address[1]}/query"
    server.shutdown()


GOOD = b'{"head":{"vars":["n"]},"results":{"bindings":[{"n":{"type":"literal","value":"1"}}]}}'


def test_transient_failures_are_retried_with_backoff(fake):
    _Scripted.script = [(503, "text/plain", b"busy", 0), (502, "text/plain", b"gateway", 0),
                        (200, "application/sparql-results+json", GOOD, 0)]
    rows = list(RemoteBackend(fake, retries=3, backoff=0.01).query("SELECT ?n WHERE {}"))
    assert rows[0]["n"] == ox.Literal("1") and _Scripted.calls == 3


def test_malformed_results_and_client_errors_are_not_retried(fake):
    _Scripted.script = [(200, "application/sparql-results+json", b"{not json", 0)]
    with pytest.raises(EndpointError, match="malformed results"):
        RemoteBackend(fake, backoff=0.01).query("SELECT ?n WHERE {}")
    _Scripted.calls = 0
    _Scripted.script = [(403, "text/plain", b"forbidden", 0)]
    with pytest.raises(EndpointError, match="HTTP 403 .*forbidden"):
        RemoteBackend(fake, backoff=0.01).query("SELECT ?n WHERE {}")
    assert _Scripted.calls == 1
    _Scripted.calls = 0
    _Scripted.script = [(200, "text/html", b"<html>login</html>", 0)]
    with pytest.raises(EndpointError, match="text/html, not SPARQL results"):
        RemoteBackend(fake, backoff=0.01).query("SELECT ?n WHERE {}")


def test_a_slow_endpoint_times_out(fake):
    _Scripted.script = [(200, "application/sparql-results+json", GOOD, 1.5)]
    # --timeout is the total time for a request, retries included: no second attempt once it has passed.
    with pytest.raises(EndpointError, match="timed out: no complete answer within 0.3 s"):
        RemoteBackend(fake, timeout=0.3, retries=1, backoff=0.01).query("SELECT ?n WHERE {}")
    assert _Scripted.calls == 1


def test_cdkg_serve_answers_the_named_queries(built, store):
    require("oxigraph", "cdkg serve runs the Oxigraph server")
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "cdkg.cli", "serve", "--port", str(port), "--build", str(built)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/", process)
        remote = queries.run("cq04", backend=RemoteBackend(f"http://127.0.0.1:{port}/query"))
        assert terms(remote) == terms(queries.run("cq04", backend=LocalBackend(store=store)))
    finally:
        process.terminate()
        process.wait(timeout=10)
    # Stopping cdkg stops the server it started.
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
