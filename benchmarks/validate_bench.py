"""Benchmark ``batchkit validate`` against baselines measured in the same run.

For each generated file (1M-row order-modification, clean and with 1% bad rows; 200k-order
item-modification with 5 items per order, clean and with 1% bad rows) this measures, each as
a whole separate process, best wall time of ``--runs`` runs and the peak RSS of that process
(each command runs under the tiny wrapper ``run_measured.py``, whose ``os.wait4`` gives that
one child's own ``ru_maxrss``):

* ``batchkit validate FILE --kind KIND --format json`` (exit 0 expected for clean files,
  1 for bad ones; a mismatch is reported loudly);
* the fastest reasonable read of the file, ``pyarrow.csv.read_csv(FILE)`` (multithreaded, types
  inferred): the reference of the "<= 2x the read" target (the README's earlier figures were against
  pandas' C-engine read, which is slower and flattered batchkit); pandas' C-engine read and its
  ``engine="pyarrow"`` read are shown beside it (informational);
* a polars pipeline running the same main checks (``benchmarks/polars_equiv.py``: the bar to beat,
  its error counts per code compared with batchkit's, which must be identical);
* frictionless with equivalent rules (``benchmarks/frictionless_equiv.py``), order and item files.

``--big-rows N`` adds a clean N-row order-modification file (5-10 million: the big-file targets,
<= 3.5x the read, peak memory <= 1.3x the read's).

Then it prints a table and PASS/FAIL lines for the targets. Exits non-zero on a failed
target only with ``--strict``.

    .venv/bin/python benchmarks/validate_bench.py [--rows N] [--orders N] [--big-rows N] [--workdir DIR]
    .venv/bin/python benchmarks/validate_bench.py --quick          # smoke test
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))

import generate  # noqa: E402  (sibling module, importable once BENCH_DIR is on sys.path)

MIB = 1024 * 1024
PANDAS_READ = "import sys, pandas as pd; pd.read_csv(sys.argv[1], dtype=str)"
PYARROW_READ = "import sys, pandas as pd; pd.read_csv(sys.argv[1], dtype=str, engine='pyarrow')"
ARROW_READ = "import sys, pyarrow.csv as csv; csv.read_csv(sys.argv[1])"

# Targets
MAX_RATIO_TO_ARROW_READ = 2.0  # files of up to BIG_FROM rows
MAX_RATIO_TO_ARROW_READ_BIG = 3.5  # BIG_FROM rows and more
MAX_PEAK_TO_ARROW_READ_BIG = 1.3  # peak memory of batchkit / of the read, BIG_FROM rows and more
BIG_FROM = 5_000_000
MAX_RATIO_TO_POLARS = 1.5
MIN_SPEEDUP_VS_FRICTIONLESS = 6.0
MAX_BAD_TO_CLEAN = 2.0
MAX_PEAK_RSS_BYTES = 1024 * MIB  # 1 GiB, for the 1M-row (order-modification) files


# --------------------------------------------------------------------------- data model


@dataclass(frozen=True)
class BenchFile:
    """One generated input file and what ``batchkit validate`` should say about it."""

    label: str
    kind: str
    path: Path
    rows: int
    bad_fraction: float
    items_per_order: int = 0

    @property
    def expected_exit(self) -> int:
        """0 for a clean file, 1 for a file with errors."""
        return 1 if self.bad_fraction > 0 else 0

    def params(self) -> dict[str, object]:
        """The parameters that identify the generated content (for reuse)."""
        return {
            "generator_version": generate.GENERATOR_VERSION,
            "kind": self.kind,
            "rows": self.rows,
            "bad_fraction": self.bad_fraction,
            "items_per_order": self.items_per_order,
            "seed": generate.DEFAULT_SEED,
        }


@dataclass
class Run:
    """One process run: wall seconds, peak RSS in bytes, exit code."""

    seconds: float
    peak_rss: int
    exit_code: int


@dataclass
class Measurement:
    """Several runs of the same command: best wall time, largest peak RSS."""

    runs: list[Run] = field(default_factory=list)
    note: str = ""
    log_stem: Path | None = None

    @property
    def seconds(self) -> float:
        return min(run.seconds for run in self.runs)

    @property
    def peak_rss(self) -> int:
        return max(run.peak_rss for run in self.runs)

    @property
    def exit_codes(self) -> list[int]:
        return [run.exit_code for run in self.runs]


@dataclass
class FileResult:
    """All measurements for one file."""

    file: BenchFile
    batchkit: Measurement
    bare_read: Measurement
    pyarrow_read: Measurement
    arrow_read: Measurement
    polars: Measurement | None = None
    frictionless: Measurement | None = None


@dataclass
class Check:
    """One target: its name, whether it holds and the figures behind it."""

    name: str
    passed: bool
    detail: str


# --------------------------------------------------------------------------- processes


def run_process(cmd: Sequence[str], log_stem: Path, timeout: float) -> Run:
    """Run ``cmd`` once through ``run_measured.py``; return its wall time, peak RSS, exit code.

    stdout and stderr go to ``log_stem.out`` / ``log_stem.err``. The wrapper forks the
    command from a small process, so its peak RSS is its own and not this benchmark's
    (Linux carries the RSS high-water mark across exec); see ``run_measured.py``.
    """
    result_path = Path(f"{log_stem}.run.json")
    result_path.unlink(missing_ok=True)
    wrapper = [
        sys.executable,
        str(BENCH_DIR / "run_measured.py"),
        str(result_path),
        f"{log_stem}.out",
        f"{log_stem}.err",
        "--",
        *cmd,
    ]
    proc = subprocess.Popen(wrapper, cwd=REPO, start_new_session=True)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        print(f"!!! timeout after {timeout:g} s: {shlex.join(cmd)}", file=sys.stderr)
        os.killpg(proc.pid, signal.SIGKILL)  # the group this benchmark started
        proc.wait()
        return Run(seconds=float("inf"), peak_rss=0, exit_code=-signal.SIGKILL)
    if proc.returncode != 0 or not result_path.exists():
        raise RuntimeError(f"measuring wrapper failed ({proc.returncode}) for {shlex.join(cmd)}")
    figures = json.loads(result_path.read_text())
    return Run(
        seconds=float(figures["seconds"]),
        peak_rss=int(figures["peak_rss"]),
        exit_code=int(figures["exit_code"]),
    )


def measure(
    cmd: Sequence[str],
    log_stem: Path,
    *,
    runs: int,
    timeout: float,
    label: str,
) -> Measurement:
    """Run ``cmd`` ``runs`` times and collect the runs (output of the last one is kept)."""
    measurement = Measurement(log_stem=log_stem)
    for index in range(runs):
        run = run_process(cmd, log_stem, timeout)
        measurement.runs.append(run)
        print(
            f"    {label:<13} run {index + 1}/{runs}: {run.seconds:8.2f} s "
            f"{run.peak_rss / MIB:8.1f} MiB  exit {run.exit_code}",
            flush=True,
        )
    return measurement


# --------------------------------------------------------------------------- commands


def default_batchkit_cmd() -> list[str]:
    """``.venv/bin/batchkit`` when it exists, else ``python -m batchkit``."""
    script = REPO / ".venv" / "bin" / "batchkit"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "batchkit"]


def check_batchkit_available(prefix: list[str]) -> bool:
    """True when ``PREFIX --help`` exits 0."""
    try:
        result = subprocess.run(
            [*prefix, "--help"], capture_output=True, timeout=60, cwd=REPO, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0


def batchkit_cmd(prefix: list[str], bench_file: BenchFile) -> list[str]:
    """The validate command line for one file."""
    return [
        *prefix,
        "validate",
        str(bench_file.path),
        "--kind",
        bench_file.kind,
        "--format",
        "json",
    ]


def python_cmd(code: str, path: Path) -> list[str]:
    """A ``python -c CODE PATH`` command line, with this interpreter."""
    return [sys.executable, "-c", code, str(path)]


def polars_cmd(bench_file: BenchFile) -> list[str]:
    """The polars pipeline with the same main checks, on one file."""
    return [sys.executable, str(BENCH_DIR / "polars_equiv.py"), str(bench_file.path), "--kind", bench_file.kind]


def frictionless_cmd(path: Path) -> list[str]:
    """The frictionless-equivalent validation of one file."""
    return [sys.executable, str(BENCH_DIR / "frictionless_equiv.py"), str(path)]


# --------------------------------------------------------------------------- generation


def bench_files(workdir: Path, rows: int, orders: int, bad_fraction: float, big_rows: int = 0) -> list[BenchFile]:
    """The four benchmark files, and the big one when `big_rows` (not yet generated)."""
    pct = f"{bad_fraction * 100:g}pct"
    items = generate.DEFAULT_ITEMS_PER_ORDER
    big = [BenchFile("order big", "order-modification", workdir / f"order_{big_rows}.csv", big_rows, 0.0)]
    return [
        BenchFile("order clean", "order-modification", workdir / f"order_{rows}.csv", rows, 0.0),
        BenchFile(
            f"order {pct} bad",
            "order-modification",
            workdir / f"order_{rows}_bad{pct}.csv",
            rows,
            bad_fraction,
        ),
        BenchFile(
            "item clean", "item-modification", workdir / f"item_{orders}.csv", orders, 0.0, items
        ),
        BenchFile(
            f"item {pct} bad",
            "item-modification",
            workdir / f"item_{orders}_bad{pct}.csv",
            orders,
            bad_fraction,
            items,
        ),
    ] + (big if big_rows else [])


def ensure_generated(bench_file: BenchFile) -> None:
    """Generate ``bench_file`` unless the same parameters were generated there already."""
    sidecar = bench_file.path.with_suffix(".params.json")
    params = bench_file.params()
    if bench_file.path.exists() and sidecar.exists():
        stored = json.loads(sidecar.read_text())
        if stored.get("params") == params and stored.get("size") == bench_file.path.stat().st_size:
            print(f"  reusing {bench_file.path}")
            return
    started = time.perf_counter()
    if bench_file.kind == "order-modification":
        result = generate.write_order_modification(
            bench_file.path, bench_file.rows, bad_fraction=bench_file.bad_fraction
        )
    else:
        result = generate.write_item_modification(
            bench_file.path,
            bench_file.rows,
            items_per_order=bench_file.items_per_order,
            bad_fraction=bench_file.bad_fraction,
        )
    size = bench_file.path.stat().st_size
    sidecar.write_text(json.dumps({"params": params, "size": size, "damage": result.damage}))
    print(
        f"  generated {bench_file.path} ({size / MIB:.0f} MiB, {result.bad_rows} bad rows) "
        f"in {time.perf_counter() - started:.1f} s"
    )


def write_prefix(source: Path, target: Path, rows: int) -> None:
    """Copy the header and the first ``rows`` records (one line each) of ``source``."""
    with source.open("rb") as src, target.open("wb") as dst:
        for index, line in enumerate(src):
            if index > rows:
                break
            dst.write(line)


# --------------------------------------------------------------------------- frictionless


def measure_frictionless(
    bench_file: BenchFile, prefix_rows: int | None, logs: Path, *, runs: int, timeout: float
) -> Measurement:
    """Frictionless on the whole file, or on a prefix with a clearly labelled extrapolation.

    The extrapolation separates the fixed start-up cost (measured on a one-record file) from
    the per-row cost: ``t = t_startup + (t_prefix - t_startup) * rows / prefix_rows``.
    """
    stem = logs / f"{bench_file.path.stem}.frictionless"
    if prefix_rows is None or prefix_rows >= bench_file.rows:
        return measure(
            frictionless_cmd(bench_file.path),
            stem,
            runs=runs,
            timeout=timeout,
            label="frictionless",
        )
    prefix = bench_file.path.with_name(f"{bench_file.path.stem}.head{prefix_rows}.csv")
    one_row = bench_file.path.with_name(f"{bench_file.path.stem}.head1.csv")
    write_prefix(bench_file.path, prefix, prefix_rows)
    write_prefix(bench_file.path, one_row, 1)
    on_prefix = measure(
        frictionless_cmd(prefix), stem, runs=runs, timeout=timeout, label="frictionless*"
    )
    startup = measure(
        frictionless_cmd(one_row),
        Path(f"{stem}.startup"),
        runs=runs,
        timeout=timeout,
        label="fl startup",
    )
    per_row = max(0.0, on_prefix.seconds - startup.seconds) / prefix_rows
    estimate = startup.seconds + per_row * bench_file.rows
    extrapolated = Measurement(
        runs=[
            Run(seconds=estimate, peak_rss=on_prefix.peak_rss, exit_code=on_prefix.exit_codes[0])
        ],
        log_stem=stem,
        note=(
            f"EXTRAPOLATED linearly from {prefix_rows} of {bench_file.rows} rows "
            f"({on_prefix.seconds:.2f} s on the prefix, {startup.seconds:.2f} s start-up); "
            f"its RSS is the prefix run's"
        ),
    )
    return extrapolated


# --------------------------------------------------------------------------- benchmark


@dataclass(frozen=True)
class Options:
    """Everything the benchmark loop needs from the command line."""

    batchkit_prefix: list[str]
    runs: int
    frictionless: bool
    frictionless_rows: int | None
    frictionless_runs: int
    timeout: float
    polars: bool = True


def bench_one(bench_file: BenchFile, options: Options, logs: Path) -> FileResult:
    """Measure batchkit and the baselines on one file."""
    print(f"\n== {bench_file.label}: {bench_file.path.name} ({bench_file.rows} rows)", flush=True)
    stem = logs / bench_file.path.stem
    runs, timeout = options.runs, options.timeout
    result = FileResult(
        file=bench_file,
        batchkit=measure(
            batchkit_cmd(options.batchkit_prefix, bench_file),
            Path(f"{stem}.batchkit"),
            runs=runs,
            timeout=timeout,
            label="batchkit",
        ),
        bare_read=measure(
            python_cmd(PANDAS_READ, bench_file.path),
            Path(f"{stem}.pandas"),
            runs=runs,
            timeout=timeout,
            label="pandas read",
        ),
        pyarrow_read=measure(
            python_cmd(PYARROW_READ, bench_file.path),
            Path(f"{stem}.pyarrow"),
            runs=runs,
            timeout=timeout,
            label="pandas(arrow)",
        ),
        arrow_read=measure(
            python_cmd(ARROW_READ, bench_file.path),
            Path(f"{stem}.arrow"),
            runs=runs,
            timeout=timeout,
            label="pyarrow read",
        ),
    )
    if options.polars:
        result.polars = measure(polars_cmd(bench_file), Path(f"{stem}.polars"), runs=runs, timeout=timeout,
                                label="polars")
    if options.frictionless and bench_file.rows < BIG_FROM:  # the big file: minutes each, and no target of its own
        result.frictionless = measure_frictionless(
            bench_file,
            options.frictionless_rows,
            logs,
            runs=options.frictionless_runs,
            timeout=timeout,
        )
    report_exit_codes(result, logs)
    return result


def report_exit_codes(result: FileResult, logs: Path) -> None:
    """Shout when batchkit's exit code is not the expected one; show its stderr tail."""
    expected = result.file.expected_exit
    wrong = [code for code in result.batchkit.exit_codes if code != expected]
    if not wrong:
        return
    err = Path(f"{logs / result.file.path.stem}.batchkit.err")
    tail = err.read_text(errors="replace").strip().splitlines()[-5:] if err.exists() else []
    print(
        f"!!! EXIT CODE MISMATCH for {result.file.label}: batchkit exited "
        f"{result.batchkit.exit_codes}, expected {expected}",
        file=sys.stderr,
    )
    for line in tail:
        print(f"!!!   {line}", file=sys.stderr)


