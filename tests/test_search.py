"""`cdkg search` / cdkg.search: accent- and case-insensitive search over labels, ids and evidence,
ranked, with kind and id; `cdkg why` points to it when nothing matches."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

import cdkg
from cdkg.cli import app
from cdkg.kg.provenance import fold

runner = CliRunner()


def ids(hits: list[cdkg.Hit]) -> list[str]:
    return [h.id for h in hits]


def test_hue_finds_the_city_the_province_the_monuments_and_the_committee(built: Path) -> None:
    top = ids(cdkg.search("hue", built, limit=10, evidence=False))
    for wanted in ("hue_city", "thua_thien_hue", "complex_of_hue_monuments", "ubnd_thua_thien_hue"):
        assert wanted in top, (wanted, top)


def test_accents_and_case_do_not_matter(built: Path) -> None:
    for query in ("ha kim ngoc", "Hà Kim Ngọc", "HA KIM NGỌC", "  ha   kim ngoc "):
        hits = cdkg.search(query, built, limit=3)
        assert hits[0].id == "ha_kim_ngoc" and hits[0].kind == "person", (query, ids(hits))


def test_every_word_of_the_query_occurs_in_what_matched(built: Path) -> None:
    words = fold("kế hoạch 173").split()
    hits = cdkg.search("kế hoạch 173", built, limit=None)
    assert hits
    for h in hits:
        assert all(w in fold(h.matched if h.field != "id" else h.matched.replace("_", " ")) for w in words), h


def test_whole_label_ranks_above_part_of_a_label(built: Path) -> None:
    hits = cdkg.search("Bộ Ngoại giao", built, limit=None, evidence=False)
    assert hits[0].id == "mofa", ids(hits)[:5]
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_ids_match_too(built: Path) -> None:
    hits = cdkg.search("plan_173_kh_ubnd", built, limit=5)
    assert hits[0].id == "plan_173_kh_ubnd"


def test_evidence_text_is_searched_and_can_be_left_out(built: Path) -> None:
    hits = cdkg.search("Hoàng thành Thăng Long", built, limit=None)
    evidence = [h for h in hits if h.kind == "evidence"]
    assert evidence and all("Hoàng thành Thăng Long" in h.matched for h in evidence)
    assert len({h.iri for h in evidence}) == len(evidence), "each excerpt once"
    assert not [h for h in cdkg.search("Hoàng thành Thăng Long", built, limit=None, evidence=False)
                if h.kind == "evidence"]


def test_cli_table_json_and_nothing_found(built: Path) -> None:
    result = runner.invoke(app, ["search", "hue", "--build", str(built), "--limit", "5"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "hue_city" in result.output and "centrally-run city" in result.output
    result = runner.invoke(app, ["search", "ha kim ngoc", "--build", str(built), "--json"])
    data = json.loads(result.stdout)
    assert data[0]["id"] == "ha_kim_ngoc" and data[0]["kind"] == "person"
    result = runner.invoke(app, ["search", "zzqxw nothing like this", "--build", str(built)])
    assert result.exit_code == 1 and "nothing matches" in result.output


def test_why_points_to_search_when_nothing_matches(built: Path) -> None:
    result = runner.invoke(app, ["why", "zzqxw_not_there", "--build", str(built)])
    assert result.exit_code == 2
    assert "cdkg search" in result.output


def test_why_with_an_ambiguous_label_lists_the_candidates(built: Path) -> None:
    result = runner.invoke(app, ["why", "Ha Kim Ngoc,", "--build", str(built)], env={"COLUMNS": "200"})
    assert result.exit_code == 2
    assert "pos_ha_kim_ngoc_deputy_minister" in result.output and "pos_ha_kim_ngoc_head_scd" in result.output


def test_why_shows_a_post_as_the_person_holding_it_with_its_date(seed_built: Path) -> None:
    result = cdkg.why("ha_kim_ngoc", seed_built)
    posts = {(st.subject_label, st.predicate_label, st.object_label) for st in result.statements
             if st.predicate.endswith("org#member")}
    assert ("Hà Kim Ngọc", "holds the post", "Deputy Minister of Foreign Affairs (attested 26/5)") in posts, posts
    assert all(s == "Hà Kim Ngọc" and p == "holds the post" for s, p, _ in posts)
    vi = {st.object_label for st in cdkg.why("ha_kim_ngoc", seed_built, lang="vi").statements
          if st.predicate.endswith("org#member")}
    assert "Thứ trưởng Ngoại giao (ghi nhận 26/5)" in vi, vi
    text = runner.invoke(app, ["why", "ha_kim_ngoc", "--build", str(seed_built)], env={"COLUMNS": "200"}).output
    assert "Hà Kim Ngọc — holds the post — Deputy Minister of Foreign Affairs (attested 26/5)" in text
