from __future__ import annotations

import json

from ravensearch.events.sendgrid_deliveries import (
    MAX_REPLY_TEXT,
    event_deliveries,
    inbound_delivery,
)
from ravensearch.kit.text import is_storable_text
from ravensearch.sendgrid.events import parse_event_batch
from ravensearch.sendgrid.inbound import InboundEmail


def _events(*events: dict[str, object]) -> list:
    return event_deliveries(parse_event_batch(json.dumps(list(events)).encode()))


def _mail(**kw: object) -> InboundEmail:
    values: dict[str, object] = {
        "from_address": "pat@example.com",
        "to_addresses": ["jobs@ravensearch.test"],
        "subject": "Re: hello",
        "text": "Yes",
        "html": None,
        "message_id": "m1@example.net",
        "in_reply_to": [],
        "references": [],
        "is_auto_reply": False,
        "headers": "",
    }
    values.update(kw)
    return InboundEmail(**values)  # type: ignore[arg-type]


class TestEvents:
    def test_each_event_is_a_row_keyed_by_its_sg_event_id(self) -> None:
        first, second = _events(
            {"event": "open", "sg_event_id": "a", "email": "Pat@Example.COM", "timestamp": 0},
            {"event": "open", "sg_event_id": "b", "email": "pat@example.com"},
        )
        assert first.source == "sendgrid"
        assert (first.event_type, first.lead_email) == ("open", "pat@example.com")
        assert first.occurred_at is not None
        assert first.occurred_at.timestamp() == 0
        assert first.dedupe_key != second.dedupe_key
        # A redelivery may differ in what SendGrid adds; the id is the identity.
        [again] = _events({"event": "open", "sg_event_id": "a", "email": "x@y.z", "tls": 1})
        assert again.dedupe_key == first.dedupe_key

    def test_without_an_id_the_whole_event_is_its_identity(self) -> None:
        one, same, other = _events(
            {"event": "open", "email": "a@b.c", "timestamp": 5},
            {"timestamp": 5, "email": "a@b.c", "event": "open"},
            {"event": "open", "email": "a@b.c", "timestamp": 6},
        )
        assert one.dedupe_key == same.dedupe_key != other.dedupe_key

    def test_stored_text_is_always_storable_and_bounded(self) -> None:
        [row] = _events(
            {"event": "open\u0000" + "x" * 200, "email": "a" * 400 + "@b.c", "note": "\ud800"}
        )
        assert is_storable_text(row.raw_body)
        assert is_storable_text(row.event_type)
        assert len(row.event_type) == 80
        assert row.lead_email is None
        assert json.loads(row.raw_body)["note"] == "\ud800"  # kept, escaped


class TestInbound:
    def test_a_reply_is_keyed_by_its_message_id(self) -> None:
        row = inbound_delivery(_mail())
        assert (row.source, row.event_type, row.lead_email) == (
            "sendgrid_inbound",
            "reply",
            "pat@example.com",
        )
        assert row.dedupe_key == inbound_delivery(_mail(text="edited")).dedupe_key
        assert row.dedupe_key != inbound_delivery(_mail(message_id="m2@example.net")).dedupe_key

    def test_without_a_message_id_the_same_content_is_the_same_reply(self) -> None:
        one = inbound_delivery(_mail(message_id=None))
        assert one.dedupe_key == inbound_delivery(_mail(message_id=None)).dedupe_key
        assert one.dedupe_key != inbound_delivery(_mail(message_id=None, text="No")).dedupe_key

    def test_text_parts_are_bounded_and_storable(self) -> None:
        row = inbound_delivery(_mail(text="y" * (MAX_REPLY_TEXT * 2), html="<p>\u0000</p>"))
        payload = json.loads(row.raw_body)
        assert len(payload["text"]) == MAX_REPLY_TEXT
        assert payload["html"] == "<p></p>"
        assert payload["auto_reply"] is False
