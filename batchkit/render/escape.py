"""Text made safe to print: control characters escaped before they reach a terminal or XML."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_ALL = re.compile(r"[\x00-\x1f\x7f]")


def printable(text: str, keep_whitespace: bool = False) -> str:
    """`text` with control characters written as \\xNN, so a header cell holding ESC or NUL can
    neither drive a terminal nor break XML (tab, CR and LF are kept with keep_whitespace)."""
    pattern = _CONTROL if keep_whitespace else _CONTROL_ALL
    return pattern.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
