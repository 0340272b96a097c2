"""api: impact.com's own view of the account (README "The impact.com API").

settings ([api], IMPACT_* / BATCHKIT_* environment), client (httpx: Basic auth, JSON only, paced by
the rate-limit budget, GETs retried, writes never), budget (the 1,000 requests an hour), errors,
answers (exact numbers, the pagination envelope, pages that must advance), limits (every answer read
under a size, a decompression ratio and a whole-request deadline), links (a link an answer gives, checked
before it is followed), writes (the one write loop), sync
(windows of last-updated time into the mirror). httpx is imported here and nowhere else.
"""

from batchkit.core.config import Key, Section, declare

_TEXT = Key((str,), "a string")
_INT = Key((int,), "an integer")
_NUMBER = Key((int, float), "a number")
# [api], read by settings.py; declared here so that it is known before any configuration is loaded
SECTION = declare(Section("api", {
    "url": _TEXT, "account_sid": _TEXT, "campaign_id": Key((str, int), "a string or an integer"),
    "requests_per_hour": _INT, "timeout": _NUMBER, "sync_days": _INT, "page_size": _INT, "retries": _INT,
    "state_dir": _TEXT, "max_age": _NUMBER, "preflight_budget": _INT, "results_budget": _INT,
    "settle_seconds": _NUMBER, "max_hours": _NUMBER,
    # answers are bounded (api/limits.py): a listing's body, decompression, one request's whole time
    "max_body_mb": _INT, "max_inflate_ratio": _NUMBER, "request_seconds": _NUMBER}))
