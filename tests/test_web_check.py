"""The Check page through Starlette's TestClient: the grid shows the library's findings in the file's own cells,
filters and server-side pages stay bounded, file content stays text, the reports and the fixed file download,
a path-like name stays in the uploads folder, a garbage file is one line, and preflight marks the sandbox's
locked action."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from conftest_api import TOKEN, api_env, sandbox  # noqa: F401
from conftest_web import Web, web  # noqa: F401
from markupsafe import escape

import batchkit

ROOT = Path(__file__).resolve().parent.parent
BROKEN = ROOT / "samples" / "broken" / "acme_order-modifications_broken.csv"
HEADER = "ActionId,Amount,CurrencyCode,Reason\n"
MARK = re.compile(r'<span class="badge[^"]*" data-code="(BK\d+)" data-row="(\d*)">')


def check(web: Web, name: str, data: bytes) -> tuple[str, str]:
    """Upload one file; (check id, the check's part of the page once done)."""
    got = web.post("/check/upload", files={"files": (name, data)})
    assert got.status_code == 200, got.text
    cid = got.headers["hx-push-url"].rsplit("/", 1)[-1]
    return cid, web.wait(f"/check/{cid}").text


def marks(text: str) -> list[tuple[str, int]]:
    return sorted((code, int(row or 0)) for code, row in MARK.findall(text))


def grid(web: Web, cid: str, **query: object) -> str:
    got = web.get(f"/check/{cid}/grid/0", params=query, headers={"HX-Request": "true"})
    assert got.status_code == 200
    return got.text


def every_page(web: Web, cid: str, **query: object) -> list[str]:
    first = grid(web, cid, **query)
    pages = int(re.search(r'data-pages="(\d+)"', first).group(1))  # type: ignore[union-attr]
    return [first] + [grid(web, cid, page=p, **query) for p in range(2, pages + 1)]


def library(path: Path) -> list[tuple[str, int]]:
    report = batchkit.validate([path], max_samples=0)
    return sorted((f.code, f.row or 0) for f in report.files[0].findings())


def many_bad(tmp_path: Path, rows: int, every: int = 2) -> Path:
    path = tmp_path / "acme_order-modifications_many.csv"
    lines = [f"1000.4636.{100000 + i},{'$' if i % every == 0 else ''}10.00,USD,ORDER_UPDATE\n" for i in range(rows)]
    path.write_text(HEADER + "".join(lines))
    return path


def test_the_grid_shows_the_librarys_findings_in_the_files_own_cells(web: Web) -> None:
    _, body = check(web, BROKEN.name, BROKEN.read_bytes())
    assert marks(body) == library(BROKEN)
    assert 'data-state="done"' in body and "order-modification" in body and "from the file name" in body
    # a cell with a finding: coloured by severity AND marked with its code as text, its message and fix on it
    cell = re.search(r'<td data-note tabindex="0" class="cell-error">(.*?)</td>', body, re.DOTALL)
    assert cell and "cell-note" in cell.group(1) and "Fix BK" in cell.group(1)
    row2 = re.search(r'<tr data-row="2">(.*?)</tr>', body, re.DOTALL).group(1)  # type: ignore[union-attr]
    assert "$12.50" in row2 and 'data-code="BK201"' in row2 and "carries a currency sign" in row2
    assert "called customer" in row2  # the file's own cells, also those without a finding
    assert re.search(r'data-copy="note-0-2-3"', row2) and 'id="note-0-2-3"' in row2
    assert "<svg" in body and 'data-code="BK201"' in body and "style=" not in body.split("<svg", 1)[1]
    assert "Deliver these files" not in body  # errors: no way on to delivery


def test_filters_narrow_the_grid_and_pages_stay_bounded(web: Web, tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    path = many_bad(tmp_path / "a", 2000)
    cid, body = check(web, path.name, path.read_bytes())
    pages = every_page(web, cid)
    assert len(pages) == 20 and all(len(re.findall(r"<tr data-row=", p)) == 50 for p in pages)
    assert marks("".join(pages)) == library(path)
    assert len(re.findall(r"<tr data-row=", body)) == 50  # the first page only, never the whole file
    assert 'data-page="20"' in grid(web, cid, page=999) and 'data-page="1"' in grid(web, cid, page=-3)
    assert marks(grid(web, cid, code="BK999")) == [] and "0 rows" in grid(web, cid, code="BK999")
    assert {c for c, _ in marks(grid(web, cid, code="BK201"))} == {"BK201"}
    assert marks(grid(web, cid, severity="warning")) == []
    assert marks(grid(web, cid, column=0)) == []  # ActionId has no finding
    assert len(marks(grid(web, cid, column=1))) == 50
    # the same page of a file ten times larger is the same size: the page, not the file, bounds the answer
    (tmp_path / "b").mkdir()
    bigger = many_bad(tmp_path / "b", 20000)
    big_cid, _ = check(web, bigger.name, bigger.read_bytes())
    for page in (1, 100):
        assert abs(len(grid(web, big_cid, page=page)) - len(pages[page % 20])) < 0.1 * len(pages[0])


def test_what_a_file_holds_is_shown_as_text(web: Web) -> None:
    evil = '=HYPERLINK("http://x.example/","click")'
    data = (HEADER + f'1000.4636.158201,12.00,USD,"{evil.replace(chr(34), chr(34) * 2)}"\n'
            '1000.4636.158202,<script>alert(1)</script>,USD,ORDER_UPDATE\n').encode()
    _, body = check(web, "acme_order-modifications_evil.csv", data)
    assert str(escape(evil)) in body and 'href="http://x.example' not in body
    assert "<script>alert" not in body and "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_the_issues_csv_and_the_xlsx_report_download_and_list_the_findings(web: Web) -> None:
    import openpyxl

    cid, _ = check(web, BROKEN.name, BROKEN.read_bytes())
    got = web.get(f"/check/{cid}/download/0/issues")
    assert got.status_code == 200 and "attachment" in got.headers["content-disposition"]
    assert "acme_order-modifications_broken_issues.csv" in got.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(got.text)))
    assert sorted((r["code"], int(r["row"] or 0)) for r in rows) == library(BROKEN)
    got = web.get(f"/check/{cid}/download/0/report")
    assert got.status_code == 200 and "acme_order-modifications_broken_report.xlsx" in \
        got.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(got.content))
    issues = list(book["Issues"].iter_rows(min_row=2, values_only=True))
    assert sorted((r[2], r[0] or 0) for r in issues) == library(BROKEN)
    assert not list((web.bench.settings.folder / "out").glob("*"))  # the temporary files are gone once sent


