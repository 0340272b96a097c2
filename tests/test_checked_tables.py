"""[inquiries] (approvals) and [run] (results' archive) are read through their checked tables, never raw."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from batchkit.core.config import Config, load_config
from batchkit.core.errors import ConfigError
from batchkit.inquiries.upload import approvals_csv
from batchkit.verdicts.run import archive_of

NO_BOOK: Any = None  # no accepted inquiry: the book is never asked


def _config(tmp_path: Path, text: str) -> Config:
    path = tmp_path / "batchkit.toml"
    path.write_text(text)
    return load_config(path)


def test_approvals_read_the_checked_inquiries_table(tmp_path: Path) -> None:
    config = _config(tmp_path, '[reasons]\ncustom = ["OK"]\n[inquiries]\napprovals_reason = "OK"\n')
    assert approvals_csv([], NO_BOOK, config) == ("OrderId,ActionTrackerId,Reason\n", [])
    with pytest.raises(ConfigError, match=r"\[inquiries\] approvals_reason must be a string"):
        approvals_csv([], NO_BOOK, _config(tmp_path, "[inquiries]\napprovals_reason = 5\n"))
    with pytest.raises(ConfigError, match=r"unknown key 'approval_reason' in \[inquiries\]"):
        approvals_csv([], NO_BOOK, _config(tmp_path, '[inquiries]\napproval_reason = "OK"\n'))


def test_the_archive_of_results_reads_the_checked_run_table(tmp_path: Path) -> None:
    assert archive_of(_config(tmp_path, "")) is None
    assert archive_of(_config(tmp_path, '[run]\ninputs = ["x.csv"]\n')) == tmp_path / "archive"
    assert archive_of(_config(tmp_path, '[run]\ninputs = ["x.csv"]\narchive = "old"\n')) == tmp_path / "old"
    with pytest.raises(ConfigError, match=r"\[run\] archive must be a path"):
        archive_of(_config(tmp_path, "[run]\narchive = 3\n"))
    with pytest.raises(ConfigError, match=r"\[run\] archive is empty"):
        archive_of(_config(tmp_path, '[run]\narchive = ""\n'))
