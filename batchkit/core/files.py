"""What a path is, before anything opens it: reading a FIFO blocks forever and a device like /dev/zero
never ends, so every file batchkit reads (batch files, exports, batchkit.toml, keys, known_hosts)
must be a regular file."""

from __future__ import annotations

import os
import stat
from pathlib import Path


def file_problem(path: Path) -> str | None:
    """Why `path` cannot be read as a regular file (missing, a folder, a FIFO, a device, ...), or None."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return "no such file"
    except NotADirectoryError:
        return "no such file (a part of the path is not a folder)"
    except OSError as exc:
        return f"cannot read ({exc.strerror or exc})"
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "is a directory, not a file"
    kinds = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
             (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))
    what = next((name for test, name in kinds if test(mode)), "not a regular file")
    return f"is {what}, not a regular file: batchkit reads only regular files"
