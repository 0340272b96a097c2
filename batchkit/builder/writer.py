"""Records -> impact.com batch file bytes: impact.com's header spellings, item groups wide (README "Rule catalogue").

UTF-8 without BOM, "\\n" line endings, a header row, RFC 4180 quoting (only where needed).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from batchkit.builder.lines import text_array
from batchkit.core.kinds import get_kind, layout


def order_header(kind_id: str) -> list[str]:
    """Identifiers then the kind's fields."""
    return [*layout().identifiers, *get_kind(kind_id).fields]


def wide_items(kind_id: str, records: pd.DataFrame) -> tuple[list[str], list[pa.Array]]:
    """One row per order (`_order`, in order of first appearance): identifiers from its first
    record, then item group 1 unnumbered, then Sku2, Amount2, ... ('' where an order has fewer)."""
    lay, kind = layout(), get_kind(kind_id)
    group, _ = pd.factorize(records["_order"].to_numpy(), sort=False)
    order = np.argsort(group, kind="stable")
    starts = np.flatnonzero(np.r_[True, group[order][1:] != group[order][:-1]]) if len(order) else np.empty(0, np.intp)
    number = np.empty(len(group), np.intp)
    number[order] = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    first = order[starts]
    header = list(lay.identifiers)
    columns = [_column(records, name).take(pa.array(first)) for name in header]
    for n in range(int(number.max()) + 1 if len(number) else 1):
        rows = np.flatnonzero(number == n)
        slot = np.full(len(first), -1, dtype=np.int64)
        slot[group[rows]] = rows
        indices = pa.array(slot, mask=slot < 0)
        for name in kind.fields:
            header.append(lay.item_header(name, n + 1))
            columns.append(pc.fill_null(_column(records, name).take(indices), ""))
    return header, columns


def render(kind_id: str, records: pd.DataFrame) -> bytes:
    """The batch file's bytes for one kind."""
    if get_kind(kind_id).is_item:
        header, columns = wide_items(kind_id, records)
    else:
        header = order_header(kind_id)
        columns = [_column(records, name) for name in header]
    return csv_bytes(header, columns)


def csv_bytes(header: list[str], columns: list[pa.Array]) -> bytes:
    """RFC 4180 text: a cell is quoted (quotes doubled) only when it holds a comma, quote, CR or LF."""
    head = ",".join('"' + h.replace('"', '""') + '"' if _SPECIAL.search(h) else h for h in header)
    if not len(columns) or not len(columns[0]):
        return (head + "\n").encode("utf-8")
    cells = [_quoted(c) for c in columns]
    rows = pc.binary_join_element_wise(*cells, _text(",")) if len(cells) > 1 else cells[0]
    return (head + "\n" + "\n".join(rows.to_pylist()) + "\n").encode("utf-8")


_SPECIAL = re.compile(r'[,"\r\n]')


def _quoted(cells: pa.Array) -> pa.Array:
    cells = pc.fill_null(cells.cast(pa.large_string()), "")
    special = pc.match_substring_regex(cells, _SPECIAL.pattern)
    if not pc.any(special).as_py():
        return cells
    doubled = pc.binary_join_element_wise(_text('"'), pc.replace_substring(cells, '"', '""'), _text('"'), _text(""))
    return pc.if_else(special, doubled, cells)


def _column(records: pd.DataFrame, name: str) -> pa.Array:
    """One column as a pyarrow string array without nulls ('' where the records lack it)."""
    if name not in records:
        return pa.array([""] * len(records), pa.large_string())
    return text_array(records[name])


def _text(value: str) -> pa.Scalar:
    return pa.scalar(value, pa.large_string())
