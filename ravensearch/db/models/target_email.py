from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ravensearch.db.base import Base, CreatedMixin, IDMixin


class TargetEmail(IDMixin, CreatedMixin, Base):
    """An address found for a target: how, where, and what checking it said."""

    __tablename__ = "target_emails"

    target_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("outreach_targets.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(320))
    method: Mapped[str] = mapped_column(String(30))
    page_url: Mapped[str | None] = mapped_column(String(1000))
    on_own_domain: Mapped[bool] = mapped_column(default=False)
    is_role: Mapped[bool] = mapped_column(default=False)
    is_free: Mapped[bool] = mapped_column(default=False)
    is_disposable: Mapped[bool] = mapped_column(default=False)
    mx_ok: Mapped[bool | None] = mapped_column()
    verdict: Mapped[str] = mapped_column(String(20))  # valid | risky | invalid
    reason: Mapped[str | None] = mapped_column(String(300))
    score: Mapped[int] = mapped_column(default=0)
    chosen: Mapped[bool] = mapped_column(default=False)

    __table_args__ = (UniqueConstraint("target_id", "email"),)
