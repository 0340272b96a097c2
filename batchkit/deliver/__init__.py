"""deliver: validated batch files, exactly once, to a folder or an SFTP drop.

delivery (the orchestration: validate, ledger, retries), targets (destination protocols and
parse_destination), local (a folder), sftp (the only paramiko importer), connect (which session
opens a destination), ledger (SQLite + the run lock), records (Outgoing, LedgerEntry,
DeliveryResult), errors (one exception tree), settings ([deliver]; declares the section), archive.
"""
