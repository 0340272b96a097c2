"""pandera for batchkit: imported once, cheaply. Import pandera through this module only.

* pandera imports hypothesis, when it is installed, only for data synthesis (`schema.example()`),
  which batchkit never uses; with the test extra installed that import alone costs about a tenth
  of a second at every start. Hiding hypothesis while pandera is imported skips it; hypothesis
  stays importable afterwards (the tests use it directly), and if it is already imported nothing
  changes.
* pandas, pyarrow and pandera leave a few hundred thousand objects that live as long as the
  process. `gc.freeze()` moves them out of the collector's way, so neither its runs nor the final
  collection at exit (about a tenth of a second) walk them again.
"""

from __future__ import annotations

import gc
import sys

_HIDE = "hypothesis" not in sys.modules
if _HIDE:
    sys.modules["hypothesis"] = None  # type: ignore[assignment]
try:
    import pandera.pandas as pa
    import pandera.strategies.pandas_strategies  # noqa: F401  (what registering a check imports)
    from pandera import extensions
finally:
    if _HIDE:
        del sys.modules["hypothesis"]
gc.freeze()

__all__ = ["extensions", "pa"]
