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

import re

from pathlib import Path
from typing import Any

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
        evidence: str = "all", timeout: float | None = None) -> QueryResult:
    """Run a named query (``cq04``), a ``.rq`` file, with parameters given as text.

    ``lang`` picks the language of labels, and binds the query's ``lang`` parameter if it has one.
    ``evidence="quoted"`` keeps only facts quoted from the bundled articles (:mod:`cdkg.queries.evidence`).
    ``timeout`` (seconds) bounds the query: on a local store it then runs in a worker process
    that the deadline or Ctrl-C stops (:class:`cdkg.kg.worker.QueryTimeout`,
    :class:`cdkg.kg.worker.QueryInterrupted`); for ``endpoint`` it is the time the endpoint gets.
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
    return _select(query.name, bind(query, terms), backend, lang, timeout, allow_service)


def run_sparql(text: str, *, lang: str = "en", build: Path | str | None = None, endpoint: str | None = None,
               backend: Any = None, allow_service: bool = False, allow_update: bool = False,
               evidence: str = "all", timeout: float | None = None) -> QueryResult | bool | list[ox.Triple] | None:
    """Run the user's own SPARQL: a SELECT gives a QueryResult, ASK a bool, CONSTRUCT/DESCRIBE
    triples; an update (only with ``allow_update``, only on a local store) returns None.
    ``evidence="quoted"`` keeps only facts quoted from the bundled articles (:mod:`cdkg.queries.evidence`).
    ``timeout`` as for :func:`run`; it bounds queries, not updates (which run to their end)."""
    from cdkg.queries.evidence import restrict

    _check_timeout(timeout)
    kind = guard.check(text, allow_service=allow_service, allow_update=allow_update)
    if kind == "update" and evidence not in (None, "all"):
        raise UsageError("an update changes the whole store: leave out --evidence")
    backend = restrict(backend or backend_for(build, endpoint, **_remote_options(endpoint, timeout)), evidence)
    text = _with_prefixes(text)
    if kind == "update":
        if not hasattr(backend, "update"):
            raise UsageError("updates run only on a local store, not on a remote endpoint")
        backend.update(text)
        return None
    return _select("sparql", text, backend, lang, timeout, allow_service)


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


def _select(name: str, text: str, backend: Any, lang: str, timeout: float | None = None,
            allow_service: bool = False):
    from cdkg.kg.sparql import label_map, query_within

    try:
        # A local store (it has one) is stopped by the worker at the deadline, and cannot reach
        # the network from there unless allowed; an endpoint got its time limit when it was made.
        if timeout is not None and getattr(backend, "store", None) is not None:
            answer = query_within(backend, text, timeout, network=allow_service)
        else:
            answer = backend.query(text)
    except SyntaxError as exc:
        raise UsageError(f"SPARQL syntax error: {exc}") from None
    if isinstance(answer, ox.QueryBoolean):
        return bool(answer)
    if isinstance(answer, (ox.QueryTriples, list)):
        return list(answer)
    variables = [v.value for v in answer.variables]
    terms = [[row[v] for v in variables] for row in answer]
    if not re.search(r"(?i)\bORDER\s+BY\b", guard._blank(text)):
        # A stable order without asking the engine to sort (slow on large results): by value.
        terms.sort(key=lambda row: ["" if t is None else t.value for t in row])
    iris = {t.value for row in terms for t in row if isinstance(t, ox.NamedNode)}
    return QueryResult(name, variables, terms, label_map(backend, iris, lang))
