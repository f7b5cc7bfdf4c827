"""The static site (``cdkg site``) in a real browser: Python playwright driving Debian's chromium
on the pages opened from ``file://`` — home → search without accents → an entity with its quote →
a source → the timeline filtered to one year (counted again by SPARQL) → the gap report → an
entity; no request outside the folder, no console error, an injected label stays text, and the
Vietnamese tree holds no English interface string.  One build and one site for the module."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import cdkg
from cdkg.loaders import default_sources
from cdkg.viz.site import SITE_MARKER, TEXT, site

SHOTS = Path(__file__).resolve().parents[1] / "test-output"
NASTY = "<img src=x onerror=alert(1)>"
HKN = "Hà Kim Ngọc"


#: Events with a date (stated, inferred or expected) in 2021, counted apart from the site's code.
EVENTS_2021 = """
PREFIX cd: <https://w3id.org/cdkg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE {
  GRAPH ?rec { ?e a ?c } FILTER(STRSTARTS(STR(?rec), "https://w3id.org/cdkg/id/entities/"))
  ?c rdfs:subClassOf* cd:Event .
  GRAPH ?g { ?e cd:date|cd:expectedDate ?d } ?g a cd:Evidence .
  FILTER(DATATYPE(?d) IN (xsd:date, xsd:gYearMonth, xsd:gYear) && SUBSTR(STR(?d), 1, 4) = "2021")
}"""


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A copy of the bundled sources with a quote holding markup, built; a label that is markup (which
    the loader refuses in curated files, so it is put in the store as another tool could); its site."""
    root = tmp_path_factory.mktemp("site")
    sources = root / "sources"
    shutil.copytree(default_sources(), sources)  # as the sources_copy fixture, once for the module
    curated = sources / "curated" / "004-thua-thien-hue-plan-173.yaml"
    text = curated.read_text(encoding="utf-8")
    article = sources / "articles" / "004-thua-thien-hue-plan-173.txt"
    article.write_text(article.read_text(encoding="utf-8") + f"\nMột dòng thử {NASTY} kết thúc.\n", encoding="utf-8")
    curated.write_text(text + f"""
  - quote: "Một dòng thử {NASTY} kết thúc."
    facts:
      - [plan_173_kh_ubnd, hasBreakthroughSolution, bs_173_resources]
""", encoding="utf-8")
    build = root / "build"
    cdkg.build(sources, build)
    from cdkg.kg.sparql import LocalBackend

    LocalBackend(build).update(f"""
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        DELETE {{ GRAPH ?g {{ ?e rdfs:label "More resources"@en }} }}
        INSERT {{ GRAPH ?g {{ ?e rdfs:label "{NASTY}"@en }} }}
        WHERE {{ GRAPH ?g {{ ?e rdfs:label "More resources"@en }} }}""")
    out = root / "site"
    assert site(build, out, lang="vi") == out / "index.html"
    return build, out



class Visit:
    """One browser tab on the site, recording every request, console error and dialog."""

    def __init__(self, browser, folder: Path):
        self.folder = folder.resolve().as_uri() + "/"
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page = browser.new_page(viewport={"width": 1300, "height": 900})
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda err: self.errors.append(str(err)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))

    def open(self, path: Path | str) -> None:
        self.page.goto(path.as_uri() if isinstance(path, Path) else path)
        self.page.wait_for_selector("html[data-ready]", state="attached")

    def shot(self, name: str) -> None:
        SHOTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(SHOTS / name), full_page=False)

    def check(self) -> None:
        outside = [u for u in self.requests if not u.startswith(self.folder)]
        assert outside == [], "every request must stay in the site's folder"
        assert self.errors == [], self.errors
        assert self.dialogs == []

    def close(self) -> None:
        self.check()
        self.page.close()


