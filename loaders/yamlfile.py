"""Read a curated YAML file and remember the line of every mapping key and list item.

A curated file is plain data, so this reader accepts less than YAML allows — each value is
stored exactly as written or refused with its line and a hint (a :class:`YamlProblem`):

* **Plain (unquoted) values** mean what YAML 1.1 and YAML 1.2 (core schema) agree on: text,
  ``true``/``false`` (also ``True``, ``TRUE``, …), ``null``/``~``/nothing, and whole numbers in
  decimal digits without a leading zero and of at most :data:`MAX_DIGITS` digits (``24``,
  ``-3``).  A plain value that either version reads as anything else is refused with the hint
  to quote it: ``yes``/``no``/``on``/``off`` (booleans in YAML 1.1), ``010`` (octal 8 in 1.1),
  ``00024``, ``0x1F``, ``0o17``, ``1_000``, ``12:30`` (750 in 1.1), ``1.5``, ``1e3``, ``.inf``,
  ``.nan``, ``2022-04-28`` (a date in 1.1) and the merge key ``<<``.  Quoted and block text
  (``"…"``, ``'…'``, ``|``, ``>``) is always text.
* **Tags** other than ``!!str`` (and the non-specific ``!``) are refused: ``!!int``,
  ``!!binary``, ``!!set``… have no place in a curated file.
* **Anchors and aliases** (``&a``, ``*a``, ``<<: *a``) are refused before anything is composed,
  so a "billion laughs" file cannot grow memory and a self-referencing alias cannot recurse.
* **Nesting** deeper than :data:`MAX_DEPTH` collections is refused while composing (a curated
  file needs four or five levels), before libyaml's recursive composer can exhaust the stack.

>>> data, lines = load_yaml_text("a:\\n  - x\\n  - 24\\n")
>>> data, lines[("a", 1)]
({'a': ['x', 24]}, 3)
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

Path_ = tuple[Any, ...]

#: libyaml's parser when PyYAML was built with it (much faster); the pure-Python one otherwise.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STR = "tag:yaml.org,2002:str"

#: collections nested deeper than this are refused (a curated file uses four or five levels)
MAX_DEPTH = 64
#: a whole number has at most this many digits (fits a 64-bit integer; a count or a year needs few)
MAX_DIGITS = 18


class YamlProblem(ValueError):
    """The text is not valid YAML for a curated source; ``line`` says where."""

    def __init__(self, message: str, line: int | None, hint: str = ""):
        super().__init__(message)
        self.line = line
        self.hint = hint


class _Refused(ValueError):
    """A plain scalar that would not be stored as written (the caller adds the line)."""

    def __init__(self, message: str, hint: str):
        super().__init__(message)
        self.hint = hint


#: libyaml's composer asks these for every node; a C-level callable that ignores its arguments
#: spares a Python call per node.  Our own tag "?" marks implicit tags; ``_plain`` reads plain
#: scalars by value (cached).
_IGNORE = "".format
_IMPLICIT = "?".format

#: an anchor or alias token is ``&`` or ``*`` then [0-9A-Za-z_-], at the start of a token (after a
#: space, an indicator or a quote, never right after a letter or digit): text without this holds
#: neither, and only text with it is scanned event by event
_MAYBE_ANCHOR = re.compile(r"(?<!\w)[&*][0-9A-Za-z_-]")
_NO_ANCHORS_HINT = "curated files do not use YAML anchors, aliases or merge keys (<<): write the value out in full"


def _depth_guard() -> Any:
    """A ``descend_resolver`` that refuses nesting deeper than :data:`MAX_DEPTH`.

    The composer calls it with the parent collection of every node it is about to compose.  A
    parent not seen before is the collection composed just after the previous call, so it lies one
    level below that call's parent; one dict lookup per node keeps the depth of each."""
    depths: dict[Any, int] = {None: 0}
    last: list[Any] = [None]

    def descend(parent: Any, index: Any) -> None:
        if parent is last[0]:
            return
        depth = depths.get(parent)
        if depth is None:
            depth = depths[parent] = depths[last[0]] + 1
            if depth > MAX_DEPTH:
                raise _too_deep(parent.start_mark.line + 1)
        last[0] = parent

    return descend


def _too_deep(line: int | None) -> YamlProblem:
    return YamlProblem(f"nesting deeper than {MAX_DEPTH} levels", line,
                       "a curated source needs a few levels (evidence → facts → [subject, property, "
                       "value]); check for runaway brackets or indentation")


