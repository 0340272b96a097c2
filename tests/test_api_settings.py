"""[api] settings: precedence, the token only from the environment, loopback-only plain HTTP, ranges."""

from __future__ import annotations

from pathlib import Path

import pytest

from batchkit.api.settings import api_settings
from batchkit.core.config import load_config
from batchkit.core.errors import ConfigError, UsageError

ENV = {"IMPACT_ACCOUNT_SID": "IRENV", "IMPACT_AUTH_TOKEN": "s3cret-token", "HOME": "/nonexistent-home"}


def _config(tmp_path: Path, text: str = "") -> object:
    path = tmp_path / "batchkit.toml"
    path.write_text(text)
    return load_config(path)


def test_flag_beats_environment_beats_file_beats_default(tmp_path: Path) -> None:
    config = _config(tmp_path, '[api]\nurl = "https://file.example.com"\ncampaign_id = 11\naccount_sid = "IRFILE"\n')
    s = api_settings(config, {}, ENV)
    assert (s.url, s.campaign_id, s.account_sid) == ("https://file.example.com", "11", "IRENV")
    s = api_settings(config, {}, {**ENV, "BATCHKIT_CAMPAIGN_ID": "22", "BATCHKIT_API_URL": "http://127.0.0.1:9"})
    assert (s.url, s.campaign_id) == ("http://127.0.0.1:9", "22")
    s = api_settings(config, {"campaign_id": "33", "url": "https://flag.example.com"}, ENV)
    assert (s.url, s.campaign_id) == ("https://flag.example.com", "33")
    assert api_settings(_config(tmp_path), {}, ENV).url == "https://api.impact.com"
    assert api_settings(_config(tmp_path), {}, ENV).page_size == 20_000


@pytest.mark.parametrize("key", ["token", "auth_token", "password"])
def test_a_token_in_the_file_is_a_configuration_error(tmp_path: Path, key: str) -> None:
    with pytest.raises(ConfigError, match="never goes in batchkit.toml; set IMPACT_AUTH_TOKEN") as info:
        api_settings(_config(tmp_path, f'[api]\n{key} = "s3cret-token"\n'), {}, ENV)
    assert "s3cret-token" not in str(info.value)


def test_the_token_never_shows_in_repr(tmp_path: Path) -> None:
    s = api_settings(_config(tmp_path), {}, ENV)
    assert s.token == "s3cret-token" and "s3cret" not in repr(s)


def test_a_missing_token_is_said_when_a_request_needs_it(tmp_path: Path) -> None:
    s = api_settings(_config(tmp_path), {}, {"IMPACT_ACCOUNT_SID": "IR1"})
    with pytest.raises(ConfigError, match="set IMPACT_AUTH_TOKEN"):
        s.need_token()
    with pytest.raises(ConfigError, match="no impact.com account"):
        api_settings(_config(tmp_path), {}, {"IMPACT_AUTH_TOKEN": "x"})


@pytest.mark.parametrize("url", ["http://api.impact.com", "http://10.0.0.5:8080", "ftp://127.0.0.1",
                                 "https://api.impact.com/Advertisers/IR1", "https://user:pw@api.impact.com"])
def test_plain_http_only_to_loopback_and_the_root_only(tmp_path: Path, url: str) -> None:
    with pytest.raises(ConfigError):
        api_settings(_config(tmp_path), {}, {**ENV, "BATCHKIT_API_URL": url})


@pytest.mark.parametrize("url", ["http://127.0.0.1:8089", "http://localhost:1", "http://[::1]:80",
                                 "https://api.impact.com/"])
def test_loopback_http_and_https_are_accepted(tmp_path: Path, url: str) -> None:
    assert api_settings(_config(tmp_path), {}, {**ENV, "BATCHKIT_API_URL": url}).url == url.rstrip("/")


@pytest.mark.parametrize("line", ["page_size = 1999", "page_size = 20001", "requests_per_hour = 0",
                                  "timeout = nan", "timeout = inf", "sync_days = 2000", 'sync_days = "90"',
                                  "retries = 21", "unknown_key = 1", "max_body_mb = 0", "max_body_mb = 2048",
                                  "max_body_mb = 1.5", "max_inflate_ratio = 1", "request_seconds = 0",
                                  "request_seconds = 7200", 'request_seconds = "60"'])
def test_values_out_of_range_or_of_the_wrong_type_are_refused(tmp_path: Path, line: str) -> None:
    with pytest.raises(ConfigError, match=r"\[api\]"):
        api_settings(_config(tmp_path, f"[api]\n{line}\n"), {}, ENV)


def test_an_empty_flag_is_an_error_not_a_fallback(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="--campaign-id is empty"):
        api_settings(_config(tmp_path), {"campaign_id": " "}, ENV)


def test_the_state_dir_from_the_file_is_relative_to_the_file(tmp_path: Path) -> None:
    (tmp_path / "conf").mkdir()
    path = tmp_path / "conf" / "batchkit.toml"
    path.write_text('[api]\nstate_dir = "state"\n')
    assert api_settings(load_config(path), {}, ENV).state_dir == tmp_path / "conf" / "state"
    path.write_text('[deliver]\nstate_dir = "ledger"\n')
    assert api_settings(load_config(path), {}, ENV).state_dir == tmp_path / "conf" / "ledger"


def test_the_state_dir_is_the_one_deliver_uses_top_level_first(tmp_path: Path) -> None:
    from batchkit.delivery.settings import resolve_settings

    (tmp_path / "conf").mkdir()
    path = tmp_path / "conf" / "batchkit.toml"
    path.write_text('state_dir = "top"\n[api]\nstate_dir = "./top/"\n')
    config = load_config(path)
    assert api_settings(config, {}, ENV).state_dir == resolve_settings(config, {}, ENV).state_dir == tmp_path / "conf" / "top"
    with pytest.raises(UsageError, match="--state-dir is empty"):
        api_settings(config, {"state_dir": ""}, ENV)


def test_the_limits_of_answers_have_defaults_and_are_read_from_the_file(tmp_path: Path) -> None:
    s = api_settings(_config(tmp_path), {}, ENV)
    assert (s.max_body_mb, s.max_inflate_ratio, s.request_seconds) == (64, 100.0, 300.0)
    s = api_settings(_config(tmp_path, "[api]\nmax_body_mb = 128\nmax_inflate_ratio = 20\nrequest_seconds = 30\n"),
                     {}, ENV)
    assert (s.max_body_mb, s.max_inflate_ratio, s.request_seconds) == (128, 20.0, 30.0)
