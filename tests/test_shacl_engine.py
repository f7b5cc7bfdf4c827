"""The SPARQL-compiled SHACL engine agrees with pySHACL, the reference, on the bundled data,
on broken data, and on a small case for every target, path and constraint component it
supports; shapes it does not implement are refused (naming shape and construct), and
validation then runs pySHACL on the whole file and says so."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from cdkg.kg import shacl
from cdkg.kg.validation import check_corpus, memory_store
from cdkg.loaders import load_corpus

BAD = Path(__file__).parent / "data" / "bad"
SHAPES_DATA = Path(__file__).parent / "data" / "shacl"
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



def test_the_bundled_shapes_run_on_the_fast_engine():
    assert shacl.compile_shapes()  # no ShapesError: nothing delegated
    findings = check_corpus(load_corpus())
    assert not [f for f in findings if f.severity == "note"]


# --- one small case per supported target, path and component, against pySHACL ----------------

PREFIXES = """@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""
# Shared data: two classes (B under A), chains of ex:next, people with labels, typed literals.
DATA = """
ex:B rdfs:subClassOf ex:A .
ex:a1 a ex:A ; ex:p 1 ; ex:next ex:a2 ; ex:label "one"@en , "một"@vi ; ex:code "AB-1" ; ex:kind ex:red .
ex:a2 a ex:A ; ex:p 2 , 3 ; ex:next ex:x1 ; ex:label "two"@en , "deux"@en ; ex:code "ab-22" ; ex:kind ex:blue .
ex:b1 a ex:B ; ex:p "4" ; ex:label "b"@vi ; ex:code _:blank ; ex:kind "red" .
ex:x1 ex:next ex:x2 ; ex:p "x"^^xsd:integer .
ex:x2 ex:p "2020-13-45"^^xsd:date , "2020-05-26"^^xsd:date , "2021"^^xsd:gYear , "20x"^^xsd:gYear , "true"^^xsd:boolean .
ex:c1 a ex:C ; ex:parent ex:a1 .
ex:x3 ex:q "2021-02-30"^^xsd:date , "TRUE"^^xsd:boolean , "1.0"^^xsd:integer , "2021-02-28T10:00:00"^^xsd:dateTime ,
    "2021-02-28"^^xsd:dateTime , "25:00:00"^^xsd:time , "10:00:00"^^xsd:time , "1.5"^^xsd:decimal , "x"^^xsd:decimal ,
    "1e3"^^xsd:double , "x"^^xsd:float , "INF"^^xsd:float , "0"^^xsd:boolean , "7"^^xsd:integer , "--05-26"^^xsd:gMonthDay .
"""
CASES = {
    # targets
    "targetClass (with subclasses)": "ex:S a sh:NodeShape ; sh:targetClass ex:A ; sh:property [ sh:path ex:next ; sh:minCount 1 ] .",
    "targetNode (also a node not in the data)": "ex:S a sh:NodeShape ; sh:targetNode ex:a1 , ex:x2 , ex:nowhere ; "
                                                "sh:property [ sh:path ex:next ; sh:minCount 1 ] .",
    "targetSubjectsOf": "ex:S a sh:NodeShape ; sh:targetSubjectsOf ex:next ; sh:property [ sh:path ex:kind ; sh:minCount 1 ] .",
    "targetObjectsOf": "ex:S a sh:NodeShape ; sh:targetObjectsOf ex:next ; sh:property [ sh:path ex:kind ; sh:minCount 1 ] .",
    "implicit class target (rdfs:Class)": "ex:A a sh:NodeShape , rdfs:Class ; sh:property [ sh:path ex:next ; sh:minCount 1 ] .",
    "implicit class target (owl:Class)": "ex:A a sh:NodeShape , owl:Class ; sh:property [ sh:path ex:next ; sh:minCount 1 ] .",
    "implicit class target (a subclass of rdfs:Class)": "ex:Meta rdfs:subClassOf rdfs:Class . ex:A a sh:NodeShape , ex:Meta ; "
                                                        "sh:property [ sh:path ex:next ; sh:minCount 1 ] .",
    "implicit class target, no sh:NodeShape type": "ex:A a rdfs:Class ; sh:property [ sh:path ex:next ; sh:minCount 1 ] .",
    "property shape with a target of its own": "ex:S a sh:PropertyShape ; sh:targetClass ex:A ; sh:path ex:p ; sh:maxCount 1 .",
    "node-level constraints": "ex:S a sh:NodeShape ; sh:targetSubjectsOf ex:p ; sh:class ex:A ; sh:nodeKind sh:IRI ; "
                              "sh:pattern \"a[0-9]\" .",
    # paths
    "sequence path": "ex:S a sh:NodeShape ; sh:targetClass ex:A ; sh:property [ sh:path ( ex:next ex:next ) ; sh:class ex:A ] .",
    "inverse path": "ex:S a sh:NodeShape ; sh:targetClass ex:A ; sh:property [ sh:path [ sh:inversePath ex:parent ] ; sh:minCount 1 ] .",
    "zeroOrMore path": "ex:S a sh:NodeShape ; sh:targetNode ex:a1 ; sh:property [ sh:path [ sh:zeroOrMorePath ex:next ] ; sh:class ex:A ] .",
    "oneOrMore path": "ex:S a sh:NodeShape ; sh:targetNode ex:a1 ; sh:property [ sh:path [ sh:oneOrMorePath ex:next ] ; "
                      "sh:maxCount 2 ] .",
    "zeroOrOne path": "ex:S a sh:NodeShape ; sh:targetClass ex:A ; sh:property [ sh:path [ sh:zeroOrOnePath ex:next ] ; "
                      "sh:class ex:A ] .",
    "alternative path": "ex:S a sh:NodeShape ; sh:targetClass ex:A ; sh:property [ sh:path [ sh:alternativePath ( ex:next ex:kind ) ] ; "
                        "sh:nodeKind sh:IRI ; sh:maxCount 1 ] .",
    "nested paths": "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ( ex:parent [ sh:alternativePath "
                    "( [ sh:oneOrMorePath ex:next ] [ sh:inversePath ex:parent ] ) ] ) ; sh:class ex:A ] .",
    # cardinality and value constraints
    "minCount 2": "ex:S a sh:NodeShape ; sh:targetClass ex:A ; sh:property [ sh:path ex:p ; sh:minCount 2 ] .",
    "maxCount 0, 1, 2": "ex:S a sh:NodeShape ; sh:targetSubjectsOf ex:p ; sh:property [ sh:path ex:next ; sh:maxCount 0 ] , "
                        "[ sh:path ex:label ; sh:maxCount 1 ] , [ sh:path ex:p ; sh:maxCount 2 ] .",
    "class": "ex:S a sh:NodeShape ; sh:targetSubjectsOf ex:next ; sh:property [ sh:path ex:next ; sh:class ex:A ] .",
    "datatype (integer, ill-typed literals too)": "ex:S a sh:NodeShape ; sh:targetSubjectsOf ex:p ; "
                                                  "sh:property [ sh:path ex:p ; sh:datatype xsd:integer ] .",
    "datatype (dates, years, booleans)": "ex:S a sh:NodeShape ; sh:targetNode ex:x2 ; sh:property [ sh:path ex:p ; "
                                         "sh:or ( [ sh:datatype xsd:date ] [ sh:datatype xsd:gYear ] [ sh:datatype xsd:boolean ] ) ] .",
    "datatype (lexical forms)": "ex:S a sh:NodeShape ; sh:targetNode ex:x3 ; sh:property " + " , ".join(
        f"[ sh:path ex:q ; sh:datatype xsd:{t} ]" for t in ("integer", "decimal", "double", "float", "boolean", "date",
                                                            "dateTime", "time", "gMonthDay", "gYearMonth")) + " .",
    "datatype (langString, string, Literal)": "ex:S a sh:NodeShape ; sh:targetClass ex:A ; sh:property [ sh:path ex:label ; "
                                              "sh:datatype rdf:langString ] , [ sh:path ex:code ; sh:datatype xsd:string ] , "
                                              "[ sh:path ex:kind ; sh:datatype rdfs:Literal ] .",
    "nodeKind": "ex:S a sh:NodeShape ; sh:targetClass ex:A ; sh:property [ sh:path ex:kind ; sh:nodeKind sh:Literal ] , "
                "[ sh:path ex:code ; sh:nodeKind sh:BlankNodeOrLiteral ] , [ sh:path ex:next ; sh:nodeKind sh:BlankNodeOrIRI ] .",
    "pattern with flags": "ex:S a sh:NodeShape ; sh:targetClass ex:A ; sh:property [ sh:path ex:code ; sh:pattern \"^ab-[0-9]+$\" ; "
                          "sh:flags \"i\" ] , [ sh:path ex:kind ; sh:pattern \"red$\" ] .",
    "minLength, maxLength": "ex:S a sh:NodeShape ; sh:targetClass ex:A ; sh:property [ sh:path ex:code ; sh:minLength 5 ] , "
                            "[ sh:path ex:label ; sh:maxLength 3 ] .",
    "languageIn": "ex:S a sh:NodeShape ; sh:targetClass ex:A ; sh:property [ sh:path ex:label ; sh:languageIn ( \"en\" ) ] .",
    "uniqueLang": "ex:S a sh:NodeShape ; sh:targetClass ex:A ; sh:property [ sh:path ex:label ; sh:uniqueLang true ] .",
    "in": "ex:S a sh:NodeShape ; sh:targetClass ex:A ; sh:property [ sh:path ex:kind ; sh:in ( ex:red \"red\" ) ] , "
          "[ sh:path ex:p ; sh:in ( 1 2 ) ] .",
    "hasValue (property and node)": "ex:S a sh:NodeShape ; sh:targetClass ex:A ; sh:property [ sh:path ex:kind ; sh:hasValue ex:red ] . "
                                    "ex:T a sh:NodeShape ; sh:targetSubjectsOf ex:kind ; sh:hasValue ex:a1 .",
    "not, and, or, xone": "ex:S a sh:NodeShape ; sh:targetClass ex:A ; sh:property [ sh:path ex:label ; "
                          "sh:not [ sh:languageIn ( \"vi\" ) ] ] , [ sh:path ex:kind ; sh:and ( [ sh:nodeKind sh:IRI ] "
                          "[ sh:in ( ex:red ) ] ) ] , [ sh:path ex:p ; sh:or ( [ sh:datatype xsd:integer ] [ sh:in ( \"4\" ) ] ) ] , "
                          "[ sh:path ex:label ; sh:xone ( [ sh:languageIn ( \"en\" ) ] [ sh:pattern \"^t\" ] ) ] .",
    "node": "ex:Red a sh:NodeShape ; sh:in ( ex:red ) . ex:S a sh:NodeShape ; sh:targetClass ex:A ; "
            "sh:property [ sh:path ex:kind ; sh:node ex:Red ] .",
    "qualifiedValueShape min and max": "ex:S a sh:NodeShape ; sh:targetClass ex:A ; sh:property [ sh:path ex:label ; "
                                       "sh:qualifiedValueShape [ sh:languageIn ( \"en\" ) ] ; sh:qualifiedMinCount 1 ; "
                                       "sh:qualifiedMaxCount 1 ] .",
    "severity, message, deactivated": "ex:S a sh:NodeShape ; sh:targetClass ex:A ; sh:property [ sh:path ex:next ; sh:minCount 1 ; "
                                      "sh:severity sh:Warning ; sh:message \"no next\" ] , [ sh:path ex:p ; sh:maxCount 1 ; "
                                      "sh:severity sh:Info ] , [ sh:path ex:kind ; sh:minCount 5 ; sh:deactivated true ] . "
                                      "ex:T a sh:NodeShape ; sh:targetClass ex:A ; sh:deactivated true ; "
                                      "sh:property [ sh:path ex:p ; sh:minCount 9 ] . "
                                      "ex:U sh:targetClass ex:A ; sh:deactivated 1 ; sh:property [ sh:path ex:p ; sh:minCount 9 ] .",
}


