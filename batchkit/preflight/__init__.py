"""preflight: batch files checked against the account's live actions before anything is sent (README
"Preflight").

keys (the mirror's keys as one frame, cached beside the mirror), match (each record's action: by
ActionId, or the newest with its OrderId and ActionTrackerId, vectorised), checks (BK701-BK709 on the
matched records), items (BK706/BK707 against the actions' items), run (the mirror brought up to date,
missing actions fetched within the budget, BK710 for what could not be checked).
"""

from batchkit.preflight.run import (
    Checked,
    NoMirror,
    PreflightSummary,
    describe,
    preflight,
    preflight_paths,
    settings_for,
)

__all__ = ["Checked", "NoMirror", "PreflightSummary", "describe", "preflight", "preflight_paths", "settings_for"]
