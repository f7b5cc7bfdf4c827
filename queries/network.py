"""The co-participation network of organisations, and its structural holes.

Nodes are organisations that take part in recorded events (any role, organiser included),
themselves or through a person holding a position in them; two organisations are linked when
they share an event, weighted by the number of shared events, and the edge keeps those events
as its evidence.  The network is built from a SPARQL SELECT of organisation–event
participation — not from every triple, so types and literals never become nodes.

Measures (networkx): betweenness (brokers; sampled with a fixed seed above a size threshold),
Burt's constraint (actors dependent on few, interconnected contacts), articulation points and
bridges (whose removal disconnects actors), and connected components.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import networkx as nx

_PREFIXES = """
PREFIX cd: <https://w3id.org/cdkg/ontology#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
ROLES = "cd:hasParticipant cd:chair cd:speaker cd:attendee cd:organisedBy cd:directedBy"

#: Organisations taking part in events themselves.
PARTICIPATION = _PREFIXES + """
SELECT DISTINCT ?org ?event WHERE {
  # the organisations first (a few hundred), then their events: much faster than checking the
  # class of every participant of every event
  { SELECT DISTINCT ?org WHERE { ?class rdfs:subClassOf* org:Organization . ?org a ?class } }
  VALUES ?role { %s }
  ?event ?role ?org .
}
""" % ROLES

#: People taking part in events, with every position they hold: whether the position fits the
#: event (``?same``: stated in the same evidence as the participation) and the dates it is
#: attested on and the event's dates, compared in Python (the precision of each differs).
PERSON_PARTICIPATION = _PREFIXES + """
SELECT DISTINCT ?person ?event ?org ?position ?same ?attested ?date WHERE {
  VALUES ?role { %s }
  ?position org:member ?person ; org:organization ?org .
  ?event ?role ?person .
  BIND(EXISTS { GRAPH ?g { ?event ?r ?person } GRAPH ?g { ?position org:organization ?org } } AS ?same)
  OPTIONAL { ?position cd:attestedOn ?attested }
  OPTIONAL { ?event cd:date ?date }
}
""" % ROLES

#: Party bodies, and events a Party body takes part in itself (a Party event).
PARTY = _PREFIXES + """
SELECT DISTINCT ?party ?event WHERE {
  ?party a cd:PartyBody .
  OPTIONAL { VALUES ?role { %s } ?event ?role ?party }
}
""" % ROLES

#: Sub-units and the organisation they belong to.
SUB_UNITS = _PREFIXES + """
SELECT DISTINCT ?unit ?parent WHERE { ?unit org:subOrganizationOf|org:unitOf ?parent }
"""


def _date_parts(value: str) -> tuple[str | None, str | None, str | None]:
    """(year, month, day) of an xsd date, gYearMonth, gMonthDay or gYear literal (None: not stated)."""
    if value.startswith("--"):
        month, _, day = value[2:].partition("-")
        return None, month[:2], day[:2] or None
    parts = value.split("-")
    return parts[0], parts[1][:2] if len(parts) > 1 else None, parts[2][:2] if len(parts) > 2 else None


def same_day(a: str, b: str) -> bool:
    """Whether two dates of different precision can be the same day (every part both state agrees,
    and both state the month)."""
    pa, pb = _date_parts(a), _date_parts(b)
    if pa[1] is None or pb[1] is None:
        return False
    return all(x is None or y is None or x == y for x, y in zip(pa, pb))


def roll_up_map(backend: Any) -> dict[str, str]:
    """Each sub-unit (org:subOrganizationOf / org:unitOf) mapped to its outermost organisation."""
    parent: dict[str, str] = {}
    for row in backend.query(SUB_UNITS):
        parent.setdefault(row["unit"].value, row["parent"].value)
    out = {}
    for unit in parent:
        top, seen = unit, {unit}
        while top in parent and parent[top] not in seen:
            top = parent[top]
            seen.add(top)
        out[unit] = top
    return out


#: Above this many nodes, betweenness is estimated from at most this many sampled sources.
SAMPLE_ABOVE = 1000
#: Exact betweenness costs one breadth-first search per organisation (about nodes × links steps,
#: in Python); above this many steps it is estimated from k sampled sources, k chosen to fit this
#: budget but never below MIN_SAMPLE.  Hub agencies make dense graphs: at a million triples,
#: ~1,000 organisations with ~125,000 links would take minutes exactly.
BETWEENNESS_BUDGET = 5_000_000
MIN_SAMPLE = 50


