"""The Deliver page: batch files (upload ids: `/deliver?files=ID&files=ID`) to a destination, exactly once.

First a plan (a dry run, as `batchkit deliver --dry-run`), then an explicit confirmation. The confirmation carries
the plan's one-time token and starts the delivery with `tasks.start(..., once=token)`: a double click, a re-POST,
a second tab or the back button get the delivery already started, never a second one (and the journal refuses to
send a record twice, whatever starts it). The browser sends upload ids and the destination's place in the list,
never a path (deliver_dest.py).
"""

from __future__ import annotations

import secrets
from urllib.parse import urlencode

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from batchkit.core.errors import BatchkitError, UsageError
from batchkit.web.bench import Bench, bench_of
from batchkit.web.pages.deliver_dest import Choice, choices, pick
from batchkit.web.pages.deliver_work import DeliverView, Picked, deliver_work, plan_work
from batchkit.web.uploads import Upload
from batchkit.web.views import page, problem
from batchkit.web.work import Task

_PLAN = "deliver-plan:"  # bench.kept key prefix: token -> (the plan's task id, what it is about)


def known_files(bench: Bench, ids: list[str]) -> tuple[list[Upload], list[str]]:
    """The uploads of `ids` (in order, once each) and the ids that name none."""
    found, unknown = [], []
    for upload_id in dict.fromkeys(ids):
        upload = bench.uploads.get(upload_id)
        if upload is None:
            unknown.append(upload_id)
        else:
            found.append(upload)
    return found, unknown


def offered(bench: Bench) -> tuple[list[Choice], str]:
    """The destinations, or none and the configuration's problem."""
    try:
        return choices(bench.config()), ""
    except BatchkitError as exc:
        return [], str(exc)


async def show(request: Request) -> Response:
    bench = bench_of(request)
    files, unknown = known_files(bench, request.query_params.getlist("files"))
    destinations, trouble = offered(bench)
    return page(request, "deliver.html", active="deliver", title="Deliver", files=files, unknown=unknown,
                destinations=destinations, trouble=trouble)


async def add(request: Request) -> Response:
    """Batch files added on this page become uploads; the page opens again with them listed."""
    bench = bench_of(request)
    form = await request.form()
    ids = [str(v) for v in form.getlist("files")]
    try:
        for item in form.getlist("batch"):
            if isinstance(item, UploadFile) and item.filename:
                ids.append(bench.uploads.save(item.file, item.filename, bench.settings.max_upload).id)
    except BatchkitError as exc:
        return problem(request, str(exc))
    target = "/deliver?" + urlencode([("files", i) for i in ids])
    if request.headers.get("hx-request") == "true":
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def picked_from(bench: Bench, ids: list[str], index: object) -> Picked:
    """The files and the destination of a plan request (UsageError for unknown ids or a destination not listed)."""
    files, unknown = known_files(bench, ids)
    if unknown:
        raise UsageError(f"{len(unknown)} file id(s) name no file of this workbench (removed after "
                         f"{bench.settings.keep_days} days?): open Deliver from the Build or Check page again")
    if not files:
        raise UsageError("no files to deliver: build them on the Build page, or add batch files here")
    choice = pick(bench.config(), index)
    return Picked([(f.id, f.name, f.path) for f in files], choice)


async def plan(request: Request) -> Response:
    """Start the dry run; its result carries the confirmation (with a new one-time token)."""
    bench = bench_of(request)
    form = await request.form()
    try:
        picked = picked_from(bench, [str(v) for v in form.getlist("files")], form.get("destination"))
        config = bench.config()
    except BatchkitError as exc:
        return problem(request, str(exc))
    token = secrets.token_urlsafe(18)
    task = bench.tasks.start(f"Planning the delivery to {picked.choice.label}",
                             lambda t: _tokened(plan_work(t, config, picked), token))
    bench.kept[_PLAN + token] = (task.id, picked)
    return page(request, "task.html", task=task, poll=f"/deliver/task/{task.id}")


def _tokened(view: DeliverView, token: str) -> DeliverView:
    """A plan that can be confirmed carries its token (a plan that failed cannot be confirmed)."""
    view.token = "" if view.error else token
    return view


async def confirm(request: Request) -> Response:
    """The confirmed delivery, started once per plan token whatever the number of posts."""
    bench = bench_of(request)
    form = await request.form()
    token = str(form.get("plan") or "")
    kept = bench.kept.get(_PLAN + token) if token else None
    planned = bench.tasks.get(kept[0]) if kept else None
    if kept is None or planned is None or not isinstance(planned.result, DeliverView) or not planned.result.token:
        return problem(request, "this confirmation belongs to no plan of this workbench (was it restarted?): plan the "
                             "delivery again")
    picked: Picked = kept[1]
    try:
        config = bench.config()
    except BatchkitError as exc:
        return problem(request, str(exc))
    task = bench.tasks.start(f"Delivering to {picked.choice.label}", lambda t: deliver_work(t, config, picked),
                             once=token)
    return answer(request, task)  # a second post gets the delivery started first, running or finished


async def poll(request: Request) -> Response:
    task = bench_of(request).tasks.get(request.path_params["task"])
    if task is None:
        return problem(request, "that task is not known to this workbench (was it restarted?)", 404)
    return answer(request, task)


def answer(request: Request, task: Task) -> Response:
    """A task's fragment: its progress while it runs (polling), then the plan or the delivery it ended with."""
    if not isinstance(task.result, DeliverView):
        return page(request, "task.html", task=task, poll=f"/deliver/task/{task.id}")
    template = "deliver_plan.html" if task.result.planning else "deliver_result.html"
    return page(request, template, task=task, view=task.result)


ROUTES = [Route("/deliver", show), Route("/deliver/add", add, methods=["POST"]),
          Route("/deliver/plan", plan, methods=["POST"]), Route("/deliver/confirm", confirm, methods=["POST"]),
          Route("/deliver/task/{task}", poll)]
