"""Bytes -> structural findings and a text-only Table: what a file is, and how it is damaged, before
any value is looked at.

In order: a file that is not text at all (BK014; an XLSX under any name is read as a workbook), the
encoding (BK001, BK002), the header (BK003, BK004; BK015 when title lines stand above it), quoting
damage that a lenient reader would repair silently (BK012, BK013, io/quotes.py), the records (BK009,
BK010; csvparse.py), mixed line endings (BK016) and a header row repeated inside the data (BK017).
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import replace
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from batchkit.core.errors import InputError
from batchkit.core.files import file_problem
from batchkit.core.findings import Finding, finding
from batchkit.io.csvparse import (
    HEADER_WINDOW,
    arrow_records,
    fast_records,
    line_endings,
    parse_header,
    slow_records,
)
from batchkit.io.encoding import BOM, bom_finding, decode
from batchkit.io.quotes import Damage, QuoteCheck, scan
from batchkit.io.sheet import table_from_rows
from batchkit.io.sniff import ZIP, not_text, reads_as_workbook
from batchkit.io.table import Table
from batchkit.io.xlsx import read_xlsx_rows

__all__ = ["BOM", "Table", "read_csv_bytes", "read_input", "read_table"]

HeaderHint = Callable[[list[str]], bool]  # does this record look like the header row of a batch file?
TITLE_LINES = 20  # lines looked at for the real header below title lines
HEAD_BYTES = 4 * HEADER_WINDOW + 4096  # read first: HEADER_WINDOW characters of UTF-8 text at most take 4 bytes each
CHUNK = 8 << 20  # bytes read at a time by the structural pass of a file read by path


def read_table(path: str | Path, sheet: str | None = None, header_hint: HeaderHint | None = None) -> Table:
    """Read a CSV or XLSX file into a Table (InputError if it cannot be opened at all).

    `header_hint` tells a header row from a title line above it (BK015); without it line 1 is the header.
    """
    p = Path(path)
    head = _read_head(p)
    if not head.startswith(ZIP):  # not a workbook: no copy of the whole file (see _streamed)
        if sheet:
            raise InputError(f"{p}: --sheet applies to XLSX files only")
        streamed = _streamed(str(p), p, head, header_hint)
        if streamed is not None:
            return streamed
    raw = read_input(p)
    if reads_as_workbook(p, raw):
        return _repeated_header(table_from_rows(str(p), read_xlsx_rows(p, raw, sheet), header_hint))
    if sheet:
        raise InputError(f"{p}: --sheet applies to XLSX files only")
    return read_csv_bytes(str(p), raw, header_hint)


def _read_head(p: Path) -> bytes:
    """The first HEAD_BYTES of a file (InputError as read_input gives it)."""
    return read_input(p, HEAD_BYTES)


def _streamed(path: str, p: Path, head: bytes, header_hint: HeaderHint | None) -> Table | None:
    """read_csv_bytes of a well-formed UTF-8 CSV file without its bytes in memory: the header from its first
    bytes, the structural facts (line breaks, NUL bytes, quotes, UTF-8) in one pass of chunks through one
    buffer, and the records read by pyarrow from the path, block by block. The same Table and findings as
    read_csv_bytes gives; None for anything else (binary, another encoding, title lines, quoting damage, a
    ragged row, lone CRs, mixed line endings, ...), which read_csv_bytes then reads whole and reports."""
    binary = not_text(head)
    if binary is not None:
        return _empty(path, [binary])
    bom = head.startswith(BOM)
    at = len(BOM) if bom else 0
    breaks = [i for i in (head.find(b"\n", at), head.find(b"\r", at)) if i >= 0]
    size = p.stat().st_size
    if not breaks or b"\x00" in head:
        return None  # one line only, a header longer than HEAD_BYTES, or NUL bytes (maybe UTF-16): read whole
    end = min(breaks)
    if end + 1 >= len(head) and len(head) < size:
        return None  # a CR last in the head: whether a LF follows is not known here
    window = head[at:]
    try:
        text = codecs.getincrementaldecoder("utf-8")("strict").decode(window, final=len(head) >= size)
    except UnicodeDecodeError:
        return None
    if len(text) < max(HEADER_WINDOW, end - at + 1) and len(head) < size:
        return None
    header, delim, header_found, header_lines = parse_header(text)
    if header is None or header_lines != 1:
        return None
    if header_hint and not header_found and _title_lines(text, header, delim, header_hint):
        return None
    start = end + (2 if head[end:end + 2] == b"\r\n" else 1)
    facts = _facts(p, at, start, delim)
    if facts is None:
        return None
    lines, quotes = facts
    import pyarrow as pa

    with pa.OSFile(str(p), "r") as source:  # a file, not a path: pyarrow would unpack a file named .gz or .bz2
        table = arrow_records(source, header, delim, quotes, lines)
    if table is None:
        return None
    table.path, table.findings = path, ([bom_finding()] if bom else []) + header_found + table.findings
    return _repeated_header(table)


def _facts(p: Path, at: int, start: int, delim: str) -> tuple[int, bool] | None:
    """(physical lines, any quote) of the file from byte `at`, in one pass of CHUNK-sized reads into one buffer;
    None when the fast read does not apply: not UTF-8, a NUL byte, lone CRs, CRLF and LF mixed (BK016), or a
    quote that does not open or close a cell from byte `start` on (see quotes.well_formed)."""
    check = QuoteCheck(delim, start)
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    buffer = bytearray(CHUNK)
    lf = cr = crlf = 0
    quotes, last, offset = False, b"", at
    with p.open("rb") as f:
        f.seek(at)
        while True:
            n = f.readinto(buffer)
            if not n:
                break
            chunk = buffer if n == len(buffer) else buffer[:n]
            if chunk.find(b"\x00") >= 0:
                return None
            try:
                if not chunk.isascii() or decoder.getstate()[0]:
                    decoder.decode(chunk)
            except UnicodeDecodeError:
                return None
            lf += chunk.count(b"\n")
            if chunk.find(b"\r") >= 0 or last == b"\r":
                cr += chunk.count(b"\r")
                crlf += chunk.count(b"\r\n") + (1 if last == b"\r" and chunk[:1] == b"\n" else 0)
            quotes = quotes or chunk.find(b'"') >= 0
            check.feed(chunk, offset)
            offset += n
            last = bytes(chunk[-1:])
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return None
    if cr != crlf or (crlf and lf - crlf) or not check.done():
        return None
    return lf + (1 if offset > at and last != b"\n" else 0), quotes


def read_input(path: str | Path, limit: int = -1) -> bytes:
    """A file's bytes, its first `limit` only when given (InputError with one line if it cannot be read: missing,
    a folder, a loop, ...)."""
    p = Path(path)
    problem = file_problem(p)
    if problem:
        raise InputError(f"{p}: {problem}")
    try:
        with p.open("rb") as f:
            return f.read(limit)
    except FileNotFoundError:
        raise InputError(f"{p}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{p}: is a directory, not a file") from None
    except OSError as exc:
        raise InputError(f"{p}: cannot read ({exc.strerror or exc})") from None


def read_csv_bytes(path: str, raw: bytes, header_hint: HeaderHint | None = None) -> Table:
    """Structural pass and records of a CSV file's bytes."""
    binary = not_text(raw)
    if binary is not None:
        return _empty(path, [binary])
    text: str | None = None
    found: list[Finding] = []
    if raw.isascii() and b"\x00" not in raw[:4096]:  # plain ASCII is UTF-8 without a BOM: only the header window needs text
        end = min(p for p in (raw.find(b"\n"), raw.find(b"\r"), len(raw)) if p >= 0)
        head = raw[:max(HEADER_WINDOW, end + 1)].decode("ascii")  # a header line longer than the window is read whole
    else:
        text, found = decode(raw, path)
        head = text
    clean = not any(f.code == "BK001" for f in found)
    payload = raw[len(BOM):] if raw.startswith(BOM) else raw
    utf8 = payload if clean or text is None else text.encode("utf-8")
    header, delim, header_found, header_lines = parse_header(head)
    if header is None:
        return _empty(path, found + header_found)
    title = _title_lines(head, header, delim, header_hint) if header_hint and not header_found else 0
    if title:
        return _below_title(path, utf8, title, found)
    table = _records(utf8, text if text is not None else None, header, delim, header_lines)
    table.path, table.findings = path, found + header_found + table.findings
    return _repeated_header(table)


