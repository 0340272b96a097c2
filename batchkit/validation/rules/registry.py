"""The BK checks, registered once with pandera; each returns True where a value is fine.

A rule is a vectorized check (pandera's registry holds the function under the rule's name)
plus what batchkit needs to turn its failures into findings: the BK code, the severity, the
column a whole-row rule points at, and a message that says how to fix the value.
"""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from batchkit.core.codes import catalogue
from batchkit.validation._pandera import extensions

# Patterns (fullmatch) -------------------------------------------------------------------------
PLAIN = r"[0-9]+(?:\.[0-9]+)?|\.[0-9]+"
NEGATIVE = r"-(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)"
ZERO = r"0+(?:\.0*)?|\.0+"
SCIENTIFIC = r"[+-]?[0-9]+(?:[.,][0-9]+)?[eE][+-]?[0-9]+"
FLOAT_TAIL = r"[0-9]+\.0+"
PRECISION_LOST = r"[1-9][0-9]{14,16}0{2,}"  # a long id stored as a number: 15-17 digits kept, then zeros
ACTION_ID = r"[0-9]+(?:\.[0-9]+)*"
TRACKER_ID = r"[1-9][0-9]*"
CONTROL = r"(?s:.*[\x00-\x1f\x7f].*)"  # (?s): a line break anywhere counts
FORMULA = r"(?s:[=+\-@\t\r].*)"


@dataclass(frozen=True)
class Rule:
    """One registered check and how its failures are reported."""

    name: str
    code: str
    scope: str  # "field": runs on one column; "frame": runs on the whole frame
    column: str | None  # for frame rules: the field the finding points at (None: whole row)
    params: tuple[str, ...]
    message: Callable[[str, dict[str, Any]], str]
    severity: str = ""
    fn: Callable[..., pd.Series] | None = field(default=None, compare=False, repr=False)

    @property
    def level(self) -> str:
        return self.severity or catalogue()[self.code].severity


RULES: dict[str, Rule] = {}


def rule(code: str, scope: str = "field", column: str | None = None, params: tuple[str, ...] = (),
         severity: str = "", message: Callable[[str, dict[str, Any]], str] | None = None) -> Callable:
    """Register `fn` with pandera under its own name and record it as a BK rule."""

    def wrap(fn: Callable) -> Callable:
        extensions.register_check_method(statistics=list(params), check_type="vectorized")(fn)
        text = message or (lambda value, ctx: catalogue()[code].title)
        RULES[fn.__name__] = Rule(fn.__name__, code, scope, column, params, text, severity, fn)
        return fn

    return wrap


def _full(s: pd.Series, *patterns: str) -> pd.Series:
    """True where the whole value matches one of `patterns` (one regex pass; "" matches the empty value)."""
    pattern = "|".join(f"(?:{p})" for p in patterns)
    return s.str.fullmatch(pattern).fillna(False).astype(bool)


def arrow_of(s: pd.Series) -> pa.ChunkedArray | None:
    """The pyarrow strings behind a text Series (no copy); None when it is not pyarrow-backed text."""
    if isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow":
        return s.array.__arrow_array__()
    return None


def text_series(arr: pa.Array | pa.ChunkedArray, like: pd.Series, index: pd.Index | None = None) -> pd.Series:
    """pyarrow strings as a text Series of `like`'s dtype (no copy of large_string data)."""
    return pd.Series(pd.arrays.ArrowStringArray(arr, dtype=like.dtype), index=index, copy=False)


def empty_text(n: int) -> pd.Series:
    """A text Series of `n` empty strings (without building a list of them)."""
    offsets = pa.py_buffer(np.zeros(n + 1, dtype=np.int64))
    return pd.Series(pd.array(pa.LargeStringArray.from_buffers(n, offsets, pa.py_buffer(b"")), dtype="str"))


def _mask(result: pa.ChunkedArray, index: pd.Index, null: bool) -> pd.Series:
    return pd.Series(result.fill_null(null).to_numpy(), index=index, dtype=bool)


def _empty(s: pd.Series) -> pd.Series:
    """True where the value is empty (or missing)."""
    arr = arrow_of(s)
    if arr is None:
        return s.str.len().fillna(0).eq(0)
    return _mask(pc.equal(pc.binary_length(arr), 0), s.index, True)


