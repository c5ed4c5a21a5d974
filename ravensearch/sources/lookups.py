"""Google website lookups for targets without a website (Yelp lists none), made only when
they can pay off: each one is a billed Text Search.

Before asking, a run checks what its own Google sweep already told it:

- a Google listing seen in this run with the target's phone (one dropped for showing no
  state, say) already gives the website, or says Google has none: no call;
- a target of the trade the run swept on Google, lying inside a Google tile whose answer
  was complete (not saturated, not failed), matched none of the places Google listed there
  by id, phone, website or name. A query by the same phone or name finds nothing either
  (Google does not list it, or lists it under other contact data), so it is skipped.
  Skipped targets are not marked as looked up: a later run without that sweep may ask.

Everything else (a Yelp-only run, another trade than the one swept, a place in a tile that
failed or stayed saturated, no coordinates) is looked up as before.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

import structlog

from ravensearch.sources.base import RawListing, SourceBadRequest, SourceRetriableError
from ravensearch.sources.geo import Tile
from ravensearch.targets.listings import WebsiteWanted
from ravensearch.targets.phones import to_e164

LOOKUP_CONCURRENCY = 4

log = structlog.get_logger("ravensearch.sources")

FindWebsite = Callable[[str, str | None, str | None, str | None], Awaitable[str | None]]


@dataclass
class LookupPlan:
    known: dict[uuid.UUID, str | None] = field(default_factory=dict)  # answered by the run
    ask: list[WebsiteWanted] = field(default_factory=list)
    skipped: int = 0


class WebsiteLookups:
    """What one collect run learned from Google that spares website lookups."""

    def __init__(self, trade: str) -> None:
        self.trade = trade
        self._websites: dict[str, str | None] = {}  # E.164 phone → Google's website
        self._complete: list[Tile] = []  # Google tiles of `trade` answered in full

    def saw(self, listing: RawListing) -> None:
        """Note a Google listing, whether it is stored or dropped."""
        if listing.source != "google" or listing.is_closed:
            return
        if (e164 := to_e164(listing.phone)) and not self._websites.get(e164):
            self._websites[e164] = listing.website

    def answered(self, tile: Tile, *, saturated: bool) -> None:
        """Note a Google tile's answer for the run's trade."""
        if not saturated:
            self._complete.append(tile)

    def plan(self, wanted: Sequence[WebsiteWanted]) -> LookupPlan:
        plan = LookupPlan()
        for item in wanted:
            e164 = to_e164(item.phone)
            if e164 is not None and e164 in self._websites:
                plan.known[item.target_id] = self._websites[e164]
            elif self._swept(item):
                plan.skipped += 1
            else:
                plan.ask.append(item)
        return plan

    def _swept(self, item: WebsiteWanted) -> bool:
        if item.trade != self.trade or item.lat is None or item.lng is None:
            return False
        lat, lng = item.lat, item.lng
        return any(tile.contains(lat, lng) for tile in self._complete)


async def find_websites(
    find: FindWebsite, wanted: Sequence[WebsiteWanted]
) -> dict[uuid.UUID, str | None]:
    """Each target's website on Google (None: Google has none); targets whose lookup
    failed are left out, so that a later run asks again."""
    found: dict[uuid.UUID, str | None] = {}
    for start in range(0, len(wanted), LOOKUP_CONCURRENCY):
        chunk = wanted[start : start + LOOKUP_CONCURRENCY]
        results = await asyncio.gather(*(_find_website(find, w) for w in chunk))
        for item, (ok, website) in zip(chunk, results, strict=True):
            if ok:
                found[item.target_id] = website
    return found


async def _find_website(find: FindWebsite, wanted: WebsiteWanted) -> tuple[bool, str | None]:
    try:
        return True, await find(wanted.name, wanted.phone, wanted.city, wanted.state)
    except SourceBadRequest:
        # One odd name must not stop the run; the target simply stays without a website.
        log.warning("sources.website_lookup.rejected", target_id=str(wanted.target_id))
        return True, None
    except SourceRetriableError as exc:
        # Google still failing after the client's retries: not worth stopping a sweep
        # for; the target is not marked, so the next run asks again.
        log.warning(
            "sources.website_lookup.failed", target_id=str(wanted.target_id), error=str(exc)
        )
        return False, None
