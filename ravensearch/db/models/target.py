from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ravensearch.db.base import Base, IDMixin, TimestampMixin


class TargetStatus(StrEnum):
    pending = "pending"
    enriching = "enriching"
    completed = "completed"
    no_email = "no_email"
    failed = "failed"


class TargetSource(StrEnum):
    manual = "manual"
    csv = "csv"
    google = "google"
    yelp = "yelp"


class BusinessStatus(StrEnum):
    """What the provider says of a collected business that is not permanently closed."""

    operational = "operational"
    closed_temporarily = "closed_temporarily"
    future_opening = "future_opening"


class Target(IDMixin, TimestampMixin, Base):
    """A technician's business: the person or company we may recruit."""

    __tablename__ = "outreach_targets"

    business_name: Mapped[str] = mapped_column(String(300))
    first_name: Mapped[str | None] = mapped_column(String(120))
    last_name: Mapped[str | None] = mapped_column(String(120))
    trade: Mapped[str | None] = mapped_column(String(60), index=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    phone_e164: Mapped[str | None] = mapped_column(String(20), index=True)
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    website: Mapped[str | None] = mapped_column(String(500))
    website_domain: Mapped[str | None] = mapped_column(String(255), index=True)
    address: Mapped[str | None] = mapped_column(String(300))
    # "Suite 200": Google's `subpremise`, Yelp's `address2`; apart from the street address.
    address_suite: Mapped[str | None] = mapped_column(String(60))
    city: Mapped[str | None] = mapped_column(String(120))
    state: Mapped[str | None] = mapped_column(String(2), index=True)
    zip: Mapped[str | None] = mapped_column(String(10))
    source: Mapped[str] = mapped_column(String(20), default=TargetSource.manual)
    source_ids: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    google_place_id: Mapped[str | None] = mapped_column(String(200), unique=True)
    yelp_id: Mapped[str | None] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(20), default=TargetStatus.pending, index=True)
    status_reason: Mapped[str | None] = mapped_column(Text)
    # Cross-source identity: normalized business name (+ zip) for matching listings.
    name_key: Mapped[str | None] = mapped_column(String(300), index=True)
    # A BusinessStatus for collected targets, None for manual and imported ones.
    business_status: Mapped[str | None] = mapped_column(String(20))
    latitude: Mapped[float | None] = mapped_column()
    longitude: Mapped[float | None] = mapped_column()
    enrich_attempts: Mapped[int] = mapped_column(default=0)
    enriched_at: Mapped[datetime | None] = mapped_column()
    # Recruiting pipeline (after a reply); history in pipeline_moves.
    pipeline_stage: Mapped[str | None] = mapped_column(String(20), index=True)
    pipeline_refusal_reason: Mapped[str | None] = mapped_column(String(30))
    pipeline_updated_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (
        Index("ix_outreach_targets_created_at", "created_at"),
        Index("ix_outreach_targets_status_updated", "status", "updated_at"),
        # Also indexed, by migration only (SQLite cannot reflect expression indexes, so
        # autogenerate would warn on every check): lower(email) and lower(business_name),
        # what an import looks targets up by (`TargetRepository.get_matching_rows`).
    )

    @property
    def contact_name(self) -> str | None:
        name = " ".join(part for part in (self.first_name, self.last_name) if part)
        return name or None
