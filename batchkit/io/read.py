"""Bytes -> structural findings (BK001-BK004, BK009, BK010) and a text-only DataFrame.

CSV: the raw bytes are checked for encoding and BOM, the header is parsed with the csv module,
and the records are read by pyarrow's CSV reader (every cell as text). Files where records and
physical lines do not line up one to one (multi-line quoted cells, ragged rows, lone CRs) take
a slower pure-Python path that tracks where each record starts. XLSX: openpyxl, streamed (xlsx.py).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from batchkit.core.errors import InputError
from batchkit.core.findings import Finding, finding
from batchkit.io.xlsx import Row, is_xlsx, read_xlsx_rows

BOM = b"\xef\xbb\xbf"
HEADER_WINDOW = 1 << 20  # characters read to find the header record


@dataclass
class Table:
    """A file's header and records, all cells text; `rows`/`lines` give each record's position."""

    path: str
    header: list[str]
    data: pd.DataFrame  # columns 0..n-1 by position, index 0..k-1
    rows: np.ndarray  # spreadsheet row of each record (header = 1)
    lines: np.ndarray  # physical line where each record starts
    findings: list[Finding] = field(default_factory=list)
    delimiter: str = ","
    header_line: int = 1
    records: int = -1  # records after the header, blank and ragged ones included

    def __post_init__(self) -> None:
        if self.records < 0:
            self.records = len(self.data)


def _position(raw: bytes, pos: int) -> tuple[int, int]:
    line = raw.count(b"\n", 0, pos) + 1
    return line, pos - (raw.rfind(b"\n", 0, pos) + 1) + 1


def decode(raw: bytes) -> tuple[str, list[Finding]]:
    """Decode UTF-8 (with or without BOM); anything else becomes a BK001 finding and a best guess."""
    found: list[Finding] = []
    if raw.startswith(BOM):
        found.append(finding("BK002", "the file starts with a UTF-8 byte-order mark", row=1, line=1))
        raw = raw[len(BOM):]
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        found.append(finding("BK001", "the file is UTF-16 (Excel 'Unicode Text'); save it as 'CSV UTF-8'", row=1, line=1))
        return raw.decode("utf-16", errors="replace"), found
    utf16 = _utf16_without_bom(raw)
    if utf16:
        found.append(finding("BK001", f"the file is UTF-16 ({utf16.upper()}) without a byte-order mark; save it as "
                             "'CSV UTF-8'", row=1, line=1))
        return raw.decode(utf16, errors="replace"), found
    try:
        return raw.decode("utf-8"), found
    except UnicodeDecodeError as exc:
        line, col = _position(raw, exc.start)
        guess = _guess_legacy(raw)
        found.append(
            finding(
                "BK001",
                f"byte 0x{raw[exc.start]:02X} at line {line}, character {col} is not UTF-8{guess}; "
                "re-save the file as 'CSV UTF-8'",
                line=line,
                value=f"0x{raw[exc.start]:02X}",
            )
        )
        return raw.decode("cp1252", errors="replace"), found


def _utf16_without_bom(raw: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' when mostly-ASCII text has a NUL in every other byte, else None."""
    head = raw[:4096]
    if len(head) < 4 or head.count(0) < len(head) // 3:
        return None
    odd, even = head[1::2].count(0), head[0::2].count(0)
    if odd >= 0.9 * (len(head) // 2) and even < 0.1 * (len(head) // 2):
        return "utf-16-le"
    if even >= 0.9 * (len(head) // 2) and odd < 0.1 * (len(head) // 2):
        return "utf-16-be"
    return None


def _guess_legacy(raw: bytes) -> str:
    try:
        raw.decode("cp1252")
    except UnicodeDecodeError:
        return " (the encoding is not recognised)"
    return " (it looks like Windows-1252/Latin-1)"


def _parse_header(text: str) -> tuple[list[str] | None, str, list[Finding], int]:
    """The header record, the delimiter to use, findings, and the header's physical line count."""
    reader = csv.reader(io.StringIO(text[:HEADER_WINDOW], newline=""))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        return None, ",", [finding("BK004", f"the header row cannot be parsed ({exc})", row=1, line=1)], 1
    if header is None or not any(c.strip() for c in header):
        return None, ",", [finding("BK004", "the file is empty or its first row is blank: no header row", row=1, line=1)], 1
    if len(header) == 1:
        cell = header[0]
        delim = max((";", "\t", "|"), key=cell.count)
        if cell.count(delim) > 0:
            name = {";": "semicolons", "\t": "tabs", "|": "pipes"}[delim]
            found = [finding("BK003", f"the header is one column separated by {name}; impact.com expects commas "
                             "(re-save as 'CSV UTF-8 (Comma delimited)')", row=1, line=1, value=cell[:80])]
            header, lines = _reparse_header(text, delim)
            return header, delim, found, lines
    return header, ",", [], reader.line_num


def _reparse_header(text: str, delim: str) -> tuple[list[str], int]:
    reader = csv.reader(io.StringIO(text[:HEADER_WINDOW], newline=""), delimiter=delim)
    return next(reader, [""]), reader.line_num


def read_csv_bytes(path: str, raw: bytes) -> Table:
    """Structural pass and records of a CSV file's bytes."""
    text: str | None = None
    found: list[Finding] = []
    if raw.isascii() and b"\x00" not in raw[:4096]:  # plain ASCII is UTF-8 without a BOM: only the header window needs text
        head = raw[:HEADER_WINDOW].decode("ascii")
    else:
        text, found = decode(raw)
        head = text
    header, delim, header_found, header_lines = _parse_header(head)
    found += header_found
    if header is None:
        return Table(path, [], pd.DataFrame(), np.empty(0, int), np.empty(0, int), found)
    clean = not any(f.code == "BK001" for f in found)
    payload = raw[len(BOM):] if raw.startswith(BOM) else raw
    fast = _fast_records(payload if clean or text is None else text.encode("utf-8"), header, delim, header_lines)
    table = fast or _slow_records(raw.decode("ascii") if text is None else text, header, delim, header_lines)
    table.path, table.findings = path, found + table.findings
    return table


def _physical_lines(data: bytes) -> int | None:
    """Number of physical lines, or None when lone CRs make the count ambiguous."""
    if b"\r" in data:
        crs = data.count(b"\r")
        if crs != data.count(b"\r\n"):
            return None
    n = data.count(b"\n")
    return n + (1 if data and not data.endswith(b"\n") else 0)


def _fast_records(data: bytes, header: list[str], delim: str, header_lines: int) -> Table | None:
    """pyarrow read when every record is exactly one physical line; None otherwise.

    A ragged row makes pyarrow raise, which sends the file to the slow path (which reports it).
    Without any quote character no value can hold a line break, so pyarrow may skip tracking them.
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    if header_lines != 1 or b"\x00" in data:
        return None
    lines = _physical_lines(data)
    if lines is None:
        return None
    names = [str(i) for i in range(len(header))]
    try:
        tbl = pacsv.read_csv(
            pa.BufferReader(data),  # no copy, and no Python-level reads while pyarrow parses
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=1 << 22),
            parse_options=pacsv.ParseOptions(delimiter=delim, newlines_in_values=b'"' in data,
                                             ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.large_string() for n in names},
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False,
                                                 null_values=[]),
        )
    except (pa.ArrowInvalid, pa.ArrowException):
        return None
    if tbl.num_rows != lines - 1:
        return None
    blank = np.ones(tbl.num_rows, dtype=bool)
    for column in tbl.columns:  # usually over after the first column: a blank row has no text in any cell
        blank &= pc.or_(pc.equal(pc.binary_length(column), 0), pc.utf8_is_space(column)).to_numpy()  # = trims to ""
        if not blank.any():
            break
    frame = tbl.to_pandas()
    frame.columns = range(len(header))
    positions = np.arange(2, tbl.num_rows + 2)
    table = Table("", header, frame, positions, positions.copy(), delimiter=delim, records=tbl.num_rows)
    return _drop_blank(table, blank) if blank.any() else table


def _slow_records(text: str, header: list[str], delim: str, header_lines: int) -> Table:
    """Pure-Python read that knows where each record starts; reports ragged and blank rows."""
    width = len(header)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    found: list[Finding] = []
    kept: list[list[str]] = []
    rows: list[int] = []
    lines: list[int] = []
    prev, ordinal = header_lines, 1
    try:
        next(reader)
        for record in reader:
            ordinal += 1
            start, prev = prev + 1, reader.line_num
            if not any(c.strip() for c in record):
                found.append(finding("BK010", "blank row: delete it", row=ordinal, line=start))
            elif len(record) != width:
                found.append(_ragged(record, width, ordinal, start))
            else:
                kept.append(record)
                rows.append(ordinal)
                lines.append(start)
    except csv.Error as exc:
        found.append(finding("BK009", f"the rest of the file cannot be parsed as CSV ({exc})", row=ordinal + 1, line=prev + 1))
    data = pd.DataFrame(kept, columns=range(width), dtype="str") if kept else pd.DataFrame(columns=range(width), dtype="str")
    return Table("", header, data, np.array(rows, dtype=int), np.array(lines, dtype=int), found, delim,
                 header_lines, records=ordinal - 1)


def _ragged(record: list[str], width: int, row: int, line: int, cells: int | None = None) -> Finding:
    count = len(record) if cells is None else cells
    more = "more" if count > width else "fewer"
    return finding("BK009", f"row has {count} cells, {more} than the header's {width}: "
                   "quote cells that contain commas, or remove stray cells", row=row, line=line,
                   value=",".join(record)[:80])


def _drop_blank(table: Table, blank: np.ndarray) -> Table:
    """Remove the all-empty records `blank` marks (reported BK010) from a fast-path table."""
    for i in np.flatnonzero(blank)[:100_000]:
        table.findings.append(finding("BK010", "blank row: delete it", row=int(table.rows[i]), line=int(table.lines[i])))
    keep = ~blank
    table.data = table.data[keep].reset_index(drop=True)
    table.rows, table.lines = table.rows[keep], table.lines[keep]
    return table


def read_input(path: str | Path) -> bytes:
    """A file's bytes (InputError with one line if it cannot be read: missing, a folder, a loop, ...)."""
    p = Path(path)
    try:
        return p.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{p}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{p}: is a directory, not a file") from None
    except OSError as exc:
        raise InputError(f"{p}: cannot read ({exc.strerror or exc})") from None


def read_table(path: str | Path, sheet: str | None = None) -> Table:
    """Read a CSV or XLSX file into a Table (InputError if it cannot be opened at all)."""
    p = Path(path)
    raw = read_input(p)
    if is_xlsx(p, raw):
        return _table_from_rows(str(p), read_xlsx_rows(p, raw, sheet))
    if sheet:
        raise InputError(f"{p}: --sheet applies to XLSX files only")
    return read_csv_bytes(str(p), raw)


BLANK_RUN = 100  # a longer run of blank spreadsheet rows is one BK010 finding, not one per row


def _blank_rows(first: int, last: int) -> list[Finding]:
    """BK010 for the blank rows first..last (one finding for a long run)."""
    if last - first + 1 > BLANK_RUN:
        return [finding("BK010", f"rows {first:,} to {last:,} are blank ({last - first + 1:,} rows): delete them "
                        "(a stray cell far below the data makes them part of the sheet)", row=first, line=first)]
    return [finding("BK010", "blank row: delete it", row=n, line=n) for n in range(first, last + 1)]


def _table_from_rows(path: str, records: list[Row]) -> Table:
    """A Table from a sheet's non-empty rows (row number = line number); trailing blank rows are dropped.

    Only named columns are materialised: empty unnamed columns (a stray cell far to the right of
    the header) cost nothing, and cells right of the header only make the row ragged (BK009).
    """
    while records and not any(c.strip() for c in records[-1].texts):
        records = records[:-1]
    if not records or records[0].number != 1 or not any(c.strip() for c in records[0].texts):
        return Table(path, [], pd.DataFrame(), np.empty(0, int), np.empty(0, int),
                     [finding("BK004", "the sheet is empty or its first row is blank: no header row", row=1, line=1)])
    header = records[0].cells()
    while header and not header[-1].strip():
        header.pop()
    width = len(header)
    named = [i for i, name in enumerate(header) if name.strip()]
    found: list[Finding] = []
    kept: list[list[str]] = []
    rows: list[int] = []
    prev = 1
    for record in records[1:]:
        n = record.number
        if n > prev + 1:
            found += _blank_rows(prev + 1, n - 1)
        prev = max(prev, n)
        if not any(c.strip() for c in record.texts):
            found.append(finding("BK010", "blank row: delete it", row=n, line=n))
        elif any(c.strip() for c in record.beyond(width)):
            found.append(_ragged(record.cells(min(record.last, 81)), width, n, n, cells=record.last))
        else:
            cells = record.cells(width)
            kept.append(cells if len(named) == width else [cells[i] for i in named])
            rows.append(n)
    data = pd.DataFrame(kept, columns=named, dtype="str") if kept else pd.DataFrame(columns=named, dtype="str")
    arr = np.array(rows, dtype=int)
    return Table(path, header, data, arr, arr.copy(), found, records=prev - 1)
