"""`batchkit fix` on what European Excel writes (issue 22 part 5): Windows-1252, `;` delimiters, decimal commas,
lowercase currency codes; and the findings that say fix repairs them. Files are written by the csv module."""

from __future__ import annotations

import csv
from pathlib import Path

from click.testing import CliRunner

from batchkit.cli.main import main
from batchkit.core.config import load_config
from batchkit.validation.engine import validate_paths
from batchkit.validation.fix import fix_currency

HEADER = ["ActionId", "Amount", "CurrencyCode", "CustomerStatus", "Reason"]


def _write(path: Path, rows: list[list[str]], encoding: str = "cp1252", delimiter: str = ";") -> Path:
    with open(path, "w", encoding=encoding, newline="") as fh:
        csv.writer(fh, delimiter=delimiter).writerows([HEADER, *rows])
    return path


def _run(*args: str):
    return CliRunner().invoke(main, list(args))


def _messages(path: Path, code: str) -> list[str]:
    report = validate_paths([str(path)], load_config(None, cwd=path.parent), kind="order-modification")
    return [f.message for f in report.files[0].findings() if f.code == code]


def test_a_european_excel_file_round_trips_clean(tmp_path: Path) -> None:
    src = _write(tmp_path / "eu_order-modification.csv", [
        ["1000.4636.1", "12,50", "eur", "NEW", "ORDER_UPDATE"],
        ["1000.4636.2", "1.234,50", "EUR", "EXISTING", "ORDER_UPDATE"],
        ["1000.4636.3", "7", "usd", "NEW", "ORDER_UPDATE"],
        ["1000.4636.4", "3,1", "EUR", "NEW", "ORDER_UPDATE"],
    ])
    out = tmp_path / "out_order-modification.csv"
    result = _run("fix", str(src), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == (
        "ActionId,Amount,CurrencyCode,CustomerStatus,Reason\n"
        "1000.4636.1,12.50,EUR,NEW,ORDER_UPDATE\n"
        "1000.4636.2,1234.50,EUR,EXISTING,ORDER_UPDATE\n"
        "1000.4636.3,7,USD,NEW,ORDER_UPDATE\n"
        "1000.4636.4,3.1,EUR,NEW,ORDER_UPDATE\n")
    assert "decimal comma: 3" in result.output and "currency code case: 2" in result.output
    assert "semicolons replaced by commas" in result.output
    assert validate_paths([str(out)], load_config(None, cwd=tmp_path)).valid


def test_a_windows_1252_file_is_re_encoded(tmp_path: Path) -> None:
    src = _write(tmp_path / "in_order-modification.csv", [["1000.4636.1", "10,00", "EUR", "Caf\u00e9", "ORDER_UPDATE"]])
    assert b"Caf\xe9" in src.read_bytes()
    assert any("batchkit fix" in m for m in _messages(src, "BK001"))
    out = tmp_path / "out_order-modification.csv"
    result = _run("fix", str(src), "-o", str(out))
    assert "re-encoded from Windows-1252" in result.output
    assert out.read_bytes().decode("utf-8").splitlines()[1] == "1000.4636.1,10.00,EUR,Caf\u00e9,ORDER_UPDATE"
    assert result.exit_code == 0 and "BK211" in result.output and "0 errors" in result.output  # a warning only


def test_an_ambiguous_column_keeps_its_commas_and_says_why(tmp_path: Path) -> None:
    src = _write(tmp_path / "in_order-modification.csv", [
        ["1000.4636.1", "12,50", "EUR", "NEW", "ORDER_UPDATE"],
        ["1000.4636.2", "1,234", "EUR", "NEW", "ORDER_UPDATE"],
    ])
    (message,) = [m for m in _messages(src, "BK201") if "1,234" in m]
    assert "reads two ways" in message and "1234" in message and "1.234" in message
    out = tmp_path / "out_order-modification.csv"
    result = _run("fix", str(src), "-o", str(out))
    assert result.exit_code == 1
    assert "decimal commas left as they are: '1,234' (row 3)" in result.output
    assert '"12,50"' in out.read_text() and '"1,234"' in out.read_text()  # nothing guessed
    assert "BK201" in result.output


def test_a_mixed_column_is_not_converted(tmp_path: Path) -> None:
    src = _write(tmp_path / "in_order-modification.csv", [
        ["1000.4636.1", "12,50", "EUR", "NEW", "ORDER_UPDATE"],
        ["1000.4636.2", "1.234", "EUR", "NEW", "ORDER_UPDATE"],
    ])
    out = tmp_path / "out_order-modification.csv"
    result = _run("fix", str(src), "-o", str(out))
    assert result.exit_code == 1 and "'1.234' (row 3)" in result.output and '"12,50"' in out.read_text()


def test_the_findings_fix_repairs_say_so(tmp_path: Path) -> None:
    src = _write(tmp_path / "in_order-modification.csv", [
        ["1000.4636.1", "12,50", "usd", "NEW", "ORDER_UPDATE"],
        ["1000.4636.2", " 5.00", "USD", "NEW", "ORDER_UPDATE"],
    ], encoding="utf-8-sig")
    assert any("batchkit fix" in m for m in _messages(src, "BK003"))
    assert any("batchkit fix" in m for m in _messages(src, "BK002"))
    assert all("batchkit fix" in m for m in _messages(src, "BK210"))
    assert len(_messages(src, "BK201")) == 2 and all("batchkit fix" in m for m in _messages(src, "BK201"))
    assert "Comma delimited" in _messages(src, "BK003")[0] and "';'" in _messages(src, "BK003")[0]


def test_fix_currency_only_case() -> None:
    assert fix_currency("usd") == "USD" and fix_currency("Eur") == "EUR"
    assert fix_currency("USD") is None and fix_currency("xyz") is None and fix_currency("") is None
