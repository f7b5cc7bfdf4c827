"""``cdkg search TEXT``: find entities and evidence by name, id or words of their evidence.

Matching ignores case and Vietnamese accents ("hue" finds "Huế", "ha kim ngoc" finds "Hà Kim
Ngọc"); every word of the query must occur.  Hits are ranked by how well a label matches
(the whole label, its start, whole words, part of a word), then by id, then by the words of an
evidence text; within a rank the shorter label comes first.  Each hit says its kind (the
class, in the language asked for) and its id, which ``cdkg why`` and the queries take.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from cdkg.errors import UsageError
from cdkg.kg.provenance import fold
from cdkg.kg.sparql import PREFIX_DECL
from cdkg.kg.store import ONTOLOGY_GRAPH, open_store
from cdkg.ontology import ID, PROVENANCE_GRAPH

_ENTITIES = PREFIX_DECL + f"""
SELECT ?e ?label ?alt ?class WHERE {{
  GRAPH ?rec {{ ?e a ?class . OPTIONAL {{ ?e rdfs:label ?label }} OPTIONAL {{ ?e skos:altLabel ?alt }} }}
  FILTER(STRSTARTS(STR(?rec), "{ID}entities/"))
}}
"""

_CLASS_LABELS = PREFIX_DECL + f"""
SELECT ?c ?label WHERE {{ GRAPH <{ONTOLOGY_GRAPH.value}> {{ ?c a owl:Class ; rdfs:label ?label }} }}
"""

_EVIDENCE = PREFIX_DECL + f"""
SELECT DISTINCT ?g ?text ?src WHERE {{
  GRAPH <{PROVENANCE_GRAPH}> {{
    ?g prov:value|cd:paraphrase ?text .
    OPTIONAL {{ ?g prov:wasQuotedFrom|prov:wasDerivedFrom ?src }}
  }}
}}
"""

#: rank of a hit: how its best text matched
EXACT, PREFIX, WORDS, PART, ID_MATCH, EVIDENCE = 100, 80, 60, 40, 30, 10


@dataclass
class Hit:
    """One entity or evidence that matches, with what matched."""

    iri: str
    id: str
    kind: str
    label: str
    matched: str  # the text that matched (a label, alternative name, id or evidence excerpt)
    field: str  # "label", "alt", "id" or "evidence"
    score: int


def _score(fq: str, words: list[str], text: str) -> int:
    ft = fold(text)
    if not all(w in ft for w in words):
        return 0
    if ft == fq:
        return EXACT
    if ft.startswith(fq):
        return PREFIX
    tokens = set(re.findall(r"\w+", ft))
    if all(w in tokens for w in words):
        return WORDS
    return PART


def _snippet(text: str, words: list[str], width: int = 90) -> str:
    """The part of ``text`` around the first query word (folding keeps offsets for NFC text
    except where a character folds to several)."""
    ft = fold(text)
    at = ft.find(words[0]) if words else 0
    if len(ft) != len(re.sub(r"\s+", " ", text).strip()):
        at = 0
    flat = re.sub(r"\s+", " ", text).strip()
    start = max(0, at - width // 3)
    piece = flat[start:start + width]
    return ("…" if start else "") + piece + ("…" if start + width < len(flat) else "")


def search(text: str, build: Path | str | None = None, lang: str = "en", limit: int | None = 20,
           evidence: bool = True) -> list[Hit]:
    """Entities (and, with ``evidence``, evidence excerpts) matching ``text``, best first.

    ``limit``: at most this many hits (None: all).  Raises :class:`UsageError` for an empty query.
    """
    fq = fold(text)
    words = fq.split()
    if not words:
        raise UsageError("give some text to search for, e.g. cdkg search hue")
    store = open_store(build)
    class_label: dict[str, dict[str, str]] = {}
    for row in store.query(_CLASS_LABELS):
        class_label.setdefault(row["c"].value, {})[row["label"].language or ""] = row["label"].value
    labels: dict[str, dict[str, str]] = {}
    alts: dict[str, set[str]] = {}
    classes: dict[str, set[str]] = {}
    for row in store.query(_ENTITIES):
        iri = row["e"].value
        classes.setdefault(iri, set()).add(row["class"].value)
        if row["label"] is not None:
            labels.setdefault(iri, {})[row["label"].language or ""] = row["label"].value
        if row["alt"] is not None:
            alts.setdefault(iri, set()).add(row["alt"].value)

    def kind_of(iri: str) -> str:
        names = sorted(class_label.get(c, {}).get(lang) or c.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
                       for c in classes.get(iri, ()))
        return ", ".join(names)

    hits: list[Hit] = []
    for iri in classes:
        ls = labels.get(iri, {})
        shown = ls.get(lang) or ls.get("vi") or ls.get("en") or iri
        local = iri.rsplit("/", 1)[-1]
        best: tuple[int, str, str] = (0, "", "")
        for value in ls.values():
            best = max(best, (_score(fq, words, value), "label", value))
        for value in alts.get(iri, ()):
            s = _score(fq, words, value)
            best = max(best, (s - 1 if s else 0, "alt", value))  # a label outranks an equal alternative
        if best[0] == 0:
            id_text = local.replace("_", " ")
            if all(w in id_text for w in words) or fq.replace(" ", "_") in local:
                best = (EXACT - 1 if local == fq.replace(" ", "_") else ID_MATCH, "id", local)
        if best[0]:
            hits.append(Hit(iri, local, kind_of(iri), shown, best[2], best[1], best[0]))
    if evidence:
        for row in store.query(_EVIDENCE):
            body = row["text"].value
            if all(w in fold(body) for w in words):
                g = row["g"].value
                src = row["src"].value.rsplit("/", 1)[-1] if row["src"] is not None else ""
                hits.append(Hit(g, g[len(f"{ID}evidence/"):] if g.startswith(f"{ID}evidence/") else g,
                                "evidence", src, _snippet(body, words), "evidence", EVIDENCE))
    hits.sort(key=lambda h: (-h.score, len(h.label) if h.field != "evidence" else 0, h.id))
    return hits if limit is None else hits[:limit]


__all__ = ["search", "Hit"]
