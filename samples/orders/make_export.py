"""Write orders.csv (an order list from an ERP/CRM, invented data, its own column names) and
expected/<kind>.csv (what `batchkit build` must write for it with batchkit.toml's [build.columns], computed
here with Decimal from the order-list rule, never from batchkit's output).
Run: .venv/bin/python samples/orders/make_export.py
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from sample_writer import expected_tables, write_sample  # noqa: E402  (samples/sample_writer.py)

HERE = Path(__file__).resolve().parent
H = ["order_ref", "placed_at", "channel", "customer_email", "state", "net_total", "refunded_total", "currency",
     "cancelled"]
TRACKER = "2240"
MINOR = {"GBP": 2, "USD": 2, "CLP": 0, "BHD": 3}
REFUNDED, CANCELLED = {"refunded", "returned", "fully refunded"}, {"cancelled", "canceled", "voided", "void"}
FALSE = {"", "no", "false", "0", "n"}

# ref, date, state, total, refunded, currency, cancelled flag
ORDERS = [
    ("SO-24001", "2025-12-01", "shipped", "120.00", "0.00", "GBP", ""),
    ("SO-24002", "2025-12-01", "refunded", "64.77", "64.77", "GBP", ""),
    ("SO-24003", "2025-12-02", "shipped", "252.00", "63.00", "GBP", ""),
    ("SO-24004", "2025-12-02", "cancelled", "45.00", "0.00", "USD", "yes"),
    ("SO-24005", "2025-12-02", "invoiced", "15990", "5990", "CLP", ""),
    ("SO-24006", "2025-12-03", "returned", "89.90", "89.90", "USD", ""),
    ("SO-24007", "2025-12-03", "shipped", "30.125", "10.000", "BHD", ""),
    ("SO-24008", "2025-12-03", "open", "0.00", "0.00", "GBP", ""),
    ("SO-24009", "2025-12-04", "open", "75.00", "0.00", "USD", "true"),
    ("SO-24010", "2025-12-04", "invoiced", "19.99", "0.00", "usd", ""),
    ("SO-24011", "2025-12-05", "shipped", "40.00", "12.50", "usd", "no"),
    ("SO-24012", "2025-12-05", "voided", "0.00", "0.00", "GBP", ""),
]


def rows():
    for ref, date, state, total, refunded, cur, cancelled in ORDERS:
        yield {"order_ref": ref, "placed_at": date, "channel": "web", "customer_email": f"{ref.lower()}@example.invalid",
               "state": state, "net_total": total, "refunded_total": refunded, "currency": cur, "cancelled": cancelled}


def expected():
    """The order-list rule: cancelled (a status word or the flag) -> reversal ORDER_UPDATE; refunded or refund
    >= total -> reversal ITEM_RETURNED; a refund above 0 -> modification to total - refund, half-up."""
    rev, mod = [], []
    for ref, _, state, total, refunded, cur, flag in ORDERS:
        total_, back, cur = Decimal(total), Decimal(refunded), cur.upper()
        cancelled = state in CANCELLED or flag.lower() not in FALSE
        full = state in REFUNDED or (total_ > 0 and back >= total_)
        if cancelled or full:
            rev.append(["", ref, TRACKER, "0" if total_ != 0 else "", "ORDER_UPDATE" if cancelled else "ITEM_RETURNED"])
        elif back > 0:
            new = (total_ - back).quantize(Decimal(1).scaleb(-min(MINOR[cur], 2)), rounding=ROUND_HALF_UP)
            mod.append(["", ref, TRACKER, format(new, "f"), cur, "", "ITEM_RETURNED"])
    return expected_tables(rev, mod)


def main() -> None:
    write_sample(HERE, "orders.csv", H, rows(), expected())


if __name__ == "__main__":
    main()
