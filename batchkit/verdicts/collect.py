"""`batchkit results`: ask the platform about what was delivered (within a budget, polling until --wait
runs out), keep every verdict in the ledger, and report them as findings with a tally per delivery."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from batchkit.api.client import ApiClient
from batchkit.api.settings import ApiSettings
from batchkit.core.findings import Report
from batchkit.state.ledger import Ledger
from batchkit.delivery.viaapi.destination import account_of
from batchkit.verdicts.drops import poll_drops
from batchkit.verdicts.findings import Tally, api_findings, context, drop_findings
from batchkit.verdicts.records import poll_records
from batchkit.verdicts.spend import Spend
from batchkit.state.verdicts import Verdicts
from batchkit.verdicts.targets import Target, find_targets

FIRST_PAUSE, LONGEST_PAUSE = 1.0, 30.0  # seconds between polls with --wait: doubling, capped
BUDGET = 200  # requests one call may make (--budget)


@dataclass
class Results:
    """The platform's verdicts: the report (BK801/BK802 per delivery), a tally per delivery, the cost.

    Example::

        verdicts = batchkit.results()
        print(verdicts.line(), verdicts.rejected, verdicts.pending, verdicts.exit_code())
    """

    report: Report
    tallies: list[Tally]
    requests: int = 0
    short: bool = False  # the budget ran out before everything was asked
    waited: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        """Records impact.com rejected, over every delivery asked about.

        Example::

            print(batchkit.results().rejected)
        """
        return sum(t.rejected for t in self.tallies)

    @property
    def new_rejected(self) -> int:
        """Rejections among the verdicts that came in during this call.

        Example::

            print(batchkit.results().new_rejected)
        """
        return sum(t.new_rejected for t in self.tallies)

    @property
    def pending(self) -> int:
        """Records impact.com has not decided yet.

        Example::

            print(batchkit.results().pending)
        """
        return sum(t.pending for t in self.tallies)

    @property
    def undecided(self) -> int:
        """BK802s: records or deliveries without a verdict yet.

        Example::

            print(batchkit.results().undecided)
        """
        return self.report.warnings

    def exit_code(self, fail_on: str = "error") -> int:
        """1 when a record was rejected (or, with fail_on "warning", anything has no verdict yet), else 0.

        Example::

            print(batchkit.results().exit_code(fail_on="warning"))
        """
        return 1 if self.rejected or (fail_on == "warning" and self.undecided) else 0

    def line(self) -> str:
        """The summary line, as `batchkit results` prints it.

        Example::

            print(batchkit.results().line())
        """
        total = sum(t.records for t in self.tallies)
        return (f"results: {len(self.tallies)} delivery(ies), {total:,} record(s): "
                f"{sum(t.accepted for t in self.tallies):,} accepted, {self.rejected:,} rejected, "
                f"{sum(t.pending for t in self.tallies):,} pending; {self.requests} request(s)")

    def as_dict(self) -> dict[str, Any]:
        """The JSON document of `batchkit results --format json`.

        Example::

            print(json.dumps(batchkit.results().as_dict()))
        """
        return {"deliveries": [t.as_dict() for t in self.tallies], "rejected": self.rejected,
                "pending": self.pending, "requests": self.requests, "budget_ran_out": self.short,
                "waited": round(self.waited, 1), "notes": self.notes}


@dataclass
class Asking:
    """How to ask: the account's settings (made only when a request is needed), the budget, the pacing."""

    settings: Callable[[], ApiSettings]
    budget: int = BUDGET
    wait: float = 0.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    notify: Callable[[str], None] | None = None
    client: ApiClient | None = None
    _resolved: ApiSettings | None = None

    def resolved(self) -> ApiSettings:
        """The settings, made once (a missing account is a ConfigError only when something must be asked)."""
        if self._resolved is None:
            self._resolved = self.settings()
        return self._resolved


