"""What the journal costs a file delivered to a drop: each record's change planned, looked up and recorded, beside
the file's validation and a bare SQLite insert of the same number of keys, measured in the same run.

    .venv/bin/python benchmarks/journal_bench.py [--rows 200000] [--rounds 3]

A drop receives files, but the journal keeps each record's change (README "Exactly once: the journal"), so that
the API never sends what a file delivered, nor a re-saved file what went earlier. Steps timed (best of the rounds):

  validate       validation alone (validation.engine.validate_paths): what a delivery cost before the journal
  plan           validation and each record's request (delivery/prepare.py)
  look up        each record's change computed and looked up in a journal that does not have it yet
  record         the file's records written into the journal (one transaction)
  look up again  the same file a second time: every change found (the file is skipped)
  baseline       sqlite3 executemany of the same number of 32-byte random keys into a WITHOUT ROWID table

Target: the journal's share (look up + record) at most 10 µs a record over the baseline's; reported, not asserted.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from batchkit.core.config import load_config  # noqa: E402
from batchkit.delivery.earlier import known, rows_for_journal  # noqa: E402
from batchkit.delivery.prepare import prepare  # noqa: E402
from batchkit.state.ledger import Ledger  # noqa: E402
from batchkit.validation.engine import validate_paths  # noqa: E402


def generate(path: Path, rows: int) -> Path:
    """An order-modification file of `rows` distinct actions."""
    rng = random.Random(20)
    with path.open("w") as fh:
        fh.write("ActionId,Amount,Reason\n")
        fh.writelines(f"1000.4636.{i},{rng.randint(1, 99999) / 100:.2f},ORDER_UPDATE\n" for i in range(rows))
    return path


def timed(work: object) -> tuple[float, object]:
    started = time.perf_counter()
    result = work()  # type: ignore[operator]
    return time.perf_counter() - started, result


def one_round(path: Path, work: Path, n: int) -> dict[str, float]:
    """Every step once, in a fresh state folder."""
    config = load_config(cwd=path.parent)
    figures: dict[str, float] = {}
    figures["validate"], _ = timed(lambda: validate_paths([str(path)], config))
    figures["plan"], plans = timed(lambda: prepare([path], config))
    fp = plans[0]  # type: ignore[index]
    ledger = Ledger(work / f"state{n}")
    figures["look up"], k = timed(lambda: known(fp, "IRBENCH", ledger.journal))
    delivery = ledger.begin(path.name, fp.item.sha256, fp.item.size, "file:///drop")
    figures["record"], _ = timed(lambda: (ledger.journal.record_file(delivery, rows_for_journal(k)),
                                          ledger.update(delivery, "delivered")))
    figures["look up again"], again = timed(lambda: known(fp, "IRBENCH", ledger.journal))
    assert again.all_done  # type: ignore[attr-defined]
    ledger.close()
    figures["baseline"] = baseline(work / f"bare{n}.sqlite3", len(k.records))  # type: ignore[attr-defined]
    return figures


def baseline(path: Path, rows: int) -> float:
    """A bare insert of `rows` keys: the least a journal of them can cost."""
    keys = [(hashlib.sha256(str(i).encode()).digest(),) for i in range(rows)]  # random order, like real keys
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("CREATE TABLE t (k BLOB PRIMARY KEY) WITHOUT ROWID")
    started = time.perf_counter()
    db.execute("BEGIN")
    db.executemany("INSERT INTO t VALUES (?)", keys)
    db.execute("COMMIT")
    seconds = time.perf_counter() - started
    db.close()
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="batchkit-journal-") as tmp:
        work = Path(tmp)
        path = generate(work / "bench_order-modifications.csv", args.rows)
        rounds = [one_round(path, work, n) for n in range(args.rounds)]
    best = {step: min(r[step] for r in rounds) for step in rounds[0]}
    for step, seconds in best.items():
        print(f"{step:>14}: {seconds:6.2f} s  ({seconds / args.rows * 1e6:5.1f} µs a record)")
    share = (best["look up"] + best["record"] - best["baseline"]) / args.rows * 1e6
    print(f"the journal's share over the bare insert: {share:.1f} µs a record (target <= 10): "
          f"{'PASS' if share <= 10 else 'FAIL'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
