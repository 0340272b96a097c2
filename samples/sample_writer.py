"""What every order-list sample's make_export.py shares: the expected batch files' shape, and writing the export
and its expected/ files (deterministically, LF line ends)."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

REVERSAL = ["ActionId", "OrderId", "ActionTrackerId", "Amount", "Reason"]
MODIFICATION = ["ActionId", "OrderId", "ActionTrackerId", "Amount", "CurrencyCode", "CustomerStatus", "Reason"]


def expected_tables(reversals: list[list[str]], modifications: list[list[str]]) -> dict[str, list[list[str]]]:
    """The order-level batch files the rule gives, by kind (header first)."""
    return {"order-reversal": [REVERSAL, *reversals], "order-modification": [MODIFICATION, *modifications]}


def write_sample(here: Path, export_name: str, header: list[str], rows: Iterable[dict[str, str]],
                 expected: dict[str, list[list[str]]]) -> None:
    """The export as `here/export_name`, and each non-empty expected batch file under `here/expected/`."""
    with open(here / export_name, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    (here / "expected").mkdir(exist_ok=True)
    for kind, table in expected.items():
        if len(table) > 1:
            with open(here / "expected" / f"{kind}.csv", "w", newline="", encoding="utf-8") as fh:
                csv.writer(fh, lineterminator="\n").writerows(table)
