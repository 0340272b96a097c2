"""`batchkit inquiries match`: every decision rule and their order, for each preset (shopify, returns, orders),
against a mirror synced from the sandbox or stored directly, and without one; the resolution CSV; the CLI."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from conftest_api import CAMPAIGN, SID, TOKEN, api_env, make_settings

from batchkit.api.actions import open_mirror, sync_actions
from batchkit.state.mirror import Mirror
from batchkit.cli.main import main
from batchkit.core.config import load_config
from batchkit.core.errors import ConfigError, InputError
from batchkit.core.inquiry import (
    INCOMPLETE_INFO,
    NOT_COMPLETED,
    RESOLUTION_COLUMNS,
    TRACKED,
    UNTRACEABLE,
)
from batchkit.inquiries.match import Decision, Proposal, decide, summarize
from batchkit.inquiries.orders import read_orders
from batchkit.inquiries.proposals import resolution_csv
from batchkit.inquiries.read import Inquiry, read_inquiries
from batchkit.inquiries.settings import InquirySettings, load_inquiry_settings
from batchkit.sandbox import Sandbox

TODAY = date(2026, 1, 10)

SHOPIFY = """\
Name,Email,Financial Status,Paid at,Currency,Subtotal,Shipping,Taxes,Total,Created at,Lineitem quantity,Lineitem name,Cancelled at,Refunded Amount,Id
#1041,a@example.invalid,paid,2025-12-01 10:15:00 +0000,USD,120.00,5.00,9.60,134.60,2025-12-01 10:14:02 +0000,1,Trail Shoe,,0.00,5001
#1042,b@example.invalid,refunded,2025-12-02 10:15:00 +0000,USD,59.97,0.00,4.80,64.77,2025-12-02 10:14:02 +0000,3,Socks,,64.77,5002
#1044,c@example.invalid,voided,,USD,45.00,0.00,0.00,45.00,2025-12-04 09:00:00 +0000,1,Cap,,0.00,5004
#1060,d@example.invalid,paid,2025-12-06 11:00:00 +0600,BDT,1500.00,0.00,0.00,1500.00,2025-12-06 10:59:00 +0600,1,Kurta,,0.00,5006
#1050,e@example.invalid,partially_refunded,2025-12-08 10:00:00 +0000,USD,100.00,10.00,0.00,110.00,2025-12-08 09:58:00 +0000,1,Jacket,,22.00,5010
#1051,f@example.invalid,paid,2025-12-09 10:00:00 +0000,USD,30.00,0.00,0.00,30.00,2025-12-09 09:58:00 +0000,1,Belt,2025-12-10 08:00:00 +0000,0.00,5011
#1052,g@example.invalid,paid,,EUR,40.00,0.00,0.00,40.00,,1,Scarf,,0.00,5012
#1052,g@example.invalid,,,,,,,,,2,Gloves,,,
"""

HEADER = "Id,CampaignId,MediaPartnerId,OrderId,TransactionDate,TransactionAmount,InquiryType,ResolutionDeadlineDate," \
         "Comments,ResolutionStatus\n"


def _inquiries(tmp_path: Path, rows: list[str], name: str = "inquiries.csv", header: str = HEADER) -> Path:
    path = tmp_path / name
    path.write_text(header + "".join(r + "\n" for r in rows))
    return path


def _config(tmp_path: Path, text: str = "") -> Path:
    path = tmp_path / "batchkit.toml"
    path.write_text('[build]\naction_tracker_id = 2240\n\n[inquiries]\namount_tolerance = "1.00"\n' + text)
    return path


def _export(tmp_path: Path, text: str, name: str = "export.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, object]]:
    """The sandbox's seed synced once into a mirror (#1041 .. #1047 are tracked there, #1060 is not)."""
    state = tmp_path_factory.mktemp("inquiries")
    with Sandbox(account_sid=SID, auth_token=TOKEN, campaign_id=CAMPAIGN) as sb:
        settings = replace(make_settings(sb.url, state), max_age=86_400.0)
        sync_actions(settings)
        yield state, settings


