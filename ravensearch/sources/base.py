"""What every source shares: the listing record, the client protocol and the error tree.

```
SourceError (UpstreamError, 502)       .provider .status_code .code
├── SourceAuthError                     401/403, a bad or missing key; not retried
├── SourceQuotaExceeded                 daily cap reached (Yelp ACCESS_LIMIT_REACHED), .reset_after
├── SourceBadRequest                    400: our request is wrong (a bug, or a bad page token)
└── SourceRetriableError                .defer_seconds: try again later
    ├── SourceRateLimited               429 after the client's own retries, .retry_after
    └── SourceUnavailable               5xx, network failure or timeout after retries
```

Clients raise these; the collect flow lets them reach the job, which retries the
retriable ones (a collect is idempotent, see `targets.listings`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from ravensearch.db.models import BusinessStatus
from ravensearch.errors import UpstreamError
from ravensearch.sources.geo import Tile

SourceName = Literal["google", "yelp"]


@dataclass(frozen=True, slots=True)
class RawListing:
    """One business as one provider lists it, before any merging.

    Values are as the provider formats them (phone "(512) 555-0123" or "+15125550123",
    website with or without `www.`); `targets.listings` normalises them. `lat`/`lng` are
    None for Google's pure service-area businesses. `address` is the street address alone;
    a suite ("Suite 200") is in `suite`. `is_closed` means permanently closed;
    `business_status` tells an open business from one temporarily closed or not yet open.
    """

    source: SourceName
    source_id: str
    name: str
    phone: str | None = None
    website: str | None = None
    address: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    lat: float | None = None
    lng: float | None = None
    is_closed: bool = False
    business_status: BusinessStatus = BusinessStatus.operational
    suite: str | None = None
    categories: tuple[str, ...] = ()
    service_area_only: bool = False
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class TileSearch:
    """Everything one query over one tile returned, across its pages.

    `saturated` means the provider's cap hid part of the answer (Google: 60 places;
    Yelp: `total` at or past 240), so the tile must be split to see the rest. `api_calls`
    counts every request, `refused` among them those Google refused for a page token
    used too soon.
    """

    listings: tuple[RawListing, ...]
    saturated: bool
    api_calls: int
    refused: int = 0


class SourceClient(Protocol):
    """A provider that can list one trade's businesses inside a rectangle."""

    name: SourceName

    def fits(self, tile: Tile) -> bool:
        """Whether one query can cover `tile` (Yelp's search radius is at most 40 km)."""
        ...

    async def search(self, tile: Tile, trade: str) -> TileSearch:
        """Every listing of `trade` in `tile` the provider will give, up to its cap.

        Raises:
            SourceError: a subclass; retriable ones only after the client's own retries.
        """
        ...

    async def aclose(self) -> None: ...


class SourceError(UpstreamError):
    """A provider refused or failed a request."""

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        status_code: int | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.provider = provider
        self.upstream_status = status_code
        self.code = code

    def __str__(self) -> str:
        status = f" {self.upstream_status}" if self.upstream_status is not None else ""
        code = f" {self.code}" if self.code else ""
        return f"{self.provider}{status}{code}: {self.message}"


class SourceAuthError(SourceError):
    """The API key is missing, invalid, or not allowed to use this API."""


class SourceQuotaExceeded(SourceError):
    """The plan's daily allowance is spent; nothing works until `reset_after` seconds pass."""

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        status_code: int | None = None,
        code: str | None = None,
        reset_after: float | None = None,
    ) -> None:
        super().__init__(message, provider=provider, status_code=status_code, code=code)
        self.reset_after = reset_after


class SourceBadRequest(SourceError):
    """The provider rejected the request itself (400); repeating it cannot help."""


class SourceRetriableError(SourceError):
    """A transient failure: the same request may succeed after `defer_seconds`."""

    defer_seconds: float = 30.0


class SourceRateLimited(SourceRetriableError):
    """429 still answered after the client's retries."""

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        status_code: int | None = 429,
        code: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, provider=provider, status_code=status_code, code=code)
        self.retry_after = retry_after
        if retry_after is not None:
            self.defer_seconds = max(retry_after, 1.0)


class SourceUnavailable(SourceRetriableError):
    """5xx, a network failure or a timeout, still failing after the client's retries."""
