"""Locate the data files shipped with batchkit (schemas/, templates/)."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

_PACKAGE = Path(__file__).resolve().parent.parent  # batchkit/


def data_dir(name: str) -> Path:
    """Return the folder `name` from the installed wheel, or from the source tree."""
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"batchkit data folder {name!r} is missing from the installation")


@cache
def load_toml(name: str) -> dict[str, Any]:
    """Parse schemas/<name>.toml (cached)."""
    with open(data_dir("schemas") / f"{name}.toml", "rb") as fh:
        return tomllib.load(fh)
