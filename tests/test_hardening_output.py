"""Hardening (issue 19, items 13, 14, 20, 21): output that cannot be turned against the reader,
a damaged store said clearly, and no worker process left behind by a killed build."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


# --- 21. Killing a build ends its workers ------------------------------------------------------


def _children(pid: int) -> set[int]:
    """The child processes of ``pid`` (from /proc/PID/task/*/children, else every /proc/*/stat)."""
    found: set[int] = set()
    listed = list(Path(f"/proc/{pid}/task").glob("*/children"))
    for task in listed:
        try:
            found |= {int(x) for x in task.read_text().split()}
        except OSError:
            pass
    if not listed:  # a kernel without CONFIG_PROC_CHILDREN
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.add(int(stat.parent.name))
            except (OSError, ValueError, IndexError):
                pass
    return found


def _running(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.fixture(scope="module")
def big_sources(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated corpus with enough curated files (168) for the build to load them in workers."""
    out = tmp_path_factory.mktemp("big") / "sources"
    subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), "--size", "100k", "--out", str(out)],
                   check=True, capture_output=True, timeout=120)
    from cdkg.loaders.curated import PARALLEL_FROM

    assert len(list((out / "curated").glob("*.yaml"))) >= PARALLEL_FROM
    return out


@pytest.mark.skipif(not Path("/proc/self/task").is_dir() or (os.cpu_count() or 1) < 2,
                    reason="needs Linux /proc and two cores (the build loads in workers from two cores on)")
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_killing_a_build_ends_its_workers(big_sources: Path, tmp_path: Path, how: signal.Signals) -> None:
    cdkg = [sys.executable, "-c", "from cdkg.cli import main; main()"]
    proc = subprocess.Popen([*cdkg, "build", "-s", str(big_sources), "-o", str(tmp_path / "out"), "-q"],
                            start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: set[int] = set()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            workers = _children(proc.pid)
            if len(workers) >= 2:
                break
            time.sleep(0.005)
        assert len(workers) >= 2, "the build finished or stalled before its workers could be seen"
        time.sleep(0.1)  # the workers are parsing
        os.kill(proc.pid, how)
        proc.wait(timeout=10)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(_running(w) for w in workers):
            time.sleep(0.05)
        left = [w for w in workers if _running(w)]
        assert not left, f"worker processes {left} outlived the killed build"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for w in workers:
            if _running(w):
                try:
                    os.kill(w, signal.SIGKILL)
                except OSError:
                    pass


# --- 13. No terminal control sequence and no rich markup from a source ------------------------

ESC_LABEL = (r"Ha \e[8mHIDDEN\e[0m Kim \e]0;PWNED\a Ngoc [bold]B[/] [link=http://evil.example]L[/link] "
             r"\x9b31m \u202eRTL")
RAW = ("\x1b", "\x9b", "\x07", "\u202e")


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cdkg.cli", *args], capture_output=True, text=True, timeout=300,
                          cwd=cwd, env={**os.environ, "COLUMNS": "400"})


def _assert_inert(result: subprocess.CompletedProcess) -> None:
    for stream in (result.stdout, result.stderr):
        for char in RAW:
            assert char not in stream, f"raw {char!r} printed: {stream[:2000]!r}"
    assert "Traceback" not in result.stderr