@pytest.fixture
def mirror(synced: tuple[Path, object]) -> Iterator[Mirror]:
    with open_mirror(synced[1], create=False) as opened:
        yield opened


def _decide(tmp_path: Path, rows: list[str], export: str, preset: str, mirror: Mirror | None,
            extra: str = "") -> dict[str, Decision]:
    config = load_config(_config(tmp_path, extra))
    settings = load_inquiry_settings(config)
    book = read_orders(_export(tmp_path, export), preset, config, settings=settings)
    found = decide(read_inquiries(_inquiries(tmp_path, rows)), book, mirror, settings, TODAY)
    return {d.inquiry.id: d for d in found}


def _status(d: Decision) -> tuple[str, str]:
    return d.proposal.status, d.proposal.reason


# ------------------------------------------------------------------ shopify, against the sandbox's mirror


SHOPIFY_ROWS = [
    "1,4636,12345,,2025-12-01,10.00,UNTRACKED,2026-01-12,no order id,UNRESOLVED",
    "2,4636,12345,n/a,2025-12-01,10.00,UNTRACKED,2026-02-01,,UNRESOLVED",
    "3,4636,12345,#9999,2025-12-01,10.00,UNTRACKED,,,UNRESOLVED",
    "4,4636,12345,PF-LOCKED,2025-12-01,75.00,UNTRACKED,,,UNRESOLVED",  # mirrored, not in the export: untraceable
    "5,4636,12345,#1042,2025-12-02,59.97,UNTRACKED,,,",
    "6,4636,12345,#1044,2025-12-04,45.00,UNTRACKED,,,UNRESOLVED",  # voided and mirrored: not completed first
    "7,4636,12345,#1051,2025-12-09,30.00,UNTRACKED,,,UNRESOLVED",
    "8,4636,12345,#1041,2025-12-01,120.00,UNTRACKED,,,UNRESOLVED",
    "9,4636,12345,1060,2025-12-06,1700.00,UNTRACKED,2026-01-11,,UNRESOLVED",  # the Name without its '#'
    "10,4636,12345, #1050 ,2025-12-08,100.00,UNTRACKED,,,UNRESOLVED",
    "11,4636,12345,#1052,,40.00,UNTRACKED,,,UNRESOLVED",
    "12,4636,12345,#1060,2025-12-06,1500.00,UNTRACKED,,,VALID",
    "13,4636,12345,#1060,2025-12-06,1500.00,UNTRACKED,,,DECLINED",
]


def test_shopify_every_rule_in_order_against_the_synced_mirror(tmp_path: Path, mirror: Mirror) -> None:
    got = _decide(tmp_path, SHOPIFY_ROWS, SHOPIFY, "shopify", mirror)
    assert {k: _status(d) for k, d in got.items()} == {
        "1": ("INCOMPLETE", INCOMPLETE_INFO), "2": ("INCOMPLETE", INCOMPLETE_INFO),
        "3": ("DECLINED", UNTRACEABLE), "4": ("DECLINED", UNTRACEABLE),
        "5": ("DECLINED", NOT_COMPLETED), "6": ("DECLINED", NOT_COMPLETED), "7": ("DECLINED", NOT_COMPLETED),
        "8": ("DECLINED", TRACKED), "9": ("VALID", ""), "10": ("VALID", ""), "11": ("VALID", "")}
    assert "12" not in got and "13" not in got  # already resolved: never proposed
    assert got["8"].action_id == "1000.4636.161041" and "ActionId 1000.4636.161041" in got["8"].proposal.notes
    assert got["6"].actions == () and got["6"].order is not None and got["6"].order.cancelled


