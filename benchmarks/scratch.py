"""A benchmark's work folder: the one given (--workdir, kept for the next run), else a temporary one removed when
the benchmark ends, however it ends (a 1M-row file or a mirror left in /tmp by every run fills the disk)."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path


def work_folder(given: Path | None, prefix: str) -> Path:
    """`given` (created if missing), else a new temporary folder removed at exit."""
    if given is not None:
        given.mkdir(parents=True, exist_ok=True)
        return given
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, folder, True)
    return folder
