"""The pyoxigraph store: where a build puts it, how readers open it, which graphs hold data.

A build folder holds ``store/`` (the on-disk pyoxigraph store), ``kg.ttl``, ``kg.trig`` and
``report.json``.  The store has one named graph per evidence excerpt, one entity record per
source, the provenance graph, and the ontology in the graph named by the ontology IRI (so that
queries can follow ``rdfs:subPropertyOf`` and labels of classes).  Everything but the ontology
graph is "data".
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pyoxigraph as ox

from cdkg.errors import NotBuiltError
from cdkg.ontology import ONTOLOGY_IRI, natural_key

DEFAULT_BUILD = Path("build")
STORE_DIR = "store"
ONTOLOGY_GRAPH = ox.NamedNode(ONTOLOGY_IRI)


def store_path(build: Path | str | None = None) -> Path:
    return Path(build or DEFAULT_BUILD) / STORE_DIR


def open_store(build: Path | str | None = None) -> ox.Store:
    """Open a built graph read-only.  Raises :class:`NotBuiltError` if there is none."""
    path = store_path(build)
    if not path.is_dir():
        raise NotBuiltError(
            f"no graph has been built in {path.parent}/ — run `cdkg build` first, or pass --build DIR"
        )
    try:
        return ox.Store.read_only(str(path))
    except (OSError, RuntimeError) as exc:  # RocksDB says "Corruption: …" or "IO error: …"
        raise damaged(path.parent, exc) from None


def memory_copy(build: Path | str | None, store: ox.Store) -> ox.Store | None:
    """A copy in memory of the build's ``store``: its ``kg.trig`` (every evidence, record and
    provenance graph), then from the store the graphs the file leaves out (the ontology).  None
    when the build has no ``kg.trig`` or the copy does not hold as many quads as the store (the
    file is not this store's)."""
    trig = store_path(build).parent / "kg.trig"
    if not trig.is_file():
        return None
    copy = ox.Store()
    copy.bulk_load(path=str(trig), format=ox.RdfFormat.TRIG)
    loaded = set(copy.named_graphs())
    for graph in store.named_graphs():
        if graph not in loaded:
            copy.bulk_extend(store.quads_for_pattern(None, None, None, graph))
    return copy if len(copy) == len(store) else None


def damaged(build: Path | str | None, exc: BaseException) -> NotBuiltError:
    """The error to report when the store of ``build`` cannot be read: a file of it is missing,
    truncated or corrupted (when opening it, or later, when a query reads a damaged block)."""
    reason = " ".join(str(exc).split())
    return NotBuiltError(f"the build in {Path(build or DEFAULT_BUILD)}/ is damaged: its store cannot be read "
                         f"({reason}) — run `cdkg build` again (with the same --out) to rebuild it")


def is_store_damage(exc: BaseException) -> bool:
    """True for the error pyoxigraph raises when a read finds the store damaged (RocksDB's
    "Corruption: …" or "IO error: …", as a RuntimeError or an OSError)."""
    return isinstance(exc, (RuntimeError, OSError)) and str(exc).startswith(("Corruption:", "IO error:"))


def data_graphs(store: ox.Store) -> list[ox.NamedNode | ox.BlankNode]:
    """Every named graph except the ontology's, sorted by IRI."""
    return sorted((g for g in store.named_graphs() if g != ONTOLOGY_GRAPH), key=lambda g: natural_key(g.value))


def data_quads(store: ox.Store) -> Iterator[ox.Quad]:
    """Data quads, graph by graph (in IRI order); within a graph the store's index keeps each
    subject's quads together, which is what a readable TriG needs."""
    for g in data_graphs(store):
        yield from store.quads_for_pattern(None, None, None, g)


def data_triples(store: ox.Store) -> list[ox.Triple]:
    """The union of the data graphs as distinct triples, grouped by subject (sorted by IRI)."""
    seen = {q.triple for g in data_graphs(store) for q in store.quads_for_pattern(None, None, None, g)}
    return sorted(seen, key=_subject_key)


def _subject_key(t: ox.Triple) -> str:
    return t.subject.value
