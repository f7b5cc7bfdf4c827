"""The ``cdkg`` command line: a thin layer over the Python API of :mod:`cdkg` (one function per command).

Each command parses its options, calls one library function and prints the result; errors
the library raises on purpose (:class:`cdkg.errors.CdkgError`) are printed once on stderr with
their exit code (1 invalid input, 2 could not run).  Heavy libraries load only in the
commands that need them.
"""

from __future__ import annotations

import functools
import json
import sys
from enum import Enum
from pathlib import Path
from typing import Any, Callable, Iterable, Optional

import typer
from rich.console import Console
from rich.table import Table

from cdkg.kg.terminal import cell, json_text, safe, u_escaped, visible

app = typer.Typer(
    name="cdkg",
    help="Cultural Diplomacy Knowledge Graph: build the graph from curated sources, then query, "
    "explain and export it.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
out = Console(highlight=False, soft_wrap=False)
err = Console(stderr=True, highlight=False)

BuildOption = typer.Option(Path("build"), "--build", "-b", help="Folder of a built graph (made by `cdkg build`).")
MaxBytesOption = typer.Option(
    None, "--max-bytes", min=1, show_default=False,
    help="Largest answer read from a SPARQL endpoint, in bytes (default 268435456 = 256 MiB); "
    "reading stops there with an error.")


def _remote_options(max_bytes: Optional[int], **options: Any) -> dict[str, Any]:
    """Options for kg.remote that were given (the rest keep the library's defaults)."""
    return {k: v for k, v in {"max_bytes": max_bytes, **options}.items() if v is not None}


class Lang(str, Enum):
    en = "en"
    vi = "vi"


class ExportFormat(str, Enum):
    turtle = "turtle"
    ntriples = "ntriples"
    nquads = "nquads"
    trig = "trig"
    jsonld = "jsonld"
    owl = "owl"
    graphml = "graphml"
    gexf = "gexf"
    csv = "csv"
    csl_json = "csl-json"
    bibtex = "bibtex"


class Network(str, Enum):
    all = "all"
    organisations = "organisations"


def _reports_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the library's errors into one message on stderr and a documented exit code."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from cdkg.errors import CdkgError
        from cdkg.kg.store import damaged, is_store_damage
        from cdkg.kg.terminal import safe

        try:
            return fn(*args, **kwargs)
        except CdkgError as exc:
            err.print(f"[bold red]error:[/] {safe(exc)}", soft_wrap=True)
            raise typer.Exit(exc.exit_code) from None
        except (OSError, RuntimeError) as exc:  # a damaged store may be found when a query reads it
            if is_store_damage(exc):
                exc = damaged(kwargs.get("build_dir"), exc)
            elif not isinstance(exc, OSError):
                raise
            err.print(f"[bold red]error:[/] {safe(exc)}", soft_wrap=True)
            raise typer.Exit(2) from None

    return wrapper


@app.command()
@_reports_errors
def build(
    sources: Optional[Path] = typer.Option(
        None, "--sources", "-s", help="Folder with curated/*.yaml and articles/*.txt (default: the bundled sources)."),
    out_dir: Path = typer.Option(Path("build"), "--out", "-o", help="Folder to write the graph into."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing but errors."),
) -> None:
    """Build the graph from curated sources into build/ (kg.ttl, kg.trig, the store, report.json).

    Every source is checked first (schema, references, dates, that every quote is in its
    article); on any problem nothing is written and the previous build stays as it was.

    Example:
        cdkg build
        cdkg build --sources my-sources/ --out my-build/
    """
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from cdkg.kg.builder import build as run_build

    with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=err,
                  transient=True, disable=quiet or not err.is_terminal) as bar:
        task = bar.add_task("building", total=1)

        def progress(step: int, total: int, description: str) -> None:
            bar.update(task, total=total, completed=step, description=description)

        result = run_build(sources, out_dir, progress=progress)
    if quiet:
        return
    s = result.stats
    table = Table(title=f"Built {safe(result.out)}/ in {result.seconds:.2f} s", title_justify="left")
    for col in ("source", "kind", "excerpts", "facts", "entities"):
        table.add_column(col, justify="right" if col in ("excerpts", "facts", "entities") else "left",
                         no_wrap=col == "source")
    for src in s.sources:
        table.add_row(cell(src.source), cell(src.kind), str(src.excerpts), str(src.facts), str(src.entities))
    out.print(table)
    out.print(f"{len(s.sources)} sources, {s.excerpts} excerpts, {s.entities} entities, "
              f"{s.triples} distinct triples ({s.quads} quads in {s.graphs} named graphs)")
    out.print("Entities per class: " + ", ".join(f"{safe(c.label_en or c.cls)} {c.entities}" for c in s.classes))
    for note in result.notes:  # e.g. the shapes needed pySHACL
        err.print(f"[cyan]note[/] {safe(str(note))}", soft_wrap=True)
    if result.warnings:
        out.print(f"{len(result.warnings)} warnings about facts the sources may not give (`cdkg validate` lists them)")
    out.print(f"Wrote {', '.join(safe(result.out / f) for f in result.files)}")


@app.command()
@_reports_errors
def validate(
    sources: Optional[Path] = typer.Option(
        None, "--sources", "-s", help="Folder with curated/*.yaml and articles/*.txt (default: the bundled sources)."),
    show_warnings: bool = typer.Option(True, "--warnings/--no-warnings", help="List warnings too."),
    engine: str = typer.Option("sparql", "--engine", help="SHACL engine: sparql (shapes compiled to SPARQL, "
                               "fast) or pyshacl (the reference implementation)."),
) -> None:
    """Check curated sources without building: schema, quotes, references, SHACL shapes, ontology.

    Exit code 0: valid (warnings allowed); 1: violations, each with file, line, entity, rule
    and a hint; 2: the check could not run.

    Example:
        cdkg validate
        cdkg validate --sources my-sources/
    """
    from cdkg.errors import UsageError
    from cdkg.kg.validation import ENGINES
    from cdkg.kg.validation import validate as run_validate

    if engine not in ENGINES:
        raise UsageError(f"--engine is one of {', '.join(ENGINES)}")
    report = run_validate(sources, engine=engine)
    for finding in report.notes:  # e.g. the shapes needed pySHACL: always shown
        err.print(f"[cyan]note[/] {safe(finding)}", soft_wrap=True)
    for finding in report.violations:
        err.print(f"[bold red]violation[/] {safe(finding)}", soft_wrap=True)
    if show_warnings:
        for finding in report.warnings:
            err.print(f"[yellow]warning[/] {safe(finding)}", soft_wrap=True)
    n, w = len(report.violations), len(report.warnings)
    where = str(sources) if sources is not None else "bundled sources"
    out.print(f"{safe(where)}: {'valid' if report.ok else 'INVALID'} — "
              f"{n} violation{'s' if n != 1 else ''}, {w} warning{'s' if w != 1 else ''}")
    if not report.ok:
        raise typer.Exit(1)


@app.command()
@_reports_errors
def reason(
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Where to write the inferences "
                                          "(default: BUILD/inferred.ttl)."),
    build_dir: Path = BuildOption,
) -> None:
    """Run the HermiT reasoner (needs Java) on ontology + data: consistency and inferences.

    The inferred types and property values are written as their own graph (a Turtle file),
    never mixed into the asserted facts. Exit code 1 when inconsistent, with HermiT's explanation.

    Example:
        cdkg reason
        cdkg reason --output inferred.ttl
    """
    from cdkg.kg.reasoning import reason as run_reason

    result = run_reason(build_dir, output)
    out.print(f"Consistent. {result.inferred} inferred triples written to {safe(result.output)} "
              f"({result.seconds:.1f} s)")


