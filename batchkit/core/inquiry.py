"""Action inquiries as impact.com defines them (SPEC §6): the fields of an inquiry, the resolution statuses,
the nine reasons a DECLINED inquiry may give (exactly as the API spells them), and the columns of the web
app's bulk-resolution CSV. Shared by the sandbox, validation (kind inquiry-resolution) and batchkit.inquiries.
"""

from __future__ import annotations

import re

FIELDS = ("Id", "CampaignId", "MediaPartnerId", "OrderId", "TransactionDate", "TransactionAmount", "InquiryType",
          "ExpectedPayout", "ResolutionDeadlineDate", "AutoApprovalDate", "Comments", "ActionId", "ResolutionStatus",
          "RejectReason", "FinalPayout", "ResolutionDate")
INQUIRY_TYPES = ("UNTRACKED", "INCORRECT", "DECLINED")
STATUSES = ("UNRESOLVED", "VALID", "DECLINED", "INCOMPLETE")
RESOLUTIONS = ("VALID", "DECLINED", "INCOMPLETE")  # what a resolution may set

TRACKED = "This transaction has been tracked successfully"
OTHER_CHANNEL = "Another marketing channel was credited with the sale"
VOUCHER = "Another marketing channel was credited with the sale, due to a voucher/discount code used"
TERMS = "Did not meet terms and conditions set by merchant"
NOT_COMPLETED = "Transaction not completed - Order cancelled, changed, or returned"
UNTRACEABLE = "Transaction cannot be traced"
NOT_ONLINE = "Transaction not fully completed online"
INCOMPLETE_INFO = "Enquiry does not provide complete information required for evaluation"
OTHER = "Other"
REASONS = (TRACKED, OTHER_CHANNEL, VOUCHER, TERMS, NOT_COMPLETED, UNTRACEABLE, NOT_ONLINE, INCOMPLETE_INFO, OTHER)

# The web app's bulk-resolution CSV (no bulk endpoint exists: this file is uploaded by a person)
RESOLUTION_COLUMNS = ("Id", "Transaction Date", "Resolution Status", "Resolution Reason", "Action Tracker",
                      "Final Payout", "Resolution Notes", "Sale Amount", "Customer Id", "Customer Status",
                      "Promo Code")

_SPACES = re.compile(r"[\s_]+")


def field_key(header: str) -> str:
    """A header compared loosely: `Order Id`, `order_id`, `OrderId` -> `orderid`."""
    return _SPACES.sub("", header.strip().lstrip("\ufeff")).lower()


_BY_KEY = {field_key(f): f for f in FIELDS} | {
    "inquiryid": "Id", "actioninquiryid": "Id", "oid": "OrderId", "partnerid": "MediaPartnerId",
    "mediapartner": "MediaPartnerId", "campaign": "CampaignId", "saleamount": "TransactionAmount",
    "amount": "TransactionAmount", "status": "ResolutionStatus", "deadline": "ResolutionDeadlineDate",
    "resolutiondeadline": "ResolutionDeadlineDate", "rejectionreason": "RejectReason"}


def inquiry_field(header: str) -> str | None:
    """The API's field name for a header of a pulled file or of the web app's export (spaced headers such
    as `Order Id`, `Transaction Amount`); None for a column batchkit does not read."""
    return _BY_KEY.get(field_key(header))
