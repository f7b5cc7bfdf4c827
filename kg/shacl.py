"""SHACL shapes compiled to SPARQL and run on the pyoxigraph store.

pySHACL needs the data as an rdflib graph and takes minutes on a million triples; the shapes
cdkg uses need only a part of SHACL Core, which this module turns into one SPARQL query per
constraint, run where the data already is.  pySHACL stays the reference: the tests run both
engines on the bundled data, on broken data and on a small case for every supported target,
path and constraint component (``tests/test_shacl_engine.py``), and require the same results;
``cdkg validate --engine pyshacl`` runs it.

Supported subset (SHACL Core):

- targets: ``sh:targetClass`` (SHACL instances, through ``rdfs:subClassOf*``), implicit class
  targets (a shape that is also an ``rdfs:Class`` or ``owl:Class``, or typed with a class the
  shapes file declares ``rdfs:subClassOf rdfs:Class`` — as pySHACL does), ``sh:targetNode``,
  ``sh:targetSubjectsOf``, ``sh:targetObjectsOf``;
- node shapes, and property shapes reached by ``sh:property`` or with targets of their own;
- paths: a property, and sequence, ``sh:alternativePath``, ``sh:inversePath``,
  ``sh:zeroOrMorePath``, ``sh:oneOrMorePath``, ``sh:zeroOrOnePath`` (nested freely; each
  maps to a SPARQL property path written from the parsed terms);
- value constraints: ``sh:class``, ``sh:datatype``, ``sh:nodeKind``, ``sh:pattern`` (with
  ``sh:flags``), ``sh:minLength``, ``sh:maxLength``, ``sh:languageIn``, ``sh:in``,
  ``sh:hasValue``, and ``sh:not``, ``sh:and``, ``sh:or``, ``sh:xone``, ``sh:node`` over shapes
  made of these (no ``sh:path``/``sh:property`` inside them);
- on property shapes: ``sh:minCount``, ``sh:maxCount``, ``sh:uniqueLang``,
  ``sh:qualifiedValueShape`` with ``sh:qualifiedMinCount``/``sh:qualifiedMaxCount`` (not
  ``sh:qualifiedValueShapesDisjoint true``);
- ``sh:message``, ``sh:severity`` (``sh:Info`` is reported as a warning), ``sh:deactivated``,
  and the non-validating ``sh:name``, ``sh:description``, ``sh:order``, ``sh:group``,
  ``sh:defaultValue``.

Anything else with a ``sh:`` predicate in the shapes file — a target, a path form, a component
(``sh:closed``, ``sh:sparql``, ``sh:equals``, ``sh:minInclusive``, …), a nested property shape
— raises :class:`ShapesError` naming the shape and the construct: no shape is compiled to
fewer checks than it has.  ``cdkg validate`` and the build's checks then run pySHACL on the
whole shapes file and say so (:func:`cdkg.kg.validation.check_corpus`).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Callable

import pyoxigraph as ox

from cdkg.ontology import OWL, RDF, RDFS, XSD

SH = "http://www.w3.org/ns/shacl#"
TYPE = RDF + "type"

TARGETS = ("targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf")
#: Read by no check (pySHACL ignores them too); a shape may carry them.
NON_VALIDATING = ("name", "description", "order", "group", "defaultValue", "message", "severity")
NODE_KINDS = {
    "IRI": "isIRI({v})", "BlankNode": "isBlank({v})", "Literal": "isLiteral({v})",
    "BlankNodeOrIRI": "(isBlank({v}) || isIRI({v}))", "BlankNodeOrLiteral": "(isBlank({v}) || isLiteral({v}))",
    "IRIOrLiteral": "(isIRI({v}) || isLiteral({v}))",
}
SEVERITIES = {SH + "Violation": "violation", SH + "Warning": "warning", SH + "Info": "warning"}
PATHS = ("alternativePath", "inversePath", "zeroOrMorePath", "oneOrMorePath", "zeroOrOnePath")
#: Datatypes whose ill-formed literals pySHACL reports (rdflib cannot convert them, or converts
#: them to another Python type): a conforming literal must also cast to the datatype.
CAST_CHECKED = {XSD + t for t in ("integer", "decimal", "double", "float", "boolean", "date", "dateTime", "time")}
#: Datatypes pySHACL checks by IRI alone (ill-formed literals pass there too).
NAME_CHECKED = {XSD + t for t in ("string", "gYear", "gYearMonth", "gMonthDay")} | {RDF + "langString"}


class ShapesError(ValueError):
    """The shapes file uses SHACL this engine does not implement (the message names the shape
    and the construct)."""


@dataclass(frozen=True)
class Check:
    """One compiled constraint: a SELECT of the focus nodes (and values) that break it."""

    shape: str  # local name of the named shape behind it (the node shape of a blank property shape)
    path: str | None  # property IRI (None for a complex path or a node shape)
    message: str
    severity: str  # "violation" | "warning"
    query: str
    component: str = ""  # e.g. "MinCountConstraintComponent"
    path_text: str | None = None  # the path as SPARQL (any path; None for a node shape)


def shapes_path() -> Path:
    return Path(str(resources.files("cdkg.ontology") / "shapes.ttl"))


@lru_cache(maxsize=4)
def compile_shapes(path: str | None = None) -> tuple[Check, ...]:
    """Compile the shapes file (default ``ontology/shapes.ttl``) into checks; :class:`ShapesError`
    if it uses anything this engine does not implement."""
    triples = list(ox.parse(path=path or str(shapes_path()), format=ox.RdfFormat.TURTLE))
    return tuple(_Compiler(triples).run())


def local_name(node: object) -> str:
    return node.value.rsplit("#", 1)[-1] if isinstance(node, ox.NamedNode) else "shape"


class _Compiler:
    def __init__(self, triples: list[ox.Triple]):
        self.graph: dict[object, dict[str, list[object]]] = {}
        for t in triples:
            self.graph.setdefault(t.subject, {}).setdefault(t.predicate.value, []).append(t.object)
        self.used: set[tuple[object, str]] = set()
        self.checks: list[Check] = []
        self.resolving: list[object] = []
        # as pySHACL: a shape is a class target if typed rdfs:Class, owl:Class (pySHACL adds
        # owl:Class rdfs:subClassOf rdfs:Class to every shapes graph) or a direct subclass of rdfs:Class
        self.class_types = {ox.NamedNode(RDFS + "Class"), ox.NamedNode(OWL + "Class")} | {
            s for s, preds in self.graph.items() if ox.NamedNode(RDFS + "Class") in preds.get(RDFS + "subClassOf", [])}

    # --- reading the shapes graph ----------------------------------------------------------

    def values(self, node: object, name: str) -> list[object]:
        self.used.add((node, SH + name))
        return self.graph.get(node, {}).get(SH + name, [])

    def one(self, node: object, name: str, where: str) -> object | None:
        found = self.values(node, name)
        if len(found) > 1:
            raise ShapesError(f"{where}: more than one sh:{name} is not supported")
        return found[0] if found else None

    def integer(self, node: object, name: str, where: str) -> list[int]:
        out = []
        for n in self.values(node, name):
            if not isinstance(n, ox.Literal) or not n.value.strip().lstrip("+-").isdigit():
                raise ShapesError(f"{where}: sh:{name} {n} is not an integer")
            out.append(int(n.value))
        return out

    def items(self, head: object, where: str, what: str) -> list[object]:
        out, seen = [], set()
        while head != ox.NamedNode(RDF + "nil"):
            preds = self.graph.get(head, {})
            if head in seen or len(preds.get(RDF + "first", [])) != 1 or len(preds.get(RDF + "rest", [])) != 1:
                raise ShapesError(f"{where}: {what} is not a well-formed RDF list")
            seen.add(head)
            out.append(preds[RDF + "first"][0])
            head = preds[RDF + "rest"][0]
        return out

    def leftovers(self, node: object, where: str, allowed: tuple[str, ...] = ()) -> None:
        """Refuse any sh: predicate of ``node`` that no check has read (``allowed`` ones count as read)."""
        for pred in self.graph.get(node, {}):
            if pred.startswith(SH) and (node, pred) not in self.used:
                if pred[len(SH):] not in allowed:
                    raise ShapesError(f"{where}: sh:{pred[len(SH):]} is not supported by the fast SHACL engine")
                self.used.add((node, pred))

    def deactivated(self, shape: object, where: str) -> bool:
        flag = self.one(shape, "deactivated", where)
        return flag is not None and flag.value in ("true", "1")  # pySHACL takes 1 for true too

    # --- shapes ---------------------------------------------------------------------------

    def run(self) -> list[Check]:
        def is_root(s: object, preds: dict[str, list[object]]) -> bool:
            types = set(preds.get(TYPE, []))
            return bool(types & {ox.NamedNode(SH + "NodeShape"), ox.NamedNode(SH + "PropertyShape")}
                        or any(SH + t in preds for t in (*TARGETS, "target", "path"))
                        or (types & self.class_types and any(p.startswith(SH) for p in preds)))
        def own_targets(preds: dict[str, list[object]]) -> bool:
            return bool(any(SH + t in preds for t in (*TARGETS, "target")) or set(preds.get(TYPE, [])) & self.class_types)
        # property shapes reached by sh:property are compiled with their node shape (and alone
        # too if they have targets of their own)
        referenced = {o for preds in self.graph.values() for o in preds.get(SH + "property", [])}
        roots = [s for s, preds in self.graph.items()
                 if is_root(s, preds) and (s not in referenced or own_targets(preds))]
        for shape in sorted(roots, key=str):
            self.root(shape)
        for s, preds in self.graph.items():  # sh: statements about something no shape reached
            for pred, objects in preds.items():
                unread = pred.startswith(SH) and (s, pred) not in self.used
                foreign = pred == TYPE and any(o.value.startswith(SH) and o.value[len(SH):] not in
                                               ("NodeShape", "PropertyShape") for o in objects
                                               if isinstance(o, ox.NamedNode))
                if unread or foreign:
                    what = f"sh:{pred[len(SH):]}" if unread else "a SHACL type " + ", ".join(str(o) for o in objects)
                    raise ShapesError(f"{self.name(s)}: {what} is not supported by the fast SHACL engine "
                                      "(it is not part of a shape the engine compiles)")
        return self.checks

    def name(self, shape: object) -> str:
        return f"shape <{shape.value}>" if isinstance(shape, ox.NamedNode) else f"a blank-node shape {shape}"

    def root(self, shape: object) -> None:
        where = self.name(shape)
        target = self.target(shape, where)
        if self.graph[shape].get(SH + "path"):
            self.property_shape(shape, target, local_name(shape), where)
        else:
            self.node_shape(shape, target, where)

    def target(self, shape: object, where: str) -> str | None:
        parts = []
        for c in self.values(shape, "targetClass"):
            parts.append(f"{{ ?focus a ?_t . ?_t <{RDFS}subClassOf>* {self.iri(c, where, 'sh:targetClass')} }}")
        if set(self.graph[shape].get(TYPE, [])) & self.class_types:
            parts.append(f"{{ ?focus a ?_t . ?_t <{RDFS}subClassOf>* {self.iri(shape, where, 'an implicit class target')} }}")
        nodes = self.values(shape, "targetNode")
        for n in nodes:
            if isinstance(n, ox.BlankNode):
                raise ShapesError(f"{where}: sh:targetNode with a blank node is not supported")
        if nodes:
            parts.append("{ VALUES ?focus { " + " ".join(str(n) for n in nodes) + " } }")
        for p in self.values(shape, "targetSubjectsOf"):
            parts.append(f"{{ ?focus {self.iri(p, where, 'sh:targetSubjectsOf')} ?_any }}")
        for p in self.values(shape, "targetObjectsOf"):
            parts.append(f"{{ ?_any {self.iri(p, where, 'sh:targetObjectsOf')} ?focus }}")
        if self.graph[shape].get(SH + "target"):
            raise ShapesError(f"{where}: sh:target (SPARQL-based targets) is not supported by the fast SHACL engine")
        if not parts:
            return None
        return "{ SELECT DISTINCT ?focus WHERE { " + " UNION ".join(parts) + " } }"

    @staticmethod
    def iri(node: object, where: str, what: str) -> str:
        if not isinstance(node, ox.NamedNode):
            raise ShapesError(f"{where}: {what} {node} is not an IRI")
        return str(node)  # serialised by pyoxigraph: <…>, escaped

    def node_shape(self, shape: object, target: str | None, where: str) -> None:
        name = local_name(shape)
        if self.deactivated(shape, where):
            self.skip(shape)
            return
        emit = self.emitter(shape, target, name, None, None, where)
        self.value_checks(shape, target, lambda v: f"BIND(?focus AS {v})", emit, where, node=True)
        for ps in self.values(shape, "property"):
            if isinstance(ps, ox.NamedNode):
                self.property_shape(ps, target, local_name(ps), f"{self.name(ps)} (sh:property of {where})")
            else:
                path = self.graph.get(ps, {}).get(SH + "path", [None])[0]
                on = f"sh:path {path}" if isinstance(path, ox.NamedNode) else "a complex sh:path"
                self.property_shape(ps, target, name, f"{where}, its property shape with {on}")
        self.leftovers(shape, where, TARGETS + NON_VALIDATING)

    def property_shape(self, ps: object, target: str | None, name: str, where: str) -> None:
        if not self.graph.get(ps):
            raise ShapesError(f"{where}: the property shape {ps} is not described in the shapes file")
        path_node = self.one(ps, "path", where)
        if path_node is None:
            raise ShapesError(f"{where}: a property shape without sh:path")
        path = self.path(path_node, where)
        if self.deactivated(ps, where):
            self.skip(ps)
            return
        iri = path_node.value if isinstance(path_node, ox.NamedNode) else None

        def values(v: str, path: str = path) -> str:
            return f"?focus {path} {v} ."

        emit = self.emitter(ps, target, name, iri, path, where)
        self.value_checks(ps, target, values, emit, where, node=False)
        for n in self.integer(ps, "minCount", where):
            emit("MinCountConstraintComponent", _at_least(target, values("?value"), n), f"fewer than {n} values")
        for n in self.integer(ps, "maxCount", where):
            emit("MaxCountConstraintComponent", _at_most(target, values, n), f"more than {n} values")
        for flag in self.values(ps, "uniqueLang"):
            if flag.value == "true":
                emit("UniqueLangConstraintComponent",
                     f"SELECT DISTINCT ?focus WHERE {{ {target} {values('?value')} {values('?_other')} "
                     f"FILTER(isLiteral(?value) && isLiteral(?_other) && LANG(?value) != \"\" "
                     f"&& !sameTerm(?value, ?_other) && LCASE(LANG(?value)) = LCASE(LANG(?_other))) }}",
                     "more than one value in the same language")
        for x in self.values(ps, "hasValue"):
            emit("HasValueConstraintComponent",
                 f"SELECT ?focus WHERE {{ {target} FILTER NOT EXISTS {{ ?focus {path} {self.term(x, where)} }} }}",
                 f"no value {x}")
        for q in self.values(ps, "qualifiedValueShape"):
            cond = self.conforms(q, "?value", f"{where}, sh:qualifiedValueShape")
            disjoint = self.one(ps, "qualifiedValueShapesDisjoint", where)
            if disjoint is not None and disjoint.value == "true":
                raise ShapesError(f"{where}: sh:qualifiedValueShapesDisjoint true is not supported by the fast SHACL engine")
            mins, maxes = self.integer(ps, "qualifiedMinCount", where), self.integer(ps, "qualifiedMaxCount", where)
            if not mins and not maxes:
                raise ShapesError(f"{where}: sh:qualifiedValueShape without sh:qualifiedMinCount or sh:qualifiedMaxCount")
            for n in mins:
                emit("QualifiedMinCountConstraintComponent",
                     _at_least(target, f"{values('?value')} FILTER({cond})", n),
                     f"fewer than {n} values conform to the qualified shape")
            for n in maxes:
                emit("QualifiedMaxCountConstraintComponent",
                     _at_most(target, lambda v: f"{values(v)} FILTER({cond.replace('?value', v)})", n),
                     f"more than {n} values conform to the qualified shape")
        if len(self.values(ps, "qualifiedValueShape")) > 1:
            raise ShapesError(f"{where}: more than one sh:qualifiedValueShape is not supported")
        self.leftovers(ps, where, TARGETS + NON_VALIDATING)

    def skip(self, shape: object, seen: set[object] | None = None) -> None:
        """A deactivated shape: read (with the blank nodes it holds), checked by nothing."""
        seen = seen if seen is not None else set()
        seen.add(shape)
        for pred, objects in self.graph.get(shape, {}).items():
            self.used.add((shape, pred))
            for o in objects:
                if isinstance(o, ox.BlankNode) and o not in seen:
                    self.skip(o, seen)

    def emitter(self, shape: object, target: str | None, name: str, iri: str | None, path: str | None,
                where: str) -> Callable[[str, str, str], None]:
        messages = self.values(shape, "message")
        message = sorted(messages, key=lambda m: (getattr(m, "language", None) not in (None, "en"), m.value))
        severity_node = self.one(shape, "severity", where)
        if severity_node is not None and severity_node.value not in SEVERITIES:
            raise ShapesError(f"{where}: sh:severity {severity_node} is not supported")
        severity = SEVERITIES[severity_node.value] if severity_node is not None else "violation"

        def emit(component: str, query: str, default: str) -> None:
            if target is not None:  # a shape without targets has no focus nodes: nothing to check
                self.checks.append(Check(name, iri, message[0].value if message else default, severity, query,
                                         component, path))
        return emit

    # --- paths ----------------------------------------------------------------------------

    def path(self, node: object, where: str) -> str:
        if isinstance(node, ox.NamedNode):
            return str(node)
        preds = self.graph.get(node, {}) if isinstance(node, ox.BlankNode) else {}
        if RDF + "first" in preds:
            steps = self.items(node, where, "a sequence path")
            if len(steps) < 2:
                raise ShapesError(f"{where}: a sequence path needs at least two members")
            return "(" + "/".join(self.path(s, where) for s in steps) + ")"
        kinds = [k for k in PATHS if SH + k in preds]
        others = [p for p in preds if p not in {SH + k for k in PATHS}]
        if len(kinds) != 1 or others or len(preds[SH + kinds[0]]) != 1:
            raise ShapesError(f"{where}: the path {node} is not a form the fast SHACL engine supports "
                              f"(a property, a sequence, or one of sh:{', sh:'.join(PATHS)})")
        kind = kinds[0]
        self.used.add((node, SH + kind))
        inner = preds[SH + kind][0]
        if kind == "alternativePath":
            options = self.items(inner, where, "sh:alternativePath")
            if len(options) < 2:
                raise ShapesError(f"{where}: sh:alternativePath needs at least two members")
            return "(" + "|".join(self.path(o, where) for o in options) + ")"
        sub = self.path(inner, where)
        return {"inversePath": f"(^{sub})", "zeroOrMorePath": f"({sub}*)", "oneOrMorePath": f"({sub}+)",
                "zeroOrOnePath": f"({sub}?)"}[kind]

    # --- value constraints ------------------------------------------------------------------

    def value_checks(self, shape: object, target: str | None, values: Callable[[str], str], emit, where: str,
                     node: bool) -> None:
        """One check per value constraint of ``shape``: the values (``values("?value")``) that break it."""
        for component, default, cond, cls in self.conditions(shape, "?value", where, node_level=node):
            if cls is not None:  # sh:class: MINUS is faster than a FILTER NOT EXISTS per value
                query = (f"SELECT DISTINCT ?focus ?value WHERE {{ {target} {values('?value')} "
                         f"MINUS {{ ?value a ?_vc . ?_vc <{RDFS}subClassOf>* {cls} }} }}")
            else:  # sh:hasValue reports no value node (the value is the one missing)
                shown = "" if component == "HasValueConstraintComponent" else " ?value"
                query = f"SELECT DISTINCT ?focus{shown} WHERE {{ {target} {values('?value')} FILTER(!({cond})) }}"
            emit(component, query, default)

    def conditions(self, shape: object, v: str, where: str, node_level: bool) -> list[tuple[str, str, str, str | None]]:
        """(component, default message, SPARQL condition met by a conforming ``v``, class IRI or None)
        for each value constraint of ``shape``.  Conditions never raise a SPARQL error."""
        out = []
        for c in self.values(shape, "class"):
            c = self.iri(c, where, "sh:class")
            out.append(("ClassConstraintComponent", f"value is not an instance of {c[1:-1]}",
                        f"EXISTS {{ {v} <{TYPE}>/<{RDFS}subClassOf>* {c} }}", c))
        for d in self.values(shape, "datatype"):
            d = self.iri(d, where, "sh:datatype")
            if d == f"<{RDFS}Literal>":
                cond = f"isLiteral({v})"
            elif d[1:-1] in CAST_CHECKED:
                cond = f"(isLiteral({v}) && sameTerm(DATATYPE({v}), {d}) && COALESCE(sameTerm(DATATYPE({d}(STR({v}))), {d}), false))"
            elif d[1:-1] in NAME_CHECKED or not d[1:-1].startswith(XSD):
                cond = f"(isLiteral({v}) && sameTerm(DATATYPE({v}), {d}))"
            else:  # rdflib may find its literals ill-formed, and pySHACL report them: not checked alike here
                raise ShapesError(f"{where}: sh:datatype {d} is not supported by the fast SHACL engine (it checks "
                                  "the lexical form of xsd:integer, decimal, double, float, boolean, date, dateTime, time)")
            out.append(("DatatypeConstraintComponent", f"value is not a {d[1:-1]}", cond, None))
        for k in self.values(shape, "nodeKind"):
            if not isinstance(k, ox.NamedNode) or not k.value.startswith(SH) or k.value[len(SH):] not in NODE_KINDS:
                raise ShapesError(f"{where}: sh:nodeKind {k} is not a SHACL node kind")
            out.append(("NodeKindConstraintComponent", f"value is not of node kind {k.value[len(SH):]}",
                        NODE_KINDS[k.value[len(SH):]].format(v=v), None))
        flags = self.one(shape, "flags", where)
        for p in self.values(shape, "pattern"):
            args = f"STR({v}), {self.literal(p, where, 'sh:pattern')}"
            args += f", {self.literal(flags, where, 'sh:flags')}" if flags is not None else ""
            if not _regex_compiles(args.replace(f"STR({v})", '""', 1)):  # else every REGEX would be an error: no finding
                raise ShapesError(f"{where}: sh:pattern {p} (sh:flags {flags}) is not a regular expression "
                                  "the fast SHACL engine (SPARQL REGEX) accepts")
            out.append(("PatternConstraintComponent", "value does not match the pattern",
                        f"(!isBlank({v}) && REGEX({args}))", None))
        for n in self.integer(shape, "minLength", where):
            out.append(("MinLengthConstraintComponent", f"value shorter than {n}",
                        f"(!isBlank({v}) && STRLEN(STR({v})) >= {n})", None))
        for n in self.integer(shape, "maxLength", where):
            out.append(("MaxLengthConstraintComponent", f"value longer than {n}",
                        f"(!isBlank({v}) && STRLEN(STR({v})) <= {n})", None))
        for langs in self.values(shape, "languageIn"):
            wanted = [self.literal(x, where, "sh:languageIn") for x in self.items(langs, where, "sh:languageIn")]
            any_lang = " || ".join(f"LANGMATCHES(LANG({v}), {x})" for x in wanted) or "false"
            out.append(("LanguageInConstraintComponent", f"value is not in languages {', '.join(wanted)}",
                        f"(isLiteral({v}) && ({any_lang}))", None))
        for allowed in self.values(shape, "in"):
            members = [self.term(x, where) for x in self.items(allowed, where, "sh:in")]
            out.append(("InConstraintComponent", "value is not one of the allowed values",
                        "(" + (" || ".join(f"sameTerm({v}, {x})" for x in members) or "false") + ")", None))
        if node_level:
            for x in self.values(shape, "hasValue"):
                out.append(("HasValueConstraintComponent", f"value is not {x}", f"sameTerm({v}, {self.term(x, where)})",
                            None))
        for neg in self.values(shape, "not"):
            out.append(("NotConstraintComponent", "value conforms to a shape it must not",
                        f"!{self.conforms(neg, v, f'{where}, sh:not')}", None))
        for kind, joiner in (("and", " && "), ("or", " || ")):
            for members in self.values(shape, kind):
                conds = [self.conforms(m, v, f"{where}, sh:{kind}")
                         for m in self.items(members, where, f"sh:{kind}")]
                out.append((kind.capitalize() + "ConstraintComponent", f"value does not conform to sh:{kind}",
                            "(" + (joiner.join(conds) or ("true" if kind == "and" else "false")) + ")", None))
        for members in self.values(shape, "xone"):
            conds = [self.conforms(m, v, f"{where}, sh:xone") for m in self.items(members, where, "sh:xone")]
            count = " + ".join(f"IF({c}, 1, 0)" for c in conds) or "0"
            out.append(("XoneConstraintComponent", "value conforms to not exactly one of the shapes",
                        f"(({count}) = 1)", None))
        for other in self.values(shape, "node"):
            out.append(("NodeConstraintComponent", "value does not conform to the shape",
                        self.conforms(other, v, f"{where}, sh:node"), None))
        return out

    def conforms(self, shape: object, v: str, where: str) -> str:
        """A SPARQL condition true when ``v`` conforms to ``shape`` (a shape of value constraints)."""
        where = f"{where} {self.name(shape)}" if isinstance(shape, ox.NamedNode) else where
        if shape in self.resolving:
            raise ShapesError(f"{where}: recursive shapes are not supported")
        preds = self.graph.get(shape)
        if not preds:
            raise ShapesError(f"{where}: the shape {shape} is not described in the shapes file")
        for inner in ("path", "property"):
            if SH + inner in preds:
                raise ShapesError(f"{where}: a shape with sh:{inner} inside sh:not/sh:and/sh:or/sh:xone/sh:node/"
                                  "sh:qualifiedValueShape is not supported by the fast SHACL engine")
        self.resolving.append(shape)
        try:
            if self.deactivated(shape, where):
                return "true"
            conds = [c for _, _, c, _ in self.conditions(shape, v, where, node_level=True)]
            # its targets, message and severity belong to its own validation (if it is a root)
            self.leftovers(shape, where, TARGETS + NON_VALIDATING)
        finally:
            self.resolving.pop()
        return "(" + (" && ".join(conds) or "true") + ")"

    @staticmethod
    def literal(node: object, where: str, what: str) -> str:
        if not isinstance(node, ox.Literal):
            raise ShapesError(f"{where}: {what} {node} is not a literal")
        return str(ox.Literal(node.value))  # serialised by pyoxigraph, as a plain string

    @staticmethod
    def term(node: object, where: str) -> str:
        if isinstance(node, ox.BlankNode):
            raise ShapesError(f"{where}: a blank node as a value (sh:in, sh:hasValue) is not supported")
        return str(node)


def _regex_compiles(args: str) -> bool:
    rows = list(ox.Store().query(f"SELECT ?ok WHERE {{ BIND(REGEX({args}) AS ?ok) }}"))
    return rows[0]["ok"] is not None


def _at_least(target: str | None, values: str, n: int) -> str:
    """Focus nodes with fewer than ``n`` distinct ``?value`` matching the ``values`` pattern."""
    if n <= 0:
        return "SELECT ?focus WHERE { FILTER(false) }"
    if n == 1:
        return f"SELECT ?focus WHERE {{ {target} FILTER NOT EXISTS {{ {values} }} }}"
    return (f"SELECT ?focus WHERE {{ {target} OPTIONAL {{ {values} }} }} GROUP BY ?focus "
            f"HAVING (COUNT(DISTINCT ?value) < {n})")


def _at_most(target: str | None, values: Callable[[str], str], n: int) -> str:
    """Focus nodes with more than ``n`` distinct values (``values(var)`` binds them to ``var``;
    terms compared with sameTerm, as COUNT(DISTINCT) does)."""
    if n == 0:
        return f"SELECT DISTINCT ?focus WHERE {{ {target} {values('?value')} }}"
    if n == 1:
        return (f"SELECT DISTINCT ?focus WHERE {{ {target} {values('?value')} {values('?_other')} "
                f"FILTER(!sameTerm(?value, ?_other)) }}")
    return (f"SELECT ?focus WHERE {{ {target} {values('?value')} }} GROUP BY ?focus "
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
    component: str = ""
    path_text: str | None = None
    value: str | None = None  # the value node at fault, where the constraint has one (N-Triples syntax)


def run(store: ox.Store, checks: tuple[Check, ...] | None = None) -> list[Result]:
    """Every focus node breaking a check, over the union of the store's graphs.  The checks run
    on up to :data:`THREADS` threads (pyoxigraph evaluates a query without holding the GIL)."""
    def violations(check: Check) -> list[Result]:
        rows = store.query(check.query, use_default_graph_as_union=True)
        has_value = ox.Variable("value") in rows.variables
        return [Result(row["focus"].value, check.shape, check.path, check.message, check.severity,
                       check.component, check.path_text, str(row["value"]) if has_value else None)
                for row in rows]

    todo = checks if checks is not None else compile_shapes()  # ShapesError: see kg.validation
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        out = {r for found in pool.map(violations, todo) for r in found}
    return sorted(out, key=lambda r: (r.severity, r.focus, r.shape, r.message))
