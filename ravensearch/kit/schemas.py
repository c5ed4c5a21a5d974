from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, SerializerFunctionWrapHandler, field_serializer
from pydantic.alias_generators import to_camel


class CamelModel(BaseModel):
    """Request bodies use the design's camelCase names (`campaignId`, `targetIds` …)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


def iso_z(value: datetime) -> str:
    """A stored timestamp as ISO 8601 UTC with `Z` (SQLite hands back naive datetimes, every
    one of them UTC; PostgreSQL aware ones)."""
    aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return aware.isoformat().replace("+00:00", "Z")


class ReadModel(BaseModel):
    """Responses keep the design's snake_case column names and read straight from ORM rows.

    Every timestamp is answered the same way on both databases: ISO 8601 with `Z`."""

    model_config = ConfigDict(from_attributes=True)

    @field_serializer("*", mode="wrap", when_used="json")
    def _timestamps_in_utc(self, value: Any, handler: SerializerFunctionWrapHandler) -> Any:
        return iso_z(value) if isinstance(value, datetime) else handler(value)
