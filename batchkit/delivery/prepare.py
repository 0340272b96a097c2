"""Before anything is sent, whatever the channel: each file hashed (what is sent is what was validated), the files
validated as one batch (and checked against the account's actions when asked: preflight), each record planned
as the request of its change (delivery/plan.py). InvalidFiles (exit 1, nothing sent) when anything has errors."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from batchkit.core.config import Config
from batchkit.core.errors import InputError, UsageError
from batchkit.core.findings import FileReport
from batchkit.core.names import RESERVED_PREFIXES, is_reserved
from batchkit.delivery.errors import InvalidFiles
from batchkit.delivery.plan import Planned, plan_file
from batchkit.delivery.records import Outgoing, sha256_file
from batchkit.validation.engine import Validated, validate_paths

NAME_MAX = 255  # bytes of one file name, locally and on OpenSSH's servers
Check = Callable[[list[Validated]], None]  # adds findings to validated files (preflight); one type for every channel


@dataclass
class FilePlan:
    """One file: what goes, its report, its records' requests."""

    item: Outgoing
    report: FileReport
    plans: list[Planned]


def prepare(paths: list[Path], config: Config, check: Check | None = None, strict: bool = False) -> list[FilePlan]:
    """Hash, validate (and `check`), plan every record (`strict`: for the API, BK803 for what it cannot take);
    InvalidFiles when anything has errors."""
    items = outgoing(list(paths))  # hashed before validation: what is sent is what was validated
    kept: list[Validated] = []
    report = validate_paths([str(i.path) for i in items], config, keep=kept)
    if report.valid and check is not None:
        check(kept)
    plans = []
    for item, (fr, frames, kind) in zip(items, kept):
        planned = plan_file(fr, frames, kind, strict) if fr.valid and frames is not None and kind is not None else []
        plans.append(FilePlan(item, fr, planned))
    if not report.valid:
        raise InvalidFiles(report)
    return plans


def outgoing(paths: list[Path]) -> list[Outgoing]:
    items, names = [], set()
    for path in map(Path, paths):
        name = path.name
        try:
            is_file = path.is_file()
        except OSError as exc:
            raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
        if not is_file:
            raise InputError(f"{path}: no such file" + (" (it is a folder)" if path.is_dir() else ""))
        if path.suffix.lower() != ".csv":
            raise UsageError(f"{path}: only .csv batch files can be delivered")
        if name.startswith(".") or is_reserved(name):
            reserved = " or ".join(repr(p) for p in RESERVED_PREFIXES)
            raise UsageError(f"{path}: names starting with '.', {reserved} are ignored by "
                             "impact.com's drop: rename the file")
        if name in names:
            raise UsageError(f"{path}: two files named {name} in one delivery")
        if len(os.fsencode(f".{name}.commit")) > NAME_MAX:
            raise UsageError(f"{path}: the name is too long to deliver: its temporary name .NAME.commit would pass "
                             f"{NAME_MAX} bytes; rename it to at most {NAME_MAX - 8} bytes")
        names.add(name)
        try:
            digest, size = sha256_file(path)
        except OSError as exc:
            raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
        items.append(Outgoing(path, name, size, digest))
    return items
