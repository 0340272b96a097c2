"""Deliver validated batch files exactly once to a local folder or an SFTP drop (no paramiko here).

    BatchkitError
    ├── InvalidFiles            exit 1: a file has errors; nothing was sent
    ├── DeliveryError           exit 3: a delivery failed; running again is safe (the ledger prevents doubles)
    │   ├── TransientError      the link broke or stalled: retried over a fresh connection first
    │   └── PermanentError      retrying cannot help: fails at the first attempt
    │       ├── HostKeyError        the server's host key is unknown or changed
    │       ├── AuthError           the server refused the key or password
    │       ├── RemotePathError     missing directory, no permission, name already taken
    │       ├── UnsupportedServer   no posix-rename@openssh.com, no common algorithm
    │       └── UncertainDelivery   an earlier final rename was interrupted: the partner may have the file
    └── LockBusy                exit 3: another delivery holds the ledger lock (batchkit.ledger)

Every file is validated, hashed and checked against the ledger before anything is sent. Settings
come from flags, then BATCHKIT_* variables, then [deliver] in batchkit.toml, then defaults.
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import random
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping, Protocol
from urllib.parse import quote, unquote, urlsplit

from batchkit.config import Config, load_config
from batchkit.errors import BatchkitError, ConfigError, InputError, UsageError
from batchkit.ledger import Ledger, LedgerEntry, LockBusy, utc_now
from batchkit.report import Report

if TYPE_CHECKING:
    from batchkit.sftp import SftpConnector

__all__ = ["AuthError", "DeliveryError", "DeliveryResult", "DeliverySettings", "HostKeyError", "InvalidFiles",
           "Ledger", "LocalFolder", "LockBusy", "Outgoing", "PermanentError", "RemotePathError", "SftpDrop",
           "TransientError", "UncertainDelivery", "UnsupportedServer", "archive", "check_files",
           "deliver_files", "parse_destination", "resolve_settings"]

RESERVED_PREFIXES = ("receipt_", "result_")  # impact.com's own files: ignored when found in a drop
VERIFY_LIMIT = 50 * 1024 * 1024


class InvalidFiles(BatchkitError):
    """Validation found errors: nothing was sent."""

    exit_code = 1

    def __init__(self, report: Report) -> None:
        bad = sum(1 for f in report.files if not f.valid)
        super().__init__(f"{bad} of {len(report.files)} file(s) have errors: nothing was sent "
                         "(fix them and run again; batchkit validate shows every finding)")
        self.report = report


class DeliveryError(BatchkitError):
    """A delivery failed; nothing was sent twice and it is safe to run again."""

    exit_code = 3
    attempts = 0

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.results: list[DeliveryResult] = []


class TransientError(DeliveryError):
    """The connection broke, was reset or stalled (retried with backoff before giving up)."""


class PermanentError(DeliveryError):
    """A failure that retrying cannot fix."""


class HostKeyError(PermanentError):
    """The server's host key is not pinned in known_hosts, or differs from the pinned one."""


class AuthError(PermanentError):
    """The server refused the login, or the key cannot be used."""


class RemotePathError(PermanentError):
    """The remote directory is missing or not writable, or the name is taken by a different file."""


class UnsupportedServer(PermanentError):
    """The server lacks something atomic delivery needs (posix-rename@openssh.com, an algorithm)."""


class UncertainDelivery(PermanentError):
    """An earlier final rename was interrupted: the partner may already have the file."""


# ---------------------------------------------------------------- settings

_DELIVER_KEYS: dict[str, tuple[type, ...]] = {"to": (str,), "key_file": (str,), "known_hosts": (str,),
                                              "state_dir": (str,), "timeout": (int, float), "retries": (int,)}
_TYPE_NAMES = {"timeout": "a number", "retries": "an integer"}
_ENV = {"to": "BATCHKIT_TO", "key_file": "BATCHKIT_KEY_FILE", "known_hosts": "BATCHKIT_KNOWN_HOSTS",
        "state_dir": "BATCHKIT_STATE_DIR"}


