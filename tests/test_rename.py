"""The no-replace rename (io/rename.py): renameat2 with RENAME_NOREPLACE on real files, and what it
says where it cannot be used (the caller then falls back to link + unlink)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from batchkit.io import rename


def _glibc_has_renameat2() -> bool:
    try:
        version = os.confstr("CS_GNU_LIBC_VERSION") or ""
    except (ValueError, OSError):
        return False
    major, _, minor = version.removeprefix("glibc ").partition(".")
    return version.startswith("glibc ") and (int(major), int(minor.split(".")[0])) >= (2, 28)


# Outside Linux with glibc 2.28 these are skipped (batchkit falls back to a hard link there); under CI=true, whose
# machine is Debian, a missing renameat2 fails instead: the atomic final step would be silently untested.
needs_renameat2 = pytest.mark.skipif(not (sys.platform == "linux" and _glibc_has_renameat2())
                                     and os.environ.get("CI") != "true",
                                     reason="renameat2 needs glibc 2.28 or later on Linux")


@needs_renameat2
def test_it_is_available_with_glibc_2_28_on_linux() -> None:
    assert rename.available()


@needs_renameat2
def test_it_renames_in_one_step(tmp_path: Path) -> None:
    (tmp_path / ".a.csv.commit").write_text("ours\n")
    rename.rename_noreplace(tmp_path / ".a.csv.commit", tmp_path / "a.csv")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv"] and (tmp_path / "a.csv").read_text() == "ours\n"


@needs_renameat2
@pytest.mark.parametrize("target", ["file", "symlink", "folder"])
def test_it_never_replaces_what_is_there(tmp_path: Path, target: str) -> None:
    src, dst = tmp_path / ".a.csv.commit", tmp_path / "a.csv"
    src.write_text("ours\n")
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    if target == "file":
        dst.write_text("the partner's file\n")
    elif target == "symlink":
        dst.symlink_to(victim)
    else:
        dst.mkdir()
    with pytest.raises(FileExistsError):
        rename.rename_noreplace(src, dst)
    assert src.read_text() == "ours\n" and victim.read_text() == "precious\n"  # nothing moved, nothing written
    if target == "file":
        assert dst.read_text() == "the partner's file\n"


@needs_renameat2
def test_other_failures_are_ordinary_os_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        rename.rename_noreplace(tmp_path / "missing", tmp_path / "a.csv")
    assert not (tmp_path / "a.csv").exists()


def test_without_the_symbol_it_says_unsupported_and_touches_nothing(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rename, "_renameat2", lambda: None)
    (tmp_path / ".a.csv.commit").write_text("ours\n")
    with pytest.raises(rename.RenameUnsupported, match="no renameat2"):
        rename.rename_noreplace(tmp_path / ".a.csv.commit", tmp_path / "a.csv")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".a.csv.commit"]
    rename.available.cache_clear()
    try:
        assert not rename.available()
    finally:
        rename.available.cache_clear()
