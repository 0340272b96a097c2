"""What the journal already knows of a file's records before the file goes to a drop.

A drop receives files, so a file delivery stays one ledger entry; but its records are changes like any other
(core/change.py), and the journal holds them: a file whose every record reached impact.com earlier (from any
file, through the drop or the API) is not sent again; a file of which only some did is refused with BK804 at
those rows (nothing sent: remove them, or --resend), so no change goes twice without the user's word.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from batchkit.core.change import Change
from batchkit.core.config import Config
from batchkit.core.errors import BatchkitError
from batchkit.core.findings import finding
from batchkit.delivery.plan import Planned
from batchkit.delivery.prepare import FilePlan
from batchkit.state.journal import DONE, Journal, Seen


@dataclass
class Known:
    """A file's records (their changes) and what the journal holds of them."""

    records: list[tuple[Change, Planned]]
    earlier: dict[str, Seen] = field(default_factory=dict)

    def _where(self, states: tuple[str, ...]) -> list[tuple[Planned, Seen]]:
        return [(p, self.earlier[c.key]) for c, p in self.records if c.key in self.earlier
                and self.earlier[c.key].state in states]

    @property
    def done(self) -> list[tuple[Planned, Seen]]:
        """The records whose change reached impact.com earlier (or that a person dismissed: not to be sent)."""
        return self._where((*DONE, "dismissed"))

    @property
    def unknown(self) -> list[tuple[Planned, Seen]]:
        """The records whose change was sent earlier with an outcome nobody knows yet."""
        return self._where(("unknown", "sending"))

    @property
    def all_done(self) -> bool:
        """Every record of the file reached impact.com earlier (a file without records never is)."""
        return bool(self.records) and len(self.done) == len(self.records)


def account_of(config: Config | None, env: Mapping[str, str] = os.environ) -> str:
    """The account a drop belongs to: the API's account SID when one is set (IMPACT_ACCOUNT_SID, [api]
    account_sid), so that the drop and the API share one journal of changes; '' when none is set (the drop's
    records are then known to other drop deliveries only)."""
    if config is None:
        return ""
    from batchkit.api.settings import api_settings

    try:
        return api_settings(config, {}, env).account_sid
    except BatchkitError:
        return ""


def known(fp: FilePlan, account: str, journal: Journal) -> Known:
    """The file's records that change something, with the journal's entries for their changes."""
    records = [(p.change(account), p) for p in fp.plans if p.method]
    return Known(records, journal.seen([c.key for c, _ in records]) if records else {})


def refuse_repeats(fp: FilePlan, k: Known, destination: str) -> bool:
    """BK804 at every row sent earlier (done or unknown) by another file or channel; True when there was one. The
    records of this very content's delivery to this destination are left to the ledger's recovery (delivery/
    files.py: an interrupted delivery is looked for in the drop, never refused as a repeat of itself)."""
    repeats = [(p, e) for p, e in k.done + k.unknown
               if not (e.channel == "drop" and e.sha256 == fp.item.sha256 and e.destination == destination)]
    for p, e in repeats:
        how = "its outcome is still unknown" if e.state in ("unknown", "sending") else f"it was {e.state}"
        fp.report._add(finding("BK804", f"this change to {p.names()} was sent on {e.sent_at} ({_via(e)}) and {how}: "
                               "remove the row, or deliver with --resend to send it again", row=p.row, line=p.line))
    return bool(repeats)


def summary(k: Known) -> str:
    """Where the file's records went earlier, for the line of a file skipped."""
    first = min((e for _, e in k.done), key=lambda e: e.sent_at or "")
    return f"all {len(k.records)} record(s) reached impact.com earlier (first on {first.sent_at}, {_via(first)})"


def rows_for_journal(k: Known) -> list[tuple[str, int, int]]:
    """The journal's records of the file as it goes to a drop: each change's key and its row (the request is the
    file's row: it is not kept twice)."""
    return [(c.key, p.row, p.line) for c, p in k.records]


def _via(e: Seen) -> str:
    where = "through the API" if e.channel == "api" else f"in {e.name} to {e.destination}"
    return f"row {e.row} of {e.name}, {where}" if e.channel == "api" and e.name else where