def test_shopify_valid_proposals_carry_the_brands_date_amount_and_tracker(tmp_path: Path, mirror: Mirror) -> None:
    got = _decide(tmp_path, SHOPIFY_ROWS, SHOPIFY, "shopify", mirror)
    bdt, partial = got["9"].proposal, got["10"].proposal
    assert (bdt.action_tracker, bdt.transaction_date, bdt.sale_amount) == ("2240", "2025-12-06", "1500.00")
    assert "partner claimed 1700.00, our records say 1500.00 BDT (beyond the tolerance of 1.00)" in \
        got["9"].review_notes
    assert partial.sale_amount == "80.00"  # 100.00 x (110.00 - 22.00) / 110.00: the amount kept, as build has it
    assert got["10"].order is not None and got["10"].order.order_id == "#1050"  # trimmed
    assert any("partially refunded: 80.00 USD kept of 100.00" in n for n in got["10"].review_notes)
    assert "partner claimed 100.00, our records say 80.00 USD (beyond the tolerance of 1.00)" in got["10"].review_notes
    assert got["11"].proposal.transaction_date == "" and any("fill Transaction Date" in n
                                                             for n in got["11"].review_notes)


def test_the_partners_amount_within_the_tolerance_is_not_noted(tmp_path: Path, mirror: Mirror) -> None:
    rows = ["20,4636,1,#1060,2025-12-06,1500.99,UNTRACKED,,,UNRESOLVED",
            "21,4636,1,#1060,2025-12-06,1501.01,UNTRACKED,,,UNRESOLVED"]
    got = _decide(tmp_path, rows, SHOPIFY, "shopify", mirror)
    assert not any("partner claimed" in n for n in got["20"].review_notes)
    assert any("partner claimed 1501.01" in n for n in got["21"].review_notes)


def test_deadlines_within_deadline_days_are_urgent(tmp_path: Path, mirror: Mirror) -> None:
    got = _decide(tmp_path, SHOPIFY_ROWS, SHOPIFY, "shopify", mirror)
    assert (got["1"].deadline, got["1"].days_left, got["1"].urgent) == ("2026-01-12", 2, True)
    assert (got["2"].days_left, got["2"].urgent) == (22, False)
    assert got["9"].urgent and not got["3"].urgent  # no deadline: nothing to highlight
    later = _decide(tmp_path, SHOPIFY_ROWS, SHOPIFY, "shopify", mirror, "deadline_days = 1\n")
    assert not later["1"].urgent and later["9"].urgent


def test_incorrect_inquiries_on_a_tracked_order_ask_the_reviewer_to_compare(tmp_path: Path, mirror: Mirror) -> None:
    got = _decide(tmp_path, ["30,4636,1,#1041,2025-12-01,150.00,INCORRECT,,,UNRESOLVED"], SHOPIFY, "shopify", mirror)
    assert _status(got["30"]) == ("DECLINED", TRACKED)
    assert any("INCORRECT" in n and "120.00" in n for n in got["30"].review_notes)


# ------------------------------------------------------------------ without a mirror


def test_without_a_mirror_the_tracked_rule_is_said_not_applied(tmp_path: Path) -> None:
    config = load_config(_config(tmp_path))
    book = read_orders(_export(tmp_path, SHOPIFY), "shopify", config)
    found = read_inquiries(_inquiries(tmp_path, SHOPIFY_ROWS))
    got = {d.inquiry.id: d for d in decide(found, book, None, load_inquiry_settings(config), TODAY)}
    assert _status(got["8"]) == ("VALID", "")  # #1041 is tracked, but nothing says so here
    assert any(n.startswith("not checked for an existing action") for n in got["8"].review_notes)
    assert not any("not checked" in n for n in got["5"].review_notes)  # declined anyway: nothing to check
    summary = summarize(found, list(got.values()), book, "no mirror of the account's actions (none synced)")
    assert any("already tracked\" was not checked" in w for w in summary.warnings)
    assert summary.line().startswith("13 inquiries, 11 unresolved: 4 VALID, 5 DECLINED (")


# ------------------------------------------------------------------ returns


RETURNS = """\
Order Number,Action ID,Line SKU,Category,Qty Ordered,Unit Price,Qty Returned,Return Reason,Currency,Customer Status,Order Date
R-0001,,SKU-1,Shoes,1,89.90,1,Changed mind,USD,NEW,2025-11-30
R-0001,,SKU-2,Socks,2,4.50,2,Changed mind,USD,NEW,2025-11-30
R-0002,,SKU-3,Shirts,3,19.99,1,Wrong size,USD,EXISTING,2025-12-01
R-0002,,SKU-4,Belts,1,25.00,0,,USD,EXISTING,2025-12-01
R-0003,,SKU-5,Hats,2,15.00,0,,EUR,NEW,2025-12-02
"""


