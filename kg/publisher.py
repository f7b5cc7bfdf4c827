"""``cdkg release``: a built graph as a dataset researchers can cite.

A release folder holds, under fixed names (so that a later release replaces an earlier one file
by file and nothing else is ever touched):

* ``cdkg.nq`` — the data graphs (facts, entity records, provenance; not the ontology) as
  canonical N-Quads: blank nodes labelled by RDF Dataset Canonicalization (RDFC-1.0, pyoxigraph's
  ``Dataset.canonicalize``), one quad a line, lines sorted by code point and each once.  The same
  sources always give the same bytes; ``cdkg.nq.sha256`` holds its SHA-256 (``sha256sum -c``).
* ``cdkg-ontology.ttl`` — the ontology the data uses (a copy of ``ontology/cdkg.ttl``).
* ``void.ttl`` — a DCAT/VoID description: counts, vocabularies used, one distribution per file.
* ``CITATION.cff`` — how to cite the software and the dataset (the repository's own file is
  the same text, kept so by a test).
* ``ro-crate-metadata.json`` — RO-Crate 1.1 metadata: the dataset, its files, licences,
  version, creators and the sources it holds as cited works.

The package version, the dataset version and the ontology's ``owl:versionIRI`` move together:
:func:`versions` reads them and a release refuses to be made when they disagree.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from cdkg.errors import CdkgError, UsageError
from cdkg.kg.citations import SourceRecord, source_records
from cdkg.kg.files import write_atomic
from cdkg.kg.store import data_quads, open_store
from cdkg.ontology import ID, ONTOLOGY_IRI, OWL, PREFIXES, RDF, ontology_path

NQUADS = "cdkg.nq"
CHECKSUM = NQUADS + ".sha256"
ONTOLOGY = "cdkg-ontology.ttl"
VOID = "void.ttl"
CITATION = "CITATION.cff"
CRATE = "ro-crate-metadata.json"
#: Every file a release writes; a release folder holding anything else is not written into.
RELEASE_FILES = (NQUADS, CHECKSUM, ONTOLOGY, VOID, CITATION, CRATE)
DEFAULT_RELEASE = Path("release")

TITLE = "Cultural Diplomacy Knowledge Graph"
DESCRIPTION = ("Curated sources on Vietnam's cultural diplomacy (agencies, localities, partner countries, "
               "heritage, documents, events, people and positions) as RDF, with the evidence — a quote or a "
               "checked paraphrase and its source — behind every fact.")
DATA_ABSTRACT = ("The curated facts, entity records and provenance of cdkg, released as canonical N-Quads with "
                 "the ontology, licensed CC BY 4.0.")
#: The creator as the project states it (the ontology's dcterms:creator).
CREATOR = "cdkg contributors"
DATA_LICENSE = "https://creativecommons.org/licenses/by/4.0/"
DATASET_IRI = "https://w3id.org/cdkg/dataset"

_MEDIA_TYPES = {NQUADS: "application/n-quads", CHECKSUM: "text/plain", ONTOLOGY: "text/turtle",
                VOID: "text/turtle", CITATION: "application/yaml", CRATE: "application/ld+json"}
_DESCRIPTIONS = {
    NQUADS: "The data graphs as canonical N-Quads (RDFC-1.0): one named graph per evidence excerpt, one "
            "entity record per source, and the provenance graph.",
    CHECKSUM: f"SHA-256 of {NQUADS} (sha256sum format).",
    ONTOLOGY: "The cdkg ontology (OWL 2 DL) the data uses.",
    VOID: "DCAT and VoID description of the dataset: counts, vocabularies used, distributions.",
    CITATION: "How to cite the cdkg software and dataset (Citation File Format 1.2.0).",
}


class VersionMismatch(CdkgError):
    """The package, dataset and ontology versions disagree: no release is made."""


@dataclass
class Versions:
    package: str
    ontology_info: str  # owl:versionInfo
    ontology_iri: str  # owl:versionIRI

    @property
    def agree(self) -> bool:
        return self.ontology_info == self.package and self.ontology_iri == f"{ONTOLOGY_IRI}/{self.package}"


def package_version() -> str:
    """The installed cdkg's version (the dataset's version too)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("cdkg")
    except PackageNotFoundError:
        return "unknown"


