"""Sandbox: the seed, the store, the inquiries, the submissions, the budget and the faults, served on 127.0.0.1."""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from batchkit.sandbox.actions.make import Account
from batchkit.sandbox.actions.seed import (
    load_account,
    load_inquiries,
    load_seed,
    seed_dir,
)
from batchkit.sandbox.actions.store import Store
from batchkit.sandbox.actions.submissions import Submissions
from batchkit.sandbox.actions.synth import generate
from batchkit.sandbox.faults.applied import AppliedWrite, AppliedWrites
from batchkit.sandbox.faults.faults import Faults
from batchkit.sandbox.ftp.drop import Drop
from batchkit.sandbox.ftp.submissions import FtpSubmissions
from batchkit.sandbox.http.app import App
from batchkit.sandbox.http.ratelimit import RateLimit
from batchkit.sandbox.http.server import LOOPBACK, Request, Server
from batchkit.sandbox.inquiries.store import Inquiries

WARM_FROM = 20_000  # actions: below this, rendering on demand is quick enough
WARM_CHUNK = 500


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No garbage collection inside (hundreds of thousands of new objects, none of them garbage)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Sandbox:
    """A local impact.com Brand API for one account: `with Sandbox(auth_token="t") as sb: sb.url`.

    Relative dates of the seed count from now() when the Sandbox is made. `.inquiries` holds the action
    inquiries (the seed's inquiries.csv; `.inquiries.add({...})` adds one). All date logic (windows,
    locking, submissions, the rate-limit window) uses `now`, so a test can move the clock.

    With `drop`, the folder (made if missing) is watched while the sandbox is started: batch files put
    there become FTP file submissions (ftp/drop.py, ftp/submissions.py); `line_counts_header` makes their ErrorDetails
    count the header as Line 1 (the first record is then Line 2; by default it is Line 1).

    `applied_writes()` / `applied_count()` are the server's own count of the writes it applied (PUT/DELETE
    /Actions when queued, PUT /ActionInquiries when resolved), whatever answer the client got (faults/applied.py).
    """

    def __init__(self, *, account_sid: str = "IRSANDBOXACME1", auth_token: str, campaign_id: str = "4636",
                 data: Path | None = None, generated: int = 0, generated_days: float = 90,
                 rate: tuple[int, float] = (1000, 3600.0), reset_style: str = "seconds",
                 process_seconds: float = 2.0, read_only_tokens: tuple[str, ...] = (),
                 now: Callable[[], datetime] | None = None, drop: Path | None = None,
                 line_counts_header: bool = False) -> None:
        if not auth_token:
            raise ValueError("auth_token must not be empty")
        if process_seconds < 0 or generated < 0:
            raise ValueError("process_seconds and generated must not be negative")
        self.now = now or _utc_now
        if self.now().tzinfo is None:
            raise ValueError("now() must return an aware datetime (UTC)")
        self.limiter = RateLimit(rate[0], rate[1], reset_style, self.now)  # bad values fail before any loading
        folder = Path(data) if data is not None else seed_dir()
        seeded = load_account(folder)
        self.account = Account(account_sid, campaign_id, seeded.campaign_name, seeded.trackers, seeded.locking_days)
        self.store = Store(self.account, self.now)
        start = self.now()
        with _gc_paused():  # hundreds of thousands of new objects: collecting in between only costs time
            self.store.load([*load_seed(folder, self.account, start),
                             *generate(generated, generated_days, start, self.account)])
        self.inquiries = Inquiries(self.store)
        self.inquiries.load(load_inquiries(folder, self.account, start, self.store))
        self.submissions = Submissions(self.store, process_seconds, self.now)
        self.ftp = FtpSubmissions(self.store, process_seconds, self.now, line_counts_header)
        self.faults = Faults()
        self.submissions.forced_error = self.faults.take_submission_error
        self.applied = AppliedWrites()
        self.drop = Drop(Path(drop), self.ftp, self.faults) if drop is not None else None
        self._app = App(self.submissions, self.limiter, self.faults, auth_token, frozenset(read_only_tokens), self.ftp,
                        self.inquiries, self.applied)
        self._requests: list[Request] = []
        self._requests_lock = threading.Lock()
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def actions(self) -> Store:
        """The store (the same as .store)."""
        return self.store

    @property
    def requests(self) -> list[Request]:
        """Every request received so far, in order."""
        with self._requests_lock:
            return list(self._requests)

    def applied_writes(self) -> list[AppliedWrite]:
        """Every write the server applied so far, in order: PUT/DELETE /Actions counted when queued (they
        will apply), PUT /ActionInquiries when resolved; refused requests are not in it. Never deduped."""
        return self.applied.all()

    def applied_count(self, target: str | None = None, *, order_id: str | None = None, method: str | None = None,
                      resource: str | None = None) -> int:
        """How many applied writes match: `target` an ActionId, "ActionTrackerId:OrderId" or an inquiry Id
        (as the request named it), `order_id` the form's OrderId, `method` "PUT"/"DELETE", `resource`
        "Actions"/"ActionInquiries"; every applied write when no filter is given."""
        return self.applied.count(target, order_id=order_id, method=method, resource=resource)

    def add_inquiry(self, **fields: Any) -> str:
        """Add a partner-controlled action inquiry; its Id. Fields as in inquiries.csv, the partner's texts
        (OrderId, MediaPartnerId, MediaPartnerName, Comments) verbatim (a leading =, +, -, @, tab or CR,
        control and escape characters kept), Comments a string or the API's list of {"User", "Comment",
        "Date"} objects, any other field (TrackingLink, ...) served as given; it is listed by GET
        /ActionInquiries like the seeded ones. ValueError naming a bad field."""
        return self.inquiries.add_raw(fields)

    @property
    def url(self) -> str:
        """`http://127.0.0.1:PORT` (RuntimeError before start())."""
        if self._server is None:
            raise RuntimeError("the sandbox is not started")
        return f"http://{LOOPBACK}:{self._server.server_address[1]}"

    def start(self, port: int = 0, host: str = LOOPBACK) -> str:
        """Serve in a daemon thread on 127.0.0.1 (the only host allowed); the base URL."""
        if host != LOOPBACK:
            raise ValueError(f"the sandbox binds {LOOPBACK} only, not {host!r}")
        if self._server is not None:
            raise RuntimeError("the sandbox is already started")
        self._server = Server(port, self._app, self._log)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="impact-sandbox", daemon=True)  # stop() waits one poll at most
        self._thread.start()
        if self.drop is not None:
            self.drop.start()
        if len(self.store) >= WARM_FROM:
            threading.Thread(target=self._warm, args=(self._server,), name="impact-sandbox-warm", daemon=True).start()
        return self.url

    def _warm(self, server: Server) -> None:
        """Render every action's JSON once, the most recently updated first, a chunk at a time (so requests
        get the lock in between): a large sandbox then serves a 20,000-action page by joining strings."""
        todo = self.store.everything()
        while todo and self._server is server:
            chunk, todo = todo[-WARM_CHUNK:], todo[:-WARM_CHUNK]
            with self.store.lock:
                now = self.now()
                for action in chunk:
                    action.json(now)
            time.sleep(0)

    def stop(self) -> None:
        """Stop serving and close open connections (a no-op when not started)."""
        server, self._server = self._server, None
        if server is None:
            return
        if self.drop is not None:
            self.drop.stop()
        server.shutdown()
        server.hang_up_all()
        server.server_close()
        if self._thread is not None:
            self._thread.join(5)

    def settle(self) -> int:
        """Take every file in the drop now (unless faults.hold_drop() holds it), then apply every queued
        submission, API and file, as if processing had finished; how many were applied."""
        if self.drop is not None:
            self.drop.scan(at_once=True)
        return self.submissions.settle() + self.ftp.settle()

    def _log(self, request: Request) -> None:
        with self._requests_lock:
            self._requests.append(request)

    def __enter__(self) -> Sandbox:
        if self._server is None:
            self.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
