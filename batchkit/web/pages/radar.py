"""The Radar page: which corrections lock soon and how much commission each holds (`batchkit radar`).

Batch files (or exports, with a preset) dropped on the page become uploads; the library's radar runs over them
and the journal's writes not yet applied as a task (radar_work.py), against the account's mirror (its age shown,
"sync now", or offline). Then the buckets as a server-drawn SVG chart (radar_chart.py), the totals per bucket,
currency, partner and month lost, and the corrections in pages of 50, sorted by the server by deadline or by
commission, each linking to where it lives: the uploaded file (checked on the Check page), the journal write's
delivery on the Status page; "send now" opens Deliver with that file — its plan and confirmation send, never
this page. The browser names uploads by id, never a path.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from batchkit.core.errors import BatchkitError, InputError
from batchkit.web.bench import Bench, bench_of
from batchkit.web.pages import check_account
from batchkit.web.pages.build_config import PRESETS
from batchkit.web.pages.radar_chart import bucket_chart
from batchkit.web.pages.radar_work import (
    SORTS,
    RadarView,
    amounts,
    rows_page,
    run_radar,
    stake,
)
from batchkit.web.views import page, problem
from batchkit.web.work import Task

RADAR_ID = re.compile(r"[0-9a-f]{20}")
MAX_FILES = 50
MAX_RADARS = 5  # radars kept in memory; the oldest goes first
PARTNERS_SHOWN = 50
_SYNC = "radar-sync"  # bench.kept: the task id of the page's last "sync now"


async def show(request: Request) -> Response:
    return page(request, "radar.html", active="radar", title="Radar", view=None, presets=PRESETS,
                account=_account(bench_of(request)), sync_task=None)


def _account(bench: Bench) -> check_account.Account:
    """The account and its mirror's age, or one line saying what to set (for the radar, not for a check)."""
    got = check_account.account_of(bench)
    return got if got.settings is not None else check_account.Account(None, missing_line(got.missing))


def missing_line(said: str) -> str:
    """check_account's line ("To check against the account, set ...") said for the radar."""
    return said.replace("To check against the account,", "To see the radar,")


async def run(request: Request) -> Response:
    """Store the files (each bounded, under a name batchkit chooses) and start the radar over them."""
    bench = bench_of(request)
    form = await request.form(max_files=MAX_FILES, max_fields=MAX_FILES + 10)
    try:
        given = [f for f in form.getlist("files") if isinstance(f, UploadFile) and f.filename]
        preset, days = _choices(str(form.get("preset") or ""), str(form.get("days") or ""))
        check_account.account_settings(bench)
        uploads = [await run_in_threadpool(bench.uploads.save, f.file, f.filename, bench.settings.max_upload)
                   for f in given]
    except BatchkitError as exc:
        return problem(request, missing_line(check_account.missing(exc)) if _no_account(exc) else str(exc))
    finally:
        await form.close()
    view = _keep(bench, RadarView(uploads, preset, form.get("offline") == "yes", days))
    _start(bench, view)
    got = _body(request, view)
    got.headers["hx-push-url"] = f"/radar/{view.id}"
    return got


def _no_account(exc: BatchkitError) -> bool:
    return str(exc).startswith(("no impact.com account", "no impact.com campaign"))


def _choices(preset: str, days: str) -> tuple[str | None, int | None]:
    if preset and preset not in PRESETS:
        raise InputError(f"choose a preset batchkit knows ({', '.join(PRESETS)}), or none for batch files")
    if days.strip() and not days.strip().isdigit():
        raise InputError(f"the horizon must be a whole number of days, not {days.strip()!r}")
    return preset or None, int(days) if days.strip() else None


def _keep(bench: Bench, view: RadarView) -> RadarView:
    bench.kept[f"radar:{view.id}"] = view
    mine = [key for key in list(bench.kept) if key.startswith("radar:")]
    for key in mine[:max(0, len(mine) - MAX_RADARS)]:
        bench.kept.pop(key, None)
    return view


