"""Long work off the request thread: a check of a 1,000,000-row file, a sync, a delivery, a resolve.

A task runs in a small pool; its page polls its progress. `start` takes an optional `once` key: a second start
with the same key (a double click, a reload, a second tab posting the same confirmation) returns the task
already started instead of starting another, so what a page confirms runs once.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from batchkit.core.errors import BatchkitError
from batchkit.core.secrets import scrub


@dataclass
class Task:
    """One piece of long work: its state, the latest word on its progress, and its result or error."""

    id: str
    label: str
    state: str = "running"  # running, done, failed
    progress: str = "starting"
    done: int | None = None
    total: int | None = None
    result: Any = None
    error: str = ""  # one line for the page (a BatchkitError's message; an internal error says so)
    exit_code: int = 0
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None

    def report(self, text: str, done: int | None = None, total: int | None = None) -> None:
        """What the work is doing now (called from the worker thread)."""
        self.progress, self.done, self.total = text, done, total

    @property
    def seconds(self) -> float:
        return (self.finished or time.monotonic()) - self.started

    @property
    def percent(self) -> int | None:
        if self.done is None or not self.total:
            return None
        return max(0, min(100, round(100 * self.done / self.total)))


Work = Callable[[Task], Any]
KEEP = 32  # finished tasks remembered (besides those a confirmation started)


class Tasks:
    """The running and finished tasks of this launch, by id."""

    def __init__(self, workers: int = 2, debug: bool = False) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="batchkit-work")
        self._tasks: dict[str, Task] = {}
        self._once: dict[str, str] = {}
        self._lock = threading.Lock()
        self.debug = debug

    def start(self, label: str, work: Work, once: str | None = None) -> Task:
        """Run `work(task)` in the pool; with `once`, the task that key already started, if any."""
        with self._lock:
            if once is not None and once in self._once:
                return self._tasks[self._once[once]]
            task = Task(secrets.token_hex(10), label)
            self._tasks[task.id] = task
            if once is not None:
                self._once[once] = task.id
            self._prune()
        self._pool.submit(self._run, task, work)
        return task

    def _prune(self) -> None:
        """Forget the oldest finished tasks beyond KEEP (their results may be large: a 1M-row check); a task a
        confirmation started is never forgotten, so that confirmation can never start a second one."""
        confirmed = set(self._once.values())
        finished = [t for t in self._tasks.values() if t.state != "running" and t.id not in confirmed]
        for task in finished[: max(0, len(finished) - KEEP)]:
            del self._tasks[task.id]

    def run_now(self, label: str, work: Work) -> Task:
        """The same bookkeeping, on this thread (for work that is quick)."""
        task = Task(secrets.token_hex(10), label)
        with self._lock:
            self._tasks[task.id] = task
            self._prune()
        self._run(task, work)
        return task

    def get(self, task_id: str) -> Task | None:
        return self._tasks.get(task_id or "")

    def _run(self, task: Task, work: Work) -> None:
        try:
            task.result = work(task)
            task.state = "done"
        except BatchkitError as exc:
            task.error, task.exit_code, task.state = _one_line(str(exc)), exc.exit_code, "failed"
        except Exception as exc:  # noqa: BLE001 - the page says so in one line; the terminal has the rest
            task.error = f"internal error ({type(exc).__name__}); run `batchkit serve --debug` to see the details"
            task.exit_code, task.state = 2, "failed"
            if self.debug:
                traceback.print_exc()
        finally:
            task.finished = time.monotonic()

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def _one_line(text: str) -> str:
    """An error for the page: the token and credentials hidden (the page escapes the rest)."""
    return scrub(text, os.environ.get("IMPACT_ACCOUNT_SID", ""), os.environ.get("IMPACT_AUTH_TOKEN", ""))
