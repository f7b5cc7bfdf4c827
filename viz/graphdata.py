"""The graph to draw: entities as nodes, object-property facts as edges, each with the evidence
that states it (quoted or cited) — read from the built store (or an endpoint) with SPARQL.

Nodes are the entities the curators declared (plus themes and other ontology individuals the
facts point to); edges are the facts between two of them in evidence graphs.  Types, labels
and literal values are node attributes, never nodes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from cdkg.kg.sparql import PREFIX_DECL
from cdkg.loaders.dates import format_date
from cdkg.ontology import CD, DATE_PROPERTIES, ID, XSD, shorten, vocabulary

ENTITIES = PREFIX_DECL + f"""
SELECT ?e ?class ?label WHERE {{
  GRAPH ?rec {{ ?e a ?class . OPTIONAL {{ ?e rdfs:label ?label }} }}
  FILTER(STRSTARTS(STR(?rec), "{ID}entities/"))
}}
"""

FACTS = PREFIX_DECL + """
SELECT ?s ?p ?o ?g WHERE {
  GRAPH ?g { ?s ?p ?o }
  ?g a cd:Evidence .
}
"""

#: Every piece of evidence: a quote of a bundled article, or the curators' words citing a source.
EXCERPTS = PREFIX_DECL + """
SELECT ?g ?kind ?text ?title ?publisher ?issued ?page ?locator WHERE {
  { ?g a cd:QuotedEvidence ; prov:value ?text ; prov:wasQuotedFrom ?src . BIND("quoted" AS ?kind) }
  UNION
  { ?g a cd:CitedEvidence ; cd:paraphrase ?text ; prov:wasDerivedFrom ?src . BIND("cited" AS ?kind)
    OPTIONAL { ?g cd:locator ?locator } }
  ?src dcterms:title ?title .
  OPTIONAL { ?src dcterms:publisher ?publisher }
  OPTIONAL { ?src dcterms:issued ?issued }
  OPTIONAL { ?src foaf:page ?page }
}
"""

INDIVIDUAL_LABELS = PREFIX_DECL + """
SELECT ?e ?class ?label WHERE { ?e a owl:NamedIndividual , ?class ; rdfs:label ?label FILTER(?class != owl:NamedIndividual) }
"""

KIND_OF_SEGMENT = {"organisation": "organisation", "person": "person", "place": "place", "event": "event",
                   "document": "document", "heritage": "heritage", "objective": "objective",
                   "plan-component": "objective", "position": "position", "role": "role", "statement": "statement",
                   "source": "document"}


@dataclass
class Node:
    id: str  # IRI
    kind: str
    type: str  # the most specific class label (English)
    labels: dict[str, str] = field(default_factory=dict)
    dates: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)  # evidence graph IRIs


@dataclass
class Edge:
    source: str
    target: str
    relation: str  # property IRI
    evidence: list[str] = field(default_factory=list)


@dataclass
class GraphData:
    nodes: dict[str, Node]
    edges: list[Edge]
    excerpts: dict[str, dict[str, str]]  # evidence IRI → kind, text, source, publisher, published, url, locator
    property_labels: dict[str, dict[str, str]]


def literal_text(lit: ox.Literal) -> str:
    """A literal as a reader sees it: a date as precise as the source gave it, else its text."""
    dt = lit.datatype.value
    return format_date(lit.value, dt[len(XSD):]) if dt.startswith(XSD) else lit.value


def load(backend: Any) -> GraphData:
    """Read nodes, edges and excerpts from a backend (local store or endpoint)."""
    vocab = vocabulary()
    nodes: dict[str, Node] = {}
    for row in backend.query(ENTITIES):
        iri, cls = row["e"].value, row["class"].value
        node = nodes.get(iri)
        segment = vocab.segment(cls)
        if node is None:
            node = nodes[iri] = Node(iri, KIND_OF_SEGMENT.get(segment or "", "other"),
                                     vocab.labels.get(cls, {}).get("en", shorten(cls)))
        label = row["label"]
        if label is not None and label.language:
            node.labels[label.language] = label.value
    individuals: dict[str, Node] = {}
    for row in backend.query(INDIVIDUAL_LABELS):
        iri = row["e"].value
        cls = row["class"].value
        node = individuals.setdefault(iri, Node(iri, "theme" if cls == CD + "Theme" else "other",
                                                vocab.labels.get(cls, {}).get("en", shorten(cls))))
        if row["label"].language:
            node.labels[row["label"].language] = row["label"].value
    edges: dict[tuple[str, str, str], Edge] = {}
    for row in backend.query(FACTS):
        s, p, o, g = row["s"], row["p"].value, row["o"], row["g"].value
        if s.value not in nodes:
            continue
        node = nodes[s.value]
        if g not in node.evidence:
            node.evidence.append(g)
        if isinstance(o, ox.Literal):
            if p in DATE_PROPERTIES:
                node.dates.append(f"{vocab.labels.get(p, {}).get('en', shorten(p))}: {literal_text(o)}")
            continue
        if o.value not in nodes and o.value in individuals:
            nodes[o.value] = individuals[o.value]
        if o.value not in nodes:
            continue
        target = nodes[o.value]
        if g not in target.evidence:
            target.evidence.append(g)
        edge = edges.setdefault((s.value, p, o.value), Edge(s.value, o.value, p))
        edge.evidence.append(g)
    excerpts = {}
    for row in backend.query(EXCERPTS):
        issued = row["issued"]

        def text(var: str) -> str:
            return row[var].value if row[var] is not None else ""

        excerpts[row["g"].value] = {"kind": row["kind"].value, "text": row["text"].value,
                                    "source": row["title"].value, "publisher": text("publisher"),
                                    "published": literal_text(issued) if issued is not None else "",
                                    "url": text("page"), "locator": text("locator")}
    return GraphData(nodes, list(edges.values()), excerpts, vocab.labels)


def neighbourhood(data: GraphData, centre: str, depth: int) -> set[str]:
    """Node IRIs within ``depth`` hops of ``centre`` (edges taken in both directions)."""
    adjacent: dict[str, set[str]] = defaultdict(set)
    for e in data.edges:
        adjacent[e.source].add(e.target)
        adjacent[e.target].add(e.source)
    seen, frontier = {centre}, {centre}
    for _ in range(depth):
        frontier = {n for f in frontier for n in adjacent[f]} - seen
        seen |= frontier
    return seen


def of_kind(data: GraphData, kind: str) -> set[str]:
    """Nodes of a kind and the nodes one hop from them."""
    core = {iri for iri, n in data.nodes.items() if n.kind == kind}
    around = {e.target for e in data.edges if e.source in core} | {e.source for e in data.edges if e.target in core}
    return core | around
