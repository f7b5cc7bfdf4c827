"""A synthetic curated corpus shaped like the real one, seeded and reproducible.

    python bench/generate.py --size 100k --out /tmp/cdkg-bench-100k

writes ``curated/*.yaml`` and ``articles/*.txt`` that `cdkg build --sources` reads: a hub file
of recurring entities (ministries, localities, partner countries, strategies with objectives,
UNESCO), then one source per synthetic article with events that have many participants, hub
agencies that appear everywhere, people in posts, plans implementing strategies with goals and
measures mapped to objectives, heritage with inscriptions, recommendations raised by speakers,
and now and then an administrative succession.  Every fact cites a verbatim sentence of its
article, so the whole pipeline (quote checks included) runs as on real sources.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}
TRIPLES_PER_SOURCE = 600  # measured: about this many quads per synthetic source
THEMES = ["PublicDiplomacy", "DigitalTransformation", "ExternalInformation", "OverseasVietnamese", "Enterprises",
          "LocalitiesAtCentre", "Coordination", "Resources", "HeritagePromotion", "NationalImage"]
WORDS = ("hợp tác văn hoá ngoại giao địa phương doanh nghiệp quảng bá di sản phối hợp nguồn lực chuyển đổi số "
         "thông tin đối ngoại hội nhập quốc tế kế hoạch triển khai chiến lược").split()


def q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def ent(i: str, kind: str, vi: str, en: str) -> str:
    return f"  - {{id: {i}, kind: {kind}, vi: {q(vi)}, en: {q(en)}}}"


def hubs(rng: random.Random, n_sources: int) -> tuple[str, str, dict[str, list[str]]]:
    """The hub source: entities every article refers to."""
    n_agencies = max(20, n_sources // 2)
    n_localities = max(10, n_sources // 10)
    ids: dict[str, list[str]] = {"agency": [], "locality": [], "committee": [], "country": [], "strategy": [],
                                 "objective": [], "org": []}
    ents, sentences, evidence = [], [], []
    for a in range(n_agencies):
        ids["agency"].append(f"agency_{a}")
        ents.append(ent(f"agency_{a}", "Ministry" if a % 5 == 0 else "AgencyUnit", f"Cơ quan {a}", f"Agency {a}"))
    for loc in range(n_localities):
        ids["locality"].append(f"loc_{loc}")
        ids["committee"].append(f"pc_{loc}")
        ents.append(ent(f"loc_{loc}", "Province", f"Tỉnh {loc}", f"Province {loc}"))
        ents.append(ent(f"pc_{loc}", "PeoplesCommittee", f"UBND tỉnh {loc}", f"People's Committee {loc}"))
        sentences.append(f"UBND tỉnh {loc} đặt tại tỉnh {loc}.")
        evidence.append((sentences[-1], [f"[pc_{loc}, locatedIn, loc_{loc}]"]))
    for c in range(max(10, n_sources // 20)):
        ids["country"].append(f"country_{c}")
        ents.append(ent(f"country_{c}", "Country", f"Quốc gia {c}", f"Country {c}"))
    ids["org"].append("unesco_b")
    ents.append(ent("unesco_b", "InternationalOrganization", "UNESCO", "UNESCO"))
    for s in range(3):
        ids["strategy"].append(f"strategy_{s}")
        ents.append(ent(f"strategy_{s}", "Strategy", f"Chiến lược {s}", f"Strategy {s}"))
        facts = [f"[strategy_{s}, objectiveCount, 5]", f"[strategy_{s}, leadAgency, agency_0]"]
        for o in range(4):
            ids["objective"].append(f"obj_{s}_{o}")
            ents.append(ent(f"obj_{s}_{o}", "Objective", f"Mục tiêu {s}.{o}", f"Objective {s}.{o}"))
            facts.append(f"[strategy_{s}, hasObjective, obj_{s}_{o}]")
        sentences.append(f"Chiến lược {s} có 5 mục tiêu, do Cơ quan 0 chủ trì.")
        evidence.append((sentences[-1], facts))
    ents.append(ent("scd_b", "SteeringCommittee", "Ban Chỉ đạo", "Steering Committee"))
    members = ids["agency"][: min(24, len(ids["agency"]))]
    sentences.append("Ban Chỉ đạo có " + str(len(members)) + " đơn vị thành viên.")
    evidence.append((sentences[-1], [f"[{m}, org:memberOf, scd_b]" for m in members]))
    return _files("000-hubs", ents, sentences, evidence, "Hub entities"), ids


def source(rng: random.Random, n: int, ids: dict[str, list[str]]) -> tuple[str, str]:
    """One synthetic article and its curated file (about TRIPLES_PER_SOURCE quads)."""
    p = f"s{n}"
    ents, sentences, evidence = [], [], []

    def say(text: str, facts: list[str]) -> None:
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 12)))
        sentences.append(f"Câu {len(sentences) + 1} bài {n}: {text} {words}.")
        evidence.append((sentences[-1], facts))

    people = []
    for k in range(8):
        person, pos = f"{p}_person_{k}", f"{p}_pos_{k}"
        agency = rng.choice(ids["agency"][:40])
        people.append(person)
        ents += [ent(person, "Person", f"Người {n}.{k}", f"Person {n}.{k}"),
                 ent(pos, "Position", f"Chức vụ {n}.{k}", f"Position {n}.{k}")]
        say(f"Người {n}.{k} là lãnh đạo Cơ quan {agency}",
            [f"[{pos}, org:member, {person}]", f"[{pos}, org:organization, {agency}]",
             f"[{pos}, org:role, role_b]", f"[{pos}, attestedOn, \"{rng.randint(1, 28)}/{rng.randint(1, 12)}\"]"])
    for k in range(10):
        ev = f"{p}_event_{k}"
        kind = rng.choice(["Conference", "Meeting", "ThematicSession", "Ceremony"])
        ents.append(ent(ev, kind, f"Sự kiện {n}.{k}", f"Event {n}.{k}"))
        attendees = rng.sample(ids["agency"][:30], 6) + rng.sample(ids["agency"], 4)
        date = rng.choice([f"{rng.randint(1, 28)}/{rng.randint(1, 12)}/{rng.randint(2015, 2025)}",
                           f"{rng.randint(1, 28)}/{rng.randint(1, 12)}", f"{rng.randint(1, 12)}/{rng.randint(2015, 2025)}"])
        facts = [f"[{ev}, date, \"{date}\"]", f"[{ev}, heldAt, {rng.choice(ids['locality'])}]",
                 f"[{ev}, organisedBy, agency_{rng.randint(0, 4)}]", f"[{ev}, chair, {rng.choice(people)}]",
                 f"[{ev}, hasTheme, cd:{rng.choice(THEMES)}]", f"[{ev}, hasTheme, cd:{rng.choice(THEMES)}]"]
        facts += [f"[{ev}, attendee, {a}]" for a in dict.fromkeys(attendees)]
        facts += [f"[{ev}, speaker, {sp}]" for sp in rng.sample(people, 2)]
        if rng.random() < 0.4:
            facts.append(f"[{ev}, withPartner, {rng.choice(ids['country'])}]")
        if rng.random() < 0.3:
            facts.append(f"[{ev}, bridgePointCount, {rng.randint(10, 300)}]")
        say(f"Sự kiện {n}.{k} diễn ra với sự tham dự của nhiều cơ quan", facts)
    for k in range(2):
        plan, loc = f"{p}_plan_{k}", rng.randrange(len(ids["locality"]))
        ents.append(ent(plan, "Plan", f"Kế hoạch {n}.{k}", f"Plan {n}.{k}"))
        strategy = rng.choice(ids["strategy"])
        say(f"UBND tỉnh {loc} ban hành Kế hoạch {n}.{k}",
            [f"[{plan}, eli:id_local, \"{n}{k}/KH-UBND\"]", f"[{plan}, eli:date_document, \"{rng.randint(1, 28)}/{rng.randint(1, 12)}/2022\"]",
             f"[{plan}, eli:passed_by, pc_{loc}]", f"[{plan}, implements, {strategy}]", f"[{plan}, coversLocality, loc_{loc}]"])
        for g in range(4):
            comp = f"{p}_goal_{k}_{g}"
            ents.append(ent(comp, rng.choice(["PlanGoal", "Measure", "BreakthroughSolution"]),
                            f"Nội dung {n}.{k}.{g}", f"Component {n}.{k}.{g}"))
            facts = [f"[{plan}, hasComponent, {comp}]", f"[{comp}, hasTheme, cd:{rng.choice(THEMES)}]"]
            if rng.random() < 0.5:
                facts.append(f"[{comp}, addressesObjective, {strategy.replace('strategy', 'obj')}_{rng.randint(0, 3)}]")
            say(f"Kế hoạch {n}.{k} có nội dung {g}", facts)
    heritage = f"{p}_heritage"
    ents += [ent(heritage, rng.choice(["WorldHeritageProperty", "IntangibleHeritageElement"]), f"Di sản {n}", f"Heritage {n}"),
             ent(f"{p}_inscription", "Inscription", f"Ghi danh di sản {n}", f"Inscription of heritage {n}")]
    say(f"Di sản {n} được UNESCO ghi danh",
        [f"[{p}_inscription, inscribedItem, {heritage}]", f"[{p}_inscription, inscribingBody, unesco_b]",
         f"[{p}_inscription, date, \"{rng.randint(1990, 2024)}\"]", f"[{heritage}, locatedIn, {rng.choice(ids['locality'])}]"]
        + ([f"[{p}_event_0, featuresHeritage, {heritage}]"] if rng.random() < 0.5 else []))
    for k in range(4):
        st = f"{p}_rec_{k}"
        ents.append(ent(st, rng.choice(["Recommendation", "Limitation"]), f"Kiến nghị {n}.{k}", f"Statement {n}.{k}"))
        facts = [f"[{st}, raisedBy, {rng.choice(people)}]", f"[{st}, raisedAt, {p}_event_{rng.randint(0, 9)}]",
                 f"[{st}, hasTheme, cd:{rng.choice(THEMES)}]"]
        if rng.random() < 0.6:
            facts.append(f"[{st}, addressedTo, {rng.choice(ids['agency'])}]")
        say(f"Người phát biểu nêu kiến nghị {k}", facts)
    return _files(f"{n:05d}-synthetic", ents, sentences, evidence, f"Bài tổng hợp {n}")


def _files(name: str, ents: list[str], sentences: list[str], evidence: list[tuple[str, list[str]]], title: str):
    article = (f"Title: {title}\nPublisher: cdkg benchmark\nPublished: 1/1/2024\nLanguage: vi\nKind: NewsReport\n"
               f"URL: https://example.org/cdkg-bench/{name}\nRetrieved: 2024-01-02\n---\n"
               + "\n\n".join(sentences) + "\n")
    lines = [f"source: bench-{name}", f"article: {name}.txt", "entities:", *ents, "evidence:"]
    for quote, facts in evidence:
        lines.append(f"  - quote: {q(quote)}")
        lines.append("    facts:")
        lines += [f"      - {f}" for f in facts]
    return name, article, "\n".join(lines) + "\n"


def generate(size: str | int, out: Path, seed: int = 20261123) -> Path:
    """Write a corpus of about ``size`` triples into ``out``; returns ``out``."""
    target = SIZES[size] if isinstance(size, str) else int(size)
    rng = random.Random(seed)
    n_sources = max(1, round(target / TRIPLES_PER_SOURCE))
    (out / "curated").mkdir(parents=True, exist_ok=True)
    (out / "articles").mkdir(parents=True, exist_ok=True)
    (hub_name, hub_article, hub_yaml), ids = hubs(rng, n_sources)
    hub_yaml = hub_yaml.replace("entities:\n", "entities:\n" + ent("role_b", "Role", "Lãnh đạo", "Leader") + "\n", 1)
    files = [(hub_name, hub_article, hub_yaml)] + [source(rng, n, ids) for n in range(1, n_sources + 1)]
    for name, article, curated in files:
        (out / "articles" / f"{name}.txt").write_text(article, encoding="utf-8")
        (out / "curated" / f"{name}.yaml").write_text(curated, encoding="utf-8")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="10k", help="10k, 100k, 1m or a number of triples")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=20261123)
    args = parser.parse_args()
    print(generate(args.size, args.out, args.seed))


if __name__ == "__main__":
    main()
