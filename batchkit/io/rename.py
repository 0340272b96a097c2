"""Rename without ever replacing: renameat2(2) with RENAME_NOREPLACE, called through ctypes.

Why: a delivery's last step must give the file its final name in one step that either happened or did
not, and must never overwrite a file the partner has not picked up yet. `os.rename` overwrites.
`os.link` + `os.unlink` never overwrites, but passes through two names: a run killed between them
leaves `.NAME.commit` that may or may not already have reached NAME (and NAME may since have been
picked up), so the next run cannot tell. renameat2 with RENAME_NOREPLACE is one atomic step that fails
with EEXIST when the target exists: afterwards exactly one of the two names is there.

Python's os module has no renameat2; glibc exports it since 2.28 (Linux 3.15 and later). Where it is
missing (another C library, macOS), the kernel lacks it (ENOSYS) or the folder's filesystem refuses the
flag (EINVAL or EOPNOTSUPP, e.g. older NFS or FUSE servers), `rename_noreplace` raises RenameUnsupported
and the caller falls back to link + unlink (local.py says how recovery then differs).
"""

from __future__ import annotations

import ctypes
import errno
import functools
import os
from typing import Any

__all__ = ["RENAME_NOREPLACE", "RenameUnsupported", "available", "rename_noreplace"]

AT_FDCWD = -100
RENAME_NOREPLACE = 1
_UNSUPPORTED = (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP)


class RenameUnsupported(Exception):
    """renameat2 with RENAME_NOREPLACE cannot be used here (nothing was renamed)."""


@functools.lru_cache(maxsize=1)
def _renameat2() -> Any:
    """The C library's renameat2, or None when it has none."""
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn


def rename_noreplace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
    """Rename `src` to `dst` atomically; FileExistsError (nothing renamed) when `dst` exists, RenameUnsupported
    when this system or filesystem cannot, another OSError for any other failure."""
    fn = _renameat2()
    if fn is None:
        raise RenameUnsupported("the C library has no renameat2")
    if fn(AT_FDCWD, os.fsencode(src), AT_FDCWD, os.fsencode(dst), RENAME_NOREPLACE) == 0:
        return
    code = ctypes.get_errno()
    if code in _UNSUPPORTED:
        raise RenameUnsupported(f"renameat2(RENAME_NOREPLACE): {os.strerror(code)}")
    raise OSError(code, os.strerror(code), os.fspath(src), None, os.fspath(dst))  # EEXIST: FileExistsError


@functools.lru_cache(maxsize=1)
def available() -> bool:
    """Whether the C library and the kernel offer renameat2 (a folder's filesystem may still refuse it).

    Asked with an empty name, which the kernel answers ENOENT when it has the call, ENOSYS when not.
    """
    fn = _renameat2()
    if fn is None:
        return False
    if fn(AT_FDCWD, b"", AT_FDCWD, b"", RENAME_NOREPLACE) == 0:
        return True
    return ctypes.get_errno() not in _UNSUPPORTED