@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled sources with escape sequences (ESC, BEL, the C1 CSI, a bidi override) and rich
    markup in a label, a note, an article title, its publisher and a quote — built."""
    from cdkg.loaders import default_sources

    root = tmp_path_factory.mktemp("hostile")
    src = root / "sources"
    shutil.copytree(default_sources(), src)
    curated = src / "curated" / "000-steering-committee-annual-meeting.yaml"
    text = curated.read_text(encoding="utf-8")
    text, n = re.subn(r'(\{id: ha_kim_ngoc, kind: Person, vi: "[^"]*", en: )"[^"]*"',
                      lambda m: f'{m.group(1)}"{ESC_LABEL}"', text)
    assert n == 1
    text, n = re.subn(r'note: "[^"]*"', lambda m: r'note: "No year \e[8mHIDDEN [bold]N[/] \x9b2J"', text, count=1)
    assert n == 1
    assert 'quote: "Ngày 26/5, Thứ trưởng' in text
    text = text.replace('quote: "Ngày 26/5, Thứ trưởng', r'quote: "Ngày 26/5, \e[8mThứ trưởng')
    curated.write_text(text, encoding="utf-8")
    article = src / "articles" / "000-steering-committee-annual-meeting.txt"
    text = article.read_text(encoding="utf-8")
    text, n = re.subn(r"(?m)^Title:.*$", lambda m: "Title: Đổi mới \x1b[8mTITLE [red]R[/]", text, count=1)
    assert n == 1
    text, n = re.subn(r"(?m)^Publisher:.*$", lambda m: "Publisher: Pub \x1b]0;T\x07 [bold]P[/] \u202eX", text, count=1)
    assert n == 1
    assert "Ngày 26/5, Thứ trưởng" in text
    text = text.replace("Ngày 26/5, Thứ trưởng", "Ngày 26/5, \x1b[8mThứ trưởng", 1)
    article.write_text(text, encoding="utf-8")
    out = root / "build"
    result = _cli("build", "--sources", str(src), "--out", str(out))
    assert result.returncode == 0, result.stderr
    _assert_inert(result)
    return out


def test_why_shows_controls_and_markup_literally(hostile_build: Path) -> None:
    result = _cli("why", "ha_kim_ngoc", "--build", str(hostile_build))
    assert result.returncode == 0, result.stderr
    _assert_inert(result)
    out = result.stdout
    assert r"Ha \x1b[8mHIDDEN\x1b[0m Kim \x1b]0;PWNED\x07 Ngoc [bold]B[/] [link=http://evil.example]L[/link]" in out
    assert r"\x9b31m \u202eRTL" in out
    assert r"Đổi mới \x1b[8mTITLE [red]R[/]" in out  # the source's title
    assert r"Pub \x1b]0;T\x07 [bold]P[/] \u202eX" in out  # its publisher
    assert r"Ngày 26/5, \x1b[8mThứ trưởng" in out  # the quote


def test_why_and_stats_json_escape_controls(hostile_build: Path) -> None:
    import json

    why = _cli("why", "ha_kim_ngoc", "--json", "--build", str(hostile_build))
    assert why.returncode == 0, why.stderr
    _assert_inert(why)
    data = json.loads(why.stdout)
    assert data["label"] == ESC_LABEL.replace(r"\e", "\x1b").replace(r"\a", "\x07").replace(
        r"\x9b", "\x9b").replace(r"\u202e", "\u202e")  # the same value, escaped in the JSON text
    stats = _cli("stats", "--json", "--build", str(hostile_build))
    assert stats.returncode == 0, stats.stderr
    _assert_inert(stats)
    assert any(s["publisher"] == "Pub \x1b]0;T\x07 [bold]P[/] \u202eX" for s in json.loads(stats.stdout)["sources"])


def test_stats_and_query_tables_show_controls_and_markup_literally(hostile_build: Path) -> None:
    stats = _cli("stats", "--build", str(hostile_build))
    assert stats.returncode == 0, stats.stderr
    _assert_inert(stats)
    assert r"Pub \x1b]0;T\x07 [bold]P[/] \u202eX" in stats.stdout
    query = _cli("query", "--build", str(hostile_build), "--sparql",
                 'SELECT ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label '
                 'FILTER(CONTAINS(?label, "HIDDEN")) }')
    assert query.returncode == 0, query.stderr
    _assert_inert(query)
    assert r"Ha \x1b[8mHIDDEN\x1b[0m Kim" in query.stdout and "[link=http://evil.example]L[/link]" in query.stdout
    cq = _cli("query", "cq04", "--build", str(hostile_build))  # a named query with labels in its table
    assert cq.returncode == 0, cq.stderr
    _assert_inert(cq)


def test_errors_show_controls_and_markup_literally(tmp_path: Path) -> None:
    """An endpoint's error body (here from a loopback server) is printed inert."""
    import http.server
    import threading

    body = "bad \x1b[8mhidden\x1b]0;title\x07 [bold]B[/] \x9b2J \u202eX".encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(400)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST  # noqa: N815

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/query"
        result = _cli("query", "--sparql", "SELECT * WHERE { ?s ?p ?o } LIMIT 1", "--endpoint", url)
    finally:
        server.shutdown()
        server.server_close()
    assert result.returncode == 2
    _assert_inert(result)
    assert r"bad \x1b[8mhidden\x1b]0;title\x07 [bold]B[/] \x9b2J \u202eX" in result.stderr


