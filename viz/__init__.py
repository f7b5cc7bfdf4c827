"""Interactive, offline HTML views of the graph.

>>> import cdkg
>>> html = cdkg.viz(kind="heritage", lang="vi")            # doctest: +SKIP
>>> cdkg.viz(focus="Hà Kim Ngọc", depth=2, output="hkn.html")  # doctest: +SKIP

The module itself is callable — ``cdkg.viz(...)`` is :func:`render`, as ``cdkg viz`` is on the
command line.  :func:`render` draws the built graph (or an endpoint's); :func:`render_networkx` draws any
networkx graph without changing it.  Both return the page and write it when given ``output``.
"""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import Any

KINDS = {"organisations": "organisation", "events": "event", "documents": "document", "heritage": "heritage",
         "places": "place", "all": None}

#: Above this many nodes the layout is computed in Python and physics is switched off.
PHYSICS_LIMIT = 300
#: Above this many nodes the Python layout is spectral rather than force-directed.
SPRING_LIMIT = 1000


def render(build: Path | str | None = None, *, focus: str | None = None, depth: int = 1, kind: str = "all",
           gaps: bool = False, lang: str = "en", output: Path | str | None = None, endpoint: str | None = None,
           backend: Any = None) -> str:
    """The HTML page of the graph; written to ``output`` (atomically) when given."""
    from cdkg.errors import UsageError
    from cdkg.kg.provenance import find_entity
    from cdkg.queries import backend_for
    from cdkg.viz import graphdata

    if kind not in KINDS:
        raise UsageError(f"unknown kind {kind!r}; choose one of {', '.join(KINDS)}")
    backend = backend or backend_for(build, endpoint)
    data = graphdata.load(backend)
    keep = set(data.nodes)
    title = "cdkg — " + ("toàn bộ đồ thị" if lang == "vi" else "the whole graph")
    if kind != "all":
        keep = graphdata.of_kind(data, KINDS[kind])
        title = f"cdkg — {kind}"
    if focus:
        centre, _ = find_entity(backend, focus)
        if centre not in data.nodes:
            raise UsageError(f"{focus!r} is not drawn in the graph (it has no facts linking it to other entities)")
        keep &= graphdata.neighbourhood(data, centre, depth)
        keep.add(centre)
        label = data.nodes[centre].labels.get(lang) or centre
        title = f"cdkg — {label} (±{depth})"
    findings: list[str] = []
    flagged: set[str] = set()
    if gaps:
        from cdkg.queries.gaps import find_gaps

        report = find_gaps(lang=lang, backend=backend, evidence_per_entity=0)
        for f in report.findings:
            iris = {e.iri for e in f.entities}
            if iris & keep:
                flagged |= iris & keep
                findings.append(f"[{f.kind}] {f.explanation}")
    return _write(_page(data, keep, flagged, findings, title, lang), output)


def _page(data: Any, keep: set[str], flagged: set[str], findings: list[str], title: str, lang: str) -> str:
    from cdkg.viz.html import page
    from cdkg.viz.graphdata import Node

    other = "vi" if lang == "en" else "en"

    def evidence(graphs: list[str]) -> list[dict[str, str]]:
        return [data.excerpts[g] for g in dict.fromkeys(graphs) if g in data.excerpts][:6]

    def node_dict(n: Node) -> dict[str, Any]:
        label = n.labels.get(lang) or n.labels.get(other) or n.id.rsplit("/", 1)[-1]
        from cdkg.kg.provenance import fold

        return {"id": n.id, "kind": n.kind, "label": label, "short": label if len(label) <= 40 else label[:38] + "…",
                "vi": n.labels.get("vi", ""), "en": n.labels.get("en", ""), "type": n.type, "dates": n.dates,
                "evidence": evidence(n.evidence), "gap": n.id in flagged,
                "search": fold(" ".join([label, n.labels.get("vi", ""), n.labels.get("en", ""), n.id]))}

    nodes = [node_dict(data.nodes[i]) for i in sorted(keep)]
    edges = [{"from": e.source, "to": e.target,
              "label": data.property_labels.get(e.relation, {}).get(lang) or e.relation.rsplit("#", 1)[-1],
              "evidence": evidence(e.evidence)}
             for e in data.edges if e.source in keep and e.target in keep]
    physics = len(nodes) <= PHYSICS_LIMIT
    if not physics:
        _layout(nodes, edges)
    return page(title, nodes, edges, physics=physics, gaps=findings, lang=lang)


def _layout(nodes: list[dict[str, Any]], edges: list[dict[str, Any]]) -> None:
    """Positions computed in Python (seeded), so the page need not run physics."""
    import networkx as nx

    g = nx.Graph()
    g.add_nodes_from(n["id"] for n in nodes)
    g.add_edges_from((e["from"], e["to"]) for e in edges)
    n = g.number_of_nodes()
    scale = max(400.0, 12.0 * n ** 0.5)
    if n <= SPRING_LIMIT:
        pos = nx.spring_layout(g, seed=7, iterations=30, scale=scale)
    else:
        # Force-directed layout is quadratic; above the limit, a spectral layout (sparse
        # eigenvectors, scipy) placed per connected component on a grid is near-linear.
        pos = {}
        components = sorted(nx.connected_components(g), key=len, reverse=True)
        side = int(len(components) ** 0.5) + 1
        for k, comp in enumerate(components):
            sub = g.subgraph(comp)
            size = scale * (len(comp) / n) ** 0.5
            local = nx.spectral_layout(sub, scale=size) if len(comp) > 2 else {v: (i * 20.0, 0.0) for i, v in enumerate(comp)}
            ox_, oy = (k % side) * 2.2 * scale / side, (k // side) * 2.2 * scale / side
            for v, (x, y) in local.items():
                pos[v] = (x + ox_, y + oy)
    for node in nodes:
        x, y = pos[node["id"]]
        node["x"], node["y"] = float(x), float(y)


def render_networkx(graph: Any, *, title: str = "graph", label: str = "label", kind: str = "kind",
                    lang: str = "en", output: Path | str | None = None) -> str:
    """Draw any networkx graph (node attributes ``label`` and ``kind`` used when present).

    The lists the page needs are filled directly in one pass — never node by node through
    pyvis's ``add_node``/``from_nx`` — and the caller's graph is not modified."""
    from cdkg.viz.html import page

    nodes = []
    for n, attrs in graph.nodes(data=True):
        text = str(attrs.get(label, n))
        nodes.append({"id": str(n), "kind": attrs.get(kind, "other"), "label": text,
                      "short": text if len(text) <= 40 else text[:38] + "…", "vi": "", "en": "", "type": "",
                      "dates": [], "evidence": [], "gap": False, "search": text.casefold()})
    edges = [{"from": str(a), "to": str(b), "label": str(attrs.get("label", "")), "evidence": []}
             for a, b, attrs in graph.edges(data=True)]
    physics = len(nodes) <= PHYSICS_LIMIT
    if not physics:
        _layout(nodes, edges)
    return _write(page(title, nodes, edges, physics=physics, gaps=[], lang=lang), output)


def _write(html: str, output: Path | str | None) -> str:
    if output is not None:
        from cdkg.kg.files import write_atomic

        write_atomic(output, html.encode("utf-8"))
    return html


__all__ = ["render", "render_networkx", "KINDS"]


class _Viz(types.ModuleType):
    """This module, callable: ``cdkg.viz(...)`` draws the graph as :func:`render` does."""

    def __call__(self, build: Path | str | None = None, **options: Any) -> str:
        return render(build, **options)


sys.modules[__name__].__class__ = _Viz
