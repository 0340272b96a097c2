"""The order-export presets: data files (schemas/presets/<name>.toml), never code.

A preset names, for each role (order_id, status, total, refunded, cancelled, currency, amount, date; Shopify also
`key`, the column its rows are grouped by), the headers real exports use; a header is found whatever its case,
spaces or underscores ("Order ID" = "order_id" = "OrderId"), never by position. It also says how an order's rows
are grouped (`group`: "first" — order-level fields repeated on each row, or on one row only; "sum" — the rows are
added up), its status vocabulary, the roles it cannot do without, and the headers that name the platform
(detection, when no preset is given).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache

from batchkit.core.resources import data_dir

ROLES = ("key", "order_id", "status", "total", "amount", "refunded", "cancelled", "currency", "date")
VOCABULARY = ("refunded", "cancelled", "partially_refunded")
SHIPPED = ("shopify", "woocommerce", "bigcommerce", "magento", "stripe", "orders")  # listed first, in this order


@dataclass(frozen=True)
class Preset:
    """One order-export preset, as its data file says."""

    name: str
    title: str  # "Shopify orders": what the export is, in messages
    group: str  # "first" or "sum"
    columns: dict[str, tuple[str, ...]]  # role -> headers real exports use, most usual first
    required: tuple[str, ...]
    status: dict[str, frozenset[str]]  # "refunded" / "cancelled" / "partially_refunded" -> lower-case words
    detect: tuple[str, ...] = ()  # headers only this platform writes
    reasons: dict[str, str] = field(default_factory=dict)  # "refund" / "cancel" -> impact.com reason code
    money: str = "plain"  # "display": amounts written for reading ("$1,219.40"), the sign and commas dropped

    def words(self, kind: str) -> frozenset[str]:
        return self.status.get(kind, frozenset())


def norm(header: str) -> str:
    """A header as presets match it: lower case, without spaces or underscores."""
    return re.sub(r"[\s_]+", "", header).lower()


def presets_dir() -> str:
    return str(data_dir("schemas") / "presets")


@cache
def names() -> tuple[str, ...]:
    """Every order-list preset shipped, in the order detection tries them."""
    from pathlib import Path

    found = {p.stem for p in Path(presets_dir()).glob("*.toml")}
    return tuple([n for n in SHIPPED if n in found] + sorted(found - set(SHIPPED)))


@cache
def load(name: str) -> Preset:
    """The preset `name` (KeyError when there is none)."""
    from pathlib import Path

    path = Path(presets_dir()) / f"{name}.toml"
    if name not in names():
        raise KeyError(name)
    with open(path, "rb") as fh:
        raw = tomllib.load(fh)
    columns = {role: tuple(raw["columns"].get(role, ())) for role in ROLES if role in raw["columns"]}
    status = {kind: frozenset(w.strip().lower() for w in raw.get("status", {}).get(kind, ())) for kind in VOCABULARY}
    return Preset(name, raw["title"], raw.get("group", "first"), columns, tuple(raw["required"]), status,
                  tuple(raw.get("detect", {}).get("columns", ())), dict(raw.get("reasons", {})),
                  raw.get("money", "plain"))
