"""Issue 22 part 6: what the findings say (severity and wording) for a quoted-text Amount, control characters
in CustomerStatus and Category, a Shopify orders export and one Reason column after all the item groups."""

from __future__ import annotations

from pathlib import Path

from batchkit.core.config import load_config
from batchkit.validation.engine import validate_paths


def _findings(tmp_path: Path, text: str, kind: str | None = None, name: str = "a.csv"):
    (tmp_path / name).write_text(text, encoding="utf-8")
    report = validate_paths([str(tmp_path / name)], load_config(None, cwd=tmp_path), kind=kind)
    return report.files[0].findings()


def test_a_quoted_text_amount_is_called_text(tmp_path: Path) -> None:
    (f,) = _findings(tmp_path, 'ActionId,Amount,Reason\n1000.1.1,"""quoted""",ORDER_UPDATE\n', "order-modification")
    assert f.code == "BK201" and "is text, not a number" in f.message and "currency" not in f.message


def test_control_characters_in_stored_text_are_errors(tmp_path: Path) -> None:
    found = _findings(tmp_path, "ActionId,Amount,CustomerStatus,Reason\n1000.1.1,1.00,NEW\x01,ORDER_UPDATE\n",
                      "order-modification")
    assert [(f.code, f.severity) for f in found] == [("BK211", "error")]
    assert "control characters" in found[0].message
    found = _findings(tmp_path, "ActionId,Sku,Amount,Quantity,Category,Reason\n1000.1.1,S,1.00,1,Sh\x02oes,ITEM_RETURNED\n",
                      "item-modification")
    assert [(f.code, f.severity) for f in found] == [("BK212", "error")] and "control characters" in found[0].message


def test_a_shopify_orders_export_says_use_build(tmp_path: Path) -> None:
    (f,) = _findings(tmp_path, "Name,Email,Financial Status,Currency,Total,Lineitem quantity,Lineitem sku\n"
                               "#1001,a@example.com,paid,USD,10.00,1,S1\n", name="orders_export.csv")
    assert f.code == "BK011" and "Shopify orders export" in f.message and "batchkit build" in f.message


def test_one_reason_after_the_groups_names_the_missing_reason_columns(tmp_path: Path) -> None:
    (f,) = _findings(tmp_path, "ActionId,Sku,Amount,Quantity,Sku2,Amount2,Quantity2,Reason\n"
                               "1000.1.1,A,1.00,1,B,2.00,1,ITEM_RETURNED\n", "item-modification")
    assert f.code == "BK008" and "Reason2" in f.message


def test_a_record_saved_as_one_quoted_cell_is_named_so(tmp_path: Path) -> None:
    from batchkit.core.config import load_config
    from batchkit.validation.engine import validate_paths

    path = tmp_path / "acme_order-modifications.csv"
    path.write_text('ActionId,Amount,Reason\n"1000.4636.158133,12.50,ORDER_UPDATE"\n')
    report = validate_paths([str(path)], load_config(None, cwd=tmp_path))
    (found,) = [f for f in report.files[0].findings() if f.code == "BK009"]
    assert "the whole record is one quoted cell" in found.message and report.files[0].rows == 1
