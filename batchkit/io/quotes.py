"""Quoting damage that a lenient CSV reader repairs silently (BK012, BK013).

Python's csv module, pyarrow and spreadsheets all read `"ORD-1"x` as `ORD-1x`, keep the quote of
`ITEM"_RETURNED`, and let a quote that never closes swallow the rest of the file into one cell. So
before any reading, the bytes are checked: a vectorized pass over the quote characters proves a file
well-formed (every opening quote starts a cell, every closing quote ends one; `""` is an escaped
quote), streaming in chunks so no copy of the file is made. Only a file that fails it is walked
record by record to say which cells are damaged; the records are delimited exactly as the csv
module delimits them, so findings land on the rows it reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

QUOTE = 0x22
CHUNK = 1 << 22  # bytes looked at per vectorized step


@dataclass(frozen=True)
class Damage:
    """One damaged cell: BK012 (text after a closing quote, a quote inside an unquoted cell) or
    BK013 (a quoted cell that does not close where it should and swallows lines)."""

    code: str
    line: int  # physical line where the record starts (as the csv module counts lines)
    cell: int  # 0-based position of the cell in its record
    raw: str  # the cell as written (cut at 80 characters)
    opened: int = 0  # BK013: the line where the quoted cell opens
    closes: int | None = None  # BK013: the line where a later quote closes it (None: never)
    swallowed: int = 0  # BK013: lines swallowed into the cell


def well_formed(data: bytes, delimiter: str, start: int = 0) -> bool:
    """True when every quote of `data[start:]` opens or closes a cell or escapes a quote (no damage possible).

    Quotes alternate, open, close, open...: an opening quote must follow a delimiter, a line break, a
    quote (the second of an escaped "") or the start; a closing one must precede one of those or the end.
    """
    if data.find(b'"', start) < 0:
        return True
    arr = np.frombuffer(data, dtype=np.uint8)[start:]  # a view: no copy of the file
    fine = np.zeros(256, dtype=bool)
    fine[[ord(delimiter), 0x0A, 0x0D, QUOTE]] = True  # what may stand before an opening / after a closing quote
    seen = 0
    for at in range(0, len(arr), CHUNK):
        quotes = np.flatnonzero(arr[at:at + CHUNK] == QUOTE) + at
        opening, closing = quotes[seen % 2::2], quotes[1 - seen % 2::2]
        seen += len(quotes)
        if not fine[arr[opening[opening > 0] - 1]].all() or not fine[arr[closing[closing < len(arr) - 1] + 1]].all():
            return False
    return seen % 2 == 0


class QuoteCheck:
    """well_formed over a file fed in chunks (the same verdict as well_formed on the whole of it from `start`).

    Each quote is judged by the byte before it (an opening one) or after it (a closing one); the byte
    after a closing quote at the end of a chunk is looked at when the next chunk comes.
    """

    def __init__(self, delimiter: str, start: int) -> None:
        self.fine = np.zeros(256, dtype=bool)
        self.fine[[ord(delimiter), 0x0A, 0x0D, QUOTE]] = True
        self.start, self.seen, self.ok = start, 0, True
        self.last = -1  # the previous chunk's last byte (-1: none yet)
        self.pending = False  # that byte is a closing quote whose next byte is still to be seen

    def feed(self, chunk: bytes | bytearray, at: int) -> None:
        """The bytes from file offset `at` (chunks come in order, without gaps)."""
        if not self.ok:
            return
        skip = max(0, self.start - at)
        if skip >= len(chunk):
            return
        if self.pending and skip == 0:
            self.ok = bool(self.fine[chunk[0]])
            self.pending = False
        if chunk.find(b'"', skip) >= 0:
            arr = np.frombuffer(chunk, dtype=np.uint8)
            quotes = np.flatnonzero(arr[skip:] == QUOTE) + skip
            opening, closing = quotes[self.seen % 2::2], quotes[1 - self.seen % 2::2]
            self.seen += len(quotes)
            first = at + skip == self.start  # the first byte looked at has no byte before it that counts
            before = opening[opening > skip] - 1
            if len(opening) and opening[0] == skip and not first and not self.fine[self.last]:
                self.ok = False  # an opening quote first in this chunk: the byte before it ended the last one
            inner = closing[closing < len(arr) - 1] + 1
            if not self.fine[arr[before]].all() or not self.fine[arr[inner]].all():
                self.ok = False
            if len(closing) and closing[-1] == len(arr) - 1:
                self.pending = True
        self.last = chunk[-1]

    def done(self) -> bool:
        """The verdict once every chunk was fed (a closing quote that ends the file is fine)."""
        return self.ok and self.seen % 2 == 0


def _patterns(delimiter: str) -> tuple[re.Pattern[bytes], re.Pattern[bytes]]:
    d = re.escape(delimiter.encode())
    field = rb'(?:"(?:[^"]|"")*+"|[^"' + d + rb'\r\n]*+)'
    records = re.compile(rb"(?:" + field + rb"(?:" + d + field + rb")*+(?:\r\n|\n|\r))*+")
    return records, re.compile(rb"[" + d + rb"\r\n]")


class _Lines:
    """Line numbers of byte offsets, counted as the csv module counts them (\\r\\n, \\r and \\n end a line)."""

    def __init__(self, data: bytes, start_line: int, start: int) -> None:
        self.data, self.pos, self.line = data, start, start_line

    def at(self, pos: int) -> int:
        if pos > self.pos:
            self.line += self.between(self.pos, pos)
            self.pos = pos
        return self.line

    def between(self, a: int, b: int) -> int:
        """Line breaks in data[a:b] (counted in place: no slice is copied)."""
        data = self.data
        return data.count(b"\n", a, b) + data.count(b"\r", a, b) - data.count(b"\r\n", a, b)


def scan(data: bytes, delimiter: str, start: int, start_line: int, limit: int = 100_000) -> list[Damage]:
    """The damaged cells of the records from byte `start` (which begins line `start_line`)."""
    if well_formed(data, delimiter, start):
        return []
    records, boundary = _patterns(delimiter)
    lines = _Lines(data, start_line, start)
    found: list[Damage] = []
    pos = start
    while pos < len(data) and len(found) < limit:
        skipped = records.match(data, pos)  # always matches (possibly nothing)
        pos = skipped.end() if skipped else pos
        if pos >= len(data):
            break
        pos = _record(data, pos, delimiter.encode(), boundary, lines, found)
    return found


def _record(data: bytes, pos: int, d: bytes, boundary: re.Pattern[bytes], lines: _Lines, found: list[Damage]) -> int:
    """Walk one record from `pos` as the csv module reads it; note its damaged cells; return where it ends."""
    line, cell = lines.at(pos), 0
    while True:
        if pos < len(data) and data[pos] == QUOTE:
            pos = _quoted(data, pos, boundary, lines, line, cell, found)
        else:
            end = _until(data, pos, boundary)
            if b'"' in data[pos:end]:
                found.append(Damage("BK012", line, cell, _text(data[pos:end])))
            pos = end
        if pos >= len(data):
            return pos
        if data[pos:pos + 1] == d:
            pos, cell = pos + 1, cell + 1
            continue
        return pos + 2 if data[pos:pos + 2] == b"\r\n" else pos + 1


def _quoted(data: bytes, pos: int, boundary: re.Pattern[bytes], lines: _Lines, line: int, cell: int,
            found: list[Damage]) -> int:
    """A cell that opens with a quote at `pos`: where it ends, noting BK012/BK013."""
    opened, at = lines.at(pos), pos + 1
    while True:
        close = data.find(b'"', at)
        if close < 0:  # never closed: the rest of the file is this cell
            rest = lines.between(pos, len(data)) - (1 if data.endswith((b"\n", b"\r")) else 0)
            found.append(Damage("BK013", line, cell, _text(data[pos:]), opened, None, rest))
            return len(data)
        if data[close + 1:close + 2] != b'"':
            break
        at = close + 2
    after = close + 1
    if after >= len(data) or boundary.match(data, after):
        return after
    end = _until(data, after, boundary)
    spanned = lines.between(pos, close)
    if spanned:  # a later cell's quote closed it: the lines between were swallowed
        found.append(Damage("BK013", line, cell, _text(data[pos:end]), opened, opened + spanned, spanned))
    else:
        found.append(Damage("BK012", line, cell, _text(data[pos:end])))
    return end


def _until(data: bytes, pos: int, boundary: re.Pattern[bytes]) -> int:
    hit = boundary.search(data, pos)
    return hit.start() if hit else len(data)


def _text(raw: bytes) -> str:
    return raw[:240].decode("utf-8", errors="replace")[:80]
