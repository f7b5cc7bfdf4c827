"""Article text files: a header of ``Key: value`` lines, a line ``---``, then the body.

The body is the article as published (title, lead, paragraphs, captions).  A line
``[related]`` may follow it; below that line come the related-article teasers kept
because they concern diplomacy or culture.  Unrelated sidebar news is never copied.

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
RELATED_MARKER = "[related]"
_WS = re.compile(r"\s+")


def normalise(text: str) -> str:
    """NFC, whitespace folded to single spaces, trimmed."""
    return _WS.sub(" ", unicodedata.normalize("NFC", text)).strip()


@dataclass
class Article:
    """One article: its header fields, its normalised text and where the teasers start."""

    path: Path
    header: dict[str, str]
    header_lines: dict[str, int]
    text: str  # normalised body + teasers
    teaser_start: int  # offset in ``text`` where the related section starts (len(text) if none)
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
        return Article(path, {}, {}, "", 0, problems)
    try:
        content = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.append((None, "", f"not UTF-8 ({exc.reason} at byte {exc.start})", "save the file as UTF-8"))
        return Article(path, {}, {}, "", 0, problems)
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
        return Article(path, header, header_lines, "", 0, problems)
    for key in REQUIRED_FIELDS:
        if not header.get(key):
            problems.append((1, key, "missing header field", f"add a line '{key.capitalize()}: ...' to the header"))
    body_lines = lines[body_start:]
    marker = next((j for j, ln in enumerate(body_lines) if ln.strip() == RELATED_MARKER), None)
    main = "\n".join(body_lines if marker is None else body_lines[:marker])
    related = "" if marker is None else "\n".join(body_lines[marker + 1:])
    main_n, related_n = normalise(main), normalise(related)
    text = f"{main_n} {related_n}" if related_n else main_n
    if not main_n:
        problems.append((body_start, "body", "the article body is empty", "paste the article text below the '---' line"))
    return Article(path, header, header_lines, text, len(main_n) if related_n else len(text), problems)