def sparql_path(g, node) -> str:
    """A SHACL path in rdflib as the fast engine writes it (SPARQL syntax)."""
    import rdflib
    from rdflib.collection import Collection

    sh = rdflib.Namespace(shacl.SH)
    if isinstance(node, rdflib.URIRef):
        return f"<{node}>"
    if (node, rdflib.RDF.first, None) in g:
        return "(" + "/".join(sparql_path(g, s) for s in Collection(g, node)) + ")"
    if (alt := g.value(node, sh.alternativePath)) is not None:
        return "(" + "|".join(sparql_path(g, s) for s in Collection(g, alt)) + ")"
    for kind, form in (("inversePath", "(^{})"), ("zeroOrMorePath", "({}*)"), ("oneOrMorePath", "({}+)"),
                       ("zeroOrOnePath", "({}?)")):
        if (inner := g.value(node, sh[kind])) is not None:
            return form.format(sparql_path(g, inner))
    raise AssertionError(f"unexpected path {node}")


def reference(shapes: str, data: str) -> set[tuple]:
    """pySHACL's results as (focus, path, component, severity, value)."""
    import pyshacl
    import rdflib

    sh = rdflib.Namespace(shacl.SH)
    _, report, _ = pyshacl.validate(rdflib.Graph().parse(data=data, format="turtle"),
                                    shacl_graph=rdflib.Graph().parse(data=shapes, format="turtle"),
                                    inference="none", allow_warnings=True)
    out = set()
    for r in report.subjects(rdflib.RDF.type, sh.ValidationResult):
        if (None, sh.detail, r) in report:  # the nested result behind an sh:node one, not a result of its own
            continue
        path = report.value(r, sh.resultPath)
        severity = "warning" if report.value(r, sh.resultSeverity) in (sh.Warning, sh.Info) else "violation"
        value = report.value(r, sh.value)
        out.add((str(report.value(r, sh.focusNode)), sparql_path(report, path) if path is not None else None,
                 str(report.value(r, sh.sourceConstraintComponent)).rsplit("#", 1)[-1], severity,
                 _shown(value.n3()) if value is not None else None))
    return out


