"""Examples are tests (issue #27): the shell examples of the README and the docs run here, so the docs cannot drift.

A runnable example is a fenced ```sh block (or bash, shell, console) right after a marker line (blank lines
between are allowed):

    <!-- run -->                 the samples only
    <!-- run: drop -->           and a folder ./outbox (the default destination of `batchkit deliver`)
    <!-- run: sandbox -->        and a real sandbox (batchkit.sandbox.Sandbox on 127.0.0.1, the shipped seed), its
                                 account in BATCHKIT_API_URL, IMPACT_ACCOUNT_SID (IRSANDBOXACME1),
                                 IMPACT_AUTH_TOKEN and BATCHKIT_CAMPAIGN_ID (4636)
    <!-- run: sandbox drop -->   both (words separated by spaces or commas); the sandbox then watches ./outbox as
                                 its drop folder: files delivered there become its FTP file submissions

In the block, every line (`\\`-continued lines joined) is a `batchkit ...` command (a leading `$ ` is dropped),
a `# comment` or blank; any other line is an error. Each command runs with bash in the page's environment and
must exit 0, unless its trailing comment says `# exit N` (`# ... exit 1`, `# exit code 1` also work).

An optional expected output follows: a marker `<!-- output -->`, after the runnable block and before any other
fenced block, then a fenced block (```text). It is compared with everything the block's commands printed, stdout
and stderr together in the order written, line by line, after normalising both sides: trailing spaces and
leading/trailing blank lines dropped; the page's working folder shown as `$PWD`, its home as `~` (the state
folder is ~/.local/state/batchkit); date-times (2026-11-22T19:05:00Z, 2026-11-22 19:05 UTC) as <time>; durations
(0.07 s) as <secs>; 127.0.0.1:PORT as 127.0.0.1:<port>. A line `...` in the expected output matches any number
of lines, `...` inside a line any text.

The blocks of one page run in order in one environment (made for the page's first block, with every word any of
its markers names): the working folder is a fresh copy of the repository's samples/ and schemas/ (so
`samples/batch/...` works as in the repository), HOME and BATCHKIT_STATE_DIR in the temporary folder, no
BATCHKIT_*, IMPACT_*, GITHUB_* or XDG_* variable of the caller's, COLUMNS=80, TZ=UTC; `batchkit` is the one beside
this Python (.venv/bin/batchkit). Running one block alone (pytest -k) runs the page's earlier blocks first.

With a sandbox, `http://127.0.0.1:8089` in a command (where `batchkit sandbox` serves by default) becomes the
sandbox's own URL.

The commands' own examples (their --help epilogs, examples() in batchkit/cli/base.py) run too, one item per
command, with the sandbox and its drop (as `sandbox drop`): a group's examples (a walk-through of its own) each in
a fresh environment; every other command's in one shared environment, as a user would run them one after the
other: a group's subcommands in the order the group's own examples name them (build, validate, deliver; inquiries
pull, match, resolve), then the others in the order the group registers them (deliver before results). Each line
must exit 0 unless it ends with `# exit N`. `batchkit serve` and `batchkit sandbox` serve until stopped: their
examples are not run.

Pages: README.md and docs/**/*.md. Items are named PAGE:LINE (the line of the opening fence).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # the venv's bin, holding its `batchkit`
TIMEOUT = 180  # seconds one command may take (a long-running command in a runnable block fails, it never hangs)
WORDS = ("drop", "sandbox")  # what a run marker may ask for
LONG_RUNNING = ("serve", "sandbox")  # commands that serve until stopped: their epilog examples are not run

RUN = re.compile(r"^<!--\s*run(?:\s*:\s*(?P<words>[^>]*?))?\s*-->$")
OUTPUT = re.compile(r"^<!--\s*output\s*-->$")
FENCE = re.compile(r"^(?P<fence>`{3,}|~{3,})\s*(?P<info>[\w+-]*)")
SHELLS = ("sh", "bash", "shell", "console")
EXIT = re.compile(r"#.*?\bexit(?:\s+code)?\s+(?P<code>\d+)\b")

SID, TOKEN, CAMPAIGN = "IRSANDBOXACME1", "tok-docs-examples", "4636"
SANDBOX_DEFAULT_URL = "http://127.0.0.1:8089"  # what `batchkit sandbox` serves by default


@dataclass
class Block:
    """A runnable example: where it is, what it needs, its command lines and its expected output (if shown)."""

    page: str
    line: int
    words: frozenset[str]
    commands: list[tuple[int, str, int]] = field(default_factory=list)  # (line, command, expected exit code)
    expected: list[str] | None = None
    error: str = ""
    name: str = ""  # a command's examples: the command

    @property
    def id(self) -> str:
        return self.name or f"{self.page}:{self.line}"


# --- reading the pages ----------------------------------------------------------------------------------------------

def _fenced(lines: list[str], start: int) -> tuple[str, str, list[str], int] | None:
    """(fence, info, body, index after the closing fence) of the fenced block opening at lines[start]."""
    opening = FENCE.match(lines[start].strip())
    if not opening:
        return None
    fence, body = opening.group("fence"), list[str]()
    for index in range(start + 1, len(lines)):
        stripped = lines[index].strip()
        if stripped.startswith(fence) and not stripped.strip(fence[0]):
            return fence, opening.group("info"), body, index + 1
        body.append(lines[index])
    return fence, opening.group("info"), body, len(lines)


def _next_content(lines: list[str], index: int) -> int:
    while index < len(lines) and not lines[index].strip():
        index += 1
    return index


def _commands(block: Block, body: list[str], first: int) -> None:
    """The block's command lines (continuations joined), each with its expected exit code."""
    logical: list[tuple[int, str]] = []
    pending = ""
    start = first
    for offset, raw in enumerate(body):
        if not pending:
            start = first + offset
        line = raw.rstrip()
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append((start, pending + line))
        pending = ""
    if pending:
        logical.append((start, pending))
    for number, line in logical:
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        stripped = stripped.removeprefix("$ ")
        if stripped != "batchkit" and not stripped.startswith("batchkit "):
            block.error = (f"{block.page}:{number}: a runnable block holds only `batchkit ...` commands, comments and "
                           f"blank lines, not {stripped!r}")
            return
        wanted = EXIT.search(stripped)
        block.commands.append((number, stripped, int(wanted.group("code")) if wanted else 0))


