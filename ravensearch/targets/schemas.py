from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field, field_validator
from pydantic_core import PydanticCustomError

from ravensearch.db.models import TargetSource, TargetStatus
from ravensearch.errors import InvalidInput
from ravensearch.kit.clock import as_utc
from ravensearch.kit.emails import is_valid_email, normalize_email
from ravensearch.kit.schemas import CamelModel, ReadModel
from ravensearch.kit.trades import normalize_trade
from ravensearch.targets.addresses import normalize_state, normalize_zip
from ravensearch.targets.websites import normalize_website


def _blank_to_none(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip() or None
    return value


def _checked(kind: str, normalize: Callable[[str], str]) -> Callable[[Any], Any]:
    """Wrap a normaliser so its ValueError message reaches the user verbatim (no "Value error,")."""

    def validate(value: Any) -> Any:
        value = _blank_to_none(value)
        if not isinstance(value, str):
            return value
        try:
            return normalize(value)
        except (ValueError, InvalidInput) as exc:
            raise PydanticCustomError(kind, str(exc)) from None

    return validate


def _email(value: str) -> str:
    email = normalize_email(value) or ""
    if not is_valid_email(email):
        raise ValueError(f"invalid email '{value}': expected an address like name@example.com")
    return email


def _bounded(length: int) -> Any:
    return Field(max_length=length)


Text120 = Annotated[Annotated[str, Field(max_length=120)] | None, BeforeValidator(_blank_to_none)]
Text300 = Annotated[Annotated[str, Field(max_length=300)] | None, BeforeValidator(_blank_to_none)]
Phone = Annotated[Annotated[str, Field(max_length=40)] | None, BeforeValidator(_blank_to_none)]
Query = Annotated[Annotated[str, Field(max_length=200)] | None, BeforeValidator(_blank_to_none)]
Email = Annotated[
    Annotated[str, Field(max_length=320)] | None, BeforeValidator(_checked("invalid_email", _email))
]
Website = Annotated[
    Annotated[str, Field(max_length=500)] | None,
    BeforeValidator(_checked("invalid_website", normalize_website)),
]
Trade = Annotated[str | None, BeforeValidator(_checked("invalid_trade", normalize_trade))]
State = Annotated[str | None, BeforeValidator(_checked("invalid_state", normalize_state))]
Zip = Annotated[str | None, BeforeValidator(_checked("invalid_zip", normalize_zip))]


class TargetCreate(CamelModel):
    """A target as typed by a person or read from one CSV row; every value comes out normalised."""

    business_name: str = Field(max_length=300)
    first_name: Text120 = None
    last_name: Text120 = None
    email: Email = None
    phone: Phone = None
    website: Website = None
    address: Text300 = None
    city: Text120 = None
    state: State = None
    zip: Zip = None
    trade: Trade = None

    @field_validator("business_name", mode="before")
    @classmethod
    def _require_business_name(cls, value: Any) -> Any:
        value = _blank_to_none(value)
        if value is None:
            raise PydanticCustomError("missing_business_name", "missing business name")
        return value


class TargetFilters(BaseModel):
    """Query-string filters of `GET /api/targets`; bad values become 422s naming the filter."""

    trade: Trade = Field(default=None, description="A trade, e.g. hvac or 'Plumber'.")
    state: State = Field(default=None, description="A 2-letter US state code.")
    status: TargetStatus | None = None
    source: TargetSource | None = Field(default=None, description="manual, csv, google or yelp.")
    q: Query = Field(
        default=None, description="Words to find in business name, contact name, email or city."
    )
    has_email: bool | None = None


class TargetRead(ReadModel):
    """A target as the API returns it: every column, snake_case, timestamps in UTC."""

    id: uuid.UUID
    business_name: str
    first_name: str | None
    last_name: str | None
    contact_name: str | None
    trade: str | None
    phone: str | None
    phone_e164: str | None
    email: str | None
    website: str | None
    website_domain: str | None
    address: str | None
    address_suite: str | None
    city: str | None
    state: str | None
    zip: str | None
    source: str
    status: str
    status_reason: str | None
    business_status: str | None = Field(
        description="Collected targets: operational, closed_temporarily or future_opening."
    )
    created_at: datetime
    updated_at: datetime

    @field_validator("created_at", "updated_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        # SQLite hands back naive datetimes; both backends should answer with the same UTC form.
        return as_utc(value)


class FoundEmail(ReadModel):
    """An address enrichment found on the target's site: where, how, and what it made of it."""

    email: str
    method: str  # mailto, text, json_ld, alt, form, cloudflare …
    page_url: str | None
    verdict: str
    reason: str | None
    chosen: bool


class TargetDetail(TargetRead):
    """One target with every address found on its site (the chosen one first)."""

    emails_found: list[FoundEmail] = Field(default_factory=list)


class TargetList(BaseModel):
    """One page of targets and the number matching the filters."""

    items: list[TargetRead]
    total: int
    limit: int
    offset: int
    # Pass it as `cursor` for the next page; null on the last page.
    next_cursor: str | None = None


class RowError(BaseModel):
    """A CSV row that was not imported, and why."""

    line: int = Field(description="1-based physical line in the file; the header is line 1.")
    reason: str


class ImportReport(BaseModel):
    """What one CSV import did: rows created, rows merged into existing targets, rows rejected."""

    imported: int = 0
    updated: int = 0
    skipped: int = 0
    errors: list[RowError] = Field(default_factory=list)
    encoding: str | None = Field(
        default=None, description="How the file was read: UTF-8, UTF-8 with BOM, Windows-1252 …"
    )
