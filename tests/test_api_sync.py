"""Syncing the account's actions into the mirror, against the sandbox: windows, splits, incremental syncs,
pages that shift while they are read, a sync stopped half-way, and the mirror's own stamp."""

from __future__ import annotations

import json
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from conftest_api import CAMPAIGN, SID, TOKEN, client_for, make_settings, sandbox  # noqa: F401 (fixtures)

from batchkit.api.actions import ActionLookup, open_mirror, sync_actions
from batchkit.state.mirror import Mirror, MirrorError
from batchkit.api.sync import Syncer, windows_between
from batchkit.sandbox import Sandbox


def _generated(n: int, days: int, **kw: object) -> Sandbox:
    return Sandbox(account_sid=SID, auth_token=TOKEN, campaign_id=CAMPAIGN, generated=n, generated_days=days,
                   **kw)  # type: ignore[arg-type]


def _all(sb: Sandbox) -> list[dict[str, str]]:
    return [sb.store.get(a.Id) for a in sb.store.everything()]


def _all_ids(sb: Sandbox) -> set[str]:
    return {a["Id"] for a in _all(sb)}


def _mirrored_ids(path: Path) -> set[str]:
    with sqlite3.connect(path) as db:
        return {r[0] for r in db.execute("SELECT Id FROM actions")}


def test_windows_are_at_most_45_days_oldest_first() -> None:
    end = datetime(2026, 12, 1, tzinfo=UTC)
    got = windows_between(end - timedelta(days=100), end)
    assert [(e - s).days for s, e in got] == [45, 45, 10] and got[0][0] < got[1][0] and got[-1][1] == end


def test_a_first_sync_mirrors_every_action_with_exact_amounts(tmp_path: Path) -> None:
    with _generated(9000, 80) as sb:
        settings = make_settings(sb.url, tmp_path)
        summary = sync_actions(settings, days=85)
        expected = _all_ids(sb)
        some = _all(sb)[0]
    assert summary.new == len(expected) >= 9000 and summary.updated == 0
    assert summary.windows == 2 and summary.requests == summary.pages  # one request per page, no extra
    with open_mirror(settings) as mirror:
        assert mirror.count() == len(expected)
        got = mirror.action(some["Id"])
    assert got is not None and got["Amount"] == some["Amount"] and Decimal(got["Amount"]) == Decimal(some["Amount"])
    assert _mirrored_ids(tmp_path / "state" / "mirror" / f"{SID}-{CAMPAIGN}.sqlite3") == expected


def test_the_next_sync_is_incremental_and_sees_changes(tmp_path: Path) -> None:
    with _generated(3000, 20) as sb:
        settings = make_settings(sb.url, tmp_path)
        sync_actions(settings, days=30)
        quiet = sync_actions(settings)
        victim = _all(sb)[0]["Id"]
        sb.store.touch(victim, Amount="1.23")
        time.sleep(1.1)  # a sync's window ends in the past (whole seconds): the change must be older than now
        changed = sync_actions(settings)
    assert quiet.incremental and quiet.new == 0 and quiet.requests == 1 and quiet.windows == 1
    assert changed.updated == 1 and changed.new == 0
    with open_mirror(settings) as mirror:
        assert mirror.action(victim)["Amount"] == "1.23"


def test_a_window_over_ten_pages_is_split(tmp_path: Path) -> None:
    with _generated(25_000, 10) as sb:
        settings = make_settings(sb.url, tmp_path, page_size=2000)  # 10 x 2,000 < 25,000: the API refuses
        summary = sync_actions(settings, days=12)
        expected = {i for i in _all_ids(sb) if summary.since <= sb.store.updated_at(i) < summary.until}
    assert summary.splits >= 1 and summary.new == len(expected) >= 25_000
    assert _mirrored_ids(tmp_path / "state" / "mirror" / f"{SID}-{CAMPAIGN}.sqlite3") == expected


