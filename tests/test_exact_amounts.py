"""Amounts from JSON in every form (1e2, 0e2, -0, 1E+400, 0.30000000000000004) through one parser
(core.money.parse_money, also behind api.answers.money), and preflight's findings on a row never depending on
another row's amount: a mirror synced from the sandbox (a real socket), with hostile actions stored in it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest
from conftest_api import CAMPAIGN, SID, TOKEN, make_settings

from batchkit.api.actions import sync_actions
from batchkit.api.answers import money, parse_json
from batchkit.api.settings import ApiSettings
from batchkit.core.config import load_config
from batchkit.core.money import parse_money
from batchkit.preflight import preflight_paths
from batchkit.preflight.emit import above, is_zero, out_of_range
from batchkit.sandbox import Sandbox
from batchkit.state.mirror import Mirror, mirror_path


@pytest.mark.parametrize("text, exact, shown", [
    ("1e2", Decimal(100), "100"), ("0e2", Decimal(0), "0"), ("-0", Decimal(0), "0"), ("1E+2", Decimal(100), "100"),
    ("1E+400", Decimal(10) ** 400, "1" + "0" * 400), ("0.30000000000000004", Decimal("0.30000000000000004"),
                                                      "0.30000000000000004"),
    ("21.99", Decimal("21.99"), "21.99"), ("+5", Decimal(5), "5"), ("-1E-2", Decimal("-0.01"), "-0.01"),
])
def test_every_json_number_form_is_one_exact_plain_amount(text: str, exact: Decimal, shown: str) -> None:
    assert parse_money(text) == exact and str(parse_money(text)) == shown
    if not text.startswith("+"):  # JSON has no leading +
        read = parse_json(f'{{"Amount": {text}}}'.encode(), "test")["Amount"]  # as the API's JSON carries it
        assert money(read) == exact and str(money(read)) == shown
    assert str(money(text)) == shown  # the same amount sent as a string


@pytest.mark.parametrize("text", ["", "1,000", "NaN", "Infinity", "1_000", "\u0661\u0662", "0x10", "1e", "e2",
                                  "1e-999999999", "1e999999999"])
def test_what_is_not_an_amount_is_none_never_an_error(text: str) -> None:
    assert parse_money(text) is None and money(text) is None


def test_the_fast_path_and_the_exact_reading_agree_on_every_row() -> None:
    """A row's answer is the same whether or not another row of the column is out of Arrow's reach."""
    rows = ["0", "0e2", "-0", "0.00", "1E+2", "100", "+5", ".5", "5.", "0.000000001e-9999", "abc", ""]
    hostile = ["1E+400", "0.30000000000000004", "9" * 40, "1e-9999999"]  # the last one crashed Arrow's cast
    alone = pa.array(rows, type=pa.large_string())
    zero, bigger = is_zero(alone), above(alone, pa.array(["99.99"] * len(rows), type=pa.large_string()))
    for other in hostile:
        mixed = pa.array(rows + [other], type=pa.large_string())
        assert is_zero(mixed)[:-1].tolist() == zero.tolist()
        assert above(mixed, pa.array(["99.99"] * (len(rows) + 1), type=pa.large_string()))[:-1].tolist() == \
            bigger.tolist()
    assert zero.tolist() == [True, True, True, True, False, False, False, False, False, False, False, False]
    assert bigger.tolist()[4:7] == [True, True, False]
    assert out_of_range(pa.array(["999999.99", "1000000", "1E+400", "0.30000000000000004", "x", ""],
                                 type=pa.large_string())).tolist() == [False, True, True, False, True, False]


LATER = "2099-01-01T00:00:00Z"
HOSTILE = {  # actions the API could send: the amounts as the mirror keeps JSON numbers' text today
    "1000.4636.990001": "0E+2", "1000.4636.990002": "1E+2", "1000.4636.990003": "1E+400",
    "1000.4636.990004": "0.30000000000000004", "1000.4636.990005": "0",
}


def _action(action_id: str, amount: str) -> dict[str, str]:
    return {"Id": action_id, "CampaignId": CAMPAIGN, "ActionTrackerId": "2240", "State": "PENDING", "Amount": amount,
            "Currency": "USD", "Oid": f"EXACT-{action_id[-3:]}", "CreationDate": "2026-11-01T00:00:00Z",
            "EventDate": "2026-11-01T00:00:00Z", "LockingDate": LATER}


@pytest.fixture(scope="module")
def mirrored(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiSettings]:
    """The sandbox's seed synced once, then the hostile actions (and one's items) stored beside it."""
    state = tmp_path_factory.mktemp("exact")
    with Sandbox(account_sid=SID, auth_token=TOKEN, campaign_id=CAMPAIGN) as sb:
        settings = replace(make_settings(sb.url, state), max_age=86_400.0)
        sync_actions(settings)
    now = datetime.now(UTC)
    with Mirror(mirror_path(settings.state_dir, SID, CAMPAIGN)) as mirror:
        mirror.store([_action(i, a) for i, a in HOSTILE.items()], now)
        mirror.store_items("1000.4636.990005", [{"Sku": "SKU-OK", "Quantity": "2", "SaleAmount": "1E+2"},
                                                {"Sku": "SKU-HUGE", "Quantity": "1", "SaleAmount": "1E+400"}], now)
    yield settings


def _findings(tmp_path: Path, settings: ApiSettings, kind: str, header: str, rows: list[str]) -> set[tuple]:
    path = tmp_path / f"{kind}-{len(rows)}.csv"
    path.write_text(header + "\n" + "".join(r + "\n" for r in rows))
    report, _ = preflight_paths([str(path)], load_config(None, cwd=tmp_path), settings, kind=kind, max_samples=0,
                                offline=True)
    return {(f.row, f.column, f.code) for fr in report.files for f in fr.findings() if f.code >= "BK700"}


def _of_row(found: set[tuple], row: int) -> set[tuple]:
    return {f for f in found if f[0] == row}


@pytest.mark.parametrize("other", ["1000.4636.990003", "1000.4636.990004"])
def test_bk704_on_a_row_is_the_same_with_and_without_another_rows_hostile_amount(mirrored: ApiSettings,
                                                                                 tmp_path: Path, other: str) -> None:
    header, row = "ActionId,Amount,Reason", "1000.4636.990001,0,ITEM_RETURNED"  # mirrored 0E+2: a zero action
    alone = _findings(tmp_path, mirrored, "order-reversal", header, [row])
    assert alone == {(2, "Amount", "BK704")}
    both = _findings(tmp_path, mirrored, "order-reversal", header, [row, f"{other},0,ITEM_RETURNED"])
    assert _of_row(both, 2) == alone
    expected = {(3, "Amount", "BK711")} if other.endswith("3") else set()  # 1E+400: said, never silently skipped
    assert _of_row(both, 3) == expected


@pytest.mark.parametrize("other", ["1000.4636.990003", "1000.4636.990004"])
def test_bk707_on_a_row_is_the_same_with_and_without_another_rows_hostile_amount(mirrored: ApiSettings,
                                                                                 tmp_path: Path, other: str) -> None:
    header = "ActionId,OrderId,ActionTrackerId,Amount,CurrencyCode,CustomerStatus,Reason"
    row = "1000.4636.990002,,,150.00,USD,,ITEM_RETURNED"  # mirrored 1E+2: 150 raises it
    alone = _findings(tmp_path, mirrored, "order-modification", header, [row])
    assert alone == {(2, "Amount", "BK707")}
    both = _findings(tmp_path, mirrored, "order-modification", header, [row, f"{other},,,0.31,USD,,ITEM_RETURNED"])
    assert _of_row(both, 2) == alone
    # 0.31 is above 0.30000000000000004, compared exactly; 1E+400 is no amount impact.com holds: BK711
    assert _of_row(both, 3) == ({(3, "Amount", "BK711")} if other.endswith("3") else {(3, "Amount", "BK707")})


def test_an_items_sale_amount_out_of_range_is_said_and_the_others_still_judged(mirrored: ApiSettings,
                                                                               tmp_path: Path) -> None:
    header = "ActionId,OrderId,ActionTrackerId,Sku,Amount,Quantity,Category,Reason"
    rows = ["1000.4636.990005,,,SKU-OK,150.00,1,Hats,ITEM_RETURNED",
            "1000.4636.990005,,,SKU-HUGE,10.00,1,Hats,ITEM_RETURNED"]
    found = _findings(tmp_path, mirrored, "item-modification", header, rows)
    assert (2, "Amount", "BK707") in found and (3, "Amount", "BK711") in found
    assert _findings(tmp_path, mirrored, "item-modification", header, rows[:1]) == _of_row(found, 2)


def test_a_json_number_is_mirrored_as_a_plain_decimal(tmp_path: Path) -> None:
    with Sandbox(account_sid=SID, auth_token=TOKEN, campaign_id=CAMPAIGN) as sb:
        settings = make_settings(sb.url, tmp_path)
        sb.faults.raw_number("Amount", "1e2", path_contains="Actions")
        sync_actions(settings)
    with Mirror(mirror_path(settings.state_dir, SID, CAMPAIGN)) as mirror:
        rows = mirror.db.execute("SELECT Amount FROM actions").fetchall()
    assert rows and {r[0] for r in rows} == {"100"}

