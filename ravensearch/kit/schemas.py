from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class CamelModel(BaseModel):
    """Request bodies use the design's camelCase names (`campaignId`, `targetIds` …)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class ReadModel(BaseModel):
    """Responses keep the design's snake_case column names and read straight from ORM rows."""

    model_config = ConfigDict(from_attributes=True)
