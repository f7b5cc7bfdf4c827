"""Write the built graph for other systems (Protégé, GraphDB, Fuseki, Gephi, notebooks).

Triple formats (Turtle, N-Triples) hold the union of all data graphs — facts, entity records
and provenance descriptions — with each triple once.  Dataset formats (TriG, N-Quads, JSON-LD)
keep every named graph, so each fact still says which excerpt states it.

>>> sorted(FORMATS)
['jsonld', 'nquads', 'ntriples', 'trig', 'turtle']
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from kg.errors import UsageError
from kg.files import write_atomic
from kg.store import ONTOLOGY_GRAPH, data_quads, data_triples, open_store
from ontology import output_prefixes

FORMATS: dict[str, ox.RdfFormat] = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "jsonld": ox.RdfFormat.JSON_LD,
}


def serialize(store: ox.Store, format: str = "turtle", *, with_ontology: bool = False) -> bytes:
    """Serialise the data in ``store`` (optionally with the ontology) in ``format``."""
    fmt = _format(format)
    prefixes = output_prefixes() if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else None
    if fmt.supports_datasets:
        quads = list(data_quads(store))
        if with_ontology:
            quads += list(store.quads_for_pattern(None, None, None, ONTOLOGY_GRAPH))
        return ox.serialize(quads, format=fmt, prefixes=prefixes)
    triples = data_triples(store)
    if with_ontology:
        triples += [ox.Triple(q.subject, q.predicate, q.object)
                    for q in store.quads_for_pattern(None, None, None, ONTOLOGY_GRAPH)]
    return ox.serialize(triples, format=fmt, prefixes=prefixes)


def write_union(ntriples: Path, turtle: Path) -> int:
    """Write ``kg.ttl``: the union of the data graphs (not the ontology), each triple once, from
    the N-Triples of every quad's triple (:attr:`loaders.curated.Corpus.ntriples`: a store loading
    them keeps each triple once), through a store of its own — so a build writes it on a thread of
    its own while the checks run.  Returns the number of triples written."""
    union = ox.Store()
    union.load(path=str(ntriples), format=ox.RdfFormat.N_TRIPLES)
    union.dump(str(turtle), format=ox.RdfFormat.TURTLE, from_graph=ox.DefaultGraph(), prefixes=output_prefixes())
    return len(union)


def write_dataset(store: ox.Store, trig: Path) -> None:
    """Write ``kg.trig``: every graph of ``store`` in the store's order — a build's in-memory copy,
    from which it has dropped the ontology graph (``cdkg export trig`` sorts graphs by IRI)."""
    store.dump(str(trig), format=ox.RdfFormat.TRIG, prefixes=output_prefixes())


def export(format: str = "turtle", output: Path | str | None = None, *, build: Path | str | None = None,
           with_ontology: bool = False) -> bytes | Path:
    """Export the built graph.  With ``output`` the file is written atomically and its path
    returned; without, the serialisation is returned as bytes.

    Raises :class:`kg.errors.NotBuiltError` when nothing is built, :class:`UsageError` for an
    unknown format.
    """
    data = serialize(open_store(build), format, with_ontology=with_ontology)
    if output is None:
        return data
    return write_atomic(output, data)


def _format(name: str) -> ox.RdfFormat:
    try:
        return FORMATS[name.lower()]
    except KeyError:
        raise UsageError(f"unknown export format {name!r}; choose one of {', '.join(FORMATS)}") from None