def fix_and_recheck(web: Web, cid: str) -> tuple[bytes, str]:
    web.post(f"/check/{cid}/fix/0")
    body = web.wait(f"/check/{cid}").text
    assert "data-fix" in body and "What was changed" in body and "&#39;" not in body.split("data-fix", 1)[1][:50]
    fixed = web.get(f"/check/{cid}/download/0/fixed")
    assert fixed.status_code == 200 and "attachment" in fixed.headers["content-disposition"]
    again = web.post(f"/check/{cid}/recheck/0")
    new = again.headers["hx-push-url"].rsplit("/", 1)[-1]
    assert new != cid
    return fixed.content, web.wait(f"/check/{new}").text


def test_the_fixed_file_differs_and_checks_with_fewer_findings(web: Web, tmp_path: Path) -> None:
    cid, body = check(web, BROKEN.name, BROKEN.read_bytes())
    data, again = fix_and_recheck(web, cid)
    assert data != BROKEN.read_bytes()
    (tmp_path / BROKEN.name).write_bytes(data)
    assert marks(again) == library(tmp_path / BROKEN.name) and len(marks(again)) < len(marks(body))


def test_a_file_whose_findings_are_all_fixable_is_clean_once_fixed(web: Web) -> None:
    data = (HEADER + '1000.4636.158201, $84.50 ,usd,item_returned\n1000.4636.158204,"1,250.00",USD,ORDER_UPDATE\n')
    cid, body = check(web, "acme_order-modifications_fixable.csv", data.encode())
    assert len(marks(body)) == 4 and "Deliver these files" not in body
    fixed, again = fix_and_recheck(web, cid)
    assert b"84.50,USD,ITEM_RETURNED" in fixed and marks(again) == []
    assert "No errors" in again
    ids = re.search(r'href="/deliver\?files=([0-9a-f]{20})"', again)
    assert ids and web.bench.uploads.get(ids.group(1)) is not None


