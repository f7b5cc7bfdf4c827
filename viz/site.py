"""``cdkg site``: the graph as a static website that needs no server.

>>> from viz.site import site
>>> site("build", output="site", lang="vi")        # doctest: +SKIP

Two trees of pages, ``DIR/en/`` and ``DIR/vi/`` (interface in English and Vietnamese, a switch
on every page leading to the same page in the other language), and ``DIR/index.html`` opening
the tree of ``lang``:

* ``index.html`` — what the graph holds (sources, entities by kind, counts), links to all below;
* ``e/SEGMENT/ID.html`` — one page per entity: labels, kinds, every statement with its
  evidence (a quote, or the curators' words citing a source, with URL, locator and date) and
  the entities it is linked to; ``entities.html`` lists them all by kind;
* ``s/ID.html`` — one page per source: its bibliographic record and every fact it supports;
* ``timeline.html`` — every dated event in order at its precision, filtered in the page by
  year range, kind, locality, partner and theme (the rows are JSON inside the page);
* ``gaps.html`` — the coordination-gap report, each finding linked to its entities;
* ``search.html`` — labels, ids and evidence text, accents and case ignored, from a prebuilt
  index loaded as scripts (``fetch`` of a local file fails under ``file://``): the entities'
  names with the page, the excerpts' words once those results are shown.

Safety as :mod:`cdkg.viz.html`: every text is escaped, JSON in a page cannot close its element,
scripts and styles are files of the site itself (the pages' Content-Security-Policy allows
nothing else: no inline script, no request outside the folder).  The folder is written whole
beside the target and swapped in; an existing folder is replaced only if it is a site cdkg
made (it holds :data:`SITE_MARKER` and nothing else than a site has).
"""

from __future__ import annotations

import html
import json
import re
import shutil
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cdkg.viz.html import KIND_NAMES, kind_name

SITE_MARKER = ".cdkg-site"
SITE_ENTRIES = frozenset({SITE_MARKER, "index.html", "assets", "en", "vi"})
ASSETS = Path(__file__).with_name("site_assets")
LANGS = ("en", "vi")
#: Neighbours drawn around an entity on its page (all are listed below the drawing).
NEIGHBOURS = 24

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "base-uri 'none'; form-action 'self'")

#: Every interface string, in both languages (tests check the Vietnamese tree holds no English one).
TEXT: dict[str, dict[str, str]] = {
    "en": {
        "home": "Home", "entities": "Entities", "timeline": "Timeline", "gaps": "Coordination gaps",
        "search": "Search", "searchPlaceholder": "Name, id or words of a quote…", "sources": "Sources",
        "switch": "Tiếng Việt", "title": "Cultural Diplomacy Knowledge Graph",
        "holds": "What the graph holds", "triples": "distinct triples", "excerpts": "pieces of evidence",
        "entityCount": "entities", "byKind": "Entities by kind", "sourceList": "Sources of the graph",
        "facts": "facts", "kind": "Kind", "id": "Identifier", "labels": "Labels",
        "statements": "Statements and their evidence", "related": "Linked entities", "quoted": "Quoted",
        "cited": "Cited (the curators' words)", "locator": "where in the source", "published": "published",
        "source": "source", "inference": "Inferred by the curators", "checked": "checked",
        "record": "Bibliographic record", "supports": "Facts this source supports", "titleField": "Title",
        "publisher": "Publisher", "author": "Author", "issued": "Date published", "url": "Web page",
        "language": "Language", "accessed": "Read on", "unknown": "Not shown by the source",
        "citation": "Citation (APA)", "evidenceNo": "Evidence", "noResults": "Nothing matches.",
        "results": "results", "from": "From year", "to": "To year", "all": "all", "locality": "Locality",
        "partner": "Partner", "theme": "Theme", "date": "Date", "event": "Event", "shown": "events shown of",
        "yearNotGiven": "year not given", "yearInferred": "year inferred by the curators", "monthOnly": "month",
        "yearOnly": "year", "expected": "expected", "undated": "undated", "proves": "Proves",
        "notProves": "Does not prove", "findings": "findings", "noFindings": "No findings.",
        "allEntities": "All entities", "open": "Open the site", "coverage": "Coverage",
        "withFacts": "with facts from the sources", "timelineIntro": "Every dated event, earliest first; "
        "dates as precise as the source gives them.", "searchIntro": "Accents and case are ignored.",
        "vi": "Vietnamese", "en": "English", "evidenceHit": "evidence", "noEvidence": "No evidence.",
    },
    "vi": {
        "home": "Trang chủ", "entities": "Thực thể", "timeline": "Dòng thời gian", "gaps": "Khoảng trống phối hợp",
        "search": "Tìm kiếm", "searchPlaceholder": "Tên, mã hoặc từ trong trích dẫn…", "sources": "Nguồn",
        "switch": "English", "title": "Đồ thị tri thức Ngoại giao văn hóa",
        "holds": "Nội dung của đồ thị", "triples": "bộ ba khác nhau", "excerpts": "bằng chứng",
        "entityCount": "thực thể", "byKind": "Thực thể theo loại", "sourceList": "Các nguồn của đồ thị",
        "facts": "dữ kiện", "kind": "Loại", "id": "Mã định danh", "labels": "Nhãn",
        "statements": "Các phát biểu và bằng chứng", "related": "Thực thể liên kết", "quoted": "Trích nguyên văn",
        "cited": "Dẫn nguồn (lời người biên soạn)", "locator": "vị trí trong nguồn", "published": "ngày đăng",
        "source": "nguồn", "inference": "Người biên soạn suy ra", "checked": "kiểm tra",
        "record": "Thông tin thư mục", "supports": "Các dữ kiện nguồn này làm căn cứ", "titleField": "Nhan đề",
        "publisher": "Nơi đăng", "author": "Tác giả", "issued": "Ngày đăng", "url": "Trang web",
        "language": "Ngôn ngữ", "accessed": "Ngày đọc", "unknown": "Nguồn không ghi",
        "citation": "Trích dẫn (APA)", "evidenceNo": "Bằng chứng", "noResults": "Không có kết quả.",
        "results": "kết quả", "from": "Từ năm", "to": "Đến năm", "all": "tất cả", "locality": "Địa phương",
        "partner": "Đối tác", "theme": "Chủ đề", "date": "Ngày", "event": "Sự kiện", "shown": "sự kiện hiển thị trên",
        "yearNotGiven": "nguồn không ghi năm", "yearInferred": "năm do người biên soạn suy ra", "monthOnly": "tháng",
        "yearOnly": "năm", "expected": "dự kiến", "undated": "không rõ ngày", "proves": "Chứng minh",
        "notProves": "Không chứng minh", "findings": "phát hiện", "noFindings": "Không có phát hiện.",
        "allEntities": "Tất cả thực thể", "open": "Mở trang", "coverage": "Độ bao phủ",
        "withFacts": "có dữ kiện từ nguồn", "timelineIntro": "Mọi sự kiện có ngày, sớm nhất trước; "
        "ngày tháng chính xác như nguồn cho biết.", "searchIntro": "Không phân biệt dấu và chữ hoa.",
        "vi": "Tiếng Việt", "en": "Tiếng Anh", "evidenceHit": "bằng chứng", "noEvidence": "Không có bằng chứng.",
    },
}



