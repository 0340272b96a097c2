"""Finding a preset's columns in an export's header, and the preset itself when none is named.

Headers are matched by name (case, spaces and underscores aside), never by position. A column the user named
(--order-id-column, [build.columns]) must be there; a required role the header lacks is one ConfigError that
names it with the present columns that look closest (difflib), so a renamed column is one edit away.
"""

from __future__ import annotations

import difflib

from batchkit.core.errors import ConfigError
from batchkit.orders.presets import ROLES, Preset, load, names, norm


def _index(header: list[str]) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for i, name in enumerate(header):
        if name.strip():
            found.setdefault(norm(name), []).append(i)
    return found


def _position(names_: tuple[str, ...], index: dict[str, list[int]], header: list[str], role: str,
              src: str) -> int | None:
    """The first of `names_` the header has; a name the header has twice is a ConfigError (which one is meant is
    not batchkit's guess)."""
    for name in names_:
        where = index.get(norm(name), [])
        if len(where) > 1:
            raise ConfigError(f"{src}: column {header[where[0]]!r} (mapped as {role}) appears {len(where)} times in "
                              f"the input's header (columns {', '.join(str(i + 1) for i in where)}): rename or "
                              "remove the extra one")
        if where:
            return where[0]
    return None


def resolve(preset: Preset, header: list[str], named: dict[str, str], optional: frozenset[str], where: str,
            src: str) -> dict[str, int]:
    """Role -> column position. `named` holds the columns the user named (role -> header), which replace the
    preset's own names; `optional` the required roles that need no column here (a currency from --currency)."""
    index = _index(header)
    found: dict[str, int] = {}
    missing: list[tuple[str, tuple[str, ...]]] = []
    for role in ROLES:
        candidates = (named[role],) if role in named else preset.columns.get(role, ())
        pos = _position(candidates, index, header, role, src) if candidates else None
        if pos is not None:
            found[role] = pos
        elif role in named or (role in preset.required and role not in optional):
            missing.append((role, candidates))
    if missing:
        raise ConfigError(missing_message(preset, header, missing, set(found.values()), named, where))
    return found


def closest(candidates: tuple[str, ...], header: list[str], taken: set[int]) -> list[str]:
    """The present headers that look most like any of `candidates` (at most 3), best first."""
    pool = {norm(h): h for i, h in enumerate(header) if h.strip() and i not in taken}
    scored: dict[str, float] = {}
    for name in candidates:
        for match in difflib.get_close_matches(norm(name), list(pool), n=3, cutoff=0.6):
            ratio = difflib.SequenceMatcher(None, norm(name), match).ratio()
            scored[pool[match]] = max(scored.get(pool[match], 0.0), ratio)
    return sorted(scored, key=lambda h: -scored[h])[:3]


def missing_message(preset: Preset, header: list[str], missing: list[tuple[str, tuple[str, ...]]], taken: set[int],
                    named: dict[str, str], where: str) -> str:
    """One line: which columns are missing, the closest present ones, and how to name the right one."""
    listed = ", ".join(f"{names_[0]!r} ({role})" if names_ else f"no column ({role})" for role, names_ in missing)
    text = f"{where}: not a {preset.title} export: column(s) {listed} missing"
    role, names_ = missing[0]
    near = closest(names_ or (role,), header, taken)
    if near:
        text += f"; the closest present: {', '.join(map(repr, near))}"
    suggest = near[0] if near else (names_[0] if names_ else role)
    flag = " or pass --order-id-column" if role == "order_id" else ""
    text += f"; map {role} (e.g. {role} = \"{suggest}\") under [build.columns]{flag}"
    shown = ", ".join(repr(h) for h in header[:12]) + (" ..." if len(header) > 12 else "")
    return text + f" (its columns: {shown})"


def detect(header: list[str]) -> tuple[str | None, str]:
    """The order-list preset the header names, and why (the platform's own columns it has, matched ignoring case
    only); None when the header has none of them (build then reads it as the generic returns export)."""
    index = {h.strip().lower(): h for h in header if h.strip()}  # spelled as the platform spells it: its
    best: tuple[str, list[str]] | None = None  # "Amount Refunded" names Stripe, a CRM's amount_refunded does not
    for name in names():
        hits = [index[c.lower()] for c in load(name).detect if c.lower() in index]
        if hits and (best is None or len(hits) > len(best[1])):
            best = (name, hits)
    if best is None:
        return None, "no preset given and the header has no platform's own columns"
    shown = ", ".join(repr(h) for h in best[1][:3])
    return best[0], f"{best[0]} preset, detected: the header has the {load(best[0]).title} export's column(s) {shown}"
