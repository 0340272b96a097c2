"""The Status page: what the journal holds (`batchkit status`), what needs a person first, a person's word on it
(`batchkit status --applied ID` / `--dismiss ID`, confirmed), and the platform's verdicts (`batchkit results`)
at each delivery's rows; "ask the platform again" runs `batchkit results` as a task within a request budget."""

from __future__ import annotations

from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from batchkit.core.errors import BatchkitError
from batchkit.web.bench import Bench, bench_of
from batchkit.web.pages import status_view as view
from batchkit.web.pages.status_ask import HOURLY, MAX_BUDGET, ask, default_budget
from batchkit.web.views import page, problem
from batchkit.web.work import Task

MARKS = {"applied": "applied", "dismissed": "dismissed"}


def _number(text: str | None, default: int = 1) -> int:
    """A whole number from the address or a form (anything else: `default`)."""
    try:
        return int(text or "")
    except ValueError:
        return default


async def _overview(request: Request) -> view.Overview | None:
    q = request.query_params
    bench = bench_of(request)
    kept = bench.kept.setdefault("status", {})
    return await run_in_threadpool(view.overview, bench.settings.state_dir, _number(q.get("page")),
                                   _number(q.get("apage")), kept)


async def show(request: Request) -> Response:
    """The page: the summary, what needs a person, the deliveries (a page of them), the ask form."""
    budget = _budget(bench_of(request))
    try:
        got, trouble = await _overview(request), ""
    except BatchkitError as exc:  # a damaged ledger, a state folder that cannot be read: one line, in the page
        got, trouble = None, str(exc)
    return page(request, "status.html", active="status", title="Status", view=got, trouble=trouble,
                budget=budget, default_budget=budget, max_budget=MAX_BUDGET, hourly=HOURLY,
                task=_running_ask(bench_of(request)))


def _budget(bench: Bench) -> int:
    """[api] results_budget (the default of `batchkit results`); 200 when batchkit.toml cannot be read."""
    try:
        return default_budget(bench.config())
    except BatchkitError:
        return 200


def _running_ask(bench: Bench) -> Task | None:
    """The ask that runs now, if any (one at a time, whichever tab started it)."""
    task = bench.tasks.get(bench.kept.get("status-ask", ""))
    return task if task is not None and task.state == "running" else None


async def body(request: Request) -> Response:
    """The page's body alone (htmx refreshes it once new verdicts are in)."""
    return page(request, "status_body.html", view=await _overview(request))


async def delivery(request: Request) -> Response:
    """One delivery: its facts, its records, its rows with the platform's verdicts."""
    q = request.query_params
    show_ = "all" if q.get("show") == "all" else "verdicts"
    got = await run_in_threadpool(view.detail, bench_of(request).settings.state_dir,
                                  int(request.path_params["id"]), _number(q.get("page")), show_,
                                  _number(q.get("wpage")))
    if got is None:
        return problem(request, f"no delivery #{request.path_params['id']} in this journal", 404)
    return page(request, "status_delivery.html", active="status", title=f"Delivery #{got.entry.id}", d=got)


async def mark(request: Request) -> Response:
    """A person's word on a write that needs one, once confirmed, under the ledger's lock (as the CLI does)."""
    form = await request.form()
    state, ids = MARKS.get(str(form.get("state", ""))), str(form.get("id", ""))
    if state is None or not ids.isdigit():
        return _body_with(request, await _overview(request), problem_text="choose a write to mark", status=400)
    if form.get("confirm") != "yes":
        return _body_with(request, await _overview(request), problem_text="nothing was recorded: confirm first",
                          status=400)
    try:
        done = await run_in_threadpool(_mark, bench_of(request).settings.state_dir, state, int(ids))
    except BatchkitError as exc:
        return _body_with(request, await _overview(request), problem_text=str(exc), status=409)
    return _body_with(request, await _overview(request), notice=done)


def _mark(state_dir: Path, state: str, write_id: int) -> str:
    from batchkit.core.errors import UsageError
    from batchkit.state.ledger import Ledger
    from batchkit.state.status import mark as mark_writes

    ledger = Ledger(state_dir)
    try:
        ledger.check()
        with ledger.locked(wait=5):  # a delivery holding it: one line after 5 s (LockBusy)
            try:
                (e,) = mark_writes(ledger, [write_id], state)
            except KeyError:
                what = "an unknown" if state == "applied" else "a refused"
                raise UsageError(f"#{write_id} is not {what} write (any more): nothing was recorded") from None
    finally:
        ledger.close()
    return f"#{e.id} recorded {state}: {e.target} ({e.name or e.channel} row {e.row})"


def _body_with(request: Request, got: view.Overview | None, notice: str = "", problem_text: str = "",
               status: int = 200) -> Response:
    """What needs a person again (and the deliveries, out of band), with what was done or why not (a problem is
    role=alert; htmx swaps 4xx answers in too: base.html's responseHandling)."""
    if got is None:
        return problem(request, problem_text or "nothing was ever delivered from this state folder", max(status, 400))
    return page(request, "status_marked.html", status_code=status, view=got, notice=notice,
                problem_text=problem_text)


async def start_ask(request: Request) -> Response:
    """Start "ask the platform again", one at a time: while one runs (a double click, a second tab), asking
    shows that one."""
    bench = bench_of(request)
    form = await request.form()
    budget = _number(str(form.get("budget", "")), -1)
    if not 1 <= budget <= MAX_BUDGET:
        return problem(request, f"the request budget must be a whole number from 1 to {MAX_BUDGET:,}")
    generation = bench.kept.setdefault("status-ask-generation", [0])
    work = ask(bench.config(), bench.settings.state_dir, budget, ended=lambda: _next(generation))
    task = bench.tasks.start(f"Asking impact.com (budget {budget:,} requests)", work,
                             once=f"status-ask:{generation[0]}")
    bench.kept["status-ask"] = task.id
    return _task_answer(request, task)


def _next(generation: list[int]) -> None:
    """An ask ended: the next click starts another (until then every click joins the running one)."""
    generation[0] += 1


async def task_state(request: Request) -> Response:
    task = bench_of(request).tasks.get(request.path_params["id"])
    if task is None:
        return problem(request, "this task is not known (the workbench was restarted?): ask again", 404)
    return _task_answer(request, task)


def _task_answer(request: Request, task: Task) -> Response:
    """The task's progress (polling itself), or its result."""
    return page(request, "status_task.html", task=task, got=task.result, poll=f"/status/task/{task.id}")


ROUTES = [Route("/status", show), Route("/status/body", body), Route("/status/delivery/{id:int}", delivery),
          Route("/status/mark", mark, methods=["POST"]), Route("/status/ask", start_ask, methods=["POST"]),
          Route("/status/task/{id}", task_state)]