def fast(shapes: str, data: str, tmp_path: Path) -> set[tuple]:
    (tmp_path / "shapes.ttl").write_text(shapes, encoding="utf-8")
    checks = shacl.compile_shapes(str(tmp_path / "shapes.ttl"))
    store = ox.Store()
    store.load(data.encode(), format=ox.RdfFormat.TURTLE)
    return {(r.focus, r.path_text, r.component, r.severity, _shown(r.value)) for r in shacl.run(store, checks)}


def _shown(term: str | None) -> str | None:
    """A value node as both engines can show it: blank node ids differ, and rdflib writes literals
    in its normal form ("1e3"^^xsd:double as "1000.0")."""
    from rdflib.util import from_n3

    if term is None or term.startswith("<"):
        return term
    return "_:blank" if term.startswith("_:") else from_n3(term).n3()


@pytest.mark.parametrize("case", CASES)
def test_same_results_as_pyshacl(case, tmp_path):
    shapes, data = PREFIXES + CASES[case], PREFIXES + DATA
    expected = reference(shapes, data)
    assert expected, "each case is written to find something"
    assert fast(shapes, data, tmp_path) == expected



# --- what the fast engine does not implement is refused, naming shape and construct -----------

UNSUPPORTED = {
    "sh:sparql": ("ex:S a sh:NodeShape ; sh:targetClass ex:A ; sh:sparql [ a sh:SPARQLConstraint ; "
                  "sh:select \"SELECT $this WHERE { }\" ] .", "sparql"),
    "sh:closed": ("ex:S a sh:NodeShape ; sh:targetClass ex:A ; sh:closed true .", "closed"),
    "sh:equals": ("ex:S a sh:NodeShape ; sh:targetClass ex:A ; sh:property [ sh:path ex:p ; sh:equals ex:q ] .", "equals"),
    "sh:datatype of a type the lexical forms of which are not checked": (
        "ex:S a sh:NodeShape ; sh:targetClass ex:A ; sh:property [ sh:path ex:p ; sh:datatype xsd:int ] .", "XMLSchema#int>"),
    "a pattern SPARQL cannot compile": ("ex:S a sh:NodeShape ; sh:targetClass ex:A ; sh:property [ sh:path ex:code ; "
                                        "sh:pattern \"(?=a)b\" ] .", "sh:pattern"),
    "sh:minInclusive": ("ex:S a sh:NodeShape ; sh:targetClass ex:A ; sh:property [ sh:path ex:p ; sh:minInclusive 2 ] .",
                        "minInclusive"),
    "sh:target (SPARQL target)": ("ex:S a sh:NodeShape ; sh:target [ a sh:SPARQLTarget ; sh:select \"SELECT ?this {}\" ] ; "
                                  "sh:property [ sh:path ex:p ; sh:minCount 1 ] .", "sh:target"),
    "disjoint qualified shapes": ("ex:S a sh:NodeShape ; sh:targetClass ex:A ; sh:property [ sh:path ex:p ; "
                                  "sh:qualifiedValueShape [ sh:datatype xsd:integer ] ; sh:qualifiedMinCount 1 ; "
                                  "sh:qualifiedValueShapesDisjoint true ] .", "qualifiedValueShapesDisjoint"),
    "qualified shape with a property": ("ex:S a sh:NodeShape ; sh:targetClass ex:A ; sh:property [ sh:path ex:next ; "
                                       "sh:qualifiedValueShape [ sh:property [ sh:path ex:p ; sh:minCount 1 ] ] ; "
                                       "sh:qualifiedMinCount 1 ] .", "sh:property inside"),
    "sh:or over property shapes": ("ex:S a sh:NodeShape ; sh:targetClass ex:A ; sh:or ( [ sh:path ex:p ; sh:minCount 1 ] "
                                   "[ sh:path ex:q ; sh:minCount 1 ] ) .", "sh:path inside"),
    "a blank-node path of two forms": ("ex:S a sh:NodeShape ; sh:targetClass ex:A ; sh:property [ sh:path [ sh:inversePath ex:p ; "
                                       "sh:zeroOrMorePath ex:q ] ; sh:minCount 1 ] .", "path"),
    "a one-member sequence path": ("ex:S a sh:NodeShape ; sh:targetClass ex:A ; sh:property [ sh:path ( ex:p ) ; sh:minCount 1 ] .",
                                   "sequence"),
    "a property shape inside a property shape": ("ex:S a sh:NodeShape ; sh:targetClass ex:A ; sh:property [ sh:path ex:next ; "
                                                 "sh:property [ sh:path ex:p ; sh:minCount 1 ] ] .", "sh:property"),
    "a targetNode shape using sh:lessThan": ("ex:S a sh:NodeShape ; sh:targetNode ex:a1 ; sh:property [ sh:path ex:p ; "
                                             "sh:lessThan ex:q ] .", "lessThan"),
    "a recursive shape": ("ex:S a sh:NodeShape ; sh:targetClass ex:A ; sh:property [ sh:path ex:next ; sh:node ex:S ] .",
                          "sh:property inside"),
    "a shape without a target using sh:disjoint": ("ex:S a sh:NodeShape ; sh:property [ sh:path ex:p ; sh:disjoint ex:q ] .",
                                                   "disjoint"),
    "an orphan SPARQL constraint": ("ex:C a sh:SPARQLConstraint ; sh:select \"SELECT $this {}\" .", "SPARQLConstraint"),
}


