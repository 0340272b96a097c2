"""inquiries: partners' action inquiries, decided from the brand's own records and resolved (README
"Action inquiries").

read (a pulled file or the web app's export -> inquiries as text), pull (the API -> a file), match (each
unresolved inquiry decided from the export and the mirror), review (the proposals for a person), resolve
(exactly once through the API, or the bulk-upload CSV to a folder or a drop), approvals.
"""

from batchkit.core.config import Key, Section, declare

# [inquiries], read by settings.py; declared here so that it is known before any configuration is loaded
SECTION = declare(Section("inquiries", {
    "action_tracker_id": Key((str, int), "a string or an integer"),
    "amount_tolerance": Key((str, int, float), "an amount"),
    "columns": Key((dict,), "a table of column names"),
    "approvals_reason": Key((str,), "a string"),
    "deadline_days": Key((int,), "an integer"),
}))
