"""Keep only quoted facts: a view of a local build whose queries see the facts of quoted evidence
(verbatim quotes of the bundled articles), the entity records, the provenance and the ontology —
not the facts of cited evidence (the curators' words about sources we do not bundle).

>>> EVIDENCE_CHOICES
('all', 'quoted')

``queries.run("cq01", evidence="quoted")``, ``cdkg query cq01 --evidence quoted`` and
``cdkg gaps --evidence quoted`` use it.  The restriction is the query's dataset (its default graph
and the graphs ``GRAPH ?g`` may match), so every query, named or the user's own, gets it.
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox

from cdkg.errors import UsageError
from cdkg.ontology import CD, PROVENANCE_GRAPH, RDF

EVIDENCE_CHOICES = ("all", "quoted")

_CITED = f"SELECT ?g WHERE {{ GRAPH <{PROVENANCE_GRAPH}> {{ ?g <{RDF}type> <{CD}CitedEvidence> }} }}"


class QuotedOnly:
    """A local backend whose queries see every graph of the build but the cited-evidence ones."""

    def __init__(self, backend: Any):
        store = getattr(backend, "store", None)
        if store is None:
            raise UsageError("--evidence quoted works on a local build, not on a remote endpoint: "
                             "push only what you want there, or query the build")
        self.name = f"{backend.name} (quoted evidence only)"
        self.store = store
        cited = {row["g"] for row in store.query(_CITED)}
        self.graphs = [g for g in store.named_graphs() if g not in cited]

    def query(self, text: str) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        return self.store.query(text, default_graph=self.graphs, named_graphs=self.graphs)


def restrict(backend: Any, evidence: str | None) -> Any:
    """``backend`` as it is (``evidence`` "all" or None), or seeing only quoted evidence ("quoted")."""
    if evidence in (None, "all"):
        return backend
    if evidence != "quoted":
        raise UsageError(f"unknown evidence kind {evidence!r}; choose {' or '.join(EVIDENCE_CHOICES)}")
    return QuotedOnly(backend)
