"""The national picture on the full bundled build (issue 14): the register of implementing
documents, the provincial-level units before and after the 2025 reorganisation, the further
sources, the search log, and gap 2's per-unit status.

The facts in the tables below were written from the reference pages (source-leads.md §A,
localities-2025.md §1-2, decision-2013.md), not from the output; each is checked by SPARQL on
the build of every bundled source (the ``built`` and ``store`` fixtures).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cdkg import queries
from cdkg.errors import SourceError
from cdkg.loaders import load_corpus
from tests.conftest import PREFIXES, ask

D = "https://w3id.org/cdkg/id/document/"
P = "https://w3id.org/cdkg/id/place/"

# --- The register: (document id, number, date, instrument it implements) -----------------------
# source-leads.md §A.1-A.4; the instrument as the leads classify each document.
REGISTER = [
    ("letter_404_bng_ngvh_unesco", "404/BNG-NGVH-UNESCO", "2022-02-10", "strategy_2030"),
    ("plan_275_kh_ubnd_tuyen_quang", "275/KH-UBND", "2023-12-31", "strategy_2030"),
    ("plan_188_kh_ubnd_quang_ninh", "188/KH-UBND", "2022-08-04", "strategy_2030"),
    ("plan_173_kh_ubnd", "173/KH-UBND", "2022-04-28", "strategy_2030"),
    ("plan_60_kh_ubnd_can_tho", "60/KH-UBND", "2022-03-16", "strategy_2030"),
    ("decision_407_qd_ubnd_quang_ngai", "407/QĐ-UBND", "2022-04-01", "strategy_2030"),
    ("plan_220_kh_ubnd_bac_ninh", "220/KH-UBND", "2022-04-05", "strategy_2030"),
    ("plan_832_kh_ubnd_an_giang", "832/KH-UBND", "2021-12-31", "strategy_2030"),
    ("plan_859_kh_ubnd_gia_lai", "859/KH-UBND", "2022-05-04", "strategy_2030"),
    ("plan_131_kh_ubnd_tien_giang", "131/KH-UBND", "2022-04-20", "strategy_2030"),
    ("decision_1194_qd_ubnd_khanh_hoa", "1194/QĐ-UBND", "2011-05-11", "strategy_2020"),
    ("decision_2809_qd_ubnd_da_nang", "2809/QĐ-UBND", "2014-05-06", "strategy_2020"),
    ("decision_2477_qd_ubnd_son_la", "2477/QĐ-UBND", "2014-09-18", "strategy_2020"),
    ("decision_1515_qd_ubnd_dak_lak", "1515/QĐ-UBND", "2014-07-10", "strategy_2020"),
    ("plan_4045_kh_ubnd_dak_lak", "4045/KH-UBND", "2019-05-21", "strategy_2020"),
    ("plan_1270_kh_ubnd_dak_lak", "1270/KH-UBND", "2020-02-19", "strategy_2020"),
    ("plan_171_kh_ubnd_ha_tinh", "171/KH-UBND", "2015-04-27", "strategy_2020"),
    ("plan_19_kh_ubnd_ha_noi", "19/KH-UBND", "2022-01-14", "directive_25_ct_ttg"),
    ("plan_96_kh_ubnd_thua_thien_hue", "96/KH-UBND", "2015-09-04", "strategy_cultural_foreign_relations"),
    ("plan_2269_kh_ubnd_dien_bien", "2269/KH-UBND", "2016-08-03", "strategy_cultural_foreign_relations"),
    ("plan_3384_kh_ubnd_lai_chau", "3384/KH-UBND", "2021-10-20", "strategy_cultural_foreign_relations"),
    ("plan_8052_kh_ubnd_lam_dong", "8052/KH-UBND", "2021-11-10", "strategy_cultural_foreign_relations"),
    ("plan_60_kh_ubnd_ninh_binh", "60/KH-UBND", "2021-04-28", "strategy_cultural_foreign_relations"),
    ("plan_98_kh_ubnd_ninh_binh", "98/KH-UBND", "2023-06-05", "directive_25_ct_ttg"),
    ("plan_452_kh_ubnd_ha_tinh", "452/KH-UBND", "2021-11-30", "strategy_cultural_foreign_relations"),
    ("plan_720_kh_ubnd_an_giang", "720/KH-UBND", "2021-11-24", "directive_25_ct_ttg"),
    ("plan_213_kh_ubnd_ba_ria_vung_tau", "213/KH-UBND", "2021-12-31", "strategy_cultural_foreign_relations"),
    ("plan_141_kh_ubnd_hai_phong", "141/KH-UBND", "2023-05-04", "directive_25_ct_ttg"),
    ("decision_1631_qd_ubnd_hai_phong", "1631/QĐ-UBND", "2025-05-29", "directive_25_ct_ttg"),
]

#: The central instruments (decision-2013.md; source-leads.md §A.1): number, date, what it approves.
INSTRUMENTS = [
    ("decision_2013_qd_ttg", "2013/QĐ-TTg", "2021-11-30", "strategy_2030"),
    ("decision_208_qd_ttg", "208/QĐ-TTg", "2011-02-14", "strategy_2020"),
    ("decision_210_qd_ttg", "210/QĐ-TTg", "2015-02-08", "strategy_cultural_foreign_relations"),
]

# --- Localities: localities-2025.md §2.2 (the 23 new units and what they merged), §2.3 (kept) ---
MERGERS = {
    "tuyen_quang_2025": {"ha_giang", "tuyen_quang"},
    "lao_cai_2025": {"yen_bai", "lao_cai"},
    "thai_nguyen_2025": {"bac_kan", "thai_nguyen"},
    "phu_tho_2025": {"vinh_phuc", "hoa_binh", "phu_tho"},
    "bac_ninh_2025": {"bac_giang", "bac_ninh"},
    "hung_yen_2025": {"thai_binh", "hung_yen"},
    "hai_phong_2025": {"hai_duong", "hai_phong"},
    "ninh_binh_2025": {"ha_nam", "nam_dinh", "ninh_binh"},
    "quang_tri_2025": {"quang_binh", "quang_tri"},
    "da_nang_2025": {"quang_nam", "da_nang"},
    "quang_ngai_2025": {"kon_tum", "quang_ngai"},
    "gia_lai_2025": {"binh_dinh", "gia_lai"},
    "khanh_hoa_2025": {"ninh_thuan", "khanh_hoa"},
    "lam_dong_2025": {"dak_nong", "binh_thuan", "lam_dong"},
    "dak_lak_2025": {"phu_yen", "dak_lak"},
    "tp_ho_chi_minh_2025": {"ba_ria_vung_tau", "binh_duong", "tp_ho_chi_minh"},
    "dong_nai_2025": {"binh_phuoc", "dong_nai"},
    "tay_ninh_2025": {"long_an", "tay_ninh"},
    "can_tho_2025": {"soc_trang", "hau_giang", "can_tho"},
    "vinh_long_2025": {"ben_tre", "tra_vinh", "vinh_long"},
    "dong_thap_2025": {"tien_giang", "dong_thap"},
    "ca_mau_2025": {"bac_lieu", "ca_mau"},
    "an_giang_2025": {"kien_giang", "an_giang"},
}
KEPT = {"ha_noi", "hue_city", "lai_chau", "dien_bien", "son_la", "lang_son", "quang_ninh", "thanh_hoa", "nghe_an",
        "ha_tinh", "cao_bang"}
CITIES_TODAY = {"ha_noi", "hue_city", "hai_phong_2025", "da_nang_2025", "tp_ho_chi_minh_2025", "can_tho_2025"}
BEFORE_2025 = {old for olds in MERGERS.values() for old in olds} | (KEPT - {"hue_city"}) | {"thua_thien_hue"}


def select(store, query: str) -> list[tuple]:
    return [tuple(None if t is None else t.value for t in row)
            for row in store.query(PREFIXES + query, use_default_graph_as_union=True)]


# --- The register ---------------------------------------------------------------------------------


@pytest.mark.parametrize("doc,number,date,instrument", REGISTER, ids=[r[0] for r in REGISTER])
def test_register_document(store, doc, number, date, instrument):
    assert ask(store, f"""ASK {{ document:{doc} eli:id_local "{number}" ; eli:date_document "{date}"^^xsd:date ;
                                 cd:implements document:{instrument} }}""")


def test_at_least_25_implementing_documents_with_number_and_date(store):
    [(n,)] = select(store, """SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE {
        ?d cd:implements ?s ; eli:id_local ?number ; eli:date_document ?date ; a ?k . ?k rdfs:subClassOf* cd:Document .
        VALUES ?s { document:strategy_2030 document:strategy_2020 document:strategy_cultural_foreign_relations
                    document:directive_25_ct_ttg } }""")
    assert int(n) >= 25


@pytest.mark.parametrize("doc,number,date,approves", INSTRUMENTS, ids=[r[0] for r in INSTRUMENTS])
def test_central_instrument(store, doc, number, date, approves):
    assert ask(store, f"""ASK {{ document:{doc} eli:id_local "{number}" ; eli:date_document "{date}"^^xsd:date ;
                                 cd:approves document:{approves} }}""")


def test_the_two_lines_are_never_mixed(store):
    # Directive 25/CT-TTg (10/9/2021) pushes the Cultural Strategy for Foreign Relations, not the 2030 Strategy
    assert ask(store, 'ASK { document:directive_25_ct_ttg eli:id_local "25/CT-TTg" ; '
                      'eli:date_document "2021-09-10"^^xsd:date ; '
                      'cd:implements document:strategy_cultural_foreign_relations }')
    assert not ask(store, """ASK {
        VALUES ?other { document:directive_25_ct_ttg document:strategy_cultural_foreign_relations
                        document:decision_210_qd_ttg }
        { ?other cd:implements document:strategy_2030 } UNION { ?other cd:implements document:strategy_2020 } }""")
    # Hà Nội's 19/KH-UBND implements the other line only
    assert not ask(store, "ASK { document:plan_19_kh_ubnd_ha_noi cd:implements document:strategy_2030 }")


def test_signers_where_the_leads_name_them(store):
    # decision-2013.md: 2013/QĐ-TTg signed by Standing Deputy PM Phạm Bình Minh; 208/QĐ-TTg by Phạm Gia Khiêm;
    # source-leads.md §A.2: Bắc Ninh's 220/KH-UBND signed by Vương Quốc Tuấn
    for doc, person in (("decision_2013_qd_ttg", "pham_binh_minh"), ("decision_208_qd_ttg", "pham_gia_khiem"),
                        ("plan_220_kh_ubnd_bac_ninh", "vuong_quoc_tuan")):
        assert ask(store, f"ASK {{ document:{doc} cd:signedBy person:{person} }}"), doc


# --- Localities --------------------------------------------------------------------------------------


def test_63_units_before_2025_and_huế_city(store):
    rows = select(store, """SELECT DISTINCT ?u WHERE { VALUES ?k { cd:Province cd:CentrallyRunCity } ?u a ?k }""")
    units = {u.rsplit("/", 1)[1] for (u,) in rows}
    assert len(BEFORE_2025) == 63 and BEFORE_2025 <= units
    # Resolution 175/2024/QH15: Thừa Thiên Huế became Huế, a centrally-run city, from 1/1/2025
    assert ask(store, """ASK { ?c a cd:AdministrativeChange ; cd:predecessor place:thua_thien_hue ;
                               cd:successor place:hue_city ; cd:effectiveDate "2025-01-01"^^xsd:date ;
                               cd:legalBasis/eli:id_local "175/2024/QH15" .
                               place:hue_city a cd:CentrallyRunCity }""")


@pytest.mark.parametrize("new", sorted(MERGERS))
def test_each_new_unit_succeeds_what_it_merged(store, new):
    rows = select(store, f"""SELECT DISTINCT ?old WHERE {{ ?c a cd:AdministrativeChange ; cd:successor place:{new} ;
        cd:predecessor ?old ; cd:effectiveDate "2025-06-12"^^xsd:date ; cd:legalBasis/eli:id_local "202/2025/QH15" .
        place:{new} dcterms:replaces ?old }}""")
    assert {old.rsplit("/", 1)[1] for (old,) in rows} == MERGERS[new]
    # each locality's People's Committee is its own organisation
    assert ask(store, f"ASK {{ organisation:ubnd_{new} a cd:PeoplesCommittee ; cd:locatedIn place:{new} }}")


def test_todays_34_units_as_of_a_date(built, store):
    def units(as_of=None):
        result = queries.run("cq17", {"as_of": as_of} if as_of else {}, build=built)
        return {row["locality"].rsplit("/", 1)[1] for row in result.values()}

    today = units()
    assert today == set(MERGERS) | KEPT and len(today) == 34
    assert units("31/12/2024") == BEFORE_2025
    assert units("1/1/2025") == BEFORE_2025 - {"thua_thien_hue"} | {"hue_city"}
    assert units("2025-06-12") == today
    cities = {u.rsplit("/", 1)[1] for (u,) in select(store, "SELECT DISTINCT ?u WHERE { ?u a cd:CentrallyRunCity }")}
    assert cities & today == CITIES_TODAY


def test_a_merged_provinces_plan_counts_for_its_successor_with_the_chain(built):
    # Bắc Ninh's 220/KH-UBND of 5/4/2022 (source-leads §A.2) counts for the Bắc Ninh formed on 12/6/2025
    rows = queries.run("cq17", {"strategy": "strategy_2030"}, build=built).values()
    [row] = [r for r in rows if r["locality"] == P + "bac_ninh_2025"]
    assert (row["plan"], row["number"], row["date"], row["carried_from"], row["effective"]) == (
        D + "plan_220_kh_ubnd_bac_ninh", "220/KH-UBND", "2022-04-05", P + "bac_ninh", "2025-06-12")
    assert row["change"].endswith("/change_2025_bac_ninh")
    # on 11/6/2025 Bắc Ninh province still held it itself
    earlier = queries.run("cq17", {"strategy": "strategy_2030", "as_of": "11/6/2025"}, build=built).values()
    assert [(r["plan"], r["carried_from"]) for r in earlier if r["locality"] == P + "bac_ninh"] == [
        (D + "plan_220_kh_ubnd_bac_ninh", None)]


# --- Further sources, evidence ---------------------------------------------------------------------


def test_at_least_30_further_sources_with_url_and_date_or_unknown(store):
    rows = select(store, """SELECT DISTINCT ?s WHERE { ?s foaf:page ?url ; cd:sourceFile ?f .
        FILTER(STRSTARTS(?f, "curated/5"))
        FILTER(EXISTS { ?s dcterms:issued ?d } || EXISTS { ?s cd:unknownField "published" }) }""")
    assert len(rows) >= 30


def test_every_cited_fact_has_a_url_and_a_locator(store):
    assert ask(store, "ASK { ?g a cd:CitedEvidence }")
    assert not ask(store, """ASK { ?g a cd:CitedEvidence .
        FILTER NOT EXISTS { ?g cd:locator ?l ; prov:wasDerivedFrom ?s . ?s foaf:page ?url } }""")


# --- The search log ------------------------------------------------------------------------------------


def test_the_search_log_is_in_its_own_graph(store):
    [(n, searched)] = select(store, """SELECT (COUNT(DISTINCT ?s) AS ?n) (COUNT(DISTINCT ?q) AS ?searched) WHERE {
        GRAPH <https://w3id.org/cdkg/id/searches> { ?s a cd:CoverageSearch ; cd:searchedLocality ?l ; cd:searchedOn ?on
        OPTIONAL { ?s cd:searchQuery ?query BIND(?s AS ?q) } } }""")
    assert int(n) == 63 and 0 < int(searched) < 63  # some units were not searched by name
    # Bắc Ninh was searched and the search found 220/KH-UBND; Bạc Liêu was not searched by name
    assert ask(store, """ASK { ?s cd:searchedLocality place:bac_ninh ; cd:searchQuery ?q ;
                               cd:foundDocument document:plan_220_kh_ubnd_bac_ninh ;
                               cd:searchedOn "2026-12-02"^^xsd:date }""")
    assert ask(store, "ASK { ?s cd:searchedLocality place:bac_lieu . FILTER NOT EXISTS { ?s cd:searchQuery ?q } }")


def write_log(sources: Path, text: str) -> None:
    (sources / "searches" / "register-searches.yaml").write_text(text, encoding="utf-8")


def problems(sources: Path) -> list[str]:
    with pytest.raises(SourceError) as exc:
        load_corpus(sources)
    return [f"{p.file}:{p.line}:{p.field}:{p.message}" for p in exc.value.problems]


def test_search_log_problems_name_file_line_and_field(sources_copy):
    write_log(sources_copy, 'searches:\n  - locality: atlantis\n    searched_on: "31/2/2026"\n'
                            '    queries: ["x"]\n    found: [ha_noi]\n')
    got = problems(sources_copy)
    assert got[0].startswith("searches/register-searches.yaml:2:searches.0.locality:'atlantis' is not a locality")
    assert got[1].startswith("searches/register-searches.yaml:3:searches.0.searched_on:impossible date")
    assert got[2].startswith("searches/register-searches.yaml:5:searches.0.found.0:'ha_noi' is not a document")
    write_log(sources_copy, 'searches:\n  - locality: ha_noi\n    searched_on: "2026-12-02"\n    where: web\n')
    assert problems(sources_copy) == ["searches/register-searches.yaml:4:searches.0.where:"
                                      "unknown field (locality, searched_on, queries, corpus, found, note)"]


def test_a_search_log_linking_out_of_its_folder_is_refused(sources_copy, tmp_path):
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text('searches: []\n', encoding="utf-8")
    log = sources_copy / "searches" / "register-searches.yaml"
    log.unlink()
    os.symlink(outside, log)
    [got] = problems(sources_copy)
    assert "outside the folder" in got


# --- Gap 2 on the full build -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def coverage(built):
    report = queries.find_gaps(["2"], build=built)
    return report, {c.unit.id: c for c in report.coverage}


def test_gap2_covers_todays_34_units(coverage):
    report, by_unit = coverage
    assert set(by_unit) == set(MERGERS) | KEPT
    # units with a 2030 plan are in the table, not among the findings
    assert {f.entities[0].id for f in report.findings} == {u for u, c in by_unit.items() if c.status != "2030-plan"}


def test_gap2_ha_noi_has_only_the_other_line(coverage):
    _, by_unit = coverage
    ha_noi = by_unit["ha_noi"]
    # 19/KH-UBND of 14/1/2022 implements Directive 25 / the Cultural Strategy for Foreign Relations: not a 2030 plan
    assert ha_noi.status == "other-line-only" and not ha_noi.plans
    assert "Directive 25/CT-TTg: 19/KH-UBND of 14/1/2022" in ha_noi.other_line


def test_gap2_hue_city_carries_thua_thien_hues_plan(coverage):
    _, by_unit = coverage
    hue = by_unit["hue_city"]
    assert hue.status == "2030-plan"
    assert "173/KH-UBND of 28/4/2022 (via Thừa Thiên Huế province → this unit, 175/2024/QH15, in effect 1/1/2025)" \
        in hue.plans
    assert "96/KH-UBND of 4/9/2015" in hue.other_line  # the 210 line, shown apart


def test_gap2_merged_units_with_the_chain(coverage):
    _, by_unit = coverage
    assert by_unit["bac_ninh_2025"].status == "2030-plan"
    assert "220/KH-UBND of 5/4/2022 (via Bắc Ninh province → this unit, 202/2025/QH15, in effect 12/6/2025)" \
        in by_unit["bac_ninh_2025"].plans
    # Tiền Giang's 131/KH-UBND of 20/4/2022 counts for the new Đồng Tháp
    assert "131/KH-UBND of 20/4/2022 (via Tiền Giang province" in by_unit["dong_thap_2025"].plans


@pytest.mark.parametrize("unit,status", [
    # source-leads §A.3/§A.4 and "searched with no plan found": only other-line or 2020 documents
    ("dien_bien", "other-line-only"), ("son_la", "other-line-only"), ("lai_chau", "other-line-only"),
    ("khanh_hoa_2025", "other-line-only"), ("ha_tinh", "other-line-only"),
    # the leads searched Thanh Hóa, Hưng Yên and Thái Bình and found nothing
    ("thanh_hoa", "none"), ("hung_yen_2025", "none"),
    # a 2030 plan of its own or of a predecessor (§A.2)
    ("quang_ninh", "2030-plan"), ("gia_lai_2025", "2030-plan"), ("an_giang_2025", "2030-plan"),
    ("quang_ngai_2025", "2030-plan"), ("tuyen_quang_2025", "2030-plan"),
])
def test_gap2_status(coverage, unit, status):
    _, by_unit = coverage
    assert by_unit[unit].status == status


def test_gap2_searched_or_not(coverage):
    _, by_unit = coverage
    # Thanh Hóa: searched by name, nothing found (the search log); Hưng Yên and Thái Bình likewise
    assert by_unit["thanh_hoa"].searched_text == "yes, nothing found"
    assert by_unit["hung_yen_2025"].searched_text == "yes, nothing found"
    # Cà Mau and Bạc Liêu were not searched by name: their absence says nothing
    assert by_unit["ca_mau_2025"].searched_text == "no"
    assert all(c.sources >= 1 for c in by_unit.values())


def test_gap_report_opens_with_the_coverage_table(built):
    from cdkg.queries.gaps import render

    report = queries.find_gaps(["2"], build=built)
    md = render(report, "markdown")
    assert md.index("| unit | 2030 plan | other line | sources mentioning it | searched |") < md.index("| kind | gap |")
    assert "| Hà Nội (`ha_noi`) | — | Directive 25/CT\\-TTg\\: 19/KH\\-UBND of 14/1/2022" in md
    page = render(report, "html")
    assert page.index("<th>sources mentioning it</th>") < page.index("<th>kind</th>")
    import json

    data = json.loads(render(report, "json"))
    assert len(data["coverage"]) == 34
    assert {"unit", "status", "plans", "other_line", "sources"} <= set(data["coverage"][0])
