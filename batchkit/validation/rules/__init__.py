"""The BK rules: the registry (`registry.py`) and the checks registered in it.

`values.py` checks single fields (BK1xx-BK3xx), `rows.py` whole rows and rows against each other
(BK209, BK213-BK215, BK401-BK403), `typed.py` the cell types of an XLSX (BK107). Importing this package
registers every rule in `RULES`.
"""

from batchkit.validation.rules import rows, typed, values
from batchkit.validation.rules.registry import RULES, Rule, rule

__all__ = ["RULES", "Rule", "rule", "rows", "typed", "values"]
