"""The library as a library user expects it (issue #27): paths as str or os.PathLike, one or many; bad arguments
raise UsageError naming them; Report.as_dict() is the CLI's JSON document; Report and FileReport are read-only;
every public name has a docstring with an example that runs against the shipped samples."""

from __future__ import annotations

import inspect
import json
import os
import textwrap
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import batchkit
from batchkit.cli import main
from conftest_api import api_env, sandbox  # noqa: F401 (fixtures)

BROKEN = "samples/broken/acme_order-modifications_broken.csv"
GOOD = "samples/batch/acme_order-modifications_2026-11-22.csv"
REVERSALS = "samples/batch/acme_order-reversals_2026-11-22.csv"

# The order the examples run in against the sandbox: the mirror first, inquiries pulled before they are matched,
# matched before they are resolved.
FIRST = ("sync_actions", "pull_inquiries", "match_inquiries", "resolve_inquiries")


def _documented(name: str) -> Iterator[tuple[str, str]]:
    """(qualified name, docstring) of a public name and, for a class, of its own public methods and properties."""
    value = getattr(batchkit, name)
    yield f"batchkit.{name}", inspect.getdoc(value) or ""
    if inspect.isclass(value):
        for attr, member in vars(value).items():
            if not attr.startswith("_") and (inspect.isfunction(member) or isinstance(member, property)):
                yield f"batchkit.{name}.{attr}", inspect.getdoc(member) or ""


def _example(doc: str) -> str:
    """The code of the docstring's `Example::` block ("" when it has none)."""
    lines = doc.splitlines()
    at = next((i for i, line in enumerate(lines) if line.strip() == "Example::"), None)
    if at is None:
        return ""
    block = []
    for line in lines[at + 1:]:
        if line.strip() and not line.startswith(" "):
            break
        block.append(line)
    return textwrap.dedent("\n".join(block)).strip()


PUBLIC = [n for n in batchkit.__all__ if n != "__version__"]


@pytest.mark.parametrize("name", PUBLIC)
def test_every_public_name_has_a_docstring_with_an_example(name: str) -> None:
    missing = [where for where, doc in _documented(name) if not _example(doc)]
    assert not missing, f"no `Example::` block in the docstring of {', '.join(missing)}"


def test_the_examples_run_against_the_samples_and_the_sandbox(root: Path, tmp_path: Path, sandbox: Any,  # noqa: F811
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in api_env(sandbox.url, tmp_path).items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "samples").symlink_to(root / "samples")
    (tmp_path / "batchkit.toml").write_text("[inquiries]\naction_tracker_id = 2240\n")  # VALID proposals' tracker
    ordered = [*FIRST, *(n for n in PUBLIC if n not in FIRST)]
    examples = [(where, _example(doc)) for name in ordered for where, doc in _documented(name)]
    ran = 0
    for where, code in examples:
        if code:
            exec(compile(code, where, "exec"), {"batchkit": batchkit, "json": json, "print": lambda *a, **k: None})
            ran += 1
    assert ran >= len(PUBLIC)


