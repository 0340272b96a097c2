"""batchkit run when an input glob matches nothing: one line naming the glob, and with `[run] require_input = true`
exit 1 before anything is built or sent, so that a broken export feed is noticed by cron (issue 27)."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from batchkit.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "returns"


def _job(tmp_path: Path, run: str) -> Path:
    """A job over exports/, delivering to outbox/ (both beside the configuration file)."""
    (tmp_path / "exports").mkdir()
    config = tmp_path / "batchkit.toml"
    config.write_text((SAMPLE / "batchkit.toml").read_text() + f"\n[run]\narchive = \"archive\"\n{run}\n"
                      "[deliver]\nto = \"outbox\"\nstate_dir = \"state\"\n")
    return config


def _run(config: Path):
    return CliRunner(env={"IMPACT_ACCOUNT_SID": None, "BATCHKIT_STATE_DIR": None}).invoke(
        main, ["run", "--config", str(config)])


def _told(result, glob: str) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.endswith(f"run: [run] inputs: no file matches {glob}")]


def test_a_glob_matching_nothing_is_named_in_one_line_and_exits_0_by_default(tmp_path: Path) -> None:
    config = _job(tmp_path, 'inputs = ["exports/returns_*.csv"]')
    result = _run(config)
    assert result.exit_code == 0, result.output
    assert len(_told(result, str(tmp_path / "exports" / "returns_*.csv"))) == 1, result.stderr
    assert "nothing to do" in result.stderr


def test_require_input_exits_1_and_sends_nothing(tmp_path: Path) -> None:
    config = _job(tmp_path, 'inputs = ["exports/returns_*.csv"]\nrequire_input = true')
    result = _run(config)
    assert result.exit_code == 1, result.output
    assert len(_told(result, str(tmp_path / "exports" / "returns_*.csv"))) == 1, result.stderr
    assert "require_input = true" in result.stderr and "nothing was sent" in result.stderr
    assert result.stdout.startswith("run: 0 export(s)") and "exit 1" in result.stdout
    assert not (tmp_path / "outbox").exists() and not (tmp_path / "archive").exists()


def test_require_input_checks_every_glob(tmp_path: Path) -> None:
    """One feed present and one broken: with require_input nothing is built; without it the present one is."""
    config = _job(tmp_path, 'inputs = ["exports/returns_*.csv", "exports/amazon_*.tsv"]\nrequire_input = true')
    shutil.copy(SAMPLE / "returns_export.csv", tmp_path / "exports" / "returns_export.csv")
    stopped = _run(config)
    assert stopped.exit_code == 1 and not (tmp_path / "outbox").exists(), stopped.output
    assert _told(stopped, str(tmp_path / "exports" / "amazon_*.tsv"))
    assert not _told(stopped, str(tmp_path / "exports" / "returns_*.csv"))
    config.write_text(config.read_text().replace("require_input = true", "require_input = false"))
    went = _run(config)
    assert went.exit_code == 0 and "3 delivered" in went.stdout, went.output
    assert _told(went, str(tmp_path / "exports" / "amazon_*.tsv"))


def test_require_input_with_its_input_runs_as_usual(tmp_path: Path) -> None:
    config = _job(tmp_path, 'inputs = ["exports/*.csv"]\nrequire_input = true')
    shutil.copy(SAMPLE / "returns_export.csv", tmp_path / "exports" / "returns_export.csv")
    result = _run(config)
    assert result.exit_code == 0 and "3 delivered" in result.stdout and "no file matches" not in result.stderr


def test_require_input_must_be_true_or_false(tmp_path: Path) -> None:
    config = _job(tmp_path, 'inputs = ["exports/*.csv"]\nrequire_input = "yes"')
    result = _run(config)
    assert result.exit_code == 2 and "[run] require_input must be true or false" in result.stderr, result.output
