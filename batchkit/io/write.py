"""Atomic writes: a temporary file in the same folder, fsync, then rename; never overwrite unasked.

Every filesystem failure becomes an InputError (one line, exit 2). A new file gets the mode any
program would give it (0666 minus the umask); a file overwritten with --force keeps its mode.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from pathlib import Path

from batchkit.core.errors import InputError, UsageError
from batchkit.io.rename import RenameUnsupported, rename_noreplace


def _why(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _lstat(path: Path) -> os.stat_result | None:
    """The path's lstat, None when nothing is there (any other failure is an InputError)."""
    try:
        return os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise InputError(f"{path}: cannot write ({_why(exc)})") from None


def _create_temp(folder: Path, name: str) -> tuple[int, str]:
    """A new temporary file next to the target, created 0666 so the umask (and default ACLs) apply."""
    for _ in range(100):
        tmp = os.path.join(folder, f".{name[:40]}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary file name", str(folder))


def require_suffix(path: Path, suffix: str, what: str) -> None:
    """Refuse an output name whose extension does not match what batchkit writes into it."""
    if Path(path).suffix.lower() != suffix:
        raise UsageError(f"{path}: {what} is written as {suffix[1:].upper()}: give a file name ending in {suffix}")


def same_file(a: str | Path, b: str | Path) -> bool:
    """True when two paths name the same file (symlinks resolved; hard links too when both exist)."""
    try:
        if os.path.realpath(a) == os.path.realpath(b):
            return True
        return os.path.exists(a) and os.path.exists(b) and os.path.samefile(a, b)
    except (OSError, ValueError):
        return False


def make_dir(folder: Path) -> None:
    """Create `folder` (and its parents) unless it exists; InputError when that is impossible."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise InputError(f"{folder}: exists and is not a directory") from None
    except OSError as exc:
        raise InputError(f"{folder}: cannot create the directory ({_why(exc)})") from None


def write_bytes_atomic(path: Path, data: bytes, overwrite: bool = False) -> None:
    """Write `data` to `path` atomically; refuse to replace an existing file unless `overwrite`."""
    path = Path(path)
    old = _lstat(path)
    if old is not None and os.path.isdir(path):
        raise InputError(f"{path}: is a directory; give a file name")
    if old is not None and not overwrite:
        raise InputError(f"{path}: already exists (use --force to overwrite)")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"{folder}: no such directory")
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode) if old is not None else None
    except OSError:  # a dangling symlink being replaced
        mode = None
    try:
        fd, tmp = _create_temp(folder, path.name)
    except OSError as exc:
        raise InputError(f"{path}: cannot write ({_why(exc)})") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            if mode is not None:  # an overwritten file keeps its mode
                os.fchmod(fh.fileno(), mode)
            os.fsync(fh.fileno())
        if overwrite:
            os.replace(tmp, path)
        else:
            _publish_new(tmp, path)
    except FileExistsError:
        _discard(tmp)
        raise InputError(f"{path}: already exists (use --force to overwrite)") from None
    except OSError as exc:
        _discard(tmp)
        raise InputError(f"{path}: cannot write ({_why(exc)})") from None
    except BaseException:
        _discard(tmp)
        raise


def _publish_new(tmp: str, path: Path) -> None:
    """Give the temporary file its final name, failing if that name appeared meanwhile (never clobbers): one
    atomic no-replace rename (io/rename.py), else a hard link then the temporary's removal."""
    try:
        rename_noreplace(tmp, path)
        return
    except RenameUnsupported:
        pass
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS, errno.EMLINK, errno.EXDEV):
            raise
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))  # no hard links here: claim the name
        os.replace(tmp, path)
        return
    os.unlink(tmp)


def _discard(tmp: str) -> None:
    try:
        os.unlink(tmp)
    except OSError:
        pass


def write_text_atomic(path: Path, text: str, overwrite: bool = False) -> None:
    """Write UTF-8 text (no BOM) atomically."""
    write_bytes_atomic(path, text.encode("utf-8"), overwrite)


def folder_problem(path: Path) -> str | None:
    """Why `path` cannot be used (or created) as a writable folder, or None; creates nothing."""
    try:
        if path.exists():
            if not path.is_dir():
                return f"{path} is not a folder"
            return None if os.access(path, os.W_OK | os.X_OK) else f"{path} is not writable"
        for parent in path.absolute().parents:
            if parent.exists():
                if not parent.is_dir():
                    return f"{path} cannot be created: {parent} is not a folder"
                return None if os.access(parent, os.W_OK | os.X_OK) else \
                    f"{path} cannot be created: {parent} is not writable"
    except OSError as exc:
        return f"{path} cannot be checked: {exc.strerror or exc}"
    return None


# a cell a spreadsheet would run as a formula when it opens a CSV (OWASP "CSV injection"): = + - @, tab, CR first
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(cell: str) -> str:
    """A CSV cell of partner or server text that no spreadsheet runs: a leading `'` when it starts with one of
    FORMULA_START (after any `'` it already has, so restore_cell gives back exactly the original text).
    Batch files batchkit builds never go through this: their cells are the platform's, written as they are."""
    return "'" + cell if cell.lstrip("'").startswith(FORMULA_START) else cell


def restore_cell(cell: str) -> str:
    """formula_safe undone, for a CSV batchkit wrote: exactly one leading `'` dropped when what follows its `'`s
    starts with one of FORMULA_START."""
    return cell[1:] if cell.startswith("'") and cell.lstrip("'").startswith(FORMULA_START) else cell
