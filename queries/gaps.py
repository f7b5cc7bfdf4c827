"""Coordination gaps: where the coordination the strategy asks for is missing in the sources.

Seven kinds are SPARQL rules (``queries/gaps/N-name.rq``: a row = a finding, with ``?focus``,
optional ``?related`` and ``?via`` entities and a ``?detail``), one kind is a network measure
(:mod:`cdkg.queries.network`).  :func:`find_gaps` returns every finding with the entities involved
and the evidence behind it (verbatim quotes or cited statements, sources, publishers, dates); :func:`render`
writes the report as Markdown, HTML or JSON.

Absence in the graph is absence of evidence in these sources, not proof of inaction: every
kind says what its findings prove and what they do not.
"""

from __future__ import annotations

import html
import re
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from cdkg.errors import UsageError
from cdkg.kg.terminal import json_text, visible
from cdkg.kg.sparql import PREFIX_DECL, label_map, values_block
from cdkg.loaders.dates import format_date
from cdkg.ontology import XSD, expand, natural_key, short_id, shorten

NETWORK_KIND = 6
SHARED_MANDATE_KIND = 5
NETWORK = {
    "number": NETWORK_KIND,
    "name": "structural-holes",
    "title": "Structural holes in the co-participation network",
    "explanation": "In the network of organisations that take part in the same events (themselves or through "
                   "their officials): brokers that most paths run through (betweenness), actors whose few "
                   "contacts are tied to each other (Burt's constraint), organisations and links whose removal "
                   "would disconnect others (articulation points, bridges), and groups that share no event with "
                   "the rest (separate components).",
    "proves": "in these sources, the organisations are connected only as shown.",
    "does-not-prove": "that the organisations do not work together — the network holds only reported events.",
    "evidence": "cd:organisedBy cd:chair cd:speaker cd:attendee cd:hasParticipant cd:directedBy org:organization",
}
NETWORK_MEASURES = {"broker": "broker", "constrained": "most constrained", "articulation": "articulation point",
                    "bridge": "bridge", "component": "separate component"}

#: A few pieces of evidence stating facts about one entity, as the store returns them (a hub agency
#: is in thousands; sorting them all to show three took most of a report's time at a million
#: triples).  A query unions one such block per entity; the entity (and property list) sits inside
#: each branch so the engine starts from it.  ``?text`` is a quote (prov:value, quoted evidence) or
#: the curators' words (cd:paraphrase, cited evidence); ``?src`` the source either rests on.
EVIDENCE_ONE = """{ SELECT DISTINCT ?e ?g ?text ?title ?src WHERE {
  {
    %(entity)s %(properties)s
    GRAPH ?g { ?e ?p ?o }
    ?g prov:value|cd:paraphrase ?text ; prov:wasQuotedFrom|prov:wasDerivedFrom ?src . ?src dcterms:title ?title .
  } UNION {
    %(entity)s %(properties)s
    GRAPH ?g { ?s ?p ?e }
    ?g prov:value|cd:paraphrase ?text ; prov:wasQuotedFrom|prov:wasDerivedFrom ?src . ?src dcterms:title ?title .
  }
} LIMIT %(limit)d }"""
#: The evidence's kind and locator and the sources' publisher, date and page, joined once per
#: query rather than once per entity.
EVIDENCE_SOURCES = """
  BIND(EXISTS { ?g a cd:CitedEvidence } AS ?cited)
  OPTIONAL { ?g cd:locator ?locator }
  OPTIONAL { ?src dcterms:publisher ?publisher }
  OPTIONAL { ?src dcterms:issued ?issued }
  OPTIONAL { ?src foaf:page ?page }"""


@dataclass
class GapKind:
    number: int
    name: str
    title: str
    explanation: str
    proves: str
    does_not_prove: str
    method: str
    note: str = ""
    evidence_properties: list[str] = field(default_factory=list)  # facts that show the finding best


@dataclass
class Entity:
    iri: str
    id: str
    label: str


@dataclass
class Evidence:
    quote: str  # the source's own words (quoted evidence); "" for cited evidence
    source: str
    publisher: str
    published: str
    excerpt: str  # the evidence graph's IRI
    kind: str = "quoted"  # or "cited": the curators' words (paraphrase) about a source not bundled
    paraphrase: str = ""
    url: str = ""  # the source's page
    locator: str = ""  # where in the source (cited evidence)


