"""CSV text -> header and records: the header record (and its delimiter), then the records read by
pyarrow (every record one physical line) or by the csv module (multi-line cells, ragged rows, lone
CRs), each with the spreadsheet row and the line where it starts.
"""

from __future__ import annotations

import csv
import io
import re

import numpy as np
import pandas as pd

from batchkit.core.findings import Finding, finding
from batchkit.io.quotes import Damage
from batchkit.io.table import Table

HEADER_WINDOW = 1 << 20  # characters read to find the header record
CELL_LIMIT = 16 << 20  # characters one cell may hold (Shopify's Note Attributes pass 128 KiB, the csv default)
csv.field_size_limit(CELL_LIMIT)


def parse_header(text: str) -> tuple[list[str] | None, str, list[Finding], int]:
    """The header record, the delimiter to use, findings, and the header's physical line count."""
    reader = csv.reader(io.StringIO(text[:max(HEADER_WINDOW, _first_line_end(text))], newline=""))
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
                             "(`batchkit fix FILE -o OUT.csv` rewrites it with commas; Excel's 'CSV UTF-8 (Comma delimited)' still "
                             "writes ';' where the Windows list separator is ';' (most European locales))", row=1, line=1, value=cell[:80])]
            header, lines = _reparse_header(text, delim)
            return header, delim, found, lines
    return header, ",", [], reader.line_num


def _first_line_end(text: str) -> int:
    """Where the first physical line ends (a header longer than HEADER_WINDOW is still read whole)."""
    return min(p for p in (text.find("\n"), text.find("\r"), len(text)) if p >= 0) + 1


def _reparse_header(text: str, delim: str) -> tuple[list[str], int]:
    reader = csv.reader(io.StringIO(text[:max(HEADER_WINDOW, _first_line_end(text))], newline=""), delimiter=delim)
    return next(reader, [""]), reader.line_num


def _physical_lines(data: bytes) -> int | None:
    """Number of physical lines, or None when lone CRs make the count ambiguous."""
    if b"\r" in data:
        crs = data.count(b"\r")
        if crs != data.count(b"\r\n"):
            return None
    n = data.count(b"\n")
    return n + (1 if data and not data.endswith(b"\n") else 0)


def fast_records(data: bytes, header: list[str], delim: str, header_lines: int) -> Table | None:
    """pyarrow read when every record is exactly one physical line; None otherwise.

    A ragged row makes pyarrow raise, which sends the file to the slow path (which reports it).
    Without any quote character no value can hold a line break, so pyarrow may skip tracking them.
    """
    import pyarrow as pa

    if header_lines != 1 or b"\x00" in data:
        return None
    lines = _physical_lines(data)
    if lines is None:
        return None
    return arrow_records(pa.BufferReader(data),  # no copy, and no Python-level reads while pyarrow parses
                         header, delim, b'"' in data, lines)


