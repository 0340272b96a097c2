"""The workbench's security model (SPEC §8) through Starlette's TestClient: host, launch key, CSRF, bounds, CSP."""

from __future__ import annotations

from pathlib import Path

from conftest_web import PORT, Web, make_web, serve_settings_for, web  # noqa: F401
from starlette.testclient import TestClient

from batchkit.web.app import create_app
from batchkit.web.guard import CSP, Keys
from batchkit.web.uploads import Uploads, safe_name


def test_a_wrong_host_is_refused_even_with_the_cookie(web: Web) -> None:
    assert web.get("/check").status_code == 200
    for host in ("evil.example:8765", f"127.0.0.1:{PORT + 1}", "localhost", "attacker.127.0.0.1.nip.io:8765"):
        got = web.get("/check", headers={"host": host})
        assert got.status_code == 421, host
        assert "127.0.0.1" in got.text


def test_no_key_and_no_cookie_is_refused(tmp_path: Path) -> None:
    settings = serve_settings_for(tmp_path)
    keys = Keys(settings.port)
    client = TestClient(create_app(settings, keys), base_url=f"http://127.0.0.1:{PORT}", follow_redirects=False)
    assert client.get("/check").status_code == 403
    assert client.get("/static/app.js").status_code == 403
    assert client.get("/check?key=wrong").status_code == 403
    client.cookies.set(keys.cookie, "forged")
    assert client.get("/check").status_code == 403


def test_the_key_is_traded_for_an_httponly_strict_cookie_and_dropped_from_the_address(tmp_path: Path) -> None:
    settings = serve_settings_for(tmp_path)
    keys = Keys(settings.port)
    client = TestClient(create_app(settings, keys), base_url=f"http://127.0.0.1:{PORT}", follow_redirects=False)
    got = client.get(f"/status?key={keys.launch}&x=1")
    assert got.status_code == 303
    assert got.headers["location"] == "/status?x=1"
    cookie = got.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and keys.launch not in cookie
    assert client.get("/status").status_code == 200


def test_a_post_without_the_csrf_token_is_refused(web: Web) -> None:
    got = web.client.post("/check/upload", files={"files": ("a.csv", b"x\n")})
    assert got.status_code == 403 and "CSRF" in got.text
    got = web.client.post("/check/upload", headers={"X-CSRF-Token": "nope"}, files={"files": ("a.csv", b"x\n")})
    assert got.status_code == 403


def test_a_post_from_another_origin_is_refused(web: Web) -> None:
    got = web.post("/check/upload", headers={"Origin": "http://evil.example"}, files={"files": ("a.csv", b"x\n")})
    assert got.status_code == 403


def test_an_upload_over_the_limit_is_413(tmp_path: Path) -> None:
    w = make_web(serve_settings_for(tmp_path, max_mb=1))
    got = w.post("/check/upload", files={"files": ("big.csv", b"a" * (1 << 20) + b"b" * 10)})
    assert got.status_code == 413
    assert not any((tmp_path / "state" / "serve" / "uploads").rglob("big.csv"))


def test_every_answer_carries_the_csp_and_the_csp_allows_only_the_app_itself(web: Web) -> None:
    for url in ("/check", "/status", "/static/app.css", "/nowhere"):
        got = web.get(url)
        assert got.headers["content-security-policy"] == CSP, url
        assert got.headers["x-frame-options"] == "DENY"
    assert "script-src 'self'" in CSP and "unsafe-inline" not in CSP and "http" not in CSP


def test_pages_have_no_inline_script_and_load_nothing_from_another_origin(web: Web) -> None:
    import re

    for url in ("/check", "/build", "/deliver", "/status", "/radar", "/inquiries"):
        html = web.get(url).text
        assert not re.search(r"<script(?![^>]*\bsrc=\"/static/)", html), url
        assert not re.search(r"""(src|href)=["']https?://""", html), url
        assert not re.search(r"\son[a-z]+=", html), url  # no inline event handlers


def test_an_upload_named_with_a_path_is_stored_under_batchkits_own_name(tmp_path: Path) -> None:
    uploads = Uploads(tmp_path / "uploads", 7)
    import io

    for given in ("../../x.csv", "..\\..\\x.csv", "/etc/passwd.csv", ".hidden.csv", "a\x00b.csv", "", "..", "é ü.csv"):
        got = uploads.save(io.BytesIO(b"data\n"), given, 100)
        assert got.path.parent.parent == tmp_path / "uploads", given
        assert got.path.name == safe_name(given) and "/" not in got.path.name and not got.path.name.startswith(".")
        assert uploads.get(got.id) == got
    assert not (tmp_path / "x.csv").exists() and not (tmp_path.parent / "x.csv").exists()
    assert uploads.get("../../etc") is None and uploads.get("") is None


def test_old_uploads_are_removed_after_keep_days(tmp_path: Path) -> None:
    import io
    import os
    import time

    uploads = Uploads(tmp_path / "uploads", 2)
    old, new = (uploads.save(io.BytesIO(b"x\n"), "a.csv", 10) for _ in range(2))
    past = time.time() - 3 * 86400
    os.utime(old.path.parent, (past, past))
    assert uploads.sweep() == 1
    assert uploads.get(old.id) is None and uploads.get(new.id) is not None
