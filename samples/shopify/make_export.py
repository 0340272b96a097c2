import csv
H = "Name, Email, Financial Status, Paid at, Fulfillment Status, Fulfilled at, Accepts Marketing, Currency, Subtotal, Shipping, Taxes, Total, Discount Code, Discount Amount, Shipping Method, Created at, Lineitem quantity, Lineitem name, Lineitem price, Lineitem compare at price, Lineitem sku, Lineitem requires shipping, Lineitem taxable, Lineitem fulfillment status, Billing Name, Billing Street, Billing Address1, Billing Address2, Billing Company, Billing City, Billing Zip, Billing Province, Billing Country, Billing Phone, Shipping Name, Shipping Street, Shipping Address1, Shipping Address2, Shipping Company, Shipping City, Shipping Zip, Shipping Province, Shipping Country, Shipping Phone, Notes, Note Attributes, Cancelled at, Payment Method, Payment Reference, Refunded Amount, Vendor, Outstanding Balance, Employee, Location, Device ID, Id, Tags, Risk Level, Source, Lineitem discount, Tax 1 Name, Tax 1 Value, Tax 2 Name, Tax 2 Value, Tax 3 Name, Tax 3 Value, Tax 4 Name, Tax 4 Value, Tax 5 Name, Tax 5 Value, Phone, Receipt Number, Duties, Billing Province Name, Shipping Province Name, Payment ID, Payment Terms Name, Next Payment Due At, Payment References".split(", ")
assert len(H) == 79, len(H)
def order(name, oid, status, cur, subtotal, shipping, taxes, total, refunded, items, cancelled="", notes_attr="", zip_="'02134"):
    rows = []
    for k, (qty, title, price, sku) in enumerate(items):
        r = dict.fromkeys(H, "")
        r.update({"Name": name, "Lineitem quantity": str(qty), "Lineitem name": title, "Lineitem price": price,
                  "Lineitem sku": sku, "Lineitem requires shipping": "true", "Lineitem taxable": "true",
                  "Lineitem fulfillment status": "fulfilled", "Vendor": "Acme Outfitters"})
        if k == 0:
            r.update({"Email": f"customer{oid[-3:]}@example.invalid", "Financial Status": status, "Paid at": "2025-12-01 10:15:00 +0000",
                      "Fulfillment Status": "fulfilled", "Accepts Marketing": "no", "Currency": cur, "Subtotal": subtotal,
                      "Shipping": shipping, "Taxes": taxes, "Total": total, "Discount Amount": "0.00",
                      "Shipping Method": "Standard", "Created at": "2025-12-01 10:14:02 +0000",
                      "Billing Name": "Jo Example", "Billing Zip": zip_, "Billing Country": "US",
                      "Shipping Name": "Jo Example", "Shipping Zip": zip_, "Shipping Country": "US",
                      "Note Attributes": notes_attr, "Cancelled at": cancelled, "Payment Method": "Shopify Payments",
                      "Refunded Amount": refunded, "Outstanding Balance": "0.00", "Id": oid, "Risk Level": "Low", "Source": "web"})
        rows.append(r)
    return rows
rows = []
rows += order("#1041", "5523711000001", "paid", "USD", "120.00", "5.00", "9.60", "134.60", "0.00", [(1, "Trail Shoe", "120.00", "TS-001")])
rows += order("#1042", "5523711000002", "refunded", "USD", "59.97", "0.00", "4.80", "64.77", "64.77", [(3, "Wool Socks", "19.99", "WS-002")],
              notes_attr="gift_note: Happy birthday!\nwrap: yes")
rows += order("#1043", "5523711000003", "partially_refunded", "EUR", "200.00", "10.00", "42.00", "252.00", "63.00",
              [(2, "Rain Jacket", "80.00", "RJ-003"), (1, "Beanie", "40.00", "")])
rows += order("#1044", "5523711000004", "voided", "USD", "45.00", "5.00", "0.00", "50.00", "0.00", [(1, "Cap", "45.00", "CP-004")],
              cancelled="2025-12-07 19:08:25 +0000")
rows += order("#1045", "5523711000005", "partially_refunded", "JPY", "12000", "800", "1200", "14000", "3500", [(2, "Tea Set", "6000", "TEA-5")])
rows += order("#1046", "5523711000006", "paid", "BDT", "1500.00", "100.00", "0.00", "1600.00", "0.00", [(1, "Scarf", "1500.00", "SC-006")])
rows += order("#1047", "5523711000007", "partially_refunded", "USD", "80.00", "0.00", "0.00", "80.00", "20.00",
              [(1, "Tote", "50.00", "TT-7"), (1, "Strap", "30.00", "")],
              notes_attr="delivery: leave at door\nlocker code: 1234")
with open("samples/shopify/orders_export.csv", "w", newline="", encoding="utf-8") as fh:
    w = csv.DictWriter(fh, fieldnames=H, lineterminator="\n")
    w.writeheader(); w.writerows(rows)
