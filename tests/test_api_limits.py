"""Answers batchkit does not trust (SPEC §8), against the sandbox's hostile faults through a real socket on
127.0.0.1: bodies over the limits (huge, endless, a gzip bomb), a drip past the request's deadline, links
that leave the account once normalised, listings whose pages do not advance (also in a sync: the window stays
pending, the high-water mark does not pass it, exit 3), rate-limit headers that cannot be used, and a 400 that
is not "too many records" (never split)."""

from __future__ import annotations

import gzip
import time
import zlib
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from click.testing import CliRunner
from conftest_api import CAMPAIGN, SID, TOKEN, api_env, client_for, make_settings, sandbox  # noqa: F401 (fixtures)

from batchkit.api.actions import sync_actions
from batchkit.api.answers import Page, Walk
from batchkit.api.budget import Budget
from batchkit.api.client import ApiClient
from batchkit.api.errors import (
    AnswerInflated,
    AnswerTooLarge,
    AnswerTooSlow,
    ApiRejected,
    ForeignLink,
    ListingIncomplete,
    UnknownWrite,
)
from batchkit.api.limits import Limits, _Inflater
from batchkit.api.links import account_path
from batchkit.api.writes import Write, send_once
from batchkit.cli import main
from batchkit.core.change import action_change
from batchkit.delivery.viaapi.run import accept
from batchkit.sandbox import Sandbox
from batchkit.state.mirror import Mirror

SEEDED = "1000.4636.158201"
MB = 1 << 20
BASE = f"/Advertisers/{SID}"


def _generated(n: int, days: int = 5, **kw: Any) -> Sandbox:
    return Sandbox(account_sid=SID, auth_token=TOKEN, campaign_id=CAMPAIGN, data=None, generated=n,
                   generated_days=days, **kw)


def _requests(sb: Sandbox, contains: str = "") -> list[Any]:
    return [r for r in sb.requests if contains in r.path]


# ---------------------------------------------------------------- sizes


def test_a_single_object_over_one_mb_fails_at_once_in_one_line(sandbox: Sandbox, tmp_path: Path) -> None:
    sandbox.faults.huge_body(3 * MB, times=5)
    with client_for(sandbox.url, tmp_path) as client, pytest.raises(AnswerTooLarge) as info:
        client.get(f"Actions/{SEEDED}")
    text = str(info.value)
    assert info.value.exit_code == 3 and "\n" not in text and "1 MB" in text and "a single answer" in text
    assert len(_requests(sandbox)) == 1  # over a limit is not retried: the same answer would come again


def test_a_listing_may_be_large_up_to_max_body_mb_and_no_further(tmp_path: Path) -> None:
    with _generated(100) as sb, client_for(sb.url, tmp_path, max_body_mb=2) as client:
        sb.faults.huge_body(int(1.5 * MB), times=1, path_contains="/Actions")
        pages = list(client.pages("Actions", {"CampaignId": CAMPAIGN, "PageSize": "2000"}, "Actions"))
        assert sum(len(p.records) for p in pages) == pages[0].total > 0  # 1.5 MB of valid JSON: read whole
        sb.faults.huge_body(3 * MB, times=1, path_contains="/Actions")
        with pytest.raises(AnswerTooLarge, match=r"over 2 MB, the limit for a listing's page \(\[api\] max_body_mb\)"):
            list(client.pages("Actions", {"CampaignId": CAMPAIGN, "PageSize": "2000"}, "Actions"))


def test_an_endless_body_stops_at_the_limit(sandbox: Sandbox, tmp_path: Path) -> None:
    sandbox.faults.endless_body(times=1)
    start = time.monotonic()
    with client_for(sandbox.url, tmp_path) as client, pytest.raises(AnswerTooLarge, match="passed 1 MB"):
        client.get(f"Actions/{SEEDED}")
    assert time.monotonic() - start < 5 and len(_requests(sandbox)) == 1


def test_a_gzip_bomb_is_refused_by_its_ratio_and_a_modest_gzip_is_read(tmp_path: Path) -> None:
    with _generated(100) as sb, client_for(sb.url, tmp_path) as client:
        sb.faults.gzip_bomb(40 * MB, times=1, path_contains="/Actions")  # a listing: 64 MB allowed, ~1,000:1
        with pytest.raises(AnswerInflated, match=r"more than 100 times its size \(\[api\] max_inflate_ratio\)"):
            list(client.pages("Actions", {"CampaignId": CAMPAIGN, "PageSize": "2000"}, "Actions"))
        sb.faults.gzip_bomb(200_000, times=1)  # 200 KB of spaces: past no limit, the ratio judged past 1 MiB
        assert client.get(f"Actions/{SEEDED}")["Id"] == SEEDED
    assert sb.requests[-1].status == 200 and len(sb.requests) == 2