def default_state_dir(env: Mapping[str, str] = os.environ) -> Path:
    """$XDG_STATE_HOME/batchkit, else ~/.local/state/batchkit."""
    base = env.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "batchkit"


@dataclass(frozen=True)
class DeliverySettings:
    """Everything a delivery needs besides the files; secrets never appear in repr()."""

    to: str = "./outbox"
    key_file: Path | None = None
    known_hosts: Path | None = None
    state_dir: Path = field(default_factory=default_state_dir)
    timeout: float = 30.0
    retries: int = 4
    backoff: float = 1.0
    backoff_cap: float = 30.0
    lock_wait: float = 30.0
    verify_limit: int = VERIFY_LIMIT
    password: str | None = field(default=None, repr=False)
    passphrase: str | None = field(default=None, repr=False)
    config: Config | None = field(default=None, repr=False)


def _deliver_table(config: Config) -> dict[str, Any]:
    table = config.sections.get("deliver", {})
    where = config.source or "batchkit.toml"
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: [deliver] must be a table")
    for key, value in table.items():
        if "pass" in key:
            raise ConfigError(f"{where}: [deliver] {key}: secrets never go in batchkit.toml; set "
                              "BATCHKIT_SFTP_PASSWORD or BATCHKIT_KEY_PASSPHRASE in the environment")
        if key not in _DELIVER_KEYS:
            raise ConfigError(f"{where}: unknown key {key!r} in [deliver] (allowed: {', '.join(_DELIVER_KEYS)})")
        if not isinstance(value, _DELIVER_KEYS[key]) or isinstance(value, bool):
            raise ConfigError(f"{where}: [deliver] {key} must be {_TYPE_NAMES.get(key, 'a string')}")
    if table.get("timeout", 1) <= 0 or not 0 <= table.get("retries", 0) <= 20:
        raise ConfigError(f"{where}: [deliver] timeout must be > 0 and retries between 0 and 20")
    return table


def resolve_settings(config: Config, flags: Mapping[str, Any] | None = None,
                     env: Mapping[str, str] = os.environ) -> DeliverySettings:
    """Flags > BATCHKIT_* environment > [deliver] in batchkit.toml > defaults; paths checked."""
    flags, table = flags or {}, _deliver_table(config)
    base = Path(config.source).parent if config.source else Path(".")
    chosen: dict[str, Any] = {}
    for key in ("to", "key_file", "known_hosts", "state_dir"):
        if flags.get(key) not in (None, ""):
            chosen[key] = str(flags[key])
        elif env.get(_ENV[key]):
            chosen[key] = env[_ENV[key]]
        elif key in table:  # relative paths in the file are relative to the file
            value = table[key]
            local = key != "to" or "://" not in value
            chosen[key] = str(base / Path(value).expanduser()) if local else value
    settings = DeliverySettings(
        to=chosen.get("to", "./outbox"),
        key_file=Path(chosen["key_file"]).expanduser() if "key_file" in chosen else None,
        known_hosts=Path(chosen["known_hosts"]).expanduser() if "known_hosts" in chosen else None,
        state_dir=Path(chosen["state_dir"]).expanduser() if "state_dir" in chosen else default_state_dir(env),
        timeout=float(table.get("timeout", 30.0)), retries=int(table.get("retries", 4)),
        password=env.get("BATCHKIT_SFTP_PASSWORD") or None, passphrase=env.get("BATCHKIT_KEY_PASSPHRASE") or None,
        config=config)
    if isinstance(parse_destination(settings.to), SftpDrop):
        _check_sftp_settings(settings)
    return settings