def arrow_records(source: object, header: list[str], delim: str, quotes: bool, lines: int) -> Table | None:
    """The records of a file of `lines` physical lines, one record a line, read by pyarrow from `source` (a path,
    read in blocks, or a buffer) and handed to pandas without a copy (Arrow-backed text columns); None when
    pyarrow disagrees (a ragged row, a cell it reads across lines)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    names = [str(i) for i in range(len(header))]
    try:
        tbl = pacsv.read_csv(
            source,
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=1 << 22),
            parse_options=pacsv.ParseOptions(delimiter=delim, newlines_in_values=quotes, ignore_empty_lines=False),
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
    frame = tbl.to_pandas(self_destruct=True)  # columns handed over, not copied; the table is not used again
    del tbl
    frame.columns = range(len(header))
    positions = np.arange(2, len(frame) + 2)
    table = Table("", header, frame, positions, positions.copy(), delimiter=delim, records=len(frame))
    return _drop_blank(table, blank) if blank.any() else table


def slow_records(text: str, header: list[str], delim: str, header_lines: int,
                 damaged: dict[int, list[Damage]] | None = None) -> tuple[Table, list[int]]:
    """Pure-Python read that knows where each record starts; reports ragged and blank rows, and the
    damaged records of `damaged` (by start line), which are left out. Also returns where each record ends."""
    width, damaged = len(header), damaged or {}
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    found: list[Finding] = []
    kept: list[list[str]] = []
    rows: list[int] = []
    lines: list[int] = []
    ends = [header_lines]
    prev, ordinal = header_lines, 1
    try:
        next(reader)
        for record in reader:
            ordinal += 1
            start, prev = prev + 1, reader.line_num
            ends.append(prev)
            if start in damaged:
                found += [damage_finding(d, ordinal, header) for d in damaged[start]]
            elif not any(c.strip() for c in record):
                found.append(finding("BK010", "blank row: delete it", row=ordinal, line=start))
            elif len(record) != width:
                found.append(ragged(record, width, ordinal, start))
            else:
                kept.append(record)
                rows.append(ordinal)
                lines.append(start)
    except csv.Error as exc:
        why = (f"a cell there holds more than {CELL_LIMIT >> 20} MiB, the most batchkit reads in one cell"
               if "field larger than field limit" in str(exc) else f"it cannot be parsed as CSV ({exc})")
        found.append(finding("BK009", f"the rest of the file from line {prev + 1} is not read: {why}",
                             row=ordinal + 1, line=prev + 1))
    data = pd.DataFrame(kept, columns=range(width), dtype="str") if kept else pd.DataFrame(columns=range(width), dtype="str")
    table = Table("", header, data, np.array(rows, dtype=int), np.array(lines, dtype=int), found, delim,
                  header_lines, records=ordinal - 1)
    return table, ends


def damage_finding(d: Damage, row: int, header: list[str]) -> Finding:
    """The BK012/BK013 finding of a damaged cell of the record at spreadsheet row `row`."""
    column = header[d.cell] if d.cell < len(header) else None
    if d.code == "BK012":
        what = "has text after its closing quote" if d.raw.startswith('"') else "has a quote inside an unquoted cell"
        lenient = next(csv.reader([d.raw]), [""])[0] if "\n" not in d.raw else d.raw
        return finding("BK012", f"cell {d.raw!r} {what}: a spreadsheet reads it as {lenient!r}, impact.com may read it "
                       'differently or reject the row; quote the whole cell ("...", with "" for a quote inside it) or '
                       "remove the quotes", row=row, line=d.line, column=column, value=d.raw)
    if d.closes is None:
        where = f"runs to the end of the file and swallows {d.swallowed:,} line{'' if d.swallowed == 1 else 's'}"
    else:
        where = (f"runs to line {d.closes}, where a later quote closes it, and swallows {d.swallowed:,} "
                 f"line{'' if d.swallowed == 1 else 's'}")
    return finding("BK013", f"the quoted cell opening at line {d.opened} is never closed: it {where} (the rows "
                   "in them are not checked); close the quote where the cell ends", row=row, line=d.line,
                   column=column, value=d.raw)


def line_endings(data: bytes, ends: list[int] | None) -> list[Finding]:
    """BK016 when records end with both CRLF and LF (`ends`: the lines that end records; None: every line)."""
    if data.find(b"\r") < 0:  # LF only: one memchr
        return []
    crlf = data.count(b"\r\n")
    lf = data.count(b"\n") - crlf
    if not crlf or not lf or data.count(b"\r") != crlf:
        return []
    if ends is not None:
        breaks = [m.group() == b"\r\n" for m in re.finditer(rb"\r?\n", data)]
        kinds = [breaks[n - 1] for n in ends if 0 < n <= len(breaks)]
        crlf, lf = sum(kinds), len(kinds) - sum(kinds)
        if not crlf or not lf:
            return []
        first = next(n for n in ends if 0 < n <= len(breaks) and breaks[n - 1] == (crlf < lf))
    else:
        minority = re.search(rb"\r\n" if crlf < lf else rb"(?<!\r)\n", data)
        first = data.count(b"\n", 0, minority.start() if minority else 0) + 1
    name = "CRLF" if crlf < lf else "LF"
    return [finding("BK016", f"{crlf:,} lines end with CRLF (Windows) and {lf:,} with LF (Unix), the first {name} at "
                    f"line {first}: often two files pasted together; check that no rows were pasted twice or cut",
                    line=first)]


def ragged(record: list[str], width: int, row: int, line: int, cells: int | None = None) -> Finding:
    count = len(record) if cells is None else cells
    if count == 1 and width > 1 and len(record) == 1 and record[0].count(",") == width - 1:
        return finding("BK009", f"the whole record is one quoted cell holding the header's {width} cells: the line "
                       "was saved with quotes around it (every line of such a file usually is); remove the quotes "
                       "around each line, or open the file in a spreadsheet's text import and save it again",
                       row=row, line=line, value=record[0][:80])
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
