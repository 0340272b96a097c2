"""Preflight's cost: a 1,000,000-row order-level file against a mirror of 1,000,000 actions.

    .venv/bin/python benchmarks/preflight_bench.py [--rows 1000000] [--runs 5]

Generates (once, under benchmarks/work/) the order-modification file of benchmarks/generate.py and a
mirror holding an action for every one of its ActionIds (stored directly, not synced: this measures the
check, not the API), then times, each in its own process, `--runs` pairs (plain, then preflight, one after the
other, so that a loaded machine slows both alike):

  plain       batchkit's validation of the file (validate_paths), the baseline of this run
  preflight   validation + preflight against the mirror (--offline: no request), the key frame cached
  first       the same with the cache of the mirror's keys removed first (it is rebuilt from SQLite)

Targets: preflight <= 2x plain as the median of the pairs' ratios (best-of shown beside it: it flatters); the
preflight process's peak memory (ru_maxrss) < 1.5 GB.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "benchmarks" / "work"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

SID, CAMPAIGN = "IRBENCH", "4636"


def _settings(state: Path) -> object:
    from batchkit.api.settings import ApiSettings

    return ApiSettings(account_sid=SID, token="unused", url="http://127.0.0.1:9", campaign_id=CAMPAIGN,
                       state_dir=state, max_age=10**9)


def prepare(rows: int) -> tuple[Path, Path]:
    """The file and a mirror with an action per ActionId (amounts above the file's, LockingDate ahead)."""
    import generate

    from batchkit.state.mirror import Mirror, mirror_path, utc_text

    WORK.mkdir(parents=True, exist_ok=True)
    path, state = WORK / f"preflight_{rows}_order-modifications.csv", WORK / f"preflight_state_{rows}"
    if not path.exists():
        generate.write_order_modification(path, rows)
    target = mirror_path(state, SID, CAMPAIGN)
    if target.exists():
        return path, state
    now = datetime.now(UTC)
    west = timezone(timedelta(hours=-8))  # dates as the API writes them: to the second, the account's offset
    future = (now + timedelta(days=30)).astimezone(west).replace(microsecond=0).isoformat()
    created = (now - timedelta(days=5)).astimezone(west).replace(microsecond=0).isoformat()
    with Mirror(target) as mirror:
        for start in range(0, rows, 50_000):
            mirror.store([{"Id": generate.action_id(i), "CampaignId": CAMPAIGN, "Oid": f"ORD-{i + 1:08d}",
                           "ActionTrackerId": generate.ACTION_TRACKER_ID, "State": "PENDING", "Amount": "999999.99",
                           "Currency": "USD", "CreationDate": created, "LockingDate": future}
                          for i in range(start, min(rows, start + 50_000))], now)
        mirror.set_meta("synced_at", utc_text(now))
    return path, state


def child(mode: str, path: Path, state: Path) -> None:
    import resource

    from batchkit.core.config import load_config
    from batchkit.preflight import preflight_paths
    from batchkit.validation.engine import validate_paths

    config = load_config(None, cwd=WORK)
    if mode == "first":
        for cache in state.rglob("*.keys.arrow"):
            cache.unlink()
    start = time.perf_counter()
    if mode == "plain":
        report = validate_paths([str(path)], config)
        checked = 0
    else:
        report, summary = preflight_paths([str(path)], config, _settings(state), offline=True)  # type: ignore[arg-type]
        checked = summary.records
    seconds = time.perf_counter() - start
    codes = sorted({f.code for fr in report.files for f in fr.findings()})
    print(json.dumps({"seconds": seconds, "checked": checked, "codes": codes,
                      "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def _once(mode: str, path: Path, state: Path) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", mode, str(path), str(state)], capture_output=True,
                          text=True, check=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _pairs(path: Path, state: Path, runs: int) -> tuple[dict, dict, float]:
    """(best plain, best preflight, the median of the per-pair ratios)."""
    pairs = [(_once("plain", path, state), _once("preflight", path, state)) for _ in range(runs)]
    plain = min((p for p, _ in pairs), key=lambda r: r["seconds"])
    warm = min((w for _, w in pairs), key=lambda r: r["seconds"])
    return plain, warm, statistics.median(w["seconds"] / p["seconds"] for p, w in pairs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child", nargs=3, metavar=("MODE", "FILE", "STATE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]), Path(args.child[2]))
        return
    start = time.perf_counter()
    path, state = prepare(args.rows)
    print(f"file {path.name} ({path.stat().st_size / 1e6:,.0f} MB) and a mirror of {args.rows:,} actions ready "
          f"in {time.perf_counter() - start:.1f} s")
    first = _once("first", path, state)
    plain, warm, ratio = _pairs(path, state, args.runs)
    best = warm["seconds"] / plain["seconds"]
    print(f"plain validation:       {plain['seconds']:.2f} s (peak {plain['peak_mb']:,.0f} MB); codes {plain['codes']}")
    print(f"validation + preflight: {warm['seconds']:.2f} s (peak {warm['peak_mb']:,.0f} MB), {warm['checked']:,} "
          f"records checked; codes {warm['codes']}")
    print(f"  the first time (the mirror's keys read from SQLite, then cached): {first['seconds']:.2f} s "
          f"(peak {first['peak_mb']:,.0f} MB)")
    print(f"ratio, paired median of {args.runs}: {ratio:.2f}x ({'PASS' if ratio <= 2 else 'FAIL'} <= 2x); best of each "
          f"{best:.2f}x; peak {warm['peak_mb']:,.0f} MB "
          f"({'PASS' if warm['peak_mb'] < 1536 else 'FAIL'} < 1.5 GB)")


if __name__ == "__main__":
    main()
