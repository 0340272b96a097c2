"""delivery: validated batch files, exactly once, to a folder, an SFTP drop or impact.com's API.

channels (the one deliver: destination_of, deliver_paths), prepare (hash, validate, plan), plan (each record ->
its request and the change it makes), earlier (a file's records against the journal: BK804), files (a folder or
a drop: ledger, retries, recovery), targets (destination protocols and parse_destination, "api" included),
local (a folder), rename (renameat2), sftp (the only paramiko importer), connect (which session opens a
destination), records (Outgoing, DeliveryResult), errors (one exception tree), settings ([deliver]), archive,
viaapi (records through the API). The ledger and the journal are batchkit.state's.
"""

from batchkit.core.config import Key, Section, declare

# [deliver], read by settings.py; declared here so that it is known before any configuration is loaded
_TEXT = Key((str,), "a string")
SECTION = declare(Section("deliver", {"to": _TEXT, "key_file": _TEXT, "known_hosts": _TEXT, "state_dir": _TEXT,
                                      "timeout": Key((int, float), "a number"), "retries": Key((int,), "an integer")}))
