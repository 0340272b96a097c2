"""Exact money: one amount as a Decimal, rounded to the currency's minor unit.

impact.com takes at most 2 decimal places (Decimal(8,2)), so currencies with 3 or 4 minor
units (KWD, BHD, CLF) are written with 2; JPY and other 0-decimal currencies with none.
Columns of many amounts take the same rules through fixedpoint.py, which writes the same text.
"""

from __future__ import annotations

import re
from decimal import (
    MAX_EMAX,
    MAX_PREC,
    MIN_EMIN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    InvalidOperation,
    localcontext,
)
from functools import cache

from batchkit.core.resources import load_toml

PLATFORM_DECIMALS = 2
PLATFORM_MAX = Decimal("999999.99")  # Decimal(8,2)


@cache
def currencies() -> dict[str, int]:
    """ISO 4217 codes and their minor units (schemas/currencies.toml)."""
    return dict(load_toml("currencies")["minor_units"])

# a decimal as text or as a JSON number: sign, digits with an optional point, an optional exponent (what Arrow's
# decimal cast reads too, so preflight's fast path and its fallback agree); ASCII digits only, no separators
_NUMBER = re.compile(r"\s*[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?\s*")
MAX_DIGITS = 1000  # an exponent further than this is no amount anyone means (and 1e999999999 would fill memory)


def parse_money(text: str) -> Decimal | None:
    """The exact Decimal of a decimal text (`21.99`, `-0`, `+5`, `.5`, JSON's `1e2`), None if it is not one.

    The one parser of amounts: files, settings and the API's JSON numbers all come through here. The value is
    exact and plain: an exponent above 0 is written out (`1e2` -> 100, `0e2` -> 0, never `1E+2`) and -0 is 0;
    more than 2 decimals stay (judging the range is the caller's: in_platform_range). None beyond MAX_DIGITS."""
    if not _NUMBER.fullmatch(text):
        return None
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return None
    exponent = int(value.as_tuple().exponent)  # finite: the pattern admits no NaN or Infinity
    if value.is_zero():
        return Decimal(0).scaleb(max(min(exponent, 0), -MAX_DIGITS))
    if exponent < -MAX_DIGITS or value.adjusted() > MAX_DIGITS:
        return None
    return value.quantize(Decimal(1), context=_EXACT) if exponent > 0 else value


def in_platform_range(value: Decimal) -> bool:
    """True when impact.com's Decimal(8,2) can hold the amount's size (|value| <= 999999.99; finite). More
    decimals are the rounding rules' business, not this one's."""
    return value.is_finite() and abs(value) <= PLATFORM_MAX


def minor_unit(currency: str | None) -> int:
    """Decimal places batchkit writes for `currency` (2 when unknown or not given)."""
    if not currency:
        return PLATFORM_DECIMALS
    return min(currencies().get(currency, PLATFORM_DECIMALS), PLATFORM_DECIMALS)


def too_precise(value: Decimal, currency: str | None) -> bool:
    """True when `value` has more decimals than the currency's minor unit (ISO 4217)."""
    places = currencies().get(currency or "", PLATFORM_DECIMALS)
    exponent = value.normalize().as_tuple().exponent
    return isinstance(exponent, int) and -exponent > places


def quantize(value: Decimal, currency: str | None) -> Decimal:
    """`value` rounded half-up to the minor unit batchkit writes for `currency`, at any magnitude
    (the default 28-digit context would raise InvalidOperation beyond it)."""
    with localcontext(_EXACT):
        return value.quantize(Decimal(1).scaleb(-minor_unit(currency)), rounding=ROUND_HALF_UP)


_EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)


def format_money(value: Decimal, currency: str | None) -> str:
    """The exact text written for an amount: `59.97`, `1000` for JPY; never exponent notation."""
    return format(quantize(value, currency), "f")
