"""Property-based: whatever bytes arrive, the validator returns findings and never raises."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from batchkit.core.config import load_config
from batchkit.core.errors import InputError
from batchkit.core.kinds import KIND_IDS
from batchkit.io.read import read_csv_bytes, read_table
from batchkit.validation.engine import validate_table

ROOT = Path(__file__).resolve().parent.parent
CONFIG = load_config(None, cwd=ROOT / "tests")
VALID = {k: (ROOT / "templates" / f"{k}.csv").read_bytes() for k in KIND_IDS}
PROFILE = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

NASTY = [b",", b'"', b"\n", b"\r", b"\r\n", b"\x00", b"\xef\xbb\xbf", b"\xff", b"\xe9", b";", b"\t", b"=",
         b"-", b"9.21737E+12", b"12345.0", b"$", b"1,234.50", b"", b" ", b"APPROVED", b"item_returned",
         b"Sku2", b"Amount9", b"Oid", b"\xe2\x80\x8b", b"\"\"", b"0", b"-0", b"1" * 70, b"9" * 40 + b".999"]


def _check(raw: bytes, kind: str | None) -> None:
    table = read_csv_bytes("fuzz.csv", raw)
    report, _, _ = validate_table(table, CONFIG, kind, max_samples=5)
    assert report.errors + report.warnings == sum(report.counts.values())
    for code, kept in report.samples.items():
        assert len(kept) <= min(5, report.counts[code])
        for f in kept:
            assert f.row is None or f.row >= 1


@PROFILE
@given(raw=st.binary(max_size=600), kind=st.sampled_from([None, *KIND_IDS]))
def test_random_bytes_never_raise(raw: bytes, kind: str | None) -> None:
    _check(raw, kind)


@st.composite
def mutated(draw: st.DrawFn) -> tuple[bytes, str | None]:
    kind = draw(st.sampled_from(KIND_IDS))
    data = bytearray(VALID[kind])
    for _ in range(draw(st.integers(1, 6))):
        pos = draw(st.integers(0, len(data)))
        op = draw(st.sampled_from(["insert", "delete", "replace"]))
        chunk = draw(st.sampled_from(NASTY) | st.binary(max_size=4))
        if op == "insert":
            data[pos:pos] = chunk
        elif op == "delete":
            del data[pos:pos + draw(st.integers(1, 8))]
        else:
            data[pos:pos + len(chunk)] = chunk
    return bytes(data), draw(st.sampled_from([None, kind]))


@PROFILE
@given(case=mutated())
def test_mutated_valid_files_never_raise(case: tuple[bytes, str | None]) -> None:
    _check(*case)


@settings(max_examples=40, deadline=None)
@given(raw=st.binary(max_size=300))
def test_random_bytes_as_xlsx_give_findings_or_input_error(raw: bytes, tmp_path_factory) -> None:
    path = tmp_path_factory.mktemp("x") / "fuzz.xlsx"
    path.write_bytes(b"PK\x03\x04" + raw)
    try:
        table = read_table(path)
    except InputError as exc:
        assert str(exc).startswith(str(path))
        return
    validate_table(table, CONFIG, None)


def test_templates_are_clean() -> None:
    for kind, raw in VALID.items():
        report, _, _ = validate_table(read_csv_bytes(f"{kind}.csv", raw), CONFIG, None)
        assert report.kind == kind and report.valid and report.warnings == 0, report.counts
