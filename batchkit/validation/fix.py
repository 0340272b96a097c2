"""batchkit fix: safe, reported fixes only, written to a new file (never in place).

Fixed: surrounding whitespace, the BOM, reason-code case and spacing (item_returned ->
ITEM_RETURNED, only when the result is an accepted code), thousands separators and currency
signs in amounts ($1,234.50 -> 1234.50), header spellings (Oid -> OrderId, SKU2 -> Sku2); the
output is always UTF-8 CSV with commas and LF, so another delimiter or line ending is a reported
file-level fix too. European Excel's damage: a file in Windows-1252 (or UTF-16) is re-encoded to UTF-8
when its encoding is told with confidence or given with --encoding; decimal commas (12,50 -> 12.50) are
converted column by column, only when no amount of the column could also be read with a thousands
separator (1,234); lowercase currency codes are upper-cased (usd -> USD). Everything else (mangled ids,
unknown reasons, ambiguous amounts, ...) stays a finding.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from batchkit.core.change import normalise_id
from batchkit.core.config import Config
from batchkit.core.errors import InputError, UsageError
from batchkit.core.findings import Finding
from batchkit.core.kinds import layout
from batchkit.io.encoding import detect
from batchkit.io.read import BOM, read_input, read_table
from batchkit.io.records import all_records, csv_delimiter, text_records
from batchkit.io.sniff import reads_as_workbook
from batchkit.io.write import require_suffix, same_file
from batchkit.io.xlsx import Row
from batchkit.validation.header import (
    detect_kind,
    header_name,
    looks_like_header,
    parse_header,
)
from batchkit.validation.rules.rows import ID_FIELDS
from batchkit.validation.rules.typed import batch_typed_cells

_MONEY_MARKS = re.compile(r"[$€£¥]|[A-Z]{3}")
_MONEY = re.compile(r"(?:[$€£¥]|[A-Z]{3} ?)?\s*([0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(\.[0-9]+)?\s*(?:[$€£¥]| ?[A-Z]{3})?")


@dataclass
class Change:
    """One fixed cell."""

    row: int
    column: str
    before: str
    after: str
    kind: str


@dataclass
class FixResult:
    """The fixed file's bytes and what changed."""

    data: bytes
    changes: list[Change] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def counts(self) -> Counter[str]:
        return Counter(c.kind for c in self.changes)


UNFIXABLE = ("BK012", "BK013", "BK014", "BK015", "BK017")  # damage only a person can repair


@dataclass(frozen=True)
class Input:
    """What fix needs to know of its input before touching it."""

    damage: list[Finding]  # findings of UNFIXABLE codes: fix writes nothing while there are any
    kind: str | None  # the kind the output is checked as
    kind_reason: str


def inspect(path: Path, sheet: str | None = None, kind: str | None = None) -> Input:
    """The input's structural damage and its kind (from --kind, its name or its columns), before any fix."""
    table = read_table(path, sheet, looks_like_header)
    damage = [f for f in table.findings if f.code in UNFIXABLE]
    if not table.header:
        return Input(damage, kind, "given with --kind" if kind else "the input has no header")
    columns = parse_header(table.header)
    found, reason = detect_kind(columns, table.data, str(path), kind)
    # BK107: a date, number or boolean cell where an id belongs is never written back as an id: the file is refused
    damage += batch_typed_cells(table, columns)
    return Input(damage, found, reason if kind else f"{reason} of the input")


def fix_reason(value: str, accepted: frozenset[str]) -> str | None:
    """The accepted code a reason differs from only by case and spacing, if any."""
    key = re.sub(r"[\s\-]+", "_", value.strip()).upper()
    return key if key in accepted and key != value else None


def fix_currency(value: str) -> str | None:
    """The ISO 4217 code a currency code differs from only by case (usd -> USD), if any."""
    from batchkit.core.money import currencies

    up = value.upper()
    return up if up != value and up in currencies() else None


_SIGNS = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY"}


