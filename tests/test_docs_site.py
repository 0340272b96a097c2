"""The docs site (issue #27) builds with `mkdocs build --strict` (no broken link, no page outside the nav, no
mkdocstrings warning), and its reference pages, generated from the code by docs/hooks.py, hold every command,
rule code, configuration section and key, environment variable and public name."""

from __future__ import annotations

import html
import importlib.util
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

import batchkit
from batchkit.core.codes import catalogue
from batchkit.core.config import SECTIONS, TOP_KEYS

ROOT = Path(__file__).resolve().parent.parent


def _hooks() -> ModuleType:
    spec = importlib.util.spec_from_file_location("batchkit_docs_hooks", ROOT / "docs" / "hooks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


HOOKS = _hooks()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The site, built once with the venv's mkdocs, strictly (never --quiet: mkdocs 1.6 then drops the warnings
    before --strict counts them)."""
    pytest.importorskip("mkdocs", reason="the docs packages are in the test extra: pip install -e '.[test]'")
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f",
                           str(ROOT / "mkdocs.yml"), "-d", str(out)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, f"mkdocs build --strict failed:\n{done.stdout}\n{done.stderr}"
    yield out


def _page(site: Path, name: str) -> str:
    """The text of a built page's article (tags dropped, entities decoded)."""
    page = (site / "reference" / name / "index.html").read_text(encoding="utf-8")
    article = page[page.index("<article"):page.index("</article>")]
    return html.unescape(re.sub(r"<[^>]+>", "", article))


def test_the_site_builds_strictly(site: Path) -> None:
    for name in ("commands", "codes", "config", "library", "exit-codes"):
        assert (site / "reference" / name / "index.html").is_file()
    assert not list(site.rglob("*.py")), "the hooks are code, not pages"


def test_every_command_is_documented(site: Path) -> None:
    text, markdown = _page(site, "commands"), HOOKS.generate("commands")
    for command, path, _ctx in HOOKS.command_tree():
        assert " ".join(path) in text
        for param in command.params:
            if param.param_type_name != "option":
                continue
            for name in param.opts:
                if getattr(param, "hidden", False):  # an old spelling, still accepted: not documented
                    assert f"`{name}`" not in markdown.split(f"# {' '.join(path)} ")[1].split("\n#")[0]
                else:
                    assert name in text, f"{' '.join(path)}: {name}"


def test_every_rule_code_is_documented_with_its_fix(site: Path) -> None:
    markdown = HOOKS.generate("codes")
    text = _page(site, "codes")
    for code, info in catalogue().items():
        assert f"| {code} |" in markdown  # the catalogue's rows, as tests/test_docs.py looks for them
        assert f"{code}" in text and " ".join(info.title.split()) in text
    assert "BK001-utf16-le-without-bom" in text or "From tests/cases/" in text  # the examples come from the cases


def test_every_config_section_key_and_variable_is_documented(site: Path) -> None:
    text = _page(site, "config")
    for name, section in SECTIONS.items():
        assert f"[{name}]" in text
        for key in section.keys:
            assert key in text
    for key in TOP_KEYS:
        assert key in text
    for variable in HOOKS.environment_variables():
        assert variable in text


def test_every_environment_variable_batchkit_reads_is_documented() -> None:
    """A BATCHKIT_* or IMPACT_* name in the code that the config page does not list is a drift."""
    named = set()
    for path in (ROOT / "batchkit").rglob("*.py"):
        named |= set(re.findall(r"\b((?:BATCHKIT|IMPACT)_[A-Z][A-Z0-9_]*[A-Z0-9])\b", path.read_text(encoding="utf-8")))
    missing = sorted(named - set(HOOKS.environment_variables()))
    assert not missing, f"add these to the config registry's variables (docs/hooks.py ENV_ONLY): {missing}"


def test_the_library_page_documents_every_public_name(site: Path) -> None:
    text = _page(site, "library")
    for name in batchkit.__all__:
        if not name.startswith("_"):
            assert name in text


def test_a_marker_inside_a_fenced_block_is_left_alone_and_an_unknown_one_fails() -> None:
    page = "```md\n<!-- generated: codes -->\n```\n<!-- generated: nothing -->\n"
    with pytest.raises(Exception, match="no generated section 'nothing'"):
        HOOKS.expand(page, "p.md")
    assert HOOKS.expand("```md\n<!-- generated: codes -->\n```\n") == "```md\n<!-- generated: codes -->\n```\n"
    assert "## batchkit deliver" in HOOKS.expand("<!-- generated: commands deliver -->\n")
