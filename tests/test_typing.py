"""The package type-checks (public functions carry hints; mypy keeps them honest)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_mypy_is_clean(root: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "mypy", "batchkit"], cwd=root, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
