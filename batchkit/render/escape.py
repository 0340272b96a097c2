"""Text made safe to print: control characters escaped before they reach a terminal or XML."""

from __future__ import annotations

import re

# C0 controls, DEL and the C1 controls (U+0080-U+009F: U+009B and U+009D are CSI and OSC on some terminals)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_CONTROL_ALL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def printable(text: str, keep_whitespace: bool = False) -> str:
    """`text` with control characters written as \\xNN, so a header cell holding ESC or NUL, or a server's text
    holding an OSC 8 link or a BEL, can neither drive a terminal nor break XML (tab, CR and LF are kept with
    keep_whitespace)."""
    pattern = _CONTROL if keep_whitespace else _CONTROL_ALL
    return pattern.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def json_printable(text: str) -> str:
    """JSON text with DEL and the C1 controls written as \\u00NN (json.dumps escapes only U+0000-U+001F; these
    can stand only inside strings, where the escape means the same character)."""
    return re.sub(r"[\x7f-\x9f]", lambda m: f"\\u{ord(m.group()):04x}", text)
