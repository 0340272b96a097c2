"""Faults to inject, each consumed by the next matching request(s).

    fail(status, times, path_contains)   answer that status with a JSON error body
    truncate(times, path_contains)       promise a longer body than is sent, then close the connection
    xml(times)                           answer XML although JSON was asked
    drop_after_apply(times, path_contains)
                                         apply the write (PUT/DELETE /Actions: queue the submission, it
                                         will apply; PUT /ActionInquiries: resolve the inquiry), then close
                                         the connection without answering
    fail_after_apply(status, times, path_contains)
                                         apply the write, then answer `status` (500, 502, 503, 504, 408,
                                         any 4xx/5xx: a gateway's error after the backend did the work)
                                         with the same JSON error body as fail()
    garble_after_apply(times, path_contains)
                                         apply the write, then answer 200 with its body cut in half (the
                                         Content-Length true to the cut body): complete, but unreadable
    stall(seconds, times)                sleep before answering
    storm(times)                         answer 429 whatever the budget (Remaining 0, Reset 1)
    hold_drop() / release_drop()         the drop watcher picks no file up until released (nor does
                                         settle()): "the submission is not there yet"

The three *_after_apply faults are consumed only by writes the server applied (applied.py records each
in Sandbox.applied_writes()), the first armed of them that matches: a write refused on its own merits
(400/404, 401/403, 429, a `fail` fault) is answered normally and leaves them armed.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

AFTER_APPLY = ("drop", "fail_after", "garble")  # the kinds a write takes once applied (applied.py)


@dataclass
class Fault:
    """One armed fault."""

    kind: str
    times: int
    path_contains: str = ""
    status: int = 503
    seconds: float = 0.0


class Faults:
    """The armed faults of a sandbox (thread-safe)."""

    def __init__(self) -> None:
        self._armed: list[Fault] = []
        self._lock = threading.Lock()
        self._drop_held = False

    def fail(self, status: int = 503, times: int = 1, path_contains: str = "") -> None:
        """Answer the next `times` matching requests with `status` and a JSON error body."""
        if not 400 <= status <= 599:
            raise ValueError(f"fail() takes an error status (400-599), not {status}")
        self._arm(Fault("fail", times, path_contains, status=status))

    def truncate(self, times: int = 1, path_contains: str = "") -> None:
        """Send a Content-Length larger than the body, then close the connection mid-body."""
        self._arm(Fault("truncate", times, path_contains))

    def xml(self, times: int = 1) -> None:
        """Answer XML even though JSON was asked."""
        self._arm(Fault("xml", times))

    def drop_after_apply(self, times: int = 1, path_contains: str = "") -> None:
        """For PUT/DELETE: queue the submission (it will apply) or resolve the inquiry, then close the socket
        without answering."""
        self._arm(Fault("drop", times, path_contains))

    def fail_after_apply(self, status: int, times: int = 1, path_contains: str = "") -> None:
        """For PUT/DELETE: apply the write as usual, then answer `status` with a JSON error body instead of
        the success answer (a gateway's 502/504 after the backend did the work)."""
        if not 400 <= status <= 599:
            raise ValueError(f"fail_after_apply() takes an error status (400-599), not {status}")
        self._arm(Fault("fail_after", times, path_contains, status=status))

    def garble_after_apply(self, times: int = 1, path_contains: str = "") -> None:
        """For PUT/DELETE: apply the write as usual, then answer 200 with a body cut in half (its
        Content-Length true to the cut body): a complete answer that cannot be read."""
        self._arm(Fault("garble", times, path_contains, status=200))

    def stall(self, seconds: float, times: int = 1) -> None:
        """Sleep `seconds` before answering."""
        self._arm(Fault("stall", times, seconds=seconds))

    def storm(self, times: int) -> None:
        """Answer 429 `times` times regardless of the budget."""
        self._arm(Fault("storm", times))

    def hold_drop(self) -> None:
        """Pick up no dropped file (they stay in the folder, no FTP submission appears) until release_drop()."""
        with self._lock:
            self._drop_held = True

    def release_drop(self) -> None:
        """Pick dropped files up again (at the watcher's next look, or at settle())."""
        with self._lock:
            self._drop_held = False

    @property
    def drop_held(self) -> bool:
        """True between hold_drop() and release_drop() (or clear())."""
        with self._lock:
            return self._drop_held

    def clear(self) -> None:
        """Disarm every fault (and release a held drop)."""
        with self._lock:
            self._armed.clear()
            self._drop_held = False

    def pending(self) -> list[Fault]:
        """The faults still armed."""
        with self._lock:
            return [Fault(f.kind, f.times, f.path_contains, f.status, f.seconds) for f in self._armed]

    def take(self, kind: str, path: str) -> Fault | None:
        """Consume one use of the first armed fault of `kind` that matches `path`."""
        return self._take_first((kind,), path)

    def take_after_apply(self, path: str) -> Fault | None:
        """Consume one use of the first armed after-apply fault (drop, fail_after, garble) matching `path`."""
        return self._take_first(AFTER_APPLY, path)

    def _take_first(self, kinds: tuple[str, ...], path: str) -> Fault | None:
        with self._lock:
            for fault in self._armed:
                if fault.kind in kinds and fault.path_contains in path:
                    fault.times -= 1
                    if fault.times <= 0:
                        self._armed.remove(fault)
                    return fault
            return None

    def _arm(self, fault: Fault) -> None:
        if fault.times < 1:
            raise ValueError(f"times must be at least 1, not {fault.times}")
        with self._lock:
            self._armed.append(fault)
