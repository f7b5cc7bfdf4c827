"""Hardening of everything cdkg does with a SPARQL endpoint it does not control (issue 19,
items 15–19): malformed HTTP, well-formed but unexpected answers, --timeout as a deadline,
--max-bytes, and redirects.  Every server here is a threaded http.server on a loopback address
(127.0.0.1, and 127.0.0.2 as "another host"), port 0, shut down when the test ends."""

from __future__ import annotations

import contextlib
import http.server
import os
import re
import socket
import struct
import subprocess
import sys
import threading
import time
from typing import Callable, Iterator

import pytest

from cdkg.kg.remote import DEFAULT_MAX_BYTES, EndpointError, RemoteBackend, push

RESULTS_JSON = "application/sparql-results+json"
GOOD = b'{"head":{"vars":["n"]},"results":{"bindings":[{"n":{"type":"literal","value":"1"}}]}}'
SELECT = "SELECT ?n WHERE { ?s ?p ?n }"


class _Handler(http.server.BaseHTTPRequestHandler):
    """Records each request (method, path, headers, body), then lets the test's function answer."""

    protocol_version = "HTTP/1.0"

    def _any(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.seen.append((self.command, self.path, dict(self.headers), body))  # type: ignore[attr-defined]
        self.server.answer(self)  # type: ignore[attr-defined]

    do_GET = do_POST = do_PUT = _any

    def log_message(self, *args: object) -> None:
        pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        pass  # a client that gave up or stopped reading is what several tests expect


@contextlib.contextmanager
def serve(answer: Callable[[_Handler], None], host: str = "127.0.0.1") -> Iterator[tuple[_Server, str]]:
    """A loopback HTTP server answering every request with ``answer``; yields it and its base URL."""
    server = _Server((host, 0), _Handler)
    server.seen = []  # type: ignore[attr-defined]
    server.answer = answer  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server, f"http://{host}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def reply(status: int = 200, ctype: str = RESULTS_JSON, body: bytes = GOOD,
          headers: dict[str, str] | None = None) -> Callable[[_Handler], None]:
    def answer(h: _Handler) -> None:
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(body)
    return answer


def raw(data: bytes) -> Callable[[_Handler], None]:
    """Answer with these bytes as they are, then close."""
    return lambda h: h.wfile.write(data)


def reset(h: _Handler) -> None:
    """Close the connection with a TCP reset instead of answering."""
    h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    h.connection.close()


def run_cdkg(*args: str, timeout: float = 120) -> tuple[subprocess.CompletedProcess, float]:
    start = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "cdkg.cli", *args], capture_output=True, text=True,
                            timeout=timeout, env={**os.environ, "COLUMNS": "200"})
    return result, time.monotonic() - start


def assert_clean_error(result: subprocess.CompletedProcess, url: str, message: str) -> None:
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert url in result.stderr, result.stderr
    assert re.search(message, result.stderr), result.stderr


# -- 15. Malformed HTTP: one clear error (exit 2) naming the endpoint, in query and push -----------

HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"
MALFORMED = {
    "short-body": (raw(HEAD + b"Content-Length: 1000\r\n\r\n" + GOOD[:10]),
                   r"malformed answer: the answer broke off after 10 bytes, 990 more were announced"),
    "bad-status-line": (raw(b"SPARQL is great\r\n\r\n"), r"malformed answer: did not answer in HTTP"),
    "long-header": (raw(HEAD + b"X-Long: " + b"a" * 70_000 + b"\r\n\r\n"),
                    r"malformed answer: sent a header line over 65,536 bytes"),
    "101-headers": (raw(HEAD + b"".join(b"X-%d: y\r\n" % i for i in range(101)) + b"\r\n"),
                    r"malformed answer: sent malformed HTTP \(got more than 100 headers\)"),
    # (a reset was already a clean error before issue 19; kept so that it stays one)
    "reset": (reset, r"unreachable \((\[Errno 104\] )?Connection reset by peer\) after 4 attempts"),
}


@pytest.mark.parametrize("case", MALFORMED)
def test_malformed_http_is_a_clear_error_in_query(case):
    answer, message = MALFORMED[case]
    with serve(answer) as (_, base):
        result, _ = run_cdkg("query", "--sparql", SELECT, "--endpoint", base + "/query")
    assert_clean_error(result, base + "/query", message)


