"""The hostile answers' bodies, made as they are sent (never whole in memory), and the edits of JSON answers.

    padded(body, size)      the body with spaces before its last byte, `size` bytes in all (huge_body); a
                            JSON object stays valid JSON, an XML answer valid XML ("</ImpactRadiusResponse   >")
    endless(body)           the body without its last byte, then spaces forever (endless_body)
    gzipped(body, size)     padded(body, size) compressed as gzip, piece by piece (gzip_bomb)
    edit_json(...)          duplicate_page, drop_field, rewrite and raw_number applied to a JSON answer
    echo_auth_error(...)    the error of echo_auth: the Authorization header verbatim, and decoded

faults/faults.py arms them; http/app.py asks for them; http/server.py sends the pieces (chunked when endless,
one byte at a time under a drip fault).
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from collections.abc import Iterator, MutableMapping
from typing import Any

from batchkit.sandbox.faults.faults import JSON_EDITS, Fault, Faults
from batchkit.sandbox.http.render import ApiError

BLOCK = 64 * 1024
SPACES = memoryview(b" " * BLOCK)
Pages = MutableMapping[str, Any]  # list key -> the records of the last page served under it


def padded(body: bytes, size: int) -> Iterator[bytes]:
    """`body` with spaces before its last byte, `size` bytes in all (the body itself when it is longer)."""
    yield body[:-1]
    left = size - len(body)
    while left > 0:
        step = min(left, BLOCK)
        yield bytes(SPACES[:step])
        left -= step
    yield body[-1:]


def padded_length(body: bytes, size: int) -> int:
    """How many bytes padded(body, size) yields."""
    return max(size, len(body))


def endless(body: bytes) -> Iterator[bytes]:
    """`body` without its last byte (the answer's head: it never closes), then spaces forever."""
    yield body[:-1]
    block = bytes(SPACES)
    while True:
        yield block


def gzipped(body: bytes, size: int) -> list[bytes]:
    """padded(body, size) as a gzip stream (compressed a block at a time: only the small result is kept)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    out = [packer.compress(piece) for piece in padded(body, size)]
    out.append(packer.flush())
    return [piece for piece in out if piece]


def echo_auth_error(fault: Fault, authorization: str) -> ApiError:
    """The echo_auth answer: Message the header verbatim, Errors its Basic credentials decoded."""
    return ApiError(fault.status, authorization, [("Authorization", _decoded(authorization))])


def _decoded(authorization: str) -> str:
    """The credentials of a Basic header as text (SID:token); the header itself when it is not Basic."""
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "basic":
        return authorization
    try:
        return base64.b64decode(encoded.strip(), validate=True).decode("utf-8", "replace")
    except binascii.Error:
        return encoded


def edit_json(faults: Faults, where: str, body: bytes, pages: Pages) -> bytes:
    """A 2xx JSON answer with the armed JSON edits that match `where` applied (the body itself when none does;
    it is parsed only while one is armed). `pages` remembers list pages for duplicate_page."""
    if not faults.armed(JSON_EDITS):
        pages.clear()
        return body
    try:
        doc = json.loads(body)
    except ValueError:
        return body
    if not isinstance(doc, dict):
        return body
    edited = _duplicate(faults, where, doc, pages)
    for fault in faults.take_all("drop_field", where, lambda f: f.field in doc):
        doc.pop(fault.field, None)
        edited = True
    for fault in faults.take_all("rewrite", where):
        doc[fault.field] = fault.value.replace("{self}", where) if isinstance(fault.value, str) else fault.value
        edited = True
    raw = {f.field: f.text for f in faults.take_all("raw_number", where, lambda f: _has_key(doc, f.field))}
    if not edited and not raw:
        return body
    return _dump(doc, raw).encode()


def _duplicate(faults: Faults, where: str, doc: dict[str, Any], pages: Pages) -> bool:
    """duplicate_page: a list page's records replaced by the last page's under the same key; remember this one."""
    key = next((k for k, v in doc.items() if isinstance(v, list)), None) if "@page" in doc else None
    if key is None:
        return False
    duplicated = faults.take("duplicate_page", where, lambda f: key in pages) is not None
    if duplicated:
        doc[key] = pages[key]
    if faults.armed(("duplicate_page",)):
        pages[key] = doc[key]
    else:
        pages.clear()
    return duplicated


def _has_key(value: Any, field: str) -> bool:
    """True when an object at any depth of `value` has the key `field`."""
    if isinstance(value, dict):
        return field in value or any(_has_key(v, field) for v in value.values())
    if isinstance(value, list):
        return any(_has_key(v, field) for v in value)
    return False


def _dump(value: Any, raw: dict[str, str]) -> str:
    """JSON as the sandbox writes it (compact, UTF-8 as is), with the values of the keys of `raw` as its raw
    number texts."""
    if not raw:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k, ensure_ascii=False)}:{raw[k] if k in raw else _dump(v, raw)}"
                              for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_dump(v, raw) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)