def _check_sftp_settings(s: DeliverySettings) -> None:
    if s.known_hosts is None:
        raise ConfigError("an sftp:// destination needs --known-hosts FILE pinning the server's host key "
                          "(get it with `ssh-keyscan -p PORT HOST`, then confirm the fingerprint with the partner)")
    if not s.known_hosts.is_file():
        raise ConfigError(f"known_hosts file {s.known_hosts} not found")
    for number, line in enumerate(s.known_hosts.read_text(errors="replace").splitlines(), 1):
        if line.lstrip().startswith("@"):
            raise ConfigError(f"{s.known_hosts} line {number}: @cert-authority/@revoked lines are not supported; "
                              "pin the partner's key in a dedicated file of plain `[host]:port type key` lines")
    if s.key_file is None and not s.password:
        raise ConfigError("an sftp:// destination needs --key-file (or BATCHKIT_SFTP_PASSWORD in the environment)")
    if s.key_file is not None and not s.key_file.is_file():
        raise ConfigError(f"key file {s.key_file} not found")


# ---------------------------------------------------------------- destinations

@dataclass(frozen=True)
class LocalFolder:
    """A folder on this machine (created when missing)."""

    path: Path

    @property
    def url(self) -> str:
        """The ledger's name for this destination."""
        return self.path.resolve().as_uri()

    def remote(self, name: str) -> str:
        """The final path of `name` in this folder."""
        return str(self.path / name)

    def connector(self, settings: DeliverySettings) -> Connector:
        """How to open a session to this folder."""
        return _LocalConnector(self.path, settings)


