"""Listings page and stream: `cdkg query NAME --limit N --offset K` (and ``cdkg.query(..., limit=,
offset=)``) gives the rows of one full query, in order, page by page; CSV, TSV and JSON are
written as the rows are read; the table on a terminal shows the first rows and the total."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

import pytest

from cdkg import queries
from cdkg.errors import UsageError
from cdkg.queries import page


def _raw(result):
    return [["" if t is None else str(t) for t in row] for row in result.terms]


@pytest.mark.parametrize("name", sorted(queries.library()))
def test_pages_put_together_are_the_full_answer_in_order(built, name):
    # through the worker (a time limit), as the command line runs it
    full = _raw(queries.run(name, build=built, timeout=120))
    again = _raw(queries.run(name, build=built, timeout=120))
    assert full == again  # the same order every run
    size = max(1, len(full) // 3 + 1)  # three or four pages, the last one short
    pages = []
    for offset in range(0, len(full) + size, size):
        rows = _raw(queries.run(name, build=built, limit=size, offset=offset, timeout=120))
        assert len(rows) <= size
        pages += rows
    assert pages == full


def test_paging_without_the_worker_and_for_own_sparql(built):
    text = "SELECT ?s ?label WHERE { ?s rdfs:label ?label } ORDER BY ?label ?s"
    full = _raw(queries.run_sparql(text, build=built))
    assert len(full) > 100
    parts = [_raw(queries.run_sparql(text, build=built, limit=40, offset=k)) for k in range(0, len(full), 40)]
    assert [row for part in parts for row in part] == full
    # a query with its own LIMIT is paged as a subquery: within its own rows
    inner = _raw(queries.run_sparql(text + " LIMIT 30", build=built, limit=10, offset=25))
    assert inner == full[25:30]
    assert _raw(queries.run_sparql(text, build=built, offset=len(full))) == []


def test_page_adds_limit_and_offset_within_the_querys_own():
    assert page("SELECT * WHERE { ?s ?p ?o }", 5) == "SELECT * WHERE { ?s ?p ?o }\nLIMIT 5"
    assert page("SELECT * WHERE { ?s ?p ?o }", None, 7) == "SELECT * WHERE { ?s ?p ?o }\nOFFSET 7"
    assert page("SELECT * WHERE { ?s ?p ?o } LIMIT 3", 2, 1) == "SELECT * WHERE { ?s ?p ?o }\nLIMIT 2 OFFSET 1"
    assert page("SELECT * WHERE { ?s ?p ?o } OFFSET 4 LIMIT 3", 9, 2) == "SELECT * WHERE { ?s ?p ?o }\nLIMIT 1 OFFSET 6"
    # before a trailing VALUES
    assert page("SELECT * WHERE { ?s ?p ?o } VALUES ?s { <x:a> }", 2) == \
        "SELECT * WHERE { ?s ?p ?o }\nLIMIT 2\nVALUES ?s { <x:a> }"
    # a comment or string that says LIMIT is not the query's LIMIT
    assert page('SELECT * WHERE { ?s ?p "LIMIT 3" } # LIMIT 4', 1) == 'SELECT * WHERE { ?s ?p "LIMIT 3" } # LIMIT 4\nLIMIT 1'
    with pytest.raises(UsageError, match="SELECT"):
        page("ASK { ?s ?p ?o }", 1)
    with pytest.raises(UsageError, match="0 or more"):
        page("SELECT * WHERE { ?s ?p ?o }", -1)


def test_rows_are_read_as_they_are_written(built):
    """A result written to a file is read row by row: the rows are not kept."""
    result = queries.run("cq10", build=built, timeout=120)
    buf = io.StringIO()
    n = result.write("csv", buf)
    assert n > 1000 and result._terms is None  # never held whole
    rows = list(csv.reader(io.StringIO(buf.getvalue())))
    assert len(rows) == n + 1
    assert rows == list(csv.reader(io.StringIO(queries.run("cq10", build=built).serialize("csv"))))
    first, total = queries.run("cq10", build=built, timeout=120).head(5)
    assert len(first) == 5 and total == n


class _Run:
    def __init__(self, done: subprocess.CompletedProcess):
        self.returncode = done.returncode
        self.stdout = done.stdout.decode("utf-8")  # as written: CSV's \r\n kept
        self.stderr = done.stderr.decode("utf-8")


def _cdkg(built, *args, **env):
    return _Run(subprocess.run([sys.executable, "-m", "cdkg.cli", "query", *args, "--build", str(built)],
                               capture_output=True, timeout=300, env={**os.environ, "COLUMNS": "200", **env}))


def test_cli_pages_in_every_format(built):
    full = _cdkg(built, "cq10", "--format", "csv")
    assert full.returncode == 0, full.stderr
    header, *rows = list(csv.reader(io.StringIO(full.stdout, newline="")))
    second = list(csv.reader(io.StringIO(_cdkg(built, "cq10", "--format", "csv", "--limit", "50", "--offset", "50")
                                         .stdout, newline="")))
    assert second[0] == header and second[1:] == rows[50:100]
    data = json.loads(_cdkg(built, "cq10", "--format", "json", "--limit", "3").stdout)
    assert len(data["results"]["bindings"]) == 3 and data["head"]["vars"][0] == "subject"
    tsv = _cdkg(built, "cq10", "--format", "tsv", "--offset", str(len(rows) - 2)).stdout.splitlines()
    assert len(tsv) == 3 and tsv[0].startswith("?subject")
    table = _cdkg(built, "cq10", "--limit", "2")
    assert table.returncode == 0 and "cq10: 2 rows" in table.stdout
    bad = _cdkg(built, "--sparql", "ASK { ?s ?p ?o }", "--limit", "1")
    assert bad.returncode == 2 and "SELECT" in bad.stderr


def test_the_table_on_a_terminal_shows_the_first_rows_and_the_total(built):
    """Through a pseudo-terminal: the first rows, the total, and how to see the rest."""
    import pty

    total = len(queries.run("cq10", build=built))
    assert total > 100
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child
        os.environ["COLUMNS"] = "250"
        os.execv(sys.executable, [sys.executable, "-m", "cdkg.cli", "query", "cq10", "--build", str(built)])
    chunks = []
    while True:
        try:
            data = os.read(fd, 1 << 16)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    os.waitpid(pid, 0)
    text = b"".join(chunks).decode("utf-8", "replace")
    assert f"cq10: {total} rows (the first 100 shown: --offset 100 for the next, --format csv for all)" in text
    assert text.count("│ https://") + text.count("│ ") >= 100