def test_a_gzip_bomb_under_a_lax_ratio_still_stops_at_the_size_limit(sandbox: Sandbox, tmp_path: Path) -> None:
    sandbox.faults.gzip_bomb(20 * MB, times=1)
    with client_for(sandbox.url, tmp_path, max_inflate_ratio=10_000) as client, \
            pytest.raises(AnswerTooLarge, match="passed 1 MB once decompressed"):
        client.get(f"Actions/{SEEDED}")


def _limits(body: int = 4 * MB, ratio: float = 1e9) -> Limits:
    return Limits(body, ratio, 10.0, "a test", "t")


def test_inflating_never_holds_more_than_the_limit_nor_inflates_much_past_the_ratio() -> None:
    bomb = gzip.compress(b" " * (64 * MB))  # one chunk of it inflates 64 MB: zlib is asked for 256 KB a call
    inflater = _Inflater("gzip", _limits(), "GET t")
    with pytest.raises(AnswerTooLarge):
        inflater.feed(bomb)
    assert inflater.inflated <= 4 * MB + 1
    inflater = _Inflater("gzip", _limits(ratio=100), "GET t")
    with pytest.raises(AnswerInflated):
        inflater.feed(bomb)
    assert inflater.inflated <= 2 * MB


@pytest.mark.parametrize("coding,packed", [
    ("gzip", gzip.compress(b'{"a": 1}')), ("deflate", zlib.compress(b'{"a": 1}')),
    ("deflate", zlib.compress(b'{"a": 1}')[2:-4]), ("identity", b'{"a": 1}'), ("", b'{"a": 1}')])
def test_gzip_and_both_deflates_are_read(coding: str, packed: bytes) -> None:
    inflater = _Inflater(coding, _limits(), "GET t")
    pieces = [p for i in range(0, len(packed), 3) for p in inflater.feed(packed[i:i + 3])]
    inflater.end()
    assert b"".join(pieces) == b'{"a": 1}'


def test_an_encoding_not_asked_for_a_corrupt_or_a_cut_one_is_an_answer_error() -> None:
    from batchkit.api.errors import ApiAnswerError

    with pytest.raises(ApiAnswerError, match="encoded as 'br'"):
        _Inflater("br", _limits(), "GET t")
    with pytest.raises(ApiAnswerError, match="corrupt") as corrupt:
        _Inflater("gzip", _limits(), "GET t").feed(b"not gzip at all")
    cut = _Inflater("gzip", _limits(), "GET t")
    cut.feed(gzip.compress(b"x" * 1000)[:-10])
    with pytest.raises(ApiAnswerError, match="truncated") as truncated:
        cut.end()
    assert corrupt.value.broken and truncated.value.broken  # a GET reads it again


# ---------------------------------------------------------------- the deadline


def test_a_drip_fails_at_the_deadline_not_after_each_read(sandbox: Sandbox, tmp_path: Path) -> None:
    sandbox.faults.drip(0.2, times=1)  # a byte every 0.2 s: each read is quick, the whole answer never is
    start = time.monotonic()
    with client_for(sandbox.url, tmp_path, timeout=3.0, request_seconds=1.0) as client, \
            pytest.raises(AnswerTooSlow, match=r"no complete answer within 1 s \(\[api\] request_seconds\)") as info:
        client.get(f"Actions/{SEEDED}")
    took = time.monotonic() - start
    assert 0.9 <= took < 1.6 and info.value.exit_code == 3 and len(_requests(sandbox)) == 1


def test_a_stall_past_the_deadline_ends_at_the_deadline(sandbox: Sandbox, tmp_path: Path) -> None:
    sandbox.faults.stall(3.0, times=1)  # nothing at all: the read timeout (5 s) would wait longer
    start = time.monotonic()
    with client_for(sandbox.url, tmp_path, timeout=5.0, request_seconds=0.8) as client, pytest.raises(AnswerTooSlow):
        client.get(f"Actions/{SEEDED}")
    assert time.monotonic() - start < 1.4


