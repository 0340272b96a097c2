"""Deterministic generators of large batch files for the ``batchkit validate`` benchmark.

Two kinds are generated (see SPEC §1):

* ``order-modification``: one row per action, header
  ``ActionId,OrderId,ActionTrackerId,Amount,CurrencyCode,CustomerStatus,Reason``;
* ``item-modification``: one row per order in the wide layout of SPEC §1.5, with
  ``items_per_order`` item groups ``Sku,Amount,Quantity,Category,Reason``, then
  ``Sku2,Amount2,...`` and so on.

Every row of a clean file is valid per SPEC §2. With ``bad_fraction > 0`` exactly
``round(rows * bad_fraction)`` rows, chosen with their own seeded generator, get one
realistic piece of damage each (currency symbol, thousands separator, negative amount,
three decimals, spreadsheet-mangled OrderId, wrong-case or unknown Reason, empty Reason,
non-numeric ActionTrackerId, bad currency code). Clean and damaged files made with the
same seed are identical apart from the damaged rows.

Amounts are computed in integer cents and written with string formatting: no float ever
reaches the written text.

Usable as a module (:func:`write_order_modification`, :func:`write_item_modification`)
and as a script::

    python benchmarks/generate.py order-modification out.csv --rows 1000000 --bad-fraction 0.01
    python benchmarks/generate.py item-modification items.csv --orders 200000
"""

from __future__ import annotations

import argparse
import csv
import random
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

GENERATOR_VERSION = 1
"""Bump when the generated content changes, so cached benchmark files are rebuilt."""

DEFAULT_SEED = 20240601
DEFAULT_ROWS = 1_000_000
DEFAULT_ORDERS = 200_000
DEFAULT_ITEMS_PER_ORDER = 5

ORDER_HEADER = [
    "ActionId",
    "OrderId",
    "ActionTrackerId",
    "Amount",
    "CurrencyCode",
    "CustomerStatus",
    "Reason",
]
ID_COLUMNS = ["ActionId", "OrderId", "ActionTrackerId"]
ITEM_FIELDS = ["Sku", "Amount", "Quantity", "Category", "Reason"]
ACTION_TRACKER_ID = "2240"
CATEGORIES = ["Apparel", "Shoes", "Electronics", "Home", "Beauty", "Toys", "Books", "Garden"]

Row = list[str]


@dataclass
class GenerationResult:
    """What a generator wrote: the path, the record count and the damage applied."""

    path: Path
    rows: int
    bad_rows: int = 0
    damage: Counter[str] = field(default_factory=Counter)


# --------------------------------------------------------------------------- values


def cents_to_text(cents: int) -> str:
    """Format integer cents as a plain 2-decimal amount (``1234`` -> ``"12.34"``)."""
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    return f"{sign}{whole}.{frac:02d}"


def action_id(index: int) -> str:
    """A dotted ActionId such as ``1000.4636.158133``, unique per ``index``."""
    return f"1000.{4600 + index % 97}.{158133 + index}"


def order_id(index: int, rng: random.Random) -> str:
    """An OrderId unique per ``index``: mostly ``ORD-00001234``, sometimes ``0001234``."""
    if rng.random() < 0.1:
        return f"{index + 1:07d}"
    return f"ORD-{index + 1:08d}"


def currency(rng: random.Random) -> str:
    """Mostly USD, some EUR and GBP."""
    roll = rng.random()
    if roll < 0.9:
        return "USD"
    return "EUR" if roll < 0.95 else "GBP"


# --------------------------------------------------------------------------- clean rows


def order_row(index: int, rng: random.Random) -> Row:
    """One valid order-modification row."""
    return [
        action_id(index),
        order_id(index, rng),
        ACTION_TRACKER_ID,
        cents_to_text(rng.randint(1, 9_999_999)),
        currency(rng),
        rng.choice(("NEW", "EXISTING")),
        rng.choice(("ORDER_UPDATE", "ITEM_RETURNED")),
    ]


def item_header(items_per_order: int) -> Row:
    """The wide item-level header: identifiers, group 1 unnumbered, then numbered groups."""
    header = list(ID_COLUMNS)
    for group in range(1, items_per_order + 1):
        suffix = "" if group == 1 else str(group)
        header.extend(f"{name}{suffix}" for name in ITEM_FIELDS)
    return header


