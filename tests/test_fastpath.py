"""The validator's shortcuts change nothing: prefilter shapes, cached blanks, key and duplicate helpers.

batchkit.fastpath lets pandera skip the rows whose values surely pass their per-field rules; each
claim of its SHAPES table is checked here, and whole files are validated with and without the
prefilter (and with frames built several ways) to compare every finding.
"""

from __future__ import annotations

import random
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from batchkit.core.config import load_config
from batchkit.io.read import read_csv_bytes
from batchkit.validation import prefilter as fastpath
from batchkit.validation.compile import context
from batchkit.validation.engine import validate_table
from batchkit.validation.rules.registry import RULES, _blank
from batchkit.validation.rules.rows import action_key, repeated

CONFIG = load_config(None, cwd=Path("/"))
CTX = context(CONFIG)


def _passes(rule_name: str, values: list[str]) -> list[bool]:
    rule = RULES[rule_name]
    assert rule.fn is not None
    result = rule.fn(pd.Series(values, dtype="str"), **{p: CTX[p] for p in rule.params})
    return [bool(v) for v in result]


@pytest.mark.parametrize("field", sorted(fastpath.SHAPES))
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_every_value_of_a_shape_passes_the_rules_it_claims(field: str, data: st.DataObject) -> None:
    shape, rules = fastpath.SHAPES[field]
    values = data.draw(st.lists(st.from_regex(shape, fullmatch=True), min_size=1, max_size=20))
    for name in sorted(rules):
        assert all(_passes(name, values)), (field, name, values)


def test_shape_boundaries() -> None:
    amount = fastpath.SHAPES["Amount"][0]
    import re

    assert re.fullmatch(amount, "999999.99") and not re.fullmatch(amount, "1000000")
    assert not re.fullmatch(amount, "0") and not re.fullmatch(amount, "0.00") and not re.fullmatch(amount, "1.999")
    for field, bad in [("ActionId", "12345.0"), ("OrderId", "1E5"), ("OrderId", "=X"), ("Sku", "1.2E+5"), ("Sku", "s" * 41)]:
        assert not re.fullmatch(fastpath.SHAPES[field][0], bad), (field, bad)


def test_blank_is_what_trimming_removes() -> None:
    values = ["", " ", "\t\n", "\u00a0", "\u3000", "\u200b", "x", " x ", "\x1f", "\x85"]
    s = pd.Series(values, dtype="str")
    expected = s.str.strip().str.len().eq(0).tolist()
    assert _blank(s).tolist() == expected
    assert _blank(s).tolist() == expected  # the remembered mask


def _key_reference(df: pd.DataFrame) -> pd.Series:
    from batchkit.core.change import normalise_id  # THE normalisation of ids (SPEC §8)

    action = df["ActionId"].map(normalise_id)
    by_order = "O|" + df["OrderId"].map(normalise_id) + "|" + df["ActionTrackerId"].map(normalise_id)
    no_order = df["OrderId"].str.strip().eq("") & df["ActionTrackerId"].str.strip().eq("")
    return action.where(action.str.len().gt(0), by_order.where(~no_order, ""))


def test_action_key_and_repeats_match_their_definitions() -> None:
    rng = random.Random(3)
    pick = ["", " ", "1000.1.1", " 1000.1.1", "1000.1.2", "ORD-1", " ORD-1", "2240", " 2240 ", "ORD-1\u00a0",
            "OR\u200bD-1", "\ufeff1000.1.2", "2240\u2060"]
    df = pd.DataFrame({c: pd.Series([rng.choice(pick) for _ in range(500)], dtype="str")
                       for c in ("ActionId", "OrderId", "ActionTrackerId")})
    assert action_key(df).tolist() == _key_reference(df).tolist()
    assert repeated(action_key(df)).tolist() == _key_reference(df).duplicated(keep=False).tolist()
    unique = pd.Series([f"k{i}" for i in range(100)], dtype="str")
    assert not repeated(unique).any()


def test_repeated_across_chunks_and_slices() -> None:
    import numpy as np
    import pyarrow as pa

    rng = random.Random(5)
    for _ in range(200):
        parts = [[rng.choice(["a", "b", "", "9.2E+12\x1f-x", "x" * rng.randint(0, 70)]) for _ in range(rng.randint(0, 12))]
                 for _ in range(rng.randint(1, 4))]
        chunked = pa.chunked_array([pa.array(p, pa.large_string()) for p in parts], type=pa.large_string())
        s = pd.Series(pd.arrays.ArrowStringArray(chunked, dtype=pd.StringDtype("pyarrow", na_value=np.nan)))
        for t in (s, s.iloc[rng.randint(0, 3):]):
            assert repeated(t).tolist() == t.duplicated(keep=False).tolist(), parts