def test_report_as_dict_is_the_document_the_cli_prints(root: Path, monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no ./batchkit.toml of the checkout
    for extra in ([], ["--max-samples", "0"]):
        done = CliRunner().invoke(main, ["validate", str(root / BROKEN), "--format", "json", *extra])
        assert done.exit_code == 1, done.output
        report = batchkit.validate(root / BROKEN, max_samples=0 if extra else None)
        assert json.loads(json.dumps(report.as_dict())) == json.loads(done.stdout)
    document = report.as_dict()
    assert list(document) == ["valid", "errors", "warnings", "files"]
    assert list(document["files"][0]) == ["path", "kind", "kind_reason", "rows", "valid", "errors", "warnings",
                                          "counts", "findings"]
    assert document["files"][0]["findings"] == [f.as_dict() for f in report.files[0].findings()]


def test_report_and_file_report_are_read_only() -> None:
    def methods(cls: type) -> set[str]:
        return {n for n, m in vars(cls).items() if not n.startswith("_") and inspect.isfunction(m)}

    assert methods(batchkit.FileReport) == {"findings", "as_dict"}
    assert methods(batchkit.Report) == {"as_dict"}
    assert methods(batchkit.Finding) == {"as_dict"}
    for gone in ("add", "add_counted", "withdraw", "keep_only", "cap", "wants"):
        assert not hasattr(batchkit.FileReport, gone)


def test_a_path_is_a_str_or_a_pathlike_one_or_many(root: Path) -> None:
    def counts(report: batchkit.Report) -> list[tuple[str, dict[str, int]]]:
        return [(Path(f.path).name, dict(f.counts)) for f in report.files]

    one = counts(batchkit.validate(str(root / BROKEN)))
    assert one == counts(batchkit.validate(root / BROKEN)) == counts(batchkit.validate([root / BROKEN]))
    assert len(one) == 1 and one[0][1]
    two = [str(root / GOOD), root / REVERSALS]
    assert counts(batchkit.validate(two)) == counts(batchkit.validate(tuple(two))) == \
        counts(batchkit.validate(p for p in two))
    assert [name for name, _ in counts(batchkit.validate(two))] == [Path(GOOD).name, Path(REVERSALS).name]


def test_deliver_takes_pathlike_paths_destination_and_state(root: Path, tmp_path: Path) -> None:
    sent = batchkit.deliver(root / GOOD, to=tmp_path / "outbox", state_dir=tmp_path / "state")
    assert [r.outcome for r in sent] == ["delivered"]
    assert [p.name for p in (tmp_path / "outbox").iterdir()] == [Path(GOOD).name]


def _bad_calls(root: Path, tmp: Path) -> list[tuple[Callable[[], Any], str]]:
    """(a call with one bad argument, the start of the UsageError it raises); the wrong types are on purpose."""
    good, state = str(root / GOOD), str(tmp / "state")
    return [
        (lambda: batchkit.validate(good, kind="nope"),
         "kind='nope' is not a batch file kind (known: order-modification, order-reversal, item-modification, "),
        (lambda: batchkit.validate(3), "paths=3 is not a path (str or os.PathLike) nor an iterable of paths"),
        (lambda: batchkit.validate(b"a.csv"), "paths=b'a.csv' is not a path"),
        (lambda: batchkit.validate([good, 3]), "paths[1]=3 is not a path (str or os.PathLike)"),
        (lambda: batchkit.validate([]), "paths=[] names no file"),
        (lambda: batchkit.validate(good, max_samples=-1), "max_samples=-1 is not a whole number of at least 0"),
        (lambda: batchkit.validate(good, max_samples=1.5), "max_samples=1.5 is not a whole number"),
        (lambda: batchkit.validate(good, sheet=3), "sheet=3 is not a str"),
        (lambda: batchkit.validate(good, 3), "config=3 is not a Config, a batchkit.toml path"),
        (lambda: batchkit.load_config(3), "path=3 is not a path"),
        (lambda: batchkit.build(good, tmp / "out", preset="nope"), "preset='nope' is not a preset (known: returns, "),
        (lambda: batchkit.build(3, tmp / "out"), "export=3 is not a path"),
        (lambda: batchkit.build(good, [tmp]), "out_dir=[PosixPath("),
        (lambda: batchkit.build(good, tmp, action_tracker_id=0), "action_tracker_id=0 is not a whole number of at "
                                                                 "least 1"),
        (lambda: batchkit.build(good, tmp, currency=978), "currency=978 is not a str"),
        (lambda: batchkit.deliver(good, to=3, state_dir=state), "to=3 is not a path"),
        (lambda: batchkit.deliver(good, to="ftp://host/x", state_dir=state),
         "to='ftp://host/x': unsupported destination 'ftp://host/x'"),
        (lambda: batchkit.deliver([], to=str(tmp), state_dir=state), "paths=[] names no file"),
        (lambda: batchkit.results(max_samples=-1, state_dir=state), "max_samples=-1 is not a whole number"),
        (lambda: batchkit.results(wait=-1.0, state_dir=state), "wait=-1.0 is not a number from 0 to 86400"),
        (lambda: batchkit.results(budget=-1, state_dir=state), "budget=-1 is not a whole number from 0 to 100000"),
        (lambda: batchkit.results(since="2026-11-01", state_dir=state), "since='2026-11-01' is not a datetime"),
        (lambda: batchkit.results(files=7, state_dir=state), "files=7 is not a path"),
        (lambda: batchkit.sync_actions(days=0), "days=0 is not a whole number from 1 to 1095"),
        (lambda: batchkit.sync_actions(until=20261201), "until=20261201 is not a datetime"),
        (lambda: batchkit.radar(good, days=0, state_dir=state), "days=0 is not a whole number from 1 to 366"),
        (lambda: batchkit.radar(good, preset="nope", state_dir=state), "preset='nope' is not a preset"),
        (lambda: batchkit.radar(good, now="now", state_dir=state), "now='now' is not a datetime"),
        (lambda: batchkit.status(last=-1, state_dir=state), "last=-1 is not a whole number of at least 0"),
        (lambda: batchkit.status(state_dir=3), "state_dir=3 is not a path"),
        (lambda: batchkit.pull_inquiries(tmp / "i.csv", status="nope"),
         "status='nope' is not an inquiry status (known: UNRESOLVED, VALID, DECLINED, INCOMPLETE; None: all)"),
        (lambda: batchkit.match_inquiries(good, good, tmp / "r.csv", preset="nope"), "preset='nope' is not a preset"),
        (lambda: batchkit.match_inquiries(good, good, tmp / "r.csv", review=1), "review=1 is not a path"),
        (lambda: batchkit.resolve_inquiries(None), "path=None is not a path"),
    ]


def test_a_bad_argument_raises_a_usage_error_naming_it(root: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for key in [k for k in os.environ if k.startswith(("BATCHKIT_", "IMPACT_"))]:
        monkeypatch.delenv(key)
    for call, message in _bad_calls(root, tmp_path):
        with pytest.raises(batchkit.UsageError) as info:
            call()
        assert str(info.value).startswith(message), (str(info.value), message)
        assert isinstance(info.value, batchkit.BatchkitError) and info.value.exit_code == 2
    assert not (tmp_path / "state").exists() and not (tmp_path / "out").exists()


def test_an_inquiry_status_in_any_case_is_no_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for key in [k for k in os.environ if k.startswith(("BATCHKIT_", "IMPACT_"))]:
        monkeypatch.delenv(key)
    with pytest.raises(batchkit.ConfigError, match="no impact.com account"):  # past the argument checks
        batchkit.pull_inquiries(tmp_path / "i.csv", status="valid", since=datetime(2026, 11, 1))
