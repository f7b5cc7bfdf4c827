"""The competency questions answer correctly on the bundled graph: every query in the library
has a manifest entry, and each entry's expected rows (written from the articles) match."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
import yaml

import cdkg
from cdkg import queries
from cdkg.errors import UsageError
from cdkg.kg.sparql import LocalBackend
from cdkg.ontology import CD, ID, shorten

MANIFEST = yaml.safe_load((Path(__file__).parent / "queries" / "manifest.yaml").read_text(encoding="utf-8"))


def cell(term) -> str | None:
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        if term.value.startswith(ID):
            return term.value.rsplit("/", 1)[-1]
        return "cd:" + term.value[len(CD):] if term.value.startswith(CD) else shorten(term.value)
    return term.value


def norm(value):
    if value == "":
        return None
    if isinstance(value, str) and "; " in value:
        return tuple(sorted(value.split("; ")))
    return value


def project(result, columns):
    idx = [result.variables.index(c) for c in columns]
    return [tuple(norm(cell(row[i])) for i in idx) for row in result.terms]


def run_entry(entry, backend):
    return queries.run(entry["query"], {k: str(v) for k, v in (entry.get("params") or {}).items()},
                       backend=backend)


def check(entry, result):
    if "count" in entry:
        assert len(result) == entry["count"]
    if "rows" in entry:
        got = project(result, entry["columns"])
        expected = [tuple(norm(v) for v in row) for row in entry["rows"]]
        if entry.get("ordered"):
            assert got == expected
        else:
            assert sorted(got, key=repr) == sorted(expected, key=repr)
            assert len(got) == len(set(got)), "duplicate rows"


@pytest.fixture(scope="module")
def local(seed_store):
    return LocalBackend(store=seed_store)


@pytest.mark.parametrize("entry", MANIFEST, ids=[f"{e['query']}-{i}" for i, e in enumerate(MANIFEST)])
def test_competency_question(entry, local):
    check(entry, run_entry(entry, local))


def test_every_query_has_a_test_and_a_complete_header():
    tested = {e["query"] for e in MANIFEST}
    lib = queries.library()
    assert sorted(lib) == [f"cq{i:02d}" for i in range(1, 18)]
    assert tested == set(lib)
    for q in lib.values():
        assert q.title and q.question.endswith("?") and q.question_vi.endswith("?"), q.name
        assert q.example.startswith(f"cdkg query {q.name}"), q.name
        assert any(p.name == "lang" for p in q.params), q.name


def test_every_query_runs_unparameterised(local):
    for name in queries.library():
        assert len(queries.run(name, backend=local)) > 0, name


def test_labels_follow_the_language(local):
    vi = queries.run("cq06", {"strategy": "strategy_2030"}, lang="vi", backend=local).rows()
    en = queries.run("cq06", {"strategy": "strategy_2030"}, lang="en", backend=local).rows()
    assert [r["locality"] for r in vi][-1] == "Thừa Thiên Huế"
    assert [r["locality"] for r in en][-1] == "Thừa Thiên Huế province"
    assert vi[-1]["date"] == "28/4/2022"  # dates as the source writes them


def test_who_took_part_in_a_partners_link_is_listed_in_the_chosen_language(local):
    # UNESCO: three inscriptions (000, 003, 900), each involving the item inscribed, and the
    # Delegation of Viet Nam accredited to it (003), in which nobody is said to take part.
    for lang, complex_of_hue in (("en", "Complex of Huế Monuments"), ("vi", "Quần thể di tích Cố đô Huế")):
        rows = queries.run("cq09", {"partner": "unesco"}, lang=lang, backend=local).rows()
        assert len(rows) == 4
        assert sorted(r["channel"] for r in rows) == ["inscription by the partner"] * 3 + ["mission accredited to the partner"]
        assert complex_of_hue in {r["involved"] for r in rows}
        assert sum(r["involved"] is None for r in rows) == 1


def test_parameters_are_bound_as_terms_never_pasted(local, tmp_path):
    nasty = '"} ; DROP ALL ; #'
    with pytest.raises(cdkg.EntityNotFound, match="no entity matches"):
        queries.run("cq02", {"event": nasty}, backend=local)
    with pytest.raises(UsageError, match="is not an IRI"):
        queries.run("cq13", {"theme": "cd:X> } DROP ALL {"}, backend=local)
    # A string parameter carries any text as one literal: the query still parses, matches nothing.
    rq = tmp_path / "label.rq"
    rq.write_text("# title: t\n# param: label (string) — a label\n"
                  "SELECT ?e WHERE { VALUES ?label { UNDEF } ?e <http://www.w3.org/2000/01/rdf-schema#label> ?label }\n",
                  encoding="utf-8")
    assert len(queries.run(str(rq), {"label": nasty}, backend=local)) == 0
    assert len(queries.run(str(rq), {"label": "Hà Nội"}, backend=local)) == 0  # labels carry a language tag
    text = queries.registry.bind(queries.get(str(rq)), {"label": ox.Literal(nasty)})
    assert 'VALUES ?label { "\\"} ; DROP ALL ; #" }' in text


def test_updates_and_federation_are_refused_before_anything_runs(local, monkeypatch):
    import socket

    def no_network(*args, **kwargs):
        raise AssertionError("a network connection was attempted")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    for text in ["SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
                 "SELECT * FROM <http://example.org/data.ttl> WHERE { ?s ?p ?o }",
                 "PREFIX x: <http://x/>\nSELECT * WHERE { SERVICE SILENT ?endpoint { ?s ?p ?o } }"]:
        with pytest.raises(UsageError, match="--allow-service"):
            queries.run_sparql(text, backend=local)
    for text in ["DROP ALL", "PREFIX cd: <https://w3id.org/cdkg/ontology#>\nINSERT DATA { cd:a cd:b cd:c }",
                 "# a comment\nDELETE WHERE { ?s ?p ?o }"]:
        with pytest.raises(UsageError, match="read-only"):
            queries.run_sparql(text, backend=local)
    # Keywords inside strings or comments are not clauses.
    ok = queries.run_sparql('SELECT ?x WHERE { BIND("SERVICE <http://x> DROP ALL" AS ?x) } # SERVICE <http://y>',
                            backend=local)
    assert ok.rows() == [{"x": "SERVICE <http://x> DROP ALL"}]
    # A FROM naming one of the graphs of the store is allowed.
    graph = "FROM <https://w3id.org/cdkg/id/provenance>"
    assert queries.run_sparql(f"SELECT (COUNT(*) AS ?n) {graph} WHERE {{ ?s ?p ?o }}", backend=local).rows()


def test_update_is_applied_only_when_asked(sources_copy, tmp_path):
    import cdkg
    cdkg.build(sources_copy, tmp_path / "b")
    ask = "ASK { <https://w3id.org/cdkg/id/x> <https://w3id.org/cdkg/id/y> 1 }"
    insert = "INSERT DATA { GRAPH <https://w3id.org/cdkg/id/notes> { <https://w3id.org/cdkg/id/x> <https://w3id.org/cdkg/id/y> 1 } }"
    assert queries.run_sparql(ask, build=tmp_path / "b") is False
    assert queries.run_sparql(insert, build=tmp_path / "b", allow_update=True) is None
    assert queries.run_sparql(ask, build=tmp_path / "b") is True


# The timeline as data (cq01): a year range on the stated date (else the expected one), ISO dates
# at the source's precision.  These run on the full bundled build, where every precision occurs.

#: Events of ``year`` counted apart from cq01: a date in a graph with no inference, or else an
#: expected date; the year read from the start of the lexical form.
YEAR_EVENTS = """PREFIX cd: <https://w3id.org/cdkg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT DISTINCT ?e WHERE {
  ?e a ?t . ?t rdfs:subClassOf* cd:Event .
  { GRAPH ?g { ?e cd:date ?d } FILTER NOT EXISTS { ?g cd:inference ?x } }
  UNION
  { ?e cd:expectedDate ?d
    FILTER NOT EXISTS { GRAPH ?h { ?e cd:date ?stated } FILTER NOT EXISTS { ?h cd:inference ?y } } }
  FILTER(STRSTARTS(STR(?d), "YEAR"))
}"""


@pytest.fixture(scope="module")
def full(store):
    return LocalBackend(store=store)


def timeline(backend, **params):
    return queries.run("cq01", {k: str(v) for k, v in params.items()}, backend=backend)


def test_a_year_range_gives_exactly_the_events_of_those_years(full):
    rows = timeline(full, **{"from": 2021, "to": 2021}).values()
    counted = {row["e"].value for row in full.query(YEAR_EVENTS.replace("YEAR", "2021"))}
    assert len(counted) >= 3
    assert {r["event"] for r in rows} == counted
    assert all(r["iso_date"].startswith("2021") for r in rows)
    # a day and month with a year only the curators inferred is not placed in 2021
    assert ID + "event/ev_scd_meeting_2021_06_17" not in counted


def test_the_bounds_of_a_year_range_are_included(full):
    def events(**params):
        return sorted((r["event"], r["iso_date"]) for r in timeline(full, **params).values())

    years = {y: events(**{"from": y, "to": y}) for y in (2021, 2022, 2023)}
    assert all(years.values())
    assert events(**{"from": 2021, "to": 2023}) == sorted(years[2021] + years[2022] + years[2023])
    later = timeline(full, **{"from": 2023}).values()
    assert {r["iso_date"][:4] for r in later} >= {"2023", "2025"}
    assert min(r["iso_date"][:4] for r in later) == "2023"
    assert max(r["iso_date"][:4] for r in timeline(full, to=2011).values()) == "2011"
    with pytest.raises(UsageError, match="is not a year"):
        timeline(full, **{"from": "21"})


def test_the_timeline_gives_iso_dates_at_the_sources_precision(full):
    result = timeline(full)
    rows = result.values()
    by_event = {(r["event"].rsplit("/", 1)[-1], r["date"]): r for r in rows}
    for event, iso, precision in [("ev_vn_culture_week_cambodia_2017", "2017-10-04", "day"),
                                  ("ev_national_culture_conference_2021", "2021-11", "month"),
                                  ("inscription_hoang_thanh_thang_long", "2010", "year"),
                                  ("ev_scd_annual_meeting", "--05-26", "day-month")]:
        row = by_event[(event, iso)]
        assert (row["iso_date"], row["precision"]) == (iso, precision)
    # ISO in every output: the display rows (DataFrame) as in CSV and JSON
    display = {r["iso_date"] for r in result.rows()}
    assert {"2017-10-04", "2021-11", "2010", "--05-26"} <= display
    assert "2021-11" in result.serialize("csv") and '"value": "--05-26"' in result.serialize("json")
    # dates with a year in order, then the day-month ones (no year to sit in), then undated events
    placing = [0 if r["iso_date"] and not r["iso_date"].startswith("--") else 1 if r["iso_date"] else 2
               for r in rows]
    assert placing == sorted(placing) and placing.count(1) > 0
    dated = [r["iso_date"] for r in rows if r["iso_date"] and not r["iso_date"].startswith("--")]
    assert dated == sorted(dated) and dated[-1] > "2025"
