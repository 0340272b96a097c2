"""Run one command and record its wall time, peak RSS and exit code as JSON.

    python benchmarks/run_measured.py RESULT.json STDOUT STDERR -- CMD [ARG...]

Why a wrapper: Linux keeps a process's RSS high-water mark across ``exec``, so a child
forked (or vforked) straight from the benchmark process would report the benchmark's own
memory (pandas imported, etc.) as its peak. This tiny, import-light process forks the
command instead, so ``ru_maxrss`` from ``os.wait4`` is the command's own peak (floored at
this wrapper's ~10 MiB). Wall time is taken here too, around the command only, so the
wrapper's own start-up is not counted.
"""

from __future__ import annotations

import json
import os
import sys
import time


def run(cmd: list[str], stdout: str, stderr: str) -> dict[str, float | int]:
    """Spawn ``cmd`` with its output redirected; wait for it; return the figures."""
    out_fd = os.open(stdout, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    err_fd = os.open(stderr, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    actions = [
        (os.POSIX_SPAWN_DUP2, out_fd, 1),
        (os.POSIX_SPAWN_DUP2, err_fd, 2),
        (os.POSIX_SPAWN_CLOSE, out_fd),
        (os.POSIX_SPAWN_CLOSE, err_fd),
    ]
    started = time.perf_counter()
    pid = os.posix_spawnp(cmd[0], cmd, os.environ, file_actions=actions)
    _, status, usage = os.wait4(pid, 0)
    seconds = time.perf_counter() - started
    os.close(out_fd)
    os.close(err_fd)
    return {
        "seconds": seconds,
        "peak_rss": usage.ru_maxrss * 1024,  # Linux reports KiB
        "exit_code": os.waitstatus_to_exitcode(status),
    }


def main(argv: list[str]) -> int:
    """Parse ``RESULT STDOUT STDERR -- CMD...``, run, write the JSON result."""
    if len(argv) < 5 or argv[3] != "--":
        print(__doc__, file=sys.stderr)
        return 2
    result_path, stdout, stderr, cmd = argv[0], argv[1], argv[2], argv[4:]
    figures = run(cmd, stdout, stderr)
    with open(result_path, "w", encoding="utf-8") as handle:
        json.dump(figures, handle)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
