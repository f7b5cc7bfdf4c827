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

#: Colour and shape per kind of node.  Every shape puts its label outside it, so a label can be
#: shown or hidden without changing the node's size.
STYLE = {
    "organisation": ("#1f77b4", "dot"),
    "person": ("#ff7f0e", "triangleDown"),
    "place": ("#2ca02c", "triangle"),
    "event": ("#d62728", "diamond"),
    "document": ("#9467bd", "square"),
    "heritage": ("#8c564b", "star"),
    "objective": ("#e377c2", "hexagon"),
    "position": ("#7f7f7f", "dot"),
    "role": ("#bcbd22", "dot"),
    "statement": ("#17becf", "square"),
    "theme": ("#aec7e8", "dot"),
    "other": ("#c7c7c7", "dot"),
}

#: Kinds of entity named in both languages (the graph's legend and the site's lists).
KIND_NAMES = {
    "organisation": ("Organisations", "Tổ chức"), "person": ("People", "Cá nhân"), "place": ("Places", "Địa danh"),
    "event": ("Events", "Sự kiện"), "document": ("Documents", "Văn bản"), "heritage": ("Heritage", "Di sản"),
    "objective": ("Objectives and plan components", "Mục tiêu và cấu phần kế hoạch"),
    "position": ("Positions held", "Chức vụ đảm nhiệm"), "role": ("Post titles", "Chức danh"),
    "statement": ("Limitations and recommendations", "Hạn chế và kiến nghị"), "theme": ("Themes", "Chủ đề"),
    "other": ("Other", "Khác"),
}


def kind_name(kind: str, lang: str) -> str:
    """The name of a kind of entity in ``lang`` (en or vi)."""
    en, vi = KIND_NAMES.get(kind, KIND_NAMES["other"])
    return vi if lang == "vi" else en


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