@app.command()
@_reports_errors
def export(
    format: ExportFormat = typer.Option(ExportFormat.turtle, "--format", "-f", help="Serialisation to write."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="File to write (default: standard output); "
                                          "for csv, the folder to write nodes.csv and edges.csv into."),
    with_ontology: bool = typer.Option(False, "--with-ontology", help="Include the ontology's axioms."),
    network: Network = typer.Option(Network.all, "--network", help="graphml, gexf, csv: all (entities and the "
                                    "facts between them) or organisations (linked by shared events)."),
    lang: Lang = typer.Option(Lang.en, "--lang", "-l", help="graphml, gexf, csv: language of the label column "
                              "(label_en and label_vi are always there)."),
    build_dir: Path = BuildOption,
) -> None:
    """Export the built graph for other systems (Protégé, GraphDB, Fuseki, Gephi, R, pandas, Zotero).

    turtle and ntriples hold each triple once (the union of all graphs); trig, nquads and
    jsonld keep one named graph per evidence excerpt, so every fact keeps its provenance.
    owl: RDF/XML of ontology + data that owlready2, HermiT and Protégé read as is (dates as
    ISO strings). graphml, gexf (with event dates for Gephi's timeline) and csv (nodes.csv and
    edges.csv in the --output folder): a network with labels, kinds, dates and evidence counts.
    csl-json, bibtex: every source's record, for a reference manager.

    Example:
        cdkg export --format trig --output kg.trig
        cdkg export --format ntriples | wc -l
        cdkg export --format gexf --network organisations --output organisations.gexf
        cdkg export --format csv --output tables/
        cdkg export --format csl-json --output sources.json
    """
    from cdkg import export as run_export

    result = run_export(format.value, output, build=build_dir, with_ontology=with_ontology,
                        network=network.value, lang=lang.value)
    if output is None:
        sys.stdout.buffer.write(result)  # type: ignore[arg-type]
        sys.stdout.buffer.flush()
    elif format is ExportFormat.csv:
        err.print(f"Wrote {safe(Path(result) / 'nodes.csv')} and {safe(Path(result) / 'edges.csv')} "
                  f"(network {network.value})")
    else:
        err.print(f"Wrote {safe(result)} ({Path(result).stat().st_size:,} bytes, {format.value})")


