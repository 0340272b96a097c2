"""Action inquiries as the sandbox keeps them (SPEC §6): typed values in, the API's strings out.

An inquiry has the fields of batchkit.core.inquiry.FIELDS, plus MediaPartnerName, Currency and Uri;
amounts are Decimals rounded to the inquiry's currency, dates aware datetimes (None when unset). Two
values are internal and never served: `submitted` (the day the partner filed it: what "newest first"
orders by) and `notes` (the ResolutionNotes of its resolution). Its last change, what StartDate/EndDate
filter on, is its ResolutionDate once resolved, else the day it was filed.

Partner-controlled inquiries (Sandbox.add_inquiry, Inquiries.add_raw): the texts a partner writes
(PARTNER_TEXTS) are kept verbatim, not stripped (a leading =, +, -, @, tab or CR, control and escape
characters); Comments may be the API's documented list of {"User", "Comment", "Date"} objects (served as
that list); and any other field name (TrackingLink, ActionUri, CreationDate, ...) is served verbatim
after the known fields. Ids, campaign, types, statuses, reasons, currencies, amounts and dates are
checked as for the seed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from batchkit.core.inquiry import FIELDS, INQUIRY_TYPES, REASONS, STATUSES
from batchkit.core.money import currencies, quantize
from batchkit.sandbox.actions.make import PAYOUT_RATE, Account
from batchkit.sandbox.actions.model import (
    id_key,
    money,
    parse_date,
    render_date,
    render_money,
)
from batchkit.sandbox.actions.store import Store

SERVED = (*FIELDS, "MediaPartnerName", "Currency", "Uri")
SEED_COLUMNS = (*(f for f in SERVED if f != "Uri"), "SubmittedDate", "Note")  # inquiries.csv's columns
MONEY = ("TransactionAmount", "ExpectedPayout", "FinalPayout")
DATES = ("TransactionDate", "ResolutionDeadlineDate", "AutoApprovalDate", "ResolutionDate")
TEXTS = ("Id", "CampaignId", "MediaPartnerId", "MediaPartnerName", "OrderId", "InquiryType", "Comments", "ActionId",
         "ResolutionStatus", "RejectReason", "Currency")
PARTNER_TEXTS = ("MediaPartnerId", "MediaPartnerName", "OrderId", "Comments")  # kept verbatim by add_raw
DEADLINE_DAYS = 30  # a ResolutionDeadlineDate left out is this many days after the inquiry was filed


@dataclass
class Inquiry:
    """One action inquiry."""

    Id: str
    CampaignId: str
    MediaPartnerId: str
    MediaPartnerName: str
    OrderId: str
    TransactionDate: datetime
    TransactionAmount: Decimal
    Currency: str
    InquiryType: str
    ExpectedPayout: Decimal
    ResolutionDeadlineDate: datetime | None
    AutoApprovalDate: datetime | None
    Comments: str | list[dict[str, str]]
    ActionId: str
    ResolutionStatus: str
    RejectReason: str
    FinalPayout: Decimal | None
    ResolutionDate: datetime | None
    submitted: datetime
    base_uri: str
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)  # served verbatim after the known fields (add_raw)

    @property
    def changed(self) -> datetime:
        """The last change (what StartDate/EndDate filter on): resolved, else filed."""
        return self.ResolutionDate or self.submitted

    def order(self) -> tuple[datetime, tuple[int, ...]]:
        """Sort key of "newest first": the day it was filed, then the Id."""
        return self.submitted, id_key(self.Id)

    def fields(self) -> dict[str, Any]:
        """The inquiry as the API gives it (a dict of strings; Comments a list of objects when given so)."""
        out: dict[str, Any] = {}
        for name in SERVED[:-1]:
            value = getattr(self, name)
            if name in MONEY:
                out[name] = "" if value is None else render_money(value)
            else:
                out[name] = render_date(value) if name in DATES else value
        out["Uri"] = f"{self.base_uri}/ActionInquiries/{self.Id}"
        out.update(self.extra)
        return out


def make_inquiry(fields: Mapping[str, Any], account: Account, base: datetime, verbatim: bool = False) -> Inquiry:
    """An inquiry from field values as text (Id required; relative dates count from `base`); ValueError
    naming the field when a value is bad. `verbatim`: a partner's inquiry (PARTNER_TEXTS as given, Comments
    a string or a list of objects, any other field served as given)."""
    extra = {n: v for n, v in fields.items() if n not in SEED_COLUMNS} if verbatim else {}
    unknown = [n for n in fields if n not in SEED_COLUMNS and n not in extra]
    if unknown:
        raise ValueError(f"{unknown[0]}: not a field of an inquiry")
    comments = fields.get("Comments") if verbatim else None
    kept = PARTNER_TEXTS if verbatim else ()
    given = {k: str(v).strip() for k, v in fields.items()
             if k not in extra and k not in kept and v is not None and str(v).strip()}
    given.update({k: _verbatim(k, v) for k, v in fields.items() if k in kept and v is not None and v != ""})
    defaults = {"CampaignId": account.campaign_id, "InquiryType": "UNTRACKED", "ResolutionStatus": "UNRESOLVED",
                "Currency": "USD"}
    texts = {n: given.get(n, defaults.get(n, "")) for n in TEXTS}
    _check_texts(texts)
    dates = {n: _date(n, given.get(n, ""), base) for n in (*DATES, "SubmittedDate")}
    submitted = dates.pop("SubmittedDate") or base
    dates["TransactionDate"] = dates["TransactionDate"] or submitted
    dates["ResolutionDeadlineDate"] = dates["ResolutionDeadlineDate"] or submitted + timedelta(days=DEADLINE_DAYS)
    amounts = {n: _money(n, given[n], texts["Currency"]) if n in given else None for n in MONEY}
    amount = amounts["TransactionAmount"] if amounts["TransactionAmount"] is not None else \
        quantize(Decimal(0), texts["Currency"])
    expected = amounts["ExpectedPayout"]
    expected = quantize(amount * PAYOUT_RATE, texts["Currency"]) if expected is None else expected
    values: dict[str, Any] = {**texts, **dates, "TransactionAmount": amount, "ExpectedPayout": expected,
                              "FinalPayout": amounts["FinalPayout"], "submitted": submitted, "base_uri": account.base_uri}
    if isinstance(comments, list | tuple):
        values["Comments"] = [dict(c) for c in comments]
    inquiry = Inquiry(**values, extra={k: _served(k, v) for k, v in extra.items()})
    _check_resolution(inquiry)
    return inquiry


def _verbatim(name: str, value: Any) -> Any:
    """A partner's text as given (Comments may also be a list of {User, Comment, Date} objects of text)."""
    if isinstance(value, str):
        return value
    if name == "Comments" and isinstance(value, list | tuple):
        if not all(isinstance(c, Mapping) and all(isinstance(k, str) and isinstance(v, str) for k, v in c.items())
                   for c in value):
            raise ValueError("Comments: a list of objects of text ({\"User\", \"Comment\", \"Date\"})")
        return "listed"  # a placeholder among the texts; the list itself is set after the checks
    raise ValueError(f"{name}: {value!r} is not text")


