"""What a query may do: read only, and reach no other server unless the user asks.

The decision is taken on the *parsed* query (rdflib's SPARQL 1.1 parser, imported on first
use), never on a text match: comments, strings, keyword case, missing spaces
(``SERVICE<http://…>``), ``SILENT``, prefixed names (``SERVICE x:e``), ``\\u`` escapes and
nesting (sub-queries, ``FILTER EXISTS``) all look the same once parsed.  The parse tree is
walked for the clauses that make an engine contact another server — ``SERVICE`` (whatever its
target: even a local IRI is an HTTP request) and ``LOAD`` — and for dataset clauses (``FROM``,
``FROM NAMED``, ``USING``) naming a graph outside cdkg's own (resolved against ``PREFIX`` and
``BASE`` declarations and cdkg's usual prefixes).  Pyoxigraph, which runs the query, does not
expose its parse, so rdflib parses the text as Oxigraph tokenises it (:func:`_as_oxigraph_reads`:
the two differ on ``\\u`` escapes and on where a comment ends); rdflib is stricter, so a text it
cannot parse (a SPARQL 1.2 extension Oxigraph accepts, or a syntax error) is judged
conservatively on its words instead: the word ``SERVICE`` or ``LOAD`` anywhere (even in a string
or comment), or ``FROM``/``USING`` not followed by a local IRI, is refused.  Behind this check, the worker that
runs a local query cannot open a network socket at all (:mod:`cdkg.kg.worker`).

>>> kind("PREFIX cd: <x#> INSERT DATA { <a> <b> <c> }")
'update'
>>> uses_network('SELECT * WHERE { SERVICE<http://example.org/sparql> { ?s ?p ?o } }')
'SERVICE <http://example.org/sparql>'
>>> uses_network('PREFIX e: <http://x/> SELECT * { service silent e:q { ?s ?p ?o } }')
'SERVICE e:q'
>>> uses_network('SELECT * WHERE { ?s ?p "SERVICE <http://x>" } # SERVICE <http://y>') is None
True
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urljoin

from cdkg.errors import UsageError

LOCAL_GRAPHS = "https://w3id.org/cdkg/"
_UPDATE = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
_STRING = re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'',
                     re.S)
_IRI = re.compile(r"<[^<>\"{}|^`\\\s]*>")
_COMMENT = re.compile(r"#[^\n]*")
_ESCAPES_FOR_RDFLIB = re.compile(r"(?i)\\\\|\\u[0-9a-f]{4}(?:[0-9a-f]{4})?")  # rdflib's pattern, and \\
# A text with none of these (keywords of an update or of a clause that reaches a server, or a
# \u escape that could spell one) cannot hold either, and needs no parser (nor its import time).
_KEYWORDS = re.compile(r"(?i)service|load|from|using|insert|delete|clear|create|drop|copy|move|add|with|\\u")
_PARSER_LOCK = threading.Lock()  # pyparsing grammars are shared objects: one parse at a time


def _blank(text: str) -> str:
    """Replace strings and comments by spaces, keeping IRIs (which may contain '#')."""
    out, pos = [], 0
    pattern = re.compile(f"{_STRING.pattern}|{_IRI.pattern}|{_COMMENT.pattern}", re.S)
    for m in pattern.finditer(text):
        out.append(text[pos:m.start()])
        token = m.group(0)
        out.append(token if token.startswith("<") else " " * len(token))
        pos = m.end()
    out.append(text[pos:])
    return "".join(out)


@dataclass(frozen=True)
class Verdict:
    """What a query text is (``query`` or ``update``) and the first clause that would reach
    another server (``None`` when there is none)."""

    kind: str
    network: str | None


def kind(text: str) -> str:
    """``"update"`` for SPARQL Update, else ``"query"``."""
    return analyse(text).kind


def uses_network(text: str) -> str | None:
    """The clause that would make the engine contact another server, or None."""
    return analyse(text).network


def check(text: str, *, allow_service: bool = False, allow_update: bool = False) -> str:
    """Refuse updates and federation unless allowed; return the query's kind."""
    verdict = analyse(text)
    if verdict.kind == "update" and not allow_update:
        raise UsageError("this is a SPARQL update; queries are read-only — pass --update to change a local store")
    if verdict.network and not allow_service:
        raise UsageError(f"the query would contact another server ({verdict.network}); "
                         "federated queries are off by default — pass --allow-service to run it")
    return verdict.kind


def analyse(text: str) -> Verdict:
    """Parse ``text`` (as a query, else as an update) and judge it; see the module docstring."""
    if not _KEYWORDS.search(text):
        return Verdict("query", None)
    return _analyse_cached(text) if len(text) <= 65536 else _analyse(text)


@lru_cache(maxsize=256)
def _analyse_cached(text: str) -> Verdict:
    return _analyse(text)


def _analyse(text: str) -> Verdict:
    text = _as_oxigraph_reads(text)
    first = _lexical_kind(text)
    tree = _parse(text, first) or _parse(text, "query" if first == "update" else "update")
    if tree is None:
        return Verdict(first, _lexical_network(text))
    found, parsed = tree
    return Verdict(found, _tree_network(parsed, found))


