"""``cdkg why ENTITY``: every statement about an entity, with the evidence behind it — a
verbatim quote of a bundled article (``kind == "quoted"``) or a statement in the curators' words
citing a source, with the source's URL, a locator and who checked it when (``kind == "cited"``) —
and the source's title, publisher and date.

Entities are found by id (``ha_kim_ngoc``), IRI, or label; labels match without regard to
case or Vietnamese accents ("ha kim ngoc", "Hà Kim Ngọc" and "HA KIM NGOC" are the same).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from cdkg.errors import EntityNotFound
from cdkg.kg.sparql import PREFIX_DECL, LocalBackend, label_map, values_block
from cdkg.kg.store import ONTOLOGY_GRAPH, open_store
from cdkg.loaders.dates import format_date
from cdkg.ontology import ID, PREFIXES, PROVENANCE_GRAPH, XSD, natural_key, shorten, vocabulary

_LABELS = PREFIX_DECL + f"""
SELECT ?e ?label WHERE {{
  %(only)s
  {{ GRAPH ?rec {{ ?e rdfs:label|skos:altLabel ?label }} FILTER(STRSTARTS(STR(?rec), "{ID}entities/")) }}
  UNION
  {{ GRAPH <{ONTOLOGY_GRAPH.value}> {{ ?e a owl:NamedIndividual ; rdfs:label ?label }} }}
}}
"""

_STATEMENTS = PREFIX_DECL + f"""
SELECT ?e ?g ?s ?p ?o ?kind ?quote ?words ?locator ?checkedBy ?checkedOn ?src ?title ?publisher ?issued ?page
       ?inference WHERE {{
  {{ GRAPH ?g {{ ?e ?p ?o }} BIND(?e AS ?s) }} UNION {{ GRAPH ?g {{ ?s ?p ?e }} BIND(?e AS ?o) }}
  GRAPH <{PROVENANCE_GRAPH}> {{
    {{ ?g a cd:QuotedEvidence ; prov:value ?quote ; prov:wasQuotedFrom ?src . BIND("quoted" AS ?kind) }}
    UNION
    {{ ?g a cd:CitedEvidence ; cd:paraphrase ?words ; prov:wasDerivedFrom ?src .
       OPTIONAL {{ ?g cd:locator ?locator }} OPTIONAL {{ ?g cd:checkedBy ?checkedBy }}
       OPTIONAL {{ ?g cd:checkedOn ?checkedOn }} BIND("cited" AS ?kind) }}
    OPTIONAL {{ ?g cd:inference ?inference }}
    ?src dcterms:title ?title .
    OPTIONAL {{ ?src dcterms:publisher ?publisher }}
    OPTIONAL {{ ?src dcterms:issued ?issued }}
    OPTIONAL {{ ?src foaf:page ?page }}
  }}
}}
"""

def fold(text: str) -> str:
    """Case- and accent-insensitive form: ``fold("Hà Kim Ngọc") == fold("ha kim ngoc")``."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", text).strip().casefold()


@dataclass
class Statement:
    """One fact about the entity and the excerpt that states it."""

    subject: str
    predicate: str
    object: str
    subject_label: str
    predicate_label: str
    object_label: str
    evidence: str
    #: "quoted" (``quote`` holds the source's own words) or "cited" (``paraphrase`` holds the
    #: curators' words; ``locator``, ``checked_by`` and ``checked_on`` say where and who checked it)
    kind: str
    quote: str
    source: str
    title: str
    publisher: str
    published: str
    inference: str
    paraphrase: str = ""
    url: str = ""  # the source's page
    locator: str = ""
    checked_by: str = ""
    checked_on: str = ""


@dataclass
class WhyResult:
    entity: str  # IRI
    id: str
    label: str
    labels: list[str]
    statements: list[Statement]


def _local_id(iri: str) -> str:
    return iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def find_entity(store: ox.Store, query: str) -> tuple[str, list[str]]:
    """Resolve ``query`` to one entity IRI; returns the IRI and its labels.

    Raises :class:`EntityNotFound` when nothing matches or several entities match equally well.
    """
    q = query.strip()
    # An id, IRI or CURIE is looked up directly (an index lookup); only other text needs every
    # label, folded (seconds on a million-triple graph).
    labels = _labels(store, _id_candidates(q))
    if not labels:
        labels = _labels(store, None)
    fq = fold(q)
    tiers = [
        [iri for iri in labels if q in (iri, _local_id(iri)) or (":" in q and _expand(q) == iri)],
        [iri for iri, ls in labels.items() if any(fold(lab) == fq for lab in ls)],
        [iri for iri, ls in labels.items() if fq and any(fq in fold(lab) for lab in ls)],
    ]
    for matches in tiers:
        if len(matches) == 1:
            return matches[0], labels[matches[0]]
        if len(matches) > 1:
            shown = "\n".join(f"  {_local_id(m):40} {labels[m][0]}" for m in sorted(matches)[:15])
            more = f"\n  ... and {len(matches) - 15} more" if len(matches) > 15 else ""
            raise EntityNotFound(
                f"{len(matches)} entities match {query!r}; give an id or a fuller label:\n{shown}{more}")
    raise EntityNotFound(f"no entity matches {query!r}; find it with `cdkg search {query}` (ids, names and "
                         "evidence, accents and case ignored)")


def _labels(store: ox.Store, only: list[str] | None) -> dict[str, list[str]]:
    """Entity IRI → its labels and alternative names (of the entities in ``only``, else of all)."""
    text = _LABELS % {"only": values_block("e", only) if only is not None else ""}
    labels: dict[str, list[str]] = {}
    for row in store.query(text):
        labels.setdefault(row["e"].value, []).append(row["label"].value)
    return labels


