"""What the radar reads: batch files (validated, frames kept), exports built in memory (nothing written), the bytes
of batch files built elsewhere (`batchkit run`), and the journal's writes."""

from __future__ import annotations

from pathlib import Path

from batchkit.api.settings import ApiSettings
from batchkit.core.config import Config
from batchkit.core.errors import BatchkitError
from batchkit.deadlines.sources import Source, from_journal, mark_journal
from batchkit.io.read import read_csv_bytes
from batchkit.io.table import Table
from batchkit.state.ledger import Ledger
from batchkit.validation.engine import Validated, validate_paths, validate_tables


def read_corrections(config: Config, paths: list[str], exports: list[str], preset: str | None,
                     planned: dict[str, bytes], notes: list[str]) -> list[Validated]:
    """The batch files validated (frames kept); every export, and a path that reads as no batch file (its kind
    cannot be told, or its columns are not a batch file's: BK007/BK008) but builds as an export, is built in memory
    (nothing written) and the batch files it makes are validated instead."""
    kept: list[Validated] = []
    if paths:
        validate_paths(paths, config, keep=kept)
    tables = [read_csv_bytes(name, data) for name, data in planned.items()]
    for export in exports:
        tables += _built(config, export, preset, notes)
    for item in list(kept):
        fr, frames, kind = item
        if kind is None or {"BK007", "BK008"} & set(fr.counts):
            built = _built(config, fr.path, preset, [] if kind is not None else notes)
            if built or kind is None:
                kept.remove(item)
                tables += built
    if tables:
        validate_tables(tables, config, keep=kept)
    return kept


def _built(config: Config, export: str, preset: str | None, notes: list[str]) -> list[Table]:
    """The batch files an export builds, read from memory (named as if beside the export; nothing written)."""
    from batchkit.builder.pipeline import build_files
    from batchkit.builder.settings import load_build_settings

    settings = load_build_settings(config, preset, None, None)
    try:
        outcome = build_files(Path(export), Path(export).parent, config, settings, dry_run=True)
    except (BatchkitError, OSError) as exc:
        notes.append(f"{export}: no batch file could be built from it ({exc})")
        return []
    if not outcome.planned:
        errors = outcome.input_report.errors if outcome.input_report else 0
        notes.append(f"{export}: no batch file could be built from it ({errors:,} error(s): batchkit build shows them)")
        return []
    names = [str(Path(export).parent / name) for name in outcome.planned]
    notes.append(f"{export}: built in memory into {len(names)} batch file(s), none written: "
                 + ", ".join(Path(n).name for n in names))
    return [read_csv_bytes(name, data) for name, data in zip(names, outcome.planned.values())]


def journal_sources(settings: ApiSettings, kept: list[Validated], sources: list[Source]) -> list[Source]:
    ledger = Ledger(settings.state_dir)
    try:
        if not ledger.exists():
            return []
        skip = mark_journal(sources, kept, ledger.journal, settings.account_sid)
        return from_journal(ledger.journal, skip)
    finally:
        ledger.close()
