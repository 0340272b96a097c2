"""The requests one `batchkit results` may make (--budget): what is left over waits for the next call."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from batchkit.api.answers import Page


class Spend:
    """A count of requests still allowed; `short` once something could not be asked for lack of them."""

    def __init__(self, budget: int) -> None:
        self.left, self.used, self.short = budget, 0, False

    def take(self) -> bool:
        """One request more, if the budget allows (False, and `short` set, when it does not)."""
        if self.left <= 0:
            self.short = True
            return False
        self.left -= 1
        self.used += 1
        return True


def budgeted_pages(pages: Iterator[Page], spend: Spend) -> list[Any] | None:
    """Every record of a paginated list, each page's request taken from the budget; None when it ran out."""
    records: list[Any] = []
    while True:
        if not spend.take():
            return None
        page = next(pages, None)
        if page is None:  # the previous page was the last: the request taken above was not made
            spend.left, spend.used = spend.left + 1, spend.used - 1
            return records
        records += page.records
        if not page.next_uri:
            return records