def test_an_upload_named_like_a_path_stays_in_the_uploads_folder(web: Web, tmp_path: Path) -> None:
    for name in ("../../x.csv", "..\\..\\x.csv", "/etc/x.csv"):
        cid, _ = check(web, name, (HEADER + "1000.4636.1,1.00,USD,ORDER_UPDATE\n").encode())
        upload = web.bench.kept[cid].uploads[0]
        assert upload.path.resolve().parent.parent == (web.bench.settings.folder / "uploads").resolve()
    assert not list(tmp_path.rglob("x.csv")) or all("uploads" in str(p) for p in tmp_path.rglob("x.csv"))
    assert not (tmp_path.parent / "x.csv").exists()


@pytest.mark.parametrize("data", [bytes(range(256)) * 4, b"PK\x03\x04" + bytes(range(200))])
def test_a_garbage_xlsx_is_one_line_not_a_500(web: Web, data: bytes) -> None:
    got = web.post("/check/upload", files={"files": ("garbage.xlsx", data)})
    assert got.status_code == 200
    cid = got.headers["hx-push-url"].rsplit("/", 1)[-1]
    body = web.wait(f"/check/{cid}").text
    assert 'data-state="done"' in body and "Traceback" not in body and "internal error" not in body
    said = re.search(r"data-file-problem>.*?copyable\">(.*?)</span>", body, re.DOTALL)
    assert said or marks(body), body[:2000]
    if said:
        assert "\n" not in said.group(1) and str(web.bench.settings.folder) not in said.group(1)


def test_a_kind_batchkit_does_not_read_is_one_line(web: Web) -> None:
    got = web.post("/check/upload", files={"files": ("x.exe", b"MZ")})
    assert got.status_code == 400 and "reads .csv and .xlsx" in got.text
    assert web.post("/check/upload", files={}).status_code == 400


def test_an_unknown_check_is_a_404_and_never_a_path(web: Web) -> None:
    for url in ("/check/0123456789abcdef0123", "/check/..%2F..%2Fetc", "/check/0123456789abcdef0123/grid/0",
                "/check/0123456789abcdef0123/download/0/issues"):
        assert web.get(url).status_code == 404, url
    cid, _ = check(web, BROKEN.name, BROKEN.read_bytes())
    assert web.get(f"/check/{cid}/download/7/issues").status_code == 404
    assert web.get(f"/check/{cid}/download/0/passwd").status_code == 404
    assert web.get(f"/check/{cid}/download/0/fixed").status_code == 404  # not fixed yet
    assert web.post(f"/check/{cid}/rm").status_code == 404