# --------------------------------------------------------------------------- report


def _fmt_seconds(measurement: Measurement | None) -> str:
    if measurement is None:
        return "-"
    mark = "*" if measurement.note else ""
    return f"{measurement.seconds:.2f}{mark}"


def print_table(results: list[FileResult]) -> None:
    """The main table: one line per file."""
    header = (
        f"{'file':<15} {'rows':>9} {'batchkit s':>10} {'pyarrow read s':>14} {'ratio':>6} {'polars s':>8} "
        f"{'ratio':>6} {'frictionless s':>14} {'speedup':>8} {'peak MiB':>8} {'read MiB':>8} {'exit':>6}"
    )
    print("\n" + header)
    print("-" * len(header))
    for result in results:
        bk, read, pl, fl = result.batchkit, result.arrow_read, result.polars, result.frictionless
        speedup = f"{fl.seconds / bk.seconds:.1f}x" if fl else "-"
        to_polars = f"{bk.seconds / pl.seconds:.2f}x" if pl else "-"
        exits = ",".join(str(code) for code in sorted(set(bk.exit_codes)))
        print(
            f"{result.file.label:<15} {result.file.rows:>9} {bk.seconds:>10.2f} "
            f"{read.seconds:>14.2f} {bk.seconds / read.seconds:>5.2f}x {_fmt_seconds(pl):>8} {to_polars:>6} "
            f"{_fmt_seconds(fl):>14} {speedup:>8} {bk.peak_rss / MIB:>8.0f} {read.peak_rss / MIB:>8.0f} {exits:>6}"
        )