def _stored_mirror(tmp_path: Path, oids: dict[str, str]) -> Mirror:
    mirror = Mirror(tmp_path / "m.sqlite3")
    mirror.store([{"Id": action_id, "CampaignId": "4636", "Oid": oid, "ActionTrackerId": "2240", "State": "APPROVED",
                   "CreationDate": "2025-12-03T10:00:00Z"} for action_id, oid in oids.items()], datetime.now(UTC))
    return mirror


def test_returns_preset_decides_from_the_lines(tmp_path: Path) -> None:
    rows = ["1,4636,1,R-0001,2025-11-30,98.90,UNTRACKED,,,UNRESOLVED",
            "2,4636,1,R-0002,2025-12-01,84.97,UNTRACKED,,,UNRESOLVED",
            "3,4636,1,R-0003,2025-12-02,30.00,UNTRACKED,,,UNRESOLVED",
            "4,4636,1,R-0004,2025-12-02,30.00,UNTRACKED,,,UNRESOLVED"]
    with _stored_mirror(tmp_path, {"1000.1.3": "R-0003"}) as mirror:
        got = _decide(tmp_path, rows, RETURNS, "returns", mirror, '[inquiries.columns]\ndate = "Order Date"\n')
    assert {k: _status(d) for k, d in got.items()} == {
        "1": ("DECLINED", NOT_COMPLETED), "2": ("VALID", ""), "3": ("DECLINED", TRACKED), "4": ("DECLINED", UNTRACEABLE)}
    assert got["2"].proposal.sale_amount == "64.98"  # 2 x 19.99 + 25.00 kept of 84.97
    assert got["2"].proposal.transaction_date == "2025-12-01" and got["2"].order.status == "partially returned"
    assert got["1"].proposal.notes == "Order R-0001 was returned"
    assert got["3"].action_id == "1000.1.3"


def test_returns_without_a_date_column_proposes_the_partners_date(tmp_path: Path) -> None:
    got = _decide(tmp_path, ["2,4636,1,R-0002,2025-12-01T00:00:00-08:00,64.98,UNTRACKED,,,"], RETURNS, "returns",
                  None)
    assert got["2"].proposal.transaction_date == "2025-12-01"
    assert any("the export gives no date for order R-0002: the partner's 2025-12-01 proposed" in n
               for n in got["2"].review_notes)


# ------------------------------------------------------------------ the generic orders preset


ORDERS = """\
Order,Date,Net,Cur,State,Cancelled,Refunded
A1,2025-12-01,100.00,USD,complete,,
A2,2025-12-02,50.00,USD,Cancelled,,
A3,2025-12-03,70.00,USD,complete,,70.00
A4,2025/12/04,100.00,EUR,complete,no,30.00
A5,2025-12-05,20.00,USD,complete,yes,
A6,2025-12-06,10.00,JPY,complete,,
A6,2025-12-06,15.00,JPY,complete,,
"""
MAPPING = '[inquiries.columns]\norder_id = "Order"\ndate = "Date"\namount = "Net"\ncurrency = "Cur"\n' \
          'status = "State"\ncancelled = "Cancelled"\nrefunded = "Refunded"\n'


