"""Named points where a crash-consistency test kills the process, as a power cut or `kill -9` would.

Set BATCHKIT_CRASH_AT=<name> and the process SIGKILLs itself when it reaches that point; unset (always,
outside tests) it costs one dictionary lookup. The points are the steps of a delivery whose order the
ledger's recovery relies on (tests/test_crash.py kills at each in turn).
"""

from __future__ import annotations

import os
import signal

POINTS = ("part-written", "staged", "committing", "linked", "unlinked", "recorded")


def crash_point(name: str) -> None:
    """Die here, at once and without cleanup, if the test asked for it."""
    if os.environ.get("BATCHKIT_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
