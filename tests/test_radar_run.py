"""`batchkit run` ends with the radar's line (what locks within [radar] warn_days and is not yet applied) and, with
[radar] fail_days, exits 1 when a correction not sent locks within them; [radar] is checked like any section."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest_api import CAMPAIGN, SID, Clock, clocked_sandbox, make_settings  # noqa: F401 (fixtures)

from batchkit.api.actions import sync_actions
from batchkit.cli.main import main
from batchkit.core.config import load_config
from batchkit.core.errors import ConfigError
from batchkit.deadlines.settings import load_radar_settings
from batchkit.delivery.errors import DeliveryError
from batchkit.delivery.settings import DeliverySettings
from batchkit.delivery.viaapi.send import deliver_via_api
from batchkit.sandbox import Sandbox
from batchkit.state.ledger import Ledger

ROOT = Path(__file__).resolve().parent.parent / "samples" / "returns"
SOON = "1000.4636.710001"


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime.now(UTC).replace(microsecond=0))


def _job(tmp_path: Path, radar: str) -> Path:
    (tmp_path / "exports").mkdir()
    shutil.copy(ROOT / "returns_export.csv", tmp_path / "exports" / "returns_export.csv")
    config = tmp_path / "batchkit.toml"
    config.write_text((ROOT / "batchkit.toml").read_text() + '\n[run]\ninputs = ["exports/*.csv"]\n'
                      f'archive = "archive"\n\n[deliver]\nto = "outbox"\n\n[radar]\n{radar}\n')
    return config


def _failed_write(api: object, tmp_path: Path) -> None:
    """A correction of an action locking in 2 hours that could not be sent (no connection): `failed`, to send."""
    path = tmp_path / "soon_order-modifications.csv"
    path.write_text(f"ActionId,Amount,Reason\n{SOON},60.00,ORDER_UPDATE\n")
    settings = DeliverySettings(state_dir=tmp_path / "state", config=load_config(None, cwd=tmp_path), lock_wait=1)
    ledger = Ledger(settings.state_dir)
    try:
        with pytest.raises(DeliveryError):
            deliver_via_api([path], replace(api, url="http://127.0.0.1:9", retries=0), settings, ledger)  # type: ignore[type-var]
    finally:
        ledger.close()
    assert [e.state for e in Ledger(tmp_path / "state").journal.entries()] == ["failed"]


@pytest.mark.parametrize(("radar", "code", "failing"), [("fail_days = 1", 1, True), ("warn_days = 1", 0, False)])
def test_the_run_ends_with_the_radar_line_and_fail_days_exits_1(clocked_sandbox: Sandbox, clock: Clock,
                                                                 tmp_path: Path, radar: str, code: int,
                                                                 failing: bool) -> None:
    sb = clocked_sandbox
    made = (clock.now - timedelta(days=5)).isoformat()
    sb.store.add_action({"Id": SOON, "Oid": "R-soon", "MediaPartnerId": "12345", "MediaPartnerName": "Cashback World",
                         "Currency": "USD", "Amount": "100.00", "Payout": "10.00", "UpdatedDaysAgo": "1",
                         "LockingDate": (clock.now + timedelta(hours=2)).isoformat(), "CreationDate": made})
    api = replace(make_settings(sb.url, tmp_path, token="tok"), max_age=86_400.0)
    sync_actions(api)
    _failed_write(api, tmp_path)
    env = {"BATCHKIT_API_URL": sb.url, "IMPACT_ACCOUNT_SID": SID, "IMPACT_AUTH_TOKEN": "tok",
           "BATCHKIT_CAMPAIGN_ID": CAMPAIGN, "BATCHKIT_STATE_DIR": str(tmp_path / "state")}
    done = CliRunner().invoke(main, ["run", "--config", str(_job(tmp_path, radar))], env=env)
    assert done.exit_code == code, done.output
    last = done.stdout.strip().splitlines()[-1]
    days = 3 if failing else 1
    assert last.startswith(f"radar: 1 correction(s) not yet applied lock within {days} day(s): USD 4.00"), last
    assert ("1 not sent lock within 1 day(s) ([radar] fail_days): exit 1" in last) is failing
    assert "3 delivered" in done.stdout  # the run itself went well: the radar alone says exit 1


def test_the_run_without_an_account_or_a_mirror_says_so_and_carries_on(tmp_path: Path) -> None:
    config = _job(tmp_path, "fail_days = 1")
    env = {"BATCHKIT_STATE_DIR": str(tmp_path / "state"), "IMPACT_ACCOUNT_SID": ""}
    done = CliRunner().invoke(main, ["run", "--config", str(config)], env=env)
    assert done.exit_code == 0, done.output
    assert done.stdout.strip().splitlines()[-1].startswith("radar: not looked at (no impact.com account")
    with_account = CliRunner().invoke(main, ["run", "--config", str(config)],
                                      env={**env, "IMPACT_ACCOUNT_SID": SID, "BATCHKIT_CAMPAIGN_ID": CAMPAIGN})
    assert with_account.exit_code == 0 and "radar: not looked at (no mirror" in with_account.stdout


@pytest.mark.parametrize(("text", "message"), [("warn_days = -1", "[radar] warn_days must be a whole number"),
                                               ("fail_days = 'x'", "[radar] fail_days must be an integer"),
                                               ("days = 0", "--days must be a whole number of days from 1"),
                                               ("dayz = 3", "unknown key 'dayz' in [radar]")])
def test_the_radar_section_is_checked(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "batchkit.toml"
    path.write_text(f"[radar]\n{text}\n")
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_radar_settings(load_config(path))
    assert load_radar_settings(load_config(None, cwd=tmp_path / "none")).days == 7


@pytest.mark.parametrize("preset", [["--preset", "returns"], []])
def test_an_export_is_built_in_memory_and_nothing_is_written(clocked_sandbox: Sandbox, tmp_path: Path,
                                                             preset: list[str]) -> None:
    api = replace(make_settings(clocked_sandbox.url, tmp_path, token="tok"), max_age=86_400.0)
    sync_actions(api)
    config = _job(tmp_path, "days = 40")
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if "state" not in p.parts)
    env = {"BATCHKIT_API_URL": clocked_sandbox.url, "IMPACT_ACCOUNT_SID": SID, "IMPACT_AUTH_TOKEN": "tok",
           "BATCHKIT_CAMPAIGN_ID": CAMPAIGN, "BATCHKIT_STATE_DIR": str(tmp_path / "state")}
    done = CliRunner().invoke(main, ["radar", str(tmp_path / "exports" / "returns_export.csv"), *preset, "--config",
                                     str(config), "--format", "json", "--offline"], env=env)
    assert done.exit_code == 0, done.output
    import json

    got = json.loads(done.stdout)
    kinds = {c["kind"] for c in got["corrections"]}
    assert got["count"] >= 3 and len(kinds) == 3 and {c["state"] for c in got["corrections"]} == {"to send"}
    assert {c["bucket"] for c in got["corrections"]} == {"days"}  # the seed's actions lock in 30 days (days = 40)
    assert all(c["file"].startswith(str(tmp_path / "exports")) for c in got["corrections"])
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if "state" not in p.parts) == before
