"""The structural pass on a large file: time and peak memory of the quote check, beside baselines of
the same run.

    .venv/bin/python benchmarks/structure_bench.py [--mb 1024] [--runs 3]

Writes an order-modification file of about --mb MB in which every cell is quoted (the worst case
for the quote check: every cell's quotes are looked at) and one with no quote at all, then, each in
a fresh process:
  - the quote check (batchkit.io.quotes.scan) on the file's bytes,
  - baselines on the same bytes: a full pass (bytes.count of line breaks: the least any check costs)
    and pyarrow's CSV read of them (what validate does with every file anyway).
Peak RSS above the bytes read says whether the check copies the file. Targets: the check adds less
than 10% of the file's size to the peak (both files), and costs less than 10% of the read for a file
without quotes (one memchr). A fully quoted file is the worst case, every quote is looked at: its
share of the read is printed as a figure (about the read's own time here), not a target.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from scratch import work_folder  # benchmarks/ is sys.path[0] when run as a script
from pathlib import Path

PROBE = r"""
import json, resource, sys, time
path, what = sys.argv[1], sys.argv[2]
data = open(path, "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
if what == "scan":
    from batchkit.io.quotes import scan
    header_end = data.index(b"\n") + 1
    result = len(scan(data, ",", header_end, 2))
elif what == "count":
    result = data.count(b"\n")
elif what == "read":  # what validate's fast path does with the same bytes
    import pyarrow as pa, pyarrow.csv as pacsv
    names = [str(i) for i in range(7)]
    result = pacsv.read_csv(pa.BufferReader(data), read_options=pacsv.ReadOptions(column_names=names, skip_rows=1),
                            parse_options=pacsv.ParseOptions(newlines_in_values=b'"' in data),
                            convert_options=pacsv.ConvertOptions(column_types={n: pa.large_string() for n in names})).num_rows
else:
    result = len(data)
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": seconds, "read_kib": before, "peak_kib": peak, "result": result}))
"""


def write(path: Path, mb: int, quoted: bool) -> None:
    q = '"' if quoted else ""
    row = f"{q}1000.4636.%d{q},{q}ORD-%d{q},{q}2240{q},{q}12.50{q},{q}USD{q},{q}NEW{q},{q}ORDER_UPDATE{q}\n"
    header = "ActionId,OrderId,ActionTrackerId,Amount,CurrencyCode,CustomerStatus,Reason\n"
    target, written = mb << 20, 0
    with open(path, "w", encoding="ascii") as fh:
        fh.write(header)
        i = 0
        while written < target:
            chunk = "".join(row % (n, n) for n in range(i, i + 50_000))
            fh.write(chunk)
            written += len(chunk)
            i += 50_000


def measure(path: Path, what: str, runs: int) -> dict:
    best = None
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", PROBE, str(path), what], check=True, capture_output=True, text=True,
                             env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])})
        got = json.loads(out.stdout)
        best = got if best is None or got["seconds"] < best["seconds"] else best
    assert best is not None
    return best


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=int, default=1024)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--workdir", type=Path)
    args = ap.parse_args()
    work = work_folder(args.workdir, "bk-structure-")
    failed = False
    for quoted in (True, False):
        path = work / f"structure_{args.mb}mb_{'quoted' if quoted else 'plain'}.csv"
        if not path.exists():
            write(path, args.mb, quoted)
        size_mib = path.stat().st_size / 2**20
        scan, count, read = (measure(path, what, args.runs) for what in ("scan", "count", "read"))
        extra_mib = (scan["peak_kib"] - scan["read_kib"]) / 1024
        share = scan["seconds"] / max(read["seconds"], 1e-9)
        print(f"{path.name}: {size_mib:,.0f} MiB; quote check {scan['seconds']:.2f} s; baselines: line count "
              f"{count['seconds']:.2f} s, pyarrow read {read['seconds']:.2f} s (check = {share:.0%} of the read); "
              f"peak RSS {scan['peak_kib'] / 1024:,.0f} MiB, {extra_mib:,.0f} MiB above the bytes read "
              f"({extra_mib / size_mib:.1%} of the file); damage found: {scan['result']}")
        ok = extra_mib < 0.1 * size_mib and (quoted or share < 0.1)
        target = "no copy of the file (< 10% extra)" + ("" if quoted else " and < 10% of the read")
        print(f"{'PASS' if ok else 'FAIL'}: {target}")
        failed |= not ok
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
