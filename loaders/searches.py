"""The curators' search log → ``cd:CoverageSearch`` nodes, so "no plan recorded" can be told
apart from "not searched".

``sources/searches/*.yaml`` says, per locality, what was searched for implementing documents,
when, in which corpus, and which documents came out of it::

    searches:
      - locality: bac_giang
        searched_on: "2026-12-02"
        queries: ["Kế hoạch Chiến lược Ngoại giao văn hóa đến năm 2030 tỉnh Bắc Giang"]
        corpus: "stored page copies (pages)"
        found: []
        note: "Nothing about Bắc Giang in the results."

``queries: []`` means the locality was not searched by name; ``found: []`` with queries means
searched, nothing found.  Localities and found documents are ids declared in the curated files.
Every search of a file ``NAME.yaml`` becomes ``id/search/NAME/N`` (N from 1, in file order) in the
named graph :data:`SEARCH_GRAPH`: the log is the curators' record of their own work, not a fact
of any source, so it has no evidence graph.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field

from cdkg.errors import Problem, SourceError
from cdkg.loaders.dates import DateFormatError, full_date
from cdkg.loaders.schema import ID_PATTERN, SLUG_PATTERN, Text, _Model
from cdkg.loaders.yamlfile import line_of
from cdkg.ontology import CD, ID, RDF, RDFS

SEARCH_GRAPH = ID + "searches"
MAX_LOG_BYTES = 5 * 1024 * 1024
#: the classes a searched locality and a found document must have (or a subclass of them)
LOCALITY_CLASS = CD + "VietnameseLocality"
DOCUMENT_CLASS = CD + "Document"

Id = Annotated[str, Field(pattern=ID_PATTERN, max_length=80)]


class Search(_Model):
    """One locality's search: what was sent, when, where, and what was found."""

    locality: Id
    searched_on: dt.date | Text
    queries: list[Text] = Field(default_factory=list)
    corpus: Text | None = None
    found: list[Id] = Field(default_factory=list)
    note: Text | None = None


class SearchLog(_Model):
    """A whole search-log file."""

    searches: list[Search] = Field(default_factory=list)


def search_files(root: Path) -> list[Path]:
    """The search logs of a sources folder (none is fine: nothing was logged)."""
    folder = root / "searches"
    if not folder.is_dir():
        return []
    return sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml"))


def compile_searches(root: Path, entities: dict[str, Any],
                     subclasses: dict[str, set[str]]) -> tuple[bytes, bytes, list[Problem]]:
    """N-Quads and N-Triples of every search log in ``root/searches``, and the problems found.

    ``entities``: the curated files' declarations (id → :class:`cdkg.loaders.curated.EntityDecl`);
    ``subclasses``: class IRI → itself and its subclasses (to check a locality is a locality)."""
    # the curated loader's reader (a regular file, YAML, the model; problems by line) and N-Quads writers
    from cdkg.loaders.curated import _Collector, _iri, _lit, _read_model, _Sink

    out, sink = _Collector(), _Sink()
    graph = _iri(SEARCH_GRAPH)
    localities = subclasses.get(LOCALITY_CLASS, {LOCALITY_CLASS})
    documents = subclasses.get(DOCUMENT_CLASS, {DOCUMENT_CLASS})
    for path in search_files(root):
        rel = str(path.relative_to(root))
        read = _read_model(path, root / "searches", rel, out, SearchLog,
                           "a search log is a mapping with 'searches:' (a list)",
                           ("unknown field (locality, searched_on, queries, corpus, found, note)", ""))
        if read is None:
            continue
        log, lines = read
        stem = path.stem
        if not _slug_ok(stem):
            out.add(rel, None, "", f"file name {stem!r} cannot name search nodes",
                    "name the log with lower-case ASCII letters, digits and '-', e.g. register-searches.yaml")
            continue
        for n, search in enumerate(log.searches, 1):
            where = ("searches", n - 1)

            def problem(key: str, message: str, hint: str = "", index: int | None = None) -> None:
                loc = where + ((key,) if index is None else (key, index))
                out.add(rel, line_of(lines, loc), ".".join(str(x) for x in loc), message, hint)

            node = _iri(f"{ID}search/{stem}/{n}")
            ok = True
            decl = entities.get(search.locality)
            if decl is None or not set(decl.classes) & localities:
                problem("locality", f"{search.locality!r} is not a locality declared in the curated files"
                        if decl is None else f"{search.locality!r} is not a Vietnamese locality",
                        "use a locality id of loaders/sources/curated (e.g. bac_giang, ha_noi)")
                ok = False
            try:
                on = full_date(search.searched_on)
            except DateFormatError as exc:
                problem("searched_on", str(exc), 'a full date, "2026-12-02" or "2/12/2026"')
                ok = False
            found = []
            for i, doc in enumerate(search.found):
                d = entities.get(doc)
                if d is None or not set(d.classes) & documents:
                    problem("found", f"{doc!r} is not a document declared in the curated files", index=i,
                            hint="list the ids of the documents (plans, decisions…) the search found")
                    ok = False
                else:
                    found.append(d.iri)
            if not ok:
                continue
            sink.add(node, _iri(RDF + "type"), _iri(CD + "CoverageSearch"), graph)
            sink.add(node, _iri(CD + "searchedLocality"), _iri(decl.iri), graph)
            sink.add(node, _iri(CD + "searchedOn"), _lit(on, "date"), graph)
            for q in search.queries:
                sink.add(node, _iri(CD + "searchQuery"), _lit(q), graph)
            if search.corpus:
                sink.add(node, _iri(CD + "searchCorpus"), _lit(search.corpus), graph)
            for iri in found:
                sink.add(node, _iri(CD + "foundDocument"), _iri(iri), graph)
            if search.note:
                sink.add(node, _iri(RDFS + "comment"), _lit(search.note, lang="en"), graph)
    return sink.buffer.getvalue(), sink.triples.getvalue(), out.problems


def _slug_ok(stem: str) -> bool:
    import re

    return bool(re.match(SLUG_PATTERN, stem)) and len(stem) <= 80


def add_searches(root: Path, corpus: Any) -> None:
    """Append the search logs of ``root`` to ``corpus``; :class:`SourceError` on any problem."""
    from cdkg.ontology import vocabulary

    files = search_files(root)
    if not files:
        return
    subclasses = _subclasses(vocabulary())
    nquads, ntriples, problems = compile_searches(root, corpus.entities, subclasses)
    if problems:
        raise SourceError(problems)
    corpus.extend(nquads, ntriples)


def _subclasses(vocab: Any) -> dict[str, set[str]]:
    """Class IRI → itself and every subclass, from the ontology's ``rdfs:subClassOf``."""
    out: dict[str, set[str]] = {}
    for cls in vocab.classes:
        seen, todo = {cls}, [cls]
        while todo:
            for sup in vocab.superclasses.get(todo.pop(), ()):
                if sup not in seen:
                    seen.add(sup)
                    todo.append(sup)
        for sup in seen:
            out.setdefault(sup, set()).add(cls)
    return out