def versions() -> Versions:
    """The package version and the ontology's owl:versionInfo and owl:versionIRI."""
    info = iri = ""
    for t in ox.parse(path=str(ontology_path()), format=ox.RdfFormat.TURTLE):
        if t.subject == ox.NamedNode(ONTOLOGY_IRI):
            if t.predicate.value == OWL + "versionInfo":
                info = t.object.value
            elif t.predicate.value == OWL + "versionIRI":
                iri = t.object.value
    return Versions(package_version(), info, iri)


@dataclass
class Release:
    """What ``cdkg release`` wrote."""

    out: Path
    version: str
    sha256: str
    triples: int
    quads: int
    entities: int
    sources: list[SourceRecord]
    seconds: float
    files: list[str] = field(default_factory=list)


def canonical_nquads(quads) -> bytes:
    """Canonical N-Quads of ``quads``: blank nodes relabelled by RDFC-1.0, lines sorted, each once."""
    dataset = ox.Dataset(quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    lines = sorted(set(ox.serialize(dataset, format=ox.RdfFormat.N_QUADS).splitlines()))
    del dataset
    return b"".join(line + b"\n" for line in lines)  # UTF-8 bytes sort in code point order


def check_release_target(out: Path) -> None:
    """Refuse (:class:`UsageError`) a release folder that is a link, a file, or holds files a
    release does not write — a release only ever writes its own file names, never deletes."""
    if out.is_symlink():
        raise UsageError(f"--output {out} is a symbolic link; give the real folder")
    if out.exists() and not out.is_dir():
        raise UsageError(f"--output {out} exists and is not a folder; give another --output")
    if out.is_dir():
        foreign = sorted(p.name for p in out.iterdir() if p.name not in RELEASE_FILES)
        if foreign:
            shown = ", ".join(foreign[:5]) + (" …" if len(foreign) > 5 else "")
            raise UsageError(f"will not write a release into {out}/: it holds files a release does not write "
                             f"({shown}). Give a new or empty folder, or an earlier release, as --output")


def release_date(date: str | dt.date | None = None) -> str:
    """The release's date: ``date``, else $SOURCE_DATE_EPOCH (reproducible builds), else today (UTC)."""
    if isinstance(date, dt.date):
        return date.isoformat()
    if date:
        try:
            return dt.date.fromisoformat(date).isoformat()
        except ValueError:
            raise UsageError(f"--date {date!r} is not a date; write it as YYYY-MM-DD") from None
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).date().isoformat()
    return dt.datetime.now(dt.timezone.utc).date().isoformat()


def release(output: Path | str | None = None, *, build: Path | str | None = None,
            date: str | dt.date | None = None) -> Release:
    """Write a release of the graph built in ``build`` (default ``build/``) into ``output``
    (default ``release/``): see the module's docstring for the files.

    Raises :class:`NotBuiltError` when nothing is built, :class:`UsageError` when ``output`` holds
    other files, :class:`VersionMismatch` when the package and ontology versions disagree.
    Everything is computed before the first file is written.
    """
    from cdkg.kg.statistics import compute_stats

    t0 = time.perf_counter()
    out = Path(output) if output is not None else DEFAULT_RELEASE
    check_release_target(out)
    v = versions()
    if not v.agree:
        raise VersionMismatch(
            f"versions disagree: package {v.package}, ontology owl:versionInfo {v.ontology_info!r} and "
            f"owl:versionIRI <{v.ontology_iri}> — move them together (pyproject.toml, ontology/cdkg.ttl) "
            "and reinstall")
    published = release_date(date)
    store = open_store(build)
    quads = list(data_quads(store))
    nquads = canonical_nquads(quads)
    digest = hashlib.sha256(nquads).hexdigest()
    stats = _build_stats(build, len(quads)) or compute_stats(store)
    sources = list(source_records(store).values())
    files: dict[str, bytes] = {
        NQUADS: nquads,
        CHECKSUM: f"{digest}  {NQUADS}\n".encode(),
        ONTOLOGY: ontology_path().read_bytes(),
        CITATION: citation_cff(v.package).encode("utf-8"),
    }
    files[VOID] = void_turtle(v.package, published, stats, _vocabularies(quads), sources, files)
    files[CRATE] = ro_crate(v.package, published, stats, sources, files)
    for name in RELEASE_FILES:
        write_atomic(out / name, files[name])
    return Release(out, v.package, digest, stats.triples, stats.quads, stats.entities, sources,
                   time.perf_counter() - t0, list(RELEASE_FILES))