def _records(utf8: bytes, text: str | None, header: list[str], delim: str, header_lines: int) -> Table:
    """The records after the header: pyarrow when every record is one clean line, else the csv module."""
    damage = scan(utf8, delim, _line_start(utf8, header_lines + 1), header_lines + 1)
    fast = None if damage else fast_records(utf8, header, delim, header_lines)
    if fast is not None:
        fast.findings += line_endings(utf8, None)
        return fast
    by_line: dict[int, list[Damage]] = {}
    for d in damage:
        by_line.setdefault(d.line, []).append(d)
    table, ends = slow_records(utf8.decode("utf-8", errors="replace") if text is None else text, header, delim,
                              header_lines, by_line)
    table.findings += line_endings(utf8, ends)
    return table


def _line_start(data: bytes, line: int) -> int:
    """The byte offset where physical line `line` starts (lines end with CRLF, LF or CR)."""
    pos = 0
    for _ in range(line - 1):
        nl, cr = data.find(b"\n", pos), data.find(b"\r", pos)
        ends = [p for p in (nl, cr) if p >= 0]
        if not ends:
            return len(data)
        first = min(ends)
        pos = first + (2 if data[first:first + 2] == b"\r\n" else 1)
    return pos


def _empty(path: str, found: list[Finding]) -> Table:
    return Table(path, [], pd.DataFrame(), np.empty(0, int), np.empty(0, int), found)


