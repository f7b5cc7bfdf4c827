"""Curated sources → RDF quads, one named graph per evidence excerpt.

:func:`load_corpus` reads every ``curated/*.yaml`` of a sources folder with its article
(``articles/*.txt``), checks everything a curator can get wrong (YAML, schema, unknown
entity or property, an excerpt that is not in the article, impossible dates, ids that
collide), and returns the quads.  Every problem of every file is collected and raised
together as one :class:`cdkg.errors.SourceError`, each naming file, line and field.

Graphs written:
  * ``id/evidence/{source}/{n}``: the facts of the n-th excerpt (1-based, in file order);
  * ``id/entities/{source}``: types, labels and alternative names the curators declare;
  * ``id/provenance``: sources with their records, the evidence (quoted: quote and offsets; cited:
    the curators' words, locator, who checked it when; notes), the entity records.
"""

from __future__ import annotations

import datetime as dt
import difflib
import gc
import io
import json
import multiprocessing as mp
import multiprocessing.connection as mp_connection
import os
import pickle
import re
import sys
import weakref
from collections import Counter
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Iterable

import pyoxigraph as ox
from pydantic import ValidationError

from cdkg.errors import Problem, SourceError
from cdkg.loaders.dates import FORMS_HINT, DateFormatError, full_date, parse_date
from cdkg.loaders.reading import UnsafeFile, read_regular
from cdkg.loaders.schema import SOURCE_KINDS, UNKNOWN, URL_PATTERN, CuratedFile
from cdkg.loaders.text import Article, read_article
from cdkg.loaders.yamlfile import MAX_DIGITS, YamlProblem, line_of, load_yaml_text, whole_number
from cdkg.ontology import (
    BARE_CLASS_PREFIXES,
    CD,
    DCTERMS,
    FOAF,
    ID,
    PREFIXES,
    PROV,
    PROVENANCE_GRAPH,
    RDF,
    RDFS,
    SKOS,
    XSD,
    Vocabulary,
    vocabulary,
)

MAX_FILE_BYTES = 5 * 1024 * 1024

_TYPE = f"<{RDF}type>"
_LABEL = f"<{RDFS}label>"
_ALT = f"<{SKOS}altLabel>"
_PROV_G = f"<{PROVENANCE_GRAPH}>"
_EVIDENCE = f"<{CD}Evidence>"
_VALUE = f"<{PROV}value>"
_QUOTED_FROM = f"<{PROV}wasQuotedFrom>"
_QUOTED_EVIDENCE = f"<{CD}QuotedEvidence>"
_CITED_EVIDENCE = f"<{CD}CitedEvidence>"
_PARAPHRASE = f"<{CD}paraphrase>"
_DERIVED_FROM = f"<{PROV}wasDerivedFrom>"
_LOCATOR = f"<{CD}locator>"
_CHECKED_BY = f"<{CD}checkedBy>"
_CHECKED_ON = f"<{CD}checkedOn>"
_RETRIEVED_ON = f"<{CD}retrievedOn>"
_UNKNOWN_FIELD = f"<{CD}unknownField>"
_CHAR_START = f"<{CD}charStart>"
_CHAR_END = f"<{CD}charEnd>"
_LANG_TAG = re.compile(r"^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$")


def default_sources() -> Path:
    """The curated sources bundled with cdkg."""
    return Path(str(resources.files("cdkg.loaders") / "sources"))


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


class Corpus:
    """What the loader produced: the quads (as N-Quads, ready for a store's bulk loader) and their
    triples (as N-Triples, for the union of the graphs), a summary per source, the entity
    declarations and where each IRI is declared."""

    def __init__(self, nquads: bytes | None, sources: list[SourceSummary],
                 entities: dict[str, EntityDecl] | None = None,
                 locations: dict[str, tuple[str, int | None]] | None = None,
                 ntriples: bytes | None = None) -> None:
        self._nquads = nquads
        self._ntriples = ntriples
        self._quads: list[ox.Quad] | None = None
        self.sources = sources
        self.entities = entities or {}
        #: IRI of an entity, evidence excerpt or source → (curated file, line) that declares it
        self.locations = locations or {}

    @property
    def quads(self) -> list[ox.Quad]:
        """The quads as pyoxigraph objects, parsed on first use.  A caller may change this list
        (tests do, to make bad data); :attr:`nquads` and :attr:`ntriples` then follow it."""
        if self._quads is None:
            self._quads = list(ox.parse(self.nquads, format=ox.RdfFormat.N_QUADS))
        return self._quads

    @quads.setter
    def quads(self, quads: list[ox.Quad]) -> None:
        self._quads = list(quads)

    @property
    def nquads(self) -> bytes:
        """Every quad as N-Quads (UTF-8)."""
        if self._quads is not None:
            return ox.serialize(self._quads, format=ox.RdfFormat.N_QUADS)
        if self._nquads is None:
            raise RuntimeError("the quads of this corpus were released (Corpus.release_text)")
        return self._nquads

    @property
    def ntriples(self) -> bytes:
        """The triple of every quad as N-Triples (UTF-8), in the same order: a triple stated in two
        graphs is there twice, and a store loading them keeps it once — the union of the graphs."""
        if self._quads is not None or self._ntriples is None:
            return ox.serialize([q.triple for q in self.quads], format=ox.RdfFormat.N_TRIPLES)
        return self._ntriples

    def extend(self, nquads: bytes, ntriples: bytes) -> None:
        """Append quads (and their triples) written elsewhere, e.g. the search log
        (:mod:`cdkg.loaders.searches`)."""
        if not nquads:
            return
        self._nquads, self._ntriples = self.nquads + nquads, self.ntriples + ntriples
        self._quads = None

    def release_text(self) -> tuple[bytes, bytes]:
        """The N-Quads and the N-Triples, handed over: the corpus keeps no copy (a build writes them
        to files and frees the memory; at a million triples they are ~200 and ~140 MB)."""
        data = self.nquads, self.ntriples
        self._nquads, self._ntriples, self._quads = None, None, None
        return data