def _start(bench: Bench, view: RadarView) -> None:
    config, state_dir = bench.config(), bench.settings.state_dir
    files = f"{len(view.uploads)} file{'' if len(view.uploads) == 1 else 's'} and " if view.uploads else ""
    view.task_id = bench.tasks.start(f"Looking at the lock dates of {files}the journal",
                                     lambda task: run_radar(view, config, state_dir, task)).id


def _found(request: Request) -> RadarView | None:
    rid = request.path_params.get("rid", "")
    got = bench_of(request).kept.get(f"radar:{rid}") if RADAR_ID.fullmatch(rid) else None
    return got if isinstance(got, RadarView) else None


async def show_radar(request: Request) -> Response:
    """A radar: its task's progress while it runs, then the chart, the totals and a page of rows."""
    view = _found(request)
    if view is None:
        return problem(request, "This radar is no longer kept (the workbench was restarted): look again.", 404)
    if request.headers.get("hx-request") == "true":
        return _body(request, view)
    context = _context(request, view)
    context.setdefault("account", None if context["running"] else _account(bench_of(request)))
    return page(request, "radar.html", active="radar", title="Radar", view=view, presets=PRESETS, sync_task=None,
                **context)


def _body(request: Request, view: RadarView) -> HTMLResponse:
    return page(request, "radar_body.html", view=view, **_context(request, view))


def _context(request: Request, view: RadarView) -> dict[str, Any]:
    task = bench_of(request).tasks.get(view.task_id)
    running = task is not None and task.state == "running"
    result = None if running else view.result
    found: dict[str, Any] = {"task": task, "running": running, "poll": f"/radar/{view.id}", "result": result,
                             "sorts": SORTS, "amounts": amounts}
    if result is not None:
        q = request.query_params
        radar = result.radar
        found.update(radar=radar, chart=bucket_chart(radar), account=_account(bench_of(request)), stake=stake(radar.currencies),
                     rows=rows_page(view, result, q.get("sort", "deadline"), _int(q.get("page"))),
                     partners=sorted(radar.partners.items())[:PARTNERS_SHOWN], notes=[view.clean(n) for n in
                                                                                      radar.notes])
    return found


def _int(text: str | None) -> int:
    try:
        return int(text or "")
    except ValueError:
        return 1


async def sync(request: Request) -> Response:
    """"Sync now": the mirror brought up to date as a task; the account's part of the page polls it."""
    bench = bench_of(request)
    try:
        account = check_account.account_settings(bench)
    except BatchkitError as exc:
        return problem(request, missing_line(check_account.missing(exc)) if _no_account(exc) else str(exc))
    running = bench.tasks.get(bench.kept.get(_SYNC, ""))
    if running is None or running.state != "running":
        running = bench.tasks.start("Syncing the account's actions", lambda t: check_account.sync(account, t))
        bench.kept[_SYNC] = running.id
    return _account_part(request, running)


async def account_part(request: Request) -> Response:
    """The account's part of the page (what the sync's progress polls)."""
    return _account_part(request, bench_of(request).tasks.get(bench_of(request).kept.get(_SYNC, "")))


def _account_part(request: Request, task: Task | None) -> Response:
    """The account's part: the sync's progress while it runs (the mirror left alone), then the account."""
    running = task is not None and task.state == "running"
    return page(request, "radar_account.html", account=None if running else _account(bench_of(request)),
                sync_task=task)


async def check_file(request: Request) -> Response:
    """Check one uploaded file of a radar on the Check page (a new check of that upload; the browser goes there)."""
    from batchkit.web.pages.check import Check, _start_check
    from batchkit.web.pages.check import _keep as keep_check

    bench = bench_of(request)
    upload = bench.uploads.get(request.path_params["uid"])
    if upload is None:
        return problem(request, "This file is no longer kept by the workbench: drop it again.", 404)
    check = keep_check(bench, Check([upload]))
    _start_check(bench, check)
    return Response(status_code=204, headers={"HX-Redirect": f"/check/{check.id}"})


ROUTES = [Route("/radar", show), Route("/radar/run", run, methods=["POST"]),
          Route("/radar/sync", sync, methods=["POST"]), Route("/radar/account", account_part),
          Route("/radar/check/{uid}", check_file, methods=["POST"]), Route("/radar/{rid}", show_radar)]
