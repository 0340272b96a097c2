"""The [build] section of batchkit.toml (and build's flags), validated once against the input."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from batchkit.core.config import Config
from batchkit.core.errors import ConfigError
from batchkit.core.names import RESERVED_TEXT, is_reserved
from batchkit.orders.presets import names as order_presets

PRESETS = ("returns", *order_presets())  # returns, shopify, woocommerce, bigcommerce, magento, stripe, orders
ORDER_ROLES = ("order_id", "amount", "status", "cancelled", "refunded", "currency", "date")  # an order list's columns

ROLES = ("order_id", "action_id", "action_tracker_id", "sku", "category", "quantity", "unit_price",
         "line_amount", "returned_quantity", "new_quantity", "reason", "currency", "customer_status",
         "amount", "status", "cancelled", "refunded", "date")  # the last five: an order list's (ORDER_ROLES)
_SHOPIFY_KEYS = {"order_id", "amount", "refund_reason", "cancel_reason"}

# The generic returns export of samples/ (--preset returns): its own header names.
RETURNS_COLUMNS = {
    "order_id": "Order Number", "action_id": "Action ID", "sku": "Line SKU", "category": "Category",
    "quantity": "Qty Ordered", "unit_price": "Unit Price", "returned_quantity": "Qty Returned",
    "reason": "Return Reason", "currency": "Currency", "customer_status": "Customer Status",
}


@dataclass(frozen=True)
class ShopifySettings:
    """How a Shopify orders export maps to impact.com (README "batchkit build", Shopify)."""

    order_id: str = "Name"  # the OrderId sent at conversion time: "Name" (#1050) or "Id"
    amount: str = "Subtotal"  # the order amount reported to impact.com
    refund_reason: str = "ITEM_RETURNED"
    cancel_reason: str = "ORDER_UPDATE"


@dataclass(frozen=True)
class BuildSettings:
    """Everything build needs besides the input itself."""

    preset: str | None  # None: detected from the export's header (batchkit/orders/columns.py)
    level: str = "item"
    action_tracker_id: str | None = None
    prefix: str | None = None
    columns: dict[str, str] = field(default_factory=dict)  # role -> input header
    optional: frozenset[str] = frozenset()  # roles from a preset, dropped when the input lacks them
    reasons: dict[str, str] = field(default_factory=dict)  # store reason -> impact.com code
    shopify: ShopifySettings = ShopifySettings()
    mapped: dict[str, str] = field(default_factory=dict)  # [build.columns] as written (no preset's defaults)
    order_id_column: str | None = None  # --order-id-column / [build] order_id_column: the OrderId impact.com knows
    currency: str | None = None  # --currency / [build] currency: for exports that give none
    whole_lines: bool = False  # returns preset without an ordered quantity: each row is a line returned in full


def _table(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where} must be a table")
    return value


def _strings(table: dict[str, Any], where: str) -> dict[str, str]:
    for key, value in table.items():
        if not isinstance(value, str):
            raise ConfigError(f"{where}: {key!r} must be a string, not {value!r}")
    return dict(table)


def load_build_settings(config: Config, preset: str | None, tracker: int | None, prefix: str | None, *,
                        order_id_column: str | None = None, currency: str | None = None) -> BuildSettings:
    """Merge [build] with the command-line flags; check keys, level, reason codes."""
    src = config.source or "configuration"
    raw = config.table("build")
    chosen = preset or raw.get("preset") or ("returns" if raw.get("whole_lines") is True else None)
    if chosen is not None and chosen not in PRESETS:
        raise ConfigError(f"{src}: unknown preset {chosen!r} (choose {', '.join(PRESETS)})")
    level = raw.get("level", "item")
    if level not in ("item", "order"):
        raise ConfigError(f"{src}: [build] level must be \"item\" or \"order\", not {level!r}")
    columns = _strings(_table(raw.get("columns", {}), f"{src}: [build.columns]"), f"{src}: [build.columns]")
    bad_roles = sorted(set(columns) - set(ROLES))
    if bad_roles:
        raise ConfigError(f"{src}: unknown key {bad_roles[0]!r} in [build.columns] (allowed: {', '.join(ROLES)})")
    for one, other in (("unit_price", "line_amount"), ("returned_quantity", "new_quantity")):
        if one in columns and other in columns:
            raise ConfigError(f"{src}: [build.columns] maps both {one} and {other}: they are alternatives, keep one")
    optional: frozenset[str] = frozenset()
    mapped = dict(columns)
    if chosen in ("returns", None):  # the preset's header names, overridden by [build.columns]
        defaults = {r: n for r, n in RETURNS_COLUMNS.items() if r not in columns and not _excluded(r, columns)}
        optional = frozenset(defaults)
        columns = {**defaults, **columns}
    reasons = _reasons(raw.get("reasons", {}), src)
    shopify = _shopify(raw.get("shopify", {}), src)
    tracker_text = _tracker(tracker if tracker is not None else raw.get("action_tracker_id"), src)
    file_prefix = prefix or raw.get("prefix")
    if file_prefix is not None and (not isinstance(file_prefix, str) or not file_prefix.strip()):
        raise ConfigError(f"{src}: [build] prefix must be a non-empty text, not {file_prefix!r}")
    if file_prefix is not None and is_reserved(f"{file_prefix.strip()}_"):
        raise ConfigError(f"{src}: prefix {file_prefix!r}: impact.com's drop ignores files named {RESERVED_TEXT} "
                          "(its own reports): choose another prefix")
    settings = BuildSettings(chosen, level, tracker_text, file_prefix, columns, optional, reasons, shopify)
    settings = _whole_lines(settings, raw.get("whole_lines", False), src)
    settings = _order_list(settings, mapped, order_id_column or raw.get("order_id_column"),
                           currency or raw.get("currency"), src)
    _check_codes(settings, config, src)
    return settings


def _reasons(value: Any, src: str) -> dict[str, str]:
    """[build.reasons]: texts only, no two the same once trimmed."""
    reasons = _strings(_table(value, f"{src}: [build.reasons]"), f"{src}: [build.reasons]")
    seen: dict[str, str] = {}
    for key in reasons:  # "" = "ITEM_RETURNED" maps the lines whose reason is empty (BK501's hint)
        if key.strip() in seen:
            raise ConfigError(f"{src}: [build.reasons] {seen[key.strip()]!r} and {key!r} are the same reason once "
                              "spaces are trimmed: keep one")
        seen[key.strip()] = key
    return reasons


_ALTERNATIVES = {"unit_price": "line_amount", "line_amount": "unit_price",
                 "returned_quantity": "new_quantity", "new_quantity": "returned_quantity"}


def _excluded(role: str, columns: dict[str, str]) -> bool:
    """A preset default gives way when its alternative is configured (line_amount vs unit_price, ...)."""
    return _ALTERNATIVES.get(role) in columns


def _whole_lines(settings: BuildSettings, value: Any, src: str) -> BuildSettings:
    """[build] whole_lines: a returns report that lists only lines returned in full, without the ordered quantity
    (Amazon's FBA customer returns report): item reversals only, so never with level = "order" (returns.py)."""
    if not isinstance(value, bool):
        raise ConfigError(f"{src}: [build] whole_lines must be true or false, not {value!r}")
    if value and settings.preset != "returns":
        raise ConfigError(f"{src}: [build] whole_lines is for the returns preset, not {settings.preset}")
    if value and settings.level == "order":
        raise ConfigError(f"{src}: [build] whole_lines = true reads a report of the lines returned, not of every line of "
                          "an order, so it cannot decide an order's new total or its reversal: use level = \"item\"")
    return replace(settings, whole_lines=value)


def _order_list(settings: BuildSettings, mapped: dict[str, str], order_id_column: Any, currency: Any,
                src: str) -> BuildSettings:
    """[build] order_id_column and currency (or their flags), checked; [build.columns] kept as written."""
    if order_id_column is not None and (not isinstance(order_id_column, str) or not order_id_column.strip()):
        raise ConfigError(f"{src}: [build] order_id_column must be a column name, not {order_id_column!r}")
    code = None
    if currency is not None:
        from batchkit.core.money import currencies

        code = currency.strip().upper() if isinstance(currency, str) else None
        if code not in currencies():
            raise ConfigError(f"{src}: [build] currency must be an ISO 4217 code (e.g. USD, EUR, JPY), not {currency!r}")
    return replace(settings, mapped=mapped, order_id_column=order_id_column.strip() if order_id_column else None,
                   currency=code)


def _tracker(value: Any, src: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ConfigError(f"{src}: action_tracker_id must be a positive whole number, not {value!r}")
    return str(value)


def _shopify(value: Any, src: str) -> ShopifySettings:
    table = _strings(_table(value, f"{src}: [build.shopify]"), f"{src}: [build.shopify]")
    unknown = sorted(set(table) - _SHOPIFY_KEYS)
    if unknown:
        raise ConfigError(f"{src}: unknown key {unknown[0]!r} in [build.shopify] (allowed: {', '.join(sorted(_SHOPIFY_KEYS))})")
    settings = ShopifySettings(**table)
    if settings.order_id not in ("Name", "Id"):
        raise ConfigError(f"{src}: [build.shopify] order_id must be \"Name\" or \"Id\", not {settings.order_id!r}")
    return settings


def _check_codes(settings: BuildSettings, config: Config, src: str) -> None:
    accepted = config.accepted_reasons
    named = [(f"[build.reasons] {k!r}", v) for k, v in settings.reasons.items()]
    if settings.preset != "returns":  # an order list's reasons (Shopify's, or the defaults for the others)
        named += [("[build.shopify] refund_reason", settings.shopify.refund_reason),
                  ("[build.shopify] cancel_reason", settings.shopify.cancel_reason)]
    for where, code in named:
        if code not in accepted:
            raise ConfigError(f"{src}: {where} maps to {code!r}, which is not an accepted reason code "
                              f"(accepted: {', '.join(sorted(accepted))}; add custom codes under [reasons] custom)")


def require_once(header: list[str], name: str, role: str, src: str) -> None:
    """ConfigError when the column mapped as `role` appears more than once in the header."""
    twice = [i for i, h in enumerate(header) if h.strip().lower() == name.strip().lower()]
    if len(twice) > 1:
        raise ConfigError(f"{src}: column {name!r} (mapped as {role}) appears {len(twice)} times in the input's header "
                          f"(columns {', '.join(str(i + 1) for i in twice)}): rename or remove the extra one")


def resolve_columns(settings: BuildSettings, header: list[str], src: str) -> dict[str, int]:
    """Role -> input column position; a configured column missing from the input is a ConfigError."""
    exact = {name: i for i, name in reversed(list(enumerate(header)))}
    loose = {name.strip().lower(): i for i, name in reversed(list(enumerate(header)))}
    found: dict[str, int] = {}
    for role, name in settings.columns.items():
        pos = exact.get(name, loose.get(name.strip().lower()))
        require_once(header, name, role, src)
        if pos is not None:
            found[role] = pos
        elif role not in settings.optional:
            shown = ", ".join(repr(h) for h in header[:12]) + (" ..." if len(header) > 12 else "")
            raise ConfigError(f"{src}: column {name!r} (mapped as {role}) is not in the input; its columns are {shown}")
    return found
