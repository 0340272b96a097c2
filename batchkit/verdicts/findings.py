"""The verdicts as findings (BK801 rejected, BK802 no verdict yet) and a per-file tally, from what the
verdict tables hold: building the report makes no request."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from batchkit.core.findings import FileReport, finding
from batchkit.verdicts.place import (
    FileRecords,
    Placed,
    convention,
    convention_note,
    place_all,
    present,
    read_records,
)
from batchkit.verdicts.reasons import column_of, explain
from batchkit.state.verdicts import COMPLETE, FileVerdict, RecordVerdict, Verdicts
from batchkit.verdicts.targets import Target

KINDS = {"drop": "file drop", "api": "API delivery"}


@dataclass
class Tally:
    """One delivery's records as the platform judged them."""

    name: str
    kind: str
    destination: str
    delivered_at: str
    status: str  # complete | pending | not found | partly pending
    records: int = 0
    accepted: int = 0
    rejected: int = 0
    pending: int = 0
    new_rejected: int = 0  # rejections among the verdicts that came in during this call
    fresh: bool = False  # a verdict on it came in during this call
    batch_id: str = ""
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def line(self) -> str:
        """One line for people."""
        via = f", {self.batch_id}" if self.batch_id else ""
        return (f"{self.name}: {self.records:,} record(s): {self.accepted:,} accepted, {self.rejected:,} rejected, "
                f"{self.pending:,} pending ({KINDS[self.kind]} {self.delivered_at}{via}; {self.status})")


@dataclass
class Context:
    """What building one delivery's findings needs."""

    target: Target
    report: FileReport
    tally: Tally
    recs: FileRecords | None
    origins: tuple[str, list[tuple[int, str]]] | None
    short: bool  # the request budget ran out before everything was asked
    fresh: set[str]  # the verdicts that came in during this call ("file:<delivery id>", "api:<BatchId>")

    def origin(self, k: int | None) -> str:
        """Where record k of a built file came from (its export row and OrderId), or ''."""
        if self.origins is None or k is None or not 0 <= k < len(self.origins[1]):
            return ""
        row, order = self.origins[1][k]
        return f" (built from {self.origins[0]} row {row}, order {order!r})"


def context(target: Target, verdicts: Verdicts, max_samples: int, short: bool, fresh: set[str]) -> Context:
    """An empty report and tally for one delivery, with its file's records when the file is at hand."""
    e = target.entry
    path = str(target.local) if target.local else e.name
    report = FileReport(path, max_samples, kind=KINDS[target.kind],
                        kind_reason=f"delivered {e.started_at} to {e.destination}")
    recs = read_records(target.local) if target.local else None
    report.rows = len(recs.order_ids) if recs else 0
    tally = Tally(e.name, target.kind, e.destination, e.started_at, "complete", records=report.rows)
    return Context(target, report, tally, recs, verdicts.origins(e.sha256), short, fresh)


def _not_asked(ctx: Context) -> str:
    return "; the request budget ran out before it was asked (--budget)" if ctx.short else ""


def drop_findings(ctx: Context, verdict: FileVerdict | None) -> None:
    """A file drop's BK801s (each detail at its row) or its BK802."""
    t = ctx.tally
    if verdict is None:
        t.status, t.pending = "not found", t.records
        ctx.report._add(finding("BK802", f"impact.com lists no file submission of {ctx.target.entry.name!r} submitted "
                                         f"at or after the delivery ({ctx.target.entry.started_at}) yet: the platform "
                                         f"has not picked it up, or not listed it{_not_asked(ctx)}"))
        return
    t.batch_id = verdict.batch_id
    t.records = _number(verdict.total_records, t.records)
    if not verdict.complete:
        t.status, t.pending = "pending", t.records
        what = (f"processed, but its error details are not read yet{_not_asked(ctx)}" if verdict.status == COMPLETE
                else f"not processed yet: Status {verdict.status or '(none)'}")
        ctx.report._add(finding("BK802", f"impact.com has the file (submission {verdict.batch_id}, submitted "
                                         f"{verdict.submitted_at}) but it is {what}"))
        return
    _details(ctx, verdict.details or [])
    if f"file:{verdict.delivery_id}" in ctx.fresh:
        t.new_rejected, t.fresh = t.rejected, True


def _number(text: str, default: int) -> int:
    try:
        return int(str(text).strip())
    except ValueError:
        return default


