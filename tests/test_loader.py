"""Curator mistakes give one clear problem each, naming file, line and field, and nothing loads."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cdkg.errors import SourceError
from cdkg.loaders import load_corpus
from cdkg.loaders.dates import DateFormatError, parse_date
from tests.conftest import write_sources

ARTICLE = """Title: Bài thử
Publisher: Báo thử
Published: 28/4/2022
Language: vi
Kind: NewsReport
URL: https://example.org/bai-thu.html
Retrieved: 2026-12-02
---
Ngày 28/4/2022, Ủy ban nhân dân tỉnh Thừa Thiên Huế ban hành Kế hoạch số 173/KH-UBND.
"""

GOOD = """source: test-source
article: test.txt
entities:
  - {id: plan, kind: Plan, vi: "Kế hoạch số 173/KH-UBND", en: "Plan 173"}
  - {id: pc, kind: PeoplesCommittee, vi: "UBND tỉnh Thừa Thiên Huế", en: "TTH People's Committee"}
evidence:
  - quote: "Ngày 28/4/2022, Ủy ban nhân dân tỉnh Thừa Thiên Huế ban hành Kế hoạch số 173/KH-UBND."
    facts:
      - [plan, eli:date_document, "28/4/2022"]
      - [plan, eli:passed_by, pc]
