"""Synthetic actions for volume: deterministic (random seed 0), spread over `days` days of last-updated
time, CreationDate never after last-updated, Decimal amounts, about half of them with 1-3 items.

Built field by field without the parsing of actions/make.py: 200,000 actions take a few seconds.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal

from batchkit.sandbox.actions.make import PAYOUT_RATE, Account
from batchkit.sandbox.actions.model import ZERO, Action, Item

FIRST_ID = 2_000_000  # above the seed's ids
_PARTNERS = (("12345", "Cashback World"), ("23456", "Loyalty Hub"), ("34567", "Deal Finder"),
             ("45678", "Coupon Garden"), ("56789", "Review Daily"))
_CATALOGUE = (("SKU-TS", "Trail Shoe", "Shoes"), ("SKU-WS", "Wool Socks", "Socks"), ("SKU-RJ", "Rain Jacket", "Jackets"),
              ("SKU-CP", "Cap", "Hats"), ("SKU-TT", "Tote", "Bags"), ("SKU-BL", "Belt", "Belts"))
_CENT = Decimal("0.01")
_LOCKING = timedelta(days=30)
_ADS = tuple(str(600000 + n) for n in range(97))


def generate(count: int, days: float, now: datetime, account: Account) -> list[Action]:
    """`count` synthetic actions of the account's campaign, last updated in the `days` days before `now`
    (returned in last-updated order)."""
    rng = random.Random(0)
    tracker = next(iter(account.trackers), "2240")
    shared = (account.campaign_id, account.campaign_name, tracker, account.trackers.get(tracker, ""))
    pools = _Pools(rng, int(account.campaign_id) if account.campaign_id.isdigit() else 0, account.base_uri, shared)
    span = max(days, 0.0) * 86400.0
    ages = sorted((rng.random() * span for _ in range(count)), reverse=True)
    return [_action(i, rng.random, now - timedelta(seconds=age), now, pools) for i, age in enumerate(ages)]


class _Pools:
    """Values drawn from once and shared (Decimals and timedeltas are immutable): fewer objects to make."""

    def __init__(self, rng: random.Random, campaign: int, base_uri: str, shared: tuple[str, str, str, str]) -> None:
        self.campaign, self.base_uri, self.shared = campaign, base_uri, shared
        self.prices = [(Decimal(rng.randrange(500, 40000)) * _CENT).quantize(_CENT) for _ in range(4096)]
        self.payouts = [(p * PAYOUT_RATE).quantize(_CENT) for p in self.prices]
        self.lines: list[tuple[str, str, str, str, Decimal, Decimal]] = []  # Sku, ItemName, Category, Quantity, ...
        for _ in range(4096):
            sku, name, category = _CATALOGUE[rng.randrange(len(_CATALOGUE))]
            quantity, price = rng.randrange(1, 4), self.prices[rng.randrange(4096)]
            self.lines.append((f"{sku}-{rng.randrange(100):02d}", name, category, str(quantity), price * quantity,
                               (price * quantity * PAYOUT_RATE).quantize(_CENT)))
        self.event = [timedelta(seconds=s) for s in range(1, 3601)]
        self.referring = [timedelta(minutes=m) for m in range(1, 1441)]


def _action(i: int, r: Callable[[], float], updated: datetime, now: datetime, pools: _Pools) -> Action:
    """One synthetic action last updated at `updated`."""
    a = Action()
    number = FIRST_ID + i
    a.Id, a.key, a.base_uri = f"1000.{pools.shared[0]}.{number}", (1000, pools.campaign, number), pools.base_uri
    a.CampaignId, a.CampaignName, a.ActionTrackerId, a.ActionTrackerName = pools.shared
    a.EventTypeId = a.ActionTrackerId
    a.MediaPartnerId, a.MediaPartnerName = _PARTNERS[i % len(_PARTNERS)]
    a.AdId, a.Currency, a.ReferringType = _ADS[i % len(_ADS)], "USD", "CLICK_COOKIE"
    a.Oid, a.PromoCode, a.CustomerId = f"GEN-{i:07d}", "WELCOME10" if i % 11 == 0 else "", f"C{i * 7919 % 1000003:07d}"
    a.CustomerStatus, a.Note = "NEW" if i % 3 else "EXISTING", ""
    a.CreationDate = updated - timedelta(seconds=r() * 1728000) if i % 4 == 0 else updated  # up to 20 days before
    a.EventDate = a.CreationDate - pools.event[int(r() * 3600)]
    a.ReferringDate = a.EventDate - pools.referring[int(r() * 1440)]
    a.LockingDate = a.EventDate + _LOCKING
    if i % 2:
        a.items = [_item(pools.lines[int(r() * 4096)]) for _ in range(1 + int(r() * 3))]
        a.Amount = sum((it.SaleAmount for it in a.items), ZERO)
        a.Payout = (a.Amount * PAYOUT_RATE).quantize(_CENT)
    else:
        pick = int(r() * 4096)
        a.items, a.Amount, a.Payout = [], pools.prices[pick], pools.payouts[pick]
    a.IntendedAmount, a.DeltaAmount, a.IntendedPayout, a.DeltaPayout = a.Amount, ZERO, a.Payout, ZERO
    a.State, a.ClearedDate = "PENDING", None
    if i % 17 == 0:  # some reversed
        a.State, a.Amount, a.DeltaAmount, a.Payout, a.DeltaPayout = "REVERSED", ZERO, -a.Amount, ZERO, -a.Payout
    elif a.LockingDate <= now:
        a.State, a.ClearedDate = "APPROVED", a.LockingDate
    a.updated = updated
    a.changed()
    return a


def _item(line: tuple[str, str, str, str, Decimal, Decimal]) -> Item:
    """One synthetic line item (its own object: a PUT may change it)."""
    it = Item()
    it.Sku, it.ItemName, it.Category, it.Quantity, it.SaleAmount, it.Payout = line
    it.SaleAmountCurrency, it.Rebate, it.AdjustmentDate, it.AdjustmentReason = "USD", ZERO, None, ""
    return it
