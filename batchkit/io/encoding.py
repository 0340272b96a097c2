"""Text encodings: UTF-8 (with or without BOM) is read as is; anything else is a BK001 finding whose
advice names the encoding found and the command that converts it, and the text is a best guess.

Recognised: UTF-16 LE/BE with or without a byte-order mark (Excel's "Unicode Text"), Windows-1252
(Western European text: accented letters between ASCII ones), and "an unknown single-byte encoding"
(whole words of non-ASCII bytes, as Greek ISO-8859-7 or Cyrillic Windows-1251 text has).
"""

from __future__ import annotations

import shlex
from pathlib import Path

from batchkit.core.findings import Finding, finding

BOM = b"\xef\xbb\xbf"
SAVE = "re-save it as 'CSV UTF-8 (Comma delimited)'"
FIX = "or let `batchkit fix FILE -o OUT.csv` re-encode it"


def decode(raw: bytes, path: str = "FILE.csv") -> tuple[str, list[Finding]]:
    """The text of `raw` and the BK001/BK002 findings about its encoding."""
    found: list[Finding] = []
    if raw.startswith(BOM):
        found.append(bom_finding())
        raw = raw[len(BOM):]
    utf16 = _utf16(raw)
    if utf16:
        name, codec, iconv = utf16
        found.append(finding("BK001", f"the file is {name} (Excel 'Unicode Text'), not UTF-8: {SAVE}, or convert it: "
                             f"{convert(iconv, path)}, {FIX}", row=1, line=1, value=iconv))
        return raw.decode(codec, errors="replace"), found
    try:
        return raw.decode("utf-8"), found
    except UnicodeDecodeError as exc:
        found.append(_not_utf8(raw, exc.start, path))
        return raw.decode("cp1252", errors="replace"), found


def bom_finding() -> Finding:
    """BK002: the text starts with a UTF-8 byte-order mark."""
    return finding("BK002", "the file starts with a UTF-8 byte-order mark (`batchkit fix FILE -o OUT.csv` removes it)",
                   row=1, line=1)


def detect(raw: bytes) -> tuple[str, str] | None:
    """(Python codec, what to call it) of a text that is not UTF-8, when told with confidence (UTF-16, or
    Western European Windows-1252); None when UTF-8 or not recognised."""
    raw = raw.removeprefix(BOM)
    utf16 = _utf16(raw)
    if utf16:
        return utf16[1], utf16[0]
    try:
        raw.decode("utf-8")
        return None
    except UnicodeDecodeError:
        pass
    if _western(raw):
        return "cp1252", "Windows-1252 (Western European)"
    return None


def convert(encoding: str, path: str) -> str:
    """The iconv command that writes a UTF-8 copy of `path` beside it."""
    p = Path(path)
    return f"iconv -f {encoding} -t UTF-8 {shlex.quote(p.name)} > {shlex.quote(p.stem + '-utf8.csv')}"


def _utf16(raw: bytes) -> tuple[str, str, str] | None:
    """(what to call it, Python codec, iconv name) for UTF-16 text, else None."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        order = "LE" if raw.startswith(b"\xff\xfe") else "BE"
        return f"UTF-16 {order} with a byte-order mark", "utf-16", "UTF-16"
    head = raw[:4096]
    if len(head) < 4 or head.count(0) < len(head) // 3:
        return None
    odd, even, half = head[1::2].count(0), head[0::2].count(0), len(head) // 2
    if odd >= 0.9 * half and even < 0.1 * half:
        return "UTF-16 LE without a byte-order mark", "utf-16-le", "UTF-16LE"
    if even >= 0.9 * half and odd < 0.1 * half:
        return "UTF-16 BE without a byte-order mark", "utf-16-be", "UTF-16BE"
    return None


def _not_utf8(raw: bytes, pos: int, path: str) -> Finding:
    line = raw.count(b"\n", 0, pos) + 1
    col = pos - (raw.rfind(b"\n", 0, pos) + 1) + 1
    where = f"byte 0x{raw[pos]:02X} at line {line}, character {col} is not UTF-8"
    if _western(raw):
        advice = f"it looks like Windows-1252/Latin-1: {SAVE}, or convert it: {convert('WINDOWS-1252', path)}, {FIX}"
    else:
        advice = ("the encoding is not recognised (an unknown single-byte encoding, e.g. Greek ISO-8859-7 or "
                  f"Cyrillic WINDOWS-1251): {SAVE}, or find out which it is and convert it: "
                  f"{convert('ENCODING', path)} (or `batchkit fix FILE --encoding NAME -o OUT.csv`)")
    return finding("BK001", f"{where}; {advice}", line=line, value=f"0x{raw[pos]:02X}")


def _western(raw: bytes, sample: int = 1 << 20) -> bool:
    """True when the non-ASCII bytes read as Windows-1252 and stand alone between ASCII letters
    (Café, Müller), as Western European text has them; whole runs of them (Greek, Cyrillic) say otherwise."""
    head = raw[:sample]
    try:
        head.decode("cp1252")
    except UnicodeDecodeError:
        return False
    high = [i for i, b in enumerate(head) if b >= 0x80]
    if not high:
        return True
    inside = sum(1 for i in high if 0 < i < len(head) - 1 and head[i - 1] >= 0x80 and head[i + 1] >= 0x80)
    return inside <= 0.3 * len(high)
