"""Coordination gaps: on a fixture built so the right answers are known, every kind finds
exactly what it should and nothing else; on the bundled data, the gaps the articles describe,
each with evidence."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

import cdkg
from cdkg import queries
from cdkg.queries import network as net
from cdkg.queries.gaps import Entity, Evidence, Finding, GapReport, kinds, render

FIXTURE = Path(__file__).parent / "data" / "gaps"


@pytest.fixture(scope="module")
def fixture_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("gapfixture") / "build"
    cdkg.build(FIXTURE, out)
    return queries.find_gaps(build=out)


def measures(finding):
    """The network measures a (merged) kind-6 finding names."""
    detail = finding.explanation.split(" — ", 1)[-1]
    return {m for m in ("broker", "most constrained", "articulation point", "bridge", "separate component")
            if detail.startswith(m) or f"; {m}:" in detail}


def ids(report, kind, measure=None):
    return sorted(tuple(e.id for e in f.entities) for f in report.findings
                  if f.kind == kind and (measure is None or measure in measures(f)))


def test_every_kind_is_described():
    ks = kinds()
    assert [k.number for k in ks] == list(range(1, 9))
    for k in ks:
        assert k.title and k.explanation and k.proves and k.does_not_prove and k.method


def test_objective_with_no_plan_and_unnamed_objectives(fixture_report):
    assert ids(fixture_report, 1) == [("o1", "s"), ("o2", "s"), ("s",)]
    by_id = {f.entities[0].id: f.explanation for f in fixture_report.findings if f.kind == 1}
    # P addresses O1 itself; nothing addresses O2
    assert by_id["o1"].endswith("addressed by 1 plan or document, 0 events and 0 plan goals, measures or solutions"
                                " — no event")
    assert by_id["o2"].endswith("no plan, measure or event addresses this objective")


def test_locality_without_plan_follows_succession(fixture_report):
    # PA has plan P (for the 2030 Strategy); CB replaced PA (change in effect 1/1/2025) and so carries
    # P; PA is not one of today's units; only PC has no plan.
    assert ids(fixture_report, 2) == [("pc",)]
    assert [(c.unit.id, c.status, c.plans) for c in fixture_report.coverage] == [
        ("cb", "2030-plan", "Plan P, date not shown (via Province PA → this unit, in effect 1/1/2025)"),
        ("pc", "none", "")]


def test_heritage_no_event_uses(fixture_report):
    assert ids(fixture_report, 3) == [("h2",)]


def test_inactive_committee_member(fixture_report):
    assert ids(fixture_report, 4) == [("m2", "sc")]


def test_shared_mandate_never_meet(fixture_report):
    assert ids(fixture_report, 5) == [("m1", "m2", "sc")]


def test_structural_holes(fixture_report):
    assert ids(fixture_report, 6, "broker") == [("x",)]
    assert ids(fixture_report, 6, "articulation point") == [("x",)]
    # one finding per group: the pair D1–D2 is a separate component, its only link a bridge, and
    # both are the most constrained — said once, in the component's finding
    assert ids(fixture_report, 6, "bridge") == [("d1", "d2")]
    assert ids(fixture_report, 6, "separate component") == [("d1", "d2"), ("m1",)]
    assert ("d1", "d2") in ids(fixture_report, 6, "most constrained")
    assert len([f for f in fixture_report.findings if f.kind == 6 and "d1" in [e.id for e in f.entities]]) == 1
    assert ("x",) not in ids(fixture_report, 6, "most constrained")


def test_statements_with_no_owner_or_follow_up(fixture_report):
    # R1 has an owner (A1) and a follow-up event on its theme (E3): not a finding.
    assert ids(fixture_report, 7) == [("r2", "x"), ("r3", "b1")]
    by_id = {f.entities[0].id: f.explanation for f in fixture_report.findings if f.kind == 7}
    assert "no organisation is asked to act, and no other event" in by_id["r2"]
    assert by_id["r3"].endswith("no other event takes up its themes")


def test_partner_with_a_single_channel(fixture_report):
    assert ids(fixture_report, 8) == [("k", "e2")]


def test_findings_of_a_rule_come_in_a_fixed_order(fixture_report):
    # strongest first; the engine returns rows in no fixed order, so findings of equal weight are
    # sorted by their entities and the report reads the same every run
    from cdkg.ontology import natural_key

    for kind in (1, 2, 3, 4, 5, 7, 8):
        keys = [(-f.weight["total"], [natural_key(e.iri) for e in f.entities])
                for f in fixture_report.findings if f.kind == kind]
        assert keys == sorted(keys), kind


def test_every_fixture_finding_carries_evidence(fixture_report):
    assert all(f.evidence for f in fixture_report.findings)
    [bridge] = [f for f in fixture_report.findings if f.kind == 6 and "bridge" in measures(f)]
    assert [e.quote for e in fixture_report.evidence_of(bridge)] == ["Event E4 was attended by D1 and D2."]


#: The fixture's excerpts (tests/data/gaps/curated/fixture.yaml, in order): 1 S's objectives, 2 plan P,
#: 3 CB replaced PA (and PC located in PC), 4 E1 with H1 and M1 (and H2 in PC), 5 M1 and M2 on SC,
#: 6 E2 (A1, A2, A3, X; K and U), 7 E3 (B1, B2, B3, X; U), 8 E4 (D1, D2), 9 R1, 10 R2, 11 R3.
SUPPORTING = {
    (1, ("s",)): {1},             # the objective count and the named objectives
    (1, ("o1", "s")): {1, 2},     # S has O1; P works towards O1
    (1, ("o2", "s")): {1},        # S has O2, and nothing addresses it
    (2, ("pc",)): {3, 4},         # what "sources mentioning it" counts: PC located in PC, H2 in PC
    (3, ("h2",)): {4},            # where H2 lies (no inscription recorded)
    (4, ("m2", "sc")): {5},       # M2's membership of SC
    (5, ("m1", "m2", "sc")): {5},  # the one statement that gives both the shared mandate (not E1, where M1 is)
    (6, ("x",)): {6, 7},          # the broker's events, E2 and E3
    (6, ("b1", "b2", "b3")): {7},  # the constrained group's event
    (6, ("d1", "d2")): {8},       # the component's (and bridge's) event E4
    (6, ("m1",)): {4},            # M1's only event, E1
    (7, ("r2", "x")): {10},       # the statement itself
    (7, ("r3", "b1")): {11},
    (8, ("k", "e2")): {6},        # the single link: E2 with K
}


def test_each_finding_cites_exactly_the_evidence_its_rule_used(fixture_report):
    prefix = "https://w3id.org/cdkg/id/evidence/gap-fixture/"
    cited = {}
    for f in fixture_report.findings:
        assert all(g.startswith(prefix) for g in f.evidence), f.evidence
        cited[(f.kind, tuple(e.id for e in f.entities))] = {int(g[len(prefix):]) for g in f.evidence}
    assert cited == SUPPORTING
    # the report's evidence table holds each piece once, and only the pieces cited
    data = json.loads(render(fixture_report, "json"))
    assert [e["id"] for e in data["evidence"]] == [f"gap-fixture/{n}" for n in sorted(set().union(*SUPPORTING.values()))]
    assert len({e["quote"] for e in data["evidence"]}) == len(data["evidence"])
    [mandate] = [f for f in data["findings"] if f["kind"] == 5]
    assert mandate["evidence"] == ["gap-fixture/5"] and mandate["entities"] == ["m1", "m2", "sc"]
    assert {e["id"] for e in data["entities"]} >= {"m1", "m2", "sc"}


def test_reports_show_a_findings_own_evidence(fixture_report):
    md = render(fixture_report, "markdown")
    section = md[md.index("## 5. "):md.index("## 6. ")]
    assert "quoted: “Members M1 and M2 sit on Steering Committee SC\\.”" in section
    assert "Event E1" not in section  # where M1 was, which gives no mandate
    page = render(fixture_report, "html")
    section = page[page.index('<h2 id="kind-5">'):page.index('<h2 id="kind-6">')]
    assert "Members M1 and M2 sit on Steering Committee SC." in section and "Event E1" not in section


def test_broker_between_two_cliques_and_a_disconnected_actor():
    g = net.co_participation([(o, "e1") for o in "abc"] + [(o, "e2") for o in "def"] + [("x", "e1"), ("x", "e2"),
                                                                                        ("lonely", "e3")])
    analysis = net.analyse(g)
    found = {(f.measure, tuple(f.nodes)) for f in analysis.findings}
    # broker and articulation point: one finding about X, naming both measures
    assert ("broker", ("x",)) in found and ("articulation", ("x",)) not in found
    [x] = [f for f in analysis.findings if f.nodes == ["x"]]
    assert x.merged and "articulation point" in x.detail
    assert ("component", ("lonely",)) in found
    assert not [f for f in analysis.findings if f.measure == "bridge"]
    assert g.edges["a", "x"] == {"weight": 1, "events": ["e1"]}
    assert analysis.sampled is None


def test_betweenness_is_sampled_with_a_fixed_seed_above_the_threshold():
    g = nx.barbell_graph(30, 5)
    pairs = [(str(a), f"e{a}-{b}") for a, b in g.edges] + [(str(b), f"e{a}-{b}") for a, b in g.edges]
    graph = net.co_participation(pairs)
    first = net.analyse(graph, sample_above=20, seed=7)
    again = net.analyse(graph, sample_above=20, seed=7)
    assert first.sampled == 20 and first.seed == 7
    assert [(f.measure, f.nodes, f.value) for f in first.findings] == [(f.measure, f.nodes, f.value)
                                                                         for f in again.findings]


def test_dense_graphs_are_sampled_to_fit_the_budget():
    assert net.sample_size(80, 3_000) is None  # 240,000 steps: exact
    assert net.sample_size(1_001, 10) == 1_000  # too many organisations: the cap
    assert net.sample_size(900, 125_000) == net.MIN_SAMPLE  # dense: the budget, but not below the minimum
    assert net.sample_size(900, 20_000) == net.BETWEENNESS_BUDGET // 20_000


def test_the_bundled_articles_gaps(seed_built):
    report = queries.find_gaps(build=seed_built)
    # Only Thừa Thiên Huế (and Huế city, its successor) has an implementing plan in these sources.
    assert ids(report, 2) == [("dien_bien",), ("ha_noi",)]
    # Plan 173's measure to promote the province's world heritage is attention to the Complex of
    # Huế Monuments (in Thừa Thiên Huế); nothing addresses Xòe (only located in Viet Nam as a whole)
    assert ids(report, 3) == [("xoe_thai", "unesco")]
    [objectives] = [f for f in report.findings if f.kind == 1 and "objectives stated" in f.explanation]
    # each of the three named objectives is measured (a finding with its counts)
    assert len([f for f in report.findings if f.kind == 1 and (" — addressed by " in f.explanation
                or " — no plan, measure or event" in f.explanation)]) == 3
    assert "5 objectives stated, 3 named" in objectives.explanation
    assert any("5 mục tiêu cơ bản" in e.quote for e in report.evidence_of(objectives))
    # MoFA and Thừa Thiên Huế's People's Committee both carry the 2030 strategy but never meet.
    assert ("mofa", "ubnd_thua_thien_hue", "strategy_2030") in ids(report, 5)
    brokers = [f for f in report.findings if f.kind == 6 and " — broker" in f.explanation]
    assert brokers[0].entities[0].id == "mofa"  # the highest betweenness comes first
    # Bùi Thanh Sơn attends the online conference as Minister of Foreign Affairs, not for the Party
    # Central Committee he also sits on: the Committee brokers nothing between the ministry and the provinces
    assert [f.entities[0].id for f in brokers] == ["mofa"]
    # "each sector and each locality", "the forces of external work": placeholders, never paired
    placeholders = {"sectors_and_localities", "external_affairs_forces", "relevant_ministries_agencies"}
    assert not [f for f in report.findings if f.kind == 5 and "unspecific mandate" not in f.explanation
                and placeholders & {e.id for e in f.entities}]
    # ASEAN is linked only through Thừa Thiên Huế's plan (004); UNESCO through several channels.
    assert ("asean", "plan_173_kh_ubnd") in ids(report, 8)
    assert not any(e[0] == "unesco" for e in ids(report, 8))
    assert all(f.evidence for f in report.findings)
    assert all((e.quote if e.kind == "quoted" else e.paraphrase and e.locator) and e.source
               for f in report.findings for e in report.evidence_of(f))


def test_reports_escape_what_they_show():
    nasty = '<img src=x onerror=alert(1)>'
    report = GapReport("en", [k for k in kinds() if k.number == 3],
                       [Finding(3, "heritage-without-events", f"{nasty} — no event",
                                [Entity("https://w3id.org/cdkg/id/heritage/x", "x", nasty)],
                                [Evidence(f"quote {nasty}", "source | *bold*", "", "", "g")])])
    page = render(report, "html")
    assert nasty not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    md = render(report, "markdown")
    assert nasty not in md and "source \\| \\*bold\\*" in md
    data = json.loads(render(report, "json"))
    assert data["findings"][0]["entities"] == ["x"] and data["entities"][0]["label"] == nasty
    assert data["evidence"][0]["quote"] == f"quote {nasty}" and data["findings"][0]["evidence"] == ["g"]


def test_cli_formats_and_exit_codes(seed_built, tmp_path):
    def run_cdkg(*args):
        return subprocess.run([sys.executable, "-m", "cdkg.cli", "gaps", "--build", str(seed_built), *args],
                              capture_output=True, text=True, timeout=300)

    md = run_cdkg("--kind", "2")
    assert md.returncode == 0 and "| 2 | Provincial\\-level units with no plan for the 2030 Strategy | 2 |" in md.stdout
    assert run_cdkg("--kind", "localities-without-plan", "--fail-on-gaps").returncode == 1
    assert run_cdkg("--kind", "committee-members-inactive", "--fail-on-gaps").returncode == 0
    bad = run_cdkg("--kind", "99")
    assert bad.returncode == 2 and "unknown gap kind" in bad.stderr
    page = run_cdkg("--format", "html", "--output", str(tmp_path / "gaps.html"), "--lang", "vi")
    assert page.returncode == 0 and "findings" in page.stderr
    html_text = (tmp_path / "gaps.html").read_text(encoding="utf-8")
    assert html_text.startswith("<!DOCTYPE html>") and "Điện Biên" in html_text
    data = json.loads(run_cdkg("--format", "json").stdout)
    assert {k["number"] for k in data["kinds"]} == set(range(1, 9))


def test_sparse_constraint_equals_networkx():
    import random

    for seed in range(4):
        g = nx.gnm_random_graph(30, 120, seed=seed)
        for a, b in g.edges:
            g.edges[a, b]["weight"] = random.Random(seed * 1000 + a * 31 + b).randint(1, 5)
        g.add_node("isolated")
        ours = net.burt_constraint(g)
        reference = nx.constraint(g, nodes=[n for n in g if g.degree(n)], weight="weight")
        assert set(ours) == set(reference)
        assert max(abs(ours[n] - reference[n]) for n in reference) < 1e-9


#: Gap 5's pairs as its rule made them in SPARQL before the pairing moved to Python (issue 18): each
#: pair of organisations once, under the first mandate they share, two issuers not paired.
PAIRS_IN_SPARQL = """
PREFIX cd: <https://w3id.org/cdkg/ontology#>
PREFIX eli: <http://data.europa.eu/eli/ontology#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?focus ?related (MIN(?mandate) AS ?via) WHERE {
  { SELECT DISTINCT ?mandate ?focus ?issuerF WHERE {
      { ?focus org:memberOf ?mandate BIND(false AS ?issuerF) }
      UNION { ?mandate cd:leadAgency|cd:standingBody ?focus . ?mandate a cd:Strategy BIND(false AS ?issuerF) }
      UNION { ?d cd:implements ?mandate ; eli:passed_by ?focus . ?mandate a cd:Strategy BIND(true AS ?issuerF) }
      UNION { ?s cd:addressedTo ?focus ; cd:hasTheme ?mandate BIND(false AS ?issuerF) } } }
  { SELECT DISTINCT ?mandate ?related ?issuerR WHERE {
      { ?related org:memberOf ?mandate BIND(false AS ?issuerR) }
      UNION { ?mandate cd:leadAgency|cd:standingBody ?related . ?mandate a cd:Strategy BIND(false AS ?issuerR) }
      UNION { ?d cd:implements ?mandate ; eli:passed_by ?related . ?mandate a cd:Strategy BIND(true AS ?issuerR) }
      UNION { ?s cd:addressedTo ?related ; cd:hasTheme ?mandate BIND(false AS ?issuerR) } } }
  FILTER(STR(?focus) < STR(?related))
  FILTER(!(?issuerF && ?issuerR))
  { SELECT DISTINCT ?focus WHERE { ?c1 rdfs:subClassOf* org:Organization . ?focus a ?c1 } }
  { SELECT DISTINCT ?related WHERE { ?c2 rdfs:subClassOf* org:Organization . ?related a ?c2 } }
} GROUP BY ?focus ?related
"""


def test_gap5_pairs_are_those_the_sparql_rule_made(built):
    """Every pair of the bundled graph's gap-5 findings (a merged finding is its organisation paired
    with each of the others) is a pair the former SPARQL rule gives, under the same mandate, that
    never meets; and every such pair is in exactly one finding."""
    from cdkg.queries import backend_for

    backend = backend_for(built)
    report = queries.find_gaps(["5"], build=built)
    top_of = net.roll_up_map(backend)
    graph = net.co_participation(net.participation(backend, roll_up=True))
    groups = {row["g"].value for row in backend.query(
        "SELECT ?g WHERE { ?g a <https://w3id.org/cdkg/ontology#OrganisationGroup> }")}
    expected = set()
    for row in backend.query(PAIRS_IN_SPARQL):
        a, b, via = row["focus"].value, row["related"].value, row["via"].value
        if a in groups or b in groups:
            continue
        ta, tb = top_of.get(a, a), top_of.get(b, b)
        if ta != tb and not graph.has_edge(ta, tb):
            expected.add((a, b, via))
    found = []
    for f in report.findings:
        if "unspecific mandate" in f.explanation:
            continue
        hub, *others, via = [e.iri for e in f.entities]
        found += [(min(hub, o), max(hub, o), via) for o in others]
    assert expected and sorted(found) == sorted(expected)


def test_an_in_memory_copy_gives_the_same_report(tmp_path):
    """`cdkg gaps --in-memory` (the default on large builds) works on a copy of the build that
    holds every quad of the store, and finds the same, citing the same evidence."""
    from cdkg.queries import backend_for
    from cdkg.queries.gaps import in_memory

    out = tmp_path / "build"
    cdkg.build(FIXTURE, out)
    disk = backend_for(out)
    copy = in_memory(disk)
    assert copy is not disk and copy.store is not disk.store and len(copy.store) == len(disk.store)
    assert set(copy.store.named_graphs()) == set(disk.store.named_graphs())  # the ontology too
    on_disk, in_mem = queries.find_gaps(build=out, memory=False), queries.find_gaps(build=out, memory=True)
    assert [(f.id, f.explanation, f.evidence) for f in in_mem.findings] == \
        [(f.id, f.explanation, f.evidence) for f in on_disk.findings]
    # a kg.trig that is not the store's (a quad the store does not hold): keep to the store
    with open(out / "kg.trig", "a", encoding="utf-8") as fh:
        fh.write("\n<https://example.org/g> { <https://example.org/s> <https://example.org/p> \"not built\" . }\n")
    again = backend_for(out)
    assert in_memory(again) is again


def test_every_gap_kind_is_explained_in_vietnamese_too(built):
    """Each kind's title, explanation and what it proves or not, in Vietnamese (NFC), used by the
    Vietnamese report; the English report keeps the English texts."""
    import unicodedata

    fields = ("title", "explanation", "proves", "does_not_prove")
    for k in kinds():
        assert set(k.vi) == set(fields), (k.number, sorted(k.vi))
        for name in fields:
            text = k.text(name, "vi")
            assert text != getattr(k, name) and text == unicodedata.normalize("NFC", text), (k.number, name)
            assert any(ch in text for ch in "ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệịỉĩọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ"), (k.number, name)
        assert k.text("title", "en") == k.title
    vi = cdkg.gaps(build=built, lang="vi")
    md_vi, md_en = render(vi, "markdown"), render(cdkg.gaps(build=built, lang="en"), "markdown")
    for k in kinds():
        assert f"## {k.number}. " in md_vi
        assert k.vi["title"] in md_vi and k.vi["title"] not in md_en
    html = render(vi, "html")
    assert all(k.vi["explanation"].split(" (")[0].replace('"', "&quot;") in html for k in kinds())
