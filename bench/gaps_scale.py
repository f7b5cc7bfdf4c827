"""The gap report and the large listings at scale, as a researcher runs them: whole `cdkg`
processes on the synthetic corpus (bench/generate.py), timed from outside.

    python bench/gaps_scale.py --sizes 10k,100k,1m --work /tmp/scale-bench
    python bench/gaps_scale.py --cdkg /path/to/other/venv/bin/cdkg ...   # the same rows for another version

Rows, medians of ``--reps`` runs each:

- ``cdkg gaps --format json --output FILE`` at every size: wall time, peak memory of the process
  (with its children: ``ru_maxrss`` from ``wait4``) and the size of the file;
- at the largest size, ``cdkg query cq11 --format csv`` (the full listing, written to a file) and,
  for every named query, the time until the first 1,000 rows have arrived on a pipe
  (``cdkg query NAME --format csv``, read line by line; the process is then stopped), and the
  time of ``--limit 1000`` where the version has it.

Corpora and builds are made in ``--work`` when missing (``src-SIZE``, ``build-SIZE``) with the
``cdkg`` given, and reused after.  Nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.generate import generate  # noqa: E402


def run(cmd: list[str], stdout: Path | None = None) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MB (the process and the children it waited for) and exit code."""
    out = open(stdout, "wb") if stdout else subprocess.DEVNULL
    try:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        err = proc.stderr.read().decode("utf-8", "replace")
    finally:
        if stdout:
            out.close()
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {err[-2000:]}")
    return seconds, usage.ru_maxrss / 1024, proc.returncode


def first_rows(cmd: list[str], n: int = 1000) -> tuple[float, int]:
    """Seconds until ``n`` data rows (after the header) of CSV have arrived on a pipe, and the rows read
    (fewer when the answer is shorter: then the time is the whole answer's)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True)
    lines = 0
    for _ in proc.stdout:
        lines += 1
        if lines > n:
            break
    seconds = time.perf_counter() - t0
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()
    return seconds, max(0, lines - 1)


def median(values: list[float]) -> float:
    return statistics.median(values)


def fmt_s(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def ensure_build(cdkg: str, work: Path, size: str) -> Path:
    sources, build = work / f"src-{size}", work / f"build-{size}"
    if not (sources / "curated").is_dir():
        generate(size, sources)
    if not (build / "store").is_dir():
        subprocess.run([cdkg, "build", "--sources", str(sources), "--out", str(build)], check=True,
                       stdout=subprocess.DEVNULL)
    return build


def has_option(cdkg: str, command: str, option: str) -> bool:
    help_text = subprocess.run([cdkg, command, "--help"], capture_output=True, text=True).stdout
    return option in help_text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10k,100k,1m", help="comma-separated corpus sizes")
    parser.add_argument("--work", type=Path, required=True, help="folder for corpora, builds and reports")
    parser.add_argument("--cdkg", default=str(Path(sys.executable).parent / "cdkg"), help="the cdkg executable")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--label", default="", help="a name for this version in the output (e.g. before, after)")
    parser.add_argument("--skip-gaps", action="store_true")
    parser.add_argument("--skip-queries", action="store_true")
    parser.add_argument("--gaps-args", default="", help="extra arguments for `cdkg gaps` (space-separated)")
    parser.add_argument("--timeout", default="600", help="--timeout given to `cdkg query`")
    args = parser.parse_args()
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    work = args.work
    work.mkdir(parents=True, exist_ok=True)
    label = args.label or Path(args.cdkg).resolve().parent.parent.name
    rows: list[str] = []

    def row(text: str) -> None:
        rows.append(text)
        print(text, flush=True)

    print(f"cdkg {args.cdkg} ({label}), medians of {args.reps}", flush=True)
    if not args.skip_gaps:
        row("| size | `cdkg gaps --format json` | time | peak memory | report | findings |")
        row("| --- | --- | ---: | ---: | ---: | --- |")
        for size in sizes:
            build = ensure_build(args.cdkg, work, size)
            report = work / f"gaps-{label}-{size}.json"
            times, peaks = [], []
            summary = ""
            for _ in range(args.reps):
                cmd = [args.cdkg, "gaps", "--format", "json", "--build", str(build), "--output", str(report),
                       *args.gaps_args.split()]
                seconds, peak, _ = run(cmd)
                times.append(seconds)
                peaks.append(peak)
            try:
                import json

                with open(report, encoding="utf-8") as fh:
                    data = json.load(fh)
                counts: dict[int, int] = {}
                for f in data["findings"]:
                    counts[f["kind"]] = counts.get(f["kind"], 0) + 1
                summary = f"{len(data['findings']):,} (" + ", ".join(f"{k}: {v:,}" for k, v in sorted(counts.items())) + ")"
                del data
            except (OSError, ValueError, KeyError):
                summary = "?"
            row(f"| {size} | {label} | {fmt_s(median(times))} | {median(peaks):,.0f} MB | "
                f"{report.stat().st_size / 1e6:,.1f} MB | {summary} |")
    if not args.skip_queries:
        size = sizes[-1]
        build = ensure_build(args.cdkg, work, size)
        names = sorted(p.name.split("-", 1)[0] for p in (ROOT / "queries" / "cq").glob("cq*.rq"))
        limit = has_option(args.cdkg, "query", "--limit")
        base = [args.cdkg, "query", "--format", "csv", "--build", str(build), "--timeout", args.timeout]
        row("")
        row(f"| size {size} | query | first 1,000 rows on a pipe | `--limit 1000` | whole listing | rows |")
        row("| --- | --- | ---: | ---: | ---: | ---: |")
        for name in names:
            firsts = [first_rows(base[:2] + [name] + base[2:]) for _ in range(args.reps)]
            limited = (fmt_s(median([run(base[:2] + [name] + base[2:] + ["--limit", "1000"])[0]
                                     for _ in range(args.reps)])) if limit else "—")
            whole, total = "—", firsts[0][1]
            if name == "cq11":
                listing = work / f"{name}-{label}-{size}.csv"
                whole_runs = [run(base[:2] + [name] + base[2:], stdout=listing) for _ in range(args.reps)]
                whole = f"{fmt_s(median([w[0] for w in whole_runs]))}, {median([w[1] for w in whole_runs]):,.0f} MB"
                with open(listing, "rb") as fh:
                    total = sum(1 for _ in fh) - 1
            row(f"| {size} | {name} ({label}) | {fmt_s(median([f[0] for f in firsts]))} | {limited} | {whole} | "
                f"{total:,} |")


if __name__ == "__main__":
    main()