@pytest.mark.parametrize("case", UNSUPPORTED)
def test_unsupported_shacl_is_refused_naming_shape_and_construct(case, tmp_path):
    shapes, construct = UNSUPPORTED[case]
    (tmp_path / "shapes.ttl").write_text(PREFIXES + shapes, encoding="utf-8")
    with pytest.raises(shacl.ShapesError) as refused:
        shacl.compile_shapes(str(tmp_path / "shapes.ttl"))
    assert construct in str(refused.value)
    assert "http://example.org/" in str(refused.value) or "blank-node" in str(refused.value)


def test_unsupported_shapes_are_delegated_to_pyshacl_with_a_note(tmp_path):
    """The bundled shapes plus a closed shape: pySHACL runs the whole file, the note says why, and
    the findings are pySHACL's (a person's labels break the closed shape)."""
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(shacl.shapes_path().read_text(encoding="utf-8") + "\n"
                      + (SHAPES_DATA / "closed-person.ttl").read_text(encoding="utf-8"), encoding="utf-8")
    corpus = load_corpus()
    store = memory_store(corpus)
    findings = check_corpus(corpus, store, shapes=shapes)
    [note] = [f for f in findings if f.severity == "note"]
    assert "closed" in note.message and "ClosedPerson" in note.message and "pySHACL" in note.message
    closed = [f for f in findings if f.rule == "shape ClosedPerson"]
    assert closed and all(f.severity == "violation" for f in closed)
    assert [f for f in findings if f is not note] == check_corpus(corpus, store, engine="pyshacl", shapes=shapes)