def _build_stats(build: Path | str | None, quads: int):
    """The counts the build wrote in its report.json (computing them again on a large store takes
    longer than the build did), or None when the report is missing or is not of this store."""
    from cdkg.kg.statistics import ClassCount, SourceCount, Stats
    from cdkg.kg.store import DEFAULT_BUILD

    try:
        report = json.loads((Path(build or DEFAULT_BUILD) / "report.json").read_text(encoding="utf-8"))
        stats = Stats(report["triples"], report["quads"], report["graphs"], report["excerpts"], report["entities"],
                      [ClassCount(**c) for c in report["classes"]], [SourceCount(**s) for s in report["sources"]])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return stats if stats.quads == quads else None


def _vocabularies(quads: list[ox.Quad]) -> list[str]:
    """The namespaces of the predicates and classes the data uses."""
    terms = {q.predicate.value for q in quads}
    terms |= {q.object.value for q in quads if q.predicate.value == RDF + "type" and isinstance(q.object, ox.NamedNode)}
    spaces = sorted((ns for k, ns in PREFIXES.items() if k != "cdid"), key=len, reverse=True)
    used = set()
    for term in terms:
        ns = next((ns for ns in spaces if term.startswith(ns)), None)
        if ns is None:
            cut = max(term.rfind("#"), term.rfind("/"))
            ns = term[:cut + 1]
        used.add(ns)
    return sorted(used)


def citation_cff(version: str) -> str:
    """The text of ``CITATION.cff`` (Citation File Format 1.2.0): the software, with the dataset
    as a reference.  The repository's ``CITATION.cff`` is this text (a test keeps them equal)."""
    return f"""\
# Written by kg/publisher.py (citation_cff), which `cdkg release` also copies into each release: edit it there.
cff-version: 1.2.0
message: "If you use cdkg or its data, please cite the software and the dataset (under references) as below."
type: software
title: "cdkg: {TITLE}"
abstract: "{DESCRIPTION}"
version: "{version}"
license: MIT
authors:
  - name: "{CREATOR}"
keywords:
  - cultural diplomacy
  - Vietnam
  - knowledge graph
  - RDF
  - provenance
references:
  - type: data
    title: "{TITLE} (dataset)"
    abstract: "{DATA_ABSTRACT}"
    version: "{version}"
    license: CC-BY-4.0
    authors:
      - name: "{CREATOR}"
"""


