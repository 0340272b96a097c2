"""deliver --to api against the sandbox (a real socket on 127.0.0.1): each kind's request, exactly once per
record, lost answers, 429 storms, BK803, the dry run's plan, and the command line."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest_api import CAMPAIGN, SID, TOKEN, api_env, make_settings

from batchkit.api.settings import ApiSettings
from batchkit.cli.main import main
from batchkit.core.config import load_config
from batchkit.delivery.errors import DeliveryError, InvalidFiles, RefusedWrites, UncertainDelivery
from batchkit.state.ledger import Ledger
from batchkit.delivery.settings import DeliverySettings
from batchkit.delivery.viaapi.send import deliver_via_api, preview_via_api
from batchkit.sandbox import Sandbox

ROOT = Path(__file__).resolve().parent.parent
BATCH = ROOT / "samples" / "batch"


@pytest.fixture
def box() -> Sandbox:
    with Sandbox(account_sid=SID, auth_token=TOKEN, campaign_id=CAMPAIGN, process_seconds=0) as sb:
        yield sb


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text.lstrip("\n"))
    return path


def _deliver(paths: list[Path], api: ApiSettings, tmp_path: Path, **kw):
    settings = DeliverySettings(state_dir=tmp_path / "state", config=load_config(None, cwd=tmp_path), lock_wait=1)
    ledger = Ledger(settings.state_dir)
    try:
        return deliver_via_api(paths, api, settings, ledger, **kw)
    finally:
        ledger.close()


def _writes(sb: Sandbox) -> list:
    return [r for r in sb.requests if r.method in ("PUT", "DELETE")]


def test_each_kind_becomes_its_request_and_changes_the_action(box: Sandbox, tmp_path: Path) -> None:
    api = make_settings(box.url, tmp_path)
    files = [BATCH / "acme_order-modifications_2026-11-22.csv", BATCH / "acme_order-reversals_2026-11-22.csv",
             BATCH / "acme_item-reversals_2026-11-22.csv"]
    results = _deliver(files, api, tmp_path)
    assert [r.outcome for r in results] == ["delivered"] * 3
    writes = _writes(box)
    assert [w.method for w in writes] == ["PUT"] * 4 + ["DELETE"] * 4 + ["PUT"] * 2
    assert writes[0].form == {"ActionId": "1000.4636.158201", "Amount": "84.50", "CurrencyCode": "USD",
                              "Reason": "ORDER_UPDATE"}
    assert writes[4].form == {"ActionId": "1000.4636.158301", "DispositionCode": "ITEM_RETURNED"}
    assert writes[8].form["Quantity"] == "0" and writes[8].form["Amount"] == "0" and writes[8].form["Sku2"] == "SKU-1003"
    box.settle()
    assert box.store.action("1000.4636.158201").Amount == Decimal("84.50")
    assert box.store.action("1000.4636.158301").State == "REVERSED"
    item = box.store.action("1000.4636.158501").item("SKU-1001")
    assert (item.Quantity, item.SaleAmount) == ("0", Decimal("0.00"))
    book = Ledger(tmp_path / "state").journal.entries(channel="api")
    assert len(book) == 10 and {r.state for r in book} == {"queued"}
    assert all(r.queued_uri and r.queued_uri.startswith(f"/Advertisers/{SID}/APISubmissions/A-") for r in book)
    assert [r.row for r in book[:4]] == [2, 3, 4, 5]


def test_a_rerun_sends_nothing_and_costs_no_request(box: Sandbox, tmp_path: Path) -> None:
    api = make_settings(box.url, tmp_path)
    path = BATCH / "acme_order-modifications_2026-11-22.csv"
    _deliver([path], api, tmp_path)
    before = len(box.requests)
    again = _deliver([path], api, tmp_path)
    assert again[0].outcome == "skipped" and len(box.requests) == before
    assert "all 4 record(s) delivered earlier" in again[0].describe()


def test_an_item_modification_numbers_the_groups(box: Sandbox, tmp_path: Path) -> None:
    path = _write(tmp_path, "acme_item-modifications.csv", """
