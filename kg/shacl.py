"""SHACL shapes compiled to SPARQL and run on the pyoxigraph store.

pySHACL needs the data as an rdflib graph and takes minutes on a million triples; the shapes
cdkg uses need only a small part of SHACL Core, which this module turns into one SPARQL query
per constraint, run where the data already is.  pySHACL stays the reference: the tests run
both engines on the bundled data and on every bad case and require the same findings, and
``cdkg validate --engine pyshacl`` runs it.

Supported (anything else in the shapes file is an error, not silently ignored): targets
``sh:targetClass`` (SHACL instances, through ``rdfs:subClassOf*``) and ``sh:targetSubjectsOf``;
property shapes whose ``sh:path`` is a property or an ``sh:alternativePath``; constraints
``sh:minCount``, ``sh:maxCount``, ``sh:datatype``, ``sh:class``, ``sh:pattern``, ``sh:or`` of
``sh:datatype`` shapes, ``sh:not`` of an ``sh:pattern`` shape, ``sh:qualifiedValueShape``
holding ``sh:languageIn`` with ``sh:qualifiedMinCount``; ``sh:message`` and ``sh:severity``.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import pyoxigraph as ox

SH = "http://www.w3.org/ns/shacl#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
KNOWN = {SH + k for k in (
    "targetClass", "targetSubjectsOf", "property", "path", "minCount", "maxCount", "datatype", "class", "pattern",
    "or", "not", "qualifiedValueShape", "qualifiedMinCount", "languageIn", "message", "severity", "alternativePath",
)} | {RDF + "type", RDFS + "comment", RDFS + "label"}


class ShapesError(ValueError):
    """The shapes file uses SHACL this engine does not implement."""


@dataclass(frozen=True)
class Check:
    """One compiled constraint: a SELECT of the focus nodes (and values) that break it."""

    shape: str  # local name of the node shape
    path: str | None  # property IRI (None for an alternative path)
    message: str
    severity: str  # "violation" | "warning"
    query: str


def shapes_path() -> Path:
    return Path(str(resources.files("ontology") / "shapes.ttl"))


@lru_cache(maxsize=4)
def compile_shapes(path: str | None = None) -> tuple[Check, ...]:
    """Compile the shapes file (default ``ontology/shapes.ttl``) into checks."""
    triples = list(ox.parse(path=path or str(shapes_path()), format=ox.RdfFormat.TURTLE))
    by_subject: dict[object, dict[str, list[object]]] = {}
    for t in triples:
        by_subject.setdefault(t.subject, {}).setdefault(t.predicate.value, []).append(t.object)

    def one(node: object, pred: str) -> object | None:
        values = by_subject.get(node, {}).get(pred, [])
        return values[0] if values else None

    def items(head: object) -> list[object]:
        out = []
        while isinstance(head, (ox.BlankNode, ox.NamedNode)) and head != ox.NamedNode(RDF + "nil"):
            out.append(one(head, RDF + "first"))
            head = one(head, RDF + "rest")
        return out

    def check_known(node: object, where: str) -> None:
        for pred in by_subject.get(node, {}):
            if pred not in KNOWN and not pred.startswith(RDF):
                raise ShapesError(f"{where}: {pred} is not supported by the SPARQL engine")

    checks: list[Check] = []
    node_shapes = [s for s, preds in by_subject.items()
                   if ox.NamedNode(SH + "NodeShape") in preds.get(RDF + "type", [])]
    for shape in sorted(node_shapes, key=str):
        name = shape.value.rsplit("#", 1)[-1]
        check_known(shape, name)
        targets = []
        for cls in by_subject[shape].get(SH + "targetClass", []):
            targets.append(f"{{ ?focus a ?_t . ?_t <{RDFS}subClassOf>* {cls} }}")
        for prop in by_subject[shape].get(SH + "targetSubjectsOf", []):
            targets.append(f"{{ ?focus {prop} ?_any }}")
        if not targets:
            continue
        target = "{ SELECT DISTINCT ?focus WHERE { " + " UNION ".join(targets) + " } }"
        for prop_shape in by_subject[shape].get(SH + "property", []):
            check_known(prop_shape, name)
            checks += _property_checks(name, target, prop_shape, one, items, check_known)
    return tuple(checks)


def _property_checks(name, target, ps, one, items, check_known) -> list[Check]:
    path_node = one(ps, SH + "path")
    if isinstance(path_node, ox.NamedNode):
        path, first = str(path_node), path_node.value
    else:
        alternatives = items(one(path_node, SH + "alternativePath"))
        if not alternatives:
            raise ShapesError(f"{name}: only property paths and sh:alternativePath are supported")
        path, first = "(" + "|".join(str(a) for a in alternatives) + ")", None  # no single path to report
    message_node = one(ps, SH + "message")
    severity = "warning" if one(ps, SH + "severity") == ox.NamedNode(SH + "Warning") else "violation"

    def make(query: str, default: str) -> Check:
        msg = message_node.value if message_node is not None else default
        return Check(name, first, msg, severity, query)

    out = []
    values = f"?focus {path} ?value ."
    # Counts of 0 and 1 (nearly all shapes) avoid GROUP BY, which costs twice as much at 1M triples.
    if (n := one(ps, SH + "minCount")) is not None:
        out.append(make(_at_least(target, values, int(n.value)), f"fewer than {n.value} values"))
    if (n := one(ps, SH + "maxCount")) is not None:
        out.append(make(_at_most(target, path, int(n.value)), f"more than {n.value} values"))
    if (d := one(ps, SH + "datatype")) is not None:
        out.append(make(f"SELECT DISTINCT ?focus ?value WHERE {{ {target} {values} "
                        f"FILTER(!isLiteral(?value) || DATATYPE(?value) != {d}) }}", f"value is not a {d.value}"))
    if (c := one(ps, SH + "class")) is not None:
        out.append(make(f"SELECT DISTINCT ?focus ?value WHERE {{ {target} {values} "
                        f"MINUS {{ ?value a ?_vc . ?_vc <{RDFS}subClassOf>* {c} }} }}",
                        f"value is not an instance of {c.value}"))
    if (p := one(ps, SH + "pattern")) is not None:
        out.append(make(f"SELECT DISTINCT ?focus ?value WHERE {{ {target} {values} "
                        f"FILTER(isBlank(?value) || !REGEX(STR(?value), {p})) }}", "value does not match the pattern"))
    if (alternatives := one(ps, SH + "or")) is not None:
        datatypes = []
        for alt in items(alternatives):
            check_known(alt, name)
            d = one(alt, SH + "datatype")
            if d is None:
                raise ShapesError(f"{name}: sh:or is supported only over sh:datatype shapes")
            datatypes.append(str(d))
        out.append(make(f"SELECT DISTINCT ?focus ?value WHERE {{ {target} {values} "
                        f"FILTER(!isLiteral(?value) || DATATYPE(?value) NOT IN ({', '.join(datatypes)})) }}",
                        "value has none of the allowed datatypes"))
    if (neg := one(ps, SH + "not")) is not None:
        check_known(neg, name)
        p = one(neg, SH + "pattern")
        if p is None:
            raise ShapesError(f"{name}: sh:not is supported only over an sh:pattern shape")
        out.append(make(f"SELECT DISTINCT ?focus ?value WHERE {{ {target} {values} "
                        f"FILTER(!isBlank(?value) && REGEX(STR(?value), {p})) }}", "value matches a forbidden pattern"))
    if (q := one(ps, SH + "qualifiedValueShape")) is not None:
        check_known(q, name)
        langs = one(q, SH + "languageIn")
        n = one(ps, SH + "qualifiedMinCount")
        if langs is None or n is None:
            raise ShapesError(f"{name}: sh:qualifiedValueShape is supported only as sh:languageIn with a minimum")
        wanted = ", ".join(str(x) for x in items(langs))
        out.append(make(_at_least(target, f"{values} FILTER(LANG(?value) IN ({wanted}))", int(n.value)),
                        f"fewer than {n.value} values in languages {wanted}"))
    return out


def _at_least(target: str, values: str, n: int) -> str:
    """Focus nodes with fewer than ``n`` distinct ``?value`` matching the ``values`` pattern."""
    if n <= 0:
        return "SELECT ?focus WHERE { FILTER(false) }"
    if n == 1:
        return f"SELECT ?focus WHERE {{ {target} FILTER NOT EXISTS {{ {values} }} }}"
    return (f"SELECT ?focus WHERE {{ {target} OPTIONAL {{ {values} }} }} GROUP BY ?focus "
            f"HAVING (COUNT(DISTINCT ?value) < {n})")


def _at_most(target: str, path: str, n: int) -> str:
    """Focus nodes with more than ``n`` distinct values on ``path`` (terms compared with sameTerm,
    as COUNT(DISTINCT) does)."""
    if n == 0:
        return f"SELECT DISTINCT ?focus WHERE {{ {target} ?focus {path} ?value }}"
    if n == 1:
        return (f"SELECT DISTINCT ?focus WHERE {{ {target} ?focus {path} ?value . ?focus {path} ?_other "
                f"FILTER(!sameTerm(?value, ?_other)) }}")
    return (f"SELECT ?focus WHERE {{ {target} ?focus {path} ?value }} GROUP BY ?focus "
            f"HAVING (COUNT(DISTINCT ?value) > {n})")


#: Checks run at once: one per core, at most 4 (each query holds its own working memory).
THREADS = max(1, min(os.cpu_count() or 1, 4))


@dataclass(frozen=True)
class Result:
    focus: str
    shape: str
    path: str | None
    message: str
    severity: str


def run(store: ox.Store, checks: tuple[Check, ...] | None = None) -> list[Result]:
    """Every focus node breaking a check, over the union of the store's graphs.  The checks run
    on up to :data:`THREADS` threads (pyoxigraph evaluates a query without holding the GIL)."""
    def violations(check: Check) -> list[Result]:
        return [Result(row["focus"].value, check.shape, check.path, check.message, check.severity)
                for row in store.query(check.query, use_default_graph_as_union=True)]

    todo = checks if checks is not None else compile_shapes()
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        out = {r for found in pool.map(violations, todo) for r in found}
    return sorted(out, key=lambda r: (r.severity, r.focus, r.shape, r.message))
