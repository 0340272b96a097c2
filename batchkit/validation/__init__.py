"""Validation: batch files -> findings, never an exception for bad data.

engine (tables -> Report), header (columns and kind detection), rules/ (the registered BK checks),
compile (kinds.toml -> pandera schemas), prefilter (which rows pandera must see), crossfile (BK404
across the files of a batch), fix (safe, reported fixes). build and deliver call it on what they
write or send.
"""