def print_details(results: list[FileResult]) -> None:
    """Informational lines: pyarrow read, baselines' memory, notes."""
    print()
    for result in results:
        bk, pa, bare, fl = (
            result.batchkit,
            result.pyarrow_read,
            result.bare_read,
            result.frictionless,
        )
        print(
            f"{result.file.label:<15} pandas reads (informational): C engine {bare.seconds:.2f} s "
            f"(batchkit {bk.seconds / bare.seconds:.2f}x), engine='pyarrow' {pa.seconds:.2f} s "
            f"(batchkit {bk.seconds / pa.seconds:.2f}x); RSS MiB: "
            f"pandas read {bare.peak_rss / MIB:.0f}, pandas(arrow) read {pa.peak_rss / MIB:.0f}"
            + (f", frictionless {fl.peak_rss / MIB:.0f}" if fl else "")
        )
    for result in results:
        print(f"{result.file.label:<15} {findings_summary(result)}")
    for result in results:
        if result.frictionless is not None and result.frictionless.note:
            print(f"* {result.file.label}: frictionless {result.frictionless.note}")
        if result.file.items_per_order:
            print(
                f"  {result.file.label}: rows are orders, "
                f"{result.file.items_per_order} item groups each"
            )


def read_json_output(measurement: Measurement | None) -> object:
    """The JSON printed by a measured command's last run, or None when there is none."""
    if measurement is None or measurement.log_stem is None:
        return None
    try:
        return json.loads(Path(f"{measurement.log_stem}.out").read_text())
    except (OSError, ValueError):
        return None