@dataclass
class Finding:
    kind: int
    kind_name: str
    explanation: str  # the finding in a sentence
    entities: list[Entity]
    evidence: list[Evidence] = field(default_factory=list)
    value: float | None = None
    #: how strong the finding is: ``total`` and its parts (see :data:`WEIGHT_TEXT`)
    weight: dict[str, float] = field(default_factory=dict)


@dataclass
class Coverage:
    """One of today's provincial-level units in gap 2's coverage table (a row of its rule)."""

    unit: Entity
    status: str  # "2030-plan" (not a gap), "other-line-only" or "none"
    plans: str  # the 2030 Strategy's plans it carries (number, date, chain), "; "-separated
    other_line: str  # documents under 210/QĐ-TTg, Directive 25 or the 2020 Strategy
    sources: int  # sources with a fact about it (or a predecessor) beyond existence and succession
    searched: int  # it and its predecessors: searched by name in the search log
    not_searched: int  # … not searched by name (or not in the log)
    found: int  # documents those searches found

    @property
    def searched_text(self) -> str:
        if not self.searched:
            return "no"
        if self.not_searched:
            return f"partly ({self.searched} of {self.searched + self.not_searched} units)"
        return f"yes, {self.found} found" if self.found else "yes, nothing found"


#: The words of gap 2's statuses in the coverage table.
COVERAGE_STATUS = {"2030-plan": "2030 plan", "other-line-only": "other line only", "none": "nothing recorded"}


@dataclass
class GapReport:
    lang: str
    kinds: list[GapKind]
    findings: list[Finding]
    network: dict[str, Any] = field(default_factory=dict)
    #: gap 2: every one of today's units with its plan status, the sources about it and its searches
    coverage: list[Coverage] = field(default_factory=list)
    #: Markdown and HTML show this many findings of each kind (the strongest); JSON holds all
    shown: int = 10

    def count(self, kind: int) -> int:
        return sum(1 for f in self.findings if f.kind == kind)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def rule_files() -> dict[int, Path]:
    folder = Path(str(resources.files("cdkg.queries") / "gaps"))
    return {int(p.name.split("-", 1)[0]): p for p in sorted(folder.glob("*.rq"))}


