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
