"""The Bench: what every page of one launch shares (settings, secrets, uploads, tasks, kept page state).

Pages reach it with `bench_of(request)`; it lives apart from app.py so that pages can import it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.requests import Request

from batchkit.core.config import Config, load_config
from batchkit.web.guard import Keys
from batchkit.web.settings import ServeSettings
from batchkit.web.uploads import Uploads
from batchkit.web.work import Tasks


@dataclass
class Bench:
    """This launch's settings, secrets, uploads, tasks, and what the pages keep between requests."""

    settings: ServeSettings
    keys: Keys
    uploads: Uploads
    tasks: Tasks
    debug: bool = False
    kept: dict[str, Any] = field(default_factory=dict)  # page state by id (a check's grid, a build's files)

    @property
    def config_path(self) -> Path | None:
        return self.settings.config_path

    def config(self) -> Config:
        """The configuration, read again on every use (the workbench remembers choices in it)."""
        path = self.config_path
        if path is None:
            return load_config(None)
        # not yet written: the defaults (never another folder's batchkit.toml: the workbench writes this one)
        return load_config(str(path)) if path.is_file() else load_config(None, cwd=path.parent)


def bench_of(request: Request) -> Bench:
    """The Bench of the app serving `request`."""
    return request.app.state.bench  # type: ignore[no-any-return]
