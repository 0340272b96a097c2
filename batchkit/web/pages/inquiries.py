"""The Inquiries page: pull the campaign's action inquiries, match them against an order export, review and edit
the proposals (validated as they are edited), then resolve them exactly once after an explicit confirmation.

A presentation of batchkit.inquiries (pull, match, resolve_to) and validate_resolution_table: the page decides
nothing itself. The browser names only ids: the desk's, an upload's (never a path), a row's index, a plan's
one-time token; a confirmation started twice (a double click, a reload, a second tab) runs once
(bench.tasks.start(once=token)), and the journal makes a later resolve of the same decisions send nothing.
"""

from __future__ import annotations

import copy
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from batchkit.core.inquiry import STATUSES
from batchkit.inquiries.orders import PRESETS
from batchkit.web.bench import bench_of
from batchkit.web.pages import inquiries_desk as desks
from batchkit.web.pages import inquiries_work as works
from batchkit.web.views import page, problem

PULL_STATUSES = (*STATUSES, "all")


def context(**more: Any) -> dict[str, Any]:
    """What every inquiries template reads besides its own values."""
    return {"active": "inquiries", "statuses": PULL_STATUSES, "presets": PRESETS, "grid": desks.grid,
            "of_row": desks.of_row, "errors": desks.errors, **more}


async def show(request: Request) -> Response:
    """The page, with the latest pull and what followed it (a reload loses nothing)."""
    bench = bench_of(request)
    desk = desks.latest(bench.kept)
    return page(request, "inquiries.html", **context(desk=desk, places=works.destinations(bench.config())))


async def task_view(request: Request) -> Response:
    """A task's fragment: its progress while it runs, its result (the Shown) once done."""
    task = bench_of(request).tasks.get(request.path_params["task_id"])
    if task is None:
        return problem(request, "no such task (the workbench was restarted?): start again", 404)
    return started(request, task)


def started(request: Request, task: Any, **more: Any) -> Response:
    """The task's fragment: polling while it runs; its Shown result once done (a task of this page's). Rendered from
    one snapshot of the task: the worker may finish between two reads of it (done then always has its result)."""
    task = copy.copy(task)
    shown = task.result if task.state == "done" and isinstance(task.result, works.Shown) else None
    extra = shown.context if shown is not None else {}
    return page(request, "inquiries_task.html", **context(task=task, shown=shown, poll=f"/inquiries/task/{task.id}",
                                                          **extra, **more))


async def pull(request: Request) -> Response:
    form = await request.form()
    status = str(form.get("status", "UNRESOLVED"))
    if status not in PULL_STATUSES:
        return problem(request, f"status {status!r}: choose one of {', '.join(PULL_STATUSES)}")
    try:
        since = works.since_of(str(form.get("since", "")))
    except ValueError:
        return problem(request, f"changed since {form.get('since')!r}: give a date as YYYY-MM-DD")
    bench = bench_of(request)
    desk = desks.keep(bench.kept, desks.Desk(status=status))
    work = works.pull_work(bench, desk, None if status == "all" else status, since)
    return started(request, bench.tasks.start(f"Pull {status.lower()} inquiries", work))


async def match(request: Request) -> Response:
    """The order export uploaded (by id from here on), then match as a task."""
    bench = bench_of(request)
    form = await request.form()
    desk = desks.desk_of(bench.kept, str(form.get("desk", "")))
    if desk is None or not desk.inquiries_id:
        return problem(request, "pull the inquiries first (this page's pull is gone: the workbench was restarted?)")
    preset = str(form.get("preset", "")) or None
    if preset is not None and preset not in PRESETS:
        return problem(request, f"format {preset!r}: choose one of {', '.join(PRESETS)}")
    file = form.get("export")
    if not isinstance(file, UploadFile) or not file.filename:
        return problem(request, "choose the order export (CSV or XLSX) to match the inquiries against")
    upload = await run_in_threadpool(bench.uploads.save, file.file, file.filename, bench.settings.max_upload)
    label = f"Match {len(desk.inquiries):,} inquiries against {upload.name}"
    return started(request, bench.tasks.start(label, works.match_work(bench, desk, upload, preset)))


def _index(desk: desks.Desk, text: str) -> int | None:
    return int(text) if text.isdigit() and int(text) < len(desk.cells) else None


async def edit_row(request: Request) -> Response:
    """One decision edited: the grid validated again, the row answered with its findings."""
    bench = bench_of(request)
    form = await request.form()
    desk = desks.desk_of(bench.kept, str(form.get("desk", "")))
    index = _index(desk, str(form.get("row", ""))) if desk is not None else None
    if desk is None or index is None:
        return problem(request, "this grid is gone (the workbench was restarted?): reload the page")
    desk.edit(index, {k: str(form[k]) for k in desks.EDITED if k in form})
    await run_in_threadpool(desks.validate, desk, bench.config())
    return page(request, "inquiries_row.html", **context(desk=desk, r=desks.row_view(desk, index)))


async def plan(request: Request) -> Response:
    """The confirmation: how many resolutions, to where, what the journal says was done already; a one-time token."""
    bench = bench_of(request)
    form = await request.form()
    desk = desks.desk_of(bench.kept, str(form.get("desk", "")))
    if desk is None or not desk.cells:
        return problem(request, "nothing to resolve: pull and match first")
    where = str(form.get("destination", "0"))
    shown = await run_in_threadpool(works.plan_of, bench, desk, int(where) if where.isdigit() else 0)
    return page(request, "inquiries_plan.html", **context(**shown))


async def resolve(request: Request) -> Response:
    """The confirmed plan started once: the same token again shows the first run, never a second one."""
    bench = bench_of(request)
    form = await request.form()
    desk = desks.desk_of(bench.kept, str(form.get("desk", "")))
    chosen = desk.plans.get(str(form.get("token", ""))) if desk is not None else None
    if desk is None or chosen is None:
        return problem(request, "this confirmation is unknown (the workbench was restarted?): show the plan again")
    if chosen.version != desk.version and not chosen.used:
        return problem(request, "the decisions changed after this plan was shown: show the plan again")
    again, chosen.used = chosen.used, True
    task = bench.tasks.start(f"Resolve {chosen.rows:,} inquiries", works.resolve_work(bench, desk, chosen),
                             once=f"inquiries-resolve:{chosen.token}")
    return started(request, task, again=again)


ROUTES = [Route("/inquiries", show), Route("/inquiries/task/{task_id}", task_view),
          Route("/inquiries/pull", pull, methods=["POST"]), Route("/inquiries/match", match, methods=["POST"]),
          Route("/inquiries/row", edit_row, methods=["POST"]), Route("/inquiries/plan", plan, methods=["POST"]),
          Route("/inquiries/resolve", resolve, methods=["POST"])]
