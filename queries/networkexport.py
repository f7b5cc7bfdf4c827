"""The graph as a network for Gephi, R, pandas and networkx: GraphML, GEXF, or two CSV tables.

Two networks (``network``):

* ``all`` — every entity is a node (entities of the curated records, and the ontology's
  individuals such as themes that facts point to); every fact between two entities (an object
  property stated by an evidence excerpt) is a directed edge, one per (subject, property, object),
  with the excerpts that state it.  Types and literal values are node attributes, never nodes.
* ``organisations`` — the co-participation network of :mod:`cdkg.queries.network`: organisations
  linked when they take part in the same event, weighted by the number of shared events.

Every attribute is a plain string or number (networkx's GraphML writer rejects RDF terms,
networkx#3663), and a missing value is left out (GraphML, GEXF) or empty (CSV).

Node attributes (CSV ``nodes.csv`` columns, in this order): ``id`` (``event:ev_scd_annual_meeting``,
the node's key; edges refer to it), ``iri``, ``label`` (in ``lang``, else the other language),
``label_en``, ``label_vi``, ``category`` (``event``, ``organisation``, ``person``, ``place``,
``document``, …: the IRI's kind, one value to colour by), ``kind`` (its classes as CURIEs,
space-separated), ``kind_en``, ``kind_vi``, ``date`` (ISO 8601 at the source's precision:
``2023-05-26``, ``2021-11``, ``2010``, or ``--05-26`` when the source gives no year),
``date_precision`` (``day``, ``month``, ``year`` or ``day-month``), ``date_property`` (the property
the date comes from: ``cd:date``, ``eli:date_document``, ``cd:effectiveDate``, ``cd:expectedDate``
or ``cd:attestedOn``, first found in that order; of several values, the most precise with a year),
``year``, ``evidence_count`` (excerpts stating something about the entity) and ``source_count``
(their distinct sources).

Edge attributes of ``all`` (``edges.csv``): ``source``, ``target``, ``predicate`` (CURIE), ``label``,
``label_en``, ``label_vi``, ``weight`` (= ``evidence_count``), ``evidence_count``, ``quoted_count``,
``cited_count``, ``evidence`` (the excerpts' ids, ``;``-separated: ``cdkg cite`` takes each) and
``sources`` (their sources' ids).  Of ``organisations``: ``source``, ``target``, ``label``,
``weight`` (shared events), ``events`` (their ids, ``;``-separated), ``first_date`` and
``last_date`` (the earliest and latest dated shared event, ISO at its precision).

Time for Gephi's timeline (GEXF ``start``/``end``, dates inclusive): an event with a dated year
lasts its day, month or year; a document exists from its date on; an edge of ``all`` lasts while
both its ends do.  An edge of ``organisations`` has one spell per shared event when every
shared event is dated (overlapping spells merged), else none (it is always shown).  Other nodes
have no time and are always shown.
"""

from __future__ import annotations

import calendar
import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import networkx as nx
import pyoxigraph as ox

from cdkg.errors import UsageError
from cdkg.kg.files import write_atomic
from cdkg.kg.sparql import PREFIX_DECL, LocalBackend
from cdkg.kg.store import ONTOLOGY_GRAPH, open_store
from cdkg.ontology import CD, ELI, ID, PROVENANCE_GRAPH, RDF, XSD, shorten, vocabulary

NETWORKS = ("all", "organisations")
NETWORK_FORMATS = ("graphml", "gexf", "csv")

NODE_COLUMNS = ("id", "iri", "label", "label_en", "label_vi", "category", "kind", "kind_en", "kind_vi",
                "date", "date_precision", "date_property", "year", "evidence_count", "source_count")
EDGE_COLUMNS = {
    "all": ("source", "target", "predicate", "label", "label_en", "label_vi", "weight", "evidence_count",
            "quoted_count", "cited_count", "evidence", "sources"),
    "organisations": ("source", "target", "label", "weight", "events", "first_date", "last_date"),
}