def findings_summary(result: FileResult) -> str:
    """What batchkit and frictionless reported, next to the number of damaged rows."""
    damaged = round(result.file.rows * result.file.bad_fraction)
    parts = [f"damaged rows {damaged}"]
    report = read_json_output(result.batchkit)
    if isinstance(report, dict) and "errors" in report:
        codes: dict[str, int] = {}
        for file_report in report.get("files", []):
            for code, count in file_report.get("counts", {}).items():
                codes[code] = codes.get(code, 0) + count
        listed = " ".join(f"{code}:{count}" for code, count in sorted(codes.items()))
        parts.append(
            f"batchkit {report['errors']} errors, {report.get('warnings', '?')} warnings"
            + (f" ({listed})" if listed else "")
        )
    else:
        parts.append("batchkit output is NOT the expected JSON report")
    summary = read_json_output(result.frictionless)
    if isinstance(summary, dict):
        parts.append(f"frictionless {summary.get('errors')} errors on {summary.get('rows')} rows")
    return "; ".join(parts)


def evaluate(results: list[FileResult]) -> list[Check]:
    """The targets, as PASS/FAIL checks."""
    checks: list[Check] = []
    for result in results:
        checks.extend(file_checks(result))
    for kind in sorted({result.file.kind for result in results}):
        clean = [r for r in results if r.file.kind == kind and r.file.expected_exit == 0]
        bad = [r for r in results if r.file.kind == kind and r.file.expected_exit == 1]
        if clean and bad:
            checks.append(bad_to_clean_check(clean[0], bad[0]))
    return checks


