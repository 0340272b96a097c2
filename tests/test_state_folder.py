"""The state folder is ONE setting: --state-dir > BATCHKIT_STATE_DIR > top-level state_dir > [deliver] / [api]
state_dir > the default, resolved once, so deliver, the API's commands and the library share one ledger. Also the
generic precedence resolver every section uses (batchkit.core.settings.pick)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest_sftp import write_batch

import batchkit
from batchkit.api.settings import api_settings
from batchkit.cli.main import main
from batchkit.core.config import Config, load_config
from batchkit.core.errors import ConfigError, UsageError
from batchkit.core.settings import Picked, pick
from batchkit.delivery.settings import resolve_settings
from batchkit.state.folder import default_state_dir, resolve_state_dir

ENV = {"IMPACT_ACCOUNT_SID": "IRENV", "XDG_STATE_HOME": "/xdg"}


def _config(tmp_path: Path, text: str) -> Config:
    (tmp_path / "cfg").mkdir(exist_ok=True)
    path = tmp_path / "cfg" / "batchkit.toml"
    path.write_text(text)
    return load_config(path)


# ------------------------------------------------------------------ the generic resolver

def _pick(flags: dict, env: dict, table: dict) -> Picked:
    return pick("to", flags=flags, env=env, env_name="BATCHKIT_TO", table=table, section="deliver",
                where="b.toml")


def test_pick_takes_the_flag_then_the_environment_then_the_file_then_nothing() -> None:
    flag, env, table = {"to": "flag"}, {"BATCHKIT_TO": "env"}, {"to": "file"}
    assert _pick(flag, env, table) == Picked("flag", "--to")
    assert _pick({"to": None}, env, table) == Picked("env", "BATCHKIT_TO")
    assert _pick({}, {"BATCHKIT_TO": "  "}, table) == Picked("file", "b.toml: [deliver] to", True)  # blank: unset
    assert _pick({}, {}, {}) == Picked(None)


def test_pick_refuses_an_empty_flag_and_an_empty_value_in_the_file() -> None:
    with pytest.raises(UsageError, match="^--to is empty$"):
        _pick({"to": " "}, {"BATCHKIT_TO": "env"}, {})
    with pytest.raises(ConfigError, match=r"^b.toml: \[deliver\] to is empty: give a folder$"):
        pick("to", flags={}, env={}, env_name=None, table={"to": ""}, section="deliver", where="b.toml",
             empty="give a folder")


def test_pick_names_a_top_level_key_without_a_section_and_only_file_paths_are_relative_to_the_file() -> None:
    got = pick("state_dir", flags={}, env={}, env_name=None, table={"state_dir": "st"}, section="", where="b.toml")
    assert got == Picked("st", "b.toml: state_dir", True) and got.path(Path("/conf")) == Path("/conf/st")
    assert Picked("st", "--state-dir").path(Path("/conf")) == Path("st")
    assert Picked(None).path(Path("/conf")) is None


# ------------------------------------------------------------------ the state folder's precedence

def test_flag_beats_environment_beats_top_level_beats_section_beats_default(tmp_path: Path) -> None:
    both = _config(tmp_path, 'state_dir = "top"\n[deliver]\nstate_dir = "top/"\n')
    env = {"BATCHKIT_STATE_DIR": "/env/state", "XDG_STATE_HOME": "/xdg"}
    assert resolve_state_dir(both, "/flag/state", env) == Path("/flag/state")
    assert resolve_state_dir(both, None, env) == Path("/env/state")
    assert resolve_state_dir(both, None, {"XDG_STATE_HOME": "/xdg"}) == tmp_path / "cfg" / "top"
    section = _config(tmp_path, '[deliver]\nstate_dir = "sec"\n')
    assert resolve_state_dir(section, None, {"XDG_STATE_HOME": "/xdg"}) == tmp_path / "cfg" / "sec"
    plain = _config(tmp_path, "")
    assert resolve_state_dir(plain, None, {"XDG_STATE_HOME": "/xdg"}) == Path("/xdg/batchkit")
    assert resolve_state_dir(plain, None, {"XDG_STATE_HOME": "/xdg"}) == default_state_dir({"XDG_STATE_HOME": "/xdg"})


def test_relative_paths_in_the_file_are_relative_to_the_file_and_home_is_expanded(tmp_path: Path) -> None:
    assert resolve_state_dir(_config(tmp_path, 'state_dir = "a/state"\n'), None, {}) == tmp_path / "cfg" / "a" / "state"
    assert resolve_state_dir(_config(tmp_path, 'state_dir = "/abs/state"\n'), None, {}) == Path("/abs/state")
    home = resolve_state_dir(_config(tmp_path, 'state_dir = "~/st"\n'), None, {})
    assert home == Path("~/st").expanduser()


@pytest.mark.parametrize(("text", "first", "second"), [
    ('[deliver]\nstate_dir = "/a/state"\n[api]\nstate_dir = "/b/state"\n', "[deliver] state_dir (/a/state)",
     "[api] state_dir (/b/state)"),
    ('state_dir = "/a/state"\n[api]\nstate_dir = "/b/state"\n', "the top-level state_dir (/a/state)",
     "[api] state_dir (/b/state)"),
    ('state_dir = "/a/state"\n[deliver]\nstate_dir = "/a/state"\n[api]\nstate_dir = "/c"\n',
     "the top-level state_dir (/a/state)", "[api] state_dir (/c)"),
])
def test_two_different_folders_in_the_file_are_refused_naming_both(tmp_path: Path, text: str, first: str,
                                                                    second: str) -> None:
    config = _config(tmp_path, text)
    expected = (f"{config.source}: {first} and {second} name two different state folders: keep one (the top-level "
                "state_dir)")
    for flag, env in ((None, {}), ("/flag", {}), (None, {"BATCHKIT_STATE_DIR": "/env"})):  # even when overridden
        with pytest.raises(ConfigError) as info:
            resolve_state_dir(config, flag, env)
        assert str(info.value) == expected
    with pytest.raises(ConfigError, match="two different state folders"):
        resolve_settings(config, {}, ENV)
    with pytest.raises(ConfigError, match="two different state folders"):
        api_settings(config, {}, ENV)


def test_the_same_folder_spelt_two_ways_is_one_folder(tmp_path: Path) -> None:
    config = _config(tmp_path, 'state_dir = "state"\n[deliver]\nstate_dir = "./state/"\n'
                               f'[api]\nstate_dir = "{tmp_path / "cfg" / "x" / ".." / "state"}"\n')
    assert resolve_state_dir(config, None, {}) == tmp_path / "cfg" / "state"


@pytest.mark.parametrize("section", ["api", "deliver"])
def test_a_section_alone_is_still_honoured_and_deliver_and_the_api_agree(tmp_path: Path, section: str) -> None:
    config = _config(tmp_path, f'[{section}]\nstate_dir = "ledger"\n')
    delivered, api = resolve_settings(config, {}, ENV).state_dir, api_settings(config, {}, ENV).state_dir
    assert delivered == api == resolve_state_dir(config, None, ENV) == tmp_path / "cfg" / "ledger"
    flagged = {"state_dir": str(tmp_path / "flag")}
    assert resolve_settings(config, flagged, ENV).state_dir == api_settings(config, flagged, ENV).state_dir


@pytest.mark.parametrize(("text", "message"), [
    ('state_dir = ""\n', r": state_dir is empty: remove it or name the state folder$"),
    ('state_dir = "  "\n', r": state_dir is empty"),
    ("state_dir = 5\n", r": state_dir must be a string naming the state folder \(a top-level key"),
    ('[state_dir]\npath = "x"\n', r": state_dir must be a string"),
    ('[deliver]\nstate_dir = ""\n', r": \[deliver\] state_dir is empty: remove it or give a path$"),
    ('[api]\nstate_dir = ""\n', r": \[api\] state_dir is empty: remove it or give a path$"),
    ("[api]\nstate_dir = 3\n", r": \[api\] state_dir must be a string$"),
])
def test_an_empty_or_non_string_state_dir_is_refused(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        resolve_state_dir(_config(tmp_path, text), None, {})


def test_an_unknown_top_level_key_names_the_allowed_ones(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"unknown top-level key 'state_folder' \(allowed: state_dir;"):
        _config(tmp_path, 'state_folder = "x"\n')


def test_an_empty_flag_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="^--state-dir is empty$"):
        resolve_state_dir(_config(tmp_path, ""), " ", {})


# ------------------------------------------------------------------ the library and the command line agree

def test_the_library_and_the_command_line_keep_one_ledger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BATCHKIT_STATE_DIR", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("IMPACT_ACCOUNT_SID", "IRENV")
    config = _config(tmp_path, '[api]\nstate_dir = "apistate"\n')
    batch = write_batch(tmp_path / "acme_order-modifications.csv", 20)
    (first,) = batchkit.deliver([batch], to=str(tmp_path / "outbox"), config=config)
    assert first.outcome == "delivered" and (tmp_path / "cfg" / "apistate" / "ledger.sqlite3").is_file()
    again = CliRunner().invoke(main, ["deliver", str(batch), "--to", str(tmp_path / "outbox"), "--config",
                                      str(config.source)])
    assert again.exit_code == 0 and "already delivered" in again.output, again.output
    assert api_settings(config).state_dir == tmp_path / "cfg" / "apistate"  # batchkit.resolve_inquiries' ledger
    assert not (tmp_path / "xdg").exists()


def test_a_file_naming_two_folders_is_a_one_line_error_on_the_command_line(tmp_path: Path) -> None:
    config = _config(tmp_path, '[deliver]\nstate_dir = "a"\n[api]\nstate_dir = "b"\n')
    batch = write_batch(tmp_path / "acme_order-modifications.csv", 5)
    result = CliRunner().invoke(main, ["deliver", str(batch), "--to", str(tmp_path / "out"), "--state-dir",
                                       str(tmp_path / "st"), "--config", str(config.source)])
    assert result.exit_code == 2 and "two different state folders" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "out").exists()
