"""One normalisation of ids (SPEC §8, issue 22): duplicates across padded and invisible-character ids, BK108's
repair by `batchkit fix`, padded header names (BK018), and preflight's leading-zeros hint on BK701."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from conftest_api import CAMPAIGN, SID, TOKEN, make_settings

from batchkit.api.actions import sync_actions
from batchkit.api.settings import ApiSettings
from batchkit.core.change import normalise_id
from batchkit.core.config import load_config
from batchkit.preflight import preflight_paths
from batchkit.sandbox import Sandbox
from batchkit.validation.engine import validate_paths
from batchkit.validation.fix import fix_file
from batchkit.validation.rules.rows import normalised_ids

ODD = [" ORD-1", "ORD-1\u00a0", "\u200bORD-1", "OR D-1", "\ufeffORD-1\t", "ORD\u2060-1", "ORD-1\u3000", "ORD-1"]


def test_the_vectorised_normalisation_is_normalise_id() -> None:
    for dtype in ("str", "object", pd.StringDtype("pyarrow")):
        got = normalised_ids(pd.Series(ODD + ["", "1000.4636.1"], dtype=dtype)).tolist()
        assert got == [normalise_id(v) for v in ODD + ["", "1000.4636.1"]]
        assert set(got[:len(ODD)]) == {"ORD-1"}


def _codes(path: Path, kind: str | None = None) -> list[tuple[int, str, str]]:
    report = validate_paths([str(path)], load_config(None, cwd=path.parent), kind=kind, max_samples=0)
    return sorted((f.row or 0, f.column or "", f.code) for fr in report.files for f in fr.findings())


def test_duplicates_across_padded_ids_keep_the_raw_value_in_the_finding(tmp_path: Path) -> None:
    path = tmp_path / "acme_order-modifications.csv"
    path.write_text("OrderId,ActionTrackerId,Amount,Reason\n#1129,2240,10.00,ORDER_UPDATE\n"
                    "#1129 ,2240,12.00,ORDER_UPDATE\n", encoding="utf-8")
    report = validate_paths([str(path)], load_config(None, cwd=tmp_path), max_samples=0)
    found = {f.code: f for fr in report.files for f in fr.findings()}
    assert set(found) == {"BK108", "BK402"}
    assert found["BK108"].value == "#1129 " and "'#1129'" in found["BK108"].message


def test_fix_removes_padding_and_invisible_characters_and_its_output_validates_clean(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text(" ActionId\u200b,OrderId,ActionTrackerId\u00a0,Amount,Reason\n"
                      ",\u200bORD-1001 ,2240\u00a0,10.00,ORDER_UPDATE\n"
                      "1000.4636.158133\ufeff,,,12.00,ORDER_UPDATE\n"
                      ",ORD\u2060-1002,2240,13.00,ORDER_UPDATE\n", encoding="utf-8")
    before = {c for _, _, c in _codes(source, "order-modification")}
    assert {"BK018", "BK108"} <= before
    result = fix_file(source, load_config(None, cwd=tmp_path))
    out = tmp_path / "out.csv"
    out.write_bytes(result.data)
    assert out.read_text().splitlines() == ["ActionId,OrderId,ActionTrackerId,Amount,Reason",
                                            ",ORD-1001,2240,10.00,ORDER_UPDATE", "1000.4636.158133,,,12.00,ORDER_UPDATE",
                                            ",ORD-1002,2240,13.00,ORDER_UPDATE"]
    assert _codes(out, "order-modification") == []


def test_fix_keeps_an_id_that_is_only_invisible_for_a_person(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("OrderId,ActionTrackerId,Amount,Reason\n\u00a0,2240,10.00,ORDER_UPDATE\n", encoding="utf-8")
    result = fix_file(source, load_config(None, cwd=tmp_path))
    assert not [c for c in result.changes if "invisible" in c.kind]  # an empty id stays BK103's, not emptied


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Sandbox, ApiSettings]]:
    state = tmp_path_factory.mktemp("preflight-ids")
    with Sandbox(account_sid=SID, auth_token=TOKEN, campaign_id=CAMPAIGN) as sb:
        settings = replace(make_settings(sb.url, state), max_age=86_400.0)
        sync_actions(settings)
        yield sb, settings


def _preflight(tmp_path: Path, csv: str, kind: str, settings: ApiSettings) -> list:
    path = tmp_path / "case.csv"
    path.write_text(csv, encoding="utf-8")
    report, _ = preflight_paths([str(path)], load_config(None, cwd=tmp_path), settings, kind=kind, max_samples=0)
    return [f for fr in report.files for f in fr.findings()]


def test_preflight_says_when_a_zero_padded_order_id_exists(synced: tuple[Sandbox, ApiSettings], tmp_path: Path) -> None:
    found = _preflight(tmp_path, "ActionId,OrderId,ActionTrackerId,Amount,Reason\n,4417,2240,0,ITEM_RETURNED\n"
                                 ",9999,2240,0,ITEM_RETURNED\n,PF-NOSUCH,2240,0,ITEM_RETURNED\n", "order-reversal", synced[1])
    missing = {f.row: f for f in found if f.code == "BK701"}
    assert set(missing) == {2, 3, 4}
    assert "0004417 exists: leading zeros lost?" in missing[2].message
    assert "leading zeros" not in missing[3].message
    assert "leading zeros" not in missing[4].message  # an id of letters is no padded number of another


def test_preflight_says_when_an_unpadded_action_id_exists(synced: tuple[Sandbox, ApiSettings], tmp_path: Path) -> None:
    found = _preflight(tmp_path, "ActionId,Amount,Reason\n1000.4636.0158201,84.50,ORDER_UPDATE\n",
                       "order-modification", synced[1])
    missing = [f for f in found if f.code == "BK701"]
    assert len(missing) == 1 and "1000.4636.158201 exists: leading zeros lost?" in missing[0].message


def test_preflight_finds_the_action_of_a_padded_order_id(synced: tuple[Sandbox, ApiSettings], tmp_path: Path) -> None:
    found = _preflight(tmp_path, "ActionId,OrderId,ActionTrackerId,Amount,Reason\n,\u00a00004417\u200b,2240,0,ITEM_RETURNED\n",
                       "order-reversal", synced[1])
    codes = {f.code for f in found}
    assert "BK701" not in codes and "BK108" in codes
