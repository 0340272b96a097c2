"""batchkit results: the platform's verdict on delivered files and API records, through the sandbox's socket."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from conftest_api import SID, TOKEN, make_settings, sandbox  # noqa: F401 (fixture)

from batchkit.api.client import ApiClient
from batchkit.state.ledger import Ledger
from batchkit.delivery.records import sha256_file
from batchkit.core.change import action_change
from batchkit.state.journal import Origin
from batchkit.delivery.viaapi.destination import api_destination_url
from batchkit.verdicts.collect import Asking, collect
from batchkit.verdicts.place import (
    HEADER_COUNTED,
    HEADER_NOT_COUNTED,
    FileRecords,
    convention,
    place_all,
)
from batchkit.verdicts.reasons import explain, reasons

MODS = "ActionId,OrderId,ActionTrackerId,Amount,Reason\n"


def _asking(settings: Any, **kw: Any) -> Asking:
    return Asking(lambda: settings, **kw)


def _api_file(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "files" / "acme_order-modifications.csv"
    path.parent.mkdir(exist_ok=True)
    path.write_text(MODS + "".join(r + "\n" for r in rows))
    return path


def _deliver_by_api(sb: Any, tmp_path: Path, path: Path, forms: list[dict[str, str] | None]) -> tuple[Ledger, Any]:
    """Record an API delivery as deliver --to api does: a ledger row, then a book row per record, each PUT for
    real through the client (None: a record the API refused synchronously)."""
    settings = make_settings(sb.url, tmp_path)
    ledger, dest = Ledger(settings.state_dir), api_destination_url(settings)
    sha, size = sha256_file(path)
    did = ledger.begin(path.name, sha, size, dest)
    journal = ledger.journal
    with ApiClient(settings) as client:
        for i, form in enumerate(forms):
            sent = form or {"ActionId": f"1000.4636.{i}", "Reason": ""}
            origin = Origin(sha, path.name, i + 2, i + 2, str(path))
            entry = journal.sending(action_change(SID, "PUT", sent), "api", dest, "PUT", urlencode(sent), origin, did)
            if form is None:
                journal.settle(entry, "refused", status=400, reason="PUT /Actions: impact.com refused the request "
                                                                    "(400: Reason: required)")
                continue
            answer = client.read(client.send("PUT", "Actions", form, what="PUT /Actions"), "PUT /Actions")
            journal.settle(entry, "queued", queued_uri=answer["QueuedUri"])
    ledger.update(did, "delivered")
    return ledger, settings


def test_the_27_documented_reasons_are_data_and_unknown_ones_are_shown_as_given() -> None:
    assert len(reasons()) == 27 and {"ACTION_REF_NOT_FOUND", "NO_ITEM", "UNCLAIMED"} <= set(reasons())
    assert all(r.meaning and r.fix for r in reasons().values())
    assert "no item with this Sku" in explain("NO_ITEM")
    assert explain("ACTION_LOCKED") == "ACTION_LOCKED (not a reason impact.com documents: shown as given)"


def test_api_records_rejected_accepted_and_refused(sandbox, tmp_path: Path) -> None:  # noqa: F811
    path = _api_file(tmp_path, ["1000.4636.158201,,,84.50,ORDER_UPDATE", "9999.4636.000001,,,10.00,ORDER_UPDATE",
                                ",,,,"])
    forms = [{"ActionId": "1000.4636.158201", "Amount": "84.50", "Reason": "ORDER_UPDATE"},
             {"ActionId": "9999.4636.000001", "Amount": "10.00", "Reason": "ORDER_UPDATE"}, None]
    ledger, settings = _deliver_by_api(sandbox, tmp_path, path, forms)
    sandbox.settle()
    before = len(sandbox.requests)
    got = collect(ledger, _asking(settings), [path])
    assert len(sandbox.requests) - before == 2 == got.requests  # one GET per queued record
    (tally,) = got.tallies
    assert (tally.records, tally.accepted, tally.rejected, tally.pending) == (3, 1, 2, 0)
    (fr,) = got.report.files
    found = {f.row: f for f in fr.findings()}
    assert set(found) == {3, 4} and found[3].code == found[4].code == "BK801"
    assert "Validation ACTION_REF_NOT_FOUND" in found[3].message and "no action matches" in found[3].message
    assert found[3].column == "ActionId" and found[3].value == "9999.4636.000001"
    assert "refused the request" in found[4].message and "Reason: required" in found[4].message
    assert got.exit_code() == 1
    again = collect(ledger, _asking(settings), [path])  # every verdict is in the ledger: no request
    assert len(sandbox.requests) - before == 2 and again.requests == 0
    assert [f.message for f in again.report.files[0].findings()] == [f.message for f in fr.findings()]


def test_api_records_not_processed_yet_are_pending_then_waited_for(sandbox, tmp_path: Path) -> None:  # noqa: F811
    sandbox.submissions.process = sandbox.submissions.process * 5  # 1 s to complete
    path = _api_file(tmp_path, ["1000.4636.158202,,,120.00,ORDER_UPDATE"])
    ledger, settings = _deliver_by_api(sandbox, tmp_path, path,
                                       [{"ActionId": "1000.4636.158202", "Amount": "120.00", "Reason": "ORDER_UPDATE"}])
    first = collect(ledger, _asking(settings), [path])
    assert first.tallies[0].pending == 1 and first.report.files[0].counts == {"BK802": 1}
    assert "not processed yet" in first.report.files[0].findings()[0].message
    assert first.exit_code() == 0 and first.exit_code("warning") == 1  # pending is never clean
    waited = collect(ledger, _asking(settings, wait=10), [path])
    assert waited.tallies[0].accepted == 1 and not waited.report.files[0].counts and waited.waited < 8


def test_the_budget_leaves_the_rest_for_later(sandbox, tmp_path: Path) -> None:  # noqa: F811
    path = _api_file(tmp_path, [f"1000.4636.15820{i},,,1.00,ORDER_UPDATE" for i in (1, 2, 3)])
    forms = [{"ActionId": f"1000.4636.15820{i}", "Amount": "1.00", "Reason": "ORDER_UPDATE"} for i in (1, 2, 3)]
    ledger, settings = _deliver_by_api(sandbox, tmp_path, path, forms)
    sandbox.settle()
    got = collect(ledger, _asking(settings, budget=2), [path])
    assert got.requests == 2 and got.short and got.tallies[0].accepted == 2 and got.tallies[0].pending == 1
    assert "budget ran out" in got.report.files[0].findings()[0].message
    rest = collect(ledger, _asking(settings, budget=2), [path])
    assert rest.requests == 1 and rest.tallies[0].accepted == 3


# ------------------------------------------------------------------ file drops (the sandbox's watched folder)

ITEMS = ("ActionId,OrderId,ActionTrackerId,Sku,Amount,Quantity,Category,Reason,Sku2,Amount2,Quantity2,Category2,"
         "Reason2\n"
         ",ORD-0100248,2240,SKU-2001,15.00,1,Hats,ITEM_RETURNED,,,,,\n"
         ",ORD-0100249,2240,SKU-3001,59.97,3,Shirts,ITEM_RETURNED,SKU-NOPE,12.50,1,Shirts,ITEM_RETURNED\n"
         ",ORD-NOPE-77,2240,SKU-1,10.00,1,Hats,ITEM_RETURNED,,,,,\n"
         ",ORD-0100242,2240,SKU-1001,39.98,2,Shoes,ITEM_RETURNED,,,,,\n")


@pytest.fixture(params=[False, True], ids=["line-1-is-the-first-record", "line-1-is-the-header"])
def dropbox(request: Any, tmp_path: Path) -> Any:
    from batchkit.sandbox import Sandbox

    with Sandbox(account_sid=SID, auth_token=TOKEN, process_seconds=0.2, drop=tmp_path / "drop",
                 line_counts_header=request.param) as sb:
        yield sb


def _drop_delivery(sb: Any, tmp_path: Path, text: str = ITEMS, name: str = "acme_item-modifications.csv",
                   hold: bool = False) -> tuple[Path, Any]:
    from batchkit.core.config import load_config
    from batchkit.delivery.files import deliver_files
    from batchkit.delivery.local import LocalFolder
    from batchkit.delivery.settings import DeliverySettings

    path = tmp_path / "files" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    settings = make_settings(sb.url, tmp_path)
    delivery = DeliverySettings(state_dir=settings.state_dir, lock_wait=5, config=load_config(cwd=tmp_path))
    if hold:
        sb.faults.hold_drop()
    ledger = Ledger(settings.state_dir)
    try:
        (result,) = deliver_files([path], LocalFolder(sb.drop.folder), delivery, ledger)
    finally:
        ledger.close()
    assert result.outcome == "delivered"
    if not hold:
        sb.settle()
    return path, settings


def test_a_drop_s_rejected_rows_are_placed_in_either_line_convention(dropbox, tmp_path: Path) -> None:
    path, settings = _drop_delivery(dropbox, tmp_path)
    got = collect(Ledger(settings.state_dir), _asking(settings), [path])
    (tally,) = got.tallies
    assert (tally.records, tally.accepted, tally.rejected, tally.pending) == (4, 2, 2, 0)
    assert tally.batch_id.startswith("F-") and tally.status == "complete"
    counted = dropbox.ftp.line_counts_header
    assert any(("counts the header row" if counted else "does not count the header row") in n for n in tally.notes)
    found = {f.row: f for f in got.report.files[0].findings()}
    assert set(found) == {3, 4}  # ORD-0100249's Sku2, and the unknown order
    assert found[3].code == "BK801" and found[3].column == "Sku2" and found[3].value == "SKU-NOPE"
    assert "NO_ITEM" in found[3].message and "no item with this Sku" in found[3].message
    assert found[4].column == "OrderId" and "ACTION_REF_NOT_FOUND" in found[4].message
    assert "placed by" not in found[3].message  # the Line agreed
    assert got.exit_code() == 1


def test_a_detail_whose_line_disagrees_is_placed_by_its_order_id(dropbox, tmp_path: Path) -> None:
    path, settings = _drop_delivery(dropbox, tmp_path)
    (sub,) = dropbox.ftp.newest_first()
    wrong = next(d for d in sub.errors if d["Reason"] == "ACTION_REF_NOT_FOUND")
    wrong["Line"] = "1"  # the platform numbers it as the first record (or the header): its OrderId says otherwise
    got = collect(Ledger(settings.state_dir), _asking(settings), [path])
    found = {f.row: f for f in got.report.files[0].findings()}
    assert set(found) == {3, 4}
    assert "impact.com's Line 1" in found[4].message and "placed by its OrderId 'ORD-NOPE-77'" in found[4].message


def test_a_drop_not_picked_up_yet_is_pending_then_waited_for(dropbox, tmp_path: Path) -> None:
    path, settings = _drop_delivery(dropbox, tmp_path, hold=True)
    ledger = Ledger(settings.state_dir)
    first = collect(ledger, _asking(settings), [path])
    (f,) = first.report.files[0].findings()
    assert f.code == "BK802" and "lists no file submission" in f.message and first.tallies[0].status == "not found"
    assert first.exit_code() == 0 and first.exit_code("warning") == 1
    dropbox.faults.release_drop()  # the watcher picks it up within its 0.2 s looks; it completes 0.2 s later
    waited = collect(ledger, _asking(settings, wait=15), [path])
    assert waited.tallies[0].status == "complete" and waited.tallies[0].rejected == 2 and waited.requests >= 2


def test_asking_twice_makes_no_request_the_second_time(dropbox, tmp_path: Path) -> None:
    path, settings = _drop_delivery(dropbox, tmp_path)
    ledger = Ledger(settings.state_dir)
    first = collect(ledger, _asking(settings), [path])
    assert first.requests == 2  # the listing, then the ErrorDetails
    before = len(dropbox.requests)
    second = collect(ledger, _asking(settings))  # every delivery of the ledger: all verdicts kept
    assert len(dropbox.requests) == before and second.requests == 0
    assert [x.message for x in second.report.files[0].findings()] == [x.message for x in first.report.files[0].findings()]


def test_placement_reads_lines_as_spreadsheet_rows_and_prefers_the_better_convention() -> None:
    recs = FileRecords(["OrderId", "Sku"], ["A", "B", "C"], ["", "", ""], [{"Sku": "1"}, {"Sku": "2"}, {"Sku": "3"}], [2, 4, 5],
                       [2, 4, 5], {2: 0, 4: 1, 5: 2}, {"OrderId": "OrderId", "Sku": "Sku"})  # row 3 blank
    details = [{"Line": "3", "OrderId": "B", "Sku": "2"}, {"Line": "4", "OrderId": "C", "Sku": "3"}]
    assert convention(details, recs) == (HEADER_NOT_COUNTED, 2, 2)
    assert convention([{"Line": "4", "OrderId": "B"}, {"Line": "5", "OrderId": "C"}], recs) == (HEADER_COUNTED, 2, 2)
    (p,) = place_all([{"Line": "1", "OrderId": "C", "Sku": "3"}], recs, HEADER_NOT_COUNTED)
    assert p.index == 2 and "placed by its OrderId 'C' and Sku '3'" in p.note
    (q,) = place_all([{"Line": "2", "OrderId": "Z"}], recs, HEADER_NOT_COUNTED)
    assert q.index is None and "not placed" in q.note


def test_without_file_the_rows_are_placed_from_the_file_the_delivery_sent(dropbox, tmp_path: Path) -> None:
    path, settings = _drop_delivery(dropbox, tmp_path)
    got = collect(Ledger(settings.state_dir), _asking(settings))  # no FILE: the ledger knows what was sent
    assert {f.row for f in got.report.files[0].findings()} == {3, 4}
    path.write_text(path.read_text() + "1000.4636.999,,,SKU-X,1.00,1,,ITEM_RETURNED\n")  # changed since
    fresh = Ledger(settings.state_dir)
    fresh.sql("DELETE FROM verdict_copies")  # as if no FILE had ever been given
    again = collect(fresh, _asking(settings))
    assert {f.row for f in again.report.files[0].findings()} == {None}  # not the same content: Lines only


def test_the_request_budget_comes_from_api_results_budget(sandbox, tmp_path: Path) -> None:  # noqa: F811
    from batchkit.api.settings import api_number
    from batchkit.core.config import load_config
    from batchkit.core.errors import ConfigError

    (tmp_path / "batchkit.toml").write_text("[api]\nresults_budget = 7\n")
    assert api_number(load_config(tmp_path / "batchkit.toml"), "results_budget") == 7
    assert api_number(load_config(None, cwd=tmp_path / "nowhere"), "results_budget") == 200
    (tmp_path / "batchkit.toml").write_text("[api]\nresults_budget = -1\n")
    with pytest.raises(ConfigError, match="results_budget"):
        api_number(load_config(tmp_path / "batchkit.toml"), "results_budget")


def test_results_for_spends_at_most_the_configured_budget(dropbox, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from batchkit.core.config import load_config
    from batchkit.verdicts.run import results_for

    path, settings = _drop_delivery(dropbox, tmp_path)
    (tmp_path / "batchkit.toml").write_text(f'[api]\nresults_budget = 1\nstate_dir = "{settings.state_dir}"\n')
    env = {"BATCHKIT_API_URL": dropbox.url, "IMPACT_ACCOUNT_SID": SID, "IMPACT_AUTH_TOKEN": TOKEN,
           "BATCHKIT_CAMPAIGN_ID": "4636", "BATCHKIT_STATE_DIR": str(settings.state_dir)}
    got = results_for(load_config(tmp_path / "batchkit.toml"), [path], env=env)
    assert got.requests == 1 and any(f.code == "BK802" for f in got.report.files[0].findings())
    assert results_for(load_config(tmp_path / "batchkit.toml"), [path], budget=5, env=env).tallies[0].rejected == 2
