"""Resolutions that do not go through the API: the web app's bulk-resolution CSV written to a folder or an
SFTP drop (delivered exactly once, its rows journaled as the inquiry changes they are, so that the API does not
resolve them again, nor the upload what the API resolved), and the approvals file of accepted inquiries (an
order-level modification with the account's approval code, SPEC §6.1)."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

from batchkit.core.config import Config
from batchkit.core.errors import ConfigError
from batchkit.core.inquiry import RESOLUTION_COLUMNS
from batchkit.delivery.files import deliver_files
from batchkit.delivery.plan import Planned
from batchkit.delivery.prepare import prepare
from batchkit.state.ledger import Ledger
from batchkit.delivery.records import DeliveryResult
from batchkit.delivery.settings import DeliverySettings
from batchkit.delivery.targets import parse_destination
from batchkit.inquiries.resolution import Resolution
from batchkit.inquiries.resolve import checked_resolutions
from batchkit.state.inquiries import InquiriesSeen


def to_upload_name(path: Path) -> str:
    """The bulk-upload CSV's name: the input's stem, marked as a resolution file for detection."""
    stem = path.stem
    return f"{stem}.csv" if "inquiry-resolution" in stem else f"{stem}_inquiry-resolutions.csv"


def upload_csv(rows: list[Resolution]) -> str:
    """The web app's bulk-resolution CSV of `rows` (the columns SPEC §6 names, in that order)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(RESOLUTION_COLUMNS)
    writer.writerows([[r.get(c) for c in RESOLUTION_COLUMNS] for r in rows])
    return buf.getvalue()


def approvals_csv(accepted: list[Resolution], book: InquiriesSeen, config: Config) -> tuple[str, list[str]]:
    """The order-level modification file approving the accepted inquiries' orders (Reason = the configured
    approval code), and notes for the ones it cannot name; ConfigError when no approval code is configured."""
    reason = str(config.table("inquiries").get("approvals_reason", "APPROVED"))
    if reason not in config.accepted_reasons:
        raise ConfigError(f"--approvals needs the account's approval code configured: add {reason!r} to [reasons] "
                          "custom in batchkit.toml once it is set up as a custom disposition code in the account "
                          "(or name yours in [inquiries] approvals_reason)")
    lines, notes = ["OrderId,ActionTrackerId,Reason"], []
    for r in accepted:
        order_id = book.order_of(r.inquiry_id)
        if not order_id or not r.get("Action Tracker"):
            notes.append(f"inquiry {r.inquiry_id}: its OrderId is not known (pull the inquiries first): not in the "
                         "approvals file")
            continue
        lines.append(",".join(_csv_cell(v) for v in (order_id, r.get("Action Tracker"), reason)))
    return "\n".join(lines) + "\n", notes


def _csv_cell(value: str) -> str:
    return f'"{value.replace(chr(34), chr(34) * 2)}"' if any(c in value for c in ',"\n\r') else value


def resolve_to_drop(path: Path, config: Config, settings: DeliverySettings, ledger: Ledger, *,
                    dry_run: bool = False) -> list[DeliveryResult]:
    """The validated resolutions as the bulk-upload CSV, delivered exactly once to `settings.to` (a folder or
    sftp://...), for a person to upload in the web app."""
    rows = checked_resolutions(path, config)
    with tempfile.TemporaryDirectory(prefix="batchkit-inquiries-") as folder:
        upload = Path(folder) / to_upload_name(path)
        upload.write_text(upload_csv(rows), encoding="utf-8", newline="")
        (fp,) = prepare([upload], config)
        fp.plans = [Planned(r.row, r.row, "PUT", r.form(), resource="ActionInquiries") for r in rows]
        dest = settings.destination or parse_destination(settings.to)
        return deliver_files([upload], dest, settings, ledger, dry_run=dry_run, plans=[fp])
