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
         "places": "place", "people": "person", "all": None}

#: Above this many nodes the layout is spectral (near-linear) rather than force-directed (quadratic).
SPRING_LIMIT = 1500
#: Force-directed layout: iterations, and the room each node gets (in the page's units).
ITERATIONS = 120
SPACING = 70.0


def render(build: Path | str | None = None, *, focus: str | None = None, depth: int = 1, kind: str = "all",
           gaps: bool = False, lang: str = "en", output: Path | str | None = None, endpoint: str | None = None,
           backend: Any = None, roll_up: bool = False, hide_placeholders: bool = False) -> str:
    """The HTML page of the graph; written to ``output`` (atomically) when given.

    ``kind="people"`` is the people view: people and what they are linked to, each position
    held drawn as one edge person → organisation named by the post title (no position nodes).
    ``roll_up`` draws sub-units as the organisation they belong to; ``hide_placeholders``
    leaves out collective placeholders ("the ministries concerned", ``cd:OrganisationGroup``).
    The same graph and options give the same page, byte for byte (the layout is computed here,
    seeded)."""
    from cdkg.errors import UsageError
    from cdkg.kg.provenance import find_entity
    from cdkg.queries import backend_for
    from cdkg.viz import graphdata
    from cdkg.viz.html import TEXT

    if kind not in KINDS:
        raise UsageError(f"unknown kind {kind!r}; choose one of {', '.join(KINDS)}")
    if lang not in TEXT:
        raise UsageError(f"unknown language {lang!r}; choose one of {', '.join(TEXT)}")
    backend = backend or backend_for(build, endpoint)
    data = graphdata.load(backend)
    if kind == "people":
        data = graphdata.without_positions(data)
    if hide_placeholders:
        data = graphdata.without(data, graphdata.placeholders(data))
    centre = None
    if focus:
        centre, _ = find_entity(backend, focus)
    if roll_up:
        data = graphdata.roll_up(data)
        if centre is not None:
            centre = next((i for i, n in data.nodes.items() if centre in n.includes), centre)
    keep = set(data.nodes)
    title = "cdkg — " + TEXT[lang]["whole"]
    if kind != "all":
        keep = graphdata.of_kind(data, KINDS[kind])
        title = f"cdkg — {TEXT[lang]['kind_' + kind]}"
    if centre is not None:
        if centre not in data.nodes:
            why = "it is a collective placeholder, hidden here" if hide_placeholders else \
                "it has no facts linking it to other entities"
            raise UsageError(f"{focus!r} is not drawn in the graph ({why})")
        keep &= graphdata.neighbourhood(data, centre, depth)
        keep.add(centre)
        label = data.nodes[centre].labels.get(lang) or centre
        title = f"cdkg — {label} (±{depth})"
    findings: list[dict[str, Any]] = []
    flagged: set[str] = set()
    if gaps:
        from cdkg.queries.gaps import find_gaps

        report = find_gaps(lang=lang, backend=backend, evidence_per_entity=0)
        titles = {k.number: k.text("title", lang) for k in report.kinds}
        rolled = {child: iri for iri, n in data.nodes.items() for child in n.includes}
        for f in report.findings:
            iris = [rolled.get(e.iri, e.iri) for e in f.entities]
            drawn = [i for i in dict.fromkeys(iris) if i in keep]
            if drawn:
                flagged |= set(drawn)
                findings.append({"kind": titles.get(f.kind, str(f.kind)), "text": f.explanation, "ids": drawn})
    return _write(_page(data, keep, flagged, findings, title, lang), output)


