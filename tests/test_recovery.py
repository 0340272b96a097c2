"""An interrupted final rename recovers as the README says: the next run looks at the drop. The states
below are exactly those a kill leaves (the ledger says `committing`, settled to `unknown` by the next
run's lock), with the drop as the kill left it."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest_sftp import write_batch

from batchkit.deliver.delivery import deliver_files
from batchkit.deliver.errors import UncertainDelivery
from batchkit.deliver.ledger import Ledger
from batchkit.deliver.local import LocalFolder
from batchkit.deliver.records import sha256_file
from batchkit.deliver.settings import DeliverySettings

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


def _send(batch: Path, out: Path, settings: DeliverySettings) -> list:
    ledger = Ledger(settings.state_dir)
    try:
        return deliver_files([batch], LocalFolder(out), settings, ledger)
    finally:
        ledger.close()


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


def test_neither_file_nor_part_still_refuses_to_guess(setup) -> None:
    batch, out, settings = setup
    _interrupted(batch, out, settings)
    with pytest.raises(UncertainDelivery, match="neither the file nor its .part") as info:
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
    from batchkit.deliver.errors import LedgerError

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
