"""Compile the kinds of schemas/kinds.toml into pandera schemas: the only place schemas are built.

Each schema is built once per process, when a file of its kind (with its columns and configuration) is first
validated, and kept (`_COMPILED`): the rules are registered with pandera once, when the registry is imported.
"""

from __future__ import annotations

from dataclasses import dataclass

from batchkit.core.config import Config
from batchkit.core.kinds import Kind
from batchkit.core.money import currencies
from batchkit.validation._pandera import Check, Column, DataFrameSchema
from batchkit.validation.rules import RULES, Rule


def context(config: Config) -> dict[str, frozenset[str]]:
    """The configured values that parametrized checks need."""
    return {
        "currencies": frozenset(currencies()),
        "statuses": config.customer_statuses,
        "reasons": config.accepted_reasons,
    }


@dataclass(frozen=True)
class Compiled:
    """The pandera schemas of one frame: per-field checks, whole-frame checks, and the rules used.

    `columns` runs on the rows the prefilter (prefilter.py) cannot vouch for, `frame` on every
    row; `column_rules` lists each column's per-field rules in the order `columns` runs them.
    """

    columns: DataFrameSchema
    frame: DataFrameSchema
    rules: tuple[Rule, ...]
    column_rules: dict[str, tuple[Rule, ...]]


def _check(rule: Rule, ctx: dict[str, frozenset[str]]) -> Check:
    # Frames hold no missing values (absent cells are ""), so frame checks skip pandera's all-missing
    # row test, a pass over the whole frame per check.
    extra = {"ignore_na": False} if rule.scope == "frame" else {}
    return getattr(Check, rule.name)(**{p: ctx[p] for p in rule.params}, **extra)


def _compile(kind: Kind, fields: list[str], present: set[str], kind_checks: tuple[str, ...], ctx: dict) -> Compiled:
    per_column: dict[str, list[Rule]] = {f: [] for f in fields}
    frame: list[Rule] = []
    used: list[Rule] = []
    for field in fields:
        if field in present:
            for name in kind.checks_of(field):
                per_column[field].append(RULES[name])
                used.append(RULES[name])
    for name in kind_checks:
        rule = RULES[name]
        if rule.column and rule.column not in present:  # an absent column is the header's finding (BK008, BK206)
            continue
        if rule.scope == "frame":
            frame.append(rule)
        else:
            per_column[rule.column or ""].append(rule)
        used.append(rule)
    column_rules = {f: tuple(rules) for f, rules in per_column.items() if rules}
    columns = {f: Column(checks=[_check(r, ctx) for r in rules], required=False, nullable=True)
               for f, rules in column_rules.items()}
    return Compiled(DataFrameSchema(columns), DataFrameSchema(checks=[_check(r, ctx) for r in frame]),
                    tuple(dict.fromkeys(used)), column_rules)


_COMPILED: dict[tuple, Compiled] = {}  # (which, the kind, its present fields, the configured values) -> schemas
_KEEP = 64  # schemas kept at most (a long-lived process meets few kinds and column sets)


def _cached(which: str, kind: Kind, fields: list[str], present: set[str], checks: tuple[str, ...],
            config: Config) -> Compiled:
    ctx = context(config)
    key = (which, repr(kind), frozenset(present), tuple(sorted(ctx.items())))
    compiled = _COMPILED.get(key)
    if compiled is None:
        if len(_COMPILED) >= _KEEP:
            _COMPILED.clear()
        compiled = _COMPILED[key] = _compile(kind, fields, present, checks, ctx)
    return compiled


def record_schema(kind: Kind, present: set[str], config: Config) -> Compiled:
    """Checks on one row per record: identifiers, order-level fields and whole-row rules."""
    fields = list(kind.identifiers) + ([] if kind.is_item else list(kind.fields))
    return _cached("record", kind, fields, present, kind.record_checks, config)


def item_schema(kind: Kind, present: set[str], config: Config) -> Compiled:
    """Checks on the long form of an item-level file: one record per item group."""
    return _cached("item", kind, list(kind.fields), present, kind.item_checks, config)