def test_pages_that_shift_during_the_sync_neither_duplicate_nor_drop(tmp_path: Path) -> None:
    with _generated(7000, 30) as sb:
        settings = make_settings(sb.url, tmp_path)
        state = {"calls": 0}
        newest_first = sorted(_all(sb), key=lambda a: a["CreationDate"], reverse=True)

        def meanwhile(_progress: object) -> None:
            state["calls"] += 1
            if state["calls"] == 1:  # after the first page: new actions arrive, one on a later page changes
                state["touched"] = newest_first[4500]["Id"]
                for i in range(50):
                    sb.store.add_action({"Id": f"1000.4636.9{i:05d}", "Oid": f"NEW-{i}", "ActionTrackerId": "2240",
                                         "Amount": "5.00", "Currency": "USD", "State": "PENDING"})
                sb.store.touch(newest_first[4500]["Id"], Amount="9.99")

        with client_for(sb.url, tmp_path) as client, open_mirror(settings) as mirror:
            summary = Syncer(client, mirror, CAMPAIGN, 2000, progress=meanwhile).run(days=35)
        before = {a["Id"] for a in newest_first}
        mirrored = _mirrored_ids(tmp_path / "state" / "mirror" / f"{SID}-{CAMPAIGN}.sqlite3")
        touched = str(state["touched"])
        # the changed action left the window (its last-updated is now): every other one is there, the
        # later pages' shift seen in their totals and the window read again
        assert before - {touched} <= mirrored and summary.rereads >= 1
        time.sleep(1.1)
        later = sync_actions(settings)  # the next sync brings the changed action and the new ones
        assert later.incremental and later.new >= 50
    with open_mirror(settings) as mirror:
        assert mirror.action(touched)["Amount"] == "9.99" and mirror.count() == len(before) + 50


def test_a_sync_stopped_half_way_resumes_without_gaps(tmp_path: Path) -> None:
    with _generated(6000, 80) as sb:
        settings = make_settings(sb.url, tmp_path)

        def stop_in_the_second_window(p: object) -> None:
            if getattr(p, "window") == 2:
                raise KeyboardInterrupt

        with client_for(sb.url, tmp_path) as client, open_mirror(settings) as mirror:
            with pytest.raises(KeyboardInterrupt):
                Syncer(client, mirror, CAMPAIGN, 2000, progress=stop_in_the_second_window).run(days=85)
            assert len(mirror.pending_windows()) == 1
        summary = sync_actions(settings)
        expected = _all_ids(sb)
    assert summary.resumed == 1
    assert _mirrored_ids(tmp_path / "state" / "mirror" / f"{SID}-{CAMPAIGN}.sqlite3") == expected
    with open_mirror(settings) as mirror:
        assert not mirror.pending_windows() and mirror.high_water() is not None


def test_show_fetches_a_missing_action_once_then_works_offline(sandbox: Sandbox, tmp_path: Path) -> None:
    settings = make_settings(sandbox.url, tmp_path)
    lookup = ActionLookup(settings)
    first = lookup.action("1000.4636.158201")
    items = lookup.items("1000.4636.158201")
    assert first is not None and first["Id"] == "1000.4636.158201" and "mirrored_at" in first
    assert lookup.requests == 2
    assert lookup.action("1000.4636.158201") == first and lookup.requests == 2
    assert lookup.action("1000.4636.000000001") is None
    lookup.close()
    sandbox.stop()
    offline = ActionLookup(make_settings("http://127.0.0.1:9", tmp_path))
    assert offline.action("1000.4636.158201") == first and offline.items("1000.4636.158201") == items
    offline.close()


def test_a_foreign_or_empty_mirror_file_is_refused_untouched(tmp_path: Path) -> None:
    foreign = tmp_path / "foreign.sqlite3"
    with sqlite3.connect(foreign) as db:
        db.execute("CREATE TABLE t (x)")
    before = foreign.read_bytes()
    with pytest.raises(MirrorError, match="is not a batchkit mirror"):
        Mirror(foreign)
    assert foreign.read_bytes() == before
    folder = tmp_path / "dir.sqlite3"
    folder.mkdir()
    with pytest.raises(MirrorError, match="not a file"):
        Mirror(folder)


