"""The ontology: OWL 2 DL hygiene that Protégé needs, labels in both languages, and HermiT."""

from __future__ import annotations

import pytest
import rdflib
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from cdkg.ontology import CD, ONTOLOGY_IRI, ontology_path
from tests.conftest import require

DECL = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, OWL.NamedIndividual)
BUILTIN = (str(RDF), str(RDFS), str(OWL), "http://www.w3.org/2001/XMLSchema#")


@pytest.fixture(scope="module")
def onto() -> rdflib.Graph:
    return rdflib.Graph().parse(ontology_path(), format="turtle")


def declared(g: rdflib.Graph) -> dict[rdflib.URIRef, set[rdflib.URIRef]]:
    out: dict[rdflib.URIRef, set[rdflib.URIRef]] = {}
    for kind in DECL:
        for s in g.subjects(RDF.type, kind):
            if isinstance(s, rdflib.URIRef):
                out.setdefault(s, set()).add(kind)
    return out


def test_header_has_version_licence_and_titles(onto):
    o = rdflib.URIRef(ONTOLOGY_IRI)
    assert (o, RDF.type, OWL.Ontology) in onto
    assert onto.value(o, OWL.versionIRI) is not None
    assert onto.value(o, rdflib.DCTERMS.license) is not None
    langs = {t.language for t in onto.objects(o, rdflib.DCTERMS.title)}
    assert {"vi", "en"} <= langs


def test_every_class_and_property_has_labels_in_both_languages_and_a_definition(onto):
    missing = []
    for term, kinds in declared(onto).items():
        if not kinds & {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty} and not str(term).startswith(CD):
            continue  # reused annotation properties (rdfs:label...) are described by their own vocabularies
        langs = {lab.language for lab in onto.objects(term, RDFS.label)}
        if not {"vi", "en"} <= langs or onto.value(term, SKOS.definition) is None:
            missing.append(str(term))
    assert missing == []


def test_no_undeclared_terms(onto):
    decl = declared(onto)
    used = set()
    for s, p, o in onto:
        used.add(p)
        if p in (RDFS.subClassOf, RDFS.domain, RDFS.range, RDFS.subPropertyOf) or (p == RDF.type and o not in DECL):
            if isinstance(o, rdflib.URIRef):
                used.add(o)
    undeclared = sorted(str(t) for t in used if t not in decl and not str(t).startswith(BUILTIN))
    assert undeclared == []


def test_no_punning(onto):
    entity_kinds = {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty}
    punned = {str(t): sorted(k.fragment for k in kinds) for t, kinds in declared(onto).items()
              if len(kinds & entity_kinds) > 1 or (OWL.NamedIndividual in kinds and kinds & entity_kinds)}
    assert punned == {}


def test_data_uses_only_declared_terms(onto, store):
    decl = declared(onto)
    allowed_builtin = {str(RDF.type), str(RDFS.label), str(RDFS.comment)}
    not_ontology = f"FILTER(?g != <{ONTOLOGY_IRI}>)"
    rows = store.query(f"SELECT DISTINCT ?p WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {not_ontology} }}")
    undeclared = sorted(r["p"].value for r in rows
                        if r["p"].value not in allowed_builtin and rdflib.URIRef(r["p"].value) not in decl)
    assert undeclared == []
    classes = store.query(f"SELECT DISTINCT ?c WHERE {{ GRAPH ?g {{ ?s a ?c }} {not_ontology} }}")
    assert sorted(r["c"].value for r in classes if (rdflib.URIRef(r["c"].value), RDF.type, OWL.Class) not in onto) == []


def test_owlready2_loads_it_and_hermit_finds_it_consistent(onto, tmp_path):
    require("java", "HermiT runs on Java")
    import owlready2

    nt = tmp_path / "cdkg.nt"
    onto.serialize(nt, format="nt", encoding="utf-8")
    world = owlready2.World()
    loaded = world.get_ontology(nt.as_uri()).load()
    assert loaded.search_one(iri=CD + "Strategy") is not None
    assert len(list(loaded.classes())) >= 50
    with loaded:
        owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
    assert list(world.inconsistent_classes()) == []
    # A reasoner that ran must have classified: cd:Ministry is an org:Organization.
    ministry = loaded.search_one(iri=CD + "Ministry")
    assert "http://www.w3.org/ns/org#Organization" in {c.iri for c in ministry.ancestors()}


def test_hermit_detects_an_inconsistency(onto, tmp_path):
    """The consistency check can fail: a thing that is both a person and an organisation."""
    require("java", "HermiT runs on Java")
    import owlready2

    g = rdflib.Graph()
    g += onto
    bad = rdflib.URIRef("https://w3id.org/cdkg/id/person/bad")
    g.add((bad, RDF.type, OWL.NamedIndividual))
    g.add((bad, RDF.type, rdflib.URIRef("http://xmlns.com/foaf/0.1/Person")))
    g.add((bad, RDF.type, rdflib.URIRef(CD + "Ministry")))
    nt = tmp_path / "bad.nt"
    g.serialize(nt, format="nt", encoding="utf-8")
    world = owlready2.World()
    loaded = world.get_ontology(nt.as_uri()).load()
    with pytest.raises(owlready2.OwlReadyInconsistentOntologyError):
        with loaded:
            owlready2.sync_reasoner_hermit(world, debug=0)
