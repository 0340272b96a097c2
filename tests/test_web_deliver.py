"""The Deliver page through Starlette's TestClient: a plan, then one confirmed delivery — exactly once whatever the
number of posts (twice, from two threads at once, a second plan) — to a folder and through impact.com's API (the
sandbox), a refusal shown at its row in impact.com's words, and the browser never naming a path."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
from conftest_api import SID, TOKEN, api_env, sandbox  # noqa: F401
from conftest_web import Web, make_web, serve_settings_for

from batchkit.sandbox import Sandbox
from batchkit.state.ledger import Ledger

ROOT = Path(__file__).resolve().parent.parent
BATCH = ROOT / "samples" / "batch"
REVERSALS = BATCH / "acme_order-reversals_2026-11-22.csv"
MODIFICATIONS = BATCH / "acme_order-modifications_2026-11-22.csv"


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("IMPACT_ACCOUNT_SID", "IMPACT_AUTH_TOKEN", "BATCHKIT_CAMPAIGN_ID", "BATCHKIT_API_URL", "BATCHKIT_TO"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BATCHKIT_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.chdir(tmp_path)


def _bench(tmp_path: Path, config: str = "") -> Web:
    return make_web(serve_settings_for(tmp_path, config=config))


def _uploads(w: Web, *paths: Path) -> list[str]:
    return [w.bench.uploads.add_file(p.name, p.read_bytes()).id for p in paths]


def _index(page_html: str, label: str) -> str:
    """The destination's place in the list, found by its label (as a person picks it)."""
    found = re.findall(r'value="(\d+)"[^>]*>\s*<label for="dest-\d+" class="inline">([^<]*)</label>', page_html)
    matches = [i for i, text in found if label in text]
    assert matches, f"no destination {label!r} in {found}"
    return matches[0]


def _plan(w: Web, ids: list[str], destination: str) -> str:
    got = w.post("/deliver/plan", data={"files": ids, "destination": destination})
    poll = re.search(r'hx-get="(/deliver/task/[0-9a-f]+)"', got.text)
    assert poll, got.text
    return str(w.wait(poll[1]).text)


def _token(plan_html: str) -> str:
    found = re.search(r'name="plan" value="([^"]+)"', plan_html)
    assert found, plan_html
    return found[1]


def _confirm(w: Web, token: str) -> tuple[str, str]:
    """(the delivery's task id, its finished fragment)."""
    got = w.post("/deliver/confirm", data={"plan": token})
    task = re.search(r'id="task-([0-9a-f]+)"', got.text)
    assert task, got.text
    return task[1], str(w.wait(f"/deliver/task/{task[1]}").text)


def _statuses(html: str) -> list[tuple[str, str]]:
    return re.findall(r'data-row="(\d+)" data-status="([a-z-]+)"', html)


def test_a_folder_of_serve_destinations_receives_the_files_once(tmp_path: Path) -> None:
    w = _bench(tmp_path, '[serve]\ndestinations = ["drop"]\n')
    try:
        ids = _uploads(w, REVERSALS, MODIFICATIONS)
        page = w.get("/deliver?" + "&".join(f"files={i}" for i in ids)).text
        plan = _plan(w, ids, _index(page, str(tmp_path / "drop")))
        assert plan.count('data-outcome="would-send"') == 2 and not (tmp_path / "drop").exists()  # a plan sends nothing
        _, done = _confirm(w, _token(plan))
    finally:
        w.bench.tasks.shutdown()
    assert done.count('data-outcome="delivered"') == 2 and 'data-exit="0"' in done
    assert sorted(p.name for p in (tmp_path / "drop").iterdir()) == sorted([REVERSALS.name, MODIFICATIONS.name])
    assert (tmp_path / "drop" / REVERSALS.name).read_bytes() == REVERSALS.read_bytes()
    assert [s for _, s in _statuses(done)] == ["sent"] * 8  # 4 reversals, 4 modifications: each record sent