#: Where a node's date comes from, first found first.
DATE_PROPERTIES = (CD + "date", ELI + "date_document", CD + "effectiveDate", CD + "expectedDate", CD + "attestedOn")
#: Precision of each XSD date datatype, most precise first.
PRECISION = {"date": "day", "gYearMonth": "month", "gYear": "year", "gMonthDay": "day-month"}

_EVIDENCE = PREFIX_DECL + f"""
SELECT ?g ?kind ?src WHERE {{
  GRAPH <{PROVENANCE_GRAPH}> {{
    {{ ?g a cd:QuotedEvidence ; prov:wasQuotedFrom ?src . BIND("quoted" AS ?kind) }}
    UNION
    {{ ?g a cd:CitedEvidence ; prov:wasDerivedFrom ?src . BIND("cited" AS ?kind) }}
  }}
}}
"""
_ENTITY_CLASSES = f"""
SELECT ?e ?class WHERE {{
  {{ GRAPH ?rec {{ ?e a ?class }} FILTER(STRSTARTS(STR(?rec), "{ID}entities/")) }}
  UNION
  {{ GRAPH <{ONTOLOGY_GRAPH.value}> {{ ?e a <http://www.w3.org/2002/07/owl#NamedIndividual>, ?class }}
     FILTER(?class != <http://www.w3.org/2002/07/owl#NamedIndividual>) }}
}}
"""
_LABELS = "SELECT ?x ?label WHERE { ?x <http://www.w3.org/2000/01/rdf-schema#label> ?label }"


@dataclass(frozen=True)
class DateValue:
    """A stored date: ISO 8601 text at its precision, and the days it covers (None: no year)."""

    iso: str
    precision: str  # day | month | year | day-month
    prop: str  # IRI of the property it came from
    first: date | None
    last: date | None

    @classmethod
    def of(cls, literal: ox.Literal, prop: str) -> DateValue | None:
        kind = literal.datatype.value.removeprefix(XSD)
        if kind not in PRECISION or not literal.datatype.value.startswith(XSD):
            return None
        text = literal.value
        try:
            if kind == "date":
                first = last = date.fromisoformat(text)
            elif kind == "gYearMonth":
                y, m = (int(x) for x in text.split("-"))
                first, last = date(y, m, 1), date(y, m, calendar.monthrange(y, m)[1])
            elif kind == "gYear":
                first, last = date(int(text), 1, 1), date(int(text), 12, 31)
            else:
                first = last = None
        except ValueError:
            return None
        return cls(text, PRECISION[kind], prop, first, last)

    def rank(self) -> tuple[int, str]:
        return list(PRECISION.values()).index(self.precision), self.iso