@dataclass
class _Parsed:
    path: Path
    rel: str
    model: CuratedFile
    lines: dict[tuple[Any, ...], int]
    article: Article | None


def _iri(iri: str) -> str:
    """An IRI as an N-Quads term (callers pass only IRIs built from checked ids and vocabulary)."""
    return f"<{iri}>"


_JSON_ESCAPED = re.compile(r'["\\\x00-\x1f]')  # what json.dumps(ensure_ascii=False) escapes


def _lit(value: str, datatype: str | None = None, lang: str | None = None) -> str:
    """A literal as an N-Quads term.  JSON's string escapes are a subset of N-Triples' (ECHAR and
    UCHAR), so ``json.dumps`` writes a valid, exact string literal (text with nothing to escape,
    nearly all, is quoted directly: the same output, faster)."""
    text = json.dumps(value, ensure_ascii=False) if _JSON_ESCAPED.search(value) else f'"{value}"'
    if lang:
        return f"{text}@{lang}"
    return f"{text}^^<{XSD}{datatype}>" if datatype else text


class _Sink:
    """Quads written straight into an N-Quads buffer, and their triples into an N-Triples one
    (one million quads would take several times their size as Python strings)."""

    def __init__(self) -> None:
        self.buffer = io.BytesIO()
        self.triples = io.BytesIO()

    def add(self, s: str, p: str, o: str, g: str) -> None:
        triple = f"{s} {p} {o}"
        self.buffer.write(f"{triple} {g} .\n".encode())
        self.triples.write(f"{triple} .\n".encode())


class _Collector:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, file: str, line: int | None, fld: str, message: str, hint: str = "") -> None:
        self.problems.append(Problem(file, line, fld, message, hint))


def _read_file(path: Path, folder: Path, rel: str, out: _Collector) -> str | None:
    """The text of ``path``, a regular UTF-8 file inside ``folder``; else a problem (nothing of the
    file is printed)."""
    try:
        raw = read_regular(path, folder, MAX_FILE_BYTES)
    except UnsafeFile as exc:
        out.add(rel, None, "", f"not read: {exc}", exc.hint)
        return None
    if b"\x00" in raw:
        out.add(rel, None, "", "binary file, not YAML text", "save the curated source as UTF-8 text")
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        out.add(rel, None, "", f"not UTF-8 ({exc.reason} at byte {exc.start})", "save the file as UTF-8")
        return None


def _read_model(path: Path, folder: Path, rel: str, out: _Collector, model: Any, not_mapping: str,
                unknown: tuple[str, str]) -> tuple[Any, dict[tuple[Any, ...], int]] | None:
    """A YAML file of the sources folder read into the pydantic ``model``, with the line of every
    key; or None, its problems (file, line, field) in ``out``.  ``not_mapping`` is the problem of a
    file that is not a mapping, ``unknown`` the message and hint for an unknown field."""
    text = _read_file(path, folder, rel, out)
    if text is None:
        return None
    try:
        data, lines = load_yaml_text(text)
    except YamlProblem as exc:
        out.add(rel, exc.line, "", str(exc), exc.hint)
        return None
    if not isinstance(data, dict):
        out.add(rel, 1, "", not_mapping)
        return None
    try:
        return model.model_validate(data), lines
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            fld = ".".join(str(x) for x in loc)
            msg = err["msg"].removeprefix("Value error, ")
            hint = ""
            if err["type"] == "extra_forbidden":
                msg, hint = unknown
                if loc[-1] == "teaser":
                    hint = "teasers of other articles are not evidence: delete this excerpt and its facts"
            elif err["type"] == "missing":
                msg = "required field is missing"
            elif err["type"] == "string_pattern_mismatch":
                hint = "ids are lower-case ASCII letters, digits and '_' (sources: '-'), e.g. ubnd_thua_thien_hue"
            out.add(rel, line_of(lines, loc), fld, msg, hint)
        return None


