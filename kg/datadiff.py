"""``cdkg diff OLD NEW``: what changed in the data between two builds or two releases, fact by fact.

A *fact* is a triple the data states: a fact of an evidence excerpt, a triple of an entity
record (type, labels), or a triple describing a source (title, page, publisher).  Each fact
carries its *evidence*: the source that states it and, for an excerpt, its quote or paraphrase
and locator.  Facts are compared as triples; the IRIs of excerpts (numbered within a source,
so they shift when a curator adds or drops one) are never compared.

* **added** — a triple in NEW, not in OLD; **removed** — in OLD, not in NEW;
* **changed** — the subject and predicate (for text, in one language) had exactly one value in
  OLD and have exactly one, different, value in NEW (a date corrected, the English label
  reworded): one change, not a removal and an addition;
* **evidence changed** — the same triple, stated with different evidence (a quote corrected,
  another source added).

Changes are grouped by source and, within a source, by entity (the fact's subject).  Exit code
of the command, like ``diff``: 0 nothing changed, 1 something changed, 2 the comparison could
not run.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pyoxigraph as ox

from cdkg.errors import UsageError
from cdkg.kg.store import ONTOLOGY_GRAPH
from cdkg.ontology import CD, DCTERMS, ID, PROV, PROVENANCE_GRAPH, RDFS, output_prefixes

KINDS = ("added", "removed", "changed", "evidence changed")
_SOURCE = ID + "source/"
_ENTITIES = ID + "entities/"
_EVIDENCE = ID + "evidence/"

Triple = tuple[str, str, str]  # N-Triples forms of subject, predicate, object


@dataclass(frozen=True)
class Evidence:
    """Why the data states a fact: its source and, for an excerpt, the quote or paraphrase."""

    source: str  # source id
    kind: str  # quote | paraphrase | entity record | source record | graph (source: the graph's name)
    text: str = ""
    locator: str = ""

    def __str__(self) -> str:
        if self.kind in ("quote", "paraphrase"):
            shown = f"“{self.text}”" if self.kind == "quote" else f"(paraphrase) {self.text}"
            return f"{shown} — {self.source}" + (f", {self.locator}" if self.locator else "")
        return f"{self.kind} of {self.source}"


@dataclass
class Change:
    kind: str  # one of KINDS
    subject: str  # CURIE or IRI
    label: str  # the subject's English label, or ""
    predicate: str
    object: str  # NEW's value (OLD's for a removal)
    old_object: str = ""  # OLD's value, for "changed"
    sources: list[str] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    old_evidence: list[Evidence] = field(default_factory=list)  # for "changed" and "evidence changed"


@dataclass
class Side:
    """One side of the comparison, read into memory."""

    path: Path
    facts: dict[Triple, set[Evidence]]
    labels: dict[str, str]
    sources: dict[str, str]  # source id → title
    version: str = ""


@dataclass
class DataDiff:
    old: Side
    new: Side
    changes: list[Change]

    @property
    def changed(self) -> bool:
        return bool(self.changes)

    def count(self, kind: str) -> int:
        return sum(1 for c in self.changes if c.kind == kind)

    @property
    def sources_added(self) -> list[str]:
        return sorted(set(self.new.sources) - set(self.old.sources))

    @property
    def sources_removed(self) -> list[str]:
        return sorted(set(self.old.sources) - set(self.new.sources))

    def by_source(self) -> dict[str, dict[str, list[Change]]]:
        """source id → entity (subject) → its changes."""
        grouped: dict[str, dict[str, list[Change]]] = defaultdict(lambda: defaultdict(list))
        for c in self.changes:
            for s in c.sources:
                grouped[s][c.subject].append(c)
        return {s: dict(grouped[s]) for s in sorted(grouped)}

    def by_entity(self) -> dict[str, list[Change]]:
        grouped: dict[str, list[Change]] = defaultdict(list)
        for c in self.changes:
            grouped[c.subject].append(c)
        return dict(sorted(grouped.items()))

    def to_dict(self) -> dict:
        changes = [asdict(c) for c in self.changes]
        index = {id(c): i for i, c in enumerate(self.changes)}
        return {
            "old": {"path": str(self.old.path), "version": self.old.version},
            "new": {"path": str(self.new.path), "version": self.new.version},
            "changed": self.changed,
            "summary": {k: self.count(k) for k in KINDS},
            "sources_added": self.sources_added,
            "sources_removed": self.sources_removed,
            "changes": changes,
            "by_source": {s: {e: [index[id(c)] for c in cs] for e, cs in ents.items()}
                          for s, ents in self.by_source().items()},
            "by_entity": {e: [index[id(c)] for c in cs] for e, cs in self.by_entity().items()},
        }


def _nt(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> str:
    return str(term)


def read_side(path: Path | str) -> Side:
    """Read a build folder (its ``store/``), a release folder (its ``cdkg.nq``), or an N-Quads or
    TriG file into memory.  Raises :class:`UsageError` when ``path`` is none of them."""
    from cdkg.kg.publisher import NQUADS

    path = Path(path)
    store = ox.Store()
    version = ""
    if path.is_dir() and (path / "store").is_dir():
        from cdkg.kg.store import data_quads, open_store

        store.extend(list(data_quads(open_store(path))))
    elif path.is_dir() and (path / NQUADS).is_file():
        store.load(path=str(path / NQUADS), format=ox.RdfFormat.N_QUADS)
        version = _release_version(path)
    elif path.is_file() and path.suffix in (".nq", ".trig"):
        fmt = ox.RdfFormat.N_QUADS if path.suffix == ".nq" else ox.RdfFormat.TRIG
        try:
            store.load(path=str(path), format=fmt)
        except SyntaxError as exc:
            raise UsageError(f"cannot read {path}: {exc}") from None
    else:
        raise UsageError(f"{path} is neither a build (a folder with store/), a release (a folder with "
                         f"{NQUADS}) nor an .nq or .trig file")
    if store.contains_named_graph(ONTOLOGY_GRAPH):  # an export --with-ontology: compare the data only
        store.remove_graph(ONTOLOGY_GRAPH)
    return _facts(path, store, version)


def _release_version(path: Path) -> str:
    try:
        crate = json.loads((path / "ro-crate-metadata.json").read_text(encoding="utf-8"))
        return next(e.get("version", "") for e in crate["@graph"] if e.get("@id") == "./")
    except (OSError, ValueError, KeyError, StopIteration):
        return ""


def _facts(path: Path, store: ox.Store, version: str) -> Side:
    prov = ox.NamedNode(PROVENANCE_GRAPH)
    # What each excerpt and entity record is: its source, quote or paraphrase, locator.
    about: dict[str, dict[str, str]] = defaultdict(dict)
    keys = {PROV + "wasQuotedFrom": "source", PROV + "wasDerivedFrom": "source", PROV + "value": "quote",
            CD + "paraphrase": "paraphrase", CD + "locator": "locator"}
    sources: dict[str, str] = {}
    facts: dict[Triple, set[Evidence]] = defaultdict(set)
    for q in store.quads_for_pattern(None, None, None, prov):
        s, p = q.subject.value, q.predicate.value
        if s.startswith(_SOURCE):
            sid = s.removeprefix(_SOURCE)
            if p == DCTERMS + "title":
                sources[sid] = q.object.value
            sources.setdefault(sid, "")
            facts[(_nt(q.subject), _nt(q.predicate), _nt(q.object))].add(Evidence(sid, "source record"))
        elif p in keys and (s.startswith(_EVIDENCE) or s.startswith(_ENTITIES)):
            value = q.object.value.removeprefix(_SOURCE) if keys[p] == "source" else q.object.value
            about[s].setdefault(keys[p], value)
    evidence: dict[str, Evidence] = {}
    for g, a in about.items():
        if g.startswith(_ENTITIES):
            evidence[g] = Evidence(a.get("source", ""), "entity record")
        elif "quote" in a:
            evidence[g] = Evidence(a.get("source", ""), "quote", a["quote"], a.get("locator", ""))
        else:
            evidence[g] = Evidence(a.get("source", ""), "paraphrase", a.get("paraphrase", ""), a.get("locator", ""))
    labels: dict[str, str] = {}
    for g in store.named_graphs():
        if g == prov:
            continue
        if g.value.startswith(_ENTITIES):
            ev = evidence.get(g.value, Evidence(g.value.removeprefix(_ENTITIES), "entity record"))
        else:  # an excerpt; or a graph of its own, such as the search log
            ev = evidence.get(g.value, Evidence(g.value.removeprefix(ID), "graph"))
        for q in store.quads_for_pattern(None, None, None, g):
            facts[(_nt(q.subject), _nt(q.predicate), _nt(q.object))].add(ev)
            if q.predicate.value == RDFS + "label" and isinstance(q.object, ox.Literal) \
                    and (q.object.language == "en" or q.subject.value not in labels):
                labels[q.subject.value] = q.object.value
    for q in store.quads_for_pattern(None, None, None, ox.DefaultGraph()):
        facts[(_nt(q.subject), _nt(q.predicate), _nt(q.object))].add(Evidence("", "unattributed"))
    return Side(path, dict(facts), labels, sources, version)


def _curie(nt: str, prefixes: list[tuple[str, str]]) -> str:
    """``<https://w3id.org/cdkg/id/person/x>`` → ``person:x``; literals as they are written."""
    if nt.startswith("<") and nt.endswith(">"):
        iri = nt[1:-1]
        for prefix, ns in prefixes:
            if iri.startswith(ns) and "/" not in iri[len(ns):] and "#" not in iri[len(ns):]:
                return f"{prefix}:{iri[len(ns):]}"
        return iri
    return nt


