"""Table + kind -> findings. Bad data never raises: it becomes findings in a FileReport."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any, Callable

import numpy as np
import pandas as pd

from batchkit.core.config import Config
from batchkit.core.findings import FileReport, Finding, Report, finding
from batchkit.core.kinds import INQUIRY_RESOLUTION, Kind, get_kind, layout
from batchkit.io.read import Table, read_table
from batchkit.validation._pandera import DataFrameSchema, SchemaErrors
from batchkit.validation.compile import Compiled, context, item_schema, record_schema
from batchkit.validation.crossfile import Targets, cross_file_findings, targets_of
from batchkit.validation.header import (
    Column,
    check_header,
    detect_kind,
    looks_like_header,
    parse_header,
)
from batchkit.validation.prefilter import suspects
from batchkit.validation.resolutions import check_resolutions
from batchkit.validation.rules.registry import (
    RULES,
    _blank,
    arrow_of,
    empty_text,
    text_series,
)
from batchkit.validation.rules.rows import (
    KEY,
    REPEATED,
    SKU_REPEATED,
    action_key,
    repeated,
    repeats,
    sku_repeats_by_group,
)
from batchkit.validation.rules.typed import batch_typed_cells, resolution_typed_cells

Locate = Callable[[int, str], tuple[int, int, str]]  # frame index, field -> row, line, column


@dataclass
class Frames:
    """The canonical frames of one file: one row per record, and (item kinds) one per item group."""

    record: pd.DataFrame
    items: pd.DataFrame | None
    locate_record: Locate
    locate_item: Locate | None
    present: frozenset[str] = frozenset()  # the kind's fields the file has a column for


Validated = tuple[FileReport, "Frames | None", Kind | None]  # a file's report, frames and kind
Kept = list[Validated]  # what later checks (preflight) look at again


def validate_paths(paths: list[str], config: Config, kind: str | None = None, sheet: str | None = None,
                   max_samples: int | None = None, keep: Kept | None = None) -> Report:
    """Validate files as one batch (cross-file checks included); `keep` collects each file's frames."""
    return validate_tables([read_table(p, sheet, looks_like_header) for p in paths], config, kind, max_samples,
                           keep)


def validate_tables(tables: list[Table], config: Config, kind: str | None = None,
                    max_samples: int | None = None, keep: Kept | None = None) -> Report:
    """Validate tables already read as one batch (cross-file checks included)."""
    report = Report()
    targets: list[Targets] = []
    for table in tables:
        file_report, frames, k = validate_table(table, config, kind, max_samples)
        report.files.append(file_report)
        if keep is not None:
            keep.append((file_report, frames, k))
        if len(tables) > 1 and frames is not None and k is not None:  # one file alone has no BK404
            targets.append(targets_of(len(report.files) - 1, k, frames.record, frames.items, table))
    for index, found in cross_file_findings(targets, [f.path for f in report.files]):
        for f in found:
            report.files[index]._add(f)
    return report


def validate_table(table: Table, config: Config, kind_id: str | None = None,
                   max_samples: int | None = None) -> tuple[FileReport, Frames | None, Kind | None]:
    """All findings of one file."""
    fr = FileReport(table.path, config.max_samples if max_samples is None else max_samples, rows=table.records)
    for f in table.findings:
        fr._add(f)
    if not table.header:
        return fr, None, None
    columns = parse_header(table.header)
    found_kind, fr.kind_reason = detect_kind(columns, table.data, table.path, kind_id)
    if found_kind is None:
        fr._add(finding("BK011", f"cannot tell which kind this file is ({fr.kind_reason}): pass --kind or name "
                        "the kind in the file name, e.g. acme_order-reversals.csv", row=1, line=1))
        return fr, None, None
    if found_kind == INQUIRY_RESOLUTION:  # the web app's bulk-resolution file: its own checks, no batch frames
        fr.kind = found_kind
        check_resolutions(table, fr)
        for f in resolution_typed_cells(table):  # BK107: a date or number cell as the inquiry's Id
            fr._add(f)
        return fr, None, None
    kind = get_kind(found_kind)
    fr.kind = kind.id
    usable, header_findings = check_header(columns, kind)
    for f in header_findings:
        fr._add(f)
    for f in batch_typed_cells(table, usable.values()):  # BK107: XLSX cells typed date/number/... in id columns
        fr._add(f)
    frames = build_frames(table, kind, usable)
    present = {field for field, _ in usable}
    frames.present = frozenset(present)
    ctx = context(config)
    _collect(record_schema(kind, present, config), frames.record, frames.locate_record, fr, ctx)
    if frames.items is not None and frames.locate_item is not None:
        _collect(item_schema(kind, present, config), frames.items, frames.locate_item, fr, ctx)
    _unread_differences(fr, table, columns)
    return fr, frames, kind


