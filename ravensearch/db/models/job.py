from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ravensearch.db.base import Base, IDMixin, TimestampMixin


class JobKind(StrEnum):
    collect = "collect"
    enrich = "enrich"
    dispatch = "dispatch"
    import_csv = "import"
    sync = "sync"


class JobState(StrEnum):
    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"


class Job(IDMixin, TimestampMixin, Base):
    """A background job as the user sees it: what was asked, how far it got, what it found."""

    __tablename__ = "jobs"

    kind: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20), default=JobState.queued)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    progress_done: Mapped[int] = mapped_column(default=0)
    progress_total: Mapped[int | None] = mapped_column()
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    errors: Mapped[list[str]] = mapped_column(JSON, default=list)
    message: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    # Written by every progress flush while the job runs: a running job whose heartbeat is
    # old has lost its worker (killed, crashed) and is resumed by the sweep.
    heartbeat_at: Mapped[datetime | None] = mapped_column()
    # "host:pid" of the process running it, so a restarted worker resumes its own orphans.
    runner: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (Index("ix_jobs_state_updated", "state", "updated_at"),)
