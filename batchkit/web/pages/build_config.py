"""Remembering the Build page's choices ([build] preset and action_tracker_id) in batchkit.toml.

The file is the user's: only those two keys of its [build] table change; every other line and comment stays as
it was. The new text is written atomically, then read again with the configuration loader (and [build] checked);
if that fails, the old text is put back and the error said in one line.
"""

from __future__ import annotations

import re
from pathlib import Path

from batchkit.builder.settings import load_build_settings
from batchkit.core.config import load_config
from batchkit.core.errors import BatchkitError, ConfigError
from batchkit.io.write import write_text_atomic
from batchkit.orders.presets import names as order_presets

PRESETS = ("returns", *order_presets())  # what batchkit.builder.settings accepts: returns, schemas/presets/*
_HEADER = re.compile(r"^\s*\[")
_TABLE = re.compile(r"^\s*\[\s*build\s*\]\s*(#.*)?$")
_VALUE = r'("(?:[^"\\]|\\.)*"|\'[^\']*\'|[^\s#]+)'


def toml_value(value: str | int) -> str:
    """A preset (a plain word from PRESETS) or a tracker id as TOML."""
    return str(value) if isinstance(value, int) else f'"{value}"'


def with_build_keys(text: str, values: dict[str, str]) -> str:
    """`text` with [build]'s `values` (key -> TOML value) set, every other line kept."""
    lines = text.splitlines(keepends=True)
    eol = "\r\n" if "\r\n" in text else "\n"  # added lines end as the file's do
    start = next((i for i, line in enumerate(lines) if _TABLE.match(line)), None)
    if start is None:
        head = "" if not text or text.endswith("\n") else "\n"
        return text + head + ("\n" if text.strip() else "") + "[build]\n" + "".join(
            f"{k} = {v}\n" for k, v in values.items())
    end = next((i for i in range(start + 1, len(lines)) if _HEADER.match(lines[i])), len(lines))
    for key, value in values.items():
        pattern = re.compile(rf"^(\s*{key}\s*=\s*){_VALUE}(.*?)(\r?\n)?$", re.DOTALL)
        at = next((i for i in range(start + 1, end) if pattern.match(lines[i])), None)
        if at is not None:
            m = pattern.match(lines[at])
            assert m is not None
            lines[at] = f"{m[1]}{value}{m[3]}{m[4] or ''}"
            continue
        last = max([start] + [i for i in range(start + 1, end) if lines[i].strip()
                              and not lines[i].lstrip().startswith("#")])
        if not lines[last].endswith("\n"):
            lines[last] += eol
        lines.insert(last + 1, f"{key} = {value}{eol}")
        end += 1
    return "".join(lines)


def remember(path: Path | None, preset: str, tracker: int | None) -> str | None:
    """Write the choices into `path` ([build] only); a one-line note of what was done, None without a file."""
    if path is None:
        return None
    values = {"preset": toml_value(preset)}
    if tracker is not None:
        values["action_tracker_id"] = toml_value(tracker)
    if not path.exists():
        write_text_atomic(path, with_build_keys("", values))
        _check(path)
        return f"remembered in {path} (new file)"
    old = path.read_text(encoding="utf-8")
    new = with_build_keys(old, values)
    if new == old:
        return f"as remembered in {path}"
    write_text_atomic(path, new, overwrite=True)
    try:
        _check(path)
    except BatchkitError as exc:
        write_text_atomic(path, old, overwrite=True)
        raise ConfigError(f"could not remember the choices in {path}: {exc} (the file was left as it was)") from None
    return f"remembered in {path}"


def _check(path: Path) -> None:
    """The file read again by the loader, and [build] checked as a build would."""
    load_build_settings(load_config(path), None, None, None)