# ---------------------------------------------------------------- writes


def _write(client: ApiClient) -> Any:
    form = {"ActionId": SEEDED, "Amount": "80.00", "Reason": "ORDER_UPDATE"}
    w = Write(action_change(SID, "PUT", form), "PUT", "Actions", form, "PUT /Actions", "api", "test")
    return send_once(client, w, accept, client.settings.retries)


@pytest.mark.parametrize("fault", ["huge", "endless", "bomb", "drip"])
def test_a_write_whose_answer_cannot_be_read_is_unknown_never_not_accepted(sandbox: Sandbox, tmp_path: Path,
                                                                           fault: str) -> None:
    arm = {"huge": lambda f: f.huge_body(2 * MB, path_contains="/Actions"),
           "endless": lambda f: f.endless_body(path_contains="/Actions"),
           "bomb": lambda f: f.gzip_bomb(20 * MB, path_contains="/Actions"),
           "drip": lambda f: f.drip(0.2, path_contains="/Actions")}
    arm[fault](sandbox.faults)
    with client_for(sandbox.url, tmp_path, request_seconds=1.0) as client:
        with pytest.raises(UnknownWrite, match="sent, but its answer could not be read .*it may have been applied"):
            client.send("PUT", "Actions", {"ActionId": SEEDED, "Amount": "80.00", "Reason": "ORDER_UPDATE"},
                        "PUT /Actions")
        arm[fault](sandbox.faults)
        answer = _write(client)
    assert answer.outcome == "unknown" and [r.method for r in sandbox.requests] == ["PUT", "PUT"]  # never resent


def test_a_write_answer_keeps_its_contract(sandbox: Sandbox, tmp_path: Path) -> None:
    with client_for(sandbox.url, tmp_path) as client:
        response = client.send("PUT", "Actions", {"ActionId": SEEDED, "Amount": "80.00", "Reason": "ORDER_UPDATE"},
                               "PUT /Actions")
        body = client.read(response, "PUT /Actions")
    assert response.status_code == 200 and response.headers["X-RateLimit-Limit"] and response.reason_phrase == "OK"
    assert body["Status"] == "QUEUED" and body["QueuedUri"].startswith(f"{BASE}/APISubmissions/")


# ---------------------------------------------------------------- links


ROOT = "http://127.0.0.1:8089"


@pytest.mark.parametrize("link", [
    f"{BASE}/../IRother/Actions", f"{BASE}/%2e%2e/IRother/Actions", f"{BASE}/%2E%2e/IRother/Actions",
    f"{BASE}/%252e%252e/IRother/Actions", f"{BASE}/./Actions", f"{BASE}%2f..%2fIRother/Actions",
    f"{BASE}/Actions%2F..%2F..%2FIRother", f"{BASE}\\..\\IRother/Actions", "https://evil.example.com" + BASE + "/x",
    "//evil.example.com" + BASE + "/Actions", f"http://127.0.0.1:9999{BASE}/Actions", f"https://127.0.0.1:8089{BASE}/x",
    f"http://user:pw@127.0.0.1:8089{BASE}/x", "/Advertisers/IRother/Actions", f"{BASE}", f"{BASE}/",
    f"{BASE}x/Actions", "Actions?Page=2", f"{BASE}/Actions?Page=2#frag", f"{BASE}/Act ions", "",
])
def test_a_link_that_leaves_the_account_once_normalised_is_refused(link: str) -> None:
    with pytest.raises(ForeignLink, match="not followed") as info:
        account_path(link, ROOT, BASE, "GET /Actions")
    assert info.value.exit_code == 3 and "\n" not in str(info.value)


@pytest.mark.parametrize("link,path", [
    (f"{BASE}/Actions?CampaignId=4636&Page=2", f"{BASE}/Actions?CampaignId=4636&Page=2"),
    (f"{ROOT}{BASE}/FTPFileSubmissions/F-1/ErrorDetails", f"{BASE}/FTPFileSubmissions/F-1/ErrorDetails"),
    (f"http://127.0.0.1:8089{BASE}/Actions/1000.4636.1", f"{BASE}/Actions/1000.4636.1"),
    (f"{BASE}/Actions?StartDate=2026-12-01T00%3A00%3A00Z", f"{BASE}/Actions?StartDate=2026-12-01T00%3A00%3A00Z"),
])
def test_a_link_into_the_account_is_followed_as_given(link: str, path: str) -> None:
    assert account_path(link, ROOT, BASE, "t") == path


