"""Every BK code has failing and passing cases, kept as data in tests/cases/*.toml.

Each case gives a file's content (CSV text, `csv_bytes_hex` for raw bytes, or `xlsx`: rows of TOML values
written as a workbook's typed cells, "" an empty cell), optionally its
file name and kind, and the complete list of findings expected as [row, column, code]
(column "" for whole-row findings). An empty list means the file must be clean.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from batchkit.core.codes import catalogue
from batchkit.core.config import load_config
from batchkit.validation.engine import validate_paths

CASES_DIR = Path(__file__).parent / "cases"


def _load() -> list[dict]:
    cases = []
    for path in sorted(CASES_DIR.glob("*.toml")):
        with open(path, "rb") as fh:
            for case in tomllib.load(fh)["case"]:
                case["_source"] = path.name
                cases.append(case)
    return cases


CASES = _load()


def _write_case(tmp_path: Path, case: dict) -> list[str]:
    files = case.get("files") or [case]
    paths = []
    for i, spec in enumerate(files):
        name = spec.get("name", f"case{i}.csv")
        target = tmp_path / name
        if "xlsx" in spec:  # rows of TOML values, written as typed cells: dates, times, numbers, booleans, text
            _write_xlsx(target, spec["xlsx"])
        elif "csv_bytes_hex" in spec:
            target.write_bytes(bytes.fromhex(spec["csv_bytes_hex"].replace(" ", "").replace("\n", "")))
        else:
            target.write_bytes(spec["csv"].lstrip("\n").encode("utf-8"))
        paths.append(str(target))
    return paths


def _write_xlsx(target: Path, rows: list[list[object]]) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    for row in rows:
        book.active.append([None if v == "" else v for v in row])  # "" is an empty cell
    book.save(target)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case(case: dict, tmp_path: Path) -> None:
    paths = _write_case(tmp_path, case)
    config = load_config(None, cwd=tmp_path)
    if case.get("custom_reasons") or case.get("statuses"):
        from dataclasses import replace

        config = replace(config,
                         custom_codes=frozenset(case.get("custom_reasons", [])),
                         customer_statuses=frozenset(case.get("statuses", config.customer_statuses)))
    report = validate_paths(paths, config, kind=case.get("kind"), max_samples=0)
    got = sorted(
        [f.row if f.row is not None else 0, f.column or "", f.code]
        for fr in report.files
        for f in fr.findings()
    )
    assert got == sorted(case["expect"]), case.get("why", "")


def test_every_code_has_failing_and_passing_cases() -> None:
    failing = {e[2] for c in CASES for e in c["expect"]}
    passing = {code for c in CASES for code in c.get("passes", [])}
    codes = {c for c in catalogue() if c < "BK500"}  # BK5xx are build's input findings: tests/test_build.py
    missing_fail = sorted(codes - failing)
    missing_pass = sorted(codes - passing)
    assert not missing_fail, f"codes without a failing case: {missing_fail}"
    assert not missing_pass, f"codes without a passing case: {missing_pass}"


@pytest.mark.parametrize("value, says", [("１２３", "non-ASCII digits"), ("NaN", "not a number"), ("#DIV/0!", "not a number"),
                                         ("$12.50", "currency sign"), ("1,234.50", "thousands separator")])
def test_amount_messages_name_the_problem(value: str, says: str, tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text(f'ActionId,Amount,Reason\n1000.1.1,"{value}",ORDER_UPDATE\n', encoding="utf-8")
    report = validate_paths([str(tmp_path / "a.csv")], load_config(None, cwd=tmp_path), kind="order-modification")
    (finding,) = report.files[0].samples["BK201"]
    assert says in finding.message