def test_a_tls_failure_is_a_clear_error_and_not_retried():
    with serve(reply()) as (server, base):  # plain HTTP where https:// expects a TLS handshake
        url = base.replace("http://", "https://") + "/query"
        with pytest.raises(EndpointError, match=re.escape(url) + r" sent a malformed answer: the TLS connection failed"):
            RemoteBackend(url, backoff=0.01).query(SELECT)
    assert len(server.seen) == 0


@pytest.mark.parametrize("case", MALFORMED)
def test_malformed_http_is_a_clear_error_in_push(case, built):
    answer, message = MALFORMED[case]
    with serve(answer) as (server, base):
        result, _ = run_cdkg("push", "--endpoint", base + "/query", "--build", str(built))
    assert_clean_error(result, base + "/store?graph=", message)
    assert server.seen[0][0] == "PUT"


# -- 16. Well-formed but unexpected answers: a clear error saying what came back --------------------

UNEXPECTED = {
    "invalid-iri": (reply(body=b'{"head":{"vars":["n"]},"results":{"bindings":[{"n":{"type":"uri","value":"not an iri"}}]}}'),
                    r"malformed results: application/sparql-results\+json that is not valid SPARQL results "
                    r"\(Invalid uri value"),
    "boolean-for-select": (reply(body=b'{"head":{},"boolean":true}'),
                           r"answered a yes/no answer \(true\) to a SELECT query, which asks for a table of results"),
    "n-triples": (reply(ctype="application/n-triples", body=b"<http://a.example/s> <http://a.example/p> <http://a.example/o> .\n"),
                  r"answered RDF triples \(1\) to a SELECT query"),
    "other-variables": (reply(body=b'{"head":{"vars":["zzz"]},"results":{"bindings":[{"zzz":{"type":"literal","value":"1"}}]}}'),
                        r"answered the variables \?zzz to a query asking for \?"),
    "not-results-json": (reply(body=b'{"answer": 42}'),
                         r"not valid SPARQL results \(SPARQL JSON results must contain"),
    "html": (reply(ctype="text/html", body=b"<html>please log in</html>"), r"answered text/html, not SPARQL results"),
    "unbound": (lambda h: unbound_rows(h), r"answered a row \(number 1\) without \?\w+, which the query binds in every row"),
}


def unbound_rows(h: _Handler) -> None:
    """The variables the query asks for, in one row that binds none of them."""
    import json
    import urllib.parse

    from cdkg.kg.queryshape import shape

    text = urllib.parse.parse_qs(h.server.seen[-1][3].decode())["query"][0]
    body = {"head": {"vars": shape(text).variables}, "results": {"bindings": [{}]}}
    reply(body=json.dumps(body).encode())(h)
COMMANDS = {
    "query": lambda url, tmp: ["query", "cq06", "--endpoint", url],
    "gaps": lambda url, tmp: ["gaps", "--endpoint", url, "--output", str(tmp / "gaps.md")],
    "viz": lambda url, tmp: ["viz", "--endpoint", url, "--output", str(tmp / "graph.html")],
}


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("case", UNEXPECTED)
def test_unexpected_answers_are_a_clear_error(command, case, tmp_path):
    answer, message = UNEXPECTED[case]
    with serve(answer) as (_, base):
        result, _ = run_cdkg(*COMMANDS[command](base + "/query", tmp_path))
    assert_clean_error(result, base + "/query", message)
    assert not list(tmp_path.iterdir())  # nothing written from a bad answer


def test_answers_are_checked_against_the_query_form_and_variables():
    answers = {"ASK { ?s ?p ?o }": reply(body=GOOD),
               "CONSTRUCT WHERE { ?s ?p ?o }": reply(body=b'{"head":{},"boolean":false}'),
               "SELECT ?a ?b WHERE { ?a ?p ?b }": reply(body=GOOD)}
    expected = {"ASK { ?s ?p ?o }": r"a table of results \(1 rows\) to a ASK query, which asks for a yes/no answer",
                "CONSTRUCT WHERE { ?s ?p ?o }": r"a yes/no answer \(false\) to a CONSTRUCT query, which asks for RDF",
                "SELECT ?a ?b WHERE { ?a ?p ?b }": r"the variables \?n to a query asking for \?a, \?b"}
    for text, answer in answers.items():
        with serve(answer) as (_, base):
            with pytest.raises(EndpointError, match=expected[text]):
                RemoteBackend(base + "/query", retries=0).query(text)
    # The same variables in another order are fine, and come back in the query's order.
    two = (b'{"head":{"vars":["b","a"]},"results":{"bindings":[{"a":{"type":"literal","value":"x"}},'
           b'{"a":{"type":"literal","value":"y"},"b":{"type":"literal","value":"z"}}]}}')
    with serve(reply(body=two)) as (_, base):
        answer = RemoteBackend(base + "/query").query("SELECT ?a ?b WHERE { ?a ?p ?o OPTIONAL { ?o ?q ?b } }")
        assert [v.value for v in answer.variables] == ["a", "b"] and [r["a"].value for r in answer] == ["x", "y"]
        # ... but a row without a variable that every row binds is refused.
        with pytest.raises(EndpointError, match=r"a row \(number 1\) without \?b, which the query binds in every row"):
            RemoteBackend(base + "/query").query("SELECT ?a ?b WHERE { ?a ?p ?b }")


