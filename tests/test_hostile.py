"""Hostile inputs end with a clear line or a finding, never a hang, a blow-up or a wrong message.
Each test bounds its own time (these are hangs, not speed)."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import paramiko
import pytest
from click.testing import CliRunner

from batchkit.cli import main
from batchkit.core.config import load_config
from batchkit.core.errors import ConfigError
from batchkit.delivery.settings import resolve_settings
from batchkit.delivery.sftp import _add_host_keys
from batchkit.io.read import read_csv_bytes, read_table

ROOT = Path(__file__).resolve().parents[1]


MEMORY_BOUND = 2 << 30  # address space of a batchkit under test: /dev/zero once grew to 6-7 GB in 20 s


def _bounded() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BOUND, MEMORY_BOUND))


def _batchkit(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """batchkit in a child process bounded in time (`timeout`) and memory (MEMORY_BOUND)."""
    return subprocess.run([sys.executable, "-m", "batchkit", *args], capture_output=True, text=True, timeout=timeout,
                          cwd=ROOT, preexec_fn=_bounded)


@pytest.mark.parametrize("command", [["validate"], ["build", "--out", "OUT"]])
def test_a_fifo_is_refused_at_once(tmp_path: Path, command: list[str]) -> None:
    fifo = tmp_path / "exports_order-reversals.csv"
    os.mkfifo(fifo)
    args = [a.replace("OUT", str(tmp_path / "out")) for a in command]
    done = _batchkit(args[0], str(fifo), *args[1:], timeout=30)  # a FIFO nobody writes to would block forever
    assert done.returncode == 2 and "is a FIFO (named pipe), not a regular file" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_device_is_refused_before_it_is_read(tmp_path: Path) -> None:
    done = _batchkit("validate", "/dev/zero", timeout=30)  # reading it would never end
    assert done.returncode == 2 and "/dev/zero: is a character device, not a regular file" in done.stderr


def test_a_fifo_as_the_configuration_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "batchkit.toml"
    os.mkfifo(fifo)
    with pytest.raises(ConfigError, match="is a FIFO"):
        load_config(fifo)


def test_trailing_rows_holding_a_space_cost_linear_time(tmp_path: Path) -> None:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["OrderId", "ActionTrackerId", "Amount", "Reason"])
    sheet.append(["ORD-1", "2240", "0", "ITEM_RETURNED"])
    for _ in range(100_000):  # was quadratic: 80,000 such rows took 20 s
        sheet.append([" "])
    book.save(tmp_path / "t_order-reversals.xlsx")
    start = time.perf_counter()
    table = read_table(tmp_path / "t_order-reversals.xlsx")
    assert time.perf_counter() - start < 25  # linear: ~9 s here, most of it openpyxl; quadratic took ~40 s
    assert table.data.values.tolist() == [["ORD-1", "2240", "0", "ITEM_RETURNED"]]


def test_a_multi_line_cell_over_128_kib_is_read(tmp_path: Path) -> None:
    note = "gift wrap please\n" * 12_000  # ~200 KiB: Python's csv module stops at 128 KiB by default
    text = f'OrderId,ActionTrackerId,Amount,Reason,Note\nORD-1,2240,0,ITEM_RETURNED,"{note}"\nORD-2,2240,0,ITEM_RETURNED,x\n'
    table = read_csv_bytes("n.csv", text.encode())
    assert [f.code for f in table.findings] == [] and len(table.data) == 2 and table.data.iat[0, 4] == note


@pytest.mark.parametrize("value", ["nan", "inf", "1e300", "-1"])
def test_an_impossible_timeout_is_a_configuration_error(tmp_path: Path, value: str) -> None:
    (tmp_path / "batchkit.toml").write_text(f"[deliver]\ntimeout = {value}\n")
    with pytest.raises(ConfigError, match=r"timeout must be > 0 seconds and at most 3,600 \(not nan or inf\)"):
        resolve_settings(load_config(tmp_path / "batchkit.toml"), {}, {})


def test_a_key_file_that_is_a_folder_is_named_as_such(tmp_path: Path) -> None:
    (tmp_path / "known_hosts").write_text("")
    (tmp_path / "keydir").mkdir()
    flags = {"to": "sftp://acme@127.0.0.1:2222/drop", "known_hosts": str(tmp_path / "known_hosts"),
             "key_file": str(tmp_path / "keydir"), "state_dir": str(tmp_path / "state")}
    with pytest.raises(ConfigError, match=r"key file .*keydir: is a directory, not a file"):
        resolve_settings(load_config(None, cwd=tmp_path), flags, {})
    flags["known_hosts"] = str(tmp_path / "nowhere")
    with pytest.raises(ConfigError, match=r"known_hosts file .*nowhere: no such file"):
        resolve_settings(load_config(None, cwd=tmp_path), flags, {})


def test_a_known_hosts_file_saved_with_a_bom_still_pins_its_key(tmp_path: Path) -> None:
    key = paramiko.Ed25519Key.from_private_key_file(str(_ed25519(tmp_path)))
    line = f"[127.0.0.1]:2222 {key.get_name()} {key.get_base64()}\n"
    (tmp_path / "known_hosts").write_bytes(b"\xef\xbb\xbf# pinned with the partner\n" + line.encode())
    keys = paramiko.HostKeys()
    _add_host_keys(keys, tmp_path / "known_hosts")
    assert keys.lookup("[127.0.0.1]:2222")[key.get_name()].get_base64() == key.get_base64()


def _ed25519(tmp_path: Path) -> Path:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    pem = ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption())
    (tmp_path / "id").write_bytes(pem)
    return tmp_path / "id"


def test_validate_on_a_fifo_through_the_cli_runner_does_not_block(tmp_path: Path) -> None:
    fifo = tmp_path / "p.csv"
    os.mkfifo(fifo)
    result = CliRunner().invoke(main, ["validate", str(fifo)])
    assert result.exit_code == 2 and "is a FIFO" in result.stderr


def _batch(path: Path) -> Path:
    from conftest_sftp import write_batch

    path.parent.mkdir(parents=True, exist_ok=True)
    return write_batch(path, 5)


def test_ctrl_c_exits_130_not_the_findings_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from batchkit.delivery import files as delivery

    def interrupted(*args: object, **kw: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(delivery, "deliver_files", interrupted)
    batch = _batch(tmp_path / "files" / "acme_order-modifications.csv")
    result = CliRunner().invoke(main, ["deliver", str(batch), "--to", str(tmp_path / "out"),
                                       "--state-dir", str(tmp_path / "state")])
    assert result.exit_code == 130 and "interrupted; running again is safe" in result.stderr
    assert "Aborted!" not in result.output


def test_a_name_too_long_for_its_temporary_name_is_refused_before_sending(tmp_path: Path) -> None:
    batch = _batch(tmp_path / "files" / ("a" * 223 + "_order-modifications.csv"))  # 247: .NAME.commit is 255
    longer = _batch(tmp_path / "files" / ("b" * 224 + "_order-modifications.csv"))  # 248: .NAME.commit is 256
    args = ["--to", str(tmp_path / "out"), "--state-dir", str(tmp_path / "state")]
    result = CliRunner().invoke(main, ["deliver", str(longer), *args])
    assert result.exit_code == 2 and "the name is too long to deliver" in result.stderr and "attempt" not in result.output
    assert CliRunner().invoke(main, ["deliver", str(batch), *args]).exit_code == 0


def test_a_file_name_with_a_newline_stays_one_line(tmp_path: Path) -> None:
    batch = _batch(tmp_path / "files" / "acme\nevil_order-modifications.csv")
    result = CliRunner().invoke(main, ["deliver", str(batch), "--to", str(tmp_path / "out"),
                                       "--state-dir", str(tmp_path / "state")])
    assert result.exit_code == 0
    assert result.output.count("\n") == 1 and "acme\\x0aevil_order-modifications.csv" in result.output


def test_thousands_of_item_groups_are_read_whole_and_in_bounded_time(tmp_path: Path) -> None:
    groups = 4000  # 20,002 columns: a header line of ~230 KB and one frame column per group field
    fields = ("Sku", "Amount", "Quantity", "Category", "Reason")
    head = ["OrderId", "ActionTrackerId"] + [f"{f}{'' if g == 1 else g}" for g in range(1, groups + 1) for f in fields]
    row = ["ORD-1", "2240"] + [v for g in range(1, groups + 1) for v in (f"S{g}", "1.00", "1", "c", "ITEM_RETURNED")]
    (tmp_path / "w_item-modifications.csv").write_text(",".join(head) + "\n" + ",".join(row) + "\n")
    done = _batchkit("validate", str(tmp_path / "w_item-modifications.csv"), timeout=60)
    assert done.returncode == 0, done.stderr  # one frame per group made this ~28 s; column-wise it is ~12 s


def test_a_header_longer_than_a_megabyte_is_read_whole() -> None:
    names = ["OrderId", "ActionTrackerId", "Amount", "Reason"] + [f"Extra{i}" for i in range(120_000)]
    text = ",".join(names) + "\n" + ",".join(["ORD-1", "2240", "0", "ITEM_RETURNED"] + [""] * 120_000) + "\n"
    table = read_csv_bytes("h.csv", text.encode())
    assert len(table.header) == len(names) and not [f for f in table.findings if f.code == "BK009"]


def _sheet_with_empty_cells(path: Path, empty: int) -> None:
    """A workbook whose sheet declares `empty` empty <c/> cells after a header and one record."""
    book = openpyxl.Workbook()
    for row in (["OrderId", "ActionTrackerId", "Amount", "Reason"], ["ORD-1", "2240", "0", "ITEM_RETURNED"]):
        book.active.append(row)
    book.save(path)
    import zipfile

    with zipfile.ZipFile(path) as src:
        parts = {name: src.read(name) for name in src.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    filler = "".join(f'<c r="E{r}"/>' for r in range(3, 3 + empty))
    rows = "".join(f'<row r="{r}"><c r="E{r}"/></row>' for r in range(3, 3 + empty)) if filler else ""
    parts["xl/worksheets/sheet1.xml"] = sheet.replace("</sheetData>", rows + "</sheetData>").encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts.items():
            out.writestr(name, data)


def test_a_sheet_of_millions_of_empty_cells_stops_at_the_documented_cap(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from batchkit.io import xlsx

    path = tmp_path / "e_order-reversals.xlsx"
    _sheet_with_empty_cells(path, 5000)
    assert read_table(path).data.values.tolist() == [["ORD-1", "2240", "0", "ITEM_RETURNED"]]  # empty cells: nothing
    monkeypatch.setattr(xlsx, "MAX_CELLS", 1000)  # the real cap is 5,000,000 cell elements
    done = CliRunner().invoke(main, ["validate", str(path)])
    assert done.exit_code == 2 and "holds more than 1,000 cells" in done.stderr and "save it as 'CSV UTF-8'" in done.stderr
