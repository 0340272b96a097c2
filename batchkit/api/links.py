"""Links an answer gives (`@nextpageuri`, ErrorsUri, QueuedUri, Uri), checked before they are followed.

A link is judged as the server would read it, not as it is spelled: `/Advertisers/SID/../IRother/Actions`
starts with this account's path, yet once normalised (by httpx, a proxy or the server) it is another
account's. So the check refuses, rather than resolves, whatever could make the two differ: dot segments
(`.`, `..`, also percent-encoded as `%2e`), encoded slashes and backslashes (`%2f`, `%5c`, `\\`), control
characters and spaces, a fragment, credentials, another scheme, host or port; and the path must be under
`/Advertisers/<AccountSID>/`. What passes is followed exactly as given (its path and query).
"""

from __future__ import annotations

from urllib.parse import SplitResult, unquote, urlsplit

from batchkit.api.errors import ForeignLink

_DEFAULT_PORTS = {"http": 80, "https": 443}
_SHOWN = 160  # characters of a refused link in its message


def account_path(link: str, api_url: str, base: str, what: str) -> str:
    """`link` as a path (and query) of account `base` ("/Advertisers/SID") on `api_url`; ForeignLink (exit 3,
    one line) when it leads elsewhere or hides where it leads."""
    text = str(link).strip()
    why = _spelling(text)
    parts = urlsplit(text) if why is None else None
    if parts is not None:
        why = _origin(parts, api_url) or _path(parts.path, base)
    if why is not None or parts is None:
        shown = text if len(text) <= _SHOWN else text[:_SHOWN] + "..."
        raise ForeignLink(f"{what}: the link {shown!r} {why}; not followed (a link must lead into {base}/ on "
                          f"{api_url}): if this persists, tell impact.com support")
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _spelling(text: str) -> str | None:
    """Why the link's characters alone are refused, or None."""
    if not text:
        return "is empty"
    if "\\" in text:
        return "holds a backslash"
    if any(ord(c) <= 0x20 or ord(c) == 0x7F for c in text):
        return "holds a space or a control character"
    if "#" in text:
        return "holds a fragment (#)"
    return None


def _origin(parts: SplitResult, api_url: str) -> str | None:
    """Why an absolute link's scheme, host or port is refused (None: a path alone, or this API's origin)."""
    if not parts.scheme and not parts.netloc:
        return None
    api = urlsplit(api_url)
    try:
        port, api_port = parts.port, api.port
    except ValueError:
        return "has a malformed port"
    if parts.username is not None or parts.password is not None:
        return "carries credentials"
    same = (parts.scheme.lower() == api.scheme.lower() and (parts.hostname or "") == (api.hostname or "")
            and (port or _DEFAULT_PORTS.get(parts.scheme.lower())) == (api_port or _DEFAULT_PORTS.get(api.scheme)))
    return None if same else "points at another scheme, host or port"


def _path(path: str, base: str) -> str | None:
    """Why the path is refused (None: a plain path under the account)."""
    lowered = path.lower()
    if "%2f" in lowered or "%5c" in lowered:
        return "holds an encoded slash (%2f or %5c)"
    if any(_decoded(segment) in (".", "..") for segment in path.split("/")):
        return "holds a dot segment (. or .., also as %2e)"
    if not path.startswith(f"{base}/") or not path[len(base) + 1:].strip("/"):
        return "is not a path under this account"
    return None


def _decoded(segment: str) -> str:
    """A path segment percent-decoded until it no longer changes (%252e is %2e is .)."""
    for _ in range(4):
        plain = unquote(segment)
        if plain == segment:
            break
        segment = plain
    return segment
