"""The [run] section of batchkit.toml: the exports `batchkit run` builds and where it archives."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from batchkit.core.config import Config
from batchkit.core.errors import ConfigError


@dataclass(frozen=True)
class RunSettings:
    """The [run] section: exports to build and where delivered files are archived."""

    inputs: tuple[str, ...]
    archive: Path
    preflight: bool = False  # check the built files against the account's actions before delivering
    results: bool = True  # collect the platform's verdicts on earlier deliveries as the last step
    fail_on_rejected: bool = False  # exit 1 when that step learns of a rejected record
    require_input: bool = False  # exit 1 when an input glob matches no file (a broken export feed), before any build


def load_run_settings(config: Config) -> RunSettings:
    """Check [run] and resolve its paths against the configuration file's folder."""
    src = config.source or "batchkit.toml"
    table = config.sections.get("run")
    if not isinstance(table, dict) or "inputs" not in table:
        raise ConfigError(f"{src}: batchkit run needs a [run] section with inputs = [\"exports/*.csv\", ...]")
    config.table("run")  # unknown keys, wrong types
    if not all(isinstance(v, str) and v.strip() for v in table["inputs"]):
        raise ConfigError(f"{src}: [run] inputs must list file names or globs")
    if not table.get("archive", "archive").strip():
        raise ConfigError(f"{src}: [run] archive is empty: name the folder delivered files are archived in")
    base = Path(config.source).parent if config.source else Path(".")
    return RunSettings(tuple(str(base / p) for p in table["inputs"]), base / table.get("archive", "archive"),
                       bool(table.get("preflight", False)), bool(table.get("results", True)),
                       bool(table.get("fail_on_rejected", False)), bool(table.get("require_input", False)))
