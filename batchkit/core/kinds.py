"""The impact.com batch kinds (four, and reset files), their columns, aliases and item layout: plain data,
no pandas.

Everything here is read from schemas/kinds.toml, so the layout can change without code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from batchkit.core.resources import load_toml

BATCH_KIND_IDS = ("order-modification", "order-reversal", "item-modification", "item-reversal", "reset")
INQUIRY_RESOLUTION = "inquiry-resolution"  # the web app's bulk-resolution CSV: validated, never a batch (SPEC §6)
KIND_IDS = (*BATCH_KIND_IDS, INQUIRY_RESOLUTION)  # what validate --kind and template take


@dataclass(frozen=True)
class Kind:
    """One batch kind: its columns and the checks that run on it."""

    id: str
    title: str
    level: str  # "order" or "item"
    action: str  # "modification", "reversal" or "reset"
    fields: tuple[str, ...]
    required: tuple[str, ...]
    record_checks: tuple[str, ...]
    item_checks: tuple[str, ...]
    identifiers: tuple[str, ...] = ()  # the identifier columns this kind takes
    field_checks: dict[str, tuple[str, ...]] = field(default_factory=dict)  # overrides of the shared ones

    def checks_of(self, name: str) -> tuple[str, ...]:
        """The checks that follow field `name` in this kind."""
        return self.field_checks.get(name, layout().field_checks.get(name, ()))

    @property
    def is_item(self) -> bool:
        return self.level == "item"

    @property
    def is_reversal(self) -> bool:
        return self.action == "reversal"


@dataclass(frozen=True)
class Layout:
    """Column spellings shared by all kinds."""

    identifiers: tuple[str, ...]
    order_fields: tuple[str, ...]
    item_fields: tuple[str, ...]
    aliases: dict[str, str]
    numbered_from: int
    pattern: str
    accept_numbered_first: bool
    field_checks: dict[str, tuple[str, ...]]

    def item_header(self, field: str, group: int) -> str:
        """The written header of item field `field` in group `group` (1-based)."""
        if group < self.numbered_from:
            return field
        return self.pattern.format(field=field, n=group)

    @property
    def all_fields(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.identifiers + self.order_fields + self.item_fields))


@cache
def layout() -> Layout:
    """The shared column layout."""
    data = load_toml("kinds")
    cols, item = data["columns"], data["item_layout"]
    return Layout(
        identifiers=tuple(cols["identifiers"]),
        order_fields=tuple(cols["order_fields"]),
        item_fields=tuple(cols["item_fields"]),
        aliases={k.lower(): v for k, v in data.get("aliases", {}).items()},
        numbered_from=int(item["numbered_from"]),
        pattern=item["pattern"],
        accept_numbered_first=bool(item.get("accept_numbered_first", True)),
        field_checks={k: tuple(v) for k, v in data["field_checks"].items()},
    )


@cache
def kinds() -> dict[str, Kind]:
    """All kinds by id."""
    out = {}
    for kid, spec in load_toml("kinds")["kinds"].items():
        out[kid] = Kind(
            id=kid,
            title=spec["title"],
            level=spec["level"],
            action=spec["action"],
            fields=tuple(spec["fields"]),
            required=tuple(spec["required"]),
            record_checks=tuple(spec.get("record_checks", ())),
            item_checks=tuple(spec.get("item_checks", ())),
            identifiers=tuple(spec.get("identifiers", layout().identifiers)),
            field_checks={k: tuple(v) for k, v in spec.get("field_checks", {}).items()},
        )
    return out


def get_kind(kind_id: str) -> Kind:
    """The kind named `kind_id` (KeyError if unknown)."""
    return kinds()[kind_id]
