"""build per preset: export rows -> expected batch files, kept as data in tests/build_cases/*.toml.

Each file holds the cases of one preset (the file's name, or its top-level `preset`). A case gives:

- `export`: the export's CSV text (a leading newline is dropped), optionally `export_name` (default
  `export.csv`);
- optionally `config` (a batchkit.toml, passed with --config; without it build runs in an empty folder,
  so no configuration is read), `args` (more flags, e.g. ["--currency", "KWD"]), `preset` ("" runs
  without --preset: detection) and `tracker` (the --action-tracker-id, 2240 unless given; 0 = no flag);
- the outcome, one of:
  - `expect`: kind -> the CSV text of the file build must write for that kind (header and rows, compared
    as parsed CSV, exactly); kinds not named must not be written (`expect = {}`: no file at all); exit 0;
  - `error`: texts that must all appear on stderr; exit 2, nothing written;
  - `findings`: BK codes that must all be reported; exit 1, nothing written;
- optionally `detected` (texts the output must contain when the preset was detected), `warnings`
  (codes or texts the output must contain although build succeeded) and `absent` (texts neither stdout nor
  stderr may contain, e.g. a platform the export is not from).

The expected records are written by hand from the order-list rule (README "batchkit build"): cancelled or
fully refunded -> order-reversal; partially refunded -> order-modification with Amount = amount x
(Total - Refunded) / Total rounded half-up to the currency's minor unit (amount = Total except for Shopify,
whose default is Subtotal); anything else -> nothing. They are an independent oracle: never paste what
batchkit printed.

The Shopify sample is also pinned byte for byte against tests/golden/build_cases/ (taken from the code as it
was before the order-list presets, on purpose: to detect any change).
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from batchkit.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
CASES_DIR = Path(__file__).parent / "build_cases"
GOLDEN = Path(__file__).parent / "golden" / "build_cases"
KINDS = ("order-reversal", "order-modification", "item-reversal", "item-modification")
_NAME = re.compile(r"_(order-reversal|order-modification|item-reversal|item-modification)s_\d{8}T\d{6}Z\.csv$")
_OUTCOMES = ("expect", "error", "findings")
_KEYS = {"id", "why", "export", "export_name", "config", "args", "preset", "tracker", "detected", "warnings",
         "absent", *_OUTCOMES}


def _load() -> list[dict]:
    cases = []
    for path in sorted(CASES_DIR.glob("*.toml")):
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
        for case in data["case"]:
            case.setdefault("preset", data.get("preset", path.stem))
            case["_source"] = path.name
            cases.append(case)
    return cases


CASES = _load()


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\n"), newline="")))


def _run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, export: Path, args: list[str]):
    """`batchkit build EXPORT --out tmp/out ARGS` in an empty folder (no batchkit.toml is found by accident)."""
    work = tmp_path / "cwd"
    work.mkdir(exist_ok=True)
    monkeypatch.chdir(work)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["build", str(export), "--out", str(out), *args])
    written = sorted(out.iterdir()) if out.is_dir() else []
    return result, out, written


def _by_kind(written: list[Path]) -> dict[str, Path]:
    files: dict[str, Path] = {}
    for path in written:
        match = _NAME.search(path.name)
        assert match, f"unexpected file name {path.name}"
        assert match.group(1) not in files, f"two {match.group(1)} files: {files[match.group(1)].name}, {path.name}"
        files[match.group(1)] = path
    return files


def _args(case: dict, tmp_path: Path) -> list[str]:
    args: list[str] = []
    if case["preset"]:
        args += ["--preset", case["preset"]]
    tracker = case.get("tracker", 2240)
    if tracker:
        args += ["--action-tracker-id", str(tracker)]
    if "config" in case:
        (tmp_path / "batchkit.toml").write_text(case["config"].lstrip("\n"), encoding="utf-8")
        args += ["--config", str(tmp_path / "batchkit.toml")]
    return args + list(case.get("args", []))


def test_cases_are_well_formed() -> None:
    ids = [(c["_source"], c["id"]) for c in CASES]
    assert len(ids) == len(set(ids)), "duplicate case ids in one file"
    for case in CASES:
        assert set(case) - {"_source"} <= _KEYS, (case["id"], set(case) - _KEYS - {"_source"})
        assert sum(k in case for k in _OUTCOMES) == 1, f"{case['id']}: give exactly one of {_OUTCOMES}"
        assert set(case.get("expect", {})) <= set(KINDS), case["id"]
        assert case.get("why"), f"{case['id']}: say why"


@pytest.mark.parametrize("case", CASES, ids=[f"{c['_source'][:-5]}:{c['id']}" for c in CASES])
def test_case(case: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    export = tmp_path / case.get("export_name", "export.csv")
    export.write_bytes(case["export"].lstrip("\n").encode("utf-8"))
    result, _out, written = _run(tmp_path, monkeypatch, export, _args(case, tmp_path))
    shown = f"{case['why']}\nexit {result.exit_code}\nstdout: {result.stdout}\nstderr: {result.stderr}"
    assert "Traceback" not in result.stderr, shown
    for text in case.get("absent", []):
        assert text not in result.stdout and text not in result.stderr, f"{text!r} is in the output\n{shown}"
    if "error" in case:
        assert result.exit_code == 2, shown
        for text in case["error"]:
            assert text in result.stderr, f"{text!r} not on stderr\n{shown}"
        assert written == [], shown
        return
    if "findings" in case:
        assert result.exit_code == 1, shown
        for code in case["findings"]:
            assert code in result.output, f"{code} not reported\n{shown}"
        assert written == [], shown
        return
    assert result.exit_code == 0, shown
    for text in [*case.get("detected", []), *case.get("warnings", [])]:
        assert text in result.output, f"{text!r} not in the output\n{shown}"
    files = _by_kind(written)
    expected = case["expect"]
    assert sorted(files) == sorted(expected), f"files written: {sorted(files)}, expected: {sorted(expected)}\n{shown}"
    for kind, text in expected.items():
        got = _rows(files[kind].read_text(encoding="utf-8"))
        assert got == _rows(text), f"{kind}:\n{files[kind].read_text(encoding='utf-8')}\n{shown}"


# ----------------------------------------------------------------------------------------- the samples

SAMPLES = {  # preset -> its export under samples/<preset>/
    "shopify": "orders_export.csv",
    "woocommerce": "orders_export.csv",
    "bigcommerce": "orders_export.csv",
    "magento": "sales_order_grid.csv",
    "stripe": "unified_payments.csv",
    "orders": "orders.csv",
}


@pytest.mark.parametrize("preset", [p for p in SAMPLES if p != "shopify"])
def test_each_sample_builds_what_its_oracle_says(preset: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """samples/<preset>/ with its batchkit.toml -> exactly samples/<preset>/expected/<kind>.csv, which
    make_export.py computed with Decimal from the rule (never from batchkit's output)."""
    sample = ROOT / "samples" / preset
    result, _out, written = _run(tmp_path, monkeypatch, sample / SAMPLES[preset],
                                ["--config", str(sample / "batchkit.toml")])
    assert result.exit_code == 0, f"{result.stdout}\n{result.stderr}"
    files = _by_kind(written)
    expected = {p.stem: p for p in sorted((sample / "expected").glob("*.csv"))}
    assert sorted(files) == sorted(expected)
    for kind, path in expected.items():
        assert _rows(files[kind].read_text(encoding="utf-8")) == _rows(path.read_text(encoding="utf-8")), kind


@pytest.mark.parametrize("args", [
    ["--config", "samples/shopify/batchkit.toml"],
    ["--preset", "shopify", "--action-tracker-id", "2240"],  # no configuration: the preset's defaults
], ids=["sample-config", "flags-only"])
def test_shopify_sample_is_byte_identical_to_todays_output(args: list[str], tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    args = [str(ROOT / a) if a.startswith("samples/") else a for a in args]
    result, _out, written = _run(tmp_path, monkeypatch, ROOT / "samples/shopify/orders_export.csv", args)
    assert result.exit_code == 0, f"{result.stdout}\n{result.stderr}"
    files = _by_kind(written)
    golden = {p.stem: p for p in sorted((GOLDEN / "shopify-sample").glob("*.csv"))}
    assert sorted(files) == sorted(golden)
    for kind, path in golden.items():
        assert files[kind].read_bytes() == path.read_bytes(), kind
