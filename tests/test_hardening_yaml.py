"""Hostile curated YAML gets a clear error, fast (issue 19, items 4, 5, 7, 8 and 9).

Anchors and aliases (an alias bomb, a self-referencing alias, merge keys), nesting a thousand or
a hundred thousand levels deep, numbers that are not ASCII digits or are thousands of digits long,
plain values YAML 1.1 and 1.2 read differently, and a file full of misspelled references: each
is refused with its file, line and a hint — never a traceback, a crash, or a value stored other
than as written — and the "did you mean" work stays bounded.
"""

from __future__ import annotations

import difflib
import subprocess
import sys
from pathlib import Path

import pytest

import cdkg.loaders.curated as curated
from cdkg.errors import SourceError
from cdkg.loaders import load_corpus
from cdkg.loaders.yamlfile import MAX_DEPTH, MAX_DIGITS, YamlProblem, load_yaml_text
from tests.conftest import write_sources

ARTICLE = """Title: Bài thử
Publisher: Báo thử
Published: 28/4/2022
Language: vi
Kind: NewsReport
URL: https://example.org/bai-thu.html
Retrieved: 2026-12-02
---
Thứ trưởng Ngoại giao Hà Kim Ngọc chủ trì cuộc họp tại Hà Nội.
"""

HEAD = """source: test-source
article: test.txt
entities:
  - {id: meeting, kind: Meeting, vi: "Cuộc họp", en: "Meeting"}
  - {id: ha_kim_ngoc, kind: Person, vi: "Hà Kim Ngọc", en: "Ha Kim Ngoc"}
"""
QUOTE = '  - quote: "Thứ trưởng Ngoại giao Hà Kim Ngọc chủ trì cuộc họp tại Hà Nội."\n'


def fact_file(value: str) -> str:
    """A good file whose one fact (line 9) gives the meeting ``participantCount: value``."""
    return HEAD + "evidence:\n" + QUOTE + f"    facts:\n      - [meeting, participantCount, {value}]\n"


def write(root: Path, text: str | bytes, name: str = "test.yaml") -> Path:
    return write_sources(root, ARTICLE, {name: text})


def problems(root: Path, **kwargs) -> list:
    with pytest.raises(SourceError) as info:
        load_corpus(root, **kwargs)
    return info.value.problems


def run_cdkg(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cdkg.cli", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120, env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"})


def test_a_good_file_and_its_plain_values_still_load(tmp_path):
    corpus = load_corpus(write(tmp_path, fact_file("24")))
    assert b'"24"^^<http://www.w3.org/2001/XMLSchema#integer>' in corpus.nquads
    data, _ = load_yaml_text("a: 24\nb: true\nc: false\nd: null\ne: ~\nf: -3\ng: 'NO'\nh: \"010\"\ni: R&D *x\n"
                             "j: \"*x &y\"\nk: text\nl: 0\nm: !!str 5\n")
    assert data == {"a": 24, "b": True, "c": False, "d": None, "e": None, "f": -3, "g": "NO", "h": "010",
                    "i": "R&D *x", "j": "*x &y", "k": "text", "l": 0, "m": "5"}


# --- 4. anchors and aliases -------------------------------------------------------------------

BOMB = "".join(f"{k}: &{k} [{', '.join([prev] * 9)}]\n" for k, prev in
               zip("abcdefghi", ['"lol"'] + [f"*{c}" for c in "abcdefgh"]))


