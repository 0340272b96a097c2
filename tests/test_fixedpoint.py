"""build's exact integer arithmetic and its CSV writer, against Decimal and the csv module."""

from __future__ import annotations

import csv
import io
import math
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from batchkit.builder.pipeline import build_files
from batchkit.builder.settings import load_build_settings
from batchkit.builder.writer import csv_bytes
from batchkit.core.config import load_config
from batchkit.core.fixedpoint import (
    common_scale,
    places,
    round_half_up,
    rounded,
    text,
    to_decimal,
    to_units,
    unit_array,
)
from batchkit.core.money import format_money, quantize

CURRENCIES = ["USD", "JPY", "KWD", "EUR", ""]

amount = st.builds(
    lambda sign, whole, frac, digits: Decimal(f"{sign}{whole}.{frac:0{digits}d}" if digits else f"{sign}{whole}"),
    st.sampled_from(["", "-"]), st.integers(0, 10**24), st.integers(0, 9999), st.integers(0, 4),
).filter(lambda d: not (d.is_signed() and d == 0))  # integers have no negative zero; see test below
amounts = st.lists(st.tuples(amount, st.sampled_from(CURRENCIES)), min_size=1, max_size=30)


def _units(values: list[Decimal], factor: int = 1) -> tuple[np.ndarray, int]:
    scale = common_scale(places(values))
    return unit_array(to_units(values, scale), scale, factor, len(values)), scale


@settings(max_examples=200, deadline=None)
@given(pairs=amounts, factor=st.sampled_from([1, 4, 10**12]))
def test_written_text_equals_format_money(pairs: list[tuple[Decimal, str]], factor: int) -> None:
    values, currencies = [v for v, _ in pairs], np.array([c for _, c in pairs], dtype=object)
    units, scale = _units(values, factor)  # factor 10**12 forces the Python-int path for big values
    assert text(units, scale, currencies).to_pylist() == [format_money(v, c) for v, c in pairs]
    assert [to_decimal(int(u), scale) for u in units] == values
    assert [rounded(int(u), scale, c) for u, (_, c) in zip(units, pairs)] == [quantize(v, c) for v, c in pairs]


@settings(max_examples=200, deadline=None)
@given(value=amount, ordered=st.integers(1, 50), data=st.data())
def test_scaled_line_amount_equals_decimal(value: Decimal, ordered: int, data: st.DataObject) -> None:
    kept = data.draw(st.integers(0, ordered))
    units, scale = _units([value], ordered)
    step = np.array([10 ** (scale - 2)], dtype=units.dtype)
    got = round_half_up(units * kept, np.array([ordered], dtype=units.dtype) * step)[0]
    exact = Fraction(value) * kept * 100 / ordered  # in cents, as a fraction: no rounding at all
    cents = math.floor(abs(exact) + Fraction(1, 2))
    assert int(got) == (-cents if exact < 0 else cents)  # got counts cents: build multiplies it back by step


def test_int64_only_when_sums_cannot_overflow() -> None:
    assert unit_array([1999, -5], 2, 4, 1_000_000).dtype == np.int64
    big = unit_array([10**17], 2, 100, 1_000)
    assert big.dtype == object and (big * 100 * 1_000)[0] == 10**22  # exact, where int64 would wrap
    assert unit_array([1], 19, 1, 1).dtype == object  # 10**19 does not fit int64


def test_negative_zero_is_written_without_sign() -> None:
    # Decimal keeps the sign of "-0.00"; integers do not. build writes "0.00" for such an input.
    units, scale = _units([Decimal("-0.00")])
    assert text(units, scale, np.array(["USD"], dtype=object)).to_pylist() == ["0.00"]


cell = st.text(alphabet=st.sampled_from(list('ab ,"\r\n\té€0')), max_size=6)


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(st.lists(cell, min_size=3, max_size=3), max_size=8))
def test_csv_writer_round_trips_and_matches_the_csv_module(rows: list[list[str]]) -> None:
    header = ["Sku", "Amount, net", 'Say "hi"']
    data = csv_bytes(header, [pa.array([r[i] for r in rows], pa.large_string()) for i in range(3)])
    assert list(csv.reader(io.StringIO(data.decode("utf-8"), newline=""))) == [header, *rows]
    if not any("\r" in c for r in rows for c in r):  # the csv module leaves a lone CR unquoted; batchkit quotes it
        expected = io.StringIO()
        csv.writer(expected, lineterminator="\n").writerows([header, *rows])
        assert data.decode("utf-8") == expected.getvalue()


def _build(tmp_path: Path, lines: str):
    """build a returns export of `lines` (Order Number, Line SKU, Qty Ordered, Unit Price, Qty Returned, Return Reason)."""
    (tmp_path / "batchkit.toml").write_text('[build]\naction_tracker_id = 1\n[build.reasons]\n"Damaged" = "ITEM_RETURNED"\n')
    (tmp_path / "e.csv").write_text("Order Number,Line SKU,Qty Ordered,Unit Price,Qty Returned,Return Reason\n" + lines)
    config = load_config(tmp_path / "batchkit.toml")
    return build_files(tmp_path / "e.csv", tmp_path / "out", config, load_build_settings(config, None, None, None))


def test_huge_prices_stay_exact_through_build(tmp_path: Path) -> None:
    outcome = _build(tmp_path, "1,A,900000000,123456789012345678901.25,1,Damaged\n1,B,1,1.00,0,\n")
    (data,) = outcome.planned.values()
    amount_text = next(csv.DictReader(io.StringIO(data.decode())))["Amount"]
    cents = 12345678901234567890125 * 899_999_999  # integers: Decimal's 28 digits would round this
    assert amount_text == f"{cents // 100}.{cents % 100:02d}"
    assert not outcome.ok and outcome.written == []  # impact.com's Decimal(8,2) rejects it: nothing written
    (blamed,) = outcome.input_report.samples["BK513"]
    assert blamed.row == 2 and "[BK204]" in blamed.message


def test_quantity_too_large_is_a_finding_not_a_crash(tmp_path: Path) -> None:
    outcome = _build(tmp_path, "1,A,99999999999999999999999,1.00,1,Damaged\n")
    (finding,) = outcome.input_report.samples["BK502"]
    assert "too large" in finding.message and finding.row == 2 and outcome.written == []


def test_a_number_too_long_to_be_money_is_a_finding(tmp_path: Path) -> None:
    outcome = _build(tmp_path, f"1,A,2,{'9' * 4299},1,Damaged\n")  # str() of such an int would raise ValueError
    (finding,) = outcome.input_report.samples["BK503"]
    assert "too many digits" in finding.message and len(finding.message) < 120 and outcome.written == []