def blocks_of(page: str, text: str) -> list[Block]:
    """The runnable blocks of one page, in order."""
    lines, found, index = text.splitlines(), [], 0
    while index < len(lines):
        stripped = lines[index].strip()
        if FENCE.match(stripped):  # a fenced block: markers inside it are text, not markers
            fenced = _fenced(lines, index)
            assert fenced is not None
            index = fenced[3]
            continue
        marker = RUN.match(stripped)
        if not marker:
            index += 1
            continue
        words = frozenset(w for w in re.split(r"[\s,]+", marker.group("words") or "") if w)
        at = _next_content(lines, index + 1)
        block = Block(page, at + 1, words)
        found.append(block)
        unknown = sorted(words - set(WORDS))
        fenced = _fenced(lines, at) if at < len(lines) else None
        if unknown:
            block.error = f"{page}:{index + 1}: unknown run word(s) {', '.join(unknown)} (known: {', '.join(WORDS)})"
        elif fenced is None or fenced[1] not in SHELLS:
            block.error = f"{page}:{index + 1}: a run marker must be followed by a fenced ```sh block"
        if fenced is None:
            index = at
            continue
        if not block.error:
            _commands(block, fenced[2], at + 2)
        index = fenced[3]
        after = _next_content(lines, index)
        while after < len(lines) and not FENCE.match(lines[after].strip()) and not RUN.match(lines[after].strip()):
            if OUTPUT.match(lines[after].strip()):
                out_at = _next_content(lines, after + 1)
                shown = _fenced(lines, out_at) if out_at < len(lines) else None
                if shown is None:
                    block.error = block.error or f"{page}:{after + 1}: an output marker must be followed by a fenced block"
                    index = out_at
                else:
                    block.expected = shown[2]
                    index = shown[3]
                break
            after += 1
    return found


def pages() -> list[Path]:
    docs = sorted(p for p in (ROOT / "docs").rglob("*.md") if "_build" not in p.parts) if (ROOT / "docs").is_dir() else []
    return [ROOT / "README.md", *docs]


def collect() -> list[Block]:
    found = []
    for path in pages():
        if path.is_file():
            found += blocks_of(str(path.relative_to(ROOT)), path.read_text(encoding="utf-8"))
    return found


# --- the commands' own examples (their --help epilogs) ---------------------------------------------------------------

CLI_PAGE = "cli"


def _registered(command: Any, path: list[str]) -> Iterator[tuple[Any, list[str]]]:
    """Every command: a group's subcommands in the order its own examples name them (pull, match, resolve), the
    others after them in the order the group registered them."""
    import click

    yield command, path
    if isinstance(command, click.Group):
        epilog = command.epilog or ""

        def named_at(name: str) -> int:
            at = epilog.find(" ".join([*path, name]) + " ")
            return at if at >= 0 else len(epilog) + 1
        order = sorted(command.commands, key=lambda name: (named_at(name), list(command.commands).index(name)))
        for name in order:
            sub = command.commands[name]
            if not sub.hidden:
                yield from _registered(sub, [*path, name])