"""


def make(tmp_path: Path, curated: str, article: str = ARTICLE, name: str = "test.yaml") -> Path:
    return write_sources(tmp_path, article, {name: curated})


def problems(root: Path) -> list:
    with pytest.raises(SourceError) as info:
        load_corpus(root)
    return info.value.problems


def test_a_good_source_loads(tmp_path):
    corpus = load_corpus(make(tmp_path, GOOD))
    assert corpus.sources[0].facts == 2


@pytest.mark.parametrize(
    ("change", "line", "field", "words"),
    [
        (("Thừa Thiên Huế ban hành Kế hoạch số 173/KH-UBND.\"", "Thừa Thiên Huế đã ban hành Kế hoạch.\""),
         7, "evidence.0.quote", "excerpt not found in test.txt"),
        (("[plan, eli:passed_by, pc]", "[plan, eli:passed_by, pc_typo]"), 10, "evidence.0.facts.1", "unknown entity 'pc_typo'"),
        (("[plan, eli:passed_by, pc]", "[plan, passedBy, pc]"), 10, "evidence.0.facts.1", "unknown property 'passedBy'"),
        (('"28/4/2022"]', '"31/02/2021"]'), 9, "evidence.0.facts.0", "impossible date '31/02/2021'"),
        (("kind: Plan,", "kind: Plann,"), 4, "entities.0.kind", "unknown class 'Plann'"),
        (('en: "Plan 173"', 'en: "<img src=x onerror=alert(1)>"'), 4, "entities.0.en", "plain text"),
        (("{id: pc,", "{id: PC-1,"), 5, "entities.1.id", "pattern"),
        (('en: "Plan 173"}', 'en: "Plan 173", lable: "x"}'), 4, "entities.0.lable", "unknown field"),
        (("article: test.txt", "article: missing.txt"), 2, "article", "missing article"),
        (("    facts:", "    teaser: true\n    facts:"), 8, "evidence.0.teaser", "unknown field"),
    ],
    ids=["quote-not-in-article", "unknown-entity", "unknown-property", "impossible-date", "unknown-class",
         "html-label", "bad-id", "unknown-field", "missing-article", "teaser-flag"],
)
def test_each_mistake_names_file_line_and_field(tmp_path, change, line, field, words):
    old, new = change
    assert old in GOOD
    found = problems(make(tmp_path, GOOD.replace(old, new, 1)))
    assert len(found) == 1, [str(p) for p in found]
    p = found[0]
    assert (p.file, p.line, p.field) == ("curated/test.yaml", line, field)
    assert words in str(p)


def test_an_article_with_a_related_section_is_refused(tmp_path):
    # teasers of other articles are not evidence (issue 13): the curator is told to delete them
    teasers = ARTICLE + "\n[related]\n\nNgày 8/4 tại Hà Nội, một tin liên quan.\n"
    [p] = problems(make(tmp_path, GOOD, teasers))
    assert (p.file, p.line, p.field) == ("articles/test.txt", 11, "body")
    assert "[related]" in p.message and "delete" in p.hint and "not evidence" in p.hint


def test_the_missing_quote_is_shown(tmp_path):
    bad = GOOD.replace("Kế hoạch số 173/KH-UBND.\"", "Kế hoạch số 999/KH-UBND.\"")
    [p] = problems(make(tmp_path, bad))
    assert "999/KH-UBND" in p.message and p.hint


def test_duplicate_id_in_a_file(tmp_path):
    bad = GOOD.replace("  - {id: pc,", "  - {id: plan, kind: Plan, vi: \"x\", en: \"y\"}\n  - {id: pc,")
    found = problems(make(tmp_path, bad))
    assert any(p.field == "entities.1.id" and "duplicate id 'plan'" in p.message and p.line == 5 for p in found)


def test_conflicting_declarations_across_files(tmp_path):
    make(tmp_path, GOOD)
    other = GOOD.replace("source: test-source", "source: other").replace('en: "Plan 173"', 'en: "Another plan"')
    (tmp_path / "curated" / "z.yaml").write_text(other, encoding="utf-8")
    found = problems(tmp_path)
    assert any(p.file == "curated/z.yaml" and "also declared in curated/test.yaml:4" in p.message for p in found)


def test_not_nfc_text(tmp_path):
    decomposed = "Ke\u0302\u0301 hoạch"  # "Kế" with combining marks
    bad = GOOD.replace('vi: "Kế hoạch số 173/KH-UBND"', f'vi: "{decomposed}"')
    [p] = problems(make(tmp_path, bad))
    assert p.field == "entities.0.vi" and "NFC" in p.message


def test_malformed_yaml(tmp_path):
    [p] = problems(make(tmp_path, GOOD.replace("  - [plan, eli:passed_by, pc]", "  - [plan, eli:passed_by, pc")))
    assert p.line is not None and "malformed YAML" in p.message


def test_an_impossible_unquoted_date_names_its_line(tmp_path):
    # unquoted, YAML itself reads 2022-02-30 as a date (and fails); the loader must say where
    [p] = problems(make(tmp_path, GOOD.replace('"28/4/2022"]', "2022-02-30]")))
    assert (p.file, p.line) == ("curated/test.yaml", 9) and "2022-02-30" in p.message and "quotes" in p.hint


def test_empty_and_binary_files(tmp_path):
    [p] = problems(make(tmp_path, ""))
    assert "empty" in p.message
    (tmp_path / "curated" / "test.yaml").write_bytes(b"\x00\x01binary")
    [p] = problems(tmp_path)
    assert "binary" in p.message


def test_a_language_tag_that_is_not_one(tmp_path):
    [p] = problems(make(tmp_path, GOOD, ARTICLE.replace("Language: vi", "Language: vi vn")))
    assert (p.file, p.line, p.field) == ("test.txt", 4, "language") and "not a language tag" in p.message


def test_an_unpaired_surrogate_escape_is_refused(tmp_path):
    [p] = problems(make(tmp_path, GOOD.replace('en: "Plan 173"', r'en: "Plan \ud800"')))
    # libyaml refuses the escape itself; the schema refuses it when another YAML parser let it through
    assert p.line == 4 and ("invalid Unicode character" in p.message or "surrogate" in p.message)


def test_quotes_backslashes_and_line_breaks_survive_exactly(tmp_path):
    # YAML escapes in the file; the label must reach the graph as exactly these characters
    src = GOOD.replace('en: "Plan 173"', r'en: "a \"quoted\" \\ back\\slash\ttab\nnew line \x01 and ✓ đ"')
    corpus = load_corpus(make(tmp_path, src))
    [label] = [q.object for q in corpus.quads if getattr(q.object, "language", None) == "en" and q.subject.value.endswith("/plan")]
    assert label.value == 'a "quoted" \\ back\\slash\ttab\nnew line \x01 and ✓ đ'


def test_every_problem_of_a_corpus_is_reported_at_once(tmp_path):
    bad = GOOD.replace("pc]", "nobody]").replace('"28/4/2022"]', '"32/4/2022"]')
    assert len(problems(make(tmp_path, bad))) == 2


def test_values_take_the_type_the_ontology_gives(tmp_path):
    src = GOOD.replace("      - [plan, eli:passed_by, pc]", "      - [plan, eli:passed_by, pc]\n      - [plan, periodEnd, 2030]")
    corpus = load_corpus(make(tmp_path, src))
    values = {q.predicate.value.rsplit("#", 1)[-1]: q.object for q in corpus.quads if "evidence" in q.graph_name.value}
    assert values["periodEnd"].datatype.value.endswith("#gYear")
    assert values["date_document"].value == "2022-04-28"
    assert values["passed_by"].value == "https://w3id.org/cdkg/id/organisation/pc"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("28/4/2022", ("2022-04-28", "date")), ("26/5", ("--05-26", "gMonthDay")), ("08/7", ("--07-08", "gMonthDay")),
     ("11/2021", ("2021-11", "gYearMonth")), ("2010", ("2010", "gYear")), (2010, ("2010", "gYear")),
     ("29/2", ("--02-29", "gMonthDay"))],
)
def test_dates_keep_their_precision(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["31/02/2021", "29/2/2023", "0/5", "13/2021", "2021-04-28", "next week", ""])
def test_impossible_or_unknown_dates_are_refused(text):
    with pytest.raises(DateFormatError):
        parse_date(text)


@given(st.dates(min_value=dt.date(1000, 1, 1), max_value=dt.date(9999, 12, 31)))
def test_any_real_day_month_year_round_trips(day):
    assert parse_date(f"{day.day}/{day.month}/{day.year}") == (day.isoformat(), "date")


def _outcome(root, workers):
    try:
        corpus = load_corpus(root, workers=workers)
    except SourceError as exc:
        return [str(p) for p in exc.problems]
    return corpus.nquads, corpus.ntriples, [vars(s) for s in corpus.sources], corpus.locations, corpus.entities.keys()


def test_workers_load_exactly_what_one_process_loads(sources_copy):
    # large corpora are parsed and compiled in worker processes; the result must not depend on it
    assert _outcome(sources_copy, 1) == _outcome(sources_copy, 3)
    curated = sorted((sources_copy / "curated").glob("*.yaml"))
    first = curated[0].read_text(encoding="utf-8")
    curated[0].write_text(first.replace("evidence:", "evidence:\n  - quote: not in the article\n    facts: []", 1),
                          encoding="utf-8")
    last = curated[-1].read_text(encoding="utf-8")
    curated[-1].write_text(last.replace("source: ", "source: Bad Id ", 1), encoding="utf-8")
    problems = _outcome(sources_copy, 1)
    assert isinstance(problems, list) and len(problems) >= 2
    assert _outcome(sources_copy, 3) == problems


def test_a_build_can_take_the_quads_without_a_copy_left_behind(tmp_path):
    corpus = load_corpus(make(tmp_path, GOOD))
    data, triples = corpus.release_text()
    assert data.count(b"\n") == 2 + sum(1 for line in data.splitlines() if b"/provenance>" in line or b"/entities/" in line)
    # the N-Triples hold each quad's triple, in the same order
    assert [q.triple for q in ox.parse(data, format=ox.RdfFormat.N_QUADS)] == \
        [q.triple for q in ox.parse(triples, format=ox.RdfFormat.N_TRIPLES)]
    with pytest.raises(RuntimeError, match="released"):
        corpus.nquads
    with pytest.raises(RuntimeError, match="released"):
        corpus.ntriples


def test_the_triples_follow_a_changed_list_of_quads(tmp_path):
    corpus = load_corpus(make(tmp_path, GOOD))
    kept = corpus.quads[:3] + corpus.quads[:1]  # the first triple twice, as if two graphs stated it
    corpus.quads = kept
    assert [q.triple for q in ox.parse(corpus.ntriples, format=ox.RdfFormat.N_TRIPLES)] == [q.triple for q in kept]


# values YAML 1.1 (PyYAML) and 1.2 read alike; those they read differently (yes, 0x1F, 5.0,
# 2022-04-28 unquoted, !!int…) are refused: tests/test_hardening_yaml.py.  Keys are field names,
# always read as the text written (`on:` is "on", `5:` is "5").
YAML_CASES = [
    "a: 5\nb: '5'\nc: \"5\"\nd: '5.0'\ne: -3\nf: 'yes'\ng: null\nh: ~\ni: False\nj: '2022-04-28'\n",
    "k: 'on'\nl: TRUE\nm: '0x1F'\nn: +7\no: NULL\np: 0\nq: 26/5\nr: 2010\ns: |\n  block\n  text\nt: >\n  folded\n  text\n",
    "5: five\n'6': six\ntrue: t\nlist: [1, '1', a, 'b', 'no', '2022-01-01']\n",
    "tagged: !!str 5\nbare: ! 5\nquote: \"Hà Nội!\"\n",
    "facts:\n  - [agency_0, organisedBy, agency_1]\n  - [ev_1, date, \"26/5\"]\n  - [ev_1, date, 26/5/2022]\n",
]


def pyyaml_keys_as_text(text: str):
    """PyYAML's safe reading of ``text``, with every mapping key kept as the text written."""
    import yaml

    class KeysAsText(yaml.SafeLoader):
        def construct_mapping(self, node, deep=False):
            return {k.value: self.construct_object(v, deep=True) for k, v in node.value}

    KeysAsText.add_constructor("tag:yaml.org,2002:map", lambda loader, node: loader.construct_mapping(node))
    return yaml.load(text, Loader=KeysAsText)


@pytest.mark.parametrize("text", YAML_CASES)
def test_the_fast_yaml_path_reads_what_pyyaml_reads(text):
    from cdkg.loaders.yamlfile import load_yaml_text

    assert load_yaml_text(text)[0] == pyyaml_keys_as_text(text)


def test_every_bundled_and_test_source_reads_as_pyyaml_reads_it():
    import yaml

    from cdkg.loaders.curated import default_sources
    from cdkg.loaders.yamlfile import load_yaml_text

    files = sorted(default_sources().rglob("*.yaml")) + sorted(Path(__file__).parent.joinpath("data").rglob("*.yaml"))
    assert len(files) > 5
    for f in files:
        try:
            text = f.read_text(encoding="utf-8")
            expected = pyyaml_keys_as_text(text)
        except (UnicodeDecodeError, yaml.YAMLError):
            continue  # broken on purpose
        if expected is None:
            continue  # empty on purpose
        assert load_yaml_text(text)[0] == expected, f


@given(st.text())
def test_a_literal_is_written_as_json_would_quote_it(text):
    import json

    from cdkg.loaders.curated import _lit

    assert _lit(text) == json.dumps(text, ensure_ascii=False)