def _header(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        key, _, value = line.lstrip("# ").partition(":")
        out[key.strip()] = value.strip()
    return out


def kinds() -> list[GapKind]:
    """Every gap kind, in number order."""
    out = []
    for number, path in rule_files().items():
        h = _header(path)
        props = [expand(c) for c in h.get("evidence", "").split()]
        out.append(GapKind(number, h["name"], h["title"], h["explanation"], h["proves"], h["does-not-prove"],
                           f"SPARQL rule queries/gaps/{path.name}", evidence_properties=props))
    out.append(GapKind(NETWORK_KIND, NETWORK["name"], NETWORK["title"], NETWORK["explanation"], NETWORK["proves"],
                       NETWORK["does-not-prove"], "network measures (queries/network.py, networkx)",
                       evidence_properties=[expand(c) for c in NETWORK["evidence"].split()]))
    return sorted(out, key=lambda k: k.number)


def _select_kinds(wanted: list[str] | None) -> list[GapKind]:
    all_kinds = kinds()
    if not wanted:
        return all_kinds
    chosen = []
    for w in wanted:
        match = [k for k in all_kinds if w in (str(k.number), k.name)]
        if not match:
            names = ", ".join(f"{k.number} ({k.name})" for k in all_kinds)
            raise UsageError(f"unknown gap kind {w!r}; choose from {names}")
        chosen += [k for k in match if k not in chosen]
    return sorted(chosen, key=lambda k: k.number)


def find_gaps(kinds: list[str] | None = None, *, lang: str = "en", build: Path | str | None = None,
              endpoint: str | None = None, backend: Any = None, evidence_per_entity: int = 3,
              top: int = 5, evidence: str = "all", roll_up: bool = True, shown: int = 10) -> GapReport:
    """Every coordination-gap finding of the chosen kinds (all by default) with its evidence
    (``evidence="quoted"``: from the facts quoted from the bundled articles only), strongest
    first within each kind.  ``roll_up=False`` shows sub-units apart from their organisation
    (partners, network)."""
    from cdkg.queries import backend_for
    from cdkg.queries import network as net
    from cdkg.queries.evidence import restrict

    backend = restrict(backend or backend_for(build, endpoint), evidence)
    chosen = _select_kinds(kinds)
    files = rule_files()
    raw: list[tuple[GapKind, list[str], str, float | None, list[str]]] = []  # kind, entities, detail, value, events
    network_info: dict[str, Any] = {}
    coverage_rows: list[tuple[str, dict[str, str]]] = []
    network: list[Any] = []  # the co-participation graph, made once for kinds 5 and 6
    top_of = net.roll_up_map(backend) if roll_up else {}  # each sub-unit's outermost organisation

    def network_graph() -> Any:
        if not network:
            network.append(net.co_participation(net.participation(backend, roll_up=roll_up)))
        return network[0]

    for kind in chosen:
        if kind.number == NETWORK_KIND:
            analysis = net.analyse(network_graph(), top=top)
            kind.note = (f"{analysis.nodes} organisations, {analysis.edges} links, {analysis.components} components; "
                         + (f"betweenness estimated from {analysis.sampled} sampled sources (seed {analysis.seed})"
                            if analysis.sampled else "betweenness computed exactly"))
            network_info = {"nodes": analysis.nodes, "edges": analysis.edges, "components": analysis.components,
                            "betweenness_sample": analysis.sampled, "seed": analysis.seed}
            for f in analysis.findings:
                raw.append((kind, f.nodes, f.detail if f.merged else f"{NETWORK_MEASURES[f.measure]}: {f.detail}",
                            f.value, f.events))
            continue
        rows = []
        text = files[kind.number].read_text(encoding="utf-8")
        if not roll_up:
            text = text.replace("VALUES ?rollUp { true }", "VALUES ?rollUp { false }")
        for row in backend.query(text):
            terms = [_get(row, v) for v in ("focus", "related", "via")]
            iris = [t.value for t in terms if isinstance(t, ox.NamedNode)]
            detail = _get(row, "detail")
            status = _get(row, "status")
            if status is not None and terms[0] is not None:
                # a coverage row (gap 2): in the table; a finding only when the unit has no 2030 plan
                coverage_rows.append((terms[0].value, {v: t.value for v in COVERAGE_VARS
                                                       if (t := _get(row, v)) is not None}))
                if status.value == "2030-plan":
                    continue
            rows.append((kind, iris, detail.value if detail is not None else "", None, []))
        if kind.number == SHARED_MANDATE_KIND:
            graph = network_graph()
            rows, placeholders = _shared_mandates(rows, graph, _groups(backend), top_of)
            kind.note = (f"{len(rows)} findings of organisations that never meet (an organisation with everyone it never "
                         f"meets under one mandate, or a pair), {len(placeholders)} unspecific mandates (collective "
                         f"placeholders, not paired); the co-participation network they are checked against has "
                         f"{graph.number_of_nodes()} organisations and {graph.number_of_edges()} links")
            rows += placeholders
        # the engine returns rows in no fixed order; a report must read the same every run
        raw += sorted(rows, key=lambda r: ([natural_key(i) for i in r[1]], r[2]))
    all_iris = {i for _, iris, _, _, events in raw for i in iris + events} | {u for u, _ in coverage_rows}
    labels = label_map(backend, all_iris, lang)
    evidence = _evidence(backend, all_iris, limit=evidence_per_entity) if all_iris else {}
    focused: dict[int, dict[str, list[Evidence]]] = {}
    for kind in chosen:
        if kind.evidence_properties:
            kind_iris = {i for k, iris, _, _, _ in raw if k is kind for i in iris}
            focused[kind.number] = (_evidence(backend, kind_iris, kind.evidence_properties, evidence_per_entity)
                                    if kind_iris else {})
    findings = []
    graph = network_graph()
    most = max((d for _, d in graph.degree()), default=0)  # the best-connected organisation's links
    for kind, iris, detail, value, events in raw:
        entities = [Entity(i, short_id(i), labels.get(i) or shorten(i)) for i in iris]
        entities_shown: list[Entity] = []
        if detail.startswith(MERGED_MARK):  # gap 5: one organisation and everyone it never meets
            n, _, verb = detail[len(MERGED_MARK):].partition("|")
            others = entities[1:1 + int(n)]
            verb = {"both carry": "all carry", "both are members of": "all are members of",
                    "both are asked to act on": "all are asked to act on"}.get(verb, verb)
            detail = (f"never meets these {n}, though {verb} {entities[-1].label}: "
                      + "; ".join(e.label for e in others))
            entities_shown = entities[:1]
            iris = [iris[0], *iris[1:3], iris[-1]]  # evidence: the organisation, two of the others, the mandate
        elif kind.number != NETWORK_KIND and len(entities) >= 2 and detail:
            detail = f"{detail} {entities[-1].label}" if detail.endswith((" of", " through", " carry", " on")) \
                else detail
        ev: list[Evidence] = []
        # The evidence behind a finding: the shared events of a network link, both sides of a
        # pair, or else the entity the finding is about.
        for i in (events or (iris if kind.number in (5, NETWORK_KIND) else iris[:1])):
            best = focused.get(kind.number, {}).get(i) or evidence.get(i, [])
            ev += [e for e in best[:evidence_per_entity] if e not in ev]
        sentence = "; ".join(e.label for e in (entities_shown or entities[:2]) if e) + (f" — {detail}" if detail else "")
        if events:
            sentence += " (shared: " + "; ".join(labels.get(e, short_id(e)) for e in events) + ")"
        findings.append(Finding(kind.number, kind.name, sentence, entities, ev, value,
                                _weight(kind.number, iris, ev, detail, graph, most, top_of)))
    order = {k.number: n for n, k in enumerate(chosen)}
    findings.sort(key=lambda f: (order[f.kind], -f.weight["total"]))  # stable: ties keep the rule's order
    coverage = [Coverage(Entity(u, short_id(u), labels.get(u) or shorten(u)), v.get("status", ""), v.get("plans", ""),
                         v.get("others", ""), _count(v, "sources"), _count(v, "searched"),
                         _count(v, "unsearched"), _count(v, "found"))
                for u, v in coverage_rows]
    coverage.sort(key=lambda c: (c.unit.label.casefold(), c.unit.id))
    return GapReport(lang, chosen, findings, network_info, coverage, shown)


#: How a finding's weight is made, as the reports state it.
WEIGHT_TEXT = ("Findings are ranked by weight = sources behind the evidence shown + 2 × centrality (the most "
               "connected actor's share of the best-connected organisation's links in the co-participation "
               "network) + recency (0 for evidence from 2010 or before, 1 for 2026) + 1 when a statement names the "
               "organisation asked to act but no event follows it up.")


def _weight(kind: int, iris: list[str], evidence: list[Evidence], detail: str, graph: Any, most: int,
            top_of: dict[str, str]) -> dict[str, float]:
    """A finding's weight and its parts (see :data:`WEIGHT_TEXT`); ``most`` is the highest degree in ``graph``."""
    sources = len({e.source for e in evidence})
    nodes = [top_of.get(i, i) for i in iris]
    centrality = max((graph.degree(n) / most for n in nodes if most and n in graph), default=0.0)
    years = [int(m.group()) for e in evidence if (m := re.search(r"\b(19|20)\d\d\b", e.published))]
    recency = min(1.0, max(0.0, (max(years) - 2010) / 16)) if years else 0.0
    # a statement that names who should act, with no follow-up, is a concrete gap; one that asks
    # no one (a general exhortation) is weaker
    severity = 1.0 if kind == 7 and detail == "no other event takes up its themes" else 0.0
    total = sources + 2 * centrality + recency + severity
    return {"total": round(total, 3), "sources": sources, "centrality": round(centrality, 3),
            "recency": round(recency, 3), "severity": severity}


#: Marks a merged gap-5 row's detail (number of organisations | the pair's wording) until labels are known.
MERGED_MARK = "\x00merged:"

#: Collective placeholders: groups the sources name without members ("the ministries concerned").
GROUPS = PREFIX_DECL + "SELECT DISTINCT ?g WHERE { ?g a cd:OrganisationGroup }"


def _groups(backend: Any) -> set[str]:
    return {row["g"].value for row in backend.query(GROUPS)}


def _shared_mandates(rows: list[tuple], graph: Any, groups: set[str],
                     top_of: dict[str, str]) -> tuple[list[tuple], list[tuple]]:
    """Gap 5's pairs that never meet in the co-participation network (an organisation and its own
    sub-unit meet), and one "unspecific mandate" row per collective placeholder instead of its pairs."""
    pairs, placeholder_mandates = [], {}
    for row in rows:
        kind, iris, detail = row[0], row[1], row[2]
        focus, related, *via = iris
        held = [i for i in (focus, related) if i in groups]
        for g in held:
            mandates = placeholder_mandates.setdefault(g, (kind, set(), set()))
            mandates[1].update(via)
            mandates[2].update(i for i in (focus, related) if i != g)
        if held:
            continue
        a, b = top_of.get(focus, focus), top_of.get(related, related)
        if a == b or graph.has_edge(a, b):
            continue
        pairs.append(row)
    # one finding per gap: the organisation in most pairs of a mandate, with everyone it never meets
    merged = []
    by_mandate: dict[tuple[str, str], list[tuple]] = {}
    for row in pairs:
        by_mandate.setdefault((row[1][2] if len(row[1]) > 2 else "", row[2]), []).append(row)
    for (via, detail), rows_ in sorted(by_mandate.items()):
        left = {frozenset(r[1][:2]): r for r in rows_}
        while left:
            counts: dict[str, int] = {}
            for pair in left:
                for i in pair:
                    counts[i] = counts.get(i, 0) + 1
            hub = min(counts, key=lambda i: (-counts[i], i))
            mine = sorted((p for p in left if hub in p), key=lambda p: sorted(p))
            if len(mine) == 1:
                merged.append(left.pop(mine[0]))
                continue
            others = sorted(next(iter(p - {hub})) for p in mine)
            for p in mine:
                del left[p]
            merged.append((rows_[0][0], [hub, *others, *([via] if via else [])],
                           f"{MERGED_MARK}{len(others)}|{detail}", None, []))
    pairs = merged
    placeholders = []
    for g, (kind, mandates, partners) in sorted(placeholder_mandates.items()):
        placeholders.append((kind, [g, *sorted(mandates)],
                             f"unspecific mandate: a group the sources name without members, so it cannot meet "
                             f"anyone; it shares {len(mandates)} mandate(s) with {len(partners)} organisation(s)",
                             None, []))
    return pairs, placeholders


#: Columns of a gap rule's row that make a coverage row (gap 2).
COVERAGE_VARS = ("status", "plans", "others", "sources", "searched", "unsearched", "found")


def _count(values: dict[str, str], var: str) -> int:
    """A count column of a coverage row (0 when missing or, from an endpoint, not a whole number)."""
    try:
        return int(values.get(var, 0))
    except ValueError:
        return 0


def _get(row: Any, var: str) -> Any:
    try:
        return row[var]
    except (KeyError, IndexError, ValueError):
        return None


def _evidence(backend: Any, iris: set[str], properties: list[str] | None = None,
              limit: int = 3) -> dict[str, list[Evidence]]:
    """Up to ``limit`` excerpts (as the store returns them) stating facts about each IRI (only
    facts with ``properties``, when given)."""
    out: dict[str, list[Evidence]] = {}
    wanted = sorted(iris)
    restrict = values_block("p", properties) if properties else ""
    for i in range(0, len(wanted), 100):
        blocks = [EVIDENCE_ONE % {"entity": values_block("e", [iri]), "properties": restrict, "limit": limit}
                  for iri in wanted[i:i + 100]]
        text = PREFIX_DECL + "SELECT * WHERE {\n" + "\nUNION\n".join(blocks) + EVIDENCE_SOURCES + "\n}"
        for row in backend.query(text):
            issued = _get(row, "issued")
            published = ""
            if issued is not None:
                dt = issued.datatype.value
                published = format_date(issued.value, dt[len(XSD):]) if dt.startswith(XSD) else issued.value
            publisher, page, locator = (_get(row, v) for v in ("publisher", "page", "locator"))
            cited = row["cited"].value == "true"
            text = row["text"].value
            out.setdefault(row["e"].value, []).append(Evidence(
                "" if cited else text, row["title"].value, publisher.value if publisher is not None else "",
                published, row["g"].value, "cited" if cited else "quoted", text if cited else "",
                page.value if page is not None else "", locator.value if locator is not None else ""))
    for items in out.values():
        items.sort(key=lambda e: natural_key(e.excerpt))
    return out


# --- Rendering -----------------------------------------------------------------------------

INTRO = ("Each finding is a place where the sources in the graph show no coordination that the Cultural "
         "Diplomacy Strategy to 2030 asks for. Absence in the graph is absence of evidence in these sources, "
         "not proof of inaction: read each finding with the sources listed under it.")


#: ASCII punctuation Markdown (CommonMark, GitHub's tables and autolinks) may read as markup:
#: escaped with a backslash, each shows as itself.
_MD_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~&:])")