def _kind_name(kind: str, lang: str) -> str:
    return kind_name(kind, lang)


def e(text: Any) -> str:
    """Text made safe for HTML content and attribute values."""
    return html.escape(str(text), quote=True)


# --------------------------------------------------------------------------------------- data


@dataclass
class Ent:
    iri: str
    path: str  # page path inside a language tree, e.g. "e/person/ha_kim_ngoc.html"
    kind: str
    labels: dict[str, str] = field(default_factory=dict)
    alts: set[str] = field(default_factory=set)
    classes: set[str] = field(default_factory=set)

    def label(self, lang: str) -> str:
        other = "vi" if lang == "en" else "en"
        return self.labels.get(lang) or self.labels.get(other) or next(iter(self.labels.values()), "") \
            or self.iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1]


@dataclass
class Ev:
    iri: str
    kind: str  # "quoted" | "cited"
    text: str
    source: str  # IRI
    locator: str = ""
    inference: str = ""
    checked_by: str = ""
    checked_on: str = ""
    facts: list[tuple[str, str, Any]] = field(default_factory=list)  # (s, p, o) with o an IRI str or Literal


_EVIDENCE = """
SELECT ?g ?kind ?text ?src ?locator ?inference ?checkedBy ?checkedOn WHERE {
  GRAPH <%(prov)s> {
    { ?g a cd:QuotedEvidence ; prov:value ?text ; prov:wasQuotedFrom ?src . BIND("quoted" AS ?kind) }
    UNION
    { ?g a cd:CitedEvidence ; cd:paraphrase ?text ; prov:wasDerivedFrom ?src . BIND("cited" AS ?kind)
      OPTIONAL { ?g cd:locator ?locator } OPTIONAL { ?g cd:checkedBy ?checkedBy }
      OPTIONAL { ?g cd:checkedOn ?checkedOn } }
    OPTIONAL { ?g cd:inference ?inference }
  }
}
"""

_ALTS = """
SELECT ?e ?alt WHERE { GRAPH ?rec { ?e skos:altLabel ?alt } FILTER(STRSTARTS(STR(?rec), "%(id)sentities/")) }
"""


@dataclass
class SiteData:
    entities: dict[str, Ent]
    evidence: dict[str, Ev]
    sources: dict[str, Any]  # IRI → kg.citations.SourceRecord
    source_paths: dict[str, str]
    facts_of: dict[str, list[tuple[str, str, Any, list[str]]]]  # entity → (s, p, o, evidence IRIs)
    stats: Any
    prop_labels: dict[str, dict[str, str]]


