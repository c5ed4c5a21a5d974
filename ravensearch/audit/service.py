"""Append entries to the audit log; callers own the transaction."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from ravensearch.db.models import AuditEntry, User


class AuditService:
    async def record(
        self,
        session: AsyncSession,
        *,
        action: str,
        subject: str,
        user: User | None,
        detail: str | None = None,
    ) -> AuditEntry:
        """Add one entry (flushed). `action` is dotted (`webhook_secret.rotated`); never
        put a secret in `subject` or `detail`."""
        entry = AuditEntry(
            action=action,
            subject=subject[:320],
            detail=detail,
            user_id=user.id if user else None,
            user_email=user.email if user else None,
        )
        session.add(entry)
        await session.flush()
        return entry


audit_service = AuditService()
