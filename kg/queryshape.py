"""What a SPARQL query promises about its answer, so that an endpoint's answer can be checked
before anyone reads it: the query form, the variables a SELECT projects, and the variables
every row must bind.

The query is read with rdflib's SPARQL parser and algebra (loaded on first use).  The analysis
is conservative: a variable counts as always bound only when the algebra guarantees it (a
triple pattern outside OPTIONAL, both sides of a UNION, a COUNT, the SAMPLE/MIN/MAX of such a
variable per GROUP BY group, a VALUES column without UNDEF, …); anything it does not know
promises nothing.  A text rdflib cannot read gives an empty :class:`Shape` (no checks).

>>> s = shape("SELECT ?a ?b ?c WHERE { ?a <http://x/p> ?b OPTIONAL { ?a <http://x/q> ?c } }")
>>> s.form, s.variables, sorted(s.bound)
('SELECT', ['a', 'b', 'c'], ['a', 'b'])
>>> shape("SELECT ?g (COUNT(*) AS ?n) { ?s ?p ?g } GROUP BY ?g").bound == {"g", "n"}
True
>>> sorted(shape("SELECT ?a ?b { VALUES (?a ?b) { (1 2) (3 UNDEF) } }").bound)
['a']
>>> shape("ASK { ?s ?p ?o }").form, shape("SELECT * { ?s ?p ?o }").variables
('ASK', None)
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

FORMS = {"SelectQuery": "SELECT", "AskQuery": "ASK", "ConstructQuery": "CONSTRUCT", "DescribeQuery": "DESCRIBE"}


@dataclass(frozen=True)
class Shape:
    """``form``: SELECT, ASK, CONSTRUCT or DESCRIBE (None: unknown); ``variables``: what a SELECT
    projects, in order (None: ``SELECT *`` or unknown); ``bound``: variables every row binds."""

    form: str | None = None
    variables: list[str] | None = None
    bound: frozenset[str] = field(default_factory=frozenset)


@functools.lru_cache(maxsize=256)
def shape(text: str) -> Shape:
    """The :class:`Shape` of a query text (cached: the same queries run again and again)."""
    try:
        from rdflib.plugins.sparql.parser import parseQuery

        parsed = parseQuery(text)
    except Exception:  # noqa: BLE001 — any parser failure: no check rather than a false alarm
        return Shape()
    query = parsed[1]
    form = FORMS.get(query.name)
    variables: list[str] | None = None
    if form == "SELECT" and "projection" in query:
        variables = []
        for item in query["projection"]:
            var = item["var"] if "var" in item else item["evar"] if "evar" in item else None
            if var is None:
                variables = None
                break
            variables.append(str(var))
    bound: set[str] = set()
    if form == "SELECT":
        try:
            from rdflib.plugins.sparql.algebra import translateQuery

            bound = _bound(translateQuery(parsed).algebra)
        except Exception:  # noqa: BLE001 — e.g. an undeclared prefix: rows are then not checked
            bound = set()
    return Shape(form, variables, frozenset(bound & set(variables or bound)))


def _bound(node: Any) -> set[str]:
    """Variables bound in every solution of an algebra node (a subset of the truth)."""
    from rdflib.plugins.sparql.parserutils import CompValue
    from rdflib.term import Node, Variable

    if not isinstance(node, CompValue):
        return set()
    name = node.name
    if name == "BGP":  # every variable of a triple pattern (or property path) is bound
        return {str(t) for triple in node["triples"] for t in triple if isinstance(t, Variable)}
    if name == "Join":
        return _bound(node["p1"]) | _bound(node["p2"])
    if name in ("LeftJoin", "Minus"):
        return _bound(node["p1"])
    if name == "Union":
        return _bound(node["p1"]) & _bound(node["p2"])
    if name == "Graph":
        return _bound(node["p"]) | ({str(node["term"])} if isinstance(node["term"], Variable) else set())
    if name == "Project":
        return _bound(node["p"]) & {str(v) for v in node["PV"]}
    if name == "Extend":  # BIND(expr AS ?v) may fail and leave ?v unbound — unless it renames a bound variable
        inner = _bound(node["p"])
        expr = node["expr"]
        return inner | ({str(node["var"])} if isinstance(expr, Variable) and str(expr) in inner else set())
    if name == "AggregateJoin":
        group = node["p"]
        per_group = group.name == "Group" and bool(group.get("expr") if "expr" in group else None)
        inner = _bound(group["p"]) if group.name == "Group" else set()
        out = set()
        for agg in node["A"]:
            arg = agg["vars"] if "vars" in agg else None
            if agg.name == "Aggregate_Count" or (
                    per_group and agg.name in ("Aggregate_Sample", "Aggregate_Min", "Aggregate_Max")
                    and isinstance(arg, Variable) and str(arg) in inner):
                out.add(str(agg["res"]))
        return out
    if name == "values":
        rows = node["res"]
        if not rows:
            return set()
        common = None
        for row in rows:  # UNDEF is the plain string "UNDEF" here, an rdflib term otherwise
            given = {str(k) for k, v in row.items() if isinstance(v, Node)}
            common = given if common is None else common & given
        return common or set()
    if name in ("Filter", "Distinct", "Reduced", "Slice", "OrderBy", "ToMultiSet", "SelectQuery"):
        return _bound(node["p"])
    return set()