# -- 17. --timeout is the total time for a request --------------------------------------------------

def drip(head: bytes, body: bytes, pause: float) -> Callable[[_Handler], None]:
    """Send ``head`` at once, then ``body`` one byte every ``pause`` seconds (stops when the client leaves)."""
    def answer(h: _Handler) -> None:
        h.wfile.write(head)
        for byte in body:
            time.sleep(pause)
            h.wfile.write(bytes([byte]))
    return answer


def test_a_dripping_answer_is_stopped_at_the_deadline():
    head = HEAD + b"Content-Length: %d\r\n\r\n" % len(GOOD)
    with serve(drip(head, GOOD, 0.25)) as (_, base):  # the whole answer would take 21 s
        start = time.monotonic()
        with pytest.raises(EndpointError, match=r"timed out: no complete answer within 1.5 s"):
            RemoteBackend(base + "/query", timeout=1.5).query(SELECT)
        assert time.monotonic() - start < 3
        result, seconds = run_cdkg("query", "--sparql", SELECT, "--endpoint", base + "/query", "--timeout", "2")
    assert_clean_error(result, base + "/query", r"timed out: no complete answer within 2 s")
    assert seconds < 12  # python start-up included; the drip alone would take 21 s


def test_dripping_headers_are_stopped_at_the_deadline():
    headers = b"".join(b"X-%d: y\r\n" % i for i in range(90))  # 630 bytes at 0.05 s: 31 s
    with serve(drip(b"HTTP/1.1 200 OK\r\n", headers, 0.05)) as (_, base):
        start = time.monotonic()
        with pytest.raises(EndpointError, match="timed out"):
            RemoteBackend(base + "/query", timeout=1.5).query(SELECT)
        assert time.monotonic() - start < 3


def test_retries_stay_within_the_deadline():
    def slow_busy(h: _Handler) -> None:
        time.sleep(0.4)
        reply(503, "text/plain", b"busy")(h)

    with serve(slow_busy) as (server, base):
        start = time.monotonic()
        with pytest.raises(EndpointError, match=r"HTTP 503|timed out: .* \(the one before: HTTP 503"):
            RemoteBackend(base + "/query", timeout=1.5, retries=10, backoff=0.1).query(SELECT)
        assert time.monotonic() - start < 2.5
        assert 2 <= len(server.seen) <= 4


# -- 18. Answers are streamed, with a size cap ------------------------------------------------------

def stream(total: int, announce: bool, state: dict) -> Callable[[_Handler], None]:
    """Send ``total`` bytes of JSON-ish whitespace lazily, counting what was sent before the client left."""
    state.update(sent=0, done=threading.Event())

    def answer(h: _Handler) -> None:
        try:
            h.send_response(200)
            h.send_header("Content-Type", RESULTS_JSON)
            if announce:
                h.send_header("Content-Length", str(total))
            h.end_headers()
            chunk = b" " * 65536
            while state["sent"] < total:
                h.wfile.write(chunk)
                state["sent"] += len(chunk)
        except OSError:
            pass  # the client stopped reading and closed: a broken pipe or a reset
        finally:
            state["done"].set()
    return answer


@pytest.mark.parametrize("announce", [False, True], ids=["streamed", "content-length"])
def test_an_answer_over_max_bytes_stops_the_read(announce):
    total, state = 50_000_000, {}
    with serve(stream(total, announce, state)) as (_, base):
        with pytest.raises(EndpointError, match=r"the answer is over 1,000,000 bytes; raise --max-bytes or add LIMIT"):
            RemoteBackend(base + "/query", max_bytes=1_000_000).query(SELECT)
        assert state["done"].wait(20), "the server is still sending"
    assert state["sent"] < 20_000_000  # stopped early: never read (nor received) the rest