def fix_amount(value: str, currency: str = "") -> str | None:
    """A plain decimal from a value with a currency sign or thousands separators, if unambiguous.

    A sign or code is only dropped when it names the row's CurrencyCode (`$5` with USD): `€5.00`
    in a USD row, or any sign where no CurrencyCode says the currency, stays a finding.
    """
    text = value.strip()
    m = _MONEY.fullmatch(text)
    if not m:
        return None
    marks = _MONEY_MARKS.findall(text)
    if marks and (not currency or any(_SIGNS.get(mark, mark) != currency for mark in (x.strip() for x in marks))):
        return None
    digits, decimals = m.group(1), m.group(2) or ""
    has_sign = text != digits + decimals
    if "," in digits and not decimals and not has_sign:
        return None  # "1,234" may be a European 1.234: ambiguous, left as a finding
    cleaned = digits.replace(",", "") + decimals
    return cleaned if cleaned != text else None


def _header(names: list[str]) -> list[tuple[str, str]]:
    """(new name, old name) for every header cell; canonical spellings for recognised fields."""
    lay = layout()
    return [(lay.item_header(c.field, c.group) if c.field else header_name(c.raw), c.raw) for c in parse_header(names)]


def fix_file(path: Path, config: Config, sheet: str | None = None, encoding: str | None = None) -> FixResult:
    """Apply the safe fixes to a file's records (`encoding`: the input's text encoding, when not UTF-8)."""
    raw = read_input(path)
    xlsx = reads_as_workbook(path, raw)
    recoded = ""
    if not xlsx:
        text, recoded = _decode(path, raw, encoding)
    records = all_records(str(path), sheet) if xlsx else text_records(text)
    if not records:
        raise InputError(f"{path}: empty file, nothing to fix")
    result = FixResult(b"")
    if recoded:
        result.notes.append(recoded)
    result.notes += _sheet_notes(path, sheet) if xlsx else _text_notes(raw, text)
    first = records[0].cells() if records[0].number == 1 else []
    if first and first[0].startswith("\ufeff"):  # a second BOM (the file was "saved with BOM" twice)
        result.notes.append("removed a second byte-order mark from the header")
        first[0] = first[0].lstrip("\ufeff")
    header = _header(first)
    for pos, (new, old) in enumerate(header):
        if new != old:
            result.changes.append(Change(1, old, old, new, "header spelling"))
    names = [new for new, _ in header]
    fields = [c.field for c in parse_header(names)]
    decimal = _decimal_comma_columns(records, names, fields, result)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(names)
    done = 1
    for record in records:
        if record.number <= 1:
            continue
        buf.write("\n" * (record.number - done - 1))  # blank spreadsheet rows stay blank rows
        writer.writerow(_fix_row(record.number, record.cells(), names, fields, config, result, decimal))
        done = record.number
    result.data = buf.getvalue().encode("utf-8")
    return result


def _decode(path: Path, raw: bytes, encoding: str | None) -> tuple[str, str]:
    """The text of a CSV and, when it was not UTF-8, the note saying it was re-encoded."""
    if encoding:
        try:
            text = raw.decode(encoding)
        except LookupError:
            raise InputError(f"--encoding {encoding}: not an encoding Python knows (e.g. cp1252, latin-1, "
                             "utf-16, cp1250, iso-8859-7)") from None
        except UnicodeDecodeError as exc:
            raise InputError(f"{path}: byte {exc.start:,} (0x{raw[exc.start]:02X}) cannot be read as {encoding}: "
                             "check which encoding the file is in") from None
        if text.startswith("\ufeff") and not raw.startswith(BOM):
            text = text[1:]  # a UTF-16 byte-order mark
        plain = encoding.lower().replace("_", "-") in ("utf-8", "utf8")
        return text, "" if plain else f"encoding: re-encoded from {encoding} (given with --encoding) to UTF-8 (BK001)"
    found = detect(raw)
    if found is None:
        try:
            return raw.decode("utf-8"), ""
        except UnicodeDecodeError as exc:
            raise InputError(f"{path}: not UTF-8 (byte 0x{raw[exc.start]:02X} at offset {exc.start:,}) and its encoding "
                             "cannot be told with confidence; fix does not guess: give it with --encoding NAME "
                             "(e.g. cp1252, cp1250, iso-8859-7), or re-save the file as 'CSV UTF-8'") from None
    codec, name = found
    text = raw.decode(codec).removeprefix("\ufeff")
    return text, f"encoding: re-encoded from {name} to UTF-8 (BK001; give --encoding NAME if it is another one)"




