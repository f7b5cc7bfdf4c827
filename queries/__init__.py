"""Named SPARQL queries over the built graph — the competency questions — and the machinery to
run them, locally or on a SPARQL endpoint.

>>> import queries
>>> sorted(queries.library())[:2]
['cq01', 'cq02']

``queries.run("cq04", lang="en")`` returns a :class:`cdkg.queries.results.QueryResult`: iterate it
for rows of labels, call ``.values()`` for raw IRIs and literals, ``.to_dataframe()`` for
pandas, ``.serialize("csv")`` for the standard SPARQL results formats.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any, Iterator

import pyoxigraph as ox

from cdkg.errors import UsageError
from cdkg.kg import guard
from cdkg.queries.registry import NamedQuery, bind, get, library, library_dirs, to_term
from cdkg.queries.results import QueryResult

__all__ = ["run", "run_sparql", "library", "get", "QueryResult", "NamedQuery", "backend_for", "find_gaps"]


def find_gaps(kinds: list[str] | None = None, **options: Any):
    """Coordination-gap findings with their evidence: see :func:`cdkg.queries.gaps.find_gaps`."""
    from cdkg.queries.gaps import find_gaps as _find_gaps

    return _find_gaps(kinds, **options)


def backend_for(build: Path | str | None = None, endpoint: str | None = None, **remote: Any):
    """The local store of ``build``, or the SPARQL endpoint at ``endpoint``."""
    if endpoint:
        from cdkg.kg.remote import RemoteBackend

        return RemoteBackend(endpoint, **remote)
    from cdkg.kg.sparql import LocalBackend

    return LocalBackend(build)


def run(name: str, params: dict[str, str] | None = None, *, lang: str = "en", build: Path | str | None = None,
        endpoint: str | None = None, backend: Any = None, allow_service: bool = False,
        evidence: str = "all", timeout: float | None = None, limit: int | None = None,
        offset: int = 0) -> QueryResult:
    """Run a named query (``cq04``), a ``.rq`` file, with parameters given as text.

    ``lang`` picks the language of labels, and binds the query's ``lang`` parameter if it has one.
    ``evidence="quoted"`` keeps only facts quoted from the bundled articles (:mod:`cdkg.queries.evidence`).
    ``timeout`` (seconds) bounds the query: on a local store it then runs in a worker process
    that the deadline or Ctrl-C stops (:class:`cdkg.kg.worker.QueryTimeout`,
    :class:`cdkg.kg.worker.QueryInterrupted`); for ``endpoint`` it is the time the endpoint gets.
    ``limit`` and ``offset`` page the answer (SPARQL ``LIMIT``/``OFFSET``): the rows come in the
    query's ``ORDER BY`` or else in the engine's order, which is the same every run on the same
    build, so pages put together are the whole answer, in order.  The rows are read as they are
    used (:class:`QueryResult`).
    """
    from cdkg.queries.evidence import restrict

    _check_timeout(timeout)
    query = get(name)
    if query.path.parent not in library_dirs():
        # The bundled queries are known to stay local; a bound value is a term serialised by
        # pyoxigraph, which adds no clause, so checking the file's text is checking the query.
        guard.check(query.text, allow_service=allow_service)
    backend = restrict(backend or backend_for(build, endpoint, **_remote_options(endpoint, timeout)), evidence)
    params = dict(params or {})
    if any(p.name == "lang" for p in query.params):
        params.setdefault("lang", lang)

    def resolve(value: str) -> str:
        from cdkg.kg.provenance import find_entity

        return find_entity(backend, value)[0]

    terms = {k: to_term(query.param(k), v, resolve) for k, v in params.items()}
    return _select(query.name, page(bind(query, terms), limit, offset), backend, lang, timeout, allow_service)


def run_sparql(text: str, *, lang: str = "en", build: Path | str | None = None, endpoint: str | None = None,
               backend: Any = None, allow_service: bool = False, allow_update: bool = False,
               evidence: str = "all", timeout: float | None = None, limit: int | None = None,
               offset: int = 0) -> QueryResult | bool | list[ox.Triple] | None:
    """Run the user's own SPARQL: a SELECT gives a QueryResult, ASK a bool, CONSTRUCT/DESCRIBE
    triples; an update (only with ``allow_update``, only on a local store) returns None.
    ``evidence="quoted"`` keeps only facts quoted from the bundled articles (:mod:`cdkg.queries.evidence`).
    ``timeout``, ``limit`` and ``offset`` as for :func:`run`; the time limit bounds queries, not
    updates (which run to their end)."""
    from cdkg.queries.evidence import restrict

    _check_timeout(timeout)
    kind = guard.check(text, allow_service=allow_service, allow_update=allow_update)
    if kind == "update" and evidence not in (None, "all"):
        raise UsageError("an update changes the whole store: leave out --evidence")
    if kind == "update" and (limit is not None or offset):
        raise UsageError("--limit and --offset page the answer of a query, not an update")
    backend = restrict(backend or backend_for(build, endpoint, **_remote_options(endpoint, timeout)), evidence)
    text = _with_prefixes(text)
    if kind == "update":
        if not hasattr(backend, "update"):
            raise UsageError("updates run only on a local store, not on a remote endpoint")
        backend.update(text)
        return None
    return _select("sparql", page(text, limit, offset), backend, lang, timeout, allow_service)


def _check_timeout(timeout: float | None) -> None:
    if timeout is not None and not timeout > 0:
        raise UsageError(f"the time limit must be a positive number of seconds, not {timeout:g}")


def _remote_options(endpoint: str | None, timeout: float | None) -> dict[str, Any]:
    return {"timeout": timeout} if endpoint and timeout is not None else {}


def _with_prefixes(text: str) -> str:
    """Declare cdkg's usual prefixes (cd:, rdfs:, org:, ...) that the text does not declare itself."""
    import re

    from cdkg.ontology import PREFIXES

    missing = [f"PREFIX {p}: <{ns}>" for p, ns in PREFIXES.items()
               if not re.search(rf"(?i)\bPREFIX\s+{re.escape(p)}\s*:", text)]
    return "\n".join(missing) + ("\n" if missing else "") + text


