"""Property: the amounts build writes equal new totals computed independently (integer cents)."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from batchkit.builder.pipeline import build_files
from batchkit.builder.settings import load_build_settings
from batchkit.core.config import load_config
from batchkit.core.errors import InputError

ROOT = Path(__file__).resolve().parent.parent
HEADER = ["Order Number", "Line SKU", "Qty Ordered", "Unit Price", "Qty Returned", "Return Reason", "Currency"]

line = st.tuples(st.integers(0, 5), st.integers(0, 99_999), st.integers(0, 5)).map(
    lambda t: (t[0], t[1], min(t[2], t[0])))  # (quantity, price in cents, returned <= quantity)
orders = st.lists(st.lists(line, min_size=1, max_size=4), min_size=1, max_size=8)


def _cents(text: str) -> int:
    whole, _, frac = text.partition(".")
    return int(whole) * 100 + int((frac + "00")[:2])


def _export(data: list[list[tuple[int, int, int]]]) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(HEADER)
    for o, lines in enumerate(data):
        for k, (qty, cents, returned) in enumerate(lines):
            w.writerow([f"{o:05d}", f"S{k}", qty, f"{cents // 100}.{cents % 100:02d}", returned, "Damaged", "USD"])
    return out.getvalue()


def _run(data: list[list[tuple[int, int, int]]], level: str) -> dict[str, list[dict[str, str]]]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "batchkit.toml").write_text(f'[build]\nlevel = "{level}"\naction_tracker_id = 1\n'
                                            '[build.reasons]\n"Damaged" = "ITEM_RETURNED"\n')
        (root / "e.csv").write_text(_export(data))
        config = load_config(root / "batchkit.toml")
        outcome = build_files(root / "e.csv", root / "out", config, load_build_settings(config, None, None, None))
        assert outcome.ok, (outcome.input_report.counts, outcome.output_report and outcome.output_report.files[0].counts)
        return {p.name.split("_")[1].rstrip("s"): list(csv.DictReader(io.StringIO(p.read_text()))) for p in outcome.written}


def _expected(lines: list[tuple[int, int, int]]) -> tuple[str, int, int]:
    changed = any(r for _, _, r in lines)
    all_zero = all(q - r == 0 for q, _, r in lines)
    new_total = sum(c * (q - r) for q, c, r in lines)
    orig_total = sum(c * q for q, c, _ in lines)
    kind = "none" if not changed else ("reversal" if all_zero else "partial")
    return kind, orig_total, new_total


@settings(max_examples=60, deadline=None)
@given(data=orders)
def test_item_level_amounts(data: list[list[tuple[int, int, int]]]) -> None:
    files = _run(data, "item")
    mods = {(r["OrderId"], r["Sku"]): r for r in files.get("item-modification", []) for r in _unwide(r)}
    revs = {(r["OrderId"], r["Sku"]) for r in files.get("item-reversal", []) for r in _unwide(r)}
    order_revs = {r["OrderId"]: r["Amount"] for r in files.get("order-reversal", [])}
    for o, lines in enumerate(data):
        oid = f"{o:05d}"
        kind, orig_total, _ = _expected(lines)
        if kind == "reversal":
            assert order_revs[oid] == ("0" if orig_total else "")
            continue
        assert oid not in order_revs
        for k, (qty, cents, returned) in enumerate(lines):
            key = (oid, f"S{k}")
            new_qty = qty - returned
            if kind == "none" or returned == 0:
                assert key not in mods and key not in revs
            elif new_qty == 0:
                assert key in revs
            else:
                assert _cents(mods[key]["Amount"]) == cents * new_qty and mods[key]["Quantity"] == str(new_qty)


@settings(max_examples=60, deadline=None)
@given(data=orders)
def test_order_level_totals(data: list[list[tuple[int, int, int]]]) -> None:
    files = _run(data, "order")
    mods = {r["OrderId"]: r["Amount"] for r in files.get("order-modification", [])}
    for o, lines in enumerate(data):
        kind, orig_total, new_total = _expected(lines)
        oid = f"{o:05d}"
        if kind == "partial" and new_total != orig_total:
            assert _cents(mods[oid]) == new_total and len(mods[oid].split(".")[1]) == 2
        else:  # unchanged, reversed, or only free lines returned (a same-total modification changes nothing)
            assert oid not in mods


def _unwide(row: dict[str, str]) -> list[dict[str, str]]:
    """The item groups of one wide row as separate records."""
    out, n = [], 1
    while (sku := row.get("Sku" if n == 1 else f"Sku{n}")) is not None:
        if sku:
            suffix = "" if n == 1 else str(n)
            out.append({"OrderId": row["OrderId"], "Sku": sku, "Amount": row[f"Amount{suffix}"],
                        "Quantity": row[f"Quantity{suffix}"]})
        n += 1
    return out


RETURNS_HEADER = ["Order Number", "Action ID", "Line SKU", "Category", "Qty Ordered", "Unit Price", "Qty Returned",
                  "Return Reason", "Currency", "Customer Status"]
nasty = st.one_of(
    st.sampled_from(["", " ", "0", "1", "3", "-1", "2.0", "1e3", "19.99", "-0.00", "0.005", "1,000.00", "$5", "NaN",
                     "Infinity", "99999999999999999999999", "0001", "USD", "JPY", "usd", "Damaged", "Fraud", "=1+1",
                     '"', "a,b", "x\ny", "\r", "é", "\x00"]),
    st.text(max_size=6))
row = st.lists(nasty, min_size=10, max_size=10)


@settings(max_examples=80, deadline=None)
@given(rows=st.lists(row, max_size=6), order_level=st.booleans())
def test_build_never_crashes_on_bad_cells(rows: list[list[str]], order_level: bool) -> None:
    """Any cells give findings (exit 1) or a clean, validated build; never an exception."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        config_text = (ROOT / "samples" / "returns" / "batchkit.toml").read_text()
        (root / "batchkit.toml").write_text(config_text.replace('level = "item"', 'level = "order"') if order_level
                                            else config_text)
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows([RETURNS_HEADER, *rows])
        (root / "e.csv").write_text(out.getvalue(), encoding="utf-8", errors="surrogatepass")
        config = load_config(root / "batchkit.toml")
        try:
            outcome = build_files(root / "e.csv", root / "out", config, load_build_settings(config, None, None, None))
        except InputError:
            return  # e.g. an export with no usable rows: a one-line error, exit 2
        if outcome.ok:
            assert all(p.exists() for p in outcome.written)
        else:
            assert outcome.written == [] and not (root / "out").exists()


