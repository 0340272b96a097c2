"""Bounded answers, measured: what a hostile server costs batchkit (SPEC §8 "Answers are bounded").

    .venv/bin/python benchmarks/api_limits_bench.py [--max-body-mb 64] [--deadline 3]

Starts the sandbox in this process and runs each case in a fresh child process (so that its memory is its
own), against the sandbox's hostile faults on 127.0.0.1:

  endless GET        a listing's page whose chunked body never ends ([api] max_body_mb applies)
  endless sync       `batchkit actions sync`'s Syncer (prefetching thread and all) against the same
  gzip bomb          a listing's page that inflates 256 MB from ~260 KB (max_inflate_ratio 100 stops it)
  gzip bomb, lax     the same with max_inflate_ratio 10,000: the size limit stops it
  2 GB body          a Content-Length of 2 GB: refused before a byte of it is read
  drip               one byte every 0.5 s (timeout 30 s per read): the whole-request deadline stops it

For each: the child's RSS before the request (after a warm-up request: its baseline), its peak RSS during
the request (VmHWM, reset before it), the limit configured, the time to fail and the error's first words.
Targets: peak <= baseline + the configured body limit (+ 16 MB for the interpreter's own allocations) for
every size case, and a drip fails within the deadline + 1 s. Before these limits (a plain
`response.content`) the same endless body, gzip bomb and 2 GB body took the process past 1.5 GB and a drip
was still being read after 75 s.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SID, TOKEN, CAMPAIGN = "IRSANDBOXACME1", "bench-token", "4636"
SEEDED = "1000.4636.158201"
MB = 1 << 20
SLACK_MB = 16  # the interpreter's own allocations during a request (the parse, httpx, threads)
CASES = {  # name: (fault, its arguments, what the child does, extra settings)
    "endless GET": ("endless_body", {}, "listing", {}),
    "endless sync": ("endless_body", {}, "sync", {}),
    "gzip bomb": ("gzip_bomb", {"size": 256 * MB}, "listing", {}),
    "gzip bomb, lax ratio": ("gzip_bomb", {"size": 256 * MB}, "listing", {"max_inflate_ratio": 10_000}),
    "2 GB body": ("huge_body", {"size": 2048 * MB}, "listing", {}),
    "drip": ("drip", {"interval": 0.5}, "listing", {}),
}


def _status(field: str) -> int:
    """A /proc/self/status figure in kB (VmRSS, VmHWM)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


def _reset_peak() -> bool:
    """Reset VmHWM to the current RSS (Linux: /proc/self/clear_refs 5)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def child(url: str, work: str, extra: dict, state: str) -> dict:
    """One case, in this (fresh) process: baseline, the request, peak; what it came to."""
    from batchkit.api.actions import sync_actions
    from batchkit.api.client import ApiClient
    from batchkit.api.errors import ApiError
    from batchkit.api.settings import ApiSettings

    settings = ApiSettings(account_sid=SID, token=TOKEN, url=url, campaign_id=CAMPAIGN, state_dir=Path(state),
                           requests_per_hour=100_000, page_size=2000, retries=0, timeout=30.0, **extra)
    client = ApiClient(settings)
    client.get(f"Actions/{SEEDED}")  # warm-up: the imports and the connection a first request makes
    baseline, reset = _status("VmRSS"), _reset_peak()
    start, error = time.monotonic(), "no error"
    try:
        if work == "sync":
            sync_actions(settings, days=7, client=client)
        else:
            list(client.pages("Actions", {"CampaignId": CAMPAIGN, "PageSize": "2000"}, "Actions"))
    except ApiError as exc:
        error = f"{type(exc).__name__}: {str(exc).split(': ', 1)[-1][:70]}"
    return {"baseline_kb": baseline, "peak_kb": _status("VmHWM"), "reset": reset,
            "seconds": time.monotonic() - start, "error": error}


def _run_case(sb: object, name: str, args: argparse.Namespace) -> dict:
    fault, arguments, work, extra = CASES[name]
    extra = {"max_body_mb": args.max_body_mb, "request_seconds": args.deadline, **extra}
    getattr(sb.faults, fault)(**arguments, times=1, path_contains="CampaignId")  # type: ignore[attr-defined]
    with tempfile.TemporaryDirectory() as state:
        code = f"import json, sys; sys.path.insert(0, {str(ROOT)!r}); from benchmarks.api_limits_bench import child; " \
               f"print(json.dumps(child({sb.url!r}, {work!r}, {extra!r}, {state!r})))"  # type: ignore[attr-defined]
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, cwd=ROOT,
                              check=False)
    sb.faults.clear()  # type: ignore[attr-defined]
    if done.returncode != 0:
        raise SystemExit(f"{name}: the child failed:\n{done.stderr}")
    return {**json.loads(done.stdout.strip().splitlines()[-1]), **extra}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--max-body-mb", type=int, default=64, help="[api] max_body_mb for every case")
    parser.add_argument("--deadline", type=float, default=3.0, help="[api] request_seconds for every case")
    args = parser.parse_args()
    from batchkit.sandbox import Sandbox

    print(f"{'case':<22} {'baseline':>9} {'peak':>9} {'growth':>8} {'limit':>8} {'target':>8} {'time':>7}  "
          f"{'':3} error")
    failed = 0
    with Sandbox(account_sid=SID, auth_token=TOKEN, campaign_id=CAMPAIGN, generated=3000, generated_days=5,
                 rate=(10**9, 3600.0)) as sb:
        for name in CASES:
            r = _run_case(sb, name, args)
            growth = (r["peak_kb"] - r["baseline_kb"]) / 1024
            if name == "drip":
                target, ok = f"<{args.deadline + 1:g} s", r["seconds"] < args.deadline + 1
            else:
                target, ok = f"<{args.max_body_mb + SLACK_MB} MB", growth <= args.max_body_mb + SLACK_MB
            failed += not ok
            print(f"{name:<22} {r['baseline_kb'] / 1024:>6.0f} MB {r['peak_kb'] / 1024:>6.0f} MB {growth:>5.0f} MB "
                  f"{args.max_body_mb:>5} MB {target:>8} {r['seconds']:>5.2f} s  {'ok' if ok else 'MISS':<3} "
                  f"{r['error']}")
    print(f"deadline: [api] request_seconds = {args.deadline:g} s; peak RSS reset before each request: "
          f"{'yes' if r['reset'] else 'no (VmHWM since the child started)'}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