def bad_to_clean_check(clean: FileResult, bad: FileResult) -> Check:
    """The file with bad rows takes at most ``MAX_BAD_TO_CLEAN`` times the clean time."""
    factor = bad.batchkit.seconds / clean.batchkit.seconds
    return Check(
        f"{bad.file.label}: <= {MAX_BAD_TO_CLEAN:g}x the clean file's time",
        factor <= MAX_BAD_TO_CLEAN,
        f"{bad.batchkit.seconds:.2f} s vs {clean.batchkit.seconds:.2f} s = {factor:.2f}x",
    )


def file_checks(result: FileResult) -> list[Check]:
    """The per-file targets: exit code, ratio to the bare read, speedup, memory."""
    bk, label = result.batchkit, result.file.label
    expected = result.file.expected_exit
    checks = [
        Check(
            f"{label}: exit code {expected}",
            all(code == expected for code in bk.exit_codes),
            f"got {bk.exit_codes}",
        ),
        read_check(result),
    ]
    checks.extend(polars_checks(result))
    if result.file.rows >= BIG_FROM:
        read = result.arrow_read
        checks.append(Check(
            f"{label}: peak memory <= {MAX_PEAK_TO_ARROW_READ_BIG:g}x the pyarrow read's",
            bk.peak_rss <= MAX_PEAK_TO_ARROW_READ_BIG * read.peak_rss,
            f"{bk.peak_rss / MIB:.0f} MiB vs {read.peak_rss / MIB:.0f} MiB = {bk.peak_rss / read.peak_rss:.2f}x"))
    if result.frictionless is not None:
        fl = result.frictionless
        checks.append(
            Check(
                f"{label}: >= {MIN_SPEEDUP_VS_FRICTIONLESS:g}x faster than frictionless",
                fl.seconds >= MIN_SPEEDUP_VS_FRICTIONLESS * bk.seconds,
                f"{fl.seconds:.2f} s{' (extrapolated)' if fl.note else ''} vs {bk.seconds:.2f} s "
                f"= {fl.seconds / bk.seconds:.1f}x",
            )
        )
    if result.file.kind == "order-modification" and result.file.rows < BIG_FROM:
        checks.append(
            Check(
                f"{label} ({result.file.rows} rows): peak RSS < 1 GiB",
                bk.peak_rss < MAX_PEAK_RSS_BYTES,
                f"{bk.peak_rss / MIB:.0f} MiB",
            )
        )
    return checks


