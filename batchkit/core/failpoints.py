"""Named points where a crash-consistency test kills the process, as a power cut or `kill -9` would.

Set BATCHKIT_CRASH_AT=<name> and the process SIGKILLs itself when it reaches that point (`<name>@N`: the Nth
time it gets there); unset (always, outside tests) it costs one dictionary lookup. The points are the steps
of a delivery whose order the ledger's recovery relies on (tests/test_crash.py kills at each in turn; the
api- points are those of deliver --to api: a record booked, its answer read, its answer recorded).
"""

from __future__ import annotations

import os
import signal

POINTS = ("part-written", "staged", "committing", "linked", "unlinked", "recorded")
API_POINTS = ("api-sending", "api-answered", "api-recorded")
_reached: dict[str, int] = {}


def crash_point(name: str) -> None:
    """Die here, at once and without cleanup, if the test asked for it."""
    wanted = os.environ.get("BATCHKIT_CRASH_AT")
    if not wanted:
        return
    point, _, nth = wanted.partition("@")
    if point != name:
        return
    _reached[name] = _reached.get(name, 0) + 1
    if _reached[name] >= int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)
