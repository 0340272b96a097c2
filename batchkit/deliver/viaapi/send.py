"""deliver --to api: every record of validated files sent exactly once, one request each (README "Delivering
through the API").

Validation first (and preflight when asked), then the plan (BK803 for what the API cannot take), then, under
the ledger's lock, each record: written `sending` to the book before its request goes, `queued` with its
QueuedUri when answered. A record whose answer was lost is `unknown`: the next run reads its action and counts
it delivered if the change shows; it is sent again only with `resend_unknown`, or once `[api] settle_seconds`
have passed since it was sent without the change appearing. 429 and answered 5xx are "not accepted": sent
again after the budget's wait or a backoff. Requests are paced by the client's budget.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from batchkit.api.client import ApiClient
from batchkit.api.settings import ApiSettings
from batchkit.core.config import load_config
from batchkit.deliver.delivery import outgoing, result_of
from batchkit.deliver.errors import DeliveryError, InvalidFiles, UncertainDelivery
from batchkit.deliver.ledger import Ledger
from batchkit.deliver.records import DeliveryResult
from batchkit.deliver.settings import DeliverySettings
from batchkit.deliver.viaapi.book import DONE, RecordBook
from batchkit.deliver.viaapi.destination import ApiDestination
from batchkit.deliver.viaapi.plan import plan_file
from batchkit.deliver.viaapi.run import ApiProgress, ApiRun, FilePlan
from batchkit.validate.engine import Validated, validate_paths

Check = Callable[[list[Validated]], None]  # adds findings to validated files (preflight)


def plan_files(paths: list[Path], config_source: DeliverySettings, check: Check | None = None) -> list[FilePlan]:
    """Hash, validate (and `check`), plan every record; InvalidFiles when anything has errors (BK803 included)."""
    items = outgoing(list(paths))
    kept: list[Validated] = []
    config = config_source.config or load_config()
    report = validate_paths([str(i.path) for i in items], config, keep=kept)
    if report.valid and check is not None:
        check(kept)
    plans = []
    for item, (fr, frames, kind) in zip(items, kept):
        planned = plan_file(fr, frames, kind) if fr.valid and frames is not None and kind is not None else []
        plans.append(FilePlan(item, fr, planned))
    if not report.valid:
        raise InvalidFiles(report)
    return plans


def estimate(plans: list[FilePlan], book: RecordBook, url: str, api: ApiSettings) -> tuple[int, float, str | None]:
    """(requests still needed, hours at the account's rate, a suggestion when that is over [api] max_hours)."""
    requests = 0
    for fp in plans:
        done = book.of_file(fp.item.sha256, url)
        for p in fp.plans:
            entry = done.get(p.row)
            if p.method and (entry is None or entry.state not in DONE):
                requests += 1 + (1 + bool(p.expect.items) if entry is not None and entry.state == "unknown" else 0)
    hours = requests / api.requests_per_hour
    advice = None
    if hours > api.max_hours:
        advice = (f"{requests:,} requests take about {hours:,.1f} h at {api.requests_per_hour:,} requests an hour, over "
                  f"[api] max_hours ({api.max_hours:g} h): deliver the files to the drop instead (--to DIR or "
                  "sftp://...), which takes each in one upload")
    return requests, hours, advice


def deliver_via_api(paths: list[Path], api: ApiSettings, settings: DeliverySettings, ledger: Ledger, *,
                    resend_unknown: bool = False, dry_run: bool = False, check: Check | None = None,
                    client_factory: Callable[[], ApiClient] | None = None,
                    progress: Callable[[ApiProgress], None] | None = None,
                    notify: Callable[[str], None] | None = None) -> list[DeliveryResult]:
    """Deliver every record of `paths` through the API, exactly once; DeliveryError (exit 3) when any record is
    unknown, refused or not accepted — its `results` say what happened to each file."""
    if dry_run:
        return preview_via_api(paths, api, settings, ledger, check=check)[0]
    api.need_campaign()
    dest = ApiDestination(api)
    ledger.check()
    plans = plan_files(paths, settings, check)
    book = RecordBook(ledger)
    factory = client_factory or (lambda: ApiClient(api, notify=notify))
    with ledger.locked(settings.lock_wait):
        book.settle_interrupted()
        run = ApiRun(dest, api, ledger, book, factory, resend_unknown, progress)
        try:
            run.total = sum(run.todo(fp) for fp in plans)
            results = [run.file(fp) for fp in plans]
        finally:
            run.close()
    _raise_if_incomplete(results)
    return results


def preview_via_api(paths: list[Path], api: ApiSettings, settings: DeliverySettings, ledger: Ledger, *,
                    check: Check | None = None) -> tuple[list[DeliveryResult], int, float, str | None]:
    """The dry run: what each file would send, the requests needed, the hours at the account's rate, and advice
    when that passes [api] max_hours. No request is made."""
    api.need_campaign()
    dest = ApiDestination(api)
    ledger.check()
    plans = plan_files(paths, settings, check)
    book = RecordBook(ledger)
    return ([_preview(fp, book, dest) for fp in plans], *estimate(plans, book, dest.url, api))


def _preview(fp: FilePlan, book: RecordBook, dest: ApiDestination) -> DeliveryResult:
    done = book.of_file(fp.item.sha256, dest.url)
    states = [done[p.row].state if p.row in done else "new" for p in fp.plans]
    send = sum(1 for p, s in zip(fp.plans, states) if p.method and s not in DONE)
    unknown = states.count("unknown")
    if not send:
        return result_of(fp.item, dest, "would-skip", records=len(fp.plans))
    extra = f", {unknown} of them unknown (read first, sent only if the change does not show)" if unknown else ""
    return result_of(fp.item, dest, "would-send", remote=dest.url, records=len(fp.plans),
                     note=f"{len(fp.plans)} record(s): {send} to send{extra}, one request each")


def _raise_if_incomplete(results: list[DeliveryResult]) -> None:
    bad = [r for r in results if r.outcome in ("uncertain", "failed")]
    if not bad:
        return
    error = UncertainDelivery if any(r.outcome == "uncertain" for r in bad) else DeliveryError
    exc = error("; ".join(f"{r.name}: {r.error}" for r in bad if r.error) + " (the other records are recorded: "
                "running again sends only what was not delivered)")
    exc.results = results
    raise exc


def describe_plan(requests: int, hours: float, api: ApiSettings) -> str:
    """The dry run's last line: how many requests and how long at the account's rate."""
    minutes = hours * 60
    when = f"{hours:,.1f} h" if hours >= 1 else f"{max(minutes, 0):,.0f} min"
    return (f"plan: {requests:,} request(s) to account {api.account_sid} campaign {api.campaign_id}, about {when} at "
            f"{api.requests_per_hour:,} requests an hour (the first of them at once while the hour's budget lasts)")


__all__ = ["ApiProgress", "FilePlan", "deliver_via_api", "describe_plan", "estimate", "plan_files", "preview_via_api"]