def _title_lines(head: str, header: list[str], delim: str, hint: HeaderHint) -> int:
    """How many records stand above the real header (0 when line 1 is the header, or none looks like one)."""
    if hint(header):
        return 0
    reader = csv.reader(io.StringIO(head[:HEADER_WINDOW], newline=""), delimiter=delim)
    try:
        for above, record in enumerate(reader):
            if above >= TITLE_LINES:
                return 0
            if above and hint(record):
                return above
    except csv.Error:
        return 0
    return 0


def _below_title(path: str, utf8: bytes, title: int, found: list[Finding]) -> Table:
    """Read the file as if its header were the line below the `title` title records (BK015), keeping
    the rows and lines a spreadsheet shows."""
    text = utf8.decode("utf-8", errors="replace")
    reader = csv.reader(io.StringIO(text[:HEADER_WINDOW], newline=""))
    lines_above = 0
    firsts = []
    for _ in range(title):
        firsts.append(",".join(next(reader)))
        lines_above = reader.line_num
    table = read_csv_bytes(path, utf8[_line_start(utf8, lines_above + 1):])
    table.rows, table.lines = table.rows + title, table.lines + lines_above
    table.header_line += lines_above
    note = finding("BK015", f"the header is at line {lines_above + 1}, with {title} line{'s' if title > 1 else ''} above "
                   f"it ({firsts[0][:60]!r}): delete {'them' if title > 1 else 'it'}, impact.com reads line 1 as the "
                   "header; the rows below were checked as if it were", row=title + 1, line=lines_above + 1,
                   value=firsts[0][:80])
    table.findings = found + [note] + [_shifted(f, title, lines_above) for f in table.findings]
    return table


def _shifted(f: Finding, rows: int, lines: int) -> Finding:
    return replace(f, row=None if f.row is None else f.row + rows, line=None if f.line is None else f.line + lines)


def _repeated_header(table: Table) -> Table:
    """BK017 for every record that repeats the header row (two exports joined); such records are left out."""
    data = table.data
    names = [table.header[c].strip().casefold() if c < len(table.header) else "" for c in data.columns]
    if data.empty or not names[0]:
        return table
    candidates = _candidates(data[data.columns[0]], table.header[data.columns[0]].strip())
    if len(candidates) == 0:
        return table
    rows = data.iloc[candidates]
    same = np.ones(len(candidates), dtype=bool)
    for col, name in zip(data.columns, names):
        same &= (rows[col].str.strip().str.casefold() == name).to_numpy(dtype=bool)
    repeats = candidates[same]
    if len(repeats) == 0:
        return table
    for i in repeats:
        table.findings.append(finding("BK017", f"the header row repeats at line {int(table.lines[i])}: two files were "
                                      "joined; delete the repeated header (and check that no rows are doubled)",
                                      row=int(table.rows[i]), line=int(table.lines[i])))
    keep = np.ones(len(data), dtype=bool)
    keep[repeats] = False
    table.data = data[keep].reset_index(drop=True)
    table.rows, table.lines = table.rows[keep], table.lines[keep]
    return table


def _candidates(column: pd.Series, name: str) -> np.ndarray:
    """Positions of cells that may equal `name` once trimmed and casefolded: as long as it in bytes or
    padded with a space, and containing it in any case (Arrow kernels: no Python per cell)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    cells = column.array.__arrow_array__() if hasattr(column.array, "__arrow_array__") else pa.array(column.astype(str))
    near = pc.or_(pc.equal(pc.binary_length(cells), len(name.encode())),
                  pc.or_(pc.starts_with(cells, " "), pc.ends_with(cells, " ")))
    first = np.flatnonzero(np.asarray(near.to_numpy(zero_copy_only=False), dtype=bool))
    if len(first) == 0:
        return first
    hit = pc.match_substring(cells.take(pa.array(first)), name, ignore_case=True)
    return first[np.asarray(hit.to_numpy(zero_copy_only=False), dtype=bool)]
