"""`batchkit inquiries pull`: the campaign's action inquiries from the API into a CSV or XLSX file, every field
as text exactly as the API gave it (numbers never through float), paginated and paced by the budget. Each
inquiry's status and the time it was read are kept in the state directory (batchkit.state.inquiries), so
resolve can tell how old its view is."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from batchkit.api.client import ApiClient
from batchkit.api.settings import ApiSettings
from batchkit.core.errors import UsageError
from batchkit.core.inquiry import FIELDS, STATUSES
from batchkit.io.write import formula_safe, write_bytes_atomic, write_text_atomic
from batchkit.io.xlsx import table_xlsx_bytes
from batchkit.render.annotate import visible
from batchkit.state.ledger import Ledger

PAGE_SIZE = 1000


@dataclass
class Pulled:
    """What a pull wrote."""

    path: Path
    inquiries: int
    requests: int
    by_status: dict[str, int]


def text_of(value: Any) -> str:
    """A field as text: Decimal exactly (never through float), None as empty, Comments (a list of {User, Comment,
    Date}) as one line per comment, another list or object as JSON, anything else as given."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list) and all(isinstance(v, dict) for v in value):
        return comments_text(value)
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, default=text_of)
    return str(value)


def comments_text(comments: list[dict[str, Any]]) -> str:
    """An inquiry's Comments as the API defines them, readable: `DATE USER: TEXT`, one line per comment (a
    comment's own line breaks stay; the file's cell holds them all)."""
    lines = []
    for comment in comments:
        who = " ".join(t for t in (text_of(comment.get("Date")), text_of(comment.get("User"))) if t)
        said = text_of(comment.get("Comment"))
        lines.append(f"{who}: {said}" if who else said)
    return "\n".join(lines)


def pull_params(settings: ApiSettings, status: str | None, since: datetime | None,
                until: datetime | None = None) -> dict[str, str]:
    """The query of GET /ActionInquiries (CampaignId required; StartDate/EndDate given together)."""
    params = {"CampaignId": settings.need_campaign(), "PageSize": str(PAGE_SIZE)}
    if status:
        if status.upper() not in STATUSES:
            raise UsageError(f"--status {status!r}: use one of {', '.join(STATUSES)}")
        params["ResolutionStatus"] = status.upper()
    if since is not None:
        end = until or datetime.now(UTC)
        params["StartDate"], params["EndDate"] = _iso(since), _iso(end)
    return params


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def pull_inquiries(settings: ApiSettings, target: Path, *, status: str | None = "UNRESOLVED",
                   since: datetime | None = None, overwrite: bool = False, ledger: Ledger | None = None,
                   client: ApiClient | None = None, notify: Callable[[str], None] | None = None) -> Pulled:
    """Every inquiry the filters select, written to `target` (.csv or .xlsx), atomically."""
    suffix = target.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise UsageError(f"-o {target}: write a .csv or an .xlsx file")
    own = client is None
    client = client or ApiClient(settings, notify=notify)
    records: list[dict[str, Any]] = []
    before = client.budget.requests
    try:
        for page in client.pages("ActionInquiries", pull_params(settings, status, since), "ActionInquiries",
                                 what="GET /ActionInquiries"):
            records += [r for r in page.records if isinstance(r, dict)]
    finally:
        if own:
            client.close()
    header = list(FIELDS) + sorted({k for r in records for k in r} - set(FIELDS) - {"Uri"})
    rows = [[text_of(r.get(name)) for name in header] for r in records]
    _write(target, header, rows, overwrite)
    store = ledger or Ledger(settings.state_dir)
    try:
        seen = [(text_of(r.get("Id")), text_of(r.get("ResolutionStatus")), text_of(r.get("OrderId"))) for r in records]
        store.inquiries(settings.account_sid).seen(seen)
    finally:
        if ledger is None:
            store.close()
    counts: dict[str, int] = {}
    for r in records:
        key = text_of(r.get("ResolutionStatus")) or "?"
        counts[key] = counts.get(key, 0) + 1
    return Pulled(target, len(records), client.budget.requests - before, counts)


def _write(target: Path, header: list[str], rows: list[list[str]], overwrite: bool) -> None:
    """The partner's text as it came, made safe for a spreadsheet: in XLSX every cell is text (never a formula) and
    the control characters XLSX cannot hold are written as \\xNN; in CSV a cell a spreadsheet would run (= + - @,
    tab, CR first) gets a leading ' (io.write.formula_safe), which read_inquiries takes off again."""
    if target.suffix.lower() == ".xlsx":
        table = [[visible(c) for c in row] for row in [header, *rows]]
        write_bytes_atomic(target, table_xlsx_bytes(table[0], table[1:], "Inquiries"), overwrite)
        return
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([formula_safe(c) for c in header])
    writer.writerows([formula_safe(c) for c in row] for row in rows)
    write_text_atomic(target, buf.getvalue(), overwrite)