class GraphFacts:
    """What the networks are made of, read once from a store: labels, classes, dates, facts and
    the excerpts stating them."""

    def __init__(self, store: ox.Store):
        self.store = store
        self.labels: dict[str, dict[str, str]] = defaultdict(dict)
        for row in store.query(_LABELS, use_default_graph_as_union=True):  # of several, the first in order
            lang, text = row["label"].language or "", row["label"].value
            known = self.labels[row["x"].value]
            known[lang] = min(known.get(lang, text), text)
        self.classes: dict[str, set[str]] = defaultdict(set)
        for row in store.query(_ENTITY_CLASSES):
            self.classes[row["e"].value].add(row["class"].value)
        self.evidence_kind: dict[str, str] = {}
        self.evidence_source: dict[str, str] = {}
        for row in store.query(_EVIDENCE):
            self.evidence_kind[row["g"].value] = row["kind"].value
            self.evidence_source[row["g"].value] = row["src"].value
        self.edges: dict[tuple[str, str, str], set[str]] = defaultdict(set)
        self.node_evidence: dict[str, set[str]] = defaultdict(set)
        dates: dict[str, dict[str, list[DateValue]]] = defaultdict(lambda: defaultdict(list))
        wanted_dates = set(DATE_PROPERTIES)
        for g in sorted(self.evidence_kind):
            for q in store.quads_for_pattern(None, None, None, ox.NamedNode(g)):
                s, p, o = q.subject.value, q.predicate.value, q.object
                if p == RDF + "type":
                    continue
                self.node_evidence[s].add(g)
                if isinstance(o, ox.NamedNode):
                    self.edges[(s, p, o.value)].add(g)
                    self.node_evidence[o.value].add(g)
                elif isinstance(o, ox.Literal) and p in wanted_dates and (d := DateValue.of(o, p)):
                    dates[s][p].append(d)
        self.dates: dict[str, DateValue] = {}
        for iri, by_prop in dates.items():
            prop = next(p for p in DATE_PROPERTIES if p in by_prop)
            self.dates[iri] = min(by_prop[prop], key=DateValue.rank)

    def label(self, iri: str, lang: str) -> str:
        ls = self.labels.get(iri, {})
        return ls.get(lang) or ls.get("vi" if lang == "en" else "en") or ls.get("") or node_id(iri)

    def node(self, iri: str, lang: str) -> dict[str, Any]:
        """A node's attributes (plain strings and numbers; missing values left out)."""
        classes = sorted(self.classes.get(iri, ()), key=shorten)
        ls = self.labels.get(iri, {})
        data: dict[str, Any] = {
            "iri": iri, "label": self.label(iri, lang), "label_en": ls.get("en", ""), "label_vi": ls.get("vi", ""),
            "category": category(iri, classes), "kind": " ".join(shorten(c) for c in classes),
            "kind_en": ", ".join(self.labels.get(c, {}).get("en", shorten(c)) for c in classes),
            "kind_vi": ", ".join(self.labels.get(c, {}).get("vi", shorten(c)) for c in classes),
        }
        if (d := self.dates.get(iri)) is not None:
            data.update(date=d.iso, date_precision=d.precision, date_property=shorten(d.prop))
            if d.first is not None:
                data["year"] = d.first.year
        evidence = self.node_evidence.get(iri, set())
        data["evidence_count"] = len(evidence)
        data["source_count"] = len({self.evidence_source[g] for g in evidence})
        return {k: v for k, v in data.items() if v != ""}

    def interval(self, iri: str) -> tuple[date | None, date | None] | None:
        """When a node exists for the timeline (None: always)."""
        d = self.dates.get(iri)
        if d is None or d.first is None:
            return None
        cat = category(iri, self.classes.get(iri, ()))
        if cat == "event":
            return d.first, d.last
        if cat == "document":
            return d.first, None
        return None


def node_id(iri: str) -> str:
    """``https://w3id.org/cdkg/id/event/ev_x`` → ``event:ev_x`` (the Turtle export's prefixes);
    another IRI → its CURIE."""
    if iri.startswith(ID):
        segment, _, local = iri[len(ID):].partition("/")
        if local:
            return f"{segment}:{local}"
    return shorten(iri)


def category(iri: str, classes: Any) -> str:
    """One word for the kind of node: the IRI segment of a curated entity, else its class's."""
    if iri.startswith(ID) and "/" in iri[len(ID):]:
        return iri[len(ID):].split("/", 1)[0]
    vocab = vocabulary()
    for c in sorted(classes):
        if seg := vocab.segment(c):
            return seg
    return sorted(classes)[0].rsplit("#", 1)[-1].rsplit("/", 1)[-1].lower() if classes else ""


def _short(iri: str, prefix: str) -> str:
    return iri[len(prefix):] if iri.startswith(prefix) else iri


def _intersect(a: tuple | None, b: tuple | None) -> tuple | None:
    if a is None or b is None:
        return a or b
    start = max((x for x in (a[0], b[0]) if x is not None), default=None)
    ends = [x for x in (a[1], b[1]) if x is not None]
    end = min(ends) if ends else None
    if start is not None and end is not None and end < start:
        return None  # the two never coexist: no time rather than an empty one
    return start, end


