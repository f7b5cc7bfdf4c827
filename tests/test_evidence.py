"""Two kinds of evidence, never confused: a verbatim quote of a bundled article, or a statement
in the curator's words citing a source we do not bundle (with its locator and who checked it
when) — and every source a full bibliographic record (issue 13, sections 2 and 3)."""

from __future__ import annotations

from pathlib import Path

import pytest

import cdkg
from cdkg.errors import SourceError
from cdkg.kg.store import open_store
from cdkg.loaders import load_corpus
from tests.conftest import ask, write_sources

ARTICLE = """Title: Kế hoạch thử
Publisher: Báo thử
Author: unknown
URL: https://example.org/bai-thu-123.html
Published: 29/4/2022
Language: vi
Kind: NewsReport
Retrieved: 2026-12-01
---
Ngày 28/4/2022, Ủy ban nhân dân tỉnh Thừa Thiên Huế ban hành Kế hoạch số 173/KH-UBND.
"""

ARTICLE_FILE = """source: test-article
article: test.txt
cited_sources:
  - id: test-resolution-page
    kind: NewsReport
    title: "Trang nghị quyết"
    publisher: unknown
    author: unknown
    url: "https://example.org/nghi-quyet-175.html"
    published: "12/2024"
    language: vi
    retrieved: "2026-12-02"
entities:
  - {id: plan_x, kind: Plan, vi: "Kế hoạch số 173/KH-UBND", en: "Plan 173"}
  - {id: pc_x, kind: PeoplesCommittee, vi: "UBND tỉnh thử", en: "Test People's Committee"}
  - {id: city_x, kind: CentrallyRunCity, vi: "Thành phố thử", en: "Test city"}
evidence:
  - quote: "Ngày 28/4/2022, Ủy ban nhân dân tỉnh Thừa Thiên Huế ban hành Kế hoạch số 173/KH-UBND."
    facts:
      - [plan_x, eli:date_document, "28/4/2022"]
      - [plan_x, eli:passed_by, pc_x]
  - cited: "The plans of the province's People's Committee are carried on by the new city."
    cites: test-resolution-page
    locator: "para. 4"
    checked: {by: "test curator", "on": "2026-12-02"}
    facts:
      - [plan_x, coversLocality, city_x]
"""

RECORD_FILE = """source: test-record
record:
  kind: LegalDocumentText
  title: "Kế hoạch 188/KH-UBND"
  publisher: "thuvienphapluat.vn"
  author: unknown
  url: "https://example.org/ke-hoach-188.aspx"
  published: "4/8/2022"
  language: vi
  retrieved: "2026-12-02"
entities:
  - {id: plan_y, kind: Plan, vi: "Kế hoạch số 188/KH-UBND", en: "Plan 188"}
evidence:
  - cited: "The People's Committee issued Plan 188/KH-UBND on 4 August 2022."
    locator: "document header (number, date)"
    checked: {by: "test curator", "on": "2026-12-02"}
    facts:
      - [plan_y, eli:date_document, "4/8/2022"]
      - [plan_y, eli:passed_by, pc_x]
"""


def sources(tmp_path: Path, article_file: str = ARTICLE_FILE, record_file: str = RECORD_FILE,
            article: str = ARTICLE) -> Path:
    return write_sources(tmp_path / "sources", article, {"a.yaml": article_file, "r.yaml": record_file})


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("evidence") / "build"
    cdkg.build(sources(tmp_path_factory.mktemp("src")), out)
    return out


@pytest.fixture(scope="module")
def store(built: Path):
    return open_store(built)


G = "GRAPH <https://w3id.org/cdkg/id/provenance>"


def test_a_quote_is_quoted_evidence_of_its_article(store):
    assert ask(store, f"""ASK {{ {G} {{
        <https://w3id.org/cdkg/id/evidence/test-article/1> a cd:QuotedEvidence , cd:Evidence ;
            prov:value ?q ; prov:wasQuotedFrom source:test-article ; cd:charStart 0 .
        FILTER(LANG(?q) = "vi") }} }}""")