@app.command()
@_reports_errors
def stats(
    build_dir: Path = BuildOption,
    lang: Lang = typer.Option(Lang.en, "--lang", "-l", help="Language of class labels."),
    as_json: bool = typer.Option(False, "--json", help="Print the counts as JSON."),
) -> None:
    """Count entities per class and excerpts, facts and entities per source.

    Example:
        cdkg stats
        cdkg stats --lang vi
    """
    from cdkg.kg.statistics import stats as run_stats

    s = run_stats(build_dir)
    if as_json:
        _print_json(s.to_dict())
        return
    out.print(f"{s.triples} distinct triples, {s.quads} quads in {s.graphs} named graphs; "
              f"{s.excerpts} excerpts; {s.entities} entities")
    classes = Table(title="Entities per class", title_justify="left")
    classes.add_column("class")
    classes.add_column("label")
    classes.add_column("entities", justify="right")
    for c in s.classes:
        classes.add_row(cell(c.cls), cell(c.label_vi if lang is Lang.vi else c.label_en), str(c.entities))
    out.print(classes)
    sources = Table(title="Per source", title_justify="left")
    for col in ("source", "publisher", "published", "excerpts", "facts", "entities"):
        sources.add_column(col, justify="right" if col in ("excerpts", "facts", "entities") else "left",
                           no_wrap=col == "published", overflow="fold", min_width=22 if col == "publisher" else None)
    for src in s.sources:
        sources.add_row(cell(src.source), cell(src.publisher or "—"), cell(src.published or "—"),
                        str(src.excerpts), str(src.facts), str(src.entities))
    out.print(sources)


@app.command()
@_reports_errors
def why(
    entity: str = typer.Argument(..., help="Id (ha_kim_ngoc), IRI or label; accents and case do not matter."),
    build_dir: Path = BuildOption,
    lang: Lang = typer.Option(Lang.en, "--lang", "-l", help="Language of labels."),
    as_json: bool = typer.Option(False, "--json", help="Print the statements as JSON."),
) -> None:
    """List every statement about an entity with its evidence, source, publisher and date.

    Each piece of evidence says its kind: "quoted" (the source's own words, found in the bundled
    article) or "cited" (our words, with the source's URL, a locator and who checked it when).

    Example:
        cdkg why "Hà Kim Ngọc"
        cdkg why plan_173_kh_ubnd --lang vi
    """
    from dataclasses import asdict

    from cdkg.kg.provenance import why as run_why

    result = run_why(entity, build_dir, lang=lang.value)
    if as_json:
        _print_json(asdict(result))
        return
    out.print(f"[bold]{safe(result.label)}[/] ({safe(result.id)}) <{safe(result.entity)}>")
    out.print(f"{len(result.statements)} statements from "
              f"{len({st.evidence for st in result.statements})} excerpts\n")
    current = None
    for st in result.statements:
        if st.evidence != current:
            if current is not None:
                out.print()
            current = st.evidence
            meta = ", ".join(x for x in (st.publisher, st.published) if x)
            out.print(f"[bold]{safe(st.title)}[/]" + (f" — {safe(meta)}" if meta else ""))
            out.print(f"  [dim]{st.kind} · {safe(st.evidence)}[/]")
            if st.kind == "cited":  # the curators' words, and where the source says it
                out.print(f"  cited (our words): {safe(st.paraphrase)}")
                where = " · ".join(x for x in (st.url, st.locator and f"at {st.locator}") if x)
                checked = " on ".join(x for x in (st.checked_by, st.checked_on) if x)
                out.print(f"  {safe(where)}" + (f" · checked by {safe(checked)}" if checked else ""))
            else:
                out.print(f"  quoted: “{safe(st.quote)}”")
            if st.inference:
                out.print(f"  [yellow]inference:[/] {safe(st.inference)}")
        out.print(f"    • {safe(st.subject_label)} — {safe(st.predicate_label)} — {safe(st.object_label)}")


class CiteStyle(str, Enum):
    apa = "apa"
    text = "text"


class CiteFormat(str, Enum):
    text = "text"
    csl_json = "csl-json"
    bibtex = "bibtex"


@app.command()
@_reports_errors
def cite(
    target: str = typer.Argument(..., help="An entity (id or label, as for `cdkg why`), an evidence id "
                                 "(000-steering-committee-annual-meeting/1) or a source id."),
    style: CiteStyle = typer.Option(CiteStyle.apa, "--style", help="apa (APA 7th edition) or text (title, "
                                    "publisher, author, date, URL, date read)."),
    fmt: CiteFormat = typer.Option(CiteFormat.text, "--format", "-f", help="text: references with the excerpts "
                                   "under each; csl-json or bibtex: the sources for a reference manager."),
    lang: Lang = typer.Option(Lang.en, "--lang", "-l", help="Language of the entity's label."),
    build_dir: Path = BuildOption,
) -> None:
    """Cite the evidence behind a fact: for an entity, every source its facts rest on, with the
    excerpts (quoted, or cited with a locator) under each; for an excerpt or a source, that source.

    What a page does not show (author, publisher, date) is left out, never invented.

    Example:
        cdkg cite "Hà Kim Ngọc"
        cdkg cite 000-steering-committee-annual-meeting/1 --format bibtex
        cdkg cite plan_173_kh_ubnd --format csl-json > sources.json
    """
    from cdkg.kg.citations import cite as run_cite

    text = run_cite(target, build_dir, lang=lang.value).render(style.value, fmt.value)
    if fmt is CiteFormat.text:
        out.print(safe(text), end="", soft_wrap=True)
    else:
        # JSON has \u escapes; BibTeX has none, so a terminal shows controls as escapes, a file gets them as they are
        sys.stdout.write(u_escaped(text) if fmt is CiteFormat.csl_json else visible(text) if sys.stdout.isatty()
                         else text)
        sys.stdout.flush()