def collect(ledger: Ledger, asking: Asking, files: list[Path] | None = None, since: datetime | None = None,
            archive: Path | None = None, max_samples: int = 10, skip: set[int] | None = None) -> Results:
    """Ask about every delivery without a final verdict (polling until `asking.wait` is spent), then report.
    `skip`: ids of deliveries left out (those a run has just made: no verdict can be there yet)."""
    targets = [t for t in find_targets(ledger, list(files or []), since, archive) if t.entry.id not in (skip or ())]
    verdicts, spend = Verdicts(ledger), Spend(asking.budget)
    notes: list[str] = []
    start, before = asking.clock(), judged(verdicts)
    try:
        _poll_until(targets, verdicts, spend, asking, notes, start)
    finally:
        if asking.client is not None:
            asking.client.close()
            asking.client = None
    results = report_of(targets, verdicts, max_samples, spend.short, judged(verdicts) - before)
    results.requests, results.short, results.waited = spend.used, spend.short, asking.clock() - start
    results.notes += notes
    return results


def _poll_until(targets: list[Target], verdicts: Verdicts, spend: Spend, asking: Asking, notes: list[str],
                start: float) -> None:
    pause = FIRST_PAUSE
    while True:
        askable = _askable(targets, verdicts, asking, notes)
        if not askable:
            return
        client = asking.client = asking.client or ApiClient(asking.resolved(), notify=asking.notify)
        poll_drops(client, verdicts, [t for t in askable if t.kind == "drop"], spend, datetime.now(timezone.utc))
        poll_records(client, verdicts, [t for t in askable if t.kind == "api"], spend)
        left = start + asking.wait - asking.clock()
        if spend.short or left <= 0 or not _askable(targets, verdicts, asking, []):
            return
        if asking.notify:
            asking.notify(f"results: verdicts still pending; asking again in {min(pause, left):.0f} s")
        asking.sleep(min(pause, left))
        pause = min(pause * 2, LONGEST_PAUSE)


def _askable(targets: list[Target], verdicts: Verdicts, asking: Asking, notes: list[str]) -> list[Target]:
    """The targets with something left to ask (API deliveries to another account are said, not asked)."""
    files, records = verdicts.files(), verdicts.records()
    open_ = [t for t in targets if (t.kind == "drop" and not (t.entry.id in files and files[t.entry.id].complete))
             or (t.kind == "api" and any(r.state == "queued" and r.batch_id and not (
                 r.batch_id in records and records[r.batch_id].complete) for r in t.records))]
    if not open_:
        return []
    settings = asking.resolved()
    mine = (settings.url.rstrip("/"), settings.account_sid)
    foreign = [t for t in open_ if t.kind == "api" and account_of(t.entry.destination)[:2] != mine]
    notes += [f"{t.entry.name}: delivered to {t.entry.destination}, not this account: ask with its settings"
              for t in foreign if not any(t.entry.name in n for n in notes)]
    return [t for t in open_ if t not in foreign]


def judged(verdicts: Verdicts) -> set[str]:
    """The verdicts that are final: file deliveries by id, API records by BatchId."""
    return ({f"file:{d}" for d, v in verdicts.files().items() if v.complete}
            | {f"api:{b}" for b, v in verdicts.records().items() if v.complete})


def report_of(targets: list[Target], verdicts: Verdicts, max_samples: int, short: bool,
              fresh: set[str] | None = None) -> Results:
    """The findings and tallies of what the verdict tables hold (no request); `fresh`: the verdicts that came
    in during this call (their rejections are counted in Tally.new_rejected)."""
    files, records = verdicts.files(), verdicts.records()
    report, tallies = Report(), []
    for target in targets:
        ctx = context(target, verdicts, max_samples, short, fresh or set())
        if target.kind == "drop":
            drop_findings(ctx, files.get(target.entry.id))
        else:
            api_findings(ctx, records)
        report.files.append(ctx.report)
        tallies.append(ctx.tally)
    return Results(report, tallies)