def item_row(index: int, rng: random.Random, items_per_order: int) -> Row:
    """One valid item-modification row (one order, ``items_per_order`` item groups)."""
    row = [action_id(index), order_id(index, rng), ACTION_TRACKER_ID]
    skus = rng.sample(range(10_000, 1_000_000), items_per_order)
    for sku in skus:
        quantity = rng.randint(1, 5)
        unit_cents = rng.randint(1, 50_000)
        row.extend(
            [
                f"SKU-{sku}",
                cents_to_text(unit_cents * quantity),
                str(quantity),
                rng.choice(CATEGORIES),
                "ITEM_RETURNED",
            ]
        )
    return row


# --------------------------------------------------------------------------- damage

Damage = Callable[[Row, random.Random, "ColumnMap"], str]


@dataclass(frozen=True)
class ColumnMap:
    """Where the damageable cells of a row are, for one layout."""

    amount: list[int]
    reason: list[int]
    order_id: int
    tracker_id: int
    currency: int | None


def _pick(rng: random.Random, positions: list[int]) -> int:
    return positions[0] if len(positions) == 1 else rng.choice(positions)


def damage_dollar(row: Row, rng: random.Random, cols: ColumnMap) -> str:
    """Amount with a currency symbol (BK201)."""
    row[_pick(rng, cols.amount)] = f"${cents_to_text(rng.randint(1, 99_999))}"
    return "amount-currency-symbol"


def damage_thousands(row: Row, rng: random.Random, cols: ColumnMap) -> str:
    """Amount with a thousands separator (BK201)."""
    whole = rng.randint(1, 99)
    row[_pick(rng, cols.amount)] = f"{whole},{rng.randint(0, 999):03d}.{rng.randint(0, 99):02d}"
    return "amount-thousands-separator"


def damage_negative(row: Row, rng: random.Random, cols: ColumnMap) -> str:
    """Negative Amount (BK202)."""
    row[_pick(rng, cols.amount)] = cents_to_text(-rng.randint(1, 99_999))
    return "amount-negative"


def damage_three_decimals(row: Row, rng: random.Random, cols: ColumnMap) -> str:
    """Amount with three decimal places (BK203)."""
    row[_pick(rng, cols.amount)] = f"{rng.randint(0, 9999)}.{rng.randint(1, 999):03d}"
    return "amount-three-decimals"


def damage_scientific_order_id(row: Row, rng: random.Random, cols: ColumnMap) -> str:
    """OrderId mangled by a spreadsheet into scientific notation (BK104)."""
    row[cols.order_id] = f"9.{rng.randint(10000, 99999)}E+12"
    return "orderid-scientific"


def damage_reason_case(row: Row, rng: random.Random, cols: ColumnMap) -> str:
    """Reason in the wrong case (BK302)."""
    row[_pick(rng, cols.reason)] = "item_returned"
    return "reason-lowercase"


def damage_reason_unknown(row: Row, rng: random.Random, cols: ColumnMap) -> str:
    """Reason that is not an accepted code (BK302)."""
    row[_pick(rng, cols.reason)] = "RETURNED"
    return "reason-unknown"


def damage_reason_empty(row: Row, rng: random.Random, cols: ColumnMap) -> str:
    """Empty Reason (BK301)."""
    row[_pick(rng, cols.reason)] = ""
    return "reason-empty"


def damage_tracker(row: Row, rng: random.Random, cols: ColumnMap) -> str:
    """ActionTrackerId that is not a positive integer (BK105)."""
    row[cols.tracker_id] = "abc"
    return "trackerid-not-integer"


def damage_currency(row: Row, rng: random.Random, cols: ColumnMap) -> str:
    """CurrencyCode that is not an ISO 4217 code (BK210)."""
    assert cols.currency is not None
    row[cols.currency] = rng.choice(("usd", "XXQ"))
    return "currency-invalid"


COMMON_DAMAGE: list[Damage] = [
    damage_dollar,
    damage_thousands,
    damage_negative,
    damage_three_decimals,
    damage_scientific_order_id,
    damage_reason_case,
    damage_reason_unknown,
    damage_reason_empty,
    damage_tracker,
]
ORDER_DAMAGE: list[Damage] = [*COMMON_DAMAGE, damage_currency]
ITEM_DAMAGE: list[Damage] = COMMON_DAMAGE