@app.command()
@_reports_errors
def search(
    text: str = typer.Argument(..., help="Words to find; accents and case do not matter (\"hue\" finds Huế)."),
    build_dir: Path = BuildOption,
    lang: Lang = typer.Option(Lang.en, "--lang", "-l", help="Language of labels and kinds."),
    limit: int = typer.Option(20, "--limit", "-n", min=1, help="Show at most this many hits."),
    evidence: bool = typer.Option(True, "--evidence/--no-evidence", help="Search the evidence texts too."),
    as_json: bool = typer.Option(False, "--json", help="Print the hits as JSON."),
) -> None:
    """Find entities by name, alternative name or id, and evidence by its words; best first.

    Every word must occur; a whole-label match ranks first, then a label's start, whole words,
    part of a word, the id, and last the evidence texts. The id column is what `cdkg why` and
    the queries' --param take.

    Example:
        cdkg search hue
        cdkg search "ha kim ngoc" --lang vi
    """
    from dataclasses import asdict

    from cdkg.kg.lookup import search as run_search

    hits = run_search(text, build_dir, lang=lang.value, limit=limit, evidence=evidence)
    if as_json:
        _print_json([asdict(h) for h in hits])
        return
    if not hits:
        err.print(f"nothing matches {safe(text)!r}")
        raise typer.Exit(1)
    table = Table(title=f"{len(hits)} hits for {safe(text)!r}" + (" (--limit reached)" if len(hits) == limit else ""),
                  title_justify="left")
    for col in ("id", "kind", "label", "matched"):
        table.add_column(col, overflow="fold", no_wrap=col == "id")
    for h in hits:
        matched = "" if h.matched == h.label else h.matched if h.field == "label" else f"{h.field}: {h.matched}"
        table.add_row(cell(h.id), cell(h.kind), cell(h.label), cell(matched))
    out.print(table)


class EvidenceKind(str, Enum):
    all = "all"
    quoted = "quoted"


EvidenceOption = typer.Option(EvidenceKind.all, "--evidence", help="all: every fact; quoted: only the facts quoted from "
                               "the bundled articles (not those of cited sources).")


class ResultFormat(str, Enum):
    table = "table"
    csv = "csv"
    tsv = "tsv"
    json = "json"


@app.command("queries")
@_reports_errors
def list_queries(as_json: bool = typer.Option(False, "--json", help="Print the list as JSON.")) -> None:
    """List the named queries: name, question, parameters.

    Example:
        cdkg queries
    """
    from cdkg.queries import library

    lib = library()
    if as_json:
        _print_json([{"name": q.name, "title": q.title, "question": q.question, "question_vi": q.question_vi,
                      "example": q.example, "params": [p.name for p in q.params]} for q in lib.values()])
        return
    table = Table(title="Named queries (cdkg query NAME --param KEY=VALUE)", title_justify="left", show_lines=True)
    table.add_column("name", no_wrap=True)
    table.add_column("question")
    table.add_column("parameters")
    for q in lib.values():
        params = ", ".join(p.name for p in q.params if p.name != "lang") or "—"
        table.add_row(cell(q.name), cell(q.question), cell(params))
    out.print(table)


@app.command()
@_reports_errors
def query(
    name: Optional[str] = typer.Argument(None, help="A named query (cq04) or a .rq file."),
    sparql: Optional[str] = typer.Option(None, "--sparql", help="Your own SPARQL query text."),
    param: list[str] = typer.Option([], "--param", "-p", help="KEY=VALUE for a query parameter (repeatable)."),
    fmt: ResultFormat = typer.Option(ResultFormat.table, "--format", "-f",
                                     help="table for reading; csv, tsv, json are the SPARQL 1.1 results formats."),
    lang: Lang = typer.Option(Lang.en, "--lang", "-l", help="Language of labels."),
    iris: bool = typer.Option(False, "--iris", help="Show IRIs instead of labels in the table."),
    evidence: EvidenceKind = EvidenceOption,
    build_dir: Path = BuildOption,
    endpoint: Optional[str] = typer.Option(None, "--endpoint", "-e", help="Run on this SPARQL endpoint instead."),
    allow_service: bool = typer.Option(False, "--allow-service", help="Allow SERVICE and remote FROM (network)."),
    update: bool = typer.Option(False, "--update", help="Allow a SPARQL update on the local store."),
    timeout: float = typer.Option(60.0, "--timeout", min=0.001, help="Seconds the query may take in all, on the "
                                  "local store (it is then stopped) or on a remote endpoint."),
    max_bytes: Optional[int] = MaxBytesOption,
    limit: Optional[int] = typer.Option(None, "--limit", min=0, show_default=False,
                                        help="Only this many rows (a page; with --offset, the next pages)."),
    offset: int = typer.Option(0, "--offset", min=0, help="Skip this many rows first."),
) -> None:
    """Run a named query, a .rq file, or your own SPARQL on the built graph (or an endpoint).

    A query that runs past --timeout is stopped with exit code 2; Ctrl-C stops it at once, with
    exit code 130.  csv, tsv and json are written row by row as the store finds them; the table
    on a terminal shows the first rows and the total.  Rows come in the query's ORDER BY, or in
    the engine's order (the same every run on the same build), so --limit/--offset pages put
    together are the whole answer.

    Example:
        cdkg query cq01 --lang vi
        cdkg query cq02 --param event=ev_dc32_session_cultural_diplomacy --format csv
        cdkg query cq01 --evidence quoted
        cdkg query --sparql 'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }'
        cdkg query cq10 --limit 1000 --offset 2000 --format csv
    """
    from cdkg import queries
    from cdkg.errors import UsageError

    if (name is None) == (sparql is None):
        raise UsageError("give a query name (or .rq file), or --sparql TEXT — one of the two")
    params = {}
    for item in param:
        key, sep, value = item.partition("=")
        if not sep:
            raise UsageError(f"--param takes KEY=VALUE, not {item!r}")
        params[key.strip()] = value
    backend = (queries.backend_for(build_dir, endpoint, **_remote_options(max_bytes, timeout=timeout))
               if endpoint else None)
    from cdkg.kg.worker import QueryInterrupted

    try:
        if sparql is not None:
            result = queries.run_sparql(sparql, lang=lang.value, build=build_dir, backend=backend,
                                        allow_service=allow_service, allow_update=update, evidence=evidence.value,
                                        timeout=timeout, limit=limit, offset=offset)
        else:
            result = queries.run(name, params, lang=lang.value, build=build_dir, backend=backend,
                                 evidence=evidence.value, allow_service=allow_service, timeout=timeout,
                                 limit=limit, offset=offset)
        _print_result(result, fmt, iris, paged=limit is not None or offset > 0)
    except KeyboardInterrupt:  # Ctrl-C outside the query's worker (reading, labels): the same message
        raise QueryInterrupted("interrupted (Ctrl-C)") from None


