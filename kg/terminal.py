"""Text from the sources made safe to show: no control sequence reaches the reader's terminal
and no label is read as markup.

A label, quote or note may hold any character a YAML escape (``"\\e[8m"``) or an article can
carry, and an endpoint's error body anything at all.  Printed raw, ``ESC [ 8 m`` hides what
follows, an OSC sequence sets the window title, a C1 ``CSI`` (U+009B) does the same without
ESC, and bidirectional overrides (U+202E) show text in another order than it is stored.
:func:`visible` writes each such character as its escape (``\\x1b``, ``\\u202e``), so it is seen
and cannot act; :func:`safe` also escapes rich markup (``[bold]``, ``[link=…]``) for a string
printed by rich; :func:`cell` gives a rich ``Text`` (never parsed as markup) for table cells;
:func:`json_text` and :func:`u_escaped` keep JSON, Turtle and SPARQL TSV valid and equal while
writing those characters as ``\\u`` escapes.
Every command prints source-derived text through one of these.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.text import Text

#: DEL, the C1 controls, the line and paragraph separators, and the bidirectional marks,
#: embeddings, overrides and isolates.
_WIDE = "\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
#: Those and the C0 controls but newline.
_UNSAFE = re.compile(f"[\x00-\x09\x0b-\x1f{_WIDE}]")
_UNSAFE_OR_NEWLINE = re.compile(f"[\x00-\x1f{_WIDE}]")
#: Those but tab, line feed and carriage return, which lay out the data formats (whose
#: serialisers escape them inside values).
_UNSAFE_IN_DATA = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f{_WIDE}]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: Any, newlines: bool = True) -> str:
    """``text`` with every control character (and bidi override) written as its escape;
    newlines are kept when ``newlines`` is true (else written as ``\\x0a``)."""
    return (_UNSAFE if newlines else _UNSAFE_OR_NEWLINE).sub(_escape, str(text))


def safe(text: Any, newlines: bool = True) -> str:
    """``text`` for a string rich prints with markup: controls made visible, markup escaped."""
    from rich.markup import escape

    return escape(visible(text, newlines))


def cell(text: Any) -> "Text":
    """``text`` as a rich table cell: controls made visible, never read as markup."""
    from rich.text import Text

    return Text(visible("" if text is None else text))


def u_escaped(text: str) -> str:
    """``text`` of a format where ``\\uXXXX`` is an escape everywhere a character may appear
    (JSON strings, N-Triples, Turtle, SPARQL TSV) with the characters :func:`visible` escapes
    written that way: the same data, safe to print."""
    return _UNSAFE_IN_DATA.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def json_text(data: Any, indent: int | None = 2) -> str:
    """``data`` as JSON (UTF-8 text, not ``\\u``-escaped) with the characters :func:`visible`
    escapes written as ``\\u`` escapes: the same JSON value, safe to print."""
    return u_escaped(json.dumps(data, ensure_ascii=False, indent=indent))
