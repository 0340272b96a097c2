"""Bodies as the platform writes them: JSON when the request's Accept names application/json, XML otherwise.

JSON: an object of strings; a list page is the envelope (`@page`, `@numpages`, ... all strings) with the
list under its resource key. XML: `<ImpactRadiusResponse>` holding the same content as elements, a
list as `<Actions page="1" ...><Action>...</Action></Actions>`. Errors:
`{"Status": "ERROR", "Message": "...", "Errors": [{"Field": "...", "Message": "..."}]}`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from urllib.parse import quote, urlencode
from xml.sax.saxutils import escape, quoteattr

XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?><ImpactRadiusResponse>'
XML_TAIL = "</ImpactRadiusResponse>"
ENVELOPE = ("page", "numpages", "pagesize", "total", "start", "end", "uri", "firstpageuri", "previouspageuri",
            "nextpageuri", "lastpageuri")


class ApiError(Exception):
    """An error answer: HTTP status, message, and (field, message) details."""

    def __init__(self, status: int, message: str, errors: Sequence[tuple[str, str]] = (),
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.errors = status, message, list(errors)
        self.headers = dict(headers or {})

    def fields(self) -> dict[str, object]:
        """The error as the API's object."""
        body: dict[str, object] = {"Status": "ERROR", "Message": self.message}
        if self.errors:
            body["Errors"] = [{"Field": f, "Message": m} for f, m in self.errors]
        return body


def object_body(fields: Mapping[str, object], as_json: bool) -> bytes:
    """One object (strings, or lists of objects of strings) as the whole body."""
    if as_json:
        return json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode()
    return (XML_HEAD + _elements(fields) + XML_TAIL).encode()


def _elements(fields: Mapping[str, object]) -> str:
    """Child elements for an object's fields (a list becomes <Errors><Error>...</Error></Errors>)."""
    out = []
    for name, value in fields.items():
        if isinstance(value, list):
            inner = "".join(f"<{name[:-1]}>{_elements(v)}</{name[:-1]}>" for v in value)
            out.append(f"<{name}>{inner}</{name}>")
        else:
            out.append(f"<{name}>{escape(str(value))}</{name}>")
    return "".join(out)


def fragment(fields: Mapping[str, object], element: str, as_json: bool) -> str:
    """One row of a list page (an object of strings, or of lists of objects of strings) as JSON or as an XML
    element."""
    if as_json:
        return json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return f"<{element}>{_elements(fields)}</{element}>"


def page_body(key: str, envelope: Mapping[str, str], rows: Sequence[str], as_json: bool) -> bytes:
    """A list page: the envelope and its rows, each already rendered by fragment() or the action's cache."""
    if as_json:
        head = ",".join(f'"@{k}":{json.dumps(envelope[k])}' for k in ENVELOPE)
        return f'{{{head},"{key}":[{",".join(rows)}]}}'.encode()
    attributes = " ".join(f"{k}={quoteattr(envelope[k])}" for k in ENVELOPE)
    return f"{XML_HEAD}<{key} {attributes}>{''.join(rows)}</{key}>{XML_TAIL}".encode()


def envelope(path: str, query: Mapping[str, str], total: int, page: int, size: int, count: int) -> dict[str, str]:
    """The pagination envelope of page `page` (of `count` rows): every value a string, page URIs relative
    paths with the query, the previous/next URI empty on the first/last page."""
    pages = max(1, math.ceil(total / size))
    start = (page - 1) * size

    def uri(number: int) -> str:
        kept = [(k, v) for k, v in query.items() if k not in ("Page", "PageSize")]
        return f"{path}?{urlencode([*kept, ('PageSize', size), ('Page', number)], quote_via=quote, safe=':')}"

    return {"page": str(page), "numpages": str(pages), "pagesize": str(size), "total": str(total),
            "start": str(start), "end": str(start + count - 1 if count else start), "uri": uri(page),
            "firstpageuri": uri(1), "previouspageuri": uri(page - 1) if page > 1 else "",
            "nextpageuri": uri(page + 1) if page < pages else "", "lastpageuri": uri(pages)}
