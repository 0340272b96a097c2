"""Tasks off the request thread: a confirmation starts one task however often it is posted; finished tasks are
forgotten beyond a bound (their results can be large), never those a confirmation started."""

from __future__ import annotations

import threading
import time

from batchkit.core.errors import InputError
from batchkit.web.work import KEEP, Task, Tasks


def _wait(tasks: Tasks, task: Task) -> Task:
    deadline = time.monotonic() + 10
    while task.state == "running" and time.monotonic() < deadline:
        time.sleep(0.01)
    return task


def test_the_same_confirmation_from_many_threads_starts_one_task() -> None:
    tasks, runs = Tasks(), []
    started = [None] * 8

    def post(i: int) -> None:
        started[i] = tasks.start("deliver", lambda t: runs.append(1) or "sent", once="token-1")  # type: ignore[func-returns-value]

    threads = [threading.Thread(target=post, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(t) for t in started}) == 1
    assert _wait(tasks, started[0]).result == "sent" and runs == [1]  # type: ignore[arg-type]
    tasks.shutdown()


def test_a_failure_is_one_line_without_the_token(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("IMPACT_AUTH_TOKEN", "tok-secret-123")
    tasks = Tasks()

    def fail(task: Task) -> None:
        raise InputError("the server said Authorization: Basic abc and tok-secret-123")

    task = _wait(tasks, tasks.start("x", fail))
    assert task.state == "failed" and task.exit_code == 2
    assert "tok-secret-123" not in task.error and "\n" not in task.error
    boom = _wait(tasks, tasks.start("y", lambda t: 1 / 0))
    assert boom.error.startswith("internal error (ZeroDivisionError)")
    tasks.shutdown()


def test_finished_tasks_are_forgotten_beyond_the_bound_but_confirmed_ones_never() -> None:
    tasks = Tasks()
    confirmed = _wait(tasks, tasks.start("deliver", lambda t: "sent", once="token"))
    plain = [tasks.run_now(f"check {i}", lambda t: i) for i in range(KEEP + 10)]
    assert tasks.get(plain[0].id) is None and tasks.get(plain[-1].id) is plain[-1]
    assert tasks.get(confirmed.id) is confirmed
    assert tasks.start("deliver", lambda t: "again", once="token") is confirmed
    tasks.shutdown()
