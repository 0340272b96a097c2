"""Value checks (BK108, BK2xx, BK3xx) on single fields, registered with pandera through registry.rule."""

from __future__ import annotations

import difflib
import re
from typing import Any

import pandas as pd

from batchkit.core.change import ID_INVISIBLE, normalise_id
from batchkit.validation.rules.registry import (
    CONTROL,
    FORMULA,
    NEGATIVE,
    PLAIN,
    ZERO,
    _blank,
    _empty,
    _full,
    rule,
)

# Amounts ---------------------------------------------------------------------------------------
FIX = "`batchkit fix FILE -o OUT.csv` repairs it"


def _amount_message(value: str, ctx: dict[str, Any]) -> str:
    message = amount_problem("Amount", value, "put the currency in CurrencyCode")
    v = value.strip()
    if v != value or re.fullmatch(r"[0-9]{1,3}(,[0-9]{3})+\.[0-9]+", v):
        return f"{message}; {FIX}"
    if re.fullmatch(r"[0-9]+,[0-9]{1,2}|[0-9]{1,3}(\.[0-9]{3})+,[0-9]{1,2}", v):
        return f"{message}; `batchkit fix FILE -o OUT.csv` converts a column's decimal commas when none reads two ways"
    if re.search(r"[$€£¥]", v) and re.search(r"[0-9]", v):
        return f"{message}; `batchkit fix FILE -o OUT.csv` drops a sign that matches the row's CurrencyCode"
    return message


def amount_problem(column: str, value: str, currency_hint: str = "") -> str:
    """Why `value` is not a plain decimal amount, in one sentence naming `column` (batch files' Amount, a
    resolution file's Final Payout or Sale Amount)."""
    v = value.strip()
    if v != value:
        return f"{column} {value!r} has spaces around it: write {v!r}"
    if v.lower().lstrip("+-") in {"nan", "inf", "infinity", "true", "false", "null", "none"} or v.startswith("#"):
        return f"{column} {value!r} is not a number (a spreadsheet or program value): write the amount, e.g. 59.97"
    if any(c.isdigit() and not c.isascii() for c in v):
        return f"{column} {value!r} uses non-ASCII digits (e.g. full-width): retype them as 0-9"
    if re.search(r"[0-9]", v) is None and re.search(r"[A-Za-z\"']", v):
        return f"{column} {value!r} is text, not a number: write the amount as digits (e.g. 59.97)"
    if re.search(r"[$€£¥₹]|[A-Za-z]{3}", v):
        hint = f" ({currency_hint})" if currency_hint else " (e.g. 59.97)"
        return f"{column} {value!r} carries a currency sign or code: write the number only{hint}"
    if re.fullmatch(r"[0-9]{1,3},[0-9]{3}", v):
        return (f"{column} {value!r} reads two ways: {v.replace(',', '')} with a thousands separator, or "
                f"{v.replace(',', '.')} with a decimal comma: write the amount meant with a dot (e.g. {v.replace(',', '')}.00)")
    if re.fullmatch(r"[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?", v):
        return f"{column} {value!r} has a thousands separator: write {v.replace(',', '')}"
    if re.fullmatch(r"[0-9]+,[0-9]{1,2}", v):
        return f"{column} {value!r} uses a decimal comma: write {v.replace(',', '.')}"
    if re.fullmatch(r"[0-9]{1,3}(\.[0-9]{3})+,[0-9]+", v):
        return f"{column} {value!r} uses European separators: write {v.replace('.', '').replace(',', '.')}"
    return f"{column} {value!r} is not a number: write digits with a dot and up to 2 decimals (e.g. 59.97)"


@rule("BK201", message=_amount_message)
def amount_plain(s: pd.Series) -> pd.Series:
    return _full(s, "", PLAIN, NEGATIVE)


@rule("BK202", message=lambda v, c: f"Amount {v!r} is negative: write the new total (0 to reverse), never a delta")
def amount_negative(s: pd.Series) -> pd.Series:
    return ~_full(s, NEGATIVE)


def _decimals_message(value: str, ctx: dict[str, Any]) -> str:
    from decimal import Decimal

    from batchkit.core.money import quantize

    rounded = quantize(Decimal(value.lstrip("-")), None)
    return f"Amount {value!r} has more than 2 decimal places: round it to cents ({rounded})"


