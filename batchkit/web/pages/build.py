"""The Build page: an export (CSV/XLSX) and its preset -> impact.com batch files, as `batchkit build` makes them.

The preset and the action tracker id are remembered in batchkit.toml ([build] only: build_config.py). The build
runs as a task into a folder of the workbench's own; its files become uploads, so that they can be downloaded
(one, or all as a zip) and taken to the Deliver page by id.
"""

from __future__ import annotations

import secrets
import shutil
from pathlib import Path

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from batchkit.builder.pipeline import STEPS, build_files
from batchkit.builder.settings import load_build_settings
from batchkit.core.errors import BatchkitError, UsageError
from batchkit.web.bench import Bench, bench_of
from batchkit.web.pages.build_config import PRESETS, remember
from batchkit.web.pages.build_view import BuildView, BuiltFile, view_of, zip_of
from batchkit.web.uploads import Upload
from batchkit.web.views import page, problem
from batchkit.web.work import Task


def current_choices(bench: Bench) -> tuple[str, str, str]:
    """(preset, tracker id, a problem with the configuration or '') as the page opens."""
    try:
        table = bench.config().table("build")
    except BatchkitError as exc:
        return "returns", "", str(exc)
    tracker = table.get("action_tracker_id")
    return str(table.get("preset") or "returns"), "" if tracker is None else str(tracker), ""


async def show(request: Request) -> Response:
    bench = bench_of(request)
    preset, tracker, trouble = current_choices(bench)
    return page(request, "build.html", active="build", title="Build", presets=PRESETS, preset=preset,
                tracker=tracker, trouble=trouble, config_path=bench.config_path)


def parse_choices(preset: object, tracker: object) -> tuple[str, int | None]:
    """The preset (one batchkit knows) and the tracker id (a positive whole number, or none)."""
    if preset not in PRESETS:
        raise UsageError(f"choose a preset batchkit knows ({', '.join(PRESETS)})")
    text = str(tracker or "").strip()
    if not text:
        return str(preset), None
    if not text.isdigit() or int(text) <= 0:
        raise UsageError(f"the action tracker id must be a positive whole number, not {text!r}")
    return str(preset), int(text)


async def run(request: Request) -> Response:
    """Save the export, remember the choices, start the build; the task fragment polls its progress."""
    bench = bench_of(request)
    form = await request.form()
    export = form.get("export")
    if not isinstance(export, UploadFile) or not export.filename:
        return problem(request, "choose the export to build from (a .csv or .xlsx file)")
    try:
        preset, tracker = parse_choices(form.get("preset"), form.get("action_tracker_id"))
        upload = bench.uploads.save(export.file, export.filename, bench.settings.max_upload)
        note = remember(bench.config_path, preset, tracker)
    except BatchkitError as exc:
        return problem(request, str(exc))
    task = bench.tasks.start(f"Building {upload.name}", lambda t: build_work(t, bench, upload, preset, tracker, note))
    return page(request, "task.html", task=task, poll=f"/build/task/{task.id}")


def build_work(task: Task, bench: Bench, upload: Upload, preset: str, tracker: int | None,
               note: str | None) -> BuildView:
    """The build (the choices are in the configuration now); the files written become uploads."""
    config = bench.config()
    settings = load_build_settings(config, preset, tracker, None)
    out = bench.settings.folder / "builds" / secrets.token_hex(8)
    steps = list(STEPS)
    outcome = build_files(upload.path, out, config, settings,
                          progress=lambda step: task.report(step, steps.index(step) + 1, len(steps)))
    view = view_of(outcome, upload.name, preset)
    view.remembered = note
    for path in outcome.written:
        added = bench.uploads.add_file(path.name, path.read_bytes())
        view.files.append(BuiltFile(added.name, added.size, added.path, added.id))
    shutil.rmtree(out, ignore_errors=True)  # the uploads hold the files now (and are swept after keep_days)
    return view


def finished(request: Request) -> tuple[Task | None, BuildView | None]:
    task = bench_of(request).tasks.get(request.path_params["task"])
    view = task.result if task is not None and isinstance(task.result, BuildView) else None
    return task, view


async def poll(request: Request) -> Response:
    task, view = finished(request)
    if task is None:
        return problem(request, "that build is not known to this workbench (it was started before a restart?)", 404)
    if view is None:
        return page(request, "task.html", task=task, poll=f"/build/task/{task.id}")
    return page(request, "build_result.html", task=task, view=view)


async def download(request: Request) -> Response:
    """One built file (by its place in the build's list), or all of them as a zip."""
    _task, view = finished(request)
    if view is None or not view.files:
        return problem(request, "no files of that build to download", 404)
    which = request.path_params["which"]
    if which == "all.zip":
        stem = Path(view.export).stem
        return Response(zip_of(view.files), media_type="application/zip",
                        headers=_attachment(f"{stem}-batch-files.zip"))
    if not which.isdigit() or int(which) >= len(view.files):
        return problem(request, "no such file in that build", 404)
    built = view.files[int(which)]
    return Response(built.path.read_bytes(), media_type="text/csv", headers=_attachment(built.name))


def _attachment(name: str) -> dict[str, str]:
    return {"content-disposition": f'attachment; filename="{name}"', "cache-control": "no-store"}


ROUTES = [Route("/build", show), Route("/build/run", run, methods=["POST"]),
          Route("/build/task/{task}", poll), Route("/build/download/{task}/{which}", download)]