def _parse(path: Path, root: Path, out: _Collector) -> _Parsed | None:
    rel = str(path.relative_to(root))
    read = _read_model(path, root / "curated", rel, out, CuratedFile,
                       "a curated source is a mapping with 'source:', 'article:', 'entities:' and 'evidence:'",
                       ("unknown field", "check the spelling; see the curated-source format in the README"))
    if read is None:
        return None
    model, lines = read
    if (model.article is None) == (model.record is None):
        both = model.article is not None
        out.add(rel, lines.get(("record",) if both else ()), "record" if both else "article",
                "a curated file has both 'article:' and 'record:'" if both
                else "a curated file needs 'article:' (a bundled text it quotes) or 'record:' (a source it cites)",
                "use 'article: FILE.txt' for a source whose text is in articles/, or 'record:' with the full "
                "bibliographic record (kind, title, publisher, author, url, published, language, retrieved) "
                "for a source cited but not copied")
        return None
    article = None
    if model.article is not None:
        article = _read_article(root, model.article, rel, lines.get(("article",)), out)
    return _Parsed(path, rel, model, lines, article)


def _read_article(root: Path, name: str, rel: str, line: int | None, out: _Collector) -> Article | None:
    """The article ``name`` of a curated file: a regular file directly in ``root/articles`` (after
    following links), never a path elsewhere; problems are reported without printing the file."""
    folder = root / "articles"
    if Path(name).name != name or name in (".", ".."):
        out.add(rel, line, "article", f"{name!r} is not a file name in the articles folder",
                f"give the bare file name of an article in {folder}, e.g. 004-thua-thien-hue-plan-173.txt")
        return None
    path = folder / name
    if not (path.exists() or path.is_symlink()):
        out.add(rel, line, "article", f"refers to a missing article {name!r}",
                f"put the article text in {folder} or correct the file name")
        return None
    art_rel = str(path.relative_to(root))
    try:
        raw = read_regular(path, folder, MAX_FILE_BYTES)
    except UnsafeFile as exc:
        out.add(rel, line, "article", f"article {name!r} not read: {exc}", exc.hint)
        return None
    article = read_article(path, raw)
    for aline, fld, msg, hint in article.problems:
        out.add(art_rel, aline, fld, msg, hint)
    return None if article.problems else article


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


#: "did you mean" hints per file and set of names (entities, classes…); the file's later unknown
#: names get the plain hint (an error report shows the first 20 problems anyway)
SUGGESTIONS_PER_FILE = 20
#: sets up to this size are compared whole with difflib; larger ones through a 3-gram index
_SMALL_SET = 500
#: index entries read per misspelling (rarest 3-grams first), and names then compared with difflib
_SCAN_LIMIT, _SHORTLIST = 5000, 40


class _CloseNames:
    """Close matches for misspelled names among a fixed set of names, in bounded work.

    ``difflib.get_close_matches`` against every name costs O(names) per misspelling, which made
    a file full of misspellings quadratic.  Here each misspelling is looked up once (memo); a small
    set is compared whole; a large one through an index of padded 3-grams, reading at most
    :data:`_SCAN_LIMIT` entries (the rarest 3-grams first) and comparing only the
    :data:`_SHORTLIST` names that share most of them."""

    def __init__(self, names: Iterable[str]) -> None:
        self.names = list(dict.fromkeys(names))
        self.memo: dict[str, list[str]] = {}
        self.grams: dict[str, list[int]] | None = None
        if len(self.names) > _SMALL_SET:
            self.grams = {}
            for i, n in enumerate(self.names):
                for g in self._grams(n):
                    self.grams.setdefault(g, []).append(i)

    @staticmethod
    def _grams(name: str) -> set[str]:
        padded = f"\x02{name}\x03"
        return {padded[i:i + 3] for i in range(len(padded) - 2)}

    def close(self, name: str) -> list[str]:
        found = self.memo.get(name)
        if found is None:
            shortlist = self.names
            if self.grams is not None:
                counts: Counter[int] = Counter()
                read = 0
                for ids in sorted((self.grams.get(g, ()) for g in self._grams(name)), key=len):
                    read += len(ids)
                    if read > _SCAN_LIMIT:
                        break
                    counts.update(ids)
                shortlist = [self.names[i] for i, _ in counts.most_common(_SHORTLIST)]
            found = self.memo[name] = difflib.get_close_matches(name, shortlist, n=3, cutoff=0.6)
        return found


#: the index of the entity ids of the latest load (held, so its id() cannot be reused) and of each
#: set of vocabulary names
_ENTITY_NAMES: tuple[Any, int, _CloseNames] | None = None
_VOCAB_NAMES: dict[tuple[str, ...], _CloseNames] = {}
#: hints given so far per collector (one per load, or per file in a worker), file and set of names
_GIVEN: "weakref.WeakKeyDictionary[_Collector, Counter[tuple[str, Any]]]" = weakref.WeakKeyDictionary()


