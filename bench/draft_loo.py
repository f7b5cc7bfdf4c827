"""Leave-one-out bench of ``cdkg draft`` against the hand-curated article sources.

For each curated file with an ``article:`` among the bundled sources (000-004), the article is
drafted as if it were new: without its own curated file and without the entities only that file
introduces (those other files use stay known).  The draft is compared with the hand-curated file:

- entities: the ids the curated file declares or uses in its facts, but those only an inference
  uses (the curators' reasoning over other sources: no reader of the text could find them); a
  draft entity counts as found when it has the same id, the same label (accent- and
  case-insensitive), or the same document number; then a group of organisations whose label
  begins the curated one's or is begun by it; a statement (goal, breakthrough solution, measure,
  recommendation, limitation: labelled in the curators' own words) of the same kind drafted from
  the sentence the curated one is quoted from (one contains the other); an entity the draft names
  its own way (the event, a position) that shares most facts with a curated one. Each curated
  entity is matched once by the last three rules. Precision is the share of the draft's entities
  that are found;
- document numbers and dates: those of the curated facts (dates of quoted, not inferred,
  evidence) that the draft detects (dates in any sentence or the header's date, which the draft
  reads for the posts it attests; and dates the draft put in a fact);
- facts by property: curated facts (not inferred) whose subject, property and value the draft
  proposes, after mapping the draft's ids to the curated ones as above;
- excerpts: every drafted excerpt is an exact substring of the article body (must be 100 %).

Run:  python bench/draft_loo.py            (prints a markdown table)
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter
from pathlib import Path

from cdkg.loaders.curated import default_sources
from cdkg.loaders.dates import DateFormatError, format_date, parse_date
from cdkg.loaders.drafting import DOC_NUMBER, ORG_KINDS, PLACE_KINDS, _key, draft, known_entities
from cdkg.loaders.text import read_article
from cdkg.loaders.yamlfile import load_yaml_text
from cdkg.ontology import DATE_PROPERTIES, expand

PROPERTIES = ("date", "chair", "speaker", "attendee", "heldAt", "eli:passed_by", "implements", "eli:date_document",
              "eli:id_local", "org:member", "org:role", "org:organization", "attestedOn")
#: Kinds counted as "named" entities (people, organisations, places, documents, roles).
NAMED = {"Person", "Ministry", "GovernmentAgency", "PeoplesCommittee", "AgencyUnit", "RepresentativeMission",
         "FriendshipOrganization", "SteeringCommittee", "PartyBody", "NationalAssemblyBody",
         "InternationalOrganization", "MediaOrganization", "Province", "CentrallyRunCity", "Country", "Venue",
         "WorldHeritageProperty", "ForeignLocality", "VietnameseLocality", "Decision", "Plan", "Resolution",
         "Directive", "Document", "Strategy", "Role"}
#: Statements: labelled in the curators' words (aligned by kind and sentence, see evaluate).
STATEMENTS = {"Recommendation", "Limitation", "PlanGoal", "BreakthroughSolution", "Measure"}


def _date(v: object) -> str | None:
    try:
        return format_date(*parse_date(str(v)))
    except DateFormatError:
        return None


def _is_date_prop(p: str) -> bool:
    try:
        iri = expand(p) if ":" in p else expand("cd:" + p)
    except KeyError:
        return False
    return iri in DATE_PROPERTIES


def evaluate(curated: Path, sources: Path) -> dict:
    gold, _ = load_yaml_text(curated.read_text(encoding="utf-8"))
    article_path = sources / "articles" / gold["article"]
    t0 = time.perf_counter()
    d = draft(article_path, sources, gold["source"])
    seconds = time.perf_counter() - t0
    known = known_entities(sources)  # every declaration, for the kinds and labels of used ids
    declared = {e["id"]: e for e in gold.get("entities", [])}
    facts = [(f, ev) for ev in gold.get("evidence", []) for f in ev.get("facts", [])]

    def ids(fs: list) -> set[str]:
        return {x for f, _ in fs for x in (f[0], f[2]) if isinstance(x, str) and re.fullmatch(r"[a-z0-9_]+", x)
                and (x in declared or x in known)}

    used = ids(facts)
    # An entity only an inference uses (the curators' reasoning, e.g. a plan goal "addresses" an objective of
    # another source) is not in the article's text: no reader of the text could find it.
    inferred_only = used - ids([(f, ev) for f, ev in facts if "inference" not in ev])
    gold_ids = (set(declared) | used) - inferred_only

    def labels(eid: str) -> list[str]:
        e = declared.get(eid)
        if e is not None:
            return [e["vi"], e["en"], *e.get("alt", [])]
        k = known.get(eid)
        return [k.vi, k.en, *k.alt] if k else []

    def kind(eid: str) -> str:
        return declared[eid]["kind"] if eid in declared else (known[eid].kind if eid in known else "")

    by_label: dict[str, str] = {}
    by_number: dict[str, str] = {}
    for eid in sorted(gold_ids):
        for label in labels(eid):
            by_label.setdefault(_key(label), eid)
            for m in DOC_NUMBER.finditer(label):
                by_number.setdefault(m.group(1).lower(), eid)

    def align(did: str) -> str | None:
        if did in gold_ids:
            return did
        ent = d.new.get(did)
        if ent is None:
            return None
        for label in (ent.vi, ent.en, *ent.alt):
            if _key(label) in by_label:
                return by_label[_key(label)]
            for m in DOC_NUMBER.finditer(label):
                if m.group(1).lower() in by_number:
                    return by_number[m.group(1).lower()]
        return None

    def align_group(did: str, taken: set[str]) -> str | None:
        """A group named by a phrase: the curator may add or trim words at its end (one label begins the other)."""
        ent = d.new.get(did)
        if ent is None or ent.kind != "OrganisationGroup":
            return None
        for g in sorted(gold_ids - taken):
            if kind(g) == "OrganisationGroup" and any((_key(gl) + " ").startswith(_key(label) + " ") or
                                                      (_key(label) + " ").startswith(_key(gl) + " ")
                                                      for gl in labels(g) for label in (ent.vi, *ent.alt)):
                return g
        return None

    drafted = d.entity_ids() | {x for f in d.facts() for x in (f[0], f[2]) if isinstance(x, str) and
                                (x in d.new or x in known)}
    mapping = {x: align(x) for x in sorted(drafted)}
    grouped = {g for g in mapping.values() if g}
    for x in sorted(drafted):  # after the exact matches; each curated group at most once
        if not mapping[x] and (g := align_group(x, grouped)):
            mapping[x] = g
            grouped.add(g)
    # An entity the draft names differently (the article's event, a position) is the curated
    # entity it shares most facts with: same property and same (mapped) value.
    def norm(p: str, o: object) -> object:
        return (_date(o) or o) if _is_date_prop(p) else o

    gold_po: dict[str, set] = {}
    for f, ev in facts:
        gold_po.setdefault(f[0], set()).add((f[1], norm(f[1], f[2])))
    taken = {g for g in mapping.values() if g}
    # A statement (goal, measure, recommendation…) is labelled in the curators' own words, so no label
    # matches: a draft statement is the curated one of the same kind quoted from the same sentence (one
    # contains the other), the pair sharing the most label words first, each at most once.
    sentence_of = {m.id: sn.text for sn in d.sentences for m in sn.mentions if m.how == "statement"}
    quotes_of: dict[str, set[str]] = {}
    for f, ev in facts:
        if "quote" in ev and "inference" not in ev:
            for x in (f[0], f[2]):
                if isinstance(x, str) and kind(x) in STATEMENTS:
                    quotes_of.setdefault(x, set()).add(" ".join(ev["quote"].split()))
    pairs = []
    for x, sx in sentence_of.items():
        for g, qs in quotes_of.items():
            if g in gold_ids and kind(g) == d.new[x].kind and any(q in sx or sx in q for q in qs):
                words = set(_key(d.new[x].vi).split()) & set(_key(labels(g)[0]).split())
                pairs.append((-len(words), x, g))
    for _n, x, g in sorted(pairs):
        if not mapping.get(x) and g not in taken:
            mapping[x] = g
            taken.add(g)
    for x in sorted(drafted):
        if mapping[x] or x not in d.new or d.new[x].kind in STATEMENTS:
            continue
        mine = {(p, norm(p, mapping.get(o) or o if isinstance(o, str) else o)) for s, p, o in d.facts() if s == x}
        best = max(((len(mine & po), g) for g, po in gold_po.items() if g not in taken and g in gold_ids),
                   default=(0, ""))
        if best[0] >= 1:
            mapping[x] = best[1]
            taken.add(best[1])
    found = {g for g in mapping.values() if g}
    named_gold = {g for g in gold_ids if kind(g) in NAMED}
    named_draft = {x for x in drafted if (d.new[x].kind if x in d.new else kind(x) or known[x].kind) in NAMED}

    numbers_gold = {str(f[2]) for f, _ in facts if f[1] == "eli:id_local"}
    numbers_gold |= {m.group(1) for eid in declared for m in DOC_NUMBER.finditer(declared[eid]["vi"])
                     if m.group(1) in (read_article(article_path).text)}
    numbers_draft = {m.text for s in d.sentences for m in s.mentions if m.how == "number"}

    dates_gold = {v for f, ev in facts if _is_date_prop(f[1]) and "quote" in ev and "inference" not in ev
                  for v in [_date(f[2])] if v}
    # the draft reads the header's date too (the article's date, e.g. a post attested on the day of the report)
    dates_seen = {v for s in d.sentences for _w, v in s.dates} | ({d.published} if d.published else set())
    dates_in_facts = {str(f[2]) for f in d.facts() if _is_date_prop(f[1])}

    mapped_facts = {(mapping.get(s) or s, p, mapping.get(o) or o if isinstance(o, str) else o)
                    for s, p, o in d.facts()}
    mapped_facts |= {(s, p, _date(o) or o) for s, p, o in mapped_facts if _is_date_prop(p)}
    per_prop: dict[str, list[int]] = {}
    for f, ev in facts:
        if f[1] not in PROPERTIES or "inference" in ev or "quote" not in ev:
            continue
        value = _date(f[2]) if _is_date_prop(f[1]) else f[2]
        hit = (f[0], f[1], value) in mapped_facts
        per_prop.setdefault(f[1], [0, 0])
        per_prop[f[1]][0] += hit
        per_prop[f[1]][1] += 1

    gold_all = {(f[0], f[1], norm(f[1], f[2])) for f, _ in facts}
    mine = {(s_, p, norm(p, o)) for s_, p, o in d.facts() if p in PROPERTIES
            for s_, o in [(mapping.get(s_) or s_, mapping.get(o) or o if isinstance(o, str) else o)]}
    body = read_article(article_path).text
    return {
        "fact_precision": (len(mine & gold_all), len(mine)),
        "source": gold["source"], "seconds": seconds, "sentences": len(d.sentences),
        "excerpts_exact": sum(body.find(x) >= 0 for x in d.excerpts), "excerpts": len(d.excerpts),
        "entities": (len(found), len(gold_ids), len({x for x in drafted if mapping[x]}), len(drafted)),
        "named": (len(found & named_gold), len(named_gold), len({x for x in named_draft if mapping[x]}),
                  len(named_draft)),
        "numbers": (len(numbers_gold & numbers_draft), len(numbers_gold)),
        "dates": (len(dates_gold & dates_seen), len(dates_gold)),
        "dates_in_facts": (len(dates_gold & dates_in_facts), len(dates_gold)),
        "props": per_prop,
        "missed_entities": sorted(gold_ids - found),
    }


def compare_underthesea(sources: Path) -> None:
    """The rules against underthesea (a Vietnamese NLP package whose sentence splitter and CRF
    NER ship inside it): sentences that are exactly a curated quote, and person names found."""
    import underthesea  # optional: pip install underthesea (not a dependency of cdkg)

    from cdkg.loaders.drafting import split_sentences

    tot: Counter = Counter()
    t_rules = t_lib = 0.0
    for path in sorted((sources / "curated").glob("*.yaml")):
        gold, _ = load_yaml_text(path.read_text(encoding="utf-8"))
        if not isinstance(gold, dict) or not gold.get("article"):
            continue
        art_path = sources / "articles" / gold["article"]
        art = read_article(art_path)
        raw = art_path.read_text(encoding="utf-8").splitlines()
        body = "\n".join(raw[next(i for i, ln in enumerate(raw) if ln.strip() == "---") + 1:])
        quotes = {q for ev in gold["evidence"] if "quote" in ev for q in [" ".join(ev["quote"].split())]}
        t0 = time.perf_counter()
        rules = [x for x, _ in split_sentences(art, body)]
        t_rules += time.perf_counter() - t0
        t0 = time.perf_counter()
        lib = [" ".join(x.split()) for line in body.splitlines() if line.strip()
               for x in underthesea.sent_tokenize(line)]
        t_lib += time.perf_counter() - t0
        for name, sents in (("rules", rules), ("underthesea", lib)):
            tot[name, "exact"] += sum(q in sents for q in quotes)
            tot[name, "inside"] += sum(any(q in x for x in sents) for q in quotes)
            tot[name, "substring"] += sum(art.text.find(x) >= 0 for x in sents)
            tot[name, "n"] += len(sents)
        tot["quotes"] += len(quotes)
        known = known_entities(sources)
        people = {_key(known[x].vi if x in known else "") for ev in gold["evidence"] for f in ev.get("facts", [])
                  for x in (f[0], f[2]) if isinstance(x, str) and x in known and known[x].kind == "Person"}
        people |= {_key(e["vi"]) for e in gold.get("entities", []) if e["kind"] == "Person"}
        people.discard("")
        d = draft(art_path, sources, gold["source"])
        found_rules = {_key(m.text) for s in d.sentences for m in s.mentions if m.kind == "Person"}
        found_lib: set[str] = set()
        orgs_lib: set[str] = set()
        for sent in lib:
            current: list[str] = []
            kind = ""
            for token, *_tags, tag in underthesea.ner(sent) + [("", "O")]:
                if tag[2:] in ("PER", "ORG", "LOC") and (tag.startswith("B") or tag[2:] != kind):
                    if current:
                        (found_lib if kind == "PER" else orgs_lib).add(_key(" ".join(current)))
                    current, kind = [token], tag[2:]
                elif tag[2:] in ("PER", "ORG", "LOC"):
                    current.append(token)
                else:
                    if current:
                        (found_lib if kind == "PER" else orgs_lib).add(_key(" ".join(current)))
                    current, kind = [], ""
        for name, found in (("rules", found_rules), ("underthesea", found_lib)):
            tot[name, "per_hit"] += len(found & people)
            tot[name, "per_found"] += len(found)
        tot["people"] += len(people)
        # organisations and places the curated file uses whose name (or alternative) the body holds
        text = " " + _key(art.text) + " "
        ids = {x for ev in gold["evidence"] for f in ev.get("facts", []) for x in (f[0], f[2]) if isinstance(x, str)}
        ents = {e["id"]: (e["kind"], [e["vi"], *e.get("alt", [])]) for e in gold.get("entities", [])}
        ents |= {x: (known[x].kind, [known[x].vi, *known[x].alt]) for x in ids if x in known and x not in ents}
        named = {x: {_key(lb) for lb in labels if _key(lb) and f" {_key(lb)} " in text}
                 for x, (k, labels) in ents.items() if k in ORG_KINDS or k in PLACE_KINDS or k == "Locality"}
        named = {x: keys for x, keys in named.items() if keys}
        orgs_rules = {_key(m.text) for s in d.sentences for m in s.mentions
                      if m.kind in ORG_KINDS or m.kind in PLACE_KINDS or m.kind == "Locality"}
        every = set().union(*named.values()) if named else set()
        for name, found in (("rules", orgs_rules), ("underthesea", orgs_lib)):
            tot[name, "org_hit"] += sum(bool(keys & found) for keys in named.values())
            tot[name, "org_right"] += len(found & every)
            tot[name, "org_found"] += len(found)
        tot["orgs"] += len(named)
    print("| splitter / NER | quotes that are a whole sentence | quotes inside one sentence | sentences verbatim "
          "| people recall | people precision | organisations and places recall | precision "
          "| s (splitting, 5 articles) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, t in (("rules (loaders/drafting.py)", t_rules), ("underthesea " + underthesea.__version__, t_lib)):
        k = name.split()[0]
        print(f"| {name} | {_pct(tot[k, 'exact'], tot['quotes'])} | {_pct(tot[k, 'inside'], tot['quotes'])} | "
              f"{_pct(tot[k, 'substring'], tot[k, 'n'])} | {_pct(tot[k, 'per_hit'], tot['people'])} | "
              f"{_pct(tot[k, 'per_hit'], tot[k, 'per_found'])} | {_pct(tot[k, 'org_hit'], tot['orgs'])} | "
              f"{_pct(tot[k, 'org_right'], tot[k, 'org_found'])} | {t:.3f} |")


def _pct(a: int, b: int) -> str:
    return f"{100 * a / b:.0f} % ({a}/{b})" if b else "— (0/0)"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sources", type=Path, default=default_sources())
    ap.add_argument("--missed", action="store_true", help="List the curated entities each draft missed.")
    ap.add_argument("--underthesea", action="store_true", help="Compare the rules with underthesea's sentence "
                    "splitter and NER (needs `pip install underthesea`).")
    args = ap.parse_args(argv)
    if args.underthesea:
        compare_underthesea(args.sources)
        return 0
    files = []
    for path in sorted((args.sources / "curated").glob("*.yaml")):
        data, _ = load_yaml_text(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and data.get("article"):
            files.append(path)
    rows = [evaluate(p, args.sources) for p in files]
    print("| source | entity recall | entity precision | named recall | named precision | doc numbers | "
          "dates found | dates in facts | exact excerpts | s |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    tot: Counter = Counter()
    props: dict[str, list[int]] = {}
    for r in rows:
        e, n = r["entities"], r["named"]
        print(f"| {r['source']} | {_pct(e[0], e[1])} | {_pct(e[2], e[3])} | {_pct(n[0], n[1])} | {_pct(n[2], n[3])} "
              f"| {_pct(*r['numbers'])} | {_pct(*r['dates'])} | {_pct(*r['dates_in_facts'])} "
              f"| {_pct(r['excerpts_exact'], r['excerpts'])} | {r['seconds']:.2f} |")
        for k in ("entities", "named"):
            for i, v in enumerate(r[k]):
                tot[k, i] += v
        for k in ("numbers", "dates", "dates_in_facts"):
            tot[k, 0] += r[k][0]
            tot[k, 1] += r[k][1]
        tot["ex", 0] += r["excerpts_exact"]
        tot["ex", 1] += r["excerpts"]
        tot["s"] += r["seconds"]
        tot["fp", 0] += r["fact_precision"][0]
        tot["fp", 1] += r["fact_precision"][1]
        for p, (h, t) in r["props"].items():
            props.setdefault(p, [0, 0])
            props[p][0] += h
            props[p][1] += t
    print(f"| **all {len(rows)}** | {_pct(tot['entities', 0], tot['entities', 1])} | "
          f"{_pct(tot['entities', 2], tot['entities', 3])} | {_pct(tot['named', 0], tot['named', 1])} | "
          f"{_pct(tot['named', 2], tot['named', 3])} | {_pct(tot['numbers', 0], tot['numbers', 1])} | "
          f"{_pct(tot['dates', 0], tot['dates', 1])} | {_pct(tot['dates_in_facts', 0], tot['dates_in_facts', 1])} | "
          f"{_pct(tot['ex', 0], tot['ex', 1])} | {tot['s'] / max(len(rows), 1):.2f} mean |")
    print()
    print(f"Fact precision (drafted facts of the properties below that the curated file states, inferences "
          f"included): {_pct(tot['fp', 0], tot['fp', 1])}")
    print()
    print("| property | fact recall |")
    print("| --- | ---: |")
    for p in PROPERTIES:
        if p in props:
            print(f"| {p} | {_pct(*props[p])} |")
    if args.missed:
        for r in rows:
            print(f"\n{r['source']} missed: {', '.join(r['missed_entities'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
