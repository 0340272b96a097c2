"""--select/--ignore (and [validate] select/ignore) never switch every check off by accident."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from batchkit.cli.main import main

BROKEN = sorted(str(p) for p in (Path(__file__).resolve().parent.parent / "samples" / "broken").glob("*.csv"))


@pytest.mark.parametrize("args, says", [
    (["--ignore", "B"], "no rule code matches B"),
    (["--ignore", "BK"], "no rule code matches BK"),
    (["--select", "bk"], "no rule code matches bk"),
    (["--ignore", "BK9"], "no rule code matches BK9"),
    (["--select", "BK2", "--ignore", "BK2"], "leaves no check to run"),
])
def test_patterns_that_would_disable_everything_are_errors(args: list[str], says: str) -> None:
    result = CliRunner().invoke(main, ["validate", *BROKEN, *args])
    assert result.exit_code == 2 and says in result.stderr


def test_a_config_ignoring_everything_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "batchkit.toml").write_text('[validate]\nignore = ["BK"]\n')
    result = CliRunner().invoke(main, ["validate", *BROKEN, "--config", str(tmp_path / "batchkit.toml")])
    assert result.exit_code == 2 and "[validate] ignore names no known code: BK" in result.stderr


def test_a_code_prefix_still_selects_its_family() -> None:
    result = CliRunner().invoke(main, ["validate", *BROKEN, "--select", "BK3", "--format", "json"])
    assert result.exit_code == 1 and '"BK3' in result.stdout and '"BK1' not in result.stdout
