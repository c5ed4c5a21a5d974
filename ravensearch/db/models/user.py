from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ravensearch.db.base import Base, IDMixin, TimestampMixin


class Role(StrEnum):
    admin = "admin"
    viewer = "viewer"


class User(IDMixin, TimestampMixin, Base):
    """Someone who signs in to the admin UI; viewers can look, admins can act."""

    __tablename__ = "users"

    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), default=Role.viewer)
    last_login_at: Mapped[datetime | None] = mapped_column()
    disabled_at: Mapped[datetime | None] = mapped_column()


class LoginFailure(IDMixin, Base):
    """One sign-in attempt that did not succeed, kept for the throttle's window: written before
    the password is checked and deleted (with the key's others) when it turns out right.
    Shared by every `serve` process, so the limit holds however many run. The key is a hash:
    no email or IP is stored."""

    __tablename__ = "login_failures"

    key_hash: Mapped[str] = mapped_column(String(64))
    failed_at: Mapped[datetime] = mapped_column()

    __table_args__ = (
        Index("ix_login_failures_key_failed", "key_hash", "failed_at"),
        Index("ix_login_failures_failed_at", "failed_at"),
    )
