""""Ask the platform again": `batchkit results` (batchkit.verdicts.run.results_for) as a task, within a request
budget, and what came back, ready for the page (each rejection with its delivery and row)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from batchkit.core.config import Config
from batchkit.core.findings import Finding
from batchkit.state.ledger import Ledger
from batchkit.verdicts.collect import Results
from batchkit.verdicts.findings import Tally
from batchkit.verdicts.run import results_for
from batchkit.web.work import Task

MAX_BUDGET = 1000  # impact.com allows 1,000 requests an hour: one ask never takes more
HOURLY = 1000


def default_budget(config: Config) -> int:
    """[api] results_budget (200 unless batchkit.toml says otherwise), as `batchkit results` uses it."""
    from batchkit.api.settings import api_number

    return int(api_number(config, "results_budget"))


@dataclass
class Asked:
    """What one ask cost and found: per delivery its tally, its rejections (BK801) and what has no verdict yet."""

    budget: int
    requests: int
    short: bool
    line: str
    notes: list[str]
    deliveries: list[AskedDelivery] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return sum(d.tally.rejected for d in self.deliveries)


@dataclass
class AskedDelivery:
    """One delivery's tally and findings, with the ledger id the page links to (None if not found)."""

    tally: Tally
    delivery_id: int | None
    rejected: list[Finding]
    undecided: list[Finding]


def ask(config: Config, state_dir: Path, budget: int, ended: Callable[[], None] = lambda: None) -> Any:
    """The task's work: ask within `budget` requests, reporting progress on the task; `ended` is called when it
    ends, however it ends."""
    def work(task: Task) -> Asked:
        task.report(f"asking impact.com (at most {budget:,} request(s))")

        def told(text: str) -> None:
            task.report(text)

        try:
            got = results_for(config, state_dir=str(state_dir), budget=budget, max_samples=0, notify=told)
            return asked(got, budget, state_dir)
        finally:
            ended()
    return work


def asked(got: Results, budget: int, state_dir: Path) -> Asked:
    """The results as the page shows them (deliveries matched to their ledger id by name, destination, time)."""
    ids = _delivery_ids(state_dir)
    made = Asked(budget, got.requests, got.short, got.line(), list(got.notes))
    for tally, report in zip(got.tallies, got.report.files):
        found = report.findings()
        made.deliveries.append(AskedDelivery(tally, ids.get((tally.name, tally.destination, tally.delivered_at)),
                                             [f for f in found if f.code == "BK801"],
                                             [f for f in found if f.code == "BK802"]))
    return made


def _delivery_ids(state_dir: Path) -> dict[tuple[str, str, str], int]:
    ledger = Ledger(state_dir)
    try:
        return {(e.name, e.destination, e.started_at): e.id for e in ledger.entries()}
    finally:
        ledger.close()
