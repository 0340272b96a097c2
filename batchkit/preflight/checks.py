"""BK701-BK705, BK707 (order level), BK708, BK709 and BK711 on the matched records of one file."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from batchkit.core.findings import FileReport
from batchkit.core.kinds import Kind
from batchkit.preflight.emit import (
    Locate,
    above,
    emit,
    is_zero,
    out_of_range,
    unchecked_amounts,
)
from batchkit.preflight.match import TEXT, Matched, column, passed_by, text

RETURN_REASONS = ("ITEM_RETURNED", "MP_RETURNED")  # a change "because it came back" lowers, never raises


@dataclass
class Context:
    """One file's records, their matched actions and what preflight knows of the account."""

    fr: FileReport
    kind: Kind
    record: pd.DataFrame
    locate: Locate
    keys: pa.Table
    m: Matched
    now: datetime
    period: str  # the mirrored period, for BK701
    checked: np.ndarray  # records whose action could be looked up (the others get BK710)
    present: frozenset[str]  # the fields the file has a column for
    account: str = "the account"

    def mirror(self, name: str, rows: np.ndarray | None = None) -> pa.Array:
        """The matched action's `name` for every record, or for the records `rows` ("" when none)."""
        pos = self.m.pos if rows is None else self.m.pos[rows]
        found = pos >= 0
        if not self.keys.num_rows:
            return pa.array([""] * len(found), type=TEXT)
        taken = column(self.keys, name).take(pa.array(np.where(found, pos, 0)))
        return pc.if_else(pa.array(found), taken, "")

    def key(self, name: str, row: int) -> str:
        """One mirror row's `name`."""
        return str(self.keys.column(name)[int(row)].as_py() or "")

    def ident_column(self, i: int) -> str:
        return "ActionId" if self.m.by_id[i] else "OrderId"

    def named(self, i: int) -> str:
        if self.m.by_id[i]:
            return f"action {self.m.ids[i].as_py()}"
        return f"action {self.key('Id', self.m.pos[i])} (OrderId {self.m.oids[i].as_py()})"


def run_checks(c: Context) -> None:
    """Every record check, in the order a person fixes them: exists, tracker, locked/reversed, amounts."""
    found = c.m.pos >= 0
    _missing(c, c.checked & ~found & (c.m.by_id | c.m.by_order))
    _tracker(c, found)
    state = c.mirror("State")
    reversed_ = found & _is(state, "REVERSED")
    _reversed(c, reversed_)
    _locked(c, found & ~reversed_, state)
    if c.kind.id == "order-reversal" and "Amount" in c.present:  # without the column, the header's BK206 stands
        _reversal_amounts(c, found & ~reversed_)
    if c.kind.id == "order-modification" and "Amount" in c.present:
        _raised(c, found & ~reversed_)
    _several(c, found)


_ZEROS = r"(^|\.)0+([0-9])"  # leading zeros of a number, or of each group of a dotted ActionId
_DIGITS = r"^[0-9]+(?:\.[0-9]+)*$"


def _unpadded(values: pa.Array, other: str) -> pa.Array:
    """Digit ids without their leading zeros ("0004417" -> "4417"); other ids as `other`, a text no id holds (the
    file's side and the mirror's side give different ones, so that two ids of other shapes never match)."""
    digits = pc.match_substring_regex(values, _DIGITS)
    return pc.if_else(digits, pc.replace_substring_regex(values, _ZEROS, r"\1\2"), pa.scalar(other, TEXT))


