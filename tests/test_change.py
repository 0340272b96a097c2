"""The journal's key (core/change.py): the same change has one key however it is spelt, and a different change has
another."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from batchkit.core.change import _decimal, action_change, inquiry_change, normalise_id

SID = "IRSANDBOXACME1"


@given(st.decimals(min_value=0, max_value=Decimal("999999.99"), places=2, allow_nan=False),
       st.integers(min_value=0, max_value=3))
def test_an_amount_has_one_spelling_in_the_key(value: Decimal, zeros: int) -> None:
    text = f"{value}" + ("0" * zeros if "." in f"{value}" else "")
    expected = format(value.normalize(), "f") if value else "0"
    assert _decimal(text) == _decimal(f"  {text} ") == expected


def test_spellings_of_one_change_have_one_key() -> None:
    base = action_change(SID, "PUT", {"ActionId": "1000.4636.1", "Amount": "50.50", "Reason": "ORDER_UPDATE"})
    for form in ({"ActionId": "1000.4636.1 ", "Amount": "50.5", "Reason": "ORDER_UPDATE"},
                 {"Reason": "ORDER_UPDATE", "Amount": "050.500", "ActionId": "\u200b1000.4636.1\u00a0"}):
        assert action_change(f" {SID}", "put", form).key == base.key
    items = {"OrderId": "0004417", "ActionTrackerId": "2240", "Sku": "A", "Amount": "5", "Sku2": "B", "Quantity2": "1",
             "Amount2": "3", "Reason": "ITEM_RETURNED"}
    swapped = {"OrderId": "0004417", "ActionTrackerId": "02240", "Sku": "B", "Quantity": "1", "Amount": "3.00",
               "Sku2": "A", "Amount2": "5.0", "Reason": "ITEM_RETURNED"}
    assert action_change(SID, "PUT", items).key == action_change(SID, "PUT", swapped).key
    reversal = action_change(SID, "DELETE", {"ActionId": "1", "DispositionCode": "ITEM_RETURNED"})
    assert reversal.fields == (("Reason", "ITEM_RETURNED"),)


def test_a_different_change_or_target_or_account_has_another_key() -> None:
    base = {"ActionId": "1000.4636.1", "Amount": "50.50", "Reason": "ORDER_UPDATE"}
    key = action_change(SID, "PUT", base).key
    assert action_change(SID, "PUT", {**base, "Amount": "50.51"}).key != key
    assert action_change(SID, "PUT", {**base, "ActionId": "1000.4636.2"}).key != key
    assert action_change("IROTHER", "PUT", base).key != key
    assert action_change(SID, "DELETE", {"ActionId": "1000.4636.1", "DispositionCode": "ORDER_UPDATE"}).key != key
    with_tracker = action_change(SID, "PUT", {"OrderId": "0004417", "ActionTrackerId": "2240", "Amount": "1",
                                              "Reason": "OTHER"})
    assert with_tracker.target == "OrderId 0004417 ActionTrackerId 2240"  # leading zeros of an OrderId are kept


def test_an_inquiry_resolution_is_keyed_by_its_id_and_what_is_sent() -> None:
    a = inquiry_change(SID, {"Id": "500006", "ResolutionStatus": "VALID", "TransactionAmount": "1500.00"})
    b = inquiry_change(SID, {"Id": " 500006", "ResolutionStatus": "VALID", "TransactionAmount": "1500"})
    fixed = inquiry_change(SID, {"Id": "500006", "ResolutionStatus": "VALID", "TransactionAmount": "1500",
                                 "TransactionDate": "2026-11-21T00:00:00Z"})
    assert a.key == b.key != fixed.key and a.target == "Inquiry 500006"


def test_ids_are_compared_without_invisible_characters() -> None:
    assert normalise_id("1000.4636.1") == "1000.4636.1"
    assert normalise_id(" 10\u00a000\u200b.1\ufeff\t") == "1000.1"
