"""batchkit.toml's sections: each capability declares its own; a name nobody declared is a typo."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from batchkit.core.config import SECTIONS, Key, Section, declare, load_config
from batchkit.core.errors import ConfigError


@pytest.fixture
def example() -> Iterator[Section]:
    section = declare(Section("example", {"url": Key((str,), "a string"), "retries": Key((int,), "an integer"),
                                          "names": Key((list,), "a list", strings=True)}))
    yield section
    del SECTIONS["example"]


def _load(tmp_path: Path, text: str):
    path = tmp_path / "batchkit.toml"
    path.write_text(text)
    return load_config(path)


def test_every_capability_declares_its_section() -> None:
    assert sorted(SECTIONS) == ["api", "build", "customer_status", "deliver", "inquiries", "radar", "reasons",
                                "run", "serve", "validate"]


def test_an_undeclared_section_is_an_error_naming_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        _load(tmp_path, "[delivr]\nto = 'outbox'\n")
    assert str(info.value).endswith("unknown section [delivr] (known: api, build, customer_status, deliver, "
                                    "inquiries, radar, reasons, run, serve, validate)")


def test_a_declared_section_is_kept_for_its_owner_and_checked_when_read(tmp_path: Path, example: Section) -> None:
    config = _load(tmp_path, "[example]\nurl = 'http://127.0.0.1:8080'\nretries = 2\nnames = ['a']\n")
    assert config.table("example") == {"url": "http://127.0.0.1:8080", "retries": 2, "names": ["a"]}
    assert _load(tmp_path, "[validate]\nmax_samples = 3\n").table("example") == {}


@pytest.mark.parametrize(("text", "message"), [
    ("[example]\nurl = 1\n", "[example] url must be a string"),
    ("[example]\nretries = true\n", "[example] retries must be an integer"),
    ("[example]\nnames = ['a', ' ']\n", "[example] names must list non-empty strings"),
    ("[example]\nurll = 'x'\n", "unknown key 'urll' in [example] (allowed: url, retries, names)"),
    ("example = 3\n", "[example] must be a table"),
])
def test_a_declared_section_rejects_unknown_keys_and_wrong_types(tmp_path: Path, example: Section, text: str,
                                                                  message: str) -> None:
    config = _load(tmp_path, text)  # loading succeeds: the owner checks its section when it reads it
    with pytest.raises(ConfigError) as info:
        config.table("example")
    assert str(info.value) == f"{tmp_path / 'batchkit.toml'}: {message}"


def test_the_core_sections_are_checked_when_the_file_is_loaded(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"\[validate\] max_samples must be an integer"):
        _load(tmp_path, "[validate]\nmax_samples = 'ten'\n")


def test_a_declared_top_level_key_is_kept_apart_from_the_sections(tmp_path: Path) -> None:
    config = _load(tmp_path, 'state_dir = "state"\n[validate]\nmax_samples = 3\n')
    assert config.top == {"state_dir": "state"} and "state_dir" not in config.sections
    assert _load(tmp_path, "").top == {}


@pytest.mark.parametrize(("text", "message"), [
    ("state_dir = 1\n", "state_dir must be a string naming the state folder (a top-level key: write it above any "
                        "[section])"),
    ('state_dir = " "\n', "state_dir is empty: remove it or name the state folder"),
    ("retries = 3\n", "unknown top-level key 'retries' (allowed: state_dir; every other setting goes in its "
                      "[section])"),
])
def test_top_level_keys_are_checked_when_the_file_is_loaded(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        _load(tmp_path, text)
    assert str(info.value) == f"{tmp_path / 'batchkit.toml'}: {message}"
