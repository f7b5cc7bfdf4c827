"""Interactive HTML graphs in a real browser: Python playwright driving Debian's chromium on
the generated pages — offline, no console errors, counts that match the graph, search with
diacritics, escaped labels, focus showing only the neighbourhood."""

from __future__ import annotations

from pathlib import Path

import networkx as nx

import cdkg
from cdkg import viz

SHOTS = Path(__file__).resolve().parents[1] / "test-output"
NASTY = "<img src=x onerror=alert(1)>"




class Page:
    """A generated page opened in chromium, recording requests, console errors and dialogs."""

    def __init__(self, browser, path: Path):
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page = browser.new_page(viewport={"width": 1400, "height": 900})
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.goto(path.as_uri())
        self.page.wait_for_function("window.cdkg && window.cdkg.ready")
        self.page.wait_for_timeout(300)

    def counts(self) -> tuple[int, int]:
        return tuple(self.page.evaluate("[window.cdkg.nodeCount, window.cdkg.edgeCount]"))

    def node_ids(self) -> set[str]:
        return set(self.page.evaluate("window.cdkg.network.body.data.nodes.getIds()"))

    def search(self, text: str) -> list[str]:
        self.page.fill("#search", text)
        return self.page.locator("#results button").all_text_contents()

    def shot(self, name: str) -> None:
        SHOTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(SHOTS / name))

    def close(self) -> None:
        assert [u for u in self.requests if not u.startswith("file://")] == [], "the page must make no network request"
        assert self.errors == [], self.errors
        assert self.dialogs == []
        self.page.close()


EXPECTED = """
PREFIX cd: <https://w3id.org/cdkg/ontology#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
SELECT (COUNT(DISTINCT ?n) AS ?nodes) WHERE {
  { GRAPH ?rec { ?n a ?c } FILTER(STRSTARTS(STR(?rec), "https://w3id.org/cdkg/id/entities/")) }
  UNION
  { GRAPH ?g { ?s ?p ?n } ?g a cd:Evidence . ?n a owl:NamedIndividual }
}"""
EXPECTED_EDGES = """
PREFIX cd: <https://w3id.org/cdkg/ontology#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
SELECT (COUNT(*) AS ?edges) WHERE { SELECT DISTINCT ?s ?p ?o WHERE {
  GRAPH ?g { ?s ?p ?o } ?g a cd:Evidence .
  GRAPH ?r1 { ?s a ?c1 } FILTER(STRSTARTS(STR(?r1), "https://w3id.org/cdkg/id/entities/"))
  { GRAPH ?r2 { ?o a ?c2 } FILTER(STRSTARTS(STR(?r2), "https://w3id.org/cdkg/id/entities/")) }
  UNION { ?o a owl:NamedIndividual }
} }"""


def test_the_whole_graph_offline_with_matching_counts(browser, built, store, tmp_path):
    path = tmp_path / "graph.html"
    viz.render(built, output=path, lang="vi")
    text = path.read_text(encoding="utf-8")
    assert "http://" not in text.split("<script id=\"cdkg-data\"")[0].split("<style>")[0]  # no linked assets
    page = Page(browser, path)
    nodes = int(next(iter(store.query(EXPECTED, use_default_graph_as_union=True)))["nodes"].value)
    edges = int(next(iter(store.query(EXPECTED_EDGES, use_default_graph_as_union=True)))["edges"].value)
    assert page.counts() == (nodes, edges)
    assert page.search("Thừa Thiên Huế")[:1] == ["Thừa Thiên Huế"]
    assert "Hà Kim Ngọc" in page.search("ha kim ngoc")  # without accents
    page.page.locator("#results button", has_text="Hà Kim Ngọc").first.click()
    assert page.page.locator("#details h2").first.text_content() == "Hà Kim Ngọc"
    assert "Thứ trưởng Ngoại giao Hà Kim Ngọc" in page.page.locator("#details").text_content()
    page.shot("graph-all.png")
    page.close()