def epilog_blocks() -> list[Block]:
    """A block per command with examples: a group's (a walk-through of its own) in a fresh environment each; the
    others in one shared environment, in _registered's order, as a user would run them one after the other."""
    import click

    from batchkit.cli.main import main

    found: list[Block] = []
    for command, path in _registered(main, ["batchkit"]):
        lines = [line.strip().removeprefix("$ ") for line in (command.epilog or "").replace("\b", "").splitlines()]
        lines = [line for line in lines if line.startswith("batchkit ")]
        if not lines or (len(path) > 1 and path[1] in LONG_RUNNING):
            continue
        name = " ".join(path)
        page = f"{CLI_PAGE}:{name}" if isinstance(command, click.Group) else CLI_PAGE
        block = Block(page, len(found) + 1, frozenset(WORDS), name=name)
        block.commands = [(i, line, int(m.group("code")) if (m := EXIT.search(line)) else 0)
                          for i, line in enumerate(lines, 1)]  # (the example's place in the epilog, ...)
        found.append(block)
    return found


# --- the environment of a page --------------------------------------------------------------------------------------

class Environment:
    """A page's folder, variables and (when asked for) sandbox; its blocks run in it in order."""

    def __init__(self, root: Path, words: frozenset[str]) -> None:
        self.root, self.work, self.home = root, root / "work", root / "home"
        self.work.mkdir(parents=True)
        for name in ("samples", "schemas"):
            shutil.copytree(ROOT / name, self.work / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        self.home.mkdir()
        self.state = self.home / ".local" / "state" / "batchkit"
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("BATCHKIT_", "IMPACT_", "GITHUB_", "XDG_"))}
        self.env.update({"HOME": str(self.home), "BATCHKIT_STATE_DIR": str(self.state), "COLUMNS": "80", "TZ": "UTC",
                         "PYTHONUNBUFFERED": "1", "NO_COLOR": "1", "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"})
        self.sandbox: Any = None
        drop = self.work / "outbox" if "drop" in words else None
        if drop is not None:
            drop.mkdir()
        if "sandbox" in words:
            from batchkit.sandbox import Sandbox

            self.sandbox = Sandbox(account_sid=SID, auth_token=TOKEN, campaign_id=CAMPAIGN, process_seconds=0.2,
                                   drop=drop)
            self.sandbox.start()
            self.env.update({"BATCHKIT_API_URL": self.sandbox.url, "IMPACT_ACCOUNT_SID": SID,
                             "IMPACT_AUTH_TOKEN": TOKEN, "BATCHKIT_CAMPAIGN_ID": CAMPAIGN})
        self.done: set[int] = set()

    def close(self) -> None:
        if self.sandbox is not None:
            self.sandbox.stop()

    def run(self, block: Block) -> list[str]:
        """Run the block's commands; the failures (empty: every exit code and the output as expected)."""
        self.done.add(block.line)
        problems, printed = [], []
        for number, command, wanted in block.commands:
            if self.sandbox is not None:  # `batchkit sandbox`'s default port, as the examples say it: this one
                command = command.replace(SANDBOX_DEFAULT_URL, self.sandbox.url)
            try:
                done = subprocess.run(["bash", "-o", "pipefail", "-c", command], cwd=self.work, env=self.env,
                                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=TIMEOUT)
                output, code = done.stdout.decode("utf-8", "replace"), done.returncode
            except subprocess.TimeoutExpired as exc:
                output, code = (exc.stdout or b"").decode("utf-8", "replace"), None
            printed.append(output)
            if code != wanted:
                said = "did not end within %d s" % TIMEOUT if code is None else f"exited {code}, not {wanted}"
                where = f"{block.name} example {number}" if block.name else f"{block.page}:{number}"
                problems.append(f"{where}: `{command}` {said}; it printed:\n{output}")
        if block.expected is not None and not problems:
            actual = normalise("".join(printed), self)
            expected = normalise("\n".join(block.expected), None)
            if not matches(expected, actual):
                problems.append(f"{block.id}: the output differs from the page's.\n--- the page shows (normalised):\n"
                                + "\n".join(expected) + "\n--- the commands printed (normalised):\n" + "\n".join(actual))
        return problems


TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2}|\s?UTC)?")
SECONDS = re.compile(r"\b\d+(?:\.\d+)?\s?s\b")
PORT = re.compile(r"\b127\.0\.0\.1:\d+")


