"""Values of the web app's bulk-resolution CSV (kind inquiry-resolution, BK601-BK612): what a cell must look like,
and the message that says how to fix one that does not. Plain functions of one value; validate/inquiry.py runs them.

Not pandera rules: a resolution file has at most thousands of rows and its checks depend on the row's status.
"""

from __future__ import annotations

import difflib
import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from batchkit.core.inquiry import REASONS, RESOLUTIONS
from batchkit.core.money import quantize
from batchkit.validation.rules.registry import (
    FLOAT_TAIL,
    FORMULA,
    SCIENTIFIC,
    TRACKER_ID,
)
from batchkit.validation.rules.values import amount_problem

WHOLE = re.compile(r"[0-9]+")
TRACKER = re.compile(TRACKER_ID)
AMOUNT = re.compile(r"(?:[0-9]+(?:\.[0-9]{1,2})?|\.[0-9]{1,2})")
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
                  r"(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,9})?)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?")
FORMULA_START = re.compile(FORMULA)
STATUS_WORDS = {"ACCEPTED": "VALID", "ACCEPT": "VALID", "APPROVED": "VALID", "APPROVE": "VALID", "TRACKED": "VALID",
                "REJECTED": "DECLINED", "REJECT": "DECLINED", "DENIED": "DECLINED", "DECLINE": "DECLINED"}
CHOICES = "VALID, DECLINED or INCOMPLETE"


# Statuses ---------------------------------------------------------------------------------------
def suggest_status(value: str) -> str | None:
    """The resolution a mistyped status most likely meant (case, spacing, a synonym, a typo), if any."""
    key = re.sub(r"[\s_\-]+", "", value).upper()
    if key in RESOLUTIONS:
        return key
    if key in STATUS_WORDS:
        return STATUS_WORDS[key]
    close = difflib.get_close_matches(key, RESOLUTIONS, n=1, cutoff=0.6)
    return close[0] if close else None


@lru_cache(maxsize=4096)  # a file repeats its mistakes: each distinct value is looked at once
def status_message(value: str) -> str:
    if not value.strip():
        return f"Resolution Status is empty: a resolution must decide: write {CHOICES}"
    if value.strip().upper() == "UNRESOLVED":
        return (f"Resolution Status {value!r} leaves the inquiry open: a resolution must decide ({CHOICES}); "
                "delete the row to leave the inquiry open")
    hint = suggest_status(value)
    if hint and re.sub(r"[\s_\-]+", "", value).upper() == hint:
        return f"Resolution Status {value!r} must be written exactly {hint} (upper case, no spaces)"
    if hint:
        return f"Resolution Status {value!r} is not a resolution: did you mean {hint}? ({CHOICES})"
    return f"Resolution Status {value!r} is not a resolution: write {CHOICES}"


# Reasons ----------------------------------------------------------------------------------------
_STOP = frozenset({"the", "a", "an", "with", "was", "of", "or", "and", "to", "by", "be", "has", "been", "for"})


def _loose(text: str) -> str:
    return " ".join(text.split()).casefold()


def _words(text: str) -> list[str]:
    found = re.findall(r"[a-z0-9]+", text.casefold())
    meaningful = [w for w in found if w not in _STOP]
    return meaningful or found


def _same_word(a: str, b: str) -> bool:
    """The same word, or one stem in the other (traced ~ untraceable, complete ~ incomplete)."""
    return a == b or (min(len(a), len(b)) >= 5 and (a[:5] in b or b[:5] in a))


def _score(value: str, reason: str) -> float:
    """How likely `value` means `reason`: the share of its words in it, the text's similarity, a prefix."""
    mine, theirs = _words(value), _words(reason)
    if not mine:
        return 0.0
    covered = sum(any(_same_word(w, t) for t in theirs) for w in mine) / len(mine)
    ratio = difflib.SequenceMatcher(None, _loose(value), _loose(reason)).ratio()
    prefix = 1.0 if _loose(reason).startswith(_loose(value)) else 0.0
    return 0.55 * covered + 0.35 * ratio + 0.1 * prefix


def differs_only(value: str, reason: str) -> str | None:
    """How `value` differs from `reason` when it is the same text otherwise: case, spacing, punctuation."""
    if " ".join(value.split()) == reason:
        return "spacing"
    if value.casefold() == reason.casefold():
        return "case"
    if _loose(value) == _loose(reason):
        return "case and spacing"
    if re.sub(r"[^a-z0-9]+", "", value.casefold()) == re.sub(r"[^a-z0-9]+", "", reason.casefold()):
        return "punctuation"
    return None


def suggest_reason(value: str) -> tuple[str, str | None] | None:
    """The reason of the nine a text most likely meant, and how it differs ("case", ...; None: by similarity)."""
    for reason in REASONS:
        how = differs_only(value, reason)
        if how:
            return reason, how
    scored = max((_score(value, r), -i) for i, r in enumerate(REASONS))
    return (REASONS[-scored[1]], None) if scored[0] >= 0.45 else None


