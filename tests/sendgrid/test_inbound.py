from __future__ import annotations

import pytest

from ravensearch.sendgrid.inbound import InvalidInbound, message_ids, parse_inbound
from tests.sendgrid.helpers import inbound_form

HEADERS = (
    "Message-ID: <reply-1@mail.example.net>\r\n"
    "In-Reply-To: <step1@ravensearch.test>\r\n"
    "References: <root@ravensearch.test>\r\n <step1@ravensearch.test>\r\n"
    "Subject: Re: Work in Austin\r\n"
)


def test_reads_sender_recipients_text_and_threading() -> None:
    body, content_type = inbound_form(
        headers=HEADERS,
        sender="Pat Smith <Pat@Example.com>",
        to="Jobs <jobs+abc@ravensearch.test>, other@ravensearch.test",
        subject="Re: Work in Austin",
        text="Sounds good, call me.",
        html="<p>Sounds good, call me.</p>",
    )
    mail = parse_inbound(body, content_type)
    assert mail.from_address == "pat@example.com"
    assert mail.to_addresses == ["jobs+abc@ravensearch.test", "other@ravensearch.test"]
    assert (mail.subject, mail.text) == ("Re: Work in Austin", "Sounds good, call me.")
    assert mail.html == "<p>Sounds good, call me.</p>"
    assert mail.message_id == "reply-1@mail.example.net"
    assert mail.in_reply_to == ["step1@ravensearch.test"]
    assert mail.references == ["root@ravensearch.test", "step1@ravensearch.test"]
    assert mail.is_auto_reply is False


def test_fields_are_decoded_with_their_charsets() -> None:
    body, content_type = inbound_form(
        sender="a@b.example", text="Caf\xe9", charsets='{"text": "iso-8859-1"}', encoding="latin-1"
    )
    assert parse_inbound(body, content_type).text == "Caf\xe9"


def test_the_envelope_names_the_sender_when_from_is_missing() -> None:
    body, content_type = inbound_form(envelope='{"to": ["x@y.z"], "from": "pat@example.com"}')
    assert parse_inbound(body, content_type).from_address == "pat@example.com"


@pytest.mark.parametrize(
    "header",
    [
        "Auto-Submitted: auto-replied",
        "Auto-Submitted: auto-generated",
        "X-Autoreply: yes",
        "X-Autorespond: Out of office",
        "Precedence: auto_reply",
        "Precedence: bulk",
    ],
)
def test_auto_replies_are_recognised(header: str) -> None:
    body, content_type = inbound_form(headers=header + "\r\n", sender="a@b.example")
    assert parse_inbound(body, content_type).is_auto_reply is True


@pytest.mark.parametrize("header", ["Auto-Submitted: no", "Precedence: list"])
def test_human_replies_are_not_auto_replies(header: str) -> None:
    body, content_type = inbound_form(headers=header + "\r\n", sender="a@b.example")
    assert parse_inbound(body, content_type).is_auto_reply is False


@pytest.mark.parametrize(
    ("value", "ids"),
    [
        ("<a@b> <c@d>", ["a@b", "c@d"]),
        ("a@b", ["a@b"]),
        ("not an id", []),
        (None, []),
    ],
)
def test_message_ids(value: str | None, ids: list[str]) -> None:
    assert message_ids(value) == ids


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        (b"from=a@b.c", "application/x-www-form-urlencoded", "must be multipart/form-data"),
        (b"--x\r\n", "multipart/form-data", "no multipart boundary"),
        (b"garbage without parts", "multipart/form-data; boundary=zzz", "no form fields"),
    ],
)
def test_a_post_that_is_not_a_form_is_refused(body: bytes, content_type: str, message: str) -> None:
    with pytest.raises(InvalidInbound, match=message):
        parse_inbound(body, content_type)


def test_a_form_without_a_sender_is_refused() -> None:
    body, content_type = inbound_form(subject="hello")
    with pytest.raises(InvalidInbound, match="no 'from' field"):
        parse_inbound(body, content_type)
