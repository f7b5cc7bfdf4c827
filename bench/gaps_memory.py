"""The on-disk store against an in-memory copy, and where `cdkg gaps` spends its time.

    python bench/gaps_memory.py BUILD                      # make the copy; gap rules 2 and 7, cq11, cq10 on each
    python bench/gaps_memory.py BUILD --stages [--on-disk] # one gap report (in memory, or on disk), timed by stage

One run each (the numbers in bench/RESULTS.md, issue 18, came from these).  Nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def compare(build: str) -> None:
    import pyoxigraph as ox

    from cdkg.kg.sparql import LocalBackend
    from cdkg.queries import library
    from cdkg.queries.gaps import in_memory, rule_files

    disk = LocalBackend(build)
    t = time.perf_counter()
    mem = in_memory(disk)
    print(f"in-memory copy: {time.perf_counter() - t:.1f} s, {len(mem.store)} quads (disk {len(disk.store)})")
    texts = {"gap rule 2": rule_files()[2].read_text(encoding="utf-8"),
             "gap rule 7": rule_files()[7].read_text(encoding="utf-8"),
             "cq11": library()["cq11"].text, "cq10": library()["cq10"].text}
    for name, text in texts.items():
        for label, backend in (("disk", disk), ("memory", mem)):
            t = time.perf_counter()
            data = backend.query(text).serialize(format=ox.QueryResultsFormat.CSV)
            print(f"{name:12} {label:7} {time.perf_counter() - t:6.2f} s {data.count(10) - 1} rows", flush=True)


def stages(build: str, memory: bool) -> None:
    import cdkg.queries.gaps as gaps
    import cdkg.queries.network as net
    from cdkg.kg.sparql import LocalBackend

    spent: dict[str, float] = {}

    def timed(module, name):
        fn = getattr(module, name)

        def wrapper(*args, **kwargs):
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[name] = spent.get(name, 0) + time.perf_counter() - t
        setattr(module, name, wrapper)

    for name in ("participation", "co_participation", "analyse", "roll_up_map"):
        timed(net, name)
    for name in ("in_memory", "_support", "_meta", "_shared_mandates", "label_map", "_groups"):
        timed(gaps, name)
    t0 = time.perf_counter()
    report = gaps.find_gaps(backend=LocalBackend(build), memory=memory)
    t1 = time.perf_counter()
    size = sum(len(piece.encode("utf-8")) for piece in gaps.chunks(report, "json"))
    t2 = time.perf_counter()
    print(f"find_gaps {t1 - t0:.1f} s, writing the JSON report ({size / 1e6:.1f} MB) {t2 - t1:.1f} s; "
          f"peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB")
    print({k: round(v, 1) for k, v in spent.items()})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("build")
    parser.add_argument("--stages", action="store_true", help="one gap report, timed by stage")
    parser.add_argument("--on-disk", action="store_true", help="with --stages: on the store, not in memory")
    args = parser.parse_args()
    if args.stages:
        stages(args.build, memory=not args.on_disk)
    else:
        compare(args.build)


if __name__ == "__main__":
    main()
