"""Benchmarks: cdkg side by side with plain rdflib on the same synthetic corpus, in one run.

    python bench/run.py --size 100k            # one table, medians of 3 repetitions
    python bench/run.py --quick                # 10k, what CI runs so the benchmark cannot rot

Rows: build (load + validate + write), every named query and gap rule, the network analysis,
export to Turtle and N-Quads (with pyoxigraph's own dump as the baseline), HTML generation for
500 / 2,000 / 10,000 nodes (against pyvis), peak memory of a build, and the start-up time of
`cdkg --help` and `cdkg query`.  Each row that has a plain-rdflib (or pyvis) equivalent runs it
on the same input and prints the ratio.  rdflib is not run above --rdflib-max-size, or is cut
at --rdflib-timeout seconds; such rows say so.  Nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import select
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.generate import SIZES, generate  # noqa: E402


class TimedOut(Exception):
    pass


@contextmanager
def deadline(seconds: float):
    def handler(signum, frame):
        raise TimedOut()

    old = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def median_time(fn: Callable[[], Any], reps: int, timeout: float | None = None) -> float | str:
    """Median wall time of ``reps`` runs; 'timeout' / 'error: …' when a run does not finish."""
    times = []
    for _ in range(reps):
        gc.collect()
        t0 = time.perf_counter()
        try:
            if timeout:
                with deadline(timeout):
                    fn()
            else:
                fn()
        except TimedOut:
            return f"> {timeout:g} s"
        except Exception as exc:  # a library that cannot run a query is reported, not fatal
            return f"error: {type(exc).__name__}"
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


#: parameters for the "one entity" query rows: ids every size of bench/generate.py's corpus has
BENCH_PARAMS = {
    "cq01": {"type": "cd:Conference"}, "cq02": {"event": "s1_event_0"}, "cq03": {"organisation": "agency_0"},
    "cq04": {"strategy": "strategy_0"}, "cq05": {"document": "s1_plan_0"}, "cq06": {"strategy": "strategy_0"},
    "cq07": {"heritage": "s1_heritage"}, "cq08": {"organisation": "agency_0"}, "cq09": {"partner": "country_0"},
    "cq10": {"entity": "s1_person_0"}, "cq11": {"organisation": "agency_1"}, "cq12": {"organisation": "agency_0"},
    "cq13": {"theme": "cd:PublicDiplomacy"}, "cq14": {"locality": "loc_0"}, "cq15": {"entity": "loc_0"},
    "cq16": {"speaker": "s1_person_0"},
}


def query_in_child(build_dir: Path, text: str, reps: int, timeout: float) -> tuple[float | str, int | None]:
    """Median time of a query on the build's store, and its number of rows, run in a child process
    so that a repetition still running after ``timeout`` seconds can be stopped (a query inside
    pyoxigraph does not see Python's signals)."""
    code = ("import sys, time; sys.path.insert(0, %r)\n"
            "from cdkg.kg.sparql import LocalBackend\n"
            "b = LocalBackend(%r); text = sys.stdin.readline() and sys.stdin.read()\n"
            "print('ready', flush=True)\n"
            "for _ in range(%d):\n"
            "    t0 = time.perf_counter(); n = len(list(b.query(text))); print(time.perf_counter() - t0, n, flush=True)\n"
            ) % (str(ROOT), str(build_dir), reps)
    child = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    child.stdin.write("query\n" + text)
    child.stdin.close()
    times: list[float] = []
    rows = None
    try:
        for limit in [60.0] + [timeout] * reps:  # store opening, then each repetition
            ready, _, _ = select.select([child.stdout], [], [], limit)
            line = child.stdout.readline() if ready else None
            if line is None:
                return f"> {timeout:g} s", rows
            if not line:
                return "error: " + (child.stderr.read().strip().splitlines() or ["?"])[-1][:60], rows
            if line.strip() != "ready":
                seconds, rows = line.split()
                times.append(float(seconds))
                rows = int(rows)
    finally:
        child.kill()
        child.wait()
    return statistics.median(times), rows


def fmt(value: float | str | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.2f} s"


def ratio(ours: float | str | None, theirs: float | str | None) -> str:
    if isinstance(ours, float) and isinstance(theirs, float) and ours > 0:
        return f"{theirs / ours:.1f}×"
    return "—"


class Bench:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.rows: list[tuple[str, Any, Any, str]] = []
        self.rdflib_ok = SIZES.get(args.size, int(args.size) if str(args.size).isdigit() else 0) \
            <= SIZES[args.rdflib_max_size]

    def row(self, name: str, ours: Any, theirs: Any = None, note: str = "") -> None:
        self.rows.append((name, ours, theirs, note))
        print(f"  {name:48} {fmt(ours):>12} {fmt(theirs):>12} {ratio(ours, theirs):>8} {note}", flush=True)

    def table(self) -> str:
        lines = ["| benchmark | cdkg | plain rdflib / pyvis | ratio | note |", "| --- | ---: | ---: | ---: | --- |"]
        for name, ours, theirs, note in self.rows:
            lines.append(f"| {name} | {fmt(ours)} | {fmt(theirs)} | {ratio(ours, theirs)} | {note} |")
        return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="10k", help="10k, 100k or 1m (triples of the synthetic corpus)")
    parser.add_argument("--quick", action="store_true", help="10k corpus, viz at 500 nodes only")
    parser.add_argument("--reps", type=int, default=3, help="repetitions per row (median)")
    parser.add_argument("--timeout", type=float, default=120.0,
                        help="seconds per repetition before a cdkg query row is cut")
    parser.add_argument("--rdflib-timeout", type=float, default=120.0, help="seconds before an rdflib row is cut")
    parser.add_argument("--rdflib-max-size", default="100k", help="largest size at which rdflib runs at all")
    parser.add_argument("--work", type=Path, default=None, help="working folder (default: a temporary one)")
    parser.add_argument("--results", type=Path, default=None, help="also write the table (Markdown) here")
    args = parser.parse_args()
    if args.quick:
        args.size = "10k"
    work = args.work or Path(tempfile.mkdtemp(prefix=f"cdkg-bench-{args.size}-"))
    bench = Bench(args)
    print(f"cdkg benchmark, size {args.size}, {args.reps} repetitions, work folder {work}", flush=True)

    sources = work / "sources"
    if not (sources / "curated").is_dir():
        t0 = time.perf_counter()
        generate(args.size, sources)
        print(f"  generated the corpus in {time.perf_counter() - t0:.1f} s", flush=True)

    import pyoxigraph as ox

    import cdkg

    build_dir = work / "build"
    ours = median_time(lambda: cdkg.build(sources, build_dir), args.reps)
    stats = cdkg.stats(build_dir)
    nq = work / "kg.nq"
    cdkg.export("nquads", nq, build=build_dir)

    rdflib_ds = None
    theirs: Any = "skipped"
    if bench.rdflib_ok:
        import rdflib

        def rdflib_build():
            ds = rdflib.Dataset(default_union=True)
            ds.parse(nq, format="nquads")
            ds.serialize(format="trig")
            return ds

        theirs = median_time(rdflib_build, args.reps, args.rdflib_timeout)
        rdflib_ds = rdflib.Dataset(default_union=True)
        rdflib_ds.parse(nq, format="nquads")
    bench.row(f"build: {stats.quads:,} quads, {stats.excerpts:,} excerpts", ours, theirs,
              "cdkg: load + validate (shapes, checks) + store + kg.ttl + kg.trig; rdflib: parse N-Quads + write TriG")

    peak = subprocess.run([sys.executable, "-c", (
        "import resource, sys; import cdkg; cdkg.build(%r, %r); "
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "
        "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)") % (str(sources), str(work / "b2"))],
        capture_output=True, text=True, check=True)
    own, workers = (int(x) / 1024 for x in peak.stdout.split()[-2:])
    bench.row("peak memory of a build (RSS)", None, None, f"{own:.0f} MB" + (
        f"; the loader's worker processes peaked at {workers:.0f} MB each, and exit before the stores load"
        if workers else ""))

    # Named queries and gap rules: the query text as shipped, on the store and on rdflib.
    from cdkg import queries
    from cdkg.kg.sparql import LocalBackend
    from cdkg.queries.gaps import rule_files

    backend = LocalBackend(build_dir)
    texts = [(q.name, q.text) for q in queries.library().values()]
    texts += [(f"gap rule {p.stem}", p.read_text(encoding="utf-8")) for p in rule_files().values()]
    sum_ours, sum_theirs, all_rdflib = 0.0, 0.0, True
    pairs: list[tuple[Any, Any]] = []
    for name, text in texts:
        ours, rows = query_in_child(build_dir, text, args.reps, args.timeout)
        theirs = "skipped"
        if rdflib_ds is not None:
            theirs = median_time(lambda: list(rdflib_ds.query(text)), args.reps, args.rdflib_timeout)
        if isinstance(ours, float):
            sum_ours += ours
        if isinstance(theirs, float):
            sum_theirs += theirs
        else:
            all_rdflib = False
        pairs.append((ours, theirs))
        bench.row(f"query {name}", ours, theirs, f"{rows:,} rows" if rows is not None else "")
    if rdflib_ds is None:
        bench.row("all named queries and gap rules", sum_ours, "skipped")
    else:
        both = [(o, t) for o, t in pairs if isinstance(o, float) and isinstance(t, float)]
        bench.row("all named queries and gap rules where rdflib finished", sum(o for o, _ in both),
                  sum(t for _, t in both), f"{len(both)} of {len(pairs)} rows")
        if not all_rdflib:
            bound = sum(t if isinstance(t, float) else args.rdflib_timeout for _, t in pairs)
            bench.row("all named queries and gap rules (rdflib lower bound)", sum_ours, bound,
                      f"rows rdflib did not finish counted at {args.rdflib_timeout:g} s")

    # The same named queries as a researcher asks them: about one entity of the synthetic corpus
    # (ids that exist at every size), through queries.run (entity lookup, labels, sorting).
    for name, params in BENCH_PARAMS.items():
        arg = ", ".join(f"{k}={v}" for k, v in params.items())
        answer: list[Any] = []
        seconds = median_time(lambda: answer.append(len(queries.run(name, params, backend=backend))), args.reps)
        bench.row(f"query {name} ({arg})", seconds, None, f"{answer[-1]:,} rows" if answer else "")

    from cdkg.queries import network as net

    ours = median_time(lambda: net.analyse(net.co_participation(net.participation(backend))), args.reps)
    theirs = "skipped"
    if rdflib_ds is not None:
        theirs = median_time(lambda: net.analyse(net.co_participation(
            [(str(r[0]), str(r[1])) for r in rdflib_ds.query(net.PARTICIPATION)])),
            args.reps, args.rdflib_timeout)
    graph = net.co_participation(net.participation(backend))
    bench.row(f"network analysis ({graph.number_of_nodes():,} organisations, {graph.number_of_edges():,} links)",
              ours, theirs, "SPARQL participation + networkx measures")

    # The whole gap report as `cdkg gaps` makes it: every rule, the network, labels and evidence.
    from cdkg.queries.gaps import find_gaps

    found: list[Any] = []
    ours = median_time(lambda: found.append(find_gaps(backend=backend)), 1)
    bench.row("gap report (all kinds, with evidence; 1 run)", ours, None,
              f"{len(found[-1].findings):,} findings" if found else "")

    from cdkg.kg.exporter import serialize

    store = backend.store
    ours_ttl = median_time(lambda: serialize(store, "turtle"), args.reps)
    ours_nq = median_time(lambda: serialize(store, "nquads"), args.reps)
    dump_trig = median_time(lambda: store.dump(format=ox.RdfFormat.TRIG), args.reps)
    dump_nq = median_time(lambda: store.dump(format=ox.RdfFormat.N_QUADS), args.reps)
    theirs_ttl = theirs_nq = "skipped"
    if rdflib_ds is not None:
        theirs_ttl = median_time(lambda: rdflib_ds.serialize(format="turtle"), args.reps, args.rdflib_timeout)
        theirs_nq = median_time(lambda: rdflib_ds.serialize(format="nquads"), args.reps, args.rdflib_timeout)
    bench.row("export Turtle (union, each triple once)", ours_ttl, theirs_ttl,
              f"pyoxigraph's own TriG dump: {fmt(dump_trig)} ({ratio(dump_trig, ours_ttl)} of it)")
    bench.row("export N-Quads", ours_nq, theirs_nq,
              f"pyoxigraph's own N-Quads dump: {fmt(dump_nq)} ({ratio(dump_nq, ours_nq)} of it)")

    import networkx as nx

    from cdkg import viz
    for n in ([500] if args.quick else [500, 2000, 10000]):
        g = nx.gnm_random_graph(n, 2 * n, seed=1)
        nx.set_node_attributes(g, {i: f"Cơ quan {i}" for i in g}, "label")
        ours = median_time(lambda: viz.render_networkx(g), args.reps)

        def with_pyvis():
            from pyvis.network import Network

            net_ = Network(cdn_resources="in_line")
            net_.from_nx(g)
            net_.generate_html()

        theirs = median_time(with_pyvis, 1 if n >= 10000 else args.reps, args.rdflib_timeout)
        bench.row(f"HTML graph of {n:,} nodes", ours, theirs, "pyvis from_nx + generate_html" +
                  (" (1 run)" if n >= 10000 else ""))

    bundled = work / "bundled-build"
    cdkg.build(None, bundled)

    def wall(cmd: list[str]) -> float:
        times = []
        for _ in range(max(5, args.reps)):
            t0 = time.perf_counter()
            subprocess.run(cmd, capture_output=True, check=True)
            times.append(time.perf_counter() - t0)
        return statistics.median(times)

    cdkg_cmd = [sys.executable, "-m", "cdkg"]
    bench.row("`cdkg --help` (process wall time)", wall(cdkg_cmd + ["--help"]), None)
    bench.row("`cdkg query cq06` on the bundled graph (process)", wall(cdkg_cmd + ["query", "cq06", "--build",
                                                                                   str(bundled)]), None)

    machine = (f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
               f"pyoxigraph {ox.__version__ if hasattr(ox, '__version__') else ''}")
    header = (f"Size {args.size}: {stats.triples:,} distinct triples ({stats.quads:,} quads), "
              f"medians of {args.reps} runs. {machine}.\n\nCommand: `python bench/run.py "
              + ("--quick" if args.quick else f"--size {args.size}") + f" --reps {args.reps}"
              + f" --timeout {args.timeout:g} --rdflib-timeout {args.rdflib_timeout:g} --rdflib-max-size {args.rdflib_max_size}`\n")
    text = header + "\n" + bench.table() + "\n"
    print()
    print(text)
    if args.results:
        args.results.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
