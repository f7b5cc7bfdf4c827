"""One self-contained HTML page for a graph: vis-network (the copy pyvis ships) and every style
inlined, data embedded as JSON that cannot close its script element, and all text from the
sources put on the page with ``textContent`` — never as live HTML.  The page makes no network
request: it works from ``file://`` with no internet.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

#: Colour and shape per kind of node, with the legend's wording.
STYLE = {
    "organisation": ("#1f77b4", "box", "organisation"),
    "person": ("#ff7f0e", "ellipse", "person"),
    "place": ("#2ca02c", "triangle", "place"),
    "event": ("#d62728", "diamond", "event"),
    "document": ("#9467bd", "square", "document"),
    "heritage": ("#8c564b", "star", "heritage"),
    "objective": ("#e377c2", "hexagon", "objective / plan component"),
    "position": ("#7f7f7f", "dot", "position held"),
    "role": ("#bcbd22", "dot", "post title"),
    "statement": ("#17becf", "box", "limitation / recommendation"),
    "theme": ("#aec7e8", "ellipse", "theme"),
    "other": ("#c7c7c7", "dot", "other"),
}


@lru_cache(maxsize=1)
def vis_assets() -> tuple[str, str]:
    """vis-network's JavaScript and CSS, from the pyvis package (read once)."""
    import pyvis

    folder = Path(pyvis.__file__).parent / "lib" / "vis-9.1.2"
    return ((folder / "vis-network.min.js").read_text(encoding="utf-8"),
            (folder / "vis-network.css").read_text(encoding="utf-8"))