def test_orders_preset_mapped_by_inquiries_columns(tmp_path: Path) -> None:
    rows = [f"{i},4636,1,A{i},,,UNTRACKED,,,UNRESOLVED" for i in range(1, 7)] + ["7,4636,1,#A1,,,UNTRACKED,,,"]
    with _stored_mirror(tmp_path, {"1000.1.9": "A9"}) as mirror:
        got = _decide(tmp_path, rows, ORDERS, "orders", mirror, MAPPING)
    assert {k: d.proposal.status for k, d in got.items()} == {
        "1": "VALID", "2": "DECLINED", "3": "DECLINED", "4": "VALID", "5": "DECLINED", "6": "VALID",
        "7": "DECLINED"}  # 7 claims A1 too: one order is credited once (rule 6)
    assert {got[k].proposal.reason for k in ("2", "3", "5")} == {NOT_COMPLETED}
    assert got["4"].proposal.sale_amount == "70.00" and got["4"].proposal.transaction_date == "2025-12-04"
    assert got["6"].proposal.sale_amount == "25"  # two rows of one order, added; JPY has no decimals
    assert got["7"].order is not None and got["7"].order.order_id == "A1"  # a typed '#' dropped


def test_orders_preset_names_the_missing_mapping(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"map amount \(e\.g\. amount = "):
        _decide(tmp_path, [], ORDERS, "orders", None, '[inquiries.columns]\norder_id = "Order"\n')
    with pytest.raises(ConfigError, match=r"'Total' \(amount\) missing"):
        _decide(tmp_path, [], ORDERS, "orders", None, '[inquiries.columns]\norder_id = "Order"\namount = "Total"\n')
    with pytest.raises(ConfigError, match="unknown key 'sku' in \\[inquiries.columns\\]"):
        _decide(tmp_path, [], ORDERS, "orders", None, '[inquiries.columns]\nsku = "Order"\n')


def test_an_unreadable_amount_is_a_problem_and_a_note_not_a_crash(tmp_path: Path) -> None:
    export = ORDERS.replace("A1,2025-12-01,100.00", "A1,2025-12-01,1OO.00")
    config = load_config(_config(tmp_path, MAPPING))
    book = read_orders(_export(tmp_path, export), "orders", config)
    assert book.orders["A1"].amount is None and any("row 2" in p for p in book.problems)
    got = decide(read_inquiries(_inquiries(tmp_path, ["1,4636,1,A1,,,UNTRACKED,,,"])), book, None,
                 load_inquiry_settings(config), TODAY)
    assert got[0].proposal.sale_amount == "" and any("cannot be read" in n for n in got[0].review_notes)


def test_shopify_export_missing_columns_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a Shopify orders export: column\\(s\\) 'Financial Status'"):
        read_orders(_export(tmp_path, "Name,Total\n#1,10\n"), "shopify", load_config(_config(tmp_path)))


# ------------------------------------------------------------------ the web app's export as input


def test_the_web_apps_spaced_header_export_is_read(tmp_path: Path, mirror: Mirror) -> None:
    header = "Action Inquiry Id,Campaign,Order Id,Transaction Date,Transaction Amount,Inquiry Type," \
             "Resolution Deadline Date,Resolution Status\n"
    path = _inquiries(tmp_path, ["501,4636,#1060,2025-12-06,1500.00,UNTRACKED,2026-01-30,UNRESOLVED",
                                 "502,4636,#1041,2025-12-01,120.00,UNTRACKED,2026-01-30,Unresolved",
                                 "503,4636,#1042,2025-12-01,120.00,UNTRACKED,2026-01-30,Declined"],
                      "webapp.csv", header)
    config = load_config(_config(tmp_path))
    book = read_orders(_export(tmp_path, SHOPIFY), "shopify", config)
    got = decide(read_inquiries(path), book, mirror, load_inquiry_settings(config), TODAY)
    assert [(d.inquiry.id, d.proposal.status, d.proposal.reason) for d in got] == [
        ("501", "VALID", ""), ("502", "DECLINED", TRACKED)]


# ------------------------------------------------------------------ the resolution CSV


def test_the_resolution_csv_header_and_format(tmp_path: Path, mirror: Mirror) -> None:
    got = _decide(tmp_path, SHOPIFY_ROWS, SHOPIFY, "shopify", mirror)
    text = resolution_csv(list(got.values()))
    assert text.split("\n")[0] == ",".join(RESOLUTION_COLUMNS) and "\r" not in text and text.endswith("\n")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["Id"] for r in rows] == [str(i) for i in range(1, 12)]
    declined = next(r for r in rows if r["Id"] == "5")
    assert declined["Resolution Reason"] == NOT_COMPLETED and declined["Transaction Date"] == ""
    assert '"Transaction not completed - Order cancelled, changed, or returned"' in text  # its comma quoted
    assert not any(cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r.values())