def test_cli_max_bytes_and_its_default(tmp_path):
    state: dict = {}
    with serve(stream(50_000_000, False, state)) as (_, base):
        result, _ = run_cdkg("query", "--sparql", SELECT, "--endpoint", base + "/query", "--max-bytes", "1000000")
        assert state["done"].wait(20)
    assert_clean_error(result, base + "/query", r"the answer is over 1,000,000 bytes; raise --max-bytes or add LIMIT")
    assert state["sent"] < 20_000_000
    assert DEFAULT_MAX_BYTES == 256 * 1024 * 1024
    for command in ("query", "gaps", "viz", "push"):
        help_text, _ = run_cdkg(command, "--help")
        assert "--max-bytes" in help_text.stdout and "256 MiB" in help_text.stdout, (command, help_text.stdout)


def test_push_caps_the_servers_answers_too(built):
    state: dict = {}
    with serve(stream(50_000_000, False, state)) as (server, base):
        with pytest.raises(EndpointError, match=r"/store\?graph=.*the answer is over 100,000 bytes; raise --max-bytes"):
            push(base + "/query", built, max_bytes=100_000)
        assert state["done"].wait(20)
    assert state["sent"] < 20_000_000 and len(server.seen) == 1


# -- 19. Redirects: never to another host, never with credentials ----------------------------------

@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_to_another_host_is_refused_and_sends_nothing_there(status):
    with serve(reply(), host="127.0.0.2") as (other, other_base):
        target = other_base + "/query"
        with serve(reply(status, "text/plain", b"", {"Location": target})) as (_, base):
            with pytest.raises(EndpointError, match=re.escape(f"redirected to {target}, another host") +
                               ".*" + re.escape(f"use {target} as the URL")):
                RemoteBackend(base + "/query", user="alice", password="secret").query(SELECT)
            # The same server under another name is another host too.
            port = base.rsplit(":", 1)[1]
            with serve(reply(status, "text/plain", b"", {"Location": f"http://localhost:{port}/query"})) as (_, b2):
                with pytest.raises(EndpointError, match="another host"):
                    RemoteBackend(b2 + "/query", user="alice", password="secret").query(SELECT)
        assert other.seen == []  # neither the query nor the credentials reached the other host


def test_cli_names_where_a_redirect_pointed():
    with serve(reply(), host="127.0.0.2") as (other, other_base):
        target = other_base + "/query"
        with serve(reply(302, "text/plain", b"", {"Location": target})) as (_, base):
            result, _ = run_cdkg("query", "--sparql", SELECT, "--endpoint", base + "/query")
    assert_clean_error(result, base + "/query", re.escape(f"redirected to {target}, another host"))
    assert other.seen == []


def test_push_refuses_a_redirect_to_another_host(built):
    with serve(reply(201, "text/plain", b"")) as (other, other_base):
        with serve(reply(308, "text/plain", b"", {"Location": other_base.replace("127.0.0.1", "localhost") + "/store"})) as (_, base):
            with pytest.raises(EndpointError, match="another host"):
                push(base + "/query", built, user="alice", password="secret")
        assert other.seen == []


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_same_host_redirects_are_followed_without_credentials(status):
    def answer(h: _Handler) -> None:
        if h.path == "/query":
            reply(status, "text/plain", b"", {"Location": "/sparql"})(h)
        else:
            reply()(h)

    with serve(answer) as (server, base):
        rows = list(RemoteBackend(base + "/query", user="alice", password="secret").query(SELECT))
    assert rows[0]["n"].value == "1"
    (m1, p1, h1, b1), (m2, p2, h2, b2) = server.seen
    assert (m1, p1, m2, p2) == ("POST", "/query", "POST", "/sparql") and b1 == b2  # the query is sent again
    assert h1["Authorization"].startswith("Basic ")
    assert "Authorization" not in h2  # never forwarded, even to the same host


def test_redirect_loops_and_see_other():
    with serve(reply(302, "text/plain", b"", {"Location": "/query"})) as (server, base):
        with pytest.raises(EndpointError, match="redirected more than 5 times"):
            RemoteBackend(base + "/query").query(SELECT)
    assert len(server.seen) == 6

    def see_other(h: _Handler) -> None:
        (reply(303, "text/plain", b"", {"Location": "/results"}) if h.command == "POST" else reply())(h)

    with serve(see_other) as (server, base):
        assert len(RemoteBackend(base + "/query").query(SELECT)) == 1
    assert server.seen[1][0] == "GET" and server.seen[1][1].startswith("/results?query=SELECT")