def test_a_dot_segment_next_link_is_not_followed(tmp_path: Path) -> None:
    with _generated(4500) as sb, client_for(sb.url, tmp_path) as client:
        sb.faults.rewrite("@nextpageuri", f"{BASE}/../IRother/Actions?Page=2", times=1, path_contains="/Actions")
        with pytest.raises(ForeignLink, match="dot segment"):
            list(client.pages("Actions", {"CampaignId": CAMPAIGN, "PageSize": "2000"}, "Actions"))
    assert len(_requests(sb, "/Actions")) == 1 and not _requests(sb, "IRother")


def test_an_errors_uri_or_queued_uri_with_dots_is_refused(sandbox: Sandbox, tmp_path: Path) -> None:
    from batchkit.verdicts.drops import _errors_uri
    from batchkit.verdicts.records import _path

    with client_for(sandbox.url, tmp_path) as client:
        with pytest.raises(ForeignLink, match="ErrorsUri"):
            _errors_uri(client, {"BatchId": "F-1", "ErrorsUri": f"{BASE}/FTPFileSubmissions/../../IRother/x"})
        assert _errors_uri(client, {"BatchId": "F-1", "ErrorsUri": f"{BASE}/FTPFileSubmissions/F-1/ErrorDetails"}) \
            == f"{BASE}/FTPFileSubmissions/F-1/ErrorDetails"
        with pytest.raises(ForeignLink, match="QueuedUri"):
            _path(client, SimpleNamespace(queued_uri=f"{BASE}/APISubmissions/%2e%2e/%2e%2e/IRother/A-1",
                                          batch_id="A-1"))  # type: ignore[arg-type]
        assert _path(client, SimpleNamespace(queued_uri=f"{BASE}/APISubmissions/A-1", batch_id="A-1")) \
            == f"{BASE}/APISubmissions/A-1"  # type: ignore[arg-type]


def test_a_resource_name_cannot_climb_out_of_the_account(sandbox: Sandbox, tmp_path: Path) -> None:
    with client_for(sandbox.url, tmp_path) as client, pytest.raises(ForeignLink):
        client.get("Actions/../../IRother/Actions/1")
    assert sandbox.requests == []


# ---------------------------------------------------------------- pages that do not advance


LISTING = {"CampaignId": CAMPAIGN, "PageSize": "2000"}


def test_a_next_link_to_itself_is_an_incomplete_listing_not_a_loop(tmp_path: Path) -> None:
    with _generated(4500) as sb, client_for(sb.url, tmp_path) as client:
        sb.faults.rewrite("@nextpageuri", "{self}", times=1000, path_contains="/Actions")
        start = time.monotonic()
        with pytest.raises(ListingIncomplete, match="links to a page already read") as info:
            list(client.pages("Actions", LISTING, "Actions"))
    assert len(_requests(sb, "/Actions")) == 1 and time.monotonic() - start < 5 and info.value.exit_code == 3


def test_a_next_link_to_an_earlier_page_is_caught(tmp_path: Path) -> None:
    with _generated(4500) as sb, client_for(sb.url, tmp_path) as client:
        sb.faults.rewrite("@nextpageuri", f"{BASE}/Actions?CampaignId={CAMPAIGN}&PageSize=2000&Page=1", times=1,
                          path_contains="Page=2")
        with pytest.raises(ListingIncomplete, match="page 2 links to a page already read"):
            list(client.pages("Actions", LISTING, "Actions"))


def test_a_missing_next_link_before_numpages_is_incomplete(tmp_path: Path) -> None:
    with _generated(4500) as sb, client_for(sb.url, tmp_path) as client:
        sb.faults.drop_field("@nextpageuri", times=1, path_contains="/Actions")
        with pytest.raises(ListingIncomplete, match="@numpages says 3, but page 1 has no next-page link"):
            list(client.pages("Actions", LISTING, "Actions"))


def test_a_page_repeating_the_one_before_is_incomplete(tmp_path: Path) -> None:
    with _generated(4500) as sb, client_for(sb.url, tmp_path) as client:
        sb.faults.duplicate_page(times=1, path_contains="/Actions")
        with pytest.raises(ListingIncomplete, match="is on page 2 and on an earlier page"):
            list(client.pages("Actions", LISTING, "Actions"))


