"""The shape of a curated source file (YAML), as pydantic models.

A curated file names its source and article, declares the entities it mentions and lists
evidence excerpts, each a verbatim quote with the facts it supports::

    source: 004-hue-plan-173
    article: 004-hue-plan-173.txt
    entities:
      - {id: plan_173_kh_ubnd, kind: Plan, vi: "Kế hoạch số 173/KH-UBND", en: "Plan No. 173/KH-UBND"}
    evidence:
      - quote: "Ngày 28/4/2022, Ủy ban nhân dân tỉnh Thừa Thiên Huế ban hành Kế hoạch số 173/KH-UBND"
        facts:
          - [plan_173_kh_ubnd, eli:date_document, "28/4/2022"]
          - [plan_173_kh_ubnd, eli:passed_by, ubnd_thua_thien_hue]
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Union

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

ID_PATTERN = r"^[a-z0-9][a-z0-9_]*$"
SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
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


class CitedSource(_Model):
    """A document a reference compilation cites for its facts (not the page quoted)."""

    id: Annotated[str, Field(pattern=SLUG_PATTERN, max_length=80)]
    kind: Annotated[str, Field(pattern=r"^(NewsReport|LegalDocumentText)$")]
    title: Text
    publisher: Text | None = None
    url: Text | None = None
    published: Text | None = None
    note: Text | None = None


class Evidence(_Model):
    """One verbatim excerpt and the facts (subject, property, value) it supports."""

    quote: Text
    facts: list[tuple[Text, Text, FactValue]] = Field(default_factory=list)
    teaser: bool = False
    note: Text | None = None
    inference: Text | None = None
    cites: list[str] = Field(default_factory=list)


class CuratedFile(_Model):
    """A whole curated source file."""

    source: Annotated[str, Field(pattern=SLUG_PATTERN, max_length=80)]
    article: Text
    entities: list[Entity] = Field(default_factory=list)
    cited_sources: list[CitedSource] = Field(default_factory=list)
    evidence: list[Evidence] = Field(default_factory=list)
