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

#: The dates that place an event in a year (the site's timeline uses the same two).
EVENT_DATES = frozenset({CD + "date", CD + "expectedDate"})
#: Date datatypes that hold a year (a day-month-only date, xsd:gMonthDay, has none).
YEAR_TYPES = frozenset({"date", "dateTime", "gYearMonth", "gYear"})
#: Collective placeholders: organisations a source names together without listing them.
PLACEHOLDER = CD + "OrganisationGroup"
#: A unit and the organisation it belongs to (org:unitOf is a sub-property of org:subOrganizationOf).
SUB_UNIT = frozenset({"http://www.w3.org/ns/org#unitOf", "http://www.w3.org/ns/org#subOrganizationOf"})
ORG = "http://www.w3.org/ns/org#"

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
    dates: list[tuple[str, str]] = field(default_factory=list)  # (date property IRI, the date as the source gives it)
    evidence: list[str] = field(default_factory=list)  # evidence graph IRIs
    classes: set[str] = field(default_factory=set)  # class IRIs, as declared
    years: set[int] = field(default_factory=set)  # an event's years (cd:date, cd:expectedDate with a year)
    includes: list[str] = field(default_factory=list)  # IRIs of sub-units rolled up into this node

    def type_label(self, lang: str, labels: dict[str, dict[str, str]]) -> str:
        """The most specific of the node's classes, named in ``lang`` (English when it has no such label)."""
        if not self.classes:
            return self.type
        supers = {s for c in self.classes for s in _ancestors(c)}
        best = sorted(c for c in self.classes if c not in supers) or sorted(self.classes)
        names = labels.get(best[0], {})
        return names.get(lang) or names.get("en") or self.type


@dataclass
class Edge:
    source: str
    target: str
    relation: str  # property IRI
    evidence: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)  # the relation named otherwise (e.g. a post title)


@dataclass
class GraphData:
    nodes: dict[str, Node]
    edges: list[Edge]
    excerpts: dict[str, dict[str, str]]  # evidence IRI → kind, text, source, publisher, published, url, locator
    property_labels: dict[str, dict[str, str]]
    rolled: dict[str, Node] = field(default_factory=dict)  # sub-units merged into their parent (roll_up)


def literal_text(lit: ox.Literal) -> str:
    """A literal as a reader sees it: a date as precise as the source gave it, else its text."""
    dt = lit.datatype.value
    return format_date(lit.value, dt[len(XSD):]) if dt.startswith(XSD) else lit.value


def _ancestors(cls: str) -> set[str]:
    vocab, seen, todo = vocabulary(), set(), [cls]
    while todo:
        for sup in vocab.superclasses.get(todo.pop(), ()):
            if sup not in seen:
                seen.add(sup)
                todo.append(sup)
    return seen


def load(backend: Any) -> GraphData:
    """Read nodes, edges and excerpts from a backend (local store or endpoint).  Every list is
    sorted, so the same graph gives the same data (and the same page) on every run."""
    from cdkg.ontology import natural_key

    vocab = vocabulary()
    nodes: dict[str, Node] = {}
    for row in backend.query(ENTITIES):
        iri, cls = row["e"].value, row["class"].value
        node = nodes.get(iri)
        segment = vocab.segment(cls)
        if node is None:
            node = nodes[iri] = Node(iri, KIND_OF_SEGMENT.get(segment or "", "other"),
                                     vocab.labels.get(cls, {}).get("en", shorten(cls)))
        node.classes.add(cls)
        label = row["label"]
        if label is not None and label.language:
            node.labels[label.language] = label.value
    individuals: dict[str, Node] = {}
    for row in backend.query(INDIVIDUAL_LABELS):
        iri = row["e"].value
        cls = row["class"].value
        node = individuals.setdefault(iri, Node(iri, "theme" if cls == CD + "Theme" else "other",
                                                vocab.labels.get(cls, {}).get("en", shorten(cls))))
        node.classes.add(cls)
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
                node.dates.append((p, literal_text(o)))
                if p in EVENT_DATES and o.datatype.value[len(XSD):] in YEAR_TYPES and o.value[:4].isdigit():
                    node.years.add(int(o.value[:4]))
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
    for node in nodes.values():
        node.dates = sorted(set(node.dates), key=lambda d: (d[0], d[1]))
        node.evidence.sort(key=natural_key)
        if node.kind != "event":
            node.years.clear()
    for edge in edges.values():
        edge.evidence = sorted(set(edge.evidence), key=natural_key)
    excerpts = {}
    for row in backend.query(EXCERPTS):
        issued = row["issued"]

        def text(var: str) -> str:
            return row[var].value if row[var] is not None else ""

        excerpts[row["g"].value] = {"kind": row["kind"].value, "text": row["text"].value,
                                    "source": row["title"].value, "publisher": text("publisher"),
                                    "published": literal_text(issued) if issued is not None else "",
                                    "url": text("page"), "locator": text("locator")}
    ordered = sorted(edges.values(), key=lambda e: (e.source, e.relation, e.target))
    return GraphData(dict(sorted(nodes.items())), ordered, excerpts, vocab.labels)


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