@dataclass(frozen=True)
class SftpDrop:
    """A directory on an SFTP server: absolute (`/dir`), or relative to the login's start (`/~/dir`)."""

    user: str
    host: str
    port: int
    path: str

    @property
    def url(self) -> str:
        """The canonical sftp:// form (the ledger's name for this destination)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        shown = self.path if self.path.startswith("/") else "/~" + ("" if self.path == "." else "/" + self.path)
        return f"sftp://{quote(self.user, safe='')}@{host}:{self.port}{shown}"

    def remote(self, name: str) -> str:
        """The remote path of `name` in this directory."""
        return name if self.path == "." else posixpath.join(self.path, name)

    def connector(self, settings: DeliverySettings) -> SftpConnector:
        """How to open SFTP sessions (imports paramiko only now)."""
        from batchkit.sftp import SftpConnector

        return SftpConnector(self, settings)


Destination = LocalFolder | SftpDrop


def parse_destination(text: str) -> Destination:
    """`sftp://user@host[:port]/dir` or a local folder path."""
    if "://" not in text:
        return LocalFolder(Path(text).expanduser())
    parts = urlsplit(text)
    if parts.scheme == "file":
        return LocalFolder(Path(unquote(parts.path)))
    if parts.scheme != "sftp":
        raise UsageError(f"unsupported destination {text!r}: use a folder or sftp://user@host[:port]/dir")
    if parts.password is not None:
        raise UsageError("never put a password in the destination: set BATCHKIT_SFTP_PASSWORD instead")
    if not parts.username or not parts.hostname:
        raise UsageError(f"destination {text!r} needs a user and a host: sftp://user@host[:port]/dir")
    try:
        port = parts.port or 22
    except ValueError:
        raise UsageError(f"destination {text!r} has an invalid port") from None
    path = unquote(parts.path) or "."
    if path == "/~" or path.startswith("/~/"):
        path = path[3:].strip("/") or "."
    elif path != "/":
        path = path.rstrip("/")
    return SftpDrop(unquote(parts.username), parts.hostname, port, posixpath.normpath(path))


# ---------------------------------------------------------------- files and results

@dataclass(frozen=True)
class Outgoing:
    """A file about to be delivered, with the size and hash taken before validation."""

    path: Path
    name: str
    size: int
    sha256: str


def sha256_file(path: Path) -> tuple[str, int]:
    """The sha256 hex digest and size of a local file."""
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _outgoing(paths: list[Path]) -> list[Outgoing]:
    items, names = [], set()
    for path in map(Path, paths):
        name = path.name
        if not path.is_file():
            raise InputError(f"{path}: no such file")
        if path.suffix.lower() != ".csv":
            raise UsageError(f"{path}: only .csv batch files can be delivered")
        if name.startswith(".") or name.lower().startswith(RESERVED_PREFIXES):
            raise UsageError(f"{path}: names starting with '.', 'receipt_' or 'result_' are ignored by "
                             "impact.com's drop: rename the file")
        if name in names:
            raise UsageError(f"{path}: two files named {name} in one delivery")
        names.add(name)
        digest, size = sha256_file(path)
        items.append(Outgoing(path, name, size, digest))
    return items


@dataclass
class DeliveryResult:
    """What happened to one file."""

    path: Path
    name: str
    size: int
    sha256: str
    destination: str
    outcome: str  # delivered | skipped | would-send | would-skip | uncertain | failed | not-attempted
    attempts: int = 0
    at: str | None = None
    remote: str | None = None
    seconds: float = 0.0
    error: str | None = None
    entry: LedgerEntry | None = None

    def describe(self) -> str:
        """One line for people."""
        size = f"{self.size:,} bytes"
        if self.outcome == "delivered":
            tries = "" if self.attempts <= 1 else f", {self.attempts} attempts"
            return f"sent {self.name} -> {self.remote} ({size}, {self.seconds:.2f} s{tries})"
        if self.outcome in ("skipped", "would-skip"):
            verb = "skipped" if self.outcome == "skipped" else "would be skipped"
            return f"{self.name}: already delivered on {self.at}, {verb} ({self.destination}; --resend sends it again)"
        if self.outcome == "would-send":
            return f"would send {self.name} -> {self.destination} ({size}, sha256 {self.sha256[:12]})"
        if self.outcome == "failed":  # the reason follows on stderr as `batchkit: error: ...`
            return f"failed {self.name} ({self.attempts} attempt{'' if self.attempts == 1 else 's'})"
        if self.outcome == "not-attempted":
            return f"not sent {self.name}: stopped at an earlier failure"
        return f"{self.outcome} {self.name}: {self.error}"


def _result(item: Outgoing, dest: Destination, outcome: str, **kw: Any) -> DeliveryResult:
    return DeliveryResult(item.path, item.name, item.size, item.sha256, dest.url, outcome, **kw)


# ---------------------------------------------------------------- sessions

class Session(Protocol):
    """An open connection to a destination."""

    def probe(self, item: Outgoing) -> str:
        """'same', 'different' (final name taken), 'part' (only the temporary exists) or 'absent'."""

    def put(self, item: Outgoing, commit: Callable[[], None]) -> str:
        """Write `.NAME.part`, verify, call `commit()`, rename to NAME; return the final path."""

    def close(self) -> None:
        """Close the connection."""


class Connector(Protocol):
    """Opens sessions (a fresh one for every retry)."""

    def connect(self) -> Session:
        """Open a session or raise a DeliveryError."""


class _LocalConnector:
    def __init__(self, folder: Path, settings: DeliverySettings) -> None:
        self.folder, self.settings = folder, settings

    def connect(self) -> Session:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise RemotePathError(f"cannot create {self.folder}: {exc.strerror}") from None
        return _LocalSession(self.folder)


class _LocalSession:
    """Atomic, never-overwriting delivery into a local folder (hard link of a fsynced temporary)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def probe(self, item: Outgoing) -> str:
        final = self.folder / item.name
        if final.exists():
            return "same" if sha256_file(final) == (item.sha256, item.size) else "different"
        return "part" if (self.folder / f".{item.name}.part").exists() else "absent"

    def put(self, item: Outgoing, commit: Callable[[], None]) -> str:
        final, part = self.folder / item.name, self.folder / f".{item.name}.part"
        state = self.probe(item)
        if state == "same":
            return str(final)
        if state == "different":
            raise RemotePathError(f"{final} already exists with different content: not overwritten")
        try:
            digest = hashlib.sha256()
            with open(item.path, "rb") as src, open(part, "wb") as dst:
                while chunk := src.read(1 << 20):
                    digest.update(chunk)
                    dst.write(chunk)
                dst.flush()
                os.fsync(dst.fileno())
            if digest.hexdigest() != item.sha256:
                raise PermanentError(f"{item.path} changed while it was being delivered: nothing was delivered")
            commit()
            os.link(part, final)  # fails if the name appeared meanwhile: never clobbers
        except FileExistsError:
            raise RemotePathError(f"{final} appeared while delivering: not overwritten") from None
        except OSError as exc:
            raise RemotePathError(f"cannot write {part}: {exc.strerror}") from None
        finally:
            part.unlink(missing_ok=True)
        _fsync_dir(self.folder)
        return str(final)

    def close(self) -> None:
        pass


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# ---------------------------------------------------------------- orchestration