def test_the_researchers_walk_through_the_site(browser, made):
    build, out = made
    v = Visit(browser, out)
    v.open(out / "index.html")  # redirects to the Vietnamese tree (--lang vi)
    v.page.wait_for_url(re.compile(r".*/vi/index\.html$"))
    v.page.wait_for_selector("html[data-ready]", state="attached")
    v.page.locator("a.lang-switch").click()
    v.page.wait_for_url(re.compile(r".*/en/index\.html$"))
    assert "What the graph holds" in v.page.locator("main").text_content()
    v.shot("site-home.png")

    # search without accents, from the header's box
    v.page.fill("header input[name=q]", "ha kim ngoc")
    v.page.press("header input[name=q]", "Enter")
    v.page.wait_for_selector("body[data-search-ready]", state="attached")
    first = v.page.locator("#search-results li a").first
    assert first.text_content() == HKN
    v.shot("site-search.png")
    first.click()
    v.page.wait_for_url(re.compile(r".*/en/e/person/ha_kim_ngoc\.html$"))
    assert v.page.locator("h1").text_content() == HKN
    quotes = v.page.locator("blockquote.quote").all_text_contents()
    assert any("Thứ trưởng Ngoại giao Hà Kim Ngọc" in q for q in quotes)
    drawn = v.page.locator("svg.neighbourhood a")
    assert 0 < drawn.count() <= v.page.locator("ul.related li").count()
    v.shot("site-entity.png")

    # the source of a quote: its record and the facts it supports
    v.page.locator(".evidence.quoted a.src").first.click()
    v.page.wait_for_url(re.compile(r".*/en/s/[^/]+\.html$"))
    record = v.page.locator("table.record").text_content()
    assert "Title" in record and "Citation (APA)" in record
    assert v.page.locator(".evidence-list > li").count() >= 1
    assert v.page.locator(".evidence-list .facts a", has_text=HKN).count() >= 1
    v.shot("site-source.png")

    # the timeline filtered to 2021: exactly the events SPARQL finds
    v.page.locator("header nav a", has_text="Timeline").click()
    v.page.wait_for_selector("body[data-timeline-ready]", state="attached")
    everything = v.page.locator("#tl-rows tr").count()
    v.page.fill("#tl-from", "2021")
    v.page.fill("#tl-to", "2021")
    shown = v.page.locator("#tl-rows tr").count()
    store = cdkg.open_store(build)
    expected = int(next(iter(store.query(EVENTS_2021, use_default_graph_as_union=True)))["n"].value)
    assert shown == expected and 0 < shown < everything
    assert all("2021" in d for d in v.page.locator("#tl-rows td.when").all_text_contents())
    v.shot("site-timeline-2021.png")
    v.page.fill("#tl-from", "")
    v.page.fill("#tl-to", "")
    notes = " ".join(v.page.locator("#tl-rows .note").all_text_contents())
    assert "year not given" in notes and "year inferred by the curators" in notes

    # the gap report: a finding links to its entity
    v.page.locator("header nav a", has_text="Coordination gaps").click()
    v.page.wait_for_url(re.compile(r".*/en/gaps\.html$"))
    assert v.page.locator(".finding").count() > 0
    link = v.page.locator(".finding .entities a").first
    name = link.text_content()
    v.shot("site-gaps.png")
    link.click()
    v.page.wait_for_url(re.compile(r".*/en/e/.+\.html$"))
    assert v.page.locator("h1").text_content() == name

    # the switch keeps the page
    here = v.page.url.split("/en/", 1)[1]
    v.page.locator("a.lang-switch").click()
    v.page.wait_for_url(re.compile(".*/vi/" + re.escape(here) + "$"))
    v.close()