def placeholders(data: GraphData) -> set[str]:
    """Collective placeholders ("the ministries concerned"): organisations of the class
    ``cd:OrganisationGroup``, which a source names together without listing them."""
    return {iri for iri, n in data.nodes.items() if PLACEHOLDER in n.classes}


def _merge_edges(data: GraphData, edges: list[Edge]) -> list[Edge]:
    from cdkg.ontology import natural_key

    merged: dict[tuple[str, str, str, tuple[tuple[str, str], ...]], Edge] = {}
    for e in edges:
        if e.source == e.target:
            continue
        key = (e.source, e.relation, e.target, tuple(sorted(e.labels.items())))
        if key in merged:
            merged[key].evidence = sorted(set(merged[key].evidence) | set(e.evidence), key=natural_key)
        else:
            merged[key] = Edge(e.source, e.target, e.relation, list(e.evidence), dict(e.labels))
    return sorted(merged.values(), key=lambda e: (e.source, e.relation, e.target, sorted(e.labels.items())))


def roll_up(data: GraphData) -> GraphData:
    """Sub-units drawn as their parent: every unit (``org:unitOf``, ``org:subOrganizationOf``,
    followed to the top) is merged into the organisation it belongs to, its relations moved
    there; the parent lists what it includes.  A unit in two organisations goes to the first
    by IRI, so the result is the same on every run."""
    from cdkg.ontology import natural_key

    parent: dict[str, str] = {}
    for e in data.edges:
        if e.relation in SUB_UNIT and e.source in data.nodes and e.target in data.nodes:
            parent.setdefault(e.source, e.target)  # edges are sorted: the first target by IRI

    def top(iri: str) -> str:
        seen = {iri}
        while iri in parent and parent[iri] not in seen:
            iri = parent[iri]
            seen.add(iri)
        return iri

    into = {iri: top(iri) for iri in parent}
    nodes = {}
    for iri, n in data.nodes.items():
        if iri in into:
            continue
        nodes[iri] = Node(n.id, n.kind, n.type, dict(n.labels), list(n.dates), list(n.evidence), set(n.classes),
                          set(n.years), list(n.includes))
    for child in sorted(into):
        merged = nodes[into[child]]
        merged.includes.append(child)
        merged.evidence = sorted(set(merged.evidence) | set(data.nodes[child].evidence), key=natural_key)
    edges = [Edge(into.get(e.source, e.source), into.get(e.target, e.target), e.relation, e.evidence, e.labels)
             for e in data.edges]
    rolled = {**data.rolled, **{child: data.nodes[child] for child in into}}
    return GraphData(nodes, _merge_edges(data, edges), data.excerpts, data.property_labels, rolled)


def without_positions(data: GraphData) -> GraphData:
    """The people view: the positions held (``cd:Position``, reified as W3C ORG asks) become
    one edge person → organisation named by the post titles (joined by "; "), with the
    positions' evidence; the position nodes and the post-title nodes go."""
    from cdkg.ontology import natural_key

    member: dict[str, list[str]] = defaultdict(list)
    organisation: dict[str, list[str]] = defaultdict(list)
    role: dict[str, list[str]] = defaultdict(list)
    evidence: dict[str, list[str]] = defaultdict(list)
    for e in data.edges:
        which = {ORG + "member": member, ORG + "organization": organisation, ORG + "role": role}.get(e.relation)
        if which is not None and data.nodes[e.source].kind == "position":
            which[e.source].append(e.target)
            evidence[e.source] += e.evidence
    positions = {iri for iri, n in data.nodes.items() if n.kind == "position"}
    roles = {iri for iri, n in data.nodes.items() if n.kind == "role"}
    edges = [e for e in data.edges if e.source not in positions | roles and e.target not in positions | roles]
    held: dict[tuple[str, str], tuple[dict[str, list[str]], list[str]]] = {}  # (person, organisation) → posts, evidence
    for pos in sorted(positions):
        for person in member.get(pos, []):
            for org in organisation.get(pos, []):
                posts, graphs = held.setdefault((person, org), ({}, []))
                graphs += evidence[pos]
                for r in role.get(pos, []):
                    for lang, text in data.nodes[r].labels.items():
                        if text not in posts.setdefault(lang, []):
                            posts[lang].append(text)
    for (person, org), (posts, graphs) in held.items():
        edges.append(Edge(person, org, ORG + "role", sorted(set(graphs), key=natural_key),
                          {lang: "; ".join(texts) for lang, texts in posts.items()}))
    nodes = {iri: n for iri, n in data.nodes.items() if iri not in positions | roles}
    return GraphData(nodes, _merge_edges(data, edges), data.excerpts, data.property_labels, data.rolled)


def without(data: GraphData, drop: set[str]) -> GraphData:
    """The graph without some nodes and their edges."""
    return GraphData({i: n for i, n in data.nodes.items() if i not in drop},
                     [e for e in data.edges if e.source not in drop and e.target not in drop],
                     data.excerpts, data.property_labels, data.rolled)
