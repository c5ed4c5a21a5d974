from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ravensearch.events.kinds import (
    EventKind,
    canonical_type,
    classify,
    classify_sendgrid,
    resolve_status,
)

T0 = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


class TestClassify:
    @pytest.mark.parametrize(
        ("event_type", "kind"),
        [
            ("email_sent", EventKind.sent),
            ("email.sent", EventKind.sent),
            ("email_opened", EventKind.opened),
            ("email.opened", EventKind.opened),
            ("link_clicked", EventKind.clicked),
            ("email_link_clicked", EventKind.clicked),
            ("email.clicked", EventKind.clicked),
            ("reply_received", EventKind.replied),
            ("email.replied", EventKind.replied),
            ("auto_reply_received", EventKind.auto_replied),
            ("email_bounced", EventKind.bounced),
            ("email.bounced", EventKind.bounced),
            ("lead_unsubscribed", EventKind.unsubscribed),
            ("campaign_completed", EventKind.campaign_completed),
            ("account_error", EventKind.account_error),
            ("lead_interested", EventKind.interest),
            ("lead_no_show", EventKind.interest),
            ("Hot prospect", EventKind.unknown),
            ("supersearch_enrichment_completed", EventKind.unknown),
        ],
    )
    def test_known_names(self, event_type: str, kind: EventKind) -> None:
        assert classify(event_type) is kind

    def test_case_and_spaces_ignored(self) -> None:
        assert classify(" Email_Opened ") is EventKind.opened

    def test_synonyms_share_one_canonical_name(self) -> None:
        assert canonical_type("link_clicked") == canonical_type("email.clicked") == "clicked"
        assert canonical_type("lead_interested") == "lead_interested"
        assert canonical_type("My Label") == "My Label"


class TestResolveStatus:
    def test_moves_forward_with_each_timestamp(self) -> None:
        assert resolve_status("pending") == "pending"
        assert resolve_status("pending", sent_at=at(0)) == "sent"
        assert resolve_status("sent", sent_at=at(0), opened_at=at(1)) == "opened"
        assert resolve_status("opened", clicked_at=at(2)) == "clicked"
        assert resolve_status("clicked", replied_at=at(3)) == "replied"

    def test_never_moves_back(self) -> None:
        # A late "opened" after a reply keeps the dispatch replied.
        assert resolve_status("replied", opened_at=at(5)) == "replied"
        assert resolve_status("clicked", sent_at=at(0)) == "clicked"

    def test_order_of_timestamps_does_not_matter(self) -> None:
        # Replied although the reply's timestamp is older than the open's.
        assert resolve_status("pending", opened_at=at(9), replied_at=at(1)) == "replied"

    @pytest.mark.parametrize("current", ["pending", "sent", "opened", "clicked", "replied"])
    def test_bounce_is_terminal(self, current: str) -> None:
        status = resolve_status(current, replied_at=at(9), bounced_at=at(1))
        assert status == "bounced"

    def test_unsubscribe_is_terminal(self) -> None:
        assert resolve_status("replied", replied_at=at(0), unsubscribed_at=at(1)) == "unsubscribed"

    def test_terminal_status_kept_without_timestamps(self) -> None:
        assert resolve_status("bounced", opened_at=at(1), replied_at=at(2)) == "bounced"

    def test_earliest_terminal_wins(self) -> None:
        assert resolve_status("sent", bounced_at=at(2), unsubscribed_at=at(1)) == "unsubscribed"
        assert resolve_status("sent", bounced_at=at(1), unsubscribed_at=at(2)) == "bounced"
        assert resolve_status("sent", bounced_at=at(1), unsubscribed_at=at(1)) == "bounced"


@pytest.mark.parametrize(
    ("event_type", "bounce_type", "kind"),
    [
        ("bounce", "bounce", EventKind.bounced),
        ("bounce", None, EventKind.bounced),
        ("bounce", "blocked", EventKind.blocked),
        ("Bounce", " Blocked ", EventKind.blocked),
        ("dropped", "blocked", EventKind.dropped),
        ("deferred", None, EventKind.unknown),
    ],
)
def test_a_sendgrid_bounce_is_permanent_unless_its_type_says_blocked(
    event_type: str, bounce_type: object, kind: EventKind
) -> None:
    assert classify_sendgrid(event_type, bounce_type) is kind