PAGE = r"""<!DOCTYPE html>
<html lang="__LANG__">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; font-src data:">
<title>cdkg graph</title>
<style>__VIS_CSS__</style>
<style>
html,body{margin:0;height:100%;font:14px/1.4 system-ui,sans-serif}
#app{display:flex;height:100%}
#graph{flex:1;min-width:0;border-right:1px solid #ddd;background:#fff}
#side{width:27rem;overflow:auto;padding:.6rem .9rem;box-sizing:border-box}
#side h1{font-size:1.1rem;margin:.2rem 0}
#search{width:100%;box-sizing:border-box;padding:.35rem;font-size:14px}
#results button,#details button.node,#gaps button{background:#f6f6f6;border:1px solid #ddd;cursor:pointer;font:inherit;text-align:left}
#results button{display:block;width:100%;margin:1px 0}
#legend span{display:inline-block;margin:0 .6rem .2rem 0;white-space:nowrap}
#legend i{display:inline-block;width:.8rem;height:.8rem;margin-right:.25rem;vertical-align:middle}
#controls{margin:.4rem 0;padding:.3rem 0;border-top:1px solid #eee;border-bottom:1px solid #eee}
#controls input[type=range]{width:7rem;vertical-align:middle}
#controls button{margin:.2rem .3rem .2rem 0}
#details .quote{margin:.3rem 0 .5rem .6rem;border-left:3px solid #ccc;padding-left:.5rem}
#details .quote.cited{border-left-style:dashed;font-style:italic}
#details .meta,#counts,#hint{color:#555;font-size:90%}
#details .rel{margin:.4rem 0 .2rem}
#details .rel .how{font-style:italic;margin:0 .3rem}
#gaps li{margin-bottom:.4rem}
#gaps .finding{cursor:pointer}
#gaps button{margin:.1rem .2rem 0 0;font-size:90%}
</style>
</head>
<body>
<div id="app">
<div id="graph"></div>
<div id="side">
<h1 id="title"></h1>
<p id="counts"></p>
<p id="hint"></p>
<input id="search" type="search" autocomplete="off">
<div id="results"></div>
<div id="controls">
<div id="years" hidden><label><input id="year-on" type="checkbox"> <span id="year-label"></span></label><br>
<label><span id="year-from-label"></span> <input id="year-from" type="range" step="1"></label>
<label><span id="year-to-label"></span> <input id="year-to" type="range" step="1"></label>
<output id="year-shown"></output></div>
<button id="fit" type="button"></button><button id="save-png" type="button"></button><button id="save-svg" type="button"></button>
</div>
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
  function $(id) { return document.getElementById(id); }
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = text; }
    if (cls) { e.className = cls; }
    return e;
  }
  function fold(s) {
    return s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase();
  }
  $("title").textContent = data.title;
  document.title = data.title;
  $("search").placeholder = T.search;
  $("hint").textContent = T.hint;
  $("fit").textContent = T.fit;
  $("save-png").textContent = T.png;
  $("save-svg").textContent = T.svg;

  var byId = {}, order = data.nodes.slice().sort(function (a, b) { return a.rank - b.rank; });
  var around = {};  // node id → indices of its edges
  data.nodes.forEach(function (n) { byId[n.id] = n; around[n.id] = []; });
  data.edges.forEach(function (e, i) { around[e.from].push(i); around[e.to].push(i); });
  function style(n) { return data.styles[n.kind] || data.styles.other; }
  function size(n) { return 7 + 2.2 * Math.sqrt(n.degree || 0); }

  var nodes = new vis.DataSet(data.nodes.map(function (n) {
    var s = style(n);
    return {id: n.id, x: n.x, y: n.y, shape: s[1], size: size(n), label: "",
            color: {background: s[0], border: n.gap ? "#e00000" : (n.placeholder ? "#333333" : s[0])},
            borderWidth: n.gap ? 4 : (n.placeholder ? 2 : 1), shapeProperties: {borderDashes: n.placeholder ? [4, 3] : false},
            font: {size: 14, color: "#222222", strokeWidth: 3, strokeColor: "#ffffff"}};
  }));
  var edges = new vis.DataSet(data.edges.map(function (e, i) {
    return {id: i, from: e.from, to: e.to, label: "", arrows: {to: {enabled: true, scaleFactor: 0.5}},
            font: {size: 11, align: "middle", strokeWidth: 3}, color: {color: "#9a9a9a", opacity: 0.6}, width: 1};
  }));
  var container = $("graph");
  var options = {physics: false, layout: {improvedLayout: false}, edges: {smooth: false},
                 interaction: {hover: true, hideEdgesOnDrag: data.edges.length > 1500, tooltipDelay: 300}};
  var network = new vis.Network(container, {nodes: nodes, edges: edges}, options);
  network.fit({animation: false});
  var scale0 = network.getScale() || 1;

  // ---- what is shown: the year filter hides events; labels follow the zoom; a focus highlights
  var hidden = {}, selected = null, selectedEdge = null, hovered = null;
  var shownNode = {}, shownEdge = {};  // id → the state last given to vis
  var OPEN_LABELS = 30, LABEL_PX = 13;  // labels at the opening zoom; their size on the screen
  function visible(id) { return !hidden[id]; }
  function edgeVisible(i) { var e = data.edges[i]; return visible(e.from) && visible(e.to); }
  function neighbours(id) {
    var out = {}; out[id] = true;
    around[id].forEach(function (i) {
      if (edgeVisible(i)) { out[data.edges[i].from] = true; out[data.edges[i].to] = true; }
    });
    return out;
  }
  // The best-ranked visible nodes get a label: of the 2 × 30 most connected at the opening zoom
  // (four times as many at twice the zoom), those whose label overlaps none placed before it —
  // at most 30 — so the most connected nodes are named first and every name can be read.  With a
  // node in focus (selected or hovered), it and then its neighbours are named first.
  function labelled(focus, near) {
    var scale = network.getScale(), zoom = scale / scale0, count = Math.round(OPEN_LABELS * zoom * zoom);
    var px = LABEL_PX, out = {}, boxes = [], k = 0;
    var w = container.clientWidth, h = container.clientHeight;
    var first = near ? order.filter(function (n) { return near[n.id] && n.id !== focus; }).map(function (n) { return n.id; }) : [];
    if (focus) { first.unshift(focus); }
    var rest = order.filter(function (n) { return visible(n.id); }).map(function (n) { return n.id; }).slice(0, 2 * count);
    var ids = first.concat(rest), pos = network.getPositions(ids);
    for (var j = 0; j < ids.length && (j < first.length || k < count); j++) {
      var n = byId[ids[j]], p = network.canvasToDOM(pos[n.id]), r = size(n) * scale;
      if (out[n.id]) { continue; }
      var half = n.short.length * px * 0.29, top = p.y + r, box = [p.x - half, top, p.x + half, top + px * 1.25];
      if (box[2] < 0 || box[0] > w || box[3] < 0 || box[1] > h) { continue; }  // off screen
      var clash = boxes.some(function (b) { return box[0] < b[2] && b[0] < box[2] && box[1] < b[3] && b[1] < box[3]; });
      if (clash && n.id !== focus) { continue; }
      boxes.push(box); out[n.id] = true;
      if (j >= first.length) { k += 1; }
    }
    return out;
  }
  function restyle() {
    var focus = hovered || selected, near = focus ? neighbours(focus) : null;
    var names = labelled(focus, near), font = LABEL_PX / network.getScale();
    var nodeUpdates = [], edgeUpdates = [];
    data.nodes.forEach(function (n) {
      var want = {hidden: !!hidden[n.id], label: names[n.id] ? n.short : "",
                  opacity: near && !near[n.id] ? 0.15 : 1, font: names[n.id] ? font : 14};
      var had = shownNode[n.id];
      if (!had || had.hidden !== want.hidden || had.label !== want.label || had.opacity !== want.opacity ||
          had.font !== want.font) {
        shownNode[n.id] = want;
        nodeUpdates.push({id: n.id, hidden: want.hidden, label: want.label, opacity: want.opacity,
                          font: {size: want.font, color: want.opacity < 1 ? "rgba(34,34,34,0.25)" : "#222222",
                                 strokeWidth: want.opacity < 1 ? 0 : 3}});
      }
    });
    data.edges.forEach(function (e, i) {
      var on = focus && (e.from === focus || e.to === focus) && edgeVisible(i);
      var want = {hidden: !edgeVisible(i), label: on || selectedEdge === i ? e.label : "",
                  faded: !!(near && !on), strong: !!on || selectedEdge === i, font: 11 / network.getScale()};
      var had = shownEdge[i];
      if (!had || had.hidden !== want.hidden || had.label !== want.label || had.faded !== want.faded ||
          had.strong !== want.strong || (want.label && had.font !== want.font)) {
        shownEdge[i] = want;
        edgeUpdates.push({id: i, hidden: want.hidden, label: want.label, width: want.strong ? 2 : 1,
                          font: {size: want.font},
                          color: {color: want.strong ? "#444444" : "#9a9a9a", opacity: want.faded ? 0.08 : (want.strong ? 1 : 0.6)}});
      }
    });
    if (nodeUpdates.length) { nodes.update(nodeUpdates); }
    if (edgeUpdates.length) { edges.update(edgeUpdates); }
    var n = data.nodes.filter(function (x) { return visible(x.id); }).length;
    var m = data.edges.filter(function (x, i) { return edgeVisible(i); }).length;
    $("counts").textContent = n + " " + T.nodes + " · " + m + " " + T.edges;
  }
  var pending = false;
  network.on("dragEnd", function () { restyle(); });
  network.on("zoom", function () {
    if (pending) { return; }
    pending = true;
    window.requestAnimationFrame(function () { pending = false; restyle(); });
  });

  // ---- the legend
  var legend = $("legend");
  data.legend.forEach(function (k) {
    var span = el("span"); var sw = el("i"); sw.style.background = k.color; span.appendChild(sw);
    span.appendChild(document.createTextNode(k.label)); legend.appendChild(span);
  });

  // ---- the panel: a click selects and stays; hovering only highlights
  function sources(list, box) {
    list.forEach(function (x) {
      var cited = x.kind === "cited";
      box.appendChild(el("div", cited ? T.cited + ": " + x.text : T.quoted + ": “" + x.text + "”", "quote " + x.kind));
      box.appendChild(el("div", [x.source, x.publisher, x.published, x.url, x.locator && T.at + " " + x.locator]
        .filter(Boolean).join(" — "), "meta"));
    });
  }
  function nodeButton(id) {
    var b = el("button", byId[id].label, "node"); b.type = "button"; b.setAttribute("data-id", id);
    b.addEventListener("click", function () { pick(id); });
    return b;
  }
  function showNode(id) {
    var n = byId[id], box = $("details"); box.textContent = "";
    if (!n) { return; }
    box.appendChild(el("h2", n.label));
    box.appendChild(el("div", T.labelVi + ": " + (n.vi || "—"), "meta"));
    box.appendChild(el("div", T.labelEn + ": " + (n.en || "—"), "meta"));
    box.appendChild(el("div", T.type + ": " + n.type, "meta"));
    n.dates.forEach(function (d) { box.appendChild(el("div", d, "meta")); });
    if (n.includes.length) { box.appendChild(el("div", T.includes + ": " + n.includes.join("; "), "meta")); }
    if (n.placeholder) { box.appendChild(el("div", T.placeholder, "meta")); }
    if (n.gap) { box.appendChild(el("div", T.inGaps, "meta")); }
    var rels = around[id];
    box.appendChild(el("h3", T.relations + " (" + rels.length + ")"));
    var list = el("div", null, "relations");
    rels.forEach(function (i) {
      var e = data.edges[i], out = e.from === id, other = out ? e.to : e.from;
      var row = el("div", null, "rel" + (edgeVisible(i) ? "" : " filtered"));
      row.appendChild(el("span", out ? "→" : "←"));
      row.appendChild(el("span", e.label, "how"));
      row.appendChild(nodeButton(other));
      list.appendChild(row);
      sources(e.evidence, list);
    });
    box.appendChild(list);
    box.appendChild(el("h3", T.sources));
    if (!n.evidence.length) { box.appendChild(el("div", T.noEvidence, "meta")); }
    sources(n.evidence, box);
  }
  function showEdge(i) {
    var e = data.edges[i], box = $("details"); box.textContent = "";
    if (!e) { return; }
    var h = el("h2"); h.appendChild(nodeButton(e.from)); h.appendChild(el("span", " — " + e.label + " — ", "how"));
    h.appendChild(nodeButton(e.to)); box.appendChild(h);
    box.appendChild(el("h3", T.sources));
    sources(e.evidence, box);
  }
  function select(id) {
    selected = id && byId[id] && visible(id) ? id : null; selectedEdge = null;
    if (selected) { network.selectNodes([selected]); showNode(selected); } else { network.unselectAll(); $("details").textContent = ""; }
    restyle();
  }
  function pick(id) {
    if (!byId[id]) { return; }
    if (hidden[id]) { setYears(null); }
    select(id);
    network.focus(id, {scale: Math.max(network.getScale(), scale0 * 3, 0.8), animation: false});
    restyle();
  }
  network.on("click", function (p) {
    if (p.nodes.length) { select(p.nodes[0]); }
    else if (p.edges.length) {
      selected = null; selectedEdge = p.edges[0]; showEdge(selectedEdge); restyle();
    } else { select(null); }
  });
  network.on("hoverNode", function (p) { hovered = p.node; restyle(); });
  network.on("blurNode", function () { hovered = null; restyle(); });

  // ---- search
  var results = $("results");
  $("search").addEventListener("input", function (ev) {
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
  $("search").addEventListener("keydown", function (ev) {
    var first = results.querySelector("button");
    if (ev.key === "Enter" && first) { pick(first.getAttribute("data-id")); }
  });

  // ---- the year filter: events outside the years are hidden, and the edges that come from them
  var years = [];
  data.nodes.forEach(function (n) { n.years.forEach(function (y) { years.push(y); }); });
  var lo = Math.min.apply(null, years), hi = Math.max.apply(null, years);
  var yearOn = $("year-on"), yearFrom = $("year-from"), yearTo = $("year-to");
  function setYears(range) {
    hidden = {};
    if (range) {
      data.nodes.forEach(function (n) {
        if (n.kind === "event" && !n.years.some(function (y) { return y >= range[0] && y <= range[1]; })) { hidden[n.id] = true; }
      });
      yearOn.checked = true; yearFrom.value = range[0]; yearTo.value = range[1];
      $("year-shown").textContent = range[0] === range[1] ? String(range[0]) : range[0] + "–" + range[1];
    } else {
      yearOn.checked = false; $("year-shown").textContent = "";
    }
    if (selected && hidden[selected]) { select(null); }
    restyle();
  }
  function fromControls() {
    var a = parseInt(yearFrom.value, 10), b = parseInt(yearTo.value, 10);
    if (a > b) { if (this === yearFrom) { yearTo.value = a; b = a; } else { yearFrom.value = b; a = b; } }
    setYears(yearOn.checked ? [a, b] : null);
  }
  if (years.length) {
    $("years").hidden = false;
    $("year-label").textContent = T.years;
    $("year-from-label").textContent = T.from;
    $("year-to-label").textContent = T.to;
    [yearFrom, yearTo].forEach(function (r) { r.min = lo; r.max = hi; });
    yearFrom.value = lo; yearTo.value = hi;
    yearOn.addEventListener("change", fromControls);
    yearFrom.addEventListener("input", function () { yearOn.checked = true; fromControls.call(yearFrom); });
    yearTo.addEventListener("input", function () { yearOn.checked = true; fromControls.call(yearTo); });
  }

  // ---- gaps: each finding selects its node
  if (data.gaps.length) {
    var g = $("gaps");
    g.appendChild(el("h2", T.gaps));
    var ol = el("ol");
    data.gaps.forEach(function (f) {
      var li = el("li", null, "finding"); li.setAttribute("data-id", f.ids[0]);
      li.appendChild(el("b", f.kind + ": "));
      li.appendChild(el("span", f.text));
      li.appendChild(el("br"));
      f.ids.forEach(function (id) {
        var b = nodeButton(id);
        b.addEventListener("click", function (ev) { ev.stopPropagation(); });
        li.appendChild(b);
      });
      li.addEventListener("click", function () { pick(f.ids[0]); });
      ol.appendChild(li);
    });
    g.appendChild(ol);
  }

  // ---- export the current view (drawn here, no request): PNG from the canvas, SVG from positions
  function png() {
    var src = container.querySelector("canvas"), c = document.createElement("canvas");
    c.width = src.width; c.height = src.height;
    var ctx = c.getContext("2d"); ctx.fillStyle = "#ffffff"; ctx.fillRect(0, 0, c.width, c.height);
    ctx.drawImage(src, 0, 0);
    return c;
  }
  var SVGNS = "http://www.w3.org/2000/svg";
  function svgEl(tag, attrs, text) {
    var e = document.createElementNS(SVGNS, tag);
    Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) { e.textContent = text; }
    return e;
  }
  function polygon(shape, x, y, r) {
    var pts = [], k, n = {triangle: 3, triangleDown: 3, diamond: 4, hexagon: 6, star: 10}[shape] || 0;
    for (k = 0; k < n; k++) {
      var a = (shape === "triangleDown" ? Math.PI / 2 : -Math.PI / 2) + 2 * Math.PI * k / n;
      var rr = shape === "star" && k % 2 ? r * 0.45 : r;
      pts.push((x + rr * Math.cos(a)).toFixed(1) + "," + (y + rr * Math.sin(a)).toFixed(1));
    }
    return pts.join(" ");
  }
  function svg() {
    var w = container.clientWidth, h = container.clientHeight, s = network.getScale(), margin = 40;
    var root = svgEl("svg", {xmlns: SVGNS, width: w, height: h, viewBox: "0 0 " + w + " " + h,
                             "font-family": "system-ui, sans-serif"});
    root.appendChild(svgEl("title", {}, data.title));
    root.appendChild(svgEl("rect", {x: 0, y: 0, width: w, height: h, fill: "#ffffff"}));
    var ids = data.nodes.filter(function (n) { return visible(n.id); }).map(function (n) { return n.id; });
    var pos = network.getPositions(ids), at = {}, inView = {};
    ids.forEach(function (id) {
      var p = network.canvasToDOM(pos[id]); at[id] = p;
      inView[id] = p.x >= -margin && p.x <= w + margin && p.y >= -margin && p.y <= h + margin;
    });
    var lines = svgEl("g", {stroke: "#9a9a9a", "stroke-width": 1}), marks = svgEl("g", {}), words = svgEl("g", {"text-anchor": "middle"});
    data.edges.forEach(function (e, i) {
      var st = shownEdge[i];
      if (!edgeVisible(i) || !(inView[e.from] || inView[e.to])) { return; }
      var a = at[e.from], b = at[e.to];
      lines.appendChild(svgEl("line", {x1: a.x.toFixed(1), y1: a.y.toFixed(1), x2: b.x.toFixed(1), y2: b.y.toFixed(1),
        "stroke-opacity": st.faded ? 0.08 : (st.strong ? 1 : 0.6), stroke: st.strong ? "#444444" : "#9a9a9a"}));
      if (st.label) {
        words.appendChild(svgEl("text", {x: ((a.x + b.x) / 2).toFixed(1), y: ((a.y + b.y) / 2).toFixed(1),
          "font-size": (st.font * s).toFixed(1), fill: "#444444", "class": "edge-label"}, st.label));
      }
    });
    data.nodes.forEach(function (n) {
      if (!visible(n.id) || !inView[n.id]) { return; }
      var p = at[n.id], st = shownNode[n.id], sh = style(n), r = Math.max(2, size(n) * s), shape;
      var paint = {fill: sh[0], stroke: n.gap ? "#e00000" : (n.placeholder ? "#333333" : sh[0]),
                   "stroke-width": n.gap ? 3 : 1, opacity: st.opacity};
      if (n.placeholder) { paint["stroke-dasharray"] = "3 2"; }
      if (sh[1] === "dot") { shape = svgEl("circle", Object.assign({cx: p.x.toFixed(1), cy: p.y.toFixed(1), r: r.toFixed(1)}, paint)); }
      else if (sh[1] === "square") {
        shape = svgEl("rect", Object.assign({x: (p.x - r).toFixed(1), y: (p.y - r).toFixed(1), width: (2 * r).toFixed(1),
                                             height: (2 * r).toFixed(1)}, paint));
      } else { shape = svgEl("polygon", Object.assign({points: polygon(sh[1], p.x, p.y, r)}, paint)); }
      shape.appendChild(svgEl("title", {}, n.label));
      marks.appendChild(shape);
      if (st.label) {
        var fs = st.font * s;
        words.appendChild(svgEl("text", {x: p.x.toFixed(1), y: (p.y + r + fs).toFixed(1), "font-size": fs.toFixed(1),
          fill: "#222222", stroke: "#ffffff", "stroke-width": 3, "paint-order": "stroke", opacity: st.opacity,
          "class": "node-label"}, st.label));
      }
    });
    root.appendChild(lines); root.appendChild(marks); root.appendChild(words);
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + new XMLSerializer().serializeToString(root);
  }
  function download(blob, name) {
    var a = el("a"); a.href = URL.createObjectURL(blob); a.download = name;
    document.body.appendChild(a); a.click(); a.remove();
    setTimeout(function () { URL.revokeObjectURL(a.href); }, 1000);
  }
  $("save-png").addEventListener("click", function () { png().toBlob(function (b) { download(b, "cdkg-graph.png"); }, "image/png"); });
  $("save-svg").addEventListener("click", function () { download(new Blob([svg()], {type: "image/svg+xml"}), "cdkg-graph.svg"); });
  $("fit").addEventListener("click", function () { network.fit({animation: false}); restyle(); });

  restyle();
  window.cdkg = {network: network, nodeCount: nodes.length, edgeCount: edges.length, select: pick,
                 selected: function () { return selected; }, setYears: setYears, svg: svg,
                 png: function () { return png().toDataURL("image/png"); },
                 labelled: function () { return Object.keys(shownNode).filter(function (id) { return shownNode[id].label && !shownNode[id].hidden; }).sort(); },
                 visibleNodes: function () { return data.nodes.filter(function (n) { return visible(n.id); }).map(function (n) { return n.id; }); },
                 visibleEdges: function () { return data.edges.filter(function (e, i) { return edgeVisible(i); }).length; },
                 ready: true};
})();
</script>
</body>
</html>
"""

