"""Releases researchers can cite (issue 16 §3): canonical N-Quads with a stable hash, RO-Crate and
DCAT/VoID metadata, CITATION.cff, versions that move together, and `cdkg diff` between releases."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
import yaml

import cdkg
from cdkg.errors import UsageError
from cdkg.kg.datadiff import diff, read_side, render
from cdkg.kg.publisher import CRATE, NQUADS, RELEASE_FILES, citation_cff, versions

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = rdflib.Namespace("http://schema.org/")
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
CFF_SCHEMA = Path(__file__).parent / "data" / "cff-1.2.0-schema.json"  # from cffconvert 2.0.0 (CC BY 4.0)

# The fact the diff test removes from a copy of the sources, and the source that states it.
FILE = "002-diplomatic-conference-32-public-diplomacy.yaml"
FACT_LINE = "      - [ev_dc32_session_cultural_diplomacy, chair, nguyen_minh_vu]\n"


def run_cdkg(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cdkg.cli", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=120, env={"COLUMNS": "120", "PATH": "/usr/bin:/bin"})


@pytest.fixture(scope="module")
def released(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("release") / "release"
    cdkg.release(out, build=built, date="2026-12-02")
    return out


# -- versions ---------------------------------------------------------------------------------

def test_package_dataset_and_ontology_versions_agree():
    from importlib.metadata import version

    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    v = versions()
    assert version("cdkg") == declared == v.package, "reinstall after changing pyproject's version"
    import cdkg

    assert cdkg.__version__ == declared
    assert v.ontology_info == declared, "ontology/cdkg.ttl owl:versionInfo"
    assert v.ontology_iri == f"https://w3id.org/cdkg/ontology/{declared}", "ontology/cdkg.ttl owl:versionIRI"
    assert v.agree
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["version"] == declared and all(r["version"] == declared for r in cff["references"])
    assert (ROOT / "CITATION.cff").read_text(encoding="utf-8") == citation_cff(declared), \
        "CITATION.cff is written by cdkg.kg.publisher.citation_cff: regenerate it"


def test_release_says_its_version_and_sources(built: Path, released: Path):
    crate = json.loads((released / CRATE).read_text(encoding="utf-8"))
    root = next(e for e in crate["@graph"] if e["@id"] == "./")
    assert root["version"] == versions().package
    assert root["conformsTo"] == {"@id": versions().ontology_iri}
    cited = {c["@id"] for c in root["citation"]}
    works = {e["@id"]: e for e in crate["@graph"] if e["@id"] in cited}
    assert works.keys() == cited
    ids = {w["identifier"] for w in works.values()}
    assert ids == {s.source for s in cdkg.stats(built).sources}, "every source the release holds, by its id"
    assert works["https://w3id.org/cdkg/id/source/002-diplomatic-conference-32-public-diplomacy"]["url"] \
        == "https://baoquocte.vn/day-manh-ngoai-giao-cong-chung-trong-ky-nguyen-so-254233.html"
    assert all(w["name"] and w["url"].startswith("http") for w in works.values()), "every source has title and URL"


# -- canonical N-Quads ------------------------------------------------------------------------

def test_two_builds_of_the_same_sources_give_the_same_bytes_and_hash(built: Path, released: Path, sources_copy,
                                                                     tmp_path: Path):
    again = tmp_path / "again"
    cdkg.build(sources_copy, again)  # another build, from another folder holding the same sources
    second = cdkg.release(tmp_path / "release", build=again, date="2026-12-02")
    first = (released / NQUADS).read_bytes()
    assert (second.out / NQUADS).read_bytes() == first
    digest = hashlib.sha256(first).hexdigest()
    assert second.sha256 == digest
    assert (released / f"{NQUADS}.sha256").read_text() == f"{digest}  {NQUADS}\n"  # sha256sum -c reads it
    assert all((second.out / f).read_bytes() == (released / f).read_bytes() for f in RELEASE_FILES), \
        "with the same date, the whole release is byte-identical"


def test_canonical_nquads_are_sorted_distinct_and_hold_the_data(built: Path, released: Path):
    lines = (released / NQUADS).read_bytes().decode("utf-8").splitlines()
    assert lines == sorted(set(lines))
    quads = list(ox.parse(path=str(released / NQUADS), format=ox.RdfFormat.N_QUADS))
    assert len(quads) == cdkg.stats(built).quads
    assert not any(q.graph_name.value == "https://w3id.org/cdkg/ontology" for q in quads), "data only"


def test_canonical_form_relabels_blank_nodes():
    from cdkg.kg.publisher import canonical_nquads

    p, g = ox.NamedNode("http://example.org/p"), ox.NamedNode("http://example.org/g")
    one = canonical_nquads([ox.Quad(ox.BlankNode("x"), p, ox.Literal("a"), g)])
    two = canonical_nquads([ox.Quad(ox.BlankNode("y"), p, ox.Literal("a"), g)])
    assert one == two == b'_:c14n0 <http://example.org/p> "a" <http://example.org/g> .\n'


# -- metadata ---------------------------------------------------------------------------------

#: The RO-Crate 1.1 context (https://w3id.org/ro/crate/1.1/context) maps each term to schema.org,
#: "File" to schema:MediaObject and conformsTo to Dublin Core; the tests run offline, so rdflib is
#: given those mappings for the terms a release uses instead of fetching the context.
_RO_CRATE_TERMS = ["Dataset", "CreativeWork", "Organization", "about", "name", "description", "version",
                   "datePublished", "license", "creator", "publisher", "keywords", "inLanguage", "hasPart",
                   "citation", "identifier", "encodingFormat", "contentSize", "url", "additionalType"]
RO_CRATE_CONTEXT = {**{t: f"http://schema.org/{t}" for t in _RO_CRATE_TERMS},
                    "File": "http://schema.org/MediaObject", "conformsTo": "http://purl.org/dc/terms/conformsTo"}


def test_ro_crate_metadata_parses_as_json_ld_and_names_every_file(released: Path, monkeypatch):
    import rdflib.plugins.shared.jsonld.context as jsonld_context

    def offline(url, *args, **kwargs):
        assert url == "https://w3id.org/ro/crate/1.1/context", url
        return {"@context": RO_CRATE_CONTEXT}, None

    monkeypatch.setattr(jsonld_context, "source_to_json", offline)
    text = (released / CRATE).read_text(encoding="utf-8")
    crate = json.loads(text)
    used = {k for e in crate["@graph"] for k in e if not k.startswith("@")}
    assert used <= set(RO_CRATE_CONTEXT) | {"sha256"}, "every term is one the RO-Crate context defines"

    base = released.resolve().as_uri() + "/"
    g = rdflib.Graph().parse(data=text, format="json-ld", publicID=base)
    root = rdflib.URIRef(base)
    assert (rdflib.URIRef(base + CRATE), rdflib.URIRef("http://purl.org/dc/terms/conformsTo"),
            rdflib.URIRef("https://w3id.org/ro/crate/1.1")) in g
    assert (rdflib.URIRef(base + CRATE), SCHEMA.about, root) in g
    assert (root, rdflib.RDF.type, SCHEMA.Dataset) in g
    assert (root, SCHEMA.license, rdflib.URIRef("https://creativecommons.org/licenses/by/4.0/")) in g
    assert str(g.value(root, SCHEMA.version)) == versions().package
    assert str(g.value(root, SCHEMA.datePublished)) == "2026-12-02"
    creator = g.value(root, SCHEMA.creator)
    assert str(g.value(creator, SCHEMA.name)) == "cdkg contributors"
    parts = {str(o).removeprefix(base) for o in g.objects(root, SCHEMA.hasPart)}
    on_disk = {p.name for p in released.iterdir()}
    assert parts == on_disk - {CRATE}, "hasPart names every file shipped (the metadata file describes them)"
    for name in parts:
        part = rdflib.URIRef(base + name)
        assert (part, rdflib.RDF.type, SCHEMA.MediaObject) in g
        assert int(g.value(part, SCHEMA.contentSize)) == (released / name).stat().st_size
        assert str(g.value(part, SCHEMA.sha256)) == hashlib.sha256((released / name).read_bytes()).hexdigest()
        assert g.value(part, SCHEMA.license) is not None
    assert len(list(g.objects(root, SCHEMA.citation))) > 100, "the sources, as cited works"


def test_void_description_counts_the_data_and_describes_each_file(built: Path, released: Path):
    base = released.resolve().as_uri() + "/"
    g = rdflib.Graph().parse(released / "void.ttl", format="turtle", publicID=base + "void.ttl")
    ds = g.value(None, rdflib.RDF.type, VOID.Dataset)
    assert (ds, rdflib.RDF.type, DCAT.Dataset) in g
    s = cdkg.stats(built)
    assert int(g.value(ds, VOID.triples)) == s.triples and int(g.value(ds, VOID.entities)) == s.entities
    vocabularies = {str(v) for v in g.objects(ds, VOID.vocabulary)}
    assert {"http://www.w3.org/ns/prov#", "https://w3id.org/cdkg/ontology#",
            "http://www.w3.org/ns/org#"} <= vocabularies
    sizes = {str(d).removeprefix(base): int(g.value(d, DCAT.byteSize)) for d in g.objects(ds, DCAT.distribution)}
    assert sizes == {n: (released / n).stat().st_size for n in RELEASE_FILES if n not in ("void.ttl", CRATE)}
    assert all(g.value(rdflib.URIRef(base + n), DCAT.mediaType) for n in sizes)


def test_citation_cff_validates_against_the_cff_1_2_schema(released: Path):
    import jsonschema

    schema = json.loads(CFF_SCHEMA.read_text(encoding="utf-8"))
    assert schema["$id"] == "https://citation-file-format.github.io/1.2.0/schema.json"
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
    for path in (ROOT / "CITATION.cff", released / "CITATION.cff"):
        cff = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert not list(validator.iter_errors(cff)), path
        assert cff["type"] == "software" and cff["references"][0]["type"] == "data"
        assert cff["license"] == "MIT" and cff["references"][0]["license"] == "CC-BY-4.0"
    assert list(validator.iter_errors({**cff, "license": "CC BY 4.0"})), "the check can fail"


def test_cffconvert_validates_citation_cff_when_installed():
    if subprocess.run([sys.executable, "-c", "import cffconvert"], capture_output=True).returncode:
        pytest.skip("cffconvert is not installed (it pins jsonschema<4); the schema test above checks the same")
    result = subprocess.run([sys.executable, "-m", "cffconvert", "--validate", "-i", str(ROOT / "CITATION.cff")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


# -- the release command ----------------------------------------------------------------------

def test_release_command_writes_the_files_and_never_into_a_foreign_folder(built: Path, tmp_path: Path):
    result = run_cdkg("release", "--output", "rel", "--build", str(built), "--date", "2026-12-02", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "rel").iterdir()) == sorted(RELEASE_FILES)
    assert "sha256 " in result.stdout
    again = run_cdkg("release", "--output", "rel", "--build", str(built), "--date", "2026-12-02", cwd=tmp_path)
    assert again.returncode == 0, "an earlier release is replaced file by file"

    foreign = tmp_path / "notes"
    foreign.mkdir()
    (foreign / "mine.txt").write_text("keep me")
    refused = run_cdkg("release", "--output", "notes", "--build", str(built), cwd=tmp_path)
    assert refused.returncode == 2 and "mine.txt" in refused.stderr and "Traceback" not in refused.stderr
    assert [p.name for p in foreign.iterdir()] == ["mine.txt"]
    nothing = run_cdkg("release", "--output", "r2", "--build", "missing", cwd=tmp_path)
    assert nothing.returncode == 2 and "cdkg build" in nothing.stderr and not (tmp_path / "r2").exists()
    with pytest.raises(UsageError):
        cdkg.release(tmp_path / "r3", build=built, date="2 December")


def test_a_build_without_its_report_is_counted_from_its_store(built: Path, released: Path, tmp_path: Path):
    import shutil

    copy = tmp_path / "build"
    shutil.copytree(built, copy)
    (copy / "report.json").unlink()
    again = cdkg.release(tmp_path / "release", build=copy, date="2026-12-02")
    assert all((again.out / f).read_bytes() == (released / f).read_bytes() for f in RELEASE_FILES)


# -- diff -------------------------------------------------------------------------------------

def test_removing_one_fact_makes_diff_report_exactly_that_fact(built: Path, released: Path, sources_copy,
                                                               tmp_path: Path):
    curated = sources_copy / "curated" / FILE
    text = curated.read_text(encoding="utf-8")
    assert text.count(FACT_LINE) == 1
    curated.write_text(text.replace(FACT_LINE, ""), encoding="utf-8")
    cdkg.build(sources_copy, tmp_path / "less")

    result = run_cdkg("diff", str(built), str(tmp_path / "less"), "--format", "json")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["summary"] == {"added": 0, "removed": 1, "changed": 0, "evidence changed": 0}
    [change] = report["changes"]
    assert (change["kind"], change["subject"], change["predicate"], change["object"]) == \
        ("removed", "event:ev_dc32_session_cultural_diplomacy", "cd:chair", "person:nguyen_minh_vu")
    source = FILE.removesuffix(".yaml")
    assert change["sources"] == [source]
    [evidence] = change["evidence"]
    assert evidence["source"] == source and evidence["kind"] == "quote"
    assert "Trợ lý Bộ trưởng Nguyễn Minh Vũ chủ trì" in evidence["text"]
    assert report["by_source"] == {source: {"event:ev_dc32_session_cultural_diplomacy": [0]}}
    assert report["by_entity"] == {"event:ev_dc32_session_cultural_diplomacy": [0]}

    markdown = run_cdkg("diff", str(built), str(tmp_path / "less"))
    assert markdown.returncode == 1
    assert "1 removed" in markdown.stdout and f"### {source}" in markdown.stdout
    assert "**removed** `cd:chair` person:nguyen_minh_vu" in markdown.stdout

    # Between releases, and between a release and a build, the diff is the same.
    cdkg.release(tmp_path / "less-release", build=tmp_path / "less", date="2026-12-02")
    between = diff(released, tmp_path / "less-release")
    assert [(c.kind, c.subject, c.predicate, c.object) for c in between.changes] == \
        [("removed", "event:ev_dc32_session_cultural_diplomacy", "cd:chair", "person:nguyen_minh_vu")]
    assert between.old.version == versions().package
    assert not diff(built, released).changed


def test_diff_of_the_same_build_exits_0_and_errors_exit_2(built: Path, released: Path, tmp_path: Path):
    same = run_cdkg("diff", str(built), str(built))
    assert same.returncode == 0, same.stderr
    assert "No facts were added, removed or changed." in same.stdout
    written = run_cdkg("diff", str(released), str(built), "--output", str(tmp_path / "CHANGELOG-data.md"))
    assert written.returncode == 0 and (tmp_path / "CHANGELOG-data.md").read_text().startswith("# Data changes")
    for args in ([str(built), str(tmp_path / "missing")], [str(tmp_path), str(built)]):
        bad = run_cdkg("diff", *args)
        assert bad.returncode == 2 and "neither a build" in bad.stderr and "Traceback" not in bad.stderr


_OLD = """
@prefix cd: <https://w3id.org/cdkg/ontology#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix id: <https://w3id.org/cdkg/id/> .
<https://w3id.org/cdkg/id/evidence/s/1> {
  <https://w3id.org/cdkg/id/event/e> cd:date "2023-12-17" ; cd:heldAt <https://w3id.org/cdkg/id/place/ha_noi> .
  <https://w3id.org/cdkg/id/event/e> cd:attendee <https://w3id.org/cdkg/id/person/a> .
}
<https://w3id.org/cdkg/id/entities/s> {
  <https://w3id.org/cdkg/id/event/e> <http://www.w3.org/2000/01/rdf-schema#label> "Meeting"@en, "Hội nghị"@vi .
}
<https://w3id.org/cdkg/id/provenance> {
  <https://w3id.org/cdkg/id/entities/s> prov:wasDerivedFrom <https://w3id.org/cdkg/id/source/s> .
  <https://w3id.org/cdkg/id/evidence/s/1> prov:wasQuotedFrom <https://w3id.org/cdkg/id/source/s> ;
      prov:value "QUOTE" ; cd:locator "para. 1" .
  <https://w3id.org/cdkg/id/source/s> dcterms:title "S" .
}
"""


def test_changed_means_one_value_replaced_by_another_and_evidence_changes_are_reported(tmp_path: Path):
    new = (_OLD.replace('"2023-12-17"', '"2023-12-18"')
           .replace("cd:attendee <https://w3id.org/cdkg/id/person/a>",
                    "cd:attendee <https://w3id.org/cdkg/id/person/a>, <https://w3id.org/cdkg/id/person/b>")
           .replace('"QUOTE"', '"QUOTE, corrected"').replace('"Meeting"@en', '"Annual meeting"@en'))
    (tmp_path / "old.trig").write_text(_OLD)
    (tmp_path / "new.trig").write_text(new)
    result = diff(tmp_path / "old.trig", tmp_path / "new.trig")
    got = {(c.kind, c.predicate, c.old_object, c.object) for c in result.changes}
    assert ("changed", "cd:date", '"2023-12-17"', '"2023-12-18"') in got
    assert ("added", "cd:attendee", "", "person:b") in got, "a second value is an addition, not a change"
    assert ("evidence changed", "cd:heldAt", "", "place:ha_noi") in got
    assert ("changed", "rdfs:label", '"Meeting"@en', '"Annual meeting"@en') in got, "a label, per language"
    assert not any(c.kind == "removed" for c in result.changes)
    changed = next(c for c in result.changes if c.kind == "changed")
    assert changed.old_evidence[0].text == "QUOTE" and changed.evidence[0].text == "QUOTE, corrected"
    assert "2023-12-17" in render(result) and json.loads(render(result, "json"))["changed"] is True
    old_side = read_side(tmp_path / "old.trig")
    assert len(old_side.facts) == 6  # 3 facts, 2 labels and the source's title
    [label_evidence] = old_side.facts[('<https://w3id.org/cdkg/id/event/e>',
                                       '<http://www.w3.org/2000/01/rdf-schema#label>', '"Meeting"@en')]
    assert (label_evidence.source, label_evidence.kind) == ("s", "entity record")
