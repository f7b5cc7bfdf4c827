"""Curated sources → RDF quads, one named graph per evidence excerpt.

:func:`load_corpus` reads every ``curated/*.yaml`` of a sources folder with its article
(``articles/*.txt``), checks everything a curator can get wrong (YAML, schema, unknown
entity or property, an excerpt that is not in the article, impossible dates, ids that
collide), and returns the quads.  Every problem of every file is collected and raised
together as one :class:`kg.errors.SourceError`, each naming file, line and field.

Graphs written:
  * ``id/evidence/{source}/{n}``: the facts of the n-th excerpt (1-based, in file order);
  * ``id/entities/{source}``: types, labels and alternative names the curators declare;
  * ``id/provenance``: sources, excerpts (quote, offsets, teaser flag, notes), records.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Iterable

import pyoxigraph as ox
from pydantic import ValidationError

from kg.errors import Problem, SourceError
from loaders.dates import FORMS_HINT, DateFormatError, parse_date
from loaders.schema import CuratedFile
from loaders.text import Article, read_article
from loaders.yamlfile import YamlProblem, line_of, load_yaml_text
from ontology import (BARE_CLASS_PREFIXES, CD, ID, PREFIXES, PROV, PROVENANCE_GRAPH, RDF, RDFS, SKOS, XSD,
                      DCTERMS, FOAF, Vocabulary, vocabulary)

MAX_FILE_BYTES = 5 * 1024 * 1024

_TYPE = ox.NamedNode(RDF + "type")
_LABEL = ox.NamedNode(RDFS + "label")
_ALT = ox.NamedNode(SKOS + "altLabel")
_PROV_G = ox.NamedNode(PROVENANCE_GRAPH)


def default_sources() -> Path:
    """The curated sources bundled with cdkg."""
    return Path(str(resources.files("loaders") / "sources"))


@dataclass
class EntityDecl:
    id: str
    iri: str
    classes: list[str]
    vi: str
    en: str
    file: str
    line: int | None


@dataclass
class SourceSummary:
    source: str
    file: str
    article: str
    title: str
    entities: int
    excerpts: int
    facts: int


@dataclass
class Corpus:
    """What the loader produced: quads plus a summary per source."""

    quads: list[ox.Quad]
    sources: list[SourceSummary]
    entities: dict[str, EntityDecl] = field(default_factory=dict)
    #: IRI of an entity, evidence excerpt or source → (curated file, line) that declares it
    locations: dict[str, tuple[str, int | None]] = field(default_factory=dict)


@dataclass
class _Parsed:
    path: Path
    rel: str
    model: CuratedFile
    lines: dict[tuple[Any, ...], int]
    article: Article | None


def _lit(value: str, datatype: str | None = None, lang: str | None = None) -> ox.Literal:
    if lang:
        return ox.Literal(value, language=lang)
    return ox.Literal(value, datatype=ox.NamedNode(XSD + datatype)) if datatype else ox.Literal(value)


class _Collector:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, file: str, line: int | None, fld: str, message: str, hint: str = "") -> None:
        self.problems.append(Problem(file, line, fld, message, hint))


def _read_file(path: Path, rel: str, out: _Collector) -> str | None:
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        out.add(rel, None, "", f"file is {size / 1e6:.1f} MB, over the {MAX_FILE_BYTES // 2**20} MiB limit",
                "a curated source or article is a few KB of text; check that the right file is in the folder")
        return None
    raw = path.read_bytes()
    if b"\x00" in raw:
        out.add(rel, None, "", "binary file, not YAML text", "save the curated source as UTF-8 text")
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        out.add(rel, None, "", f"not UTF-8 ({exc.reason} at byte {exc.start})", "save the file as UTF-8")
        return None


def _parse(path: Path, root: Path, out: _Collector) -> _Parsed | None:
    rel = str(path.relative_to(root))
    text = _read_file(path, rel, out)
    if text is None:
        return None
    try:
        data, lines = load_yaml_text(text)
    except YamlProblem as exc:
        out.add(rel, exc.line, "", str(exc), exc.hint)
        return None
    if not isinstance(data, dict):
        out.add(rel, 1, "", "a curated source is a mapping with 'source:', 'article:', 'entities:' and 'evidence:'")
        return None
    try:
        model = CuratedFile.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            fld = ".".join(str(x) for x in loc)
            msg = err["msg"].removeprefix("Value error, ")
            hint = ""
            if err["type"] == "extra_forbidden":
                msg, hint = "unknown field", "check the spelling; see the curated-source format in the README"
            elif err["type"] == "missing":
                msg = "required field is missing"
            elif err["type"] == "string_pattern_mismatch":
                hint = "ids are lower-case ASCII letters, digits and '_' (sources: '-'), e.g. ubnd_thua_thien_hue"
            out.add(rel, line_of(lines, loc), fld, msg, hint)
        return None
    article_path = root / "articles" / model.article
    article = None
    if not article_path.is_file():
        out.add(rel, lines.get(("article",)), "article", f"refers to a missing article {model.article!r}",
                f"put the article text in {root / 'articles'} or correct the file name")
    else:
        art_rel = str(article_path.relative_to(root))
        if _read_file(article_path, art_rel, out) is not None:
            article = read_article(article_path)
            for line, fld, msg, hint in article.problems:
                out.add(art_rel, line, fld, msg, hint)
            if article.problems:
                article = None
    return _Parsed(path, rel, model, lines, article)


def _resolve_class(name: str, vocab: Vocabulary) -> str | None:
    if ":" in name:
        prefix, _, local = name.partition(":")
        iri = PREFIXES.get(prefix, "\0") + local
        return iri if iri in vocab.classes else None
    for prefix in BARE_CLASS_PREFIXES:
        if PREFIXES[prefix] + name in vocab.classes:
            return PREFIXES[prefix] + name
    return None


def _resolve_property(name: str, vocab: Vocabulary) -> str | None:
    prefix, sep, local = name.partition(":")
    iri = (PREFIXES.get(prefix, "\0") + local) if sep else CD + name
    if iri in vocab.object_properties or iri in vocab.datatype_properties:
        return iri
    return None


def _suggest(name: str, candidates: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(candidates), n=3, cutoff=0.6)
    return f"did you mean {', '.join(close)}?" if close else ""


def _curie_names(iris: Iterable[str]) -> list[str]:
    out = []
    for iri in iris:
        if iri.startswith(CD):
            out.append(iri[len(CD):])
        else:
            for prefix, ns in PREFIXES.items():
                if iri.startswith(ns):
                    out.append(f"{prefix}:{iri[len(ns):]}")
                    break
    return out


def _declare(parsed: list[_Parsed], vocab: Vocabulary, out: _Collector) -> tuple[dict[str, EntityDecl], set[str]]:
    """Entity declarations of all files, and the ids whose declaration is broken (already
    reported, so references to them are not reported again)."""
    entities: dict[str, EntityDecl] = {}
    broken: set[str] = set()
    class_names = _curie_names(c for c in vocab.classes if vocab.segment(c))
    for p in parsed:
        seen_here: set[str] = set()
        for i, ent in enumerate(p.model.entities):
            line = p.lines.get(("entities", i))
            if ent.id in seen_here:
                out.add(p.rel, line, f"entities.{i}.id", f"duplicate id {ent.id!r} in this file",
                        "each entity is declared once per file; merge the two declarations")
                continue
            seen_here.add(ent.id)
            classes = []
            for j, name in enumerate([ent.kind, *ent.also]):
                cls = _resolve_class(name, vocab)
                if cls is None or vocab.segment(cls) is None:
                    fld = "kind" if j == 0 else f"also.{j - 1}"
                    out.add(p.rel, p.lines.get(("entities", i, "kind" if j == 0 else "also")),
                            f"entities.{i}.{fld}", f"unknown class {name!r}",
                            _suggest(name, class_names) or "classes are defined in ontology/cdkg.ttl")
                    classes = []
                    break
                classes.append(cls)
            if not classes:
                broken.add(ent.id)
                continue
            iri = f"{ID}{vocab.segment(classes[0])}/{ent.id}"
            decl = EntityDecl(ent.id, iri, classes, ent.vi, ent.en, p.rel, line)
            prior = entities.get(ent.id)
            if prior is None:
                entities[ent.id] = decl
            elif (prior.classes[0], prior.vi, prior.en) != (classes[0], ent.vi, ent.en):
                out.add(p.rel, line, f"entities.{i}.id",
                        f"id {ent.id!r} is also declared in {prior.file}:{prior.line} with another kind or labels",
                        "an entity that recurs across sources keeps one id, kind and pair of labels: "
                        "copy the declaration exactly, or pick a new id if it is a different entity")
    return entities, broken


def _value(p: _Parsed, vocab: Vocabulary, entities: dict[str, EntityDecl], prop: str, value: Any,
           where: tuple[str, int | None, str], out: _Collector) -> ox.NamedNode | ox.Literal | None:
    rel, line, fld = where
    if prop in vocab.object_properties:
        if not isinstance(value, str):
            out.add(rel, line, fld, f"{value!r} is not an entity id", "the value of this property is an entity id")
            return None
        if ":" in value:
            prefix, _, local = value.partition(":")
            iri = PREFIXES.get(prefix, "\0") + local
            if iri not in vocab.individuals:
                out.add(rel, line, fld, f"unknown ontology individual {value!r}",
                        _suggest(value, _curie_names(vocab.individuals)))
                return None
            return ox.NamedNode(iri)
        if value not in entities:
            out.add(rel, line, fld, f"unknown entity {value!r}",
                    _suggest(value, entities) or "declare it under 'entities:' in this or another source")
            return None
        return ox.NamedNode(entities[value].iri)
    kind = vocab.datatype_properties[prop]
    if kind == "date":
        try:
            lexical, dtype = parse_date(value)
        except DateFormatError as exc:
            out.add(rel, line, fld, str(exc), FORMS_HINT)
            return None
        return _lit(lexical, dtype)
    if kind == "integer":
        if isinstance(value, bool) or not (isinstance(value, int) or str(value).isdigit()):
            out.add(rel, line, fld, f"{value!r} is not a whole number", "write digits only, e.g. 24")
            return None
        return _lit(str(int(value)), "integer")
    if kind == "boolean":
        if not isinstance(value, bool):
            out.add(rel, line, fld, f"{value!r} is not true or false")
            return None
        return _lit("true" if value else "false", "boolean")
    return ox.Literal(str(value))


def _compile(p: _Parsed, vocab: Vocabulary, entities: dict[str, EntityDecl], broken: set[str],
             out: _Collector, quads: list[ox.Quad], locations: dict[str, tuple[str, int | None]]) -> SourceSummary:
    m, rel = p.model, p.rel
    locations[f"{ID}source/{m.source}"] = (rel, p.lines.get(("source",)))
    src = ox.NamedNode(f"{ID}source/{m.source}")
    art = p.article
    header = art.header if art else {}
    lang = header.get("language") or "vi"
    n_facts = 0

    # The source and its metadata.
    add = quads.append
    src_class = header.get("kind", "NewsReport")
    if CD + src_class not in vocab.classes:
        out.add(rel, None, "kind", f"article header Kind {src_class!r} is not a source class",
                "use NewsReport, LegalDocumentText or ReferenceCompilation")
    add(ox.Quad(src, _TYPE, ox.NamedNode(CD + src_class), _PROV_G))
    add(ox.Quad(src, _LABEL, _lit(header.get("title", m.source), lang=lang), _PROV_G))
    add(ox.Quad(src, ox.NamedNode(DCTERMS + "title"), _lit(header.get("title", m.source), lang=lang), _PROV_G))
    for key, pred in (("publisher", "publisher"), ("author", "creator")):
        if header.get(key):
            add(ox.Quad(src, ox.NamedNode(DCTERMS + pred), ox.Literal(header[key]), _PROV_G))
    if header.get("url"):
        add(ox.Quad(src, ox.NamedNode(FOAF + "page"), ox.Literal(header["url"]), _PROV_G))
    if header.get("published"):
        try:
            lexical, dtype = parse_date(header["published"].split()[0])
            add(ox.Quad(src, ox.NamedNode(DCTERMS + "issued"), _lit(lexical, dtype), _PROV_G))
        except DateFormatError as exc:
            out.add(str(art.path.name) if art else rel, art.header_lines.get("published") if art else None,
                    "published", str(exc), FORMS_HINT)
    add(ox.Quad(src, ox.NamedNode(DCTERMS + "language"), ox.Literal(lang), _PROV_G))
    add(ox.Quad(src, ox.NamedNode(CD + "sourceFile"), ox.Literal(rel), _PROV_G))

    cited: dict[str, ox.NamedNode] = {}
    for i, cs in enumerate(m.cited_sources):
        node = ox.NamedNode(f"{ID}source/{cs.id}")
        locations[node.value] = (rel, p.lines.get(("cited_sources", i)))
        cited[cs.id] = node
        add(ox.Quad(node, _TYPE, ox.NamedNode(CD + cs.kind), _PROV_G))
        add(ox.Quad(node, _LABEL, ox.Literal(cs.title), _PROV_G))
        add(ox.Quad(node, ox.NamedNode(DCTERMS + "title"), ox.Literal(cs.title), _PROV_G))
        if cs.publisher:
            add(ox.Quad(node, ox.NamedNode(DCTERMS + "publisher"), ox.Literal(cs.publisher), _PROV_G))
        if cs.url:
            add(ox.Quad(node, ox.NamedNode(FOAF + "page"), ox.Literal(cs.url), _PROV_G))
        if cs.published:
            try:
                lexical, dtype = parse_date(cs.published)
                add(ox.Quad(node, ox.NamedNode(DCTERMS + "issued"), _lit(lexical, dtype), _PROV_G))
            except DateFormatError as exc:
                out.add(rel, p.lines.get(("cited_sources", i, "published")), f"cited_sources.{i}.published",
                        str(exc), FORMS_HINT)
        if cs.note:
            add(ox.Quad(node, ox.NamedNode(RDFS + "comment"), ox.Literal(cs.note), _PROV_G))

    # Entity declarations of this file.
    record = ox.NamedNode(f"{ID}entities/{m.source}")
    add(ox.Quad(record, _TYPE, ox.NamedNode(CD + "EntityRecord"), _PROV_G))
    add(ox.Quad(record, ox.NamedNode(PROV + "wasDerivedFrom"), src, _PROV_G))
    for ent in m.entities:
        decl = entities.get(ent.id)
        if decl is None:
            continue
        node = ox.NamedNode(decl.iri)
        for cls in decl.classes:
            add(ox.Quad(node, _TYPE, ox.NamedNode(cls), record))
        add(ox.Quad(node, _LABEL, _lit(ent.vi, lang="vi"), record))
        add(ox.Quad(node, _LABEL, _lit(ent.en, lang="en"), record))
        for alt in ent.alt:
            add(ox.Quad(node, _ALT, ox.Literal(alt), record))

    # Evidence excerpts and their facts.
    for n, ev in enumerate(m.evidence, start=1):
        loc = ("evidence", n - 1)
        ev_line = p.lines.get(loc)
        g = ox.NamedNode(f"{ID}evidence/{m.source}/{n}")
        locations[g.value] = (rel, ev_line)
        add(ox.Quad(g, _TYPE, ox.NamedNode(CD + "Evidence"), _PROV_G))
        add(ox.Quad(g, ox.NamedNode(PROV + "value"), _lit(ev.quote.strip(), lang=lang), _PROV_G))
        add(ox.Quad(g, ox.NamedNode(PROV + "wasQuotedFrom"), src, _PROV_G))
        add(ox.Quad(g, ox.NamedNode(CD + "teaser"), _lit("true" if ev.teaser else "false", "boolean"), _PROV_G))
        if ev.note:
            add(ox.Quad(g, ox.NamedNode(RDFS + "comment"), ox.Literal(ev.note), _PROV_G))
        if ev.inference:
            add(ox.Quad(g, ox.NamedNode(CD + "inference"), ox.Literal(ev.inference), _PROV_G))
        for j, cid in enumerate(ev.cites):
            if cid not in cited:
                out.add(rel, p.lines.get(loc + ("cites", j)), f"evidence.{n - 1}.cites.{j}",
                        f"unknown cited source {cid!r}", "list it under 'cited_sources:' in this file")
            else:
                add(ox.Quad(g, ox.NamedNode(CD + "citesSource"), cited[cid], _PROV_G))
        if art is not None:
            span = art.find(ev.quote)
            if span is None:
                excerpt = ev.quote if len(ev.quote) <= 160 else ev.quote[:157] + "..."
                out.add(rel, p.lines.get(loc + ("quote",), ev_line), f"evidence.{n - 1}.quote",
                        f"excerpt not found in {art.path.name}: {excerpt!r}",
                        "copy the words exactly from the article (accents, punctuation); "
                        "line breaks and repeated spaces do not matter")
            else:
                add(ox.Quad(g, ox.NamedNode(CD + "charStart"), _lit(str(span[0]), "integer"), _PROV_G))
                add(ox.Quad(g, ox.NamedNode(CD + "charEnd"), _lit(str(span[1]), "integer"), _PROV_G))
                in_teasers = span[0] >= art.teaser_start
                if in_teasers != ev.teaser:
                    out.add(rel, p.lines.get(loc + ("teaser",), ev_line), f"evidence.{n - 1}.teaser",
                            "excerpt is in the related-articles section" if in_teasers
                            else "excerpt marked teaser: true is in the article body",
                            "set 'teaser: true' exactly for quotes below the [related] line of the article")
        if not ev.facts:
            out.add(rel, ev_line, f"evidence.{n - 1}.facts", "an excerpt with no facts",
                    "add at least one [subject, property, value] fact, or remove the excerpt")
        for k, (s, prop_name, value) in enumerate(ev.facts):
            fline = p.lines.get(loc + ("facts", k), ev_line)
            fld = f"evidence.{n - 1}.facts.{k}"
            subj = entities.get(s)
            if subj is None and s not in broken:
                out.add(rel, fline, fld, f"unknown entity {s!r}",
                        _suggest(s, entities) or "declare it under 'entities:' in this or another source")
            prop = _resolve_property(prop_name, vocab)
            if prop is None:
                names = _curie_names([*vocab.object_properties, *vocab.datatype_properties])
                out.add(rel, fline, fld, f"unknown property {prop_name!r}",
                        _suggest(prop_name, names) or "properties are defined in ontology/cdkg.ttl")
                continue
            if isinstance(value, str) and value in broken:
                continue
            obj = _value(p, vocab, entities, prop, value, (rel, fline, fld), out)
            if subj is None or obj is None:
                continue
            add(ox.Quad(ox.NamedNode(subj.iri), ox.NamedNode(prop), obj, g))
            n_facts += 1
    return SourceSummary(m.source, rel, m.article, header.get("title", ""), len(m.entities), len(m.evidence), n_facts)


def load_corpus(sources: Path | str | None = None) -> Corpus:
    """Load every curated source in ``sources`` (default: the bundled ones).

    Raises :class:`kg.errors.SourceError` listing every problem found, with file and line.
    """
    root = Path(sources) if sources is not None else default_sources()
    out = _Collector()
    curated_dir = root / "curated"
    if not curated_dir.is_dir():
        out.add(str(root), None, "", "no 'curated' folder",
                "a sources folder holds curated/*.yaml and articles/*.txt (see the README)")
        raise SourceError(out.problems)
    files = sorted(curated_dir.glob("*.yaml")) + sorted(curated_dir.glob("*.yml"))
    if not files:
        out.add(str(curated_dir), None, "", "no curated sources (*.yaml) found")
        raise SourceError(out.problems)
    vocab = vocabulary()
    parsed = [p for f in files if (p := _parse(f, root, out)) is not None]
    seen_sources: dict[str, str] = {}
    for p in parsed:
        if p.model.source in seen_sources:
            out.add(p.rel, p.lines.get(("source",)), "source",
                    f"source id {p.model.source!r} is also used by {seen_sources[p.model.source]}",
                    "every curated file has its own source id")
        seen_sources.setdefault(p.model.source, p.rel)
        for cs in p.model.cited_sources:
            if cs.id in seen_sources:
                out.add(p.rel, None, "cited_sources", f"source id {cs.id!r} is already used by {seen_sources[cs.id]}")
            seen_sources.setdefault(cs.id, p.rel)
    entities, broken = _declare(parsed, vocab, out)
    quads: list[ox.Quad] = []
    locations: dict[str, tuple[str, int | None]] = {d.iri: (d.file, d.line) for d in entities.values()}
    summaries = [_compile(p, vocab, entities, broken, out, quads, locations) for p in parsed]
    if out.problems:
        raise SourceError(out.problems)
    return Corpus(quads, summaries, entities, locations)