def test_fields_are_kept_as_the_api_gave_them(tmp_path: Path) -> None:
    with Mirror(tmp_path / "m.sqlite3") as mirror:
        stored = mirror.store([{"Id": "A1", "Amount": Decimal("59.970000000000006"), "Oid": "O1",
                                "ActionTrackerId": "2240", "Note": "ünïcode"}], datetime.now(UTC))
        again = mirror.store([{"Id": "A1", "Amount": Decimal("59.970000000000006"), "Oid": "O1",
                               "ActionTrackerId": "2240", "Note": "ünïcode"}], datetime.now(UTC))
        got = mirror.action("A1")
        by_order = mirror.by_order("O1", "2240")
    assert (stored.new, again.new, again.same) == (1, 0, 1)
    assert got["Amount"] == "59.970000000000006" and got["Note"] == "ünïcode" and by_order[0]["Id"] == "A1"
    assert json.dumps(got)  # plain JSON: no float anywhere


def test_a_sync_killed_with_sigkill_resumes_without_gaps(tmp_path: Path) -> None:
    """A real `batchkit actions sync` process killed while it waits for the rate limit; the next run finishes."""
    import os
    import signal
    import subprocess
    import sys

    from conftest_api import api_env

    with _generated(6000, 80, rate=(3, 6.0)) as sb:
        env = {**os.environ, **api_env(sb.url, tmp_path)}
        (tmp_path / "batchkit.toml").write_text("[api]\npage_size = 2000\n")
        args = [sys.executable, "-m", "batchkit", "actions", "sync", "--days", "85", "--config",
                str(tmp_path / "batchkit.toml")]
        child = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 30
        while len(sb.requests) < 3 and time.monotonic() < deadline:  # three pages in, then told to wait
            assert child.poll() is None, child.communicate()[1]  # it must still be running to be killed
            time.sleep(0.05)
        time.sleep(0.3)
        child.send_signal(signal.SIGKILL)
        child.wait(10)
        assert len(sb.requests) == 3
        with open_mirror(make_settings(sb.url, tmp_path)) as mirror:
            assert mirror.pending_windows() and 0 < mirror.count() < 6000
        done = subprocess.run(args[:-4] + ["--format", "json"], env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["resumed_windows"] >= 1
        expected = {i for i in _all_ids(sb) if sb.store.updated_at(i) >= datetime.now(UTC) - timedelta(days=84)}
    assert expected <= _mirrored_ids(tmp_path / "state" / "mirror" / f"{SID}-{CAMPAIGN}.sqlite3")


def test_fields_with_separator_or_null_characters_and_missing_fields_round_trip(tmp_path: Path) -> None:
    odd = [{"Id": "A1", "CampaignId": "4636", "Note": "a\x1fb", "Oid": "O\x00", "Amount": "1.00"},
           {"Id": "\x1eA2", "CampaignId": "4636", "Note": None, "Amount": Decimal("2.5"), "Extra": {"x": Decimal("1.1")}},
           {"Id": "A3", "CampaignId": "4636", "ActionTrackerId": 2240}]
    with Mirror(tmp_path / "m.sqlite3") as mirror:
        assert mirror.store(odd, datetime.now(UTC)).new == 3
        got = [mirror.action(a["Id"]) for a in odd]
        assert mirror.by_order("O\x00", "") == [] and mirror.action("A1")["Oid"] == "O\x00"
    assert got[0]["Note"] == "a\x1fb" and got[0]["Oid"] == "O\x00"
    assert got[1]["Amount"] == "2.5" and got[1]["Extra"] == {"x": "1.1"} and "Note" not in got[1]
    assert got[2]["ActionTrackerId"] == "2240" and "Note" not in got[2]


def test_a_mirror_of_an_earlier_layout_is_rebuilt_empty(tmp_path: Path) -> None:
    from batchkit.state.mirror import APPLICATION_ID

    path = tmp_path / "m.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        db.execute("CREATE TABLE actions (Id TEXT PRIMARY KEY, fields TEXT)")
        db.execute("INSERT INTO actions VALUES ('A1', '{}')")
    with Mirror(path) as mirror:
        assert mirror.count() == 0 and mirror.high_water() is None  # the next sync reads everything again
        mirror.store([{"Id": "A2", "CampaignId": "1"}], datetime.now(UTC))
        assert mirror.action("A2")["CampaignId"] == "1"
