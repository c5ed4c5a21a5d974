from __future__ import annotations

from enum import StrEnum

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ravensearch.db.base import Base, CreatedMixin, IDMixin


class SuppressionKind(StrEnum):
    email = "email"
    domain = "domain"


class Suppression(IDMixin, CreatedMixin, Base):
    """An email or a whole domain that must never be dispatched."""

    __tablename__ = "suppressions"

    value: Mapped[str] = mapped_column(String(320), unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(30))
