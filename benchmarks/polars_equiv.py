r"""Validate a batch file with a polars pipeline that makes batchkit's main checks (the bar to beat).

Issue 26 asks for "a polars pipeline with the same main checks (identical error counts per code)":
this is that baseline, run by ``validate_bench.py`` as a separate process and timed. It does not
import batchkit (no pandas, no pandera): the rules are written here again as polars expressions,
and only the data batchkit's rules read is shared, straight from the TOML files under ``schemas/``:

* ``kinds.toml``: each kind's columns, required columns and check names (record, item and
  per-field checks), the header aliases and the item-group numbering;
* ``defaults.toml``: the default reason codes and customer statuses (no ``batchkit.toml`` is read);
* ``currencies.toml``: the ISO 4217 codes.

Every check name of ``kinds.toml`` is either implemented below (:data:`FIELD_RULES`,
:data:`RECORD_RULES`, :data:`ITEM_RULES`, :data:`DUPLICATE_RULES`) or listed in
:data:`WARNING_RULES` (its findings are warnings, which are not counted here); an unknown name
stops the script, so a new rule cannot be skipped silently.

The pipeline, for a file of one kind:

1. the header line (Python's csv module): columns resolved case-insensitively with aliases and
   numbered item groups; BK005 (duplicate), BK006 (blank name, one per run), BK007 (unknown),
   BK008 (required column missing), BK216 (field not allowed in the kind);
2. the data: ``pl.read_csv`` with every column as text, empty cells as ``""``;
3. a prefilter, one vectorised pass: the rows whose every checked cell has its field's clean
   shape (one anchored regex, e.g. ``[0-9]{1,6}(\.[0-9]{1,2})?`` for Amount) or is in its
   vocabulary (``is_in``: CurrencyCode, CustomerStatus, Reason) pass every per-row rule by
   construction (:data:`SHAPES`, :data:`VOCABULARIES`, :data:`FILLED_PROVES`); the others, the
   suspects, go on. A column no shape vouches for is tested with its own rules instead, and when
   a whole-row rule cannot be vouched for every row is a suspect;
4. one lazy ``select`` over the suspects of every count at once (polars evaluates the
   expressions in parallel and shares common subexpressions): per-field rules on each present
   column (item files: on every used item group, group 1 always, a later group when one of its
   cells is not blank, as batchkit's long form), whole-row rules (BK101, BK106, BK215; BK209,
   BK213, BK214 on item groups), and the records to leave out (all-blank rows, the header
   repeated inside the data: BK017);
5. duplicates: the action key (ActionId, else OrderId + ActionTrackerId, ids compared without
   spaces and invisible characters) hashed, and only when a hash repeats, BK401 (a row equal to an
   earlier one in every column read) and BK402 (another row targeting an action already targeted).

Counts are per finding as batchkit counts them: one per failing cell and rule (item files: per
item group), two rules of one code on one cell are two findings (BK104 and BK102 cannot both fire
on one ActionId, but BK202 and BK203 can on one Amount).

Not checked (file structure, which batchkit's reader checks before any rule): encoding (BK001),
delimiter (BK003), quoting (BK012, BK013), rows with more or fewer cells than the header (BK009:
polars stops at a row with more cells, and reads a row with fewer as if its last cells were empty).
Warnings (BK010, BK018, BK109, BK207, BK211 unknown status, BK217, BK403, ...) are not computed.

    python benchmarks/polars_equiv.py FILE --kind order-modification
    python benchmarks/polars_equiv.py FILE --kind item-modification --compare

Prints one JSON object: ``{"rows": N, "errors": {"BK201": count, ...}}``. With ``--compare``
the object also holds batchkit's counts (``batchkit validate FILE --kind KIND --format json
--max-samples 0``), ``identical`` and the ``differences``; the exit status is then 1 when they differ.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import subprocess
import sys
import tempfile
import tomllib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "schemas"

# --------------------------------------------------------------------------- rule data (schemas/*.toml)


def _toml(name: str) -> dict:
    with open(SCHEMAS / f"{name}.toml", "rb") as handle:
        return tomllib.load(handle)


KINDS = _toml("kinds")
DEFAULTS = _toml("defaults")
CURRENCIES = sorted(_toml("currencies")["minor_units"])
REASONS = frozenset(DEFAULTS["reasons"]["codes"]) | frozenset(DEFAULTS["reasons"].get("custom", []))
STATUSES = sorted(DEFAULTS["customer_status"]["accepted"])

IDENTIFIERS: list[str] = KINDS["columns"]["identifiers"]
ORDER_FIELDS: list[str] = KINDS["columns"]["order_fields"]
ITEM_FIELDS: list[str] = KINDS["columns"]["item_fields"]
ALL_FIELDS = list(dict.fromkeys(IDENTIFIERS + ORDER_FIELDS + ITEM_FIELDS))
ALIASES = {k.lower(): v for k, v in KINDS.get("aliases", {}).items()}
NUMBERED_FROM = int(KINDS["item_layout"]["numbered_from"])
ACCEPT_NUMBERED_FIRST = bool(KINDS["item_layout"].get("accept_numbered_first", True))
FIELD_CHECKS: dict[str, list[str]] = KINDS["field_checks"]

# --------------------------------------------------------------------------- patterns (Rust regex syntax)

# What an id is compared without (batchkit: core.change.ID_INVISIBLE), and what a header name is
# trimmed of: spaces, tabs and line breaks, NBSP, the other Unicode spaces, zero-width characters, BOM.
ID_INVISIBLE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
                "\u2006\u2007\u2008\u2009\u200a\u200b\u200c\u200d\u2028\u2029\u202f\u205f\u2060\u3000\ufeff")
INVISIBLE = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in ID_INVISIBLE) + "]"

PLAIN = r"[0-9]+(?:\.[0-9]+)?|\.[0-9]+"
NEGATIVE = r"-(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)"
ZERO = r"0+(?:\.0*)?|\.0+"
SCIENTIFIC = r"[+-]?[0-9]+(?:[.,][0-9]+)?[eE][+-]?[0-9]+"
FLOAT_TAIL = r"[0-9]+\.0+"
PRECISION_LOST = r"[1-9][0-9]{14,16}0{2,}"
ACTION_ID = r"[0-9]+(?:\.[0-9]+)*"
TRACKER_ID = r"[1-9][0-9]*"
CONTROL = r"[\x00-\x1f\x7f]"  # anywhere in the value
BINARY = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"  # control characters but tab and line breaks
RESET_SPELLINGS = ["RESET", "reset", "Reset"]

Expr = pl.Expr


def full(e: Expr, *patterns: str, empty: bool = False) -> Expr:
    """True where the whole value matches one of `patterns` (or is empty, with `empty`)."""
    body = "|".join(f"(?:{p})" for p in patterns)
    return e.str.contains(f"^(?:{body}){'?' if empty else ''}$")


def blank(e: Expr) -> Expr:
    """Empty or only whitespace."""
    return e.str.contains(r"^\s*$")


def empty(e: Expr) -> Expr:
    return e.str.len_bytes() == 0


# --------------------------------------------------------------------------- rules

# Per-field rules: name -> (code, the failing values). Each runs on one column (item files: on the
# column of every used item group).
FIELD_RULES: dict[str, tuple[str, Callable[[Expr], Expr]]] = {
    "id_mangled": ("BK104", lambda e: full(e, SCIENTIFIC, FLOAT_TAIL, PRECISION_LOST)),
    "action_id_format": ("BK102", lambda e: ~full(e, ACTION_ID, SCIENTIFIC, empty=True)),
    "order_id_format": ("BK103", lambda e: (~empty(e) & blank(e)) | (e.str.len_chars() > 64)
                        | e.str.contains(CONTROL)),
    "tracker_id_format": ("BK105", lambda e: ~full(e, TRACKER_ID, SCIENTIFIC, FLOAT_TAIL, empty=True)),
    "id_padded": ("BK108", lambda e: e.str.contains(INVISIBLE) & ~blank(e) & ~e.str.contains(CONTROL)),
    "amount_plain": ("BK201", lambda e: ~full(e, PLAIN, NEGATIVE, empty=True)),
    "amount_negative": ("BK202", lambda e: full(e, NEGATIVE)),
    "amount_decimals": ("BK203", lambda e: full(e, r"-?[0-9]*\.[0-9]{3,}")),
    "amount_max": ("BK204", lambda e: full(e, r"0*[1-9][0-9]{6,}(?:\.[0-9]*)?", r"0*999999\.99[0-9]*[1-9][0-9]*")),
    "reversal_amount_nonzero": ("BK205", lambda e: full(e, PLAIN, NEGATIVE) & ~full(e, ZERO, f"-(?:{ZERO})")),
    "quantity_whole": ("BK208", lambda e: ~full(e, r"[0-9]+", empty=True)),
    "currency_iso": ("BK210", lambda e: ~(empty(e) | e.is_in(CURRENCIES))),
    "customer_status_length": ("BK211", lambda e: (e.str.len_chars() > 40) | e.str.contains(CONTROL)),
    "category_length": ("BK212", lambda e: (e.str.len_chars() > 255) | e.str.contains(BINARY)),
    "sku_length": ("BK213", lambda e: e.str.len_chars() > 40),
    "reason_missing": ("BK301", blank),
    "reason_accepted": ("BK302", lambda e: ~(blank(e) | e.is_in(sorted(REASONS | {"APPROVED"}))
                                            | e.is_in(RESET_SPELLINGS))),
    "reason_approved": ("BK303", lambda e: (e == "APPROVED") & pl.lit("APPROVED" not in REASONS)),
    "reset_reason": ("BK304", lambda e: ~(blank(e) | (e == "RESET"))),
    "reset_elsewhere": ("BK305", lambda e: e.is_in(RESET_SPELLINGS)),
}

# Checks whose findings are warnings (not counted here).
WARNING_RULES = frozenset({
    "formula_injection",  # BK217
    "customer_status_known",  # BK211 (a status that is not configured; too long / control characters: error)
    "modification_amount_zero",  # BK207
    "reversal_amount_empty",  # BK206
    "order_id_zeros", "sku_zeros",  # BK109
    "same_action_sku",  # BK403
})

# The column a record or item check needs (absent: the check does not run, the header has its finding).
FRAME_COLUMN = {
    "order_without_tracker": "ActionTrackerId", "tracker_without_order": "OrderId",
    "sku_missing": "Sku", "group_without_sku": "Sku", "quantity_without_amount": "Amount",
    "reversal_amount_nonzero": "Amount",
}


@dataclass
class Cells:
    """The columns one row (record, or one item group of it) is checked through: field -> column expression."""

    cols: dict[str, Expr]

    def __getitem__(self, field: str) -> Expr:
        return self.cols[field]


def _no_ids(c: Cells) -> tuple[Expr, Expr, Expr]:
    return blank(c["ActionId"]), blank(c["OrderId"]), blank(c["ActionTrackerId"])


def identifier_path(c: Cells) -> Expr:
    no_action, no_order, no_tracker = _no_ids(c)
    return no_action & no_order & no_tracker


def order_without_tracker(c: Cells) -> Expr:
    no_action, no_order, no_tracker = _no_ids(c)
    return no_action & ~no_order & no_tracker


def tracker_without_order(c: Cells) -> Expr:
    no_action, no_order, no_tracker = _no_ids(c)
    return no_action & no_order & ~no_tracker


def changes_nothing(c: Cells) -> Expr:
    """No new Amount, CurrencyCode or CustomerStatus (an approval, Reason APPROVED, changes the state instead)."""
    return (blank(c["Amount"]) & blank(c["CurrencyCode"]) & blank(c["CustomerStatus"])
            & ~c["Reason"].str.contains(r"^\s*APPROVED\s*$"))


# Whole-row rules on records: name -> (code, the failing rows). BK401/BK402 are counted apart (duplicates).
RECORD_RULES: dict[str, tuple[str, Callable[[Cells], Expr]]] = {
    "identifier_path": ("BK101", identifier_path),
    "order_without_tracker": ("BK106", order_without_tracker),
    "tracker_without_order": ("BK106", tracker_without_order),
    "changes_nothing": ("BK215", changes_nothing),
}
DUPLICATE_RULES = {"exact_duplicate": "BK401", "one_row_per_action": "BK402"}

# Whole-row rules on item groups: name -> (code, the failing groups given the group's cells and whether it is group 1).
ITEM_RULES: dict[str, tuple[str, Callable[[Cells, bool], Expr | None]]] = {
    "sku_missing": ("BK213", lambda c, first: blank(c["Sku"]) if first else None),
    "group_without_sku": ("BK214", lambda c, first: None if first else blank(c["Sku"])),
    "quantity_without_amount": ("BK209", lambda c, first: ~blank(c["Quantity"]) & blank(c["Amount"])),
}

# --------------------------------------------------------------------------- kinds and header


@dataclass(frozen=True)
class Kind:
    id: str
    level: str
    identifiers: list[str]
    fields: list[str]
    required: list[str]
    record_checks: list[str]
    item_checks: list[str]
    field_checks: dict[str, list[str]]

    @property
    def is_item(self) -> bool:
        return self.level == "item"

    def checks_of(self, field: str) -> list[str]:
        return self.field_checks.get(field, FIELD_CHECKS.get(field, []))


def get_kind(kind_id: str) -> Kind:
    spec = KINDS["kinds"][kind_id]
    kind = Kind(kind_id, spec["level"], spec.get("identifiers", IDENTIFIERS), spec["fields"], spec["required"],
                spec.get("record_checks", []), spec.get("item_checks", []), spec.get("field_checks", {}))
    named = set(kind.record_checks) | set(kind.item_checks) | {n for f in ALL_FIELDS for n in kind.checks_of(f)}
    known = set(FIELD_RULES) | set(RECORD_RULES) | set(DUPLICATE_RULES) | set(ITEM_RULES) | WARNING_RULES
    if named - known:
        raise SystemExit(f"polars_equiv: no equivalent for the checks {sorted(named - known)} of {kind_id}")
    return kind


_ZERO_WIDTH = str.maketrans("", "", "\u200b\u200c\u200d\u2060\ufeff")
_NUMBERED = re.compile(r"(.*?)\s*([0-9]+)")


def _canonical(name: str) -> str | None:
    lowered = name.lower()
    if lowered in ALIASES:
        return ALIASES[lowered]
    return next((f for f in ALL_FIELDS if f.lower() == lowered), None)


def resolve_header(header: list[str], kind: Kind) -> tuple[dict[tuple[str, int], int], Counter[str]]:
    """The usable columns, (field, group) -> position, and the header's error counts."""
    errors: Counter[str] = Counter()
    usable: dict[tuple[str, int], int] = {}
    unknown: set[str] = set()
    previous_blank = False
    for position, raw in enumerate(header):
        if not raw.strip():
            errors["BK006"] += 0 if previous_blank else 1  # a run of blank names is one finding
            previous_blank = True
            continue
        previous_blank = False
        name = raw.strip(ID_INVISIBLE).translate(_ZERO_WIDTH)
        field, group = _canonical(name), 1
        if field is None and (m := _NUMBERED.fullmatch(name)):
            base, n = _canonical(m.group(1)), int(m.group(2))
            if base in ITEM_FIELDS and (n >= NUMBERED_FROM or (n == 1 and ACCEPT_NUMBERED_FIRST)):
                field, group = base, n
        folded = raw.strip().casefold()
        if field is None:
            errors["BK005" if folded in unknown else "BK007"] += 1
            unknown.add(folded)
        elif not (field in kind.identifiers if field in IDENTIFIERS
                  else field in kind.fields and (kind.is_item or group == 1)):
            errors["BK216"] += 1
        elif (field, group) in usable:
            errors["BK005"] += 1
        else:
            usable[(field, group)] = position
    if kind.is_item and ("Reason", 1) in usable:  # later groups without their own Reason read group 1's
        shared = sorted({g for f, g in usable if g > 1 and f in kind.fields} - {g for f, g in usable if f == "Reason"})
        errors["BK008"] += 1 if shared else 0
        for g in shared:
            usable[("Reason", g)] = usable[("Reason", 1)]
    errors["BK008"] += sum((f, 1) not in usable for f in kind.required)
    has = {f for f, _ in usable}
    if "ActionId" not in kind.identifiers:
        errors["BK008"] += sum(n not in has for n in ("OrderId", "ActionTrackerId"))
    elif "ActionId" not in has and not {"OrderId", "ActionTrackerId"} <= has:
        errors["BK008"] += 1
    return usable, +errors


