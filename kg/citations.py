"""Citing the sources behind the graph: ``cdkg cite`` and ``cdkg export --format csl-json|bibtex``.

Every source has a full record in the provenance graph — title, publisher, author, page,
publication date at the precision the page gives, language, the date the curators read it —
and says which of author, publisher and date the page does not show (``cd:unknownField``).
A citation gives what is known and leaves the unknown out: nothing is invented.

* :func:`source_records` — every source as a :class:`SourceRecord`, which renders itself as a
  CSL-JSON item (what Zotero, Mendeley and pandoc import; ``issued`` and ``accessed`` as
  ``date-parts`` at their precision), a BibTeX entry, or an APA-style or plain reference.
* :func:`cite` — the sources and excerpts an entity's facts rest on, or one excerpt (evidence
  id ``000-steering-committee-annual-meeting/1``), or one source (its id).
* :func:`export_sources` — every source as CSL-JSON or BibTeX.

Types: a news report is a newspaper article (CSL ``article-newspaper``, BibTeX ``@article``)
whose container is the publishing site; a legal text or a reference page is a web page (CSL
``webpage``, BibTeX ``@misc``) on the site that publishes it.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pyoxigraph as ox

from cdkg.errors import EntityNotFound, UsageError
from cdkg.kg.sparql import PREFIX_DECL
from cdkg.kg.store import open_store
from cdkg.ontology import CD, DCTERMS, FOAF, ID, PROVENANCE_GRAPH, RDF, XSD, natural_key, short_id

CITATION_FORMATS = ("csl-json", "bibtex")
STYLES = ("apa", "text")
OUTPUTS = ("text", "csl-json", "bibtex")

_SOURCES = PREFIX_DECL + f"""
SELECT ?src ?p ?o WHERE {{
  GRAPH <{PROVENANCE_GRAPH}> {{
    ?src cd:sourceFile ?file ; dcterms:title ?title .
    ?src ?p ?o
  }}
}}
"""

_EVIDENCE = PREFIX_DECL + f"""
SELECT ?g ?kind ?quote ?words ?locator ?src ?inference WHERE {{
  GRAPH <{PROVENANCE_GRAPH}> {{
    {{ ?g a cd:QuotedEvidence ; prov:value ?quote ; prov:wasQuotedFrom ?src . BIND("quoted" AS ?kind) }}
    UNION
    {{ ?g a cd:CitedEvidence ; cd:paraphrase ?words ; prov:wasDerivedFrom ?src .
       OPTIONAL {{ ?g cd:locator ?locator }} BIND("cited" AS ?kind) }}
    OPTIONAL {{ ?g cd:inference ?inference }}
  }}
}}
"""

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


@dataclass
class SourceRecord:
    """A source's bibliographic record.  Dates are ISO 8601 at their precision (``2023-05-26``,
    ``2021-11``, ``2010``); an empty field is one the page does not show (listed in ``unknown``)."""

    id: str
    iri: str
    kind: str  # NewsReport | LegalDocumentText | ReferenceCompilation
    title: str
    publisher: str = ""
    author: str = ""
    issued: str = ""
    url: str = ""
    language: str = ""
    accessed: str = ""
    unknown: list[str] = field(default_factory=list)

    def csl(self) -> dict:
        """The CSL-JSON item (https://citeproc-js.readthedocs.io/en/latest/csl-json/markup.html)."""
        item: dict = {"id": self.id, "type": "article-newspaper" if self.kind == "NewsReport" else "webpage",
                      "title": self.title}
        if self.author:
            item["author"] = [{"literal": self.author}]  # as the page gives it: no name is split or guessed
        if self.publisher:
            item["container-title"] = self.publisher
        if self.issued:
            item["issued"] = {"date-parts": [_date_parts(self.issued)]}
        if self.url:
            item["URL"] = self.url
        if self.accessed:
            item["accessed"] = {"date-parts": [_date_parts(self.accessed)]}
        if self.language:
            item["language"] = self.language
        return item

    def bibtex(self) -> str:
        """A BibTeX entry (UTF-8; ``date`` and ``urldate`` for biblatex, ``year``/``month`` for BibTeX)."""
        entry = "article" if self.kind == "NewsReport" else "misc"
        fields: list[tuple[str, str]] = [("title", "{" + _tex(self.title) + "}")]
        if self.author:
            fields.append(("author", "{" + _tex(self.author) + "}"))  # one name, never split
        if self.publisher:
            fields.append(("journal" if entry == "article" else "howpublished", _tex(self.publisher)))
        if self.issued:
            parts = _date_parts(self.issued)
            fields.append(("date", self.issued))
            fields.append(("year", str(parts[0])))
            if len(parts) > 1:
                fields.append(("month", _MONTHS[parts[1] - 1][:3].lower()))
        if self.url:
            fields.append(("url", self.url.replace("{", "%7B").replace("}", "%7D")))  # a verbatim field
        if self.accessed:
            fields.append(("urldate", self.accessed))
        if self.language:
            fields.append(("langid", {"vi": "vietnamese", "en": "english"}.get(self.language, self.language)))
        body = ",\n".join(f"  {k} = {v}" if k == "month" else f"  {k} = {{{v}}}" for k, v in fields)
        return f"@{entry}{{{_bibkey(self.id)},\n{body}\n}}\n"

    def apa(self) -> str:
        """An APA-style (7th edition) reference: Author. (Date). Title. Site. URL"""
        date = f"({_apa_date(self.issued)})" if self.issued else "(n.d.)"
        head = f"{self.author}. {date}." if self.author else f"{self.title}. {date}."
        parts = [head]
        if self.author:
            parts.append(f"{self.title}.")
        if self.publisher:
            parts.append(f"{self.publisher}.")
        if self.url:
            parts.append(self.url)
        return " ".join(parts)

    def text(self) -> str:
        """A plain reference: title — publisher, author, date. URL (read on …)."""
        meta = ", ".join(x for x in (self.publisher, self.author, self.issued) if x)
        tail = f" {self.url}" if self.url else ""
        read = f" (read on {self.accessed})" if self.accessed else ""
        return f"{self.title}" + (f" — {meta}" if meta else "") + "." + tail + read

    def render(self, style: str = "apa") -> str:
        return self.apa() if style == "apa" else self.text()


@dataclass
class EvidenceRef:
    """One excerpt: the source's words (``quoted``), or ours citing it with a locator (``cited``)."""

    id: str  # e.g. 000-steering-committee-annual-meeting/1
    iri: str
    kind: str
    source: str  # the source's id
    quote: str = ""
    paraphrase: str = ""
    locator: str = ""
    inference: str = ""

    def line(self) -> str:
        if self.kind == "quoted":
            text = f"quoted: “{self.quote}”"
        else:
            text = f"cited{f' at {self.locator}' if self.locator else ''} (our words): {self.paraphrase}"
        return f"{self.id} — {text}" + (f" [inference: {self.inference}]" if self.inference else "")


@dataclass
class Citation:
    """What :func:`cite` found: the target, the sources (in id order) and the excerpts."""

    target: str  # IRI of the entity, excerpt or source
    id: str
    label: str
    what: str  # entity | evidence | source
    sources: list[SourceRecord]
    evidence: list[EvidenceRef]
    statements: int = 0  # facts about the entity (for an entity)

    def render(self, style: str = "apa", format: str = "text") -> str:
        """The citation as text (references with their excerpts), CSL-JSON or BibTeX."""
        if format not in OUTPUTS:
            raise UsageError(f"unknown citation format {format!r}; choose one of {', '.join(OUTPUTS)}")
        if style not in STYLES:
            raise UsageError(f"unknown citation style {style!r}; choose one of {', '.join(STYLES)}")
        if format != "text":
            return render_sources(self.sources, format)
        n = len(self.sources)
        if self.what == "entity":
            head = (f"{self.label} ({self.id}): {self.statements} statements rest on {len(self.evidence)} excerpts "
                    f"of {n} source{'s' if n != 1 else ''}")
        elif self.what == "evidence":
            head = f"Excerpt {self.id}"
        else:
            head = f"Source {self.id}"
        lines = [head, ""]
        for src in self.sources:
            lines.append(src.render(style))
            lines += [f"    {ev.line()}" for ev in self.evidence if ev.source == src.id]
            lines.append("")
        return "\n".join(lines).rstrip("\n") + "\n"

    def to_dict(self) -> dict:
        return asdict(self)


def _date_parts(iso: str) -> list[int]:
    return [int(x) for x in iso.split("-") if x]


def _apa_date(iso: str) -> str:
    parts = _date_parts(iso)
    if len(parts) == 1:
        return str(parts[0])
    month = _MONTHS[parts[1] - 1]
    return f"{parts[0]}, {month}" + (f" {parts[2]}" if len(parts) > 2 else "")


_TEX = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "%": r"\%", "&": r"\&", "#": r"\#", "$": r"\$",
        "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


def _tex(text: str) -> str:
    """Text for a BibTeX field: TeX's special characters escaped, whitespace on one line."""
    return "".join(_TEX.get(c, c) for c in " ".join(text.split()))


def _bibkey(source_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9_:.-]", "_", source_id)


def source_records(store: ox.Store) -> dict[str, SourceRecord]:
    """Every source of the graph by IRI, in id order."""
    fields: dict[str, dict[str, list[ox.Literal | ox.NamedNode]]] = {}
    for row in store.query(_SOURCES):
        fields.setdefault(row["src"].value, {}).setdefault(row["p"].value, []).append(row["o"])
    records = {}
    for iri in sorted(fields):
        f = fields[iri]

        def one(prop: str) -> str:
            values = sorted(t.value for t in f.get(prop, []))
            return values[0] if values else ""

        unknown = sorted(t.value for t in f.get(CD + "unknownField", []))
        kinds = sorted(t.value.rsplit("#", 1)[-1] for t in f.get(RDF + "type", []))
        dated = (XSD + "date", XSD + "gYearMonth", XSD + "gYear")  # a publication date always has a year
        issued = [t for t in f.get(DCTERMS + "issued", []) if isinstance(t, ox.Literal) and t.datatype.value in dated]
        record = SourceRecord(
            id=short_id(iri), iri=iri, kind=next((k for k in kinds if k != "Source"), "Source"),
            title=one(DCTERMS + "title"),
            publisher="" if "publisher" in unknown else one(DCTERMS + "publisher"),
            author="" if "author" in unknown else one(DCTERMS + "creator"),
            issued="" if "published" in unknown or not issued else min(t.value for t in issued),
            url=one(FOAF + "page"), language=one(DCTERMS + "language"),
            accessed=one(CD + "retrievedOn"), unknown=unknown,
        )
        records[iri] = record
    return dict(sorted(records.items(), key=lambda kv: kv[1].id))


def render_sources(sources: list[SourceRecord], format: str) -> str:
    """Sources as a CSL-JSON array or as BibTeX entries."""
    if format == "csl-json":
        return json.dumps([s.csl() for s in sources], ensure_ascii=False, indent=2) + "\n"
    if format == "bibtex":
        return "\n".join(s.bibtex() for s in sources)
    raise UsageError(f"unknown citation format {format!r}; choose one of {', '.join(CITATION_FORMATS)}")


def export_sources(format: str = "csl-json", output: Path | str | None = None, *,
                   build: Path | str | None = None) -> bytes | Path:
    """Every source of the built graph as CSL-JSON or BibTeX; written atomically to ``output``
    (its path returned), or returned as bytes."""
    from cdkg.kg.files import write_atomic

    if format not in CITATION_FORMATS:
        raise UsageError(f"unknown citation format {format!r}; choose one of {', '.join(CITATION_FORMATS)}")
    data = render_sources(list(source_records(open_store(build)).values()), format).encode("utf-8")
    return data if output is None else write_atomic(output, data)


def _evidence(store: ox.Store, only: set[str] | None = None) -> dict[str, EvidenceRef]:
    refs = {}
    for row in store.query(_EVIDENCE):
        g = row["g"].value
        if only is not None and g not in only:
            continue

        def text(name: str) -> str:
            return row[name].value if row[name] is not None else ""

        refs[g] = EvidenceRef(id=g.removeprefix(ID + "evidence/"), iri=g, kind=row["kind"].value,
                              source=short_id(row["src"].value), quote=text("quote"), paraphrase=text("words"),
                              locator=text("locator"), inference=text("inference"))
    return refs


def cite(target: str, build: Path | str | None = None, lang: str = "en") -> Citation:
    """The sources behind ``target``: an excerpt (evidence id or IRI), a source (id or IRI), or an
    entity (id, IRI or label, as ``cdkg why`` takes it) — then every source its facts rest on,
    with the excerpts stating them.  Raises :class:`EntityNotFound` when nothing matches."""
    from cdkg.kg.provenance import why

    store = open_store(build)
    t = target.strip()
    if not t:
        raise UsageError("give an entity (id or label), an evidence id or a source id to cite")
    sources = source_records(store)
    evidence = _evidence(store)
    ev_iri = t if t.startswith(ID) else ID + "evidence/" + t.removeprefix("evidence/")
    if ev_iri in evidence:
        ev = evidence[ev_iri]
        src = [s for s in sources.values() if s.id == ev.source]
        return Citation(ev_iri, ev.id, ev.id, "evidence", src, [ev])
    src_iri = t if t.startswith(ID) else ID + "source/" + t.removeprefix("source/")
    if src_iri in sources:
        src = sources[src_iri]
        return Citation(src_iri, src.id, src.title, "source", [src], [])
    try:
        result = why(t, build, lang=lang)
    except EntityNotFound as exc:
        raise EntityNotFound(f"{exc} (cdkg cite also takes an evidence id such as "
                             "000-steering-committee-annual-meeting/1, or a source id)") from None
    graphs = {st.evidence for st in result.statements}
    refs = sorted((evidence[g] for g in graphs if g in evidence), key=lambda e: natural_key(e.iri))
    used = {st.source for st in result.statements}
    return Citation(result.entity, result.id, result.label, "entity",
                    [s for iri, s in sources.items() if iri in used], refs, len(result.statements))


__all__ = ["cite", "Citation", "SourceRecord", "EvidenceRef", "source_records", "render_sources", "export_sources",
           "CITATION_FORMATS", "STYLES", "OUTPUTS"]
