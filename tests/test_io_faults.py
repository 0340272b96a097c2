"""Faults of files, folders and streams: findings or one line on stderr with exit 2, never a traceback.

Real files throughout (XLSX written with openpyxl); commands that could eat the machine before
their fix run in a subprocess under an address-space limit.
"""

from __future__ import annotations

import io
import os
import resource
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font

from batchkit.cli.main import main
from batchkit.core.errors import InputError
from batchkit.io.read import read_table

ROOT = Path(__file__).resolve().parent.parent
EXE = str(Path(sys.executable).parent / "batchkit")
CLEAN = "ActionId,Amount,Reason\n1000.4636.1,0,ITEM_RETURNED\n"
RETURNS = ROOT / "samples/returns/returns_export.csv"
RETURNS_CONFIG = ROOT / "samples/returns/batchkit.toml"
LONG = "x" * 300  # over NAME_MAX (255 bytes)


def _run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, list(args), env=env)


def _one_line_error(result, exit_code: int = 2) -> str:
    """The command failed cleanly: the exit code, one `batchkit: error:` line, no traceback."""
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == exit_code, (result.exit_code, result.stderr, result.exception)
    assert len(lines) == 1 and lines[0].startswith("batchkit: error: "), result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    return lines[0]


def _limited(args: list[str], cwd: Path, gigabytes: int = 3) -> subprocess.CompletedProcess[str]:
    """Run the console script with its address space capped, so a runaway reader fails instead of the machine."""
    cap = gigabytes << 30

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    return subprocess.run([EXE, *args], cwd=cwd, capture_output=True, text=True, preexec_fn=limit, timeout=300)


# 1. a tiny XLSX with one far-away cell ---------------------------------------------------------