def test_markup_in_a_label_or_quote_stays_text(browser, made):
    _, out = made
    v = Visit(browser, out)
    v.open(out / "en" / "e" / "plan-component" / "bs_173_resources.html")
    assert NASTY in v.page.locator("h1").text_content()
    assert any(NASTY in q for q in v.page.locator("blockquote.quote").all_text_contents())
    assert v.page.locator("main img").count() == 0
    v.open(out / "en" / "search.html")
    v.page.wait_for_selector("body[data-search-ready]", state="attached")
    v.page.fill("#q", "img src")
    texts = v.page.locator("#search-results a").all_text_contents()
    assert NASTY in texts and any(NASTY in t for t in texts if t != NASTY)  # the label and the quote
    assert v.page.locator("img").count() == 0
    v.open(out / "en" / "entities.html")
    assert v.page.locator("img").count() == 0
    v.close()
    page = (out / "en" / "e" / "plan-component" / "bs_173_resources.html").read_text(encoding="utf-8")
    assert "<img" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    index = (out / "assets" / "search-en.js").read_text(encoding="utf-8")
    assert "<img" not in index and "</script" not in index


#: English interface strings that must not appear in the Vietnamese tree (the ones a reader sees
#: on every kind of page; data such as an entity's English label may of course be English).
ENGLISH = [TEXT["en"][k] for k in ("home", "entities", "timeline", "gaps", "search", "searchPlaceholder",
                                   "holds", "byKind", "sourceList", "statements", "related", "record",
                                   "supports", "citation", "from", "to", "shown", "yearNotGiven",
                                   "yearInferred", "allEntities", "proves", "notProves", "noResults")]


def test_the_vietnamese_tree_speaks_vietnamese(browser, made):
    _, out = made
    vi = out / "vi"
    v = Visit(browser, out)
    pages = [vi / "index.html", vi / "entities.html", vi / "timeline.html", vi / "gaps.html",
             vi / "e" / "person" / "ha_kim_ngoc.html", sorted((vi / "s").glob("*.html"))[0]]
    for path in pages:
        v.open(path)
        if path.name == "timeline.html":
            v.page.wait_for_selector("body[data-timeline-ready]", state="attached")
        # what the sources and the curators say (quotes, cited statements in English) is not interface text
        v.page.evaluate("document.querySelectorAll('blockquote.quote').forEach(x => x.style.display = 'none')")
        shown = v.page.evaluate("document.body.innerText") + " " + " ".join(
            v.page.locator("input").evaluate_all("xs => xs.map(x => x.placeholder)"))
        found = [s for s in ENGLISH if re.search(r"(?<!\w)" + re.escape(s) + r"(?!\w)", shown)]
        assert found == [], f"{path.relative_to(out)} shows English interface text: {found}"
    from cdkg.queries.gaps import kinds

    v.open(vi / "gaps.html")
    headings = " ".join(v.page.locator("main h2, main .toc").all_text_contents())
    assert [k.title for k in kinds() if k.title in headings] == []
    sections = " ".join(v.page.locator("section.gap-kind").all_inner_texts())
    english = [k.number for k in kinds() if k.explanation[:60] in sections or k.proves in sections]
    assert english == [], f"gap kinds explained in English on the Vietnamese page: {english}"
    assert all(k.vi["explanation"][:60] in sections for k in kinds())
    v.open((vi / "search.html").as_uri() + "?q=ha%20kim%20ngoc")
    v.page.wait_for_selector("body[data-search-ready]", state="attached")
    assert v.page.locator("#search-results li a").first.text_content() == HKN
    assert "kết quả" in v.page.locator("#search-count").text_content()
    v.shot("site-vi-search.png")
    v.page.locator("a.lang-switch").click()  # the switch keeps the query
    v.page.wait_for_url(re.compile(r".*/en/search\.html\?q=ha%20kim%20ngoc$"))
    v.close()


