"""`batchkit actions sync|show` through the command line, against the sandbox: outputs, exit codes, and the
token never in any output (with --debug too)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from conftest_api import TOKEN, api_env, sandbox  # noqa: F401 (fixtures)

from batchkit.cli.main import main
from batchkit.sandbox import Sandbox

SEEDED = "1000.4636.158201"


def _run(args: list[str], env: dict[str, str]) -> object:
    return CliRunner().invoke(main, args, env=env, catch_exceptions=False)


def test_sync_then_show_in_json_and_text(sandbox: Sandbox, tmp_path: Path) -> None:
    env = api_env(sandbox.url, tmp_path)
    done = _run(["actions", "sync", "--days", "60", "--format", "json"], env)
    assert done.exit_code == 0, done.output
    summary = json.loads(done.stdout)
    assert summary["new"] == summary["actions_in_mirror"] > 10 and summary["requests"] == summary["pages"]
    shown = _run(["actions", "show", SEEDED, "--items", "--format", "json"], env)
    action = json.loads(shown.stdout)
    assert shown.exit_code == 0 and action["Id"] == SEEDED and action["Items"] and "mirrored_at" in action
    assert {"Oid", "ActionTrackerId", "State", "Amount", "Currency", "LockingDate"} <= set(action)
    text = _run(["actions", "show", SEEDED], env)
    assert text.exit_code == 0 and SEEDED in text.stdout and "Amount" in text.stdout
    again = _run(["actions", "sync"], env)
    assert again.exit_code == 0 and again.stdout.startswith("incremental sync")


def test_show_an_unknown_action_exits_1(sandbox: Sandbox, tmp_path: Path) -> None:
    done = _run(["actions", "show", "1000.4636.1"], api_env(sandbox.url, tmp_path))
    assert done.exit_code == 1 and "no action 1000.4636.1" in done.stderr


def test_show_works_with_the_network_gone_for_what_is_mirrored(sandbox: Sandbox, tmp_path: Path) -> None:
    env = api_env(sandbox.url, tmp_path)
    assert _run(["actions", "show", SEEDED, "--items"], env).exit_code == 0
    sandbox.stop()
    offline = {**env, "BATCHKIT_API_URL": "http://127.0.0.1:9"}
    offline.pop("IMPACT_AUTH_TOKEN")
    done = _run(["actions", "show", SEEDED, "--items", "--format", "json"], offline)
    assert done.exit_code == 0 and json.loads(done.stdout)["Items"]


def test_wrong_token_exit_2_and_the_token_never_shows_even_with_debug(sandbox: Sandbox, tmp_path: Path) -> None:
    secret = "wrong-but-secret-token-77"
    env = api_env(sandbox.url, tmp_path, token=secret)
    done = CliRunner().invoke(main, ["actions", "sync"], env=env)
    assert done.exit_code == 2 and "check IMPACT_ACCOUNT_SID and IMPACT_AUTH_TOKEN" in done.stderr
    debug = CliRunner().invoke(main, ["--debug", "actions", "sync"], env=env)
    import traceback

    shown = done.output + debug.output + "".join(traceback.format_exception(debug.exc_info[1])) if debug.exc_info \
        else done.output + debug.output
    assert secret not in shown and TOKEN not in shown


def test_the_api_unreachable_is_exit_3_in_one_line(tmp_path: Path) -> None:
    env = {**api_env("http://127.0.0.1:9", tmp_path)}
    (tmp_path / "batchkit.toml").write_text("[api]\nretries = 1\n")
    done = CliRunner().invoke(main, ["actions", "sync", "--days", "1", "--config", str(tmp_path / "batchkit.toml")],
                              env=env)
    assert done.exit_code == 3 and done.stderr.count("\n") == 1 and "Traceback" not in done.output


def test_usage_errors(sandbox: Sandbox, tmp_path: Path) -> None:
    env = api_env(sandbox.url, tmp_path)
    assert _run(["actions", "sync", "--days", "3", "--since", "2026-11-01"], env).exit_code == 2
    assert _run(["actions", "sync", "--until", "2026-11-01"], env).exit_code == 2
    bad = _run(["actions", "sync", "--since", "yesterday"], env)
    assert bad.exit_code == 2 and "not a date" in bad.stderr
    no_campaign = {k: v for k, v in env.items() if k != "BATCHKIT_CAMPAIGN_ID"}
    assert "no impact.com campaign" in _run(["actions", "sync"], no_campaign).stderr
