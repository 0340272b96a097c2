"""The Build page through Starlette's TestClient: the Shopify sample built as `batchkit.build` builds it, the
choices remembered in batchkit.toml (its other lines kept), the files downloaded, rows that produced nothing."""

from __future__ import annotations

import io
import re
import zipfile
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from conftest_web import Web, make_web, serve_settings_for, web  # noqa: F401

import batchkit
from batchkit.core.config import load_config

ROOT = Path(__file__).resolve().parent.parent
SHOPIFY = ROOT / "samples" / "shopify"
STAMP = re.compile(r"_\d{8}T\d{6}Z")


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("BATCHKIT_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.chdir(tmp_path)


def _bench(tmp_path: Path, config: str) -> Web:
    return make_web(serve_settings_for(tmp_path, config=config))


def _build(w: Web, export: Path, preset: str = "shopify", tracker: str = "2240", name: str | None = None) -> str:
    got = w.post("/build/run", files={"export": (name or export.name, export.read_bytes())},
                 data={"preset": preset, "action_tracker_id": tracker})
    assert got.status_code == 200, got.text
    poll = re.search(r'hx-get="(/build/task/[0-9a-f]+)"', got.text)
    assert poll, got.text
    return str(w.wait(poll[1]).text)


def _cells(html: str, kind: str) -> list[list[str]]:
    table = re.search(rf'<table class="kind-totals" data-kind="{kind}">(.*?)</table>', html, re.DOTALL)
    assert table, f"no table for {kind}"
    rows = re.findall(r"<tr>(.*?)</tr>", table[1].split("<tbody>")[1], re.DOTALL)
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.DOTALL)] for r in rows]


def test_the_shopify_sample_shows_what_batchkit_build_decides(tmp_path: Path) -> None:
    w = _bench(tmp_path, (SHOPIFY / "batchkit.toml").read_text())
    try:
        html = _build(w, SHOPIFY / "orders_export.csv")
    finally:
        w.bench.tasks.shutdown()
    want = batchkit.build(SHOPIFY / "orders_export.csv", tmp_path / "direct", SHOPIFY / "batchkit.toml", dry_run=True)
    assert want.result is not None and want.ok and 'data-ok="yes"' in html
    assert f"Read {want.result.lines} lines, {want.result.orders} orders" in html
    for kind, frame in want.result.records.items():
        shown = _cells(html, kind)
        assert sum(int(r[2]) for r in shown) == len(frame)
        counted = Counter((str(r), str(c or "")) for r, c in zip(frame["Reason"], frame.get("CurrencyCode", [""] * len(frame))))
        assert {(r[0], r[1] if "CurrencyCode" in frame else ""): int(r[2]) for r in shown} == \
            {(r, c or ("(account currency)" if "CurrencyCode" in frame else "")): n for (r, c), n in counted.items()}
        if "CurrencyCode" in frame:  # the new amounts' totals: exact decimals, per reason and currency
            for reason, currency, _n, total in shown:
                rows = frame[(frame["Reason"] == reason) & (frame["CurrencyCode"] == currency)]
                assert Decimal(total) == sum((Decimal(a) for a in rows["Amount"]), Decimal(0))
    removed = dict(re.findall(r'<tr><td>([A-Z]{3}|\(account currency\))</td><td class="num">([0-9.]+)</td></tr>',
                              html.split('<table class="removed">')[1].split("</table>")[0]))
    assert {k: Decimal(v) for k, v in removed.items()} == want.result.removed
    for why, n in want.result.skipped.items():
        assert re.search(rf"<td>{re.escape(why)}</td><td class=\"num\">{n}</td>", html)


def test_the_choices_are_remembered_and_the_files_comments_survive(tmp_path: Path) -> None:
    text = (SHOPIFY / "batchkit.toml").read_text().replace('preset = "shopify"', 'preset = "returns"  # was chosen\n'
                                                                                    "# keep this comment")
    w = _bench(tmp_path, text)
    try:
        _build(w, SHOPIFY / "orders_export.csv", preset="shopify", tracker="3310")
    finally:
        w.bench.tasks.shutdown()
    after = (tmp_path / "batchkit.toml").read_text()
    assert 'preset = "shopify"  # was chosen' in after and "action_tracker_id = 3310" in after
    assert "# keep this comment" in after and "# the OrderId sent to impact.com at conversion time" in after
    assert after.replace('"shopify"  # was', '"returns"  # was').replace("3310", "2240") == text
    table = load_config(tmp_path / "batchkit.toml").table("build")
    assert table["preset"] == "shopify" and table["action_tracker_id"] == 3310 and table["prefix"] == "acme-shop"


