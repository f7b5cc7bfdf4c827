"""The bundled curated sources: they load, every excerpt is in its article, ids do not collide,
every entity has both labels, and the article texts carry no sidebar news."""

from __future__ import annotations

import unicodedata

import pytest
import yaml

from loaders import default_sources, load_corpus
from loaders.text import read_article
from tests.conftest import PREFIXES

SOURCES = default_sources()
CURATED = sorted((SOURCES / "curated").glob("*.yaml"))
ARTICLES = sorted((SOURCES / "articles").glob("*.txt"))
SIDEBAR = ["chung cư", "bất động sản", "VietinBank", "Dragon Capital", "Trump", "uranium", "Giá tiêu",
           "Truy cập tổng", "trứng vịt lộn", "Ukraine", "Abyei", "Henley"]


def test_the_five_articles_and_the_supplementary_page_are_curated():
    assert len(CURATED) == 6 and len(ARTICLES) == 6
    seeds = {read_article(a).header.get("seed") for a in ARTICLES} - {None}
    assert len(seeds) == 5


def test_every_source_loads():
    corpus = load_corpus()
    assert [s.source for s in corpus.sources] == [p.stem for p in CURATED]
    assert all(s.excerpts > 0 and s.facts > 0 for s in corpus.sources)


@pytest.mark.parametrize("path", CURATED, ids=[p.stem for p in CURATED])
def test_every_excerpt_is_in_its_article(path):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    article = read_article(SOURCES / "articles" / data["article"])
    missing = [ev["quote"][:80] for ev in data["evidence"] if article.find(ev["quote"]) is None]
    assert missing == []


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
    article = read_article(path)
    assert article.problems == []
    assert {"title", "language", "kind"} <= set(article.header)
