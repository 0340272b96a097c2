"""Shared fixtures: the repository root, the samples, and a CLI runner that keeps stdout and stderr apart."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def root() -> Path:
    return ROOT


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()
