"""BK109's zero-padded id check in Arrow (issue 26's big-file work) gives exactly the answer of the pandas code it
replaced (kept below as the oracle, and still the path of object columns): the width, the example and the short
ids. Like the code it replaced, an Arrow column none of whose raw ids starts with "0" is passed at once."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from batchkit.validation.rules.rows import PADDED_SHARE, _short_ids, normalised_ids, padded_width

IDS = st.sampled_from(["0012", "0013", "012", "12", "", " 0014", "0015\u200b", "00\u00a016", "ABC", "0x12", "٠١٢",
                       "00017", "0018 ", "1234", "0000", "0"])


def _arrow(values: list[str]) -> pd.Series:
    return pd.Series(values, dtype=pd.StringDtype("pyarrow"))


def _plain(values: list[str]) -> pd.Series:
    return pd.Series(values, dtype=object)


def _oracle(ids: pd.Series) -> tuple[int, str] | None:
    """padded_width as it was, in pandas string operations."""
    if not ids.str.startswith("0").any():
        return None
    values = normalised_ids(ids)
    values = values[values.str.len().gt(0)]
    digits = values[values.str.fullmatch(r"[0-9]+").fillna(False).astype(bool)]
    zero = digits[digits.str.startswith("0")]
    if len(zero) < 2:
        return None
    width = int(zero.str.len().mode().iloc[0])
    if zero.str.len().eq(width).sum() < 2 or digits.str.len().eq(width).sum() <= PADDED_SHARE * len(values):
        return None
    return width, str(zero[zero.str.len().eq(width)].iloc[0])


def _short_oracle(ids: pd.Series, width: int) -> list[bool]:
    values = normalised_ids(ids)
    return (~(values.str.fullmatch(r"[0-9]+").fillna(False).astype(bool) & values.str.len().lt(width))).tolist()


@settings(max_examples=400, deadline=None)
@given(st.lists(IDS, max_size=30))
def test_the_arrow_path_is_the_pandas_code_it_replaced(values: list[str]) -> None:
    found = padded_width(_arrow(values))
    assert found == _oracle(_arrow(values))
    short = _short_ids(pd.DataFrame({"OrderId": _arrow(values)}), "OrderId").tolist()
    assert short == (_short_oracle(_arrow(values), found[0]) if found else [True] * len(values))
    if found and any(v.startswith("0") for v in values):  # object columns take the pandas path itself
        assert padded_width(_plain(values)) == found


def test_a_column_of_padded_ids_names_its_width_and_the_short_ones() -> None:
    values = ["0000123", "0000456", "789", "0000999", "", "ORD-1"]
    assert padded_width(_arrow(values)) == (7, "0000123")
    assert _short_ids(pd.DataFrame({"OrderId": _arrow(values)}), "OrderId").tolist() == [True, True, False, True,
                                                                                          True, True]
