"""The library of named queries: one ``.rq`` file per question, found by glob.

Each file starts with a comment header::

    # title: Events in date order
    # question: Which events are in the graph, in date order, ...?
    # câu hỏi: Những sự kiện nào ...?
    # param: event (entity) — the event; every event when omitted
    # param: lang (lang) — language of the label columns
    # example: cdkg query cq01 --lang vi

and every parameter has a slot in the query, ``VALUES ?event { UNDEF }``, whose content is
its default.  Binding a value replaces the slot's content with the value parsed into an RDF
term and serialised by pyoxigraph — a value is never pasted into the query text, so
``"} ; DROP ALL ; #`` is just a string that matches nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Callable

import pyoxigraph as ox

from cdkg.errors import UsageError
from cdkg.ontology import PREFIXES, XSD

KINDS = ("entity", "iri", "string", "integer", "year", "lang", "date")
_PARAM = re.compile(r"^(\w+)\s*\((\w+)\)\s*(?:[—–-]+\s*(.*))?$")


@dataclass(frozen=True)
class Param:
    name: str
    kind: str
    description: str
    default: str  # the slot's content: UNDEF or an RDF term


@dataclass(frozen=True)
class NamedQuery:
    name: str  # "cq01"
    path: Path
    title: str
    question: str
    question_vi: str
    params: tuple[Param, ...]
    example: str
    text: str = field(repr=False)

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        known = ", ".join(p.name for p in self.params) or "none"
        raise UsageError(f"query {self.name} has no parameter {name!r} (its parameters: {known})")


def _slot(var: str) -> re.Pattern[str]:
    return re.compile(r"VALUES\s+\?" + re.escape(var) + r"\s*\{([^{}]*)\}")


def parse_file(path: Path) -> NamedQuery:
    """Read one ``.rq`` file and its header."""
    text = path.read_text(encoding="utf-8")
    header: dict[str, list[str]] = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            if line.strip():
                break
            continue
        key, sep, value = line.lstrip("# ").partition(":")
        if sep:
            header.setdefault(key.strip().lower(), []).append(value.strip())
    params = []
    for spec in header.get("param", []):
        m = _PARAM.match(spec)
        if not m or m.group(2) not in KINDS:
            raise ValueError(f"{path.name}: bad parameter line {spec!r}; write 'name (kind) — description', "
                             f"kind one of {', '.join(KINDS)}")
        slot = _slot(m.group(1)).search(text)
        if not slot:
            raise ValueError(f"{path.name}: parameter {m.group(1)!r} has no 'VALUES ?{m.group(1)} {{ ... }}' slot")
        params.append(Param(m.group(1), m.group(2), m.group(3) or "", slot.group(1).strip()))
    name = path.stem.split("-", 1)[0]
    first = lambda key: (header.get(key) or [""])[0]  # noqa: E731
    return NamedQuery(name, path, first("title"), first("question"), first("câu hỏi"), tuple(params),
                      first("example"), text)


def library_dirs() -> list[Path]:
    root = Path(str(resources.files("cdkg.queries")))
    return [root / "cq"]


@lru_cache(maxsize=1)
def library() -> dict[str, NamedQuery]:
    """Every named query, by name (``cq01``) — also reachable by file stem (``cq01-events``)."""
    out: dict[str, NamedQuery] = {}
    for folder in library_dirs():
        for path in sorted(folder.glob("*.rq")):
            q = parse_file(path)
            out[q.name] = q
    return out


def get(name: str) -> NamedQuery:
    """A named query by name, file stem, or path of a ``.rq`` file."""
    lib = library()
    if name in lib:
        return lib[name]
    for q in lib.values():
        if q.path.stem == name:
            return q
    path = Path(name)
    if path.suffix == ".rq":
        if not path.is_file():
            raise UsageError(f"no query file {name}")
        try:
            return parse_file(path)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    raise UsageError(f"no named query {name!r}; `cdkg queries` lists them")


def to_term(param: Param, value: str, resolve_entity: Callable[[str], str]) -> ox.NamedNode | ox.Literal:
    """Parse a user's value into the RDF term the parameter takes."""
    if param.kind == "entity":
        return ox.NamedNode(resolve_entity(value))
    if param.kind == "iri":
        prefix, sep, local = value.partition(":")
        iri = PREFIXES[prefix] + local if sep and prefix in PREFIXES else value
        try:
            return ox.NamedNode(iri)
        except ValueError:
            raise UsageError(f"{param.name}: {value!r} is not an IRI") from None
    if param.kind == "integer":
        try:
            return ox.Literal(str(int(value)), datatype=ox.NamedNode(XSD + "integer"))
        except ValueError:
            raise UsageError(f"{param.name}: {value!r} is not a whole number") from None
    if param.kind == "year":
        if not re.fullmatch(r"\d{4}", value.strip()):
            raise UsageError(f"{param.name}: {value!r} is not a year; give four digits, e.g. 2021")
        return ox.Literal(str(int(value)), datatype=ox.NamedNode(XSD + "integer"))
    if param.kind == "date":
        return _date_term(param, value)
    if param.kind == "lang" and value not in ("vi", "en"):
        raise UsageError(f"{param.name}: language must be vi or en, not {value!r}")
    return ox.Literal(value)


def _date_term(param: Param, value: str) -> ox.Literal:
    """A full date, "12/6/2025" (as Vietnamese sources write it) or "2025-06-12", as xsd:date."""
    from cdkg.loaders.dates import DateFormatError, full_date

    try:
        lexical = full_date(value)
    except DateFormatError as exc:
        raise UsageError(f"{param.name}: {exc}; give a day, e.g. 12/6/2025 or 2025-06-12") from None
    return ox.Literal(lexical, datatype=ox.NamedNode(XSD + "date"))


def bind(query: NamedQuery, values: dict[str, ox.NamedNode | ox.Literal]) -> str:
    """The query text with each given parameter's slots holding its term (a query may repeat a
    slot inside each branch of a UNION, so that the engine starts from the given entity)."""
    text = query.text
    for name, term in values.items():
        query.param(name)
        text = _slot(name).sub(lambda _m, n=name, t=str(term): f"VALUES ?{n} {{ {t} }}", text)
    return text
