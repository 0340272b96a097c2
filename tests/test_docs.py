"""The README documents what the tool does: every rule code, the two set-up commands, .ci/run."""

from __future__ import annotations

from pathlib import Path

from batchkit.core.codes import catalogue


def test_readme_lists_every_rule_code(root: Path) -> None:
    readme = (root / "README.md").read_text()
    missing = [code for code in catalogue() if f"| {code} |" not in readme]
    assert not missing, f"README rule table lacks {missing}"


def test_readme_opens_with_the_two_commands_and_ci_uses_the_test_one(root: Path) -> None:
    readme = (root / "README.md").read_text().splitlines()
    block = readme[readme.index("```sh") + 1: readme.index("```sh") + 3]
    assert [line.split("#")[0].strip() for line in block] == ["bash scripts/demo.sh", "bash scripts/test.sh"]
    assert "bash scripts/test.sh" in (root / ".ci" / "run").read_text()
