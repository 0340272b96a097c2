"""Start-up of batchkit as whole processes, hyperfine-like, against its baselines (issue 26).

Every command is run `--runs` times (default 20) after `--warmup` unmeasured runs, each as a fresh process, the
commands interleaved round by round (one run of each per round, in an order that alternates between rounds) so
that a loaded machine slows all of them alike. For each it prints min and median wall time, and beside it its
baseline:

* `batchkit validate FILE` of a generated 10-row order-modification file (one row damaged, so every stage runs:
  pandera's frame checks on every row and its per-field checks on the row the prefilter cannot vouch for),
  and of the same file without the damaged row, against `python -c "import pandas, pyarrow"` measured in the
  same rounds: the ratio is the median of the per-round ratios (paired) and min/min; target <= 1.3x;
* `batchkit --help`, `template order-reversal`, `status` (an empty state folder), `sandbox --help`,
  `serve --help`: target <= 0.15 s each.

PASS/FAIL is judged on the median (the paired median for ratios); min is shown beside it. Exits 1 on a FAIL only
with --strict.

    .venv/bin/python benchmarks/startup_bench.py [--runs 20] [--warmup 2] [--strict]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import generate  # noqa: E402  (sibling module)

MAX_RATIO = 1.3  # validate of a 10-row file / import pandas, pyarrow
MAX_SECONDS = 0.15  # commands that do not validate
BASELINE = "import pandas, pyarrow"


@dataclass
class Command:
    name: str
    argv: list[str]
    expect: int  # exit code
    target: str  # "ratio" or "seconds" or "baseline"
    times: list[float] = field(default_factory=list)


def _batchkit() -> list[str]:
    """The installed console script beside this interpreter (what a user runs), else `python -m batchkit`."""
    script = Path(sys.executable).with_name("batchkit")
    return [str(script)] if script.exists() else [sys.executable, "-m", "batchkit"]


def _time(cmd: Command, env: dict[str, str], cwd: str) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd.argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=cwd)
    elapsed = time.perf_counter() - start
    if done.returncode != cmd.expect:
        raise SystemExit(f"{cmd.name}: exit {done.returncode}, expected {cmd.expect}\n{done.stderr.decode()}")
    return elapsed


def _ten_rows(folder: Path) -> tuple[Path, Path]:
    damaged = folder / "acme_order-modifications_2026-12-01.csv"
    generate.write_order_modification(damaged, 10, bad_fraction=0.1, seed=26)
    clean = folder / "clean" / "acme_order-modifications_2026-12-01.csv"
    clean.parent.mkdir()
    generate.write_order_modification(clean, 10, seed=26)
    return damaged, clean


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target fails")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="startup_bench_") as tmp:
        work = Path(tmp)
        damaged, clean = _ten_rows(work)
        state = work / "state"
        state.mkdir()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("BATCHKIT_", "IMPACT_"))}
        env["BATCHKIT_STATE_DIR"] = str(state)
        bk = _batchkit()
        commands = [
            Command("python -c 'import pandas, pyarrow'", [sys.executable, "-c", BASELINE], 0, "baseline"),
            Command("validate 10 rows (1 bad)", [*bk, "validate", str(damaged)], 1, "ratio"),
            Command("validate 10 rows (clean)", [*bk, "validate", str(clean)], 0, "ratio"),
            Command("--help", [*bk, "--help"], 0, "seconds"),
            Command("template order-reversal", [*bk, "template", "order-reversal"], 0, "seconds"),
            Command("status (empty state)", [*bk, "status"], 0, "seconds"),
            Command("sandbox --help", [*bk, "sandbox", "--help"], 0, "seconds"),
            Command("serve --help", [*bk, "serve", "--help"], 0, "seconds"),
        ]
        for _ in range(args.warmup):
            for cmd in commands:
                _time(cmd, env, tmp)
        for round_ in range(args.runs):
            for cmd in commands if round_ % 2 == 0 else reversed(commands):
                cmd.times.append(_time(cmd, env, tmp))

    base = commands[0]
    print(f"{len(base.times)} paired runs per command, interleaved; python {sys.version.split()[0]}, "
          f"{os.cpu_count()} CPUs, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'command':34} {'min':>8} {'median':>8}   {'baseline':31} {'ratio':>14}  target     result")
    failed = False
    for cmd in commands:
        low, mid = min(cmd.times), statistics.median(cmd.times)
        line = f"{cmd.name:34} {low:7.3f}s {mid:7.3f}s   "
        if cmd.target == "baseline":
            print(line + "(the baseline)")
            continue
        if cmd.target == "ratio":
            paired = statistics.median(t / b for t, b in zip(cmd.times, base.times))
            ok = paired <= MAX_RATIO
            line += (f"import pandas, pyarrow {min(base.times):.3f}/{statistics.median(base.times):.3f}s  "
                     f"{low / min(base.times):5.2f}x/{paired:5.2f}x  <= {MAX_RATIO}x    ")
        else:
            ok = mid <= MAX_SECONDS
            line += f"{'':31} {'':>14}  <= {MAX_SECONDS:.2f} s  "
        failed |= not ok
        print(line + ("PASS" if ok else "FAIL"))
    print("ratio: min/min and the median of the per-round ratios; PASS/FAIL on the median")
    return 1 if failed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
