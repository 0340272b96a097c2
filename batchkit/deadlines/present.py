"""The radar for a person: a short text table with a bar per bucket, and the XLSX sheet's typed cells (the
workbook itself is render/radar.py's). Everything a file, a partner or impact.com wrote is escaped (printable)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from batchkit.core.money import minor_unit
from batchkit.deadlines.model import Correction, Radar
from batchkit.render.escape import printable
from batchkit.render.radar import DATE_FORMAT, Cell, Line, Sheet, money_format

BAR = 24
SHOWN = 20  # corrections listed by the text output (at stake, soonest first)
MAX_ROWS = 1_048_575  # a sheet's rows below its header
FILLS = {"locked": "F4B6B6", "24h": "F8CBAD", "3d": "FFE699", "days": "FFF2CC"}


def money(c: Correction) -> str:
    if c.commission is None:
        return "unknown"
    return f"{c.currency or ''} {c.commission:,}" + (" (est.)" if c.estimate else "")


def where(c: Correction) -> str:
    if c.origin == "journal":
        told = f"journal #{c.journal_id}"
        return told + (f" ({c.file} row {c.row})" if c.file and c.row is not None else "")
    return f"{c.file} row {c.row}" if c.row is not None else str(c.file or "")


def text_lines(radar: Radar, shown: int = SHOWN) -> list[str]:
    """The text output."""
    synced = f"synced {radar.mirror_at:%Y-%m-%d %H:%M} UTC" if radar.mirror_at else "never synced"
    out = [f"radar: {radar.count:,} correction(s) against the mirror of account {radar.account} campaign "
           f"{radar.campaign} ({synced}{', brought up to date now' if radar.refreshed else ''}; {radar.requests} "
           f"request(s)); now {radar.now:%Y-%m-%d %H:%M} UTC",
           "commission at stake per bucket (amounts in different currencies are never added):"]
    most = max([t.count for t in radar.buckets.values()] + [1])
    for key, total in radar.buckets.items():
        bar = "#" * (round(BAR * total.count / most) if total.count else 0)
        out.append(f"  {radar.label(key):<26} {bar:<{BAR}} {total.text()}")
    stake = ", ".join(f"{c} {a:,}" for c, a in sorted(radar.currencies.items())) or "nothing"
    out.append(f"at stake, not locked yet: {stake}")
    if radar.partners:
        out.append("per partner: " + "; ".join(f"{p}: {t.text()}" for p, t in sorted(radar.partners.items())))
    lost = "; ".join(f"{m}: {t.text()}" for m, t in sorted(radar.lost.items())) or "nothing"
    out.append(f"lost (the correction came after the lock), per month: {lost}")
    out.append("states: " + ", ".join(f"{n:,} {s}" for s, n in radar.states.items()))
    rows = radar.corrections(shown, at_risk=True)
    if rows:
        out.append(f"{'LockingDate (account)':<26} {'local':<17} {'left':<9} {'commission':<22} {'state':<9} "
                   "action, partner, where")
        out += [_row(c) for c in rows]
        left = sum(t.count for t in radar.buckets.values()) - len(rows)
        if left > 0:
            out.append(f"... and {left:,} more at stake (--format json or --report FILE.xlsx lists every one)")
    out += [f"note: {n}" for n in radar.notes]
    return [printable(line) for line in out]


def _row(c: Correction) -> str:
    local = f"{c.locks_local:%Y-%m-%d %H:%M}" if c.locks_local else "-"
    state = c.state + (f" ({c.reason})" if c.reason and c.state in ("refused", "unknown", "too late") else "")
    partner = c.partner or c.partner_id or "?"
    told = f"{c.names} -> {c.action_id}" if c.action_id and not c.names.startswith("ActionId") else c.names
    note = f"  [{c.note}]" if c.note else ""
    return (f"{c.locking_date or '-':<26} {local:<17} {c.left():<9} {money(c):<22} {c.state:<9} {told}, {partner}, "
            f"{where(c)}{'' if state == c.state else ': ' + state}{note}")


COLUMNS = [("LockingDate (account time)", 26), ("Locks (local time)", 18), ("Hours left", 11), ("Bucket", 22),
           ("State", 10), ("Reason", 30), ("Commission", 16), ("Estimate", 9), ("Currency", 9), ("Action", 20),
           ("Named by", 34), ("Partner", 24), ("Partner Id", 11), ("Kind", 18), ("File", 30), ("Row", 6),
           ("Journal #", 10), ("Note", 50)]


def sheet_of(radar: Radar) -> Sheet:
    """The workbook's cells: every correction in deadline order, and the commission at stake by day."""
    lines = [_line(c, radar) for c in radar.corrections(MAX_ROWS)]
    days: dict[date, dict[str, Decimal]] = {}
    for c in radar.corrections(at_risk=True):
        if c.locks_local is not None and c.commission is not None and c.currency and c.bucket != "locked":
            day = days.setdefault(c.locks_local.date(), {})
            day[c.currency] = day.get(c.currency, Decimal(0)) + c.commission
    codes = sorted({code for day in days.values() for code in day})
    notes = text_lines(radar, 0) + ([f"the sheet lists the first {MAX_ROWS:,} corrections by deadline (a sheet's "
                                     "limit); --format json lists every one"] if radar.count > MAX_ROWS else [])
    return Sheet(COLUMNS, lines, sorted(days.items()), [(c, minor_unit(c)) for c in codes], notes=notes)


def _line(c: Correction, radar: Radar) -> Line:
    local = c.locks_local.replace(tzinfo=None) if c.locks_local else None
    hours = Decimal(c.seconds_left) / 3600 if c.seconds_left is not None else None
    fmt = money_format(c.currency or "", minor_unit(c.currency)) if c.currency else None
    cells = [Cell(c.locking_date), Cell(local, DATE_FORMAT), Cell(hours.quantize(Decimal("0.1")) if hours is not None
             else None, "0.0"), Cell(radar.label(c.bucket)), Cell(c.state), Cell(c.reason), Cell(c.commission, fmt),
             Cell(c.estimate), Cell(c.currency), Cell(c.action_id), Cell(c.names), Cell(c.partner), Cell(c.partner_id),
             Cell(c.kind), Cell(c.file), Cell(c.row), Cell(c.journal_id), Cell(c.note)]
    return Line(cells, FILLS.get(c.bucket) if c.at_risk else None)