def _close_names(candidates: dict[str, Any] | tuple[str, ...]) -> _CloseNames:
    global _ENTITY_NAMES
    if isinstance(candidates, dict):
        if _ENTITY_NAMES is None or _ENTITY_NAMES[0] is not candidates or _ENTITY_NAMES[1] != len(candidates):
            _ENTITY_NAMES = (candidates, len(candidates), _CloseNames(candidates))
        return _ENTITY_NAMES[2]
    index = _VOCAB_NAMES.get(candidates)
    if index is None:
        if len(_VOCAB_NAMES) >= 16:
            _VOCAB_NAMES.clear()
        index = _VOCAB_NAMES[candidates] = _CloseNames(candidates)
    return index


def _suggest(name: str, candidates: dict[str, Any] | tuple[str, ...], out: _Collector, rel: str) -> str:
    """"did you mean …?" for an unknown ``name`` (an id of ``candidates``, a dict of entities or
    names from :func:`_curie_names`), or "" — also once ``rel`` has had
    :data:`SUGGESTIONS_PER_FILE` hints from this set (the same whether files load in one process
    or in workers: the count is per file)."""
    given = _GIVEN.get(out)
    if given is None:
        given = _GIVEN[out] = Counter()
    key = (rel, "entities" if isinstance(candidates, dict) else id(candidates))  # the tuples are cached
    if given[key] >= SUGGESTIONS_PER_FILE:
        return ""
    given[key] += 1
    close = _close_names(candidates).close(name)
    return f"did you mean {', '.join(close)}?" if close else ""


_CURIES: dict[tuple[str, ...], tuple[str, ...]] = {}


def _curie_names(iris: Iterable[str]) -> tuple[str, ...]:
    """The short names of ``iris`` (``chair``, ``eli:passed_by``); the same tuple for the same IRIs,
    so their index is built once."""
    key = tuple(iris)
    names = _CURIES.get(key)
    if names is None:
        found = []
        for iri in key:
            if iri.startswith(CD):
                found.append(iri[len(CD):])
            else:
                for prefix, ns in PREFIXES.items():
                    if iri.startswith(ns):
                        found.append(f"{prefix}:{iri[len(ns):]}")
                        break
        if len(_CURIES) >= 16:
            _CURIES.clear()
        names = _CURIES[key] = tuple(found)
    return names


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
                            _suggest(name, class_names, out, p.rel) or "classes are defined in ontology/cdkg.ttl")
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
           where: tuple[str, int | None, str], out: _Collector) -> str | None:
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
                        _suggest(value, _curie_names(vocab.individuals), out, rel))
                return None
            return _iri(iri)
        if value not in entities:
            out.add(rel, line, fld, f"unknown entity {value!r}",
                    _suggest(value, entities, out, rel) or "declare it under 'entities:' in this or another source")
            return None
        return _iri(entities[value].iri)
    kind = vocab.datatype_properties[prop]
    if kind == "date":
        try:
            lexical, dtype = parse_date(value)
        except DateFormatError as exc:
            out.add(rel, line, fld, str(exc), FORMS_HINT)
            return None
        return _lit(lexical, dtype)
    if kind == "integer":
        number = whole_number(value)
        if number is None:
            shown = repr(value) if len(str(value)) <= 40 else repr(str(value)[:37] + "...")
            out.add(rel, line, fld, f"{shown} is not a whole number",
                    f"write ASCII digits only (at most {MAX_DIGITS}), e.g. 24")
            return None
        return _lit(str(number), "integer")
    if kind == "boolean":
        if not isinstance(value, bool):
            out.add(rel, line, fld, f"{value!r} is not true or false")
            return None
        return _lit("true" if value else "false", "boolean")
    return _lit(str(value))


_URL = re.compile(URL_PATTERN)
_PUBLISHED_HINT = 'the date at the precision shown: "4/8/2022", "8/2022", "2022" (or the word unknown)'
_RECORD_HINTS = {
    "url": "the page's full address, starting https://",
    "publisher": "the publisher as the page names it (or the word unknown)",
    "published": _PUBLISHED_HINT,
    "retrieved": 'the date the text was read (the page or its stored copy), e.g. "2026-12-02"',
    "language": "a BCP 47 tag such as vi or en",
}