def bad_row_indexes(rows: int, bad_fraction: float, seed: int) -> set[int]:
    """The indexes of the rows to damage: exactly ``round(rows * bad_fraction)`` of them."""
    if not 0.0 <= bad_fraction <= 1.0:
        raise ValueError(f"bad_fraction must be within [0, 1], got {bad_fraction}")
    count = round(rows * bad_fraction)
    return set(random.Random(seed ^ 0x5EED).sample(range(rows), count))


# --------------------------------------------------------------------------- writing


def _write(
    path: Path,
    header: Row,
    rows: Iterator[Row],
) -> None:
    """Write UTF-8 without BOM, ``\\n`` line endings, RFC 4180 minimal quoting."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def _rows(
    count: int,
    make_row: Callable[[int, random.Random], Row],
    *,
    bad_fraction: float,
    seed: int,
    damages: list[Damage],
    columns: ColumnMap,
    result: GenerationResult,
) -> Iterator[Row]:
    """Yield ``count`` rows, damaging the chosen ones and tallying the damage in ``result``."""
    rng = random.Random(seed)
    damage_rng = random.Random(seed + 1)
    bad = bad_row_indexes(count, bad_fraction, seed)
    for index in range(count):
        row = make_row(index, rng)
        if index in bad:
            result.damage[damage_rng.choice(damages)(row, damage_rng, columns)] += 1
        yield row
    result.bad_rows = len(bad)


def write_order_modification(
    path: str | Path,
    rows: int = DEFAULT_ROWS,
    *,
    bad_fraction: float = 0.0,
    seed: int = DEFAULT_SEED,
) -> GenerationResult:
    """Write an order-modification file of ``rows`` records to ``path``."""
    result = GenerationResult(Path(path), rows)
    columns = ColumnMap(amount=[3], reason=[6], order_id=1, tracker_id=2, currency=4)
    _write(
        result.path,
        ORDER_HEADER,
        _rows(
            rows,
            order_row,
            bad_fraction=bad_fraction,
            seed=seed,
            damages=ORDER_DAMAGE,
            columns=columns,
            result=result,
        ),
    )
    return result


def write_item_modification(
    path: str | Path,
    orders: int = DEFAULT_ORDERS,
    *,
    items_per_order: int = DEFAULT_ITEMS_PER_ORDER,
    bad_fraction: float = 0.0,
    seed: int = DEFAULT_SEED,
) -> GenerationResult:
    """Write a wide item-modification file of ``orders`` rows to ``path``."""
    result = GenerationResult(Path(path), orders)
    width = len(ITEM_FIELDS)
    base = len(ID_COLUMNS)
    columns = ColumnMap(
        amount=[base + g * width + 1 for g in range(items_per_order)],
        reason=[base + g * width + 4 for g in range(items_per_order)],
        order_id=1,
        tracker_id=2,
        currency=None,
    )
    _write(
        result.path,
        item_header(items_per_order),
        _rows(
            orders,
            lambda index, rng: item_row(index, rng, items_per_order),
            bad_fraction=bad_fraction,
            seed=seed,
            damages=ITEM_DAMAGE,
            columns=columns,
            result=result,
        ),
    )
    return result


# --------------------------------------------------------------------------- script


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: write one generated file and print what was damaged."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=["order-modification", "item-modification"])
    parser.add_argument("output", type=Path)
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS, help="order-modification rows")
    parser.add_argument("--orders", type=int, default=DEFAULT_ORDERS, help="item-file orders")
    parser.add_argument("--items-per-order", type=int, default=DEFAULT_ITEMS_PER_ORDER)
    parser.add_argument("--bad-fraction", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    if args.kind == "order-modification":
        result = write_order_modification(
            args.output, args.rows, bad_fraction=args.bad_fraction, seed=args.seed
        )
    else:
        result = write_item_modification(
            args.output,
            args.orders,
            items_per_order=args.items_per_order,
            bad_fraction=args.bad_fraction,
            seed=args.seed,
        )
    print(f"wrote {result.path}: {result.rows} rows, {result.bad_rows} damaged")
    for name, count in sorted(result.damage.items()):
        print(f"  {name}: {count}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