def _depth_line(text: str) -> int | None:
    """The line where collections first nest deeper than :data:`MAX_DEPTH` (read as events, which
    stop there; the pure-Python parser, which has no nesting limit of its own)."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    return event.start_mark.line + 1
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
    except yaml.YAMLError:
        pass
    return None


def _refuse_anchors(text: str) -> None:
    """Raise at the first anchor or alias, reading events only (nothing is composed or expanded)."""
    for event in yaml.parse(text, Loader=_Loader):
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            what = (f"YAML alias '*{anchor}'" if isinstance(event, yaml.AliasEvent)
                    else f"YAML anchor '&{anchor}'")
            raise YamlProblem(f"{what}: anchors and aliases are not allowed", event.start_mark.line + 1,
                              _NO_ANCHORS_HINT)


def _reader_problem(exc: yaml.reader.ReaderError, text: str) -> YamlProblem:
    return YamlProblem(f"the file holds a character YAML does not allow ({exc.character!r})",
                       text.count("\n", 0, exc.position) + 1,
                       "remove control characters; save the file as plain UTF-8 text")


def load_yaml_text(text: str) -> tuple[Any, dict[Path_, int]]:
    """Parse ``text``; return the data and a map from key path to 1-based line."""
    try:
        loader = _Loader(text)
    except yaml.reader.ReaderError as exc:
        raise _reader_problem(exc, text) from None
    loader.resolve = _IMPLICIT  # quoted text stays text; a plain scalar, even with the tag "!", is read by _plain
    loader.descend_resolver, loader.ascend_resolver = _depth_guard(), _IGNORE
    try:
        if ("&" in text or "*" in text) and _MAYBE_ANCHOR.search(text):  # `in` first: far faster
            _refuse_anchors(text)
        node = loader.get_single_node()
    except yaml.reader.ReaderError as exc:
        raise _reader_problem(exc, text) from None
    except yaml.MarkedYAMLError as exc:
        if "nesting depth" in str(exc.problem):  # libyaml's own limit (PyYAML >= 6.0.4), above ours
            raise _too_deep(_depth_line(text)) from None
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise YamlProblem(
            f"malformed YAML: {exc.problem or exc.context}", line,
            "check indentation, a missing ':' or an unclosed quote on this line or the one above",
        ) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(f"malformed YAML: {exc}", None) from None
    finally:
        loader.dispose()
    if node is None:
        raise YamlProblem("the file is empty", None, "a curated source needs at least 'source:', 'article:' and 'evidence:'")
    lines: dict[Path_, int] = {}
    return _convert(node, (), lines), lines


# --- Plain scalars ------------------------------------------------------------------------------

#: reads scalars as YAML 1.1 does, to say what a refused value would have become
_SCALARS = yaml.SafeLoader("")
_PLAIN: dict[str, Any] = {}
_NULLS = frozenset(("", "~", "null", "Null", "NULL"))
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_DECIMAL = re.compile(r"[-+]?(?:0|[1-9][0-9]*)\Z")
#: what YAML 1.2's core schema reads as a number (1.1 reads some as text: 08, 1e3, 0o17)
_CORE_NUMBER = re.compile(r"[-+]?(?:[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+|(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
                          r"|\.(?:inf|Inf|INF))\Z|\.(?:nan|NaN|NAN)\Z")
_AS_TEXT = 'put it in quotes ("…") to keep it as text'


def _short(value: str) -> str:
    return repr(value) if len(value) <= 40 else repr(value[:37] + "...")


def _reading_11(tag: str, value: str) -> str:
    """What YAML 1.1 makes of a plain scalar it resolves to ``tag``, in words."""
    kind = tag.rsplit(":", 1)[-1]
    if kind in ("merge", "value"):
        return f"a {kind} key"
    try:
        out = _SCALARS.construct_object(ScalarNode(tag, value))
    except (ValueError, TypeError, yaml.YAMLError):
        return f"a {'date' if kind == 'timestamp' else kind} that does not exist"
    finally:
        _SCALARS.constructed_objects.clear()  # the constructor memoises every node it sees
    if isinstance(out, bool):
        return f"the boolean {str(out).lower()}"
    if kind == "timestamp":
        return f"the date {out}"
    return f"the number {out}" if len(str(out)) <= 40 else "a number"


def whole_number(value: Any) -> int | None:
    """``value`` as a whole number if it is one — an int (not a bool) or text of ASCII digits —
    of at most :data:`MAX_DIGITS` digits; else None (``"²"`` and ``"٣"`` are digits to Python)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if -10**MAX_DIGITS < value < 10**MAX_DIGITS else None
    if isinstance(value, str) and 0 < len(value) <= MAX_DIGITS and value.isascii() and value.isdigit():
        return int(value)
    return None