@rule("BK203", message=_decimals_message)
def amount_decimals(s: pd.Series) -> pd.Series:
    return ~_full(s, r"-?[0-9]*\.[0-9]{3,}")


@rule("BK204", message=lambda v, c: f"Amount {v!r} is above impact.com's maximum of 999999.99")
def amount_max(s: pd.Series) -> pd.Series:
    return ~_full(s, r"0*[1-9][0-9]{6,}(?:\.[0-9]*)?", r"0*999999\.99[0-9]*[1-9][0-9]*")


@rule("BK205", column="Amount",
      message=lambda v, c: f"a reversal's Amount must be 0, not {v!r}: move changed amounts to a modification file")
def reversal_amount_nonzero(s: pd.Series) -> pd.Series:
    return ~(_full(s, PLAIN, NEGATIVE) & ~_full(s, ZERO, f"-(?:{ZERO})"))


@rule("BK206", column="Amount",
      message=lambda v, c: "Amount is empty: right only if the original amount was 0; otherwise write 0 to reverse")
def reversal_amount_empty(s: pd.Series) -> pd.Series:
    return ~_blank(s)


@rule("BK207", column="Amount",
      message=lambda v, c: f"Amount {v!r} in a modification reverses the action: move the row to an order-reversal file if that is meant")
def modification_amount_zero(s: pd.Series) -> pd.Series:
    return ~_full(s, ZERO)


# Quantities, codes, texts ------------------------------------------------------------------------
@rule("BK208", message=lambda v, c: f"Quantity {v!r} is not a whole number >= 0 (the new absolute quantity, e.g. 2)")
def quantity_whole(s: pd.Series) -> pd.Series:
    return _full(s, "", r"[0-9]+")


def _currency_message(value: str, ctx: dict[str, Any]) -> str:
    up = value.strip().upper()
    if up in ctx["currencies"]:
        fixed = " (`batchkit fix FILE -o OUT.csv` does)" if up == value.upper() and value.strip() == value else ""
        return f"CurrencyCode {value!r} is not written as ISO 4217: write {up}{fixed}"
    return f"CurrencyCode {value!r} is not an ISO 4217 currency code (e.g. USD, EUR, GBP)"


@rule("BK210", params=("currencies",), message=_currency_message)
def currency_iso(s: pd.Series, *, currencies: frozenset[str]) -> pd.Series:
    return _empty(s) | s.isin(currencies)


@rule("BK211", params=("statuses",),
      message=lambda v, c: f"CustomerStatus {v!r} is not among the configured statuses ({', '.join(sorted(c['statuses']))}); "
      "custom values must exist in the event type and in [customer_status] of batchkit.toml")
def customer_status_known(s: pd.Series, *, statuses: frozenset[str]) -> pd.Series:
    return _empty(s) | s.isin(statuses) | s.str.len().gt(40) | _full(s, CONTROL)


_BINARY = r"(?s:.*[\x00-\x08\x0b\x0c\x0e-\x1f\x7f].*)"  # control characters but tab and line breaks


def _stored_text_message(column: str, limit: int, allowed: str = "") -> Any:
    def message(value: str, ctx: dict[str, Any]) -> str:
        if re.search(r"[\x00-\x1f\x7f]", "".join(c for c in value if c not in allowed)):
            what = "line breaks, tabs, " if not allowed else ""
            return (f"{column} {value[:40]!r} contains control characters ({what}invisible codes such as \\x01): "
                    "impact.com stores the text as it is; remove them")
        return f"{column} is {len(value)} characters long: at most {limit} are allowed"
    return message


@rule("BK211", severity="error", message=_stored_text_message("CustomerStatus", 40))
def customer_status_length(s: pd.Series) -> pd.Series:
    return ~(s.str.len().gt(40) | _full(s, CONTROL))


@rule("BK212", message=_stored_text_message("Category", 255, "\t\n\r"))
def category_length(s: pd.Series) -> pd.Series:  # a multi-line Category is kept: only other control characters
    return ~(s.str.len().gt(255) | _full(s, _BINARY))


@rule("BK213", message=lambda v, c: f"Sku is {len(v)} characters long: at most 40 are allowed")
def sku_length(s: pd.Series) -> pd.Series:
    return ~s.str.len().gt(40)