def test_a_cell_that_would_be_a_formula_is_refused_never_written(tmp_path: Path) -> None:
    inquiry = Inquiry({"Id": "77", "OrderId": "X"}, 2)
    with pytest.raises(InputError, match="Resolution Notes '=HYPERLINK' would be read as a formula"):
        resolution_csv([Decision(inquiry, Proposal("DECLINED", UNTRACEABLE, notes="=HYPERLINK"))])
    found = read_inquiries(_inquiries(tmp_path, ["=1+2,4636,1,#1041,,,UNTRACKED,,,", "-5,4636,1,#1041,,,,,,"]))
    book = read_orders(_export(tmp_path, SHOPIFY), "shopify", load_config(_config(tmp_path)))
    assert decide(found, book, None, InquirySettings(), TODAY) == []
    summary = summarize(found, [], book)
    assert summary.not_proposed == {"with an Id a spreadsheet would read as a formula": 2}


def test_settings_are_checked_with_one_line(tmp_path: Path) -> None:
    for text, message in (('amount_tolerance = "-1"\n', "amount_tolerance must be an amount >= 0"),
                          ("deadline_days = -2\n", "deadline_days must be a whole number"),
                          ('action_tracker_id = "x1"\n', "action_tracker_id must be a positive whole number")):
        path = tmp_path / "bad.toml"
        path.write_text("[inquiries]\n" + text)
        with pytest.raises(ConfigError, match=message):
            load_inquiry_settings(load_config(path))
    path = tmp_path / "ok.toml"
    path.write_text('[build]\naction_tracker_id = 2240\n[inquiries]\namount_tolerance = 0.5\n')
    settings = load_inquiry_settings(load_config(path))
    assert (settings.action_tracker_id, settings.amount_tolerance, settings.deadline_days) == ("2240", Decimal("0.5"), 3)


# ------------------------------------------------------------------ the command line


def _cli(runner, tmp_path: Path, env: dict[str, str], *extra: str):
    args = ["inquiries", "match", str(_inquiries(tmp_path, SHOPIFY_ROWS)), "--orders", str(_export(tmp_path, SHOPIFY)),
            "--preset", "shopify", "--config", str(_config(tmp_path)), "-o", str(tmp_path / "res.csv"), *extra]
    return runner.invoke(main, args, env=env)


def _due_today() -> int:
    """SHOPIFY_ROWS' proposed inquiries due within 3 days of the real today (the CLI's)."""
    return sum((date.fromisoformat(d) - date.today()).days <= 3 for d in ("2026-01-12", "2026-02-01", "2026-01-11"))


def test_cli_match_against_the_sandbox_mirror(runner, tmp_path: Path, synced: tuple[Path, object]) -> None:
    env = api_env("http://127.0.0.1:9", synced[0])  # the mirror is read, the API never asked
    result = _cli(runner, tmp_path, env)
    assert result.exit_code == 0, result.output
    assert result.stderr.strip().splitlines()[-1] == (
        f"13 inquiries, 11 unresolved: 3 VALID, 6 DECLINED (3 {NOT_COMPLETED}, 2 {UNTRACEABLE}, 1 {TRACKED}), "
        f"2 INCOMPLETE; 3 with notes for the reviewer; {_due_today()} due within the deadline days")
    rows = list(csv.DictReader((tmp_path / "res.csv").open(newline="")))
    assert next(r for r in rows if r["Id"] == "8")["Resolution Notes"].startswith("ActionId 1000.4636.161041")
    again = _cli(runner, tmp_path, env)
    assert again.exit_code == 2 and "already exists (use --force to overwrite)" in again.stderr
    assert _cli(runner, tmp_path, env, "--force").exit_code == 0