def normalise(text: str, env: Environment | None) -> list[str]:
    """`text` as comparable lines (module docstring: paths, times, durations, ports; trailing spaces)."""
    if env is not None:
        for path, shown in ((env.home, "~"), (env.work, "$PWD"), (env.root, "$TMP")):
            for spelling in {str(path), os.path.realpath(path)}:
                text = text.replace(spelling, shown)
    text = PORT.sub("127.0.0.1:<port>", SECONDS.sub("<secs>", TIME.sub("<time>", text)))
    lines = [line.rstrip() for line in text.splitlines()]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _pattern(line: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in line.split("...")))


def matches(expected: list[str], actual: list[str]) -> bool:
    """Line by line; a line `...` matches any number of lines, `...` in a line any text."""
    patterns = [None if line.strip() == "..." else _pattern(line) for line in expected]
    reach = {0}  # how many actual lines the expected lines so far can have consumed
    for pattern in patterns:
        if pattern is None:
            reach = set(range(min(reach), len(actual) + 1))
        else:
            reach = {i + 1 for i in reach if i < len(actual) and pattern.fullmatch(actual[i])}
        if not reach:
            return False
    return len(actual) in reach


# --- the tests ------------------------------------------------------------------------------------------------------

BLOCKS = collect()
EPILOGS = epilog_blocks()
BY_PAGE: dict[str, list[Block]] = {}
for _block in [*BLOCKS, *EPILOGS]:
    BY_PAGE.setdefault(_block.page, []).append(_block)


@pytest.fixture(scope="module")
def environments(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Environment]]:
    made: dict[str, Environment] = {}
    yield made
    for env in made.values():
        env.close()


def _run(block: Block, environments: dict[str, Environment], tmp_path_factory: pytest.TempPathFactory) -> None:
    if block.error:
        pytest.fail(block.error, pytrace=False)
    siblings = BY_PAGE[block.page]
    env = environments.get(block.page)
    if env is None:
        words = frozenset().union(*(b.words for b in siblings))
        env = environments[block.page] = Environment(tmp_path_factory.mktemp("docs-example"), words)
    for earlier in siblings:  # a block run alone (pytest -k) finds what the page's earlier blocks made
        if earlier is block:
            break
        if earlier.line not in env.done and not earlier.error:
            env.run(earlier)
    problems = env.run(block)
    if problems:
        pytest.fail("\n\n".join(problems), pytrace=False)


@pytest.mark.parametrize("block", BLOCKS, ids=[b.id for b in BLOCKS])
def test_doc_example(block: Block, environments: dict[str, Environment],
                     tmp_path_factory: pytest.TempPathFactory) -> None:
    _run(block, environments, tmp_path_factory)


@pytest.mark.parametrize("block", EPILOGS, ids=[b.id for b in EPILOGS])
def test_command_examples(block: Block, environments: dict[str, Environment],
                          tmp_path_factory: pytest.TempPathFactory) -> None:
    """The examples `batchkit COMMAND --help` shows run, from a copy of the repository's samples."""
    _run(block, environments, tmp_path_factory)


# --- the collector itself -------------------------------------------------------------------------------------------

def test_the_collector_reads_markers_commands_exit_codes_and_output() -> None:
    page = "\n".join([
        "<!-- run: sandbox, drop -->", "", "```sh", "$ batchkit validate a.csv \\", "    --max-samples 3   # exit 1",
        "# a comment", "batchkit status", "```", "prose", "<!-- output -->", "```text", "one", "...", "```",
        "```sh", "batchkit not-run", "```", "<!-- run -->", "```python", "x", "```", "<!-- run -->", "```sh",
        "ls", "```", "````md", "<!-- run -->", "````"])
    first, second, third = blocks_of("p.md", page)
    assert (first.id, first.words, first.expected) == ("p.md:3", frozenset({"sandbox", "drop"}), ["one", "..."])
    assert first.commands == [(4, "batchkit validate a.csv      --max-samples 3   # exit 1", 1),
                              (7, "batchkit status", 0)]
    assert "fenced ```sh block" in second.error and "not 'ls'" in third.error


def test_outputs_match_with_wildcards_and_normalised_values() -> None:
    assert matches(["a", "...", "d ... f"], ["a", "b", "c", "d e f"])
    assert matches(["a", "..."], ["a"]) and not matches(["a"], ["a", "b"]) and not matches(["x ... z"], ["x y"])
    assert normalise("sent x (42 bytes, 0.07 s) on 2026-11-22T19:05:00Z to http://127.0.0.1:4711  \n\n", None) == [
        "sent x (42 bytes, <secs>) on <time> to http://127.0.0.1:<port>"]
