"""Hardening of queries and the server (issue 19, items 10-12): federation is refused on the
parsed query however it is spelled, local queries have a time limit and stop on Ctrl-C, and
`cdkg serve` refuses SERVICE, updates and cross-site requests.

Every network check uses a loopback server on 127.0.0.1 that records each connection it
accepts, so "refused" means "nothing was sent", and the same server is shown to be contacted
when federation is allowed (the test can see a request)."""

from __future__ import annotations

import http.server
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from cdkg import queries
from cdkg.errors import UsageError
from cdkg.kg.sparql import LocalBackend
from cdkg.kg.worker import QueryInterrupted, QueryTimeout
from tests.conftest import free_port, require, wait_until_up

CROSS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
REMOTE_ROW = (b'{"head":{"vars":["r"]},"results":{"bindings":[{"r":{"type":"literal","value":"REMOTE"}}]}}')


class _Recorder(http.server.ThreadingHTTPServer):
    """Counts every connection it accepts (even one that sends no valid HTTP)."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Answer)
        self.connections = 0

    def verify_request(self, request, client_address) -> bool:
        self.connections += 1
        return True

    def handle_error(self, request, client_address) -> None:
        pass


class _Answer(http.server.BaseHTTPRequestHandler):
    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(REMOTE_ROW)))
        self.end_headers()
        self.wfile.write(REMOTE_ROW)

    do_GET = do_POST = _answer

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def recorder():
    server = _Recorder()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def local(built):
    return LocalBackend(built)


def spellings(base: str) -> list[str]:
    """Ways to write a federated query; ``base`` is the recorder's URL ending in '/'."""
    url = base + "sparql"
    return [
        f"SELECT ?r WHERE {{ SERVICE<{url}> {{ ?r ?p ?o }} }}",
        f"select ?r where {{ service <{url}> {{ ?r ?p ?o }} }}",
        f"SELECT ?r WHERE {{ SERVICE SILENT <{url}> {{ ?r ?p ?o }} }}",
        f"PREFIX e: <{base}>\nSELECT ?r WHERE {{ SERVICE e:sparql {{ ?r ?p ?o }} }}",
        f"PREFIX : <{base}>\nSELECT ?r WHERE {{ SERVICE:sparql {{ ?r ?p ?o }} }}",
        f"BASE <{base}>\nSELECT ?r WHERE {{ SERVICE <sparql> {{ ?r ?p ?o }} }}",
        f"SELECT ?r WHERE {{ SERVICE # a comment\n <{url}> # another\n {{ ?r ?p ?o }} }}",
        f"SELECT ?r WHERE {{ {{ SELECT ?r WHERE {{ SERVICE <{url}> {{ ?r ?p ?o }} }} }} }}",
        f"ASK {{ FILTER EXISTS {{ SERVICE <{url}> {{ ?r ?p ?o }} }} }}",
        # Where rdflib and Oxigraph read the text differently: rdflib expands \u escapes before
        # parsing (here they close a string early for rdflib only) and ends a comment only at \n.
        f'SELECT * WHERE {{ ?s ?p "x\\u0022," . SERVICE <{url}> {{ ?r ?p ?o }} ?s ?p ", \\u0022" }}',
        f'SELECT * WHERE {{ ?s ?p "a\\u0022b" . SERVICE <{url}> {{ ?r ?p ?o }} ?s ?p "c" }}',
        f"SELECT * WHERE {{ ?s ?p ?o # a comment\r SERVICE <{url}> {{ ?r ?p ?o }} }}",
        # rdflib cannot parse an escaped '#' in a name; the fallback must not take it for a comment.
        f"PREFIX ex: <http://e/>\nSELECT * WHERE {{ ?s ?p ex:a\\#b . SERVICE <{url}> {{ ?r ?p ?o }} }}",
    ]


def base_of(server: _Recorder) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/"


