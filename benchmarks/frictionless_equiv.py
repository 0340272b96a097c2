"""Validate a batch file with frictionless, using rules equivalent to batchkit's main ones.

This is the baseline that ``validate_bench.py`` runs as a separate process. Every column
is a frictionless ``string`` field (ids and amounts are text, as in batchkit) with these
constraints, chosen from the column's name with any item-group number stripped
(``Amount3`` -> ``Amount``):

=================  ==========================================================
ActionId           pattern ``\\d+(\\.\\d+)*``
OrderId / Oid      required, maxLength 64
ActionTrackerId    pattern ``[1-9]\\d*``
Amount             pattern ``\\d{1,6}(\\.\\d{1,2})?``
CurrencyCode       enum of a subset of ISO 4217 (:data:`CURRENCIES`, not all codes)
CustomerStatus     enum NEW / EXISTING
Reason             required, enum of the 13 default reason codes (SPEC §1.6)
Sku                maxLength 40
Quantity           pattern ``\\d+``
Category           maxLength 255
=================  ==========================================================

frictionless anchors patterns itself (``^...$``). Item groups 2..N get the same rules
without ``required`` (unused groups are empty). ``limit_errors`` is set so high that every
error is counted. frictionless 5 has no ``limitMemory`` any more (it was a v4 option;
``settings.DEFAULT_LIMIT_MEMORY`` is unused), so there is nothing to raise.

Prints one JSON object: rows validated, error count, error counts per type, seconds.

    python benchmarks/frictionless_equiv.py FILE
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from frictionless import Resource, Schema, fields

CURRENCIES = ["USD", "EUR", "GBP", "CAD", "AUD", "JPY", "CHF", "SEK", "NOK", "DKK", "NZD", "BDT"]
"""A handful of ISO 4217 codes: enough for the generated files, not the full list."""

REASON_CODES = [
    "ORDER_UPDATE",
    "ITEM_RETURNED",
    "CONS_FRAUD",
    "CONS_ERROR",
    "ORDER_ERROR",
    "PUB_ACT_DISPUTE",
    "ADV_ACT_DISPUTE",
    "NOT_COMPLIANCE_TERMS",
    "ITEM_OUT_OF_STOCK",
    "TEST_ACTION",
    "PARTNER_NOT_ACTIVE",
    "CREDITED_DIFFERENT_MP",
    "OTHER",
]

CONSTRAINTS: dict[str, dict[str, Any]] = {
    "actionid": {"pattern": r"\d+(\.\d+)*"},
    "orderid": {"required": True, "maxLength": 64},
    "oid": {"required": True, "maxLength": 64},
    "actiontrackerid": {"pattern": r"[1-9]\d*"},
    "amount": {"pattern": r"\d{1,6}(\.\d{1,2})?"},
    "currencycode": {"enum": CURRENCIES},
    "customerstatus": {"enum": ["NEW", "EXISTING"]},
    "reason": {"required": True, "enum": REASON_CODES},
    "sku": {"maxLength": 40},
    "quantity": {"pattern": r"\d+"},
    "category": {"maxLength": 255},
}

LIMIT_ERRORS = 10**12
"""Large enough never to stop validation early: every error is counted."""

_GROUP_SUFFIX = re.compile(r"^(?P<base>[A-Za-z]+?)(?P<group>[2-9]|[1-9]\d+)?$")


def field_constraints(name: str) -> dict[str, Any]:
    """The constraints for a header ``name``; numbered item groups are never required."""
    match = _GROUP_SUFFIX.match(name)
    base, group = (match["base"], match["group"]) if match else (name, None)
    constraints = dict(CONSTRAINTS.get(base.lower(), {}))
    if group is not None:
        constraints.pop("required", None)
    return constraints


def build_schema(header: list[str]) -> Schema:
    """A frictionless schema of string fields with the equivalent constraints."""
    return Schema(
        fields=[
            fields.StringField(name=name, constraints=field_constraints(name)) for name in header
        ]
    )


def read_header(path: Path) -> list[str]:
    """The first CSV record of ``path``."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return next(csv.reader(handle))


def validate(path: Path) -> dict[str, Any]:
    """Validate ``path`` and summarise the report."""
    started = time.perf_counter()
    resource = Resource(
        path=path.name,
        basepath=str(path.parent.resolve()),  # frictionless refuses unsafe absolute paths
        format="csv",
        schema=build_schema(read_header(path)),
    )
    report = resource.validate(limit_errors=LIMIT_ERRORS)
    task = report.tasks[0]
    types = Counter(error.type for error in task.errors)
    return {
        "file": str(path),
        "rows": task.stats.get("rows"),
        "valid": report.valid,
        "errors": len(task.errors),
        "error_types": dict(sorted(types.items())),
        "warnings": task.warnings,
        "seconds": round(time.perf_counter() - started, 3),
    }


def main(argv: list[str] | None = None) -> int:
    """Validate the file; exit 0 when valid, 1 when frictionless found errors."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    args = parser.parse_args(argv)
    summary = validate(args.file)
    json.dump(summary, sys.stdout)
    sys.stdout.write("\n")
    return 0 if summary["valid"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