def _write_report(text: str | Iterable[str], output: Optional[Path], summary: str) -> None:
    """A report (a text, or its pieces, written as they come) to standard output, or to the file
    --output names with "Wrote FILE: summary" on stderr."""
    pieces = [text] if isinstance(text, str) else text
    if output is None:
        for piece in pieces:
            sys.stdout.write(piece)
        return
    from cdkg.kg.files import write_atomic

    write_atomic(output, (piece.encode("utf-8") for piece in pieces))
    err.print(f"Wrote {safe(output)}: {summary}")


def _print_json(data: Any) -> None:
    """JSON on stdout, with control characters in its strings written as \\u escapes."""
    sys.stdout.write(json_text(data) + "\n")
    sys.stdout.flush()


#: The rows a table on a terminal shows (the total is counted; --limit/--offset or csv for the rest).
TABLE_ROWS = 100


class _Escaped:
    """A text file over standard output that writes what it is given through ``escape``."""

    def __init__(self, escape: Callable[[str], str]):
        self.escape = escape

    def write(self, text: str) -> int:
        sys.stdout.write(self.escape(text))
        return len(text)


def _print_result(result: Any, fmt: "ResultFormat", iris: bool, paged: bool = False) -> None:
    import pyoxigraph as ox

    if result is None:
        err.print("Update applied.")
        return
    if isinstance(result, bool):
        out.print(json.dumps({"head": {}, "boolean": result}) if fmt is ResultFormat.json else str(result).lower())
        return
    if isinstance(result, list):
        turtle = ox.serialize(result, format=ox.RdfFormat.TURTLE).decode("utf-8")
        sys.stdout.buffer.write(u_escaped(turtle).encode("utf-8"))  # the same triples
        return
    try:
        if fmt is ResultFormat.csv:  # CSV has no escapes: a file or pipe gets the values as they are
            tty = sys.stdout.isatty()
            result.write("csv", _Escaped(lambda s: "\r\n".join(map(visible, s.split("\r\n"))) if tty else s))
            return
        if fmt is not ResultFormat.table:
            result.write(fmt.value, _Escaped(u_escaped))  # the same JSON or TSV results
            sys.stdout.write("\n" if fmt is ResultFormat.json else "")
            return
        # a terminal shows the first rows and counts the rest; a file or pipe gets every row
        shown = TABLE_ROWS if sys.stdout.isatty() and not paged else None
        rows, total = result.head(shown if shown is not None else 1 << 62)
    finally:
        result.close()
    more = (f" (the first {len(rows)} shown: --offset {len(rows)} for the next, --format csv for all)"
            if len(rows) < total else "")
    table = Table(show_lines=False, title=f"{safe(result.name)}: {total} rows{more}", title_justify="left")
    for var in result.variables:
        table.add_column(cell(var), overflow="fold")
    for row in rows:
        table.add_row(*[cell(result.display(t, iris)) for t in row])
    out.print(table)


class VizKind(str, Enum):
    all = "all"
    organisations = "organisations"
    events = "events"
    documents = "documents"
    heritage = "heritage"
    places = "places"
    people = "people"


