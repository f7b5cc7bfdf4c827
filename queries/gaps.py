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
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from cdkg.errors import UsageError
from cdkg.kg.sparql import PREFIX_DECL, label_map, values_block
from cdkg.kg.terminal import json_text, visible
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
    "title-vi": "Lỗ hổng cấu trúc trong mạng lưới cùng tham gia",
    "explanation-vi": "Trong mạng lưới các tổ chức cùng tham gia các sự kiện (tự mình hay qua cán bộ): những tổ chức "
                      "trung gian mà phần lớn các đường nối đi qua (độ trung gian), những tổ chức có ít mối liên hệ và "
                      "các mối liên hệ đó gắn chặt với nhau (chỉ số ràng buộc của Burt), những tổ chức và mối liên kết "
                      "mà nếu bỏ đi sẽ làm những tổ chức khác bị tách rời (điểm khớp, cầu nối), và những nhóm không có "
                      "sự kiện chung nào với phần còn lại (thành phần tách biệt).",
    "proves-vi": "trong các nguồn này, các tổ chức chỉ được kết nối như được trình bày.",
    "does-not-prove-vi": "rằng các tổ chức không làm việc với nhau — mạng lưới chỉ gồm các sự kiện được đưa tin.",
    "evidence": "cd:organisedBy cd:chair cd:speaker cd:attendee cd:hasParticipant cd:directedBy org:organization",
}
NETWORK_MEASURES = {"broker": "broker", "constrained": "most constrained", "articulation": "articulation point",
                    "bridge": "bridge", "component": "separate component"}

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
    #: title, explanation, proves, does_not_prove in Vietnamese (the rule file's ``…-vi`` header lines)
    vi: dict[str, str] = field(default_factory=dict)

    def text(self, name: str, lang: str = "en") -> str:
        """The kind's ``title``, ``explanation``, ``proves`` or ``does_not_prove`` in ``lang``
        (Vietnamese when the rule gives it, else English)."""
        return (self.vi.get(name) if lang == "vi" else None) or getattr(self, name)


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
    excerpt: str  # the evidence graph's IRI: the evidence's id in the report
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
    #: the ids (excerpt IRIs) of the evidence the finding rests on — the statements its rule used
    #: (see :data:`SUPPORT_TEXT`); the report's evidence table holds each once
    evidence: list[str] = field(default_factory=list)
    value: float | None = None
    #: how strong the finding is: ``total`` and its parts (see :data:`WEIGHT_TEXT`)
    weight: dict[str, float] = field(default_factory=dict)
    id: str = ""  # "K.N": the N-th strongest finding of kind K


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


