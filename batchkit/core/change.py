"""The key of exactly once: the change the platform receives, not the file it came from (SPEC §8).

A write is identified by

    the account   its SID (never the spelling of the API's URL; the campaign is not part of it: an ActionId,
                  an OrderId + ActionTrackerId or an inquiry Id names one thing in the whole account)
    the target    `ActionId 1000.4636.158133`, `OrderId 0004417 ActionTrackerId 2240` or `Inquiry 500006`;
                  an item-level change adds its Skus (`... Sku A1,B2`)
    the digest    sha256 of the method and the request's fields, identifiers taken out, item fields keyed by
                  their Sku (not their position), amounts as exact decimals (`10.5` = `10.50`), quantities and
                  trackers as integers, ids with spaces, NBSP and zero-width characters removed

so the same change to the same target has one key however the file was saved, named or sent (a drop or the
API), and a different change to the same target has another.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

ACTION_IDENTIFIERS = ("ActionId", "OrderId", "Oid", "ActionTrackerId")
_INVISIBLE = re.compile("[\\s\u00a0\u200b\u200c\u200d\u2060\ufeff]+")
_NUMBERED = re.compile(r"^(Sku|Amount|Quantity|Category)(\d*)$")
_MONEY = {"Amount", "TransactionAmount", "FinalPayout", "SaleAmount"}


def normalise_id(text: object) -> str:
    """An identifier as compared everywhere: spaces, NBSP and zero-width characters removed."""
    return _INVISIBLE.sub("", str(text or ""))


def _integer(text: str) -> str:
    try:
        return str(int(Decimal(text)))
    except (InvalidOperation, ValueError):
        return text.strip()


def _decimal(text: str) -> str:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return text.strip()
    if not value.is_finite():
        return text.strip()
    return format(value.normalize(), "f") if value else "0"


@dataclass(frozen=True)
class Change:
    """One change to one target of one account; `key` is what the journal keys a write by."""

    account: str
    target: str
    method: str
    fields: tuple[tuple[str, str], ...]

    @property
    def digest(self) -> str:
        """sha256 of the method and the canonical fields."""
        text = "\n".join([self.method, *(f"{k}={v}" for k, v in self.fields)])
        return hashlib.sha256(text.encode()).hexdigest()

    @property
    def key(self) -> str:
        """sha256 of account, target and digest: the journal's key."""
        return hashlib.sha256(f"{self.account}\0{self.target}\0{self.digest}".encode()).hexdigest()


def action_target(form: dict[str, str]) -> str:
    """The action a request names: its ActionId, else its OrderId and ActionTrackerId; Skus added for items."""
    action_id = normalise_id(form.get("ActionId", ""))
    if action_id:
        target = f"ActionId {action_id}"
    else:
        order = normalise_id(form.get("OrderId", "") or form.get("Oid", ""))
        target = f"OrderId {order} ActionTrackerId {_integer(normalise_id(form.get('ActionTrackerId', '')))}"
    skus = sorted(normalise_id(v) for k, v in form.items() if _NUMBERED.match(k) and k.startswith("Sku"))
    return f"{target} Sku {','.join(skus)}" if skus else target


def _item_fields(form: dict[str, str]) -> dict[str, str]:
    """Numbered item fields keyed by their item's Sku (`Sku2=B, Amount2=5` -> `item B Amount=5`)."""
    skus = {m.group(2): normalise_id(v) for k, v in form.items() if (m := _NUMBERED.match(k)) and m.group(1) == "Sku"}
    out = {}
    for k, v in form.items():
        m = _NUMBERED.match(k)
        if m and m.group(1) != "Sku" and m.group(2) in skus:
            out[f"item {skus[m.group(2)]} {m.group(1)}"] = _canonical(m.group(1), v)
    return out


def _canonical(name: str, value: str) -> str:
    if name in _MONEY:
        return _decimal(value)
    if name in ("Quantity", "ActionTrackerId"):
        return _integer(value)
    return value.strip()


def action_change(account: str, method: str, form: dict[str, str]) -> Change:
    """The change a PUT or DELETE /Actions makes (a reversal's DispositionCode counts as its Reason)."""
    has_items = any(_NUMBERED.match(k) and k.startswith("Sku") for k in form)
    fields = _item_fields(form) if has_items else {}
    for k, v in form.items():
        if k in ACTION_IDENTIFIERS or _NUMBERED.match(k) and has_items or not str(v).strip():
            continue
        fields["Reason" if k == "DispositionCode" else k] = _canonical(k, str(v))
    return Change(normalise_id(account), action_target(form), method.upper(), tuple(sorted(fields.items())))


def inquiry_change(account: str, form: dict[str, str]) -> Change:
    """The change a PUT /ActionInquiries makes to the inquiry its Id names."""
    fields = {k: _canonical(k, str(v)) for k, v in form.items() if k != "Id" and str(v).strip()}
    target = f"Inquiry {_integer(normalise_id(form.get('Id', '')))}"
    return Change(normalise_id(account), target, "PUT", tuple(sorted(fields.items())))
