"""A file's header and records, every cell text: what every reader produces and every check reads."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from batchkit.core.findings import Finding


@dataclass
class Table:
    """A file's header and records, all cells text; `rows`/`lines` give each record's position."""

    path: str
    header: list[str]
    data: pd.DataFrame  # columns 0..n-1 by position, index 0..k-1
    rows: np.ndarray  # spreadsheet row of each record (header = 1)
    lines: np.ndarray  # physical line where each record starts
    findings: list[Finding] = field(default_factory=list)
    delimiter: str = ","
    header_line: int = 1
    records: int = -1  # records after the header, blank and ragged ones included
    types: dict[int, dict[int, str]] = field(default_factory=dict)  # XLSX: column position -> {row: cell type}
    # of the cells that were not text (date, datetime, time, bool, number; io/xlsx.cell_type); CSV: empty

    def __post_init__(self) -> None:
        if self.records < 0:
            self.records = len(self.data)
