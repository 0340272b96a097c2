"""batchkit.toml: defaults from schemas/defaults.toml, overridden by the user's file, validated once.

The file holds [sections] (each declared by the capability that reads it) and a few declared top-level keys
(TOP_KEYS: settings that belong to no single capability, like the state folder every command shares).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from batchkit.core.codes import unknown_codes
from batchkit.core.errors import ConfigError
from batchkit.core.files import file_problem
from batchkit.core.resources import load_toml

DEFAULT_NAME = "batchkit.toml"


@dataclass(frozen=True)
class Key:
    """One key of a section: the types it takes, named for the error message ("a list")."""

    types: tuple[type, ...]
    what: str
    strings: bool = False  # a list whose items must be non-empty strings


ANY = Key((object,), "a value")  # a key whose owner checks its value itself


@dataclass(frozen=True)
class Section:
    """A [name] table of batchkit.toml and its keys, declared by the capability that reads it."""

    name: str
    keys: dict[str, Key]

    def check(self, table: Any, where: str) -> dict[str, Any]:
        """`table` if it is a table of known keys with values of the right types; else a ConfigError."""
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: [{self.name}] must be a table")
        for key, value in table.items():
            spec = self.keys.get(key)
            if spec is None:
                raise ConfigError(f"{where}: unknown key {key!r} in [{self.name}] (allowed: {', '.join(self.keys)})")
            if not isinstance(value, spec.types) or (isinstance(value, bool) and bool not in spec.types):
                raise ConfigError(f"{where}: [{self.name}] {key} must be {spec.what}")
            if spec.strings and not all(isinstance(v, str) and v.strip() for v in table[key]):
                raise ConfigError(f"{where}: [{self.name}] {key} must list non-empty strings")
        return table


SECTIONS: dict[str, Section] = {}  # every section batchkit.toml may hold: a name not here is a typo
# the keys batchkit.toml may hold above any [section] -> what each names; each is a non-empty string
TOP_KEYS: dict[str, str] = {"state_dir": "the state folder"}


def declare(section: Section) -> Section:
    """Make [section.name] a known section; its owner checks it with `Config.table` when it reads it."""
    SECTIONS[section.name] = section
    return section


_STRINGS = Key((list,), "a list", strings=True)
# the sections every command reads (the Config fields below); they are checked when the file is loaded
_OWN = (declare(Section("reasons", {"codes": _STRINGS, "custom": _STRINGS})),
        declare(Section("customer_status", {"accepted": _STRINGS})),
        declare(Section("validate", {"max_samples": Key((int,), "an integer"), "select": _STRINGS,
                                     "ignore": _STRINGS, "fail_on": Key((str,), "a string")})))


@dataclass(frozen=True)
class Config:
    """The validated configuration: batchkit.toml's settings checked and merged with the defaults.

    Example::

        config = batchkit.load_config("samples/returns/batchkit.toml")
        report = batchkit.validate("samples/batch/acme_order-reversals_2026-11-22.csv", config)
    """

    reason_codes: frozenset[str]
    custom_codes: frozenset[str]
    customer_statuses: frozenset[str]
    max_samples: int
    source: str | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    fail_on: str = "error"
    sections: dict[str, Any] = field(default_factory=dict)
    top: dict[str, str] = field(default_factory=dict)  # the declared top-level keys the file sets (checked)

    @property
    def accepted_reasons(self) -> frozenset[str]:
        """Default codes plus the configured custom disposition codes.

        Example::

            print("ITEM_RETURNED" in batchkit.load_config(None).accepted_reasons)
        """
        return self.reason_codes | self.custom_codes

    @property
    def where(self) -> str:
        """The file's name for messages (batchkit.toml when there is no file).

        Example::

            print(batchkit.load_config("samples/returns/batchkit.toml").where)
        """
        return self.source or DEFAULT_NAME

    @property
    def base(self) -> Path:
        """The folder that relative paths in the file are relative to (the file's own folder).

        Example::

            print(batchkit.load_config("samples/returns/batchkit.toml").base)  # samples/returns
        """
        return Path(self.source).parent if self.source else Path(".")

    def table(self, name: str) -> dict[str, Any]:
        """The [name] table of the user's file ({} when absent), checked against its declared keys.

        Example::

            print(batchkit.load_config("samples/returns/batchkit.toml").table("build"))
        """
        return SECTIONS[name].check(self.sections.get(name, {}), self.where)


def _top_keys(user: dict[str, Any], where: str) -> dict[str, str]:
    """The declared top-level keys of the user's file, each checked to be a non-empty string."""
    top = {}
    for name in [name for name in TOP_KEYS if name in user]:
        value = user[name]
        if not isinstance(value, str):
            raise ConfigError(f"{where}: {name} must be a string naming {TOP_KEYS[name]} (a top-level key: write "
                              "it above any [section])")
        if not value.strip():
            raise ConfigError(f"{where}: {name} is empty: remove it or name {TOP_KEYS[name]}")
        top[name] = value
    return top


SECRET_WORDS = ("token", "pass", "secret", "auth", "credential")  # a key holding one of these is never read


def _secret_problem(section: str | None, key: str, where: str) -> str:
    """The message for a secret-looking key (never its value): where secrets go instead."""
    place = f"[{section}] {key}" if section else key
    if section == "deliver" and "pass" in key.lower():
        return (f"{where}: {place}: secrets never go in batchkit.toml; set BATCHKIT_SFTP_PASSWORD or "
                "BATCHKIT_KEY_PASSPHRASE in the environment (and the impact.com token in IMPACT_AUTH_TOKEN)")
    return (f"{where}: {place}: the impact.com token (or any secret) never goes in batchkit.toml; set "
            "IMPACT_AUTH_TOKEN in the environment")


def check_secrets(user: dict[str, Any], where: str) -> None:
    """Refuse a secret-looking key anywhere in the file (every section's keys and the top-level ones), whichever
    command reads it: a token in a file is refused by all of them, not only by the one that reads its section."""
    for name, table in user.items():
        keys = [(name, key) for key in table] if isinstance(table, dict) else [(None, name)]
        for section, key in keys:
            if any(word in str(key).lower() for word in SECRET_WORDS):
                raise ConfigError(_secret_problem(section, str(key), where))


def _merge(base: dict[str, Any], user: dict[str, Any], where: str) -> dict[str, Any]:
    merged = {k: dict(v) for k, v in base.items()}
    for name, table in user.items():
        if name in TOP_KEYS:  # read by _top_keys
            continue
        if name not in SECTIONS and not isinstance(table, dict):
            raise ConfigError(f"{where}: unknown top-level key {name!r} (allowed: {', '.join(sorted(TOP_KEYS))}; "
                              "every other setting goes in its [section])")
        if name not in SECTIONS:
            raise ConfigError(f"{where}: unknown section [{name}] (known: {', '.join(sorted(SECTIONS))})")
        if SECTIONS[name] not in _OWN:  # checked by its owner when it reads it
            merged[name] = table
            continue
        merged.setdefault(name, {}).update(SECTIONS[name].check(table, where))
    return merged


def _read_user_file(path: Path) -> dict[str, Any]:
    problem = file_problem(path)
    if problem and problem != "no such file":
        raise ConfigError(f"{path}: cannot read configuration: {problem}")
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{path}: configuration file not found") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read configuration ({exc.strerror})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: invalid TOML ({exc})") from None