def test_a_cited_statement_is_cited_evidence_with_locator_and_check(store):
    assert ask(store, f"""ASK {{ {G} {{
        <https://w3id.org/cdkg/id/evidence/test-article/2> a cd:CitedEvidence , cd:Evidence ;
            cd:paraphrase ?words ; prov:wasDerivedFrom source:test-resolution-page ;
            cd:locator "para. 4" ; cd:checkedBy "test curator" ; cd:checkedOn "2026-12-02"^^xsd:date .
        FILTER(LANG(?words) = "en")
        FILTER NOT EXISTS {{ <https://w3id.org/cdkg/id/evidence/test-article/2> prov:value ?any }}
        FILTER NOT EXISTS {{ <https://w3id.org/cdkg/id/evidence/test-article/2> a cd:QuotedEvidence }} }} }}""")


def test_cited_evidence_of_a_record_file_rests_on_its_own_source(store):
    assert ask(store, f"""ASK {{ {G} {{
        <https://w3id.org/cdkg/id/evidence/test-record/1> a cd:CitedEvidence ;
            prov:wasDerivedFrom source:test-record ; cd:locator "document header (number, date)" . }} }}""")


def test_every_source_has_its_record_and_says_what_is_unknown(store):
    assert ask(store, f"""ASK {{ {G} {{
        source:test-article a cd:NewsReport ; foaf:page "https://example.org/bai-thu-123.html" ;
            dcterms:publisher "Báo thử" ; dcterms:issued "2022-04-29"^^xsd:date ;
            cd:retrievedOn "2026-12-01"^^xsd:date ; cd:unknownField "author" .
        source:test-resolution-page foaf:page "https://example.org/nghi-quyet-175.html" ;
            dcterms:issued "2024-12"^^xsd:gYearMonth ; cd:retrievedOn "2026-12-02"^^xsd:date ;
            cd:unknownField "publisher" , "author" ; dcterms:language "vi" .
        source:test-record a cd:LegalDocumentText ; foaf:page "https://example.org/ke-hoach-188.aspx" ;
            dcterms:publisher "thuvienphapluat.vn" ; dcterms:issued "2022-08-04"^^xsd:date ;
            cd:retrievedOn "2026-12-02"^^xsd:date ; cd:unknownField "author" . }} }}""")
    assert not ask(store, f"ASK {{ {G} {{ source:test-record dcterms:creator ?x }} }}")


def test_the_kinds_are_disjoint_and_both_are_evidence(store):
    assert ask(store, """ASK { GRAPH <https://w3id.org/cdkg/ontology> {
        cd:QuotedEvidence rdfs:subClassOf cd:Evidence . cd:CitedEvidence rdfs:subClassOf cd:Evidence ;
            owl:disjointWith cd:QuotedEvidence } }""".replace("ASK", "PREFIX owl: <http://www.w3.org/2002/07/owl#> ASK"))


def test_the_validators_agree_on_cited_evidence(tmp_path):
    from cdkg.kg.validation import validate

    root = sources(tmp_path)
    for engine in ("sparql", "pyshacl"):
        report = validate(root, engine=engine)
        assert report.ok, [str(f) for f in report.violations]


# --- Each mistake is one problem naming file, line and field ------------------------------------

def problems(root: Path) -> list:
    with pytest.raises(SourceError) as info:
        load_corpus(root)
    return info.value.problems