def test_more_pages_than_numpages_are_incomplete() -> None:
    walk = Walk("GET /Actions", f"{BASE}/Actions?CampaignId=1")
    walk.count(Page([{"Id": "1"}], 1, 1, 1, f"{BASE}/Actions?CampaignId=1&Page=2"))
    with pytest.raises(ListingIncomplete, match=r"past @numpages \(1\)"):
        walk.follow(Page([], 1, 1, 1, ""), f"{BASE}/Actions?CampaignId=1&Page=2")


# ---------------------------------------------------------------- the sync


def _mirror(tmp_path: Path) -> Mirror:
    return Mirror(tmp_path / "state" / "mirror" / f"{SID}-{CAMPAIGN}.sqlite3")


@pytest.mark.parametrize("fault", ["drop_next", "duplicate", "self"])
def test_an_incomplete_window_is_not_synced_and_the_next_sync_reads_it_again(tmp_path: Path, fault: str) -> None:
    with _generated(4500, days=5) as sb:
        settings = make_settings(sb.url, tmp_path)
        arm = {"drop_next": lambda: sb.faults.drop_field("@nextpageuri", times=50, path_contains="/Actions"),
               "duplicate": lambda: sb.faults.duplicate_page(times=50, path_contains="/Actions"),
               "self": lambda: sb.faults.rewrite("@nextpageuri", "{self}", times=50, path_contains="/Actions")}[fault]
        arm()
        with pytest.raises(ListingIncomplete, match=r"the window .* could not be read whole in 3 reads .* the next "
                                                    r"sync reads it again") as info:
            sync_actions(settings, days=7)
        assert info.value.exit_code == 3 and len(_requests(sb, "/Actions")) <= 6
        with _mirror(tmp_path) as mirror:
            assert mirror.high_water() is None and mirror.synced_at() is None  # not counted as synced
            assert mirror.pending_windows() and mirror.count() > 0  # what was read is kept
        sb.faults.clear()
        summary = sync_actions(settings)  # resumes the pending window
        expected = {a.Id for a in sb.store.everything()}
    assert summary.resumed == 1
    with _mirror(tmp_path) as mirror:
        assert not mirror.pending_windows() and mirror.high_water() is not None
        assert {r[0] for r in mirror.db.execute("SELECT Id FROM actions")} == expected


def test_an_incremental_sync_that_is_incomplete_leaves_the_high_water_mark(tmp_path: Path) -> None:
    with _generated(3000, days=5) as sb:
        settings = make_settings(sb.url, tmp_path)
        sync_actions(settings, days=7)
        with _mirror(tmp_path) as mirror:
            high = mirror.high_water()
        time.sleep(1.1)
        sb.faults.drop_field("@nextpageuri", times=50, path_contains="/Actions")
        sb.faults.rewrite("@numpages", "2", times=50, path_contains="/Actions")
        with pytest.raises(ListingIncomplete):
            sync_actions(settings)
    with _mirror(tmp_path) as mirror:
        assert mirror.high_water() == high and len(mirror.pending_windows()) == 1


def test_a_sync_that_cannot_be_read_whole_exits_3_naming_the_window(tmp_path: Path) -> None:
    with _generated(4500, days=5) as sb:
        sb.faults.duplicate_page(times=50, path_contains="/Actions")
        (tmp_path / "batchkit.toml").write_text("[api]\npage_size = 2000\n")
        done = CliRunner().invoke(main, ["actions", "sync", "--days", "7", "--config", str(tmp_path / "batchkit.toml")],
                                  env=api_env(sb.url, tmp_path))
    assert done.exit_code == 3, done.output
    assert done.stderr.count("\n") == 1 and "the window" in done.stderr
    assert "the next sync reads it again" in done.stderr


def test_a_window_read_whole_on_a_second_try_is_synced(tmp_path: Path) -> None:
    with _generated(4500, days=5) as sb:
        sb.faults.duplicate_page(times=1, path_contains="/Actions")
        summary = sync_actions(make_settings(sb.url, tmp_path), days=7)
        expected = {a.Id for a in sb.store.everything() if summary.since <= sb.store.updated_at(a.Id) < summary.until}
    assert summary.rereads == 1 and summary.new == len(expected) > 4000 and not summary.notes


