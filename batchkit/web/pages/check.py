"""The Check page: drop batch files, see every finding in a grid of the file's own cells, fix what is safe to
fix, download the reports, check against the account, and go on to deliver when nothing is wrong.

The routes are thin: the work is the library's (check_run: read + validate + preflight; check_files: the
reports and `fix`; check_account: the account and its mirror), the grid is batchkit.web.grid, the chart
batchkit.web.chart. A check lives in bench.kept under a random id; the browser never names a path.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import Route

from batchkit.core.codes import catalogue
from batchkit.core.errors import BatchkitError, InputError
from batchkit.web.bench import Bench, bench_of
from batchkit.web.chart import chart_of
from batchkit.web.grid import Filters, page_of
from batchkit.web.pages import check_account, check_files
from batchkit.web.pages.check_run import Check, Checked, run_check
from batchkit.web.views import page, problem
from batchkit.web.work import Task

CHECK_ID = re.compile(r"[0-9a-f]{20}")
MAX_FILES = 50
MAX_CHECKS = 20  # checks kept in memory; the oldest goes first (its files stay in the uploads folder)
ACTIONS = ("preflight", "sync", "fix", "recheck")


async def show(request: Request) -> Response:
    return page(request, "check.html", active="check", title="Check", check=None)


async def upload(request: Request) -> Response:
    """Store the files (each bounded, under a name batchkit chooses) and start their check."""
    bench = bench_of(request)
    form = await request.form(max_files=MAX_FILES, max_fields=MAX_FILES)
    given = [f for f in form.getlist("files") if isinstance(f, UploadFile) and f.filename]
    if not given:
        return problem(request, "Choose one or more .csv or .xlsx files to check.")
    try:
        uploads = [await run_in_threadpool(bench.uploads.save, f.file, f.filename, bench.settings.max_upload)
                   for f in given]
    except InputError as exc:
        return problem(request, str(exc))
    finally:
        await form.close()
    check = _keep(bench, Check(uploads))
    _start_check(bench, check)
    return _body(request, check, push=True)


def _keep(bench: Bench, check: Check) -> Check:
    """Keep `check` under its id, letting the oldest checks go beyond MAX_CHECKS (other pages' state stays)."""
    bench.kept[check.id] = check
    mine = [key for key, value in list(bench.kept.items()) if isinstance(value, Check)]
    for key in mine[:max(0, len(mine) - MAX_CHECKS)]:
        bench.kept.pop(key, None)
    return check


def _start_check(bench: Bench, check: Check, account: Any = None) -> None:
    config = bench.config()
    label = "Checking against the account" if account is not None else \
        f"Checking {len(check.uploads)} file{'' if len(check.uploads) == 1 else 's'}"
    check.task_id = bench.tasks.start(label, lambda task: run_check(check, config, task, account)).id


def _found(request: Request) -> Check | None:
    got = bench_of(request).kept.get(request.path_params["cid"]) if CHECK_ID.fullmatch(
        request.path_params.get("cid", "")) else None
    return got if isinstance(got, Check) else None


def _file(request: Request, check: Check) -> Checked | None:
    n = request.path_params.get("n", -1)
    return check.files[n] if 0 <= n < len(check.files) and check.files[n].report is not None else None


def _gone(request: Request) -> Response:
    return problem(request, "This check is no longer kept (the workbench was restarted): drop the files again.", 404)


async def show_check(request: Request) -> Response:
    """The check: its task's progress while it runs, then the results (a fragment when htmx polls)."""
    check = _found(request)
    if check is None:
        return _gone(request)
    if request.headers.get("hx-request") == "true":
        return _body(request, check)
    return page(request, "check.html", active="check", title="Check", check=check, trouble="",
                **_context(request, check))


def _body(request: Request, check: Check, push: bool = False, trouble: str = "") -> HTMLResponse:
    """The check's part of the page (what polls and what the buttons replace); `trouble`: one line on top."""
    got = page(request, "check_body.html", check=check, trouble=trouble, **_context(request, check))
    if push:
        got.headers["hx-push-url"] = f"/check/{check.id}"
    return got


def _context(request: Request, check: Check) -> dict[str, Any]:
    bench = bench_of(request)
    task = bench.tasks.get(check.task_id)
    running = task is not None and task.state == "running"
    titles = {code: info.title for code, info in catalogue().items()}
    shown = [] if running else check.files  # while a task runs the page shows its progress only
    charts = [chart_of(f.report, titles) if f.report else None for f in shown]
    pages = [page_of(f.grid, Filters()) if f.grid else None for f in shown]
    account = None if running else check_account.account_of(bench)
    return {"task": task, "running": running, "poll": f"/check/{check.id}", "codes": catalogue(),
            "charts": charts, "pages": pages, "account": account, "files_query": _files_query(check)}


def _files_query(check: Check) -> str:
    from urllib.parse import urlencode

    return urlencode([("files", f.upload.id) for f in check.files])


async def grid(request: Request) -> Response:
    """One page of one file's grid under the filters (code, severity, column; page)."""
    check = _found(request)
    if check is None:
        return _gone(request)
    checked = _file(request, check)
    if checked is None or checked.grid is None:
        return problem(request, "No such file in this check.", 404)
    q = request.query_params
    filters = Filters(q.get("code", ""), q.get("severity", ""), _int(q.get("column"), -1), _int(q.get("page"), 1))
    return page(request, "check_grid.html", check=check, f=checked, n=request.path_params["n"], codes=catalogue(),
                grid=page_of(checked.grid, filters))


def _int(text: str | None, default: int) -> int:
    try:
        return int(text or "")
    except ValueError:
        return default


def download(request: Request) -> Response:
    """The issues CSV, the XLSX report or the fixed file of one file (a sync route: runs off the event loop)."""
    check = _found(request)
    if check is None:
        return _gone(request)
    checked = _file(request, check)
    what = request.path_params["what"]
    if checked is None or what not in (*check_files.REPORTS, "fixed"):
        return problem(request, "No such file in this check.", 404)
    if what != "fixed":
        return check_files.report_file(bench_of(request), checked, what)
    fixed = check.fixes.get(request.path_params["n"])
    if fixed is None or fixed.upload is None:
        return problem(request, "Fix this file first.", 404)
    return FileResponse(fixed.upload.path, media_type="text/csv; charset=utf-8", filename=fixed.upload.name)


async def act(request: Request) -> Response:
    """A button of a check: fix a file, check the fixed file, run against the account, sync the mirror."""
    check = _found(request)
    if check is None:
        return _gone(request)
    bench, what = bench_of(request), request.path_params["what"]
    if what not in ACTIONS or (what in ("fix", "recheck")) != ("n" in request.path_params):
        return problem(request, "No such action.", 404)
    task = bench.tasks.get(check.task_id)
    if task is not None and task.state == "running":
        return _body(request, check)
    if what == "recheck":
        return _recheck(request, bench, check)
    try:
        account = check_account.account_settings(bench) if what in ("preflight", "sync") else None
    except BatchkitError as exc:  # no account configured: one line saying what to set
        return _body(request, check, trouble=check_account.missing(exc))
    if what == "preflight":
        _start_check(bench, check, account)
    elif what == "sync":
        check.task_id = bench.tasks.start("Syncing the account's actions", lambda t: _sync(check, account, t)).id
    else:
        checked = _file(request, check)
        if checked is None:
            return _body(request, check, trouble="No such file in this check.")
        check.task_id = bench.tasks.start(f"Fixing {checked.upload.name}",
                                          lambda t: _fix(bench, check, request.path_params["n"], t)).id
    return _body(request, check)


def _sync(check: Check, account: Any, task: Task) -> None:
    check.synced = check_account.sync(account, task)


def _fix(bench: Bench, check: Check, n: int, task: Task) -> None:
    check.fixes[n] = check_files.fix(bench, check.files[n], bench.config(), task)


def _recheck(request: Request, bench: Bench, check: Check) -> Response:
    """Check the fixed file of one file, as a new check of its own (one click)."""
    fixed = check.fixes.get(request.path_params["n"])
    if fixed is None or fixed.upload is None:
        return _body(request, check, trouble="Fix this file first.")
    again = _keep(bench, Check([fixed.upload]))
    _start_check(bench, again)
    return _body(request, again, push=True)


ROUTES = [Route("/check", show), Route("/check/upload", upload, methods=["POST"]),
          Route("/check/{cid}", show_check), Route("/check/{cid}/grid/{n:int}", grid),
          Route("/check/{cid}/download/{n:int}/{what}", download),
          Route("/check/{cid}/{what:str}", act, methods=["POST"]),
          Route("/check/{cid}/{what:str}/{n:int}", act, methods=["POST"])]
