"""Compile the kinds of schemas/kinds.toml into pandera schemas: the only place schemas are built."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import pandera.pandas as pa

import batchkit.checks_rows  # noqa: F401  (registers the row checks)
import batchkit.checks_values  # noqa: F401  (registers the value checks)
from batchkit.checks import RULES, Rule
from batchkit.config import Config
from batchkit.kinds import Kind, layout
from batchkit.resources import load_toml


@cache
def currencies() -> dict[str, int]:
    """ISO 4217 codes and their minor units."""
    return dict(load_toml("currencies")["minor_units"])


def context(config: Config) -> dict[str, frozenset[str]]:
    """The configured values that parametrized checks need."""
    return {
        "currencies": frozenset(currencies()),
        "statuses": config.customer_statuses,
        "reasons": config.accepted_reasons,
    }


@dataclass(frozen=True)
class Compiled:
    """A pandera schema and the frame's columns it expects."""

    schema: pa.DataFrameSchema
    rules: tuple[Rule, ...]


def _check(rule: Rule, ctx: dict[str, frozenset[str]]) -> pa.Check:
    return getattr(pa.Check, rule.name)(**{p: ctx[p] for p in rule.params})


def _compile(fields: list[str], present: set[str], kind_checks: tuple[str, ...], ctx: dict) -> Compiled:
    per_column: dict[str, list[pa.Check]] = {f: [] for f in fields}
    frame: list[pa.Check] = []
    used: list[Rule] = []
    for field in fields:
        if field in present:
            for name in layout().field_checks.get(field, ()):
                per_column[field].append(_check(RULES[name], ctx))
                used.append(RULES[name])
    for name in kind_checks:
        rule = RULES[name]
        if rule.scope == "frame":
            frame.append(_check(rule, ctx))
        else:
            per_column[rule.column or ""].append(_check(rule, ctx))
        used.append(rule)
    columns = {f: pa.Column(checks=c, required=False, nullable=True) for f, c in per_column.items() if c}
    return Compiled(pa.DataFrameSchema(columns, checks=frame), tuple(dict.fromkeys(used)))


def record_schema(kind: Kind, present: set[str], config: Config) -> Compiled:
    """Checks on one row per record: identifiers, order-level fields and whole-row rules."""
    lay = layout()
    fields = list(lay.identifiers) + ([] if kind.is_item else list(kind.fields))
    return _compile(fields, present, kind.record_checks, context(config))


def item_schema(kind: Kind, present: set[str], config: Config) -> Compiled:
    """Checks on the long form of an item-level file: one record per item group."""
    return _compile(list(kind.fields), present, kind.item_checks, context(config))