@rule("BK217", message=lambda v, c: f"{v[:40]!r} starts with {v[:1]!r}: a spreadsheet runs it as a formula; check the value")
def formula_injection(s: pd.Series) -> pd.Series:
    return ~_full(s, FORMULA)


# Reasons ----------------------------------------------------------------------------------------
def suggest_reason(value: str, accepted: frozenset[str]) -> str | None:
    """The accepted code a mistyped reason most likely meant (case, spacing, typo), if any."""
    key = re.sub(r"[\s\-]+", "_", value.strip()).upper()
    if key in accepted:
        return key
    close = difflib.get_close_matches(key, sorted(accepted), n=1, cutoff=0.6)
    return close[0] if close else None


def _reason_message(value: str, ctx: dict[str, Any]) -> str:
    hint = suggest_reason(value, ctx["reasons"])
    tail = f": did you mean {hint}? (codes are case-sensitive)" if hint else ": use a default code such as ORDER_UPDATE or ITEM_RETURNED, or configure a custom code"
    return f"Reason {value!r} is not an accepted reason code{tail}"


@rule("BK301", message=lambda v, c: "Reason is empty: every record needs a reason code (e.g. ITEM_RETURNED)")
def reason_missing(s: pd.Series) -> pd.Series:
    return ~_blank(s)


@rule("BK302", params=("reasons",), message=_reason_message)
def reason_accepted(s: pd.Series, *, reasons: frozenset[str]) -> pd.Series:
    return _blank(s) | s.isin(reasons) | s.eq("APPROVED") | _reset(s)  # RESET has its own finding (BK305)


RESET_SPELLINGS = ("RESET", "reset", "Reset")  # what BK305 recognises (exact cells: isin stays vectorized)


def _reset(s: pd.Series) -> pd.Series:
    return s.isin(RESET_SPELLINGS)


@rule("BK304", message=lambda v, c: f"Reason {v!r} in a reset file: RESET is the only reason a reset takes (it "
      "restores the action's original value and status); move the row to a modification or reversal file otherwise")
def reset_reason(s: pd.Series) -> pd.Series:
    return _blank(s) | s.eq("RESET")


@rule("BK305", message=lambda v, c: f"Reason {v!r}: RESET belongs in a reset file (Oid, ActionTrackerId, Reason), "
      "where it restores the action; in this file it is not accepted")
def reset_elsewhere(s: pd.Series) -> pd.Series:
    return ~_reset(s)


@rule("BK303", params=("reasons",),
      message=lambda v, c: "APPROVED is not configured: add it to [reasons] custom in batchkit.toml once it is set up in the account")
def reason_approved(s: pd.Series, *, reasons: frozenset[str]) -> pd.Series:
    return ~s.eq("APPROVED") | ("APPROVED" in reasons)


# Identifiers: padding and invisible characters (BK108) --------------------------------------------
_ID_INVISIBLE_CLASS = "[" + ID_INVISIBLE + "]"  # core.change.ID_INVISIBLE: what normalise_id removes


def _padded_message(value: str, ctx: dict[str, Any]) -> str:
    stripped = value.strip(" ")
    kinds = [name for name, chars in (("spaces around it", " " if stripped != value else ""),
                                      ("a non-breaking space", "\u00a0"), ("a zero-width character", "\u200b\u200c\u200d\u2060"),
                                      ("a byte-order mark", "\ufeff"), ("a tab or line break", "\t\r\n"))
             if chars and any(c in value for c in chars)] or ["invisible characters"]
    return (f"id {value!r} has {', '.join(kinds)}: impact.com compares ids exactly, so it may not find the action; "
            f"write {normalise_id(value)!r} (batchkit fix removes them)")


@rule("BK108", message=_padded_message)
def id_padded(s: pd.Series) -> pd.Series:
    """An id holding what normalise_id removes (spaces, NBSP, zero-width, BOM); blank cells and control characters
    (tabs, line breaks: BK103) are other findings."""
    found = s.str.contains(_ID_INVISIBLE_CLASS, regex=True).fillna(False).astype(bool)
    if not found.any():
        return ~found
    return ~(found & ~_blank(s) & ~_full(s, CONTROL))