def _language(nt: str) -> str:
    """The language tag of a literal in N-Triples form (``"Huế"@vi`` → ``vi``), else ""."""
    if nt.startswith('"'):
        tail = nt[nt.rfind('"') + 1:]
        if tail.startswith("@"):
            return tail[1:]
    return ""


def _ordered(evidence: set[Evidence]) -> list[Evidence]:
    return sorted(evidence, key=lambda e: (e.source, e.kind, e.locator, e.text))


def compare(old: Side, new: Side) -> DataDiff:
    """The changes from ``old`` to ``new`` (see the module's docstring)."""
    prefixes = sorted(output_prefixes().items(), key=lambda kv: len(kv[1]), reverse=True)
    removed = set(old.facts) - set(new.facts)
    added = set(new.facts) - set(old.facts)

    def values(facts: dict[Triple, set[Evidence]]) -> dict[tuple[str, str, str], list[str]]:
        out: dict[tuple[str, str, str], list[str]] = defaultdict(list)
        for s, p, o in facts:
            out[(s, p, _language(o))].append(o)
        return out

    old_values, new_values = values(old.facts), values(new.facts)
    pairs: list[tuple[Triple, Triple]] = []
    for s, p, o in sorted(added):
        slot = (s, p, _language(o))
        before, after = old_values.get(slot, []), new_values[slot]
        if len(before) == 1 and len(after) == 1 and (s, p, before[0]) in removed:
            pairs.append(((s, p, before[0]), (s, p, o)))
    for was, now in pairs:
        removed.discard(was)
        added.discard(now)

    def change(kind: str, t: Triple, ev: set[Evidence], old_t: Triple | None = None,
               old_ev: set[Evidence] = frozenset()) -> Change:
        subject = t[0][1:-1] if t[0].startswith("<") else t[0]
        evidence, before = _ordered(ev), _ordered(set(old_ev))
        srcs = sorted({e.source for e in evidence + before if e.source})
        return Change(kind, _curie(t[0], prefixes), new.labels.get(subject) or old.labels.get(subject, ""),
                      _curie(t[1], prefixes), _curie(t[2], prefixes),
                      _curie(old_t[2], prefixes) if old_t else "", srcs or ["(none)"], evidence, before)

    changes = [change("added", t, new.facts[t]) for t in added]
    changes += [change("removed", t, old.facts[t]) for t in removed]
    changes += [change("changed", now, new.facts[now], was, old.facts[was]) for was, now in pairs]
    changes += [change("evidence changed", t, new.facts[t], None, old.facts[t])
                for t in set(old.facts) & set(new.facts) if old.facts[t] != new.facts[t]]
    changes.sort(key=lambda c: (c.subject, c.predicate, KINDS.index(c.kind), c.object))
    return DataDiff(old, new, changes)


