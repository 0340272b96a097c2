"""Write unified_payments.csv (a Stripe Dashboard Payments export, invented data) and expected/<kind>.csv
(what `batchkit build` must write for it, computed here with Decimal from the order-list rule, never from
batchkit's output). Run: .venv/bin/python samples/stripe/make_export.py

One row per payment; amounts in the currency's major unit; currency codes lowercase; the OrderId impact.com
knows is in the metadata column `order_id (metadata)` (set by the shop when it created the payment).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from sample_writer import expected_tables, write_sample  # noqa: E402  (samples/sample_writer.py)

HERE = Path(__file__).resolve().parent
H = ["id", "Description", "Seller Message", "Created date (UTC)", "Amount", "Amount Refunded", "Currency", "Captured",
     "Converted Amount", "Converted Amount Refunded", "Converted Currency", "Decline Reason", "Fee",
     "Refunded date (UTC)", "Statement Descriptor", "Status", "Taxes On Fee", "Card ID", "Customer ID",
     "Customer Description", "Customer Email", "Invoice ID", "Transfer", "order_id (metadata)"]
TRACKER = "2240"
MINOR = {"usd": 2, "eur": 2, "jpy": 0, "kwd": 3}

# payment id, created, amount, refunded, currency, status, order id
PAYMENTS = [
    ("ch_3QbK1aLkdIwHu7ix0aA1", "2025-12-01 10:15:00", "120.00", "0.00", "usd", "Paid", "1001"),
    ("ch_3QbK1aLkdIwHu7ix0aA2", "2025-12-01 11:02:40", "64.77", "64.77", "usd", "Refunded", "1002"),
    ("ch_3QbK1aLkdIwHu7ix0aA3", "2025-12-02 09:30:00", "252.00", "63.00", "eur", "Paid", "1003"),
    ("ch_3QbK1aLkdIwHu7ix0aA4", "2025-12-02 15:45:10", "14000", "3500", "jpy", "Paid", "1004"),
    ("ch_3QbK1aLkdIwHu7ix0aA5", "2025-12-03 08:00:00", "49.00", "0.00", "usd", "Failed", "1005"),
    ("ch_3QbK1aLkdIwHu7ix0aA6", "2025-12-03 13:20:00", "30.000", "10.005", "kwd", "Paid", "1006"),
    ("ch_3QbK1aLkdIwHu7ix0aA7", "2025-12-04 09:05:00", "19.99", "19.99", "usd", "Refunded", "1007"),
    ("ch_3QbK1aLkdIwHu7ix0aA8", "2025-12-04 10:15:00", "80.00", "0.01", "usd", "Paid", "1008"),
    ("ch_3QbK1aLkdIwHu7ix0aA9", "2025-12-04 16:44:00", "5000", "0", "jpy", "Paid", "1009"),
    ("ch_3QbK1aLkdIwHu7ix0aB0", "2025-12-05 08:30:00", "35.50", "35.50", "eur", "Refunded", "1010"),
    ("ch_3QbK1aLkdIwHu7ix0aB1", "2025-12-05 11:11:00", "99.99", "50.00", "usd", "Paid", "1011"),
]


def rows():
    for pid, created, amount, refunded, cur, status, order in PAYMENTS:
        yield {"id": pid, "Description": f"Order {order}", "Seller Message": "Your card was declined." if status == "Failed" else "Payment complete.",
               "Created date (UTC)": created, "Amount": amount, "Amount Refunded": refunded, "Currency": cur,
               "Captured": "false" if status == "Failed" else "true", "Converted Amount": amount,
               "Converted Amount Refunded": refunded, "Converted Currency": cur,
               "Decline Reason": "card_declined" if status == "Failed" else "",
               "Fee": "0.00" if status == "Failed" else "1.00",
               "Refunded date (UTC)": "2025-12-06 12:00:00" if Decimal(refunded) > 0 else "",
               "Statement Descriptor": "ACME OUTFITTERS", "Status": status, "Taxes On Fee": "0.00",
               "Card ID": f"card_{pid[-6:]}", "Customer ID": f"cus_{order}", "Customer Description": "",
               "Customer Email": f"customer{order}@example.invalid", "Invoice ID": "", "Transfer": "",
               "order_id (metadata)": order}


def expected():
    """The order-list rule: Refunded or refunded >= amount -> reversal ITEM_RETURNED; a refund above 0 ->
    modification to amount - refunded, half-up to the currency's minor unit (at most 2); else nothing."""
    rev, mod = [], []
    for _, _, amount, refunded, cur, status, order in PAYMENTS:
        total, back = Decimal(amount), Decimal(refunded)
        if status.lower() == "refunded" or (total > 0 and back >= total):
            rev.append(["", order, TRACKER, "0" if total != 0 else "", "ITEM_RETURNED"])
        elif back > 0:
            new = (total - back).quantize(Decimal(1).scaleb(-min(MINOR[cur], 2)), rounding=ROUND_HALF_UP)
            mod.append(["", order, TRACKER, format(new, "f"), cur.upper(), "", "ITEM_RETURNED"])
    return expected_tables(rev, mod)


def main() -> None:
    write_sample(HERE, "unified_payments.csv", H, rows(), expected())


if __name__ == "__main__":
    main()
