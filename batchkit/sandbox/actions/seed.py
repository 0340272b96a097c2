"""The seed: account.toml, actions.csv and items.csv in one folder (samples/sandbox ships one), and
inquiries.csv (optional: without it the sandbox has no action inquiries).

Columns are the API's field names; items.csv starts with ActionId. Date cells are ISO 8601 with an
offset, or a signed whole number of days from the sandbox's start (`-12`, `30`); `UpdatedDaysAgo` is
the internal last-updated time of an action, `SubmittedDate` the day an inquiry was filed, and `Note`
says what a row is for (none of them is served). Any fault in the files is a ConfigError naming the
file and line.
"""

from __future__ import annotations

import csv
import tomllib
from collections.abc import Container
from datetime import datetime
from pathlib import Path

from batchkit.core.errors import ConfigError
from batchkit.core.resources import data_dir
from batchkit.sandbox.actions.make import (
    UPDATED_FIELDS,
    Account,
    make_action,
    make_item,
)
from batchkit.sandbox.actions.model import ACTION_FIELDS, ITEM_FIELDS, Action, Item
from batchkit.sandbox.inquiries.store import SEED_COLUMNS, Inquiry, make_inquiry

_SOURCE_SEED = Path(__file__).resolve().parents[3] / "samples" / "sandbox"


def seed_dir() -> Path:
    """The shipped seed: batchkit/_data/sandbox in a wheel, samples/sandbox in the source tree."""
    try:
        return data_dir("sandbox")
    except FileNotFoundError:
        if _SOURCE_SEED.is_dir():
            return _SOURCE_SEED
        raise ConfigError("the sandbox's seed (samples/sandbox) is missing from the installation") from None


def load_account(folder: Path) -> Account:
    """account.toml of a seed folder (defaults for what it leaves out)."""
    path = folder / "account.toml"
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{path}: missing (a seed folder holds account.toml, actions.csv, items.csv)") from None
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
    trackers = data.get("trackers", {"2240": "Online Sale"})
    fields = {"sid": data.get("account_sid", "IRSANDBOXACME1"), "campaign_id": data.get("campaign_id", "4636"),
              "campaign_name": data.get("campaign_name", "")}
    bad = [k for k, v in fields.items() if not isinstance(v, str)]
    if bad or not isinstance(trackers, dict) or not all(isinstance(v, str) for v in trackers.values()):
        raise ConfigError(f"{path}: account_sid, campaign_id, campaign_name and [trackers] names must be strings")
    locking = data.get("locking_days", 30)
    if not isinstance(locking, int) or isinstance(locking, bool) or locking < 0:
        raise ConfigError(f"{path}: locking_days must be a whole number of days >= 0 (0: open-ended)")
    return Account(fields["sid"], fields["campaign_id"], fields["campaign_name"], {str(k): v for k, v in trackers.items()},
                   locking or None)


def load_seed(folder: Path, account: Account, base: datetime) -> list[Action]:
    """The seed's actions with their items (relative dates counted from `base`)."""
    path, items_path = folder / "actions.csv", folder / "items.csv"
    rows = _rows(path, (*ACTION_FIELDS[:-1], *UPDATED_FIELDS), "Id")
    currency = {row["Id"]: row.get("Currency", "USD") for _, row in rows}
    items: dict[str, list[Item]] = {}
    for line, row in _rows(items_path, ("ActionId", *ITEM_FIELDS), "ActionId"):
        if row["ActionId"] not in currency:
            raise ConfigError(f"{items_path}:{line}: ActionId {row['ActionId']} is not in actions.csv")
        try:
            items.setdefault(row["ActionId"], []).append(make_item(row, currency[row["ActionId"]], base))
        except ValueError as exc:
            raise ConfigError(f"{items_path}:{line}: {exc}") from None
    actions: list[Action] = []
    seen: set[str] = set()
    for line, row in rows:
        if row["Id"] in seen:
            raise ConfigError(f"{path}:{line}: Id {row['Id']} is given twice")
        seen.add(row["Id"])
        try:
            actions.append(make_action(row, list(items.get(row["Id"], [])), account, base))
        except ValueError as exc:
            raise ConfigError(f"{path}:{line}: {exc}") from None
    return actions


def load_inquiries(folder: Path, account: Account, base: datetime, action_ids: Container[str]) -> list[Inquiry]:
    """The seed's action inquiries (none without inquiries.csv); an ActionId must be one of `action_ids`."""
    path = folder / "inquiries.csv"
    if not path.is_file():
        return []
    found: list[Inquiry] = []
    seen: set[str] = set()
    for line, row in _rows(path, SEED_COLUMNS, "Id"):
        try:
            inquiry = make_inquiry(row, account, base)
        except ValueError as exc:
            raise ConfigError(f"{path}:{line}: {exc}") from None
        if inquiry.Id in seen:
            raise ConfigError(f"{path}:{line}: Id {inquiry.Id} is given twice")
        if inquiry.ActionId and inquiry.ActionId not in action_ids:
            raise ConfigError(f"{path}:{line}: ActionId {inquiry.ActionId} is not in actions.csv")
        seen.add(inquiry.Id)
        found.append(inquiry)
    return found


def _rows(path: Path, allowed: tuple[str, ...], key: str) -> list[tuple[int, dict[str, str]]]:
    """(line, row) of a seed CSV, with its header checked; empty cells are left out."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            if not header or key not in header:
                raise ConfigError(f"{path}:1: the header must name {key} (columns are the API's field names)")
            unknown = [c for c in header if c not in allowed]
            if unknown or len(set(header)) < len(header):
                what = f"unknown column {unknown[0]!r}" if unknown else "a column is named twice"
                raise ConfigError(f"{path}:1: {what} (allowed: {', '.join(allowed)})")
            return [_row(path, reader.line_num, header, cells, key) for cells in reader if any(cells)]
    except FileNotFoundError:
        raise ConfigError(f"{path}: missing (a seed folder holds account.toml, actions.csv, items.csv)") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ConfigError(f"{path}: {exc}") from None


def _row(path: Path, line: int, header: list[str], cells: list[str], key: str) -> tuple[int, dict[str, str]]:
    """One record, checked for its cell count and its key."""
    if len(cells) != len(header):
        raise ConfigError(f"{path}:{line}: {len(cells)} cells where the header has {len(header)}")
    row = {name: cell for name, cell in zip(header, cells) if cell.strip()}
    if not row.get(key, "").strip():
        raise ConfigError(f"{path}:{line}: {key} is empty")
    return line, row