def read_check(result: FileResult) -> Check:
    """batchkit against the fastest reasonable read of the same file."""
    bk, read = result.batchkit, result.arrow_read
    limit = MAX_RATIO_TO_ARROW_READ_BIG if result.file.rows >= BIG_FROM else MAX_RATIO_TO_ARROW_READ
    return Check(f"{result.file.label}: validation <= {limit:g}x a pyarrow read", bk.seconds <= limit * read.seconds,
                 f"{bk.seconds:.2f} s vs {read.seconds:.2f} s = {bk.seconds / read.seconds:.2f}x")


def error_counts(measurement: Measurement | None) -> dict[str, int] | None:
    """Errors per code of batchkit's JSON report (errors only) or of polars_equiv.py's output."""
    out = read_json_output(measurement)
    if not isinstance(out, dict):
        return None
    if "files" in out:  # batchkit: counts per code (errors and warnings), each code's severity from its samples
        codes: dict[str, int] = {}
        for file_report in out["files"]:
            severity = {f["code"]: f.get("severity") for f in file_report.get("findings", [])}
            for code, count in file_report.get("counts", {}).items():
                if severity.get(code) == "error":
                    codes[code] = codes.get(code, 0) + count
        return codes
    errors = out.get("errors")
    return {str(k): int(v) for k, v in errors.items()} if isinstance(errors, dict) else None


