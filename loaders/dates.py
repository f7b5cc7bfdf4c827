"""Dates as Vietnamese sources write them, kept at the precision they are given.

>>> parse_date("28/4/2022")
('2022-04-28', 'date')
>>> parse_date("26/5")          # day and month, no year: no year is invented
('--05-26', 'gMonthDay')
>>> parse_date("11/2021")
('2021-11', 'gYearMonth')
>>> parse_date("2010")
('2010', 'gYear')
"""

from __future__ import annotations

import datetime as dt
import re

_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_DM = re.compile(r"^(\d{1,2})/(\d{1,2})$")
_MY = re.compile(r"^(\d{1,2})/(\d{4})$")
_Y = re.compile(r"^(\d{4})$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

FORMS_HINT = 'write the date as the source does: "28/4/2022", "26/5" (no year), "11/2021" or "2010"'


class DateFormatError(ValueError):
    """The text is not a date in one of the accepted forms, or is impossible (31/02/2021)."""


def parse_date(text: str | int) -> tuple[str, str]:
    """Return ``(lexical form, XSD datatype local name)`` for a day/month/year text."""
    s = str(text).strip()
    try:
        if m := _DMY.match(s):
            d, mo, y = (int(g) for g in m.groups())
            return dt.date(y, mo, d).isoformat(), "date"
        if m := _DM.match(s):
            d, mo = (int(g) for g in m.groups())
            dt.date(2000, mo, d)  # a leap year, so 29/2 is possible
            return f"--{mo:02d}-{d:02d}", "gMonthDay"
        if m := _MY.match(s):
            mo, y = (int(g) for g in m.groups())
            dt.date(y, mo, 1)
            return f"{y:04d}-{mo:02d}", "gYearMonth"
        if m := _Y.match(s):
            return f"{int(m.group(1)):04d}", "gYear"
    except ValueError as exc:
        raise DateFormatError(f"impossible date {s!r} ({exc})") from None
    raise DateFormatError(f"not a date: {s!r}")


def full_date(value: dt.date | str) -> str:
    """The ISO form of a full date given as a date, "2026-12-02" or "2/12/2026"."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    if _ISO_DATE.match(text):
        try:
            return dt.date.fromisoformat(text).isoformat()
        except ValueError as exc:
            raise DateFormatError(f"impossible date {text!r} ({exc})") from None
    lexical, dtype = parse_date(text)
    if dtype != "date":
        raise DateFormatError(f"{text!r} is not a full date (day, month and year)")
    return lexical


def format_date(lexical: str, datatype: str) -> str:
    """The inverse of :func:`parse_date`: show a stored date as the source wrote it.

    >>> format_date("2022-04-28", "date"), format_date("--05-26", "gMonthDay")
    ('28/4/2022', '26/5')
    """
    try:
        if datatype == "date":
            y, m, d = lexical.split("-")
            return f"{int(d)}/{int(m)}/{y}"
        if datatype == "gMonthDay":
            m, d = lexical.removeprefix("--").split("-")
            return f"{int(d)}/{int(m)}"
        if datatype == "gYearMonth":
            y, m = lexical.split("-")
            return f"{int(m)}/{y}"
    except ValueError:
        pass
    return lexical
