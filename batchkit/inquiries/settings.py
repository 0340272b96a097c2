"""The [inquiries] section of batchkit.toml, validated once (README "Action inquiries").

    [inquiries]
    action_tracker_id = 2240     # the event type a VALID inquiry creates its action in (else [build]'s)
    amount_tolerance = "1.00"    # a partner's amount this far from the brand's records is not noted
    deadline_days = 3            # inquiries whose resolution deadline is this close are highlighted
    [inquiries.columns]          # the generic `orders` preset: role -> the export's header
    order_id = "Order"
    amount = "Net"

[inquiries.columns] is the older name of the one mapping build and match share: [build.columns] names the same
roles (batchkit/orders/mapping.py reads both; [build.columns] wins where both name a role).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from batchkit.core.config import Config
from batchkit.core.errors import ConfigError
from batchkit.core.money import parse_money

ORDER_ROLES = ("order_id", "date", "amount", "currency", "status", "cancelled", "refunded")
REQUIRED_ROLES = ("order_id", "amount")  # the generic preset cannot decide without these
DEFAULT_DEADLINE_DAYS = 3


@dataclass(frozen=True)
class InquirySettings:
    """What match needs from the configuration."""

    action_tracker_id: str | None = None
    amount_tolerance: Decimal = Decimal("0")
    deadline_days: int = DEFAULT_DEADLINE_DAYS
    columns: dict[str, str] = field(default_factory=dict)  # role -> header (the `orders` preset, a returns date)
    approvals_reason: str | None = None
    source: str = "configuration"


def load_inquiry_settings(config: Config) -> InquirySettings:
    """[inquiries] checked (types by the declared section, values here); ConfigError names the key."""
    src = config.source or "configuration"
    raw = config.table("inquiries")
    return InquirySettings(action_tracker_id=_tracker(raw, config, src),
                           amount_tolerance=_tolerance(raw.get("amount_tolerance", "0"), src),
                           deadline_days=_days(raw.get("deadline_days", DEFAULT_DEADLINE_DAYS), src),
                           columns=_columns(raw.get("columns", {}), src),
                           approvals_reason=raw.get("approvals_reason"), source=src)


def _tracker(raw: dict[str, Any], config: Config, src: str) -> str | None:
    value = raw.get("action_tracker_id")
    where = "[inquiries] action_tracker_id"
    if value is None:  # the brand's sales tracker, as build knows it
        build = config.sections.get("build")
        value = build.get("action_tracker_id") if isinstance(build, dict) else None
        where = "[build] action_tracker_id"
    if value is None:
        return None
    text = str(value).strip()
    if isinstance(value, bool) or not text.isdigit() or int(text) <= 0:
        raise ConfigError(f"{src}: {where} must be a positive whole number, not {value!r}")
    return str(int(text))


def _tolerance(value: Any, src: str) -> Decimal:
    amount = parse_money(repr(value) if isinstance(value, float) else str(value))
    if amount is None or amount < 0:
        raise ConfigError(f"{src}: [inquiries] amount_tolerance must be an amount >= 0 (e.g. \"1.00\"), not {value!r}")
    return amount


def _days(value: Any, src: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 366:
        raise ConfigError(f"{src}: [inquiries] deadline_days must be a whole number of days from 0 to 366, "
                          f"not {value!r}")
    return value


def _columns(value: dict[str, Any], src: str) -> dict[str, str]:
    unknown = sorted(set(value) - set(ORDER_ROLES))
    if unknown:
        raise ConfigError(f"{src}: unknown key {unknown[0]!r} in [inquiries.columns] (allowed: {', '.join(ORDER_ROLES)})")
    for role, header in value.items():
        if not isinstance(header, str) or not header.strip():
            raise ConfigError(f"{src}: [inquiries.columns] {role} must be a column name, not {header!r}")
    return {role: header.strip() for role, header in value.items()}