def _time(data: dict[str, Any], interval: tuple | None) -> None:
    if interval is None:
        return
    if interval[0] is not None:
        data["start"] = interval[0].isoformat()
    if interval[1] is not None:
        data["end"] = interval[1].isoformat()


def whole_graph(facts: GraphFacts, lang: str = "en") -> nx.MultiDiGraph:
    """``all``: entities and the facts between them (keys ``e0``, ``e1``, … in a stable order)."""
    graph = nx.MultiDiGraph(name="cdkg: entities and the facts between them")
    iris = set(facts.classes) | {s for s, _, _ in facts.edges} | {o for _, _, o in facts.edges}
    iris -= set(facts.evidence_kind) | set(facts.evidence_source.values())
    for iri in sorted(iris, key=node_id):
        data = facts.node(iri, lang)
        _time(data, facts.interval(iri))
        graph.add_node(node_id(iri), **data)
    for n, (s, p, o) in enumerate(sorted(facts.edges, key=lambda e: (node_id(e[0]), shorten(e[1]), node_id(e[2])))):
        if s not in iris or o not in iris:
            continue
        evidence = sorted(facts.edges[(s, p, o)])
        kinds = [facts.evidence_kind[g] for g in evidence]
        ls = facts.labels.get(p, {})
        data = {
            "predicate": shorten(p), "label": facts.label(p, lang) if ls else shorten(p),
            "label_en": ls.get("en", ""), "label_vi": ls.get("vi", ""), "weight": len(evidence),
            "evidence_count": len(evidence), "quoted_count": kinds.count("quoted"), "cited_count": kinds.count("cited"),
            "evidence": ";".join(_short(g, ID + "evidence/") for g in evidence),
            "sources": ";".join(sorted({_short(facts.evidence_source[g], ID + "source/") for g in evidence})),
        }
        _time(data, _intersect(facts.interval(s), facts.interval(o)))
        graph.add_edge(node_id(s), node_id(o), key=f"e{n}", **{k: v for k, v in data.items() if v != ""})
    return graph


def organisation_graph(facts: GraphFacts, lang: str = "en") -> nx.Graph:
    """``organisations``: the co-participation network of :mod:`cdkg.queries.network`, with plain
    attributes (the shared events as ids) and spells for the timeline."""
    from cdkg.queries import network

    co = network.co_participation(network.participation(LocalBackend(store=facts.store)))
    graph = nx.Graph(name="cdkg: organisations linked by shared events")
    for iri in sorted(co, key=node_id):
        graph.add_node(node_id(iri), **facts.node(iri, lang))
    for a, b, attrs in sorted(co.edges(data=True), key=lambda e: sorted((node_id(e[0]), node_id(e[1])))):
        events = sorted(attrs["events"], key=node_id)
        dated = [facts.dates[e] for e in events if e in facts.dates and facts.dates[e].first is not None]
        data: dict[str, Any] = {"label": "co-participation", "weight": attrs["weight"],
                                "events": ";".join(node_id(e) for e in events)}
        if dated:
            data["first_date"] = min(dated, key=lambda d: (d.first, d.rank())).iso
            data["last_date"] = max(dated, key=lambda d: (d.last, d.iso)).iso
        if dated and len(dated) == len(events):
            data["spells"] = _merged([(d.first, d.last) for d in dated])
        u, v = sorted((node_id(a), node_id(b)))
        graph.add_edge(u, v, **data)
    return graph


def _merged(intervals: list[tuple[date, date]]) -> list[tuple[str, str]]:
    """Intervals sorted and merged where they overlap or touch (Gephi refuses overlapping spells)."""
    out: list[list[date]] = []
    for first, last in sorted(intervals):
        if out and first <= out[-1][1] + timedelta(days=1):
            out[-1][1] = max(out[-1][1], last)
        else:
            out.append([first, last])
    return [(a.isoformat(), b.isoformat()) for a, b in out]


