"""deadlines: the lock-date radar (README "batchkit radar"): the commission at stake in each correction before its
action locks, and what was lost after.

settings ([radar]), inputs (batch files, exports built in memory, the journal), sources (the corrections, with the
journal's state of each), facts (the mirror's Payout and partner beside preflight's key frame, cached; Matched),
commission (what each correction holds, exact), judge (locked, time left, state, bucket), reread (an action whose
lock may have been extended read again; items fetched), totals and summary (exact sums per group), model
(Correction, Total, Radar), present (the text and the XLSX's cells), run (radar_for, radar_paths, run_radar).

The package is named for what it watches, not like the library's `batchkit.radar()` function.
"""

from batchkit.core.config import Key, Section, declare

# [radar], read by settings.py; declared here so that it is known before any configuration is loaded
SECTION = declare(Section("radar", {"days": Key((int,), "an integer"), "warn_days": Key((int,), "an integer"),
                                    "fail_days": Key((int,), "an integer")}))