BAD = [
    # (file, old, new, line, field, words)
    ("a.yaml", '  - cited: "The plans', '  - quote: "Ngày 28/4/2022"\n    cited: "The plans',
     23, "evidence.1.cited", "both 'quote:' and 'cited:'"),
    ("a.yaml", '    locator: "para. 4"\n', "", 22, "evidence.1.locator", "needs a locator"),
    ("a.yaml", '    checked: {by: "test curator", "on": "2026-12-02"}\n    facts:\n      - [plan_x, coversLocality',
     "    facts:\n      - [plan_x, coversLocality", 22, "evidence.1.checked", "checked: {by, on}"),
    ("a.yaml", "    cites: test-resolution-page\n", "", 22, "evidence.1.cites", "names the source it rests on"),
    ("a.yaml", "    cites: test-resolution-page\n", "    cites: [test-resolution-page, test-record]\n",
     23, "evidence.1.cites", "exactly one source"),
    ("a.yaml", "    cites: test-resolution-page\n", "    cites: no-such-page\n", 23, "evidence.1.cites",
     "unknown cited source"),
    ("a.yaml", '"on": "2026-12-02"}', '"on": "sometime"}', 25, "evidence.1.checked", "not a date"),
    ("a.yaml", '    published: "12/2024"\n', '    published: "26/5"\n', 10, "cited_sources.0.published", "its year"),
    ("r.yaml", '  url: "https://example.org/ke-hoach-188.aspx"\n', "", 2, "record.url", "no url"),
    ("r.yaml", '  url: "https://example.org/ke-hoach-188.aspx"\n', '  url: "example.org/ke-hoach-188"\n',
     7, "record.url", "not a full web address"),
    ("r.yaml", '  published: "4/8/2022"\n', '  published: "last summer"\n', 8, "record.published", "not a date"),
    ("r.yaml", '  published: "4/8/2022"\n', "", 2, "record.published", "no published"),
    ("r.yaml", '  publisher: "thuvienphapluat.vn"\n', "", 2, "record.publisher", "no publisher"),
    ("r.yaml", '  retrieved: "2026-12-02"\n', "", 2, "record.retrieved", "no retrieved"),
    ("r.yaml", "  - cited: \"The People's", "  - quote: \"The People's", 14, "evidence.0.quote",
     "no bundled text to quote"),
    ("r.yaml", "record:\n", "article: test.txt\nrecord:\n", 3, "record", "both 'article:' and 'record:'"),
    ("a.yaml", "    facts:\n      - [plan_x, eli:date_document", "    cites: test-resolution-page\n    facts:\n"
     "      - [plan_x, eli:date_document", 19, "evidence.0.cites", "belongs to cited evidence"),
]
IDS = ["quote-and-cited", "cited-without-locator", "cited-without-check", "cited-without-source",
       "cited-two-sources", "cited-unknown-source", "checked-on-not-a-date", "published-without-year",
       "record-without-url", "record-url-not-a-url", "record-published-not-a-date", "record-without-published",
       "record-without-publisher", "record-without-retrieved", "quote-in-a-record-file", "article-and-record",
       "quote-with-cites"]


@pytest.mark.parametrize(("file", "old", "new", "line", "field", "words"), BAD, ids=IDS)
def test_each_evidence_mistake_names_file_line_and_field(tmp_path, file, old, new, line, field, words):
    texts = {"a.yaml": ARTICLE_FILE, "r.yaml": RECORD_FILE}
    assert old in texts[file]
    texts[file] = texts[file].replace(old, new, 1)
    found = problems(sources(tmp_path, texts["a.yaml"], texts["r.yaml"]))
    assert len(found) == 1, [str(p) for p in found]
    p = found[0]
    assert (p.file, p.line, p.field) == (f"curated/{file}", line, field), str(p)
    assert words in str(p) and p.hint


@pytest.mark.parametrize(("old", "new", "line", "field", "words"), [
    ("URL: https://example.org/bai-thu-123.html\n", "", 1, "url", "add a line 'URL: …'"),
    ("Retrieved: 2026-12-01\n", "", 1, "retrieved", "add a line 'Retrieved: …'"),
    ("Publisher: Báo thử\n", "", 1, "publisher", "or the word unknown"),
    ("Published: 29/4/2022\n", "Published:\n", 5, "published", "or the word unknown"),
    ("URL: https://example.org/bai-thu-123.html", "URL: example.org/bai-thu-123", 4, "url", "https://"),
    ("Published: 29/4/2022", "Published: 26/5", 5, "published", "needs its year"),
])
def test_an_article_header_is_a_full_record(tmp_path, old, new, line, field, words):
    assert old in ARTICLE
    [p] = problems(sources(tmp_path, article=ARTICLE.replace(old, new, 1)))
    assert (p.file, p.line, p.field) == ("test.txt", line, field), str(p)
    assert words in p.hint or words in p.message


