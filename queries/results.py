"""Query results: rows for people (labels, dates as the source wrote them) and the standard
SPARQL 1.1 result formats (CSV, TSV, JSON) that pandas, R and spreadsheets read directly."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any, Iterator

import pyoxigraph as ox

from cdkg.loaders.dates import format_date
from cdkg.ontology import XSD, shorten

Term = ox.NamedNode | ox.BlankNode | ox.Literal | None


@dataclass
class QueryResult:
    """A SELECT result: variables, the raw RDF terms, and labels for the IRIs in it."""

    name: str
    variables: list[str]
    terms: list[list[Term]]
    labels: dict[str, str] = field(default_factory=dict)

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
        if fmt == "json":
            return json.dumps({"head": {"vars": self.variables},
                               "results": {"bindings": [
                                   {v: _json_term(t) for v, t in zip(self.variables, row) if t is not None}
                                   for row in self.terms]}}, ensure_ascii=False, indent=1)
        if fmt == "csv":
            buf = io.StringIO()
            writer = csv.writer(buf, lineterminator="\r\n")
            writer.writerow(self.variables)
            for row in self.terms:
                writer.writerow(["" if t is None else (t.value if not isinstance(t, ox.BlankNode) else str(t))
                                 for t in row])
            return buf.getvalue()
        if fmt == "tsv":
            lines = ["\t".join("?" + v for v in self.variables)]
            lines += ["\t".join("" if t is None else str(t) for t in row) for row in self.terms]
            return "\n".join(lines) + "\n"
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
