"""One copy of the data (issue 26): a CSV read by path is parsed by pyarrow from the file in blocks, its structural
facts (line breaks, NUL bytes, quotes, UTF-8) gathered in chunks, never the whole file as one bytes object. The
Table and findings must be exactly those of reading the whole bytes (read_csv_bytes), whatever falls on a chunk
boundary; the chunked quote check must agree with the whole-file one; the duplicate mask by sorting must be
pandas' duplicated(keep=False)."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import batchkit.io.read as read_module
from batchkit.io.quotes import QuoteCheck, well_formed
from batchkit.io.read import read_csv_bytes, read_table
from batchkit.io.table import Table
from batchkit.validation.rules.rows import shared

HEADER = b"ActionId,OrderId,ActionTrackerId,Amount,Reason"
ROWS = [b"1000.4636.1,ORD-1,2240,5.00,ITEM_RETURNED", b'1000.4636.2,"ORD,2",2240,0,ITEM_RETURNED',
        b"1000.4636.3,ORD-3,,0,ITEM_RETURNED", "1000.4636.4,ORD-\u00e9\u20ac4,2240,1.50,ORDER_UPDATE".encode(),
        b",ORD-5,2240,$5,item_returned", b"", b"   ", b"1000.4636.6,ORD-6,2240", b'1000.4636.7,"ORD ""7""",2240,0,X',
        b"1000.4636.1,ORD-1,2240,5.00,ITEM_RETURNED"]
WELL = [r for r in ROWS if r.count(b",") >= 4]  # no blank or ragged row: those are read whole (pyarrow refuses them)


def _same(a: Table, b: Table) -> None:
    assert (a.path, a.header, a.delimiter, a.header_line, a.records) == (b.path, b.header, b.delimiter,
                                                                         b.header_line, b.records)
    assert a.findings == b.findings
    assert a.rows.tolist() == b.rows.tolist() and a.lines.tolist() == b.lines.tolist()
    assert a.data.astype(object).values.tolist() == b.data.astype(object).values.tolist()


def _both(path: Path, streamed_expected: bool | None = None) -> None:
    whole = read_csv_bytes(str(path), path.read_bytes())
    calls: list[bool] = []
    real = read_module._streamed

    def spy(*args: object) -> Table | None:
        got = real(*args)  # type: ignore[arg-type]
        calls.append(got is not None)
        return got

    read_module._streamed = spy  # type: ignore[assignment]
    try:
        table = read_table(path)
    finally:
        read_module._streamed = real
    _same(table, whole)
    if streamed_expected is not None:
        assert calls == [streamed_expected]


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks of 7 bytes: every structure of the samples meets a chunk boundary somewhere."""
    monkeypatch.setattr(read_module, "CHUNK", 7)


@pytest.mark.parametrize("end", [b"\n", b"\r\n"])
@pytest.mark.parametrize("last_break", [True, False])
def test_a_well_formed_file_is_streamed_and_reads_as_its_bytes(tmp_path: Path, small_chunks: None, end: bytes,
                                                               last_break: bool) -> None:
    body = end.join([HEADER, *WELL]) + (end if last_break else b"")
    path = tmp_path / "acme_order-reversals.csv"
    path.write_bytes(body)
    _both(path, streamed_expected=True)
    path.write_bytes(b"\xef\xbb\xbf" + body)  # a BOM: BK002 first, as the whole read says it
    _both(path, streamed_expected=True)


@pytest.mark.parametrize("body", [
    HEADER + b"\n" + b"\n".join(ROWS).replace(b"ORD-3", b"ORD\xff3"),  # not UTF-8 (Windows-1252)
    HEADER + b"\r\n" + b"\n".join(ROWS),  # CRLF and LF mixed (BK016)
    HEADER + b"\r" + b"\r".join(ROWS),  # lone CRs
    HEADER + b"\n" + b"\n".join(ROWS) + b'\n1000.4636.8,"ORD\n8",2240,0,X\n',  # a cell across lines
    HEADER + b"\n" + b"\n".join(ROWS) + b'\n1000.4636.9,OR"D9,2240,0,X\n',  # a stray quote
    b"Returns export\n\n" + HEADER + b"\n" + b"\n".join(ROWS),  # a title line
    HEADER + b"\n" + b"\n".join(ROWS) + b"\n1000.4636.10,ORD\x0010,2240,0,X\n",  # a NUL byte
    HEADER,  # a header only
    "ActionId;OrderId;Amount\n1;\u00d62;1,50\n".encode("utf-16"),  # UTF-16
    b"%PDF-1.7\n" + b"x" * 100,  # not a table
])
def test_anything_else_reads_as_the_whole_bytes_say(tmp_path: Path, small_chunks: None, body: bytes) -> None:
    path = tmp_path / "acme_order-reversals.csv"
    path.write_bytes(body)
    _both(path)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(ROWS + [b'"', b'""', b",", b"\xc3\xa9", b"\xe2\x82\xac"]), max_size=25),
       st.sampled_from([b"\n", b"\r\n"]), st.integers(min_value=1, max_value=40))
def test_random_files_read_alike_streamed_or_whole(rows: list[bytes], end: bytes, chunk: int) -> None:
    folder = Path(__import__("tempfile").mkdtemp(dir="/tmp"))
    path = folder / "acme_order-reversals.csv"
    path.write_bytes(end.join([HEADER, *rows]) + end)
    old = read_module.CHUNK
    read_module.CHUNK = chunk
    try:
        _both(path)
    finally:
        read_module.CHUNK = old
        path.unlink()
        folder.rmdir()


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=60).map(lambda b: bytes(b'a",\n\r'[x % 5] for x in b)), st.integers(0, 5),
       st.integers(1, 13))
def test_the_quote_check_in_chunks_agrees_with_the_whole(data: bytes, start: int, size: int) -> None:
    start = min(start, len(data))
    check = QuoteCheck(",", start)
    for at in range(0, len(data), size):
        check.feed(data[at:at + size], at)
    assert check.done() == well_formed(data, ",", start)


@pytest.mark.parametrize("distinct", [1, 3, 1000, 100_000, 10**12])
def test_the_sorted_duplicate_mask_is_pandas_duplicated(distinct: int) -> None:
    rng = np.random.default_rng(distinct)
    hashes = rng.integers(0, distinct, size=200_000, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    expected = pd.Series(hashes).duplicated(keep=False).to_numpy()
    assert (shared(hashes) == expected).all()
    assert shared(hashes[:1]).tolist() == [False] and shared(hashes[:0]).tolist() == []


def test_random_small_duplicate_masks() -> None:
    rnd = random.Random(26)
    for _ in range(300):
        values = np.array([rnd.randrange(2**64) if rnd.random() < 0.5 else rnd.randrange(4)
                           for _ in range(rnd.randrange(0, 30))], dtype=np.uint64)
        assert shared(values).tolist() == pd.Series(values).duplicated(keep=False).tolist()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(WELL), min_size=1, max_size=12), st.sampled_from([b"\n", b"\r\n"]),
       st.integers(min_value=1, max_value=64), st.booleans())
def test_well_formed_files_are_streamed_at_every_chunk_size(rows: list[bytes], end: bytes, chunk: int,
                                                            bom: bool) -> None:
    folder = Path(__import__("tempfile").mkdtemp(dir="/tmp"))
    path = folder / "acme_order-reversals.csv"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + end.join([HEADER, *rows]) + end)
    old = read_module.CHUNK
    read_module.CHUNK = chunk
    try:
        _both(path, streamed_expected=True)
    finally:
        read_module.CHUNK = old
        path.unlink()
        folder.rmdir()
