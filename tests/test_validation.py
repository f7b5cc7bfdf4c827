"""``cdkg validate`` and ``cdkg reason``: the SHACL shapes, the ontology checks (each shown able
to fail), and HermiT on ontology + data."""

from __future__ import annotations

import subprocess
import sys
from importlib import resources
from pathlib import Path

import pyoxigraph as ox
import pytest

import cdkg
from cdkg.kg.store import ONTOLOGY_GRAPH
from cdkg.kg.validation import check_corpus, memory_store, validate
from cdkg.loaders import load_corpus
from tests.conftest import require

CD = "https://w3id.org/cdkg/ontology#"
ID = "https://w3id.org/cdkg/id/"
CHECKS = sorted(Path(str(resources.files("cdkg.ontology") / "checks")).glob("*.rq"))


def test_the_bundled_sources_are_valid_and_warnings_are_located():
    report = validate()
    assert report.ok, [str(f) for f in report.violations]
    assert report.warnings
    assert all(w.file.startswith("curated/") and w.line for w in report.warnings)
    # e.g. the 14/12 conference on external relations: no source names its organiser
    conference = [w.message for w in report.warnings if w.entity == "ev_national_external_relations_conference"]
    assert any("no organiser" in m for m in conference)


def test_shapes_catch_a_date_without_a_date_datatype():
    corpus = load_corpus()
    g = ox.NamedNode(ID + "evidence/000-steering-committee-annual-meeting/1")
    corpus.quads.append(ox.Quad(ox.NamedNode(ID + "event/ev_scd_annual_meeting"), ox.NamedNode(CD + "date"),
                                ox.Literal("26 May"), g))
    found = [f for f in check_corpus(corpus) if f.severity == "violation"]
    assert len(found) == 1
    assert found[0].entity == "ev_scd_annual_meeting" and found[0].rule == "shape DateValue"
    assert found[0].file == "curated/000-steering-committee-annual-meeting.yaml" and found[0].line


def test_shapes_catch_an_entity_without_an_english_label():
    corpus = load_corpus()
    corpus.quads = [q for q in corpus.quads if not (q.subject.value == ID + "person/ha_kim_ngoc"
                                                    and getattr(q.object, "language", None) == "en")]
    [finding] = [f for f in check_corpus(corpus) if f.severity == "violation"]
    assert finding.entity == "ha_kim_ngoc" and "no English label" in finding.message


BREAKAGES = {
    "labels-and-definitions.rq": lambda s: s.add(ox.Quad(ox.NamedNode(CD + "Orphan"), ox.NamedNode(
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), ox.NamedNode("http://www.w3.org/2002/07/owl#Class"),
        ONTOLOGY_GRAPH)),
    "undeclared-terms.rq": lambda s: s.add(ox.Quad(ox.NamedNode(ID + "person/ha_kim_ngoc"),
                                                   ox.NamedNode(CD + "undeclaredProperty"), ox.Literal("x"),
                                                   ox.NamedNode(ID + "evidence/000-steering-committee-annual-meeting/1"))),
    "domain-and-range.rq": lambda s: s.remove(ox.Quad(ox.NamedNode(CD + "chair"), ox.NamedNode(
        "http://www.w3.org/2000/01/rdf-schema#range"), ox.NamedNode("http://xmlns.com/foaf/0.1/Agent"), ONTOLOGY_GRAPH)),
    "ontology-header.rq": lambda s: [s.remove(q) for q in list(s.quads_for_pattern(
        ox.NamedNode("https://w3id.org/cdkg/ontology"), ox.NamedNode("http://purl.org/dc/terms/license"), None,
        ONTOLOGY_GRAPH))],
    "facts-have-evidence.rq": lambda s: s.add(ox.Quad(ox.NamedNode(ID + "a"), ox.NamedNode(CD + "date"),
                                                      ox.Literal("1"), ox.NamedNode(ID + "stray-graph"))),
}


def test_every_check_is_tested():
    assert sorted(BREAKAGES) == [p.name for p in CHECKS]


@pytest.mark.parametrize("check", CHECKS, ids=[p.stem for p in CHECKS])
def test_each_ontology_check_is_clean_and_can_fail(check):
    corpus = load_corpus()
    store = memory_store(corpus)
    rule = {line.split(":", 1)[1].strip() for line in check.read_text(encoding="utf-8").splitlines()
            if line.startswith("# rule:")}.pop()
    assert [f for f in check_corpus(corpus, store) if f.rule == rule] == []
    BREAKAGES[check.name](store)
    assert [f for f in check_corpus(corpus, store) if f.rule == rule]


def test_validate_cli_exit_codes(tmp_path):
    ok = subprocess.run([sys.executable, "-m", "cdkg.cli", "validate", "--no-warnings"], capture_output=True,
                        text=True, timeout=120)
    assert ok.returncode == 0 and "bundled sources: valid — 0 violations" in ok.stdout


def test_reason_writes_inferences_apart_from_the_asserted_facts(built, tmp_path):
    require("java", "HermiT runs on Java")
    from cdkg.kg.reasoning import INFERRED_IRI, reason

    result = reason(built, tmp_path / "inferred.ttl")
    assert result.consistent and result.inferred > 0
    import rdflib

    inferred = rdflib.Graph().parse(tmp_path / "inferred.ttl", format="turtle")
    asserted = rdflib.Graph().parse(built / "kg.ttl", format="turtle")
    assert len(inferred) == result.inferred
    assert not (set(inferred) & set(asserted)), "inferences must not repeat asserted facts"
    # locatedIn is transitive: the People's Committee of Thừa Thiên Huế is in Viet Nam
    assert (rdflib.URIRef(ID + "organisation/ubnd_thua_thien_hue"), rdflib.URIRef(CD + "locatedIn"),
            rdflib.URIRef(ID + "place/vietnam")) in inferred
    assert INFERRED_IRI in (tmp_path / "inferred.ttl").read_text(encoding="utf-8")


def test_reason_reports_an_inconsistency(sources_copy, tmp_path):
    require("java", "HermiT runs on Java")
    path = sources_copy / "curated" / "001-online-conference-strategy-2030.yaml"
    text = path.read_text(encoding="utf-8").replace(
        '{id: le_thanh_do, kind: Person,', '{id: le_thanh_do, kind: Person, also: [Ministry],')
    path.write_text(text, encoding="utf-8")
    cdkg.build(sources_copy, tmp_path / "b")  # the shapes allow it; the ontology does not
    result = subprocess.run([sys.executable, "-m", "cdkg.cli", "reason", "--build", str(tmp_path / "b")],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 1
    assert "inconsistent" in result.stderr and "Traceback" not in result.stderr
