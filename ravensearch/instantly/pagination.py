"""Instantly's cursor pagination (`limit` / `starting_after` → `next_starting_after`) as an
async iterator (instantly_v2.md §1.5)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from ravensearch.instantly.errors import InstantlyError

FetchPage = Callable[[str | None], Awaitable[Any]]


async def iterate_cursor(fetch_page: FetchPage) -> AsyncIterator[dict[str, Any]]:
    """Yield every item of every page; `fetch_page(cursor)` returns one decoded page.

    Stops on an empty `items` *or* a missing cursor: the last page may still carry a
    cursor, and the page after it is then empty. A cursor seen twice also stops the loop,
    so a misbehaving server cannot spin us forever.
    """
    cursor: str | None = None
    seen: set[str] = set()
    while True:
        page = await fetch_page(cursor)
        if not isinstance(page, dict) or not isinstance(page.get("items"), list):
            raise InstantlyError("Instantly returned a page without an 'items' list")
        items: list[Any] = page["items"]
        if not items:
            return
        for item in items:
            if isinstance(item, dict):
                yield item
        next_cursor = page.get("next_starting_after")
        if not isinstance(next_cursor, str) or not next_cursor or next_cursor in seen:
            return
        seen.add(next_cursor)
        cursor = next_cursor
