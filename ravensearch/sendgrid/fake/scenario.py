"""A believable life for accepted mail, for mock mode and demos: most is delivered, some is
opened and clicked, a few bounce, reply, unsubscribe or report spam. Each message's fate
depends only on its `sg_message_id` and the seed, so replaying the same mail gives the
same story (and the same counters) every time."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ravensearch.sendgrid.fake.simulator import EventKind, SendGridSimulator
from ravensearch.sendgrid.fake.state import FakeMessage

# Shares of all accepted mail; the rest is delivered and left unopened.
BOUNCE = 0.05
SPAM_REPORT = 0.01
UNSUBSCRIBE = 0.02
REPLY = 0.08
CLICK = 0.10
OPEN = 0.40
BLOCKED = 0.02  # of the rest: refused for now by the receiving server, never delivered
# A `bounce` event of type `blocked`, as SendGrid reports a temporary refusal.
BLOCKED_FIELDS = {
    "type": "blocked",
    "status": "4.7.1",
    "reason": "421 4.7.1 Message deferred: too many messages from this sender; try later",
    "bounce_classification": "Reputation",
}
Fate = EventKind | Literal["blocked"]


def fate(message: FakeMessage, seed: int = 0) -> tuple[list[Fate], bool]:
    """The events this message will have, in order, and whether its recipient replies."""
    roll = random.Random(f"{seed}:{message.sg_message_id}").random()
    if roll < BOUNCE:
        return ["processed", "bounce"], False
    delivered: list[Fate] = ["processed", "delivered"]
    roll -= BOUNCE
    if roll < SPAM_REPORT:
        return [*delivered, "open", "spamreport"], False
    roll -= SPAM_REPORT
    if roll < UNSUBSCRIBE:
        return [*delivered, "open", "unsubscribe"], False
    roll -= UNSUBSCRIBE
    if roll < REPLY:
        return [*delivered, "open"], True
    roll -= REPLY
    if roll < CLICK:
        return [*delivered, "open", "click"], False
    roll -= CLICK
    if roll < OPEN:
        return [*delivered, "open"], False
    roll -= OPEN
    if roll < BLOCKED:
        return ["processed", "blocked"], False
    return delivered, False


@dataclass
class Stage:
    """What is posted together: events (signed, in batches), then replies."""

    events: list[dict[str, Any]] = field(default_factory=list)
    replies: list[FakeMessage] = field(default_factory=list)


def stages(
    simulator: SendGridSimulator, messages: Sequence[FakeMessage], *, seed: int = 0
) -> list[Stage]:
    """The messages' lives told over time: stage i holds each message's i-th event, and a
    reply comes one stage after the open that precedes it (a demo's mail is not delivered,
    opened and answered in the same instant)."""
    told: list[Stage] = []
    for message in messages:
        kinds, replied = fate(message, seed)
        while len(told) < len(kinds) + (1 if replied else 0):
            told.append(Stage())
        for index, kind in enumerate(kinds):
            told[index].events.append(_event(simulator, message, kind))
        if replied:
            told[len(kinds)].replies.append(message)
    return told


def merge_stages(upcoming: list[Stage], more: list[Stage]) -> None:
    """Add `more` to `upcoming`, stage by stage (both start now)."""
    for index, stage in enumerate(more):
        if index == len(upcoming):
            upcoming.append(Stage())
        upcoming[index].events += stage.events
        upcoming[index].replies += stage.replies


async def play(
    simulator: SendGridSimulator,
    messages: Sequence[FakeMessage],
    *,
    inbound_secret: str | None = None,
    seed: int = 0,
    batch_size: int = 100,
) -> Counter[str]:
    """Post every message's events (signed, in batches) and, with `inbound_secret`, its
    reply, all at once; returns how many of each were posted. A non-2xx answer is counted
    as `rejected` (SendGrid would retry it later; the demo does not)."""
    whole = Stage()
    for stage in stages(simulator, messages, seed=seed):
        whole.events += stage.events
        whole.replies += stage.replies
    return await post_stage(simulator, whole, inbound_secret=inbound_secret, batch_size=batch_size)


async def post_stage(
    simulator: SendGridSimulator,
    stage: Stage,
    *,
    inbound_secret: str | None = None,
    batch_size: int = 100,
) -> Counter[str]:
    posted: Counter[str] = Counter()
    events = stage.events
    for start in range(0, len(events), batch_size):
        batch = events[start : start + batch_size]
        response = await simulator.post_events(batch)
        if response.is_success:
            posted.update(event["event"] for event in batch)
        else:
            posted["rejected"] += len(batch)
    if inbound_secret is not None:
        for message in stage.replies:
            response = await simulator.post_reply(message, secret=inbound_secret)
            posted["reply" if response.is_success else "rejected"] += 1
    return posted


def _event(simulator: SendGridSimulator, message: FakeMessage, kind: Fate) -> dict[str, Any]:
    if kind == "blocked":
        return simulator.event(message, "bounce", **BLOCKED_FIELDS)
    return simulator.event(message, kind)
