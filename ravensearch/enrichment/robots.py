"""What a site's robots.txt lets the crawler read, and how fast, kept per origin for one run.

Parsing is the standard library's `urllib.robotparser`, with its known limits: rules match
in file order (not longest match first), `*` and `$` inside paths are not wildcards, and a
group's user-agent matches when it is a substring of our product token.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from enum import StrEnum
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

ROBOTS_MAX_BYTES = 64 * 1024
# A polite pace, but one site may not hold a crawl worker for long: 5 requests at most.
MAX_CRAWL_DELAY_SECONDS = 2.0


class RobotsStatus(StrEnum):
    found = "found"  # read and obeyed
    missing = "missing"  # 4xx: no rules, everything allowed
    unavailable = "unavailable"  # 5xx, timeout, refused or unreachable: read as no rules


class RobotsRules:
    """One origin's robots.txt for our user agent: `allows(url)` and the pace of requests."""

    def __init__(
        self,
        url: str,
        status: RobotsStatus,
        *,
        parser: RobotFileParser | None = None,
        agent: str = "*",
    ) -> None:
        self.url = url
        self.status = status
        self._parser = parser
        self._agent = agent
        delay = parser.crawl_delay(agent) if parser is not None else None
        self.crawl_delay = min(float(delay or 0), MAX_CRAWL_DELAY_SECONDS)
        self._next_start = 0.0

    @classmethod
    def from_answer(
        cls, url: str, status: int, body: bytes, truncated: bool, *, agent: str
    ) -> RobotsRules:
        """The rules an HTTP answer (after redirects) to `GET /robots.txt` gives."""
        if 200 <= status < 300:
            return cls.parse(url, body, agent=agent, truncated=truncated)
        # 4xx means no robots.txt: everything is allowed (RFC 9309). RFC 9309 would read a
        # 5xx as "disallow all"; small business sites often answer 5xx for any file their
        # CMS lacks, and we read at most 6 pages once, so a 5xx is read as no rules too.
        return cls(url, RobotsStatus.missing if 400 <= status < 500 else RobotsStatus.unavailable)

    @classmethod
    def parse(cls, url: str, body: bytes, *, agent: str, truncated: bool) -> RobotsRules:
        text = body.decode("utf-8", errors="replace").removeprefix("\ufeff")
        lines = text.splitlines()
        if truncated and lines:
            lines.pop()  # cut mid-line by the size cap: half a rule could mean anything
        parser = RobotFileParser(url)
        parser.parse(lines)
        return cls(url, RobotsStatus.found, parser=parser, agent=agent)

    def allows(self, url: str) -> bool:
        return self._parser is None or self._parser.can_fetch(self._agent, url)

    async def wait_turn(self) -> None:
        """Sleep until `crawl_delay` has passed since the previous request to this origin."""
        if not self.crawl_delay:
            return
        loop = asyncio.get_running_loop()
        now = loop.time()
        # Booked before sleeping, with no await in between, so concurrent requests queue up.
        start = max(now, self._next_start)
        self._next_start = start + self.crawl_delay
        await asyncio.sleep(start - now)


class RobotsCache:
    """The rules of the most recently used origins, at most `capacity` of them."""

    def __init__(self, capacity: int = 1024) -> None:
        self._capacity = capacity
        self._rules: OrderedDict[str, RobotsRules] = OrderedDict()

    def get(self, origin: str) -> RobotsRules | None:
        rules = self._rules.get(origin)
        if rules is not None:
            self._rules.move_to_end(origin)
        return rules

    def put(self, origin: str, rules: RobotsRules) -> None:
        self._rules[origin] = rules
        self._rules.move_to_end(origin)
        while len(self._rules) > self._capacity:
            self._rules.popitem(last=False)

    def __len__(self) -> int:
        return len(self._rules)


def origin_of(url: str) -> str:
    """`https://www.acme.com:8443/contact` → `https://www.acme.com:8443` (robots.txt's scope)."""
    parts = urlsplit(url)
    # Without any `user:password@`, which is not part of the origin.
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2].lower()}"


def product_token(user_agent: str) -> str:
    """`Ravensearch/0.1 (+https://…)` → `Ravensearch`, the name robots.txt groups address."""
    return user_agent.split("/", 1)[0].strip() or "*"
