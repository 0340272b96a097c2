"""The pre-commit hook (through real pre-commit, offline) and the composite GitHub Action."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
GOOD = "ActionId,Amount,Reason\n1000.4636.1,0,ITEM_RETURNED\n"
BAD = "ActionId,Amount,Reason\n1000.4636.1,$5,item_returned\n"


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
                        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"})


def test_pre_commit_hook_runs_through_pre_commit(tmp_path: Path) -> None:
    """The shipped hook definition, run by pre-commit itself against a temporary repository.

    Offline: `language: python` would make pre-commit pip-install batchkit and its dependencies
    into a fresh environment, so the test copies the manifest with `language: system` (the same
    id, entry, files pattern and options) and puts this virtualenv's batchkit on PATH.
    """
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    (hook,) = hooks
    assert hook["id"] == "batchkit-validate" and hook["language"] == "python"
    hook_repo = tmp_path / "hook-repo"
    hook_repo.mkdir()
    (hook_repo / ".pre-commit-hooks.yaml").write_text(yaml.safe_dump([{**hook, "language": "system"}]))
    _git(hook_repo, "init", "-q")
    _git(hook_repo, "add", ".")
    _git(hook_repo, "commit", "-qm", "hooks")
    work = tmp_path / "work"
    work.mkdir()
    _git(work, "init", "-q")
    (work / "acme_order-reversals.csv").write_text(GOOD)
    (work / "notes.txt").write_text("$5,item_returned")  # not matched by the hook's files pattern
    _git(work, "add", ".")
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "PRE_COMMIT_HOME": str(tmp_path / "pc-home")}
    run = lambda: subprocess.run([str(BIN / "pre-commit"), "try-repo", str(hook_repo), "batchkit-validate", "--all-files"],
                                 cwd=work, capture_output=True, text=True, env=env)
    ok = run()
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "batchkit validate" in ok.stdout and "Passed" in ok.stdout
    (work / "acme_order-reversals.csv").write_text(BAD)
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["ActionId", "Amount", "Reason"])
    book.active.append(["1000.4636.9", 0, "NOT_A_CODE"])
    book.save(work / "acme_order-reversals_2.xlsx")  # matched by the pattern too
    _git(work, "add", ".")
    bad = run()
    assert bad.returncode != 0
    assert "BK201" in bad.stdout and "Failed" in bad.stdout
    assert "acme_order-reversals_2.xlsx" in bad.stdout and "'NOT_A_CODE'" in bad.stdout


def test_composite_action_installs_and_validates(tmp_path: Path) -> None:
    """action.yml's steps: setup-python, pip install of the action path, then validate with annotations."""
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    assert steps[0]["uses"].startswith("actions/setup-python@")
    install, check = steps[1]["run"], steps[2]["run"]
    assert "pip install" in install and "${{ github.action_path }}" in install
    assert set(action["inputs"]) >= {"files", "args"} and action["inputs"]["files"]["required"] is True
    (tmp_path / "acme_order-reversals.csv").write_text(BAD)
    command = (check.replace("${{ inputs.files }}", "*.csv").replace("${{ inputs.args }}", "--max-samples 5"))
    summary = tmp_path / "summary.md"
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "GITHUB_ACTIONS": "true",
           "GITHUB_STEP_SUMMARY": str(summary)}
    result = subprocess.run(["bash", "-c", command], cwd=tmp_path, capture_output=True, text=True, env=env)
    assert result.returncode == 1
    assert "::error file=acme_order-reversals.csv,line=2," in result.stdout
    assert "BK201" in summary.read_text()
    assert shutil.which("bash") and shlex.split(command)[0] == "batchkit"
