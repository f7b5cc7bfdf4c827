"""The bundled curated sources: they load, every excerpt is in its article, ids do not collide,
every entity has both labels, and the article texts carry no sidebar news."""

from __future__ import annotations

import unicodedata

import pytest
import yaml

from cdkg.loaders import default_sources, load_corpus
from cdkg.loaders.text import read_article
from tests.conftest import PREFIXES

SOURCES = default_sources()
CURATED = sorted((SOURCES / "curated").glob("*.yaml"))
ARTICLES = sorted((SOURCES / "articles").glob("*.txt"))
SIDEBAR = ["chung cư", "bất động sản", "VietinBank", "Dragon Capital", "Trump", "uranium", "Giá tiêu",
           "Truy cập tổng", "trứng vịt lộn", "Ukraine", "Abyei", "Henley"]


def _curated(path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_the_five_articles_are_curated_and_the_cited_documents_have_records():
    """Five bundled articles (one per seed page), each curated; the former supplementary-facts page
    is replaced by cite-only files (900-*) with a record and no bundled text."""
    seeded = [a for a in ARTICLES if read_article(a).header.get("seed")]
    assert len({read_article(a).header["seed"] for a in seeded}) == len(seeded) == 5
    with_article = {_curated(p)["article"] for p in CURATED if "article" in _curated(p)}
    assert {a.name for a in seeded} <= with_article
    assert not (SOURCES / "articles" / "900-supplementary-facts.txt").exists()
    cited_only = [p for p in CURATED if p.name.startswith("900-")]
    assert cited_only and all("record" in _curated(p) and "article" not in _curated(p) for p in cited_only)


def test_every_source_loads():
    corpus = load_corpus()
    assert [s.source for s in corpus.sources] == [p.stem for p in CURATED]
    assert all(s.excerpts > 0 and s.facts > 0 for s in corpus.sources)


ARTICLE_FILES = [p for p in CURATED if "article" in _curated(p)]


@pytest.mark.parametrize("path", ARTICLE_FILES, ids=[p.stem for p in ARTICLE_FILES])
def test_every_excerpt_is_in_its_article(path):
    data = _curated(path)
    article = read_article(SOURCES / "articles" / data["article"])
    quotes = [ev["quote"] for ev in data["evidence"] if "quote" in ev]
    assert quotes
    assert [q[:80] for q in quotes if article.find(q) is None] == []


def test_ids_do_not_collide():
    corpus = load_corpus()
    iris = [d.iri for d in corpus.entities.values()]
    assert len(iris) == len(set(iris)) == len(corpus.entities)
    for path in CURATED:
        ids = [e["id"] for e in yaml.safe_load(path.read_text(encoding="utf-8")).get("entities", [])]
        assert len(ids) == len(set(ids)), path.name


def test_every_entity_has_a_vietnamese_and_an_english_label(store):
    rows = list(store.query(PREFIXES + """
        SELECT DISTINCT ?e WHERE {
          GRAPH ?rec { ?e a ?c } FILTER(STRSTARTS(STR(?rec), "https://w3id.org/cdkg/id/entities/"))
          FILTER NOT EXISTS { GRAPH ?r1 { ?e rdfs:label ?vi FILTER(LANG(?vi) = "vi") } }
        }"""))
    rows += list(store.query(PREFIXES + """
        SELECT DISTINCT ?e WHERE {
          GRAPH ?rec { ?e a ?c } FILTER(STRSTARTS(STR(?rec), "https://w3id.org/cdkg/id/entities/"))
          FILTER NOT EXISTS { GRAPH ?r1 { ?e rdfs:label ?en FILTER(LANG(?en) = "en") } }
        }"""))
    assert [r["e"].value for r in rows] == []


@pytest.mark.parametrize("path", ARTICLES, ids=[p.stem for p in ARTICLES])
def test_article_texts_are_nfc_and_carry_no_sidebar_news(path):
    text = path.read_text(encoding="utf-8")
    assert unicodedata.is_normalized("NFC", text)
    assert [w for w in SIDEBAR if w in text] == []


@pytest.mark.parametrize("path", ARTICLES, ids=[p.stem for p in ARTICLES])
def test_article_headers_are_complete(path):
    """Every bundled article carries its full record: URL, publisher, author, publication date (or
    the explicit word unknown where the page does not show one), language and retrieval date."""
    article = read_article(path)
    assert article.problems == []
    header = article.header
    assert {"title", "language", "kind", "url", "publisher", "author", "published", "retrieved"} <= set(header)
    assert all(header[k].strip() for k in ("title", "url", "publisher", "author", "published", "retrieved"))
    assert header["url"].startswith(("https://", "http://"))
