from __future__ import annotations

import json

import pytest

from ravensearch.sendgrid.events import InvalidEventBatch, parse_event_batch


def test_reads_the_fields_and_custom_args_of_each_event() -> None:
    body = [
        {
            "email": "Pat@Example.com",
            "timestamp": 1_800_000_000,
            "event": "delivered",
            "sg_event_id": "ev-1",
            "sg_message_id": "msg.filter0001",
            "dispatch_id": "d-1",
            "campaign_id": "c-1",
            "step": 2,
        },
        {"event": "bounce", "reason": "550 no such user", "timestamp": "1800000001"},
    ]
    first, second = parse_event_batch(json.dumps(body).encode())
    assert (first.event, first.email, first.timestamp) == (
        "delivered",
        "Pat@Example.com",
        1_800_000_000,
    )
    assert (first.sg_event_id, first.sg_message_id) == ("ev-1", "msg.filter0001")
    assert (first.dispatch_id, first.campaign_id, first.step) == ("d-1", "c-1", "2")
    assert first.raw == body[0]
    assert (second.reason, second.timestamp, second.sg_event_id) == (
        "550 no such user",
        1_800_000_001,
        None,
    )


def test_an_empty_batch_is_no_events() -> None:
    assert parse_event_batch(b"[]") == []


@pytest.mark.parametrize("timestamp", ["soon", True, None, -5, 1e20, float("nan")])
def test_an_unreadable_time_is_none(timestamp: object) -> None:
    [event] = parse_event_batch(json.dumps([{"event": "open", "timestamp": timestamp}]).encode())
    assert event.timestamp is None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"\xff[]", "not UTF-8"),
        (b"[{", "not valid JSON"),
        (b'{"event": "open"}', "must be a JSON array"),
        (b'[{"event": "open"}, 3]', "Event 1 is not a JSON object"),
        (b'[{"email": "a@b.c"}]', "Event 0 has no 'event' string"),
        (b'[{"event": "  "}]', "Event 0 has no 'event' string"),
        (b"[" * 100_000, "not valid JSON"),
    ],
)
def test_a_bad_body_says_what_is_wrong(body: bytes, message: str) -> None:
    with pytest.raises(InvalidEventBatch, match=message):
        parse_event_batch(body)