ActionId,Sku,Amount,Quantity,Category,Reason,Sku2,Amount2,Quantity2,Category2,Reason2
1000.4636.158401,SKU-1001,19.99,1,Shoes,ITEM_RETURNED,SKU-1002,0,0,,ITEM_RETURNED
""")
    _deliver([path], make_settings(box.url, tmp_path), tmp_path)
    (put,) = _writes(box)
    assert put.form == {"ActionId": "1000.4636.158401", "Sku": "SKU-1001", "Quantity": "1", "Amount": "19.99",
                        "Category": "Shoes", "Sku2": "SKU-1002", "Quantity2": "0", "Amount2": "0",
                        "Reason": "ITEM_RETURNED"}
    box.settle()
    assert box.store.action("1000.4636.158401").item("SKU-1001").SaleAmount == Decimal("19.99")


@pytest.mark.parametrize("name,text,needle", [
    ("acme_order-reversals.csv", "ActionId,Amount,Reason\n1000.4636.158301,0,ORDER_UPDATE\n",
     "not one of the API's disposition codes"),
    ("acme_item-modifications.csv", "ActionId,Sku,Amount,Reason,Sku2,Amount2,Reason2\n"
     "1000.4636.158401,SKU-1001,1.00,ITEM_RETURNED,SKU-1002,0,ITEM_OUT_OF_STOCK\n", "different Reasons"),
    ("acme_reset.csv", "Oid,ActionTrackerId,Reason\nORD-0100245,2240,RESET\n", "reset files cannot go"),
])
def test_what_the_api_cannot_take_is_bk803_and_nothing_is_sent(box: Sandbox, tmp_path: Path, name: str, text: str,
                                                               needle: str) -> None:
    path = _write(tmp_path, name, text)
    with pytest.raises(InvalidFiles) as caught:
        _deliver([path], make_settings(box.url, tmp_path), tmp_path)
    found = [f for f in caught.value.report.files[0].findings() if f.code == "BK803"]
    assert found and needle in found[0].message
    assert box.requests == []


def test_a_lost_answer_is_read_back_at_once_and_counted_applied(box: Sandbox, tmp_path: Path) -> None:
    api = make_settings(box.url, tmp_path)
    path = BATCH / "acme_order-reversals_2026-11-22.csv"
    box.faults.drop_after_apply(times=1)
    results = _deliver([path], api, tmp_path)  # the reversal applied at once: the read-back proves it
    assert results[0].outcome == "delivered" and "1 applied" in (results[0].note or "")
    states = [r.state for r in Ledger(tmp_path / "state").journal.entries(channel="api")]
    assert states == ["applied", "queued", "queued", "queued"]
    assert len(box.applied_writes()) == 4  # the lost one was read back, never sent twice
    assert _deliver([path], api, tmp_path)[0].outcome == "skipped" and len(box.applied_writes()) == 4


def _slow_box() -> Sandbox:
    return Sandbox(account_sid=SID, auth_token=TOKEN, campaign_id=CAMPAIGN, process_seconds=3600)


def test_an_unknown_change_the_queue_has_not_applied_yet_waits_and_is_never_resent_by_a_timer(tmp_path: Path) -> None:
    with _slow_box() as sb:
        api = make_settings(sb.url, tmp_path)
        path = _write(tmp_path, "acme_order-modifications.csv", "ActionId,Amount,Reason\n1000.4636.158201,50.00,ORDER_UPDATE\n")
        sb.faults.drop_after_apply(times=1)
        with pytest.raises(UncertainDelivery) as caught:
            _deliver([path], api, tmp_path)
        assert caught.value.exit_code == 3 and "answer was lost" in str(caught.value)
        for settle in (900.0, 0.0):  # however long ago it was sent: never resent without the user's word
            with pytest.raises(UncertainDelivery) as caught:
                _deliver([path], replace(api, settle_seconds=settle), tmp_path)
            assert "does not show it (yet)" in str(caught.value) and "--resend-unknown" in str(caught.value)
        assert len(sb.applied_writes()) == 1
        sb.settle()  # the platform's queue applies it: the next run's read-back proves it
        assert _deliver([path], api, tmp_path)[0].outcome == "delivered" and len(sb.applied_writes()) == 1
        assert [e.state for e in Ledger(tmp_path / "state").journal.entries()] == ["applied"]


def test_resend_unknown_sends_an_unproven_change_again_on_the_users_word(tmp_path: Path) -> None:
    with _slow_box() as sb:
        api = make_settings(sb.url, tmp_path)
        path = _write(tmp_path, "acme_order-modifications.csv", "ActionId,Amount,Reason\n1000.4636.158201,50.00,ORDER_UPDATE\n")
        sb.faults.fail(503, times=1, path_contains="Actions")  # refused before applying, answered 503: unknown
        with pytest.raises(UncertainDelivery):
            _deliver([path], api, tmp_path)
        assert len(sb.applied_writes()) == 0
        again = _deliver([path], api, tmp_path, resend_unknown=True)
        assert again[0].outcome == "delivered" and len(sb.applied_writes()) == 1


def test_an_order_id_record_is_confirmed_through_the_mirror(box: Sandbox, tmp_path: Path) -> None:
    from batchkit.api.actions import sync_actions

    api = make_settings(box.url, tmp_path)
    sync_actions(api)
    path = _write(tmp_path, "acme_order-modifications.csv",
                  "OrderId,ActionTrackerId,Amount,Reason\nORD-0100245,2240,99.00,ORDER_UPDATE\n")
    box.faults.drop_after_apply(times=1)
    assert _deliver([path], api, tmp_path)[0].outcome == "delivered"
    assert [r.state for r in Ledger(tmp_path / "state").journal.entries(channel="api")] == ["applied"]
    assert len(box.applied_writes()) == 1


def test_an_order_id_record_missing_from_the_mirror_cannot_be_told_and_stays_unknown(box: Sandbox,
                                                                                      tmp_path: Path) -> None:
    api = make_settings(box.url, tmp_path)
    path = _write(tmp_path, "acme_order-modifications.csv",
                  "OrderId,ActionTrackerId,Amount,Reason\nORD-0100245,2240,99.00,ORDER_UPDATE\n")
    box.faults.drop_after_apply(times=1)
    with pytest.raises(UncertainDelivery) as caught:
        _deliver([path], api, tmp_path)
    assert "cannot tell" in str(caught.value) and "actions sync" in str(caught.value)
    with pytest.raises(UncertainDelivery):
        _deliver([path], api, tmp_path)
    assert len(box.applied_writes()) == 1


def test_a_429_storm_is_waited_out_and_every_record_goes_once(box: Sandbox, tmp_path: Path) -> None:
    api = make_settings(box.url, tmp_path)
    box.faults.storm(times=3)
    results = _deliver([BATCH / "acme_order-modifications_2026-11-22.csv"], api, tmp_path)
    assert results[0].outcome == "delivered"
    statuses = [r.status for r in _writes(box)]
    assert statuses.count(429) == 3 and statuses.count(200) == 4
    assert len(box.submissions.newest_first()) == 4


@pytest.mark.parametrize("status", [500, 502, 503, 504, 408])
def test_a_5xx_or_408_after_the_write_was_applied_is_read_back_never_sent_twice(box: Sandbox, tmp_path: Path,
                                                                              status: int) -> None:
    from batchkit.api.actions import sync_actions

    path = BATCH / "acme_order-reversals_2026-11-22.csv"
    api = make_settings(box.url, tmp_path)
    sync_actions(api)  # two of the rows name their action by OrderId: the mirror finds it to read it back
    box.faults.fail_after_apply(status, times=4, path_contains="Actions")
    results = _deliver([path], api, tmp_path)
    assert results[0].outcome == "delivered" and "4 applied" in (results[0].note or "")
    assert len(box.applied_writes()) == 4
    for _ in range(2):
        assert _deliver([path], api, tmp_path)[0].outcome == "skipped"
    box.settle()
    assert len(box.applied_writes()) == 4
    assert all(not s.error_type for s in box.submissions.newest_first())  # no second DELETE hit a reversed action


def test_no_connection_is_failed_never_sent_and_sent_by_the_next_run(box: Sandbox, tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"
    path = _write(tmp_path, "acme_order-modifications.csv", "ActionId,Amount,Reason\n1000.4636.158201,50.00,ORDER_UPDATE\n")
    with pytest.raises(DeliveryError) as caught:
        _deliver([path], make_settings(closed, tmp_path, retries=1), tmp_path)
    assert not isinstance(caught.value, UncertainDelivery) and caught.value.exit_code == 3
    assert "not sent" in str(caught.value)
    assert [r.state for r in Ledger(tmp_path / "state").journal.entries(channel="api")] == ["failed"]
    assert _deliver([path], make_settings(box.url, tmp_path), tmp_path)[0].outcome == "delivered"
    assert len(box.applied_writes()) == 1


def test_a_refused_record_is_reported_on_every_run_until_the_row_changes(box: Sandbox, tmp_path: Path) -> None:
    api = make_settings(box.url, tmp_path)
    path = _write(tmp_path, "acme_order-modifications.csv", "ActionId,Amount,Reason\n1000.4636.158201,50.00,ORDER_UPDATE\n")
    box.faults.fail(422, times=1, path_contains="Actions")
    for _ in range(2):  # the second run sends nothing and says the same
        with pytest.raises(RefusedWrites) as caught:
            _deliver([path], api, tmp_path)
        assert caught.value.exit_code == 1 and "refused" in str(caught.value) and "422" in str(caught.value)
    (entry,) = Ledger(tmp_path / "state").journal.entries(channel="api")
    assert entry.state == "refused" and "422" in (entry.error or "")
    assert len(_writes(box)) == 1 and len(box.applied_writes()) == 0
    path.write_text("ActionId,Amount,Reason\n1000.4636.158201,51.00,ORDER_UPDATE\n")  # the row fixed: a new change
    assert _deliver([path], api, tmp_path)[0].outcome == "delivered" and len(box.applied_writes()) == 1


def test_the_dry_run_plans_without_a_request_and_advises_a_drop_when_too_slow(box: Sandbox, tmp_path: Path) -> None:
    api = replace(make_settings(box.url, tmp_path), requests_per_hour=2, max_hours=1)
    settings = DeliverySettings(state_dir=tmp_path / "state", config=load_config(None, cwd=tmp_path))
    results, requests, hours, advice = preview_via_api([BATCH / "acme_order-modifications_2026-11-22.csv"], api,
                                                       settings, Ledger(settings.state_dir))
    assert results[0].outcome == "would-send" and requests == 4 and hours == 2.0
    assert advice and "deliver the files to the drop" in advice
    assert box.requests == []
    relaxed = replace(api, requests_per_hour=1000, max_hours=2)
    assert preview_via_api([BATCH / "acme_order-modifications_2026-11-22.csv"], relaxed, settings,
                           Ledger(settings.state_dir))[3] is None


def test_the_command_line(box: Sandbox, tmp_path: Path) -> None:
    env = api_env(box.url, tmp_path)
    path = str(BATCH / "acme_order-reversals_2026-11-22.csv")
    runner = CliRunner()
    plan = runner.invoke(main, ["deliver", path, "--to", "api", "--dry-run"], env=env)
    assert plan.exit_code == 0 and "4 to send" in plan.output and "plan: 4 request(s)" in plan.output
    done = runner.invoke(main, ["deliver", path, "--to", "api"], env=env)
    assert done.exit_code == 0 and "4 queued" in done.output and TOKEN not in done.output
    again = runner.invoke(main, ["deliver", path, "--to", "api"], env=env)
    assert again.exit_code == 0 and "delivered earlier, skipped" in again.output
    resent = runner.invoke(main, ["deliver", path, "--to", "api", "--resend"], env=env)
    assert resent.exit_code == 0 and "4 of them sent again: --resend" in resent.output
    no_campaign = runner.invoke(main, ["deliver", path, "--to", "api"], env={**env, "BATCHKIT_CAMPAIGN_ID": ""})
    assert no_campaign.exit_code == 2 and "campaign" in no_campaign.output.lower()


def test_a_terminal_gets_a_progress_bar_with_the_time_left(box: Sandbox, tmp_path: Path) -> None:
    import os
    import pty
    import subprocess
    import sys

    leader, follower = pty.openpty()
    env = {**os.environ, **api_env(box.url, tmp_path)}
    done = subprocess.run([sys.executable, "-m", "batchkit", "deliver", str(BATCH / "acme_order-reversals_2026-11-22.csv"),
                           "--to", "api"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=follower, text=True,
                          timeout=120)
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    os.close(leader)
    assert done.returncode == 0 and "4 queued" in done.stdout
    text = seen.decode()
    assert "4/4 records" in text and "left" in text and "[" in text  # the bar, drawn on the terminal only
    assert "records" not in done.stdout.replace("record(s)", "")  # never in the piped output


def _run_config(tmp_path: Path) -> Path:
    """A `batchkit run` job: the sample returns export, built and delivered through the API."""
    import shutil

    sample = ROOT / "samples" / "returns"
    (tmp_path / "exports").mkdir()
    shutil.copy(sample / "returns_export.csv", tmp_path / "exports" / "returns_export.csv")
    config = tmp_path / "batchkit.toml"
    config.write_text((sample / "batchkit.toml").read_text() + '\n[run]\ninputs = ["exports/*.csv"]\narchive = '
                      '"archive"\nresults = false\n\n[deliver]\nto = "api"\n')
    return config


def test_run_delivers_through_the_api_once_and_archives(box: Sandbox, tmp_path: Path) -> None:
    config = _run_config(tmp_path)
    env = api_env(box.url, tmp_path)
    first = CliRunner().invoke(main, ["run", "--config", str(config)], env=env)
    assert first.exit_code == 0, first.output
    assert "3 delivered" in first.stdout and "Actions?CampaignId=4636" in first.stderr
    sent = len(_writes(box))
    assert sent >= 3 and not (tmp_path / "api").exists()  # records through the API, not a folder named api
    assert len(list((tmp_path / "archive").rglob("*.csv"))) == 3
    again = CliRunner().invoke(main, ["run", "--config", str(config)], env=env)
    assert again.exit_code == 0 and "3 skipped" in again.stdout and len(_writes(box)) == sent


def test_the_library_delivers_through_the_api(box: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import batchkit

    for name, value in api_env(box.url, tmp_path).items():
        monkeypatch.setenv(name, value)
    path = BATCH / "acme_order-reversals_2026-11-22.csv"
    (tmp_path / "batchkit.toml").write_text("")
    results = batchkit.deliver([path], to="api", config=tmp_path / "batchkit.toml")
    assert [r.outcome for r in results] == ["delivered"] and len(_writes(box)) == 4
    assert batchkit.deliver([path], to="api", config=tmp_path / "batchkit.toml")[0].outcome == "skipped"


def test_an_approval_cannot_go_through_the_api_and_is_not_skipped_silently(box: Sandbox, tmp_path: Path) -> None:
    (tmp_path / "batchkit.toml").write_text('[reasons]\ncustom = ["APPROVED"]\n')
    path = _write(tmp_path, "acme_order-modifications.csv", "OrderId,ActionTrackerId,Reason\nORD-0100245,2240,APPROVED\n")
    with pytest.raises(InvalidFiles) as caught:
        _deliver([path], make_settings(box.url, tmp_path), tmp_path)
    (found,) = [f for f in caught.value.report.files[0].findings() if f.code == "BK803"]
    assert "approval" in found.message and found.row == 2 and box.requests == []


def test_api_is_a_destination_like_any_other(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from batchkit.delivery.targets import parse_destination
    from batchkit.delivery.viaapi.destination import ApiDestination

    monkeypatch.chdir(tmp_path)
    for name, value in {"IMPACT_ACCOUNT_SID": SID, "BATCHKIT_CAMPAIGN_ID": "04636", "IMPACT_AUTH_TOKEN": TOKEN}.items():
        monkeypatch.setenv(name, value)
    dest = parse_destination("api")
    assert isinstance(dest, ApiDestination) and dest.url.endswith(f"/Advertisers/{SID}/Actions?CampaignId=04636")
    assert TOKEN not in repr(dest)
    assert not isinstance(parse_destination("./api"), ApiDestination)  # a folder called api


def test_a_different_change_to_an_action_whose_earlier_change_is_unknown_goes_and_says_so(tmp_path: Path) -> None:
    with Sandbox(account_sid=SID, auth_token=TOKEN, campaign_id=CAMPAIGN, process_seconds=3600) as sb:
        api = make_settings(sb.url, tmp_path)
        first = _write(tmp_path, "a_order-modifications.csv", "ActionId,Amount,Reason\n1000.4636.158201,50.00,ORDER_UPDATE\n")
        sb.faults.drop_after_apply(times=1)
        with pytest.raises(UncertainDelivery):
            _deliver([first], api, tmp_path)
        second = _write(tmp_path, "b_order-modifications.csv", "ActionId,Amount,Reason\n1000.4636.158201,40.00,ORDER_UPDATE\n")
        said: list[str] = []
        assert _deliver([second], api, tmp_path, notify=said.append)[0].outcome == "delivered"
        assert len(sb.applied_writes()) == 2  # another change is another write
        assert any("earlier, different change to ActionId 1000.4636.158201" in s and "still unknown" in s for s in said)


def test_run_ends_with_what_needs_a_person_and_says_it_in_its_exit_code(box: Sandbox, tmp_path: Path) -> None:
    config = _run_config(tmp_path)
    env = api_env(box.url, tmp_path)
    box.faults.fail(422, times=1, path_contains="Actions")  # the first record of the run is refused
    first = CliRunner().invoke(main, ["run", "--config", str(config)], env=env)
    assert first.exit_code == 1, first.output
    assert "needs a person (1;" in first.stdout and "refused" in first.stdout and "422" in first.stdout
    sent = len(_writes(box))
    again = CliRunner().invoke(main, ["run", "--config", str(config)], env=env)
    assert again.exit_code == 1 and "needs a person (1;" in again.stdout and len(_writes(box)) == sent
    status = CliRunner().invoke(main, ["status", "--format", "json"], env=env)
    assert status.exit_code == 1
    (refused,) = json.loads(status.stdout)["needs_a_person"]
    assert refused["state"] == "refused" and refused["status"] == 422 and refused["row"] == 2
    dismissed = CliRunner().invoke(main, ["status", "--dismiss", str(refused["id"])], env=env)
    assert dismissed.exit_code == 0 and "needs a person: nothing" in dismissed.stdout
    third = CliRunner().invoke(main, ["run", "--config", str(config)], env=env)  # not sent: a person said so
    assert third.exit_code == 0 and len(_writes(box)) == sent and "needs a person" not in third.stdout


def test_a_refused_caller_stops_the_run_and_marks_nothing(tmp_path: Path) -> None:
    with Sandbox(account_sid=SID, auth_token=TOKEN, campaign_id=CAMPAIGN, read_only_tokens=("ro-token",)) as sb:
        path = str(BATCH / "acme_order-reversals_2026-11-22.csv")
        runner = CliRunner()
        refused = runner.invoke(main, ["deliver", path, "--to", "api"], env=api_env(sb.url, tmp_path, token="ro-token"))
        assert refused.exit_code == 2 and "may not" in refused.output and "ro-token" not in refused.output
        assert Ledger(tmp_path / "state").journal.entries() == []  # the records were not refused: the caller was
        done = runner.invoke(main, ["deliver", path, "--to", "api"], env=api_env(sb.url, tmp_path))
        assert done.exit_code == 0 and len(sb.applied_writes()) == 4
