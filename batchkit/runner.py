"""batchkit run: the one command a scheduler calls. build -> validate -> deliver -> archive.

[run] in batchkit.toml names the exports to build (globs, relative to the configuration file)
and the archive folder; [build] and [deliver] say how. Built files are staged in the state
directory, delivered exactly once (the ledger skips content already sent), and each delivered
file is archived with its ledger entry. The staging folder is removed at the end.
"""

from __future__ import annotations

import glob
import shutil
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, TextIO

from batchkit.buildconfig import load_build_settings
from batchkit.buildrun import build_files
from batchkit.config import Config
from batchkit.errors import ConfigError

_KEYS = {"inputs": list, "archive": str}


@dataclass(frozen=True)
class RunSettings:
    """The [run] section: exports to build and where delivered files are archived."""

    inputs: tuple[str, ...]
    archive: Path


@dataclass
class RunSummary:
    """What one run did."""

    inputs: list[Path] = field(default_factory=list)
    built: list[Path] = field(default_factory=list)
    outcomes: dict[str, int] = field(default_factory=dict)
    archived: list[Path] = field(default_factory=list)
    exit_code: int = 0

    def line(self) -> str:
        told = ", ".join(f"{n} {what}" for what, n in sorted(self.outcomes.items())) or "nothing delivered"
        return (f"run: {len(self.inputs)} export(s), {len(self.built)} batch file(s) built; {told}; "
                f"{len(self.archived)} archived; exit {self.exit_code}")


def load_run_settings(config: Config) -> RunSettings:
    """Check [run] and resolve its paths against the configuration file's folder."""
    src = config.source or "batchkit.toml"
    table = config.sections.get("run")
    if not isinstance(table, dict) or "inputs" not in table:
        raise ConfigError(f"{src}: batchkit run needs a [run] section with inputs = [\"exports/*.csv\", ...]")
    for key, value in table.items():
        if key not in _KEYS:
            raise ConfigError(f"{src}: unknown key {key!r} in [run] (allowed: {', '.join(_KEYS)})")
        if not isinstance(value, _KEYS[key]):
            raise ConfigError(f"{src}: [run] {key} must be {'a list of globs' if key == 'inputs' else 'a path'}")
    if not all(isinstance(v, str) and v.strip() for v in table["inputs"]):
        raise ConfigError(f"{src}: [run] inputs must list file names or globs")
    base = Path(config.source).parent if config.source else Path(".")
    return RunSettings(tuple(str(base / p) for p in table["inputs"]), base / table.get("archive", "archive"))


class Log:
    """Timestamped lines on stderr."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr

    def __call__(self, message: str) -> None:
        stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        print(f"{stamp} batchkit {message}", file=self.stream, flush=True)


def matching_inputs(patterns: tuple[str, ...]) -> list[Path]:
    """The exports the globs match, sorted, each once."""
    found = {Path(p) for pattern in patterns for p in glob.glob(pattern) if Path(p).is_file()}
    return sorted(found)


def run_job(config: Config, dry_run: bool = False, log: Callable[[str], None] | None = None) -> RunSummary:
    """build -> validate -> deliver -> archive; returns the summary (exit code inside)."""
    from batchkit import deliver as lib
    from batchkit.render import render_text

    say = log or Log()
    job = load_run_settings(config)
    build_settings = load_build_settings(config, None, None, None)
    delivery = lib.resolve_settings(config)
    summary = RunSummary(inputs=matching_inputs(job.inputs))
    if not summary.inputs:
        say(f"run: no export matches {', '.join(job.inputs)}: nothing to do")
        return summary
    now = datetime.now(timezone.utc)
    stage = delivery.state_dir / "staging" / now.strftime("%Y%m%dT%H%M%S%fZ")
    try:
        for export in summary.inputs:
            say(f"build: {export}")
            outcome = build_files(export, stage, config, build_settings, now=now)
            if not outcome.ok:
                reports = [outcome.input_report] + (outcome.output_report.files if outcome.output_report else [])
                for fr in reports:
                    if not fr.valid:
                        say(f"build: {fr.path}: {fr.errors:,} error(s): " + ", ".join(sorted(fr.counts)))
                print(render_text(_as_report(reports)), file=sys.stderr)
                summary.exit_code = 1
                say("run: stopped before delivery: nothing was sent")
                return summary
            summary.built += outcome.written
            for path in outcome.written:
                say(f"build: wrote {path.name}")
        if not summary.built:
            say("run: no order needs a correction: nothing to deliver")
            return summary
        _deliver(summary, job, delivery, dry_run, say)
        return summary
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _as_report(files: list[Any]) -> Any:
    from batchkit.report import Report

    return Report(list(files))


def _deliver(summary: RunSummary, job: RunSettings, delivery: Any, dry_run: bool, say: Callable[[str], None]) -> None:
    from batchkit import deliver as lib

    dest = lib.parse_destination(delivery.to)
    ledger = lib.Ledger(delivery.state_dir)
    say(f"deliver: {len(summary.built)} file(s) to {dest.url}" + (" (dry run)" if dry_run else ""))
    try:
        results = lib.deliver_files(summary.built, dest, delivery, ledger, dry_run=dry_run)
    except lib.InvalidFiles:
        summary.exit_code = 1
        say("deliver: a built file does not validate: nothing was sent")
        return
    except lib.DeliveryError as exc:
        for result in exc.results:
            say(f"deliver: {result.describe()}")
            summary.outcomes[result.outcome] = summary.outcomes.get(result.outcome, 0) + 1
        summary.exit_code = exc.exit_code
        say(f"deliver: failed: {exc} (safe to run again: the ledger prevents doubles)")
        return
    finally:
        ledger.close()
    day = job.archive / datetime.now(timezone.utc).strftime("%Y-%m-%d")
    for result in results:
        say(f"deliver: {result.describe()}")
        summary.outcomes[result.outcome] = summary.outcomes.get(result.outcome, 0) + 1
        if result.outcome == "delivered":
            summary.archived.append(lib.archive(result, day))
            say(f"archive: {summary.archived[-1]}")
