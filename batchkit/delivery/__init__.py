"""deliver: validated batch files, exactly once, to a folder or an SFTP drop.

delivery (the orchestration: validate, ledger, retries), targets (destination protocols and
parse_destination), local (a folder), sftp (the only paramiko importer), connect (which session
opens a destination), ledger (SQLite + the run lock), records (Outgoing, LedgerEntry,
DeliveryResult), errors (one exception tree), settings ([deliver]), archive.
"""

from batchkit.core.config import Key, Section, declare

# [deliver], read by settings.py; declared here so that it is known before any configuration is loaded
_TEXT = Key((str,), "a string")
SECTION = declare(Section("deliver", {"to": _TEXT, "key_file": _TEXT, "known_hosts": _TEXT, "state_dir": _TEXT,
                                      "timeout": Key((int, float), "a number"), "retries": Key((int,), "an integer")}))