def polars_checks(result: FileResult) -> list[Check]:
    """batchkit within MAX_RATIO_TO_POLARS of the polars pipeline, which found the same errors."""
    pl, bk = result.polars, result.batchkit
    if pl is None:
        return []
    ours, theirs = error_counts(bk), error_counts(pl)
    return [Check(f"{result.file.label}: validation <= {MAX_RATIO_TO_POLARS:g}x the polars pipeline",
                  bk.seconds <= MAX_RATIO_TO_POLARS * pl.seconds,
                  f"{bk.seconds:.2f} s vs {pl.seconds:.2f} s = {bk.seconds / pl.seconds:.2f}x"),
            Check(f"{result.file.label}: the polars pipeline finds the same errors per code",
                  ours is not None and ours == theirs, f"batchkit {ours}, polars {theirs}")]


def print_checks(checks: list[Check]) -> None:
    """One PASS/FAIL line per target."""
    print()
    for check in checks:
        print(f"{'PASS' if check.passed else 'FAIL'}  {check.name}: {check.detail}")


def print_environment(options: Options, args: argparse.Namespace) -> None:
    """What was run where, for the record."""
    import pandas  # local: only for its version

    print(
        f"batchkit validate benchmark: python {platform.python_version()}, pandas "
        f"{pandas.__version__}, {os.cpu_count()} CPUs, {platform.machine()}"
    )
    print(f"batchkit command: {shlex.join(options.batchkit_prefix)}")
    print(
        f"rows {args.rows}, orders {args.orders}, bad fraction {args.bad_fraction}, "
        f"runs {options.runs} (best wall time, peak RSS of the largest run), "
        f"frictionless {'on' if options.frictionless else 'off'}"
        + (f" (prefix {options.frictionless_rows} rows)" if options.frictionless_rows else "")
    )


# --------------------------------------------------------------------------- CLI


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options; ``--quick`` changes the defaults of the others."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, help="order-modification rows (default 1,000,000)")
    parser.add_argument("--orders", type=int, help="item-modification orders (default 200,000)")
    parser.add_argument("--bad-fraction", type=float, default=0.01)
    parser.add_argument("--big-rows", type=int, default=0,
                        help="add a clean order-modification file of this many rows (5-10 million: the big-file targets)")
    parser.add_argument("--polars", action=argparse.BooleanOptionalAction, default=True,
                        help="measure the polars pipeline (benchmarks/polars_equiv.py; default on)")
    parser.add_argument("--workdir", type=Path, help="where files go (default: a temp dir)")
    parser.add_argument("--runs", type=int, help="runs per measurement (default 3)")
    parser.add_argument(
        "--frictionless",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="measure frictionless (default on, off with --quick)",
    )
    parser.add_argument(
        "--frictionless-rows",
        type=int,
        help="measure frictionless on this many rows and extrapolate (default: whole file)",
    )
    parser.add_argument(
        "--frictionless-runs", type=int, help="runs for frictionless (default --runs)"
    )
    parser.add_argument(
        "--batchkit-cmd",
        help="command prefix run instead of batchkit, from the repository root "
        "(gets 'validate FILE --kind K --format json')",
    )
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per process")
    parser.add_argument("--quick", action="store_true", help="50k rows / 10k orders, 1 run")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target fails")
    args = parser.parse_args(argv)
    apply_defaults(args)
    return args


