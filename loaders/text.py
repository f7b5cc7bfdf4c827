"""Article text files: a header of ``Key: value`` lines, a line ``---``, then the body.

The header is the source's record: Title, Publisher, Author, URL, Published (at the precision
the page shows), Language, Kind, Retrieved (the date the text was read), and Seed and Note;
``unknown`` is the explicit value of a Publisher, Author or Published the page does not show.
The body is the article as published (title, lead, paragraphs, captions) and nothing else:
teasers of other articles ("related news") and sidebars are not evidence and are not copied —
a ``[related]`` section of teasers, as older files had, is refused.

Quotes are matched after NFC normalisation and folding every run of whitespace to one
space; character offsets refer to that normalised body.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

HEADER_FIELDS = ("title", "publisher", "author", "url", "published", "language", "kind", "retrieved", "seed", "note")
REQUIRED_FIELDS = ("title", "language", "kind")
#: The line that started a section of related-article teasers (no longer allowed).
RELATED_MARKER = "[related]"
_WS = re.compile(r"\s+")


def normalise(text: str) -> str:
    """NFC, whitespace folded to single spaces, trimmed."""
    return _WS.sub(" ", unicodedata.normalize("NFC", text)).strip()


@dataclass
class Article:
    """One article: its header fields and its normalised body."""

    path: Path
    header: dict[str, str]
    header_lines: dict[str, int]
    text: str  # the normalised body
    problems: list[tuple[int | None, str, str, str]] = field(default_factory=list)

    def find(self, quote: str) -> tuple[int, int] | None:
        """Offsets of ``quote`` (normalised) in the text, or None."""
        q = normalise(quote)
        i = self.text.find(q) if q else -1
        return (i, i + len(q)) if i >= 0 else None


def read_article(path: Path, raw: bytes | None = None) -> Article:
    """Parse an article file (``raw``: its bytes, when the caller has read them already).  Format problems are collected in ``Article.problems``
    as ``(line, field, message, hint)`` tuples rather than raised, so a caller can report
    every problem of a corpus at once."""
    if raw is None:
        raw = path.read_bytes()
    problems: list[tuple[int | None, str, str, str]] = []
    if b"\x00" in raw:
        problems.append((None, "", "binary file, not text", "save the article as UTF-8 text"))
        return Article(path, {}, {}, "", problems)
    try:
        content = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.append((None, "", f"not UTF-8 ({exc.reason} at byte {exc.start})", "save the file as UTF-8"))
        return Article(path, {}, {}, "", problems)
    lines = content.splitlines()
    header: dict[str, str] = {}
    header_lines: dict[str, int] = {}
    body_start = None
    for i, line in enumerate(lines, start=1):
        if line.strip() == "---":
            body_start = i
            break
        if not line.strip():
            continue
        key, sep, value = line.partition(":")
        key = key.strip().lower()
        if not sep or key not in HEADER_FIELDS:
            problems.append(
                (i, key or "header", f"unexpected header line {line[:60]!r}",
                 f"header lines are 'Key: value' with Key one of {', '.join(HEADER_FIELDS)}; end the header with a line '---'"))
            continue
        header[key] = value.strip()
        header_lines[key] = i
    if body_start is None:
        problems.append((None, "", "no '---' line between header and body", "put a line '---' after the header"))
        return Article(path, header, header_lines, "", problems)
    for key in REQUIRED_FIELDS:
        if not header.get(key):
            problems.append((1, key, "missing header field", f"add a line '{key.capitalize()}: ...' to the header"))
    body_lines = lines[body_start:]
    marker = next((j for j, ln in enumerate(body_lines) if ln.strip() == RELATED_MARKER), None)
    if marker is not None:
        problems.append((body_start + marker + 1, "body", "the article has a [related] section of teasers",
                         "delete the [related] line and every teaser below it: they are other articles' headlines, "
                         "not evidence; an event worth having comes in through its own article"))
    text = normalise("\n".join(body_lines))
    if not text:
        problems.append((body_start, "body", "the article body is empty", "paste the article text below the '---' line"))
    return Article(path, header, header_lines, text, problems)