@lru_cache(maxsize=4096)
def reason_message(value: str) -> str:
    hint = suggest_reason(value)
    if hint and hint[1]:
        return (f"Resolution Reason {value!r} differs from {hint[0]!r} in {hint[1]} only: the web app takes the nine "
                "reasons exactly as written")
    if hint:
        return f"Resolution Reason {value!r} is not one of the nine reasons: did you mean {hint[0]!r}?"
    return f"Resolution Reason {value!r} is not one of the nine reasons: write one exactly, e.g. {' | '.join(REASONS)}"


# Ids and trackers -------------------------------------------------------------------------------
def _mangled(value: str) -> bool:
    return bool(re.fullmatch(f"{SCIENTIFIC}|{FLOAT_TAIL}", value))


def id_message(value: str) -> str:
    if not value.strip():
        return "Id is empty: every row needs the inquiry's Id (a whole number, as the web app's export gives it)"
    if value.strip() != value and WHOLE.fullmatch(value.strip()):
        return f"Id {value!r} has spaces around it: write {value.strip()}"
    if _mangled(value):
        return f"Id {value!r} was turned into a number by a spreadsheet: write the inquiry's Id as digits only"
    return f"Id {value!r} is not a whole number: write the inquiry's Id as the web app's export gives it"


def tracker_message(value: str) -> str:
    if re.fullmatch(FLOAT_TAIL, value) and TRACKER.fullmatch(value.split(".")[0]):
        return f"Action Tracker {value!r} has a float tail from a spreadsheet: write {value.split('.')[0]}"
    return f"Action Tracker {value!r} is not a positive whole number: give the event type id, e.g. 2240"


# Dates ------------------------------------------------------------------------------------------
def transaction_date(value: str) -> str | None:
    """The Transaction Date as sent to PUT /ActionInquiries (ISO 8601 with an offset), None when it is not a date.

    The one date rule: validation accepts exactly what this sends. YYYY-MM-DD (a date cell of the review workbook
    reads so) is sent as that day at 00:00:00Z; a time without an offset (a spreadsheet's `2025-12-01 08:30:00`)
    as UTC; a time with Z or an offset as given, written the ISO way (T, `+02:00`).
    """
    if not DATE.fullmatch(value):
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    if len(value) == 10:
        return f"{value}T00:00:00Z"
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    text = when.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def is_date(value: str) -> bool:
    """YYYY-MM-DD, or ISO 8601 with a time (and Z or an offset); a space for the T, as a spreadsheet writes it:
    exactly the values transaction_date sends."""
    return transaction_date(value) is not None


def date_message(value: str) -> str:
    v = value.strip()
    if v != value and is_date(v):
        return f"Transaction Date {value!r} has spaces around it: write {v!r}"
    if DATE.fullmatch(v):
        return f"Transaction Date {value!r} is not a real date or time: check the day, month and hour"
    if m := re.fullmatch(r"([0-9]{1,2})[/.]([0-9]{1,2})[/.]([0-9]{4})", v):
        a, b, year = int(m.group(1)), int(m.group(2)), m.group(3)
        if (a > 12) != (b > 12) and max(a, b) <= 31:
            day, month = (a, b) if a > 12 else (b, a)
            return f"Transaction Date {value!r} is not written YYYY-MM-DD: write {year}-{month:02d}-{day:02d}"
        return f"Transaction Date {value!r} is ambiguous (day and month could swap): write it YYYY-MM-DD"
    if re.fullmatch(r"[0-9]{5}(?:\.[0-9]+)?", v):
        return f"Transaction Date {value!r} is a spreadsheet's date number: format the column as YYYY-MM-DD text"
    return (f"Transaction Date {value!r} is not a date: write YYYY-MM-DD (e.g. 2026-11-22) or ISO 8601 with a time "
            "(2026-11-22T14:05:00Z)")


# Amounts ----------------------------------------------------------------------------------------
def is_amount(value: str) -> bool:
    """A plain decimal: ASCII digits, a dot and at most 2 decimals; no sign, currency or separator."""
    return bool(AMOUNT.fullmatch(value))


def amount_message(column: str, value: str) -> str:
    """Why a Final Payout or Sale Amount is not a plain decimal (negative and over-precise ones included)."""
    v = value.strip()
    plain = v == value and re.fullmatch(r"[0-9]+(?:\.[0-9]+)?|\.[0-9]+", v.lstrip("-"))
    if v.startswith("-") and plain:
        return f"{column} {value!r} is negative: a payout or sale amount is 0 or more"
    if plain:
        return f"{column} {value!r} has more than 2 decimal places: round it to cents ({_rounded(v)})"
    return amount_problem(column, value)


def _rounded(text: str) -> str:
    try:
        return str(quantize(Decimal(text), None))
    except InvalidOperation:
        return "0.00"


# Formulas ---------------------------------------------------------------------------------------
def looks_like_formula(value: str) -> bool:
    return bool(FORMULA_START.fullmatch(value))


def formula_message(column: str, value: str) -> str:
    return (f"{column} {value[:40]!r} starts with {value[:1]!r}: a spreadsheet runs it as a formula and the web app "
            "takes no formulas; reword the cell so it starts otherwise")