def _one_line(text: str) -> str:
    """``text`` on one line (line breaks folded to spaces), control characters made visible."""
    return visible(" ".join(str(text).splitlines()))


def _md(text: str) -> str:
    """A text from a source or an endpoint as literal Markdown: one line (so it starts no
    heading, list or quote), every markup character backslash-escaped (so no link, image,
    HTML, emphasis or table cell comes out of it), control characters made visible."""
    return _MD_PUNCTUATION.sub(r"\\\1", _one_line(text))


def _md_code(text: str) -> str:
    """A code span of ``text`` (an id): fenced with more backticks than it holds."""
    text = _one_line(text)
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def render(report: GapReport, fmt: str = "markdown") -> str:
    """The report as ``markdown``, ``html`` (one self-contained page) or ``json``."""
    if fmt == "json":
        return json_text(report.to_dict(), indent=1)
    if fmt == "markdown":
        return _markdown(report)
    if fmt == "html":
        return _html(report)
    raise UsageError(f"unknown report format {fmt!r}; choose markdown, html or json")


COVERAGE_TITLE = "Coverage: today's provinces and centrally-run cities"
COVERAGE_INTRO = ("Gap 2's rows for every unit that exists today (after the reorganisations in effect on 1/1/2025 "
                  "and 12/6/2025): the 2030 Strategy's plans recorded for it or a unit it replaced, documents of the "
                  "other line (210/QĐ-TTg, Directive 25/CT-TTg) or of the 2020 Strategy, the sources that say anything "
                  "about it beyond its existence and succession, and whether the curators searched for its plans (the "
                  "unit or its predecessors; 'no' means absence of a plan here says nothing).")