_DECIMAL_COMMA = re.compile(r"[0-9]+,[0-9]{1,2}|[0-9]{1,3}(?:\.[0-9]{3})+,[0-9]{1,2}")  # 12,50 and 1.234,50
_WHOLE = re.compile(r"[0-9]+")


def _decimal_comma_columns(records: list[Row], names: list[str], fields: list[str | None],
                           result: FixResult) -> frozenset[int]:
    """The Amount columns whose decimal commas are converted: those holding some (12,50, 1.234,50) where
    every other amount is a whole number. A column with a value two readings fit (1,234: 1.234 or 1234?
    12.50 beside 12,50) is left as it is, with a note saying why."""
    out = set()
    for pos, f in enumerate(fields):
        if f != "Amount":
            continue
        values = [(r.number, cells[pos].strip()) for r in records[1:] if len(cells := r.cells()) > pos]
        values = [(n, v) for n, v in values if v]
        commas = [v for _, v in values if _DECIMAL_COMMA.fullmatch(v)]
        if not commas:
            continue
        other = next(((n, v) for n, v in values if not _DECIMAL_COMMA.fullmatch(v) and not _WHOLE.fullmatch(v)), None)
        if other is None:
            out.add(pos)
            continue
        n, v = other
        why = ("could be read with a thousands separator or a decimal comma" if re.fullmatch(r"[0-9.,]+", v)
               else "is not an amount batchkit can read")
        result.notes.append(f"column {names[pos]}: decimal commas left as they are: {v!r} (row {n}) {why}; "
                            "fix never guesses - write that column's amounts with a dot by hand")
    return frozenset(out)


def _text_notes(raw: bytes, text: str) -> list[str]:
    """File-level repairs of a CSV: BOM, delimiter, line endings (fix writes UTF-8, commas and LF)."""
    notes = []
    if raw.startswith(BOM):
        notes.append("removed the UTF-8 byte-order mark")
    delimiter = csv_delimiter(text.lstrip("\ufeff").split("\n", 1)[0])
    if delimiter != ",":
        name = {";": "semicolons", "\t": "tabs", "|": "pipes"}[delimiter]
        notes.append(f"delimiter: {name} replaced by commas (BK003)")
    if "\r" in text and "\n" not in text:
        notes.append("line endings: CR (old Mac) replaced by LF")
    elif "\r\n" in text:
        notes.append("line endings: CRLF replaced by LF")
    return notes


def _sheet_notes(path: Path, sheet: str | None) -> list[str]:
    return [f"wrote {'sheet ' + repr(sheet) if sheet else 'the first sheet'} of {path.name} as CSV (UTF-8, commas)"]


def _fix_row(row: int, record: list[str], names: list[str], fields: list[str | None], config: Config,
             result: FixResult, decimal: frozenset[int] = frozenset()) -> list[str]:
    out = []
    currency = next((v.strip().upper() for f, v in zip(fields, record) if f == "CurrencyCode"), "")
    for pos, value in enumerate(record):
        name = names[pos] if pos < len(names) else f"column {pos + 1}"
        field = fields[pos] if pos < len(fields) else None
        new = value.strip()
        if new != value:
            result.changes.append(Change(row, name, value, new, "whitespace trimmed"))
        if field in ID_FIELDS and (plain := normalise_id(new)) != new and plain:  # BK108: one id normalisation
            result.changes.append(Change(row, name, new, plain, "id: spaces / invisible characters removed"))
            new = plain
        if field == "Reason" and (code := fix_reason(new, config.accepted_reasons)):
            result.changes.append(Change(row, name, new, code, "reason code case"))
            new = code
        elif pos in decimal and _DECIMAL_COMMA.fullmatch(new):
            dotted = new.replace(".", "").replace(",", ".")
            result.changes.append(Change(row, name, new, dotted, "decimal comma"))
            new = dotted
        elif field == "CurrencyCode" and (code := fix_currency(new)):
            result.changes.append(Change(row, name, new, code, "currency code case"))
            new = code
        elif field == "Amount" and (amount := fix_amount(new, currency)):
            result.changes.append(Change(row, name, new, amount, "amount format"))
            new = amount
        out.append(new)
    return out


def check_target(source: Path, target: Path) -> None:
    """Refuse to write over the input, or CSV under another extension."""
    if same_file(source, target):
        raise UsageError(f"{target}: fix never writes in place; choose another output file with -o")
    require_suffix(target, ".csv", "the fixed file")
