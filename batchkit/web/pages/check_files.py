"""What a check gives back as files: the issues CSV and the annotated XLSX report (batchkit.render.annotate, as
`batchkit validate --issues-csv/--report` writes them), and the `fix`ed file (batchkit.validation.fix, as
`batchkit fix` makes it), which becomes an upload of its own so that it can be checked in one click."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import TYPE_CHECKING

from starlette.background import BackgroundTask
from starlette.responses import FileResponse

from batchkit.core.config import Config
from batchkit.core.findings import Report
from batchkit.web.pages.check_run import Checked, Fixed

if TYPE_CHECKING:
    from batchkit.web.bench import Bench
    from batchkit.web.work import Task

REPORTS = {"issues": ("_issues.csv", "text/csv; charset=utf-8"),
           "report": ("_report.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")}


def report_file(bench: Bench, checked: Checked, what: str) -> FileResponse:
    """The issues CSV or the XLSX report of one checked file, written under the workbench's folder, sent as an
    attachment named after the file, and removed once sent."""
    from batchkit.render.annotate import write_issues_csv, write_xlsx_report

    assert checked.report is not None
    suffix, media = REPORTS[what]
    out = bench.settings.folder / "out"
    out.mkdir(parents=True, exist_ok=True)
    target = out / f"{secrets.token_hex(10)}{suffix}"
    writer = write_issues_csv if what == "issues" else write_xlsx_report
    writer(Report([checked.report]), target, None, overwrite=True)
    return FileResponse(target, media_type=media, filename=f"{checked.stem}{suffix}",
                        background=BackgroundTask(_remove, target))


def _remove(path: Path) -> None:
    path.unlink(missing_ok=True)


def fix(bench: Bench, checked: Checked, config: Config, task: Task) -> Fixed:
    """The safe fixes of one file into a new upload; damage only a person can repair: nothing written."""
    from batchkit.validation.fix import fix_file, inspect

    task.report(f"looking at {checked.upload.name}")
    source = inspect(checked.upload.path)
    if source.damage:
        where = ", ".join(f"row {f.row}: {f.code}" for f in source.damage[:5])
        return Fixed(None, None, f"fix wrote nothing: the file is damaged in a way only you can repair safely "
                                 f"({where}); repair it, then fix again")
    task.report(f"fixing {checked.upload.name}")
    result = fix_file(checked.upload.path, config)
    upload = bench.uploads.add_file(f"{checked.stem}_fixed.csv", result.data)
    return Fixed(upload, result)
