from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ravensearch.db.base import Base, CreatedMixin, IDMixin


class AuditEntry(IDMixin, CreatedMixin, Base):
    """Who did what to a sensitive record (suppression removals, secret rotations …)."""

    __tablename__ = "audit_log"

    action: Mapped[str] = mapped_column(String(60), index=True)
    subject: Mapped[str] = mapped_column(String(320))
    detail: Mapped[str | None] = mapped_column(Text)
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    user_email: Mapped[str | None] = mapped_column(String(320))


class AppSetting(Base):
    """Settings changed from the UI at run time (e.g. a rotated webhook secret)."""

    __tablename__ = "app_settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
