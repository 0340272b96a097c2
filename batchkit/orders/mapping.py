"""One column mapping for build and inquiries match: which export column holds each role of an order list.

[build.columns] names the columns (order_id, amount, status, cancelled, refunded, currency, date); for the generic
`orders` preset [inquiries.columns] is read too, as an alias ([build.columns] wins where both name a role).
[build.shopify] order_id / amount keep naming Shopify's OrderId ("Name" or "Id") and reported amount, and
--order-id-column / [build] order_id_column names the OrderId column of any preset.
"""

from __future__ import annotations

from typing import Any

from batchkit.core.config import Config
from batchkit.orders.read import ReadOptions

ORDER_ROLES = ("order_id", "amount", "status", "cancelled", "refunded", "currency", "date")
_SHOPIFY_DEFAULTS = {"order_id": "Name", "amount": "Subtotal"}


def _strings(table: Any) -> dict[str, str]:
    if not isinstance(table, dict):
        return {}
    return {role: value.strip() for role, value in table.items()
            if role in ORDER_ROLES and isinstance(value, str) and value.strip()}


def _table(config: Config, section: str, key: str) -> Any:
    raw = config.sections.get(section)
    return raw.get(key, {}) if isinstance(raw, dict) else {}


def named_columns(config: Config, preset: str, order_id_column: str | None = None) -> dict[str, str]:
    """Role -> the export's header, as the configuration (and --order-id-column) names them for `preset`."""
    named = _strings(_table(config, "build", "columns"))
    if preset == "orders":
        named = {**_strings(_table(config, "inquiries", "columns")), **named}
    if preset == "shopify":
        shopify = _table(config, "build", "shopify")
        for role, default in _SHOPIFY_DEFAULTS.items():
            value = shopify.get(role) if isinstance(shopify, dict) else None
            if isinstance(value, str) and value.strip() and value.strip() != default:
                named[role] = value.strip()
    column = order_id_column or _table_value(config, "build", "order_id_column")
    if column:
        named["order_id"] = column
    return named


def _table_value(config: Config, section: str, key: str) -> str | None:
    raw = config.sections.get(section)
    value = raw.get(key) if isinstance(raw, dict) else None
    return value.strip() if isinstance(value, str) and value.strip() else None


def read_options(config: Config, preset: str, order_id_column: str | None = None,
                 currency: str | None = None) -> ReadOptions:
    """The mapping and the fallback currency ([build] currency, or the flag) for reading an export as `preset`."""
    code = currency or _table_value(config, "build", "currency")
    return ReadOptions(named_columns(config, preset, order_id_column), code.upper() if code else None)