def _details(ctx: Context, details: list[dict[str, str]]) -> None:
    if ctx.recs is None:
        placed = [Placed(d, None, None, "the delivered file is not at hand to place it (give it as FILE)")
                  for d in details]
    else:
        first, confirmed, checkable = convention(details, ctx.recs)
        placed = place_all(details, ctx.recs, first)
        if details:
            ctx.tally.notes.append(convention_note(first, confirmed, checkable))
        if ctx.tally.records != len(ctx.recs.order_ids):
            ctx.tally.notes.append(f"impact.com counted {ctx.tally.records:,} record(s), the file holds "
                                   f"{len(ctx.recs.order_ids):,}")
    rows = {p.index if p.index is not None else ("line", p.detail.get("Line")) for p in placed}
    ctx.tally.rejected = min(len(rows), ctx.tally.records) if ctx.tally.records else len(rows)
    ctx.tally.accepted = max(ctx.tally.records - ctx.tally.rejected, 0)
    for p in placed:
        ctx.report._add(_rejected_detail(ctx, p))


def _rejected_detail(ctx: Context, p: Placed) -> Any:
    d, recs = p.detail, ctx.recs
    ids = ", ".join(f"{k} {d[k]!r}" for k in ("OrderId", "Sku") if d.get(k))
    message = (f"impact.com rejected this record: {d.get('Status') or 'error'} {explain(d.get('Reason'))}"
               + (f" [{ids}]" if ids else "") + ctx.origin(p.index)
               + (f"; {p.note}" if p.note else ""))
    if recs is None or p.index is None:
        return finding("BK801", message + f" (impact.com's Line {d.get('Line') or '?'})", value=d.get("OrderId") or None)
    field = column_of(d.get("Reason"), present(recs, p.index))
    column = (p.sku_column or recs.columns.get("Sku")) if field == "Sku" else recs.columns.get(field or "")
    value = d.get("Sku") if field == "Sku" else d.get("OrderId")
    return finding("BK801", message, row=recs.rows[p.index], line=recs.lines[p.index], column=column,
                   value=value or None)


def api_findings(ctx: Context, verdicts: dict[str, RecordVerdict]) -> None:
    """An API delivery's records: accepted, rejected (BK801) or without a verdict yet (BK802)."""
    t = ctx.tally
    skipped = [r for r in ctx.target.records if r.state == "skipped"]
    records = [r for r in ctx.target.records if r.state != "skipped"]
    t.records = len(records)
    for record in records:
        verdict = verdicts.get(record.batch_id) if record.batch_id else None
        outcome = _record_outcome(ctx, record, verdict)
        setattr(t, outcome, getattr(t, outcome) + 1)
        new = f"api:{record.batch_id}" in ctx.fresh
        t.fresh = t.fresh or new
        t.new_rejected += outcome == "rejected" and new
    if skipped:
        t.notes.append(f"{len(skipped):,} row(s) needed no request")
    t.status = "complete" if not t.pending else ("pending" if t.pending == t.records else "partly pending")


def _record_outcome(ctx: Context, record: Any, verdict: RecordVerdict | None) -> str:
    """accepted | rejected | pending, with the record's finding added."""
    k = record.row - 2  # the file's records are rows 2, 3, ... of a built or validated file
    where = {"row": record.row, "line": record.line, "value": record.order_id or record.action_id or None}
    if record.state == "applied" or (verdict and verdict.complete and not (verdict.error_type or verdict.error_reason)):
        return "accepted"
    if record.state == "refused":
        ctx.report._add(finding("BK801", f"impact.com refused the request: {record.error or '(no message)'}"
                                         + ctx.origin(k), **where))
        return "rejected"
    if verdict and verdict.complete:
        named = ctx.recs.columns if ctx.recs else {}
        column = named.get(column_of(verdict.error_reason, present(ctx.recs, k)) or "")
        ctx.report._add(finding("BK801", f"impact.com rejected this record (submission {verdict.batch_id}): "
                                         f"{verdict.error_type or 'error'} {explain(verdict.error_reason)}"
                                         + ctx.origin(k), column=column, **where))
        return "rejected"
    ctx.report._add(finding("BK802", _pending_text(ctx, record, verdict), **where))
    return "pending"


def _pending_text(ctx: Context, record: Any, verdict: RecordVerdict | None) -> str:
    if record.state == "queued":
        if verdict is None:
            return f"queued as {record.batch_id}, not asked yet{_not_asked(ctx)}"
        if verdict.status == "not found":
            return f"impact.com has no submission {record.batch_id} (yet)"
        return f"not processed yet: submission {record.batch_id} is {verdict.status}"
    if record.state in ("unknown", "sending"):
        return ("sent, but its outcome is unknown: there is no submission to ask about; batchkit deliver reads the "
                "action back on every run (`batchkit status` lists it)" + (f" ({record.error})" if record.error else ""))
    return (f"not delivered ({record.state}): impact.com did not accept the request"
            + (f" ({record.error})" if record.error else "") + "; batchkit deliver sends it again")