def _zero_hints(c: Context, mask: np.ndarray) -> dict[int, str]:
    """For records not found: the mirror's id that differs from theirs only by leading zeros (BK701's hint)."""
    hints: dict[int, str] = {}
    if not c.keys.num_rows:
        return hints
    for named, own, mine, theirs in ((c.m.by_id, "Id", c.m.ids, None), (c.m.by_order, "Oid", c.m.oids, "ActionTrackerId")):
        rows = np.flatnonzero(mask & named)
        if not len(rows):
            continue
        picked = pa.array(rows)
        wanted, pool = _unpadded(mine.take(picked), "\x1e"), _unpadded(column(c.keys, own), "\x1d")
        if theirs is not None:  # the same tracker too
            sep = pa.scalar("\x1f", TEXT)
            wanted = pc.binary_join_element_wise(wanted, c.m.trackers.take(picked), sep)
            pool = pc.binary_join_element_wise(pool, column(c.keys, theirs), sep)
        at = pc.fill_null(pc.index_in(wanted, value_set=pool), -1).to_numpy(zero_copy_only=False)
        for i, j in zip(rows[at >= 0], at[at >= 0]):
            hints[int(i)] = column(c.keys, own)[int(j)].as_py()
    return hints


def _missing(c: Context, mask: np.ndarray) -> None:
    sid = c.account
    hints = _zero_hints(c, mask) if mask.any() else {}

    def message(i: int) -> str:
        if i in hints:
            what = "ActionId" if c.m.by_id[i] else "OrderId"
            mine = (c.m.ids[i] if c.m.by_id[i] else c.m.oids[i]).as_py()
            return (f"no action with {what} {mine} in {sid}, but {hints[i]} exists: leading zeros lost? "
                    f"(a spreadsheet drops them: re-export the ids as text, or write {hints[i]})")
        if c.m.by_id[i]:
            return f"no action {c.m.ids[i].as_py()} in {sid}: check the ActionId (a spreadsheet may have changed it)"
        return (f"no action with OrderId {c.m.oids[i].as_py()} and ActionTrackerId {c.m.trackers[i].as_py()} in "
                f"the mirrored period ({c.period}): check both, or sync further back (batchkit actions sync --since)")

    emit(c.fr, "BK701", mask, c.locate, c.ident_column, message, lambda i: (
        c.m.ids[i] if c.m.by_id[i] else c.m.oids[i]).as_py())


def _is(values: pa.Array, text_: str) -> np.ndarray:
    return pc.equal(values, text_).to_numpy(zero_copy_only=False)


def _tracker(c: Context, found: np.ndarray) -> None:
    given, actual = c.m.trackers, c.mirror("ActionTrackerId")
    differ = pc.and_(pc.not_equal(given, ""), pc.not_equal(given, actual)).to_numpy(zero_copy_only=False)
    emit(c.fr, "BK708", found & c.m.by_id & differ, c.locate, "ActionTrackerId",
         lambda i: f"ActionTrackerId {given[i].as_py()} is not {c.named(i)}'s: it belongs to tracker "
                   f"{actual[i].as_py()}; correct it or leave it empty (the ActionId alone names the action)",
         lambda i: given[i].as_py())


def _reversed(c: Context, mask: np.ndarray) -> None:
    emit(c.fr, "BK703", mask, c.locate, c.ident_column,
         lambda i: f"{c.named(i)} is already reversed: impact.com has nothing left to change; if the reversal was "
                   "a mistake, a reset file restores it (batchkit template reset)")


def _locked(c: Context, candidates: np.ndarray, state: pa.Array) -> None:
    approved = _is(state, "APPROVED")
    passed = np.zeros(len(state), dtype=bool)
    pending = np.flatnonzero(candidates & ~approved)
    if len(pending):
        passed[pending] = passed_by(c.mirror("LockingDate", pending), c.now)
    mask = candidates & (approved | passed)

    def message(i: int) -> str:
        when = c.key("LockingDate", c.m.pos[i]) or "unknown"
        if approved[i]:
            return f"{c.named(i)} is locked: State APPROVED (LockingDate {when}); impact.com refuses changes to it"
        return (f"{c.named(i)} is locked: its LockingDate {when} has passed (the mirror still says "
                f"{state[i].as_py()}, as state changes are not updates); impact.com refuses changes to it")

    emit(c.fr, "BK702", mask, c.locate, c.ident_column, message)