def test_a_missing_configuration_file_is_created_with_just_build(tmp_path: Path) -> None:
    settings = serve_settings_for(tmp_path)
    w = make_web(settings)
    try:
        html = _build(w, SHOPIFY / "orders_export.csv", tracker="2240")
    finally:
        w.bench.tasks.shutdown()
    assert (tmp_path / "batchkit.toml").read_text() == '[build]\npreset = "shopify"\naction_tracker_id = 2240\n'
    assert 'data-ok="yes"' in html and "new file" in html


def test_the_zip_holds_the_files_batchkit_build_writes_byte_for_byte(tmp_path: Path) -> None:
    w = _bench(tmp_path, (SHOPIFY / "batchkit.toml").read_text())
    try:
        html = _build(w, SHOPIFY / "orders_export.csv")
        links = re.findall(r'href="(/build/download/[0-9a-f]+/[^"]+)"', html)
        got = w.get(next(link for link in links if link.endswith("all.zip")))
        one = w.get(links[0])
    finally:
        w.bench.tasks.shutdown()
    assert got.status_code == 200 and got.headers["content-type"] == "application/zip"
    direct = batchkit.build(SHOPIFY / "orders_export.csv", tmp_path / "direct", SHOPIFY / "batchkit.toml")
    want = {STAMP.sub("", p.name): p.read_bytes() for p in direct.written}
    with zipfile.ZipFile(io.BytesIO(got.content)) as archive:
        zipped = {STAMP.sub("", n): archive.read(n) for n in archive.namelist()}
    assert zipped == want and len(want) == 2
    assert one.content in want.values() and "attachment" in one.headers["content-disposition"]


def test_go_on_to_deliver_links_the_built_files_as_uploads(tmp_path: Path) -> None:
    w = _bench(tmp_path, (SHOPIFY / "batchkit.toml").read_text())
    try:
        html = _build(w, SHOPIFY / "orders_export.csv")
        link = re.search(r'href="(/deliver\?[^"]+)" id="go-deliver"', html)
        assert link
        ids = re.findall(r"files=([0-9a-f]{20})", link[1])
        uploads = [w.bench.uploads.get(i) for i in ids]
    finally:
        w.bench.tasks.shutdown()
    assert len(ids) == 2 and all(u is not None for u in uploads)
    assert sorted(STAMP.sub("", u.name) for u in uploads if u) == ["acme-shop_order-modifications.csv",
                                                                   "acme-shop_order-reversals.csv"]


def test_rows_that_produce_nothing_are_listed_with_why(tmp_path: Path) -> None:
    export = tmp_path / "returns.csv"
    export.write_text("Order Number,Line SKU,Qty Ordered,Unit Price,Qty Returned,Return Reason,Currency\n"
                      "1001,A,1,10.00,1,ITEM_RETURNED,USD\n"  # returned: a reversal
                      "1002,B,2,5.00,0,,USD\n"  # nothing returned: produces nothing
                      "1003,C,1,7.50,0,,EUR\n")
    w = _bench(tmp_path, "[build]\npreset = \"returns\"\n")
    try:
        html = _build(w, export, preset="returns", tracker="2240")
    finally:
        w.bench.tasks.shutdown()
    want = batchkit.build(export, tmp_path / "d", tmp_path / "batchkit.toml", dry_run=True)
    assert want.result is not None and want.result.skipped
    skipped = html.split("What produced nothing, and why")[1]
    for why, n in want.result.skipped.items():
        assert re.search(rf"<td>{re.escape(why)}</td><td class=\"num\">{n}</td>", skipped)


def test_an_export_with_errors_writes_nothing_and_shows_them_at_their_rows(tmp_path: Path) -> None:
    export = tmp_path / "returns.csv"
    export.write_text("Order Number,Line SKU,Qty Ordered,Unit Price,Qty Returned,Return Reason,Currency\n"
                      "1001,A,1,10.00,1,NOT_A_REASON,USD\n1002,B,two,5.00,0,,USD\n")
    w = _bench(tmp_path, "")
    try:
        html = _build(w, export, preset="returns", tracker="")
    finally:
        w.bench.tasks.shutdown()
    assert 'data-ok="no"' in html and "Nothing was written" in html and "/deliver?" not in html
    rows = set(re.findall(r'<tr class="sev-error" data-row="(\d+)">', html))
    assert {"2", "3"} <= rows and not list((tmp_path / "state" / "serve" / "builds").rglob("*.csv"))


