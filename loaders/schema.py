"""The shape of a curated source file (YAML), as pydantic models.

A curated file names its source and either its bundled article (``article:``, a quoted source)
or the full bibliographic record of a source we cite but do not copy (``record:``).  It declares
the entities it mentions and lists evidence: a verbatim ``quote:`` of the article, or a
``cited:`` statement in the curator's own words with a ``locator:`` and who ``checked:`` it::

    source: 004-hue-plan-173
    article: 004-hue-plan-173.txt
    entities:
      - {id: plan_173_kh_ubnd, kind: Plan, vi: "Kế hoạch số 173/KH-UBND", en: "Plan No. 173/KH-UBND"}
    evidence:
      - quote: "Ngày 28/4/2022, Ủy ban nhân dân tỉnh Thừa Thiên Huế ban hành Kế hoạch số 173/KH-UBND"
        facts:
          - [plan_173_kh_ubnd, eli:date_document, "28/4/2022"]
          - [plan_173_kh_ubnd, eli:passed_by, ubnd_thua_thien_hue]

The rules that tie fields together (exactly one of ``quote`` and ``cited``; a locator and a
check for cited evidence; the record's required fields) are checked by the loader, which can
name the line of each problem.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Annotated, Union

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

ID_PATTERN = r"^[a-z0-9][a-z0-9_]*$"
SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
#: a source's web address: http(s), a host, then anything without spaces
URL_PATTERN = r"^https?://[^\s/]+\S*$"
_MARKUP = re.compile(r"<\s*[a-zA-Z/!?]|&[a-zA-Z#][a-zA-Z0-9]*;")


_SURROGATE = re.compile("[\ud800-\udfff]")


def _nfc(value: str) -> str:
    if value.isascii():  # most ids and many labels: nothing to check
        return value
    if _SURROGATE.search(value):
        raise ValueError("text holds an unpaired surrogate (a \\ud800-\\udfff escape); write the character itself")
    if not unicodedata.is_normalized("NFC", value):
        raise ValueError("text is not in Unicode NFC form (decomposed accents); re-type it or normalise the file to NFC")
    return value


def _plain(value: str) -> str:
    if _MARKUP.search(value):
        raise ValueError("labels are plain text: remove the HTML tag or entity")
    return value


Text = Annotated[str, Field(min_length=1), AfterValidator(_nfc)]
Label = Annotated[str, Field(min_length=1), AfterValidator(_nfc), AfterValidator(_plain)]
FactValue = Union[int, bool, Text]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=False)


class Entity(_Model):
    """An entity the source mentions: stable ASCII id, class, Vietnamese and English labels."""

    id: Annotated[str, Field(pattern=ID_PATTERN, max_length=80)]
    kind: Annotated[str, Field(min_length=1)]
    also: list[str] = Field(default_factory=list)
    vi: Label
    en: Label
    alt: list[Label] = Field(default_factory=list)


#: The explicit value of a record field the source does not show (publisher, author, published).
UNKNOWN = "unknown"
SOURCE_KINDS = ("NewsReport", "LegalDocumentText", "ReferenceCompilation")
#: A date YAML reads by itself (2026-12-02 unquoted) or a text date.
DateText = Union[dt.date, Text]


class Record(_Model):
    """The bibliographic record of a source: what a researcher needs to cite it."""

    kind: Annotated[str, Field(pattern=r"^(NewsReport|LegalDocumentText|ReferenceCompilation)$")]
    title: Text
    publisher: Text | None = None
    author: Text | None = None
    url: Text | None = None
    published: Union[int, DateText, None] = None
    language: Annotated[str, Field(pattern=r"^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$")] | None = None
    retrieved: DateText | None = None
    note: Text | None = None


class CitedSource(Record):
    """A source that cited evidence in an article file rests on (not the article quoted)."""

    id: Annotated[str, Field(pattern=SLUG_PATTERN, max_length=80)]


class Checked(_Model):
    """Who checked a cited statement against its source, and when."""

    by: Text
    on: DateText


class Evidence(_Model):
    """One piece of evidence and the facts (subject, property, value) it supports: a verbatim
    ``quote`` of the article, or a ``cited`` statement in the curator's words with its locator."""

    quote: Text | None = None
    cited: Text | None = None
    locator: Text | None = None
    checked: Checked | None = None
    cites: Union[Text, list[Text], None] = None
    facts: list[tuple[Text, Text, FactValue]] = Field(default_factory=list)
    note: Text | None = None
    inference: Text | None = None


class CuratedFile(_Model):
    """A whole curated source file."""

    source: Annotated[str, Field(pattern=SLUG_PATTERN, max_length=80)]
    article: Text | None = None
    record: Record | None = None
    entities: list[Entity] = Field(default_factory=list)
    cited_sources: list[CitedSource] = Field(default_factory=list)
    evidence: list[Evidence] = Field(default_factory=list)
