"""A LockingDate read as UTC seconds (the same instant however it is written: an offset or Z)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from batchkit.preflight.match import utc_seconds


def lock_seconds(values: pa.Array) -> np.ndarray:
    """LockingDates (ISO 8601 with Z or an offset) -> UTC seconds, nan where empty or unreadable: Arrow's strptime
    for the dates written to the second as the API writes them, preflight's reader for the others."""
    parsed = pc.strptime(values, format="%Y-%m-%dT%H:%M:%S%z", unit="s", error_is_null=True)
    valid = pc.is_valid(parsed).to_numpy(zero_copy_only=False)
    out = np.full(len(values), np.nan)
    out[valid] = pc.cast(parsed, pa.int64()).to_numpy(zero_copy_only=False)[valid]
    other = ~valid & pc.not_equal(values, "").to_numpy(zero_copy_only=False)
    if other.any():  # fractions of a second, no seconds, ...
        out[other] = utc_seconds(values.filter(pa.array(other)))
    return out
