"""What a curator may write: the ontology's classes and properties, as a curated file names them.

``terms()`` lists each class (a ``kind:``) and property (the middle of a fact) with its
Vietnamese and English labels and its definition, written the way a curated file writes it:
``Ministry``, ``foaf:Person``; ``chair``, ``eli:passed_by``, ``org:role``.  ``cdkg vocab`` prints it.

>>> any(t.name == "Ministry" and t.label_vi == "bộ" for t in terms("classes"))
True
"""

from __future__ import annotations

from dataclasses import dataclass

from cdkg.ontology import BARE_CLASS_PREFIXES, CD, PREFIXES, shorten, vocabulary


@dataclass(frozen=True)
class Term:
    """One class or property: the name a curated file uses, its kind, labels and definition."""

    name: str
    kind: str  # "class" | "object property" | "date" | "integer" | "boolean" | "string"
    label_vi: str
    label_en: str
    definition: str


def curated_name(iri: str, is_class: bool) -> str:
    """How a curated file writes a term: bare for ``cd:`` (and foaf/org classes), else a CURIE."""
    if is_class:
        for prefix in BARE_CLASS_PREFIXES:
            if iri.startswith(PREFIXES[prefix]) and iri[len(PREFIXES[prefix]):] and \
                    all(PREFIXES[p] + iri[len(PREFIXES[prefix]):] not in vocabulary().classes
                        for p in BARE_CLASS_PREFIXES[:BARE_CLASS_PREFIXES.index(prefix)]):
                return iri[len(PREFIXES[prefix]):]
        return shorten(iri)
    return iri[len(CD):] if iri.startswith(CD) else shorten(iri)


def terms(kind: str = "all") -> list[Term]:
    """The classes a curated file may name (``kind="classes"``), the properties
    (``"properties"``) or both, sorted by name."""
    if kind not in ("all", "classes", "properties"):
        raise ValueError(f"kind is classes, properties or all, not {kind!r}")
    v = vocabulary()
    defs = v.definitions
    out: list[Term] = []
    if kind in ("all", "classes"):
        for iri in v.classes:
            if v.segment(iri):  # a class individuals can have: what `kind:` may say
                labels = v.labels.get(iri, {})
                out.append(Term(curated_name(iri, True), "class", labels.get("vi", ""), labels.get("en", ""),
                                defs.get(iri, "")))
    if kind in ("all", "properties"):
        for iri in [*v.object_properties, *v.datatype_properties]:
            labels = v.labels.get(iri, {})
            what = "object property" if iri in v.object_properties else v.datatype_properties[iri]
            out.append(Term(curated_name(iri, False), what, labels.get("vi", ""), labels.get("en", ""),
                            defs.get(iri, "")))
    return sorted(out, key=lambda t: (t.kind != "class", t.name.lower()))


#: ``kg.vocab(kind)``: the same list, by the name of the command.
vocab = terms