def _describe_source(node: str, fields: dict[str, Any], where: Any, out: _Collector,
                     add: Any, header: bool = False) -> str:
    """Write a source's record (kind, title, publisher, author, URL, publication and retrieval
    dates, language) into the provenance graph; ``unknown`` becomes ``cd:unknownField``.  ``where``
    maps a field to (file, line, field name) for problems.  The fields a researcher needs (URL,
    publisher, publication and retrieval dates, language; ``unknown`` where the page shows no
    publisher or date) are required of every source, as the SHACL shapes ``cds:SourceRecord`` and
    ``cds:SourcePage`` require them of the graph.  Returns the source's language (``vi`` when none
    is given)."""
    def problem(key: str, message: str, hint: str = "") -> None:
        file, line, fld = where(key)
        out.add(file, line, fld, message, hint)

    kind = fields.get("kind", "NewsReport")
    if kind not in SOURCE_KINDS:
        problem("kind", f"source kind {kind!r} is not a source class", "use " + ", ".join(SOURCE_KINDS))
    add(node, _TYPE, _iri(CD + kind), _PROV_G)
    lang = str(fields.get("language") or "")
    if lang and not _LANG_TAG.match(lang):
        problem("language", f"{lang!r} is not a language tag", _RECORD_HINTS["language"])
        lang = ""
    title = str(fields.get("title", ""))
    if title:
        add(node, _LABEL, _lit(title, lang=lang or None), _PROV_G)
        add(node, _iri(DCTERMS + "title"), _lit(title, lang=lang or None), _PROV_G)
    if lang:
        add(node, _iri(DCTERMS + "language"), _lit(lang), _PROV_G)
    for key, pred in (("publisher", DCTERMS + "publisher"), ("author", DCTERMS + "creator")):
        value = fields.get(key)
        if value == UNKNOWN:
            add(node, _UNKNOWN_FIELD, _lit(key), _PROV_G)
        elif value:
            add(node, _iri(pred), _lit(str(value)), _PROV_G)
    published = fields.get("published")
    if published == UNKNOWN:
        add(node, _UNKNOWN_FIELD, _lit("published"), _PROV_G)
    elif published not in (None, ""):
        try:
            if isinstance(published, dt.date):
                lexical, dtype = full_date(published), "date"
            else:
                lexical, dtype = parse_date(str(published).split()[0])
            if dtype == "gMonthDay":
                raise DateFormatError(f"a publication date needs its year, not {published!r}")
            add(node, _iri(DCTERMS + "issued"), _lit(lexical, dtype), _PROV_G)
        except DateFormatError as exc:
            problem("published", str(exc), _PUBLISHED_HINT)
    url = fields.get("url")
    if url:
        add(node, _iri(FOAF + "page"), _lit(str(url)), _PROV_G)
        if not _URL.match(str(url)):
            problem("url", f"{url!r} is not a full web address", _RECORD_HINTS["url"])
    retrieved = fields.get("retrieved")
    if retrieved not in (None, ""):
        try:
            add(node, _RETRIEVED_ON, _lit(full_date(retrieved), "date"), _PROV_G)
        except DateFormatError as exc:
            problem("retrieved", str(exc), _RECORD_HINTS["retrieved"])
    if fields.get("note") and not header:
        add(node, _iri(RDFS + "comment"), _lit(str(fields["note"])), _PROV_G)
    needed = ["publisher", "published", "retrieved", "language"]
    if not (header and kind == "ReferenceCompilation"):
        needed.insert(0, "url")
    for key in needed:
        if fields.get(key) in (None, ""):
            name = "URL" if key == "url" else key.capitalize()
            what = f"add a line '{name}: …' to the article header" if header else f"add {key}: …"
            problem(key, f"the source's record has no {key}", f"{what} — {_RECORD_HINTS[key]}")
    return lang or "vi"


class _Where:
    """Where the fields of one evidence item are, for problems (file, line, field)."""

    def __init__(self, rel: str, lines: dict[tuple[Any, ...], int], loc: tuple[Any, ...], prefix: str):
        self.rel, self.lines, self.loc, self.prefix = rel, lines, loc, prefix

    def add(self, out: _Collector, key: str | None, message: str, hint: str = "") -> None:
        line = self.lines.get(self.loc + (key,), self.lines.get(self.loc)) if key else self.lines.get(self.loc)
        out.add(self.rel, line, f"{self.prefix}.{key}" if key else self.prefix, message, hint)


def _quoted_evidence(g: str, ev: Any, where: _Where, art: Article | None, record_file: bool, src: str, lang: str,
                     out: _Collector, add: Any) -> None:
    """A verbatim quote of the file's article: found in the text, its offsets recorded (``art`` is
    None in a record file, or when the article could not be read, which is reported already)."""
    if ev.quote is None:
        where.add(out, None, "evidence needs 'quote:' or 'cited:'",
                  "quote: the article's exact words; or cited: the statement in your own words, "
                  "with locator: and checked: {by, on}")
        return
    if record_file:
        where.add(out, "quote", "a record file has no bundled text to quote",
                  "write the statement in your own words as 'cited:' with 'locator:' and 'checked:', "
                  "or bundle the text in articles/ and name it with 'article:'")
        return
    for key in ("locator", "checked", "cites"):
        if getattr(ev, key) is not None:
            where.add(out, key, f"'{key}:' belongs to cited evidence, not to a quote",
                      "a quote is found in the article by the build; remove it, or make the item 'cited:'")
    add(g, _TYPE, _QUOTED_EVIDENCE, _PROV_G)
    add(g, _VALUE, _lit(ev.quote.strip(), lang=lang), _PROV_G)
    add(g, _QUOTED_FROM, src, _PROV_G)
    if art is None:
        return
    span = art.find(ev.quote)
    if span is None:
        excerpt = ev.quote if len(ev.quote) <= 160 else ev.quote[:157] + "..."
        where.add(out, "quote", f"excerpt not found in {art.path.name}: {excerpt!r}",
                  "copy the words exactly from the article (accents, punctuation); "
                  "line breaks and repeated spaces do not matter")
        return
    add(g, _CHAR_START, _lit(str(span[0]), "integer"), _PROV_G)
    add(g, _CHAR_END, _lit(str(span[1]), "integer"), _PROV_G)