def coverage_summary(report: GapReport) -> str:
    """How many of today's units have each status, in a sentence."""
    counts = {k: sum(1 for c in report.coverage if c.status == k) for k in COVERAGE_STATUS}
    empty = [c for c in report.coverage if c.status == "none"]
    searched = {"searched": sum(1 for c in empty if c.searched and not c.not_searched),
                "partly searched": sum(1 for c in empty if c.searched and c.not_searched),
                "not searched by name": sum(1 for c in empty if not c.searched)}
    return (f"{len(report.coverage)} units: " + ", ".join(f"{n} {COVERAGE_STATUS[k]}" for k, n in counts.items())
            + (" (of these: " + ", ".join(f"{n} {k}" for k, n in searched.items()) + ")" if empty else "") + ".")


def _ranking_text(report: GapReport) -> str:
    return (f"{WEIGHT_TEXT} Each kind lists its strongest findings first and shows at most {report.shown}; "
            "the JSON report holds all of them.")


def _weight_text(f: Finding) -> str:
    w = f.weight
    if not w:
        return "not stated"
    return (f"{w['total']:g} ({w['sources']:g} source(s), centrality {w['centrality']:g}, recency {w['recency']:g}"
            + (", an owner named but no follow-up" if w.get("severity") else "") + ")")


