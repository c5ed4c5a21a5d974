from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from ravensearch.events.parsing import InvalidDelivery, dedupe_key, parse_delivery
from tests.fixtures.factories import instantly_event

CAMPAIGN = "5f1c2a4e-8d3b-4c7a-9e21-0a6b7c8d9e0f"


def body(payload: object) -> bytes:
    return json.dumps(payload).encode()


class TestParseDelivery:
    def test_indexes_the_fields(self) -> None:
        payload = instantly_event(
            "reply_received",
            campaign_id=CAMPAIGN,
            email=None,
            lead_email="Owner@Acme.Example.com",
            timestamp="2026-11-27T10:15:00.000Z",
        )
        delivery = parse_delivery(body(payload))
        assert delivery.event_type == "reply_received"
        assert delivery.instantly_campaign_id == CAMPAIGN
        assert delivery.lead_email == "owner@acme.example.com"
        assert delivery.occurred_at == datetime(2026, 11, 27, 10, 15, tzinfo=UTC)
        assert json.loads(delivery.raw_body) == payload
        assert len(delivery.dedupe_key) == 64

    def test_email_used_when_lead_email_missing(self) -> None:
        delivery = parse_delivery(body({"event_type": "email_opened", "email": "A@B.example"}))
        assert delivery.lead_email == "a@b.example"

    def test_unparseable_timestamp_is_none(self) -> None:
        delivery = parse_delivery(body({"event_type": "email_opened", "timestamp": "soon"}))
        assert delivery.occurred_at is None

    @pytest.mark.parametrize(
        "timestamp", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"]
    )
    def test_timestamp_with_no_utc_equivalent_is_unknown(self, timestamp: str) -> None:
        # In UTC these fall in year 0 and year 10000: the time is unknown, the raw text kept.
        raw = body({"event_type": "email_opened", "timestamp": timestamp})
        delivery = parse_delivery(raw)
        assert delivery.occurred_at is None
        assert timestamp in delivery.raw_body
        other = body({"event_type": "email_opened", "timestamp": "0001-01-01T00:00:00+13:00"})
        assert parse_delivery(other).dedupe_key != delivery.dedupe_key

    @pytest.mark.parametrize(
        ("raw", "message"),
        [
            (b"{not json", "not valid JSON"),
            (b"\xff\xfe", "not UTF-8"),
            (b"[1, 2]", "JSON object"),
            (b'"email_sent"', "JSON object"),
            (b"{}", "event_type"),
            (b'{"event_type": ""}', "event_type"),
            (b'{"event_type": 3}', "event_type"),
            (b'{"event_type": "email_sent", "campaign_id": {"a": 1}}', "campaign_id"),
            (b'{"event_type": "email_sent", "campaign_id": "' + b"x" * 65 + b'"}', "campaign_id"),
            (b'{"event_type": "email_sent", "lead_email": "a\\u0000@b.com"}', "NUL"),
            (b'{"event_type": "email_sent", "lead_email": "\\ud800@b.com"}', "surrogates"),
            (b"[" * 100_000, "not valid JSON"),
        ],
    )
    def test_rejects_bad_bodies(self, raw: bytes, message: str) -> None:
        with pytest.raises(InvalidDelivery, match=message):
            parse_delivery(raw)


class TestDedupeKey:
    def base(self, **overrides: object) -> dict[str, object]:
        payload = instantly_event("email_opened", campaign_id=CAMPAIGN, email="a@b.com")
        payload.update(overrides)
        return payload

    def test_same_delivery_same_key(self) -> None:
        assert dedupe_key(self.base()) == dedupe_key(json.loads(json.dumps(self.base())))

    def test_ignores_fields_that_do_not_identify_the_event(self) -> None:
        assert dedupe_key(self.base()) == dedupe_key(self.base(firstName="Pat", is_first=False))

    def test_lead_email_case_and_step_type_do_not_matter(self) -> None:
        assert dedupe_key(self.base(lead_email="A@B.com", step=1)) == dedupe_key(
            self.base(step="1")
        )

    def test_synonym_event_types_share_a_key(self) -> None:
        clicked = dedupe_key(self.base(event_type="link_clicked"))
        assert clicked == dedupe_key(self.base(event_type="email.clicked"))

    def test_equal_instants_share_a_key(self) -> None:
        assert dedupe_key(self.base(timestamp="2026-11-27T10:00:00Z")) == dedupe_key(
            self.base(timestamp="2026-11-27T10:00:00.000+00:00")
        )

    @pytest.mark.parametrize(
        "change",
        [
            {"event_type": "email_sent"},
            {"campaign_id": "another"},
            {"lead_email": "c@d.com", "email": "c@d.com"},
            {"email_id": "another"},
            {"step": 2},
            {"variant": 2},
            {"timestamp": "2026-11-27T10:00:01.000Z"},
        ],
    )
    def test_each_identifying_field_changes_the_key(self, change: dict[str, object]) -> None:
        assert dedupe_key(self.base()) != dedupe_key(self.base(**change))

    def test_custom_types_keyed_on_whole_body(self) -> None:
        first = {"event_type": "Hot prospect", "campaign_id": CAMPAIGN, "note": "a"}
        second = {**first, "note": "b"}
        reordered = dict(reversed(list(first.items())))
        assert dedupe_key(first) != dedupe_key(second)
        assert dedupe_key(first) == dedupe_key(reordered)
