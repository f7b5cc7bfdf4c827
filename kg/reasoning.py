"""``cdkg reason``: HermiT (through owlready2) on the ontology and the built data.

HermiT checks that the asserted facts are consistent with the ontology and derives what
follows from it (types from domains, ranges and subclasses; property values from
sub-properties and inverses).  The inferences are written as their own graph — a separate
Turtle file — and never mixed into the asserted facts.

HermiT accepts only the OWL 2 datatype map, which has no xsd:date, xsd:gYear, xsd:gYearMonth
or xsd:gMonthDay; such literals are passed to the reasoner as plain strings, as the ``owl``
export writes them (:func:`cdkg.kg.exporter.owl_triples`; dates play no part in the ontology's axioms).
"""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from cdkg.errors import CdkgError

INFERRED_IRI = "https://w3id.org/cdkg/id/inferred"


class ReasonerUnavailable(CdkgError):
    """Java (needed by HermiT) or owlready2 (the optional part `cdkg[reason]`) is missing."""


class Inconsistent(CdkgError):
    """HermiT found the ontology and data inconsistent."""

    exit_code = 1


@dataclass
class ReasonResult:
    consistent: bool
    inferred: int  # triples in the inferred graph
    output: Path | None
    seconds: float
    explanation: str = ""


def _owl_safe_ntriples(build: Path | str | None) -> bytes:
    import pyoxigraph as ox

    from cdkg.kg.exporter import owl_triples
    from cdkg.kg.store import open_store

    return ox.serialize(owl_triples(open_store(build)), format=ox.RdfFormat.N_TRIPLES)


def reason(build: Path | str | None = None, output: Path | str | None = None) -> ReasonResult:
    """Run HermiT on ontology + data of ``build``; write inferences to ``output``
    (default ``BUILD/inferred.ttl``).  Raises :class:`Inconsistent` with HermiT's explanation,
    or :class:`ReasonerUnavailable` when Java is missing."""
    if shutil.which("java") is None:
        raise ReasonerUnavailable("HermiT needs Java, which is not installed: "
                                  "apt-get install default-jre-headless (Debian/Ubuntu), or install any Java 11+")
    try:
        import owlready2
    except ImportError:
        raise ReasonerUnavailable("cdkg reason needs owlready2, an optional part: pip install 'cdkg[reason]'") from None
    import pyoxigraph as ox

    from cdkg.kg.files import write_atomic
    from cdkg.kg.store import DEFAULT_BUILD

    t0 = time.perf_counter()
    data = _owl_safe_ntriples(build)
    with tempfile.TemporaryDirectory() as tmp:
        nt = Path(tmp) / "kg.nt"
        nt.write_bytes(data)
        world = owlready2.World()
        world.get_ontology(nt.as_uri()).load()
        inferred = world.get_ontology(INFERRED_IRI + "#")
        try:
            with inferred:
                owlready2.sync_reasoner_hermit(world, infer_property_values=True, debug=0)
        except owlready2.OwlReadyInconsistentOntologyError as exc:
            raise Inconsistent(f"HermiT finds the ontology and data inconsistent:\n{exc}") from None
        except owlready2.OwlReadyJavaError as exc:
            raise ReasonerUnavailable(f"HermiT could not run: {str(exc)[:2000]}") from None
        triples = []
        for s, p, o in inferred.get_triples(None, None, None):
            if not (isinstance(o, int) and o > 0):
                continue  # data values: none are inferred by the ontology's axioms
            subject, predicate, obj = (world._unabbreviate(x) for x in (s, p, o))
            if subject.startswith(INFERRED_IRI):
                continue
            triples.append(ox.Triple(ox.NamedNode(subject), ox.NamedNode(predicate), ox.NamedNode(obj)))
        world.close()
    triples.sort(key=lambda t: (t.subject.value, t.predicate.value, t.object.value))
    from cdkg.ontology import output_prefixes

    out = Path(output) if output is not None else Path(build or DEFAULT_BUILD) / "inferred.ttl"
    header = (f"# Inferred by HermiT from ontology/cdkg.ttl and the asserted facts of {Path(build or DEFAULT_BUILD)}/.\n"
              f"# Graph <{INFERRED_IRI}>: never merged into the asserted facts.\n").encode()
    write_atomic(out, header + ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=output_prefixes()))
    return ReasonResult(True, len(triples), out, time.perf_counter() - t0)
