"""`batchkit serve` as a process: one URL on 127.0.0.1 with the launch key, the key traded for a cookie, Ctrl-C
stops it cleanly (exit 130), a busy port or a bad setting is one line and exit 2, the key never reaches a log."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from batchkit.web.serve import HOST, bind

BATCHKIT = [sys.executable, "-m", "batchkit"]


def _start(tmp_path: Path, *args: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([*BATCHKIT, "serve", "--port", "0", "--state-dir", str(tmp_path / "state"), *args],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    found = re.search(r"http://127\.0\.0\.1:\d+/\?key=\S+", line)
    assert found, line + (proc.stderr.read() if proc.poll() is not None and proc.stderr else "")
    return proc, found.group()


def test_serve_prints_one_url_the_key_opens_and_ctrl_c_exits_130(tmp_path: Path) -> None:
    proc, url = _start(tmp_path)
    try:
        base = url.split("/?")[0]
        assert httpx.get(f"{base}/check").status_code == 403  # no key, no cookie
        with httpx.Client(follow_redirects=True) as client:
            page = client.get(url)
            assert page.status_code == 200 and "<nav" in page.text and str(page.url) == f"{base}/check"
            assert "key=" not in str(page.url)
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 130, err
    assert "stopped" in err and "Traceback" not in err
    key = url.rsplit("=", 1)[1]
    assert key not in err  # uvicorn's access log is off: the first request's address never reaches a log


def test_a_busy_port_is_one_line_and_exit_2(tmp_path: Path) -> None:
    taken = bind(0)
    try:
        port = taken.getsockname()[1]
        got = subprocess.run([*BATCHKIT, "serve", "--port", str(port), "--state-dir", str(tmp_path)],
                             capture_output=True, text=True, timeout=30)
    finally:
        taken.close()
    assert got.returncode == 2
    assert got.stderr.count("\n") == 1 and f"port {port}" in got.stderr and "busy" in got.stderr


@pytest.mark.parametrize(("text", "words"), [('[serve]\nport = "eighty"\n', "[serve] port must be a port number"),
                                             ("[serve]\nport = 70000\n", "port must be a whole number from 0"),
                                             ("[serve]\nhost = \"0.0.0.0\"\n", "unknown key 'host' in [serve]")])
def test_a_bad_serve_setting_is_one_line_and_exit_2(tmp_path: Path, text: str, words: str) -> None:
    (tmp_path / "batchkit.toml").write_text(text)
    got = subprocess.run([*BATCHKIT, "serve", "--state-dir", str(tmp_path / "s")], cwd=tmp_path,
                         capture_output=True, text=True, timeout=30)
    assert got.returncode == 2 and words in got.stderr and "Traceback" not in got.stderr, got.stderr


def test_the_workbench_listens_on_loopback_only() -> None:
    sock = bind(0)
    try:
        assert sock.getsockname()[0] == HOST == "127.0.0.1"
        port = sock.getsockname()[1]
        others = [a for a in _addresses() if not a.startswith("127.")]
        for address in others:  # every other address of this machine refuses the port
            with pytest.raises(OSError):
                socket.create_connection((address, port), timeout=2).close()
    finally:
        sock.close()


def _addresses() -> list[str]:
    try:
        out = subprocess.run(["hostname", "-I"], capture_output=True, text=True, timeout=5).stdout
    except OSError:
        return []
    return [a for a in out.split() if ":" not in a]


def test_sigterm_stops_it_cleanly(tmp_path: Path) -> None:
    proc, _ = _start(tmp_path)
    time.sleep(0.2)
    proc.terminate()
    _, err = proc.communicate(timeout=20)
    assert proc.returncode in (0, -signal.SIGTERM) and "Traceback" not in err, err
    assert os.path.isdir(tmp_path / "state" / "serve" / "uploads")