def test_focus_shows_only_the_neighbourhood(browser, built, store, tmp_path):
    path = tmp_path / "focus.html"
    viz.render(built, focus="Hà Kim Ngọc", depth=1, output=path)
    expected = {r["n"].value for r in store.query("""
        PREFIX cd: <https://w3id.org/cdkg/ontology#>
        SELECT DISTINCT ?n WHERE { GRAPH ?g { { <https://w3id.org/cdkg/id/person/ha_kim_ngoc> ?p ?n }
                                              UNION { ?n ?p <https://w3id.org/cdkg/id/person/ha_kim_ngoc> } }
                                   ?g a cd:Evidence . FILTER(isIRI(?n)) }""", use_default_graph_as_union=True)}
    expected.add("https://w3id.org/cdkg/id/person/ha_kim_ngoc")
    page = Page(browser, path)
    assert page.node_ids() == expected
    page.shot("graph-focus.png")
    page.close()


def test_gaps_are_highlighted_and_listed(browser, seed_built, tmp_path):
    path = tmp_path / "gaps.html"
    viz.render(seed_built, kind="places", gaps=True, output=path)
    page = Page(browser, path)
    items = page.page.locator("#gaps li").all_text_contents()
    assert any("Hà Nội" in i and "no plan" in i for i in items)
    flagged = page.page.evaluate(
        "window.cdkg.network.body.data.nodes.get().filter(n => n.borderWidth === 4).map(n => n.id)")
    assert "https://w3id.org/cdkg/id/place/ha_noi" in flagged
    page.shot("graph-gaps.png")
    page.close()


def test_an_injected_label_and_quote_stay_text(browser, sources_copy, tmp_path):
    article = sources_copy / "articles" / "004-thua-thien-hue-plan-173.txt"
    article.write_text(article.read_text(encoding="utf-8") + f"\nMột dòng thử {NASTY} kết thúc.\n", encoding="utf-8")
    curated = sources_copy / "curated" / "004-thua-thien-hue-plan-173.yaml"
    curated.write_text(curated.read_text(encoding="utf-8") + f"""
  - quote: "Một dòng thử {NASTY} kết thúc."
    facts:
      - [plan_173_kh_ubnd, coversLocality, thua_thien_hue]
""", encoding="utf-8")
    cdkg.build(sources_copy, tmp_path / "b")
    path = tmp_path / "nasty.html"
    viz.render(tmp_path / "b", focus="plan_173_kh_ubnd", output=path)
    page = Page(browser, path)
    page.page.locator("#results")  # nothing typed yet
    page.search("Kế hoạch số 173")
    page.page.locator("#results button").first.click()
    assert NASTY in page.page.locator("#details").text_content()
    assert page.page.locator("#details img, #side img").count() == 0
    page.close()

    g = nx.Graph()
    g.add_node("a", label=NASTY, kind="organisation")
    g.add_node("b", label="Đà Nẵng", kind="place")
    g.add_edge("a", "b", label="</script><script>alert(2)</script>")
    before = nx.to_dict_of_dicts(g), dict(g.nodes(data=True))
    path = tmp_path / "nx.html"
    viz.render_networkx(g, output=path)
    assert (nx.to_dict_of_dicts(g), dict(g.nodes(data=True))) == before  # the caller's graph is untouched
    page = Page(browser, path)
    assert page.search("img src") == [NASTY]
    assert page.page.locator("img").count() == 0
    import xml.etree.ElementTree as ET

    svg = ET.fromstring(page.page.evaluate("window.cdkg.svg()").split("?>", 1)[1])  # the SVG export
    assert NASTY in {t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")}
    assert not [e for e in svg.iter() if e.tag.rsplit("}", 1)[-1] in ("img", "script", "image")]
    page.close()


def test_a_large_graph_is_laid_out_in_python_without_physics(browser, tmp_path):
    g = nx.random_labeled_tree(600, seed=3) if hasattr(nx, "random_labeled_tree") else nx.random_tree(600, seed=3)
    path = tmp_path / "large.html"
    viz.render_networkx(g, output=path)
    page = Page(browser, path)
    assert page.counts() == (600, 599)
    assert page.page.evaluate("window.cdkg.network.physics.options.enabled") is False
    page.shot("graph-large.png")
    page.close()


def test_viz_cli_prints_the_path(built, tmp_path):
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "cdkg.cli", "viz", "--build", str(built), "--kind", "heritage",
                             "--output", str(tmp_path / "h.html")], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stdout.strip() == str((tmp_path / "h.html").resolve())
    bad = subprocess.run([sys.executable, "-m", "cdkg.cli", "viz", "--build", str(built), "--focus", "Atlantis"],
                         capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert bad.returncode == 2 and "no entity matches" in bad.stderr
    assert not (tmp_path / "graph.html").exists()