#: Every interface string of the page, in both languages (tests check the Vietnamese page holds no English one).
TEXT = {
    "en": {"search": "Find a node by name…", "nodes": "nodes", "edges": "edges", "type": "type",
           "sources": "Sources", "gaps": "Coordination gaps", "inGaps": "Appears in a coordination-gap finding.",
           "quoted": "quoted", "cited": "cited (our words)", "at": "at", "labelVi": "Vietnamese", "labelEn": "English",
           "relations": "Relations and their evidence", "includes": "Includes its units",
           "placeholder": "A collective placeholder: organisations the source names together without listing them.",
           "noEvidence": "No evidence of its own.", "years": "Only events of the years", "from": "from", "to": "to",
           "fit": "Whole graph", "png": "Save as PNG", "svg": "Save as SVG",
           "hint": "Click a node to select it; hover to highlight its neighbours; zoom in for more labels.",
           "whole": "the whole graph", "kind_organisations": "organisations", "kind_events": "events",
           "kind_documents": "documents", "kind_heritage": "heritage", "kind_places": "places",
           "kind_people": "people and the posts they hold"},
    "vi": {"search": "Tìm theo tên…", "nodes": "nút", "edges": "cạnh", "type": "loại",
           "sources": "Nguồn", "gaps": "Khoảng trống phối hợp", "inGaps": "Có trong một phát hiện về khoảng trống phối hợp.",
           "quoted": "trích nguyên văn", "cited": "dẫn nguồn (lời người biên soạn)", "at": "tại",
           "labelVi": "Tiếng Việt", "labelEn": "Tiếng Anh", "relations": "Quan hệ và bằng chứng",
           "includes": "Gồm cả các đơn vị",
           "placeholder": "Nhóm cơ quan: nguồn nêu chung các cơ quan này mà không liệt kê từng cơ quan.",
           "noEvidence": "Không có bằng chứng riêng.", "years": "Chỉ hiện sự kiện trong các năm", "from": "từ",
           "to": "đến", "fit": "Toàn bộ đồ thị", "png": "Lưu ảnh PNG", "svg": "Lưu ảnh SVG",
           "hint": "Nhấp vào một nút để chọn; di chuột để làm nổi bật các nút kề; phóng to để xem thêm nhãn.",
           "whole": "toàn bộ đồ thị", "kind_organisations": "tổ chức", "kind_events": "sự kiện",
           "kind_documents": "văn bản", "kind_heritage": "di sản", "kind_places": "địa danh",
           "kind_people": "cá nhân và chức vụ"},
}