SHOPIFY = ROOT / "samples" / "shopify"
SHOPIFY_FIELDS = ["Name", "Financial Status", "Cancelled at", "Currency", "Subtotal", "Total", "Refunded Amount", "Id"]
money_like = st.sampled_from(["", "0", "0.00", "12.50", "-3.00", "1e2", "abc", "99999999999999999999999999999999.99",
                              "0.001", "100", "64.77"])
status = st.sampled_from(["paid", "refunded", "partially_refunded", "voided", "", "PAID"])


@settings(max_examples=60, deadline=None)
@given(edits=st.lists(st.tuples(st.integers(0, 9), st.sampled_from(SHOPIFY_FIELDS),
                                st.one_of(money_like, status, nasty)), max_size=8))
def test_shopify_never_crashes_on_bad_cells(edits: list[tuple[int, str, str]]) -> None:
    """The sample Shopify export with cells overwritten: findings or a clean build, never an exception."""
    rows = list(csv.DictReader(io.StringIO((SHOPIFY / "orders_export.csv").read_text(encoding="utf-8"), newline="")))
    for index, column, value in edits:
        rows[index % len(rows)][column] = value
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "batchkit.toml").write_text((SHOPIFY / "batchkit.toml").read_text())
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        (root / "e.csv").write_text(out.getvalue(), encoding="utf-8", errors="surrogatepass")
        config = load_config(root / "batchkit.toml")
        try:
            outcome = build_files(root / "e.csv", root / "out", config, load_build_settings(config, None, None, None))
        except InputError:
            return
        assert outcome.ok or (outcome.written == [] and not (root / "out").exists())
