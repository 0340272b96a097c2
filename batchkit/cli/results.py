"""`batchkit results`: the platform's verdict on delivered files and API records (README "Results: the
platform's verdict").

Exit codes: 0 every record accepted (pending ones too, unless --fail-on warning), 1 a record rejected
(BK801), 2 usage or configuration, 3 the API failed.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from batchkit.cli.base import SANDBOX_NOTE, Command, api_flags, api_options, examples, out, parse_date
from batchkit.cli.validate import FORMATS, _emit

EXAMPLES = examples("batchkit results", "batchkit results --wait 30 --report results.xlsx",
                    "batchkit results samples/batch/acme_order-reversals_2026-11-22.csv --format json",
                    note=SANDBOX_NOTE)


@click.command("results", cls=Command, epilog=EXAMPLES)
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--since", metavar="DATE", help="Only deliveries made at or after DATE (default: all in the ledger).")
@click.option("--wait", type=click.FloatRange(0, 86400), default=None, metavar="SECONDS",
              help="Ask again until every verdict is in or SECONDS have passed (default 0: ask once).")
@click.option("--budget", type=click.IntRange(0, 100_000), default=None, metavar="N",
              help="Requests this call may make (default [api] results_budget, 200); what is left over is asked "
              "next time.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="Output format (default: text; github when GITHUB_ACTIONS=true).")
@click.option("--fail-on", type=click.Choice(["error", "warning"]), default="error", show_default=True,
              help="Exit 1 on rejections (error), or also on deliveries without a verdict yet (warning).")
@click.option("--max-samples", type=click.IntRange(min=0), default=10, show_default=True,
              help="Findings listed per code (0 = all).")
@click.option("--report", "report_path", type=click.Path(path_type=Path),
              help="Write the XLSX report of the delivered files with the rejected cells marked.")
@click.option("--force", is_flag=True, help="Overwrite the --report file if it exists.")
@api_options
def results(files: tuple[Path, ...], since: str | None, wait: float | None, budget: int | None, fmt: str | None,
            fail_on: str, max_samples: int, report_path: Path | None, force: bool, **params: Any) -> None:
    """The platform's verdict on delivered files (every delivery in the ledger unless FILEs are given)."""
    from batchkit.core.config import load_config
    from batchkit.io.write import require_suffix
    from batchkit.verdicts.run import results_for

    if report_path is not None:
        require_suffix(report_path, ".xlsx", "--report")
    config = load_config(params.pop("config_path", None))
    flags = api_flags(params)
    got = results_for(config, list(files), since=parse_date(since, "--since"), wait=wait, budget=budget,
                      state_dir=flags["state_dir"],
                      api_flags=flags, max_samples=0 if report_path else max_samples,
                      notify=_say)
    if report_path is not None:
        _write_report(got, report_path, force)
        for fr in got.report.files:
            fr._cap(max_samples)
    _show(got, fmt, fail_on)
    sys.exit(got.exit_code(fail_on))


def _say(text: str) -> None:
    """A note on stderr, its control characters escaped (it may quote the platform)."""
    from batchkit.render.escape import printable

    click.echo(f"batchkit: {printable(text)}", err=True)


def _write_report(got: Any, target: Path, force: bool) -> None:
    from batchkit.core.findings import Report
    from batchkit.render.annotate import write_xlsx_report

    at_hand = [fr for fr in got.report.files if Path(fr.path).is_file()]
    for fr in got.report.files:
        if fr not in at_hand and fr.errors:
            _say(f"warning: {fr.path} is not in {target}: its file is not at hand (give it as FILE)")
    if not at_hand:
        click.echo(f"batchkit: warning: no delivered file at hand: {target} not written", err=True)
        return
    write_xlsx_report(Report(at_hand), target, overwrite=force)
    click.echo(f"wrote {target}", err=True)


def _show(got: Any, fmt: str | None, fail_on: str) -> None:
    """The findings (render_text escapes what came from a file or the platform), then the tallies and notes,
    escaped too: a platform's text holding an OSC 8 link or a BEL reaches no terminal raw."""
    from batchkit.render.escape import json_printable, printable
    from batchkit.render.json import render_json

    if fmt == "json":
        doc = json.loads(render_json(got.report))
        doc["results"] = got.as_dict()
        out(json_printable(json.dumps(doc, indent=2, ensure_ascii=False)))
        return
    lines = [printable(t.line()) + "".join(f"\n  note: {printable(n)}" for n in t.notes) for t in got.tallies]
    lines += [f"note: {printable(n)}" for n in got.notes] + [printable(got.line())]
    chosen = fmt or ("github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text")
    _emit(got.report, chosen, fail_on)
    for line in lines:  # the tallies follow the findings; beside a machine format, on stderr
        if chosen == "text":
            out(line)
        else:
            click.echo(line, err=True)