def _far_xlsx(path: Path, row: int = 1048576) -> None:
    """A two-row order-modification sheet plus one cell "x" in the last column of `row`."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["ActionId", "Amount", "CurrencyCode", "Reason"])
    ws.append(["1000.1.1", 10, "USD", "ORDER_UPDATE"])
    ws.cell(row=row, column=16384, value="x")
    book.save(path)


def test_far_away_cell_costs_one_cell_not_a_padded_sheet(tmp_path: Path) -> None:
    path = tmp_path / "acme_order-modifications_far.xlsx"
    _far_xlsx(path)
    assert path.stat().st_size < 10_000
    result = _limited(["validate", path.name, "--format", "json", "--report", "r.xlsx", "--issues-csv", "i.csv"], tmp_path)
    assert result.returncode == 1, result.stderr
    assert '"BK009": 1' in result.stdout and '"BK010": 1' in result.stdout  # one stray cell, one run of blank rows
    assert "rows 3 to 1,048,575 are blank" in result.stdout
    issues = (tmp_path / "i.csv").read_text().splitlines()
    assert issues[-1].startswith("1048576,,BK009,") and issues[-1].endswith(",,,,x")
    fixed = _limited(["fix", path.name, "-o", "fixed.csv"], tmp_path)
    assert fixed.returncode == 1 and "Traceback" not in fixed.stderr, fixed.stderr


def test_trailing_formatted_empty_cells_do_not_matter(tmp_path: Path) -> None:
    path = tmp_path / "acme_order-reversals_styled.xlsx"
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["ActionId", "Amount", "Reason"])
    ws.append(["1000.4636.1", 0, "ITEM_RETURNED"])
    ws.cell(row=1048576, column=16384).font = Font(bold=True)  # formatted, no value
    book.save(path)
    result = _limited(["validate", path.name, "--format", "json"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert '"rows": 1,' in result.stdout and '"counts": {}' in result.stdout


def test_far_cell_right_of_the_header_does_not_widen_the_table(tmp_path: Path) -> None:
    path = tmp_path / "acme_order-modifications_wide.xlsx"
    _far_xlsx(path, row=1)
    table = read_table(path)
    assert len(table.header) == 16384 and list(table.data.columns) == [0, 1, 2, 3, 16383]
    assert table.data.iloc[0].tolist() == ["1000.1.1", "10", "USD", "ORDER_UPDATE", ""]


# 2. and 11. workbooks openpyxl cannot read, formulas without a saved value ------------------------

def test_chart_sheet_only_workbook_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "cs.xlsx"
    book = openpyxl.Workbook()
    book.create_chartsheet()
    book.remove(book.active)
    book.save(path)
    with pytest.raises(InputError, match="not a readable XLSX workbook"):
        read_table(path)
    _one_line_error(_run("validate", str(path)))


def test_chart_sheet_named_with_sheet_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["ActionId", "Amount", "Reason"])
    book.active.append([1, 2, 3])
    chart = BarChart()
    chart.add_data(Reference(book.active, min_col=2, min_row=1, max_row=2), titles_from_data=True)
    book.create_chartsheet("Chart").add_chart(chart)
    book.save(path)
    with pytest.raises(InputError, match="'Chart' is a chart"):
        read_table(path, sheet="Chart")


def _formula_book(path: Path, amounts: list[str]) -> None:
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["ActionId", "Amount", "Reason"])
    for i, amount in enumerate(amounts, start=1):
        ws.append([f"1000.4636.{i}", amount, "ITEM_RETURNED"])
    book.save(path)  # openpyxl never calculates: formulas are saved without a value


def _with_saved_values(path: Path, values: dict[str, str]) -> None:
    """Give formula cells the cached values Excel would have saved (`<v>` of the cell)."""
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}
    xml = members["xl/worksheets/sheet1.xml"].decode()
    for ref, cell in values.items():
        start = xml.index(f'<c r="{ref}"')
        end = xml.index("</c>", start) + len("</c>")
        xml = xml[:start] + cell + xml[end:]
    members["xl/worksheets/sheet1.xml"] = xml.encode()
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)


def test_formula_without_saved_value_is_reported_not_read_as_empty(tmp_path: Path) -> None:
    path = tmp_path / "acme_order-reversals_f.xlsx"
    _formula_book(path, ["=0", "=1/0"])
    line = _one_line_error(_run("validate", str(path)))
    assert "2 formula cell(s) without a saved value (B2, B3)" in line and "open the file in Excel and save it" in line
    _one_line_error(_run("fix", str(path), "-o", str(tmp_path / "out.csv")))


def test_formula_with_saved_value_reads_the_value(tmp_path: Path) -> None:
    path = tmp_path / "acme_order-reversals_f.xlsx"
    _formula_book(path, ["=0", '=""'])
    _with_saved_values(path, {"B2": '<c r="B2"><f>0</f><v>0</v></c>',
                              "B3": '<c r="B3" t="str"><f>""</f><v></v></c>'})  # a formula whose value is ""
    table = read_table(path)
    assert table.data[1].tolist() == ["0", ""]


# 3. control characters in the XLSX report ----------------------------------------------------------

def test_report_escapes_control_characters(tmp_path: Path) -> None:
    src = tmp_path / "acme_order-reversals_c1.csv"
    src.write_bytes(b"ActionId,Amount,Reason\n1000.1.1,0,ITEM_RETURNED\x01\n")
    out = tmp_path / "c1.xlsx"
    result = _run("validate", str(src), "--report", str(out))
    assert result.exit_code == 1, result.stderr
    book = openpyxl.load_workbook(out)
    data = book.worksheets[0]
    assert data["C2"].value == "ITEM_RETURNED\\x01"
    assert "\\x01" in data["C2"].comment.text and "\x01" not in data["C2"].comment.text
    assert [c.value for c in book["Issues"][2]][4] == "ITEM_RETURNED\\x01"


# 4. errors writing output files ---------------------------------------------------------------------

@pytest.mark.parametrize("option, name", [("--report", "r.xlsx"), ("--issues-csv", "i.csv")])
def test_report_onto_a_directory_or_unwritable_place(tmp_path: Path, option: str, name: str) -> None:
    src = tmp_path / "acme_order-reversals.csv"
    src.write_text(CLEAN)
    (tmp_path / name).mkdir()
    assert "is a directory" in _one_line_error(_run("validate", str(src), option, str(tmp_path / name), "--force"))
    assert "too long" in _one_line_error(_run("validate", str(src), option, str(tmp_path / (LONG + name))))
    if Path("/proc/self").is_dir():
        assert "cannot write" in _one_line_error(_run("validate", str(src), option, f"/proc/{name}"))


def test_template_and_fix_outputs_that_cannot_be_written(tmp_path: Path) -> None:
    (tmp_path / "d.csv").mkdir()
    assert "is a directory" in _one_line_error(_run("template", "order-reversal", "-o", str(tmp_path / "d.csv"), "--force"))
    assert "too long" in _one_line_error(_run("template", "order-reversal", "-o", str(tmp_path / (LONG + ".csv"))))
    src = tmp_path / "acme_order-reversals.csv"
    src.write_text(CLEAN)
    assert "is a directory" in _one_line_error(_run("fix", str(src), "-o", str(tmp_path / "d.csv"), "--force"))
    assert "too long" in _one_line_error(_run("fix", str(src), "-o", str(tmp_path / (LONG + ".csv"))))


def test_build_outputs_that_cannot_be_written(tmp_path: Path) -> None:
    base = ["build", str(RETURNS), "--config", str(RETURNS_CONFIG)]
    assert "shorter --prefix" in _one_line_error(_run(*base, "--out", str(tmp_path / "o"), "--prefix", LONG))
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())
    (tmp_path / "file").write_text("")
    assert "Not a directory" in _one_line_error(_run(*base, "--out", str(tmp_path / "file" / "sub")))
    if Path("/proc/self").is_dir():
        _one_line_error(_run(*base, "--out", "/proc/batchkit-out"))


def test_input_path_too_long(tmp_path: Path) -> None:
    long = str(tmp_path / (LONG + ".csv"))
    for args in (["validate", long], ["fix", long, "-o", str(tmp_path / "o.csv")],
                 ["build", long, "--out", str(tmp_path / "o")],
                 ["deliver", long, "--to", str(tmp_path / "outbox"), "--state-dir", str(tmp_path / "state")]):
        assert "too long" in _one_line_error(_run(*args)), args


# 5. fix on inputs that are not files ----------------------------------------------------------------

def test_fix_inputs_that_are_not_files(tmp_path: Path) -> None:
    (tmp_path / "folder").mkdir()
    (tmp_path / "dangling.csv").symlink_to(tmp_path / "nowhere.csv")
    (tmp_path / "a.csv").symlink_to(tmp_path / "b.csv")
    (tmp_path / "b.csv").symlink_to(tmp_path / "a.csv")
    out = str(tmp_path / "o.csv")
    assert "no such file" in _one_line_error(_run("fix", str(tmp_path / "missing.csv"), "-o", out))
    assert "is a directory" in _one_line_error(_run("fix", str(tmp_path / "folder"), "-o", out))
    assert "no such file" in _one_line_error(_run("fix", str(tmp_path / "dangling.csv"), "-o", out))
    assert "symbolic links" in _one_line_error(_run("fix", str(tmp_path / "a.csv"), "-o", out))
    assert not Path(out).exists()


# 6. the GitHub step summary is a convenience ---------------------------------------------------------

@pytest.mark.parametrize("summary", ["{tmp}", "/proc/batchkit-nope/summary.md"])
def test_unwritable_step_summary_warns_and_carries_on(tmp_path: Path, summary: str) -> None:
    src = tmp_path / "acme_order-reversals.csv"
    src.write_text(CLEAN)
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": summary.format(tmp=tmp_path)}
    result = _run("validate", str(src), env=env)
    assert result.exit_code == 0, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("batchkit: warning: cannot write the job summary")


# 7. stdout that cannot be written -----------------------------------------------------------------

def test_stdout_full_is_one_line_exit_2() -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full")
    with open("/dev/full", "w") as full:
        result = subprocess.run([EXE, "template", "order-reversal"], stdout=full, stderr=subprocess.PIPE, text=True)
    assert result.returncode == 2
    assert result.stderr.strip() == "batchkit: error: cannot write to standard output (No space left on device)"


def test_closed_pipe_exits_quietly() -> None:
    for args in (["template", "order-reversal"], ["validate", str(ROOT / "samples/broken/acme_order-modifications_broken.csv")]):
        proc = subprocess.Popen([EXE, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.close()  # like `| head -c 0`: the reader is gone before batchkit writes
        stderr = proc.stderr.read().decode()
        assert proc.wait(timeout=60) == 141, stderr
        assert stderr == ""


# 8. reports never replace an input ------------------------------------------------------------------

def test_reports_never_replace_an_input(tmp_path: Path) -> None:
    src = tmp_path / "b_order-reversals.csv"
    src.write_text(CLEAN)
    (tmp_path / "alias.csv").symlink_to(src)
    for target in (src, tmp_path / "alias.csv", tmp_path / "sub" / ".." / src.name):
        (tmp_path / "sub").mkdir(exist_ok=True)
        line = _one_line_error(_run("validate", str(src), "--issues-csv", str(target), "--force"))
        assert "is one of the files being validated" in line
    book = tmp_path / "acme_order-reversals.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["ActionId", "Amount", "Reason"])
    wb.save(book)
    before = book.read_bytes()
    assert "is one of the files" in _one_line_error(_run("validate", str(book), "--report", str(book), "--force"))
    assert src.read_text() == CLEAN and book.read_bytes() == before


def test_report_names_match_their_content(tmp_path: Path) -> None:
    src = tmp_path / "acme_order-reversals.csv"
    src.write_text(CLEAN)
    assert ".xlsx" in _one_line_error(_run("validate", str(src), "--report", str(tmp_path / "r.csv")))
    assert ".csv" in _one_line_error(_run("validate", str(src), "--issues-csv", str(tmp_path / "i.xlsx")))


# 9. file modes --------------------------------------------------------------------------------------

def test_new_files_follow_the_umask_and_overwrites_keep_the_mode(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        new = tmp_path / "t.csv"
        assert _run("template", "order-reversal", "-o", str(new)).exit_code == 0
        assert new.stat().st_mode & 0o777 == 0o644
        new.chmod(0o640)
        assert _run("template", "order-reversal", "-o", str(new), "--force").exit_code == 0
        assert new.stat().st_mode & 0o777 == 0o640
        os.umask(0o027)
        src = tmp_path / "acme_order-reversals.csv"
        src.write_text(CLEAN)
        assert _run("validate", str(src), "--issues-csv", str(tmp_path / "i.csv")).exit_code == 0
        assert (tmp_path / "i.csv").stat().st_mode & 0o777 == 0o640
    finally:
        os.umask(old)


# 10. fix reports every change and writes CSV only into .csv ------------------------------------------

@pytest.mark.parametrize("raw, note", [
    (b"ActionId;Amount;Reason\n1000.4636.1;0;ITEM_RETURNED\n", "semicolons replaced by commas"),
    (b"ActionId|Amount|Reason\n1000.4636.1|0|ITEM_RETURNED\n", "pipes replaced by commas"),
    (b"ActionId\tAmount\tReason\n1000.4636.1\t0\tITEM_RETURNED\n", "tabs replaced by commas"),
    (b"ActionId,Amount,Reason\r1000.4636.1,0,ITEM_RETURNED\r", "CR (old Mac) replaced by LF"),
])
def test_fix_reports_file_level_repairs(tmp_path: Path, raw: bytes, note: str) -> None:
    src = tmp_path / "in_order-reversals.csv"
    src.write_bytes(raw)
    out = tmp_path / "out_order-reversals.csv"
    result = _run("fix", str(src), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "0 cell(s) fixed, 1 file-level fix" in result.stdout and note in result.stdout
    assert out.read_bytes() == b"ActionId,Amount,Reason\n1000.4636.1,0,ITEM_RETURNED\n"


def test_outputs_that_are_csv_must_be_named_csv(tmp_path: Path) -> None:
    src = tmp_path / "in_order-reversals.csv"
    src.write_text(CLEAN)
    assert ".csv" in _one_line_error(_run("fix", str(src), "-o", str(tmp_path / "z.xlsx")))
    assert ".csv" in _one_line_error(_run("template", "order-reversal", "-o", str(tmp_path / "a.xlsx")))
    assert not (tmp_path / "z.xlsx").exists() and not (tmp_path / "a.xlsx").exists()


def test_fix_of_a_workbook_says_it_wrote_csv(tmp_path: Path) -> None:
    src = tmp_path / "in_order-reversals.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["ActionId", "Amount", "Reason"])
    book.active.append(["1000.4636.1", 0, "ITEM_RETURNED"])
    buf = io.BytesIO()
    book.save(buf)
    src.write_bytes(buf.getvalue())
    result = _run("fix", str(src), "-o", str(tmp_path / "out_order-reversals.csv"))
    assert result.exit_code == 0 and "as CSV" in result.stdout
