"""Findings do not move when the reader or the duplicate detection changes (issue 26).

Small generated files with every kind of damage the reader and the across-row checks handle (exact and
near duplicates, same action twice, repeated Skus, ragged and blank rows, quoting damage, other encodings,
mixed line endings, a repeated header, title lines, long ids, a batch with conflicts across files) are
validated as `batchkit validate FILE --format json --max-samples 0` prints them, and the output is
compared byte for byte (by its SHA-256) with what the code gave before the change. A new rule, message
or a deliberate change of a finding updates EXPECTED: run this file as a script to print the new table.
"""

from __future__ import annotations

import csv
import hashlib
import io
import random
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import generate  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
ORDER = "ActionId,OrderId,ActionTrackerId,Amount,CurrencyCode,CustomerStatus,Reason"


def _csv(rows: list[list[str]], end: str = "\n") -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator=end).writerows(rows)
    return out.getvalue()


def _order_rows(path: Path, rows: int, bad: float, seed: int) -> list[list[str]]:
    generate.write_order_modification(path, rows, bad_fraction=bad, seed=seed)
    return list(csv.reader(path.read_text(encoding="utf-8").splitlines()))


def _with_duplicates(rows: list[list[str]], rng: random.Random, n: int) -> list[list[str]]:
    """Exact copies, same action with another amount, ids padded with spaces, all interleaved."""
    body = rows[1:]
    extra = []
    for _ in range(n):
        r = list(rng.choice(body))
        how = rng.randrange(4)
        if how == 1:
            r[3] = "1.23"
        elif how == 2:
            r[0] = f" {r[0]} " if r[0] else r[0]
            r[1] = f"{r[1]} " if r[1] else r[1]
        elif how == 3:
            r[0] = ""  # same order + tracker, no ActionId
        extra.append(r)
    for r in extra:
        body.insert(rng.randrange(len(body) + 1), r)
    return [rows[0], *body]