def _page(data: Any, keep: set[str], flagged: set[str], findings: list[dict[str, Any]], title: str,
          lang: str) -> str:
    from cdkg.kg.provenance import fold
    from cdkg.viz.graphdata import PLACEHOLDER, Node
    from cdkg.viz.html import page

    other = "vi" if lang == "en" else "en"
    labels = data.property_labels
    placeholders = {iri for iri in keep if iri in data.nodes and PLACEHOLDER in data.nodes[iri].classes}

    def evidence(graphs: list[str]) -> list[dict[str, str]]:
        return [data.excerpts[g] for g in dict.fromkeys(graphs) if g in data.excerpts][:6]

    def name(n: Node) -> str:
        return n.labels.get(lang) or n.labels.get(other) or n.id.rsplit("/", 1)[-1]

    def node_dict(n: Node) -> dict[str, Any]:
        label = name(n)
        dates = [f"{labels.get(p, {}).get(lang) or labels.get(p, {}).get('en') or p}: {text}" for p, text in n.dates]
        parts = [name(data.rolled[c]) for c in n.includes]
        words = [label, n.labels.get("vi", ""), n.labels.get("en", ""), n.id]
        words += [w for c in n.includes for w in (*data.rolled[c].labels.values(), c)]
        return {"id": n.id, "kind": n.kind, "label": label, "short": label if len(label) <= 40 else label[:38] + "…",
                "vi": n.labels.get("vi", ""), "en": n.labels.get("en", ""), "type": n.type_label(lang, labels),
                "dates": dates, "years": sorted(n.years), "evidence": evidence(n.evidence), "gap": n.id in flagged,
                "placeholder": n.id in placeholders, "includes": parts,
                "search": fold(" ".join(words))}

    nodes = [node_dict(data.nodes[i]) for i in sorted(keep)]
    edges = [{"from": e.source, "to": e.target,
              "label": e.labels.get(lang) or e.labels.get(other) or labels.get(e.relation, {}).get(lang)
              or e.relation.rsplit("#", 1)[-1],
              "evidence": evidence(e.evidence)}
             for e in data.edges if e.source in keep and e.target in keep]
    _layout(nodes, edges)
    return page(title, nodes, edges, gaps=findings, lang=lang)


def _rank(nodes: list[dict[str, Any]], edges: list[dict[str, Any]]) -> None:
    """Each node's degree and its rank by degree (0 = most connected; ties by label, then id):
    the page labels the best-ranked nodes first."""
    degree = dict.fromkeys((n["id"] for n in nodes), 0)
    for e in edges:
        degree[e["from"]] += 1
        degree[e["to"]] += 1
    order = sorted(nodes, key=lambda n: (-degree[n["id"]], n["label"].casefold(), n["id"]))
    for k, n in enumerate(order):
        n["degree"], n["rank"] = degree[n["id"]], k