NASTY = {
    "ActionId": ["", " ", "12345.0", "9.21737E+12", "1000..1", "abc", "1000.1.1 ", "\u0661.2.3", "1000.4600.158133"],
    "OrderId": ["", " ", "ORD\x01", "x" * 65, "1E5", "=X", "-5", " ORD-1", "ORD-00000001", "123.0"],
    "ActionTrackerId": ["", "0", "-1", "2240.0", "2.24E+3", "abc", " 2240"],
    "Amount": ["", " ", "0", "0.00", "-5", "$12.50", "1,234.50", "12,50", "1000000", "1.999", "\u0661\u0662", "0.5", " 5"],
    "CurrencyCode": ["", "usd", "XXX", " USD"],
    "CustomerStatus": ["", "new", "VIP", "x" * 41, "=cmd"],
    "Reason": ["", " ", "item_returned", "APPROVED", "FOO", "=x"],
    "Sku": ["", " ", "SKU 1", "s" * 41, "1.23E+5", "=x", "SKU-1 "],
    "Quantity": ["", "-1", "1.5", "abc", "2.0"],
    "Category": ["", "c" * 256, "=x"],
}
TYPICAL = {
    "ActionId": lambda i, r: f"1000.{4600 + i % 97}.{158133 + i}",
    "OrderId": lambda i, r: f"ORD-{i:08d}",
    "ActionTrackerId": lambda i, r: "2240",
    "Amount": lambda i, r: f"{r.randint(1, 99999)}.{r.randint(0, 99):02d}",
    "CurrencyCode": lambda i, r: r.choice(["USD", "EUR"]),
    "CustomerStatus": lambda i, r: r.choice(["NEW", "EXISTING"]),
    "Reason": lambda i, r: r.choice(["ORDER_UPDATE", "ITEM_RETURNED"]),
    "Sku": lambda i, r: f"SKU-{r.randint(1, 99)}",
    "Quantity": lambda i, r: str(r.randint(0, 3)),
    "Category": lambda i, r: r.choice(["Toys", "Books"]),
}
LAYOUTS = {
    "order-modification": ["Amount", "CurrencyCode", "CustomerStatus", "Reason"],
    "order-reversal": ["Amount", "Reason"],
    "item-modification": ["Sku", "Amount", "Quantity", "Category", "Reason"],
    "item-reversal": ["Sku", "Amount", "Quantity", "Reason"],
}


def _file(kind: str, rows: int, bad: float, seed: int, same_action: bool = True) -> bytes:
    rng = random.Random(seed)
    fields = LAYOUTS[kind]
    groups = 3 if kind.startswith("item") else 1
    header = [("ActionId", 1), ("OrderId", 1), ("ActionTrackerId", 1)]
    header += [(f, g) for g in range(1, groups + 1) for f in fields]
    lines = [",".join(f if g == 1 else f"{f}{g}" for f, g in header)]
    previous: list[list[str]] = []
    for i in range(rows):
        if previous and rng.random() < 0.02:
            cells = list(rng.choice(previous))  # an exact duplicate, or the same action again
            if same_action and rng.random() < 0.5:
                cells[3] = TYPICAL[fields[0]](i, rng)
        else:
            cells = []
            for f, g in header:
                if kind.endswith("reversal") and f == "Amount":
                    cells.append(rng.choice(["0", "0.00", ""]) if rng.random() > bad else rng.choice(NASTY[f]))
                elif g > 1 and rng.random() < 0.3:
                    cells.append("")
                else:
                    cells.append(rng.choice(NASTY[f]) if rng.random() < bad else TYPICAL[f](i, rng))
        previous.append(cells)
        lines.append(",".join(f'"{c}"' if ("," in c or '"' in c) else c for c in cells))
    return ("\n".join(lines) + "\n").encode()


def _report(raw: bytes, kind: str) -> tuple:
    report, _, _ = validate_table(read_csv_bytes(f"x_{kind}.csv", raw), CONFIG, None, max_samples=0)
    return report.kind, dict(report.counts), {code: [f.as_dict() for f in kept] for code, kept in report.samples.items()}


@pytest.mark.parametrize("kind", sorted(LAYOUTS))
@pytest.mark.parametrize("bad", [0.0, 0.01, 0.3])
def test_prefilter_changes_no_finding(kind: str, bad: float, monkeypatch: pytest.MonkeyPatch) -> None:
    raw = _file(kind, 3000, bad, seed=len(kind) + int(bad * 100))
    monkeypatch.setattr(fastpath, "PARALLEL_ROWS", 1000)  # the threaded path, on a small file
    fast = _report(raw, kind)
    monkeypatch.setattr(fastpath, "ENABLED", False)
    assert _report(raw, kind) == fast
    assert fast[0] == kind


@pytest.mark.parametrize("kind", sorted(LAYOUTS))
@pytest.mark.parametrize("same_action", [True, False])
def test_bookkeeping_columns_only_save_time(kind: str, same_action: bool) -> None:
    from batchkit.core.kinds import get_kind
    from batchkit.validation.engine import build_frames
    from batchkit.validation.header import check_header, parse_header
    from batchkit.validation.rules import rows as checks_rows

    table = read_csv_bytes("x.csv", _file(kind, 2000, 0.05 if same_action else 0.0, seed=7, same_action=same_action))
    k = get_kind(kind)
    usable, _ = check_header(parse_header(table.header), k)
    frames = build_frames(table, k, usable)
    bare = frames.record.drop(columns=[checks_rows.KEY, checks_rows.REPEATED])
    for rule in ("exact_duplicate", "one_row_per_action"):
        fn = getattr(checks_rows, rule)
        assert fn(frames.record).tolist() == fn(bare).tolist(), rule
    if frames.items is not None:
        assert (checks_rows.SKU_REPEATED in frames.items.columns) == (not same_action)
        plain = frames.items.drop(columns=[checks_rows.KEY, checks_rows.SKU_REPEATED], errors="ignore")
        got = checks_rows.same_action_sku(frames.items)
        assert got.tolist() == checks_rows.same_action_sku(plain).tolist()
        assert not got.all()  # the file repeats Skus within actions
