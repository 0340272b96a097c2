"""deliver --to api under a scaled-down rate limit: how much of the allowed rate a delivery uses, and its 429s.

    .venv/bin/python benchmarks/api_deliver_bench.py [--records 2000] [--rate 100/10] [--baseline 300]

Starts the sandbox in a child process with `--rate` (REQUESTS/SECONDS, e.g. 100 per 10 s) and enough
synthetic actions, writes an order-level modification file of `--records` rows, and delivers it with
batchkit's library (deliver_via_api: the book, the budget) from this process. Prints the requests sent,
the time, the achieved rate beside the allowed one (target: at least 90% of it) and the 429s received
(target: none). Baseline, measured in the same run: a naive sender of `--baseline` records (one PUT after
the other as fast as the link goes, waiting 1 s after each 429): its rate and its 429s.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from batchkit.api.settings import ApiSettings  # noqa: E402
from batchkit.core.config import load_config  # noqa: E402
from batchkit.state.ledger import Ledger  # noqa: E402
from batchkit.delivery.settings import DeliverySettings  # noqa: E402
from batchkit.delivery.viaapi.send import deliver_via_api  # noqa: E402

SID, TOKEN, CAMPAIGN = "IRSANDBOXACME1", "bench-token", "4636"


def _serve(rate: tuple[int, float], actions: int, ready: multiprocessing.Queue, done: multiprocessing.Queue) -> None:
    from batchkit.sandbox import Sandbox

    with Sandbox(account_sid=SID, auth_token=TOKEN, campaign_id=CAMPAIGN, generated=actions, generated_days=5,
                 rate=rate, process_seconds=0) as sb:
        now = datetime.now(UTC)
        ids = [a.Id for a in sb.store.everything() if a.State == "PENDING" and a.Amount > 0 and not a.locked(now)]
        ready.put((sb.url, ids))
        while done.get() is not None:
            ready.put(_counts(sb.requests))


def _counts(requests: list) -> dict[str, int]:
    return {"requests": len(requests), "429": sum(1 for r in requests if r.status == 429),
            "writes": sum(1 for r in requests if r.method in ("PUT", "DELETE") and r.status == 200)}


def _file(folder: Path, ids: list[str], n: int) -> Path:
    path = folder / "acme_order-modifications_bench.csv"
    rows = "".join(f"{i},{10 + k % 500}.{k % 100:02d},ORDER_UPDATE\n" for k, i in enumerate(ids[:n]))
    path.write_text("ActionId,Amount,Reason\n" + rows)
    return path


def _naive(url: str, ids: list[str], n: int) -> tuple[float, int]:
    """One PUT after the other, 1 s after each 429: (requests per second, 429s)."""
    import httpx

    storms, sent = 0, 0
    start = time.monotonic()
    with httpx.Client(base_url=url, auth=(SID, TOKEN), headers={"Accept": "application/json"}) as http:
        for k, action_id in enumerate(ids[:n]):
            while True:
                sent += 1
                answer = http.put(f"/Advertisers/{SID}/Actions", data={"ActionId": action_id, "Amount": f"{k + 1}.00",
                                                                        "Reason": "ORDER_UPDATE"})
                if answer.status_code != 429:
                    break
                storms += 1
                time.sleep(1)
    return n / (time.monotonic() - start), storms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--rate", default="100/10")
    parser.add_argument("--baseline", type=int, default=300)
    args = parser.parse_args()
    count, seconds = args.rate.split("/")
    rate = (int(count), float(seconds))
    allowed = rate[0] / rate[1]
    ready, done = multiprocessing.Queue(), multiprocessing.Queue()
    server = multiprocessing.Process(target=_serve, args=(rate, args.records + args.baseline + 2000, ready, done))
    server.start()
    url, ids = ready.get(timeout=600)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = _file(folder, ids, args.records)
        api = ApiSettings(account_sid=SID, token=TOKEN, url=url, campaign_id=CAMPAIGN, state_dir=folder / "state",
                          requests_per_hour=int(allowed * 3600) + 1, timeout=30)
        settings = DeliverySettings(state_dir=folder / "state", config=load_config(None, cwd=folder))
        start = time.monotonic()
        results = deliver_via_api([path], api, settings, Ledger(settings.state_dir))
        elapsed = time.monotonic() - start
        done.put(True)
        counts = ready.get(timeout=60)
        time.sleep(rate[1])  # a fresh window for the baseline
        naive_rate, naive_storms = _naive(url, ids[args.records:], args.baseline)
    done.put(None)
    server.join(timeout=30)
    achieved = counts["requests"] / elapsed
    print(f"rate allowed: {rate[0]} requests per {rate[1]:g} s = {allowed:.2f}/s")
    print(f"batchkit: {args.records:,} records, {results[0].note}; {counts['requests']:,} requests in {elapsed:.1f} s "
          f"= {achieved:.2f}/s = {achieved / allowed:.1%} of the allowed rate (target >= 90%); "
          f"429s received: {counts['429']} (target 0)")
    print(f"baseline (naive sender, {args.baseline} records): {naive_rate:.2f}/s = {naive_rate / allowed:.1%} of the "
          f"allowed rate; 429s received: {naive_storms}")


if __name__ == "__main__":
    main()
