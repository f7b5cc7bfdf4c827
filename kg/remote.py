"""Remote SPARQL endpoints: query them (SPARQL 1.1 Protocol) and load the built graph into them
(SPARQL 1.1 Graph Store Protocol), keeping every named graph — the provenance — intact.

Pushing puts each named graph with HTTP PUT, which replaces the graph on the server: pushing
again updates the graphs rather than duplicating triples.  Transient failures (connection
refused or reset, HTTP 429/502/503/504) are retried with exponential backoff while time is
left; anything else is reported at once as an :class:`EndpointError` naming the endpoint and
what was wrong.

Each request is bounded (see :mod:`cdkg.kg.httpclient`): ``timeout`` seconds in all — connecting,
sending, reading the whole answer and any retries —, answers of at most ``max_bytes``, no
redirect to another host and no credentials on any redirect.  An answer is checked against
the query before anyone reads it: a SELECT must get a results table with the variables it
asked for, an ASK a boolean, a CONSTRUCT or DESCRIBE triples, every term well-formed.
"""

from __future__ import annotations

import time
import urllib.parse
from pathlib import Path
from typing import Callable, Iterator

import pyoxigraph as ox

from cdkg.errors import CdkgError
from cdkg.kg import httpclient
from cdkg.kg.queryshape import Shape, shape
from cdkg.kg.store import open_store

TRANSIENT_STATUS = {429, 502, 503, 504}
RESULTS_JSON = "application/sparql-results+json"
RESULTS_XML = "application/sparql-results+xml"
DEFAULT_TIMEOUT = 60.0
DEFAULT_MAX_BYTES = 256 * 1024 * 1024  # 256 MiB


class EndpointError(CdkgError):
    """The endpoint could not be reached, refused the request, or answered something unreadable."""


def default_graph_store(endpoint: str) -> str:
    """Oxigraph serves SPARQL at /query and the Graph Store at /store; others must be given."""
    if endpoint.rstrip("/").endswith("/query"):
        return endpoint.rstrip("/")[: -len("query")] + "store"
    raise EndpointError(f"cannot guess the Graph Store URL of {endpoint}; pass --graph-store URL "
                        "(Fuseki: http://host:3030/DATASET/data; Oxigraph: http://host:7878/store)")


class Solutions:
    """A SELECT answer read whole and checked: ``variables`` and rows (``row["name"]``), like
    pyoxigraph's ``QuerySolutions`` but safe to iterate more than once."""

    def __init__(self, variables: list[ox.Variable], rows: list[ox.QuerySolution]):
        self.variables = variables
        self._rows = rows

    def __iter__(self) -> Iterator[ox.QuerySolution]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)


