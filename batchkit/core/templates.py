"""The impact.com template CSV of each kind (templates/<kind>.csv)."""

from __future__ import annotations

from batchkit.core.resources import data_dir


def template_text(kind: str) -> str:
    """The template file's text."""
    return (data_dir("templates") / f"{kind}.csv").read_text(encoding="utf-8")
