"""The CLI: exit codes, stdout/stderr, the JSON contract, the template command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from batchkit.cli.main import main

CLEAN = "ActionId,Amount,Reason\n1000.4636.1,0,ITEM_RETURNED\n"
BROKEN = "ActionId,Amount,Reason\n1000.4636.1,$5,ITEM_RETURNED\n1000.4636.2,,item_returned\n"


def _run(runner: CliRunner, *args: str):
    return runner.invoke(main, list(args))


def test_clean_file_exits_0(runner: CliRunner, tmp_path: Path) -> None:
    f = tmp_path / "acme_order-reversals.csv"
    f.write_text(CLEAN)
    result = _run(runner, "validate", str(f))
    assert result.exit_code == 0, result.output
    assert "order-reversal" in result.stdout and "0 errors" in result.stdout


def test_errors_exit_1_and_text_groups_by_code(runner: CliRunner, tmp_path: Path) -> None:
    f = tmp_path / "acme_order-reversals.csv"
    f.write_text(BROKEN)
    result = _run(runner, "validate", str(f))
    assert result.exit_code == 1
    assert "BK201" in result.stdout and "BK302" in result.stdout
    assert "row 3, column Reason" in result.stdout
    assert "did you mean ITEM_RETURNED" in result.stdout


def test_warnings_only_exit_0(runner: CliRunner, tmp_path: Path) -> None:
    f = tmp_path / "acme_order-reversals.csv"
    f.write_text("ActionId,Amount,Reason\n1000.4636.1,,ITEM_RETURNED\n")
    result = _run(runner, "validate", str(f), "--format", "json")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc["valid"] is True and doc["files"][0]["counts"] == {"BK206": 1}


def test_json_shape(runner: CliRunner, tmp_path: Path) -> None:
    f = tmp_path / "acme_order-reversals.csv"
    f.write_text(BROKEN)
    result = _run(runner, "validate", str(f), "--format", "json")
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["valid"] is False
    (file,) = doc["files"]
    assert {"path", "kind", "rows", "valid", "counts", "findings"} <= set(file)
    assert file["kind"] == "order-reversal" and file["rows"] == 2 and file["valid"] is False
    assert file["counts"] == {"BK201": 1, "BK302": 1, "BK206": 1}
    for finding in file["findings"]:
        assert set(finding) == {"code", "severity", "row", "line", "column", "value", "message"}
    by_code = {x["code"]: x for x in file["findings"]}
    assert by_code["BK201"] == {**by_code["BK201"], "row": 2, "line": 2, "column": "Amount", "value": "$5"}
    assert by_code["BK206"]["severity"] == "warning"


def test_max_samples_caps_listing_but_not_counts(runner: CliRunner, tmp_path: Path) -> None:
    f = tmp_path / "acme_order-reversals.csv"
    rows = "".join(f"1000.4636.{i},$1,ITEM_RETURNED\n" for i in range(25))
    f.write_text("ActionId,Amount,Reason\n" + rows)
    doc = json.loads(_run(runner, "validate", str(f), "--format", "json", "--max-samples", "3").stdout)
    assert doc["files"][0]["counts"]["BK201"] == 25
    assert len(doc["files"][0]["findings"]) == 3
    doc = json.loads(_run(runner, "validate", str(f), "--format", "json", "--max-samples", "0").stdout)
    assert len(doc["files"][0]["findings"]) == 25
    text = _run(runner, "validate", str(f), "--max-samples", "2").stdout
    assert "... and 23 more" in text


def test_missing_file_exits_2_with_one_line(runner: CliRunner, tmp_path: Path) -> None:
    result = _run(runner, "validate", str(tmp_path / "nope.csv"))
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0
    assert "no such file" in result.stderr and "Traceback" not in result.stderr


def test_directory_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    result = _run(runner, "validate", str(tmp_path))
    assert result.exit_code == 2 and "directory" in result.stderr


def test_bad_config_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    f = tmp_path / "acme_order-reversals.csv"
    f.write_text(CLEAN)
    cfg = tmp_path / "bk.toml"
    cfg.write_text("[reasons]\ncustoms = ['APPROVED']\n")
    result = _run(runner, "validate", str(f), "--config", str(cfg))
    assert result.exit_code == 2
    assert "unknown key 'customs' in [reasons]" in result.stderr
    cfg.write_text("[reasons\n")
    assert _run(runner, "validate", str(f), "--config", str(cfg)).exit_code == 2


def test_bad_usage_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    assert _run(runner, "validate").exit_code == 2
    assert _run(runner, "validate", "x.csv", "--kind", "nonsense").exit_code == 2
    assert _run(runner, "validate", "x.csv", "--format", "xml").exit_code == 2


def test_config_custom_reason_and_status(runner: CliRunner, tmp_path: Path) -> None:
    f = tmp_path / "acme_order-modifications.csv"
    f.write_text("ActionId,Amount,CustomerStatus,Reason\n1000.4636.1,5.00,VIP,APPROVED\n")
    assert _run(runner, "validate", str(f)).exit_code == 1
    cfg = tmp_path / "batchkit.toml"
    cfg.write_text('[reasons]\ncustom = ["APPROVED"]\n[customer_status]\naccepted = ["NEW", "EXISTING", "VIP"]\n')
    result = _run(runner, "validate", str(f), "--config", str(cfg), "--format", "json")
    assert result.exit_code == 0, result.stdout
    assert json.loads(result.stdout)["files"][0]["counts"] == {}


def test_several_files_are_one_batch(runner: CliRunner, tmp_path: Path) -> None:
    mod = tmp_path / "acme_order-modifications.csv"
    rev = tmp_path / "acme_order-reversals.csv"
    mod.write_text("ActionId,Amount,Reason\n1000.4636.1,5.00,ORDER_UPDATE\n")
    rev.write_text("ActionId,Amount,Reason\n1000.4636.1,0,ITEM_RETURNED\n")
    result = _run(runner, "validate", str(mod), str(rev), "--format", "json")
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert [f["counts"] for f in doc["files"]] == [{"BK404": 1}, {"BK404": 1}]
    assert _run(runner, "validate", str(mod)).exit_code == 0


def test_kind_reason_is_reported(runner: CliRunner, tmp_path: Path) -> None:
    f = tmp_path / "export.csv"
    f.write_text("ActionId,Amount,CustomerStatus,Reason\n1000.4636.1,5.00,NEW,ORDER_UPDATE\n")
    doc = json.loads(_run(runner, "validate", str(f), "--format", "json").stdout)
    assert doc["files"][0]["kind"] == "order-modification"
    assert "columns" in doc["files"][0]["kind_reason"]
    forced = json.loads(_run(runner, "validate", str(f), "--format", "json", "--kind", "order-reversal").stdout)
    assert forced["files"][0]["kind"] == "order-reversal"
    assert forced["files"][0]["counts"]["BK216"] == 1  # CustomerStatus does not belong in a reversal


def test_template_writes_clean_file_and_never_overwrites(runner: CliRunner, tmp_path: Path) -> None:
    from batchkit.core.kinds import KIND_IDS

    for kind in KIND_IDS:
        out = tmp_path / f"{kind}.csv"
        assert _run(runner, "template", kind, "-o", str(out)).exit_code == 0
        check = _run(runner, "validate", str(out), "--kind", kind, "--format", "json")
        assert check.exit_code == 0, check.stdout
        assert json.loads(check.stdout)["files"][0]["rows"] >= 2
        again = _run(runner, "template", kind, "-o", str(out))
        assert again.exit_code == 2 and "already exists" in again.stderr
    stdout = _run(runner, "template", "order-reversal").stdout
    assert stdout.startswith("ActionId,OrderId,ActionTrackerId,Amount,Reason\n")


def test_installed_console_script_and_debug_traceback(tmp_path: Path) -> None:
    exe = Path(sys.executable).parent / "batchkit"
    missing = str(tmp_path / "missing.csv")
    plain = subprocess.run([str(exe), "validate", missing], capture_output=True, text=True)
    assert plain.returncode == 2 and "Traceback" not in plain.stderr
    debug = subprocess.run([str(exe), "--debug", "validate", missing], capture_output=True, text=True)
    assert debug.returncode != 0 and "Traceback" in debug.stderr


def test_every_command_has_help_and_is_documented(runner: CliRunner, root: Path) -> None:
    """Every command and subcommand has help, and a how-to page (or the README) shows it in use; the reference
    (docs/reference/commands.md) lists every option, generated from click (tests/test_docs_site.py)."""
    import click

    written = [root / "README.md", *sorted((root / "docs" / "how-to").glob("*.md")),
               *sorted((root / "docs" / "getting-started").glob("*.md"))]
    docs = "\n".join(path.read_text(encoding="utf-8") for path in written)
    for name, command in main.commands.items():
        assert command.help, name
        assert _run(runner, name, "--help").exit_code == 0
        assert f"batchkit {name}" in docs, f"no how-to page (nor the README) shows `batchkit {name}`"
        for sub in command.commands if isinstance(command, click.Group) else ():
            assert f"batchkit {name} {sub}" in docs, f"no how-to page (nor the README) shows `batchkit {name} {sub}`"


def test_colour_codes_are_the_ones_click_writes() -> None:
    import click

    from batchkit.render.text import _paint

    for fg in ("red", "green", "yellow"):
        assert _paint("BK201", fg, color=True) == click.style("BK201", fg=fg, bold=True)
    assert _paint("BK201", "red", color=False) == "BK201"