def _literal(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid Turtle string


def void_turtle(version: str, published: str, stats, vocabularies: list[str], sources: list[SourceRecord],
                files: dict[str, bytes]) -> bytes:
    """The DCAT/VoID description (Turtle).  File IRIs are relative: they resolve against the
    description's own location, the release folder."""
    ds = f"<{DATASET_IRI}/{version}>"
    lines = [
        "@prefix dcat: <http://www.w3.org/ns/dcat#> .",
        "@prefix dcterms: <http://purl.org/dc/terms/> .",
        "@prefix foaf: <http://xmlns.com/foaf/0.1/> .",
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .",
        "@prefix void: <http://rdfs.org/ns/void#> .",
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .",
        "",
        f"{ds} a dcat:Dataset , void:Dataset ;",
        f"    dcterms:title {_literal(TITLE)}@en ;",
        f"    dcterms:description {_literal(DESCRIPTION)}@en ;",
        f"    dcterms:creator [ a foaf:Organization ; foaf:name {_literal(CREATOR)} ] ;",
        f"    dcterms:license <{DATA_LICENSE}> ;",
        f"    dcterms:issued {_literal(published)}^^xsd:date ;",
        f"    dcat:version {_literal(version)} ;",
        f"    owl:versionInfo {_literal(version)} ;",
        f"    dcterms:isVersionOf <{DATASET_IRI}> ;",
        f"    dcterms:conformsTo <{ONTOLOGY_IRI}/{version}> ;",
        f"    void:triples {stats.triples} ;",
        f"    void:entities {stats.entities} ;",
        f"    void:classes {len(stats.classes)} ;",
        f"    void:dataDump <{NQUADS}> ;",
    ]
    lines += [f"    void:vocabulary <{ns}> ;" for ns in vocabularies]
    lines += [f"    dcterms:source <{s.url or ID + 'source/' + s.id}> ;" for s in sources]
    names = [n for n in RELEASE_FILES if n in files]
    lines += [f"    dcat:distribution <{name}> {';' if i < len(names) - 1 else '.'}" for i, name in enumerate(names)]
    for name in names:
        lines += [
            "",
            f"<{name}> a dcat:Distribution ;",
            f"    dcterms:title {_literal(name)} ;",
            f"    dcterms:description {_literal(_DESCRIPTIONS[name])}@en ;",
            f"    dcat:downloadURL <{name}> ;",
            f"    dcat:mediaType <https://www.iana.org/assignments/media-types/{_MEDIA_TYPES[name]}> ;",
            f"    dcat:byteSize {len(files[name])} ;",
            f"    dcterms:license <{DATA_LICENSE}> .",
        ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def ro_crate(version: str, published: str, stats, sources: list[SourceRecord], files: dict[str, bytes]) -> bytes:
    """``ro-crate-metadata.json`` (RO-Crate 1.1) for the files in ``files``."""
    creator = {"@id": "#cdkg-contributors"}
    licence = {"@id": DATA_LICENSE}
    names = [n for n in RELEASE_FILES if n in files]
    root = {
        "@id": "./",
        "@type": "Dataset",
        "identifier": f"{DATASET_IRI}/{version}",
        "name": f"{TITLE} {version}",
        "description": DESCRIPTION,
        "version": version,
        "datePublished": published,
        "license": licence,
        "creator": creator,
        "publisher": creator,
        "keywords": "cultural diplomacy, Vietnam, knowledge graph, RDF, provenance",
        "inLanguage": ["vi", "en"],
        "conformsTo": {"@id": f"{ONTOLOGY_IRI}/{version}"},
        "hasPart": [{"@id": n} for n in names],
        "citation": [{"@id": ID + "source/" + s.id} for s in sources],
    }
    graph: list[dict] = [
        {"@id": CRATE, "@type": "CreativeWork", "conformsTo": {"@id": "https://w3id.org/ro/crate/1.1"},
         "about": {"@id": "./"}},
        root,
        {"@id": "#cdkg-contributors", "@type": "Organization", "name": CREATOR},
        {"@id": DATA_LICENSE, "@type": "CreativeWork", "name": "Creative Commons Attribution 4.0 International",
         "identifier": "CC-BY-4.0"},
        {"@id": f"{ONTOLOGY_IRI}/{version}", "@type": "CreativeWork", "name": "cdkg ontology",
         "version": version, "license": licence},
    ]
    for name in names:
        entity = {"@id": name, "@type": "File", "name": name, "description": _DESCRIPTIONS[name],
                  "encodingFormat": _MEDIA_TYPES[name], "contentSize": str(len(files[name])),
                  "sha256": hashlib.sha256(files[name]).hexdigest(),
                  "license": licence}
        if name == NQUADS:
            entity["conformsTo"] = {"@id": "https://www.w3.org/TR/rdf-canon/"}
        graph.append(entity)
    for s in sources:
        work = {"@id": ID + "source/" + s.id, "@type": "CreativeWork", "identifier": s.id, "name": s.title,
                "additionalType": s.kind}
        if s.url:
            work["url"] = s.url
        if s.publisher:
            work["publisher"] = s.publisher
        if s.issued:
            work["datePublished"] = s.issued
        graph.append(work)
    crate = {"@context": ["https://w3id.org/ro/crate/1.1/context", {"sha256": "http://schema.org/sha256"}],
             "@graph": graph}
    return (json.dumps(crate, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


__all__ = ["release", "Release", "versions", "Versions", "VersionMismatch", "canonical_nquads",
           "citation_cff", "RELEASE_FILES"]