class EvidenceTable(Mapping):
    """The report's evidence, each excerpt once, by id (its IRI): read from the store when asked
    for — :meth:`batches` streams it to a writer without keeping it, ``table[id]`` keeps what it read.
    Evidence given as objects (``Finding(..., [Evidence(...)])``) is kept as given."""

    def __init__(self, backend: Any = None, ids: Iterable[str] = (), given: Iterable[Evidence] = ()):
        self.backend = backend
        self._given = {e.excerpt: e for e in given}
        self._ids = sorted(set(ids) | set(self._given), key=natural_key)
        self._read: dict[str, Evidence] = {}

    def __len__(self) -> int:
        return len(self._ids)

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __contains__(self, key: object) -> bool:
        return key in self._given or key in set(self._ids)

    def __getitem__(self, key: str) -> Evidence:
        if key in self._given:
            return self._given[key]
        if key not in self._read:
            self._read.update(self._fetch([key]))
        try:
            return self._read[key]
        except KeyError:
            raise KeyError(key) from None

    def many(self, ids: list[str]) -> list[Evidence]:
        """The evidence of these ids (those found), in their order, read in one go and kept."""
        wanted = [i for i in ids if i not in self._given and i not in self._read]
        if wanted:
            self._read.update(self._fetch(wanted))
        return [x for i in ids if (x := self._given.get(i) or self._read.get(i)) is not None]

    def batches(self, size: int = 500) -> Iterator[list[Evidence]]:
        """Every piece of evidence in id order, ``size`` at a time, read as it is written (not kept)."""
        for n in range(0, len(self._ids), size):
            chunk = self._ids[n:n + size]
            read = self._fetch([i for i in chunk if i not in self._given and i not in self._read])
            yield [x for i in chunk if (x := self._given.get(i) or self._read.get(i) or read.get(i)) is not None]

    def _fetch(self, ids: list[str]) -> dict[str, Evidence]:
        return _evidence_records(self.backend, ids) if self.backend is not None and ids else {}


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
    #: the evidence the findings name, each once, by id
    evidence: Mapping[str, Evidence] = field(default_factory=dict)
    #: Markdown and HTML quote this many pieces of each shown finding's evidence (ids for the rest)
    evidence_shown: int = 3

    def __post_init__(self) -> None:
        # findings made by hand may carry Evidence objects, and the evidence may be a plain mapping:
        # the table takes the objects, each finding keeps their ids
        given = [e for f in self.findings for e in f.evidence if isinstance(e, Evidence)]
        if given or not isinstance(self.evidence, EvidenceTable):
            table = self.evidence
            backend = table.backend if isinstance(table, EvidenceTable) else None
            given += [table[i] for i in table] if not isinstance(table, EvidenceTable) else []
            ids = {i for f in self.findings for i in f.evidence if isinstance(i, str)} | set(table)
            self.evidence = EvidenceTable(backend, ids, given)
            for f in self.findings:
                f.evidence = [e.excerpt if isinstance(e, Evidence) else e for e in f.evidence]
        counts: dict[int, int] = {}
        for f in self.findings:
            counts[f.kind] = counts.get(f.kind, 0) + 1
            if not f.id:
                f.id = f"{f.kind}.{counts[f.kind]}"

    def count(self, kind: int) -> int:
        return sum(1 for f in self.findings if f.kind == kind)

    def evidence_of(self, finding: Finding, limit: int | None = None) -> list[Evidence]:
        """The evidence a finding rests on (the first ``limit`` pieces), read from the table."""
        return self.evidence.many(finding.evidence[:limit] if limit is not None else finding.evidence)

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON data: the kinds; one table of findings, each naming its entities and
        its evidence by id; one table of the entities and one of the evidence, each once."""
        return {**self._head(), "findings": [_finding_data(f) for f in self.findings],
                "evidence": [_evidence_data(e) for batch in self.evidence.batches() for e in batch]}

    def _head(self) -> dict[str, Any]:
        entities = {e.id: e for f in self.findings for e in f.entities}
        return {"lang": self.lang, "ranking": WEIGHT_TEXT, "evidence_rule": SUPPORT_TEXT,
                "kinds": [{**asdict(k), "findings": self.count(k.number)} for k in self.kinds],
                "network": self.network, "coverage": [asdict(c) for c in self.coverage], "shown": self.shown,
                "entities": [asdict(entities[i]) for i in sorted(entities, key=natural_key)]}


def _finding_data(f: Finding) -> dict[str, Any]:
    """A finding as JSON data: its entities and its evidence by id (the report's tables hold them)."""
    return {**asdict(f), "entities": [e.id for e in f.entities], "evidence": [_evidence_id(g) for g in f.evidence]}


def _evidence_data(e: Evidence) -> dict[str, Any]:
    """A piece of evidence as JSON data, with its id (``source/3``) and its IRI."""
    return {"id": _evidence_id(e.excerpt), **asdict(e)}


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


def _vietnamese(header: dict[str, str]) -> dict[str, str]:
    """The ``…-vi`` entries of a rule's header, keyed as GapKind's fields (``does_not_prove``)."""
    return {k[:-3].replace("-", "_"): v for k, v in header.items() if k.endswith("-vi") and isinstance(v, str)}


def kinds() -> list[GapKind]:
    """Every gap kind, in number order."""
    out = []
    for number, path in rule_files().items():
        h = _header(path)
        props = [expand(c) for c in h.get("evidence", "").split()]
        out.append(GapKind(number, h["name"], h["title"], h["explanation"], h["proves"], h["does-not-prove"],
                           f"SPARQL rule queries/gaps/{path.name}", evidence_properties=props, vi=_vietnamese(h)))
    out.append(GapKind(NETWORK_KIND, NETWORK["name"], NETWORK["title"], NETWORK["explanation"], NETWORK["proves"],
                       NETWORK["does-not-prove"], "network measures (queries/network.py, networkx)",
                       evidence_properties=[expand(c) for c in NETWORK["evidence"].split()], vi=_vietnamese(NETWORK)))
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


#: What a finding cites, kind by kind: the statements its rule used, not everything about its entities.
SUPPORT_TEXT = ("A finding cites the statements its rule rests on: for an objective, the statements that give "
                "the strategy the objective and those that link plans, components or events to it (or the "
                "objective count and the named objectives); for a unit without a plan, the statements about "
                "it counted as 'sources mentioning it' and those about the other line's document; for heritage, "
                "its inscription and location; for a committee member, its membership; for organisations that "
                "share a mandate, the statements that give each of them that mandate; for the network, the "
                "participations in the events that make the measure (a broker's events, a bridge's shared "
                "events, a component's events); for a statement, the statement itself; for a partner, the "
                "statements of its single link.")

_ROLES = "VALUES ?role { cd:hasParticipant cd:chair cd:speaker cd:attendee cd:organisedBy cd:directedBy }"
_NOT_SUCCESSION = "FILTER(?p NOT IN (dcterms:replaces, cd:predecessor, cd:successor%s))"
#: Per kind of key: how many parts a key has, the graph patterns that bind ``?g``, an evidence graph,
#: from the key's parts ``?k0``, ``?k1``, ... (branches of a UNION), and whether the patterns are run
#: once for every key at once (True: a scan whose rows are kept when their key is wanted — for the
#: kinds with many keys and cheap patterns) or once per key (False: the key's one-row VALUES inside
#: every branch, so that the engine starts from it).
SUPPORT: dict[str, tuple[int, list[str], bool]] = {
    # kind 1: objective ?k0 of strategy ?k1
    "objective": (2, ["GRAPH ?g { ?k1 cd:hasObjective ?k0 }", "GRAPH ?g { ?x cd:addressesObjective ?k0 }"], False),
    # kind 1: strategy ?k0 with fewer objectives named than stated
    "stated": (1, ["GRAPH ?g { ?k0 cd:objectiveCount ?n }", "GRAPH ?g { ?k0 cd:hasObjective ?o }"], False),
    # kind 2: what the "sources mentioning it" of unit ?k0 count (itself, its People's Committee, predecessors)
    "unit": (1, ["?k0 dcterms:replaces* ?x . GRAPH ?g { ?x ?p ?o } " + _NOT_SUCCESSION % ", cd:locatedIn",
                 "?k0 dcterms:replaces* ?x . GRAPH ?g { ?s ?p ?x } " + _NOT_SUCCESSION % "",
                 "?k0 dcterms:replaces* ?origin . ?x a cd:PeoplesCommittee ; cd:locatedIn ?origin . "
                 "GRAPH ?g { ?x ?p ?o } " + _NOT_SUCCESSION % ", cd:locatedIn",
                 "?k0 dcterms:replaces* ?origin . ?x a cd:PeoplesCommittee ; cd:locatedIn ?origin . "
                 "GRAPH ?g { ?s ?p ?x } " + _NOT_SUCCESSION % ""], False),
    # kind 2: the document ?k0 shown (what it implements, where, by whom)
    "document": (1, ["GRAPH ?g { ?k0 cd:implements|cd:coversLocality|eli:passed_by ?o }"], False),
    # kind 3: heritage ?k0's inscription and location
    "heritage": (1, ["GRAPH ?g { ?i cd:inscribedItem ?k0 }", "GRAPH ?g { ?k0 cd:locatedIn ?w }"], False),
    # kind 4: ?k0's membership of committee ?k1
    "member": (2, ["GRAPH ?g { ?k0 org:memberOf ?k1 }"], False),
    # kind 5: what gives organisation ?k0 mandate ?k1
    "mandate": (2, ["GRAPH ?g { ?k0 org:memberOf ?k1 }",
                    "GRAPH ?g { ?k1 cd:leadAgency|cd:standingBody ?k0 }",
                    "?d cd:implements ?k1 ; eli:passed_by ?k0 . GRAPH ?g { ?d cd:implements ?k1 }",
                    "?d cd:implements ?k1 ; eli:passed_by ?k0 . GRAPH ?g { ?d eli:passed_by ?k0 }",
                    "?s cd:addressedTo ?k0 ; cd:hasTheme ?k1 . GRAPH ?g { ?s cd:addressedTo ?k0 }",
                    "?s cd:addressedTo ?k0 ; cd:hasTheme ?k1 . GRAPH ?g { ?s cd:hasTheme ?k1 }"], True),
    # kind 7: the statement ?k0 itself (who raised it where, its themes, whom it asks)
    "statement": (1, ["GRAPH ?g { ?k0 cd:raisedBy|cd:raisedAt|cd:hasTheme|cd:addressedTo ?o }"], False),
    # kind 8: the single link ?k1 of partner ?k0 (to it, a sub-unit, a place in it or an official there)
    "channel": (2, ["?unit (org:subOrganizationOf|org:unitOf)* ?k0 . GRAPH ?g { ?k1 ?p ?unit }",
                    "GRAPH ?g { ?k1 cd:heldAt ?place } ?place cd:locatedIn+ ?k0",
                    "?body cd:locatedIn+ ?k0 . ?position org:organization ?body ; org:member ?official . "
                    "GRAPH ?g { ?k1 ?p ?official }"], False),
}


def _support_keys(kind: int, iris: list[str], events: list[str], context: "_Context") -> list[tuple[str, tuple]]:
    """The (pattern, key) pairs whose evidence supports a finding of ``kind`` on ``iris``."""
    if kind == 1:
        return [("objective", (iris[0], iris[1]))] if len(iris) > 1 else [("stated", (iris[0],))]
    if kind == 2:
        return [("unit", (iris[0],))] + ([("document", (iris[1],))] if len(iris) > 1 else [])
    if kind == 3:
        return [("heritage", (iris[0],))]
    if kind == 4:
        return [("member", (iris[0], iris[1]))] if len(iris) > 1 else []
    if kind == SHARED_MANDATE_KIND:
        holder, *others = iris
        if holder in context.groups:  # an unspecific mandate: what gives the group each of its mandates
            return [("mandate", (holder, m)) for m in others]
        *orgs, mandate = iris
        return [("mandate", (o, mandate)) for o in orgs]
    if kind == NETWORK_KIND:
        keys = []
        for org in iris:
            for event, person in context.events_of(org):
                if events and event not in events:
                    continue
                keys.append(("through", (org, event, person)) if person else ("takes-part", (org, event)))
        return keys
    if kind == 7:
        return [("statement", (iris[0],))]
    if kind == 8:
        return [("channel", (iris[0], iris[1]))] if len(iris) > 1 else []
    return []


class _Context:
    """What finding the evidence needs besides the rows: collective groups, and who took part in
    which event (for the network's findings)."""

    def __init__(self, groups: set[str], participation: list[tuple[str, str, str]]):
        self.groups = groups
        self._participation = participation
        self._events: dict[str, list[tuple[str, str]]] | None = None

    def events_of(self, org: str) -> list[tuple[str, str]]:
        if self._events is None:
            self._events = {}
            for o, e, p in self._participation:
                self._events.setdefault(o, []).append((e, p))
        return self._events.get(org, [])


#: Kind 6: who takes part in which event (an organisation, a sub-unit or a person), in which graph.
_TAKING_PART = PREFIX_DECL + "SELECT ?event ?who ?g WHERE { %s GRAPH ?g { ?event ?role ?who } }" % _ROLES
#: … and the graphs that give a person a position in an organisation (the capacity they take part in).
_POSITIONS = PREFIX_DECL + "SELECT ?person ?org ?g WHERE { GRAPH ?g { ?pos org:organization ?org } ?pos org:member ?person }"


def _participation_support(backend: Any, wanted: dict[str, set[tuple]], top_of: dict[str, str],
                           out: dict[tuple[str, tuple], list[str]]) -> None:
    """Kind 6's evidence: for ("takes-part", (organisation, event)) the graphs stating that it (or,
    rolled up, a sub-unit of it) takes part; for ("through", (organisation, event, person)) those
    stating that the person takes part and those giving the person a position in the organisation
    (or a sub-unit).  Two scans of the participations and positions, kept where a key wants them."""
    direct = wanted.get("takes-part", set())
    through = wanted.get("through", set())
    events = {key[1] for key in direct | through}
    people = {key[2] for key in through}
    by_event_person: dict[tuple[str, str], list[str]] = {}
    for row in backend.query(_TAKING_PART):
        event = row["event"].value
        if event not in events:
            continue
        who, g = row["who"].value, row["g"].value
        key = (top_of.get(who, who), event)
        if key in direct:
            out.setdefault(("takes-part", key), []).append(g)
        if who in people:
            by_event_person.setdefault((event, who), []).append(g)
    positions: dict[tuple[str, str], list[str]] = {}
    if people:
        for row in backend.query(_POSITIONS):
            person = row["person"].value
            if person in people:
                org = row["org"].value
                positions.setdefault((person, top_of.get(org, org)), []).append(row["g"].value)
    for org, event, person in through:
        graphs = by_event_person.get((event, person), []) + positions.get((person, org), [])
        if graphs:
            out.setdefault(("through", (org, event, person)), []).extend(graphs)


def _support(backend: Any, wanted: dict[str, set[tuple]], top_of: dict[str, str]) -> dict[tuple[str, tuple], list[str]]:
    """The graphs (evidence and others: see :func:`_meta`) of each wanted (pattern, key)."""
    out: dict[tuple[str, tuple], list[str]] = {}
    if "takes-part" in wanted or "through" in wanted:
        _participation_support(backend, wanted, top_of, out)
    for name, keys in wanted.items():
        if name in ("takes-part", "through"):
            continue
        size, branches, scan = SUPPORT[name]
        variables = [f"?k{n}" for n in range(size)]
        head = PREFIX_DECL + f"SELECT DISTINCT {' '.join(variables)} ?g WHERE {{\n"
        if scan:
            texts = [head + "\nUNION\n".join(f"{{ {b} }}" for b in branches) + "\n}"]
        else:
            ordered = sorted(keys)
            texts = [head + "\nUNION\n".join(
                f"{{ VALUES ({' '.join(variables)}) {{ ({' '.join(str(ox.NamedNode(v)) for v in key)}) }} {b} }}"
                for key in ordered[n:n + 50] for b in branches) + "\n}" for n in range(0, len(ordered), 50)]
        for text in texts:
            for row in backend.query(text):
                key = tuple(row[v[1:]].value for v in variables)
                if key in keys:
                    out.setdefault((name, key), []).append(row["g"].value)
    return out


#: The source and date of each piece of evidence, for the findings' weights.
_EVIDENCE_META = PREFIX_DECL + """SELECT ?g ?src ?issued WHERE {
  %s ?g a cd:Evidence ; prov:wasQuotedFrom|prov:wasDerivedFrom ?src . OPTIONAL { ?src dcterms:issued ?issued } }"""


def _meta(backend: Any, ids: Iterable[str], known: dict[str, tuple[str, int | None]]) -> None:
    """Add (source, year published or None) of each evidence graph among ``ids`` not yet in ``known``
    (other graphs — entity records, provenance — are left out)."""
    wanted = sorted(i for i in set(ids) if i not in known)
    for n in range(0, len(wanted), 400):
        for row in backend.query(_EVIDENCE_META % values_block("g", wanted[n:n + 400])):
            issued = _get(row, "issued")
            m = re.search(r"\b(19|20)\d\d\b", issued.value) if issued is not None else None
            known[row["g"].value] = (row["src"].value, int(m.group()) if m else None)


def in_memory(backend: Any) -> Any:
    """The backend on a copy in memory of a local build (:func:`cdkg.kg.store.memory_copy`); the
    backend as it is when it is not a local build or no copy can be made."""
    from cdkg.kg.sparql import LocalBackend
    from cdkg.kg.store import memory_copy

    store = getattr(backend, "store", None)
    if store is None or not isinstance(backend, LocalBackend):
        return backend
    copy = memory_copy(backend.build, store)
    return backend if copy is None else LocalBackend(backend.build, store=copy)


def find_gaps(kinds: list[str] | None = None, *, lang: str = "en", build: Path | str | None = None,
              endpoint: str | None = None, backend: Any = None, evidence_per_entity: int = 3,
              top: int = 5, evidence: str = "all", roll_up: bool = True, shown: int = 10,
              memory: bool = False) -> GapReport:
    """Every coordination-gap finding of the chosen kinds (all by default), strongest first within
    each kind, each naming by id the evidence its rule used (``evidence="quoted"``: from the facts
    quoted from the bundled articles only); the report's evidence table reads each piece once, when
    it is written.  ``evidence_per_entity`` pieces of each shown finding's evidence are quoted in
    Markdown and HTML (0: no evidence is looked up at all).  ``roll_up=False`` shows sub-units
    apart from their organisation (partners, network).  ``memory=True`` works on a copy of a local
    build in memory (:func:`in_memory`): the rules' SPARQL runs 3 to 10 times faster there, but at
    a million triples the whole report was slower (bench/RESULTS.md), so the store is the default."""
    from cdkg.queries import backend_for
    from cdkg.queries import network as net
    from cdkg.queries.evidence import restrict

    backend = backend or backend_for(build, endpoint)
    if memory:
        backend = in_memory(backend)
    backend = restrict(backend, evidence)
    chosen = _select_kinds(kinds)
    files = rule_files()
    raw: list[tuple[GapKind, list[str], str, float | None, list[str]]] = []  # kind, entities, detail, value, events
    network_info: dict[str, Any] = {}
    coverage_rows: list[tuple[str, dict[str, str]]] = []
    network: list[Any] = []  # the participation and the co-participation graph, made once for kinds 5 and 6
    top_of = net.roll_up_map(backend) if roll_up else {}  # each sub-unit's outermost organisation
    groups: set[str] = set()

    def network_graph() -> Any:
        if not network:
            taking_part = net.participation(backend, roll_up=roll_up)
            network.extend([net.co_participation(taking_part), taking_part])
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
        text = files[kind.number].read_text(encoding="utf-8")
        if not roll_up:
            text = text.replace("VALUES ?rollUp { true }", "VALUES ?rollUp { false }")
        if kind.number == SHARED_MANDATE_KIND:
            graph = network_graph()
            groups = _groups(backend)
            rows, placeholders = _shared_mandates(kind, backend.query(text), graph, groups, top_of)
            kind.note = (f"{len(rows)} findings of organisations that never meet (an organisation with everyone it never "
                         f"meets under one mandate, or a pair), {len(placeholders)} unspecific mandates (collective "
                         f"placeholders, not paired); the co-participation network they are checked against has "
                         f"{graph.number_of_nodes()} organisations and {graph.number_of_edges()} links")
            rows += placeholders
        else:
            rows = []
            for row in backend.query(text):
                terms = [_get(row, v) for v in ("focus", "related", "via")]
                iris = [t.value for t in terms if isinstance(t, ox.NamedNode)]
                detail = _get(row, "detail")
                status = _get(row, "status")
                text_ = detail.value if detail is not None else ""
                if status is not None and terms[0] is not None:
                    # a coverage row (gap 2): in the table; a finding only when the unit has no 2030 plan
                    # (the documents listed come in GROUP_CONCAT's order: the engine's, which differs
                    # between the on-disk store and an in-memory copy)
                    coverage_rows.append((terms[0].value, {v: t.value for v in COVERAGE_VARS
                                                           if (t := _get(row, v)) is not None}))
                    if status.value == "2030-plan":
                        continue
                rows.append((kind, iris, text_, None, []))
        # the engine returns rows in no fixed order; a report must read the same every run
        raw += sorted(rows, key=lambda r: ([natural_key(i) for i in r[1]], r[2]))
    all_iris = {i for _, iris, _, _, events in raw for i in iris + events} | {u for u, _ in coverage_rows}
    labels = label_map(backend, all_iris, lang)
    graph = network_graph()
    context = _Context(groups or (_groups(backend) if any(k.number == SHARED_MANDATE_KIND for k in chosen) else set()),
                       network[1])
    # the evidence each finding rests on (ids only), and each piece's source and year for the weights
    keys_of = [_support_keys(kind.number, iris, events, context) if evidence_per_entity else []
               for kind, iris, _, _, events in raw]
    wanted: dict[str, set[tuple]] = {}
    for keys in keys_of:
        for name, key in keys:
            wanted.setdefault(name, set()).add(key)
    support = _support(backend, wanted, top_of)
    meta: dict[str, tuple[str, int | None]] = {}
    _meta(backend, {g for gs in support.values() for g in gs}, meta)
    findings = []
    most = max((d for _, d in graph.degree()), default=0)  # the best-connected organisation's links
    entities_of: dict[str, Entity] = {}

    def entity(i: str) -> Entity:
        if i not in entities_of:
            entities_of[i] = Entity(i, short_id(i), labels.get(i) or shorten(i))
        return entities_of[i]

    for (kind, iris, detail, value, events), keys in zip(raw, keys_of):
        entities = [entity(i) for i in iris]
        entities_shown: list[Entity] = []
        weight_iris = iris
        if detail.startswith(MERGED_MARK):  # gap 5: one organisation and everyone it never meets
            n, _, verb = detail[len(MERGED_MARK):].partition("|")
            others = entities[1:1 + int(n)]
            verb = {"both carry": "all carry", "both are members of": "all are members of",
                    "both are asked to act on": "all are asked to act on"}.get(verb, verb)
            detail = (f"never meets these {n}, though {verb} {entities[-1].label}: "
                      + "; ".join(e.label for e in others))
            entities_shown = entities[:1]
            weight_iris = [iris[0], *iris[1:3], iris[-1]]
        elif kind.number != NETWORK_KIND and len(entities) >= 2 and detail:
            detail = f"{detail} {entities[-1].label}" if detail.endswith((" of", " through", " carry", " on")) \
                else detail
        ev = sorted({g for key in keys for g in support.get(key, ()) if g in meta}, key=natural_key)
        sentence = "; ".join(e.label for e in (entities_shown or entities[:2]) if e) + (f" — {detail}" if detail else "")
        if events:
            sentence += " (shared: " + "; ".join(labels.get(e, short_id(e)) for e in events) + ")"
        findings.append(Finding(kind.number, kind.name, sentence, entities, ev, value,
                                _weight(kind.number, weight_iris, [meta[g] for g in ev], detail, graph,
                                        most, top_of)))
    order = {k.number: n for n, k in enumerate(chosen)}
    findings.sort(key=lambda f: (order[f.kind], -f.weight["total"]))  # stable: ties keep the rule's order
    coverage = [Coverage(entity(u), v.get("status", ""), v.get("plans", ""),
                         v.get("others", ""), _count(v, "sources"), _count(v, "searched"),
                         _count(v, "unsearched"), _count(v, "found"))
                for u, v in coverage_rows]
    coverage.sort(key=lambda c: (c.unit.label.casefold(), c.unit.id))
    table = EvidenceTable(backend, {g for f in findings for g in f.evidence})
    return GapReport(lang, chosen, findings, network_info, coverage, shown, table, evidence_per_entity)


#: How a finding's weight is made, as the reports state it.
WEIGHT_TEXT = ("Findings are ranked by weight = sources behind the evidence the finding cites + 2 × centrality "
               "(the most connected actor's share of the best-connected organisation's links in the "
               "co-participation network) + recency (0 for evidence from 2010 or before, 1 for 2026, by the "
               "latest) + 1 when a statement names the organisation asked to act but no event follows it up; "
               "findings of equal weight keep the rule's order (by their entities' ids).")


def _weight(kind: int, iris: list[str], evidence: list[tuple[str, int | None]], detail: str, graph: Any, most: int,
            top_of: dict[str, str]) -> dict[str, float]:
    """A finding's weight and its parts (see :data:`WEIGHT_TEXT`) from its evidence's (source, year);
    ``most`` is the highest degree in ``graph``."""
    sources = len({src for src, _ in evidence})
    nodes = [top_of.get(i, i) for i in iris]
    centrality = max((graph.degree(n) / most for n in nodes if most and n in graph), default=0.0)
    years = [year for _, year in evidence if year is not None]
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


def _shared_mandates(kind: GapKind, holders: Any, graph: Any, groups: set[str],
                     top_of: dict[str, str]) -> tuple[list[tuple], list[tuple]]:
    """Gap 5 from its rule's rows (who holds which mandate, and how): every pair of organisations
    under the first mandate they share (by IRI; two organisations that only issued documents
    implementing it are not paired); the pairs that never meet in the co-participation network
    (an organisation and its own sub-unit meet), merged into one finding per organisation with
    everyone it never meets under a mandate; and one "unspecific mandate" row per collective
    placeholder instead of its pairs."""
    how: dict[str, dict[str, set[str]]] = {}  # mandate -> holder -> how it holds it
    strategies: set[str] = set()
    for row in holders:
        mandate, holder = row["via"].value, row["focus"].value
        how.setdefault(mandate, {}).setdefault(holder, set()).add(row["how"].value)
        if row["strategy"].value == "true":
            strategies.add(mandate)
    shared: dict[tuple[str, str], str] = {}  # (a, b) with a < b -> the first mandate they share
    for mandate in sorted(how):
        holders_ = how[mandate]
        issuers = {h for h, ways in holders_.items() if ways == {"issuer"}}
        ordered = sorted(holders_)
        for n, a in enumerate(ordered):
            for b in ordered[n + 1:]:
                if (a, b) not in shared and not (a in issuers and b in issuers):
                    shared[(a, b)] = mandate
    pairs, placeholder_mandates = [], {}
    for (a, b), mandate in shared.items():
        held = [i for i in (a, b) if i in groups]
        for g in held:
            mandates = placeholder_mandates.setdefault(g, (set(), set()))
            mandates[0].add(mandate)
            mandates[1].update(i for i in (a, b) if i != g)
        if held:
            continue
        ta, tb = top_of.get(a, a), top_of.get(b, b)
        if ta == tb or graph.has_edge(ta, tb):
            continue
        detail = ("both carry" if mandate in strategies else
                  "both are members of" if "member" in how[mandate][a] else "both are asked to act on")
        pairs.append((kind, [a, b, mandate], detail, None, []))
    del shared
    # one finding per gap: the organisation in most pairs of a mandate, with everyone it never meets
    by_mandate: dict[tuple[str, str], list[tuple]] = {}
    for row in pairs:
        by_mandate.setdefault((row[1][2], row[2]), []).append(row)
    merged = []
    for (via, detail), rows_ in sorted(by_mandate.items()):
        merged += _merge_hubs(rows_, via, detail)
    placeholders = []
    for g, (mandates, partners) in sorted(placeholder_mandates.items()):
        placeholders.append((kind, [g, *sorted(mandates)],
                             f"unspecific mandate: a group the sources name without members, so it cannot meet "
                             f"anyone; it shares {len(mandates)} mandate(s) with {len(partners)} organisation(s)",
                             None, []))
    return merged, placeholders


def _merge_hubs(rows: list[tuple], via: str, detail: str) -> list[tuple]:
    """The pairs of one mandate as findings: again and again, the organisation in most of the pairs
    left (the first by IRI among equals) with everyone it is paired with; a pair alone stays a pair."""
    from heapq import heapify, heappop, heappush

    partners: dict[str, set[str]] = {}
    row_of: dict[frozenset[str], tuple] = {}
    for row in rows:
        a, b = row[1][:2]
        partners.setdefault(a, set()).add(b)
        partners.setdefault(b, set()).add(a)
        row_of[frozenset((a, b))] = row
    heap = [(-len(p), i) for i, p in partners.items()]
    heapify(heap)
    out = []
    while heap:
        count, hub = heappop(heap)
        mine = partners[hub]
        if not mine or -count != len(mine):  # stale: its count has gone down since
            continue
        if len(mine) == 1:
            out.append(row_of[frozenset((hub, next(iter(mine))))])
        else:
            others = sorted(mine)
            out.append((rows[0][0], [hub, *others, via], f"{MERGED_MARK}{len(others)}|{detail}", None, []))
        for other in list(mine):
            partners[other].discard(hub)
            if partners[other]:
                heappush(heap, (-len(partners[other]), other))
        partners[hub] = set()
    return out


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


#: An excerpt's text, kind, locator and source (title, publisher, date, page), for the evidence table.
_EVIDENCE_RECORD = PREFIX_DECL + """SELECT ?g ?text ?title ?src ?cited ?locator ?publisher ?issued ?page WHERE {
  %s
  ?g prov:value|cd:paraphrase ?text ; prov:wasQuotedFrom|prov:wasDerivedFrom ?src . ?src dcterms:title ?title .
  BIND(EXISTS { ?g a cd:CitedEvidence } AS ?cited)
  OPTIONAL { ?g cd:locator ?locator }
  OPTIONAL { ?src dcterms:publisher ?publisher }
  OPTIONAL { ?src dcterms:issued ?issued }
  OPTIONAL { ?src foaf:page ?page }
}"""


def _evidence_records(backend: Any, ids: list[str]) -> dict[str, Evidence]:
    """The evidence of these ids (excerpt IRIs), 400 to a query."""
    out: dict[str, Evidence] = {}
    for n in range(0, len(ids), 400):
        for row in backend.query(_EVIDENCE_RECORD % values_block("g", ids[n:n + 400])):
            g = row["g"].value
            if g in out:
                continue
            issued = _get(row, "issued")
            published = ""
            if issued is not None:
                dt = issued.datatype.value
                published = format_date(issued.value, dt[len(XSD):]) if dt.startswith(XSD) else issued.value
            publisher, page, locator = (_get(row, v) for v in ("publisher", "page", "locator"))
            cited = row["cited"].value == "true"
            text = row["text"].value
            out[g] = Evidence("" if cited else text, row["title"].value,
                              publisher.value if publisher is not None else "", published, g,
                              "cited" if cited else "quoted", text if cited else "",
                              page.value if page is not None else "", locator.value if locator is not None else "")
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
    """The report as ``markdown``, ``html`` (one self-contained page) or ``json``, as one text
    (:func:`chunks` gives it piece by piece, for a file)."""
    return "".join(chunks(report, fmt))


def chunks(report: GapReport, fmt: str = "markdown") -> Iterator[str]:
    """The report as ``markdown``, ``html`` or ``json``, piece by piece: the evidence is read from
    the store as it is written and not kept (JSON: the kinds, then the table of findings, each
    naming its evidence by id, then the table of evidence, each piece once)."""
    if fmt == "json":
        return _json(report)
    if fmt == "markdown":
        return _markdown(report)
    if fmt == "html":
        return _html(report)
    raise UsageError(f"unknown report format {fmt!r}; choose markdown, html or json")


def _json(report: GapReport) -> Iterator[str]:
    head = json_text(report._head(), indent=1)
    yield head[:head.rindex("}")].rstrip() + ',\n "findings": ['
    sep = "\n  "
    for f in report.findings:
        yield sep + json_text(_finding_data(f), indent=None)
        sep = ",\n  "
    yield '\n ],\n "evidence": ['
    sep = "\n  "
    for batch in report.evidence.batches():
        for e in batch:
            yield sep + json_text(_evidence_data(e), indent=None)
            sep = ",\n  "
    yield "\n ]\n}\n"


def _evidence_id(excerpt: str) -> str:
    """An excerpt's id as the reports show it (``source/3``)."""
    return excerpt.rsplit("/evidence/", 1)[-1]


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
    return (f"{WEIGHT_TEXT} Each kind lists its strongest findings first and shows at most {report.shown}, each "
            f"with up to {report.evidence_shown} of the pieces of evidence it cites (the ids of the rest follow); "
            f"the weaker findings are listed by id. {SUPPORT_TEXT} The JSON report holds every finding, and every "
            "piece of evidence once.")


def _weight_text(f: Finding) -> str:
    w = f.weight
    if not w:
        return "not stated"
    return (f"{w['total']:g} ({w['sources']:g} source(s), centrality {w['centrality']:g}, recency {w['recency']:g}"
            + (", an owner named but no follow-up" if w.get("severity") else "") + ")")


def _more_text(n: int) -> str:
    return (f"… and {n} more finding(s) of this kind, weaker than those above (all are in the JSON report, "
            "by these ids):")


def _by_kind(report: GapReport) -> dict[int, list[Finding]]:
    out: dict[int, list[Finding]] = {k.number: [] for k in report.kinds}
    for f in report.findings:
        out.setdefault(f.kind, []).append(f)
    return out


def _markdown(report: GapReport) -> Iterator[str]:
    lines = ["# Coordination gaps in the cultural diplomacy graph", "", INTRO, "", _md(_ranking_text(report)), ""]
    if report.coverage:
        lines += [f"## {COVERAGE_TITLE}", "", _md(COVERAGE_INTRO), "", _md(coverage_summary(report)), "",
                  "| unit | 2030 plan | other line | sources mentioning it | searched |",
                  "| --- | --- | --- | --- | --- |"]
        for c in report.coverage:
            lines.append(f"| {_md(c.unit.label)} ({_md_code(c.unit.id)}) | {_md(c.plans) or '—'} | "
                         f"{_md(c.other_line) or '—'} | {c.sources} | {_md(c.searched_text)} |")
        lines.append("")
    by_kind = _by_kind(report)
    lines += ["| kind | gap | findings |", "| --- | --- | --- |"]
    for k in report.kinds:
        lines.append(f"| {k.number} | {_md(k.text('title', report.lang))} | {len(by_kind[k.number])} |")
    yield "\n".join(lines) + "\n"
    for k in report.kinds:
        lines = ["", f"## {k.number}. {_md(k.text('title', report.lang))}", "", _md(k.text('explanation', report.lang)),
                 "", f"*What a finding proves:* {_md(k.text('proves', report.lang))}  ",
                 f"*What it does not prove:* {_md(k.text('does_not_prove', report.lang))}  ",
                 f"*Method:* {_md(k.method)}" + (f" — {_md(k.note)}" if k.note else ""), ""]
        found = by_kind[k.number]
        if not found:
            lines.append("No findings.")
        for n, f in enumerate(found[:report.shown], 1):
            ids = ", ".join(_md_code(e.id) for e in f.entities)
            lines.append(f"{n}. **{_md(f.explanation)}** ({ids}) — weight {_md(_weight_text(f))}; "
                         f"finding {_md_code(f.id)}, {len(f.evidence)} piece(s) of evidence")
            for e in report.evidence_of(f, report.evidence_shown):
                meta = ", ".join(_md(x) for x in (e.publisher, e.published, e.url, e.locator and f"at {e.locator}") if x)
                said = f"cited (our words): {_md(e.paraphrase)}" if e.kind == "cited" else f"quoted: “{_md(e.quote)}”"
                lines.append(f"    - {said} — *{_md(e.source)}*" + (f", {meta}" if meta else "")
                             + f" ({_md_code(_evidence_id(e.excerpt))})")
            rest = f.evidence[report.evidence_shown:]
            if rest:
                lines.append("    - also: " + ", ".join(_md_code(_evidence_id(g)) for g in rest))
        if len(found) > report.shown:
            lines += ["", _md(_more_text(len(found) - report.shown)) + " "
                      + ", ".join(_md_code(f.id) for f in found[report.shown:])]
        yield "\n".join(lines) + "\n"


def _html(report: GapReport) -> Iterator[str]:
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
    by_kind = _by_kind(report)
    parts.append("<table><tr><th>kind</th><th>gap</th><th>findings</th></tr>")
    for k in report.kinds:
        parts.append(f'<tr><td>{k.number}</td><td><a href="#kind-{k.number}">{e(k.text("title", report.lang))}</a></td>'
                     f"<td>{len(by_kind[k.number])}</td></tr>")
    parts.append("</table>")
    yield "\n".join(parts) + "\n"
    for k in report.kinds:
        parts = [f'<h2 id="kind-{k.number}">{k.number}. {e(k.text("title", report.lang))}</h2>',
                 f"<p>{e(k.text('explanation', report.lang))}</p>",
                 f'<p class="meta"><b>Proves:</b> {e(k.text("proves", report.lang))}<br><b>Does not prove:</b> '
                 f'{e(k.text("does_not_prove", report.lang))}'
                 f"<br><b>Method:</b> {e(k.method)}{(' — ' + e(k.note)) if k.note else ''}</p>"]
        found = by_kind[k.number]
        if not found:
            parts.append("<p>No findings.</p>")
            yield "\n".join(parts) + "\n"
            continue
        parts.append("<ol>")
        for f in found[:report.shown]:
            ids = ", ".join(f"<code>{e(x.id)}</code>" for x in f.entities)
            parts.append(f'<li id="finding-{e(f.id)}"><b>{e(f.explanation)}</b> ({ids}) <span class="meta">weight '
                         f"{e(_weight_text(f))}; finding <code>{e(f.id)}</code>, {len(f.evidence)} piece(s) of "
                         "evidence</span>")
            for ev in report.evidence_of(f, report.evidence_shown):
                meta = ", ".join(x for x in (ev.publisher, ev.published, ev.url, ev.locator and f"at {ev.locator}") if x)
                said = (f"<b>cited</b> (our words): {e(ev.paraphrase)}" if ev.kind == "cited"
                        else f"<b>quoted</b>: “{e(ev.quote)}”")
                parts.append(f'<blockquote class="{ev.kind}">{said}<br><span class="meta">{e(ev.source)}'
                             f"{(', ' + e(meta)) if meta else ''} (<code>{e(_evidence_id(ev.excerpt))}</code>)"
                             "</span></blockquote>")
            rest = f.evidence[report.evidence_shown:]
            if rest:
                parts.append('<p class="meta">also: ' + ", ".join(f"<code>{e(_evidence_id(g))}</code>" for g in rest)
                             + "</p>")
            parts.append("</li>")
        parts.append("</ol>")
        if len(found) > report.shown:
            parts.append(f'<p class="more">{e(_more_text(len(found) - report.shown))} '
                         + ", ".join(f"<code>{e(f.id)}</code>" for f in found[report.shown:]) + "</p>")
        yield "\n".join(parts) + "\n"
    yield "</body></html>\n"
