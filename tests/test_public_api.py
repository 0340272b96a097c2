"""The library API of `batchkit/__init__.py`: what an Airflow or Dagster task calls instead of the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import batchkit
from batchkit.cli import main

BROKEN = "samples/broken/acme_order-modifications_broken.csv"


def test_every_public_name_exists_and_is_documented() -> None:
    for name in batchkit.__all__:
        value = getattr(batchkit, name)
        assert name == "__version__" or value.__doc__, f"batchkit.{name} has no docstring"
    assert batchkit.__version__ == batchkit.VERSION


def test_validate_gives_the_findings_the_cli_prints(root: Path) -> None:
    report = batchkit.validate([root / BROKEN], max_samples=0)
    assert isinstance(report, batchkit.Report) and not report.valid
    cli = json.loads(CliRunner().invoke(main, ["validate", str(root / BROKEN), "--format", "json",
                                               "--max-samples", "0"]).output)
    file = report.files[0]
    assert (report.errors, report.warnings) == (cli["errors"], cli["warnings"]) == (22, 5)
    assert [f.as_dict() for f in file.findings()] == cli["files"][0]["findings"]
    amounts = [(f.row, f.column, f.value) for f in file.findings() if f.code == "BK201"]
    assert amounts[0] == (2, "Amount", "$12.50") and all(isinstance(f, batchkit.Finding) for f in file.findings())


def test_validate_takes_a_config_path_or_object(root: Path, tmp_path: Path) -> None:
    toml = tmp_path / "batchkit.toml"
    toml.write_text('[validate]\nignore = ["BK2"]\nmax_samples = 1\n')
    by_path = batchkit.validate([str(root / BROKEN)], toml)
    by_object = batchkit.validate([root / BROKEN], batchkit.load_config(toml))
    assert by_path.files[0].counts == by_object.files[0].counts
    assert all(len(kept) == 1 for kept in by_path.files[0].samples.values())


def test_a_bad_configuration_raises_the_cli_error(tmp_path: Path) -> None:
    toml = tmp_path / "batchkit.toml"
    toml.write_text("[validat]\n")
    with pytest.raises(batchkit.ConfigError, match=r"unknown section \[validat\]") as info:
        batchkit.validate([BROKEN], toml)
    assert info.value.exit_code == 2


def test_build_then_deliver_exactly_once(root: Path, tmp_path: Path) -> None:
    config = root / "samples" / "returns" / "batchkit.toml"
    outcome = batchkit.build(root / "samples" / "returns" / "returns_export.csv", tmp_path / "out", config)
    assert outcome.ok and outcome.written and all(p.parent == tmp_path / "out" for p in outcome.written)
    assert isinstance(outcome, batchkit.BuildOutcome)
    first = batchkit.deliver(outcome.written, to=str(tmp_path / "outbox"), config=config,
                             state_dir=str(tmp_path / "state"))
    again = batchkit.deliver(outcome.written, to=str(tmp_path / "outbox"), config=config,
                             state_dir=str(tmp_path / "state"))
    assert [r.outcome for r in first] == ["delivered"] * len(outcome.written)
    assert [r.outcome for r in again] == ["skipped"] * len(outcome.written)
    assert sorted(p.name for p in (tmp_path / "outbox").iterdir()) == sorted(p.name for p in outcome.written)


def test_deliver_refuses_invalid_files_and_sends_nothing(root: Path, tmp_path: Path) -> None:
    with pytest.raises(batchkit.InvalidFiles) as info:
        batchkit.deliver([root / BROKEN], to=str(tmp_path / "outbox"), state_dir=str(tmp_path / "state"))
    assert info.value.exit_code == 1 and info.value.report.errors == 22
    assert not (tmp_path / "outbox").exists()


def test_the_names_stay_functions_after_every_module_is_imported(root: Path) -> None:
    code = ("import importlib, pkgutil, batchkit\n"
            "for m in pkgutil.walk_packages(batchkit.__path__, 'batchkit.'):\n"
            "    if not m.name.endswith('__main__'):\n"
            "        importlib.import_module(m.name)\n"
            "print([type(getattr(batchkit, n)).__name__ for n in ('validate', 'build', 'deliver')])\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "['function', 'function', 'function']"


def test_importing_batchkit_loads_neither_pandas_nor_click_nor_paramiko(root: Path) -> None:
    code = "import sys, batchkit; print(sorted(m for m in ('pandas', 'click', 'paramiko', 'openpyxl') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