def test_without_an_account_the_page_says_what_to_set(web: Web, monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("IMPACT_ACCOUNT_SID", "IMPACT_AUTH_TOKEN", "BATCHKIT_CAMPAIGN_ID", "BATCHKIT_API_URL"):
        monkeypatch.delenv(key, raising=False)
    cid, body = check(web, BROKEN.name, BROKEN.read_bytes())
    said = re.search(r"data-no-account>(.*?)</p>", body, re.DOTALL)
    assert said and "IMPACT_ACCOUNT_SID" in said.group(1) and "\n" not in said.group(1)
    assert "Check against the account</button>" not in body
    got = web.post(f"/check/{cid}/preflight")
    assert got.status_code == 200 and "IMPACT_ACCOUNT_SID" in got.text and 'role="alert"' in got.text


PREFLIGHT = ("ActionId,OrderId,ActionTrackerId,Amount,CurrencyCode,CustomerStatus,Reason\n"
             ",PF-LOCKED,2240,50.00,USD,,ORDER_UPDATE\n"
             "1000.4636.158201,,,84.50,USD,,ORDER_UPDATE\n")


def test_preflight_marks_the_locked_action_in_the_grid(web: Web, sandbox: object, monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path) -> None:
    for key, value in api_env(sandbox.url, tmp_path).items():  # type: ignore[attr-defined]
        monkeypatch.setenv(key, value)
    cid, body = check(web, "acme_order-modifications_pf.csv", PREFLIGHT.encode())
    assert marks(body) == [] and "never synced" in body and "No errors" in body
    web.post(f"/check/{cid}/sync")
    body = web.wait(f"/check/{cid}").text
    assert re.search(r"synced: [\d,]+ new", body) and re.search(r"data-mirror-age>synced .* ago", body)
    web.post(f"/check/{cid}/preflight")
    body = web.wait(f"/check/{cid}").text
    assert ("BK702", 2) in marks(body) and not [m for m in marks(body) if m[1] == 3]
    row = re.search(r'<tr data-row="2">(.*?)</tr>', body, re.DOTALL).group(1)  # type: ignore[union-attr]
    cell = re.search(r'<td data-note tabindex="0" class="cell-error"><span class="cell-value">PF-LOCKED</span>'
                     r'<span class="badge sev-error" data-code="BK702"', row)
    assert cell, row
    assert "data-preflighted>preflight: 2 record(s) checked" in body and TOKEN not in body
    assert "Deliver these files" not in body


def test_an_api_error_is_one_line_without_the_token(web: Web, sandbox: object, monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: Path) -> None:
    for key, value in api_env(sandbox.url, tmp_path, token="wrong-secret-token").items():  # type: ignore[attr-defined]
        monkeypatch.setenv(key, value)
    cid, _ = check(web, "acme_order-modifications_pf.csv", PREFLIGHT.encode())
    web.post(f"/check/{cid}/sync")
    body = web.wait(f"/check/{cid}").text
    said = re.search(r'data-state="failed".*?copyable">(.*?)</span>', body, re.DOTALL)
    assert said and "\n" not in said.group(1) and "Traceback" not in body
    assert "wrong-secret-token" not in body and TOKEN not in body
    assert "No errors" in body  # the check's results stay on the page


def test_several_files_are_one_batch_and_clean_ones_lead_on_to_delivery(web: Web) -> None:
    batch = sorted((ROOT / "samples" / "batch").glob("acme_order-*.csv"))
    got = web.post("/check/upload", files=[("files", (p.name, p.read_bytes())) for p in batch])
    cid = got.headers["hx-push-url"].rsplit("/", 1)[-1]
    body = web.wait(f"/check/{cid}").text
    report = batchkit.validate(batch, max_samples=0)
    assert report.valid and marks(body) == sorted((f.code, f.row or 0) for fr in report.files for f in fr.findings())
    assert all(p.name in body for p in batch) and f"{len(batch)} files checked" in body
    ids = re.findall(r"files=([0-9a-f]{20})", re.search(r'href="/deliver\?([^"]+)"', body).group(1))  # type: ignore[union-attr]
    assert [web.bench.uploads.get(i).name for i in ids] == [p.name for p in batch]  # type: ignore[union-attr]


def test_an_xlsx_file_is_checked_and_shown_in_its_own_cells(web: Web, tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for row in (["ActionId", "Amount", "CurrencyCode", "Reason"], ["1000.4636.158201", "$84.50", "USD", "ORDER_UPDATE"],
                ["1000.4636.158204", "250.00", "usd", "ORDER_UPDATE"]):
        sheet.append(row)
    path = tmp_path / "acme_order-modifications.xlsx"
    book.save(path)
    _, body = check(web, path.name, path.read_bytes())
    assert marks(body) == library(path) and ("BK201", 2) in marks(body) and ("BK210", 3) in marks(body)
    assert "$84.50" in body


def test_the_checks_address_reloads_as_a_whole_page(web: Web) -> None:
    cid, _ = check(web, BROKEN.name, BROKEN.read_bytes())
    got = web.get(f"/check/{cid}")
    assert got.status_code == 200 and got.text.startswith("<!doctype html>")
    assert marks(got.text) == library(BROKEN) and '/static/check.css' in got.text
    assert not re.search(r"\sstyle=", got.text) and not re.search(r"\son[a-z]+=", got.text)


def test_only_the_latest_checks_are_kept_in_memory(web: Web) -> None:
    from batchkit.web.pages.check import MAX_CHECKS

    web.bench.kept["other-page"] = object()  # another page's state is never let go by the Check page
    ids = [check(web, f"acme_order-modifications_{i}.csv", (HEADER + "1000.4636.1,1.00,USD,ORDER_UPDATE\n").encode())[0]
           for i in range(MAX_CHECKS + 2)]
    assert ids[0] not in web.bench.kept and ids[1] not in web.bench.kept and ids[-1] in web.bench.kept
    assert "other-page" in web.bench.kept
    assert web.get(f"/check/{ids[0]}").status_code == 404 and web.get(f"/check/{ids[-1]}").status_code == 200
