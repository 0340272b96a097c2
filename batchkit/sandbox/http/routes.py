"""The resources under /Advertisers/{AccountSID}/ and what each method does with them.

    GET    Actions                      the list (http/query.py), newest created first, paginated
    PUT    Actions                      modify (form-encoded body)  -> {"Status": "QUEUED", "QueuedUri": ...}
    DELETE Actions                      reverse (form-encoded body) -> the same
                                        (each write the server accepts is recorded in faults/applied.py's log,
                                        then answered, or not, as an after-apply fault says)
    GET    Actions/{Id}                 one action
    GET    Actions/{Id}/Items           its items, paginated
    GET    Actions/{Id}/Items/{Sku}     one item
    GET    APISubmissions               every submission, newest first, paginated
    GET    APISubmissions/{BatchId}     one submission
    GET    FTPFileSubmissions[/{BatchId}[/ErrorDetails]]   the dropped files (ftp/routes.py)
    GET    ActionInquiries[/{Id}], PUT ActionInquiries      the action inquiries (inquiries/routes.py)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from batchkit.sandbox.actions import forms
from batchkit.sandbox.actions.model import Action
from batchkit.sandbox.actions.submissions import Submissions
from batchkit.sandbox.faults.applied import AppliedWrites, action_target, after_apply
from batchkit.sandbox.faults.faults import Faults
from batchkit.sandbox.ftp import routes as ftproutes
from batchkit.sandbox.ftp.submissions import FtpSubmissions
from batchkit.sandbox.http import query
from batchkit.sandbox.http.render import (
    ApiError,
    envelope,
    fragment,
    object_body,
    page_body,
)
from batchkit.sandbox.inquiries import routes as inquiryroutes
from batchkit.sandbox.inquiries.store import Inquiries

Render = Callable[[bool], bytes]
ITEM_PAGE_SIZES = (1, 20000)


@dataclass
class Incoming:
    """A request as the server read it (path and query split; the path still percent-encoded)."""

    method: str
    path: str
    query: dict[str, str]
    headers: Mapping[str, str]  # names in lower case
    body: bytes
    target: str = ""  # the path and query as sent, what faults' path_contains match (the path when not given)

    def __post_init__(self) -> None:
        if not self.target:
            self.target = self.path + (f"?{urlencode(self.query)}" if self.query else "")


def route(subs: Submissions, faults: Faults, req: Incoming, rest: list[str],
          ftp: FtpSubmissions, inquiries: Inquiries, applied: AppliedWrites) -> tuple[int, Render, str]:
    """(status, renderer, mode) of a request for the resource `rest` (the path after the account)."""
    now = subs.now()
    if inquiryroutes.known(rest):
        return inquiryroutes.inquiry_route(inquiries, faults, req.method, req.path, req.query, req.headers, req.body,
                                           rest, applied, req.target)
    if rest == ["Actions"]:
        if req.method == "GET":
            return 200, _action_page(subs, req, now), "send"
        if req.method in ("PUT", "DELETE"):
            return _write(subs, faults, req, applied)
        raise _not_allowed(req, "GET, PUT, DELETE")
    if req.method != "GET":
        if _known(rest):
            raise _not_allowed(req, "GET")
        raise ApiError(404, f"No such resource: {req.path}")
    if _action_part(rest):
        return 200, _action_parts(subs, req, rest, now), "send"
    if rest == ["APISubmissions"]:
        return 200, _submission_page(subs, req, now), "send"
    if rest[0] == "APISubmissions" and len(rest) == 2:
        sub = subs.get(rest[1])
        if sub is None:
            raise ApiError(404, f"No API submission with BatchId {rest[1]}")
        fields = sub.fields(now, subs.process)
        return 200, lambda as_json: object_body(fields, as_json), "send"
    if ftproutes.known(rest):
        return 200, ftproutes.ftp_route(ftp, req.path, req.query, rest, now), "send"
    raise ApiError(404, f"No such resource: {req.path}")


def _action_part(rest: list[str]) -> bool:
    """Actions/{Id}, Actions/{Id}/Items or Actions/{Id}/Items/{Sku}."""
    return rest[0] == "Actions" and 2 <= len(rest) <= 4 and (len(rest) == 2 or rest[2] == "Items")


def _known(rest: list[str]) -> bool:
    """A resource that exists for some method."""
    return _action_part(rest) or (rest[0] == "APISubmissions" and len(rest) <= 2) or ftproutes.known(rest)


def _not_allowed(req: Incoming, allow: str) -> ApiError:
    return ApiError(405, f"{req.method} is not allowed on {req.path} (allowed: {allow})", headers={"Allow": allow})


def _action_page(subs: Submissions, req: Incoming, now: datetime) -> Render:
    q = query.own_campaign(query.parse_action_query(req.query, now), subs.store.account.campaign_id)
    hits = query.select(subs.store, q, now)
    rows = hits[(q.page - 1) * q.size: q.page * q.size]
    env = envelope(req.path, req.query, len(hits), q.page, q.size, len(rows))
    return lambda as_json: page_body("Actions", env, [a.json(now) if as_json else a.xml(now) for a in rows], as_json)


def _action_parts(subs: Submissions, req: Incoming, rest: list[str], now: datetime) -> Render:
    action: Action | None = subs.store.action(rest[1])
    if action is None:
        raise ApiError(404, f"No action with Id {rest[1]}")
    if len(rest) == 2:
        fields = action.fields(now)
        return lambda as_json: action.json(now).encode() if as_json else object_body(fields, False)
    if len(rest) == 4:
        item = action.item(rest[3])
        if item is None:
            raise ApiError(404, f"Action {rest[1]} has no item with Sku {rest[3]}")
        texts = item.texts()
        return lambda as_json: object_body(texts, as_json)
    page, size = query.page_params(req.query, *ITEM_PAGE_SIZES)
    rows = [i.texts() for i in action.items[(page - 1) * size: page * size]]
    env = envelope(req.path, req.query, len(action.items), page, size, len(rows))
    return lambda as_json: page_body("Items", env, [fragment(r, "Item", as_json) for r in rows], as_json)


def _submission_page(subs: Submissions, req: Incoming, now: datetime) -> Render:
    page, size = query.page_params(req.query, *ITEM_PAGE_SIZES)
    every = subs.newest_first()
    rows = [s.fields(now, subs.process) for s in every[(page - 1) * size: page * size]]
    env = envelope(req.path, req.query, len(every), page, size, len(rows))
    return lambda as_json: page_body("APISubmissions", env, [fragment(r, "APISubmission", as_json) for r in rows],
                                     as_json)


def _write(subs: Submissions, faults: Faults, req: Incoming, applied: AppliedWrites) -> tuple[int, Render, str]:
    """PUT/DELETE /Actions: check the form at once (a 400, not recorded), queue the change and record it as
    applied (it will apply), answer QUEUED, or as an after-apply fault says."""
    form = forms.read_form(req.headers.get("content-type", ""), req.body)
    change = forms.modification(form) if req.method == "PUT" else forms.reversal(form)
    sub = subs.queue(change, req.body.decode("utf-8"))
    applied.record(req.method, "Actions", action_target(form), form, sub.batch_id, sub.submitted)
    answer = {"Status": "QUEUED", "QueuedUri": f"{subs.store.account.base_uri}/APISubmissions/{sub.batch_id}"}
    return after_apply(faults, req.target, answer)