def to_networkx(build: Path | str | None = None, network: str = "all", lang: str = "en",
                store: ox.Store | None = None) -> nx.Graph:
    """The built graph as a networkx graph: ``network`` is ``all`` (a MultiDiGraph of entities
    and facts) or ``organisations`` (the co-participation Graph).  Attributes: see the module's
    docstring."""
    if network not in NETWORKS:
        raise UsageError(f"unknown network {network!r}; choose one of {', '.join(NETWORKS)}")
    if lang not in ("en", "vi"):
        raise UsageError(f"--lang is en or vi, not {lang!r}")
    facts = GraphFacts(store if store is not None else open_store(build))
    return whole_graph(facts, lang) if network == "all" else organisation_graph(facts, lang)


def _without_time(graph: nx.Graph) -> nx.Graph:
    """A copy for GraphML and CSV: ``spells`` (a list) dropped, ``start``/``end`` kept as text."""
    g = graph.copy()
    for _, data in g.nodes(data=True):
        data.pop("spells", None)
    for *_, data in g.edges(data=True):
        data.pop("spells", None)
    return g


def serialize_network(graph: nx.Graph, format: str) -> bytes:
    """GraphML or GEXF of a graph made by :func:`to_networkx`."""
    buf = io.BytesIO()
    if format == "graphml":
        nx.write_graphml(_without_time(graph), buf, encoding="utf-8")
    elif format == "gexf":
        nx.write_gexf(graph, buf, encoding="utf-8")
    else:
        raise UsageError(f"unknown network format {format!r}; choose graphml or gexf (or csv, into a folder)")
    return buf.getvalue()


def csv_tables(graph: nx.Graph, network: str) -> tuple[bytes, bytes]:
    """``nodes.csv`` and ``edges.csv`` (UTF-8, a header row, ``\\n`` line ends)."""
    graph = _without_time(graph)

    def table(columns: tuple[str, ...], rows: list[dict[str, Any]]) -> bytes:
        text = io.StringIO()
        writer = csv.DictWriter(text, columns, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return text.getvalue().encode("utf-8")

    nodes = [{"id": n, **data} for n, data in graph.nodes(data=True)]
    edges = [{"source": u, "target": v, **data} for u, v, data in graph.edges(data=True)]
    return table(NODE_COLUMNS, nodes), table(EDGE_COLUMNS[network], edges)


def write_network(format: str, output: Path | str | None, *, build: Path | str | None = None,
                  network: str = "all", lang: str = "en") -> bytes | Path:
    """Export a network: GraphML or GEXF to ``output`` (or returned as bytes without one); CSV as
    ``nodes.csv`` and ``edges.csv`` in the folder ``output`` (made if missing; required)."""
    if format not in NETWORK_FORMATS:
        raise UsageError(f"unknown network format {format!r}; choose one of {', '.join(NETWORK_FORMATS)}")
    if format == "csv":
        if output is None:
            raise UsageError("--format csv writes nodes.csv and edges.csv into a folder: give --output FOLDER")
        folder = Path(output)
        if folder.exists() and not folder.is_dir():
            raise UsageError(f"--output {folder} is a file; --format csv writes nodes.csv and edges.csv into a folder")
    graph = to_networkx(build, network, lang)
    if format != "csv":
        data = serialize_network(graph, format)
        return data if output is None else write_atomic(output, data)
    folder.mkdir(parents=True, exist_ok=True)
    nodes, edges = csv_tables(graph, network)
    write_atomic(folder / "nodes.csv", nodes)
    write_atomic(folder / "edges.csv", edges)
    return folder


__all__ = ["to_networkx", "write_network", "serialize_network", "csv_tables", "NETWORKS", "NETWORK_FORMATS",
           "NODE_COLUMNS", "EDGE_COLUMNS"]
