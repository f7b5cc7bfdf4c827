"""What a query may do: read only, and reach no other server unless the user asks.

The text is scanned with comments and string literals blanked out, so a keyword inside a
label (``"SERVICE"``) or a comment does not count.

>>> kind("PREFIX cd: <x#> INSERT DATA { <a> <b> <c> }")
'update'
>>> uses_network('SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }')
'SERVICE <http://example.org/sparql>'
>>> uses_network('SELECT * WHERE { ?s ?p "SERVICE <http://x>" }') is None
True
"""

from __future__ import annotations

import re

from kg.errors import UsageError

LOCAL_GRAPHS = "https://w3id.org/cdkg/"
_UPDATE = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
_STRING = re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'',
                     re.S)
_IRI = re.compile(r"<[^<>\"{}|^`\\\s]*>")
_COMMENT = re.compile(r"#[^\n]*")


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


def kind(text: str) -> str:
    """``"update"`` for SPARQL Update, else ``"query"``."""
    body = _blank(text)
    body = re.sub(r"(?i)\b(PREFIX\s+[\w.-]*:\s*<[^>]*>|BASE\s*<[^>]*>)", " ", body)
    first = re.match(r"\s*([A-Za-z]+)", body)
    return "update" if first and first.group(1).upper() in _UPDATE else "query"


def uses_network(text: str) -> str | None:
    """The clause that would make the engine contact another server, or None."""
    body = _blank(text)
    m = re.search(r"(?i)\bSERVICE\s+(SILENT\s+)?(<[^>]*>|\?\w+)", body)
    if m:
        return m.group(0)
    for m in re.finditer(r"(?i)\bFROM\s+(NAMED\s+)?<([^>]*)>", body):
        if not m.group(2).startswith(LOCAL_GRAPHS):
            return m.group(0)
    return None


def check(text: str, *, allow_service: bool = False, allow_update: bool = False) -> str:
    """Refuse updates and federation unless allowed; return the query's kind."""
    k = kind(text)
    if k == "update" and not allow_update:
        raise UsageError("this is a SPARQL update; queries are read-only — pass --update to change a local store")
    clause = None if allow_service else uses_network(text)
    if clause:
        raise UsageError(f"the query would contact another server ({clause}); "
                         "federated queries are off by default — pass --allow-service to run it")
    return k