class RemoteBackend:
    """A SPARQL 1.1 endpoint, optionally with its Graph Store Protocol URL."""

    def __init__(self, endpoint: str, *, graph_store: str | None = None, user: str | None = None,
                 password: str | None = None, timeout: float = DEFAULT_TIMEOUT, retries: int = 3,
                 backoff: float = 0.5, max_bytes: int = DEFAULT_MAX_BYTES):
        if not endpoint.startswith(("http://", "https://")):
            raise EndpointError(f"endpoint must be an http(s) URL, not {endpoint!r}")
        if not timeout > 0:
            raise EndpointError(f"the time-out must be a positive number of seconds, not {timeout!r}")
        if max_bytes < 1:
            raise EndpointError(f"the answer size limit must be at least 1 byte, not {max_bytes!r}")
        self.name = endpoint
        self.endpoint = endpoint
        self.graph_store = graph_store
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_bytes = max_bytes
        self._auth = httpclient.basic_auth(user, password) if user else None

    # -- HTTP ---------------------------------------------------------------------------------

    def _request(self, method: str, url: str, body: bytes | None, headers: dict[str, str],
                 too_large_hint: str = "raise --max-bytes") -> tuple[bytes, str]:
        """The body and content type of a 2xx answer; everything else is an EndpointError.
        ``timeout`` bounds the whole call, retries included."""
        deadline = time.monotonic() + self.timeout
        attempt, last = 0, ""
        while True:
            attempt += 1
            try:
                response = httpclient.request(method, url, body, headers, deadline=deadline,
                                              max_bytes=self.max_bytes, auth=self._auth)
            except httpclient.TimedOut:
                raise EndpointError(f"{url} timed out: no complete answer within {self.timeout:g} s "
                                    f"(--timeout, the total time for a request)"
                                    + (f", after {attempt} attempts (the one before: {last})" if last else "")
                                    ) from None
            except httpclient.TooLarge as exc:
                raise EndpointError(f"{url}: {exc}; {too_large_hint}") from None
            except httpclient.HttpFailure as exc:
                if exc.transient and attempt <= self.retries and self._wait(attempt, deadline):
                    last = str(exc)
                    continue
                if isinstance(exc, httpclient.Unreachable):
                    raise EndpointError(f"{url} unreachable ({exc}) after {attempt} "
                                        f"attempt{'s' if attempt > 1 else ''}") from None
                if isinstance(exc, httpclient.RedirectRefused):
                    raise EndpointError(f"{url} {exc}") from None
                raise EndpointError(f"{url} sent a malformed answer: {exc}") from None
            if 200 <= response.status < 300:
                return response.body, response.content_type
            if response.status in TRANSIENT_STATUS and attempt <= self.retries and self._wait(attempt, deadline):
                last = f"HTTP {response.status} {response.reason}"
                continue
            detail = response.body.decode("utf-8", "replace").strip()
            moved = ""
            if response.redirected_from and response.status in (401, 403):
                moved = (f" (after a redirect to {response.url}; credentials are never sent after a redirect — "
                         "use that URL directly)")
            raise EndpointError(f"{url} answered HTTP {response.status} {response.reason}"
                                + (f": {detail}" if detail else "") + moved)

    def _wait(self, attempt: int, deadline: float) -> bool:
        """Sleep before the next attempt; False when the deadline would pass first."""
        pause = self.backoff * 2 ** (attempt - 1)
        if time.monotonic() + pause >= deadline:
            return False
        time.sleep(pause)
        return True

    # -- SPARQL 1.1 Protocol ------------------------------------------------------------------

    def query(self, text: str) -> Solutions | ox.QueryBoolean | list[ox.Triple]:
        """Run a query; the answer is checked against what the query asks for."""
        expected = shape(text)
        body = urllib.parse.urlencode({"query": text}).encode()
        data, mime = self._request("POST", self.endpoint, body, {
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": f"{RESULTS_JSON}, {RESULTS_XML};q=0.9, application/n-triples;q=0.9",
        }, too_large_hint="raise --max-bytes or add LIMIT to the query")
        answer = self._parse(data, mime)
        return self._check(answer, expected)

    def _parse(self, data: bytes, mime: str) -> Solutions | ox.QueryBoolean | list[ox.Triple]:
        formats = {RESULTS_JSON: ox.QueryResultsFormat.JSON, "application/json": ox.QueryResultsFormat.JSON,
                   RESULTS_XML: ox.QueryResultsFormat.XML}
        try:
            if mime in formats:
                what = "SPARQL results"
                parsed = ox.parse_query_results(data, format=formats[mime])
                if isinstance(parsed, ox.QueryBoolean):
                    return parsed
                rows = list(parsed)  # parse every row now: a bad term is an error here, not later
                return Solutions(list(parsed.variables), rows)
            if mime in ("application/n-triples", "text/plain"):
                what = "N-Triples"
                return list(ox.parse(data, format=ox.RdfFormat.N_TRIPLES))
        except (SyntaxError, ValueError) as exc:
            raise EndpointError(f"{self.endpoint} answered malformed results: {mime} that is not valid {what} "
                                f"({exc})") from None
        raise EndpointError(f"{self.endpoint} answered {mime or 'no content type'}, not SPARQL results "
                            f"(expected {RESULTS_JSON})")

    def _check(self, answer: Solutions | ox.QueryBoolean | list[ox.Triple], expected: Shape
               ) -> Solutions | ox.QueryBoolean | list[ox.Triple]:
        """The answer if it fits the query's shape: its form, its variables, the variables every
        row binds, no RDF-star triple terms (cdkg's graph has none)."""
        got = ("SELECT" if isinstance(answer, Solutions) else "ASK" if isinstance(answer, ox.QueryBoolean)
               else "CONSTRUCT")
        form = "CONSTRUCT" if expected.form == "DESCRIBE" else expected.form
        if form and got != form:
            asks = {"SELECT": "a table of results", "ASK": "a yes/no answer", "CONSTRUCT": "RDF triples"}
            raise EndpointError(f"{self.endpoint} answered {_describe(answer)} to a {expected.form} query, "
                                f"which asks for {asks[form]}")
        if not isinstance(answer, Solutions):
            return answer
        names = [v.value for v in answer.variables]
        if expected.variables is not None:
            if sorted(names) != sorted(expected.variables):
                raise EndpointError(f"{self.endpoint} answered the variables "
                                    f"{', '.join('?' + n for n in names) or '(none)'} to a query asking for "
                                    f"{', '.join('?' + n for n in expected.variables)}")
            answer.variables = [ox.Variable(v) for v in expected.variables]  # the query's order, as locally
        for number, row in enumerate(answer, 1):
            for name in names:
                value = row[name]
                if value is None and name in expected.bound:
                    raise EndpointError(f"{self.endpoint} answered a row (number {number}) without ?{name}, "
                                        "which the query binds in every row")
                if isinstance(value, ox.Triple):
                    raise EndpointError(f"{self.endpoint} answered an RDF-star triple term for ?{name}, "
                                        "which cdkg's graph never holds")
        return answer

    # -- Graph Store Protocol -----------------------------------------------------------------

    def put_graph(self, graph: str, ntriples: bytes) -> None:
        store_url = self.graph_store or default_graph_store(self.endpoint)
        url = f"{store_url}?{urllib.parse.urlencode({'graph': graph})}"
        self._request("PUT", url, ntriples, {"Content-Type": "application/n-triples"})


def _describe(answer: Solutions | ox.QueryBoolean | list[ox.Triple]) -> str:
    if isinstance(answer, Solutions):
        return f"a table of results ({len(answer)} rows)"
    if isinstance(answer, ox.QueryBoolean):
        return f"a yes/no answer ({str(bool(answer)).lower()})"
    return f"RDF triples ({len(answer)})"


def push(endpoint: str, build: Path | str | None = None, *, graph_store: str | None = None,
         user: str | None = None, password: str | None = None, timeout: float = DEFAULT_TIMEOUT,
         max_bytes: int = DEFAULT_MAX_BYTES, progress: Callable[[int, int, str], None] | None = None
         ) -> dict[str, int]:
    """Upload every named graph of the build (evidence, records, provenance, ontology) with
    Graph Store Protocol PUTs.  Returns the number of triples sent per graph."""
    store = open_store(build)
    remote = RemoteBackend(endpoint, graph_store=graph_store, user=user, password=password, timeout=timeout,
                           max_bytes=max_bytes)
    graphs = sorted(store.named_graphs(), key=lambda g: g.value)
    sent: dict[str, int] = {}
    for i, g in enumerate(graphs):
        if progress:
            progress(i, len(graphs), g.value)
        triples = [ox.Triple(q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, None, None, g)]
        remote.put_graph(g.value, ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES))
        sent[g.value] = len(triples)
    return sent
