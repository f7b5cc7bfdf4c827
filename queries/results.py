"""Query results: rows for people (labels, dates as the source wrote them) and the standard
SPARQL 1.1 result formats (CSV, TSV, JSON) that pandas, R and spreadsheets read directly.

A result may be read as it arrives: :meth:`QueryResult.write` sends each row to a file as it is
read from the store (a listing of 400,000 rows is never held whole), :meth:`QueryResult.head`
takes the first rows; anything else (``len``, iterating, ``rows()``, ``serialize()``) reads the
rest and keeps it.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any, Callable, Iterable, Iterator, TextIO

import pyoxigraph as ox

from cdkg.loaders.dates import format_date
from cdkg.ontology import XSD, shorten

Term = ox.NamedNode | ox.BlankNode | ox.Literal | None


class QueryResult:
    """A SELECT result: variables, the raw RDF terms, and labels for the IRIs in it.

    ``terms`` are the rows (lists of terms, in the variables' order); ``rows_in``, instead, an
    iterator of them read on demand (``labels_for`` then gives the labels of IRIs when rows are
    shown as labels), and ``close`` ends what produces them (a worker process)."""

    def __init__(self, name: str, variables: list[str], terms: list[list[Term]] | None = None,
                 labels: dict[str, str] | None = None, *, rows_in: Iterable[list[Term]] | None = None,
                 labels_for: Callable[[set[str]], dict[str, str]] | None = None,
                 close: Callable[[], None] | None = None):
        self.name = name
        self.variables = variables
        self._terms = terms
        self._pending = iter(rows_in) if rows_in is not None else None
        self.labels = dict(labels or {})
        self._labels_for = labels_for
        self._close = close
        if self._terms is None and self._pending is None:
            self._terms = []

    # -- reading ---------------------------------------------------------------------------

    @property
    def terms(self) -> list[list[Term]]:
        """Every row (read now if not yet read, and kept)."""
        if self._terms is None:
            self._terms = list(self._pending or ())
            self._pending = None
            self.close()
            self.label(self._terms)
        return self._terms

    def stream(self) -> Iterator[list[Term]]:
        """Every row once, as it is read (not kept when not read yet)."""
        if self._terms is not None:
            yield from self._terms
            return
        pending, self._pending = self._pending, iter(())
        try:
            yield from pending or ()
        finally:
            self.close()

    def head(self, n: int) -> tuple[list[list[Term]], int]:
        """The first ``n`` rows (labelled) and the number of rows in all (the rest read and counted,
        not kept)."""
        rows: list[list[Term]] = []
        total = 0
        for row in self.stream():
            if total < n:
                rows.append(row)
            total += 1
        self.label(rows)
        return rows, total

    def label(self, rows: Iterable[list[Term]]) -> None:
        """Look up the labels of the IRIs in ``rows`` (those not known yet)."""
        if self._labels_for is None:
            return
        iris = {t.value for row in rows for t in row if isinstance(t, ox.NamedNode)} - set(self.labels)
        if iris:
            self.labels.update(self._labels_for(iris))

    def close(self) -> None:
        """Stop what produces the rows (nothing to do once they are read)."""
        if self._close is not None:
            close, self._close = self._close, None
            close()

    # -- showing ---------------------------------------------------------------------------

    def display(self, term: Term, iris: bool = False) -> str | None:
        """A cell as a person reads it: label (or IRI), date as the source wrote it, text."""
        if term is None:
            return None
        if isinstance(term, ox.NamedNode):
            return term.value if iris else self.labels.get(term.value) or shorten(term.value)
        if isinstance(term, ox.Literal):
            dt = term.datatype.value
            return format_date(term.value, dt[len(XSD):]) if dt.startswith(XSD) else term.value
        return str(term)

    def rows(self, iris: bool = False) -> list[dict[str, str | None]]:
        """Rows as dicts of display strings."""
        return [{v: self.display(t, iris) for v, t in zip(self.variables, row)} for row in self.terms]

    def values(self) -> list[dict[str, str | None]]:
        """Rows as dicts of raw values (IRI or lexical form), for programs."""
        return [{v: (t.value if t is not None else None) for v, t in zip(self.variables, row)} for row in self.terms]

    def __iter__(self) -> Iterator[dict[str, str | None]]:
        return iter(self.rows())

    def __len__(self) -> int:
        return len(self.terms)

    def to_dataframe(self, iris: bool = False) -> Any:
        """A pandas DataFrame of the display rows (needs pandas: ``pip install pandas``)."""
        try:
            import pandas as pd
        except ImportError:
            raise ImportError("to_dataframe() needs pandas: pip install pandas") from None
        return pd.DataFrame(self.rows(iris), columns=self.variables)

    def serialize(self, fmt: str) -> str:
        """``csv``, ``tsv`` or ``json`` in the SPARQL 1.1 Query Results formats."""
        buf = io.StringIO()
        self.terms  # noqa: B018 - read whole: the text is returned whole
        self.write(fmt, buf)
        return buf.getvalue()

    def write(self, fmt: str, out: TextIO) -> int:
        """Write the rows to ``out`` in ``csv``, ``tsv`` or ``json`` (SPARQL 1.1 Query Results), each
        row as it is read; returns the number of rows."""
        n = 0
        if fmt == "json":
            out.write(json.dumps({"head": {"vars": self.variables}}, ensure_ascii=False, indent=1)[:-2]
                      + ',\n "results": {\n  "bindings": [')
            sep = "\n   "
            for row in self.stream():
                out.write(sep + json.dumps({v: _json_term(t) for v, t in zip(self.variables, row) if t is not None},
                                           ensure_ascii=False))
                sep = ",\n   "
                n += 1
            out.write("\n  ]\n }\n}")
            return n
        if fmt == "csv":
            writer = csv.writer(out, lineterminator="\r\n")
            writer.writerow(self.variables)
            for row in self.stream():
                writer.writerow(["" if t is None else (t.value if not isinstance(t, ox.BlankNode) else str(t))
                                 for t in row])
                n += 1
            return n
        if fmt == "tsv":
            out.write("\t".join("?" + v for v in self.variables) + "\n")
            for row in self.stream():
                out.write("\t".join("" if t is None else str(t) for t in row) + "\n")
                n += 1
            return n
        raise ValueError(f"unknown result format {fmt!r}")


def _json_term(t: ox.NamedNode | ox.BlankNode | ox.Literal) -> dict[str, str]:
    if isinstance(t, ox.NamedNode):
        return {"type": "uri", "value": t.value}
    if isinstance(t, ox.BlankNode):
        return {"type": "bnode", "value": t.value}
    out = {"type": "literal", "value": t.value}
    if t.language:
        out["xml:lang"] = t.language
    elif t.datatype.value != XSD + "string":
        out["datatype"] = t.datatype.value
    return out