def apply_defaults(args: argparse.Namespace) -> None:
    """Fill the options left unset, according to ``--quick``."""
    quick = args.quick
    args.rows = args.rows or (50_000 if quick else generate.DEFAULT_ROWS)
    args.orders = args.orders or (10_000 if quick else generate.DEFAULT_ORDERS)
    args.runs = args.runs or (1 if quick else 3)
    args.frictionless = (not quick) if args.frictionless is None else args.frictionless
    args.frictionless_runs = args.frictionless_runs or args.runs


def options_from(args: argparse.Namespace) -> Options:
    """Resolve the batchkit command and build :class:`Options`."""
    prefix = shlex.split(args.batchkit_cmd) if args.batchkit_cmd else default_batchkit_cmd()
    return Options(
        batchkit_prefix=prefix,
        runs=args.runs,
        frictionless=args.frictionless,
        frictionless_rows=args.frictionless_rows,
        frictionless_runs=args.frictionless_runs,
        timeout=args.timeout,
        polars=args.polars,
    )


def with_workdir(args: argparse.Namespace, body: Callable[[Path], int]) -> int:
    """Run ``body`` in ``--workdir`` (kept) or in a temporary directory (removed after)."""
    if args.workdir is not None:
        args.workdir.mkdir(parents=True, exist_ok=True)
        return body(args.workdir.resolve())
    tmp = Path(tempfile.mkdtemp(prefix="batchkit-bench-"))
    try:
        return body(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    """Generate, measure, print; non-zero only with ``--strict`` and a failed target."""
    args = parse_args(argv)
    options = options_from(args)
    print_environment(options, args)
    if not check_batchkit_available(options.batchkit_prefix):
        print(
            f"!!! `{shlex.join(options.batchkit_prefix)} --help` does not exit 0: "
            "is batchkit installed? (use --batchkit-cmd for a stand-in)",
            file=sys.stderr,
        )

    def body(workdir: Path) -> int:
        print(f"work dir: {workdir}")
        files = bench_files(workdir, args.rows, args.orders, args.bad_fraction, args.big_rows)
        for bench_file in files:
            ensure_generated(bench_file)
        logs = workdir / "logs"
        logs.mkdir(exist_ok=True)
        results = [bench_one(bench_file, options, logs) for bench_file in files]
        print_table(results)
        print_details(results)
        checks = evaluate(results)
        print_checks(checks)
        save_results(workdir / "results.json", results, checks)
        failed = [check for check in checks if not check.passed]
        print(f"\ntargets: {len(checks) - len(failed)} PASS, {len(failed)} FAIL")
        return 1 if failed and args.strict else 0

    return with_workdir(args, body)


def save_results(path: Path, results: list[FileResult], checks: list[Check]) -> None:
    """Keep the raw figures next to the files (useful with ``--workdir``)."""
    payload = {
        "results": [
            {
                "file": str(r.file.path),
                "label": r.file.label,
                "rows": r.file.rows,
                "batchkit": asdict(r.batchkit),
                "bare_read": asdict(r.bare_read),
                "pyarrow_read": asdict(r.pyarrow_read),
                "frictionless": asdict(r.frictionless) if r.frictionless else None,
            }
            for r in results
        ],
        "checks": [asdict(check) for check in checks],
    }
    path.write_text(json.dumps(payload, indent=2, default=str))


if __name__ == "__main__":
    raise SystemExit(main())
