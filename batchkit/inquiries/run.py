"""`batchkit inquiries match` as one function a script can call: the files in, the proposals out.

Nothing is written unless every output can be: an existing output (without overwrite) or an output that is
one of the inputs is refused before anything is read.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from batchkit.core.config import Config
from batchkit.core.errors import ConfigError, UsageError
from batchkit.inquiries.match import (
    ActionSource,
    Decision,
    MatchSummary,
    decide,
    summarize,
)
from batchkit.inquiries.orders import PRESETS, read_orders
from batchkit.inquiries.proposals import write_resolutions, write_review_file
from batchkit.inquiries.read import read_inquiries
from batchkit.inquiries.settings import load_inquiry_settings
from batchkit.io.write import require_suffix, same_file

NO_MIRROR = "no mirror of the account's actions"


@dataclass
class MatchOutcome:
    """What match decided and wrote."""

    decisions: list[Decision]
    summary: MatchSummary
    written: list[Path] = field(default_factory=list)


def choose_preset(preset: str | None, config: Config) -> str | None:
    """The flag, else [build] preset, else `orders` when [inquiries.columns] maps an order_id, else None: the
    export's header names it (read_orders detects it as build does; returns when it names none)."""
    build = config.sections.get("build")
    chosen = preset or (build.get("preset") if isinstance(build, dict) else None)
    if chosen is None:
        return "orders" if "order_id" in load_inquiry_settings(config).columns else None
    if chosen not in PRESETS:
        raise ConfigError(f"unknown preset {chosen!r} for the brand's records (choose {', '.join(PRESETS)})")
    return str(chosen)


def open_actions(config: Config, flags: Mapping[str, Any] | None = None,
                 env: Mapping[str, str] = os.environ) -> tuple[Any, str | None]:
    """The mirror (None when there is none to read) and, then, why: match goes on without it."""
    from batchkit.api.actions import open_mirror
    from batchkit.state.mirror import MirrorError
    from batchkit.api.settings import api_settings

    try:
        return open_mirror(api_settings(config, flags, env), create=False), None
    except (ConfigError, MirrorError) as exc:
        return None, f"{NO_MIRROR} ({exc})"


def check_outputs(out: Path, review: Path | None, inputs: list[Path], overwrite: bool) -> None:
    """UsageError before any work when an output cannot or should not be written."""
    require_suffix(out, ".csv", "the resolution file (-o)")
    if review is not None:
        require_suffix(review, ".xlsx", "--review")
        if same_file(out, review):
            raise UsageError(f"{review}: -o and --review name the same file")
    for target in [out] + ([review] if review else []):
        for source in inputs:
            if same_file(target, source):
                raise UsageError(f"{target}: is an input of this command: choose another output")
        if not overwrite and os.path.lexists(target):
            raise UsageError(f"{target}: already exists (use --force to overwrite)")


def match_files(inquiries: Path, export: Path, config: Config, out: Path, preset: str | None = None,
                review: Path | None = None, overwrite: bool = False, mirror: ActionSource | None = None,
                mirror_missing: str | None = None, today: date | None = None, sheet: str | None = None) -> MatchOutcome:
    """Decide every unresolved inquiry of `inquiries` from `export` and the mirror; write the resolution CSV
    (and the review workbook). `mirror` None: the "already tracked" rule is not applied (`mirror_missing` says why)."""
    check_outputs(Path(out), Path(review) if review else None, [Path(inquiries), Path(export)], overwrite)
    settings = load_inquiry_settings(config)
    book = read_orders(export, choose_preset(preset, config), config, sheet, settings)
    found = read_inquiries(inquiries)
    why = None if mirror is not None else (mirror_missing or NO_MIRROR)
    decisions = decide(found, book, mirror, settings, today, no_mirror=why or NO_MIRROR)
    outcome = MatchOutcome(decisions, summarize(found, decisions, book, why))
    write_resolutions(Path(out), decisions, overwrite)
    outcome.written.append(Path(out))
    if review is not None:
        write_review_file(Path(review), decisions, settings.deadline_days, overwrite)
        outcome.written.append(Path(review))
    return outcome


@dataclass
class Resolved:
    """What a resolve did: through the API (`summary`), or the bulk-upload CSV delivered to a drop (`results`)."""

    summary: Any = None  # ResolveSummary
    results: list[Any] = field(default_factory=list)  # DeliveryResult

    def lines(self) -> list[str]:
        """One line per file delivered, or the summary's line."""
        return [self.summary.line()] if self.summary is not None else [r.describe() for r in self.results]


def resolve_to(path: Path, config: Config, dest: Any, settings: Any, ledger: Any, *, dry_run: bool = False,
               resend_unknown: bool = False, notify: Any = None) -> Resolved:
    """Resolve the inquiries of `path` exactly once at `dest`: the API (one PUT each, journaled by change) or a
    folder / SFTP drop (the bulk-upload CSV, for a person to upload in the web app)."""
    from batchkit.delivery.viaapi.destination import ApiDestination

    if isinstance(dest, ApiDestination):
        from batchkit.inquiries.resolve import resolve_via_api

        return Resolved(summary=resolve_via_api(path, config, dest.settings, ledger, dry_run=dry_run,
                                                resend_unknown=resend_unknown, lock_wait=settings.lock_wait,
                                                notify=notify))
    from batchkit.inquiries.upload import resolve_to_drop

    return Resolved(results=resolve_to_drop(path, config, settings, ledger, dry_run=dry_run))