def _more_text(n: int) -> str:
    return f"… and {n} more finding(s) of this kind, weaker than those above (all are in the JSON report)."


def _markdown(report: GapReport) -> str:
    lines = ["# Coordination gaps in the cultural diplomacy graph", "", INTRO, "", _md(_ranking_text(report)), ""]
    if report.coverage:
        lines += [f"## {COVERAGE_TITLE}", "", _md(COVERAGE_INTRO), "", _md(coverage_summary(report)), "",
                  "| unit | 2030 plan | other line | sources mentioning it | searched |",
                  "| --- | --- | --- | --- | --- |"]
        for c in report.coverage:
            lines.append(f"| {_md(c.unit.label)} ({_md_code(c.unit.id)}) | {_md(c.plans) or '—'} | "
                         f"{_md(c.other_line) or '—'} | {c.sources} | {_md(c.searched_text)} |")
        lines.append("")
    lines += ["| kind | gap | findings |", "| --- | --- | --- |"]
    for k in report.kinds:
        lines.append(f"| {k.number} | {_md(k.title)} | {report.count(k.number)} |")
    for k in report.kinds:
        lines += ["", f"## {k.number}. {_md(k.title)}", "", _md(k.explanation), "",
                  f"*What a finding proves:* {_md(k.proves)}  ", f"*What it does not prove:* {_md(k.does_not_prove)}  ",
                  f"*Method:* {_md(k.method)}" + (f" — {_md(k.note)}" if k.note else ""), ""]
        found = [f for f in report.findings if f.kind == k.number]
        if not found:
            lines.append("No findings.")
        for n, f in enumerate(found[:report.shown], 1):
            ids = ", ".join(_md_code(e.id) for e in f.entities)
            lines.append(f"{n}. **{_md(f.explanation)}** ({ids}) — weight {_md(_weight_text(f))}")
            for e in f.evidence:
                meta = ", ".join(_md(x) for x in (e.publisher, e.published, e.url, e.locator and f"at {e.locator}") if x)
                said = f"cited (our words): {_md(e.paraphrase)}" if e.kind == "cited" else f"quoted: “{_md(e.quote)}”"
                lines.append(f"    - {said} — *{_md(e.source)}*" + (f", {meta}" if meta else ""))
        if len(found) > report.shown:
            lines += ["", _md(_more_text(len(found) - report.shown))]
    return "\n".join(lines) + "\n"


