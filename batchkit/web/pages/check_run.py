"""What a check is, and the work behind it: every file read once, validated by the library as one batch
(`validate_tables`, every finding kept), optionally preflighted against the account; then only the grid's
part of each table is kept (batchkit.web.grid)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from batchkit.core.config import Config
from batchkit.core.errors import BatchkitError
from batchkit.core.findings import FileReport
from batchkit.io.read import read_table
from batchkit.validation.engine import Validated, validate_tables
from batchkit.validation.header import looks_like_header
from batchkit.web.grid import Grid, build_grid
from batchkit.web.uploads import Upload

if TYPE_CHECKING:
    from batchkit.api.settings import ApiSettings
    from batchkit.validation.fix import FixResult
    from batchkit.web.work import Task


@dataclass
class Checked:
    """One file of a check: its report and grid, or the one line saying why it could not be read."""

    upload: Upload
    report: FileReport | None = None
    grid: Grid | None = None
    problem: str = ""

    @property
    def stem(self) -> str:
        name = self.upload.name
        return name.rsplit(".", 1)[0] if "." in name else name


@dataclass
class Fixed:
    """`fix` of one file: the fixed file (an upload of its own) and what changed, or why nothing was written."""

    upload: Upload | None
    result: FixResult | None
    refused: str = ""


@dataclass
class Check:
    """A check kept between requests (bench.kept[id]): its files, its current task, what was done to it."""

    uploads: list[Upload]
    id: str = field(default_factory=lambda: secrets.token_hex(10))
    files: list[Checked] = field(default_factory=list)
    task_id: str = ""
    preflighted: str = ""  # preflight's one line, once the check was run against the account
    synced: str = ""  # the last sync's one line
    fixes: dict[int, Fixed] = field(default_factory=dict)

    @property
    def errors(self) -> int:
        return sum(f.report.errors if f.report else 1 for f in self.files)

    @property
    def warnings(self) -> int:
        return sum(f.report.warnings for f in self.files if f.report)


def run_check(check: Check, config: Config, task: Task, account: ApiSettings | None = None) -> Check:
    """Read, validate (and with `account`, preflight) the check's files; the check's files are replaced."""
    total = len(check.uploads) + 2
    read: list[tuple[Upload, Any]] = []
    for n, upload in enumerate(check.uploads):
        task.report(f"reading {upload.name}", n, total)
        try:
            read.append((upload, read_table(upload.path, None, looks_like_header)))
        except BatchkitError as exc:
            read.append((upload, str(exc).replace(str(upload.path), upload.name)))
    tables = [t for _, t in read if not isinstance(t, str)]
    task.report(f"checking {len(tables)} file(s) as one batch", len(check.uploads), total)
    kept: list[Validated] = []
    report = validate_tables(tables, config, max_samples=0, keep=kept if account is not None else None)
    if account is not None:
        check.preflighted = _preflight(kept, account, task)
    task.report("preparing the grid", total - 1, total)
    reports = iter(report.files)
    files = []
    for upload, table in read:
        if isinstance(table, str):
            files.append(Checked(upload, problem=table))
            continue
        fr = next(reports)
        files.append(Checked(upload, fr, build_grid(table, fr)))
    del tables, read, kept
    check.files = files
    return check


def _preflight(kept: list[Validated], account: ApiSettings, task: Task) -> str:
    from batchkit.preflight import describe, preflight

    task.report("checking against the account (the mirror brought up to date first)")
    summary = preflight(kept, account, notify=lambda text: task.report(text))
    return describe(summary, account)
