"""The interface, made consistent (issue 27): every command's --help ends with examples that work as written, one
spelling per option (-o/--output; the old --out hidden but working), one text per shared option, the API's account
flags on every command that talks to it and honoured (also by deliver --preflight), and the sandbox's export lines
enough on their own to preflight against it."""

from __future__ import annotations

import glob
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from conftest_api import CAMPAIGN, SID, TOKEN, api_env, sandbox  # noqa: F401 (fixtures)

from batchkit.cli import base
from batchkit.cli.main import main
from batchkit.sandbox import Sandbox

ROOT = Path(__file__).resolve().parent.parent
API_COMMANDS = ["validate", "deliver", "radar", "results", "actions sync", "actions show", "inquiries pull",
                "inquiries match", "inquiries resolve"]
NO_ENV = {name: None for name in ("BATCHKIT_API_URL", "IMPACT_ACCOUNT_SID", "IMPACT_AUTH_TOKEN", "BATCHKIT_CAMPAIGN_ID",
                                  "BATCHKIT_STATE_DIR", "BATCHKIT_TO", "GITHUB_ACTIONS")}


def _commands(group: click.Group = main, prefix: str = "") -> Iterator[tuple[str, click.Command]]:
    """Every command and group under `group`, by its path ("" for batchkit itself, "inquiries match", ...)."""
    yield prefix, group
    for name, command in sorted(group.commands.items()):
        path = f"{prefix} {name}".strip()
        if isinstance(command, click.Group):
            yield from _commands(command, path)
        else:
            yield path, command


COMMANDS = dict(_commands())


def _help(path: str) -> str:
    result = CliRunner().invoke(main, [*path.split(), "--help"])
    assert result.exit_code == 0, result.output
    return result.stdout


def _examples(path: str) -> list[str]:
    """The command lines of the Examples section that ends `path`'s --help."""
    text = _help(path)
    assert "\nExamples:\n" in text.replace("  Examples:", "Examples:"), f"`batchkit {path} --help` has no Examples"
    tail = text.split("Examples:\n", 1)[1]
    return [line.strip() for line in tail.splitlines() if line.strip().startswith("batchkit ")]


def _options(command: click.Command) -> list[click.Option]:
    return [p for p in command.params if isinstance(p, click.Option)]


# ------------------------------------------------------------------ examples in every --help


@pytest.mark.parametrize("path", list(COMMANDS), ids=lambda p: p or "batchkit")
def test_every_help_ends_with_one_to_three_examples_of_itself(path: str) -> None:
    lines = _examples(path)
    assert 1 <= len(lines) <= 3, lines
    assert all((line + " ").startswith(f"batchkit {path}".rstrip() + " ") for line in lines), lines
    text = _help(path)
    assert text.rstrip().splitlines()[-1].strip().startswith(("batchkit ", "(")), "the examples end the help"
    assert text.index("Examples:") > text.index("Options:")


def _in_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """cwd = a folder holding a copy of samples/ (the examples write out/, outbox/, fixed files beside it)."""
    shutil.copytree(ROOT / "samples", tmp_path / "samples")
    monkeypatch.chdir(tmp_path)
    return CliRunner(env={**NO_ENV, "BATCHKIT_STATE_DIR": str(tmp_path / "state")})


def _argv(line: str) -> list[str]:
    """The example's arguments as a shell gives them: globs expanded (sorted), `batchkit` left out."""
    words = shlex.split(line, comments=True)[1:]  # a trailing `# exit 1` says the exit code, as in the docs
    return [hit for word in words for hit in (sorted(glob.glob(word)) if "*" in word else [word])]


OFFLINE = ["", "template", "build", "validate", "fix", "deliver", "run", "status"]  # the others talk to the API
EXIT = re.compile(r"#.*\bexit (\d+)")  # the broken sample's findings, or what is left to fix by hand: exit 1


