"""Remote SPARQL endpoints: query them (SPARQL 1.1 Protocol) and load the built graph into them
(SPARQL 1.1 Graph Store Protocol), keeping every named graph — the provenance — intact.

Pushing puts each named graph with HTTP PUT, which replaces the graph on the server: pushing
again updates the graphs rather than duplicating triples.  Transient failures (connection
refused or reset, time-outs, HTTP 429/502/503/504) are retried with exponential backoff;
anything else is reported at once as an :class:`EndpointError` naming the endpoint and status.
"""

from __future__ import annotations

import base64
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Callable

import pyoxigraph as ox

from kg.errors import CdkgError
from kg.store import open_store

TRANSIENT_STATUS = {429, 502, 503, 504}
RESULTS_JSON = "application/sparql-results+json"


class EndpointError(CdkgError):
    """The endpoint could not be reached, refused the request, or answered something unreadable."""


def default_graph_store(endpoint: str) -> str:
    """Oxigraph serves SPARQL at /query and the Graph Store at /store; others must be given."""
    if endpoint.rstrip("/").endswith("/query"):
        return endpoint.rstrip("/")[: -len("query")] + "store"
    raise EndpointError(f"cannot guess the Graph Store URL of {endpoint}; pass --graph-store URL "
                        "(Fuseki: http://host:3030/DATASET/data; Oxigraph: http://host:7878/store)")


class RemoteBackend:
    """A SPARQL 1.1 endpoint, optionally with its Graph Store Protocol URL."""

    def __init__(self, endpoint: str, *, graph_store: str | None = None, user: str | None = None,
                 password: str | None = None, timeout: float = 60.0, retries: int = 3, backoff: float = 0.5):
        if not endpoint.startswith(("http://", "https://")):
            raise EndpointError(f"endpoint must be an http(s) URL, not {endpoint!r}")
        self.name = endpoint
        self.endpoint = endpoint
        self.graph_store = graph_store
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self._auth = None
        if user:
            token = base64.b64encode(f"{user}:{password or ''}".encode()).decode()
            self._auth = f"Basic {token}"

    # -- HTTP ---------------------------------------------------------------------------------

    def _request(self, method: str, url: str, body: bytes | None, headers: dict[str, str]) -> tuple[bytes, str]:
        if self._auth:
            headers = {**headers, "Authorization": self._auth}
        attempt = 0
        while True:
            attempt += 1
            request = urllib.request.Request(url, data=body, method=method, headers=headers)
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    return response.read(), response.headers.get("Content-Type", "")
            except urllib.error.HTTPError as exc:
                detail = exc.read(500).decode("utf-8", "replace").strip()
                if exc.code in TRANSIENT_STATUS and attempt <= self.retries:
                    self._wait(attempt)
                    continue
                raise EndpointError(f"{url} answered HTTP {exc.code} {exc.reason}"
                                    + (f": {detail}" if detail else "")) from None
            except (urllib.error.URLError, ConnectionError, socket.timeout, TimeoutError) as exc:
                reason = getattr(exc, "reason", exc)
                if attempt <= self.retries:
                    self._wait(attempt)
                    continue
                what = "timed out" if isinstance(reason, (socket.timeout, TimeoutError)) else f"unreachable ({reason})"
                raise EndpointError(f"{url} {what} after {attempt} attempts"
                                    + (f" of {self.timeout:g} s" if "timed out" in what else "")) from None

    def _wait(self, attempt: int) -> None:
        time.sleep(self.backoff * 2 ** (attempt - 1))

    # -- SPARQL 1.1 Protocol ------------------------------------------------------------------

    def query(self, text: str) -> ox.QuerySolutions | ox.QueryBoolean | list[ox.Triple]:
        body = urllib.parse.urlencode({"query": text}).encode()
        data, ctype = self._request("POST", self.endpoint, body, {
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": f"{RESULTS_JSON}, application/n-triples;q=0.9",
        })
        mime = ctype.split(";")[0].strip().lower()
        try:
            if mime in (RESULTS_JSON, "application/json"):
                return ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON)
            if mime in ("application/n-triples", "text/plain"):
                return list(ox.parse(data, format=ox.RdfFormat.N_TRIPLES))
        except (SyntaxError, ValueError) as exc:
            raise EndpointError(f"{self.endpoint} answered malformed results: {exc}") from None
        raise EndpointError(f"{self.endpoint} answered {mime or 'no content type'}, not SPARQL results")

    # -- Graph Store Protocol -----------------------------------------------------------------

    def put_graph(self, graph: str, ntriples: bytes) -> None:
        store_url = self.graph_store or default_graph_store(self.endpoint)
        url = f"{store_url}?{urllib.parse.urlencode({'graph': graph})}"
        self._request("PUT", url, ntriples, {"Content-Type": "application/n-triples"})


def push(endpoint: str, build: Path | str | None = None, *, graph_store: str | None = None,
         user: str | None = None, password: str | None = None, timeout: float = 60.0,
         progress: Callable[[int, int, str], None] | None = None) -> dict[str, int]:
    """Upload every named graph of the build (evidence, records, provenance, ontology) with
    Graph Store Protocol PUTs.  Returns the number of triples sent per graph."""
    store = open_store(build)
    remote = RemoteBackend(endpoint, graph_store=graph_store, user=user, password=password, timeout=timeout)
    graphs = sorted(store.named_graphs(), key=lambda g: g.value)
    sent: dict[str, int] = {}
    for i, g in enumerate(graphs):
        if progress:
            progress(i, len(graphs), g.value)
        triples = [ox.Triple(q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, None, None, g)]
        remote.put_graph(g.value, ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES))
        sent[g.value] = len(triples)
    return sent