def test_an_alias_bomb_is_refused_at_its_line_before_it_grows(tmp_path):
    text = HEAD + BOMB + "evidence: []\n"
    assert len(BOMB) < 600  # a few hundred bytes that PyYAML would expand to 9**9 strings
    root = write(tmp_path / "sources", text, "bomb.yaml")
    # a real run of the CLI, with memory capped so that a regression fails instead of eating the machine
    limit = "import resource; resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30)); "
    result = subprocess.run([sys.executable, "-c", limit + "import sys; from cdkg.cli import main; sys.exit(main())",
                             "validate", "--sources", str(root)], capture_output=True, text=True, cwd=tmp_path,
                            timeout=120, env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"})
    assert result.returncode == 1, result.stderr
    assert "curated/bomb.yaml:6:" in result.stderr and "YAML anchor '&a'" in result.stderr, result.stderr
    assert "aliases" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(("text", "line", "words"), [
    ("a: &a [*a]\n", 6, "YAML anchor '&a'"),                        # self-reference: RecursionError before
    ("a: 1\nb: *a\n", 7, "YAML alias '*a'"),                         # an alias to nothing
    ("base: &base {x: 1}\nother:\n  <<: *base\n", 6, "YAML anchor '&base'"),  # a merge key
    ("a:\n  - x\n  - &n y\n", 8, "YAML anchor '&n'"),               # an anchor alone
    ('a: ["q", &z {k: *z}]\n', 6, "YAML anchor '&z'"),
])
def test_anchors_and_aliases_are_refused_with_their_line(tmp_path, text, line, words):
    [p] = problems(write(tmp_path, HEAD + text + "evidence: []\n"))
    assert (p.file, p.line) == ("curated/test.yaml", line) and words in p.message
    assert "write the value out in full" in p.hint


def test_ampersands_and_stars_in_text_are_not_anchors(tmp_path):
    text = fact_file("24").replace('en: "Meeting"', 'en: "R&D *Meeting* & co"', 1)
    text = text.replace("    facts:", '    note: "see *this* &that"\n    facts:')
    corpus = load_corpus(write(tmp_path, text))
    assert "R&D *Meeting* & co" in corpus.nquads.decode()


# --- 5. nesting ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("nested", "line"), [
    ("[" * 1000 + "]" * 1000, 6),
    ("\n" + "".join("  " * i + f"  k{i}:\n" for i in range(1000)) + "  " * 1001 + "v", 6 + MAX_DEPTH),
    ("\n" + "".join("  " * i + "  -\n" for i in range(1000)) + "  " * 1001 + "x", 6 + MAX_DEPTH),
], ids=["flow", "block-mappings", "block-sequences"])
def test_deep_nesting_is_refused_with_its_line(tmp_path, nested, line):
    [p] = problems(write(tmp_path, HEAD + "deep: " + nested + "\nevidence: []\n"))
    assert (p.file, p.line) == ("curated/test.yaml", line), p
    assert f"nesting deeper than {MAX_DEPTH} levels" in p.message


def test_a_hundred_thousand_levels_do_not_crash_the_composer(tmp_path):
    # libyaml's composer recurses in C: ~30,000 levels were a segmentation fault (exit -11)
    root = write(tmp_path / "sources", HEAD + "deep: " + "[" * 100_000 + "\n", "deep.yaml")
    result = run_cdkg("validate", "--sources", str(root), cwd=tmp_path)
    assert result.returncode == 1, (result.returncode, result.stderr[-500:])
    assert "curated/deep.yaml:6:" in result.stderr and "nesting deeper than" in result.stderr
    assert "Traceback" not in result.stderr


# --- 7. integers --------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ['"²"', '"٣"', '"１２"', '"' + "9" * 5000 + '"', '"' + "1" * (MAX_DIGITS + 1) + '"',
                                   '"-"', '" 24"', '"+1"'], ids=["superscript", "arabic-indic", "fullwidth",
                                                                 "5000-digits", "19-digits", "minus", "space", "plus"])
def test_a_count_that_is_not_ascii_digits_is_refused(tmp_path, value):
    found = problems(write(tmp_path, fact_file(value)))
    assert [(p.line, p.field) for p in found][-1] == (9, "evidence.0.facts.0")
    p = found[-1]
    assert "not a whole number" in p.message or "should have at least 1 character" in p.message
    assert len(str(p)) < 300


@pytest.mark.parametrize(("value", "stored"), [("24", "24"), ('"24"', "24"), ('"0024"', "24"), ("0", "0")])
def test_whole_numbers_are_stored(tmp_path, value, stored):
    corpus = load_corpus(write(tmp_path, fact_file(value)))
    assert f'"{stored}"^^<http://www.w3.org/2001/XMLSchema#integer>'.encode() in corpus.nquads


# --- 8. plain values YAML 1.1 and 1.2 read differently ------------------------------------------

@pytest.mark.parametrize(("value", "yaml11"), [
    ("010", "the number 8"), ("00024", "the number 20"), ("08", "text"), ("12:30", "the number 750"),
    ("1_000", "the number 1000"), ("0x1F", "the number 31"), ("0o17", "text"), ("0b101", "the number 5"),
    ("NO", "the boolean false"), ("yes", "the boolean true"), ("on", "the boolean true"),
    ("Off", "the boolean false"), ("1.5", "the number 1.5"), ("1e3", "text"), (".inf", "the number inf"),
    (".NaN", "the number nan"), ("2022-04-28", "the date 2022-04-28"), ("2022-02-30", "a date that does not exist"),
    ("9" * 19, None),
])
def test_an_ambiguous_plain_value_is_refused_with_the_hint_to_quote_it(tmp_path, value, yaml11):
    [p] = problems(write(tmp_path, fact_file(value)))
    assert (p.file, p.line) == ("curated/test.yaml", 9)
    assert value[:30] in p.message and "quotes" in p.hint
    if yaml11:
        assert f"YAML 1.1 reads it as {yaml11}" in p.message


