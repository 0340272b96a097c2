"""batchkit run: build -> validate -> deliver -> archive, as a scheduler calls it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest_sftp import drop, sshd_server  # noqa: F401 (fixtures)
from sshd import SshServer

from batchkit.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "returns"


def _job(tmp_path: Path, deliver: str) -> Path:
    (tmp_path / "exports").mkdir()
    shutil.copy(SAMPLE / "returns_export.csv", tmp_path / "exports" / "returns_export.csv")
    config = tmp_path / "batchkit.toml"
    config.write_text((SAMPLE / "batchkit.toml").read_text()
                      + '\n[run]\ninputs = ["exports/*.csv"]\narchive = "archive"\n\n[deliver]\n' + deliver)
    return config


def _run(config: Path, *extra: str):
    return CliRunner().invoke(main, ["run", "--config", str(config), *extra])


def test_run_delivers_once_and_archives(tmp_path: Path) -> None:
    config = _job(tmp_path, 'to = "outbox"\nstate_dir = "state"\n')
    first = _run(config)
    assert first.exit_code == 0, first.output
    outbox = sorted(p.name for p in (tmp_path / "outbox").iterdir())
    assert [n.split("_")[1] for n in outbox] == ["item-modifications", "item-reversals", "order-reversals"]
    archived = sorted(p.name for p in (tmp_path / "archive").rglob("*") if p.is_file())
    assert len(archived) == 6 and sum(n.endswith(".csv.json") for n in archived) == 3
    entry = json.loads(next((tmp_path / "archive").rglob("*.json")).read_text())
    assert entry["entry"]["outcome"] == "delivered" and len(entry["entry"]["sha256"]) == 64
    assert "3 delivered" in first.stdout
    log = first.stderr.splitlines()
    assert all(line[:4].isdigit() and line[19] == "Z" for line in log)  # timestamped lines
    assert not (tmp_path / "state" / "staging").exists() or not any((tmp_path / "state" / "staging").iterdir())
    second = _run(config)  # the same export again: same content, nothing sent twice
    assert second.exit_code == 0 and "3 skipped" in second.stdout
    assert sorted(p.name for p in (tmp_path / "outbox").iterdir()) == outbox


def test_run_dry_run_sends_and_archives_nothing(tmp_path: Path) -> None:
    config = _job(tmp_path, 'to = "outbox"\nstate_dir = "state"\n')
    result = _run(config, "--dry-run")
    assert result.exit_code == 0 and "3 would-send" in result.stdout
    assert not (tmp_path / "outbox").exists() and not (tmp_path / "archive").exists()


def test_run_stops_on_input_problems(tmp_path: Path) -> None:
    config = _job(tmp_path, 'to = "outbox"\nstate_dir = "state"\n')
    with open(tmp_path / "exports" / "returns_export.csv", "a") as fh:
        fh.write("0009999,,SKU-1,Hats,1,10.00,1,Lost in post,USD,NEW\n")
    result = _run(config)
    assert result.exit_code == 1 and "BK501" in result.stderr and "nothing was sent" in result.stderr
    assert not (tmp_path / "outbox").exists()


def test_run_without_inputs_or_section(tmp_path: Path) -> None:
    config = _job(tmp_path, 'to = "outbox"\nstate_dir = "state"\n')
    (tmp_path / "exports" / "returns_export.csv").unlink()
    result = _run(config)
    assert result.exit_code == 0 and "nothing to do" in result.stderr
    config.write_text((SAMPLE / "batchkit.toml").read_text())
    missing = _run(config)
    assert missing.exit_code == 2 and "[run]" in missing.stderr


def test_run_delivery_failure_exits_3(tmp_path: Path) -> None:
    key = tmp_path / "key"
    key.write_text("not used")
    known = tmp_path / "known_hosts"
    known.write_text("[127.0.0.1]:9 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n")
    config = _job(tmp_path, f'to = "sftp://acme@127.0.0.1:9/drop"\nkey_file = "key"\nknown_hosts = "known_hosts"\n'
                            'state_dir = "state"\nretries = 0\ntimeout = 2\n')
    result = _run(config)
    assert result.exit_code == 3, result.output
    assert "safe to run again" in result.stderr and not (tmp_path / "archive").exists()


def test_run_over_sftp(tmp_path: Path, sshd_server: SshServer, drop: Path) -> None:
    known = sshd_server.known_hosts(tmp_path / "known_hosts")
    config = _job(tmp_path, f'to = "{sshd_server.url(drop)}"\nkey_file = "{sshd_server.client_key}"\n'
                            f'known_hosts = "{known}"\nstate_dir = "state"\n')
    result = _run(config)
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in drop.iterdir())
    assert len(names) == 3 and not any(n.startswith(".") for n in names)
    assert _run(config).exit_code == 0 and sorted(p.name for p in drop.iterdir()) == names


# ------------------------------------------------------------------ broken environments: stop early, lose nothing

def _one_line_error(result, *words: str) -> None:
    assert result.exit_code == 2, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("batchkit: ")]
    assert len(errors) == 1 and errors[0].startswith("batchkit: error: "), result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.output
    assert all(word in errors[0] for word in words), errors[0]


@pytest.mark.parametrize("dry", [False, True])
def test_an_unusable_archive_stops_the_run_before_anything_is_sent(tmp_path: Path, dry: bool) -> None:
    config = _job(tmp_path, 'to = "outbox"\nstate_dir = "state"\n')
    (tmp_path / "archive").write_text("mine\n")
    result = _run(config, *(["--dry-run"] if dry else []))
    _one_line_error(result, "[run] archive", "is not a folder")
    assert not (tmp_path / "outbox").exists() and (tmp_path / "archive").read_text() == "mine\n"


@pytest.mark.parametrize("deliver, words", [
    ('to = "outbox"\nstate_dir = "stfile"\n', ["state directory", "stfile is not a folder"]),
    ('to = ""\nstate_dir = "state"\n', ["[deliver] to is empty"]),
    ('to = "sftp://u@[::1/x"\nstate_dir = "state"\n', ["[deliver] to", "not a valid URL"]),
    ('to = "outbox"\nstate_dir = "~batchkit-no-such-user-4711/state"\n', ["[deliver] state_dir", "cannot expand"]),
])
def test_run_configuration_problems_are_one_line_errors(tmp_path: Path, deliver: str, words: list[str]) -> None:
    config = _job(tmp_path, deliver)
    (tmp_path / "stfile").write_text("mine\n")
    for extra in ([], ["--dry-run"]):
        _one_line_error(_run(config, *extra), *words)
    assert not (tmp_path / "outbox").exists() and (tmp_path / "stfile").read_text() == "mine\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["batchkit.toml", "exports", "stfile"]


def test_an_empty_archive_is_a_configuration_error(tmp_path: Path) -> None:
    config = _job(tmp_path, 'to = "outbox"\nstate_dir = "state"\n')
    config.write_text(config.read_text().replace('archive = "archive"', 'archive = " "'))
    _one_line_error(_run(config, "--dry-run"), "[run] archive is empty")


def test_files_delivered_before_a_failure_are_archived(tmp_path: Path) -> None:
    from batchkit.core.config import load_config
    from batchkit.jobs.run import run_job

    config = _job(tmp_path, 'to = "outbox"\nstate_dir = "state"\n')
    built: list[str] = []

    def log(line: str) -> None:  # another file appears in the drop under the second file's name
        if line.startswith("build: wrote "):
            built.append(line.removeprefix("build: wrote "))
        if line.startswith("deliver: 3 file(s)"):
            (tmp_path / "outbox").mkdir()
            (tmp_path / "outbox" / built[1]).write_text("not ours\n")

    summary = run_job(load_config(config), log=log)
    assert summary.exit_code == 3 and summary.outcomes == {"delivered": 1, "failed": 1, "not-attempted": 1}
    archived = sorted(p.name for p in (tmp_path / "archive").rglob("*.csv"))
    assert archived == [built[0]]  # the next run skips it as delivered: it must be archived now


def test_staged_files_are_kept_when_archiving_fails(tmp_path: Path) -> None:
    from batchkit.core.config import load_config
    from batchkit.jobs.run import run_job

    config = _job(tmp_path, 'to = "outbox"\nstate_dir = "state"\n')
    lines: list[str] = []

    def log(line: str) -> None:  # the archive turns into a file after the checks, while delivering
        lines.append(line)
        if line.startswith("deliver: 3 file(s)"):
            (tmp_path / "archive").write_text("in the way\n")

    summary = run_job(load_config(config), log=log)
    assert summary.exit_code == 2 and summary.outcomes == {"delivered": 3} and summary.archived == []
    assert sum(line.startswith("archive: failed: cannot archive") for line in lines) == 3
    staged = sorted(p.name for p in (tmp_path / "state" / "staging").rglob("*.csv"))
    assert staged == sorted(p.name for p in (tmp_path / "outbox").iterdir())  # nothing is lost
    assert "kept in" in lines[-1]


# ------------------------------------------------------------------ several exports in one run

def test_several_exports_with_a_prefix_get_distinct_names(tmp_path: Path) -> None:
    config = _job(tmp_path, 'to = "outbox"\nstate_dir = "state"\n')
    config.write_text(config.read_text().replace('inputs = ["exports/*.csv"]', 'inputs = ["exports/returns_*.csv"]'))
    export = (tmp_path / "exports" / "returns_export.csv").read_text()
    (tmp_path / "exports" / "returns_export.csv").rename(tmp_path / "exports" / "returns_2026-11-23.csv")
    (tmp_path / "exports" / "returns_2026-11-24.csv").write_text(export.replace("0001001", "0009001"))
    first = _run(config)
    assert first.exit_code == 0, first.output
    names = sorted(p.name for p in (tmp_path / "outbox").iterdir())
    assert len(names) == 4 and "4 delivered, 2 skipped" in first.stdout  # the item files are the same in both
    assert all(n.startswith(("acme-returns_2026-11-23_", "acme-returns_2026-11-24_")) for n in names)
    assert {n.split("_")[2] for n in names} == {"item-modifications", "item-reversals", "order-reversals"}
    again = _run(config)
    assert again.exit_code == 0 and "6 skipped" in again.stdout


def test_export_prefixes() -> None:
    from batchkit.jobs.run import export_prefixes

    one = [Path("a/returns.csv")]
    assert export_prefixes(one, "acme") == {one[0]: "acme"} and export_prefixes(one, None) == {one[0]: None}
    many = [Path("a/returns.csv"), Path("b/returns.csv"), Path("c/shop_order-reversals_x.csv"),
            Path("d/Réturns 1.csv")]
    assert list(export_prefixes(many, "acme").values()) == ["acme-returns", "acme-returns-2", "acme-shop-x",
                                                            "acme-R-turns-1"]
    assert list(export_prefixes(many, None).values()) == ["returns", "returns-2", "shop-x", "R-turns-1"]
    long = [Path("x" * 300 + ".csv"), Path("x" * 301 + ".csv")]
    assert list(export_prefixes(long, "acme").values()) == ["acme-" + "x" * 80, "acme-" + "x" * 80 + "-2"]