def page(text: str, limit: int | None = None, offset: int = 0) -> str:
    """``text`` answering only ``limit`` rows after the first ``offset`` (both optional): LIMIT and
    OFFSET after the query's own solution modifiers (before a trailing VALUES), combined with a
    LIMIT or OFFSET it has, so that the page is taken from the rows it answers.

    >>> page("SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s", 10, 20)
    'SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s\\nLIMIT 10 OFFSET 20'
    >>> page("SELECT ?s WHERE { ?s ?p ?o } LIMIT 30 OFFSET 5", 10, 25)
    'SELECT ?s WHERE { ?s ?p ?o }\\nLIMIT 5 OFFSET 30'
    """
    if limit is None and not offset:
        return text
    if (limit is not None and limit < 0) or offset < 0:
        raise UsageError("--limit and --offset take a number of rows, 0 or more")
    blank = guard._blank(text)
    start = re.search(r"(?i)\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", blank)
    if start is None or start.group(1).upper() != "SELECT":
        raise UsageError("--limit and --offset page the rows of a SELECT query")
    values = re.search(r"(?is)\bVALUES\s*(\?\w+|\([^()]*\))\s*\{[^{}]*\}\s*$", blank)
    end = values.start() if values else len(blank)
    where_end = blank.rfind("}", 0, end) + 1
    modifiers = blank[where_end:end]
    own_limit = re.search(r"(?i)\bLIMIT\s+(\d+)", modifiers)
    own_offset = re.search(r"(?i)\bOFFSET\s+(\d+)", modifiers)
    skip = int(own_offset.group(1)) if own_offset else 0
    if own_limit:
        room = max(0, int(own_limit.group(1)) - offset)
        limit = room if limit is None else min(limit, room)
    kept = text[where_end:end]
    for m in sorted((m for m in (own_limit, own_offset) if m), key=lambda m: m.start(), reverse=True):
        kept = kept[:m.start()] + kept[m.end():]
    slice_ = " ".join(([f"LIMIT {int(limit)}"] if limit is not None else []) + ([f"OFFSET {skip + offset}"]
                                                                                  if skip + offset else []))
    return text[:where_end] + kept.rstrip() + "\n" + slice_ + ("\n" + text[end:] if values else "")


