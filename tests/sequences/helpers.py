"""A recording SendGrid double, settings and a SendGrid campaign for sequence tests."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ravensearch.campaigns.schemas import CampaignCreate
from ravensearch.campaigns.sequence import sequence_service
from ravensearch.config import Settings
from ravensearch.db.models import Campaign, Target, TargetStatus
from ravensearch.db.session import unit_of_work
from ravensearch.dispatch.service import dispatch_service
from ravensearch.sendgrid.mail import Accepted, MailBatch

Sessionmaker = async_sessionmaker[AsyncSession]
POSTAL = "Ravensearch Inc., 100 Main St, Austin, TX 78701"
# A winter Wednesday at 15:00 UTC: 09:00 in Texas (CST), 07:00 in California (PST). Far
# ahead, because dispatching makes step 1 due at the real "now".
WEDNESDAY_9_TEXAS = datetime(2036, 1, 2, 15, 0, tzinfo=UTC)


class RecordingSender:
    """Implements MailSender: records each batch; raises the queued errors first, in order."""

    def __init__(self) -> None:
        self.batches: list[MailBatch] = []
        self.raise_next: list[BaseException] = []
        # Runs during the call (what happens elsewhere while SendGrid answers).
        self.during_call: Callable[[], Awaitable[None]] | None = None
        self._ids = itertools.count(1)

    async def aclose(self) -> None:
        """Like the client's: the runtime closes what its factory built."""

    async def send(self, batch: MailBatch) -> Accepted:
        if self.raise_next:
            raise self.raise_next.pop(0)
        if self.during_call is not None:
            await self.during_call()
        self.batches.append(batch)
        return Accepted(message_id=f"sg-{next(self._ids)}")

    @property
    def recipients(self) -> list[tuple[str, str]]:
        """(dispatch id, step) of every email handed over."""
        return [
            (p.custom_args["dispatch_id"], p.custom_args["step"])
            for b in self.batches
            for p in b.personalizations
        ]


def sequence_settings() -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        ENV="testing",
        SENDER_POSTAL_ADDRESS=POSTAL,
        PUBLIC_URL="https://raven.example.com",
        SECRET_KEY="test-secret-key-for-tokens",
    )


STEPS = [
    {"subject": "Work in {{ city }}, {{ first_name }}?", "body": "Hi {{ first_name }},\n"
     "{{ business_name }} looks great.", "delayDays": 0},
    {"subject": "Following up", "body": "Any thoughts, {{ first_name }}?", "delayDays": 2},
]  # fmt: skip


async def create_sendgrid_campaign(sessionmaker: Sessionmaker, **kw: Any) -> Campaign:
    body: dict[str, Any] = {
        "channel": "sendgrid",
        "name": f"Plumbers {uuid.uuid4().hex[:6]}",
        "fromEmail": "jobs@raven.example.com",
        "fromName": "Raven Jobs",
        "replyTo": "replies@raven.example.com",
        "steps": STEPS,
    }
    body.update(kw)
    async with unit_of_work(sessionmaker) as session:
        return await sequence_service.create(session, CampaignCreate.model_validate(body))


async def add_targets(session: AsyncSession, count: int, **kw: Any) -> list[uuid.UUID]:
    """`count` completed technicians in one statement (Texas unless said otherwise)."""
    rows = [
        {
            "id": uuid.uuid4(),
            "business_name": f"Acme Plumbing {n}",
            "first_name": "Pat",
            "trade": "plumbing",
            "state": "TX",
            "city": "Austin",
            "email": f"owner{n}-{uuid.uuid4().hex[:6]}@acme{n}.example.com",
            "source": "manual",
            "status": TargetStatus.completed,
            "source_ids": {},
            "enrich_attempts": 0,
            "created_at": datetime.now(UTC),
            "updated_at": datetime.now(UTC),
            **kw,
        }
        for n in range(count)
    ]
    await session.execute(insert(Target), rows)
    return [r["id"] for r in rows]


async def dispatch(
    sessionmaker: Sessionmaker, campaign: Campaign, target_ids: list[uuid.UUID]
) -> None:
    async with unit_of_work(sessionmaker) as session:
        await dispatch_service.record(session, campaign=campaign, target_ids=target_ids)