def test_visible_and_safe() -> None:
    from cdkg.kg.terminal import cell, json_text, safe, visible

    assert visible("a\x1b[8mb\nc\td\u202ee\x9b") == "a\\x1b[8mb\nc\\x09d\\u202ee\\x9b"
    assert visible("a\nb", newlines=False) == "a\\x0ab"
    assert safe("[bold]x[/] \x1b") == "\\[bold]x\\[/] \\x1b"
    assert cell("[link=x]y[/link]\x07").plain == "[link=x]y[/link]\\x07"
    import json

    value = {"k": "a\x1b\x9b\u202e\u2028 đ"}
    text = json_text(value)
    assert json.loads(text) == value and "đ" in text and not any(c in text for c in "\x1b\x9b\u202e\u2028")


# --- 14. The gap report's Markdown and HTML show source text as text --------------------------

PAYLOAD = ("<img src=x onerror=alert(1)> [x](javascript:alert(1)) ![y](http://evil.example/p.png)\n"
           "# Heading H\n<script>alert(2)</script> **bold** | cell")


@pytest.fixture(scope="module")
def hostile_gaps(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The gap fixture with links, images, raw HTML and a heading after a line break in a label,
    a quote and the article's publisher — built."""
    root = tmp_path_factory.mktemp("hostile-gaps")
    src = root / "sources"
    shutil.copytree(ROOT / "tests" / "data" / "gaps", src)
    curated = src / "curated" / "fixture.yaml"
    text = curated.read_text(encoding="utf-8")
    yaml_payload = PAYLOAD.replace("\n", "\\n")
    old = 'M1. Heritage H2 is also mentioned."'
    assert old in text
    text = text.replace(old, f'M1. {yaml_payload} Heritage H2 is also mentioned."')
    old = 'en: "Heritage H2"}'
    assert old in text
    text = text.replace(old, 'en: "[x](javascript:alert(1)) ![y](http://evil.example/p.png) **H2**\\n# Label heading"}')
    curated.write_text(text, encoding="utf-8")
    article = src / "articles" / "fixture.txt"
    text = article.read_text(encoding="utf-8")
    assert "M1. Heritage H2 is also mentioned." in text and "Publisher: cdkg tests" in text
    text = text.replace("M1. Heritage H2 is also mentioned.", f"M1. {PAYLOAD} Heritage H2 is also mentioned.")
    text = text.replace("Publisher: cdkg tests", "Publisher: cdkg [p](javascript:alert(3)) <img src=y onerror=alert(4)>")
    article.write_text(text, encoding="utf-8")
    out = root / "build"
    result = _cli("build", "--sources", str(src), "--out", str(out), "--quiet")
    assert result.returncode == 0, result.stderr
    return out


def test_gap_markdown_renders_source_text_literally(hostile_gaps: Path) -> None:
    from markdown_it import MarkdownIt

    result = _cli("gaps", "--kind", "3", "--build", str(hostile_gaps))
    assert result.returncode == 0, result.stderr
    page = MarkdownIt("commonmark", {"html": True}).enable("table").render(result.stdout)
    lowered = page.lower()
    assert "<a" not in lowered  # no link at all (the report itself has none)
    assert "<img" not in lowered and "<script" not in lowered
    assert lowered.count("<h1") == 1  # the report's own title only
    assert "<strong>bold</strong>" not in lowered and "<strong>h2</strong>" not in lowered
    # what the sources say is all there, as text
    assert "[x](javascript:alert(1)) ![y](http://evil.example/p.png) **H2** # Label heading" in _text_of(page)
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "# Heading H &lt;script&gt;alert(2)&lt;/script&gt;" in page
    assert "cdkg [p](javascript:alert(3)) &lt;img src=y onerror=alert(4)&gt;" in page


def _text_of(page: str) -> str:
    import html
    import re

    return html.unescape(re.sub(r"<[^>]+>", "", page))


def test_gap_html_escapes_source_text(hostile_gaps: Path, tmp_path: Path) -> None:
    result = _cli("gaps", "--kind", "3", "--format", "html", "--output", str(tmp_path / "g.html"),
                  "--build", str(hostile_gaps))
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "g.html").read_text(encoding="utf-8")
    assert "<img" not in page and "<script" not in page and 'href="javascript' not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_gap_markdown_code_spans_and_controls() -> None:
    from cdkg.queries.gaps import Entity, Finding, GapReport, kinds, render

    report = GapReport("en", [k for k in kinds() if k.number == 3],
                       [Finding(3, "heritage-without-events", "H \x1b[8m x",
                                [Entity("https://example.org/x", "a`b <img src=x>", "H")])])
    md = render(report, "markdown")
    assert "\x1b" not in md and "\\x1b\\[8m x" in md
    assert "``a`b <img src=x>``" in md  # a backtick in an id cannot end its code span
    from markdown_it import MarkdownIt

    assert "<img" not in MarkdownIt("commonmark", {"html": True}).render(md)