def _served(name: str, value: Any) -> Any:
    """Another field of a partner's inquiry, as JSON will carry it."""
    if name == "Uri" or not name or not isinstance(name, str):
        raise ValueError(f"{name!r}: not a field a partner's inquiry may carry")
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: {value!r} cannot be served as JSON") from None
    return value


def _check_texts(texts: dict[str, str]) -> None:
    """Id, InquiryType, ResolutionStatus, RejectReason and Currency each one the API allows."""
    if not texts["Id"].isdigit():
        raise ValueError(f"Id: {texts['Id']!r} is not a whole number")
    for name, allowed in (("InquiryType", INQUIRY_TYPES), ("ResolutionStatus", STATUSES)):
        if texts[name] not in allowed:
            raise ValueError(f"{name}: {texts[name]!r} is not one of {', '.join(allowed)}")
    if texts["RejectReason"] and texts["RejectReason"] not in REASONS:
        raise ValueError(f"RejectReason: {texts['RejectReason']!r} is not one of the nine reasons")
    if texts["Currency"] not in currencies():
        raise ValueError(f"Currency: {texts['Currency']!r} is not an ISO 4217 code")


def _check_resolution(inquiry: Inquiry) -> None:
    """An UNRESOLVED inquiry carries no resolution; a resolved one its date (and, DECLINED, its reason)."""
    status = inquiry.ResolutionStatus
    if status == "UNRESOLVED":
        given = [n for n in ("ActionId", "RejectReason", "FinalPayout", "ResolutionDate") if getattr(inquiry, n)]
        if given:
            raise ValueError(f"{given[0]}: an UNRESOLVED inquiry has none")
        return
    if inquiry.ResolutionDate is None:
        raise ValueError(f"ResolutionDate: a {status} inquiry needs one")
    if (status == "DECLINED") != bool(inquiry.RejectReason):
        raise ValueError("RejectReason: " + ("a DECLINED inquiry needs one" if status == "DECLINED"
                                             else f"only a DECLINED inquiry has one, not a {status} one"))
    if status == "VALID" and not inquiry.ActionId:
        raise ValueError("ActionId: a VALID inquiry names the action its acceptance created")