def test_a_quoted_value_is_text_as_written(tmp_path):
    data, _ = load_yaml_text("a: '010'\nb: \"12:30\"\nc: 'NO'\nd: \"2022-04-28\"\ne: |\n  0x1F\n")
    assert data == {"a": "010", "b": "12:30", "c": "NO", "d": "2022-04-28", "e": "0x1F\n"}


@pytest.mark.parametrize("text", ["a: <<\n", "a: !!int '7'\n", "a: !!binary aGk=\n",
                                  "a: !!set {x}\n", "a: !!float 1\n", "a: !!timestamp 2022-01-01\n"])
def test_merge_keys_and_tags_are_refused(text):
    with pytest.raises(YamlProblem) as info:
        load_yaml_text(text)
    assert info.value.line == 1


def test_keys_are_field_names_read_as_written():
    assert load_yaml_text("on: 1\n5: x\nnull: y\n")[0] == {"on": 1, "5": "x", "null": "y"}
    assert load_yaml_text("<<: {a: 1}\n")[0] == {"<<": {"a": 1}}  # a key like any other, never a merge


# --- 9. "did you mean" stays bounded ------------------------------------------------------------

def misspelled(n_refs: int, n_entities: int) -> str:
    ents = "".join(f'  - {{id: person_{i:05d}, kind: Person, vi: "Người {i}", en: "Person {i}"}}\n'
                   for i in range(n_entities))
    facts = "".join(f"      - [meeting, chair, persom_{i % n_entities:05d}_{i // n_entities}]\n" for i in range(n_refs))
    return HEAD + ents + "evidence:\n" + QUOTE + "    facts:\n" + facts


def test_twenty_thousand_misspelled_references_are_all_listed_in_bounded_work(tmp_path, monkeypatch):
    compared = []
    close_matches = difflib.get_close_matches

    def counting(word, possibilities, n=3, cutoff=0.6):
        compared.append(len(possibilities))
        if sum(compared) > 50_000:  # the old code compared each misspelling with all 3,000 ids
            raise AssertionError(f"{len(compared)} lookups compared {sum(compared)} names: unbounded")
        return close_matches(word, possibilities, n, cutoff)

    monkeypatch.setattr(curated.difflib, "get_close_matches", counting)
    text = misspelled(20_000, 3_000)
    assert len(text) > 900_000
    found = problems(write(tmp_path, text), workers=1)
    unknown = [p for p in found if p.message.startswith("unknown entity 'persom_")]
    assert len(unknown) == 20_000 and [p.line for p in unknown] == list(range(3006 + 3, 3006 + 3 + 20_000))
    assert unknown[0].hint.startswith("did you mean person_00000")
    hinted = [p for p in unknown if p.hint.startswith("did you mean")]
    assert len(hinted) == curated.SUGGESTIONS_PER_FILE
    assert all(p.hint.startswith("declare it under") for p in unknown[curated.SUGGESTIONS_PER_FILE:])
    assert len(compared) <= curated.SUGGESTIONS_PER_FILE and max(compared) <= curated._SHORTLIST


def test_suggestions_are_the_same_in_one_process_and_in_workers(tmp_path):
    root = write(tmp_path, misspelled(300, 600), "a.yaml")
    write(root, misspelled(300, 600).replace("test-source", "test-source-b"), "b.yaml")
    alone = [str(p) for p in problems(root, workers=1)]
    in_workers = [str(p) for p in problems(root, workers=2)]
    assert alone == in_workers
    assert sum("did you mean" in p for p in alone) == 2 * curated.SUGGESTIONS_PER_FILE


def test_a_misspelled_property_or_class_still_gets_a_suggestion(tmp_path):
    text = fact_file("24").replace("participantCount", "participantCont").replace("kind: Person", "kind: Persn")
    found = problems(write(tmp_path, text))
    assert any(p.message == "unknown class 'Persn'" and "Person" in p.hint for p in found)
    assert any(p.message == "unknown property 'participantCont'" and "participantCount" in p.hint for p in found)
