"""Page numbers for server-side paginated tables (`ui.pagination(pager, url)` renders one)."""

from __future__ import annotations

import math
from dataclasses import dataclass

DEFAULT_PER_PAGE = 50


@dataclass(frozen=True)
class Pager:
    page: int
    per_page: int
    total: int

    @classmethod
    def of(cls, page: int, total: int, per_page: int = DEFAULT_PER_PAGE) -> Pager:
        """Clamp `page` into range, so a stale ?page=9 shows the last page, not nothing."""
        pages = max(1, math.ceil(total / per_page))
        return cls(page=min(max(1, page), pages), per_page=per_page, total=total)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    @property
    def first_item(self) -> int:
        return 0 if self.total == 0 else self.offset + 1

    @property
    def last_item(self) -> int:
        return min(self.total, self.offset + self.per_page)

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages
