"""Write orders_export.csv (a BigCommerce "Export Orders" CSV, default template, invented data) and
expected/<kind>.csv (what `batchkit build` must write for it, computed here with Decimal from the
order-list rule, never from batchkit's output). Run: .venv/bin/python samples/bigcommerce/make_export.py

The default template writes one row per order, its products packed into "Product Details".
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from sample_writer import expected_tables, write_sample  # noqa: E402  (samples/sample_writer.py)

HERE = Path(__file__).resolve().parent
H = ["Order ID", "Customer ID", "Customer Name", "Customer Email", "Customer Phone", "Order Date", "Order Status",
     "Subtotal (inc tax)", "Subtotal (ex tax)", "Tax Total", "Shipping Cost (inc tax)", "Shipping Cost (ex tax)",
     "Ship Method", "Handling Cost (inc tax)", "Handling Cost (ex tax)", "Store Credit Redeemed",
     "Gift Certificate Amount Redeemed", "Gift Certificate Code", "Gift Certificate Expiration Date", "Coupon Details",
     "Order Total (inc tax)", "Order Total (ex tax)", "Payment Method", "Total Quantity", "Total Shipped",
     "Date Shipped", "Order Currency Code", "Exchange Rate", "Order Notes", "Customer Message", "Billing First Name",
     "Billing Last Name", "Billing Company", "Billing Street 1", "Billing Street 2", "Billing Suburb", "Billing State",
     "Billing Zip", "Billing Country", "Billing Phone", "Billing Email", "Shipping First Name", "Shipping Last Name",
     "Shipping Company", "Shipping Street 1", "Shipping Street 2", "Shipping Suburb", "Shipping State", "Shipping Zip",
     "Shipping Country", "Shipping Phone", "Shipping Email", "Product Details", "Refund Amount", "Channel ID",
     "Channel Name"]
TRACKER = "2240"
MINOR = {"USD": 2, "CAD": 2, "JPY": 0, "KWD": 3}
REFUNDED, CANCELLED = {"refunded"}, {"cancelled"}

# id, status, currency, shipping (inc tax), tax, refund amount, products [(id, sku, name, qty, unit price inc tax)]
ORDERS = [
    (100, "Completed", "USD", "5.00", "3.20", "0.00", [(77, "TS-1", "Tee", 2, "20.00")]),
    (101, "Refunded", "USD", "4.77", "4.80", "64.77", [(78, "WS-2", "Wool Socks", 3, "20.00")]),
    (102, "Partially Refunded", "USD", "8.50", "8.80", "18.50", [(79, "RJ-3", "Rain Jacket", 1, "80.00"), (80, "BN-4", "Beanie", 1, "30.00")]),
    (103, "Cancelled", "CAD", "5.00", "5.85", "0.00", [(81, "CP-5", "Cap", 1, "45.00")]),
    (104, "Shipped", "CAD", "5.00", "5.20", "5.00", [(82, "BT-6", "Belt", 1, "40.00")]),
    (105, "Awaiting Fulfillment", "USD", "0.00", "1.60", "0.00", [(83, "MG-7", "Mug", 1, "20.00")]),
    (106, "Partially Refunded", "JPY", "800", "1200", "3500", [(84, "TEA-8", "Tea Set", 2, "6000")]),
    (107, "Completed", "USD", "0.00", "0.00", "0.00", [(85, "SMP-9", "Free Sample", 1, "0.00")]),
    (108, "Refunded", "USD", "0.00", "0.00", "0.00", [(85, "SMP-9", "Free Sample", 1, "0.00")]),
    (109, "Partially Refunded", "KWD", "1.000", "0.000", "2.340", [(86, "OUD-10", "Oud Oil", 1, "11.345")]),
    (110, "Completed", "USD", "5.00", "4.00", "0.00", [(87, "SC-11", "Scarf", 1, "50.00"), (88, "GL-12", "Gloves", 1, "25.00")]),
    (111, "Awaiting Payment", "CAD", "5.00", "2.60", "0.00", [(89, "TT-13", "Tote", 1, "20.00")]),
]


def totals(o):
    subtotal = sum((Decimal(p) * q for _, _, _, q, p in o[6]), Decimal(0))
    return subtotal, subtotal + Decimal(o[3])


def rows():
    for o in ORDERS:
        oid, status, cur, ship, tax, refund, products = o
        subtotal, total = totals(o)
        r = dict.fromkeys(H, "")
        details = "|".join(f"Product ID: {pid}, Product Qty: {q}, Product SKU: {sku}, Product Name: {name}, "
                           f"Product Weight: 0.5000, Product Variation Details: , Product Unit Price: {price}, "
                           f"Product Total Price: {Decimal(price) * q}" for pid, sku, name, q, price in products)
        r.update({"Order ID": str(oid), "Customer ID": str(5000 + oid), "Customer Name": "Jo Example",
                  "Customer Email": f"customer{oid}@example.invalid", "Order Date": "12/01/2025",
                  "Order Status": status, "Subtotal (inc tax)": str(subtotal), "Subtotal (ex tax)": str(subtotal - Decimal(tax)),
                  "Tax Total": tax, "Shipping Cost (inc tax)": ship, "Shipping Cost (ex tax)": ship,
                  "Ship Method": "Flat Rate", "Handling Cost (inc tax)": "0.0000", "Handling Cost (ex tax)": "0.0000",
                  "Store Credit Redeemed": "0.0000", "Gift Certificate Amount Redeemed": "0.0000",
                  "Order Total (inc tax)": str(total), "Order Total (ex tax)": str(total - Decimal(tax)),
                  "Payment Method": "Credit Card", "Total Quantity": str(sum(p[3] for p in products)),
                  "Total Shipped": "0", "Order Currency Code": cur, "Exchange Rate": "1.0000000000",
                  "Billing First Name": "Jo", "Billing Last Name": "Example", "Billing Street 1": "1 Sample Street",
                  "Billing Suburb": "Springfield", "Billing Zip": "02134", "Billing Country": "United States",
                  "Billing Email": f"customer{oid}@example.invalid", "Shipping First Name": "Jo",
                  "Shipping Last Name": "Example", "Shipping Street 1": "1 Sample Street", "Shipping Suburb": "Springfield",
                  "Shipping Zip": "02134", "Shipping Country": "United States",
                  "Product Details": details, "Refund Amount": refund, "Channel ID": "1", "Channel Name": "Acme Storefront"})
        yield r


def expected():
    """The order-list rule: Cancelled -> reversal ORDER_UPDATE; Refunded or refund >= total -> reversal
    ITEM_RETURNED; a refund above 0 -> modification to total - refund, half-up to the currency's minor unit."""
    rev, mod = [], []
    for o in ORDERS:
        oid, status, cur, refund = str(o[0]), o[1].lower(), o[2], Decimal(o[5])
        total = totals(o)[1]
        cancelled, full = status in CANCELLED, status in REFUNDED or (total > 0 and refund >= total)
        if cancelled or full:
            rev.append(["", oid, TRACKER, "0" if total != 0 else "", "ORDER_UPDATE" if cancelled else "ITEM_RETURNED"])
        elif refund > 0:
            new = (total - refund).quantize(Decimal(1).scaleb(-min(MINOR[cur], 2)), rounding=ROUND_HALF_UP)
            if new == 0:
                rev.append(["", oid, TRACKER, "0", "ITEM_RETURNED"])
            else:
                mod.append(["", oid, TRACKER, format(new, "f"), cur, "", "ITEM_RETURNED"])
    return expected_tables(rev, mod)


def main() -> None:
    write_sample(HERE, "orders_export.csv", H, rows(), expected())


if __name__ == "__main__":
    main()
