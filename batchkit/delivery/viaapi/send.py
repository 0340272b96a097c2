"""deliver --to api: every record of validated files sent exactly once, one request each (README "Delivering
through the API").

Validation first (and preflight when asked), then the plan (BK803 for what the API cannot take), then, under the
ledger's lock, each record through the one write loop (api/writes.py), journaled by its change. Exit: 0 when every
record is done, 1 when the platform refused one (reported on every run until the row changes), 3 when one's
outcome is unknown or it could not be sent. Requests are paced by the client's budget.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from batchkit.api.client import ApiClient
from batchkit.api.settings import ApiSettings
from batchkit.core.config import load_config
from batchkit.delivery.errors import DeliveryError, RefusedWrites, UncertainDelivery
from batchkit.delivery.files import result_of
from batchkit.delivery.prepare import Check, FilePlan, prepare
from batchkit.delivery.records import DeliveryResult
from batchkit.delivery.settings import DeliverySettings
from batchkit.delivery.viaapi.destination import ApiDestination
from batchkit.delivery.viaapi.run import ApiProgress, ApiRun
from batchkit.state.journal import DONE
from batchkit.state.ledger import Ledger


def plan_files(paths: list[Path], settings: DeliverySettings, check: Check | None = None) -> list[FilePlan]:
    """Hash, validate (and `check`), plan every record for the API; InvalidFiles when anything has errors (BK803
    included)."""
    return prepare(paths, settings.config or load_config(), check, strict=True)


def estimate(plans: list[FilePlan], ledger: Ledger, api: ApiSettings,
             resend: bool = False) -> tuple[int, float, str | None]:
    """(requests still needed, hours at the account's rate, a suggestion when that is over [api] max_hours)."""
    requests = 0
    for fp in plans:
        changes = {p.change(api.account_sid).key: p for p in fp.plans if p.method}
        earlier = ledger.journal.of(list(changes))
        for key, p in changes.items():
            state = earlier[key].state if key in earlier else None
            if resend or state not in DONE and state != "refused":
                requests += 1 + (1 + bool(p.expect.items) if state == "unknown" else 0)
    hours = requests / api.requests_per_hour
    advice = None
    if hours > api.max_hours:
        advice = (f"{requests:,} requests take about {hours:,.1f} h at {api.requests_per_hour:,} requests an hour, over "
                  f"[api] max_hours ({api.max_hours:g} h): deliver the files to the drop instead (--to DIR or "
                  "sftp://...), which takes each in one upload")
    return requests, hours, advice


def deliver_via_api(paths: list[Path], api: ApiSettings, settings: DeliverySettings, ledger: Ledger, *,
                    resend_unknown: bool = False, resend: bool = False, dry_run: bool = False,
                    check: Check | None = None, client_factory: Callable[[], ApiClient] | None = None,
                    progress: Callable[[ApiProgress], None] | None = None,
                    notify: Callable[[str], None] | None = None) -> list[DeliveryResult]:
    """Deliver every record of `paths` through the API, exactly once; RefusedWrites (exit 1) when the platform
    refused one, a DeliveryError (exit 3) when one is unknown or not sent — its `results` say what happened."""
    if dry_run:
        return preview_via_api(paths, api, settings, ledger, check=check, resend=resend)[0]
    api.need_campaign()
    dest = ApiDestination(api)
    ledger.check()
    plans = plan_files(paths, settings, check)
    factory = client_factory or (lambda: ApiClient(api, notify=notify))
    with ledger.locked(settings.lock_wait):
        run = ApiRun(dest, api, ledger, factory, resend_unknown, progress, resend, notify)
        try:
            run.total = sum(run.todo(fp) for fp in plans)
            results = [run.file(fp) for fp in plans]
        finally:
            run.close()
    raise_if_incomplete(results)
    return results


def preview_via_api(paths: list[Path], api: ApiSettings, settings: DeliverySettings, ledger: Ledger, *,
                    check: Check | None = None,
                    resend: bool = False) -> tuple[list[DeliveryResult], int, float, str | None]:
    """The dry run: what each file would send, the requests needed, the hours at the account's rate, and advice
    when that passes [api] max_hours. No request is made."""
    api.need_campaign()
    dest = ApiDestination(api)
    ledger.check()
    plans = plan_files(paths, settings, check)
    return ([_preview(fp, ledger, dest, resend) for fp in plans], *estimate(plans, ledger, api, resend))


def _preview(fp: FilePlan, ledger: Ledger, dest: ApiDestination, resend: bool) -> DeliveryResult:
    keys = [p.change(dest.settings.account_sid).key for p in fp.plans if p.method]
    earlier = ledger.journal.of(keys)
    states = [earlier[k].state if k in earlier else "new" for k in keys]
    send = sum(1 for s in states if resend or s not in DONE and s != "refused")
    unknown, refused = states.count("unknown"), states.count("refused")
    if not send and not refused:
        return result_of(fp.item, dest, "would-skip", records=len(fp.plans))
    extra = f", {unknown} of them unknown (read back first, sent only with --resend-unknown)" if unknown else ""
    extra += f"; {refused} refused earlier (not sent again unless changed, or --resend)" if refused and not resend \
        else ""
    return result_of(fp.item, dest, "would-send", remote=dest.url, records=len(fp.plans),
                     note=f"{len(fp.plans)} record(s): {send} to send{extra}, one request each")


def raise_if_incomplete(results: list[DeliveryResult]) -> None:
    """RefusedWrites (exit 1) when only refusals are left, UncertainDelivery / DeliveryError (exit 3) otherwise."""
    bad = [r for r in results if r.outcome in ("uncertain", "failed", "refused")]
    if not bad:
        return
    error: type[DeliveryError] = RefusedWrites
    if any(r.outcome == "uncertain" for r in bad):
        error = UncertainDelivery
    elif any(r.outcome == "failed" for r in bad):
        error = DeliveryError
    exc = error("; ".join(f"{r.name}: {r.error}" for r in bad if r.error) + " (the other records are recorded: "
                "running again sends only what was not delivered; `batchkit status` lists what needs a person)")
    exc.results = results
    raise exc


def describe_plan(requests: int, hours: float, api: ApiSettings) -> str:
    """The dry run's last line: how many requests and how long at the account's rate."""
    minutes = hours * 60
    when = f"{hours:,.1f} h" if hours >= 1 else f"{max(minutes, 0):,.0f} min"
    return (f"plan: {requests:,} request(s) to account {api.account_sid} campaign {api.campaign_id}, about {when} at "
            f"{api.requests_per_hour:,} requests an hour (the first of them at once while the hour's budget lasts)")


__all__ = ["ApiProgress", "FilePlan", "deliver_via_api", "describe_plan", "estimate", "plan_files", "preview_via_api"]
