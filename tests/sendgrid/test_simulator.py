"""The event simulator: signed batches that `signature.verify` accepts (and stale or forged ones
it refuses), documented event fields, and Inbound Parse replies threaded to the original."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from email.parser import HeaderParser
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request

from ravensearch.sendgrid.client import SendGridClient
from ravensearch.sendgrid.fake import FakeMessage, FakeSendGrid, SendGridSimulator, fate, play
from ravensearch.sendgrid.fake.scenario import merge_stages, stages
from ravensearch.sendgrid.signature import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    BadSignature,
    generate_key_pair,
    load_public_key,
    verify,
)
from tests.sendgrid.conftest import ClientFactory, make_batch

RECEIVER = "http://ravensearch.test"


class Received:
    def __init__(self) -> None:
        self.events: list[tuple[dict[str, str], bytes]] = []
        self.inbound: list[tuple[str, dict[str, str], str]] = []


@pytest.fixture
def received() -> Received:
    return Received()


@pytest.fixture
async def simulator(received: Received) -> AsyncIterator[SendGridSimulator]:
    """A simulator posting to a stand-in for Ravensearch's two webhook endpoints."""
    app = FastAPI()

    @app.post("/api/webhooks/sendgrid")
    async def events(request: Request) -> dict[str, str]:
        received.events.append((dict(request.headers), await request.body()))
        return {}

    @app.post("/api/webhooks/sendgrid/inbound/{secret}")
    async def inbound(secret: str, request: Request) -> dict[str, str]:
        form = await request.form()
        fields = {name: str(value) for name, value in form.items()}
        received.inbound.append((secret, fields, request.headers["content-type"]))
        return {}

    sim = SendGridSimulator(base_url=RECEIVER, transport=httpx.ASGITransport(app))
    yield sim
    await sim.aclose()


@pytest.fixture
async def messages(fake: FakeSendGrid, make_client: ClientFactory) -> list[FakeMessage]:
    client: SendGridClient = make_client()
    await client.send(make_batch(2))
    return list(fake.messages)


def _verify(simulator: SendGridSimulator, headers: dict[str, str], body: bytes) -> None:
    verify(
        load_public_key(simulator.public_key),
        signature=headers.get(SIGNATURE_HEADER.lower()),
        timestamp=headers.get(TIMESTAMP_HEADER.lower()),
        body=body,
        now=time.time(),
    )


class TestSignedEvents:
    async def test_a_batch_verifies_with_the_simulators_public_key(
        self, simulator: SendGridSimulator, messages: list[FakeMessage], received: Received
    ) -> None:
        events = simulator.events_for(messages, ["processed", "delivered", "open"])
        response = await simulator.post_events(events)
        assert response.status_code == 200
        headers, body = received.events[0]
        _verify(simulator, headers, body)
        assert json.loads(body) == events
        assert headers["content-type"] == "application/json"

    @pytest.mark.parametrize(
        ("signing", "says"),
        [("stale", "away from now"), ("forged", "does not match"), ("unsigned", "missing")],
    )
    async def test_stale_forged_and_unsigned_batches_are_refused_by_verify(
        self,
        simulator: SendGridSimulator,
        messages: list[FakeMessage],
        received: Received,
        signing: Any,
        says: str,
    ) -> None:
        await simulator.post_events([simulator.event(messages[0], "bounce")], signing=signing)
        headers, body = received.events[0]
        with pytest.raises(BadSignature, match=says):
            _verify(simulator, headers, body)

    async def test_a_given_private_key_signs_as_its_public_half(self) -> None:
        private, public = generate_key_pair()
        async with SendGridSimulator(base_url=RECEIVER, private_key=private) as simulator:
            assert simulator.public_key == public


class TestEventFields:
    @pytest.mark.parametrize(
        ("kind", "documented"),
        [
            ("processed", set()),
            ("deferred", {"response", "attempt"}),
            ("delivered", {"response", "ip"}),
            ("open", {"useragent", "ip", "sg_machine_open"}),
            ("click", {"url", "useragent", "ip"}),
            ("bounce", {"reason", "status", "type"}),
            ("dropped", {"reason"}),
            ("spamreport", set()),
            ("unsubscribe", set()),
            ("group_unsubscribe", {"asm_group_id"}),
            ("group_resubscribe", {"asm_group_id"}),
        ],
    )
    def test_each_kind_has_the_common_and_its_own_fields(
        self,
        simulator: SendGridSimulator,
        messages: list[FakeMessage],
        kind: Any,
        documented: set[str],
    ) -> None:
        message = messages[1]
        event = simulator.event(message, kind)
        common = {"email", "timestamp", "event", "sg_event_id", "sg_message_id"}
        assert common | documented <= set(event)
        assert event["event"] == kind
        assert event["email"] == message.to
        assert event["sg_message_id"] == message.sg_message_id
        assert event["sg_message_id"].startswith(message.x_message_id)
        # custom_args travel as top-level keys: how Ravensearch finds the dispatch.
        assert (event["dispatch_id"], event["step"], event["campaign_id"]) == ("d-1", "1", "c-1")

    def test_every_event_has_its_own_id_and_extra_fields_override(
        self, simulator: SendGridSimulator, messages: list[FakeMessage]
    ) -> None:
        events = simulator.events_for(messages, ["delivered", "open", "click"])
        assert len({e["sg_event_id"] for e in events}) == len(events) == 6
        dropped = simulator.event(messages[0], "dropped", reason="Unsubscribed Address")
        assert dropped["reason"] == "Unsubscribed Address"


