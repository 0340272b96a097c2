"""CI formats parsed, not string-compared: GitHub commands, JUnit XML, SARIF 2.1.0; exit-code flags."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from batchkit.cli.main import main
from batchkit.core.codes import catalogue

BROKEN = ('ActionId,OrderId,ActionTrackerId,Amount,Reason\n'
          '1000.4636.1,,,$5,ITEM_RETURNED\n'
          ',ORD-7,2240,0,"item\nreturned"\n'
          '1000.4636.3,,,,ITEM_RETURNED\n')


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    f = tmp_path / "acme_order-reversals.csv"
    f.write_text(BROKEN)
    return f


def _run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, list(args), env=env)


GH = re.compile(r"^::(error|warning|notice) ([^:]*)::(.*)$")


def _gh(stdout: str) -> list[tuple[str, dict[str, str], str]]:
    out = []
    for line in stdout.splitlines():
        m = GH.match(line)
        if m:
            props = dict(p.split("=", 1) for p in m.group(2).split(",") if "=" in p)
            out.append((m.group(1), props, m.group(3)))
    return out


def test_github_annotations(broken: Path) -> None:
    result = _run("validate", str(broken), "--format", "github")
    assert result.exit_code == 1
    notes = _gh(result.stdout)
    by_title = {p["title"].split()[0]: (level, p, msg) for level, p, msg in notes}
    level, props, msg = by_title["BK201"]
    assert level == "error" and props["line"] == "2" and props["col"] == "15" and "%24" not in msg
    assert by_title["BK302"][1]["line"] == "3"  # the physical line where the record starts
    assert by_title["BK206"][0] == "warning" and by_title["BK206"][1]["line"] == "5"


def test_github_is_default_under_actions_and_writes_step_summary(broken: Path, tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    result = _run("validate", str(broken), env={"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)})
    assert _gh(result.stdout), result.stdout
    table = summary.read_text()
    assert "| file | kind | rows | errors | warnings | codes |" in table
    assert "BK201 (1)" in table and "order-reversal" in table


def test_github_caps_annotations_most_important_first(tmp_path: Path) -> None:
    f = tmp_path / "acme_order-reversals.csv"
    f.write_text("ActionId,Amount,Reason\n" + "".join(f"1000.4636.{i},,ITEM_RETURNED\n1000.4637.{i},$1,ITEM_RETURNED\n" for i in range(30)))
    notes = _gh(_run("validate", str(f), "--format", "github", "--max-samples", "0").stdout)
    levels = [n[0] for n in notes]
    assert levels.count("error") == 10 and levels.count("warning") == 10
    assert levels.index("warning") > max(i for i, x in enumerate(levels) if x == "error")
    notice = [n for n in notes if n[0] == "notice"]
    assert notice and "40 more findings" in notice[0][2]


def test_junit_parses(broken: Path) -> None:
    result = _run("validate", str(broken), "--format", "junit")
    root = ET.fromstring(result.stdout)
    assert root.tag == "testsuites"
    (suite,) = root.findall("testsuite")
    cases = {c.get("name").split()[0]: c for c in suite.findall("testcase")}
    assert set(cases) == {"BK201", "BK302", "BK206"}
    assert cases["BK201"].find("failure") is not None
    assert cases["BK206"].find("failure") is None  # a warning does not fail by default
    assert suite.get("failures") == "2" and root.get("tests") == "3"
    warn = ET.fromstring(_run("validate", str(broken), "--format", "junit", "--fail-on", "warning").stdout)
    assert warn.find("testsuite").get("failures") == "3"


def test_sarif_has_required_fields(broken: Path) -> None:
    doc = json.loads(_run("validate", str(broken), "--format", "sarif").stdout)
    assert doc["version"] == "2.1.0" and "$schema" in doc
    (run,) = doc["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == list(catalogue())
    assert all(r["shortDescription"]["text"] and r["fullDescription"]["text"] for r in rules)
    results = {r["ruleId"]: r for r in run["results"]}
    assert set(results) == {"BK201", "BK302", "BK206"}
    for r in run["results"]:
        assert r["level"] in ("error", "warning") and r["message"]["text"]
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
        loc = r["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uri"].endswith("acme_order-reversals.csv")
    assert results["BK302"]["locations"][0]["physicalLocation"]["region"]["startLine"] == 3
    assert results["BK206"]["locations"][0]["physicalLocation"]["region"]["startLine"] == 5


def test_fail_on_exit_zero_select_ignore(tmp_path: Path, broken: Path) -> None:
    warn_only = tmp_path / "w_order-reversals.csv"
    warn_only.write_text("ActionId,Amount,Reason\n1000.4636.1,,ITEM_RETURNED\n")
    assert _run("validate", str(warn_only)).exit_code == 0
    assert _run("validate", str(warn_only), "--fail-on", "warning").exit_code == 1
    assert _run("validate", str(broken), "--exit-zero").exit_code == 0
    doc = json.loads(_run("validate", str(broken), "--format", "json", "--ignore", "BK2").stdout)
    assert doc["files"][0]["counts"] == {"BK302": 1}
    doc = json.loads(_run("validate", str(broken), "--format", "json", "--select", "BK201,BK206").stdout)
    assert doc["files"][0]["counts"] == {"BK201": 1, "BK206": 1} and doc["errors"] == 1 and doc["warnings"] == 1
    only_warnings = _run("validate", str(broken), "--select", "BK206")
    assert only_warnings.exit_code == 0
    bad = _run("validate", str(broken), "--ignore", "BK999")
    assert bad.exit_code == 2 and "BK999" in bad.stderr


def test_select_and_fail_on_from_config(tmp_path: Path, broken: Path) -> None:
    cfg = tmp_path / "bk.toml"
    cfg.write_text('[validate]\nignore = ["BK201", "BK302"]\nfail_on = "warning"\n')
    result = _run("validate", str(broken), "--config", str(cfg), "--format", "json")
    assert json.loads(result.stdout)["files"][0]["counts"] == {"BK206": 1}
    assert result.exit_code == 1
    cfg.write_text('[validate]\nfail_on = "sometimes"\n')
    assert _run("validate", str(broken), "--config", str(cfg)).exit_code == 2


@pytest.mark.parametrize("fmt", ["text", "github", "junit", "sarif", "json"])
def test_control_characters_in_a_header_never_reach_the_output(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / "esc_order-reversals.csv"
    path.write_bytes(b'ActionId,OrderId,ActionTrackerId,Amount,Reason,"X\x1b[2J\x07\x01"\n,A1,2240,0,ITEM_RETURNED,\n')
    result = CliRunner().invoke(main, ["validate", str(path), "--format", fmt])
    assert result.exit_code == 1 and "BK007" in result.stdout
    assert not any(c in result.stdout for c in "\x1b\x07\x01")  # a terminal or CI log would obey ESC
    if fmt == "junit":
        ET.fromstring(result.stdout.encode("utf-8"))  # the control characters made it invalid XML
