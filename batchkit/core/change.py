"""The key of exactly once: the change the platform receives, not the file it came from (SPEC §8).

A write is identified by

    the account   its SID (never the spelling of the API's URL; the campaign is not part of it: an ActionId,
                  an OrderId + ActionTrackerId or an inquiry Id names one thing in the whole account)
    the target    `ActionId 1000.4636.158133`, `OrderId 0004417 ActionTrackerId 2240` or `Inquiry 500006`;
                  an item-level change adds its Skus (`... Sku A1,B2`)
    the request   the method and the request's fields, identifiers taken out, item fields keyed by their Sku (not
                  their position), amounts as exact decimals (`10.5` = `10.50`), quantities and trackers as
                  integers, ids with spaces, NBSP and zero-width characters removed (its sha256: `digest`)

and the key is the sha256 of the three, so the same change to the same target has one key however the file was saved, named or sent (a drop or the
API), and a different change to the same target has another.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from hashlib import sha256
from typing import NamedTuple

ACTION_IDENTIFIERS = ("ActionId", "OrderId", "Oid", "ActionTrackerId")
# THE normalisation of ids (SPEC §8): whitespace of any kind (spaces, tabs, NBSP, the Unicode spaces),
# zero-width characters and byte-order marks, wherever they are in the cell. One character list, used by
# normalise_id (one value) and by the vectorised checks (validation/rules/rows.py: normalised_ids).
ID_INVISIBLE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
                "\u2006\u2007\u2008\u2009\u200a\u200b\u200c\u200d\u2028\u2029\u202f\u205f\u2060\u3000\ufeff")
_INVISIBLE = re.compile(f"[{re.escape(ID_INVISIBLE)}]+")
_DROP = str.maketrans("", "", ID_INVISIBLE)
_NUMBERED = re.compile(r"^(Sku|Amount|Quantity|Category)(\d*)$")
_MONEY = {"Amount", "TransactionAmount", "FinalPayout", "SaleAmount"}


def normalise_id(text: object) -> str:
    """An identifier as compared everywhere: spaces, NBSP, zero-width characters and BOMs removed."""
    text = str(text or "")
    return text if text.isprintable() and " " not in text else text.translate(_DROP)


def _integer(text: str) -> str:
    if text.isdigit():
        return str(int(text))
    try:
        return str(int(Decimal(text)))
    except (InvalidOperation, ValueError):
        return text.strip()


def _decimal(text: str) -> str:
    """`text` as an exact decimal without trailing zeros (`50.50` -> `50.5`, `007` -> `7`, `0.00` -> `0`)."""
    plain = text.strip()
    if plain[:1].isdigit() and plain.replace(".", "", 1).isdigit() and (plain[0] != "0" or plain[1:2] in ("", ".")):
        return (plain.rstrip("0").rstrip(".") or "0") if "." in plain else plain  # the common case, exactly
    try:
        value = Decimal(plain)
    except InvalidOperation:
        return plain
    if not value.is_finite():
        return plain
    return format(value.normalize(), "f") if value else "0"


class Change(NamedTuple):
    """One change to one target of one account; `key` is what the journal keys a write by (made by `of`)."""

    account: str
    target: str
    method: str
    fields: tuple[tuple[str, str], ...]
    key: str  # sha256 of account, target, method and the canonical fields: the journal's key

    @classmethod
    def of(cls, account: str, target: str, method: str, fields: tuple[tuple[str, str], ...]) -> Change:
        """The change and its key (computed once: a big file has many)."""
        request = "\n".join([method, *map("=".join, fields)])
        return cls(account, target, method, fields, sha256(f"{account}\0{target}\0{request}".encode()).hexdigest())

    @property
    def digest(self) -> str:
        """sha256 of the method and the canonical fields: the request, whatever its target."""
        return sha256("\n".join([self.method, *map("=".join, self.fields)]).encode()).hexdigest()


def action_target(form: dict[str, str], has_items: bool = True) -> str:
    """The action a request names: its ActionId, else its OrderId and ActionTrackerId; Skus added for items."""
    action_id = normalise_id(form.get("ActionId", ""))
    if action_id:
        target = f"ActionId {action_id}"
    else:
        order = normalise_id(form.get("OrderId", "") or form.get("Oid", ""))
        target = f"OrderId {order} ActionTrackerId {_integer(normalise_id(form.get('ActionTrackerId', '')))}"
    if not has_items:
        return target
    skus = sorted(normalise_id(v) for k, v in form.items() if k.startswith("Sku") and _NUMBERED.match(k))
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
    has_items = "Sku" in form  # item groups are numbered from the first, unnumbered one
    fields = _item_fields(form) if has_items else {}
    for k, v in form.items():
        if k in ACTION_IDENTIFIERS or has_items and _NUMBERED.match(k) or not v.strip():
            continue
        fields["Reason" if k == "DispositionCode" else k] = _canonical(k, v)
    return Change.of(normalise_id(account), action_target(form, has_items), method.upper(),
                     tuple(sorted(fields.items())))


def inquiry_change(account: str, form: dict[str, str]) -> Change:
    """The change a PUT /ActionInquiries makes to the inquiry its Id names."""
    fields = {k: _canonical(k, str(v)) for k, v in form.items() if k != "Id" and str(v).strip()}
    target = f"Inquiry {_integer(normalise_id(form.get('Id', '')))}"
    return Change.of(normalise_id(account), target, "PUT", tuple(sorted(fields.items())))