def sample_size(nodes: int, links: int, sample_above: int = SAMPLE_ABOVE,
                budget: int = BETWEENNESS_BUDGET) -> int | None:
    """How many sources betweenness is estimated from (None: computed exactly)."""
    if nodes <= sample_above and nodes * links <= budget:
        return None
    return min(nodes, sample_above, max(MIN_SAMPLE, budget // max(links, 1)))


def participation(backend: Any, roll_up: bool = False) -> list[tuple[str, str, str]]:
    """(organisation IRI, event IRI, person IRI or "") triples: an organisation takes part in an
    event itself ("") or through a person, in the capacity the person holds for that event.

    A person's capacity is the position attested on the event's date or stated in the same
    evidence as the participation (else every position); a Party position counts only when the
    event is a Party event or the person holds no other fitting position — an official attending
    as a minister does not bring in the Party Central Committee because they also sit on it.
    With ``roll_up``, sub-units count as the organisation they belong to."""
    top = roll_up_map(backend) if roll_up else {}
    out = {(row["org"].value, row["event"].value, "") for row in backend.query(PARTICIPATION)}
    party: set[str] = set()
    party_events: set[str] = set()
    for row in backend.query(PARTY):
        party.add(row["party"].value)
        if row["event"] is not None:
            party_events.add(row["event"].value)
    positions: dict[tuple[str, str], dict[str, bool]] = defaultdict(dict)  # (person, event) -> org -> fits
    for row in backend.query(PERSON_PARTICIPATION):
        key = (row["person"].value, row["event"].value)
        attested, date = row["attested"], row["date"]
        fits = (row["same"].value == "true"
                or (attested is not None and date is not None and same_day(attested.value, date.value)))
        org = row["org"].value
        positions[key][org] = positions[key].get(org, False) or fits
    is_party = (lambda o: o in party or top.get(o) in party)
    for (person, event), orgs in positions.items():
        chosen = [o for o, fits in orgs.items() if fits] or list(orgs)
        if event not in party_events and any(not is_party(o) for o in chosen):
            chosen = [o for o in chosen if not is_party(o)]
        out |= {(o, event, person) for o in chosen}
    return sorted({(top.get(o, o), e, p) for o, e, p in out})


def co_participation(pairs: list[tuple[str, ...]]) -> nx.Graph:
    """Organisation–organisation graph: weight = shared events, ``events`` = their IRIs; when some
    of those rest on a person's participation, ``people`` = those persons and ``only_people`` =
    whether no shared event has both organisations taking part themselves.
    ``pairs`` are (organisation, event) or (organisation, event, person or "")."""
    by_event: dict[str, dict[str, tuple[set[str], list[bool]]]] = defaultdict(dict)
    for org, event, *person in pairs:
        people, direct = by_event[event].setdefault(org, (set(), [False]))
        if person and person[0]:
            people.add(person[0])
        else:
            direct[0] = True
    graph = nx.Graph()
    graph.add_nodes_from(sorted({p[0] for p in pairs}))
    shared: dict[tuple[str, str], list[str]] = defaultdict(list)
    people: dict[tuple[str, str], set[str]] = defaultdict(set)
    direct: dict[tuple[str, str], bool] = defaultdict(bool)
    for event in sorted(by_event):
        orgs = by_event[event]
        for a, b in combinations(sorted(orgs), 2):
            shared[(a, b)].append(event)
            people[(a, b)] |= orgs[a][0] | orgs[b][0]
            direct[(a, b)] |= orgs[a][1][0] and orgs[b][1][0]
    for (a, b), events in shared.items():
        attrs: dict[str, Any] = {"weight": len(events), "events": events}
        if people[(a, b)]:
            attrs["people"] = sorted(people[(a, b)])
            attrs["only_people"] = not direct[(a, b)]
        graph.add_edge(a, b, **attrs)
    return graph


def burt_constraint(graph: nx.Graph, weight: str = "weight") -> dict[str, float]:
    """Burt's constraint of every node with at least one link, with sparse matrices (scipy).

    Same values as ``networkx.constraint`` on an undirected graph — c(i) = Σ_j (p_ij + Σ_q p_iq p_qj)²
    over the neighbours j of i, with p the row-normalised link weights — but as two sparse
    products instead of a Python loop per pair of neighbours, which takes minutes on the dense
    co-participation graphs that hub agencies make.
    """
    import numpy as np
    import scipy.sparse as sp

    nodes = [n for n in graph if graph.degree(n) > 0]
    if not nodes:
        return {}
    w = nx.to_scipy_sparse_array(graph, nodelist=nodes, weight=weight, format="csr").astype(float)
    w.setdiag(0)
    w.eliminate_zeros()
    totals = np.asarray(w.sum(axis=1)).ravel()
    p = sp.diags(1.0 / totals) @ w
    indirect = p @ p
    c = p + indirect.multiply(p != 0)  # only the terms for j a neighbour of i
    values = np.asarray(c.multiply(c).sum(axis=1)).ravel()
    return {n: float(v) for n, v in zip(nodes, values)}


@dataclass
class NetworkFinding:
    measure: str  # broker | constrained | articulation | bridge | component
    nodes: list[str]
    value: float | None = None
    events: list[str] = field(default_factory=list)
    detail: str = ""
    merged: bool = False  # the detail already names every measure (one finding per group)


@dataclass
class NetworkAnalysis:
    nodes: int
    edges: int
    components: int
    sampled: int | None  # betweenness sample size k, or None when exact
    seed: int
    findings: list[NetworkFinding]


def analyse(graph: nx.Graph, top: int = 5, sample_above: int = SAMPLE_ABOVE, seed: int = 42) -> NetworkAnalysis:
    """Structural holes of a co-participation graph."""
    findings: list[NetworkFinding] = []
    k = sample_size(graph.number_of_nodes(), graph.number_of_edges(), sample_above)
    if graph.number_of_edges():
        betweenness = nx.betweenness_centrality(graph, k=k, seed=seed, normalized=True)
        brokers = sorted((v, node) for node, v in betweenness.items() if v > 0)[::-1][:top]
        findings += [NetworkFinding("broker", [node], round(v, 4),
                                    detail=f"lies on {v:.0%} of the shortest paths between other organisations")
                     for v, node in brokers]
        constraint = burt_constraint(graph)
        ranked = sorted(((v, node) for node, v in constraint.items()), reverse=True)[:top]
        findings += [NetworkFinding("constrained", [node], round(v, 4),
                                    detail=f"Burt's constraint {v:.2f}: its contacts are few and tied to each other")
                     for v, node in ranked]
        for node in sorted(nx.articulation_points(graph)):
            findings.append(NetworkFinding("articulation", [node], detail="removing it disconnects other organisations"))
        for a, b in sorted(tuple(sorted(e)) for e in nx.bridges(graph)):
            findings.append(NetworkFinding("bridge", [a, b], events=graph.edges[a, b]["events"],
                                           detail="the only link between two parts of the network, "
                                                  + link_basis(graph, a, b)))
    components = sorted((sorted(c) for c in nx.connected_components(graph)), key=lambda c: (-len(c), c))
    for comp in components[1:]:
        findings.append(NetworkFinding("component", comp,
                                       detail=f"{len(comp)} organisation(s) sharing no event with the largest group "
                                              f"of {len(components[0])}"))
    return NetworkAnalysis(graph.number_of_nodes(), graph.number_of_edges(), len(components), k, seed,
                           merge(findings, graph))


def link_basis(graph: nx.Graph, a: str, b: str) -> str:
    """Whether a link rests on the organisations themselves or on people taking part for them."""
    edge = graph.edges[a, b]
    if not edge.get("people"):
        return "resting on the organisations themselves"
    names = ", ".join(p.rsplit("/", 1)[-1] for p in edge["people"])
    return ("resting only on people taking part for them: " if edge.get("only_people")
            else "resting on the organisations and on people taking part for them: ") + names


#: Which measure names a merged finding first.
MEASURE_ORDER = ("component", "broker", "articulation", "bridge", "constrained")
MEASURE_WORDS = {"broker": "broker", "constrained": "most constrained", "articulation": "articulation point",
                 "bridge": "bridge", "component": "separate component"}


def merge(findings: list[NetworkFinding], graph: nx.Graph | None = None) -> list[NetworkFinding]:
    """One finding per group: a separate component takes in the bridges, articulation points and
    constrained actors inside it; constrained actors linked to each other are one group; measures
    about the same organisations become one finding."""
    groups: list[list[NetworkFinding]] = []
    components = [f for f in findings if f.measure == "component"]
    rest = [f for f in findings if f.measure != "component"]
    for comp in components:
        inside = [f for f in rest if set(f.nodes) <= set(comp.nodes)]
        rest = [f for f in rest if f not in inside]
        groups.append([comp, *inside])
    constrained = [f for f in rest if f.measure == "constrained"]
    if graph is not None and constrained:
        by_node = {f.nodes[0]: f for f in constrained}
        rest = [f for f in rest if f.measure != "constrained"]
        for part in nx.connected_components(graph.subgraph(by_node)):
            nodes = sorted(part)
            if len(nodes) == 1:
                rest.append(by_node[nodes[0]])
                continue
            value = max(by_node[n].value or 0 for n in nodes)
            rest.append(NetworkFinding("constrained", nodes, value, detail=(
                f"Burt's constraint up to {value:.2f}: a group of {len(nodes)} organisations linked to each other, "
                f"whose few contacts are tied to each other")))
    by_nodes: dict[tuple[str, ...], list[NetworkFinding]] = {}
    for f in rest:
        by_nodes.setdefault(tuple(sorted(f.nodes)), []).append(f)
    groups += list(by_nodes.values())
    out = []
    for group in groups:
        group.sort(key=lambda f: MEASURE_ORDER.index(f.measure))
        first = group[0]
        if len(group) == 1:
            out.append(first)
            continue
        detail = "; ".join(f"{MEASURE_WORDS[f.measure]}: {f.detail}" + (
            f" ({', '.join(n.rsplit('/', 1)[-1] for n in f.nodes)})" if f.nodes != first.nodes else "")
            for f in group)
        events = sorted({e for f in group for e in f.events})
        value = max((f.value for f in group if f.value is not None), default=None)
        out.append(NetworkFinding(first.measure, first.nodes, value, events, detail, merged=True))
    return sorted(out, key=lambda f: MEASURE_ORDER.index(f.measure))
