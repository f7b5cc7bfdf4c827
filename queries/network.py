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

PARTICIPATION = """
PREFIX cd: <https://w3id.org/cdkg/ontology#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT DISTINCT ?org ?event WHERE {
  # the organisations first (a few hundred), then their events: much faster than checking the
  # class of every participant of every event
  { SELECT DISTINCT ?org WHERE { ?class rdfs:subClassOf* org:Organization . ?org a ?class } }
  VALUES ?role { cd:hasParticipant cd:chair cd:speaker cd:attendee cd:organisedBy cd:directedBy }
  { ?event ?role ?org } UNION { ?position org:organization ?org ; org:member ?person . ?event ?role ?person }
}
"""

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


def participation(backend: Any) -> list[tuple[str, str]]:
    """(organisation IRI, event IRI) pairs from the graph."""
    return [(row["org"].value, row["event"].value) for row in backend.query(PARTICIPATION)]


def co_participation(pairs: list[tuple[str, str]]) -> nx.Graph:
    """Organisation–organisation graph: weight = shared events, ``events`` = their IRIs."""
    by_event: dict[str, set[str]] = defaultdict(set)
    for org, event in pairs:
        by_event[event].add(org)
    graph = nx.Graph()
    graph.add_nodes_from(org for org, _ in pairs)
    shared: dict[tuple[str, str], list[str]] = defaultdict(list)
    for event in sorted(by_event):
        for a, b in combinations(sorted(by_event[event]), 2):
            shared[(a, b)].append(event)
    graph.add_edges_from((a, b, {"weight": len(events), "events": events}) for (a, b), events in shared.items())
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
                                           detail="the only link between two parts of the network"))
    components = sorted((sorted(c) for c in nx.connected_components(graph)), key=lambda c: (-len(c), c))
    for comp in components[1:]:
        findings.append(NetworkFinding("component", comp,
                                       detail=f"{len(comp)} organisation(s) sharing no event with the largest group "
                                              f"of {len(components[0])}"))
    return NetworkAnalysis(graph.number_of_nodes(), graph.number_of_edges(), len(components), k, seed, findings)
