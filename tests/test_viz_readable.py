"""Graph pages people can read (``cdkg viz``), in Debian's chromium through Python playwright:
the overview opens with the most connected nodes named and the same page on every run; a click
selects and stays while hovering only highlights; the panel lists the node's relations with
their evidence; gap findings select their node; a year range leaves exactly that year's events
(counted again by SPARQL); the view saves as PNG and SVG; the Vietnamese page holds no English
interface string.  The people view, the roll-up of sub-units and the hidden placeholders are
checked against the store, and the site's neighbourhood drawings follow the people view."""

from __future__ import annotations

import json
import os
import re
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from cdkg import viz
from cdkg.viz.html import KIND_NAMES, TEXT
from tests.test_viz import SHOTS, Page

ID = "https://w3id.org/cdkg/id/"
HKN = ID + "person/ha_kim_ngoc"
PREFIXES = """
PREFIX cd: <https://w3id.org/cdkg/ontology#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""
#: A drawn entity: declared in an entity record, or an ontology individual a fact points to.
DRAWN = """{ GRAPH ?r_%(v)s { ?%(v)s a ?c_%(v)s } FILTER(STRSTARTS(STR(?r_%(v)s), "https://w3id.org/cdkg/id/entities/")) }
  UNION { ?%(v)s a owl:NamedIndividual }"""


def select(store, query: str) -> list:
    return list(store.query(PREFIXES + query, use_default_graph_as_union=True))


def page_data(html: str) -> dict:
    """The JSON a page draws (escaped for <script>, still JSON)."""
    return json.loads(html.split('<script id="cdkg-data" type="application/json">', 1)[1].split("</script>", 1)[0])


@pytest.fixture(scope="module")
def pages(built, tmp_path_factory) -> dict[str, Path]:
    """The whole graph with its gap findings, in English and in Vietnamese."""
    root = tmp_path_factory.mktemp("readable")
    out = {}
    for lang in ("en", "vi"):
        out[lang] = root / f"graph-{lang}.html"
        viz.render(built, lang=lang, gaps=True, output=out[lang])
    return out


def dom_point(page: Page, node: str) -> tuple[float, float]:
    """Where a node is on the screen (page coordinates)."""
    box = page.page.locator("#graph").bounding_box()
    p = page.page.evaluate("""id => { const n = window.cdkg.network;
        return n.canvasToDOM(n.getPositions([id])[id]); }""", node)
    return box["x"] + p["x"], box["y"] + p["y"]


def opacities(page: Page) -> dict[str, float]:
    return page.page.evaluate("""Object.fromEntries(window.cdkg.network.body.data.nodes.get()
        .map(n => [n.id, n.opacity === undefined ? 1 : n.opacity]))""")


# ------------------------------------------------------------------------------ same page every run


def test_the_same_page_on_every_run(built, tmp_path):
    """Two processes (different hash seeds) write the same bytes; so does a second render here."""
    outs = []
    for seed in ("1", "2"):
        out = tmp_path / f"run{seed}.html"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-m", "cdkg.cli", "viz", "--build", str(built), "--roll-up", "--output",
                        str(out)], check=True, capture_output=True, timeout=180, env=env)
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    data = page_data(outs[0].decode("utf-8"))
    assert all(isinstance(n["x"], float) and isinstance(n["y"], float) for n in data["nodes"])  # laid out here
    people = [viz.render(built, kind="people", lang="vi") for _ in range(2)]
    assert people[0] == people[1]


# ------------------------------------------------------------------------------ the overview


def test_the_overview_opens_with_the_most_connected_nodes_named(browser, pages):
    data = page_data(pages["en"].read_text(encoding="utf-8"))
    degree = {n["id"]: 0 for n in data["nodes"]}
    for e in data["edges"]:
        degree[e["from"]] += 1
        degree[e["to"]] += 1
    hubs = sorted(degree, key=lambda i: -degree[i])
    page = Page(browser, pages["en"])
    named = set(page.page.evaluate("window.cdkg.labelled()"))
    assert 10 <= len(named) <= 30 < len(data["nodes"])  # readable: a few names, not 800
    assert hubs[0] in named and min(degree[i] for i in named) >= degree[hubs[59]]  # of the 60 most connected
    shown = {n["id"]: n["label"] for n in page.page.evaluate("window.cdkg.network.body.data.nodes.get()")}
    assert {i for i, label in shown.items() if label} == named  # the others carry no label on the canvas
    page.shot("graph-overview.png")
    opening = page.page.evaluate("window.cdkg.network.getScale()")
    page.page.mouse.move(*dom_point(page, hubs[0]))
    for _ in range(8):  # zoom in on the biggest hub, wheel step by wheel step
        page.page.mouse.wheel(0, -300)
        page.page.wait_for_timeout(60)
    page.page.wait_for_timeout(300)
    closer = set(page.page.evaluate("window.cdkg.labelled()"))
    assert page.page.evaluate("window.cdkg.network.getScale()") > 1.5 * opening
    assert closer - named, "zooming in names more nodes"
    page.shot("graph-overview-zoomed.png")
    page.close()


# ------------------------------------------------------------------------------ selection and panel


def test_a_click_selects_and_stays_while_hover_only_highlights(browser, pages, store):
    page = Page(browser, pages["en"])
    page.page.evaluate("id => window.cdkg.network.focus(id, {scale: 1.6, animation: false})", HKN)
    page.page.wait_for_timeout(200)
    page.page.mouse.click(*dom_point(page, HKN))
    page.page.wait_for_timeout(200)
    details = page.page.locator("#details")
    assert details.locator("h2").first.text_content() == "Hà Kim Ngọc"
    assert page.page.evaluate("window.cdkg.selected()") == HKN
    # its relations, counted apart: every distinct fact between it and another drawn entity
    (row,) = select(store, f"""SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?p ?o WHERE {{
        GRAPH ?g {{ ?s ?p ?o }} ?g a cd:Evidence . FILTER(?s = <{HKN}> || ?o = <{HKN}>)
        {DRAWN % {"v": "s"}} {DRAWN % {"v": "o"}} }} }}""")
    assert details.locator(".rel").count() == int(row["n"].value) > 5
    quotes = {r["q"].value for r in select(store, f"""SELECT ?q WHERE {{
        GRAPH ?g {{ <{HKN}> org:headOf ?o }} ?g prov:value ?q }}""")}
    panel = details.text_content()
    assert quotes and all(q in panel for q in quotes), "the relation's evidence is in the panel"
    assert "head of" in details.locator(".rel .how").all_text_contents()
    neighbours = set(page.page.evaluate("id => window.cdkg.network.getConnectedNodes(id)", HKN))
    seen = opacities(page)
    assert all(seen[n] == 1 for n in neighbours | {HKN})
    assert sum(1 for i, o in seen.items() if o < 1) == len(seen) - len(neighbours | {HKN})
    # hover another node: it and its neighbours light up; the panel still shows the selection
    other = next(n for n in sorted(neighbours) if n.startswith(ID + "organisation/"))
    page.page.mouse.move(*dom_point(page, other))
    page.page.wait_for_timeout(300)
    hovered = page.page.evaluate("""p => { const n = window.cdkg.network, g = document.getElementById('graph')
        .getBoundingClientRect(); return n.getNodeAt({x: p[0] - g.x, y: p[1] - g.y}); }""", dom_point(page, other))
    assert hovered is not None and hovered != HKN
    lit = set(page.page.evaluate("id => window.cdkg.network.getConnectedNodes(id)", hovered)) | {hovered}
    seen = opacities(page)
    assert {i for i, o in seen.items() if o == 1} == lit
    assert details.locator("h2").first.text_content() == "Hà Kim Ngọc"
    assert page.page.evaluate("window.cdkg.selected()") == HKN
    page.shot("graph-selected-hover.png")
    # a relation's other end is a button that selects it
    details.locator(".rel button.node").first.click()
    assert page.page.evaluate("window.cdkg.selected()") != HKN
    page.close()


def test_gap_findings_select_their_node(browser, pages, built):
    data = page_data(pages["en"].read_text(encoding="utf-8"))
    labels = {n["id"]: n["label"] for n in data["nodes"]}
    assert data["gaps"] and all(f["ids"] and set(f["ids"]) <= set(labels) for f in data["gaps"])
    page = Page(browser, pages["en"])
    items = page.page.locator("#gaps li.finding")
    assert items.count() == len(data["gaps"])
    k = len(data["gaps"]) // 2
    items.nth(k).locator("b").click()
    first = data["gaps"][k]["ids"][0]
    assert page.page.evaluate("window.cdkg.selected()") == first
    assert page.page.locator("#details h2").first.text_content() == labels[first]
    last = data["gaps"][k]["ids"][-1]
    items.nth(k).locator("button").last.click()
    assert page.page.evaluate("window.cdkg.selected()") == last
    page.shot("graph-gap-selected.png")
    page.close()


# ------------------------------------------------------------------------------ the year range


EVENTS_OF_YEAR = """SELECT DISTINCT ?e WHERE {
  GRAPH ?rec { ?e a ?c } FILTER(STRSTARTS(STR(?rec), "https://w3id.org/cdkg/id/entities/"))
  ?c rdfs:subClassOf* cd:Event .
  GRAPH ?g { ?e cd:date|cd:expectedDate ?d } ?g a cd:Evidence .
  FILTER(DATATYPE(?d) IN (xsd:date, xsd:gYearMonth, xsd:gYear) && SUBSTR(STR(?d), 1, 4) = "%d")
}"""
ALL_EVENTS = """SELECT DISTINCT ?e WHERE {
  GRAPH ?rec { ?e a ?c } FILTER(STRSTARTS(STR(?rec), "https://w3id.org/cdkg/id/entities/"))
  ?c rdfs:subClassOf* cd:Event . GRAPH ?g { ?e ?p ?o } ?g a cd:Evidence . FILTER(isIRI(?o))
}"""


def test_a_year_range_shows_exactly_the_events_of_that_year(browser, pages, store):
    page = Page(browser, pages["en"])
    kinds = {n["id"]: n["kind"] for n in page_data(pages["en"].read_text(encoding="utf-8"))["nodes"]}
    events = {i for i, k in kinds.items() if k == "event"}
    assert events == {r["e"].value for r in select(store, ALL_EVENTS)}
    for year in (2021, 2023):
        for slider in ("#year-from", "#year-to"):  # as a reader drags it: the value, then an input event
            page.page.eval_on_selector(slider, "(r, y) => { r.value = y; r.dispatchEvent(new Event('input')); }", year)
        assert page.page.locator("#year-on").is_checked()
        assert page.page.locator("#year-shown").text_content() == str(year)
        expected = {r["e"].value for r in select(store, EVENTS_OF_YEAR % year)}
        visible = set(page.page.evaluate("window.cdkg.visibleNodes()"))
        assert expected and visible & events == expected
        assert visible - events == set(kinds) - events  # other entities stay
        drawn = page.page.evaluate("""(() => { const d = window.cdkg.network.body.data;
            const hidden = new Set(d.nodes.get().filter(n => n.hidden).map(n => n.id));
            return d.edges.get().map(e => [hidden.has(e.from) || hidden.has(e.to), !!e.hidden]); })()""")
        assert all(gone == hidden for gone, hidden in drawn)  # an edge goes exactly when an end goes
        assert any(gone for gone, _ in drawn)
        assert page.page.evaluate("window.cdkg.visibleEdges()") == sum(1 for gone, _ in drawn if not gone)
    page.shot("graph-year-2023.png")
    page.page.locator("#year-on").uncheck()
    assert set(page.page.evaluate("window.cdkg.visibleNodes()")) == set(kinds)
    page.close()


# ------------------------------------------------------------------------------ export


def test_the_view_saves_as_png_and_svg(browser, pages, tmp_path):
    page = Page(browser, pages["en"])
    size = page.page.evaluate("[document.querySelector('#graph canvas').width, "
                              "document.querySelector('#graph canvas').height]")
    with page.page.expect_download() as got:
        page.page.locator("#save-png").click()
    png = tmp_path / "view.png"
    got.value.save_as(png)
    raw = png.read_bytes()
    assert raw[:8] == b"\x89PNG\r\n\x1a\n" and raw[12:16] == b"IHDR"
    assert list(struct.unpack(">II", raw[16:24])) == size and len(raw) > 20_000
    with page.page.expect_download() as got:
        page.page.locator("#save-svg").click()
    svg = tmp_path / "view.svg"
    got.value.save_as(svg)
    root = ET.parse(svg).getroot()  # well-formed XML
    ns = "{http://www.w3.org/2000/svg}"
    assert root.tag == ns + "svg"
    texts = {t.text for t in root.iter(ns + "text")}
    shorts = {n["id"]: n["short"] for n in page_data(pages["en"].read_text(encoding="utf-8"))["nodes"]}
    named = {shorts[i] for i in page.page.evaluate("window.cdkg.labelled()")}
    assert named and named <= texts  # every label on the screen is in the drawing
    shapes = sum(1 for tag in ("circle", "rect", "polygon") for _ in root.iter(ns + tag)) - 1  # less the background
    assert shapes == page.page.evaluate("window.cdkg.nodeCount")  # the opening view shows every node
    assert len(list(root.iter(ns + "line"))) == page.page.evaluate("window.cdkg.visibleEdges()")
    (SHOTS / "graph-export.svg").write_bytes(svg.read_bytes())
    (SHOTS / "graph-export.png").write_bytes(raw)
    page.close()


# ------------------------------------------------------------------------------ Vietnamese


def test_the_vietnamese_page_has_no_english_interface_string(browser, pages, built):
    from cdkg.ontology import vocabulary

    labels = vocabulary().labels
    english = {*TEXT["en"].values(), *(en for en, _ in KIND_NAMES.values()),
               *(ls["en"] for ls in labels.values() if "en" in ls and ls.get("vi") != ls["en"])}
    vi_names = {ls["vi"] for ls in labels.values() if "vi" in ls}
    english = {s for s in english - {*TEXT["vi"].values()} if len(s) > 2}  # "to" is a Vietnamese word too
    page = Page(browser, pages["vi"])
    page.page.locator("#gaps li.finding").first.locator("b").click()
    page.page.evaluate("id => window.cdkg.select(id)", HKN)
    interface = page.page.evaluate("""(() => {
        const q = s => Array.from(document.querySelectorAll(s)).map(e => e.textContent);
        return [...q('#legend span, #controls label, #controls button, #hint, #counts, #title'),
                ...q('#details h3, #gaps h2, #gaps li.finding > b'),
                ...q('#details > .meta').slice(0, 3).map(t => t.split(':')[0]),  // vi, en, type
                document.getElementById('search').placeholder, document.documentElement.lang]; })()""")
    found = [(s, t) for t in interface for s in english if re.search(r"(?<!\w)" + re.escape(s) + r"(?!\w)", t)]
    assert found == [], found
    assert "vi" in interface
    assert [page.page.locator(f"#year-{k}-label").text_content() for k in ("from", "to")] == ["từ", "đến"]
    kind_line = page.page.locator("#details > .meta").nth(2).text_content()
    assert kind_line.startswith("loại: ") and kind_line.removeprefix("loại: ") in vi_names
    data = page_data(pages["vi"].read_text(encoding="utf-8"))
    assert {n["type"] for n in data["nodes"]} <= vi_names  # type names in Vietnamese
    assert {e["label"] for e in data["edges"]} <= vi_names
    assert {x["label"] for x in data["legend"]} <= {vi for _, vi in KIND_NAMES.values()}
    page.shot("graph-vi.png")
    page.close()


# ------------------------------------------------------------------------------ views of the data


def test_the_people_view_draws_positions_as_edges(built, store):
    data = page_data(viz.render(built, kind="people"))
    kinds = {n["id"]: n["kind"] for n in data["nodes"]}
    assert not {"position", "role"} & set(kinds.values())
    held = select(store, """SELECT DISTINCT ?p ?o ?post WHERE { ?pos a cd:Position ; org:member ?p ;
        org:organization ?o ; org:role ?r . ?r rdfs:label ?post FILTER(LANG(?post) = "en") }""")
    assert len(held) > 20
    edges = {(e["from"], e["to"]): e for e in data["edges"] if e["from"] in kinds and kinds[e["from"]] == "person"}
    for r in held:
        edge = edges[(r["p"].value, r["o"].value)]  # one edge person → organisation, named by the posts
        assert r["post"].value in edge["label"].split("; ")
        assert edge["evidence"], "the post's edge carries the position's evidence"
    assert {kinds[r["p"].value] for r in held} == {"person"}


def test_sub_units_roll_up_and_placeholders_hide(built, store, pages):
    units = {(r["u"].value, r["o"].value) for r in select(store, """SELECT ?u ?o WHERE {
        GRAPH ?g { ?u org:unitOf|org:subOrganizationOf ?o } ?g a cd:Evidence }""")}
    groups = {r["e"].value for r in select(store, "SELECT ?e WHERE { ?e a cd:OrganisationGroup }")}
    plain = page_data(pages["en"].read_text(encoding="utf-8"))  # the whole graph, nothing rolled up or hidden
    ids = {n["id"] for n in plain["nodes"]}
    assert {u for u, _ in units} <= ids and groups <= ids
    assert all(n["placeholder"] == (n["id"] in groups) for n in plain["nodes"])
    rolled = page_data(viz.render(built, roll_up=True, hide_placeholders=True))
    nodes = {n["id"]: n for n in rolled["nodes"]}
    assert not ({u for u, _ in units} | groups) & set(nodes)
    assert not any(e["from"] in groups or e["to"] in groups for e in rolled["edges"])
    parent = dict(units)
    assert len(parent) == len(units)  # one parent each in the bundled data

    def top(iri: str) -> str:
        while iri in parent:
            iri = parent[iri]
        return iri

    labels = {n["id"]: n["label"] for n in plain["nodes"]}
    for unit in parent.keys() - groups:
        assert labels[unit] in nodes[top(unit)]["includes"]
    # every relation of a unit is now its top organisation's
    moved = {(top(e["from"]), e["label"], top(e["to"])) for e in plain["edges"]
             if not {e["from"], e["to"]} & groups and top(e["from"]) != top(e["to"])}
    assert moved == {(e["from"], e["label"], e["to"]) for e in rolled["edges"]}
    assert any(e["from"] in parent or e["to"] in parent for e in plain["edges"] if e["label"] != "unit of")


def test_the_site_draws_a_person_with_posts_not_positions(built):
    from cdkg.queries import backend_for
    from cdkg.viz.site import Tree, _load

    data = _load(backend_for(built, None))
    html = Tree(data, "en").entity(data.entities[HKN])
    drawing = html.split('<svg class="neighbourhood"', 1)[1].split("</svg>", 1)[0]
    assert "e/position/" not in drawing and "position/" in html.split("</svg>", 1)[1]  # still listed below
    assert '<a href="../../e/organisation/mofa.html"><title>Ministry of Foreign Affairs — Deputy Minister</title>' \
        in drawing