def run_cdkg(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cdkg.cli", *args], capture_output=True, text=True, timeout=timeout)


# -- item 10: federation is decided on the parsed query ---------------------------------------------

@pytest.mark.parametrize("index", range(len(spellings("http://x/"))))
def test_every_spelling_of_service_is_refused_and_nothing_is_sent(recorder, local, index):
    text = spellings(base_of(recorder))[index]
    with pytest.raises(UsageError, match="--allow-service"):
        queries.run_sparql(text, backend=local)
    assert recorder.connections == 0


def test_allowed_service_reaches_the_recorder(recorder, local):
    """The control: the same query with allow_service does contact the loopback server."""
    result = queries.run_sparql(spellings(base_of(recorder))[0], backend=local, allow_service=True)
    assert recorder.connections >= 1
    assert result.values() == [{"r": "REMOTE"}]


def test_the_query_worker_cannot_reach_the_network(recorder, local):
    """Defence in depth: a query that got past the check still fetches nothing in the worker."""
    from cdkg.kg.sparql import query_within

    text = spellings(base_of(recorder))[0]
    with pytest.raises(OSError, match="not permitted"):
        query_within(local, text, timeout=30)
    assert recorder.connections == 0
    assert [row["r"].value for row in query_within(local, text, timeout=30, network=True)] == ["REMOTE"]
    assert recorder.connections >= 1


def test_a_rq_file_with_service_is_refused_by_the_cli(recorder, tmp_path, built):
    base = base_of(recorder)
    rq = tmp_path / "federated.rq"
    rq.write_text("# title: federated\n" + spellings(base)[3] + "\n", encoding="utf-8")
    refused = run_cdkg("query", str(rq), "--build", str(built))
    assert refused.returncode == 2, refused.stderr
    assert "--allow-service" in refused.stderr and "Traceback" not in refused.stderr
    assert recorder.connections == 0
    allowed = run_cdkg("query", str(rq), "--build", str(built), "--allow-service", "--format", "csv")
    assert allowed.returncode == 0, allowed.stderr
    assert "REMOTE" in allowed.stdout and recorder.connections >= 1


def test_load_and_foreign_dataset_clauses_are_refused(recorder, local):
    base = base_of(recorder)
    for text in [f"LOAD <{base}data.ttl>", f"LOAD SILENT <{base}data.ttl> INTO GRAPH <https://w3id.org/cdkg/id/x>",
                 f"INSERT {{ ?s ?p ?o }} USING <{base}g> WHERE {{ ?s ?p ?o }}"]:
        with pytest.raises(UsageError, match="--allow-service"):
            queries.run_sparql(text, backend=local, allow_update=True)
    for text in [f"SELECT * FROM <{base}g> WHERE {{ ?s ?p ?o }}",
                 f"BASE <{base}>\nSELECT * FROM NAMED <g> WHERE {{ ?s ?p ?o }}",
                 f"PREFIX cdid: <{base}>\nSELECT * FROM cdid:provenance WHERE {{ ?s ?p ?o }}"]:
        with pytest.raises(UsageError, match="--allow-service"):
            queries.run_sparql(text, backend=local)
    assert recorder.connections == 0
    # cdkg's own graphs, however written, are local.
    for text in ["SELECT (COUNT(*) AS ?n) FROM cdid:provenance WHERE { ?s ?p ?o }",
                 "BASE <https://w3id.org/cdkg/id/>\nSELECT (COUNT(*) AS ?n) FROM <provenance> WHERE { ?s ?p ?o }"]:
        assert queries.run_sparql(text, backend=local).values()[0]["n"] != "0"


def test_updates_are_recognised_on_the_parse():
    from cdkg.kg import guard

    for text in ["insert data { <a> <b> <c> }", "# INSERT\nSELECT * WHERE { ?s ?p ?o }",
                 "PREFIX x: <http://x/>\n\n  # comment\n dElEtE WHERE { ?s ?p ?o }",
                 'SELECT ?x WHERE { BIND("DELETE" AS ?x) }']:
        expected = "query" if text.lstrip().upper().startswith(("#", "SELECT")) else "update"
        assert guard.kind(text) == expected, text


def test_the_bundled_queries_stay_local():
    """run() trusts the bundled queries without parsing them each time: this is why."""
    from cdkg.kg import guard
    from cdkg.queries.gaps import rule_files

    texts = [q.text for q in queries.library().values()] + [p.read_text(encoding="utf-8")
                                                            for p in rule_files().values()]
    for text in texts:
        assert guard.analyse(text) == guard.Verdict("query", None)


# -- item 11: a time limit and Ctrl-C for local queries ---------------------------------------------

def _children(pid: int) -> list[int]:
    kids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                kids.append(int(entry))
    return kids


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_the_cli_stops_a_runaway_query_at_its_timeout(built):
    start = time.monotonic()
    result = run_cdkg("query", "--sparql", CROSS, "--build", str(built), "--timeout", "2", timeout=60)
    elapsed = time.monotonic() - start
    assert result.returncode == 2
    assert "did not finish within 2 s" in result.stderr and "--timeout" in result.stderr
    assert "Traceback" not in result.stderr
    assert elapsed < 15  # a correctness bound (the query alone would run for hours), not a speed claim


def test_ctrl_c_stops_a_running_query_at_once(built):
    process = subprocess.Popen([sys.executable, "-m", "cdkg.cli", "query", "--sparql", CROSS, "--build", str(built)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        workers: list[int] = []
        while not workers and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
            workers = _children(process.pid)
        assert workers, "the query never started"
        time.sleep(0.3)
        sent = time.monotonic()
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=10)
        assert time.monotonic() - sent < 2.5
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130
    assert "interrupted (Ctrl-C)" in err and "Traceback" not in err
    assert not any(_alive(w) for w in workers)  # the evaluation stopped too, not only the waiting


def test_the_api_takes_a_timeout_and_leaves_no_worker_running(local):
    before = set(_children(os.getpid()))
    start = time.monotonic()
    with pytest.raises(QueryTimeout, match="within 1 s"):
        queries.run_sparql(CROSS, backend=local, timeout=1)
    assert time.monotonic() - start < 10
    assert set(_children(os.getpid())) <= before
    with pytest.raises(UsageError, match="positive"):
        queries.run("cq01", backend=local, timeout=0)


def test_answers_through_the_worker_are_the_answers(local):
    """A time limit runs the query in a worker process; what comes back is the same."""
    for name in queries.library():
        assert queries.run(name, backend=local, timeout=60).terms == queries.run(name, backend=local).terms, name
    construct = "CONSTRUCT { ?s rdfs:label ?o } WHERE { ?s rdfs:label ?o }"
    triples = sorted(map(str, queries.run_sparql(construct, backend=local, timeout=60)))
    assert triples and triples == sorted(map(str, queries.run_sparql(construct, backend=local)))
    assert queries.run_sparql("ASK { ?s rdfs:label ?o }", backend=local, timeout=60) is True
    assert queries.run_sparql("ASK { ?s rdfs:label 42 }", backend=local, timeout=60) is False
    with pytest.raises(UsageError, match="SPARQL syntax error"):
        queries.run_sparql("SELECT * WHERE { ?s ?p", backend=local, timeout=60)


def test_ctrl_c_in_the_api_is_a_clear_error(local):
    """SIGINT while a bounded query runs raises QueryInterrupted (exit code 130) in the caller."""
    timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    start = time.monotonic()
    try:
        with pytest.raises(QueryInterrupted) as caught:
            queries.run_sparql(CROSS, backend=local, timeout=60)
    finally:
        timer.cancel()
    assert time.monotonic() - start < 5
    assert caught.value.exit_code == 130


# -- item 12: cdkg serve refuses SERVICE, updates and cross-site requests -----------------------------

@pytest.fixture(scope="module")
def served(built):
    require("oxigraph", "cdkg serve shows Oxigraph's web UI (pip install oxigraph)")
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "cdkg.cli", "serve", "--port", str(port), "--build", str(built),
                                "--timeout", "3"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/", process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def fetch(method: str, url: str, body: bytes | None = None, **headers: str) -> tuple[int, str, bytes]:
    """Status, content type and body of one request (no redirects, errors returned, not raised)."""
    request = urllib.request.Request(url, data=body, method=method,
                                     headers={k.replace("_", "-"): v for k, v in headers.items()})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type", ""), exc.read()


def form(query: str, key: str = "query") -> bytes:
    return urllib.parse.urlencode({key: query}).encode()


FORM = "application/x-www-form-urlencoded"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def test_the_served_endpoint_answers_queries_and_shows_the_ui(served, local):
    expected = queries.run_sparql(COUNT, backend=local).values()[0]["n"]
    status, ctype, body = fetch("POST", served + "/query", form(COUNT), Content_Type=FORM,
                               Accept="application/sparql-results+json")
    assert status == 200 and ctype.startswith("application/sparql-results+json")
    assert f'"value":"{expected}"' in body.decode()
    # The UI posts to /sparql from its own origin; GET and a direct application/sparql-query too.
    port = served.rsplit(":", 1)[1]
    for origin in (served, f"http://localhost:{port}"):
        assert fetch("POST", served + "/sparql", form(COUNT), Content_Type=FORM, Origin=origin)[0] == 200
    assert fetch("POST", served + "/query", COUNT.encode(), Content_Type="application/sparql-query")[0] == 200
    status, ctype, body = fetch("GET", served + "/query?" + urllib.parse.urlencode({"query": COUNT}),
                               Accept="text/csv")
    assert status == 200 and ctype.startswith("text/csv") and body.decode().split() == ["n", expected]
    status, ctype, body = fetch("GET", served + "/query?" + urllib.parse.urlencode(
        {"query": "CONSTRUCT WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?o } LIMIT 1"}),
        Accept="application/n-triples")
    assert status == 200 and ctype.startswith("application/n-triples") and body.count(b" .\n") == 1
    # The named queries through the endpoint, as `cdkg query --endpoint` runs them.
    from cdkg.kg.remote import RemoteBackend

    remote = queries.run("cq04", backend=RemoteBackend(served + "/query"))
    assert remote.terms == queries.run("cq04", backend=local).terms
    # Oxigraph's web UI at the root.
    status, ctype, page = fetch("GET", served + "/")
    assert status == 200 and ctype.startswith("text/html") and b"Yasgui" in page
    assert fetch("GET", served + "/yasgui.min.js")[0] == 200


def test_the_served_endpoint_never_contacts_another_server(served, recorder):
    for text in spellings(base_of(recorder)):
        status, _, body = fetch("POST", served + "/query", form(text), Content_Type=FORM)
        assert status == 403 and b"SERVICE" in body, text
        status, _, _ = fetch("GET", served + "/sparql?" + urllib.parse.urlencode({"query": text}))
        assert status == 403
    status, _, _ = fetch("POST", served + "/query", f"SELECT * FROM <{base_of(recorder)}g> {{ ?s ?p ?o }}".encode(),
                        Content_Type="application/sparql-query")
    assert status == 403
    assert recorder.connections == 0


def test_oxigraph_alone_would_have_contacted_it(built, recorder):
    """The control for the test above: the server `cdkg serve` used to start does send SERVICE."""
    require("oxigraph", "the control runs Oxigraph's own server")
    port = free_port()
    process = subprocess.Popen(["oxigraph", "serve-read-only", "--location", str(built / "store"), "--bind",
                                f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/", process)
        status, _, body = fetch("POST", f"http://127.0.0.1:{port}/query", form(spellings(base_of(recorder))[0]),
                               Content_Type=FORM)
        assert status == 200 and b"REMOTE" in body and recorder.connections >= 1
    finally:
        process.kill()
        process.wait()


def test_the_served_endpoint_refuses_cross_site_requests(served):
    port = served.rsplit(":", 1)[1]
    ok = {"Content_Type": FORM}
    refused = [
        {**ok, "Origin": "http://evil.example"},
        {**ok, "Origin": "null"},
        {**ok, "Origin": f"http://127.0.0.1.evil.example:{port}"},
        {**ok, "Origin": f"http://localhost:{int(port) + 1}"},
        {**ok, "Host": f"evil.example:{port}"},  # a DNS-rebound name
        {**ok, "Sec_Fetch_Site": "cross-site"},
    ]
    for headers in refused:
        status, _, body = fetch("POST", served + "/query", form(COUNT), **headers)
        assert status == 403 and b"cross-site" in body, headers
    assert fetch("GET", served + "/", Origin="http://evil.example")[0] == 403
    # A POST must carry a SPARQL content type (a form post from a page can only send these three).
    for ctype in ("text/plain", "multipart/form-data; boundary=x", ""):
        assert fetch("POST", served + "/query", COUNT.encode(), Content_Type=ctype)[0] == 415, ctype


def test_the_served_endpoint_is_read_only(served, local):
    before = queries.run_sparql(COUNT, backend=local).values()
    drop = "DROP ALL"
    insert = "INSERT DATA { <https://w3id.org/cdkg/id/a> <https://w3id.org/cdkg/id/b> 1 }"
    for method, path, body, ctype in [
        ("POST", "/query", form(drop, "update"), FORM),
        ("POST", "/update", form(insert, "update"), FORM),
        ("POST", "/query", drop.encode(), "application/sparql-query"),
        ("POST", "/sparql", form(insert), FORM),
        ("POST", "/store?default", b"<a:a> <b:b> <c:c> .", "application/n-triples"),
    ]:
        assert fetch(method, served + path, body, Content_Type=ctype)[0] in (403, 415), (path, body)
    assert fetch("PUT", served + "/store?default", b"", Content_Type="application/n-triples")[0] == 501
    assert fetch("DELETE", served + "/store?default")[0] == 501
    status, _, body = fetch("POST", served + "/query", form(COUNT), Content_Type=FORM)
    assert status == 200 and f'"value":"{before[0]["n"]}"'.encode() in body


def test_the_served_endpoint_stops_a_runaway_query(served):
    start = time.monotonic()
    status, _, body = fetch("POST", served + "/query", form(CROSS), Content_Type=FORM)
    assert status == 503 and b"did not finish within 3 s" in body
    assert time.monotonic() - start < 20
    assert fetch("POST", served + "/query", form(COUNT), Content_Type=FORM)[0] == 200  # still serving


def test_the_server_listens_on_loopback_only(built):
    require("oxigraph", "cdkg serve shows Oxigraph's web UI")
    from cdkg.kg.serve import make_server

    server = make_server(built, 0)
    try:
        assert server.server_address[0] == "127.0.0.1"
    finally:
        server.server_close()


@pytest.fixture(scope="module")
def chromium(browser):
    return browser


def test_in_a_browser_the_ui_works_and_another_site_cannot_post(served, chromium):
    # Oxigraph's UI, served by cdkg, runs its default query through /sparql.
    page = chromium.new_page()
    try:
        page.goto(served + "/")
        page.wait_for_selector(".yasqe_queryButton", timeout=30000)
        page.click(".yasqe_queryButton")
        page.wait_for_function("document.querySelector('.yasr') && "
                               "/\\d+ results? in/.test(document.querySelector('.yasr').innerText)", timeout=30000)
    finally:
        page.close()
    # A page of another origin (a second loopback server) posts a form to the endpoint: refused.
    evil_page = (f'<form id="f" method="POST" action="{served}/query"><input name="query" value="ASK {{}}">'
                 '</form><script>document.getElementById("f").submit()</script>').encode()

    class Evil(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(evil_page)))
            self.end_headers()
            self.wfile.write(evil_page)

        def log_message(self, *args):
            pass

    evil = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Evil)
    threading.Thread(target=evil.serve_forever, daemon=True).start()
    page = chromium.new_page()
    try:
        with page.expect_response(f"{served}/query", timeout=30000) as answer:
            page.goto(f"http://127.0.0.1:{evil.server_address[1]}/")
        assert answer.value.status == 403
        assert "cross-site request refused" in answer.value.text()
    finally:
        page.close()
        evil.shutdown()
        evil.server_close()


def test_a_worker_that_dies_is_a_clear_error():
    from cdkg.errors import CdkgError
    from cdkg.kg.worker import run_in_worker

    def killed() -> bytes:
        os.kill(os.getpid(), signal.SIGKILL)
        return b""

    def interrupted() -> bytes:
        os.kill(os.getpid(), signal.SIGINT)  # the worker dies of it: Ctrl-C in a terminal reaches both
        return b""

    with pytest.raises(CdkgError, match="ended without an answer"):
        run_in_worker(killed, 10)
    with pytest.raises(QueryInterrupted):
        run_in_worker(interrupted, 10)
    with pytest.raises(ZeroDivisionError):  # the worker's own exception, re-raised here
        run_in_worker(lambda: bytes(1 // 0), 10)
