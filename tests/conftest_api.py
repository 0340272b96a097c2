"""Fixtures for the API tests: the sandbox on 127.0.0.1 (a real socket) and settings pointing at it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from batchkit.api.client import ApiClient
from batchkit.api.settings import ApiSettings
from batchkit.sandbox import Sandbox

SID, TOKEN, CAMPAIGN = "IRSANDBOXACME1", "tok-9f8e7d6c5b4a", "4636"
START = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)  # the sandbox tests' "now"


class Clock:
    """A clock the test moves (a sandbox's `now=`)."""

    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    """The sandbox tests' clock, moved by the test."""
    return Clock()


READER = "read-only-tok"  # a scoped token of the clocked sandbox: reads only


@pytest.fixture
def clocked_sandbox(clock: Clock) -> Iterator[Sandbox]:
    """A sandbox on the test's clock, token `tok` and a read-only token READER."""
    with Sandbox(auth_token="tok", now=clock, read_only_tokens=(READER,)) as box:
        yield box


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    """The shipped seed, a generous rate limit, submissions that complete in 0.2 s."""
    with Sandbox(account_sid=SID, auth_token=TOKEN, campaign_id=CAMPAIGN, process_seconds=0.2) as sb:
        yield sb


def make_settings(url: str, tmp_path: Path, **kw: Any) -> ApiSettings:
    """Fast settings: short timeouts and backoff."""
    base: dict[str, Any] = {"account_sid": SID, "token": TOKEN, "url": url, "campaign_id": CAMPAIGN,
                            "state_dir": tmp_path / "state", "timeout": 2.0, "retries": 3, "backoff": 0.01,
                            "backoff_cap": 0.05, "page_size": 2000}
    base.update(kw)
    return ApiSettings(**base)


def client_for(url: str, tmp_path: Path, notes: list[str] | None = None, **kw: Any) -> ApiClient:
    return ApiClient(make_settings(url, tmp_path, **kw), notify=(notes.append if notes is not None else None))


def api_env(url: str, tmp_path: Path, token: str = TOKEN) -> dict[str, str]:
    """The environment a CLI run against the sandbox gets."""
    return {"BATCHKIT_API_URL": url, "IMPACT_ACCOUNT_SID": SID, "IMPACT_AUTH_TOKEN": token,
            "BATCHKIT_CAMPAIGN_ID": CAMPAIGN, "BATCHKIT_STATE_DIR": str(tmp_path / "state")}