def check_files(paths: list[Path], config: Config | None) -> Report:
    """Validate the files as one batch; raise InvalidFiles (exit 1) when any has errors."""
    from batchkit.validate import validate_paths

    report = validate_paths([str(p) for p in paths], config or load_config())
    if not report.valid:
        raise InvalidFiles(report)
    return report


def deliver_files(paths: list[Path], dest: Destination, settings: DeliverySettings, ledger: Ledger,
                  resend: bool = False, dry_run: bool = False, report: Report | None = None) -> list[DeliveryResult]:
    """Validate, then deliver each file exactly once (per content and destination), in order.

    Pass `report` only if it is a valid report of exactly these paths (it then skips validation).
    A failure stops the run and raises a DeliveryError whose `results` say what happened to each file.
    """
    items = _outgoing(list(paths))  # hashed before validation: what is sent is what was validated
    if report is None:
        check_files([i.path for i in items], settings.config)
    elif not report.valid or [f.path for f in report.files] != [str(i.path) for i in items]:
        raise UsageError("the validation report given does not belong to these files")
    if dry_run:
        return [_preview(item, dest, ledger, resend) for item in items]
    run = _Run(dest, settings, ledger)
    results: list[DeliveryResult] = []
    with ledger.locked(settings.lock_wait):
        try:
            for item in items:
                results.append(run.deliver(item, resend))
        except DeliveryError as exc:
            rest = items[len(results) + len(exc.results):]
            exc.results = results + exc.results + [_result(i, dest, "not-attempted") for i in rest]
            raise
        finally:
            run.close()
    return results


def _preview(item: Outgoing, dest: Destination, ledger: Ledger, resend: bool) -> DeliveryResult:
    before = None if resend else ledger.last(item.sha256, dest.url)
    if before is None:
        return _result(item, dest, "would-send")
    if before.outcome == "delivered":
        return _result(item, dest, "would-skip", at=before.finished_at, entry=before)
    return _result(item, dest, "uncertain", error=_uncertain(item, dest, before), entry=before)


def _uncertain(item: Outgoing, dest: Destination, entry: LedgerEntry) -> str:
    return (f"an earlier delivery of this content ({entry.name}) to {dest.url} was interrupted during its final "
            f"rename on {entry.finished_at or entry.started_at}: the partner may already have it; ask them, "
            "then run with --resend to send it again")


