"""Compile the kinds of schemas/kinds.toml into pandera schemas: the only place schemas are built."""

from __future__ import annotations

from dataclasses import dataclass

from batchkit.core.config import Config
from batchkit.core.kinds import Kind
from batchkit.core.money import currencies
from batchkit.validation._pandera import pa
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

    columns: pa.DataFrameSchema
    frame: pa.DataFrameSchema
    rules: tuple[Rule, ...]
    column_rules: dict[str, tuple[Rule, ...]]


def _check(rule: Rule, ctx: dict[str, frozenset[str]]) -> pa.Check:
    # Frames hold no missing values (absent cells are ""), so frame checks skip pandera's all-missing
    # row test, a pass over the whole frame per check.
    extra = {"ignore_na": False} if rule.scope == "frame" else {}
    return getattr(pa.Check, rule.name)(**{p: ctx[p] for p in rule.params}, **extra)


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
    columns = {f: pa.Column(checks=[_check(r, ctx) for r in rules], required=False, nullable=True)
               for f, rules in column_rules.items()}
    return Compiled(pa.DataFrameSchema(columns), pa.DataFrameSchema(checks=[_check(r, ctx) for r in frame]),
                    tuple(dict.fromkeys(used)), column_rules)


def record_schema(kind: Kind, present: set[str], config: Config) -> Compiled:
    """Checks on one row per record: identifiers, order-level fields and whole-row rules."""
    fields = list(kind.identifiers) + ([] if kind.is_item else list(kind.fields))
    return _compile(kind, fields, present, kind.record_checks, context(config))


def item_schema(kind: Kind, present: set[str], config: Config) -> Compiled:
    """Checks on the long form of an item-level file: one record per item group."""
    return _compile(kind, list(kind.fields), present, kind.item_checks, context(config))
