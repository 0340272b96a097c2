"""state: what batchkit remembers between runs (the state folder, the journal of every write, the lock)."""
