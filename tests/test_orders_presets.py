"""Order-list presets (schemas/presets/*.toml, batchkit/orders): detection, the columns a preset needs, grouping, the
one order-list rule on every preset, currencies of 0/2/3 decimals, and what an export lacking a column still builds."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from batchkit.builder.pipeline import build_files
from batchkit.builder.settings import PRESETS, load_build_settings
from batchkit.cli.main import main
from batchkit.core.config import load_config
from batchkit.core.errors import ConfigError
from batchkit.core.money import format_money
from batchkit.orders.columns import detect
from batchkit.orders.presets import load, names

CONFIG = "[build]\naction_tracker_id = 2240\nprefix = \"t\"\n"

# real-shaped headers, as the sources cited in each preset file give them
SHOPIFY = ["Name", "Email", "Financial Status", "Paid at", "Fulfillment Status", "Currency", "Subtotal", "Shipping",
           "Taxes", "Total", "Created at", "Lineitem quantity", "Lineitem name", "Lineitem price", "Lineitem sku",
           "Cancelled at", "Refunded Amount", "Id"]
WOO = ["Order ID", "Order Number", "Order Date", "Status", "Shipping Total", "Order Total", "Refunded Total",
       "Order Currency", "Payment Method Title", "SKU", "Item Name", "Quantity", "Item Total"]
BIGCOMMERCE = ["Order ID", "Customer ID", "Order Date", "Order Status", "Subtotal (inc tax)", "Order Total (inc tax)",
               "Order Total (ex tax)", "Order Currency Code", "Product Details", "Refund Amount"]
MAGENTO = ["ID", "Purchase Point", "Purchase Date", "Bill-to Name", "Ship-to Name", "Grand Total (Base)",
           "Grand Total (Purchased)", "Status", "Total Refunded"]
STRIPE = ["id", "Description", "Seller Message", "Created date (UTC)", "Amount", "Amount Refunded", "Currency",
          "Converted Amount", "Converted Amount Refunded", "Status", "Captured", "order_id (metadata)"]


def _csv(header: list[str], rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n", restval="")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _build(tmp_path: Path, text: str, preset: str | None = None, extra: str = "", **flags):
    (tmp_path / "bk.toml").write_text(CONFIG + extra)
    (tmp_path / "export.csv").write_text(text)
    config = load_config(tmp_path / "bk.toml")
    return build_files(tmp_path / "export.csv", tmp_path / "out", config,
                       load_build_settings(config, preset, None, None, **flags), dry_run=True)


def _records(outcome) -> dict[str, list[tuple[str, ...]]]:
    """Kind -> (OrderId, Amount[, CurrencyCode], Reason) per record."""
    found = {}
    for kind, frame in outcome.result.records.items():
        cols = ["OrderId", "Amount", *(["CurrencyCode"] if "modification" in kind else []), "Reason"]
        found[kind] = [tuple(str(v) for v in row) for row in frame[cols].itertuples(index=False)]
    return found


# ------------------------------------------------------------------ the presets themselves


def test_every_preset_is_a_data_file_with_a_cited_source() -> None:
    assert PRESETS == ("returns", "shopify", "woocommerce", "bigcommerce", "magento", "stripe", "orders")
    assert names() == PRESETS[1:]
    root = Path(__file__).resolve().parent.parent / "schemas" / "presets"
    for name in names():
        preset = load(name)
        assert preset.required and set(preset.required) <= set(preset.columns) | {"key"}
        assert (root / f"{name}.toml").read_text().startswith("#")  # where its headers come from


@pytest.mark.parametrize("header, preset, because", [
    (SHOPIFY, "shopify", "'Financial Status'"), (WOO, "woocommerce", "'Payment Method Title'"),
    (BIGCOMMERCE, "bigcommerce", "'Order Total (inc tax)'"), (MAGENTO, "magento", "'Grand Total (Purchased)'"),
    (STRIPE, "stripe", "'Amount Refunded'")])
def test_detection_names_the_preset_and_why(header: list[str], preset: str, because: str) -> None:
    found, why = detect(header)
    assert found == preset and why.startswith(f"{preset} preset, detected") and because in why


def test_a_header_of_no_platform_is_the_returns_export() -> None:
    assert detect(["Order Number", "Line SKU", "Qty Ordered", "Unit Price", "Qty Returned"])[0] is None


@pytest.mark.parametrize("header, preset, renamed, wanted", [
    (SHOPIFY, "shopify", "Financial Status", "'Financial Status' (status)"),
    (WOO, "woocommerce", "Order Total", "'Order Total' (total)"),
    (BIGCOMMERCE, "bigcommerce", "Order Status", "'Order Status' (status)"),
    (MAGENTO, "magento", "Grand Total (Purchased)", "'Grand Total (Purchased)' (total)"),
    (STRIPE, "stripe", "order_id (metadata)", "'order_id (metadata)' (order_id)")])
def test_a_renamed_column_is_named_with_the_closest_present(tmp_path: Path, header: list[str], preset: str,
                                                            renamed: str, wanted: str) -> None:
    typo = renamed[:-2] + renamed[-1]  # one letter dropped: "Order Totl"
    text = _csv([typo if h == renamed else h for h in header], [])
    (tmp_path / "e.csv").write_text(text)
    (tmp_path / "bk.toml").write_text(CONFIG)
    result = CliRunner().invoke(main, ["build", str(tmp_path / "e.csv"), "--out", str(tmp_path / "o"),
                                       "--config", str(tmp_path / "bk.toml"), "--preset", preset])
    assert result.exit_code == 2, result.output
    message = result.stderr
    assert f"column(s) {wanted} missing" in message and f"the closest present: {typo!r}" in message
    assert "Traceback" not in message


def test_the_order_id_column_flag_replaces_the_presets(tmp_path: Path) -> None:
    rows = [{"id": "ch_1", "Amount": "50.00", "Amount Refunded": "50.00", "Currency": "usd", "Status": "Refunded",
             "Description": "Order 77"}]
    with pytest.raises(ConfigError, match=r"'order_id \(metadata\)' \(order_id\) missing.*--order-id-column"):
        _build(tmp_path, _csv(STRIPE[:-1], rows), "stripe")
    outcome = _build(tmp_path, _csv(STRIPE[:-1], rows), "stripe", order_id_column="Description")
    assert _records(outcome) == {"order-reversal": [("Order 77", "0", "ITEM_RETURNED")]}


# ------------------------------------------------------------------ the rule, per preset


def test_woocommerce_rows_of_one_order_repeat_its_totals(tmp_path: Path) -> None:
    def order(oid: str, status: str, total: str, refunded: str, cur: str, items: int) -> list[dict[str, str]]:
        return [{"Order ID": oid, "Status": status, "Order Total": total, "Refunded Total": refunded,
                 "Order Currency": cur, "SKU": f"S{i}", "Quantity": "1"} for i in range(items)]
    rows = (order("1", "completed", "100.00", "0.00", "USD", 3) + order("2", "refunded", "50.00", "50.00", "USD", 2)
            + order("3", "processing", "90.00", "30.00", "EUR", 2) + order("4", "failed", "10.00", "", "USD", 1)
            + order("5", "cancelled", "0.00", "", "USD", 1) + order("6", "completed", "14000", "3500", "JPY", 2)
            + order("7", "completed", "12.345", "2.340", "KWD", 1) + order("8", "wc-refunded", "5.00", "", "usd", 1))
    outcome = _build(tmp_path, _csv(WOO, rows))
    assert outcome.ok and outcome.input_report.kind_reason.startswith("woocommerce preset, detected")
    assert _records(outcome) == {
        "order-reversal": [("2", "0", "ITEM_RETURNED"), ("4", "0", "ORDER_UPDATE"), ("5", "", "ORDER_UPDATE"),
                           ("8", "0", "ITEM_RETURNED")],
        "order-modification": [("3", "60.00", "EUR", "ITEM_RETURNED"), ("6", "10500", "JPY", "ITEM_RETURNED"),
                               ("7", "10.01", "KWD", "ITEM_RETURNED")]}  # 10.005 KWD, written with 2 decimals
    assert outcome.result.orders == 8 and outcome.result.lines == 13
    assert outcome.result.removed == {"USD": Decimal("65.00"), "EUR": Decimal("30.00"), "JPY": Decimal("3500"),
                                      "KWD": Decimal("2.34")}
    assert outcome.result.skipped["orders not refunded or cancelled"] == 1


def test_rows_of_one_order_disagreeing_on_its_total_are_a_finding(tmp_path: Path) -> None:
    rows = [{"Order ID": "1", "Status": "completed", "Order Total": "100.00", "Order Currency": "USD"},
            {"Order ID": "1", "Status": "completed", "Order Total": "90.00", "Order Currency": "USD"}]
    outcome = _build(tmp_path, _csv(WOO, rows))
    assert not outcome.ok and outcome.input_report.samples["BK504"][0].row == 3


def test_bigcommerce_statuses(tmp_path: Path) -> None:
    rows = [{"Order ID": "100", "Order Status": "Completed", "Order Total (inc tax)": "45.00", "Refund Amount": "0.0000",
             "Order Currency Code": "USD"},
            {"Order ID": "101", "Order Status": "Refunded", "Order Total (inc tax)": "64.77", "Refund Amount": "64.77",
             "Order Currency Code": "USD"},
            {"Order ID": "102", "Order Status": "Partially Refunded", "Order Total (inc tax)": "100.00",
             "Refund Amount": "25.50", "Order Currency Code": "CAD"},
            {"Order ID": "103", "Order Status": "Cancelled", "Order Total (inc tax)": "20.00", "Refund Amount": "0",
             "Order Currency Code": "USD"},
            {"Order ID": "104", "Order Status": "Partially Refunded", "Order Total (inc tax)": "10.00",
             "Refund Amount": "0", "Order Currency Code": "USD"}]
    outcome = _build(tmp_path, _csv(BIGCOMMERCE, rows))
    assert _records(outcome) == {"order-reversal": [("101", "0", "ITEM_RETURNED"), ("103", "0", "ORDER_UPDATE")],
                                 "order-modification": [("102", "74.50", "CAD", "ITEM_RETURNED")]}
    assert outcome.result.skipped["orders marked partially refunded with no refunded amount"] == 1


def test_magento_display_amounts_and_a_configured_currency(tmp_path: Path) -> None:
    rows = [{"ID": "000000101", "Status": "Complete", "Grand Total (Purchased)": "$1,219.40", "Total Refunded": ""},
            {"ID": "000000102", "Status": "Closed", "Grand Total (Purchased)": "$80.00", "Total Refunded": "$80.00"},
            {"ID": "000000103", "Status": "Complete", "Grand Total (Purchased)": "$1,200.00",
             "Total Refunded": "$200.00"},
            {"ID": "000000104", "Status": "Canceled", "Grand Total (Purchased)": "$15.00", "Total Refunded": ""}]
    outcome = _build(tmp_path, _csv(MAGENTO, rows), currency="eur")
    assert _records(outcome) == {
        "order-reversal": [("000000102", "0", "ITEM_RETURNED"), ("000000104", "0", "ORDER_UPDATE")],
        "order-modification": [("000000103", "1000.00", "EUR", "ITEM_RETURNED")]}  # leading zeros kept
    with pytest.raises(ConfigError, match="ISO 4217"):
        _build(tmp_path, _csv(MAGENTO, rows), currency="euro")


def test_stripe_lower_case_currency_and_amount_refunded(tmp_path: Path) -> None:
    rows = [{"id": "ch_1", "Amount": "120.00", "Amount Refunded": "0.00", "Currency": "usd", "Status": "Paid",
             "order_id (metadata)": "1001"},
            {"id": "ch_2", "Amount": "64.77", "Amount Refunded": "64.77", "Currency": "usd", "Status": "Refunded",
             "order_id (metadata)": "1002"},
            {"id": "ch_3", "Amount": "5000", "Amount Refunded": "1500", "Currency": "jpy", "Status": "Paid",
             "order_id (metadata)": "1003"},
            {"id": "ch_4", "Amount": "20.000", "Amount Refunded": "0.005", "Currency": "kwd", "Status": "Paid",
             "order_id (metadata)": "1004"}]
    outcome = _build(tmp_path, _csv(STRIPE, rows))
    assert _records(outcome) == {"order-reversal": [("1002", "0", "ITEM_RETURNED")],
                                 "order-modification": [("1003", "3500", "JPY", "ITEM_RETURNED")]}
    assert outcome.result.skipped["orders whose amount does not change"] == 1  # 19.995 KWD is written 20.00


def test_the_generic_order_list_shares_inquiries_columns(tmp_path: Path) -> None:
    text = "Order,Net,Cur,State,Back\nA1,100.00,USD,complete,\nA2,50.00,USD,Cancelled,\nA3,10,CLP,complete,\n" \
           "A3,15,CLP,complete,5\nA4,70.00,USD,complete,70.00\n"
    mapping = '[inquiries.columns]\norder_id = "Order"\namount = "Net"\ncurrency = "Cur"\nstatus = "State"\n' \
              'refunded = "Back"\n'
    outcome = _build(tmp_path, text, "orders", extra=mapping)
    assert _records(outcome) == {"order-reversal": [("A2", "0", "ORDER_UPDATE"), ("A4", "0", "ITEM_RETURNED")],
                                 "order-modification": [("A3", "20", "CLP", "ITEM_RETURNED")]}  # rows added up
    same = _build(tmp_path, text, "orders", extra=mapping.replace("[inquiries.columns]", "[build.columns]"))
    assert _records(same) == _records(outcome)
    with pytest.raises(ConfigError, match=r"'amount' \(amount\) missing; map amount \(e\.g\. amount = .*'Order', 'Net'"):
        _build(tmp_path, text, "orders", extra='[build.columns]\norder_id = "Order"\n')


def test_snake_case_api_dumps_are_read_without_a_mapping(tmp_path: Path) -> None:
    text = "order_number,financial_status,total,refunded_amount,currency\nX1,refunded,9.99,9.99,EUR\nX2,paid,5.00,1.00,EUR\n"
    outcome = _build(tmp_path, text, "orders")
    assert _records(outcome) == {"order-reversal": [("X1", "0", "ITEM_RETURNED")],
                                 "order-modification": [("X2", "4.00", "EUR", "ITEM_RETURNED")]}


def test_a_refund_on_a_zero_total_and_a_negative_total_are_findings(tmp_path: Path) -> None:
    rows = [{"Order ID": "1", "Status": "completed", "Order Total": "0.00", "Refunded Total": "5.00"},
            {"Order ID": "2", "Status": "completed", "Order Total": "-3.00", "Refunded Total": ""}]
    outcome = _build(tmp_path, _csv(WOO, rows), currency="USD")
    assert dict(outcome.input_report.counts) == {"BK512": 1, "BK511": 1}


# ------------------------------------------------------------------ degrading honestly


def test_shopify_without_refunded_amount_or_cancelled_at_still_reverses(tmp_path: Path) -> None:
    header = [h for h in SHOPIFY if h not in ("Refunded Amount", "Cancelled at")]
    rows = [{"Name": "#1", "Financial Status": "paid", "Currency": "USD", "Subtotal": "10.00", "Total": "12.00"},
            {"Name": "#2", "Financial Status": "refunded", "Currency": "USD", "Subtotal": "20.00", "Total": "22.00"},
            {"Name": "#2", "Lineitem name": "Cap"},
            {"Name": "#3", "Financial Status": "voided", "Currency": "JPY", "Subtotal": "1500", "Total": "1500"},
            {"Name": "#4", "Financial Status": "partially_refunded", "Currency": "EUR", "Subtotal": "30.00",
             "Total": "33.00"}]
    outcome = _build(tmp_path, _csv(header, rows), "shopify")
    assert outcome.ok and outcome.written == []  # a dry run: valid, with a warning
    assert _records(outcome) == {"order-reversal": [("#2", "0", "ITEM_RETURNED"), ("#3", "0", "ORDER_UPDATE")]}
    (warning,) = outcome.input_report.samples["BK515"]
    assert (warning.severity, warning.row, warning.column, warning.value) == ("warning", 6, "Financial Status",
                                                                              "partially_refunded")
    assert "'#4'" in warning.message and "'Refunded Amount'" in warning.message
    result = CliRunner().invoke(main, ["build", str(tmp_path / "export.csv"), "--out", str(tmp_path / "o"),
                                       "--config", str(tmp_path / "bk.toml")])
    assert result.exit_code == 0 and "BK515" in result.output and "read as: shopify preset, detected" in result.output


def test_an_export_without_currency_uses_the_configured_one(tmp_path: Path) -> None:
    rows = [{"Order ID": "1", "Status": "completed", "Order Total": "100", "Refunded Total": "40"}]
    header = [h for h in WOO if h != "Order Currency"]
    assert _records(_build(tmp_path, _csv(header, rows), extra='currency = "JPY"\n')) == {
        "order-modification": [("1", "60", "JPY", "ITEM_RETURNED")]}
    no_currency = _build(tmp_path, _csv(header, rows))  # the account's currency: 2 decimals written
    assert _records(no_currency) == {"order-modification": [("1", "60.00", "", "ITEM_RETURNED")]}


# ------------------------------------------------------------------ the property


WORDS = ["completed", "processing", "refunded", "cancelled", "failed", "on-hold", ""]
CURRENCIES = {"USD": 2, "JPY": 0, "KWD": 3}


@st.composite
def order_lists(draw) -> list[dict[str, str]]:
    rows = []
    for n in range(draw(st.integers(1, 12))):
        cur = draw(st.sampled_from(sorted(CURRENCIES)))
        places = CURRENCIES[cur]
        total = draw(st.integers(0, 999_999 * 10**places))  # impact.com's largest amount: 999999.99
        refunded = draw(st.one_of(st.just(0), st.integers(0, total), st.integers(total, total + 1000))) if total else 0
        cell = {"Order ID": f"O{n}", "Status": draw(st.sampled_from(WORDS)), "Order Currency": cur.lower(),
                "Order Total": str(Decimal(total).scaleb(-places)), "Refunded Total": str(Decimal(refunded).scaleb(-places))}
        rows += [cell] * draw(st.integers(1, 3))  # one row per product, the totals repeated
    return rows


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=order_lists())
def test_every_reversal_is_refunded_or_cancelled_and_every_modification_keeps_total_minus_refunded(
        tmp_path: Path, rows: list[dict[str, str]]) -> None:
    outcome = _build(tmp_path, _csv(WOO, rows), "woocommerce")
    assert outcome.ok, outcome.input_report.counts
    orders = {r["Order ID"]: r for r in rows}
    records = _records(outcome)
    for oid, amount, _ in records.get("order-reversal", []):
        order = orders[oid]
        total, refunded = Decimal(order["Order Total"]), Decimal(order["Refunded Total"])
        left = Decimal(format_money(total - refunded, order["Order Currency"].upper()))  # as impact.com holds it
        assert order["Status"] in ("refunded", "cancelled", "failed") or (refunded >= total > 0) or (refunded and not left)
        assert amount == ("0" if total else "")
    for oid, amount, currency, _ in records.get("order-modification", []):
        order = orders[oid]
        kept = Decimal(order["Order Total"]) - Decimal(order["Refunded Total"])
        assert order["Status"] not in ("refunded", "cancelled", "failed") and kept > 0
        assert amount == format_money(kept, currency) and currency == order["Order Currency"].upper()
    decided = {r[0] for kind in records.values() for r in kind}
    for oid, order in orders.items():
        if order["Status"] in ("refunded", "cancelled", "failed"):
            assert oid in {r[0] for r in records.get("order-reversal", [])}
        elif Decimal(order["Refunded Total"]) == 0:
            assert oid not in decided


def test_generic_snake_case_names_are_no_platforms() -> None:
    # a CRM's amount_refunded or refunded_total is not Stripe's "Amount Refunded" nor WooCommerce's column
    assert detect(["order_ref", "amount", "amount_refunded", "refunded_total", "currency", "status"]) == (
        None, "no preset given and the header has no platform's own columns")


def test_inquiries_match_reads_every_preset_through_the_same_reader(tmp_path: Path) -> None:
    from batchkit.inquiries.orders import PRESETS as MATCH_PRESETS
    from batchkit.inquiries.orders import read_orders

    assert MATCH_PRESETS == PRESETS
    rows = [{"Order ID": "1", "Order Date": "2025-12-01 09:12", "Status": "completed", "Order Total": "100.00",
             "Refunded Total": "30.00", "Order Currency": "eur", "SKU": "A"},
            {"Order ID": "1", "Order Date": "2025-12-01 09:12", "Status": "completed", "Order Total": "100.00",
             "Refunded Total": "30.00", "Order Currency": "eur", "SKU": "B"},
            {"Order ID": "2", "Status": "refunded", "Order Total": "20.00", "Refunded Total": "20.00",
             "Order Currency": "EUR"},
            {"Order ID": "3", "Status": "cancelled", "Order Total": "5.00", "Order Currency": "EUR"}]
    (tmp_path / "export.csv").write_text(_csv(WOO, rows))
    (tmp_path / "bk.toml").write_text(CONFIG)
    book = read_orders(tmp_path / "export.csv", "woocommerce", load_config(tmp_path / "bk.toml"))
    one, two, three = (book.orders[k] for k in ("1", "2", "3"))
    assert (one.amount, one.original, one.currency, one.date, one.row, one.completed) == (
        Decimal("70.00"), Decimal("100.00"), "EUR", "2025-12-01", 2, True)
    assert two.fully_refunded and not two.cancelled and three.cancelled and not three.completed
    assert book.problems == []


def test_the_library_build_takes_the_order_id_column_and_the_currency(tmp_path: Path) -> None:
    import batchkit

    rows = [{"ID": "000000102", "Status": "Closed", "Grand Total (Purchased)": "80.00", "Total Refunded": "80.00",
             "Bill-to Name": "Ref-77"}]
    (tmp_path / "grid.csv").write_text(_csv(MAGENTO, rows))
    (tmp_path / "bk.toml").write_text(CONFIG)
    outcome = batchkit.build(tmp_path / "grid.csv", tmp_path / "out", tmp_path / "bk.toml", currency="chf",
                             order_id_column="Bill-to Name", dry_run=True)
    assert outcome.ok and outcome.input_report.kind_reason.startswith("magento preset, detected")
    assert _records(outcome) == {"order-reversal": [("Ref-77", "0", "ITEM_RETURNED")]}
