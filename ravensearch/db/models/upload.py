from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from ravensearch.db.base import Base, IDMixin, TimestampMixin


class Upload(IDMixin, TimestampMixin, Base):
    """A file kept until the job that reads it has finished, so a restart resumes the job.

    The `rows_done` … `skipped` checkpoint is written in the transaction of each imported
    chunk: a resumed import starts after the last committed row and its counts carry on.
    """

    __tablename__ = "uploads"

    filename: Mapped[str] = mapped_column(String(300))
    size_bytes: Mapped[int] = mapped_column()
    rows_estimate: Mapped[int] = mapped_column(default=0)
    rows_done: Mapped[int] = mapped_column(default=0)
    imported: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)


class UploadPart(Base):
    """One piece of an upload (a row each, so neither side holds the whole file in memory)."""

    __tablename__ = "upload_parts"

    upload_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("uploads.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