def _plain(value: str) -> Any:
    """A plain (unquoted) scalar: None, a boolean, a whole number or the text as written (see the
    module docstring); raises :class:`_Refused` for any other reading."""
    try:
        return _PLAIN[value]
    except KeyError:
        pass
    if value in _NULLS:
        out: Any = None
    elif value in _BOOLS:
        out = _BOOLS[value]
    elif _DECIMAL.match(value):
        digits = len(value.lstrip("+-"))
        if digits > MAX_DIGITS:
            raise _Refused(f"unquoted number {_short(value)} has {digits} digits, more than {MAX_DIGITS}",
                           f"{_AS_TEXT}; a whole number has at most {MAX_DIGITS} digits")
        out = int(value)
    else:
        tag = _SCALARS.resolve(ScalarNode, value, (True, False))
        if tag == _STR and not _CORE_NUMBER.match(value):
            out = value
        else:
            in_12 = "a number" if _CORE_NUMBER.match(value) else "text"
            in_11 = "text" if tag == _STR else _reading_11(tag, value)
            hint = _AS_TEXT
            if tag.endswith(":bool"):
                hint += "; write true or false for a yes/no value"
            elif in_11.startswith(("the number", "a number")) or in_12 == "a number":
                hint += "; write a whole number in plain digits, e.g. 24"
            raise _Refused(f"unquoted {_short(value)} is not stored as written: YAML 1.1 reads it as {in_11}, "
                           f"YAML 1.2 as {in_12}", hint)
    if len(_PLAIN) >= 100_000:
        _PLAIN.clear()
    _PLAIN[value] = out  # scalars are immutable: str, int, bool, None
    return out


def _tag_problem(n: Any) -> YamlProblem:
    return YamlProblem(f"YAML tag {n.tag!r} is not allowed", n.start_mark.line + 1,
                       'remove the tag; put a value in quotes ("…") to keep it as text')


def _value(n: ScalarNode) -> Any:
    tag = n.tag
    if tag == "?":  # implicit: quoted or block text stays text, plain is read by _plain
        if n.style:
            return n.value
        try:
            return _plain(n.value)
        except _Refused as exc:
            raise YamlProblem(str(exc), n.start_mark.line + 1, exc.hint) from None
    if tag == _STR:  # the parser has already unescaped quoted text; nothing to construct
        return n.value
    raise _tag_problem(n)


def _convert(n: Any, path: Path_, lines: dict[Path_, int]) -> Any:
    """A composed node as plain data, recording the line of every key and item in ``lines``.
    (Written for speed: a million-triple corpus has millions of nodes, most of them scalars
    converted here without a call of their own.)"""
    lines.setdefault(path, n.start_mark.line + 1)
    cls = n.__class__
    if cls is MappingNode:
        if n.tag != "?":
            raise _tag_problem(n)
        out: dict[Any, Any] = {}
        for k, v in n.value:
            if k.__class__ is not ScalarNode:
                raise YamlProblem("a mapping key must be plain text", k.start_mark.line + 1)
            if k.tag not in ("?", _STR):
                raise _tag_problem(k)
            key = k.value  # keys are field names: always the text as written (`on:` is "on")
            if key in out:
                raise YamlProblem(f"key {key!r} appears twice in the same block", k.start_mark.line + 1,
                                  "remove or rename one of them")
            sub = path + (key,)
            lines[sub] = k.start_mark.line + 1
            if v.__class__ is ScalarNode:
                out[key] = _value(v)
            else:
                out[key] = _convert(v, sub, lines)
        return out
    if cls is SequenceNode:
        if n.tag != "?":
            raise _tag_problem(n)
        items = []
        for i, item in enumerate(n.value):
            if item.__class__ is ScalarNode:
                lines[path + (i,)] = item.start_mark.line + 1
                items.append(_value(item))
            else:
                items.append(_convert(item, path + (i,), lines))
        return items
    return _value(n)


def line_of(lines: dict[Path_, int], loc: Path_) -> int | None:
    """The line of the longest prefix of ``loc`` that has one."""
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None
