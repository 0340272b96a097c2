"""Write returns_export.xlsx from returns_export.csv, with quantities and prices as NUMBER cells
(as a spreadsheet export has them) and order ids as text. Run: .venv/bin/python samples/returns/make_xlsx.py"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parent
NUMERIC = {"Qty Ordered": int, "Qty Returned": int, "Unit Price": Decimal}


def main() -> None:
    with open(HERE / "returns_export.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Returns"
    ws.append(header)
    for row in rows[1:]:
        ws.append([NUMERIC[h](v) if h in NUMERIC and v else v for h, v in zip(header, row)])
    book.save(HERE / "returns_export.xlsx")


if __name__ == "__main__":
    main()