def write_cases(folder: Path) -> list[Path]:
    """The case files (deterministic), written into `folder`; the batch cases share one name stem."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(26)
    cases: dict[str, bytes] = {}
    scratch = folder / "_scratch.csv"

    base = _order_rows(scratch, 3000, 0.03, seed=7)
    dups = _with_duplicates(base, rng, 300)
    cases["dup_order-modifications.csv"] = _csv(dups).encode()
    reversal = [["ActionId", "OrderId", "ActionTrackerId", "Amount", "Reason"]]
    reversal += [[r[0], r[1], r[2], "0", "CONS_FRAUD"] for r in rng.sample(dups[1:], 200)]
    reversal += [list(reversal[rng.randrange(1, len(reversal))]) for _ in range(40)]
    cases["dup_order-reversals.csv"] = _csv(reversal).encode()
    long_ids = [dups[0]] + [[("A" * 70 + r[0]) if r[0] else r[0], *r[1:]] for r in dups[1:600]]
    cases["long_ids_order-modifications.csv"] = _csv(long_ids).encode()

    generate.write_item_modification(scratch, 800, items_per_order=3, bad_fraction=0.04, seed=11)
    items = list(csv.reader(scratch.read_text(encoding="utf-8").splitlines()))
    for r in rng.sample(items[1:], 60):  # a Sku repeated in another group of the row, or emptied
        if rng.random() < 0.7:
            r[8] = r[3]
        else:
            r[3] = ""
    items += [list(rng.choice(items[1:])) for _ in range(50)]
    cases["dup_item-modifications.csv"] = _csv(items).encode()
    item_rev = [["ActionId", "OrderId", "ActionTrackerId", "Sku", "Amount", "Quantity", "Reason"]]
    item_rev += [[r[0], r[1], r[2], r[3], "0", "0", "ITEM_RETURNED"] for r in rng.sample(items[1:], 120)]
    item_rev += [[r[0], r[1], r[2], f"SKU-{rng.randrange(10)}", "0", "0", "ITEM_RETURNED"]
                 for r in rng.sample(items[1:], 30)]
    cases["dup_item-reversals.csv"] = _csv(item_rev).encode()

    small = _order_rows(scratch, 300, 0.05, seed=3)
    ragged = [list(r) for r in small]
    for i in range(5, 290, 37):
        ragged[i] = ragged[i][:-2] if i % 2 else ragged[i] + ["x", "y"]
    ragged.insert(40, [])
    ragged.insert(80, ["", "", "", "", "", "", ""])
    cases["ragged_order-modifications.csv"] = _csv(ragged).encode()
    text = _csv(small)
    lines = text.split("\n")
    lines[10] = lines[10].replace("ORD-", '"ORD-"x', 1)  # text after a closing quote (BK012)
    lines[20] = lines[20].replace("ORDER_UPDATE", 'ORDER"_UPDATE').replace("ITEM_RETURNED", 'ITEM"_RETURNED')
    lines[30] = lines[30] + ',"note'  # an unclosed quote that a later one closes (BK013)
    lines[45] = lines[45] + ',note"'
    cases["quotes_order-modifications.csv"] = "\n".join(lines).encode()
    multi = [list(r) for r in small]
    multi[0].append("Notes")
    for i, r in enumerate(multi[1:], start=1):
        r.append("two\nlines" if i % 50 == 0 else "")
    cases["multiline_order-modifications.csv"] = _csv(multi).encode()
    unclosed = "\n".join(lines[:200] + [lines[200].replace("USD", '"USD')] + lines[201:])
    cases["unclosed_order-modifications.csv"] = unclosed.encode()

    accented = [list(r) for r in small[:120]]
    accented[0].append("Notes")
    for i, r in enumerate(accented[1:], start=1):
        r.append("Café Müller" if i % 3 else "plain")
    cases["cp1252_order-modifications.csv"] = _csv(accented).encode("cp1252")
    cases["utf16_order-modifications.csv"] = _csv(accented, "\r\n").encode("utf-16")
    cases["bom_order-modifications.csv"] = b"\xef\xbb\xbf" + _csv(accented).encode()
    cases["greek_order-modifications.csv"] = (_csv(small[:50]) + "x,,,1.00,USD,NEW,ΑΒΓΔ ΕΖΗ\n").encode("cp1253")
    mixed = _csv(small[:100], "\r\n") + _csv(small[100:200])
    cases["crlf_order-modifications.csv"] = mixed.encode()
    cases["lonecr_order-modifications.csv"] = _csv(small[:80], "\r").encode()
    cases["semicolon_order-modifications.csv"] = _csv(small[:80]).replace(",", ";").encode()
    repeated = small[:150] + [small[0]] + small[150:] + [[c.upper() for c in small[0]]]
    cases["repeated_order-modifications.csv"] = _csv(repeated).encode()
    cases["title_order-modifications.csv"] = ("Orders export,,,,,,\nMade 2026-11-30,,,,,,\n" + _csv(small[:60])).encode()
    cases["nul_order-modifications.csv"] = _csv(small[:30]).encode() + b"1000.1.1,\x00,,1.00,USD,NEW,ORDER_UPDATE\n"
    scratch.unlink()
    written = []
    for name, data in cases.items():
        (folder / name).write_bytes(data)
        written.append(folder / name)
    return written


BATCH = ("dup_order-modifications.csv", "dup_order-reversals.csv", "dup_item-reversals.csv", "dup_item-modifications.csv")


def validate_json(files: list[Path], folder: Path) -> tuple[int, bytes]:
    """Exit code and the JSON output of `batchkit validate FILES --format json --max-samples 0`, the folder
    written as `CASES` so the output does not depend on where the files are."""
    from batchkit.cli.main import main

    result = CliRunner().invoke(main, ["validate", *map(str, files), "--format", "json", "--max-samples", "0"])
    out = result.stdout_bytes.replace(str(folder).encode(), b"CASES").replace(str(ROOT).encode(), b"ROOT")
    return result.exit_code, out


def digest(out: bytes) -> str:
    return hashlib.sha256(out).hexdigest()[:20]


# Recorded on the code before issue 26's reader and duplicate changes (name -> exit code, digest).
EXPECTED: dict[str, tuple[int, str]] = {
    'bom_order-modifications.csv': (1, '9d09358341e0f307df7a'),
    'cp1252_order-modifications.csv': (1, '7ee7f9a0ad86eae112dd'),
    'crlf_order-modifications.csv': (1, 'cec6660e1c38d5ccad82'),
    'dup_item-modifications.csv': (1, '0773c9a2dc35d76db782'),
    'dup_item-reversals.csv': (1, 'd859c03e27249eb0eed5'),
    'dup_order-modifications.csv': (1, '3a8bffe381335e8eef2b'),
    'dup_order-reversals.csv': (1, '716c79c6903699dc96bf'),
    'greek_order-modifications.csv': (1, '5521d5b90fc2468c64d8'),
    'lonecr_order-modifications.csv': (1, 'c948a34c5b365fb28901'),
    'long_ids_order-modifications.csv': (1, 'cc91b41875f7649077d3'),
    'multiline_order-modifications.csv': (1, '320f22ea5405ac6b30f7'),
    'nul_order-modifications.csv': (1, 'a116092a12c1f47b68e0'),
    'quotes_order-modifications.csv': (1, '3cf173b6a4ec7294532b'),
    'ragged_order-modifications.csv': (1, 'fb978314a6e07c63ceaa'),
    'repeated_order-modifications.csv': (1, '4e9e6c7c3c43eec57735'),
    'semicolon_order-modifications.csv': (1, 'f1578fef7af725527f5e'),
    'title_order-modifications.csv': (1, '2ec5564a1cfa68013a19'),
    'unclosed_order-modifications.csv': (1, '17e8b8326701ecd5ec40'),
    'utf16_order-modifications.csv': (1, 'd0f3f7fc2da1fa8109ef'),
    'batch': (1, 'f1cc6d6819ba372122d2'),
    'samples/batch/acme_item-modifications_2026-11-22.csv': (0, 'a6264f4589743129ad9c'),
    'samples/batch/acme_item-reversals_2026-11-22.csv': (0, '2b6aed2986e7cd0c7db7'),
    'samples/batch/acme_order-modifications_2026-11-22.csv': (0, '35ad20250b3670c9a378'),
    'samples/batch/acme_order-reversals_2026-11-22.csv': (0, '09e449fcd5547f6340e1'),
    'samples/broken/acme_order-modifications_broken.csv': (1, 'afe5c1280f6f1c0321b7'),
    'samples/platform/acme_order-modifications_2026-11-30.csv': (0, 'd40da342062e61ce5032'),
}


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("same") / "cases"
    write_cases(folder)
    return folder


def _runs(folder: Path) -> dict[str, list[Path]]:
    runs = {p.name: [p] for p in sorted(folder.glob("*.csv"))}
    runs["batch"] = [folder / n for n in BATCH]
    for sample in ("batch", "broken", "platform"):
        for p in sorted((ROOT / "samples" / sample).glob("*.csv")):
            runs[f"samples/{sample}/{p.name}"] = [p]
    return runs


RUN_NAMES = sorted(EXPECTED)


@pytest.mark.parametrize("name", RUN_NAMES)
def test_same_findings(cases: Path, name: str) -> None:
    runs = _runs(cases)
    assert name in runs, f"case {name} is no longer written"
    code, out = validate_json(runs[name], cases)
    assert (code, digest(out)) == EXPECTED[name], out.decode()[:2000]


def test_every_case_has_expectations(cases: Path) -> None:
    assert sorted(_runs(cases)) == RUN_NAMES


if __name__ == "__main__":  # print EXPECTED for the code as it is (and write the cases to a folder if named)
    import tempfile

    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp()) / "cases"
    write_cases(target)
    for key, files in _runs(target).items():
        code, out = validate_json(files, target)
        print(f"    {key!r}: ({code}, {digest(out)!r}),")


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64, 8 << 20])
def test_streamed_read_is_the_whole_read(cases: Path, chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file read by path in chunks (any chunk size, so every quote and CRLF falls on a chunk boundary
    somewhere) gives the Table read_csv_bytes gives for its bytes, and the clean ones are read that way."""
    from batchkit.io import read
    from batchkit.validation.header import looks_like_header

    monkeypatch.setattr(read, "CHUNK", chunk)
    streamed = []
    original = read.arrow_records
    monkeypatch.setattr(read, "arrow_records", lambda *a: streamed.append(1) or original(*a))
    names = ["dup_order-modifications.csv", "bom_order-modifications.csv", "multiline_order-modifications.csv",
             "quotes_order-modifications.csv", "crlf_order-modifications.csv", "lonecr_order-modifications.csv",
             "semicolon_order-modifications.csv", "repeated_order-modifications.csv", "nul_order-modifications.csv",
             "unclosed_order-modifications.csv", "cp1252_order-modifications.csv"]
    for name in names:
        path = cases / name
        got = read.read_table(path, None, looks_like_header)
        want = read.read_csv_bytes(str(path), path.read_bytes(), looks_like_header)
        assert got.findings == want.findings and got.header == want.header, name
        assert got.data.equals(want.data) and (got.rows == want.rows).all() and (got.lines == want.lines).all(), name
        assert got.records == want.records and got.delimiter == want.delimiter, name
    assert len(streamed) >= 5  # the clean ones (dup, bom, multiline, semicolon, repeated) went by path