def validate_resolution_table(table: Table, config: Config, max_samples: int | None = None) -> FileReport:
    """A bulk-resolution table (a CSV read, or the review workbook's sheet: `Evidence: ...`/`Partner: ...`
    columns are ignored) checked as kind inquiry-resolution, whatever its name and columns."""
    return validate_table(table, config, INQUIRY_RESOLUTION, max_samples)[0]


def _unread_differences(fr: FileReport, table: Table, columns: list[Column]) -> None:
    """BK401 compares what impact.com reads: say so on rows that differ only in columns it does not read."""
    unread = [c for c in columns if c.field is None and c.position in table.data.columns]
    kept = fr.samples.get("BK401")
    if not unread or not kept:
        return
    whole = table.data.duplicated(keep=False).to_numpy()
    at = {int(r): i for i, r in enumerate(table.rows)}
    names = ", ".join(c.raw.strip() for c in unread[:5])
    fr.samples["BK401"] = [f if f.row not in at or whole[at[f.row]] else replace(
        f, message=f"this row repeats an earlier row in every column impact.com reads; it differs only in {names}, "
                   "which impact.com does not read: delete it (or the column)") for f in kept]


def _cell(table: Table, usable: dict[tuple[str, int], Column], field: str, group: int = 1) -> pd.Series:
    col = usable.get((field, group))
    n = len(table.data)
    if col is None:
        return empty_text(n)
    cells = table.data[col.position]
    if cells.hasnans:  # readers give text cells, but a Table built by hand may hold missing values
        cells = cells.fillna("")
    if not isinstance(cells.index, pd.RangeIndex) or cells.index.start != 0 or cells.index.step != 1:
        cells = cells.reset_index(drop=True)
    return cells


def build_frames(table: Table, kind: Kind, usable: dict[tuple[str, int], Column]) -> Frames:
    """Canonical frames with columns named by field (absent fields as empty text)."""
    lay = layout()
    record = {f: _cell(table, usable, f) for f in lay.identifiers}
    if not kind.is_item:
        record.update({f: _cell(table, usable, f) for f in kind.fields})
    else:
        for field, group in sorted(k for k in usable if k[0] in kind.fields):
            record[lay.item_header(field, group)] = _cell(table, usable, field, group)
    rec = pd.DataFrame(record)
    rec[KEY] = action_key(rec)
    rec[REPEATED] = repeated(rec[KEY])
    rows, lines = table.rows, table.lines

    def raw_name(field: str, group: int) -> str:
        col = usable.get((field, group))
        return col.raw if col else (lay.item_header(field, group) if field in kind.fields and kind.is_item else field)

    def locate_record(i: int, field: str) -> tuple[int, int, str]:
        return int(rows[i]), int(lines[i]), raw_name(field, 1)

    if not kind.is_item:
        return Frames(rec, None, locate_record, None)
    items = _melt(table, kind, usable, rec)
    recs, groups = items["_rec"].to_numpy(), items["_group"].to_numpy()

    def locate_item(j: int, field: str) -> tuple[int, int, str]:
        r = recs[j]
        return int(rows[r]), int(lines[r]), raw_name(field, int(groups[j]))

    return Frames(rec, items, locate_record, locate_item)