class TestInboundReply:
    async def test_the_reply_is_multipart_and_threads_to_the_original(
        self, simulator: SendGridSimulator, messages: list[FakeMessage], received: Received
    ) -> None:
        original = messages[0]
        await simulator.post_reply(original, secret="s3cret", text="Sure, call me.")
        secret, fields, content_type = received.inbound[0]
        assert secret == "s3cret"
        assert content_type.startswith("multipart/form-data")
        headers = HeaderParser().parsestr(fields["headers"])
        assert (
            headers["In-Reply-To"]
            == original.message_id_header
            == "<d0.s1@mail.ravensearch.example>"
        )
        assert headers["References"] == original.message_id_header
        assert headers["Message-ID"] != original.message_id_header
        assert fields["from"] == original.to
        assert fields["to"] == "replies@crew-hiring.example"
        assert fields["subject"] == f"Re: {original.subject}"
        assert fields["text"].startswith("Sure, call me.")
        assert "> Hi Tech 0, we hire in Austin." in fields["text"]
        assert json.loads(fields["envelope"]) == {"to": [fields["to"]], "from": original.to}
        assert json.loads(fields["charsets"])["text"] == "UTF-8"
        assert {"html", "SPF", "dkim"} <= set(fields)


class TestScenario:
    async def test_play_posts_a_stable_believable_mix(
        self,
        fake: FakeSendGrid,
        make_client: ClientFactory,
        received: Received,
        simulator: SendGridSimulator,
    ) -> None:
        client: SendGridClient = make_client()
        await client.send(make_batch(400))
        posted = await play(simulator, fake.messages, inbound_secret="s", seed=7, batch_size=50)

        assert posted["processed"] == 400
        assert posted["delivered"] + posted["bounce"] == 400
        assert 5 <= posted["bounce"] <= 40
        assert 10 <= posted["reply"] <= 60
        assert posted["open"] > posted["click"] > 0
        assert "rejected" not in posted
        assert len(received.inbound) == posted["reply"]
        for headers, body in received.events:
            _verify(simulator, headers, body)
        assert max(len(json.loads(body)) for _, body in received.events) == 50
        # The same mail and seed tell the same story.
        again = [fate(m, seed=7) for m in fake.messages]
        assert again == [fate(m, seed=7) for m in fake.messages]
        assert again != [fate(m, seed=8) for m in fake.messages]

    async def test_stages_tell_each_life_in_order_with_the_reply_after_the_open(
        self, fake: FakeSendGrid, make_client: ClientFactory, simulator: SendGridSimulator
    ) -> None:
        client: SendGridClient = make_client()
        await client.send(make_batch(300))
        told = stages(simulator, fake.messages, seed=7)
        assert len(told) >= 4
        for message in fake.messages:
            kinds, replied = fate(message, seed=7)
            mine = [
                [e["event"] for e in stage.events if e["sg_message_id"] == message.sg_message_id]
                for stage in told
            ]
            # One event per stage, in the order of the message's life.
            assert [names for names in mine if names] == [[k] for k in _named(kinds)]
            answered = [i for i, stage in enumerate(told) if message in stage.replies]
            assert answered == ([len(kinds)] if replied else [])
        # Two stages merged into what is still to come line up stage by stage.
        upcoming = stages(simulator, fake.messages[:100], seed=7)
        merge_stages(upcoming, stages(simulator, fake.messages[100:], seed=7))
        assert [len(s.events) for s in upcoming] == [len(s.events) for s in told]
        assert [len(s.replies) for s in upcoming] == [len(s.replies) for s in told]


def _named(kinds: list[Any]) -> list[str]:
    """A fate's kinds as the events' names (a block is a `bounce` event)."""
    return ["bounce" if kind == "blocked" else kind for kind in kinds]