class _Pipe(io.RawIOBase):
    """The chunks a worker sends, as a file pyoxigraph reads results from as they arrive."""

    def __init__(self, first: bytes, chunks: Iterator[bytes]):
        self._chunks = chunks
        self._buffer = first

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        while not self._buffer:
            try:
                self._buffer = next(self._chunks)
            except StopIteration:
                return 0
        n = min(len(b), len(self._buffer))
        b[:n] = self._buffer[:n]
        self._buffer = self._buffer[n:]
        return n

    def close(self) -> None:
        close = getattr(self._chunks, "close", None)
        if close is not None:
            close()
        super().close()


class _Sender:
    """A file whose writes go to the parent (pyoxigraph serialises results into it row by row)."""

    def __init__(self, send: Any):
        self.send = send

    def write(self, data: bytes) -> int:
        self.send(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass


def _stream_within(backend: Any, text: str, timeout: float, network: bool):
    """``backend.query(text)`` in a worker process that the deadline or Ctrl-C stops (as
    :func:`cdkg.kg.sparql.query_within`), whose SELECT rows arrive as they are found: returns
    (QuerySolutions read from the worker, its close function), a bool, or a list of triples."""
    from cdkg.kg.worker import stream_in_worker

    def work(send: Any) -> None:
        answer = backend.query(text)
        if isinstance(answer, ox.QueryBoolean):
            send(b"B1" if answer else b"B0")
        elif isinstance(answer, ox.QueryTriples):
            send(b"T")
            answer.serialize(output=_Sender(send), format=ox.RdfFormat.N_TRIPLES)
        else:
            send(b"S")
            answer.serialize(output=_Sender(send), format=ox.QueryResultsFormat.TSV)

    chunks = stream_in_worker(work, timeout, network=network)
    first = b""
    while not first:
        first = next(chunks, None)
        if first is None:
            raise RuntimeError("the query's worker sent nothing")
    if first[:1] == b"B":
        chunks.close()
        return first[1:2] == b"1"
    if first[:1] == b"T":
        return list(ox.parse(b"".join([first[1:], *chunks]), format=ox.RdfFormat.N_TRIPLES))
    pipe = _Pipe(first[1:], chunks)
    return ox.parse_query_results(pipe, format=ox.QueryResultsFormat.TSV), pipe.close


def _select(name: str, text: str, backend: Any, lang: str, timeout: float | None = None,
            allow_service: bool = False):
    from cdkg.kg.sparql import label_map

    close = None
    try:
        # A local store (it has one) is stopped by the worker at the deadline, and cannot reach
        # the network from there unless allowed; an endpoint got its time limit when it was made.
        if timeout is not None and getattr(backend, "store", None) is not None:
            answer = _stream_within(backend, text, timeout, allow_service)
            if isinstance(answer, tuple):
                answer, close = answer
        else:
            answer = backend.query(text)
    except SyntaxError as exc:
        raise UsageError(f"SPARQL syntax error: {exc}") from None
    if isinstance(answer, (bool, ox.QueryBoolean)):
        return bool(answer)
    if isinstance(answer, (ox.QueryTriples, list)):
        return list(answer)
    variables = [v.value for v in answer.variables]
    # The rows come as the engine gives them (the query's ORDER BY, or the engine's own order, the
    # same every run on the same build): sorting here would read the whole answer before the first row.
    rows = ([row[v] for v in variables] for row in answer)
    return QueryResult(name, variables, rows_in=rows, labels_for=lambda iris: label_map(backend, iris, lang),
                       close=close)
