"""Foundations every capability uses; imports nothing else of batchkit.

errors (the BatchkitError tree), config (batchkit.toml and its section registry), kinds (the four
batch kinds as data), names (what a file name says and may not say), codes (the BK catalogue and the
--select/--ignore filters), findings (Finding, FileReport, Report), money and fixedpoint (exact
amounts, the ISO 4217 table), templates, resources (the shipped data files), version.
"""
