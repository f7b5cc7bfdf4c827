"""The cdkg ontology: namespaces, the path of ``cdkg.ttl`` and a small view of its terms.

``cdkg.ttl`` (OWL 2 DL, Turtle) is the source of truth.  The loaders ask :func:`vocabulary`
which classes and properties exist, what kind each property is (object, date, integer,
boolean, plain string) and which IRI segment individuals of a class get, so that adding a
term to the ontology is all it takes to use it in a curated source.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

ONTOLOGY_IRI = "https://w3id.org/cdkg/ontology"
CD = ONTOLOGY_IRI + "#"
ID = "https://w3id.org/cdkg/id/"
PROVENANCE_GRAPH = ID + "provenance"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
ORG = "http://www.w3.org/ns/org#"
PROV = "http://www.w3.org/ns/prov#"
ELI = "http://data.europa.eu/eli/ontology#"

PREFIXES: dict[str, str] = {
    "cd": CD,
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "foaf": FOAF,
    "org": ORG,
    "prov": PROV,
    "eli": ELI,
    "cdid": ID,
}

#: Prefixes tried, in order, for a bare class name in a curated file ("Person" → foaf:Person).
BARE_CLASS_PREFIXES = ("cd", "foaf", "org")

#: Properties whose curated values are dates written as the source writes them ("26/5").
DATE_PROPERTIES = frozenset(
    CD + name for name in ("date", "expectedDate", "effectiveDate", "attestedOn", "periodStart", "periodEnd")
) | {ELI + "date_document"}


def output_prefixes() -> dict[str, str]:
    """Prefixes for readable output: the vocabularies plus one per kind of individual
    (``person:ha_kim_ngoc`` for ``https://w3id.org/cdkg/id/person/ha_kim_ngoc``)."""
    segments = sorted(set(vocabulary().segments.values()) | {"entities"})
    out = {k: v for k, v in PREFIXES.items() if k != "cdid"}
    out.update({seg: f"{ID}{seg}/" for seg in segments})
    return out


def short_id(iri: str) -> str:
    """An individual's curated id (``ha_kim_ngoc``), or the CURIE of any other IRI."""
    return iri.rsplit("/", 1)[-1] if iri.startswith(ID) else shorten(iri)


def natural_key(iri: str) -> list[str | int]:
    """Sort key that puts .../evidence/x/2 before .../evidence/x/10."""
    import re

    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", iri)]


def ontology_path() -> Path:
    """Path of ``cdkg.ttl`` inside the installed package."""
    return Path(str(resources.files(__package__) / "cdkg.ttl"))


def expand(curie: str) -> str:
    """``cd:Ministry`` → full IRI; raises ``KeyError`` for an unknown prefix."""
    prefix, _, local = curie.partition(":")
    return PREFIXES[prefix] + local


def shorten(iri: str) -> str:
    """Full IRI → CURIE where a known prefix matches, else the IRI itself."""
    best = ""
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(ns) > len(PREFIXES.get(best, "")):
            best = prefix
    return f"{best}:{iri[len(PREFIXES[best]):]}" if best else iri


@dataclass(frozen=True)
class Vocabulary:
    """What the loaders need to know of the ontology."""

    classes: frozenset[str]
    object_properties: frozenset[str]
    datatype_properties: dict[str, str]  # IRI → value kind: date|integer|boolean|string
    individuals: frozenset[str]
    segments: dict[str, str] = field(default_factory=dict)  # class IRI → IRI segment
    labels: dict[str, dict[str, str]] = field(default_factory=dict)  # IRI → {lang: label}
    superclasses: dict[str, frozenset[str]] = field(default_factory=dict)  # class IRI → direct superclasses
    definitions: dict[str, str] = field(default_factory=dict)  # IRI → skos:definition

    def segment(self, cls: str) -> str | None:
        """The IRI segment of individuals of ``cls`` (inherited from a superclass)."""
        return self.segments.get(cls)


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    """Read ``cdkg.ttl`` once and return its terms."""
    import pyoxigraph as ox

    triples = list(ox.parse(path=str(ontology_path()), format=ox.RdfFormat.TURTLE))
    types: dict[str, set[str]] = {}
    supers: dict[str, set[str]] = {}
    ranges: dict[str, str] = {}
    own_segment: dict[str, str] = {}
    labels: dict[str, dict[str, str]] = {}
    definitions: dict[str, str] = {}
    for t in triples:
        s, p, o = t.subject, t.predicate.value, t.object
        if not isinstance(s, ox.NamedNode):
            continue
        if p == RDF + "type" and isinstance(o, ox.NamedNode):
            types.setdefault(s.value, set()).add(o.value)
        elif p == RDFS + "subClassOf" and isinstance(o, ox.NamedNode):
            supers.setdefault(s.value, set()).add(o.value)
        elif p == RDFS + "range" and isinstance(o, ox.NamedNode):
            ranges[s.value] = o.value
        elif p == CD + "idSegment":
            own_segment[s.value] = o.value
        elif p == RDFS + "label" and isinstance(o, ox.Literal) and o.language:
            labels.setdefault(s.value, {})[o.language] = o.value
        elif p == SKOS + "definition" and isinstance(o, ox.Literal):
            definitions.setdefault(s.value, o.value)

    classes = frozenset(iri for iri, ts in types.items() if OWL + "Class" in ts)
    object_props = frozenset(iri for iri, ts in types.items() if OWL + "ObjectProperty" in ts)
    datatype_props: dict[str, str] = {}
    for iri, ts in types.items():
        if OWL + "DatatypeProperty" not in ts:
            continue
        if iri in DATE_PROPERTIES:
            datatype_props[iri] = "date"
        else:
            datatype_props[iri] = {XSD + "integer": "integer", XSD + "boolean": "boolean"}.get(
                ranges.get(iri, ""), "string"
            )
    individuals = frozenset(iri for iri, ts in types.items() if OWL + "NamedIndividual" in ts)

    def find_segment(cls: str, seen: frozenset[str] = frozenset()) -> str | None:
        if cls in own_segment:
            return own_segment[cls]
        for sup in sorted(supers.get(cls, ())):
            if sup not in seen:
                found = find_segment(sup, seen | {cls})
                if found:
                    return found
        return None

    segments = {c: seg for c in classes if (seg := find_segment(c))}
    return Vocabulary(classes, object_props, datatype_props, individuals, segments, labels,
                      {c: frozenset(sups) for c, sups in supers.items()}, definitions)