def page(title: str, nodes: list[dict], edges: list[dict], *, gaps: list[dict], lang: str) -> str:
    """The HTML of one graph page: nodes carry their positions (the page runs no physics) and
    their rank by degree (the page labels the best-ranked first); ``gaps`` are findings
    ``{"kind", "text", "ids"}`` (the gap report's wording, the entities' ids)."""
    js, css = vis_assets()
    lang = lang if lang in TEXT else "en"
    kinds_used = sorted({n["kind"] for n in nodes}, key=list(STYLE).index)
    data = {"title": title, "lang": lang, "nodes": nodes, "edges": edges,
            "gaps": gaps, "styles": {k: [v[0], v[1]] for k, v in STYLE.items()}, "text": TEXT[lang],
            "legend": [{"color": STYLE[k][0], "label": kind_name(k, lang)} for k in kinds_used]}
    pieces = {"__LANG__": lang, "__VIS_CSS__": _css_safe(css),
              "__VIS_JS__": js.replace("</script", "<\\/script"), "__DATA__": script_json(data)}
    out, rest = [], PAGE
    for marker in ("__LANG__", "__VIS_CSS__", "__VIS_JS__", "__DATA__"):  # in template order; each once
        head, _, rest = rest.partition(marker)
        out += [head, pieces[marker]]
    return "".join(out) + rest


__all__ = ["KIND_NAMES", "STYLE", "TEXT", "kind_name", "page", "script_json", "vis_assets"]