def test_cdkg_validate_prints_the_note_when_it_delegates(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from cdkg.cli import app

    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(shacl.shapes_path().read_text(encoding="utf-8") + "\n"
                      + (SHAPES_DATA / "closed-person.ttl").read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(shacl, "shapes_path", lambda: shapes)
    result = CliRunner().invoke(app, ["validate", "--no-warnings"])
    assert result.exit_code == 1, result.output  # the closed shape finds violations
    assert "note" in result.output and "sh:closed" in result.output and "pySHACL" in result.output
    assert "shape ClosedPerson" in result.output


def test_a_build_that_delegates_says_so_in_its_output_and_report(tmp_path, monkeypatch):
    """A shape the fast engine does not implement (sh:closed) on a class nothing has: the build
    succeeds on pySHACL, and both its output and report.json carry the note."""
    import json

    from typer.testing import CliRunner

    from cdkg.cli import app

    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(shacl.shapes_path().read_text(encoding="utf-8") + """
@prefix sh: <http://www.w3.org/ns/shacl#> .
<http://example.org/NobodyClosed> a sh:NodeShape ; sh:targetClass <http://example.org/Nobody> ; sh:closed true .
""", encoding="utf-8")
    monkeypatch.setattr(shacl, "shapes_path", lambda: shapes)
    result = CliRunner().invoke(app, ["build", "--out", str(tmp_path / "b")])
    assert result.exit_code == 0, result.output
    assert "note" in result.output and "sh:closed" in result.output and "pySHACL" in result.output
    notes = json.loads((tmp_path / "b" / "report.json").read_text(encoding="utf-8"))["notes"]
    assert len(notes) == 1 and "pySHACL" in notes[0]["message"]