def _cited_evidence(g: str, ev: Any, where: _Where, own: tuple[str, str] | None, cited: dict[str, str],
                    out: _Collector, add: Any) -> None:
    """A statement in the curator's words about a source we cite but do not bundle: the source
    (``cites:``, or the record file's own), the locator and who checked it when."""
    if ev.quote is not None:
        where.add(out, "cited", "an item has both 'quote:' and 'cited:'",
                  "a quote is the article's exact words, a cited statement your own words about another "
                  "source: make two items, or keep one")
    add(g, _TYPE, _CITED_EVIDENCE, _PROV_G)
    add(g, _PARAPHRASE, _lit(ev.cited.strip(), lang="en"), _PROV_G)
    if ev.locator is None:
        where.add(out, "locator", "cited evidence needs a locator",
                  'say where the source states it: locator: "Art. 1, section II, point 2" or "para. 3"')
    else:
        add(g, _LOCATOR, _lit(ev.locator.strip()), _PROV_G)
    if ev.checked is None:
        where.add(out, "checked", "cited evidence needs 'checked: {by, on}'",
                  'who compared the statement with the source, and when: checked: {by: "…", on: "2026-12-02"}')
    else:
        add(g, _CHECKED_BY, _lit(ev.checked.by), _PROV_G)
        try:
            add(g, _CHECKED_ON, _lit(full_date(ev.checked.on), "date"), _PROV_G)
        except DateFormatError as exc:
            where.add(out, "checked", f"checked on: {exc}", 'write the date as "2026-12-02"')
    ids = [ev.cites] if isinstance(ev.cites, str) else (ev.cites or [])
    if len(ids) > 1:
        where.add(out, "cites", "cited evidence rests on exactly one source",
                  "make one item per source, each with its own locator")
        return
    if not ids:
        if own is None:
            where.add(out, "cites", "cited evidence in an article file names the source it rests on",
                      "add 'cites: ID', ID one of this file's 'cited_sources:' (each with its full record)")
            return
        add(g, _DERIVED_FROM, own[1], _PROV_G)
        return
    target = cited.get(ids[0]) or (own[1] if own is not None and ids[0] == own[0] else None)
    if target is None:
        where.add(out, "cites", f"unknown cited source {ids[0]!r}", "list it under 'cited_sources:' in this file")
    else:
        add(g, _DERIVED_FROM, target, _PROV_G)


