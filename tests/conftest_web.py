"""Fixtures for the workbench's tests (`from conftest_web import ...`).

- `Web`: the app through Starlette's TestClient at http://127.0.0.1:PORT, the launch key traded for the cookie,
  and `post` sending the page's CSRF token as htmx does.
- `served`: the app on a real socket (uvicorn in a thread, port 0), for a real browser.
- `open_page`: a signed-in tab of Debian's Chromium (`browser`, a fixture of tests/conftest.py: one per test module,
  never two at once in one process; locally a missing Chromium skips, under CI=true it fails).
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from batchkit.web.app import Bench, create_app
from batchkit.web.guard import Keys
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


@dataclass
class Served:
    """The workbench on a real socket: `url` carries the launch key."""

    url: str
    base: str
    bench: Bench


def start_served(settings: ServeSettings) -> tuple[Served, Any, threading.Thread]:
    import uvicorn

    from batchkit.web.serve import bind

    sock = bind(0)
    port = sock.getsockname()[1]
    keys = Keys(port)
    settings = ServeSettings(settings.state_dir, port, settings.max_upload, settings.keep_days, settings.config_path)
    app = create_app(settings, keys)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off"))
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]  # not the main thread
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "the workbench did not start"
    return Served(keys.url(), f"http://127.0.0.1:{port}", app.app.state.bench), server, thread


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    got, server, thread = start_served(serve_settings_for(tmp_path))
    yield got
    server.should_exit = True
    thread.join(10)
    got.bench.tasks.shutdown()


@pytest.fixture
def open_page(browser: Any, served: Served) -> Iterator[Any]:
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