def script_json(data: Any) -> str:
    """JSON that is safe inside <script>: no '<', '>' or '&' can end the element or start markup."""
    return (json.dumps(data, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("&", "\\u0026").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _css_safe(text: str) -> str:
    return text.replace("</", "<\\/")


PAGE = """<!DOCTYPE html>
<html lang="__LANG__">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; font-src data:">
<title>cdkg graph</title>
<style>__VIS_CSS__</style>
<style>
html,body{margin:0;height:100%;font:14px/1.4 system-ui,sans-serif}
#app{display:flex;height:100%}
#graph{flex:1;min-width:0;border-right:1px solid #ddd}
#side{width:26rem;overflow:auto;padding:.6rem .9rem;box-sizing:border-box}
#side h1{font-size:1.1rem;margin:.2rem 0}
#search{width:100%;box-sizing:border-box;padding:.35rem;font-size:14px}
#results button{display:block;width:100%;text-align:left;margin:1px 0;background:#f6f6f6;border:1px solid #ddd;cursor:pointer}
#legend span{display:inline-block;margin:0 .6rem .2rem 0;white-space:nowrap}
#legend i{display:inline-block;width:.8rem;height:.8rem;margin-right:.25rem;vertical-align:middle}
#details .quote{margin:.3rem 0 .5rem .6rem;border-left:3px solid #ccc;padding-left:.5rem}
#details .quote.cited{border-left-style:dashed;font-style:italic}
#details .meta,#counts{color:#555;font-size:90%}
#gaps li{margin-bottom:.3rem}
</style>
</head>
<body>
<div id="app">
<div id="graph"></div>
<div id="side">
<h1 id="title"></h1>
<p id="counts"></p>
<input id="search" type="search" autocomplete="off">
<div id="results"></div>
<div id="legend"></div>
<div id="details"></div>
<div id="gaps"></div>
</div>
</div>
<script>__VIS_JS__</script>
<script id="cdkg-data" type="application/json">__DATA__</script>
<script>
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("cdkg-data").textContent);
  var T = data.text;
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = text; }
    if (cls) { e.className = cls; }
    return e;
  }
  function fold(s) {
    return s.normalize("NFD").replace(/[\\u0300-\\u036f]/g, "").replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase();
  }
  document.getElementById("title").textContent = data.title;
  document.title = data.title;
  document.getElementById("search").placeholder = T.search;
  var nodes = new vis.DataSet(data.nodes.map(function (n) {
    var s = data.styles[n.kind] || data.styles.other;
    var node = {id: n.id, label: n.short, shape: s[1], color: {background: s[0], border: n.gap ? "#e00000" : s[0]},
                borderWidth: n.gap ? 4 : 1, font: {color: s[1] === "box" ? "#ffffff" : "#222222"}};
    if (n.x !== undefined) { node.x = n.x; node.y = n.y; }
    return node;
  }));
  var edges = new vis.DataSet(data.edges.map(function (e, i) {
    return {id: i, from: e.from, to: e.to, label: e.label, arrows: "to", font: {size: 10, align: "middle"},
            color: {color: "#999999"}};
  }));
  var byId = {};
  data.nodes.forEach(function (n) { byId[n.id] = n; });
  var options = {physics: data.physics ? {stabilization: {iterations: 150}, solver: "forceAtlas2Based"} : false,
                 interaction: {hover: true, tooltipDelay: 100}, layout: {improvedLayout: data.nodes.length < 150}};
  var network = new vis.Network(document.getElementById("graph"), {nodes: nodes, edges: edges}, options);
  network.once("stabilizationIterationsDone", function () { network.setOptions({physics: false}); });
  window.cdkg = {network: network, nodeCount: nodes.length, edgeCount: edges.length, ready: true};
  document.getElementById("counts").textContent = nodes.length + " " + T.nodes + " · " + edges.length + " " + T.edges;

  var legend = document.getElementById("legend");
  data.legend.forEach(function (k) {
    var span = el("span"); var sw = el("i"); sw.style.background = k.color; span.appendChild(sw);
    span.appendChild(document.createTextNode(k.label)); legend.appendChild(span);
  });

  function sources(list, box) {
    list.forEach(function (x) {
      var cited = x.kind === "cited";
      box.appendChild(el("div", cited ? T.cited + ": " + x.text : T.quoted + ": “" + x.text + "”", "quote " + x.kind));
      box.appendChild(el("div", [x.source, x.publisher, x.published, x.url, x.locator && T.at + " " + x.locator]
        .filter(Boolean).join(" — "), "meta"));
    });
  }
  function showNode(id) {
    var n = byId[id]; if (!n) { return; }
    var box = document.getElementById("details"); box.textContent = "";
    box.appendChild(el("h2", n.label));
    box.appendChild(el("div", "vi: " + (n.vi || "—"), "meta"));
    box.appendChild(el("div", "en: " + (n.en || "—"), "meta"));
    box.appendChild(el("div", T.type + ": " + n.type, "meta"));
    n.dates.forEach(function (d) { box.appendChild(el("div", d, "meta")); });
    if (n.gap) { box.appendChild(el("div", T.inGaps, "meta")); }
    box.appendChild(el("h3", T.sources));
    sources(n.evidence, box);
  }
  function showEdge(id) {
    var e = data.edges[id]; if (!e) { return; }
    var box = document.getElementById("details"); box.textContent = "";
    box.appendChild(el("h2", byId[e.from].label + " — " + e.label + " — " + byId[e.to].label));
    box.appendChild(el("h3", T.sources));
    sources(e.evidence, box);
  }
  network.on("click", function (p) {
    if (p.nodes.length) { showNode(p.nodes[0]); } else if (p.edges.length) { showEdge(p.edges[0]); }
  });
  network.on("hoverNode", function (p) { showNode(p.node); });
  network.on("hoverEdge", function (p) { showEdge(p.edge); });

  var results = document.getElementById("results");
  function pick(id) {
    network.selectNodes([id]); network.focus(id, {scale: 1.2, animation: false}); showNode(id);
  }
  document.getElementById("search").addEventListener("input", function (ev) {
    var q = fold(ev.target.value.trim()); results.textContent = "";
    if (!q) { return; }
    function rank(n) { var l = fold(n.label); return l === q ? 0 : (l.indexOf(q) === 0 ? 1 : 2); }
    data.nodes.filter(function (n) { return n.search.indexOf(q) >= 0; })
      .sort(function (a, b) { return rank(a) - rank(b) || a.label.length - b.label.length; })
      .slice(0, 20).forEach(function (n) {
      var b = el("button", n.label); b.type = "button"; b.setAttribute("data-id", n.id);
      b.addEventListener("click", function () { pick(n.id); }); results.appendChild(b);
    });
  });
  document.getElementById("search").addEventListener("keydown", function (ev) {
    var first = results.querySelector("button");
    if (ev.key === "Enter" && first) { pick(first.getAttribute("data-id")); }
  });

  if (data.gaps.length) {
    var g = document.getElementById("gaps");
    g.appendChild(el("h2", T.gaps));
    var ol = el("ol");
    data.gaps.forEach(function (f) { ol.appendChild(el("li", f)); });
    g.appendChild(ol);
  }
})();
</script>
</body>
</html>
"""

TEXT = {
    "en": {"search": "Find a node by name…", "nodes": "nodes", "edges": "edges", "type": "type",
           "sources": "Sources", "gaps": "Coordination gaps", "inGaps": "Appears in a coordination-gap finding.",
           "quoted": "quoted", "cited": "cited (our words)", "at": "at"},
    "vi": {"search": "Tìm theo tên…", "nodes": "nút", "edges": "cạnh", "type": "loại",
           "sources": "Nguồn", "gaps": "Khoảng trống phối hợp", "inGaps": "Có trong một phát hiện về khoảng trống phối hợp.",
           "quoted": "trích nguyên văn", "cited": "dẫn nguồn (lời người biên soạn)", "at": "tại"},
}


def page(title: str, nodes: list[dict], edges: list[dict], *, physics: bool, gaps: list[str], lang: str) -> str:
    """The HTML of one graph page."""
    js, css = vis_assets()
    kinds_used = sorted({n["kind"] for n in nodes}, key=list(STYLE).index)
    data = {"title": title, "nodes": nodes, "edges": edges, "physics": physics, "gaps": gaps,
            "styles": {k: [v[0], v[1]] for k, v in STYLE.items()}, "text": TEXT.get(lang, TEXT["en"]),
            "legend": [{"color": STYLE[k][0], "label": STYLE[k][2]} for k in kinds_used]}
    pieces = {"__LANG__": lang if lang in TEXT else "en", "__VIS_CSS__": _css_safe(css),
              "__VIS_JS__": js.replace("</script", "<\\/script"), "__DATA__": script_json(data)}
    out, rest = [], PAGE
    for marker in ("__LANG__", "__VIS_CSS__", "__VIS_JS__", "__DATA__"):  # in template order; each once
        head, _, rest = rest.partition(marker)
        out += [head, pieces[marker]]
    return "".join(out) + rest


__all__ = ["STYLE", "page", "script_json", "vis_assets"]