def _compile(p: _Parsed, vocab: Vocabulary, entities: dict[str, EntityDecl], broken: set[str],
             out: _Collector, sink: _Sink, locations: dict[str, tuple[str, int | None]]) -> SourceSummary:
    m, rel = p.model, p.rel
    locations[f"{ID}source/{m.source}"] = (rel, p.lines.get(("source",)))
    src = _iri(f"{ID}source/{m.source}")
    art = p.article
    n_facts = 0
    add = sink.add

    # The source and its record (the article header, or the file's `record:`), then the sources
    # its cited evidence rests on.
    if art is not None:
        art_file = art.path.name
        fields = {k: v for k, v in art.header.items() if v}
        lang = _describe_source(src, fields, lambda key: (art_file, art.header_lines.get(key, 1), key),
                                out, add, header=True)
    elif m.record is None:  # the article could not be read (already reported)
        lang = "vi"
    else:
        rec = m.record
        lang = _describe_source(src, rec.model_dump(exclude_none=True),
                                lambda key: (rel, p.lines.get(("record", key), p.lines.get(("record",))),
                                             f"record.{key}"), out, add)
    add(src, _iri(CD + "sourceFile"), _lit(rel), _PROV_G)

    cited: dict[str, str] = {}
    for i, cs in enumerate(m.cited_sources):
        node = _iri(f"{ID}source/{cs.id}")
        locations[f"{ID}source/{cs.id}"] = (rel, p.lines.get(("cited_sources", i)))
        cited[cs.id] = node
        _describe_source(node, cs.model_dump(exclude_none=True, exclude={"id"}),
                         lambda key, i=i: (rel, p.lines.get(("cited_sources", i, key), p.lines.get(("cited_sources", i))),
                                           f"cited_sources.{i}.{key}"), out, add)
        add(node, _iri(CD + "sourceFile"), _lit(rel), _PROV_G)

    # Entity declarations of this file.
    record = _iri(f"{ID}entities/{m.source}")
    add(record, _TYPE, _iri(CD + "EntityRecord"), _PROV_G)
    add(record, _iri(PROV + "wasDerivedFrom"), src, _PROV_G)
    for ent in m.entities:
        decl = entities.get(ent.id)
        if decl is None:
            continue
        node = _iri(decl.iri)
        for cls in decl.classes:
            add(node, _TYPE, _iri(cls), record)
        add(node, _LABEL, _lit(ent.vi, lang="vi"), record)
        add(node, _LABEL, _lit(ent.en, lang="en"), record)
        for alt in ent.alt:
            add(node, _ALT, _lit(alt), record)

    # Evidence excerpts and their facts.
    for n, ev in enumerate(m.evidence, start=1):
        loc = ("evidence", n - 1)
        ev_line = p.lines.get(loc)
        g = _iri(f"{ID}evidence/{m.source}/{n}")
        locations[f"{ID}evidence/{m.source}/{n}"] = (rel, ev_line)
        add(g, _TYPE, _EVIDENCE, _PROV_G)
        where = _Where(rel, p.lines, loc, f"evidence.{n - 1}")
        if ev.cited is not None:
            _cited_evidence(g, ev, where, (m.source, src) if m.record is not None else None, cited, out, add)
        else:
            _quoted_evidence(g, ev, where, art, m.record is not None, src, lang, out, add)
        if ev.note:
            add(g, _iri(RDFS + "comment"), _lit(ev.note), _PROV_G)
        if ev.inference:
            add(g, _iri(CD + "inference"), _lit(ev.inference), _PROV_G)
        if not ev.facts:
            out.add(rel, ev_line, f"evidence.{n - 1}.facts", "an excerpt with no facts",
                    "add at least one [subject, property, value] fact, or remove the excerpt")
        for k, (s, prop_name, value) in enumerate(ev.facts):
            fline = p.lines.get(loc + ("facts", k), ev_line)
            fld = f"evidence.{n - 1}.facts.{k}"
            subj = entities.get(s)
            if subj is None and s not in broken:
                out.add(rel, fline, fld, f"unknown entity {s!r}",
                        _suggest(s, entities, out, rel) or "declare it under 'entities:' in this or another source")
            prop = _resolve_property(prop_name, vocab)
            if prop is None:
                names = _curie_names([*vocab.object_properties, *vocab.datatype_properties])
                out.add(rel, fline, fld, f"unknown property {prop_name!r}",
                        _suggest(prop_name, names, out, rel) or "properties are defined in ontology/cdkg.ttl")
                continue
            if isinstance(value, str) and value in broken:
                continue
            obj = _value(p, vocab, entities, prop, value, (rel, fline, fld), out)
            if subj is None or obj is None:
                continue
            add(_iri(subj.iri), _iri(prop), obj, g)
            n_facts += 1
    title = art.header.get("title", "") if art is not None else (m.record.title if m.record else "")
    return SourceSummary(m.source, rel, m.article or "", title, len(m.entities), len(m.evidence), n_facts)


#: Below this many curated files the sources are read in this process (starting workers costs more).
PARALLEL_FROM = 64


