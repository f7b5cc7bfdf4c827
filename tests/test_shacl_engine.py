"""The SPARQL-compiled SHACL engine agrees with pySHACL, the reference, on the bundled data,
on broken data, and refuses shapes it does not implement."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg import shacl
from kg.validation import check_corpus, memory_store
from loaders import load_corpus

BAD = Path(__file__).parent / "data" / "bad"
ID = "https://w3id.org/cdkg/id/"
CD = "https://w3id.org/cdkg/ontology#"


def both(corpus):
    store = memory_store(corpus)
    return [{(f.entity, f.rule, f.severity, f.message, f.file, f.line) for f in check_corpus(corpus, store, engine=e)}
            for e in ("sparql", "pyshacl")]


def test_same_findings_on_the_bundled_sources():
    fast, reference = both(load_corpus())
    assert fast == reference and fast  # the bundled data has warnings


def mutate(corpus, drop=lambda q: False, add=()):
    corpus.quads = [q for q in corpus.quads if not drop(q)] + list(add)
    return corpus


EVIDENCE = ox.NamedNode(ID + "evidence/000-steering-committee-annual-meeting/1")
MUTATIONS = {
    "string date": dict(add=[ox.Quad(ox.NamedNode(ID + "event/ev_scd_annual_meeting"), ox.NamedNode(CD + "date"),
                                     ox.Literal("26 May"), EVIDENCE)]),
    "no English label": dict(drop=lambda q: q.subject.value == ID + "person/ha_kim_ngoc"
                             and getattr(q.object, "language", None) == "en"),
    "markup in a label": dict(add=[ox.Quad(ox.NamedNode(ID + "person/ha_kim_ngoc"),
                                           ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
                                           ox.Literal("<b>HKN</b>", language="vi"), EVIDENCE)]),
    "two people in a position": dict(add=[ox.Quad(ox.NamedNode(ID + "position/pos_ha_kim_ngoc_head_scd"),
                                                  ox.NamedNode("http://www.w3.org/ns/org#member"),
                                                  ox.NamedNode(ID + "person/bui_thanh_son"), EVIDENCE)]),
    "position held by a ministry": dict(add=[ox.Quad(ox.NamedNode(ID + "position/pos_x"),
                                                     ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                                                     ox.NamedNode(CD + "Position"), EVIDENCE),
                                             ox.Quad(ox.NamedNode(ID + "position/pos_x"),
                                                     ox.NamedNode("http://www.w3.org/ns/org#member"),
                                                     ox.NamedNode(ID + "organisation/mofa"), EVIDENCE)]),
    "excerpt without a quote": dict(drop=lambda q: q.subject == EVIDENCE and q.predicate.value.endswith("#value")),
    "two issue dates": dict(add=[ox.Quad(ox.NamedNode(ID + "document/plan_173_kh_ubnd"),
                                         ox.NamedNode("http://data.europa.eu/eli/ontology#date_document"),
                                         ox.Literal("2022", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#gYear")),
                                         EVIDENCE)]),
}


@pytest.mark.parametrize("name", MUTATIONS)
def test_same_findings_on_broken_data(name):
    clean_fast, _ = both(load_corpus())
    fast, reference = both(mutate(load_corpus(), **MUTATIONS[name]))
    assert fast == reference
    assert fast - clean_fast, "the mutation must produce a finding"


def test_same_findings_on_the_bad_position_case(tmp_path):
    root = tmp_path / "s"
    (root / "curated").mkdir(parents=True)
    (root / "articles").mkdir()
    shutil.copy(BAD / "article.txt", root / "articles" / "test.txt")
    shutil.copy(BAD / "position-two-people.yaml", root / "curated" / "case.yaml")
    fast, reference = both(load_corpus(root))
    assert fast == reference and any(sev == "violation" for _, _, sev, *_ in fast)


def test_unsupported_shacl_is_refused(tmp_path):
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text("""@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:hasValue ex:v ] .""", encoding="utf-8")
    with pytest.raises(shacl.ShapesError, match="hasValue"):
        shacl.compile_shapes(str(shapes))
