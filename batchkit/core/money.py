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


@cache
def currencies() -> dict[str, int]:
    """ISO 4217 codes and their minor units (schemas/currencies.toml)."""
    return dict(load_toml("currencies")["minor_units"])

_NUMBER = re.compile(r"\s*-?([0-9]+(\.[0-9]*)?|\.[0-9]+)\s*")


def parse_money(text: str) -> Decimal | None:
    """The exact Decimal of a plain decimal text, None if it is not one."""
    if not _NUMBER.fullmatch(text):
        return None
    try:
        return Decimal(text.strip())
    except InvalidOperation:
        return None


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
