"""Fixtures for the workbench's tests (`from conftest_web import ...`).

- `Web`: the app through Starlette's TestClient at http://127.0.0.1:PORT, the launch key traded for the cookie,
  and `post` sending the page's CSRF token as htmx does.
- `served`: the app on a real socket (uvicorn in a thread, port 0), for a real browser.
- `open_page`: a signed-in tab of Debian's Chromium (`browser`, a fixture of tests/conftest.py: one per test module,
  never two at once in one process; locally a missing Chromium skips, under CI=true it fails).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from batchkit.web.app import Bench, create_app
from batchkit.web.guard import Keys
from batchkit.web.serve import Running, start_in_thread
from batchkit.web.settings import ServeSettings

PORT = 8765


def serve_settings_for(tmp_path: Path, port: int = PORT, config: str | None = None, max_mb: int = 64,
                       keep_days: int = 7) -> ServeSettings:
    """Settings with the state folder and batchkit.toml under tmp_path (`config`: the file's text)."""
    path = tmp_path / "batchkit.toml"
    if config is not None:
        path.write_text(config)
    return ServeSettings(tmp_path / "state", port, max_mb << 20, keep_days, path)


@dataclass
class Web:
    """A TestClient already holding the session cookie; `post` adds the CSRF token."""

    client: TestClient
    keys: Keys
    app: Any

    @property
    def bench(self) -> Bench:
        return self.app.app.state.bench  # type: ignore[no-any-return]

    def get(self, url: str, **kw: Any) -> Any:
        return self.client.get(url, **kw)

    def post(self, url: str, **kw: Any) -> Any:
        headers = {"X-CSRF-Token": self.keys.csrf, "HX-Request": "true", **kw.pop("headers", {})}
        return self.client.post(url, headers=headers, **kw)

    def wait(self, url: str, until: str = r'data-state="(done|failed)"', timeout: float = 60) -> Any:
        """GET `url` until its body matches `until` (a task page finished), else fail."""
        deadline = time.monotonic() + timeout
        while True:
            got = self.get(url, headers={"HX-Request": "true"})
            if re.search(until, got.text) or time.monotonic() > deadline:
                assert re.search(until, got.text), f"{url} did not finish: {got.text[:500]}"
                return got
            time.sleep(0.05)


def make_web(settings: ServeSettings) -> Web:
    keys = Keys(settings.port)
    app = create_app(settings, keys)
    client = TestClient(app, base_url=f"http://127.0.0.1:{settings.port}", follow_redirects=False)
    traded = client.get(f"/?key={keys.launch}")
    assert traded.status_code == 303 and keys.cookie in traded.headers["set-cookie"]
    return Web(client, keys, app)


@pytest.fixture
def web(tmp_path: Path) -> Iterator[Web]:
    w = make_web(serve_settings_for(tmp_path))
    yield w
    w.bench.tasks.shutdown()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Running]:
    """The workbench on a real socket (uvicorn in a thread, port 0): `.url` carries the launch key, `.base` is
    the address without it, `.bench` the launch's Bench."""
    running = start_in_thread(serve_settings_for(tmp_path, port=0))
    yield running
    running.stop()


Served = Running


@pytest.fixture
def open_page(browser: Any, served: Running) -> Iterator[Any]:
    """A fresh tab on the workbench, signed in through the printed URL; cookies cleared afterwards."""
    page = browser.new_page()
    page.set_default_timeout(20_000)
    page.goto(served.url)
    yield page
    page.close()
    browser.clear_cookies()


def shot(page: Any, tmp_path: Path, name: str) -> Path:
    """A full-page screenshot under the test's tmp folder (kept for a person to look at)."""
    path = tmp_path / "screens" / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 1000
    return path
