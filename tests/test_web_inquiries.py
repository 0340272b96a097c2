"""The Inquiries page through Starlette's TestClient against the sandbox (a real socket): pull -> the inquiries
listed; match with the sample Shopify export -> proposals with their evidence; a decision edited and validated at
its row; resolve -> each resolution sent once; resolve again (the same token, a new plan) -> nothing sent, and the
page says so; a refusal shown with impact.com's reason at its row; a partner's hostile comments shown as text."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest_api import api_env, sandbox  # noqa: F401
from conftest_web import Web, make_web, serve_settings_for

from batchkit.core.inquiry import OTHER_CHANNEL, TERMS
from batchkit.sandbox import Sandbox
from batchkit.web.pages.inquiries_desk import Desk

ROOT = Path(__file__).resolve().parent.parent
EXPORT = ROOT / "samples" / "shopify" / "orders_export.csv"
CONFIG = (ROOT / "samples" / "shopify" / "batchkit.toml").read_text()
OPEN = [str(500001 + n) for n in range(8)]  # the seed's unresolved inquiries
HOSTILE = ["<script>alert(1)</script>", "=cmd|' /C calc'!A0", "<img src=x onerror=alert(2)>",
           '=HYPERLINK("http://evil.example","x")']


@pytest.fixture
def env(sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Sandbox:  # noqa: F811
    """The account of the sandbox in the environment the workbench reads (as `batchkit serve` would see it)."""
    for name, value in api_env(sandbox.url, tmp_path).items():
        monkeypatch.setenv(name, value)
    return sandbox


@pytest.fixture
def shop(tmp_path: Path, env: Sandbox) -> Iterator[Web]:
    """The workbench with the sample Shopify configuration."""
    w = make_web(serve_settings_for(tmp_path, config=CONFIG))
    yield w
    w.bench.tasks.shutdown()


def finish(web: Web, answer: Any) -> str:
    """The task an answer started, polled until it is done or failed; its final fragment."""
    assert answer.status_code == 200, answer.text
    poll = re.search(r'hx-get="(/inquiries/task/[0-9a-f]+)"', answer.text)
    return web.wait(poll.group(1)).text if poll else answer.text


def flat(html: str) -> str:
    """The text with its line breaks and runs of spaces made one space (templates wrap long sentences)."""
    return " ".join(html.split())


def desk_of(html: str) -> str:
    found = re.search(r'name="desk" value="([0-9a-f]+)"', html)
    assert found, html[:800]
    return found.group(1)


def rows_of(html: str) -> dict[str, str]:
    """The review grid's rows by inquiry Id."""
    parts = re.findall(r'(<tr id="inq-row-\d+".*?</tr>)', html, re.S)
    return {re.search(r"Inquiry (\d+)", p).group(1): p for p in parts}  # type: ignore[union-attr]


def index_of(row: str) -> str:
    return re.search(r'name="row" value="(\d+)"', row).group(1)  # type: ignore[union-attr]


def selected(row: str, name: str) -> str:
    select = re.search(rf'name="{name}".*?</select>', row, re.S).group(0)  # type: ignore[union-attr]
    return re.search(r'<option value="([^"]*)" selected>', select).group(1)  # type: ignore[union-attr]


def puts(sb: Sandbox) -> list[Any]:
    return [r for r in sb.requests if r.method == "PUT" and "ActionInquiries" in r.path]


def pull_and_match(web: Web) -> tuple[str, str]:
    pulled = finish(web, web.post("/inquiries/pull", data={"status": "UNRESOLVED", "since": ""}))
    assert 'data-state="done"' in pulled, pulled[:1500]
    desk = desk_of(pulled)
    matched = finish(web, web.post("/inquiries/match", data={"desk": desk, "preset": ""},
                                   files={"export": ("orders_export.csv", EXPORT.read_bytes(), "text/csv")}))
    assert 'data-state="done"' in matched, matched[:1500]
    return desk, matched


def edit(web: Web, desk: str, row: str, **values: str) -> str:
    fields = {"status": "", "reason": "", "tracker": "", "date": "", "amount": "", "notes": ""} | values
    got = web.post("/inquiries/row", data={"desk": desk, "row": index_of(row), **fields})
    assert got.status_code == 200 and got.text.lstrip().startswith("<tr"), got.text
    return str(got.text)


def plan(web: Web, desk: str) -> str:
    got = web.post("/inquiries/plan", data={"desk": desk, "destination": "0"})
    assert got.status_code == 200, got.text
    return str(got.text)