def read_header(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return next(csv.reader(handle), [])


# --------------------------------------------------------------------------- the pipeline

# The prefilter: a value of its field's shape (or vocabulary) surely passes the error rules listed
# beside it, so a row whose every checked cell is such a value needs no rule evaluated; the other
# rows ("suspects", a few in a hundred in a damaged file) get every rule. A column whose rules are
# not all vouched for is clean where none of its rules fails (the rules themselves, on every row).
SHAPES: dict[str, tuple[str, frozenset[str]]] = {
    "ActionId": (r"[0-9]+\.[0-9]+\.[0-9]+(?:\.[0-9]+)*", frozenset({"id_mangled", "action_id_format", "id_padded"})),
    "OrderId": (r"[A-Za-z][A-Za-z0-9_\-]{0,63}|[0-9]{1,16}",
                frozenset({"id_mangled", "order_id_format", "id_padded"})),
    "ActionTrackerId": (r"[1-9][0-9]{0,14}", frozenset({"id_mangled", "tracker_id_format", "id_padded"})),
    "Amount": (r"[0-9]{1,6}(?:\.[0-9]{1,2})?",
               frozenset({"amount_plain", "amount_negative", "amount_decimals", "amount_max"})),
    "Sku": (r"[A-Za-z][A-Za-z0-9_\-]{0,39}|[0-9]{1,16}", frozenset({"id_mangled", "sku_length", "id_padded"})),
    "Quantity": (r"[0-9]{1,9}", frozenset({"quantity_whole"})),
}
VOCABULARIES: dict[str, tuple[list[str], frozenset[str]]] = {
    "CurrencyCode": (CURRENCIES, frozenset({"currency_iso"})),
    "CustomerStatus": ([s for s in STATUSES if s.strip() and len(s) <= 40 and not re.search(CONTROL, s)],
                       frozenset({"customer_status_length"})),
    "Reason": (sorted(r for r in REASONS if r.strip() and r != "APPROVED" and r not in RESET_SPELLINGS),
               frozenset({"reason_missing", "reason_accepted", "reason_approved", "reset_elsewhere"})),
}
# Whole-row rules that cannot fail when one of these fields holds a shaped (so not blank) value.
FILLED_PROVES = {
    "identifier_path": ("ActionId", "OrderId", "ActionTrackerId"),
    "order_without_tracker": ("ActionId", "ActionTrackerId"),
    "tracker_without_order": ("ActionId", "OrderId"),
    "changes_nothing": ("Amount", "CurrencyCode", "CustomerStatus"),
    "sku_missing": ("Sku",),
    "group_without_sku": ("Sku",),
    "quantity_without_amount": ("Amount",),
}


def col(position: int) -> str:
    return f"c{position}"


EMPTY = "__empty"  # the cells of an absent column


@dataclass(frozen=True)
class Checked:
    """A column and the error rules that run on its cells (item files: one per item group; a group without the
    column of a field the file has elsewhere is checked as empty cells, as in batchkit's long form)."""

    name: str  # the frame's column, EMPTY for an absent one
    field: str
    group: int  # 1 for record-level columns
    rules: tuple[str, ...]


class Plan:
    """The checks of one file, built from its kind and usable columns, as polars expressions."""

    def __init__(self, kind: Kind, usable: dict[tuple[str, int], int]) -> None:
        self.kind, self.usable = kind, usable
        self.present = {f for f, _ in usable}
        self.shaped: set[str] = set()  # the columns whose clean values have a shape, so are not blank (by clean())

    def cell(self, field: str, group: int = 1) -> Expr:
        position = self.usable.get((field, group))
        return pl.col(EMPTY) if position is None else pl.col(col(position))

    def groups(self) -> list[int]:
        return sorted({g for f, g in self.usable if f in self.kind.fields} | {1})

    def _rules(self, field: str, checks: list[str]) -> tuple[str, ...]:
        """The error rules on `field`'s cells: its field checks, and the kind's checks that follow the column."""
        if field not in self.present:
            return ()
        names = list(self.kind.checks_of(field)) + [n for n in checks if n in FIELD_RULES and FRAME_COLUMN.get(n) == field]
        return tuple(n for n in names if n not in WARNING_RULES)

    def record_fields(self) -> list[str]:
        return list(self.kind.identifiers) + ([] if self.kind.is_item else list(self.kind.fields))

    def checked(self) -> list[Checked]:
        """Every present column with its rules: record fields, then each item group's fields."""
        out = [Checked(col(self.usable[(f, 1)]), f, 1, self._rules(f, self.kind.record_checks))
               for f in self.record_fields() if (f, 1) in self.usable]
        if self.kind.is_item:
            out += [Checked(col(self.usable[(f, g)]) if (f, g) in self.usable else EMPTY, f, g,
                            self._rules(f, self.kind.item_checks))
                    for g in self.groups() for f in self.kind.fields]
        return [c for c in out if c.rules]

    def row_rules(self) -> list[tuple[str, int]]:
        """The whole-row rules that run: (name, group), group 0 for record rules."""
        out = [(n, 0) for n in self.kind.record_checks
               if n in RECORD_RULES and FRAME_COLUMN.get(n) in (None, *self.present)]
        if self.kind.is_item:
            out += [(n, g) for g in self.groups() for n in self.kind.item_checks
                    if n in ITEM_RULES and FRAME_COLUMN.get(n) in (None, *self.present)]
        return out

    def used(self, group: int) -> Expr | None:
        """Whether an item group counts: group 1 always, a later one when one of its cells is not blank."""
        if group == 1:
            return None
        return pl.any_horizontal([~blank(self.cell(f, group)) for f in self.kind.fields])

    def counts(self) -> list[tuple[str, Expr]]:
        """(code, count expression) for every rule, per column and item group."""
        out = []
        for c in self.checked():
            used = self.used(c.group) if self.kind.is_item and c.field in self.kind.fields else None
            for name in c.rules:
                code, failing = FIELD_RULES[name]
                mask = failing(pl.col(c.name))
                out.append((code, (mask if used is None else mask & used).sum()))
        record = Cells({f: self.cell(f) for f in IDENTIFIERS + ORDER_FIELDS})
        for name, group in self.row_rules():
            if group == 0:
                code, record_failing = RECORD_RULES[name]
                out.append((code, record_failing(record).sum()))
                continue
            code, item_failing = ITEM_RULES[name]
            failing_groups = item_failing(Cells({f: self.cell(f, group) for f in ITEM_FIELDS}), group == 1)
            used = self.used(group)
            if failing_groups is not None:
                out.append((code, (failing_groups if used is None else failing_groups & used).sum()))
        return out

    def clean(self) -> Expr | None:
        """True for rows that surely pass every per-row rule; None when no such test applies (every row is checked)."""
        parts: dict[tuple[str, tuple[str, ...]], Expr] = {}  # a column (EMPTY: with each field's rules) -> test
        filled: set[tuple[str, int]] = set()
        for c in self.checked():
            shape, proves = SHAPES.get(c.field) or VOCABULARIES.get(c.field) or (None, frozenset())
            e = pl.col(c.name)
            if c.name != EMPTY and shape is not None and set(c.rules) <= proves:
                parts[(c.name, ())] = full(e, shape) if isinstance(shape, str) else e.is_in(shape)
                filled.add((c.field, c.group))
            else:  # no shape vouches for all of it: the column's own rules
                parts.setdefault((c.name, c.rules), ~pl.any_horizontal([FIELD_RULES[n][1](e) for n in c.rules]))
        for name, group in self.row_rules():
            if not any((f, max(group, 1)) in filled for f in FILLED_PROVES.get(name, ())):
                return None
        self.shaped = {col(self.usable[k]) for k in filled}
        return pl.all_horizontal(list(parts.values())) if parts else pl.lit(True)

    def id_columns(self) -> list[str]:
        return sorted({col(p) for (f, _), p in self.usable.items() if f in IDENTIFIERS or f == "Sku"})

    def compared_columns(self) -> list[str]:
        """What BK401 compares: the kind's identifiers and fields (item files: of every group)."""
        return sorted({col(p) for (f, g), p in self.usable.items() if f in self.kind.identifiers
                       or (f in self.kind.fields and (self.kind.is_item or g == 1))})


def normalised(e: Expr, has_invisible: bool) -> Expr:
    return e.str.replace_all(INVISIBLE, "") if has_invisible else e


def action_key(plan: Plan, simple: bool, has_invisible: bool) -> Expr:
    """The action a record targets: its ActionId, else "O|" OrderId "|" ActionTrackerId, else "" (ids
    compared without invisible characters). `simple`: every ActionId is given and plain, so it is the key."""
    action = normalised(plan.cell("ActionId"), has_invisible)
    if simple:
        return action
    order, tracker = plan.cell("OrderId"), plan.cell("ActionTrackerId")
    by_order = pl.concat_str([pl.lit("O|"), normalised(order, has_invisible), pl.lit("|"),
                              normalised(tracker, has_invisible)])
    return (pl.when(action.str.len_bytes() > 0).then(action)
            .when(blank(order) & blank(tracker)).then(pl.lit("")).otherwise(by_order))


def duplicates(frame: pl.LazyFrame, plan: Plan, simple: bool, has_invisible: bool) -> Counter[str]:
    """BK401 and BK402 (those the kind has). Keys are hashed first: rows are compared only when a hash repeats."""
    wanted = {DUPLICATE_RULES[n] for n in plan.kind.record_checks if n in DUPLICATE_RULES}
    found: Counter[str] = Counter()
    if not wanted:
        return found
    key = action_key(plan, simple, has_invisible)
    rows, distinct = frame.select(pl.len(), key.hash().n_unique()).collect().row(0)
    if rows == distinct:
        return found
    ids = set(plan.id_columns())
    keyed = (frame.filter(key.hash().is_duplicated())
             .select(key.alias("_key"), *[normalised(pl.col(c), has_invisible) if c in ids else pl.col(c)
                                          for c in plan.compared_columns()])
             .filter(pl.col("_key").is_duplicated()).collect())  # rows sharing their action with another row
    if keyed.height == 0:
        return found
    marked = keyed.select("_key", (~pl.struct(plan.compared_columns()).is_first_distinct()).alias("_dup"))
    if "BK401" in wanted:  # equal to an earlier row in every column read (equal rows share their key)
        found["BK401"] = int(marked["_dup"].sum())
    if "BK402" in wanted:  # among rows with a key, not exact repeats: a key targeted before
        targeted = marked.filter((pl.col("_key") != "") & ~pl.col("_dup"))
        found["BK402"] = targeted.height - targeted["_key"].n_unique()
    return +found


def _left_out(header: list[str], columns: list[str]) -> tuple[Expr, Expr, Expr]:
    """The records batchkit leaves out before the rules: all-blank rows (warning BK010), and the header repeated
    in the data (BK017): every cell its column's name. Also the cheap test for the second: the first cell is."""
    blank_row = pl.all_horizontal([blank(pl.col(c)) for c in columns])
    first = header[0].strip().casefold() if header and header[0].strip() else None
    if first is None:
        return blank_row, pl.lit(False), pl.lit(False)
    candidate = pl.col(columns[0]).str.contains(f"(?i)^\\s*{re.escape(first)}\\s*$")
    same = pl.all_horizontal([pl.col(c).str.strip_chars().str.to_lowercase() == h.strip().casefold()
                              for c, h in zip(columns, header)])
    return blank_row, candidate & same, candidate


def validate(path: Path, kind_id: str) -> dict:
    kind = get_kind(kind_id)
    header = read_header(path)
    usable, errors = resolve_header(header, kind)
    if not header:
        return {"rows": 0, "errors": {"BK004": 1}}
    columns = [col(i) for i in range(len(header))]
    try:
        df = pl.read_csv(path, infer_schema=False, empty_string_is_null=False, new_columns=columns)
    except pl.exceptions.ComputeError as exc:  # e.g. a row with more cells than the header (BK009)
        raise SystemExit(f"polars_equiv: {path}: polars cannot read the file as CSV ({exc})") from None
    records = df.height  # every record read, as batchkit reports them (blank rows and repeated headers too)
    plan = Plan(kind, usable)
    counts = plan.counts()
    blank_row, header_row, maybe_header = _left_out(header, columns)
    clean = plan.clean()  # a clean row has a shaped identifier (so it is not blank); not the header, by the test
    if clean is not None:
        clean = clean & ~maybe_header
    # what the duplicate checks need to know: an id holding an invisible character (compared without it), an
    # empty ActionId (the key is then OrderId + ActionTrackerId); a shaped id has neither, so only suspects can
    action = usable.get(("ActionId", 1))
    ids = plan.id_columns()
    invisible = (pl.any_horizontal([pl.col(c).str.contains(INVISIBLE) for c in ids]).any() if ids
                 else pl.lit(False)).alias("_invisible")
    no_action = ((pl.col(col(action)).str.len_bytes() == 0).any() if action is not None
                 else pl.lit(True)).alias("_no_action")
    on_suspects = plan.shaped >= {*ids, *([col(action)] if action is not None else [])}
    stats = [blank_row.sum().alias("_blank"), header_row.sum().alias("_header"),
             *([invisible, no_action] if on_suspects else []),
             *[e.alias(f"{code}#{i}") for i, (code, e) in enumerate(counts)]]

    def suspects(data: pl.DataFrame) -> pl.LazyFrame:
        frame = data.lazy().with_columns(pl.lit("").alias(EMPTY))
        return frame if clean is None else frame.filter(~clean)

    row = suspects(df).select(stats).collect().row(0, named=True)
    if row["_blank"] or row["_header"]:  # rare: leave those records out (all are suspects) and count again
        errors["BK017"] += row["_header"]
        df = df.filter(~(blank_row | header_row))
        row = suspects(df).select(stats).collect().row(0, named=True)
    if not on_suspects:
        row.update(df.lazy().with_columns(pl.lit("").alias(EMPTY)).select(invisible, no_action).collect().row(0, named=True))
    for name, value in row.items():
        if "#" in name and value:
            errors[name.split("#")[0]] += int(value)
    simple = action is not None and not row["_no_action"] and not row["_invisible"]
    errors.update(duplicates(df.lazy().with_columns(pl.lit("").alias(EMPTY)), plan, simple, bool(row["_invisible"])))
    return {"rows": records, "errors": dict(sorted((+errors).items()))}


# --------------------------------------------------------------------------- batchkit, for --compare


def batchkit_counts(path: Path, kind_id: str) -> dict:
    """batchkit's own report: rows and error counts per code (findings of severity error)."""
    exe = Path(sys.executable).parent / "batchkit"
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "batchkit"]
    with tempfile.TemporaryDirectory() as empty_dir:  # no ./batchkit.toml: the defaults, as read here
        done = subprocess.run([*command, "validate", str(path.resolve()), "--kind", kind_id, "--format", "json",
                               "--max-samples", "0"], capture_output=True, text=True, cwd=empty_dir, check=False)
    if done.returncode not in (0, 1):
        raise SystemExit(f"batchkit validate failed ({done.returncode}): {done.stderr.strip()}")
    report = json.loads(done.stdout)["files"][0]
    errors = Counter(f["code"] for f in report["findings"] if f["severity"] == "error")
    listed = Counter(f["code"] for f in report["findings"])
    if listed != Counter(report["counts"]):  # every finding is listed with --max-samples 0
        raise SystemExit(f"batchkit's findings {dict(listed)} do not add up to its counts {report['counts']}")
    return {"rows": report["rows"], "errors": dict(sorted(errors.items()))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--kind", required=True, choices=sorted(KINDS["kinds"]))
    parser.add_argument("--compare", action="store_true",
                        help="also run batchkit validate and compare the error counts per code (exit 1 if they differ)")
    args = parser.parse_args(argv)
    result = validate(args.file, args.kind)
    status = 0
    if args.compare:
        theirs = batchkit_counts(args.file, args.kind)
        codes = sorted(set(result["errors"]) | set(theirs["errors"]))
        differences = {c: {"polars": result["errors"].get(c, 0), "batchkit": theirs["errors"].get(c, 0)}
                       for c in codes if result["errors"].get(c, 0) != theirs["errors"].get(c, 0)}
        identical = not differences and result["rows"] == theirs["rows"]
        result.update(batchkit=theirs, identical=identical, differences=differences)
        status = 0 if identical else 1
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