@app.command()
@_reports_errors
def viz(
    focus: Optional[str] = typer.Option(None, "--focus", help="Draw only the neighbourhood of this entity (id or label)."),
    depth: int = typer.Option(1, "--depth", min=1, max=6, help="Hops around --focus."),
    kind: VizKind = typer.Option(VizKind.all, "--kind", help="Only nodes of this kind and their neighbours; "
                                 "people: each position held drawn as one edge person → organisation, named by "
                                 "the post title."),
    gaps: bool = typer.Option(False, "--gaps", help="Highlight entities in coordination-gap findings and list them."),
    roll_up: bool = typer.Option(False, "--roll-up/--no-roll-up", help="Draw sub-units (org:unitOf, "
                                 "org:subOrganizationOf) as the organisation they belong to."),
    hide_placeholders: bool = typer.Option(False, "--hide-placeholders", help="Leave out collective placeholders "
                                           "(cd:OrganisationGroup, e.g. 'the ministries concerned')."),
    lang: Lang = typer.Option(Lang.en, "--lang", "-l", help="Language of labels."),
    output: Path = typer.Option(Path("graph.html"), "--output", "-o", help="HTML file to write."),
    build_dir: Path = BuildOption,
    endpoint: Optional[str] = typer.Option(None, "--endpoint", "-e", help="Draw this SPARQL endpoint's graph instead."),
    max_bytes: Optional[int] = MaxBytesOption,
) -> None:
    """Write an interactive graph as one self-contained HTML file that works offline.

    The layout is computed once (the same page on every run); the most connected nodes are
    labelled, more as you zoom in.  Click a node for its relations with their evidence (hover
    only highlights); a year range filters events; the view saves as PNG or SVG; a search
    box finds a node by name, with or without accents.

    Example:
        cdkg viz --output graph.html
        cdkg viz --focus "Hà Kim Ngọc" --depth 2 --lang vi --output hkn.html
        cdkg viz --kind organisations --gaps --roll-up --hide-placeholders --output orgs.html
        cdkg viz --kind people --output people.html
    """
    from cdkg.queries import backend_for
    from cdkg.viz import render

    backend = backend_for(build_dir, endpoint, **_remote_options(max_bytes)) if endpoint else None
    render(build_dir, focus=focus, depth=depth, kind=kind.value, gaps=gaps, lang=lang.value, output=output,
           endpoint=endpoint, backend=backend, roll_up=roll_up, hide_placeholders=hide_placeholders)
    out.print(safe(output.resolve()))


@app.command()
@_reports_errors
def site(
    output: Path = typer.Option(Path("site"), "--output", "-o", help="Folder to write (new, empty, or a site "
                                "cdkg wrote before, which is replaced whole)."),
    lang: Lang = typer.Option(Lang.en, "--lang", "-l", help="Language the site's index.html opens in "
                              "(both trees, en/ and vi/, are always written)."),
    build_dir: Path = BuildOption,
) -> None:
    """Write the graph as a static website that opens from file:// with no server and no internet.

    A home page with what the graph holds; a page per entity with every statement and its
    evidence; a page per source with its record and the facts it supports; a timeline filtered
    by year, kind, locality, partner and theme; the gap report; search without accents.
    Prints the path of the site's index.html.

    Example:
        cdkg site --output site --lang vi
    """
    from cdkg.viz.site import site as write_site

    out.print(safe(write_site(build_dir, output, lang=lang.value).resolve()))


class GapFormat(str, Enum):
    markdown = "markdown"
    html = "html"
    json = "json"


@app.command()
@_reports_errors
def gaps(
    fmt: GapFormat = typer.Option(GapFormat.markdown, "--format", "-f", help="Report format."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="File to write (default: standard output)."),
    lang: Lang = typer.Option(Lang.en, "--lang", "-l", help="Language of labels."),
    kind: list[str] = typer.Option([], "--kind", "-k", help="Only this gap kind (number or name; repeatable)."),
    fail_on_gaps: bool = typer.Option(False, "--fail-on-gaps", help="Exit with code 1 when there are findings."),
    sub_units_apart: bool = typer.Option(False, "--sub-units-apart",
                                         help="Show sub-units (offices, departments) apart from their organisation."),
    top: int = typer.Option(10, "--top", min=1, help="Markdown/HTML: the strongest findings shown per kind."),
    memory: bool = typer.Option(False, "--in-memory/--on-disk",
                                help="Work on a copy of the build in memory (its SPARQL runs faster, the copy "
                                "takes ~7 s at a million triples) or on the store on disk."),
    evidence: EvidenceKind = EvidenceOption,
    build_dir: Path = BuildOption,
    endpoint: Optional[str] = typer.Option(None, "--endpoint", "-e", help="Analyse this SPARQL endpoint instead."),
    max_bytes: Optional[int] = MaxBytesOption,
) -> None:
    """Report where the coordination the strategy asks for is missing, with the evidence for each finding.

    Kinds: 1 objectives nothing addresses, 2 localities without a plan, 3 heritage no event uses,
    4 inactive committee members, 5 shared mandate but never meet, 6 structural holes in the
    co-participation network, 7 statements with no one responsible or no follow-up,
    8 partners linked by a single channel. Exit 0 (1 with --fail-on-gaps and findings), 2 on errors.

    Example:
        cdkg gaps --output gaps.md
        cdkg gaps --kind 2 --kind structural-holes --format html --output gaps.html
    """
    from cdkg.queries import backend_for
    from cdkg.queries.gaps import chunks, find_gaps

    backend = backend_for(build_dir, endpoint, **_remote_options(max_bytes)) if endpoint else None
    report = find_gaps(kind or None, lang=lang.value, evidence=evidence.value,
                       build=build_dir, endpoint=endpoint, backend=backend, roll_up=not sub_units_apart, shown=top,
                       memory=memory)
    summary = ", ".join(f"{k.number}: {report.count(k.number)}" for k in report.kinds)
    # written piece by piece: the evidence is read from the store as it is written
    _write_report(chunks(report, fmt.value), output, f"{len(report.findings)} findings ({summary})")
    if fail_on_gaps and report.findings:
        raise typer.Exit(1)


