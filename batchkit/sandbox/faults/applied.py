"""The server's own count of the writes it applied, and how a write is answered once applied.

batchkit must write each change exactly once, and an answer can be lost after the platform did the work
(a gateway's 502/504, a dropped connection). Tests need to know what the server really applied, not
what the client believes: every write the server accepted is recorded here, whatever answer (or none)
the client got.

    PUT/DELETE /Actions      recorded when the submission is queued (it WILL apply, at its completion; one
                             that then cannot apply, e.g. a second DELETE of a REVERSED action, completes
                             with its error and is still recorded: the server took it)
    PUT /ActionInquiries     recorded when the inquiry is resolved

A request refused on its own merits (400/404 from validation, 401/403, a 429, a `fail` fault) is not
recorded. The sandbox never dedupes: two identical PUTs are two applied writes (telling a double from
a new change is batchkit's job).

After a write is applied, `after_apply` answers it: the success answer, or the first armed after-apply
fault (faults/faults.py): `drop` (no answer), `fail_after` (an error status), `garble` (200, a cut body).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from batchkit.sandbox.faults.faults import Faults
from batchkit.sandbox.http.render import ApiError, object_body

Render = Callable[[bool], bytes]
METHODS = ("PUT", "DELETE")
RESOURCES = ("Actions", "ActionInquiries")


@dataclass(frozen=True)
class AppliedWrite:
    """One write the server applied (or, for actions, queued to apply).

    `target` names what the request named: its ActionId, else "ActionTrackerId:OrderId" (PUT/DELETE
    /Actions), or the inquiry's Id (PUT /ActionInquiries). `form` is the body's fields as sent;
    `batch_id` the APISubmission's BatchId ("" for inquiries); `seq` counts from 1 in order applied."""

    seq: int
    method: str
    resource: str
    target: str
    form: dict[str, str] = field(hash=False)
    batch_id: str = ""
    at: datetime | None = None


def action_target(form: Mapping[str, str]) -> str:
    """The target of a PUT/DELETE /Actions body: its ActionId, else "ActionTrackerId:OrderId"."""
    action_id = form.get("ActionId", "").strip()
    if action_id:
        return action_id
    return f"{form.get('ActionTrackerId', '').strip()}:{form.get('OrderId', '').strip()}"


class AppliedWrites:
    """Every write the server applied, in order (thread-safe: the server records, a test reads)."""

    def __init__(self) -> None:
        self._writes: list[AppliedWrite] = []
        self._lock = threading.Lock()

    def record(self, method: str, resource: str, target: str, form: Mapping[str, str], batch_id: str = "",
               at: datetime | None = None) -> AppliedWrite:
        """Note one applied write; the record."""
        if method not in METHODS or resource not in RESOURCES:
            raise ValueError(f"not a write the sandbox applies: {method} {resource}")
        with self._lock:
            write = AppliedWrite(len(self._writes) + 1, method, resource, target, dict(form), batch_id, at)
            self._writes.append(write)
            return write

    def all(self) -> list[AppliedWrite]:
        """Every applied write so far, the first first (a copy)."""
        with self._lock:
            return list(self._writes)

    def count(self, target: str | None = None, *, order_id: str | None = None, method: str | None = None,
              resource: str | None = None) -> int:
        """How many applied writes match every filter given (all of them when none is)."""
        def wanted(w: AppliedWrite) -> bool:
            return (target is None or w.target == target) and (method is None or w.method == method) and \
                (resource is None or w.resource == resource) and \
                (order_id is None or w.form.get("OrderId", "").strip() == order_id)
        return sum(1 for w in self.all() if wanted(w))

    def clear(self) -> None:
        """Forget every record (the writes themselves stay applied)."""
        with self._lock:
            self._writes.clear()


def after_apply(faults: Faults, path: str, answer: Mapping[str, str]) -> tuple[int, Render, str]:
    """(status, renderer, mode) of a write already applied: `answer` with 200, or the first armed after-apply
    fault matching `path` (drop: no answer; fail_after: its status and an error body; garble: 200, half a body)."""
    fault = faults.take_after_apply(path)
    if fault is None or fault.kind == "drop":
        return 200, lambda as_json: object_body(answer, as_json), "drop" if fault else "send"
    if fault.kind == "garble":
        return 200, lambda as_json: _cut(object_body(answer, as_json)), "send"
    error = ApiError(fault.status, f"The service answered {fault.status} (an injected fault)")
    return fault.status, lambda as_json: object_body(error.fields(), as_json), "send"


def _cut(body: bytes) -> bytes:
    """The first half of a body: a complete HTTP answer whose JSON (or XML) cannot be read."""
    return body[: len(body) // 2]
