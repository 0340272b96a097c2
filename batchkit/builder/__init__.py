"""build: an internal order export -> impact.com batch files, exact money end to end.

settings ([build] and the flags), lines (the export's cells by role, exact numbers, BK5xx input findings),
returns (the generic returns export's decisions per order), orderlist (Shopify's, WooCommerce's, ... order
exports, read by batchkit/orders and decided by its one rule), writer (records -> CSV bytes), blame (an output
error traced to its export row), pipeline (read -> decide -> render -> validate -> write), summary (what build tells its user).
"""

from batchkit.core.config import ANY, Key, Section, declare

# [build], read by settings.py; declared here so that it is known before any configuration is loaded
SECTION = declare(Section("build", {key: ANY for key in ("action_tracker_id", "columns", "level", "prefix", "preset",
                                                         "reasons", "shopify", "order_id_column", "currency")}
                                   | {"whole_lines": Key((bool,), "true or false")}))
