"""The watched drop folder: files put there become FTP file submissions (ftp/submissions.py), as on the platform.

A daemon thread looks every `interval` seconds (0.2) for regular files named `*.csv` that do not start
with '.' (batchkit's deliverer writes `.NAME.part`, then renames it) and are not impact.com's own
`receipt_*`/`result_*` files. The thread takes a file once it has looked the same (size and mtime) at
two looks in a row, so a file still being written in place is not read half-written; settle() takes
what is there at once. A file taken is read (its bytes, once) and moved out of the drop into
`DIR/.sandbox-processed/<BatchId>-<FileName>` (the platform removes what it picks up; it is kept for
inspection). While `faults.hold_drop()` holds, nothing is taken.
"""

from __future__ import annotations

import os
import sys
import threading
import traceback
from pathlib import Path

from batchkit.core.names import is_reserved
from batchkit.sandbox.faults.faults import Faults
from batchkit.sandbox.ftp.submissions import FileSubmission, FtpSubmissions

PROCESSED = ".sandbox-processed"
POLL_SECONDS = 0.2
Signature = tuple[int, int]  # (size, mtime in ns)


class Drop:
    """One watched folder and the submissions its files become."""

    def __init__(self, folder: Path, ftp: FtpSubmissions, faults: Faults, interval: float = POLL_SECONDS) -> None:
        self.folder = Path(folder)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ValueError(f"the drop folder {self.folder} cannot be made ({exc.strerror or exc})") from None
        self.processed = self.folder / PROCESSED
        self.ftp, self.faults, self.interval = ftp, faults, interval
        self._seen: dict[str, Signature] = {}
        self._stuck: set[tuple[str, Signature]] = set()  # taken, but could not be moved away
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start watching (a daemon thread)."""
        self._stop.clear()
        self._thread = threading.Thread(target=self._watch, name="impact-sandbox-drop", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop watching (waits for the thread's current look)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def _watch(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.scan()
            except Exception:  # a bug of the sandbox: say so, keep watching
                traceback.print_exc(file=sys.stderr)

    def scan(self, at_once: bool = False) -> list[FileSubmission]:
        """Take the files that are ready (all of them when `at_once`); the submissions they became."""
        if self.faults.drop_held:
            return []
        with self._lock:
            found = self._files()
            ready = [(name, sig) for name, sig in found.items()
                     if (at_once or self._seen.get(name) == sig) and (name, sig) not in self._stuck]
            self._seen = found
            ready.sort(key=lambda pair: (pair[1][1], pair[0]))
            taken = [self._take(name, sig) for name, sig in ready]
            return [sub for sub in taken if sub is not None]

    def _files(self) -> dict[str, Signature]:
        """The candidate files in the drop now, with their signatures."""
        found: dict[str, Signature] = {}
        try:
            with os.scandir(self.folder) as entries:
                for entry in entries:
                    name = entry.name
                    if name.startswith(".") or not name.lower().endswith(".csv") or is_reserved(name):
                        continue
                    if entry.is_file(follow_symlinks=False):
                        st = entry.stat(follow_symlinks=False)
                        found[name] = (st.st_size, st.st_mtime_ns)
        except OSError:  # the folder went away or cannot be read: nothing to take this time
            return {}
        return found

    def _take(self, name: str, sig: Signature) -> FileSubmission | None:
        """Read one file, make its submission, move it out of the drop."""
        path = self.folder / name
        try:
            raw = path.read_bytes()
        except OSError:  # gone, or not readable: look again next time
            return None
        sub = self.ftp.queue_file(name, raw)
        try:
            self.processed.mkdir(exist_ok=True)
            os.replace(path, self.processed / f"{sub.batch_id}-{name}")
        except OSError:
            self._stuck.add((name, sig))
        return sub
