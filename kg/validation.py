"""``cdkg validate``: check curated sources without building — schema, excerpts, references
(the loader), SHACL shapes (``ontology/shapes.ttl``) and the ontology-quality checks
(``ontology/checks/*.rq``, a row = a violation).  ``cdkg build`` runs the same checks first.

Each finding names the curated file and line behind the entity or excerpt concerned, the
rule, and a hint.  Warnings (data a source may simply not give) are reported, never fatal.

The shapes run on the fast engine (:mod:`cdkg.kg.shacl`, compiled to SPARQL) unless ``--engine
pyshacl`` asks for the reference.  Policy when the shapes file uses SHACL the fast engine does
not implement: it is never compiled to fewer checks; pySHACL validates the whole file instead,
and the report carries a *note* (severity ``"note"``, printed by ``cdkg validate``) naming the
shape and the construct — slower on large data, the same findings.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import pyoxigraph as ox

from cdkg.errors import CdkgError, SourceError
from cdkg.kg.store import ONTOLOGY_GRAPH
from cdkg.loaders.curated import Corpus, default_sources, load_corpus
from cdkg.ontology import ontology_path, short_id, shorten

SHAPES_HINTS = {
    "LabelledEntity": "give the entity both labels in its curated file: vi: \"…\" and en: \"…\"",
    "Evidence": "every excerpt needs its quote and the source it is quoted from",
    "Source": "check the article header (Title:, Published: d/m/yyyy)",
    "DateValue": "write dates as the source does: \"28/4/2022\", \"26/5\", \"11/2021\", \"2010\"",
    "PeriodValue": "periodStart and periodEnd are years, e.g. \"2030\"",
    "Document": "a document has one number (eli:id_local) and, where a source names it, an issuer (eli:passed_by)",
    "Decision": "add the issuer (eli:passed_by) if a source names it",
    "NumberedDocument": "add the number and date of issue if a source gives them",
    "Meeting": "add the date and organiser if a source gives them",
    "Position": "a position needs org:member (a person), org:organization and org:role facts",
    "Inscription": "an inscription needs one cd:inscribedItem",
    "AdministrativeChange": "a change needs cd:predecessor and cd:successor",
    "SpeakerStatement": "say who raised it: [statement, raisedBy, person_or_organisation]",
    "Strategy": "a strategy has one objectiveCount",
}


@dataclass
class Finding:
    """One violation or warning, located in the curated sources where possible."""

    file: str
    line: int | None
    entity: str
    rule: str
    message: str
    hint: str = ""
    severity: str = "violation"  # or "warning", or "note" (about the run: neither fatal nor a warning)

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else (self.file or "(ontology)")
        text = f"{where}: {self.entity}: [{self.rule}] {self.message}"
        return text + (f"\n    hint: {self.hint}" if self.hint else "")


@dataclass
class ValidationReport:
    sources_dir: Path
    findings: list[Finding] = field(default_factory=list)

    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "violation"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def notes(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "note"]

    @property
    def ok(self) -> bool:
        return not self.violations


class ValidationFailed(CdkgError):
    """The curated data breaks a SHACL shape or an ontology check; nothing was written."""

    exit_code = 1

    def __init__(self, report: ValidationReport):
        self.report = report
        shown = "\n".join(str(f) for f in report.violations[:20])
        more = len(report.violations) - 20
        n = len(report.violations)
        super().__init__(f"{n} violation{'s' if n != 1 else ''} of the shapes and checks:\n{shown}"
                         + (f"\n... and {more} more" if more > 0 else ""))


def memory_store(corpus: Corpus) -> ox.Store:
    """An in-memory store of the corpus with the ontology, as a build would make it."""
    store = ox.Store()
    store.load(corpus.nquads, format=ox.RdfFormat.N_QUADS)  # in memory: faster to query than bulk_load
    store.load(path=str(ontology_path()), format=ox.RdfFormat.TURTLE, to_graph=ONTOLOGY_GRAPH)
    return store


ENGINES = ("sparql", "pyshacl")


def check_corpus(corpus: Corpus, store: ox.Store | None = None, engine: str = "sparql",
                 shapes: Path | None = None) -> list[Finding]:
    """SHACL shapes (``shapes``, default ``ontology/shapes.ttl``) and ontology checks on a loaded corpus.

    ``engine="sparql"`` runs the shapes compiled to SPARQL on the store (:mod:`cdkg.kg.shacl`, fast at
    any size) — or, when the shapes use something it does not implement, pySHACL with a note
    saying why; ``engine="pyshacl"`` runs pySHACL, the reference implementation."""
    from cdkg.kg import shacl

    store = store if store is not None else memory_store(corpus)
    shapes_file = Path(shapes) if shapes is not None else shacl.shapes_path()
    if engine == "sparql":
        try:
            checks = shacl.compile_shapes(str(shapes_file))
        except shacl.ShapesError as exc:
            note = Finding(_shown(shapes_file), None, "SHACL engine", "shapes engine",
                           f"pySHACL validated the shapes instead of the fast engine, which does not implement "
                           f"this: {exc}", "slower on large data; the findings are pySHACL's", "note")
            return [note] + _shacl(corpus, store, shapes_file) + _checks(corpus, store)
        return _shacl_sparql(corpus, store, checks) + _checks(corpus, store)
    return _shacl(corpus, store, shapes_file) + _checks(corpus, store)


def _shown(path: Path) -> str:
    """``ontology/shapes.ttl`` for the bundled file, else the path given."""
    from cdkg.kg import shacl

    return "ontology/shapes.ttl" if path.resolve() == shacl.shapes_path().resolve() else str(path)


def validate(sources: Path | str | None = None, engine: str = "sparql") -> ValidationReport:
    """Check the curated sources in ``sources`` (default: the bundled ones) without building."""
    sources_dir = Path(sources) if sources is not None else default_sources()
    report = ValidationReport(sources_dir)
    try:
        corpus = load_corpus(sources_dir)
    except SourceError as exc:
        report.findings = [Finding(p.file, p.line, p.field, "source", p.message, p.hint) for p in exc.problems]
        return report
    report.findings = check_corpus(corpus, engine=engine) + _review_markers(sources_dir)
    return report


def _review_markers(sources_dir: Path) -> list[Finding]:
    """A warning per unreviewed proposal (``# review C: why``) left in a curated file by ``cdkg draft``:
    a draft validates, and the curator sees what is still to check."""
    from cdkg.loaders.curated import MAX_FILE_BYTES
    from cdkg.loaders.drafting import review_markers
    from cdkg.loaders.reading import UnsafeFile, read_regular

    out = []
    folder = sources_dir / "curated"
    for path in sorted(folder.glob("*.yaml")):
        try:  # the loader's reader (no FIFO, device or link out of the folder)
            text = read_regular(path, folder, MAX_FILE_BYTES).decode("utf-8")
        except (OSError, UnsafeFile, UnicodeDecodeError):
            continue  # the loader has reported it
        for line, confidence, why in review_markers(text):
            out.append(Finding(f"curated/{path.name}", line, "draft", "review",
                               f"unreviewed draft proposal (confidence {confidence:.1f}: {why})",
                               "check the line against the article, correct it, then delete its '# review' comment",
                               "warning"))
    return out


def _locate(corpus: Corpus, iri: str) -> tuple[str, int | None]:
    return corpus.locations.get(iri, ("", None))


def _shacl(corpus: Corpus, store: ox.Store, shapes_file: Path) -> list[Finding]:
    import pyshacl
    import rdflib

    data = rdflib.Graph()
    # From the store, not the corpus: a build hands the corpus's quads over to its stores.
    triples = {q.triple for q in store.quads_for_pattern(None, None, None) if q.graph_name != ONTOLOGY_GRAPH}
    data.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
    shapes = rdflib.Graph().parse(shapes_file, format="turtle")
    onto = rdflib.Graph().parse(ontology_path(), format="turtle")
    _, results, _ = pyshacl.validate(data, shacl_graph=shapes, ont_graph=onto, inference="none",
                                     allow_warnings=True, abort_on_first=False)
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    findings = []
    for result in results.subjects(rdflib.RDF.type, sh.ValidationResult):
        focus = str(results.value(result, sh.focusNode))
        path = results.value(result, sh.resultPath)
        message = str(results.value(result, sh.resultMessage) or "shape violated")
        shape = _shape_name(shapes, results.value(result, sh.sourceShape), sh)
        severity = "warning" if results.value(result, sh.resultSeverity) in (sh.Warning, sh.Info) else "violation"
        file, line = _locate(corpus, focus)
        what = shorten(str(path)) + ": " if isinstance(path, rdflib.URIRef) else ""
        findings.append(Finding(file, line, short_id(focus), f"shape {shape}", what + message,
                                SHAPES_HINTS.get(shape, ""), severity))
    return sorted(findings, key=lambda f: (f.severity, f.file, f.line or 0, f.entity, f.message))


def _shacl_sparql(corpus: Corpus, store: ox.Store, checks: tuple) -> list[Finding]:
    from cdkg.kg import shacl

    findings = {}
    for r in shacl.run(store, checks):  # one finding per focus node and message, whatever the values at fault
        file, line = _locate(corpus, r.focus)
        what = shorten(r.path) + ": " if r.path else ""
        finding = Finding(file, line, short_id(r.focus), f"shape {r.shape}", what + r.message,
                          SHAPES_HINTS.get(r.shape, ""), r.severity)
        findings.setdefault(str(finding) + finding.severity, finding)
    return sorted(findings.values(), key=lambda f: (f.severity, f.file, f.line or 0, f.entity, f.message))


def _shape_name(shapes, shape, sh) -> str:
    """The named node shape behind a result (property shapes are blank nodes inside it)."""
    import rdflib

    if isinstance(shape, rdflib.URIRef):
        return str(shape).rsplit("#", 1)[-1]
    for parent in shapes.subjects(sh.property, shape):
        return str(parent).rsplit("#", 1)[-1]
    return "shape"


def _checks(corpus: Corpus, store: ox.Store) -> list[Finding]:
    from cdkg.kg import shacl

    def run(path: Path) -> list[Finding]:
        text = path.read_text(encoding="utf-8")
        header = {k.strip(): v.strip() for k, _, v in
                  (line.lstrip("# ").partition(":") for line in text.splitlines() if line.startswith("#"))}
        rule = header.get("rule", path.stem)
        found = []
        for row in store.query(text):
            focus = row["focus"].value
            file, line = _locate(corpus, focus)
            found.append(Finding(file or "ontology/cdkg.ttl", line, short_id(focus), rule,
                                 row["message"].value, header.get("hint", "")))
        return found

    folder = Path(str(resources.files("cdkg.ontology") / "checks"))
    # on several threads: pyoxigraph evaluates a query without holding the GIL
    with ThreadPoolExecutor(max_workers=shacl.THREADS) as pool:
        return [f for found in pool.map(run, sorted(folder.glob("*.rq"))) for f in found]