def load_config(path: str | Path | None = None, cwd: Path | None = None) -> Config:
    """Load `path`, else ./batchkit.toml if present, else the defaults."""
    source: Path | None = Path(path) if path else None
    if source is None:
        candidate = (cwd or Path.cwd()) / DEFAULT_NAME
        source = candidate if candidate.is_file() else None
    user = _read_user_file(source) if source else {}
    check_secrets(user, str(source))
    top = _top_keys(user, str(source))
    merged = _merge(load_toml("defaults"), user, str(source))
    max_samples = merged["validate"]["max_samples"]
    if max_samples < 0:
        raise ConfigError(f"{source}: [validate] max_samples must be >= 0")
    fail_on = merged["validate"].get("fail_on", "error")
    if fail_on not in ("error", "warning"):
        raise ConfigError(f"{source}: [validate] fail_on must be \"error\" or \"warning\", not {fail_on!r}")
    for key in ("select", "ignore"):
        bad = unknown_codes(merged["validate"].get(key, []))
        if bad:
            raise ConfigError(f"{source}: [validate] {key} names no known code: {', '.join(bad)}")
    return Config(
        reason_codes=frozenset(merged["reasons"]["codes"]),
        custom_codes=frozenset(merged["reasons"]["custom"]),
        customer_statuses=frozenset(merged["customer_status"]["accepted"]),
        max_samples=max_samples,
        source=str(source) if source else None,
        select=tuple(merged["validate"].get("select", ())),
        ignore=tuple(merged["validate"].get("ignore", ())),
        fail_on=fail_on,
        sections={k: v for k, v in merged.items() if SECTIONS[k] not in _OWN},
        top=top,
    )