def test_a_folder_that_is_not_a_site_is_never_replaced(made, tmp_path):
    build, _ = made
    mine = tmp_path / "notes"
    mine.mkdir()
    (mine / "thesis.md").write_text("mine", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "cdkg.cli", "site", "--build", str(build), "--output", str(mine)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode != 0 and "not a site cdkg made" in result.stderr and "Traceback" not in result.stderr
    assert [p.name for p in mine.iterdir()] == ["thesis.md"]
    # a site cdkg made is replaced whole, and the command prints where it opens
    result = subprocess.run([sys.executable, "-m", "cdkg.cli", "site", "--build", str(build), "--output",
                             str(tmp_path / "s")], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str((tmp_path / "s" / "index.html").resolve())
    assert (tmp_path / "s" / SITE_MARKER).is_file()
    (tmp_path / "s" / "en" / "stale.html").write_text("old", encoding="utf-8")
    cdkg.site(build, tmp_path / "s")
    assert not (tmp_path / "s" / "en" / "stale.html").exists()
    (tmp_path / "s" / "extra.txt").write_text("someone's", encoding="utf-8")
    with pytest.raises(cdkg.CdkgError, match="did not write"):
        cdkg.site(build, tmp_path / "s")


def test_the_site_works_served_over_http_too(browser, made):
    """Served by a plain static server on 127.0.0.1, the same pages run under the same policy."""
    import functools
    import http.server
    import threading

    _, out = made
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.RequestHandlerClass.log_message = lambda *a: None
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        origin = f"http://127.0.0.1:{server.server_address[1]}/"
        v = Visit(browser, out)
        v.folder = origin
        v.open(origin + "vi/search.html?q=ha%20kim%20ngoc")
        v.page.wait_for_selector("body[data-search-ready]", state="attached")
        assert v.page.locator("#search-results li a").first.text_content() == HKN
        v.page.locator("#search-results li a").first.click()
        v.page.wait_for_url(origin + "vi/e/person/ha_kim_ngoc.html")
        v.page.locator("header nav a", has_text="Dòng thời gian").click()
        v.page.wait_for_selector("body[data-timeline-ready]", state="attached")
        assert v.page.locator("#tl-rows tr").count() > 0
        v.close()
    finally:
        server.shutdown()
        server.server_close()


def test_every_interface_string_exists_in_both_languages():
    """A key missing in one language would show "undefined" in the page scripts."""
    assert TEXT["en"].keys() == TEXT["vi"].keys()


def test_no_page_loads_every_entity_up_front(browser, made):
    """entities.html lists the kinds; each kind has a page of its own, together holding every
    entity page exactly once; the search page shows entity hits before the excerpts' index loads."""
    _, out = made
    for lang in ("en", "vi"):
        tree = out / lang
        index = (tree / "entities.html").read_text(encoding="utf-8")
        assert 'href="e/' not in index  # no entity is listed on the index itself
        kinds = re.findall(r'href="entities-([a-z-]+)\.html"[^<]*</a></td><td class="n">(\d+)', index)
        listed: list[str] = []
        for kind, count in kinds:
            page = (tree / f"entities-{kind}.html").read_text(encoding="utf-8")
            links = re.findall(r'<li><a href="(e/[^"]+)"', page)
            assert len(links) == int(count), kind
            listed += links
        pages = sorted(p.relative_to(tree).as_posix() for p in (tree / "e").rglob("*.html"))
        assert sorted(listed) == pages
    search = (out / "en" / "search.html").read_text(encoding="utf-8")
    assert "search-en.js" in search and "evidence" not in re.findall(r'<script src="([^"]+)"', search)[0]
    entities_js = (out / "assets" / "search-en.js").read_text(encoding="utf-8")
    evidence_js = (out / "assets" / "search-en-evidence.js").read_text(encoding="utf-8")
    assert "#ev-" not in entities_js and "#ev-" in evidence_js
    v = Visit(browser, out)
    v.page.route("**/search-en-evidence.js", lambda route: None)  # hold the excerpts' index back
    v.page.goto((out / "en" / "search.html").as_uri() + "?q=ha%20kim%20ngoc", wait_until="domcontentloaded")
    v.page.wait_for_selector("#search-results li a")
    assert v.page.locator("#search-results li a").first.text_content() == HKN
    assert v.page.evaluate("document.body.hasAttribute('data-search-ready')") is False
    v.page.close()