_BLANKS: dict[int, tuple[weakref.ref, np.ndarray]] = {}  # id(array) -> (array, its blank mask)


def _forget(key: int, _: object) -> None:
    _BLANKS.pop(key, None)


def _blank(s: pd.Series) -> pd.Series:
    """True where the value is empty or only whitespace (what pyarrow's trim removes).

    pyarrow arrays are immutable, so the mask is remembered while the array lives: the frame
    rules ask again and again about the same identifier and item columns.
    """
    arr = arrow_of(s)
    if arr is None:
        return s.str.strip().str.len().fillna(0).eq(0)
    known = _BLANKS.get(id(arr))
    if known is None or known[0]() is not arr:
        blank = pc.or_(pc.equal(pc.binary_length(arr), 0), pc.utf8_is_space(arr)).fill_null(True).to_numpy()
        blank.flags.writeable = False
        known = (weakref.ref(arr, partial(_forget, id(arr))), blank)
        _BLANKS[id(arr)] = known
    return pd.Series(known[1], index=s.index, dtype=bool, copy=False)


# Identifiers -----------------------------------------------------------------------------------
def _mangled_message(value: str, ctx: dict[str, Any]) -> str:
    if re.fullmatch(SCIENTIFIC, value):
        return f"{value!r} is scientific notation from a spreadsheet: the original digits are lost; re-export the ids as text"
    if re.fullmatch(PRECISION_LOST, value):
        return (f"{value!r} looks like a long id a spreadsheet stored as a number: the digits after the 15th became "
                "zeros; re-export the ids as text")
    return f"{value!r} has a float tail ('.0') added by a spreadsheet: use the id as text ({value.split('.')[0]}?)"


@rule("BK104", message=_mangled_message)
def id_mangled(s: pd.Series) -> pd.Series:
    return ~_full(s, SCIENTIFIC, FLOAT_TAIL, PRECISION_LOST)


@rule("BK102", message=lambda v, c: f"ActionId {v!r} is not digits with dot-separated groups (e.g. 1000.4636.158133)")
def action_id_format(s: pd.Series) -> pd.Series:
    return _full(s, "", ACTION_ID, SCIENTIFIC)


def _order_id_message(value: str, ctx: dict[str, Any]) -> str:
    if not value.strip():
        return "OrderId is only spaces: give the order id, or leave the cell empty and give the ActionId"
    if len(value) > 64:
        return f"OrderId is {len(value)} characters long: at most 64 are allowed"
    return "OrderId contains control characters (line breaks, tabs): remove them"


@rule("BK103", message=_order_id_message)
def order_id_format(s: pd.Series) -> pd.Series:
    bad = (~_empty(s) & _blank(s)) | s.str.len().gt(64) | _full(s, CONTROL)
    return ~bad


@rule("BK105", message=lambda v, c: f"ActionTrackerId {v!r} is not a positive whole number (e.g. 2240)")
def tracker_id_format(s: pd.Series) -> pd.Series:
    return _full(s, "", TRACKER_ID, SCIENTIFIC, FLOAT_TAIL)


def _ids(df: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series]:
    return _blank(df["ActionId"]), _blank(df["OrderId"]), _blank(df["ActionTrackerId"])


@rule("BK101", scope="frame",
      message=lambda v, c: "no identifier: give the ActionId, or both the OrderId and the ActionTrackerId")
def identifier_path(df: pd.DataFrame) -> pd.Series:
    no_action, no_order, no_tracker = _ids(df)
    return ~(no_action & no_order & no_tracker)


@rule("BK106", scope="frame", column="ActionTrackerId",
      message=lambda v, c: "OrderId given without ActionTrackerId (and no ActionId): add the event type id, e.g. 2240")
def order_without_tracker(df: pd.DataFrame) -> pd.Series:
    no_action, no_order, no_tracker = _ids(df)
    return ~(no_action & ~no_order & no_tracker)


@rule("BK106", scope="frame", column="OrderId",
      message=lambda v, c: "ActionTrackerId given without OrderId (and no ActionId): add the order id or the ActionId")
def tracker_without_order(df: pd.DataFrame) -> pd.Series:
    no_action, no_order, no_tracker = _ids(df)
    return ~(no_action & no_order & ~no_tracker)
