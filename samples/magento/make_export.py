"""Write sales_order_grid.csv (Magento 2 admin Sales > Orders, Export > CSV; invented data) and
expected/<kind>.csv (what `batchkit build` must write for it, computed here with Decimal from the order-list
rule, never from batchkit's output). Run: .venv/bin/python samples/magento/make_export.py

One row per order; money as the grid stores it (4 decimals); Total Refunded empty when nothing was refunded;
no currency column: the store's currency is [build] currency in batchkit.toml (EUR here).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from sample_writer import expected_tables, write_sample  # noqa: E402  (samples/sample_writer.py)

HERE = Path(__file__).resolve().parent
H = ["ID", "Purchase Point", "Purchase Date", "Bill-to Name", "Ship-to Name", "Grand Total (Base)",
     "Grand Total (Purchased)", "Status", "Billing Address", "Shipping Address", "Shipping Information",
     "Customer Email", "Customer Group", "Subtotal", "Shipping and Handling", "Customer Name", "Payment Method",
     "Total Refunded", "Allocated sources"]
TRACKER, CURRENCY = "2240", "EUR"
REFUNDED, CANCELLED = {"closed"}, {"canceled"}
STORE = "Main Website\nMain Website Store\nDefault Store View"  # the grid writes the store path on three lines

# increment id, date, status, subtotal, shipping, refunded ("" = none)
ORDERS = [
    ("000000101", "Dec 1, 2025 10:14:02 AM", "Complete", "50.0000", "5.0000", ""),
    ("000000102", "Dec 1, 2025 11:02:40 AM", "Closed", "209.4000", "10.0000", "219.4000"),
    ("000000103", "Dec 2, 2025 9:30:00 AM", "Canceled", "40.0000", "5.0000", ""),
    ("000000104", "Dec 2, 2025 3:45:10 PM", "Complete", "140.0000", "10.0000", "25.5000"),
    ("000000105", "Dec 3, 2025 8:00:00 AM", "Processing", "94.9900", "5.0000", ""),
    ("000000106", "Dec 3, 2025 1:20:00 PM", "Pending", "34.0000", "5.0000", ""),
    ("000000107", "Dec 4, 2025 9:05:00 AM", "Complete", "0.0000", "0.0000", ""),
    ("000000108", "Dec 4, 2025 10:15:00 AM", "Canceled", "0.0000", "0.0000", ""),
    ("000000109", "Dec 4, 2025 4:44:00 PM", "Complete", "99.9900", "0.0000", "0.0100"),
    ("000000110", "Dec 5, 2025 8:30:00 AM", "On Hold", "75.0000", "5.0000", ""),
    ("000000111", "Dec 5, 2025 11:11:00 AM", "Closed", "64.0000", "5.0000", "69.0000"),
    ("000000112", "Dec 5, 2025 2:02:00 PM", "Processing", "120.0000", "0.0000", "40.0000"),
]


def total_of(o) -> Decimal:
    return Decimal(o[3]) + Decimal(o[4])


def rows():
    for o in ORDERS:
        inc, date, status, subtotal, shipping, refunded = o
        total = format(total_of(o).quantize(Decimal("0.0001")), "f")
        address = "1 Sample Street,Springfield,Massachusetts,02134"
        yield {"ID": inc, "Purchase Point": STORE, "Purchase Date": date, "Bill-to Name": "Jo Example",
               "Ship-to Name": "Jo Example", "Grand Total (Base)": total, "Grand Total (Purchased)": total,
               "Status": status, "Billing Address": address, "Shipping Address": address,
               "Shipping Information": "Flat Rate - Fixed", "Customer Email": f"customer{inc[-3:]}@example.invalid",
               "Customer Group": "General", "Subtotal": subtotal, "Shipping and Handling": shipping,
               "Customer Name": "Jo Example", "Payment Method": "checkmo", "Total Refunded": refunded,
               "Allocated sources": "Default Source"}


def expected():
    """The order-list rule: Canceled -> reversal ORDER_UPDATE; Closed or refunded >= total -> reversal
    ITEM_RETURNED; a refund above 0 -> modification to total - refunded, half-up to the cent (EUR)."""
    rev, mod = [], []
    for o in ORDERS:
        inc, status, refunded = o[0], o[2].lower(), Decimal(o[5] or "0")
        total = total_of(o)
        cancelled, full = status in CANCELLED, status in REFUNDED or (total > 0 and refunded >= total)
        if cancelled or full:
            rev.append(["", inc, TRACKER, "0" if total != 0 else "", "ORDER_UPDATE" if cancelled else "ITEM_RETURNED"])
        elif refunded > 0:
            new = (total - refunded).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            mod.append(["", inc, TRACKER, format(new, "f"), CURRENCY, "", "ITEM_RETURNED"])
    return expected_tables(rev, mod)


def main() -> None:
    write_sample(HERE, "sales_order_grid.csv", H, rows(), expected())


if __name__ == "__main__":
    main()
