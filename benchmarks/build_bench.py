"""Benchmark: batchkit build on a large returns export, beside validating the files it produced.

    .venv/bin/python benchmarks/build_bench.py [--orders 200000] [--lines-per-order 5] [--workdir DIR] [--runs 3]

Generates a deterministic returns export (orders x lines-per-order lines; about a third of the
orders untouched, a third partly returned, a third fully returned), runs `batchkit build` as a
separate process, then `batchkit validate` on the files it wrote, best of N runs each, and
compares the two (target: build <= 3x the validation of its output). Peak memory per process is
measured through benchmarks/run_measured.py.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BATCHKIT = str(ROOT / ".venv" / "bin" / "batchkit")
CONFIG = """[build]
level = "item"
action_tracker_id = 2240
prefix = "bench"
[build.reasons]
"Changed mind" = "ITEM_RETURNED"
"Damaged" = "ITEM_RETURNED"
"Out of stock" = "ITEM_OUT_OF_STOCK"
"""
HEADER = "Order Number,Action ID,Line SKU,Category,Qty Ordered,Unit Price,Qty Returned,Return Reason,Currency,Customer Status\n"


def generate(path: Path, orders: int, per_order: int, seed: int = 7) -> None:
    """Write the export: amounts from integer cents, formatted as text (no floats)."""
    rng = random.Random(seed)
    reasons = ["Changed mind", "Damaged", "Out of stock"]
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(HEADER)
        for o in range(orders):
            mode = o % 3  # 0 untouched, 1 partial, 2 full
            for k in range(per_order):
                qty = rng.randint(1, 4)
                cents = rng.randint(100, 50_000)
                returned = 0 if mode == 0 else (qty if mode == 2 else (rng.randint(0, qty) if k else 1))
                reason = reasons[(o + k) % 3] if returned else ""
                fh.write(f"{o:07d},1000.4636.{o},SKU-{k}-{o % 997},Cat{k},{qty},{cents // 100}.{cents % 100:02d},"
                         f"{returned},{reason},USD,NEW\n")


def measure(cmd: list[str], runs: int) -> dict:
    """Best wall time of `runs` runs of `cmd` (via run_measured.py, which also gives the peak RSS)."""
    best: dict | None = None
    with tempfile.TemporaryDirectory() as tmp:
        result, out, err = (str(Path(tmp) / n) for n in ("result.json", "stdout", "stderr"))
        for _ in range(runs):
            subprocess.run([sys.executable, str(HERE / "run_measured.py"), result, out, err, "--", *cmd], check=True)
            raw = json.loads(Path(result).read_text())
            stats = {"wall_s": raw["seconds"], "max_rss_mib": raw["peak_rss"] / 2**20, "exit": raw["exit_code"]}
            if best is None or stats["wall_s"] < best["wall_s"]:
                best = stats
    assert best is not None
    return best


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--orders", type=int, default=200_000)
    ap.add_argument("--lines-per-order", type=int, default=5)
    ap.add_argument("--workdir", type=Path)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="bk-build-"))
    work.mkdir(parents=True, exist_ok=True)
    export = work / f"returns_{args.orders}x{args.lines_per_order}.csv"
    if not export.exists():
        generate(export, args.orders, args.lines_per_order)
    (work / "batchkit.toml").write_text(CONFIG)
    out = work / "out"
    timings = []
    for _ in range(args.runs):
        shutil.rmtree(out, ignore_errors=True)
        timings.append(measure([BATCHKIT, "build", str(export), "--out", str(out), "--config", str(work / "batchkit.toml")], 1))
        if timings[-1]["exit"] != 0:
            print(f"build failed with exit {timings[-1]['exit']}", file=sys.stderr)
            return 1
    build = min(timings, key=lambda t: t["wall_s"])
    files = sorted(str(p) for p in out.iterdir())
    check = measure([BATCHKIT, "validate", *files, "--config", str(work / "batchkit.toml")], args.runs)
    lines = args.orders * args.lines_per_order
    ratio = build["wall_s"] / check["wall_s"]
    print(f"input: {lines:,} lines, {args.orders:,} orders ({export.stat().st_size / 1e6:.0f} MB); output: {len(files)} files")
    print(f"{'step':<28}{'seconds':>9}{'peak RSS MiB':>14}{'exit':>6}")
    print(f"{'batchkit build':<28}{build['wall_s']:>9.2f}{build['max_rss_mib']:>14.0f}{build['exit']:>6}")
    print(f"{'batchkit validate (output)':<28}{check['wall_s']:>9.2f}{check['max_rss_mib']:>14.0f}{check['exit']:>6}")
    verdict = "PASS" if ratio <= 3 else "FAIL"
    print(f"{verdict}: build is {ratio:.2f}x the validation of its output (target <= 3x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