def _reversal_amounts(c: Context, found: np.ndarray) -> None:
    """BK704/BK705 from the action's own amount; they replace the BK206 guess on the rows they decide."""
    given = text(c.record, "Amount")
    original = c.mirror("Amount")
    empty = pc.equal(given, "").to_numpy(zero_copy_only=False)
    original_zero = is_zero(original)
    known = found & pc.not_equal(original, "").to_numpy(zero_copy_only=False)
    known &= ~unchecked_amounts(c.fr, known & out_of_range(original), c.locate, "Amount", _unheld(c, original))
    emit(c.fr, "BK704", known & ~empty & is_zero(given) & original_zero, c.locate, "Amount",
         lambda i: f"{c.named(i)} has an amount of 0: a reversal with Amount 0 registers as a modification; leave "
                   "Amount empty", lambda i: given[i].as_py())
    emit(c.fr, "BK705", known & empty & ~original_zero, c.locate, "Amount",
         lambda i: f"{c.named(i)} has an amount of {original[i].as_py()} {c.key('Currency', c.m.pos[i])}: write 0 "
                   "to reverse it (an empty Amount reverses only actions whose amount is 0)")
    decided = np.flatnonzero(known & empty)
    c.fr._withdraw("BK206", {c.locate(int(i), "Amount")[0] for i in decided}, len(decided))


def _raised(c: Context, found: np.ndarray) -> None:
    reason = text(c.record, "Reason")
    returned = pc.is_in(reason, value_set=pa.array(RETURN_REASONS, type=pa.large_string())).to_numpy(
        zero_copy_only=False)
    rows = np.flatnonzero(found & returned)  # only a return can raise wrongly: the others are not compared
    if not len(rows):
        return
    given = text(c.record, "Amount")
    theirs = c.mirror("Amount")
    unheld = np.zeros(len(found), dtype=bool)
    unheld[rows] = out_of_range(theirs.take(pa.array(rows)))
    rows = rows[~unchecked_amounts(c.fr, unheld, c.locate, "Amount", _unheld(c, theirs))[rows]]
    mask = np.zeros(len(found), dtype=bool)
    mask[rows] = above(given.take(pa.array(rows)), theirs.take(pa.array(rows)))
    emit(c.fr, "BK707", mask, c.locate, "Amount",
         lambda i: f"Amount {given[i].as_py()} is above {c.named(i)}'s {c.key('Amount', c.m.pos[i])} "
                   f"{c.key('Currency', c.m.pos[i])}, with the return reason {reason[i].as_py()}: a return lowers "
                   "the amount", lambda i: given[i].as_py())


def _unheld(c: Context, theirs: pa.Array) -> Callable[[int], str]:
    """BK711's message: the mirrored amount impact.com cannot hold, so the amount checks were not made."""
    return lambda i: (f"{c.named(i)} has the amount {theirs[i].as_py()!r} in the mirror, which is no amount "
                      "impact.com holds (Decimal(8,2)): the amount checks were not made for this row; check the action "
                      "on impact.com (batchkit actions show ID) and sync again")


def _several(c: Context, found: np.ndarray) -> None:
    mask = np.zeros(len(found), dtype=bool)
    mask[list(c.m.older)] = True

    def message(i: int) -> str:
        newest = c.m.pos[i]
        others = ", ".join(f"{c.key('Id', r)} ({c.key('CreationDate', r)[:10]})" for r in c.m.older[i][:5])
        more = f" and {len(c.m.older[i]) - 5} more" if len(c.m.older[i]) > 5 else ""
        return (f"OrderId {c.m.oids[i].as_py()} + ActionTrackerId {c.m.trackers[i].as_py()} match "
                f"{len(c.m.older[i]) + 1} actions: the newest, {c.key('Id', newest)} (created "
                f"{c.key('CreationDate', newest)[:10]}), gets the change; also {others}{more}")

    emit(c.fr, "BK709", mask & found, c.locate, "OrderId", message, lambda i: c.m.oids[i].as_py())
