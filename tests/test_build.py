"""``cdkg.build`` and ``cdkg.export``: the outputs exist, round-trip through rdflib with the same
triples, and a failed build leaves the previous outputs byte for byte as they were."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import rdflib

import cdkg
from cdkg.errors import NotBuiltError, SourceError, UsageError
from cdkg.loaders import default_sources


def triples_of(data: bytes | Path, fmt: str) -> set[tuple]:
    g = rdflib.Dataset() if fmt in ("trig", "nquads", "json-ld") else rdflib.Graph()
    if isinstance(data, Path):
        g.parse(data, format=fmt)
    else:
        g.parse(data=data, format=fmt)
    return {(s, p, o) for s, p, o, *_ in (g.quads() if isinstance(g, rdflib.Dataset) else g)}


def fingerprint(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_build_writes_the_outputs(built):
    for name in ("kg.ttl", "kg.trig", "report.json", "store"):
        assert (built / name).exists(), name
    report = json.loads((built / "report.json").read_text(encoding="utf-8"))
    # one row per source: each curated file's own, and each page its cited evidence rests on
    curated = sorted((default_sources() / "curated").glob("*.yaml"))
    assert {s["file"] for s in report["sources"]} == {f"curated/{p.name}" for p in curated}
    assert len(report["sources"]) >= len(curated)
    assert report["excerpts"] == sum(s["excerpts"] for s in report["sources"]) > 50


def test_kg_ttl_is_readable_turtle_with_prefixes(built):
    head = (built / "kg.ttl").read_text(encoding="utf-8")[:3000]
    assert "@prefix cd: <https://w3id.org/cdkg/ontology#>" in head
    assert "@prefix person: <https://w3id.org/cdkg/id/person/>" in head


def test_turtle_and_trig_hold_the_same_facts(built):
    stats = cdkg.stats(built)
    ttl = triples_of(built / "kg.ttl", "turtle")
    trig = rdflib.Dataset().parse(built / "kg.trig", format="trig")
    quads = list(trig.quads())
    assert len(ttl) == stats.triples
    assert len(quads) == stats.quads
    assert {(s, p, o) for s, p, o, _ in quads} == ttl
    graphs = {str(g) for *_, g in quads}
    assert len(graphs) == stats.graphs
    assert sum(1 for g in graphs if "/evidence/" in g) == stats.excerpts


def test_triple_count_takes_each_data_triple_once_and_no_ontology_triple():
    import pyoxigraph as ox

    from cdkg.kg.statistics import compute_stats
    from cdkg.kg.store import ONTOLOGY_GRAPH

    n = ox.NamedNode
    onto = ox.Triple(n("https://w3id.org/cdkg/ontology#Event"), n("http://www.w3.org/2000/01/rdf-schema#label"),
                     ox.Literal("Event", language="en"))
    fact = ox.Triple(n("https://w3id.org/cdkg/id/event/e"), n("https://w3id.org/cdkg/ontology#date"), ox.Literal("2022"))
    g1, g2 = n("https://w3id.org/cdkg/id/evidence/a/1"), n("https://w3id.org/cdkg/id/evidence/a/2")
    store = ox.Store()
    store.extend([ox.Quad(*onto, ONTOLOGY_GRAPH), ox.Quad(n("urn:x"), n("urn:y"), n("urn:z"), ONTOLOGY_GRAPH),
                  ox.Quad(*fact, g1), ox.Quad(*fact, g2), ox.Quad(*onto, g2)])  # g2 restates an ontology triple
    stats = compute_stats(store)
    assert (stats.triples, stats.quads, stats.graphs) == (2, 3, 2)


@pytest.mark.parametrize(("fmt", "rdflib_fmt"), [("turtle", "turtle"), ("ntriples", "nt"), ("nquads", "nquads"),
                                                 ("trig", "trig"), ("jsonld", "json-ld")])
def test_every_export_format_round_trips(built, fmt, rdflib_fmt):
    expected = triples_of(built / "kg.ttl", "turtle")
    assert triples_of(cdkg.export(fmt, build=built), rdflib_fmt) == expected


def test_export_to_a_file_and_with_the_ontology(built, tmp_path):
    path = cdkg.export("turtle", tmp_path / "out" / "kg.ttl", build=built, with_ontology=True)
    with_onto = triples_of(path, "turtle")
    plain = triples_of(built / "kg.ttl", "turtle")
    assert plain < with_onto
    assert (rdflib.URIRef("https://w3id.org/cdkg/ontology"), rdflib.RDF.type, rdflib.OWL.Ontology) in with_onto


def test_export_errors(built, tmp_path):
    with pytest.raises(UsageError, match="unknown export format 'rdfxml'"):
        cdkg.export("rdfxml", build=built)
    with pytest.raises(NotBuiltError, match="cdkg build"):
        cdkg.export("turtle", build=tmp_path / "nothing-here")


def test_a_failed_build_leaves_the_previous_build_untouched(sources_copy, tmp_path):
    out = tmp_path / "build"
    cdkg.build(sources_copy, out)
    before = fingerprint(out)
    plan = sources_copy / "curated" / "004-thua-thien-hue-plan-173.yaml"
    text = plan.read_text(encoding="utf-8")
    old = "ban hành Kế hoạch số 173/KH-UBND thực hiện"
    line = text[:text.index(old)].count("\n") + 1
    plan.write_text(text.replace(old, "ban hành Kế hoạch số 174/KH-UBND thực hiện", 1), encoding="utf-8")
    with pytest.raises(SourceError) as info:
        cdkg.build(sources_copy, out)
    [problem] = info.value.problems
    assert problem.file == "curated/004-thua-thien-hue-plan-173.yaml" and problem.line == line
    assert "174/KH-UBND" in problem.message
    assert fingerprint(out) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no staging folder left behind


@pytest.mark.parametrize("step", ["load_disk_store", "write_union"])
def test_a_build_whose_background_step_fails_leaves_the_previous_build_untouched(sources_copy, tmp_path,
                                                                                  monkeypatch, step):
    # the on-disk store and kg.ttl are written on threads of their own: their errors must reach
    # the caller, and the staged outputs must go, after the thread has stopped writing
    import cdkg.kg.builder
    out = tmp_path / "build"
    cdkg.build(sources_copy, out)
    before = fingerprint(out)
    real = getattr(cdkg.kg.builder, step)

    def failing(path, target):
        real(path, target)  # write everything, then fail as a full disk would
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cdkg.kg.builder, step, failing)
    with pytest.raises(OSError, match="No space left"):
        cdkg.build(sources_copy, out)
    assert fingerprint(out) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_rebuild_replaces_the_previous_outputs(sources_copy, tmp_path):
    out = tmp_path / "build"
    cdkg.build(sources_copy, out)
    before = len(json.loads((out / "report.json").read_text(encoding="utf-8"))["sources"])
    (sources_copy / "curated" / "900-complex-of-hue-monuments.yaml").unlink()  # its own source and one cited
    result = cdkg.build(sources_copy, out)
    assert len(result.stats.sources) == before - 2
    assert len(json.loads((out / "report.json").read_text(encoding="utf-8"))["sources"]) == before - 2


def test_why_finds_entities_without_accents_and_cites_sources(built):
    result = cdkg.why("HA KIM NGOC", build=built)
    assert result.id == "ha_kim_ngoc"
    chairs = [s for s in result.statements if s.predicate.endswith("#chair")]
    assert chairs and chairs[0].quote.startswith("Ngày 26/5, Thứ trưởng Ngoại giao Hà Kim Ngọc")
    assert chairs[0].title == "Ngoại giao văn hoá: Đổi mới, đột phá về tư duy và hành động"
    plan = cdkg.why("Kế hoạch số 173/KH-UBND thực hiện", build=built)
    dates = [s for s in plan.statements if s.predicate.endswith("date_document")]
    assert dates[0].object_label == "28/4/2022" and "thuathienhue.gov.vn" in dates[0].publisher
    assert dates[0].object == '"2022-04-28"^^<http://www.w3.org/2001/XMLSchema#date>'


def test_why_refuses_ambiguous_and_unknown_names(built):
    with pytest.raises(cdkg.EntityNotFound, match="entities match 'Lê Thị'") as info:
        cdkg.why("Lê Thị", build=built)
    assert "le_thi_thu_hang" in str(info.value) and "le_thi_hong_van" in str(info.value)
    with pytest.raises(cdkg.EntityNotFound, match="no entity matches"):
        cdkg.why("Atlantis", build=built)