class _Run:
    """One delivery run: one session reused across files, a fresh one after each transient failure."""

    def __init__(self, dest: Destination, settings: DeliverySettings, ledger: Ledger) -> None:
        self.dest, self.settings, self.ledger = dest, settings, ledger
        self.connector: Connector = dest.connector(settings)
        self.session: Session | None = None

    def close(self) -> None:
        if self.session is not None:
            self.session.close()
            self.session = None

    def deliver(self, item: Outgoing, resend: bool) -> DeliveryResult:
        before = None if resend else self.ledger.last(item.sha256, self.dest.url)
        if before is not None and before.outcome == "delivered":
            return _result(item, self.dest, "skipped", at=before.finished_at, entry=before)
        if before is not None:
            exc = UncertainDelivery(_uncertain(item, self.dest, before))
            exc.results = [_result(item, self.dest, "uncertain", error=str(exc), entry=before)]
            raise exc
        entry_id = self.ledger.begin(item.name, item.sha256, item.size, self.dest.url)
        started = time.monotonic()
        try:
            remote, attempts = self._send(item, entry_id)
        except DeliveryError as exc:
            uncertain = isinstance(exc, UncertainDelivery)
            entry = self.ledger.update(entry_id, "unknown" if uncertain else "failed", attempts=exc.attempts,
                                       error=str(exc))
            exc.results = [_result(item, self.dest, "uncertain" if uncertain else "failed", attempts=exc.attempts,
                                   error=str(exc), entry=entry)]
            raise
        entry = self.ledger.update(entry_id, "delivered", attempts=attempts, remote=remote)
        return _result(item, self.dest, "delivered", attempts=attempts, at=entry.finished_at, remote=remote,
                       seconds=time.monotonic() - started, entry=entry)

    def _send(self, item: Outgoing, entry_id: int) -> tuple[str, int]:
        committing = False

        def commit() -> None:
            nonlocal committing
            committing = True
            self.ledger.update(entry_id, "committing")

        attempt = 0
        while True:
            attempt += 1
            try:
                if self.session is None:
                    self.session = self.connector.connect()
                if committing:  # the last attempt died during the rename: did it happen?
                    state = self.session.probe(item)
                    if state == "same":
                        return self.dest.remote(item.name), attempt
                    if state != "part":
                        raise UncertainDelivery(f"the connection broke during the final rename of {item.name} and "
                                                "the file is gone from the drop: the partner may have picked it "
                                                "up; ask them, then run with --resend if they did not")
                    committing = False
                    self.ledger.update(entry_id, "sending")
                return self.session.put(item, commit), attempt
            except TransientError as exc:
                self.close()
                if attempt <= self.settings.retries:
                    time.sleep(backoff_delay(attempt, self.settings))
                    continue
                final: DeliveryError = exc
                if committing:
                    final = UncertainDelivery(f"{exc} during the final rename of {item.name}: the partner may "
                                              "have the file; ask them, then run with --resend if they do not")
                final.attempts = attempt
                final.args = (f"{final} (gave up after {attempt} attempts)",)
                raise final from None
            except DeliveryError as exc:
                self.close()
                exc.attempts = attempt
                raise


def backoff_delay(attempt: int, settings: DeliverySettings) -> float:
    """Capped exponential backoff with jitter: half the step fixed, half random."""
    step = min(settings.backoff_cap, settings.backoff * 2 ** (attempt - 1))
    return step / 2 + random.uniform(0, step / 2)


# ---------------------------------------------------------------- archive

def archive(result: DeliveryResult, archive_dir: Path) -> Path:
    """Copy a delivered file into `archive_dir` with its ledger entry as JSON beside it; return the copy."""
    if result.outcome not in ("delivered", "skipped") or result.entry is None:
        raise ValueError(f"{result.name} was not delivered ({result.outcome}): nothing to archive")
    archive_dir.mkdir(parents=True, exist_ok=True)
    target = archive_dir / result.name
    if target.exists() and sha256_file(target)[0] != result.sha256:
        target = archive_dir / f"{Path(result.name).stem}.{result.sha256[:12]}{Path(result.name).suffix}"
    if not target.exists():
        tmp = archive_dir / f".{target.name}.part"
        shutil.copyfile(result.path, tmp)
        if sha256_file(tmp)[0] != result.sha256:
            tmp.unlink()
            raise InputError(f"{result.path} changed since it was delivered: not archived")
        os.replace(tmp, target)
    doc = {"entry": result.entry.as_dict(), "file": str(result.path), "archived": utc_now()}
    meta = target.with_name(target.name + ".json")
    tmp = meta.with_name(f".{meta.name}.part")
    tmp.write_text(json.dumps(doc, indent=2) + "\n")
    os.replace(tmp, meta)
    return target
