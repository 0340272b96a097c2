"""Benchmark: batchkit build on large exports, beside validating the files it produced.

    .venv/bin/python benchmarks/build_bench.py [--orders 200000] [--lines-per-order 5] [--workdir DIR] [--runs 3]
                                               [--woocommerce-rows 1000000] [--only returns|woocommerce]

1. returns: a deterministic returns export (orders x lines-per-order lines; about a third of the orders
   untouched, a third partly returned, a third fully returned).
2. woocommerce: a deterministic WooCommerce-shaped export of --woocommerce-rows rows (one row per product,
   1 to 4 per order, the order's totals repeated on each; about 10% of the orders refunded, cancelled or
   failed, and 3% partly refunded), built with --preset woocommerce. Skipped, saying "woocommerce preset
   not available", when the installed batchkit has no such preset.

Each runs `batchkit build` as a separate process, then `batchkit validate` on the files it wrote, best of
N runs each, and compares the two (target: build <= 3x the validation of its output). Peak memory per
process is measured through benchmarks/run_measured.py.
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
from scratch import work_folder  # noqa: E402  (benchmarks/ on sys.path)

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


WOO_HEADER = ("Order Number,Order Status,Order Date,SKU,Item Name,Quantity,Item Cost,Order Shipping Amount,"
              "Order Refund Amount,Order Total Amount,Currency\n")
WOO_CONFIG = """[build]
preset = "woocommerce"
action_tracker_id = 2240
prefix = "bench-woo"
"""


def generate_woocommerce(path: Path, rows: int, seed: int = 11) -> int:
    """Write a WooCommerce-shaped export of exactly `rows` rows; amounts from integer cents (no floats).
    Per 100 orders: 4 Refunded, 3 Cancelled, 3 Failed, 3 Completed with a partial refund, the rest
    Completed or Processing without one. Returns the number of orders."""
    rng = random.Random(seed)
    currencies = ["USD", "USD", "USD", "EUR", "GBP"]
    written = orders = 0
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(WOO_HEADER)
        while written < rows:
            n = min(rng.randint(1, 4), rows - written)
            number = 100000 + orders
            items = [(rng.randint(1, 3), rng.randint(100, 20_000)) for _ in range(n)]
            shipping = rng.choice([0, 495, 990])
            total = sum(q * c for q, c in items) + shipping
            kind = orders % 100
            status, refund = "Completed" if kind % 2 else "Processing", 0
            if kind < 4:
                status, refund = "Refunded", total
            elif kind < 7:
                status = "Cancelled"
            elif kind < 10:
                status = "Failed"
            elif kind < 13:
                status, refund = "Completed", rng.randint(1, total - 1)
            cur = currencies[orders % len(currencies)]
            head = f"{status},2025-12-{1 + orders % 28:02d} 10:{orders % 60:02d},"
            tail = (f",{shipping // 100}.{shipping % 100:02d},{refund // 100}.{refund % 100:02d},"
                    f"{total // 100}.{total % 100:02d},{cur}\n")
            fh.writelines(f"{number},{head}SKU-{k}-{number % 997},Item {k},{q},{c // 100}.{c % 100:02d}{tail}"
                          for k, (q, c) in enumerate(items))
            written += n
            orders += 1
    return orders


def preset_available(name: str) -> bool:
    """True when the installed batchkit's build accepts --preset `name`."""
    helped = subprocess.run([BATCHKIT, "build", "--help"], capture_output=True, text=True, check=False)
    return helped.returncode == 0 and name in helped.stdout


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


def compare(label: str, export: Path, config: Path, out: Path, runs: int, described: str) -> bool:
    """Build `export` (best of `runs`), validate what it wrote (best of `runs`), print both and the ratio."""
    timings = []
    for _ in range(runs):
        shutil.rmtree(out, ignore_errors=True)
        timings.append(measure([BATCHKIT, "build", str(export), "--out", str(out), "--config", str(config)], 1))
        if timings[-1]["exit"] != 0:
            print(f"{label}: build failed with exit {timings[-1]['exit']}", file=sys.stderr)
            return False
    build = min(timings, key=lambda t: t["wall_s"])
    files = sorted(str(p) for p in out.iterdir())
    check = measure([BATCHKIT, "validate", *files, "--config", str(config)], runs)
    ratio = build["wall_s"] / check["wall_s"]
    print(f"{label} input: {described} ({export.stat().st_size / 1e6:.0f} MB); output: {len(files)} files")
    print(f"{'step':<28}{'seconds':>9}{'peak RSS MiB':>14}{'exit':>6}")
    print(f"{'batchkit build':<28}{build['wall_s']:>9.2f}{build['max_rss_mib']:>14.0f}{build['exit']:>6}")
    print(f"{'batchkit validate (output)':<28}{check['wall_s']:>9.2f}{check['max_rss_mib']:>14.0f}{check['exit']:>6}")
    verdict = "PASS" if ratio <= 3 else "FAIL"
    print(f"{verdict}: {label} build is {ratio:.2f}x the validation of its output (target <= 3x)")
    return True


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--orders", type=int, default=200_000)
    ap.add_argument("--lines-per-order", type=int, default=5)
    ap.add_argument("--woocommerce-rows", type=int, default=1_000_000)
    ap.add_argument("--only", choices=["returns", "woocommerce"])
    ap.add_argument("--workdir", type=Path)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    work = work_folder(args.workdir, "bk-build-")
    ok = True
    if args.only in (None, "returns"):
        export = work / f"returns_{args.orders}x{args.lines_per_order}.csv"
        if not export.exists():
            generate(export, args.orders, args.lines_per_order)
        (work / "batchkit.toml").write_text(CONFIG)
        lines = args.orders * args.lines_per_order
        ok &= compare("returns", export, work / "batchkit.toml", work / "out", args.runs,
                      f"{lines:,} lines, {args.orders:,} orders")
    if args.only in (None, "woocommerce"):
        if not preset_available("woocommerce"):
            print("woocommerce: woocommerce preset not available (this batchkit's build has no --preset woocommerce)")
        else:
            export = work / f"woocommerce_{args.woocommerce_rows}.csv"
            orders = generate_woocommerce(export, args.woocommerce_rows)
            (work / "woocommerce.toml").write_text(WOO_CONFIG)
            if args.only is None:
                print()
            ok &= compare("woocommerce", export, work / "woocommerce.toml", work / "out-woo", args.runs,
                          f"{args.woocommerce_rows:,} rows, {orders:,} orders")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
