"""Records -> impact.com batch file bytes: header spellings of SPEC §1.7, item groups wide (§1.5).

UTF-8 without BOM, "\\n" line endings, a header row, RFC 4180 quoting (only where needed).
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timezone

import pandas as pd

from batchkit.kinds import get_kind, layout


def order_header(kind_id: str) -> list[str]:
    """Identifiers then the kind's fields."""
    return [*layout().identifiers, *get_kind(kind_id).fields]


def wide_items(kind_id: str, records: pd.DataFrame) -> pd.DataFrame:
    """One row per order (`_order`): identifiers, then item group 1 unnumbered, then Sku2, Amount2, ..."""
    lay, kind = layout(), get_kind(kind_id)
    numbered = records.assign(_n=records.groupby("_order", sort=False).cumcount() + 1)
    base = numbered.drop_duplicates("_order").set_index("_order")[list(lay.identifiers)]
    parts = [base]
    for n in range(1, int(numbered["_n"].max()) + 1 if len(numbered) else 1):
        group = numbered[numbered["_n"] == n].set_index("_order")[list(kind.fields)]
        parts.append(group.rename(columns={f: lay.item_header(f, n) for f in kind.fields}))
    wide = pd.concat(parts, axis=1)
    return wide.fillna("").reset_index(drop=True)


def render(kind_id: str, records: pd.DataFrame) -> bytes:
    """The batch file's bytes for one kind."""
    if get_kind(kind_id).is_item:
        table = wide_items(kind_id, records)
    else:
        header = order_header(kind_id)
        table = records.reindex(columns=header, fill_value="")
    buf = io.StringIO()
    table.astype(str).to_csv(buf, index=False, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    return buf.getvalue().encode("utf-8")


def file_name(prefix: str, kind_id: str, when: datetime | None = None) -> str:
    """`<prefix>_<kind>s_<UTC timestamp>.csv`: the kind id in the name, so validate recognises it."""
    stamp = (when or datetime.now(timezone.utc)).strftime("%Y%m%dT%H%M%SZ")
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", prefix).strip("-.") or "batch"
    return f"{safe}_{kind_id}s_{stamp}.csv"
