"""Where SPARQL runs: the local store of a build, or a remote SPARQL 1.1 endpoint.

Both backends answer with pyoxigraph result objects (``QuerySolutions``, ``QueryBoolean``,
``QueryTriples``), so everything above them — named queries, labels, output formats — is the
same whichever runs the query.  Queries see the union of all named graphs as their default
graph (remote endpoints must be configured that way: ``oxigraph serve --union-default-graph``,
Fuseki's ``unionDefaultGraph``; GraphDB and Virtuoso do it by default).
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Protocol

import pyoxigraph as ox

from cdkg.kg.store import open_store, store_path
from cdkg.ontology import PREFIXES

PREFIX_DECL = "".join(f"PREFIX {k}: <{v}>\n" for k, v in PREFIXES.items())


class Backend(Protocol):
    """Anything that runs a SPARQL query and names itself for messages."""

    name: str

    def query(self, text: str) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples: ...


class LocalBackend:
    """The pyoxigraph store of a build, read-only."""

    def __init__(self, build: Path | str | None = None, store: ox.Store | None = None):
        self.name = str(store_path(build).parent) + "/"
        self.build = build
        self.store = store if store is not None else open_store(build)

    def query(self, text: str) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        return self.store.query(text, use_default_graph_as_union=True)

    def update(self, text: str) -> None:
        """Run a SPARQL update on the build's store (opened for writing just for this).

        An update runs here, to its end: it is not run in a forked worker with a deadline like a
        query, because a writing RocksDB store in a forked child waits for background threads that
        the fork did not copy."""
        del self.store
        writable = ox.Store(str(store_path(self.build)))
        try:
            writable.update(text)
            writable.flush()
        finally:
            del writable
        self.store = open_store(self.build)


def query_within(backend: Backend, text: str, timeout: float, *, network: bool = False
                 ) -> ox.QuerySolutions | ox.QueryBoolean | list[ox.Triple]:
    """``backend.query(text)`` for a backend on a local store, in a worker process that the
    deadline or Ctrl-C stops (:mod:`cdkg.kg.worker`: raises ``QueryTimeout`` or ``QueryInterrupted``)
    and that cannot open a network socket unless ``network``; the answer comes back as SPARQL
    JSON results or N-Triples, parsed here."""
    from cdkg.kg.worker import run_in_worker

    data = run_in_worker(lambda: _serialised(backend.query(text)), timeout, network=network)
    if data[:1] == b"T":
        return list(ox.parse(data[1:], format=ox.RdfFormat.N_TRIPLES))
    return ox.parse_query_results(data[1:], format=ox.QueryResultsFormat.JSON)


def _serialised(answer: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples) -> bytes:
    """An answer as bytes a worker can send: ``T`` + N-Triples, or ``S`` + SPARQL JSON results."""
    if isinstance(answer, ox.QueryTriples):
        return b"T" + answer.serialize(format=ox.RdfFormat.N_TRIPLES)
    return b"S" + answer.serialize(format=ox.QueryResultsFormat.JSON)


def values_block(var: str, iris: Iterable[str]) -> str:
    """``VALUES ?var { <a> <b> }`` from IRIs, each serialised by pyoxigraph (never pasted)."""
    return f"VALUES ?{var} {{ {' '.join(str(ox.NamedNode(i)) for i in iris)} }}"


def label_map(backend: Backend, iris: Iterable[str], lang: str = "en") -> dict[str, str]:
    """IRI → ``rdfs:label`` in ``lang`` (else the other language, else any) for the given IRIs."""
    wanted = sorted(set(iris))
    rank = {lang: 0, "vi" if lang == "en" else "en": 1}
    best: dict[str, tuple[int, str]] = {}
    for i in range(0, len(wanted), 400):
        chunk = wanted[i:i + 400]
        text = PREFIX_DECL + f"SELECT ?t ?label WHERE {{ {values_block('t', chunk)} ?t rdfs:label ?label }}"
        for row in backend.query(text):
            label = row["label"]
            r = rank.get(label.language or "", 2)
            iri = row["t"].value
            if iri not in best or r < best[iri][0]:
                best[iri] = (r, label.value)
    return {iri: lab for iri, (_, lab) in best.items()}