def test_quote_check_in_chunks_is_well_formed() -> None:
    from batchkit.io.quotes import QuoteCheck, well_formed

    rng = random.Random(4)
    for _ in range(3000):
        data = bytes(rng.choice(b'a,"\n\r') for _ in range(rng.randrange(0, 24)))
        start = rng.randrange(0, len(data) + 1)
        size = rng.randrange(1, 6)
        check = QuoteCheck(",", start)
        for at in range(0, len(data), size):
            check.feed(data[at:at + size], at)
        assert check.done() == well_formed(data, ",", start), (data, start, size)


def test_shared_is_pandas_duplicated() -> None:
    """rows.shared gives pandas' duplicated(keep=False) mask, with few, some and mostly repeated values."""
    import numpy as np
    import pandas as pd

    from batchkit.validation.rules.rows import shared

    rng = np.random.default_rng(26)
    for n, repeats in [(0, 0), (1, 0), (2, 1), (50, 3), (100_000, 0), (100_000, 40), (100_000, 3000), (100_000, 60_000)]:
        h = rng.integers(0, 2**63, n, dtype=np.int64).astype(np.uint64) * np.uint64(2) + np.uint64(1)
        if repeats:
            h[rng.integers(0, n, repeats)] = h[rng.integers(0, n, repeats)]
        assert (shared(h) == pd.Series(h).duplicated(keep=False).to_numpy()).all(), (n, repeats)
        assert shared(h).flags.writeable