def _layout(nodes: list[dict[str, Any]], edges: list[dict[str, Any]]) -> None:
    """Positions computed here — seeded, rounded — so the page runs no physics and is the same on
    every run: force-directed (Fruchterman–Reingold, numpy) up to :data:`SPRING_LIMIT` nodes,
    spectral per connected component above."""
    import networkx as nx

    _rank(nodes, edges)
    n = len(nodes)
    if n == 0:
        return
    index = {node["id"]: k for k, node in enumerate(nodes)}
    pairs = sorted({(min(index[e["from"]], index[e["to"]]), max(index[e["from"]], index[e["to"]]))
                    for e in edges if e["from"] != e["to"]})
    if n <= SPRING_LIMIT:
        pos = _packed(nodes, pairs)
    else:
        # Force-directed layout is quadratic; above the limit, a spectral layout (sparse
        # eigenvectors, scipy) placed per connected component on a grid is near-linear.
        scale = SPACING * n ** 0.5 / 2
        g = nx.Graph()
        g.add_nodes_from(node["id"] for node in nodes)
        g.add_edges_from((nodes[a]["id"], nodes[b]["id"]) for a, b in pairs)
        pos = {}
        components = sorted(nx.connected_components(g), key=lambda c: (-len(c), min(c)))
        side = int(len(components) ** 0.5) + 1
        for k, comp in enumerate(components):
            sub = g.subgraph(sorted(comp))
            size = scale * (len(comp) / n) ** 0.5
            local = nx.spectral_layout(sub, scale=size) if len(comp) > 2 else \
                {v: (i * 20.0, 0.0) for i, v in enumerate(sorted(comp))}
            ox_, oy = (k % side) * 2.2 * scale / side, (k // side) * 2.2 * scale / side
            for v, (x, y) in local.items():
                pos[v] = (x + ox_, y + oy)
    for node in nodes:
        x, y = pos[node["id"]]
        node["x"], node["y"] = round(float(x), 1), round(float(y), 1)


def _packed(nodes: list[dict[str, Any]], pairs: list[tuple[int, int]]) -> dict[str, tuple[float, float]]:
    """Each connected component laid out on its own (force-directed), sized by its number of
    nodes, the largest first and the others in rows beneath it — so a small component does not
    drift off and shrink the rest of the drawing."""
    parent = list(range(len(nodes)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in pairs:
        parent[root(a)] = root(b)
    groups: dict[int, list[int]] = {}
    for i in range(len(nodes)):
        groups.setdefault(root(i), []).append(i)
    components = sorted(groups.values(), key=lambda c: (-len(c), c[0]))
    pos: dict[str, tuple[float, float]] = {}
    gap = SPACING
    row_x = row_y = row_h = limit = 0.0
    for k, comp in enumerate(components):
        local = {i: j for j, i in enumerate(comp)}
        sub = [(local[a], local[b]) for a, b in pairs if a in local]
        half = SPACING * len(comp) ** 0.5 / 2 if len(comp) > 1 else 0.0
        xs, ys = _force(len(comp), sub)
        if k == 0:
            ox_, oy = 0.0, 0.0
            limit, row_x, row_y = half, -half, half + 2 * gap
        else:
            if row_x + 2 * half > max(limit, -limit + 8 * gap) and row_x > -limit:
                row_x, row_y, row_h = -limit, row_y + row_h + gap, 0.0
            ox_, oy = row_x + half, row_y + half
            row_x += 2 * half + gap
            row_h = max(row_h, 2 * half)
        for i, x, y in zip(comp, xs, ys):
            pos[nodes[i]["id"]] = (ox_ + float(x) * half, oy + float(y) * half)
    return pos


def _force(n: int, pairs: list[tuple[int, int]], seed: int = 7) -> tuple[Any, Any]:
    """Fruchterman–Reingold in numpy (float32, seeded): positions in about [-1, 1]."""
    import numpy as np

    rng = np.random.default_rng(seed)
    x, y = rng.random(n, dtype=np.float32), rng.random(n, dtype=np.float32)
    if n == 1:
        return x * 0, y * 0
    k2 = np.float32(1.0 / n)
    k = np.sqrt(k2)
    a = np.array([p[0] for p in pairs], dtype=np.int64)
    b = np.array([p[1] for p in pairs], dtype=np.int64)
    t, cool = 0.1, 0.1 / (ITERATIONS + 1)
    for _ in range(ITERATIONS):
        dx, dy = x[:, None] - x[None, :], y[:, None] - y[None, :]
        d2 = dx * dx + dy * dy
        np.maximum(d2, np.float32(1e-6), out=d2)
        np.divide(k2, d2, out=d2)  # repulsion k²/d, along the unit vector: k²/d² times the offset
        fx, fy = (dx * d2).sum(1), (dy * d2).sum(1)
        if len(pairs):
            ex, ey = x[a] - x[b], y[a] - y[b]
            pull = np.sqrt(ex * ex + ey * ey) / k  # attraction d²/k, along the unit vector
            np.subtract.at(fx, a, ex * pull)
            np.add.at(fx, b, ex * pull)
            np.subtract.at(fy, a, ey * pull)
            np.add.at(fy, b, ey * pull)
        length = np.maximum(np.sqrt(fx * fx + fy * fy), np.float32(1e-9))
        step = np.minimum(length, np.float32(t)) / length
        x += fx * step
        y += fy * step
        t -= cool
    x, y = x - (x.max() + x.min()) / 2, y - (y.max() + y.min()) / 2
    span = max(float(x.max()), float(y.max()), 1e-9)
    return x / span, y / span


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
                      "dates": [], "years": [], "evidence": [], "gap": False, "placeholder": False, "includes": [],
                      "search": text.casefold()})
    edges = [{"from": str(a), "to": str(b), "label": str(attrs.get("label", "")), "evidence": []}
             for a, b, attrs in graph.edges(data=True)]
    _layout(nodes, edges)
    return _write(page(title, nodes, edges, gaps=[], lang=lang), output)


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