def test_cli_without_a_mirror_warns_and_still_writes(runner, tmp_path: Path) -> None:
    env = {"IMPACT_ACCOUNT_SID": "", "BATCHKIT_STATE_DIR": str(tmp_path / "empty-state"), "BATCHKIT_CAMPAIGN_ID": "1"}
    result = _cli(runner, tmp_path, {**env, "IMPACT_ACCOUNT_SID": SID})
    assert result.exit_code == 0, result.output
    assert "warning: no mirror of the account's actions (no mirror at" in result.stderr
    assert "\"already tracked\" was not checked" in result.stderr
    assert "4 VALID" in result.stderr.splitlines()[-1] and (tmp_path / "res.csv").is_file()


def test_cli_bad_inputs_are_one_line_and_exit_2(runner, tmp_path: Path) -> None:
    result = _cli(runner, tmp_path, {}, "--review", str(tmp_path / "review.csv"))
    assert result.exit_code == 2 and "give a file name ending in .xlsx" in result.stderr
    (tmp_path / "empty.csv").write_text("")
    args = ["inquiries", "match", str(tmp_path / "empty.csv"), "--orders", str(_export(tmp_path, SHOPIFY)),
            "--preset", "shopify", "--config", str(_config(tmp_path)), "-o", str(tmp_path / "r.csv")]
    result = runner.invoke(main, args, env={"IMPACT_ACCOUNT_SID": ""})
    assert result.exit_code == 2 and result.stderr.startswith("batchkit: error:") and "Traceback" not in result.output
    args[2] = str(tmp_path / "nothing.csv")
    assert runner.invoke(main, args).exit_code == 2
    assert not (tmp_path / "r.csv").exists()


def test_today_defaults_and_deadline_past_is_urgent(tmp_path: Path) -> None:
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    config = load_config(_config(tmp_path))
    book = read_orders(_export(tmp_path, SHOPIFY), "shopify", config)
    found = read_inquiries(_inquiries(tmp_path, [f"1,4636,1,#1060,,,UNTRACKED,{yesterday},,"]))
    got = decide(found, book, None, load_inquiry_settings(config))
    assert got[0].days_left == -1 and got[0].urgent


def test_one_order_is_credited_once_when_several_partners_claim_it(tmp_path: Path, mirror: Mirror) -> None:
    from batchkit.core.inquiry import OTHER_CHANNEL

    rows = ["30,4636,1,#1060,2025-12-06,1700.00,UNTRACKED,,,UNRESOLVED",  # the amount differs from our records
            "31,4636,2,#1060,2025-12-06,1500.00,UNTRACKED,,,UNRESOLVED",  # the amount matches: this one is VALID
            "32,4636,3,#1060,2025-12-06,1500.00,UNTRACKED,,,UNRESOLVED"]
    got = _decide(tmp_path, rows, SHOPIFY, "shopify", mirror)
    assert {k: _status(d) for k, d in got.items()} == {"30": ("DECLINED", OTHER_CHANNEL), "31": ("VALID", ""),
                                                        "32": ("DECLINED", OTHER_CHANNEL)}
    assert any("also claimed by inquiry 30, 32" in n for n in got["31"].review_notes)
    assert any("also claimed by inquiry 31 (proposed VALID)" in n for n in got["30"].review_notes)
    single = _decide(tmp_path, rows[:1], SHOPIFY, "shopify", mirror)
    assert _status(single["30"]) == ("VALID", "")  # alone, a differing amount is a note, not a decline


def test_without_a_preset_the_exports_header_names_it_as_build_detects_it(tmp_path: Path, mirror: Mirror) -> None:
    from batchkit.inquiries.run import choose_preset

    config = load_config(_config(tmp_path, ""))
    assert choose_preset(None, config) is None  # no flag, no [build] preset, no [inquiries.columns]: the header
    detected = read_orders(_export(tmp_path, SHOPIFY), None, config, settings=load_inquiry_settings(config))
    named = read_orders(_export(tmp_path, SHOPIFY), "shopify", config, settings=load_inquiry_settings(config))
    assert detected.preset == "shopify" and detected.orders and detected.orders == named.orders
