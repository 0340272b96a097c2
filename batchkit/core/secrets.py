"""One scrubber for the impact.com credentials: every text that came from a server or a URL passes through it
before it reaches output, a log, an exception or the journal.

A server may echo what it was sent: the token itself, the Authorization header (`Basic base64(SID:token)`),
the base64 alone (standard or URL-safe, with or without padding), or the token percent-encoded in a URL.
All of them become `***`; so does any `Basic`/`Bearer` credential and the value of any Authorization
field, whoever's they are.
"""

from __future__ import annotations

import base64
import binascii
import re
from functools import lru_cache

__all__ = ["HIDDEN", "credentials_of", "scrub"]

HIDDEN = "***"

# the value of an Authorization header or field, however it is quoted: `Authorization: x`, `"authorization": "x"`
_AUTH_FIELD = re.compile(r"(?i)(\bauthorization\b[\"']?\s*[:=]\s*[\"']?)([^\"'\r\n]+)")
# a credential after its scheme, wherever it stands (an echoed header inside a sentence)
_SCHEME = re.compile(r"(?i)\b(basic|bearer)(\s+)([A-Za-z0-9+/=._~-]{8,})")
_WORD = re.compile(r"[A-Za-z][a-z]*")  # "Basic validation failed": a word after the scheme, not a credential


def b64_forms(raw: bytes) -> set[str]:
    """base64 of `raw`: standard and URL-safe, each with and without its padding."""
    forms = {base64.b64encode(raw).decode("ascii"), base64.urlsafe_b64encode(raw).decode("ascii")}
    return forms | {f.rstrip("=") for f in forms}


def _encoded_char(char: str) -> str:
    """A regex for one character of the token: itself, or its UTF-8 bytes percent-encoded (either case);
    a space also as `+` (form encoding)."""
    escaped = "".join(f"%{b:02X}" for b in char.encode("utf-8"))
    options = [re.escape(char), "(?i:" + re.escape(escaped) + ")"]
    if char == " ":
        options.append(r"\+")
    return "(?:" + "|".join(options) + ")"


@lru_cache(maxsize=32)
def _pattern(sid: str, token: str) -> re.Pattern[str] | None:
    """One regex for every form of the token (None when there is no token)."""
    if not token:
        return None
    raw = f"{sid}:{token}".encode()
    literals = sorted(b64_forms(raw) | b64_forms(token.encode()), key=len, reverse=True)
    spelled = "".join(_encoded_char(c) for c in token)  # the token raw, percent-encoded, or partly both
    return re.compile("|".join([*(re.escape(s) for s in literals if s), spelled]))


def scrub(text: str, sid: str = "", token: str = "") -> str:
    """`text` with the token in every form batchkit knows removed, and any Authorization value or Basic/Bearer
    credential hidden (those even without a token to look for)."""
    if not text:
        return text
    text = _AUTH_FIELD.sub(lambda m: m.group(1) + HIDDEN, text)
    text = _SCHEME.sub(lambda m: m.group() if _WORD.fullmatch(m.group(3)) else m.group(1) + m.group(2) + HIDDEN,
                       text)
    pattern = _pattern(sid, token)
    return pattern.sub(HIDDEN, text) if pattern is not None else text


def credentials_of(authorization: str) -> tuple[str, str]:
    """(SID, token) from a `Basic base64(SID:token)` header value; ("", "") for anything else."""
    scheme, _, value = authorization.strip().partition(" ")
    if scheme.lower() != "basic" or not value.strip():
        return "", ""
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return "", ""
    sid, colon, token = decoded.partition(":")
    return (sid, token) if colon else ("", "")