def test_a_cited_source_is_a_full_record(tmp_path):
    [p] = problems(sources(tmp_path, ARTICLE_FILE.replace('    retrieved: "2026-12-02"\n', "", 1)))
    assert (p.file, p.line, p.field) == ("curated/a.yaml", 4, "cited_sources.0.retrieved"), str(p)


def test_a_bundled_reference_compilation_needs_no_url(tmp_path):
    article = ARTICLE.replace("Kind: NewsReport", "Kind: ReferenceCompilation").replace(
        "URL: https://example.org/bai-thu-123.html\n", "")
    corpus = load_corpus(sources(tmp_path, article=article))
    assert corpus.sources[0].source == "test-article"


def test_neither_article_nor_record(tmp_path):
    [p] = problems(sources(tmp_path, record_file=RECORD_FILE.replace("record:\n", "recorded_in:\n", 1)))
    assert p.file == "curated/r.yaml" and p.field in ("recorded_in", "article")


def test_an_article_header_says_unknown_explicitly(tmp_path):
    root = sources(tmp_path, article=ARTICLE.replace("Published: 29/4/2022", "Published: unknown"))
    corpus = load_corpus(root)
    unknown = {q.object.value for q in corpus.quads
               if q.subject.value.endswith("/source/test-article") and q.predicate.value.endswith("#unknownField")}
    assert unknown == {"author", "published"}


def test_a_header_retrieval_date_must_be_a_date(tmp_path):
    [p] = problems(sources(tmp_path, article=ARTICLE.replace("Retrieved: 2026-12-01", "Retrieved: yesterday")))
    assert (p.file, p.line, p.field) == ("test.txt", 8, "retrieved")


# --- Every place that shows evidence says which kind it is ---------------------------------------

def test_why_gives_the_kind_of_each_statement(built):
    result = cdkg.why("plan_x", built)
    kinds = {(st.predicate.rsplit("#", 1)[-1], st.kind) for st in result.statements}
    assert kinds == {("date_document", "quoted"), ("passed_by", "quoted"), ("coversLocality", "cited")}
    [cited] = [st for st in result.statements if st.kind == "cited"]
    assert cited.quote == "" and cited.paraphrase.startswith("The plans of the province's")
    assert (cited.url, cited.locator, cited.checked_by, cited.checked_on) == (
        "https://example.org/nghi-quyet-175.html", "para. 4", "test curator", "2/12/2026")
    assert cited.source.endswith("/source/test-resolution-page")
    quoted = [st for st in result.statements if st.kind == "quoted"]
    assert all(st.quote.startswith("Ngày 28/4/2022") and not st.paraphrase and not st.locator for st in quoted)


def test_cdkg_why_prints_the_kind(built):
    import os
    import subprocess
    import sys

    run = subprocess.run([sys.executable, "-m", "cdkg.cli", "why", "plan_x", "--build", str(built)],
                         capture_output=True, text=True, timeout=120, env={**os.environ, "COLUMNS": "300"})
    assert run.returncode == 0, run.stderr
    text = run.stdout
    assert "quoted: “Ngày 28/4/2022" in text
    assert "cited (our words): The plans of the province's" in text
    assert "https://example.org/nghi-quyet-175.html · at para. 4 · checked by test curator on 2/12/2026" in text


