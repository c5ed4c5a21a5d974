"""Smoke test of the webhook benchmark's own parts: the event mix and the raw HTTP client."""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from collections import Counter
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
if str(BENCHMARKS) not in sys.path:
    sys.path.insert(0, str(BENCHMARKS))

import _openloop
import _webhook_events

from ravensearch.events.parsing import parse_delivery

LEADS = [
    {
        "id": uuid.uuid4(),
        "email": f"owner{i}@tech.example.com",
        "first_name": "Pat",
        "last_name": "Lee",
        "business_name": "HVAC Pros",
        "trade": "hvac",
        "city": "Austin",
        "state": "TX",
    }
    for i in range(50)
]


def test_events_parse_follow_the_mix_and_include_redeliveries() -> None:
    factory = _webhook_events.EventFactory(LEADS, seed=1)
    bodies = [factory.body() for _ in range(4000)]
    kinds = Counter(parse_delivery(body).event_type for body in bodies)
    assert set(kinds) == set(_webhook_events.EVENT_MIX)
    assert 0.40 < kinds["email_sent"] / len(bodies) < 0.50
    keys = Counter(parse_delivery(body).dedupe_key for body in bodies)
    assert 0.02 < (len(bodies) - len(keys)) / len(bodies) < 0.04
    assert factory.duplicates == len(bodies) - len(keys)
    reply = next(json.loads(b) for b in bodies if b"reply_received" in b)
    assert reply["reply_text_snippet"]
    assert reply["unibox_url"]


async def test_connection_reads_keep_alive_responses_by_content_length() -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for status, body in ((200, b'{"ok":true}'), (503, b"")):
            await reader.readuntil(b"\r\n\r\n")
            writer.write(
                b"HTTP/1.1 %d X\r\nContent-Type: a/b\r\nContent-Length: %d\r\n\r\n%s"
                % (status, len(body), body)
            )
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        (conn,) = await _openloop.connect_all(port, 1)
        request = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
        assert await conn.request(request) == (200, b'{"ok":true}')
        assert await conn.request(request) == (503, b"")
        conn.close()
