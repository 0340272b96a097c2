"""Files that are not text at all, told by their first bytes (BK014): an Excel 97-2003 workbook, an
archive, a PDF, an image, an HTML page saved as .xls. An XLSX is recognised by its content under any
name (a zip holding xl/workbook.xml) and read as a workbook.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from batchkit.core.findings import Finding, finding
from batchkit.io.xlsx import XLSX_SUFFIXES

_CSV = "save it as 'CSV UTF-8 (Comma delimited)'"
MAGIC: tuple[tuple[bytes, str, str], ...] = (  # first bytes, what the file is, what to do
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an Excel 97-2003 workbook (.xls)", f"open it in Excel and {_CSV} (or give the .xlsx)"),
    (b"\x1f\x8b", "a gzip-compressed file", "unpack it (gunzip) and give the CSV inside"),
    (b"%PDF-", "a PDF document", f"export the data from where it came from and {_CSV}"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive", "unpack it and give the CSV inside"),
    (b"Rar!\x1a\x07", "a RAR archive", "unpack it and give the CSV inside"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image", f"export the data as a table and {_CSV}"),
    (b"\xff\xd8\xff", "a JPEG image", f"export the data as a table and {_CSV}"),
    (b"{\\rtf", "an RTF document", f"copy the table into Excel and {_CSV}"),
)
ZIP = (b"PK\x03\x04", b"PK\x05\x06")  # the first bytes of a zip archive (an XLSX is one)
_HTML = (b"<!doctype html", b"<html", b"<table")


def is_workbook(raw: bytes) -> bool:
    """True for an XLSX/XLSM by its content (a zip with xl/workbook.xml), whatever the file is named."""
    if not raw.startswith(ZIP):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return False


def reads_as_workbook(path: Path, raw: bytes) -> bool:
    """Read as XLSX: a workbook by content under any name, or any zip named .xlsx/.xlsm (openpyxl says
    what is wrong with a damaged one)."""
    return is_workbook(raw) or (path.suffix.lower() in XLSX_SUFFIXES and raw.startswith(ZIP))


def not_text(raw: bytes) -> Finding | None:
    """A BK014 finding when `raw` is a binary or non-CSV document (a workbook XLSX is not: read it as one)."""
    what = _what(raw)
    if what is None:
        return None
    kind, how = what
    return finding("BK014", f"this is {kind}, not a CSV: {how}", row=1, line=1, value=raw[:8].hex(" "))


def _what(raw: bytes) -> tuple[str, str] | None:
    for magic, kind, how in MAGIC:
        if raw.startswith(magic):
            return kind, how
    if raw.startswith(ZIP) and not is_workbook(raw):
        return _archive(raw)
    start = raw[:4096].lstrip()[:64].lower()
    if start.startswith(_HTML):
        return "an HTML page (a web export saved as .xls or .csv)", f"open it in Excel and {_CSV}"
    if start.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in raw[:4096]:
        return "an Excel 2003 XML spreadsheet", f"open it in Excel and {_CSV} (or give the .xlsx)"
    return None


def _archive(raw: bytes) -> tuple[str, str]:
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            names = archive.namelist()
            mimetype = archive.read("mimetype") if "mimetype" in names else b""
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, KeyError):
        return "a damaged zip archive", "ask for the file again"
    if b"opendocument.spreadsheet" in mimetype:
        return "an OpenDocument spreadsheet (.ods)", f"open it in LibreOffice or Excel and {_CSV}"
    if any(n.endswith(".numbers") or n.startswith("Index/") for n in names):
        return "an Apple Numbers document", "export it from Numbers as CSV (UTF-8)"
    if b"opendocument.text" in mimetype or "word/document.xml" in names:
        return "a word-processor document", f"copy the table into Excel and {_CSV}"
    return "a zip archive", "unzip it and give the CSV inside"