def _melt(table: Table, kind: Kind, usable: dict[tuple[str, int], Column], rec: pd.DataFrame) -> pd.DataFrame:
    """The long form: one record per used item group (group 1 always, to catch rows without items).

    Built column by column (one concatenation per field, group after group), so a file with thousands
    of item groups costs one pass, not one frame per group.
    """
    groups = sorted({g for f, g in usable if f in kind.fields} | {1})
    n, many = len(rec), len(groups)
    dup = repeats(rec).to_numpy()
    long = pd.DataFrame({f: pd.concat([_cell(table, usable, f, g) for g in groups], ignore_index=True)
                         for f in kind.fields})
    for f in layout().identifiers:
        long[f] = _tiled(rec[f], many)
    long["_rec"] = np.tile(np.arange(n), many)
    long["_group"] = np.repeat(np.array(groups, dtype=np.int64), n)
    long["_dup"] = np.tile(dup, many)
    long[KEY] = _tiled(rec[KEY], many)
    candidates = sku_repeats_by_group(rec, dup, [long["Sku"].iloc[i * n:(i + 1) * n] for i in range(many)])
    if candidates is not None:
        long[SKU_REPEATED] = np.concatenate(candidates) if candidates else np.zeros(0, dtype=bool)
    used = np.ones(len(long), dtype=bool)
    later = long["_group"].to_numpy() != 1  # group 1 always counts; a later group only if it holds something
    if later.any():
        filled = np.logical_or.reduce([~_blank(long[f]).to_numpy() for f in kind.fields])
        used = ~later | filled
    return long if used.all() else long[used].reset_index(drop=True)


def _tiled(values: pd.Series, times: int) -> pd.Series:
    return pd.concat([values.reset_index(drop=True)] * times, ignore_index=True) if times > 1 else \
        values.reset_index(drop=True)


def _failures(schema: DataFrameSchema, frame: pd.DataFrame) -> pd.DataFrame | None:
    """pandera's failure cases of a lazy validation (None when everything passed)."""
    try:
        schema.validate(frame, lazy=True, inplace=True)
    except SchemaErrors as exc:
        return exc.failure_cases
    return None


def _rows(frame: pd.DataFrame, rows: np.ndarray, columns: list[str]) -> pd.DataFrame:
    """frame.loc[rows, columns], filtering text columns with pyarrow (pandas' take is slower on them)."""
    index = frame.index[rows]
    parts = {}
    for c in columns:
        arr = arrow_of(frame[c])
        parts[c] = frame[c][rows] if arr is None else text_series(arr.filter(rows), frame[c], index)
    return pd.DataFrame(parts, index=index)


def _collect(compiled: Compiled, frame: pd.DataFrame, locate: Locate, fr: FileReport, ctx: dict) -> None:
    """Run the compiled schemas lazily and turn their failure cases into counted findings.

    Frame checks see every row; per-field checks see the rows the prefilter cannot vouch for
    (found in other threads while the frame checks run). The failure cases come in pandera's
    order: frame checks first, then column by column.
    """
    if frame.empty:
        return
    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        pending = suspects(frame, compiled.column_rules, ctx, pool)
        found = [_failures(compiled.frame, frame)]
        rows = pending()
    if rows.any():
        checked = [c for c in compiled.column_rules if c in frame.columns]
        found.append(_failures(compiled.columns, _rows(frame, rows, checked) if not rows.all() else frame))
    parts = [c for c in found if c is not None]
    if not parts:
        return
    cases = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    cases = cases[cases["index"].notna()]
    names = cases["check"].astype(str).str.split("(", n=1).str[0]
    frame_rule = names.map(lambda n: RULES[n].scope == "frame" if n in RULES else False).astype(bool)
    keys = names.where(frame_rule, names + "|" + cases["column"].astype(str))
    for key, group in cases.groupby(keys, sort=False):
        name, _, column = str(key).partition("|")
        rule = RULES.get(name)
        if rule is None:
            continue
        field = rule.column if rule.scope == "frame" else column
        index = np.unique(group["index"].to_numpy(dtype=np.int64))
        fr._add_counted(rule.code, rule.level, len(index),
                        _samples(rule, frame, field, index[: fr._wants(rule.code)], locate, ctx))


def _samples(rule: Any, frame: pd.DataFrame, field: str | None, index: np.ndarray, locate: Locate,
             ctx: dict) -> list[Finding]:
    """The findings of one rule at `index`: the cells read once per rule (not one lookup per finding) and
    each distinct value's message made once (a file with 100,000 bad reasons has a few distinct ones)."""
    values: list[str | None] = (frame[field].loc[index].astype(str).tolist() if field and len(index)
                                else [None] * len(index))
    messages: dict[str, str] = {}
    samples = []
    for i, value in zip(index.tolist(), values):
        row, line, raw = locate(i, field or "")
        text = value or ""
        if text not in messages:
            messages[text] = rule.message(text, ctx)
        samples.append(Finding(rule.code, rule.level, messages[text], row, line, raw if field else None, value))
    return samples