def _as_oxigraph_reads(text: str) -> str:
    """The text with its tokens where Oxigraph sees them, for the checks: rdflib expands ``\\u``
    escapes everywhere before parsing and ends a comment only at a line feed, while Oxigraph reads
    escapes only inside strings and IRIs (where they never end the token) and ends a comment at
    a carriage return too — so ``"x\\u0022," . SERVICE … ", \\u0022"`` or ``# …\\r SERVICE …``
    would hide a clause from rdflib.  Each escape becomes ``x``, each ``\\\\`` a ``\\t`` (so no
    escape is left to expand), and each carriage return a line feed."""
    text = _ESCAPES_FOR_RDFLIB.sub(lambda m: "\\t" if m.group(0) == "\\\\" else "x", text)
    return text.replace("\r", "\n")


def _parse(text: str, which: str) -> tuple[str, Any] | None:
    from pyparsing import ParseBaseException
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    try:
        with _PARSER_LOCK:
            return which, (parseQuery if which == "query" else parseUpdate)(text)
    except (ParseBaseException, RecursionError, ValueError, TypeError):
        return None


# -- the parse tree -------------------------------------------------------------------------------

def _tree_network(tree: Any, which: str) -> str | None:
    from cdkg.ontology import PREFIXES

    if which == "query":
        parts = [(tree[0], tree[1])]
    else:
        parts = list(zip(dict.get(tree, "prologue") or [], dict.get(tree, "request") or []))
    for prologue, body in parts:
        prefixes, base = dict(PREFIXES), None
        for decl in prologue or []:
            if decl.name == "Base":
                base = _join(base, str(decl["iri"]))
            elif decl.name == "PrefixDecl":
                prefixes[dict.get(decl, "prefix") or ""] = _join(base, str(decl["iri"]))
        found = _walk(body, prefixes, base)
        if found:
            return found
    return None


def _walk(node: Any, prefixes: dict[str, str], base: str | None) -> str | None:
    from rdflib.plugins.sparql.parserutils import CompValue

    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, CompValue):
            if item.name == "ServiceGraphPattern":
                return f"SERVICE {_show(dict.get(item, 'term'))}"
            if item.name == "Load":
                return f"LOAD {_show(dict.get(item, 'iri'))}"
            if item.name in ("DatasetClause", "UsingClause"):
                keyword = "FROM" if item.name == "DatasetClause" else "USING"
                named = dict.get(item, "named") is not None
                term = dict.get(item, "named" if named else "default")
                iri = _resolve(term, prefixes, base)
                if iri is None or not iri.startswith(LOCAL_GRAPHS):
                    return f"{keyword} {'NAMED ' if named else ''}{_show(term)}"
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)) or type(item).__name__ == "ParseResults":
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
    return None


def _show(term: Any) -> str:
    from rdflib.plugins.sparql.parserutils import CompValue
    from rdflib.term import URIRef, Variable

    if isinstance(term, CompValue) and term.name == "pname":
        return f"{dict.get(term, 'prefix') or ''}:{dict.get(term, 'localname') or ''}"
    if isinstance(term, Variable):
        return f"?{term}"
    if isinstance(term, URIRef):
        return f"<{term}>"
    return str(term)


def _resolve(term: Any, prefixes: dict[str, str], base: str | None) -> str | None:
    from rdflib.plugins.sparql.parserutils import CompValue

    if isinstance(term, CompValue) and term.name == "pname":
        ns = prefixes.get(dict.get(term, "prefix") or "")
        return None if ns is None else ns + (dict.get(term, "localname") or "")
    return _join(base, str(term)) if term is not None else None


def _join(base: str | None, iri: str) -> str:
    return urljoin(base, iri) if base and not re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", iri) else iri


# -- when rdflib cannot parse: tokens, judged conservatively ------------------------------------------

def _lexical_kind(text: str) -> str:
    body = _blank(text)
    body = re.sub(r"(?i)\b(PREFIX\s+[\w.-]*:\s*<[^>]*>|BASE\s*<[^>]*>)", " ", body)
    first = re.match(r"\s*([A-Za-z]+)", body)
    return "update" if first and first.group(1).upper() in _UPDATE else "query"


def _lexical_network(text: str) -> str | None:
    # The whole text, strings and comments included: where the parser failed, this scan cannot
    # know where Oxigraph's strings and comments are (``ex:a\#b`` is a name, not a comment).
    m = re.search(r"(?i)(?<![A-Za-z0-9_])(SERVICE|LOAD)(?![A-Za-z0-9_])", text)
    if m:
        return m.group(1).upper() + " (in a query the SPARQL parser could not read)"
    for m in re.finditer(r"(?i)(?<![A-Za-z0-9_])(FROM|USING)(?![A-Za-z0-9_])(\s+NAMED(?![\w]))?\s*(<[^<>\s]*>)?",
                         text):
        iri = (m.group(3) or "")[1:-1]
        if not iri.startswith(LOCAL_GRAPHS):
            return " ".join(m.group(0).split())
    return None