def test_the_gap_report_says_which_kind(built):
    from cdkg.kg.sparql import LocalBackend
    from cdkg.queries.gaps import Finding, GapReport, _evidence_records, kinds, render

    items = list(_evidence_records(LocalBackend(built), [f"https://w3id.org/cdkg/id/evidence/test-article/{n}"
                                                         for n in (1, 2)]).values())
    assert {e.kind for e in items} == {"quoted", "cited"}
    [cited] = [e for e in items if e.kind == "cited"]
    assert (cited.quote, cited.locator, cited.url) == ("", "para. 4", "https://example.org/nghi-quyet-175.html")
    assert cited.paraphrase.startswith("The plans of the province's")
    report = GapReport("en", kinds()[:1], [Finding(kinds()[0].number, "x", "a finding", [], items)])
    markdown = render(report, "markdown").replace("\\", "")  # without Markdown's escapes
    assert "- quoted: “Ngày 28/4/2022" in markdown and "- cited (our words): The plans" in markdown
    assert "at para. 4" in markdown
    page = render(report, "html")
    assert '<blockquote class="cited"><b>cited</b> (our words): The plans' in page
    assert '<blockquote class="quoted"><b>quoted</b>: “Ngày 28/4/2022' in page
    assert {e["kind"] for e in __import__("json").loads(render(report, "json"))["evidence"]} == {"quoted", "cited"}


def test_the_viz_panel_data_says_which_kind(built):
    from cdkg.kg.sparql import LocalBackend
    from cdkg.viz.graphdata import load

    data = load(LocalBackend(built))
    cited = data.excerpts["https://w3id.org/cdkg/id/evidence/test-article/2"]
    assert (cited["kind"], cited["locator"], cited["url"]) == ("cited", "para. 4", "https://example.org/nghi-quyet-175.html")
    assert data.excerpts["https://w3id.org/cdkg/id/evidence/test-article/1"]["kind"] == "quoted"


def test_the_trig_export_carries_the_kind(built):
    import pyoxigraph as ox

    data = cdkg.export("trig", build=built)
    quads = list(ox.parse(data, format=ox.RdfFormat.TRIG))
    kinds = {(q.subject.value.rsplit("/", 2)[-2:][0] + "/" + q.subject.value.rsplit("/", 1)[-1], q.object.value)
             for q in quads if q.predicate.value.endswith("#type") and q.graph_name.value.endswith("/provenance")
             and "/evidence/" in q.subject.value}
    assert ("test-article/1", "https://w3id.org/cdkg/ontology#QuotedEvidence") in kinds
    assert ("test-article/2", "https://w3id.org/cdkg/ontology#CitedEvidence") in kinds
    assert ("test-record/1", "https://w3id.org/cdkg/ontology#CitedEvidence") in kinds
    assert any(q.predicate.value.endswith("#locator") and q.object.value == "para. 4" for q in quads)


# --- A researcher can keep only quoted facts ------------------------------------------------------

COVERS = "SELECT ?plan ?place WHERE { ?plan cd:coversLocality ?place }"


def test_a_query_can_keep_only_quoted_facts(built):
    from cdkg import queries
    assert len(queries.run_sparql(COVERS, build=built)) == 1  # the cited fact
    assert len(queries.run_sparql(COVERS, build=built, evidence="quoted")) == 0
    rows = queries.run("cq10", {"entity": "plan_x"}, build=built).values()
    assert {r["kind"] for r in rows} == {"quoted", "cited"}
    quoted = queries.run("cq10", {"entity": "plan_x"}, build=built, evidence="quoted").values()
    assert {r["kind"] for r in quoted} == {"quoted"} and len(quoted) == 2
    # GRAPH ?g sees only the quoted evidence too, and labels and records stay
    graphs = queries.run_sparql("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s cd:coversLocality|eli:date_document ?o } }",
                                build=built, evidence="quoted").values()
    assert {r["g"].rsplit("/evidence/", 1)[-1] for r in graphs} == {"test-article/1"}
    labels = queries.run_sparql('SELECT ?l WHERE { <https://w3id.org/cdkg/id/document/plan_y> rdfs:label ?l }',
                                build=built, evidence="quoted")
    assert len(labels) == 2


