"""The matched action's facts for every record of one source, taken from the key frame and the fact frame only
when asked for."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from batchkit.deadlines.facts import FACTS, NUMBERS, TEXT


class Matched(dict[str, pa.Array]):
    """The matched action's facts for every record of one source: a column (`view["Payout"]`) is taken from the key
    frame or the fact frame when first asked for ("" where the record has no action); `at(name, i)` reads one
    record's value without taking the column (what a few rows need: the Id of a locked action, a partner's name)."""

    def __init__(self, pos: np.ndarray, keys: pa.Table, facts: pa.Table) -> None:
        super().__init__()
        self.pos, self.key_table, self.fact_table = pos, keys, facts
        self.found = pos >= 0
        self._at = pa.array(np.where(self.found, pos, 0))
        self._own = frozenset(FACTS) - frozenset(keys.column_names)  # read from the fact frame

    def _table(self, name: str) -> pa.Table:
        return self.fact_table if name in self._own else self.key_table

    def __missing__(self, name: str) -> pa.Array:
        table = self._table(name)
        if not table.num_rows:
            taken = pa.array([""] * len(self.pos), type=TEXT)
        else:
            taken = table.column(name).combine_chunks().cast(TEXT).take(self._at)
            if not self.found.all():
                taken = pc.if_else(pa.array(self.found), taken, pa.scalar("", TEXT))
        self[name] = taken
        return taken

    def some(self, name: str, rows: np.ndarray) -> pa.Array:
        """The values of the records `rows` (whose actions were found), without taking the whole column."""
        if name in self:
            return self[name].take(pa.array(rows, type=pa.int64()))
        return self._table(name).column(name).combine_chunks().cast(TEXT).take(pa.array(self.pos[rows]))

    def at(self, name: str, i: int) -> str:
        if name in self:
            return str(self[name][i].as_py() or "")
        if self.pos[i] < 0:
            return ""
        return str(self._table(name).column(name)[int(self.pos[i])].as_py() or "")

    def number(self, name: str) -> np.ndarray:
        """A numeric fact (NUMBERS: cents, whether an amount, UTC seconds) for every record: 0, False or nan where
        the record has no action."""
        values = self.fact_table.column(name).combine_chunks().to_numpy(zero_copy_only=False)
        taken = values[np.maximum(self.pos, 0)] if len(values) else np.zeros(len(self.pos), dtype=values.dtype)
        if self.found.all():
            return taken
        return np.where(self.found, taken, NUMBERS[name])
