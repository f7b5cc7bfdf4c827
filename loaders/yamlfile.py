"""Read a YAML file and remember the line of every mapping key and list item.

>>> data, lines = load_yaml_text("a:\\n  - x\\n  - y\\n")
>>> data, lines[("a", 1)]
({'a': ['x', 'y']}, 3)
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

Path_ = tuple[Any, ...]

#: libyaml's parser when PyYAML was built with it (much faster); the pure-Python one otherwise.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STR = "tag:yaml.org,2002:str"


class YamlProblem(ValueError):
    """The text is not valid YAML for a curated source; ``line`` says where."""

    def __init__(self, message: str, line: int | None, hint: str = ""):
        super().__init__(message)
        self.line = line
        self.hint = hint


#: libyaml's composer asks these for every node; a C-level callable that ignores its arguments
#: spares a Python call per node.  Our own tag marks implicit tags; ``_convert`` resolves plain
#: scalars by value (cached), as PyYAML's resolver would.
_IGNORE = "".format
_IMPLICIT = "?".format
_FAST = _Loader is not yaml.SafeLoader


def load_yaml_text(text: str) -> tuple[Any, dict[Path_, int]]:
    """Parse ``text``; return the data and a map from key path to 1-based line."""
    try:
        loader = _Loader(text)
        # "!" would need the full resolver (a non-specific tag makes a plain scalar text)
        if _FAST and "!" not in text:
            loader.resolve, loader.descend_resolver, loader.ascend_resolver = _IMPLICIT, _IGNORE, _IGNORE
    except yaml.reader.ReaderError as exc:
        raise YamlProblem(f"the file holds a character YAML does not allow ({exc.character!r})",
                          text.count("\n", 0, exc.position) + 1,
                          "remove control characters; save the file as plain UTF-8 text") from None
    try:
        node = loader.get_single_node()
    except yaml.reader.ReaderError as exc:
        raise YamlProblem(f"the file holds a character YAML does not allow ({exc.character!r})",
                          text.count("\n", 0, exc.position) + 1,
                          "remove control characters; save the file as plain UTF-8 text") from None
    except yaml.MarkedYAMLError as exc:
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
    try:
        return _convert(node, (), lines), lines
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        raise YamlProblem(f"malformed YAML: {exc.problem}", mark.line + 1 if mark else None) from None


#: constructs the few scalars that are not plain text (numbers, booleans, null, dates)
_SCALARS = yaml.SafeLoader("")
_PLAIN: dict[str, Any] = {}


def _scalar(node: ScalarNode) -> Any:
    try:
        return _SCALARS.construct_object(node)
    finally:
        _SCALARS.constructed_objects.clear()  # the constructor memoises every node it sees


def _plain(value: str) -> Any:
    """A plain (unquoted) scalar as PyYAML's safe loader reads it: ``5`` is a number, ``yes`` true."""
    try:
        return _PLAIN[value]
    except KeyError:
        pass
    tag = _SCALARS.resolve(ScalarNode, value, (True, False))
    out = value if tag == _STR else _scalar(ScalarNode(tag, value))
    if len(_PLAIN) >= 100_000:
        _PLAIN.clear()
    _PLAIN[value] = out  # scalars are immutable: str, int, float, bool, None, date
    return out


def _value(n: ScalarNode) -> Any:
    try:
        if n.tag == "?":  # implicit (fast path): quoted or block text stays text, plain is resolved
            return _plain(n.value) if not n.style else n.value
        if n.tag == _STR:  # the parser has already unescaped quoted text; nothing to construct
            return n.value
        return _scalar(n)
    except (ValueError, TypeError) as exc:  # e.g. 2022-02-30 unquoted: YAML reads it as an impossible date
        tag = n.tag if n.tag != "?" else _SCALARS.resolve(ScalarNode, n.value, (True, False))
        raise YamlProblem(f"YAML reads {n.value!r} as a {tag.rsplit(':', 1)[-1]}, but it is not one ({exc})",
                          n.start_mark.line + 1, 'put the value in quotes ("…") to keep it as text') from None


def _convert(n: Any, path: Path_, lines: dict[Path_, int]) -> Any:
    """A composed node as plain data, recording the line of every key and item in ``lines``.
    (Written for speed: a million-triple corpus has millions of nodes, most of them scalars
    converted here without a call of their own.)"""
    lines.setdefault(path, n.start_mark.line + 1)
    cls = n.__class__
    if cls is MappingNode:
        out: dict[Any, Any] = {}
        for k, v in n.value:
            if k.__class__ is not ScalarNode:
                raise YamlProblem("a mapping key must be plain text", k.start_mark.line + 1)
            key = _value(k)
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