@pytest.mark.parametrize("path", OFFLINE, ids=lambda p: p or "batchkit")
def test_the_examples_that_need_no_network_work_as_written(path: str, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    runner = _in_copy(tmp_path, monkeypatch)
    ran = 0
    for line in _examples(path):
        if "--preflight" in line or "--to api" in line:
            continue
        result = runner.invoke(main, _argv(line))
        said = EXIT.search(line)
        expected = int(said.group(1)) if said else 0
        assert result.exit_code == expected, f"{line}\n{result.output}"
        assert "Traceback" not in result.output and "internal error" not in result.output
        ran += 1
    assert ran, path


def test_the_run_example_needs_its_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = _in_copy(tmp_path, monkeypatch)
    (tmp_path / "samples" / "returns" / "returns_export.csv").unlink()
    result = runner.invoke(main, ["run", "--config", "samples/run/batchkit.toml"])
    assert result.exit_code == 1 and "no file matches samples/run/../returns/returns_export.csv" in result.stderr


# ------------------------------------------------------------------ one spelling, one text


def test_outputs_are_o_output_everywhere_and_old_spellings_hidden() -> None:
    for path, command in COMMANDS.items():
        for option in _options(command):
            if option.hidden:
                continue
            assert "--out" not in option.opts, f"batchkit {path}: --out is shown"
            assert ("-o" in option.opts) == ("--output" in option.opts), f"batchkit {path}: {option.opts}"
    for path in ("build", "inquiries match"):
        text = _help(path)
        assert "-o, --output" in text and not re.search(r"--out\b", text), text


def _parsed(path: str, args: list[str]) -> dict:
    """The command's values for `args`, parsed (and checked) by click without running the command."""
    command = COMMANDS[path]
    with command.make_context(path, list(args)) as ctx:  # click consumes the list it parses
        return dict(ctx.params)


@pytest.mark.parametrize(("path", "name", "args"), [
    ("build", "out_dir", ["export.csv"]),
    ("inquiries match", "out", ["inquiries.csv", "--orders", "orders.csv"]),
])
def test_the_old_out_still_works_into_the_same_value(path: str, name: str, args: list[str]) -> None:
    assert str(_parsed(path, [*args, "--out", "x.csv"])[name]) == "x.csv"
    assert str(_parsed(path, [*args, "-o", "x.csv"])[name]) == "x.csv"
    assert str(_parsed(path, [*args, "--output", "x.csv", "--out", "x.csv"])[name]) == "x.csv"  # the same: fine
    with pytest.raises(click.UsageError, match=r"-o/--output 'y.csv' and --out 'x.csv' differ"):
        _parsed(path, [*args, "-o", "y.csv", "--out", "x.csv"])
    with pytest.raises(click.MissingParameter) as missing:
        _parsed(path, args)
    assert missing.value.format_message() == "Missing option '-o' / '--output'."
    assert "_old_spelling" not in " ".join(_parsed(path, [*args, "-o", "x.csv"]))


def test_both_spellings_through_the_command_line(runner: CliRunner, tmp_path: Path) -> None:
    export = str(ROOT / "samples" / "returns" / "returns_export.csv")
    config = str(ROOT / "samples" / "returns" / "batchkit.toml")
    old = runner.invoke(main, ["build", export, "--config", config, "--out", str(tmp_path / "a")])
    assert old.exit_code == 0 and len(list((tmp_path / "a").iterdir())) == 3, old.output
    both = runner.invoke(main, ["build", export, "--config", config, "--out", str(tmp_path / "b"), "-o", "c"])
    assert both.exit_code == 2 and "differ" in both.stderr and not (tmp_path / "b").exists()


@pytest.mark.parametrize(("flag", "text"), [("--state-dir", base.STATE_DIR_HELP), ("--api-url", base.API_URL_HELP),
                                            ("--account-sid", base.ACCOUNT_SID_HELP),
                                            ("--campaign-id", base.CAMPAIGN_ID_HELP)])
def test_a_shared_option_has_one_text_everywhere(flag: str, text: str) -> None:
    helps = {path: option.help for path, command in COMMANDS.items() for option in _options(command)
             if flag in option.opts}
    assert len(helps) >= 5 and all(help == text for help in helps.values()), helps


def test_config_has_one_text_except_runs_required_one() -> None:
    for path, command in COMMANDS.items():
        for option in _options(command):
            if "--config" in option.opts and path != "run":
                assert option.help == base.CONFIG_HELP, path


@pytest.mark.parametrize("path", API_COMMANDS)
def test_every_api_command_takes_the_account_flags(path: str) -> None:
    flags = {opt for option in _options(COMMANDS[path]) for opt in option.opts}
    assert {"--api-url", "--account-sid", "--campaign-id", "--state-dir", "--config"} <= flags


def test_validate_account_flags_go_with_preflight(runner: CliRunner) -> None:
    sample = str(ROOT / "samples" / "batch" / "acme_order-reversals_2026-11-22.csv")
    for flag in ("--campaign-id", "--api-url", "--account-sid", "--state-dir"):
        result = runner.invoke(main, ["validate", sample, flag, "x"])
        assert result.exit_code == 2 and f"{flag} goes with --preflight" in result.stderr, result.output


# ------------------------------------------------------------------ the account flags, honoured


def _flags_only(sb: Sandbox, tmp_path: Path) -> tuple[dict, list[str]]:
    """An environment with the token only (it never comes from a flag), and the flags naming the rest."""
    env = {**NO_ENV, "IMPACT_AUTH_TOKEN": TOKEN, "HOME": str(tmp_path)}
    return env, ["--api-url", sb.url, "--account-sid", SID, "--campaign-id", CAMPAIGN,
                 "--state-dir", str(tmp_path / "state")]


def test_deliver_preflight_uses_the_flags(sandbox: Sandbox, tmp_path: Path) -> None:  # noqa: F811
    env, flags = _flags_only(sandbox, tmp_path)
    sample = str(ROOT / "samples" / "batch" / "acme_order-reversals_2026-11-22.csv")
    result = CliRunner(env=env).invoke(main, ["deliver", sample, "--to", "api", "--preflight", "--dry-run", *flags])
    assert result.exit_code == 0, result.output
    assert f"checked against the mirror of account {SID} campaign {CAMPAIGN}" in result.stderr
    assert (tmp_path / "state").is_dir() and TOKEN not in result.output
    to_folder = CliRunner(env=env).invoke(main, ["deliver", sample, "--to", str(tmp_path / "outbox"), "--preflight",
                                                 "--dry-run", *flags])
    assert to_folder.exit_code == 0 and "preflight: 4 record(s) checked" in to_folder.stderr, to_folder.output


def test_validate_preflight_and_radar_use_the_flags(sandbox: Sandbox, tmp_path: Path) -> None:  # noqa: F811
    env, flags = _flags_only(sandbox, tmp_path)
    sample = str(ROOT / "samples" / "batch" / "acme_order-reversals_2026-11-22.csv")
    checked = CliRunner(env=env).invoke(main, ["validate", sample, "--preflight", *flags])
    assert checked.exit_code == 0 and f"account {SID} campaign {CAMPAIGN}" in checked.stderr, checked.output
    looked = CliRunner(env=env).invoke(main, ["radar", sample, "--format", "json", *flags])
    assert looked.exit_code == 0 and "1000.4636." in looked.stdout, looked.output
    missing = CliRunner(env=env).invoke(main, ["validate", sample, "--preflight", *flags[:4]])
    assert missing.exit_code == 2 and "--campaign-id" in missing.stderr


# ------------------------------------------------------------------ the sandbox prints all a shell needs


def _exports(lines: list[str]) -> dict[str, str]:
    """The variables of the printed `export A=B C=D` lines, read as a shell reads them."""
    found: dict[str, str] = {}
    for line in lines:
        words = shlex.split(line)
        if words and words[0] == "export":
            found.update(word.split("=", 1) for word in words[1:])
    return found


@pytest.mark.parametrize("given", [False, True], ids=["token-made-up", "token-given"])
def test_the_sandbox_export_lines_alone_are_enough_to_preflight(tmp_path: Path, given: bool) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BATCHKIT_", "IMPACT_"))}
    if given:
        env["IMPACT_AUTH_TOKEN"] = "given-token"
    proc = subprocess.Popen([sys.executable, "-m", "batchkit.cli.sandbox", "--port", "0"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(2 if given else 3)]
        assert lines[0].startswith("sandbox: http://127.0.0.1:") and "campaign 4636" in lines[0], lines
        exported = _exports(lines[1:])
        assert set(exported) == {"BATCHKIT_API_URL", "IMPACT_ACCOUNT_SID", "BATCHKIT_CAMPAIGN_ID"} | (
            set() if given else {"IMPACT_AUTH_TOKEN"})
        shell = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), **exported}
        if given:
            shell["IMPACT_AUTH_TOKEN"] = "given-token"  # the shell that started the sandbox has it already
        done = subprocess.run([sys.executable, "-m", "batchkit", "validate", "--preflight",
                               *sorted(glob.glob(str(ROOT / "samples" / "batch" / "*.csv")))],
                              capture_output=True, text=True, env=shell, cwd=tmp_path, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
        assert "record(s) checked against the mirror of account IRSANDBOXACME1 campaign 4636" in done.stderr
    finally:
        proc.send_signal(signal.SIGTERM)
        rest, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert ("given-token" in "".join(lines) + rest + err) is False
