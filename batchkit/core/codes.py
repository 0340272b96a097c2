"""The BK code catalogue (schemas/codes.toml) and the --select/--ignore filters over it.

Codes are a public contract: never renumbered. Each has a severity, a title and a fix hint.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Callable

from batchkit.core.errors import UsageError
from batchkit.core.resources import load_toml


@dataclass(frozen=True)
class CodeInfo:
    """One entry of the BK catalogue."""

    code: str
    severity: str
    title: str
    help: str


@cache
def catalogue() -> dict[str, CodeInfo]:
    """The BK rule codes of schemas/codes.toml."""
    return {code: CodeInfo(code, v["severity"], v["title"], v["help"]) for code, v in load_toml("codes").items()}


def code_filter(select: list[str] | None, ignore: list[str] | None) -> Callable[[str], bool]:
    """A predicate for --select/--ignore lists of codes or prefixes (BK2 = every BK2xx code)."""
    chosen = [c.strip().upper() for c in select or [] if c.strip()]
    dropped = [c.strip().upper() for c in ignore or [] if c.strip()]

    def wanted(code: str) -> bool:
        if chosen and not any(code.startswith(c) for c in chosen):
            return False
        return not any(code.startswith(c) for c in dropped)

    if (chosen or dropped) and not any(wanted(c) for c in catalogue()):
        raise UsageError(f"--select {' '.join(chosen) or '(all)'} with --ignore {' '.join(dropped) or '(none)'} "
                         "leaves no check to run")
    return wanted


def unknown_codes(patterns: list[str]) -> list[str]:
    """Patterns that are not a code or a code prefix of at least BK and one digit (BK2, BK20, BK203),
    or that match no code of the catalogue: a typo in --ignore must not silently turn checks off,
    and "B" or "BK" would turn off every check."""
    codes = list(catalogue())
    return [p for p in patterns if p.strip() and (not re.fullmatch(r"BK[0-9]{1,3}", p.strip().upper())
                                                  or not any(c.startswith(p.strip().upper()) for c in codes))]


# The API's reversal endpoint (DELETE /Actions) takes a DispositionCode from this list (SPEC §1.6): not the
# same list as the batch files' reasons (ORDER_UPDATE is not one).
DISPOSITION_CODES = ("REJECTED", "CONS_INFO_INVALID", "CONS_ERROR", "CONS_FRAUD", "ITEM_RETURNED", "ITEM_OUT_OF_STOCK",
                     "ORDER_ERROR", "PUB_ACT_DISPUTE", "NOT_COMPLIANCE_TERMS", "MP_RETURNED", "OTHER",
                     "CREDITED_DIFFERENT_MP", "ADV_ACT_DISPUTE", "TEST_ACTION")
