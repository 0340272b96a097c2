"""orders: the one home of order exports, read the same way by build and inquiries match.

presets (schemas/presets/<name>.toml: columns and their aliases, grouping, status words, detection), columns
(a preset's columns found in a header, the closest named when one is missing; the preset a header names),
lines (an export's cells by role, exact money, input findings), money (a money column as exact units at once),
groups (rows of one order together), read (an order list: one entry per order), rule (the order-list rule:
nothing, a modification to the amount kept, or a reversal), mapping ([build.columns] / [inquiries.columns],
--order-id-column, [build] currency).
"""