def load_corpus(sources: Path | str | None = None, workers: int | None = None) -> Corpus:
    """Load every curated source in ``sources`` (default: the bundled ones).

    ``workers``: processes that parse and compile the files (default: one per core from
    :data:`PARALLEL_FROM` files on, else this process alone); the result is the same either way.
    Raises :class:`cdkg.errors.SourceError` listing every problem found, with file and line.
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
    if workers is None:
        workers = min(os.cpu_count() or 1, 4) if len(files) >= PARALLEL_FROM else 1
    vocab = vocabulary()
    # Parsing makes millions of short-lived objects and no cycles; the cyclic collector would
    # rescan the growing heap again and again (half the time of a 1M-triple load).
    collecting = gc.isenabled()
    gc.disable()
    try:
        if workers > 1 and "fork" in mp.get_all_start_methods():
            corpus = _load_parallel(root, files, vocab, out, workers)
        else:
            corpus = _load(root, files, vocab, out)
    finally:
        if collecting:
            gc.enable()
    from cdkg.loaders.searches import add_searches  # the curators' search log (sources/searches/*.yaml)

    add_searches(root, corpus)
    return corpus


def _check_source_ids(parsed: list[_Parsed], out: _Collector) -> None:
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


def _load(root: Path, files: list[Path], vocab: Vocabulary, out: _Collector) -> Corpus:
    parsed = [p for f in files if (p := _parse(f, root, out)) is not None]
    _check_source_ids(parsed, out)
    entities, broken = _declare(parsed, vocab, out)
    sink = _Sink()
    locations: dict[str, tuple[str, int | None]] = {d.iri: (d.file, d.line) for d in entities.values()}
    summaries = [_compile(p, vocab, entities, broken, out, sink, locations) for p in parsed]
    if out.problems:
        raise SourceError(out.problems)
    return Corpus(sink.buffer.getvalue(), summaries, entities, locations, sink.triples.getvalue())


# --- The same in worker processes -------------------------------------------------------------
# Each worker parses every n-th file, sends back what the cross-file checks need (source ids and
# entity declarations, not the excerpts), receives the merged declarations, compiles its files
# and sends back each one's N-Quads and N-Triples as soon as it is compiled (one message for all
# of them took a second longer at 1M: one huge pickle, copied at the end).  Everything is put
# back in file order, so the quads and the problems are exactly those of a load in one process.


def _declarations_only(p: _Parsed) -> _Parsed:
    lines = {k: v for k, v in p.lines.items() if not k or k[0] != "evidence"}
    return _Parsed(p.path, p.rel, p.model.model_copy(update={"evidence": []}), lines, None)


def _end_with_parent(parent_pid: int) -> None:
    """Make this (forked) worker die with the process that started it, however that one ends.

    On Linux the kernel sends SIGKILL when the parent dies (``PR_SET_PDEATHSIG``); if the parent
    died before that was set, the worker has already been handed to another process and exits.
    Elsewhere the closed pipe ends the worker (see :func:`_worker`)."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent_pid:
        os._exit(1)


def _worker(conn: Any, root: Path, files: list[tuple[int, Path]], vocab: Vocabulary, parent_pid: int,
            parent_ends: list[Any]) -> None:
    _end_with_parent(parent_pid)
    # The fork copied the parent's ends of the pipes: closed here, a dead parent means end of
    # file on ``conn`` (recv raises EOFError, send BrokenPipeError) instead of waiting forever.
    for end in parent_ends:
        end.close()
    try:
        parsed: list[tuple[int, _Parsed]] = []
        report = []
        for i, f in files:
            out = _Collector()
            p = _parse(f, root, out)
            if p is not None:
                parsed.append((i, p))
            report.append((i, _declarations_only(p) if p is not None else None, out.problems))
        conn.send(report)
        entities, broken = pickle.loads(conn.recv_bytes())
        for i, p in parsed:  # file by file, so the parent receives while this compiles the next
            out, sink, locations = _Collector(), _Sink(), {}
            summary = _compile(p, vocab, entities, broken, out, sink, locations)
            conn.send((i, sink.buffer.getvalue(), sink.triples.getvalue(), summary, locations, out.problems))
        conn.send(None)
    except BaseException as exc:  # reported by the parent, which then stops
        try:
            conn.send(exc)
        except OSError:  # the parent is gone (or stopped reading): nobody to report to
            pass
    finally:
        conn.close()


def _receive(conn: Any) -> Any:
    message = conn.recv()
    if isinstance(message, BaseException):
        raise message
    return message


def _load_parallel(root: Path, files: list[Path], vocab: Vocabulary, out: _Collector, workers: int) -> Corpus:
    ctx = mp.get_context("fork")
    indexed = list(enumerate(files))
    pipes, procs = [], []
    finished = False
    try:
        for k in range(workers):
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=_worker, daemon=True,
                               args=(child, root, indexed[k::workers], vocab, os.getpid(), [*pipes, parent]))
            proc.start()
            child.close()
            pipes.append(parent)
            procs.append(proc)
        first = sorted((item for conn in pipes for item in _receive(conn)), key=lambda item: item[0])
        light = []
        for _, p, problems in first:
            out.problems += problems
            if p is not None:
                light.append(p)
        _check_source_ids(light, out)
        entities, broken = _declare(light, vocab, out)
        declared = pickle.dumps((entities, broken), protocol=pickle.HIGHEST_PROTOCOL)  # once for all workers
        for conn in pipes:
            conn.send_bytes(declared)
        second = []
        busy = list(pipes)
        while busy:
            for conn in mp_connection.wait(busy):
                item = _receive(conn)
                if item is None:
                    busy.remove(conn)
                else:
                    second.append(item)
        second.sort(key=lambda item: item[0])
        finished = True
    finally:
        for proc in procs:
            if finished:
                proc.join(timeout=10)
            if proc.is_alive():
                proc.kill()
                proc.join()
    locations: dict[str, tuple[str, int | None]] = {d.iri: (d.file, d.line) for d in entities.values()}
    summaries = []
    for _, _, _, summary, where, problems in second:
        summaries.append(summary)
        locations.update(where)
        out.problems += problems
    if out.problems:
        raise SourceError(out.problems)
    return Corpus(b"".join(item[1] for item in second), summaries, entities, locations,
                  b"".join(item[2] for item in second))