def _html(report: GapReport) -> str:
    def e(text: str) -> str:
        return html.escape(visible(text))

    parts = ["<!DOCTYPE html>", '<html lang="%s"><head><meta charset="utf-8">' % e(report.lang),
             "<title>Coordination gaps — cdkg</title>",
             "<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}"
             "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3rem .6rem}"
             "blockquote{margin:.3rem 0 .3rem 1rem;color:#333;border-left:3px solid #ddd;padding-left:.6rem}"
             ".meta{color:#555;font-size:90%}code{background:#f4f4f4}</style></head><body>",
             "<h1>Coordination gaps in the cultural diplomacy graph</h1>", f"<p>{e(INTRO)}</p>",
             f"<p>{e(_ranking_text(report))}</p>"]
    if report.coverage:
        parts += [f'<h2 id="coverage">{e(COVERAGE_TITLE)}</h2>', f"<p>{e(COVERAGE_INTRO)}</p>",
                  f"<p>{e(coverage_summary(report))}</p>",
                  "<table><tr><th>unit</th><th>2030 plan</th><th>other line</th><th>sources mentioning it</th>"
                  "<th>searched</th></tr>"]
        for c in report.coverage:
            parts.append(f'<tr class="{e(c.status)}"><td>{e(c.unit.label)} (<code>{e(c.unit.id)}</code>)</td>'
                         f"<td>{e(c.plans) or '—'}</td><td>{e(c.other_line) or '—'}</td><td>{c.sources}</td>"
                         f"<td>{e(c.searched_text)}</td></tr>")
        parts.append("</table>")
    parts.append("<table><tr><th>kind</th><th>gap</th><th>findings</th></tr>")
    for k in report.kinds:
        parts.append(f'<tr><td>{k.number}</td><td><a href="#kind-{k.number}">{e(k.title)}</a></td>'
                     f"<td>{report.count(k.number)}</td></tr>")
    parts.append("</table>")
    for k in report.kinds:
        parts += [f'<h2 id="kind-{k.number}">{k.number}. {e(k.title)}</h2>', f"<p>{e(k.explanation)}</p>",
                  f'<p class="meta"><b>Proves:</b> {e(k.proves)}<br><b>Does not prove:</b> {e(k.does_not_prove)}'
                  f"<br><b>Method:</b> {e(k.method)}{(' — ' + e(k.note)) if k.note else ''}</p>"]
        found = [f for f in report.findings if f.kind == k.number]
        if not found:
            parts.append("<p>No findings.</p>")
            continue
        parts.append("<ol>")
        for f in found[:report.shown]:
            ids = ", ".join(f"<code>{e(x.id)}</code>" for x in f.entities)
            parts.append(f'<li><b>{e(f.explanation)}</b> ({ids}) <span class="meta">weight {e(_weight_text(f))}</span>')
            for ev in f.evidence:
                meta = ", ".join(x for x in (ev.publisher, ev.published, ev.url, ev.locator and f"at {ev.locator}") if x)
                said = (f"<b>cited</b> (our words): {e(ev.paraphrase)}" if ev.kind == "cited"
                        else f"<b>quoted</b>: “{e(ev.quote)}”")
                parts.append(f'<blockquote class="{ev.kind}">{said}<br><span class="meta">{e(ev.source)}'
                             f"{(', ' + e(meta)) if meta else ''}</span></blockquote>")
            parts.append("</li>")
        parts.append("</ol>")
        if len(found) > report.shown:
            parts.append(f'<p class="more">{e(_more_text(len(found) - report.shown))}</p>')
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