def _date(name: str, text: str, base: datetime) -> datetime | None:
    try:
        return parse_date(text, base)
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from None


def _money(name: str, text: str, currency: str) -> Decimal:
    try:
        return money(text, currency)
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from None


class Inquiries:
    """The action inquiries of the sandbox's account (under the store's lock, as the actions are)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._by_id: dict[str, Inquiry] = {}
        self._serial = 590000

    def __len__(self) -> int:
        return len(self._by_id)

    def ids(self) -> list[str]:
        """Every inquiry's Id."""
        with self.store.lock:
            return list(self._by_id)

    def get(self, inquiry_id: str) -> dict[str, str]:
        """The inquiry's fields as the API gives them (KeyError when unknown)."""
        with self.store.lock:
            return self._by_id[inquiry_id].fields()

    def inquiry(self, inquiry_id: str) -> Inquiry | None:
        """The inquiry with this Id."""
        return self._by_id.get(inquiry_id)

    def load(self, inquiries: Iterable[Inquiry]) -> None:
        """Add inquiries (ValueError on an Id already present, or an ActionId the store does not have)."""
        with self.store.lock:
            fresh = list(inquiries)
            for inquiry in fresh:
                if inquiry.Id in self._by_id or sum(i.Id == inquiry.Id for i in fresh) > 1:
                    raise ValueError(f"Id {inquiry.Id} is given twice")
                if inquiry.ActionId and inquiry.ActionId not in self.store:
                    raise ValueError(f"ActionId {inquiry.ActionId}: no such action")
            self._by_id.update((i.Id, i) for i in fresh)

    def add(self, fields: Mapping[str, Any]) -> str:
        """Add one inquiry from field values as text (Id made up when not given; filed now unless SubmittedDate)."""
        return self._add(fields, verbatim=False)

    def add_raw(self, fields: Mapping[str, Any]) -> str:
        """Add one partner-controlled inquiry: as add(), but the partner's texts verbatim, Comments a string or a
        list of {User, Comment, Date} objects, and any other field served as given."""
        return self._add(fields, verbatim=True)

    def _add(self, fields: Mapping[str, Any], verbatim: bool) -> str:
        with self.store.lock:
            fields = dict(fields)
            while not fields.get("Id"):
                self._serial += 1
                fields["Id"] = str(self._serial) if str(self._serial) not in self._by_id else ""
            inquiry = make_inquiry(fields, self.store.account, self.store.now(), verbatim)
            self.load([inquiry])
            return inquiry.Id

    def newest_first(self) -> list[Inquiry]:
        """Every inquiry, the most recently filed first (then the highest Id)."""
        return sorted(self._by_id.values(), key=Inquiry.order, reverse=True)
