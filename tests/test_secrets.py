"""The token never leaves through a server's echo, a URL or the configuration file: one scrubber
(batchkit.core.secrets) for every text from a server or a URL, the sandbox's echo_auth fault on a real socket,
and a secret-looking key refused in any section by every command."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from conftest_api import CAMPAIGN, SID, TOKEN, api_env

from batchkit.core.config import load_config
from batchkit.core.errors import ConfigError
from batchkit.core.secrets import credentials_of, scrub
from batchkit.sandbox import Sandbox

ROOT = Path(__file__).resolve().parent.parent
PAIR = f"{SID}:{TOKEN}".encode()
# every spelling of the secret a server could send back: none may appear anywhere batchkit writes
FORBIDDEN = sorted({TOKEN, base64.b64encode(PAIR).decode(), base64.b64encode(PAIR).decode().rstrip("="),
                    base64.urlsafe_b64encode(PAIR).decode(), base64.urlsafe_b64encode(PAIR).decode().rstrip("="),
                    quote(TOKEN, safe=""), base64.b64encode(TOKEN.encode()).decode().rstrip("=")})


def _leaks(text: str | bytes) -> list[str]:
    data = text.encode() if isinstance(text, str) else text
    return [s for s in FORBIDDEN if s.encode() in data]


@pytest.mark.parametrize("said", [
    f"Basic {base64.b64encode(PAIR).decode()}",
    f"bad request: Basic {base64.urlsafe_b64encode(PAIR).decode().rstrip('=')} was sent",
    f'{{"Authorization": "Basic {base64.b64encode(PAIR).decode()}"}}',
    f"Authorization: {SID}:{TOKEN}",
    f"echo {base64.b64encode(PAIR).decode().rstrip('=')} and {base64.urlsafe_b64encode(PAIR).decode()}",
    f"https://x.example/?token={quote(TOKEN, safe='')}&t2={quote(TOKEN, safe='').lower()}",
    f"the token {TOKEN} itself",
    "Bearer Zm9vYmFyYmF6cXV4MTIz",
])
def test_every_form_of_the_token_is_scrubbed(said: str) -> None:
    got = scrub(said, SID, TOKEN)
    assert not _leaks(got) and "***" in got
    assert "Zm9vYmFyYmF6cXV4MTIz" not in got  # anyone's credential after Basic/Bearer, not only ours


def test_ordinary_words_are_left_alone() -> None:
    text = "Basic validation failed: the basic plan has no Authorization for this campaign"
    assert scrub(text, SID, TOKEN) == text
    assert scrub("", SID, TOKEN) == "" and scrub("no token known", "", "") == "no token known"


def test_the_credentials_of_a_basic_header() -> None:
    assert credentials_of("Basic " + base64.b64encode(PAIR).decode()) == (SID, TOKEN)
    assert credentials_of("Bearer abc") == ("", "") and credentials_of("Basic !!!") == ("", "")


def _batchkit(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """batchkit in a child process: its real stdout and stderr (a --debug traceback included)."""
    full = {"PATH": os.environ.get("PATH", ""), "HOME": str(cwd), "PYTHONPATH": str(ROOT), **env}
    return subprocess.run([sys.executable, "-m", "batchkit", *args], check=False, capture_output=True, text=True,
                          env=full, cwd=cwd, timeout=120)


def _files_leak(folder: Path) -> list[tuple[str, list[str]]]:
    """Every file under `folder` (the ledger's database and its journal included) that holds the secret."""
    return [(str(p), found) for p in folder.rglob("*") if p.is_file() and (found := _leaks(p.read_bytes()))]


@pytest.mark.parametrize("debug", [False, True])
def test_an_echoed_authorization_on_a_write_is_scrubbed_everywhere(tmp_path: Path, debug: bool) -> None:
    batch = tmp_path / "acme_order-modifications.csv"
    batch.write_text("ActionId,Amount,Reason\n1000.4636.158201,50.00,ORDER_UPDATE\n")
    with Sandbox(account_sid=SID, auth_token=TOKEN, campaign_id=CAMPAIGN, process_seconds=0) as sb:
        sb.faults.echo_auth(status=400, times=5, path_contains="Actions")
        env = api_env(sb.url, tmp_path)
        args = (["--debug"] if debug else []) + ["deliver", str(batch), "--to", "api"]
        done = _batchkit(args, env, tmp_path)
        status = _batchkit(["status"], env, tmp_path)
    assert done.returncode != 0 and "400" in done.stdout + done.stderr, done.stdout + done.stderr
    assert "***" in done.stdout + done.stderr  # the echo is said, scrubbed
    assert not _leaks(done.stdout) and not _leaks(done.stderr), done.stdout + done.stderr
    assert not _leaks(status.stdout + status.stderr)
    assert list((tmp_path / "state").rglob("*")) and not _files_leak(tmp_path)


@pytest.mark.parametrize("debug", [False, True])
def test_an_echoed_authorization_on_a_read_is_scrubbed(tmp_path: Path, debug: bool) -> None:
    with Sandbox(account_sid=SID, auth_token=TOKEN, campaign_id=CAMPAIGN, process_seconds=0) as sb:
        sb.faults.echo_auth(status=400, times=5, path_contains="Actions")
        done = _batchkit((["--debug"] if debug else []) + ["actions", "sync"], api_env(sb.url, tmp_path), tmp_path)
        sb.faults.echo_auth(status=403, times=5, path_contains="ActionInquiries")
        pulled = _batchkit(["inquiries", "pull", "-o", str(tmp_path / "in.csv")], api_env(sb.url, tmp_path),
                           tmp_path)
    assert done.returncode != 0 and "400" in done.stderr, done.stderr
    assert pulled.returncode != 0 and "403" in pulled.stderr, pulled.stderr
    for run in (done, pulled):
        assert not _leaks(run.stdout + run.stderr), run.stdout + run.stderr
    assert not _files_leak(tmp_path)


def test_a_token_a_server_puts_in_a_record_never_reaches_the_mirror_or_the_output(tmp_path: Path) -> None:
    """A 200 answer holding the token (an ErrorReason that echoes it): scrubbed before any value is read."""
    batch = tmp_path / "acme_order-modifications.csv"
    batch.write_text("ActionId,Amount,Reason\n1000.4636.158201,50.00,ORDER_UPDATE\n")
    echoed = base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
    with Sandbox(account_sid=SID, auth_token=TOKEN, campaign_id=CAMPAIGN, process_seconds=0) as sb:
        sb.faults.submission_error("Validation", f"MALFORMED Authorization: Basic {echoed} token={TOKEN}")
        env = api_env(sb.url, tmp_path)
        sent = _batchkit(["deliver", str(batch), "--to", "api"], env, tmp_path)
        sb.settle()
        verdict = _batchkit(["results"], env, tmp_path)
        synced = _batchkit(["actions", "sync"], env, tmp_path)
    assert sent.returncode == 0 and synced.returncode == 0, sent.stderr + synced.stderr
    assert verdict.returncode == 1 and "MALFORMED" in verdict.stdout and "***" in verdict.stdout, verdict.stdout
    for run in (sent, verdict, synced):
        assert not _leaks(run.stdout + run.stderr), run.stdout + run.stderr
    assert not _files_leak(tmp_path)


@pytest.mark.parametrize("url", [
    f"ftp://{SID}:{TOKEN}@api.example.com/x?token={TOKEN}",
    f"{SID}:{TOKEN}@api.example.com",
    TOKEN,
    f"https://{SID}:{TOKEN}@api.example.com",
    f"https://api.example.com/?token={quote(TOKEN, safe='')}",
])
def test_a_url_holding_the_token_is_never_repeated(tmp_path: Path, url: str) -> None:
    env = {**api_env("http://127.0.0.1:9", tmp_path), "BATCHKIT_API_URL": url}
    for debug in ([], ["--debug"]):
        done = _batchkit([*debug, "actions", "sync"], env, tmp_path)
        assert done.returncode != 0 and "URL" in done.stderr, done.stderr
        assert not _leaks(done.stdout + done.stderr), done.stderr


SECTIONS = [("api", "token"), ("deliver", "auth_token"), ("deliver", "password"), ("inquiries", "secret"),
            ("build", "api_token"), ("run", "credentials"), ("validate", "token"), (None, "token")]


@pytest.mark.parametrize("section, key", SECTIONS)
def test_a_secret_in_any_section_is_refused_when_the_file_is_loaded(tmp_path: Path, section: str | None,
                                                                     key: str) -> None:
    path = tmp_path / "batchkit.toml"
    path.write_text((f"[{section}]\n" if section else "") + f'{key} = "{TOKEN}"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    said = str(caught.value)
    assert f"[{section}] {key}" in said if section else f": {key}:" in said
    assert "IMPACT_AUTH_TOKEN" in said and TOKEN not in said


@pytest.mark.parametrize("command", [["actions", "sync"], ["inquiries", "pull", "-o", "x.csv"],
                                     ["validate", "--preflight", "FILE"], ["deliver", "FILE", "--to", "api"],
                                     ["results"], ["status"]])
def test_every_command_refuses_a_token_under_deliver(tmp_path: Path, command: list[str]) -> None:
    (tmp_path / "batchkit.toml").write_text(f'[deliver]\ntoken = "{TOKEN}"\n')
    batch = tmp_path / "acme_order-modifications.csv"
    batch.write_text("ActionId,Amount,Reason\n1000.4636.158201,50.00,ORDER_UPDATE\n")
    args = [str(batch) if a == "FILE" else a for a in command]
    done = _batchkit(args, api_env("http://127.0.0.1:9", tmp_path), tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "[deliver] token" in done.stderr and "IMPACT_AUTH_TOKEN" in done.stderr, done.stderr
    assert not _leaks(done.stdout + done.stderr)