def _id_candidates(q: str) -> list[str]:
    """Every IRI whose local id, CURIE or full form ``q`` could be (entities live under
    ``id/{segment}/{id}``, individuals of the ontology under a vocabulary namespace)."""
    segments = set(vocabulary().segments.values()) | {"entities"}
    out = []
    for iri in (q, _expand(q) if ":" in q else None, *(ns + q for ns in PREFIXES.values()),
                *(f"{ID}{seg}/{q}" for seg in segments)):
        try:
            out.append(ox.NamedNode(iri).value)
        except (TypeError, ValueError):  # not an IRI at all (a label with spaces, say)
            pass
    return sorted(set(out))


def _expand(curie: str) -> str | None:
    prefix, _, local = curie.partition(":")
    return PREFIXES[prefix] + local if prefix in PREFIXES else (f"{ID}{prefix}/{local}" if prefix else None)


def why(entity: str, build: Path | str | None = None, lang: str = "en") -> WhyResult:
    """Every statement about ``entity`` (id, IRI or label), each with its evidence (quoted or
    cited, :attr:`Statement.kind`) and source."""
    store = open_store(build)
    iri, labels = find_entity(store, entity)
    node = ox.NamedNode(iri)
    rows = list(store.query(_STATEMENTS, substitutions={ox.Variable("e"): node}))
    iris = {iri, *(r[v].value for r in rows for v in ("s", "p", "o") if isinstance(r[v], ox.NamedNode))}
    names = label_map(LocalBackend(store=store), iris, lang)

    def label(term: ox.NamedNode | ox.Literal | ox.BlankNode) -> str:
        if isinstance(term, ox.Literal):
            dtype = term.datatype.value
            return format_date(term.value, dtype[len(XSD):]) if dtype.startswith(XSD) else term.value
        return names.get(term.value) or shorten(term.value)

    def text(term: ox.Literal | None) -> str:
        return term.value if term is not None else ""

    statements = [
        Statement(
            subject=r["s"].value, predicate=r["p"].value, object=str(r["o"]) if isinstance(r["o"], ox.Literal) else r["o"].value,
            subject_label=label(r["s"]), predicate_label=label(r["p"]), object_label=label(r["o"]),
            evidence=r["g"].value, kind=r["kind"].value, quote=text(r["quote"]), source=r["src"].value,
            title=r["title"].value, publisher=text(r["publisher"]),
            published=label(r["issued"]) if r["issued"] is not None else "",
            inference=text(r["inference"]),
            paraphrase=text(r["words"]), url=text(r["page"]),
            locator=text(r["locator"]), checked_by=text(r["checkedBy"]),
            checked_on=label(r["checkedOn"]) if r["checkedOn"] is not None else "",
        )
        for r in rows
    ]
    _posts_as_text(store, iri, names.get(iri, labels[0]), statements, lang)
    statements.sort(key=lambda st: (st.source, natural_key(st.evidence), st.predicate_label, st.object_label))
    return WhyResult(iri, _local_id(iri), names.get(iri, labels[0]), labels, statements)


_POSTS = PREFIX_DECL + """
SELECT ?pos ?role ?org ?date WHERE {
  %(positions)s
  OPTIONAL { GRAPH ?g1 { ?pos org:role ?role } }
  OPTIONAL { GRAPH ?g2 { ?pos org:organization ?org } }
  OPTIONAL { GRAPH ?g3 { ?pos cd:attestedOn ?date } }
}
"""
_HOLDS = {"en": ("holds the post", "attested"), "vi": ("giữ chức vụ", "ghi nhận")}


def _posts_as_text(store: ox.Store, person: str, person_label: str, statements: list[Statement],
                   lang: str) -> None:
    """Show a post the person holds as "Hà Kim Ngọc — holds the post — Deputy Minister of Foreign
    Affairs (attested 26/5)" instead of "Position — member — Person": the position's label without
    the person's name (else its role and organisation), and the dates it is attested.  Only the
    labels change; the statement's IRIs stay as stored."""
    member = PREFIXES["org"] + "member"
    held = [st for st in statements if st.predicate == member and st.object == person]
    if not held:
        return
    rows = store.query(_POSTS % {"positions": values_block("pos", {st.subject for st in held})})
    role: dict[str, set[str]] = {}
    org: dict[str, set[str]] = {}
    dates: dict[str, set[ox.Literal]] = {}
    for r in rows:
        pos = r["pos"].value
        if r["role"] is not None:
            role.setdefault(pos, set()).add(r["role"].value)
        if r["org"] is not None:
            org.setdefault(pos, set()).add(r["org"].value)
        if r["date"] is not None:
            dates.setdefault(pos, set()).add(r["date"])
    names = label_map(LocalBackend(store=store), {i for d in (role, org) for v in d.values() for i in v}, lang)
    verb, attested = _HOLDS.get(lang, _HOLDS["en"])
    for st in held:
        post = st.subject_label
        for sep in (", ", " — ", " - "):
            if post.startswith(person_label + sep):
                post = post[len(person_label) + len(sep):]
                break
        else:
            parts = [names.get(i, shorten(i)) for d in (role, org) for i in sorted(d.get(st.subject, ()))]
            post = ", ".join(parts) or post
        when = sorted(dates.get(st.subject, ()), key=lambda d: d.value)
        if when:
            shown = ", ".join(format_date(d.value, d.datatype.value[len(XSD):]) for d in when)
            post += f" ({attested} {shown})"
        st.subject_label, st.predicate_label, st.object_label = person_label, verb, post


__all__ = ["why", "find_entity", "fold", "WhyResult", "Statement"]
