"""impact.com's reasons for rejecting a record (SPEC §5.3), as data: what each means and how to fix it.

A reason not in schemas/platform_reasons.toml is shown as the platform gave it, never an error.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from batchkit.core.resources import load_toml


@dataclass(frozen=True)
class Reason:
    """One documented reason."""

    code: str
    meaning: str
    fix: str
    column: str  # the cell to mark: a column name, "identifier" (ActionId, else OrderId), or "" (the row)


@cache
def reasons() -> dict[str, Reason]:
    """The reasons of schemas/platform_reasons.toml, by code."""
    return {code: Reason(code, v["meaning"], v["fix"], v.get("column", ""))
            for code, v in load_toml("platform_reasons").items()}


def codes_of(text: str | None) -> list[str]:
    """The codes of an ErrorReason or Reason ("NO_ITEM ACTION_REF_NOT_FOUND": space-separated)."""
    return [c for c in re.split(r"[\s,;]+", (text or "").strip()) if c]


def explain(text: str | None) -> str:
    """Each code with its meaning and fix ("CODE (meaning); fix: ..."); unknown codes as given."""
    parts = []
    for code in codes_of(text):
        known = reasons().get(code.upper())
        parts.append(f"{code} ({known.meaning}); fix: {known.fix}" if known
                     else f"{code} (not a reason impact.com documents: shown as given)")
    return " | ".join(parts) or "(no reason given)"


def column_of(text: str | None, fields: Iterable[str]) -> str | None:
    """The field (ActionId, OrderId, Sku, ...) the first documented reason points at, if among `fields`."""
    have = set(fields)
    for code in codes_of(text):
        known = reasons().get(code.upper())
        if known is None or not known.column:
            continue
        if known.column == "identifier":
            return "ActionId" if "ActionId" in have else ("OrderId" if "OrderId" in have else None)
        return known.column if known.column in have else None
    return None
