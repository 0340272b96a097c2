"""The README is the door and docs/ the house (issue #27): the README opens with the two set-up commands, stays
short and says how to reach the tool; every relative link of the README and the written pages leads to a file;
the examples name sample files that exist; the drift the issue found stays fixed (SPEC citations, trailing
comments in systemd units, refs that do not exist); the changelog carries pyproject's version.

The rule codes, commands, keys and library names are checked on the generated reference pages
(tests/test_docs_site.py); the runnable examples run in tests/test_doc_examples.py.
"""

from __future__ import annotations

import glob
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
WRITTEN = ["index.md", "getting-started/finance.md", "getting-started/ci.md", "getting-started/ops.md",
           *(f"how-to/{name}.md" for name in ("validate", "fix", "build", "deliver", "preflight", "results", "run",
                                              "serve", "radar", "inquiries", "api", "sandbox", "ci", "python")),
           *(f"explanation/{name}.md" for name in ("exactly-once", "rate-limit", "sandbox", "preflight-limits",
                                                   "security")),
           "benchmarks.md", "changelog.md", "development.md"]
GENERATED = [f"reference/{name}.md" for name in ("commands", "codes", "config", "library", "exit-codes")]
USER_FILES = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", ROOT / "CHANGELOG.md",
              *(ROOT / "docs" / page for page in WRITTEN)]
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^(`{3,}|~{3,})\s*([\w+-]*)")


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _blocks(text: str) -> list[tuple[str, str, list[str]]]:
    """(info, the line before the opening fence that is not blank, body) of every fenced block."""
    lines, found, index = text.splitlines(), [], 0
    while index < len(lines):
        opening = FENCE.match(lines[index].strip())
        if not opening:
            index += 1
            continue
        before = next((line.strip() for line in reversed(lines[:index]) if line.strip()), "")
        end = next((i for i in range(index + 1, len(lines)) if lines[i].strip().startswith(opening.group(1))),
                   len(lines))
        found.append((opening.group(2), before, lines[index + 1:end]))
        index = end + 1
    return found


def _prose(text: str) -> str:
    """The text outside fenced blocks (links inside code are examples, not links)."""
    out, inside = [], None
    for line in text.splitlines():
        opening = FENCE.match(line.strip())
        if opening and inside is None:
            inside = opening.group(1)
        elif inside is not None and line.strip().startswith(inside):
            inside = None
        elif inside is None:
            out.append(line)
    return "\n".join(out)


def test_readme_opens_with_the_two_commands_and_ci_uses_the_test_one(root: Path) -> None:
    readme = (root / "README.md").read_text().splitlines()
    block = readme[readme.index("```sh") + 1: readme.index("```sh") + 3]
    assert [line.split("#")[0].strip() for line in block] == ["bash scripts/demo.sh", "bash scripts/test.sh"]
    assert "bash scripts/test.sh" in (root / ".ci" / "run").read_text()


def test_the_readme_is_a_short_door_that_says_how_to_reach_the_tool(root: Path) -> None:
    readme = _text(root / "README.md")
    assert len(readme.splitlines()) <= 160, "the README is the door: move the detail into docs/"
    head = "\n".join(readme.splitlines()[:25])  # the first screen
    assert ".venv/bin/batchkit" in head and "source .venv/bin/activate" in head
    assert "pipx install" in readme and "pip wheel" in readme  # installed for real use, not only for development
    for command in ("validate", "fix", "build", "--preflight", "deliver", "status", "serve"):  # the tour
        assert command in readme
    assert "docs/workbench-check.png" in readme


@pytest.mark.parametrize("page", WRITTEN + GENERATED)
def test_every_page_of_the_site_exists(page: str) -> None:
    assert (ROOT / "docs" / page).is_file(), f"docs/{page} is in the site's nav"


@pytest.mark.parametrize("path", USER_FILES, ids=[str(p.relative_to(ROOT)) for p in USER_FILES])
def test_relative_links_lead_to_files(path: Path) -> None:
    broken = []
    for target in LINK.findall(_prose(_text(path))):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
            continue  # a URL, or an anchor on the same page (mkdocs build --strict checks anchors)
        file = (path.parent / target.split("#")[0]).resolve()
        if not file.exists():
            broken.append(target)
    assert not broken, f"{path.relative_to(ROOT)}: links to missing files: {broken}"


def _runnable(path: Path) -> list[list[str]]:
    return [body for info, before, body in _blocks(_text(path)) if info in ("sh", "bash")
            and re.match(r"^<!--\s*run\b", before)]


@pytest.mark.parametrize("path", USER_FILES, ids=[str(p.relative_to(ROOT)) for p in USER_FILES])
def test_runnable_examples_name_sample_files_that_exist(path: Path) -> None:
    missing = []
    for body in _runnable(path):
        for line in body:
            for name in re.findall(r"(?<![\w/.-])samples/[\w./*-]+", line.split(" #")[0]):
                if not glob.glob(str(ROOT / name)):
                    missing.append(name)
    assert not missing, f"{path.relative_to(ROOT)}: no such sample: {missing}"


def test_the_docs_mark_examples_runnable(root: Path) -> None:
    """Examples are tests: the README and the task pages carry runnable blocks."""
    for page in ("README.md", "docs/how-to/validate.md", "docs/how-to/build.md", "docs/how-to/deliver.md",
                 "docs/how-to/preflight.md", "docs/how-to/inquiries.md", "docs/how-to/run.md"):
        assert _runnable(root / page), f"{page} has no <!-- run --> example"


def test_no_citation_of_a_spec_users_do_not_have() -> None:
    for path in USER_FILES:
        assert not re.search(r"SPEC\s*§|SPEC \d", _text(path)), f"{path.relative_to(ROOT)} cites the SPEC"


def test_systemd_units_keep_comments_on_lines_of_their_own() -> None:
    """systemd takes `#` comments only at the start of a line: after a value they become part of it."""
    for path in USER_FILES:
        for info, _before, body in _blocks(_text(path)):
            if info != "ini":
                continue
            for line in body:
                if "=" in line and not line.lstrip().startswith(("#", ";")):
                    assert " #" not in line and "\t#" not in line, f"{path.relative_to(ROOT)}: {line!r}"


def test_examples_pin_refs_that_exist() -> None:
    """No tag is pinned until a release has made it (docs/development.md#releasing): the examples pin a commit."""
    tags: set[str] = set()  # the repository's tags, when it is a git checkout
    if (ROOT / ".git" / "refs" / "tags").is_dir():
        tags = {p.name for p in (ROOT / ".git" / "refs" / "tags").iterdir()}
    if (ROOT / ".git" / "packed-refs").is_file():
        tags |= set(re.findall(r"refs/tags/(\S+)", _text(ROOT / ".git" / "packed-refs")))
    for path in USER_FILES:
        for ref in re.findall(r"(?:rev:\s*|batchkit@)(v\d[\w.]*)", _text(path)):
            assert ref in tags, f"{path.relative_to(ROOT)} pins {ref}, a tag that does not exist"


def test_the_changelog_has_pyprojects_version_and_the_site_includes_it(root: Path) -> None:
    version = tomllib.loads(_text(root / "pyproject.toml"))["project"]["version"]
    changelog = _text(root / "CHANGELOG.md")
    assert changelog.startswith("# Changelog") and "Keep a Changelog" in changelog
    assert re.search(rf"^## \[{re.escape(version)}\]", changelog, re.MULTILINE), f"CHANGELOG.md has no section for {version}"
    assert "CHANGELOG.md" in _text(root / "docs" / "changelog.md")


def test_the_performance_figures_and_the_contributor_layout_moved_out_of_the_readme(root: Path) -> None:
    readme = _text(root / "README.md")
    assert "## Performance" not in readme and "## Layout" not in readme
    assert "benchmarks/validate_bench.py" in _text(root / "docs" / "benchmarks.md")
    development = _text(root / "docs" / "development.md")
    assert "## Layout" in development and "## The import rule" in development
    assert "docs/development.md" in _text(root / "CONTRIBUTING.md")
