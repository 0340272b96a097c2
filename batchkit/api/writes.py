"""The one write loop: every PUT or DELETE batchkit makes (deliver --to api, inquiries resolve) goes through here,
journaled by its change (state/journal.py) and sent at most once unless the user says otherwise.

What an answer means (SPEC §8, the three outcomes of a write):

    accepted   2xx with a readable body the caller understands -> queued (actions) / applied (inquiries)
    refused    400, 404, 409, 422: the platform says it was not applied -> `refused` with its words, reported
               on every run until the row changes (another change) or the user resends it; never "done"
    unknown    no answer, a timeout, a truncated or unreadable body, any 5xx, 408, any other status -> read back
               at once; `applied` when the read-back proves it, else `unknown`: listed on every run, sent again
               only with --resend-unknown. A read-back that cannot be understood is "cannot tell".
    401 / 403  the caller was refused, not the request: the run stops (exit 2) and nothing is marked
    429        not an outcome: the budget waits for the window, then the same write is sent (never counted)
    not sent   no connection could be made: retried with the one backoff, then `failed` (safe: never sent)

No transport and no timer resends a write: the only loop here is over 429s and connections never made.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from batchkit.api.client import ApiClient
from batchkit.api.errors import ApiAnswerError, ApiCredentials, ApiForbidden, NotAccepted, UnknownWrite
from batchkit.core.change import Change
from batchkit.core.failpoints import crash_point
from batchkit.state.journal import DONE, Entry, Journal, Origin

REFUSED_STATUSES = (400, 404, 409, 422)
MAX_STORMS = 5  # 429s in a row for one write before it is left `failed` (each one waited out by the budget)
MAX_LOST = 3  # unknown answers in a row before the run stops (the link is failing: each is one more unknown)
SHOWS, NOT_YET, CANNOT_TELL = "shows", "not-yet", "cannot-tell"

ReadBack = Callable[["Write"], tuple[str, str]]  # (SHOWS | NOT_YET | CANNOT_TELL, what was seen)
Accept = Callable[[Any], "tuple[str, str | None] | None"]  # a readable answer -> (state, QueuedUri); None: unreadable


class LostTooOften(Exception):
    """MAX_LOST answers in a row were lost: the caller stops its run (its message says what to do)."""


@dataclass(frozen=True)
class Write:
    """One write to make: its change (the journal's key), its request, where it came from."""

    change: Change
    method: str
    resource: str  # Actions | ActionInquiries
    form: dict[str, str]
    what: str  # for messages: "PUT /Actions for row 3 of acme.csv (ActionId 1000.1.2)"
    channel: str  # api | inquiry
    destination: str
    origin: Origin = Origin()
    delivery_id: int | None = None

    @property
    def payload(self) -> str:
        """The form-encoded body (what the journal keeps: never a secret)."""
        return urlencode(self.form)


@dataclass(frozen=True)
class Answer:
    """What one request came to."""

    outcome: str  # accepted | refused | unknown | not-sent
    body: Any = None
    status: int | None = None
    message: str = ""


@dataclass
class Done:
    """What became of one write in this run: `state` is the journal's, or `earlier` (done by an earlier run)."""

    state: str
    entry: Entry | None
    note: str | None = None
    notes: list[str] = field(default_factory=list)
    again: bool = False  # sent again on the user's word (--resend) although done or refused earlier


def send_once(client: ApiClient, w: Write, readable: Accept, retries: int) -> Answer:
    """Send `w` until it has an outcome: 429s wait for the budget, connections never made are retried."""
    storms = failures = 0
    while True:
        try:
            response = client.send(w.method, w.resource, w.form, w.what)
        except NotAccepted as exc:  # never sent: no connection
            failures += 1
            if failures > retries:
                return Answer("not-sent", message=f"{exc} (gave up after {failures} tries)")
            client.backoff(failures)
            continue
        except UnknownWrite as exc:
            return Answer("unknown", message=str(exc))
        if response.status_code == 429:
            storms += 1
            if storms > MAX_STORMS:
                return Answer("not-sent", status=429, message=f"{w.what}: impact.com kept answering 429 (too many "
                              f"requests) after {MAX_STORMS} waits for the reset: not sent")
            continue  # the budget waits for the reset before the next try
        return _meaning(client, w, response, readable)


def _meaning(client: ApiClient, w: Write, response: Any, readable: Accept) -> Answer:
    """One answered request's outcome (raises for 401/403: the caller, not the request, was refused)."""
    status = response.status_code
    refused = client.credentials_error(response, w.what)
    if refused is not None:
        raise refused
    if status in REFUSED_STATUSES:
        said = client.said(response)
        return Answer("refused", status=status, message=f"{w.what}: impact.com refused it ({status}"
                      f"{': ' + said if said else ''})")
    if not 200 <= status < 300:
        return Answer("unknown", status=status, message=f"{w.what}: answered HTTP {status}; it may have been "
                      "applied all the same")
    try:
        body = client.read(response, w.what)
    except ApiAnswerError as exc:
        return Answer("unknown", status=status, message=f"{w.what}: accepted (HTTP {status}) but {exc}")
    if readable(body) is None:
        return Answer("unknown", status=status, message=f"{w.what}: answered HTTP {status} without the expected "
                      "confirmation; it may have been applied")
    return Answer("accepted", body=body, status=status)


class Writer:
    """One run's writes: the journal, the client (made on first use), the kind's read-back and acceptance."""

    def __init__(self, journal: Journal, client: Callable[[], ApiClient], read_back: ReadBack, accept: Accept,
                 retries: int) -> None:
        self.journal, self._factory, self.read_back, self.accept = journal, client, read_back, accept
        self.retries = retries
        self._client: ApiClient | None = None
        self.lost_in_a_row = 0

    @property
    def client(self) -> ApiClient:
        if self._client is None:
            self._client = self._factory()
        return self._client

    def requests(self) -> int:
        return self._client.budget.requests if self._client is not None else 0

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def decide(self, w: Write, resend: bool = False, resend_unknown: bool = False) -> Done | None:
        """What the journal says of `w` before anything is sent: a Done when it must not be sent now (done
        earlier, refused, unknown and not proven), None when it is to be sent."""
        before = self.journal.get(w.change.key)
        if before is None or resend or before.state == "failed":
            return None
        if before.state in DONE:
            return Done("earlier", before)
        if before.state == "refused":
            return Done("refused", before, note=_refused_note(w, before))
        if before.state == "dismissed":
            return Done("skipped", before, note=f"{w.what}: refused earlier, and dismissed by a person: not sent "
                        "(--resend sends it)")
        if before.channel == "drop":  # carried by a file whose delivery was interrupted: the drop may have it
            return Done("unknown", before, note=f"{w.what}: row {before.row} of {before.name}, whose delivery to "
                        f"{before.destination} was interrupted on {before.sent_at}, carries this change: the next "
                        "delivery to that drop looks for the file; or check it on impact.com and --resend-unknown")
        verdict, seen = self.read_back(w)  # unknown (a killed run's `sending` is unknown by now)
        if verdict == SHOWS:
            return Done("applied", self.journal.settle(before, "applied", reason=f"read back: {seen}"))
        if resend_unknown:
            return None
        return Done("unknown", self.journal.settle(before, "unknown", status=before.status, reason=before.reason),
                    note=_unknown_note(w, before, verdict, seen))

    def one(self, w: Write, resend: bool = False, resend_unknown: bool = False) -> Done:
        """Decide, then (if it is to go) send `w` once and journal its outcome."""
        decided = self.decide(w, resend, resend_unknown)
        if decided is not None:
            return decided
        before = self.journal.get(w.change.key) if resend else None
        done = self.send(w)
        done.notes += self.pending_on_target(w)
        done.again = before is not None and (before.state in DONE or before.state == "refused")
        return done

    def send(self, w: Write) -> Done:
        """Journal `w` as sending, send it, journal what the answer means."""
        before = self.journal.get(w.change.key)
        entry = self.journal.sending(w.change, w.channel, w.destination, w.method, w.payload, w.origin, w.delivery_id)
        crash_point("api-sending")
        try:
            answer = send_once(self.client, w, self.accept, self.retries)
        except (ApiCredentials, ApiForbidden):
            self.journal.restore(before, entry)  # the caller was refused, not the write: nothing is marked
            raise
        # anything else (Ctrl-C, a crash) leaves it `sending`: the next run takes it for unknown and reads it back
        crash_point("api-answered")
        done = self._settle(w, entry, answer)
        crash_point("api-recorded")
        return done

    def _settle(self, w: Write, entry: Entry, answer: Answer) -> Done:
        if answer.outcome == "accepted":
            self.lost_in_a_row = 0
            state, uri = self.accept(answer.body) or ("unknown", None)
            return Done(state, self.journal.settle(entry, state, queued_uri=uri, status=answer.status))
        if answer.outcome == "refused":
            self.lost_in_a_row = 0
            return Done("refused", self.journal.settle(entry, "refused", status=answer.status,
                                                       reason=answer.message), note=answer.message)
        if answer.outcome == "not-sent":
            return Done("failed", self.journal.settle(entry, "failed", status=answer.status, reason=answer.message),
                        note=answer.message)
        return self._unknown(w, entry, answer)

    def _unknown(self, w: Write, entry: Entry, answer: Answer) -> Done:
        """Read back at once: applied when it shows, else unknown (and the run stops after MAX_LOST in a row)."""
        entry = self.journal.settle(entry, "unknown", status=answer.status, reason=answer.message)
        verdict, seen = self.read_back(w)
        if verdict == SHOWS:
            self.lost_in_a_row = 0
            return Done("applied", self.journal.settle(entry, "applied", status=answer.status,
                                                       reason=f"{answer.message}; read back: {seen}"))
        self.lost_in_a_row += 1
        done = Done("unknown", entry, note=_unknown_note(w, entry, verdict, seen))
        if self.lost_in_a_row >= MAX_LOST:
            raise LostTooOften(f"{MAX_LOST} answers in a row were lost or unclear (the last: {answer.message}); the "
                               "run stopped so as not to add more unknown writes: run again when impact.com answers "
                               "(batchkit reads each unknown write back first)")
        return done

    def pending_on_target(self, w: Write) -> list[str]:
        """A note for each other change to the same target that is still unknown (a new change was sent)."""
        base = w.change.target.split(" Sku ")[0]
        others = [e for e in self.journal.to_target(w.change.account, base) if e.change != w.change.key]
        others += [e for e in self.journal.to_target(w.change.account, w.change.target)
                   if e.change != w.change.key and e not in others]
        return [f"{w.what}: an earlier, different change to {base} (sent {e.sent_at} from {e.name or 'a file'} row "
                f"{e.row}) is still unknown: check the action on impact.com" for e in others if e.state == "unknown"]


def read_back_failed(what: str, exc: Exception) -> str:
    """What a failed read-back says (the GET changed nothing; the write it checks may have been applied)."""
    return f"reading {what} back failed ({str(exc).split('; nothing was changed')[0]})"


def _refused_note(w: Write, e: Entry) -> str:
    said = (e.reason or "no reason given").removeprefix(f"{w.what}: ")
    return (f"{w.what}: refused by impact.com on {e.finished_at} ({said}); not sent again: "
            "change the row (a changed row is a new change), or --resend to send it unchanged")


def _unknown_note(w: Write, e: Entry, verdict: str, seen: str) -> str:
    why = {NOT_YET: "the read-back does not show it (yet)", CANNOT_TELL: "the read-back cannot tell"}.get(verdict, "")
    answer = (e.reason or "no answer").removeprefix(f"{w.what}: ")
    return (f"{w.what}: sent on {e.sent_at}, outcome unknown ({answer}); {why}: {seen}. Check it on impact.com; if "
            "it is not there, run again with --resend-unknown")
