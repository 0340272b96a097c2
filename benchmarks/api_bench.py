"""The API's cost: requests a sync spends, and how fast the mirror takes actions in (against the sandbox).

    .venv/bin/python benchmarks/api_bench.py [--actions 200000] [--days 90]

Starts the sandbox in a child process with `--actions` synthetic actions over `--days` days (rate limit
lifted), then in this process:

  requests   a first sync of `--days` days: requests used, beside the fewest the API allows (one per
             page per 45-day window: the windows' counts read from the sandbox's own store) and beside a
             naive client that looks every action up by id (one request per action, plus the pages to
             learn the ids). Target: at most one extra request per window.
  ingest     the same sync's actions per second, end to end (the sandbox serving on the same two cores),
             beside the same pages only fetched and parsed (httpx + json, nothing stored): the baseline of
             this run; and the client's own work alone: the same pages received first, then parsed and
             stored as a sync does, beside json.loads alone of them. Target:
             >= 25,000 actions/s, and the syncing process's peak memory (ru_maxrss) < 300 MB. Each of the
             three runs (a warm-up of the sandbox's rendering, the sync, the baseline) is its own process.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from batchkit.api.actions import sync_actions  # noqa: E402
from batchkit.api.client import ApiClient  # noqa: E402
from batchkit.api.settings import ApiSettings  # noqa: E402
from batchkit.api.sync import windows_between  # noqa: E402

SID, TOKEN, CAMPAIGN = "IRSANDBOXACME1", "bench-token", "4636"
PAGE = 20_000


def _serve(actions: int, days: int, ready: multiprocessing.Queue, asked: multiprocessing.Queue) -> None:
    """The sandbox; answers `asked` windows with how many actions each holds (the truth), until None."""
    from batchkit.sandbox import Sandbox

    with Sandbox(account_sid=SID, auth_token=TOKEN, campaign_id=CAMPAIGN, generated=actions,
                 generated_days=days, rate=(10**9, 3600.0)) as sb:
        ready.put((sb.url, len(sb.store.everything())))
        while (windows := asked.get()) is not None:
            ready.put([len(sb.store.updated_between(s, e)) for s, e in windows])


def _settings(url: str, state: Path) -> ApiSettings:
    return ApiSettings(account_sid=SID, token=TOKEN, url=url, campaign_id=CAMPAIGN, state_dir=state,
                       requests_per_hour=100_000, page_size=PAGE, timeout=120)


def _baseline(url: str, days: int) -> tuple[float, int]:
    """Seconds to fetch and parse every page of the same windows, storing nothing."""
    with tempfile.TemporaryDirectory(prefix="batchkit-api-bench-") as tmp:
        settings = _settings(url, Path(tmp))
        end = datetime.now(UTC).replace(microsecond=0)
        seen, start = 0, time.perf_counter()  # (the same windows as the sync: days back from now, 45 at most)
        with ApiClient(settings) as client:
            for s, e in windows_between(end - timedelta(days=days), end):
                params = {"CampaignId": CAMPAIGN, "StartDate": s.isoformat(), "EndDate": e.isoformat(),
                          "PageSize": str(PAGE)}
                for page in client.pages("Actions", params, "Actions"):
                    seen += len(page.records)
        return time.perf_counter() - start, seen


def _in_child(target: object, *args: object) -> dict:
    """Run `target(*args, out)` in a fresh process (its own peak memory) and return what it put in `out`."""
    out: multiprocessing.Queue = multiprocessing.Queue()
    child = multiprocessing.Process(target=target, args=(*args, out))
    child.start()
    result = out.get(timeout=1800)
    child.join(30)
    return result


def _sync_child(url: str, days: int, out: multiprocessing.Queue) -> None:
    with tempfile.TemporaryDirectory(prefix="batchkit-api-bench-") as tmp:  # the mirror (~240 MB) goes with it
        start = time.perf_counter()
        summary = sync_actions(_settings(url, Path(tmp)), days=days)
        seconds = time.perf_counter() - start
    out.put({"seconds": seconds, "requests": summary.requests, "new": summary.new, "since": summary.since,
             "until": summary.until, "peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})


def _baseline_child(url: str, days: int, out: multiprocessing.Queue) -> None:
    seconds, seen = _baseline(url, days)
    out.put({"seconds": seconds, "seen": seen})


def _replay_child(url: str, days: int, out: multiprocessing.Queue) -> None:
    """The client's own work without the server's: the same pages received first (raw), then parsed and stored
    exactly as a sync does (json with the mirror's row hook, upserts), timed; and json.loads alone of them."""
    import httpx

    from batchkit.api.answers import parse_json
    from batchkit.state.mirror import Mirror
    from batchkit.state.rows import row_hook

    end = datetime.now(UTC).replace(microsecond=0)
    bodies = []
    with httpx.Client(base_url=url, auth=(SID, TOKEN), headers={"Accept": "application/json"}, timeout=120) as http:
        for s, e in windows_between(end - timedelta(days=days), end):
            link = f"/Advertisers/{SID}/Actions?" + urlencode({"CampaignId": CAMPAIGN, "StartDate": s.isoformat(),
                                                               "EndDate": e.isoformat(), "PageSize": PAGE})
            while link:
                bodies.append(http.get(link).content)
                link = json.loads(bodies[-1])["@nextpageuri"]
    start = time.perf_counter()
    loaded = sum(len(json.loads(b)["Actions"]) for b in bodies)
    plain = time.perf_counter() - start
    with tempfile.TemporaryDirectory(prefix="batchkit-api-bench-") as tmp, Mirror(Path(tmp) / "m.sqlite3") as mirror:
        start = time.perf_counter()
        for body in bodies:
            mirror.store(parse_json(body, "replay", row_hook(datetime.now(UTC)))["Actions"], datetime.now(UTC))
        stored = time.perf_counter() - start
        count = mirror.count()
    out.put({"actions": count, "loaded": loaded, "stored_seconds": stored, "plain_seconds": plain})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actions", type=int, default=200_000)
    parser.add_argument("--days", type=int, default=90)
    args = parser.parse_args()
    ready: multiprocessing.Queue = multiprocessing.Queue()
    asked: multiprocessing.Queue = multiprocessing.Queue()
    server = multiprocessing.Process(target=_serve, args=(args.actions, args.days, ready, asked), daemon=True)
    server.start()
    url, total = ready.get(timeout=600)
    try:
        _in_child(_baseline_child, url, args.days)  # warms the sandbox's rendering for both measured runs
        sync = _in_child(_sync_child, url, args.days)
        base = _in_child(_baseline_child, url, args.days)
        replay = _in_child(_replay_child, url, args.days)
        asked.put(windows_between(sync["since"], sync["until"]))
        counts = ready.get(timeout=600)
    finally:
        asked.put(None)
        server.join(10)
    seconds, peak, requests, new = sync["seconds"], sync["peak"], sync["requests"], sync["new"]
    base_seconds, base_seen = base["seconds"], base["seen"]
    fewest = sum(max(1, math.ceil(n / PAGE)) for n in counts)
    naive = total + fewest
    extra = requests - fewest
    windows = len(counts)
    print(f"actions in the sandbox: {total:,}; windows of <= 45 days: {windows} ({', '.join(f'{n:,}' for n in counts)})")
    print(f"requests: batchkit {requests:,}, fewest the API allows {fewest:,} (+{extra}: "
          f"{'PASS' if extra <= windows else 'FAIL'} at most one extra per window), naive by id {naive:,} "
          f"({naive / max(requests, 1):,.0f}x batchkit's)")
    rate, base_rate = new / seconds, base_seen / base_seconds
    print(f"ingest: {new:,} actions in {seconds:.2f} s = {rate:,.0f} actions/s stored "
          f"({'PASS' if rate >= 25_000 else 'FAIL'} >= 25,000); baseline (fetch + parse only, same run) "
          f"{base_rate:,.0f} actions/s ({base_seconds:.2f} s)")
    own, plain = replay["actions"] / replay["stored_seconds"], replay["loaded"] / replay["plain_seconds"]
    print(f"ingest, the client's own work (the same pages received first, then parsed with the mirror's row hook "
          f"and stored): {own:,.0f} actions/s ({'PASS' if own >= 25_000 else 'FAIL'} >= 25,000); json.loads alone "
          f"of them: {plain:,.0f} actions/s")
    print(f"peak memory of the syncing process: {peak:,.0f} MB ({'PASS' if peak < 300 else 'FAIL'} < 300 MB)")
    print(json.dumps({"requests": requests, "fewest": fewest, "naive": naive, "seconds": round(seconds, 3),
                      "actions_per_second": round(rate), "baseline_actions_per_second": round(base_rate),
                      "client_actions_per_second": round(own), "peak_mb": round(peak)}))


if __name__ == "__main__":
    main()