def test_a_preset_batchkit_does_not_know_is_refused_and_nothing_is_written(web: Web, tmp_path: Path) -> None:  # noqa: F811
    got = web.post("/build/run", files={"export": ("orders.csv", b"a,b\n1,2\n")},
                   data={"preset": "../../etc", "action_tracker_id": "1"})
    assert "Could not do that" in got.text and "preset" in got.text
    assert not (tmp_path / "batchkit.toml").exists()
    got = web.post("/build/run", files={"export": ("orders.csv", b"a,b\n1,2\n")},
                   data={"preset": "shopify", "action_tracker_id": "-4"})
    assert "positive whole number" in got.text and not (tmp_path / "batchkit.toml").exists()


def test_the_page_has_a_labelled_drop_zone_and_controls(web: Web) -> None:  # noqa: F811
    html = web.get("/build").text
    assert re.search(r'<div class="drop" data-drop>\s*<label for="build-export">', html)
    for control in ("build-export", "build-preset", "build-tracker"):
        assert f'for="{control}"' in html and f'id="{control}"' in html
    assert '<link rel="stylesheet" href="/static/build.css">' in html
    assert web.get("/static/build.css").status_code == 200


@pytest.mark.parametrize(("before", "after"), [
    ("", '[build]\npreset = "shopify"\naction_tracker_id = 7\n'),
    ("[api]\nsync_days = 30", '[api]\nsync_days = 30\n\n[build]\npreset = "shopify"\naction_tracker_id = 7\n'),
    ('[build]\npreset = "returns" # mine\n\n[build.reasons]\n"x" = "ITEM_RETURNED"\n',
     '[build]\npreset = "shopify" # mine\naction_tracker_id = 7\n\n[build.reasons]\n"x" = "ITEM_RETURNED"\n'),
    ('# top\r\n[build]\r\naction_tracker_id = 1\r\nlevel = "order"\r\n[deliver]\r\nto = "out"',
     '# top\r\n[build]\r\naction_tracker_id = 7\r\nlevel = "order"\r\npreset = "shopify"\r\n[deliver]\r\nto = "out"'),
])
def test_only_the_two_keys_of_build_change(before: str, after: str) -> None:
    from batchkit.web.pages.build_config import with_build_keys

    assert with_build_keys(before, {"preset": '"shopify"', "action_tracker_id": "7"}) == after


def test_a_file_the_change_would_break_is_left_as_it_was(tmp_path: Path) -> None:
    from batchkit.core.errors import ConfigError
    from batchkit.web.pages.build_config import remember

    path = tmp_path / "batchkit.toml"
    text = 'build.prefix = "x"  # a dotted key: a [build] table added after it is a TOML error\n'
    path.write_text(text)
    with pytest.raises(ConfigError, match="left as it was"):
        remember(path, "shopify", 5)
    assert path.read_text() == text


def test_the_rows_that_produced_nothing_are_listed_under_their_reason(tmp_path: Path) -> None:
    w = _bench(tmp_path, (SHOPIFY / "batchkit.toml").read_text())
    try:
        html = _build(w, SHOPIFY / "orders_export.csv")
    finally:
        w.bench.tasks.shutdown()
    want = batchkit.build(SHOPIFY / "orders_export.csv", tmp_path / "d", SHOPIFY / "batchkit.toml", dry_run=True)
    assert want.result is not None and want.result.skipped_rows == {"orders not refunded or cancelled": [2, 8]}
    skipped = html.split("What produced nothing, and why")[1].split("</table>")[0]
    assert re.search(r'<td>orders not refunded or cancelled</td><td class="num">2</td></tr>\s*'
                     r'<tr class="skipped-rows" data-why="orders not refunded or cancelled"><td colspan="2">'
                     r"Export rows 2, 8</td></tr>", skipped)


def test_past_fifty_rows_the_page_says_how_many_more(tmp_path: Path) -> None:
    export = tmp_path / "returns.csv"
    export.write_text("Order Number,Line SKU,Qty Ordered,Unit Price,Qty Returned,Return Reason,Currency\n"
                      "1000,A,1,10.00,1,ITEM_RETURNED,USD\n"  # row 2: a reversal
                      + "".join(f"{1001 + k},A,1,5.00,0,,USD\n" for k in range(60)))  # rows 3-62: nothing
    w = _bench(tmp_path, "[build]\npreset = \"returns\"\n")
    try:
        html = _build(w, export, preset="returns", tracker="2240")
    finally:
        w.bench.tasks.shutdown()
    rows = re.search(r'data-why="orders unchanged"><td colspan="2">Export rows ([0-9, ]+) and (\d+) more</td>', html)
    assert rows, html
    assert [int(n) for n in rows[1].split(", ")] == list(range(3, 53)) and rows[2] == "10"