def test_the_gap_report_can_keep_only_quoted_facts(built):
    from cdkg.queries.gaps import find_gaps

    for report in (find_gaps(build=built), find_gaps(build=built, evidence="quoted")):
        assert report.kinds
    every = find_gaps(build=built)
    assert "cited" in {e.kind for f in every.findings for e in every.evidence_of(f)}
    quoted = find_gaps(build=built, evidence="quoted")
    assert all(e.kind == "quoted" for f in quoted.findings for e in quoted.evidence_of(f))


def test_quoted_only_is_refused_where_it_cannot_apply(built):
    from cdkg import queries
    from cdkg.errors import UsageError
    from cdkg.queries.evidence import restrict

    with pytest.raises(UsageError, match="local build"):
        restrict(type("Remote", (), {"name": "http://127.0.0.1:1/query"})(), "quoted")
    with pytest.raises(UsageError, match="unknown evidence kind"):
        queries.run_sparql(COVERS, build=built, evidence="cited-only")
    with pytest.raises(UsageError, match="update"):
        queries.run_sparql("INSERT DATA { <x:a> <x:b> <x:c> }", build=built, allow_update=True, evidence="quoted")


def test_cdkg_query_and_gaps_take_evidence_quoted(built):
    import json
    import os
    import subprocess
    import sys

    def run_cdkg(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "cdkg.cli", *args, "--build", str(built)], capture_output=True,
                              text=True, timeout=120, env={**os.environ, "COLUMNS": "200"})

    every = run_cdkg("query", "--sparql", COVERS, "--format", "json")
    quoted = run_cdkg("query", "--sparql", COVERS, "--format", "json", "--evidence", "quoted")
    assert every.returncode == quoted.returncode == 0, every.stderr + quoted.stderr
    assert len(json.loads(every.stdout)["results"]["bindings"]) == 1
    assert json.loads(quoted.stdout)["results"]["bindings"] == []
    gaps = run_cdkg("gaps", "--format", "json", "--evidence", "quoted")
    assert gaps.returncode == 0, gaps.stderr
    assert all(e["kind"] == "quoted" for e in json.loads(gaps.stdout)["evidence"])
    assert "cited" in {e["kind"] for e in json.loads(run_cdkg("gaps", "--format", "json").stdout)["evidence"]}


def test_stats_count_evidence_of_both_kinds_per_source(built):
    stats = cdkg.stats(built)
    assert stats.excerpts == 3
    per_source = {s.source: (s.excerpts, s.facts) for s in stats.sources}
    assert per_source["test-article"] == (1, 2)
    assert per_source["test-resolution-page"] == (1, 1)  # cited from the article file
    assert per_source["test-record"] == (1, 2)


def test_the_viz_page_carries_the_kind_to_the_node_panel(built):
    from cdkg import viz
    page = viz.render(built, focus="plan_x", lang="en")
    assert '"kind": "cited", "text": "The plans of the province' in page
    assert '"kind": "quoted", "text": "Ngày 28/4/2022' in page
    assert '"locator": "para. 4"' in page and '"cited": "cited (our words)"' in page
    assert 'x.kind === "cited"' in page  # the panel labels each source by its kind


def test_the_node_panel_shows_each_kind_in_the_browser(built, tmp_path, browser):
    from cdkg import viz
    from tests.test_viz import Page
    path = tmp_path / "graph.html"
    viz.render(built, output=path, lang="en")
    page = Page(browser, path)
    page.search("Plan 173")
    page.page.locator("#results button", has_text="Plan 173").first.click()
    panel = page.page.locator("#details").text_content()
    assert "quoted: “Ngày 28/4/2022" in panel
    assert "cited (our words): The plans of the province's People's Committee" in panel
    assert "https://example.org/nghi-quyet-175.html — at para. 4" in panel
    page.close()