@app.command()
@_reports_errors
def push(
    endpoint: str = typer.Option(..., "--endpoint", "-e", help="SPARQL query endpoint, e.g. http://127.0.0.1:7878/query."),
    graph_store: Optional[str] = typer.Option(
        None, "--graph-store", help="Graph Store Protocol URL (default for Oxigraph: the endpoint's /store)."),
    user: Optional[str] = typer.Option(None, "--user", envvar="CDKG_USER", help="User name (or $CDKG_USER)."),
    password: Optional[str] = typer.Option(None, "--password", envvar="CDKG_PASSWORD", show_default=False,
                                           help="Password (better: $CDKG_PASSWORD)."),
    timeout: float = typer.Option(60.0, "--timeout", help="Seconds each request may take in all (connect, send, "
                                  "answer, retries)."),
    max_bytes: Optional[int] = MaxBytesOption,
    build_dir: Path = BuildOption,
) -> None:
    """Upload the built graph to a SPARQL server, one named graph per evidence excerpt.

    Each graph is replaced on the server (HTTP PUT), so pushing again does not duplicate triples.
    The server must show the union of its graphs as the default graph for `cdkg query --endpoint`.

    Example:
        cdkg push --endpoint http://127.0.0.1:7878/query
        cdkg query cq01 --endpoint http://127.0.0.1:7878/query
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from cdkg.kg.remote import push as run_push

    with Progress(TextColumn("pushing"), BarColumn(), MofNCompleteColumn(), console=err, transient=True,
                  disable=not err.is_terminal) as bar:
        task = bar.add_task("push", total=1)
        sent = run_push(endpoint, build_dir, graph_store=graph_store, user=user, password=password, timeout=timeout,
                        progress=lambda i, n, _g: bar.update(task, total=n, completed=i), **_remote_options(max_bytes))
    out.print(f"Pushed {len(sent)} named graphs ({sum(sent.values())} triples, the ontology included) "
              f"to {safe(endpoint)}")


@app.command()
@_reports_errors
def serve(
    port: int = typer.Option(7878, "--port", "-p", min=0, max=65535, help="Port on 127.0.0.1 (0: any free port)."),
    timeout: float = typer.Option(60.0, "--timeout", min=0.001, help="Seconds a query may take; it is then stopped."),
    build_dir: Path = BuildOption,
) -> None:
    """Serve the built graph over SPARQL (read-only, on 127.0.0.1) with Oxigraph's web query UI.

    The endpoint answers queries only: it refuses updates, SERVICE and FROM outside the graph
    (it never contacts another server), and requests sent by other web sites (Origin, Host).

    Example:
        cdkg serve --port 7878
        cdkg query cq04 --endpoint http://127.0.0.1:7878/query
    """
    from cdkg.kg.serve import serve as run_serve

    def ready(server: Any) -> None:
        url = f"http://127.0.0.1:{server.port}"
        err.print(f"Serving {build_dir}/ at {url}/ (SPARQL endpoint {url}/query); Ctrl-C stops it.",
                  markup=False, soft_wrap=True)

    raise typer.Exit(run_serve(build_dir, port, timeout=timeout, ready=ready))


@app.command()
@_reports_errors
def release(
    output: Path = typer.Option(Path("release"), "--output", "-o", help="Folder to write the release into "
                                "(new, empty, or an earlier release)."),
    build_dir: Path = BuildOption,
    date: Optional[str] = typer.Option(None, "--date", help="Date of publication, YYYY-MM-DD (default: "
                                       "$SOURCE_DATE_EPOCH, else today)."),
) -> None:
    """Write a citable release of the built graph: canonical N-Quads and their SHA-256, the ontology,
    RO-Crate metadata, a DCAT/VoID description and CITATION.cff.

    The N-Quads are canonical (RDFC-1.0, sorted), so the same sources always give the same bytes
    and the same hash. The release refuses to be made when the package and ontology versions disagree.

    Example:
        cdkg release --output release/
        (cd release && sha256sum -c cdkg.nq.sha256)
    """
    from cdkg.kg.publisher import release as run_release

    result = run_release(output, build=build_dir, date=date)
    out.print(f"Released cdkg {safe(result.version)} into {safe(result.out)}/ in {result.seconds:.2f} s: "
              f"{result.quads} quads, {result.triples} distinct triples, {result.entities} entities, "
              f"{len(result.sources)} sources")
    out.print(f"sha256 {result.sha256}  {safe(result.out / 'cdkg.nq')}")
    out.print(f"Wrote {', '.join(safe(result.out / f) for f in result.files)}")


class DiffFormat(str, Enum):
    markdown = "markdown"
    json = "json"


@app.command("diff")
@_reports_errors
def diff_command(
    old: Path = typer.Argument(..., help="The earlier build or release folder (or an .nq/.trig file)."),
    new: Path = typer.Argument(..., help="The later build or release folder (or an .nq/.trig file)."),
    fmt: DiffFormat = typer.Option(DiffFormat.markdown, "--format", "-f", help="Report format."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="File to write (default: standard output)."),
) -> None:
    """Show the facts added, removed and changed between two builds or releases, with their evidence.

    Grouped by source and by entity. "changed": the subject and predicate had one value and now
    have one other value. Exit code, like diff: 0 no change, 1 changed, 2 the comparison could not run.

    Example:
        cdkg diff release-0.1.0/ release/ --format markdown > CHANGELOG-data.md
        cdkg diff old-build/ build/ --format json
    """
    from cdkg.errors import CdkgError
    from cdkg.kg.datadiff import diff as run_diff
    from cdkg.kg.datadiff import render

    try:
        result = run_diff(old, new)
    except CdkgError as exc:
        exc.exit_code = 2  # 1 means "changed" here
        raise
    _write_report(render(result, fmt.value), output,
                  ", ".join(f"{result.count(k)} {k}" for k in ("added", "removed", "changed")))
    if result.changed:
        raise typer.Exit(1)


class VocabKind(str, Enum):
    all = "all"
    classes = "classes"
    properties = "properties"


@app.command()
@_reports_errors
def vocab(
    kind: VocabKind = typer.Option(VocabKind.all, "--kind", "-k", help="classes, properties or all."),
    lang: Lang = typer.Option(Lang.en, "--lang", "-l", help="Label shown first (both are always shown)."),
    as_json: bool = typer.Option(False, "--json", help="Print the terms as JSON."),
) -> None:
    """List what a curated file may write: the ontology's classes (`kind:`) and properties
    (the middle of a fact), with Vietnamese and English labels and definitions.

    Example:
        cdkg vocab --kind properties
        cdkg vocab --kind classes --lang vi
    """
    from cdkg.loaders.vocab import terms

    found = terms(kind.value)
    if as_json:
        _print_json([t.__dict__ for t in found])
        return
    table = Table(title=f"{len(found)} terms", title_justify="left")
    first, second = ("label_vi", "label_en") if lang is Lang.vi else ("label_en", "label_vi")
    for col in ("name", "kind", first, second, "definition"):
        table.add_column(col, no_wrap=col == "name", overflow="fold")
    for t in found:
        table.add_row(cell(t.name), cell(t.kind), cell(getattr(t, first)), cell(getattr(t, second)),
                      cell(t.definition))
    out.print(table)


@app.command("new-source")
@_reports_errors
def new_source(
    source_id: str = typer.Argument(..., help="The new source's id (a slug: 005-quang-tri-plan-173)."),
    url: Optional[str] = typer.Option(None, "--url", help="The article's page address."),
    sources: Optional[Path] = typer.Option(None, "--sources", "-s", help="Sources folder to add articles/ID.txt "
                                           "and curated/ID.yaml to (default: the bundled sources)."),
) -> None:
    """Start a new source: an article file (header filled as far as known) and an empty curated file.

    Refuses to overwrite either file.  Paste the article body under the header's '---', then
    `cdkg draft`.

    Example:
        cdkg new-source 005-quang-tri-plan-173 --url https://example.gov.vn/ke-hoach-173 --sources my-sources
    """
    from cdkg.errors import UsageError
    from cdkg.kg.files import write_atomic
    from cdkg.loaders.drafting import new_source as scaffold

    article, curated = scaffold(source_id, url)
    if sources is None:
        from cdkg.loaders.curated import default_sources

        sources = default_sources()
    paths = (sources / "articles" / f"{source_id}.txt", sources / "curated" / f"{source_id}.yaml")
    for path in paths:
        if path.exists() or path.is_symlink():
            raise UsageError(f"{path} exists already: new-source never overwrites a file")
    for path, text in zip(paths, (article, curated)):
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, text.encode("utf-8"))
        out.print(f"Wrote {safe(path)}")


@app.command()
@_reports_errors
def draft(
    article: Path = typer.Argument(..., help="The article text file (header, '---', body)."),
    source_id: Optional[str] = typer.Option(None, "--id", help="The source id (default: the file's name)."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="The draft curated file to write "
                                          "(default: standard output); the review report goes beside it "
                                          "as FILE.review.md."),
    sources: Optional[Path] = typer.Option(
        None, "--sources", "-s", help="Sources whose entities mentions are matched to (default: the bundled "
        "sources)."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing output file."),
) -> None:
    """Draft a curated file from an article, for a person to review (offline, rule-based, deterministic).

    Proposes the body's sentences as excerpts, matches mentions to known entities, proposes new
    people, organisations, documents and events, and candidate facts (dates at the source's
    precision, chair, speaker, attendee, heldAt, eli:passed_by, implements), each with a
    '# review' comment giving a confidence.  The draft passes `cdkg validate`.

    Example:
        cdkg draft sources/articles/005-quang-tri-plan-173.txt --sources sources \\
            --output sources/curated/005-quang-tri-plan-173.yaml --force
    """
    from cdkg.errors import UsageError
    from cdkg.kg.files import write_atomic
    from cdkg.loaders.drafting import draft as run_draft

    result = run_draft(article, sources, source_id)
    if output is None:
        sys.stdout.write(result.yaml)
        return
    report = output.with_name(output.name + ".review.md") if output.suffix != ".yaml" else \
        output.with_suffix(".review.md")
    if output.exists() and not force:
        raise UsageError(f"{output} exists already: give --force to overwrite it")
    write_atomic(output, result.yaml.encode("utf-8"))
    write_atomic(report, result.report.encode("utf-8"))
    n_facts = len(result.facts())
    out.print(f"Wrote {safe(output)} ({len(result.sentences)} sentences, {len(result.matched)} known entities, "
              f"{len(result.new)} new, {n_facts} facts to review) and the review report {safe(report)}")


def main() -> None:
    """Entry point of the ``cdkg`` command."""
    app()


if __name__ == "__main__":
    main()