# --- 20. A damaged store is said to be one ----------------------------------------------------


def _damaged_copy(built: Path, tmp_path: Path, how: str) -> Path:
    copy = tmp_path / "build"
    shutil.copytree(built, copy)
    store = copy / "store"
    if how == "empty CURRENT":
        (store / "CURRENT").write_bytes(b"")
    elif how == "missing table":
        tables = sorted(store.glob("*.sst"), key=lambda p: p.stat().st_size)
        tables[-1].unlink()
    else:  # data blocks overwritten, sizes unchanged: found only when a query reads them
        for table in store.glob("*.sst"):
            data = bytearray(table.read_bytes())
            for i in range(0, len(data) // 2, 7):
                data[i] ^= 0xFF
            table.write_bytes(bytes(data))
    return copy


@pytest.mark.parametrize("how", ["empty CURRENT", "missing table", "flipped bytes"])
def test_a_damaged_store_is_reported(built: Path, tmp_path: Path, how: str) -> None:
    build = _damaged_copy(built, tmp_path, how)
    commands = [["query", "cq01"], ["why", "ha_kim_ngoc"], ["stats"], ["export"], ["gaps"],
                ["viz", "--output", str(tmp_path / "g.html")]]
    if how != "empty CURRENT":
        commands = commands[:3]
    for command in commands:
        result = _cli(*command, "--build", str(build))
        assert result.returncode == 2, (command, result.stdout[-500:], result.stderr[-2000:])
        assert "Traceback" not in result.stderr, (command, result.stderr[-2000:])
        assert "damaged" in result.stderr and "cdkg build" in result.stderr, (command, result.stderr)
        assert not (tmp_path / "g.html").exists()


HIDDEN_LABEL = ('SELECT ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label '
                'FILTER(CONTAINS(?label, "HIDDEN")) }')
RAW_LABEL = ESC_LABEL.replace(r"\e", "\x1b").replace(r"\a", "\x07").replace(r"\x9b", "\x9b").replace(r"\u202e", "\u202e")


def test_query_data_formats_print_the_same_data_inert(hostile_build: Path) -> None:
    """JSON, TSV and Turtle write the characters as \\u escapes (the same data); CSV, which has no
    escapes, is written as is to a file or pipe."""
    import json

    import pyoxigraph as ox

    as_json = _cli("query", "--format", "json", "--sparql", HIDDEN_LABEL, "--build", str(hostile_build))
    _assert_inert(as_json)
    assert json.loads(as_json.stdout)["results"]["bindings"][0]["label"]["value"] == RAW_LABEL
    tsv = _cli("query", "--format", "tsv", "--sparql", HIDDEN_LABEL, "--build", str(hostile_build))
    _assert_inert(tsv)
    term = tsv.stdout.splitlines()[1]
    parsed = list(ox.parse(f"<a:s> <a:p> {term} .".encode(), format=ox.RdfFormat.N_TRIPLES))
    assert parsed[0].object.value == RAW_LABEL
    turtle = _cli("query", "--build", str(hostile_build), "--sparql",
                  "CONSTRUCT { ?s ?p ?label } WHERE { ?s ?p ?label FILTER(CONTAINS(STR(?label), \"HIDDEN\")) }")
    _assert_inert(turtle)
    labels = {t.object.value for t in ox.parse(turtle.stdout.encode(), format=ox.RdfFormat.TURTLE)}
    assert RAW_LABEL in labels
    csv = _cli("query", "--format", "csv", "--sparql", HIDDEN_LABEL, "--build", str(hostile_build))
    assert RAW_LABEL in csv.stdout  # a pipe gets the data


def test_query_csv_on_a_terminal_is_inert(hostile_build: Path) -> None:
    import pty

    leader, follower = pty.openpty()
    try:
        proc = subprocess.Popen([sys.executable, "-m", "cdkg.cli", "query", "--format", "csv", "--sparql", HIDDEN_LABEL,
                                 "--build", str(hostile_build)], stdout=follower, stderr=subprocess.PIPE)
        os.close(follower)
        follower = -1
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal closed: the command ended
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert proc.wait(timeout=120) == 0
    finally:
        os.close(leader)
        if follower != -1:
            os.close(follower)
    shown = b"".join(chunks).decode("utf-8")
    assert not any(c in shown for c in RAW) and r"Ha \x1b[8mHIDDEN\x1b[0m" in shown


def test_validate_shows_findings_inert(hostile_build: Path, tmp_path: Path) -> None:
    """A violation that quotes a hostile value (an unknown class name holding ESC and markup)."""
    src = tmp_path / "sources"
    shutil.copytree(hostile_build.parent / "sources", src)
    curated = src / "curated" / "000-steering-committee-annual-meeting.yaml"
    text = curated.read_text(encoding="utf-8")
    text, n = re.subn(r"(\{id: ha_kim_ngoc, kind: )Person", r'\1"Per\\e[8mson [bold]x[/] \\x9b2J"', text)
    assert n == 1
    curated.write_text(text, encoding="utf-8")
    result = _cli("validate", "--sources", str(src))
    assert result.returncode == 1, result.stderr
    _assert_inert(result)
    assert "[bold]x[/]" in result.stderr and "violation" in result.stderr


def test_output_paths_are_printed_as_written(built: Path, tmp_path: Path) -> None:
    """A file name that looks like rich markup (a closing tag) is printed, not parsed (it was a
    MarkupError traceback after the file had been written)."""
    folder = tmp_path / "x["
    folder.mkdir()
    for command, name in (("export", "b].ttl"), ("gaps", "b].md"), ("viz", "b].html")):
        result = _cli(command, "--output", str(folder / name), "--build", str(built))
        assert result.returncode == 0, (command, result.stderr[-2000:])
        assert "Traceback" not in result.stderr
        assert f"x[/{name}" in result.stdout + result.stderr
