"""Write orders_export.csv (a WooCommerce order export, invented data) and expected/<kind>.csv (what
`batchkit build` must write for it, computed here with Decimal from the order-list rule, never from
batchkit's output). Run: .venv/bin/python samples/woocommerce/make_export.py

The header is the "Advanced Order Export For WooCommerce" plugin's (woo-order-export-lite) default
fields plus Currency (a multi-currency shop), with "Fill order columns for product rows" on: one row per
product, the order's columns repeated on each. Order Status holds WooCommerce's status labels.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from sample_writer import expected_tables, write_sample  # noqa: E402  (samples/sample_writer.py)

HERE = Path(__file__).resolve().parent
H = ["Order Number", "Order Status", "Order Date", "Customer Note", "First Name (Billing)", "Last Name (Billing)",
     "Company (Billing)", "Address 1&2 (Billing)", "City (Billing)", "State Code (Billing)", "Postcode (Billing)",
     "Country Code (Billing)", "Email (Billing)", "Phone (Billing)", "First Name (Shipping)", "Last Name (Shipping)",
     "Address 1&2 (Shipping)", "City (Shipping)", "State Code (Shipping)", "Postcode (Shipping)",
     "Country Code (Shipping)", "Payment Method Title", "Cart Discount Amount", "Order Subtotal Amount",
     "Shipping Method Title", "Order Shipping Amount", "Order Refund Amount", "Order Total Amount",
     "Order Total Tax Amount", "SKU", "Item #", "Item Name", "Quantity (- Refund)", "Item Cost", "Coupon Code",
     "Discount Amount", "Discount Amount Tax", "Currency"]
TRACKER = "2240"
MINOR = {"JPY": 0, "EUR": 2, "USD": 2, "GBP": 2}
REFUNDED, CANCELLED = {"refunded"}, {"cancelled", "failed"}

# number, status, date, currency, shipping, tax, refunded, items [(sku, name, qty, unit cost)], note
ORDERS = [
    (1201, "Completed", "2025-12-01 09:12", "EUR", "4.90", "21.76", "0.00", [("TS-01", "Trail Shoe", 1, "89.90"), ("WS-02", "Wool Socks", 2, "12.50")], ""),
    (1202, "Refunded", "2025-12-01 10:40", "EUR", "0.00", "9.58", "59.98", [("WS-02", "Wool Socks", 3, "16.80")], "Wrong size"),
    (1203, "Completed", "2025-12-01 13:05", "USD", "5.00", "10.40", "30.00", [("RJ-03", "Rain Jacket", 1, "110.00"), ("BN-04", "Beanie", 1, "14.60")], ""),
    (1204, "Cancelled", "2025-12-02 08:30", "USD", "5.00", "3.60", "0.00", [("CP-05", "Cap", 1, "45.00")], "Customer cancelled"),
    (1205, "Processing", "2025-12-02 11:11", "GBP", "3.95", "8.00", "0.00", [("SC-06", "Scarf", 1, "40.00")], ""),
    (1206, "Completed", "2025-12-02 15:47", "JPY", "800", "1200", "3500", [("TEA-07", "Tea Set", 2, "6000"), ("CUP-08", "Cup", 2, "500")], ""),
    (1207, "Failed", "2025-12-03 07:02", "USD", "0.00", "0.00", "0.00", [("TT-09", "Tote", 1, "50.00")], ""),
    (1208, "Completed", "2025-12-03 09:30", "EUR", "0.00", "0.00", "0.00", [("SMP-10", "Free Sample", 1, "0.00")], "Free sample"),
    (1209, "On hold", "2025-12-03 12:00", "EUR", "4.90", "7.60", "0.00", [("MG-11", "Mug", 2, "15.00")], ""),
    (1210, "Completed", "2025-12-04 10:10", "USD", "5.00", "4.00", "50.00", [("BT-12", "Belt", 1, "50.00")], ""),
    (1211, "Completed", "2025-12-04 16:20", "USD", "5.00", "7.20", "0.01", [("PN-13", "Pen", 3, "25.00")], ""),
    (1212, "Pending payment", "2025-12-05 08:00", "GBP", "3.95", "4.00", "0.00", [("SC-06", "Scarf", 1, "20.00")], ""),
    (1213, "Cancelled", "2025-12-05 09:45", "EUR", "0.00", "0.00", "0.00", [("SMP-10", "Free Sample", 1, "0.00")], ""),
    (1214, "Completed", "2025-12-05 14:30", "JPY", "0", "0", "1", [("CUP-08", "Cup", 1, "999")], "Goodwill refund"),
]


def total_of(o) -> Decimal:
    subtotal = sum((Decimal(c) * q for _, _, q, c in o[7]), Decimal(0))
    return subtotal + Decimal(o[4]) + Decimal(o[5])


def rows():
    for n, status, date, cur, ship, tax, refunded, items, note in ORDERS:
        subtotal = sum((Decimal(c) * q for _, _, q, c in items), Decimal(0))
        total = total_of((n, status, date, cur, ship, tax, refunded, items, note))
        for k, (sku, name, qty, cost) in enumerate(items, start=1):
            r = dict.fromkeys(H, "")
            r.update({"Order Number": str(n), "Order Status": status, "Order Date": date, "Customer Note": note,
                      "First Name (Billing)": "Jo", "Last Name (Billing)": "Example",
                      "Address 1&2 (Billing)": "1 Sample Street", "City (Billing)": "Springfield",
                      "Postcode (Billing)": "02134", "Country Code (Billing)": "US",
                      "Email (Billing)": f"customer{n}@example.invalid", "First Name (Shipping)": "Jo",
                      "Last Name (Shipping)": "Example", "Address 1&2 (Shipping)": "1 Sample Street",
                      "City (Shipping)": "Springfield", "Postcode (Shipping)": "02134", "Country Code (Shipping)": "US",
                      "Payment Method Title": "Credit Card (Stripe)", "Cart Discount Amount": "0",
                      "Order Subtotal Amount": str(subtotal), "Shipping Method Title": "Flat rate",
                      "Order Shipping Amount": ship, "Order Refund Amount": refunded, "Order Total Amount": str(total),
                      "Order Total Tax Amount": tax, "SKU": sku, "Item #": str(k), "Item Name": name,
                      "Quantity (- Refund)": str(qty), "Item Cost": cost, "Currency": cur})
            yield r


def expected():
    """The order-list rule: cancelled/failed -> reversal ORDER_UPDATE; refunded or refund >= total -> reversal
    ITEM_RETURNED; a refund above 0 -> modification to total - refund, half-up to the currency's minor unit."""
    rev, mod = [], []
    for o in ORDERS:
        n, status, cur, refunded = str(o[0]), o[1].lower(), o[3], Decimal(o[6])
        total = total_of(o)
        cancelled, full = status in CANCELLED, status in REFUNDED or (total > 0 and refunded >= total)
        if cancelled or full:
            rev.append(["", n, TRACKER, "0" if total != 0 else "", "ORDER_UPDATE" if cancelled else "ITEM_RETURNED"])
        elif refunded > 0:
            new = (total - refunded).quantize(Decimal(1).scaleb(-MINOR[cur]), rounding=ROUND_HALF_UP)
            if new == 0:
                rev.append(["", n, TRACKER, "0", "ITEM_RETURNED"])
            elif new != total:
                mod.append(["", n, TRACKER, format(new, "f"), cur, "", "ITEM_RETURNED"])
    return expected_tables(rev, mod)


def main() -> None:
    write_sample(HERE, "orders_export.csv", H, rows(), expected())


if __name__ == "__main__":
    main()
