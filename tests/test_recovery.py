"""An interrupted final rename recovers as the README says: the next run looks at the drop. The states
below are exactly those a kill leaves (the ledger says `committing`, settled to `unknown` by the next
run's lock), with the drop as the kill left it: with the atomic no-replace rename (renameat2) and with
the link + unlink fallback of a system without it (`no_renameat2`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest_sftp import write_batch

from batchkit.io import rename
from batchkit.delivery.files import deliver_files
from batchkit.delivery.errors import RemotePathError, UncertainDelivery
from batchkit.state.ledger import Ledger
from batchkit.delivery.local import LocalFolder
from batchkit.delivery.records import sha256_file
from batchkit.delivery.settings import DeliverySettings

NAME = "acme_order-modifications.csv"


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, Path, DeliverySettings]:
    batch = tmp_path / "files" / NAME
    batch.parent.mkdir()
    write_batch(batch, 50)
    settings = DeliverySettings(state_dir=tmp_path / "state", retries=0, backoff=0)
    return batch, tmp_path / "outbox", settings


def _interrupted(batch: Path, out: Path, settings: DeliverySettings, name: str = NAME) -> int:
    """The ledger as a run killed during the final rename leaves it."""
    digest, size = sha256_file(batch)
    ledger = Ledger(settings.state_dir)
    entry = ledger.begin(name, digest, size, LocalFolder(out).url)
    ledger.update(entry, "committing")
    ledger.close()
    return entry


def _send(batch: Path, out: Path, settings: DeliverySettings, resend: bool = False) -> list:
    ledger = Ledger(settings.state_dir)
    try:
        return deliver_files([batch], LocalFolder(out), settings, ledger, resend=resend)
    finally:
        ledger.close()


@pytest.fixture
def no_renameat2(monkeypatch: pytest.MonkeyPatch) -> None:
    """A C library without renameat2: the final step is a hard link, then the unlink of .NAME.commit."""
    monkeypatch.setattr(rename, "_renameat2", lambda: None)
    monkeypatch.setattr(rename, "available", lambda: False)


def _listing(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir())


def test_killed_after_the_link_the_file_in_the_drop_counts_as_delivered(setup) -> None:
    batch, out, settings = setup
    entry = _interrupted(batch, out, settings)
    out.mkdir()
    (out / NAME).write_bytes(batch.read_bytes())  # the link happened; the ledger never heard
    (out / f".{NAME}.part").write_bytes(batch.read_bytes())  # and our temporary was not removed yet
    (result,) = _send(batch, out, settings)
    assert result.outcome == "skipped" and "recorded as delivered now" in result.describe()
    assert Ledger(settings.state_dir).get(entry).outcome == "delivered"
    assert sorted(p.name for p in out.iterdir()) == [NAME]
    (again,) = _send(batch, out, settings)
    assert again.outcome == "skipped" and again.note is None


def test_killed_before_the_link_only_the_part_is_there_and_it_is_sent_again(setup) -> None:
    batch, out, settings = setup
    entry = _interrupted(batch, out, settings)
    out.mkdir()
    (out / f".{NAME}.part").write_bytes(batch.read_bytes()[:100])  # a partial temporary of ours
    (result,) = _send(batch, out, settings)
    assert result.outcome == "delivered"
    assert (out / NAME).read_bytes() == batch.read_bytes() and sorted(p.name for p in out.iterdir()) == [NAME]
    assert Ledger(settings.state_dir).get(entry).outcome == "failed"


def test_killed_after_the_link_under_an_earlier_name(setup) -> None:
    batch, out, settings = setup
    _interrupted(batch, out, settings, name="acme_order-modifications_old.csv")
    out.mkdir()
    (out / "acme_order-modifications_old.csv").write_bytes(batch.read_bytes())
    (result,) = _send(batch, out, settings)
    assert result.outcome == "skipped" and not (out / NAME).exists()  # the same content was delivered once


def test_our_commit_alone_means_the_rename_never_happened_and_it_is_completed(setup) -> None:
    batch, out, settings = setup
    entry = _interrupted(batch, out, settings)
    out.mkdir()
    (out / f".{NAME}.commit").write_bytes(batch.read_bytes())  # killed between the ledger and the rename
    (result,) = _send(batch, out, settings)
    line = result.describe()
    assert result.outcome == "delivered" and line.startswith(f"sent {NAME} ->")
    assert f"found .{NAME}.commit of an interrupted delivery: completed it" in line
    assert _listing(out) == [NAME] and (out / NAME).read_bytes() == batch.read_bytes()
    recorded = Ledger(settings.state_dir).get(entry)
    assert recorded.outcome == "delivered" and f".{NAME}.commit" in (recorded.error or "")
    (again,) = _send(batch, out, settings)
    assert again.outcome == "skipped" and _listing(out) == [NAME]


def test_nothing_at_all_after_the_atomic_rename_means_the_partner_took_it(setup) -> None:
    batch, out, settings = setup
    entry = _interrupted(batch, out, settings)
    out.mkdir()  # renamed, then picked up before the ledger heard
    (result,) = _send(batch, out, settings)
    assert result.outcome == "skipped" and f"found neither {NAME} nor .{NAME}.commit" in result.describe()
    assert Ledger(settings.state_dir).get(entry).outcome == "delivered" and _listing(out) == []


def test_a_commit_with_other_content_is_refused_and_never_touched(setup) -> None:
    batch, out, settings = setup
    _interrupted(batch, out, settings)
    out.mkdir()
    (out / f".{NAME}.commit").write_text("someone else's file\n")
    with pytest.raises(UncertainDelivery, match=rf"\.{NAME}\.commit with other content") as info:
        _send(batch, out, settings)
    assert info.value.exit_code == 3 and "ask them" in str(info.value)
    with pytest.raises(RemotePathError, match=rf"\.{NAME}\.commit is there with other content.*move it away"):
        _send(batch, out, settings, resend=True)
    assert _listing(out) == [f".{NAME}.commit"] and (out / f".{NAME}.commit").read_text() == "someone else's file\n"


def test_a_commit_with_other_content_is_not_taken_for_our_leftover(setup) -> None:
    batch, out, settings = setup
    digest, size = sha256_file(batch)
    ledger = Ledger(settings.state_dir)
    ledger.begin(NAME, digest, size, LocalFolder(out).url)  # killed during the upload: its temporaries are removed
    ledger.close()
    out.mkdir()
    (out / f".{NAME}.commit").write_text("someone else's file\n")
    with pytest.raises(RemotePathError, match="not touched"):
        _send(batch, out, settings)
    assert (out / f".{NAME}.commit").read_text() == "someone else's file\n"


def test_after_a_link_our_commit_alone_is_not_guessed_at(setup, no_renameat2) -> None:
    batch, out, settings = setup
    _interrupted(batch, out, settings)
    out.mkdir()
    (out / f".{NAME}.commit").write_bytes(batch.read_bytes())  # linked and picked up, or never linked
    with pytest.raises(UncertainDelivery, match=rf"only \.{NAME}\.commit, and its final step there is a link"):
        _send(batch, out, settings)
    assert _listing(out) == [f".{NAME}.commit"]  # untouched until the user decides
    (result,) = _send(batch, out, settings, resend=True)  # the partner does not have it
    assert result.outcome == "delivered" and _listing(out) == [NAME]
    assert (out / NAME).read_bytes() == batch.read_bytes()


def test_after_a_link_nothing_at_all_still_refuses_to_guess(setup, no_renameat2) -> None:
    batch, out, settings = setup
    _interrupted(batch, out, settings)
    with pytest.raises(UncertainDelivery, match=rf"neither {NAME} nor its \.part or \.commit") as info:
        _send(batch, out, settings)
    assert info.value.exit_code == 3 and not (out / NAME).exists()


def test_another_file_under_the_name_is_not_taken_for_ours(setup) -> None:
    batch, out, settings = setup
    _interrupted(batch, out, settings)
    out.mkdir()
    (out / NAME).write_text("someone else's file\n")
    with pytest.raises(UncertainDelivery):
        _send(batch, out, settings)
    assert (out / NAME).read_text() == "someone else's file\n"


def test_a_full_state_disk_at_the_last_write_still_says_the_file_was_sent(setup, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from batchkit.cli import main
    from batchkit.delivery.errors import LedgerError

    batch, out, settings = setup
    real = Ledger.update

    def full_disk(self: Ledger, entry_id: int, outcome: str, **kw: object):
        if outcome == "delivered":
            raise LedgerError(f"{self.path}: database or disk is full")
        return real(self, entry_id, outcome, **kw)

    monkeypatch.setattr(Ledger, "update", full_disk)
    result = CliRunner().invoke(main, ["deliver", str(batch), "--to", str(out), "--state-dir", str(settings.state_dir)])
    assert result.exit_code == 3 and f"sent {NAME} ->" in result.output
    assert "was delivered, but the ledger could not record it" in result.stderr
    monkeypatch.undo()
    (again,) = _send(batch, out, settings)  # the next run finds it in the drop: recorded, not sent again
    assert again.outcome == "skipped" and "recorded as delivered now" in again.describe()
    assert sorted(p.name for p in out.iterdir()) == [NAME]