def token_of(html: str) -> str:
    return re.search(r'name="token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def test_pull_lists_the_inquiries_of_the_status_asked(shop: Web, env: Sandbox) -> None:
    page = shop.get("/inquiries")
    assert page.status_code == 200 and 'name="status"' in page.text and 'for="inq-status"' in page.text
    pulled = finish(shop, shop.post("/inquiries/pull", data={"status": "UNRESOLVED"}))
    for inquiry in OPEN:
        assert f"<th scope=\"row\">{inquiry}</th>" in pulled
    assert "500009" not in pulled and "500010" not in pulled  # resolved already: not of the status asked
    assert "Pulled 8 inquiries (8 UNRESOLVED) in 1 request(s)." in pulled
    assert 'type="file"' in pulled and 'for="inq-export"' in pulled and "data-drop" in pulled
    every = finish(shop, shop.post("/inquiries/pull", data={"status": "all"}))
    assert "<th scope=\"row\">500010</th>" in every and "2 " not in every.split("Pulled")[0][-3:]
    assert "Inquiry 500006" not in shop.get("/inquiries").text  # the page shows the latest pull, not matched yet


def test_match_proposes_each_inquiry_with_its_evidence(shop: Web, env: Sandbox, tmp_path: Path) -> None:
    import batchkit

    batchkit.sync_actions(tmp_path / "batchkit.toml")  # the mirror: "already tracked" can be told
    _, matched = pull_and_match(shop)
    rows = rows_of(matched)
    assert sorted(rows) == OPEN
    assert selected(rows["500001"], "status") == "INCOMPLETE" and "OrderId</dt><dd>(none)" in rows["500001"]
    assert selected(rows["500002"], "reason") == "Transaction cannot be traced"
    assert "not in the export" in rows["500002"]
    assert selected(rows["500003"], "reason").startswith("Transaction not completed")
    assert "refunded" in rows["500003"] and "#1042 (export row" in rows["500003"]
    assert "Tracked as</dt><dd>ActionId 1000.4636.161041" in rows["500005"]
    assert selected(rows["500006"], "status") == "VALID" and 'value="2240"' in rows["500006"]
    assert selected(rows["500007"], "reason") == OTHER_CHANNEL and "also claimed by inquiry 500006" in rows["500007"]
    assert "Deadline near:" in rows["500005"] and "deadline-near" in rows["500005"]  # said, not only coloured
    assert "Deadline near" not in rows["500006"]
    assert all("No findings" in r for r in rows.values())
    assert matched.count('<label for="inq-s-') == 8 and matched.count('<label for="inq-r-') == 8
    for reason in (OTHER_CHANNEL, TERMS):
        assert f'<option value="{reason}">{reason}</option>' in rows["500006"]


def test_an_edit_is_validated_at_its_row(shop: Web, env: Sandbox) -> None:
    desk, matched = pull_and_match(shop)
    assert sorted(rows_of(matched)) == OPEN, matched[-3000:]
    row = rows_of(matched)["500002"]
    declined = edit(shop, desk, row, status="DECLINED", reason="")
    assert "BK602" in declined and "DECLINED needs a Resolution Reason" in declined
    assert 'aria-invalid="true"' in declined and "No findings" not in declined
    valid_with_reason = edit(shop, desk, row, status="VALID", reason=TERMS, tracker="2240", date="2026-11-20")
    assert "BK604" in valid_with_reason and "BK605" not in valid_with_reason
    fixed = edit(shop, desk, row, status="DECLINED", reason=OTHER_CHANNEL, notes="Credited to another partner")
    assert "No findings" in fixed and 'aria-invalid' not in fixed
    assert selected(fixed, "reason") == OTHER_CHANNEL and 'value="Credited to another partner"' in fixed
    formula = edit(shop, desk, row, status="DECLINED", reason=OTHER_CHANNEL, notes="=1+1")
    assert "BK612" in formula
    edit(shop, desk, row, status="DECLINED", reason=OTHER_CHANNEL)
    blocked = plan(shop, desk)
    assert "No findings" not in blocked and 'name="token"' in blocked  # the grid is clean again: a plan
    bad = shop.post("/inquiries/row", data={"desk": desk, "row": "99", "status": "VALID"})
    assert bad.status_code == 400 and "reload the page" in bad.text


def test_a_grid_with_errors_has_no_plan(shop: Web, env: Sandbox) -> None:
    desk, matched = pull_and_match(shop)
    edit(shop, desk, rows_of(matched)["500003"], status="VALID")
    blocked = plan(shop, desk)
    assert "Not yet:" in blocked and 'name="token"' not in blocked and puts(env) == []


def test_resolve_sends_each_once_and_again_sends_nothing(shop: Web, env: Sandbox) -> None:
    desk, matched = pull_and_match(shop)
    edit(shop, desk, rows_of(matched)["500002"], status="DECLINED", reason=OTHER_CHANNEL)
    shown = plan(shop, desk)
    assert "Resolve 8 inquiries now" in shown and "Would send</dt><dd>8" in shown
    assert "impact.com API, account IRSANDBOXACME1, campaign 4636" in shown and "tok-" not in shown
    assert puts(env) == []  # a plan sends nothing
    token = token_of(shown)
    done = finish(shop, shop.post("/inquiries/resolve", data={"desk": desk, "token": token}))
    assert 'data-state="done"' in done and "Done: 8 resolved now, 0 resolved earlier (8 requests)" in flat(done)
    assert Counter(r.form["Id"] for r in puts(env)) == Counter(OPEN)  # each inquiry once
    assert env.inquiries.get("500002")["RejectReason"] == OTHER_CHANNEL  # the edit is what was sent
    assert done.count('data-outcome="done"') == 8
    same = finish(shop, shop.post("/inquiries/resolve", data={"desk": desk, "token": token}))
    assert "This confirmation was already used" in same and len(puts(env)) == 8
    again = plan(shop, desk)
    assert "Already resolved:" in again and 'name="token"' not in again
    assert "Would skip (applied earlier)</dt><dd>8" in again
    (fresh,) = [p.token for p in _desk(shop, desk).plans.values() if p.token != token]
    second = finish(shop, shop.post("/inquiries/resolve", data={"desk": desk, "token": fresh}))
    assert "Already resolved:" in second and "nothing was sent (0 requests)" in flat(second)
    assert second.count('data-outcome="earlier"') == 8 and len(puts(env)) == 8
    assert "resolved earlier: not sent again" in shop.get("/inquiries").text  # the grid's Outcome column


def _desk(web: Web, desk: str) -> Desk:
    found = web.bench.kept[f"inquiries/{desk}"]
    assert isinstance(found, Desk)
    return found


def test_a_refused_resolution_shows_impacts_reason_at_its_row(shop: Web, env: Sandbox) -> None:
    desk, matched = pull_and_match(shop)
    edit(shop, desk, rows_of(matched)["500006"], status="VALID", tracker="9999", date="2026-11-20",
         amount="1500.00")
    done = finish(shop, shop.post("/inquiries/resolve", data={"desk": desk, "token": token_of(plan(shop, desk))}))
    refused = re.search(r'<tr class="inq-refused" data-inquiry="500006".*?</tr>', done, re.S)
    assert refused and "refused by impact.com" in refused.group(0)
    assert "ActionTrackerId &#39;9999&#39; is no action tracker of this account" in refused.group(0)
    assert "Not all resolved:" in done and 'role="alert"' in done and "Traceback" not in done
    assert done.count('data-outcome="done"') == 7  # the others went


def test_a_changed_grid_needs_a_new_plan_and_an_unknown_token_is_refused(shop: Web, env: Sandbox) -> None:
    desk, matched = pull_and_match(shop)
    token = token_of(plan(shop, desk))
    edit(shop, desk, rows_of(matched)["500002"], status="DECLINED", reason=OTHER_CHANNEL)
    stale = shop.post("/inquiries/resolve", data={"desk": desk, "token": token})
    assert stale.status_code == 400 and "show the plan again" in stale.text
    unknown = shop.post("/inquiries/resolve", data={"desk": desk, "token": "forged"})
    assert unknown.status_code == 400 and puts(env) == []


def test_partner_comments_are_shown_as_text(shop: Web, env: Sandbox) -> None:
    env.add_inquiry(Id="500077", OrderId="#1045", TransactionAmount="10.00",
                    Comments=[{"User": "partner", "Comment": c, "Date": "2026-11-30"} for c in HOSTILE])
    pulled = finish(shop, shop.post("/inquiries/pull", data={"status": "UNRESOLVED"}))
    _, matched = pull_and_match(shop)
    for html in (pulled, matched, shop.get("/inquiries").text):
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
        assert "=cmd|&#39; /C calc&#39;!A0" in html
        assert "&lt;img src=x onerror=alert(2)&gt;" in html and "<img" not in html
        assert "=HYPERLINK(&#34;http://evil.example&#34;,&#34;x&#34;)" in html
    assert not re.search(r"<script(?![^>]*\bsrc=\"/static/)", shop.get("/inquiries").text)


def test_api_errors_are_one_line_without_the_token(shop: Web, env: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMPACT_AUTH_TOKEN", "tok-wrong-secret-123")
    failed = finish(shop, shop.post("/inquiries/pull", data={"status": "UNRESOLVED"}))
    assert 'data-state="failed"' in failed and 'role="alert"' in failed
    assert "tok-wrong-secret-123" not in failed and "Traceback" not in failed
    message = re.search(r'<span class="copyable">(.*?)</span>', failed, re.S).group(1)  # type: ignore[union-attr]
    assert message == ("GET /ActionInquiries: impact.com refused the credentials (401): check IMPACT_ACCOUNT_SID and "
                       "IMPACT_AUTH_TOKEN")
    monkeypatch.delenv("IMPACT_ACCOUNT_SID")
    none = finish(shop, shop.post("/inquiries/pull", data={"status": "UNRESOLVED"}))
    assert "no impact.com account: set IMPACT_ACCOUNT_SID" in none


def test_bad_form_values_are_one_line_problems(shop: Web, env: Sandbox) -> None:
    assert shop.post("/inquiries/pull", data={"status": "EVERYTHING"}).status_code == 400
    assert "YYYY-MM-DD" in shop.post("/inquiries/pull", data={"status": "VALID", "since": "yesterday"}).text
    nodesk = shop.post("/inquiries/match", data={"desk": "0" * 20}, files={"export": ("a.csv", b"x\n")})
    assert nodesk.status_code == 400 and "pull the inquiries first" in nodesk.text
    desk = desk_of(finish(shop, shop.post("/inquiries/pull", data={"status": "UNRESOLVED"})))
    exe = shop.post("/inquiries/match", data={"desk": desk}, files={"export": ("run.exe", b"MZ")})
    assert exe.status_code == 400 and "batchkit reads .csv and .xlsx" in exe.text
    assert shop.get("/inquiries/task/nope").status_code == 404


def test_a_drop_gets_the_bulk_upload_csv_once(tmp_path: Path, env: Sandbox) -> None:
    drop = tmp_path / "drop"
    web = make_web(serve_settings_for(tmp_path, config=CONFIG + f'\n[serve]\ndestinations = ["{drop}"]\n'))
    try:
        desk, _ = pull_and_match(web)
        shown = web.post("/inquiries/plan", data={"desk": desk, "destination": "1"}).text
        assert f"{drop}" in shown and "bulk-upload CSV" in shown and "Resolve 8 inquiries now" in flat(shown)
        done = finish(web, web.post("/inquiries/resolve", data={"desk": desk, "token": token_of(shown)}))
        assert done.count('data-outcome="drop"') == 8 and "for a person to upload" in done
        (written,) = drop.iterdir()
        assert written.name == "inquiry-resolutions.csv" and written.read_text().count("\n") == 9
        again = web.post("/inquiries/plan", data={"desk": desk, "destination": "1"}).text
        assert "Already resolved:" in again and 'name="token"' not in again
        assert list(drop.iterdir()) == [written] and puts(env) == []  # nothing went through the API either
    finally:
        web.bench.tasks.shutdown()


def test_a_past_deadline_is_said_in_words(shop: Web, env: Sandbox) -> None:
    env.add_inquiry(Id="500088", OrderId="#1045", TransactionAmount="10.00", ResolutionDeadlineDate="-2",
                    TransactionDate="-20", SubmittedDate="-40")
    _, matched = pull_and_match(shop)
    row = rows_of(matched)["500088"]
    assert "deadline-past" in row and "Deadline passed:" in row and re.search(r": passed [23] days ago</dd>", row)


def test_an_unknown_outcome_is_shown_as_unknown_never_as_done(tmp_path: Path, env: Sandbox) -> None:
    web = make_web(serve_settings_for(tmp_path, config=CONFIG + "\n[api]\nretries = 0\n"))
    try:
        desk, _ = pull_and_match(web)
        env.faults.drop_after_apply(times=1, path_contains="ActionInquiries")  # the first PUT's answer is lost
        env.faults.fail(503, times=20, path_contains="ActionInquiries/")  # and reading it back fails
        done = finish(web, web.post("/inquiries/resolve", data={"desk": desk, "token": token_of(plan(web, desk))}))
        unknown = re.findall(r'<tr class="inq-unknown" data-inquiry="(\d+)".*?</tr>', done, re.S)
        assert len(unknown) == 1 and unknown[0] == puts(env)[0].form["Id"]
        row = re.search(rf'data-inquiry="{unknown[0]}".*?</tr>', done, re.S).group(0)  # type: ignore[union-attr]
        assert "unknown: check it on impact.com" in row and "resolved" not in row
        assert "Not all resolved:" in done and "Done:" not in done and "Already resolved" not in done
    finally:
        web.bench.tasks.shutdown()