def diff(old: Path | str, new: Path | str) -> DataDiff:
    """Compare two builds or releases (or .nq/.trig files): facts added, removed and changed."""
    return compare(read_side(old), read_side(new))


def _md(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def render(result: DataDiff, fmt: str = "markdown") -> str:
    """The changes as Markdown (a data CHANGELOG) or JSON."""
    if fmt == "json":
        return json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n"
    if fmt != "markdown":
        raise UsageError(f"unknown diff format {fmt!r}; choose markdown or json")
    old_name = result.old.version or str(result.old.path)
    new_name = result.new.version or str(result.new.path)
    lines = [f"# Data changes: {_md(old_name)} → {_md(new_name)}", ""]
    if not result.changed:
        return "\n".join(lines + ["No facts were added, removed or changed.", ""])
    lines.append(", ".join(f"{result.count(k)} {k}" for k in KINDS) + " (facts).")
    for what, ids, side in (("added", result.sources_added, result.new),
                            ("removed", result.sources_removed, result.old)):
        if ids:
            lines += ["", f"Sources {what}: " + ", ".join(f"{i} ({_md(side.sources[i])})" for i in ids) + "."]
    lines += ["", "## By source", ""]
    for source, entities in result.by_source().items():
        title = result.new.sources.get(source) or result.old.sources.get(source, "")
        lines += [f"### {_md(source)}" + (f" — {_md(title)}" if title else ""), ""]
        for subject, changes in entities.items():
            label = changes[0].label
            lines += [f"#### {_md(label)} ({subject})" if label else f"#### {subject}", ""]
            for c in changes:
                lines += _change_lines(c, source)
            lines.append("")
    lines += ["## By entity", "", "| entity | added | removed | changed | evidence changed | sources |",
              "|---|---|---|---|---|---|"]
    for subject, changes in result.by_entity().items():
        label = changes[0].label
        counts = [str(sum(1 for c in changes if c.kind == k)) for k in KINDS]
        srcs = sorted({s for c in changes for s in c.sources})
        lines.append(f"| {_md(label) + ' ' if label else ''}`{subject}` | " + " | ".join(counts)
                     + f" | {', '.join(srcs)} |")
    return "\n".join(lines) + "\n"


def _change_lines(c: Change, source: str) -> list[str]:
    if c.kind == "changed":
        head = f"- **changed** `{c.predicate}`: {_md(c.old_object)} → {_md(c.object)}"
    else:
        head = f"- **{c.kind}** `{c.predicate}` {_md(c.object)}"
    lines = [head]
    mine = [e for e in c.evidence if e.source == source] or c.evidence
    before = [e for e in c.old_evidence if e.source == source] or c.old_evidence
    if c.kind in ("changed", "evidence changed"):
        lines += [f"  - before: {_md(e)}" for e in before]
        lines += [f"  - now: {_md(e)}" for e in mine]
    else:
        lines += [f"  - evidence: {_md(e)}" for e in mine]
    return lines


__all__ = ["diff", "compare", "read_side", "render", "DataDiff", "Change", "Evidence", "KINDS"]