def test_the_same_confirmation_posted_twice_and_from_two_threads_delivers_once(tmp_path: Path) -> None:
    w = _bench(tmp_path, f'[deliver]\nto = "{tmp_path / "outbox"}"\n')
    try:
        ids = _uploads(w, REVERSALS)
        token = _token(_plan(w, ids, "0"))
        first, _ = _confirm(w, token)
        again, html = _confirm(w, token)  # a re-POST (a reload, the back button, a second tab)
        answers: list[str] = []
        threads = [threading.Thread(target=lambda: answers.append(_confirm(w, token)[0])) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    finally:
        w.bench.tasks.shutdown()
    assert first == again and answers == [first, first]
    assert [p.name for p in (tmp_path / "outbox").iterdir()] == [REVERSALS.name]
    ledger = Ledger(tmp_path / "state")
    assert [e.outcome for e in ledger.entries()] == ["delivered"]
    ledger.close()
    assert 'data-outcome="delivered"' in html


def test_two_plans_racing_from_two_tabs_deliver_once(tmp_path: Path) -> None:
    w = _bench(tmp_path, f'[deliver]\nto = "{tmp_path / "outbox"}"\n')
    try:
        ids = _uploads(w, REVERSALS)
        tokens = [_token(_plan(w, ids, "0")) for _ in range(2)]
        results: list[str] = []
        threads = [threading.Thread(target=lambda t=t: results.append(_confirm(w, t)[1])) for t in tokens]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        w.bench.tasks.shutdown()
    outcomes = sorted(re.search(r'data-outcome="([a-z-]+)"', r)[1] for r in results)  # type: ignore[index]
    assert outcomes == ["delivered", "skipped"]
    assert [p.name for p in (tmp_path / "outbox").iterdir()] == [REVERSALS.name]


def test_a_second_plan_says_already_sent_and_delivering_again_sends_nothing(tmp_path: Path) -> None:
    w = _bench(tmp_path, f'[deliver]\nto = "{tmp_path / "outbox"}"\n')
    try:
        ids = _uploads(w, REVERSALS)
        _confirm(w, _token(_plan(w, ids, "0")))
        sent = (tmp_path / "outbox" / REVERSALS.name).stat().st_mtime_ns
        plan = _plan(w, ids, "0")
        _, done = _confirm(w, _token(plan))
    finally:
        w.bench.tasks.shutdown()
    assert 'data-outcome="would-skip"' in plan and "already delivered on" in plan
    assert {s for _, s in _statuses(plan)} == {"already-sent"} and "sent on 20" in plan
    assert 'data-outcome="skipped"' in done and 'data-outcome="delivered"' not in done
    assert (tmp_path / "outbox" / REVERSALS.name).stat().st_mtime_ns == sent
    assert [p.name for p in (tmp_path / "outbox").iterdir()] == [REVERSALS.name]


def test_a_path_or_an_unlisted_place_in_the_form_is_refused(tmp_path: Path) -> None:
    w = _bench(tmp_path, f'[deliver]\nto = "{tmp_path / "outbox"}"\n')
    try:
        ids = _uploads(w, REVERSALS)
        for bad in (str(tmp_path / "x"), "/tmp/x", "../x", "sftp://me@evil.example/x", "api", "7", "-1", ""):
            got = w.post("/deliver/plan", data={"files": ids, "destination": bad})
            assert "Could not do that" in got.text and "destinations listed" in got.text, bad
            assert "hx-get" not in got.text
        got = w.post("/deliver/plan", data={"files": ["../../etc/passwd", *ids], "destination": "0"})
        assert "name no file" in got.text
        forged = w.post("/deliver/confirm", data={"plan": "not-a-plan"})
        assert "belongs to no plan" in forged.text
    finally:
        w.bench.tasks.shutdown()
    assert not (tmp_path / "x").exists() and not (tmp_path / "outbox").exists()
    assert not Path("/tmp/x").exists() or not any(p.name == REVERSALS.name for p in Path("/tmp/x").iterdir())


def test_unknown_ids_in_the_address_are_one_line(tmp_path: Path) -> None:
    w = _bench(tmp_path, "")
    try:
        ids = _uploads(w, REVERSALS)
        html = w.get(f"/deliver?files={ids[0]}&files=0123456789abcdef0123&files=../x").text
    finally:
        w.bench.tasks.shutdown()
    assert re.search(r'id="unknown-files">2 file id\(s\)', html) and REVERSALS.name in html


def test_invalid_files_show_their_findings_and_nothing_is_sent(tmp_path: Path) -> None:
    bad = tmp_path / "acme_order-reversals_bad.csv"
    bad.write_text("ActionId,Amount,Reason\n1000.4636.158301,0,NOT_A_REASON\n")
    w = _bench(tmp_path, f'[deliver]\nto = "{tmp_path / "outbox"}"\n')
    try:
        plan = _plan(w, _uploads(w, bad), "0")
    finally:
        w.bench.tasks.shutdown()
    assert "Nothing was sent" in plan and 'href="/check"' in plan and 'data-row="2"' in plan
    assert 'name="plan"' not in plan and not (tmp_path / "outbox").exists()


def _api_bench(tmp_path: Path, box: Sandbox, monkeypatch: pytest.MonkeyPatch, path: Path) -> tuple[Web, list[str], str]:
    """A workbench whose environment names the sandbox's account, one upload, and the API's place in the list."""
    for name, value in api_env(box.url, tmp_path).items():
        monkeypatch.setenv(name, value)
    w = _bench(tmp_path, "")
    ids = _uploads(w, path)
    return w, ids, _index(w.get(f"/deliver?files={ids[0]}").text, "impact.com API")


def test_through_the_api_twice_is_one_write_per_record(sandbox: Sandbox, tmp_path: Path,  # noqa: F811
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    w, ids, api = _api_bench(tmp_path, sandbox, monkeypatch, REVERSALS)
    try:
        plan = _plan(w, ids, api)
        assert "4 request(s) to account" in plan and "requests an hour" in plan
        token = _token(plan)
        _, done = _confirm(w, token)
        _confirm(w, token)  # the same confirmation again
        second = _plan(w, ids, api)
        _, again = _confirm(w, _token(second))
    finally:
        w.bench.tasks.shutdown()
    assert sandbox.applied_count() == 4 and len(sandbox.applied_writes()) == 4
    assert [s for _, s in _statuses(done)] == ["sent"] * 4 and "queued by impact.com" in done
    assert 'data-outcome="would-skip"' in second and {s for _, s in _statuses(second)} == {"already-sent"}
    assert 'data-outcome="skipped"' in again and {s for _, s in _statuses(again)} == {"already-sent"}
    assert TOKEN not in done + again + second


def test_a_refused_record_is_shown_at_its_row_in_impact_coms_words(sandbox: Sandbox, tmp_path: Path,  # noqa: F811
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    w, ids, api = _api_bench(tmp_path, sandbox, monkeypatch, MODIFICATIONS)
    try:
        token = _token(_plan(w, ids, api))
        sandbox.faults.fail(422, times=1, path_contains="Actions")  # the first record is refused
        _, done = _confirm(w, token)
    finally:
        w.bench.tasks.shutdown()
    assert 'data-exit="1"' in done and "impact.com refused 1 record(s)" in done
    assert 'data-outcome="refused"' in done and 'data-outcome="delivered"' not in done
    row = re.search(r'data-row="2" data-status="refused">(.*?)</tr>', done, re.DOTALL)
    assert row and "impact.com refused it (422" in row[1] and "refused by impact.com" in row[1]
    assert [s for _, s in _statuses(done)] == ["refused", "sent", "sent", "sent"]
    assert sandbox.applied_count() == 3 and TOKEN not in done and "Traceback" not in done


def test_batch_files_added_on_the_page_join_the_list(tmp_path: Path) -> None:
    w = _bench(tmp_path, "")
    try:
        ids = _uploads(w, REVERSALS)
        got = w.post("/deliver/add", data={"files": ids}, files=[("batch", (MODIFICATIONS.name, MODIFICATIONS.read_bytes()))])
        target = got.headers.get("hx-redirect", "")
        page = w.get(target).text
    finally:
        w.bench.tasks.shutdown()
    assert got.status_code == 204 and target.startswith(f"/deliver?files={ids[0]}&files=")
    assert REVERSALS.name in page and MODIFICATIONS.name in page


@pytest.mark.parametrize(("error", "exit_code", "words"), [
    ("lock", 3, "another batchkit run holds the state folder"),
    ("drop", 3, "the drop has no room for the file"),
])
def test_a_busy_lock_or_a_failed_delivery_is_one_line_with_the_per_file_results(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: str, exit_code: int, words: str) -> None:
    from batchkit.delivery.errors import DropFull
    from batchkit.delivery.records import DeliveryResult
    from batchkit.state.errors import LockBusy
    from batchkit.web.pages import deliver_work

    def failing(paths: list[Path], *args: object, **kw: object) -> object:
        if kw.get("dry_run"):
            return real(paths, *args, **kw)
        if error == "lock":
            raise LockBusy(f"{words} (another delivery): try again when it has finished")
        exc = DropFull(f"{words}: nothing was sent; free some room at the partner")
        exc.results = [DeliveryResult(paths[0], paths[0].name, 1, "0" * 64, "file:///x", "failed", error=str(exc))]
        raise exc

    real = deliver_work.deliver_paths
    monkeypatch.setattr(deliver_work, "deliver_paths", failing)
    w = _bench(tmp_path, f'[deliver]\nto = "{tmp_path / "outbox"}"\n')
    try:
        _, done = _confirm(w, _token(_plan(w, _uploads(w, REVERSALS), "0")))
    finally:
        w.bench.tasks.shutdown()
    assert f'data-exit="{exit_code}"' in done and "The delivery did not complete" in done and words in done
    assert "Traceback" not in done and 'data-status="sent"' not in done
    if error == "drop":
        assert 'data-outcome="failed"' in done