def test_a_400_other_than_too_many_records_is_not_split(tmp_path: Path) -> None:
    with _generated(100, days=5) as sb:
        sb.faults.fail(status=400, times=50, path_contains="/Actions")
        with pytest.raises(ApiRejected, match="only a 'too many records' answer splits a window") as info:
            sync_actions(make_settings(sb.url, tmp_path), days=60)
    assert info.value.exit_code == 3 and info.value.status == 400
    assert len(_requests(sb, "/Actions")) == 1  # failed at once: no split, no retry


def test_the_high_water_mark_never_passes_a_pending_window(tmp_path: Path) -> None:
    day = datetime(2026, 11, 1, tzinfo=UTC)
    with Mirror(tmp_path / "m.sqlite3") as mirror:
        plan = mirror.plan([(day, day + timedelta(days=1)), (day + timedelta(days=1), day + timedelta(days=2))])
        mirror.finish_window(plan, day + timedelta(days=1), day + timedelta(days=2), 1, 1, day)
        assert mirror.high_water() is None  # the first day is still pending
        mirror.finish_window(plan, day, day + timedelta(days=1), 1, 1, day)
        assert mirror.high_water() == day + timedelta(days=1)


# ---------------------------------------------------------------- rate limits


class _Slept:
    """A sleep that records and returns at once (the budget's waits, measured without waiting)."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def _paced(url: str, tmp_path: Path, notes: list[str]) -> tuple[ApiClient, _Slept]:
    slept = _Slept()
    return ApiClient(make_settings(url, tmp_path), sleep=slept, notify=notes.append), slept


@pytest.mark.parametrize("reset", ["0", "-5", "1000000000", "soon", "999999"])
def test_a_reset_that_cannot_be_used_backs_off_instead_of_bursting(sandbox: Sandbox, tmp_path: Path,
                                                                   reset: str) -> None:
    sandbox.faults.rate_limited(reset, times=3)
    notes: list[str] = []
    client, slept = _paced(sandbox.url, tmp_path, notes)
    with client:
        assert client.get(f"Actions/{SEEDED}")["Id"] == SEEDED
    assert slept.waits == pytest.approx([1.0, 2.0, 4.0], abs=0.05)  # doubled on each 429 in a row, never 0
    assert notes[0] == "impact.com's rate limit: 0 of 1,000 request(s) left this hour; waiting 1 s (it named no " \
                       "usable time to wait: backing off)"


def test_retry_after_is_honoured_and_preferred(sandbox: Sandbox, tmp_path: Path) -> None:
    sandbox.faults.rate_limited("3000", retry_after="2", times=1)
    date = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    sandbox.faults.rate_limited("0", retry_after=date, times=1)
    notes: list[str] = []
    client, slept = _paced(sandbox.url, tmp_path, notes)
    with client:
        assert client.get(f"Actions/{SEEDED}")["Id"] == SEEDED
    assert slept.waits[0] == pytest.approx(2.0, abs=0.05) and 27 <= slept.waits[1] <= 31
    assert notes[0] == "impact.com's rate limit: 0 of 1,000 request(s) left this hour; waiting 2 s"


def test_a_real_wait_after_a_reset_of_zero_is_not_a_burst(sandbox: Sandbox, tmp_path: Path) -> None:
    sandbox.faults.rate_limited("0", times=2)
    start = time.monotonic()
    with client_for(sandbox.url, tmp_path) as client:
        assert client.get(f"Actions/{SEEDED}")["Id"] == SEEDED
    assert time.monotonic() - start >= 2.9 and len(sandbox.requests) == 3  # 1 s, then 2 s


def test_the_budget_alone_reads_retry_after_dates_and_ignores_nonsense() -> None:
    now = [1000.0]
    budget = Budget(1000, sleep=lambda s: now.__setitem__(0, now[0] + s), clock=lambda: now[0],
                    wall=lambda: 1_700_000_000.0 + now[0])
    budget.after({"Retry-After": "Thu, 01 Jan 1970 00:00:00 GMT", "X-RateLimit-Reset": "-1"}, 429)
    assert budget.wait_needed() == 1.0  # a date in the past: the fallback
    budget.after({"Retry-After": "7200"}, 429)
    assert budget.wait_needed() == 2.0  # over an hour: absurd, the fallback doubled
    budget.after({"X-RateLimit-Remaining": "10"}, 200)
    budget.after({"Retry-After": "5"}, 429)
    assert budget.wait_needed() == 5.0 and budget.storms == 1