def _safe_part(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", text)[:120] or "_"


def _load(backend: Any) -> SiteData:
    import pyoxigraph as ox

    from cdkg.kg.citations import source_records
    from cdkg.kg.sparql import PREFIX_DECL
    from cdkg.ontology import ID, PROVENANCE_GRAPH, shorten, vocabulary
    from cdkg.viz.graphdata import ENTITIES, FACTS, INDIVIDUAL_LABELS, KIND_OF_SEGMENT, literal_text

    vocab = vocabulary()
    entities: dict[str, Ent] = {}
    used_paths: set[str] = set()

    def path_for(iri: str, prefix: str) -> str:
        rest = iri[len(ID):] if iri.startswith(ID) else shorten(iri).replace(":", "/", 1)
        if prefix == "s":
            rest = rest.removeprefix("source/")
        parts = [_safe_part(p) for p in rest.split("/") if p] or ["_"]
        base = f"{prefix}/" + "/".join(parts)
        path, n = base + ".html", 1
        while path.casefold() in used_paths:  # two ids that differ only by unsafe characters or case
            n += 1
            path = f"{base}-{n}.html"
        used_paths.add(path.casefold())
        return path

    for row in backend.query(ENTITIES):
        iri, cls = row["e"].value, row["class"].value
        ent = entities.get(iri)
        if ent is None:
            ent = entities[iri] = Ent(iri, path_for(iri, "e"), KIND_OF_SEGMENT.get(vocab.segment(cls) or "", "other"))
        ent.classes.add(cls)
        label = row["label"]
        if label is not None:
            ent.labels.setdefault(label.language or "", label.value)
    for row in backend.query(PREFIX_DECL + _ALTS % {"id": ID}):
        if row["e"].value in entities:
            entities[row["e"].value].alts.add(row["alt"].value)
    individuals: dict[str, Ent] = {}
    for row in backend.query(INDIVIDUAL_LABELS):
        iri, cls = row["e"].value, row["class"].value
        if iri in entities:
            continue
        ent = individuals.get(iri)
        if ent is None:
            ent = individuals[iri] = Ent(iri, "", "theme" if cls.endswith("#Theme") else "other")
        ent.classes.add(cls)
        ent.labels.setdefault(row["label"].language or "", row["label"].value)

    evidence: dict[str, Ev] = {}
    for row in backend.query(PREFIX_DECL + _EVIDENCE % {"prov": PROVENANCE_GRAPH}):
        def text(var: str) -> str:
            t = row[var]
            return t.value if t is not None else ""
        evidence[row["g"].value] = Ev(row["g"].value, row["kind"].value, row["text"].value, row["src"].value,
                                      text("locator"), text("inference"), text("checkedBy"),
                                      literal_text(row["checkedOn"]) if row["checkedOn"] is not None else "")
    grouped: dict[tuple[str, str, Any], list[str]] = {}
    for row in backend.query(FACTS):
        s, p, o, g = row["s"], row["p"].value, row["o"], row["g"].value
        if not isinstance(s, ox.NamedNode):
            continue
        obj: Any = o if isinstance(o, ox.Literal) else o.value
        if isinstance(o, ox.NamedNode) and o.value not in entities and o.value in individuals:
            ind = entities[o.value] = individuals.pop(o.value)
            ind.path = path_for(o.value, "e")
        grouped.setdefault((s.value, p, obj), []).append(g)
        if g in evidence:
            evidence[g].facts.append((s.value, p, obj))
    facts_of: dict[str, list[tuple[str, str, Any, list[str]]]] = defaultdict(list)
    for (s, p, o), gs in grouped.items():
        fact = (s, p, o, gs)
        if s in entities:
            facts_of[s].append(fact)
        if isinstance(o, str) and o in entities and o != s:
            facts_of[o].append(fact)
    records = source_records(backend.store) if hasattr(backend, "store") else {}
    source_paths = {iri: path_for(iri, "s") for iri in records}
    stats = _stats(backend)
    return SiteData(entities, evidence, records, source_paths, dict(facts_of), stats, vocab.labels)


def _stats(backend: Any) -> Any:
    """The build's counts: from its report.json when it has one (a build writes them), else
    counted in the store (seconds on a large graph)."""
    from types import SimpleNamespace

    from cdkg.kg.statistics import compute_stats
    from cdkg.kg.store import store_path

    try:
        report = json.loads((store_path(backend.build).parent / "report.json").read_text(encoding="utf-8"))
        return SimpleNamespace(triples=int(report["triples"]),
                               sources=[SimpleNamespace(source=x["source"], facts=int(x["facts"]))
                                        for x in report["sources"]])
    except (OSError, ValueError, KeyError, TypeError):
        return compute_stats(backend.store)


# --------------------------------------------------------------------------------------- pages


class Tree:
    """The pages of one language: links, labels and the page frame."""

    def __init__(self, data: SiteData, lang: str):
        self.d, self.lang, self.t = data, lang, TEXT[lang]
        self.other = "vi" if lang == "en" else "en"

    def prop(self, p: str) -> str:
        from cdkg.ontology import RDF, shorten

        if p == RDF + "type":
            return self.t["kind"].lower()
        ls = self.d.prop_labels.get(p, {})
        return ls.get(self.lang) or ls.get(self.other) or shorten(p)

    def cls(self, c: str) -> str:
        from cdkg.ontology import shorten

        ls = self.d.prop_labels.get(c, {})
        return ls.get(self.lang) or ls.get(self.other) or shorten(c)

    def term(self, o: Any, root: str) -> str:
        """An object of a fact as HTML: a link to its page, a class name, or a value."""
        if not isinstance(o, str):
            from cdkg.viz.graphdata import literal_text

            return e(literal_text(o))
        ent = self.d.entities.get(o)
        if ent is not None and ent.path:
            return f'<a href="{e(root + ent.path)}">{e(ent.label(self.lang))}</a>'
        if o in self.d.prop_labels:
            return e(self.cls(o))
        from cdkg.ontology import shorten

        return e(shorten(o))

    def evidence_html(self, g: str, root: str) -> str:
        ev = self.d.evidence.get(g)
        if ev is None:
            return ""
        t = self.t
        if ev.kind == "quoted":
            body = f'<blockquote class="quote">“{e(ev.text)}”</blockquote>'
            head = t["quoted"]
        else:
            body = f'<blockquote class="quote cited">{e(ev.text)}</blockquote>'
            head = t["cited"]
        rec = self.d.sources.get(ev.source)
        meta = []
        if rec is not None:
            meta.append(f'{e(t["source"])}: <a class="src" href="{e(root + self.d.source_paths[ev.source])}">'
                        f'{e(rec.title)}</a>')
            if rec.publisher:
                meta.append(e(rec.publisher))
            if rec.issued:
                meta.append(f'{e(t["published"])} {e(rec.issued)}')
            if rec.url:
                meta.append(f'<a class="ext" rel="noopener noreferrer" href="{e(rec.url)}">{e(rec.url)}</a>')
        if ev.locator:
            meta.append(f'{e(t["locator"])}: {e(ev.locator)}')
        if ev.checked_by or ev.checked_on:
            meta.append(f'{e(t["checked"])}: {e(" ".join(x for x in (ev.checked_by, ev.checked_on) if x))}')
        inf = f'<div class="inference">{e(t["inference"])}: {e(ev.inference)}</div>' if ev.inference else ""
        return (f'<div class="evidence {e(ev.kind)}"><span class="evkind">{e(head)}</span>{body}'
                f'<div class="meta">{" · ".join(meta)}</div>{inf}</div>')

    def frame(self, rel: str, title: str, body: str, *, page: str, scripts: tuple[str, ...] = (),
              data: Any = None) -> str:
        from cdkg.viz.html import script_json

        depth = rel.count("/")
        root = "../" * depth
        assets = root + "../assets/"
        t = self.t
        nav = "".join(f'<a href="{e(root + href)}">{e(t[key])}</a>' for key, href in (
            ("home", "index.html"), ("entities", "entities.html"), ("timeline", "timeline.html"),
            ("gaps", "gaps.html")))
        switch = f'{root}../{self.other}/{rel}'
        js = "".join(f'<script src="{e(assets + s)}"></script>' for s in scripts)
        payload = (f'<script id="cdkg-data" type="application/json">{script_json(data)}</script>'
                   if data is not None else "")
        return f"""<!DOCTYPE html>
<html lang="{self.lang}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>{e(title)} — cdkg</title>
<link rel="stylesheet" href="{e(assets)}site.css">
</head>
<body data-page="{e(page)}">
<header><nav>{nav}
<form class="find" action="{e(root)}search.html" method="get"><input name="q" type="search" \
placeholder="{e(t['searchPlaceholder'])}" aria-label="{e(t['search'])}">\
<button type="submit">{e(t['search'])}</button></form>
<a class="lang-switch" hreflang="{self.other}" lang="{self.other}" href="{e(switch)}">{e(t['switch'])}</a>\
</nav></header>
<main>
<h1>{e(title)}</h1>
{body}
</main>
{payload}<script id="cdkg-text" type="application/json">{script_json(t)}</script>
<script src="{e(assets)}site.js"></script>{js}
</body>
</html>
"""

    # ---- pages

    def home(self) -> str:
        t, d, lang = self.t, self.d, self.lang
        kinds: dict[str, int] = defaultdict(int)
        for ent in d.entities.values():
            kinds[ent.kind] += 1
        with_facts = sum(1 for iri in d.entities if d.facts_of.get(iri))
        parts = [f'<section><h2>{e(t["holds"])}</h2><ul class="counts">']
        if d.stats is not None:
            parts.append(f'<li><b>{d.stats.triples}</b> {e(t["triples"])}</li>')
        parts.append(f'<li><b>{len(d.entities)}</b> {e(t["entityCount"])} '
                     f'({with_facts} {e(t["withFacts"])})</li>'
                     f'<li><b>{len(d.evidence)}</b> {e(t["excerpts"])}</li>'
                     f'<li><b>{len(d.sources)}</b> {e(t["sources"]).lower()}</li></ul>'
                     f'<p class="links"><a href="timeline.html">{e(t["timeline"])}</a> · '
                     f'<a href="gaps.html">{e(t["gaps"])}</a> · <a href="search.html">{e(t["search"])}</a> · '
                     f'<a href="entities.html">{e(t["allEntities"])}</a></p></section>')
        parts.append(f'<section><h2>{e(t["byKind"])}</h2><table class="kinds">')
        for kind in KIND_NAMES:
            if kinds.get(kind):
                parts.append(f'<tr><td><a href="entities-{e(kind)}.html">{e(_kind_name(kind, lang))}</a></td>'
                             f'<td class="n">{kinds[kind]}</td></tr>')
        parts.append('</table></section>')
        facts = {s.source: s.facts for s in d.stats.sources} if d.stats is not None else {}
        parts.append(f'<section><h2>{e(t["sourceList"])}</h2><table class="sources">')
        for iri, rec in d.sources.items():
            parts.append(f'<tr><td><a href="{e(d.source_paths[iri])}">{e(rec.title)}</a></td>'
                         f'<td>{e(rec.publisher)}</td><td>{e(rec.issued)}</td>'
                         f'<td class="n">{facts.get(rec.id, 0)} {e(t["facts"])}</td></tr>')
        parts.append('</table></section>')
        return self.frame("index.html", t["title"], "".join(parts), page="home")

    def entity_groups(self) -> dict[str, list[Ent]]:
        """The entities of each kind (in :data:`KIND_NAMES`' order), sorted by label."""
        groups: dict[str, list[Ent]] = defaultdict(list)
        for ent in self.d.entities.values():
            groups[ent.kind].append(ent)
        return {kind: sorted(groups[kind], key=lambda x: (x.label(self.lang).casefold(), x.iri))
                for kind in KIND_NAMES if kind in groups}

    def entity_list(self) -> str:
        """``entities.html``: the kinds with their counts, each a page of its own
        (``entities-KIND.html``), so that no page lists every entity of a large graph."""
        parts = ['<table class="kinds">']
        for kind, items in self.entity_groups().items():
            parts.append(f'<tr><td><a href="entities-{e(kind)}.html">{e(_kind_name(kind, self.lang))}</a></td>'
                         f'<td class="n">{len(items)}</td></tr>')
        parts.append("</table>")
        return self.frame("entities.html", self.t["allEntities"], "".join(parts), page="entities")

    def entity_kind_page(self, kind: str, items: list[Ent]) -> str:
        name = _kind_name(kind, self.lang)
        parts = [f'<p><a href="entities.html">{e(self.t["allEntities"])}</a></p>'
                 f'<section id="{e(kind)}"><h2>{e(name)} ({len(items)})</h2><ul>']
        parts += [f'<li><a href="{e(x.path)}">{e(x.label(self.lang))}</a></li>' for x in items]
        parts.append("</ul></section>")
        return self.frame(f"entities-{kind}.html", name, "".join(parts), page="entities")

    def entity(self, ent: Ent) -> str:
        from cdkg.ontology import short_id

        t, lang = self.t, self.lang
        root = "../" * ent.path.count("/")
        classes = ", ".join(sorted(self.cls(c) for c in ent.classes if not c.endswith("#NamedIndividual")))
        rows = [f'<tr><th>{e(t["kind"])}</th><td>{e(_kind_name(ent.kind, lang))}'
                + (f" — {e(classes)}" if classes else "") + "</td></tr>",
                f'<tr><th>{e(t["id"])}</th><td><code>{e(short_id(ent.iri))}</code> '
                f'<small>{e(ent.iri)}</small></td></tr>']
        for code in ("vi", "en"):
            if ent.labels.get(code):
                rows.append(f'<tr><th>{e(t["labels"])} ({e(t[code])})</th>'
                            f'<td lang="{code}">{e(ent.labels[code])}</td></tr>')
        if ent.alts:
            rows.append(f'<tr><th>{e(t["labels"])}</th><td>{e("; ".join(sorted(ent.alts)))}</td></tr>')
        body = [f'<table class="record">{"".join(rows)}</table>', f'<h2>{e(t["statements"])}</h2>']
        facts = self.d.facts_of.get(ent.iri, [])
        related: dict[str, Ent] = {}
        how: dict[str, list[str]] = defaultdict(list)  # neighbour → the relations that link it
        if not facts:
            body.append(f'<p>{e(t["noEvidence"])}</p>')
        body.append('<ol class="statements">')
        for s, p, o, gs in sorted(facts, key=lambda f: (f[0] != ent.iri, self.prop(f[1]), str(f[2]))):
            for x in (s, o):
                if isinstance(x, str) and x != ent.iri and x in self.d.entities:
                    related[x] = self.d.entities[x]
                    how[x].append(self.prop(p))
            body.append(f'<li class="statement"><div class="fact">{self.term(s, root)} — <i>{e(self.prop(p))}</i>'
                        f' — {self.term(o, root)}</div>'
                        + "".join(self.evidence_html(g, root) for g in dict.fromkeys(gs)) + "</li>")
        body.append("</ol>")
        if related:
            body.append(f'<h2>{e(t["related"])}</h2>')
            body.append(self.neighbourhood(ent, *self.drawn(ent, related, how), root))
            body.append('<ul class="related">')
            body += [f'<li><a href="{e(root + r.path)}">{e(r.label(lang))}</a> '
                     f'<small>{e(_kind_name(r.kind, lang))}</small></li>'
                     for r in sorted(related.values(), key=lambda r: (r.kind, r.label(lang).casefold()))]
            body.append("</ul>")
        return self.frame(ent.path, ent.label(lang), "".join(body), page="entity")

    def drawn(self, ent: Ent, related: dict[str, Ent], how: dict[str, list[str]]) -> tuple[dict[str, Ent],
                                                                                         dict[str, list[str]]]:
        """The neighbours to draw, as ``cdkg viz --kind people`` draws them: a position held
        (reified, W3C ORG) is not drawn; its person or organisation is, linked by the post title."""
        org = "http://www.w3.org/ns/org#"
        if ent.kind == "position":
            return related, how
        out: dict[str, Ent] = {}
        why: dict[str, list[str]] = defaultdict(list)
        for iri, r in related.items():
            if r.kind != "position":
                out[iri] = r
                why[iri] += how[iri]
                continue
            facts = [(p, o) for s, p, o, _ in self.d.facts_of.get(iri, []) if s == iri and isinstance(o, str)]
            posts = [self.d.entities[o].label(self.lang) for p, o in facts if p == org + "role" and o in self.d.entities]
            for p, o in facts:
                if p in (org + "member", org + "organization") and o != ent.iri and o in self.d.entities:
                    out[o] = self.d.entities[o]
                    why[o] += posts or how[iri]
        return out, why

    def neighbourhood(self, ent: Ent, related: dict[str, Ent], how: dict[str, list[str]], root: str) -> str:
        """The entity and its most linked neighbours (at most :data:`NEIGHBOURS`) as an SVG
        drawing: a circle around it, each neighbour a link to its page, the relations in its
        tooltip.  Drawn in Python: the page runs no layout code."""
        import math

        from cdkg.viz.graphdata import PLACEHOLDER
        from cdkg.viz.html import STYLE

        shown = sorted(related, key=lambda i: (-len(how[i]), related[i].label(self.lang).casefold(), i))[:NEIGHBOURS]
        width, height, cx, cy = 760, 440, 380, 220
        rx, ry = 190, 170

        def short(text: str) -> str:
            return text if len(text) <= 26 else text[:25] + "…"

        def colour(kind: str) -> str:
            return STYLE.get(kind, STYLE["other"])[0]

        def mark(n: Ent) -> str:  # collective placeholders dashed, as in cdkg viz
            return ' class="placeholder"' if PLACEHOLDER in n.classes else ""

        lines, nodes = [], []
        for k, iri in enumerate(shown):
            angle = 2 * math.pi * k / len(shown) - math.pi / 2
            x, y = cx + rx * math.cos(angle), cy + ry * math.sin(angle)
            n = related[iri]
            anchor = "middle" if abs(math.cos(angle)) < 0.3 else ("start" if math.cos(angle) > 0 else "end")
            dx = 0 if anchor == "middle" else (9 if anchor == "start" else -9)
            dy = -10 if anchor == "middle" and math.sin(angle) < 0 else (18 if anchor == "middle" else 4)
            tip = f'{n.label(self.lang)} — {"; ".join(dict.fromkeys(how[iri]))}'
            lines.append(f'<line x1="{cx}" y1="{cy}" x2="{x:.1f}" y2="{y:.1f}"><title>{e(tip)}</title></line>')
            nodes.append(f'<a href="{e(root + n.path)}"><title>{e(tip)}</title>'
                         f'<circle cx="{x:.1f}" cy="{y:.1f}" r="7" fill="{colour(n.kind)}"{mark(n)}></circle>'
                         f'<text x="{x + dx:.1f}" y="{y + dy:.1f}" text-anchor="{anchor}">'
                         f'{e(short(n.label(self.lang)))}</text></a>')
        centre = (f'<circle cx="{cx}" cy="{cy}" r="11" fill="{colour(ent.kind)}"{mark(ent)}></circle><text class="centre" '
                  f'x="{cx}" y="{cy - 16}" text-anchor="middle">{e(short(ent.label(self.lang)))}</text>')
        return (f'<svg class="neighbourhood" viewBox="0 0 {width} {height}" role="img" '
                f'aria-label="{e(self.t["related"])}">{"".join(lines)}{centre}{"".join(nodes)}</svg>')

    def source(self, iri: str) -> str:
        from cdkg.ontology import natural_key

        t, rec = self.t, self.d.sources[iri]
        path = self.d.source_paths[iri]
        root = "../" * path.count("/")
        fields = [("titleField", rec.title), ("kind", rec.kind), ("publisher", rec.publisher),
                  ("author", rec.author), ("issued", rec.issued), ("language", rec.language),
                  ("accessed", rec.accessed), ("unknown", ", ".join(rec.unknown)), ("id", rec.id)]
        rows = [f'<tr><th>{e(t[k])}</th><td>{e(v)}</td></tr>' for k, v in fields if v]
        if rec.url:
            rows.append(f'<tr><th>{e(t["url"])}</th><td><a class="ext" rel="noopener noreferrer" '
                        f'href="{e(rec.url)}">{e(rec.url)}</a></td></tr>')
        rows.append(f'<tr><th>{e(t["citation"])}</th><td class="cite">{e(rec.apa())}</td></tr>')
        body = [f'<h2>{e(t["record"])}</h2><table class="record">{"".join(rows)}</table>',
                f'<h2>{e(t["supports"])}</h2><ol class="evidence-list">']
        evs = sorted((ev for ev in self.d.evidence.values() if ev.source == iri), key=lambda ev: natural_key(ev.iri))
        for ev in evs:
            anchor = _safe_part(ev.iri.rsplit("/", 1)[-1])
            facts = "".join(f'<li>{self.term(s, root)} — <i>{e(self.prop(p))}</i> — {self.term(o, root)}</li>'
                            for s, p, o in ev.facts)
            body.append(f'<li id="ev-{e(anchor)}">{self.evidence_html(ev.iri, root)}'
                        f'<ul class="facts">{facts}</ul></li>')
        body.append("</ol>")
        return self.frame(path, rec.title, "".join(body), page="source")

    def timeline(self) -> str:
        t = self.t
        controls = (f'<p>{e(t["timelineIntro"])}</p><form id="tl-filters" class="filters">'
                    f'<label>{e(t["from"])} <input id="tl-from" type="number" min="1000" max="2999"></label> '
                    f'<label>{e(t["to"])} <input id="tl-to" type="number" min="1000" max="2999"></label> '
                    + "".join(f'<label>{e(t[k])} <select id="tl-{k}"><option value="">{e(t["all"])}</option>'
                              '</select></label> ' for k in ("kind", "locality", "partner", "theme"))
                    + f'</form><p id="tl-count" class="meta"></p><table class="timeline"><thead><tr>'
                    f'<th>{e(t["date"])}</th><th>{e(t["event"])}</th><th>{e(t["kind"])}</th>'
                    f'<th>{e(t["locality"])}</th><th>{e(t["partner"])}</th></tr></thead>'
                    '<tbody id="tl-rows"></tbody></table>')
        return self.frame("timeline.html", t["timeline"], controls, page="timeline",
                          data={"rows": self.timeline_rows()},
                          scripts=("timeline.js",))

    def timeline_rows(self) -> list[dict[str, Any]]:
        from cdkg.ontology import CD, XSD

        d, t, lang = self.d, self.t, self.lang
        date_props = {CD + "date": "", CD + "expectedDate": t["expected"]}
        rows = []
        for ent in d.entities.values():
            if ent.kind != "event":
                continue
            dates: dict[tuple[str, str], bool] = {}  # (property, lexical^^datatype) → inferred by every source
            links: dict[str, list[str]] = {"locality": [], "partner": [], "theme": []}
            for s, p, o, gs in d.facts_of.get(ent.iri, []):
                if s != ent.iri:
                    continue
                if p in date_props and not isinstance(o, str):
                    inferred = all(d.evidence[g].inference if g in d.evidence else False for g in gs)
                    key = (p, o.value + "^^" + o.datatype.value[len(XSD):])
                    dates[key] = dates.get(key, True) and inferred
                elif isinstance(o, str) and o in d.entities:
                    which = {CD + "heldAt": "locality", CD + "withPartner": "partner", CD + "hasTheme": "theme"}.get(p)
                    if which:
                        links[which].append(d.entities[o].label(lang))
            if not dates:
                continue
            shown, years, sort = [], set(), []
            for (p, value), inferred in sorted(dates.items(), key=lambda kv: (kv[0][0] != CD + "date", kv[0][1])):
                lexical, _, dtype = value.rpartition("^^")
                from cdkg.loaders.dates import format_date

                text = format_date(lexical, dtype)
                note = []
                if date_props[p]:
                    note.append(date_props[p])
                if dtype == "gMonthDay":
                    note.append(t["yearNotGiven"])
                    sort.append("9999" + lexical.removeprefix("-"))
                else:
                    years.add(int(lexical[:4]))
                    sort.append(lexical)
                    if dtype == "gYearMonth":
                        note.append(t["monthOnly"])
                    elif dtype == "gYear":
                        note.append(t["yearOnly"])
                if inferred:
                    note.append(t["yearInferred"])
                shown.append({"text": text, "note": ", ".join(note), "inferred": inferred, "precision": dtype})
            classes = sorted(self.cls(c) for c in ent.classes)
            rows.append({"href": ent.path, "label": ent.label(lang),
                         "kind": ", ".join(classes) or _kind_name("event", lang),
                         "dates": shown, "years": sorted(years), "sort": min(sort),
                         **{k: sorted(set(v)) for k, v in links.items()}})
        rows.sort(key=lambda r: (r["sort"], r["label"].casefold(), r["href"]))
        return rows

    def gaps(self, report: Any) -> str:
        t = self.t
        body = ['<ol class="toc">']
        body += [f'<li><a href="#gap-{kind.number}">{e(self.gap_title(kind))}</a> ({report.count(kind.number)})</li>'
                 for kind in report.kinds]
        body.append("</ol>")
        for kind in report.kinds:
            found = [f for f in report.findings if f.kind == kind.number]
            body.append(f'<section class="gap-kind" id="gap-{kind.number}"><h2>{kind.number}. '
                        f'{e(self.gap_title(kind))} <small>({len(found)} {e(t["findings"])})</small></h2>'
                        f'<p>{e(kind.text("explanation", self.lang))}</p>'
                        f'<p class="meta"><b>{e(t["proves"])}:</b> {e(kind.text("proves", self.lang))} '
                        f'<b>{e(t["notProves"])}:</b> {e(kind.text("does_not_prove", self.lang))}</p>')
            if not found:
                body.append(f'<p>{e(t["noFindings"])}</p>')
            body.append('<ol class="findings">')
            for f in found:
                links = " · ".join(self.term(x.iri, "") if x.iri in self.d.entities else e(x.label) for x in f.entities)
                evs = "".join(self._gap_evidence(x) for x in report.evidence_of(f, report.evidence_shown))
                body.append(f'<li class="finding"><div>{e(f.explanation)}</div><div class="entities">{links}</div>'
                            f'{evs}</li>')
            body.append("</ol></section>")
        return self.frame("gaps.html", t["gaps"], "".join(body), page="gaps")

    def gap_title(self, kind: Any) -> str:
        return kind.text("title", self.lang)

    def _gap_evidence(self, x: Any) -> str:
        if x.excerpt in self.d.evidence:
            return self.evidence_html(x.excerpt, "")
        text = x.quote or x.paraphrase
        return (f'<div class="evidence"><blockquote class="quote">{e(text)}</blockquote>'
                f'<div class="meta">{e(x.source)}</div></div>')

    def search(self) -> str:
        t = self.t
        body = (f'<p>{e(t["searchIntro"])}</p><form id="search-form" action="search.html" method="get">'
                f'<input id="q" name="q" type="search" autocomplete="off" placeholder="{e(t["searchPlaceholder"])}">'
                f' <button type="submit">{e(t["search"])}</button></form><p id="search-count" class="meta"></p>'
                '<ol id="search-results"></ol>')
        return self.frame("search.html", t["search"], body, page="search",
                          scripts=(f"search-{self.lang}.js", "search.js"))

    def search_index(self) -> str:
        """``search-LANG.js``: every entity's labels, alternative labels and id, folded (accents
        and case removed) — what the search page loads with the page."""
        from cdkg.kg.provenance import fold
        from cdkg.ontology import short_id
        from cdkg.viz.html import script_json

        items = []
        for ent in self.d.entities.values():
            words = [*ent.labels.values(), *sorted(ent.alts), short_id(ent.iri).replace("_", " "), short_id(ent.iri)]
            items.append([ent.path, ent.label(self.lang), _kind_name(ent.kind, self.lang),
                          fold(" | ".join(words)), fold(ent.label(self.lang))])
        return f"window.CDKG_SEARCH = {script_json(items)};\n"

    def evidence_index(self) -> str:
        """``search-LANG-evidence.js``: the words of every excerpt, which the search page loads only
        after it has shown the entities that match."""
        from cdkg.kg.provenance import fold
        from cdkg.viz.html import script_json

        items = []
        for ev in self.d.evidence.values():
            if ev.source not in self.d.source_paths:
                continue
            anchor = _safe_part(ev.iri.rsplit("/", 1)[-1])
            snippet = ev.text if len(ev.text) <= 160 else ev.text[:158] + "…"
            items.append([f"{self.d.source_paths[ev.source]}#ev-{anchor}", snippet, self.t["evidenceHit"],
                          fold(ev.text), ""])
        return f"window.cdkgSearchMore({script_json(items)});\n"


# --------------------------------------------------------------------------------------- writing


def _site_folder() -> Any:
    from cdkg.kg.files import OutputFolder

    return OutputFolder(SITE_MARKER, SITE_ENTRIES, "a site cdkg made", "--output", "site")


def check_site_target(final: Path) -> None:
    """Refuse (:class:`UsageError`) to write a site into ``final`` unless replacing it can only
    lose an earlier site: it does not exist, is an empty folder, or is a site cdkg wrote."""
    from cdkg.kg.files import check_build_target

    check_build_target(final, None, _site_folder())


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def site(build: Path | str | None = None, output: Path | str = "site", *, lang: str = "en",
         endpoint: str | None = None, backend: Any = None) -> Path:
    """Write the site of the built graph into ``output``; returns the path of its ``index.html``
    (which opens the ``lang`` tree)."""
    from cdkg.errors import UsageError
    from cdkg.kg.files import replace_dir, staging_dir
    from cdkg.queries import backend_for
    from cdkg.queries.gaps import find_gaps

    if lang not in LANGS:
        raise UsageError(f"unknown language {lang!r}; choose en or vi")
    final = Path(output)
    check_site_target(final)
    backend = backend or backend_for(build, endpoint)
    if not hasattr(backend, "store"):
        raise UsageError("cdkg site reads a local build (--build), not an endpoint")
    data = _load(backend)
    staged = staging_dir(final, _site_folder())
    try:
        shutil.copytree(ASSETS, staged / "assets")
        for code in LANGS:
            tree = Tree(data, code)
            top = staged / code
            _write(top / "index.html", tree.home())
            _write(top / "entities.html", tree.entity_list())
            for kind, items in tree.entity_groups().items():
                _write(top / f"entities-{kind}.html", tree.entity_kind_page(kind, items))
            _write(top / "timeline.html", tree.timeline())
            _write(top / "search.html", tree.search())
            _write(staged / "assets" / f"search-{code}.js", tree.search_index())
            _write(staged / "assets" / f"search-{code}-evidence.js", tree.evidence_index())
            _write(top / "gaps.html", tree.gaps(find_gaps(lang=code, backend=backend, evidence_per_entity=2)))
            for ent in data.entities.values():
                _write(top / ent.path, tree.entity(ent))
            for iri in data.sources:
                _write(top / data.source_paths[iri], tree.source(iri))
        _write(staged / "index.html", f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta http-equiv="refresh" content="0; url={lang}/index.html"><link rel="icon" href="data:,">
<title>cdkg</title></head>
<body><p><a href="{lang}/index.html">{e(TEXT[lang]["open"])}</a> · <a href="en/index.html">English</a> ·
<a href="vi/index.html">Tiếng Việt</a></p></body></html>
""")
        replace_dir(staged, final, None, _site_folder())  # checks the folder again, just before the swap
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    return final / "index.html"


__all__ = ["site", "check_site_target", "SITE_MARKER", "TEXT"]
