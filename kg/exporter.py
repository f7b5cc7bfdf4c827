"""Write the built graph for other systems (Protégé, GraphDB, Fuseki, Gephi, notebooks).

Triple formats (Turtle, N-Triples) hold the union of all data graphs — facts, entity records
and provenance descriptions — with each triple once.  Dataset formats (TriG, N-Quads, JSON-LD)
keep every named graph, so each fact still says which excerpt states it.

``owl`` is RDF/XML of the ontology and the union of the data graphs that owlready2 loads and
HermiT reasons over as is (Protégé opens it): the dates whose datatypes are outside OWL 2's
datatype map (xsd:date, xsd:gYear, xsd:gYearMonth, xsd:gMonthDay) become ``xsd:string`` literals
of the same ISO 8601 text on the same property, so their precision stays readable
(``2023-05-26``, ``2021-11``, ``2010``, ``--05-26``).

The network and citation formats of ``cdkg export`` are written by the layers that know them
(:func:`cdkg.export` chooses).

>>> sorted(FORMATS)
['jsonld', 'nquads', 'ntriples', 'owl', 'trig', 'turtle']
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from cdkg.errors import UsageError
from cdkg.kg.files import write_atomic
from cdkg.kg.store import ONTOLOGY_GRAPH, data_quads, data_triples, open_store
from cdkg.ontology import XSD, output_prefixes

FORMATS: dict[str, ox.RdfFormat] = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "jsonld": ox.RdfFormat.JSON_LD,
    "owl": ox.RdfFormat.RDF_XML,
}
#: Datatypes of stored dates that OWL 2's datatype map (and so HermiT) does not have.
NON_OWL_DATATYPES = frozenset(XSD + t for t in ("date", "gYear", "gYearMonth", "gMonthDay"))


def serialize(store: ox.Store, format: str = "turtle", *, with_ontology: bool = False) -> bytes:
    """Serialise the data in ``store`` (optionally with the ontology) in ``format``."""
    fmt = _format(format)
    if format.lower() == "owl":
        return ox.serialize(owl_triples(store), format=fmt, prefixes=output_prefixes())
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


def owl_triples(store: ox.Store) -> list[ox.Triple]:
    """The ontology and the union of the data graphs of ``store``, :func:`owl_compatible`: what the
    ``owl`` export writes and HermiT (``cdkg reason``) reasons over."""
    return owl_compatible(data_triples(store) + [ox.Triple(q.subject, q.predicate, q.object)
                                                 for q in store.quads_for_pattern(None, None, None, ONTOLOGY_GRAPH)])


def owl_compatible(triples: list[ox.Triple]) -> list[ox.Triple]:
    """The triples with every date outside OWL 2's datatype map as an ``xsd:string`` literal of
    the same text (its precision stays in the ISO form), and every axiom naming such a datatype
    (``rdfs:range xsd:date``) naming ``xsd:string`` instead, as the values now are; everything
    else unchanged."""
    string = ox.NamedNode(XSD + "string")
    out = []
    for t in triples:
        o = t.object
        if isinstance(o, ox.Literal) and o.datatype.value in NON_OWL_DATATYPES:
            t = ox.Triple(t.subject, t.predicate, ox.Literal(o.value))
        elif isinstance(o, ox.NamedNode) and o.value in NON_OWL_DATATYPES:
            t = ox.Triple(t.subject, t.predicate, string)
        out.append(t)
    return sorted(set(out), key=lambda t: (t.subject.value, t.predicate.value, str(t.object)))


def write_union(ntriples: Path, turtle: Path) -> int:
    """Write ``kg.ttl``: the union of the data graphs (not the ontology), each triple once, from
    the N-Triples of every quad's triple (:attr:`cdkg.loaders.curated.Corpus.ntriples`: a store loading
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
    """The built graph in the RDF serialisation ``format`` (one of :data:`FORMATS`; ``owl``
    always holds the ontology).  With ``output`` the file is written atomically and its path
    returned; without, the serialisation is returned as bytes.

    Raises :class:`cdkg.errors.NotBuiltError` when nothing is built, :class:`UsageError` for an
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
