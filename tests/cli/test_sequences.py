"""`campaigns add --channel sendgrid`, `campaigns preview`, `sequences send-due / resend`."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from click.testing import Result
from sqlalchemy import select
from typer.testing import CliRunner

from ravensearch import runtime as runtime_module
from ravensearch.cli import app
from ravensearch.config import get_settings
from ravensearch.db.models import Campaign, EmailSend, SendState
from ravensearch.db.session import unit_of_work
from ravensearch.sendgrid.errors import SendGridUncertain
from tests.sequences.helpers import POSTAL, STEPS, RecordingSender, Sessionmaker, add_targets

pytestmark = pytest.mark.usefixtures("cli_env")


async def _invoke(*args: str) -> Result:
    return await asyncio.to_thread(CliRunner().invoke, app, list(args))


@pytest.fixture
def sender(monkeypatch: pytest.MonkeyPatch) -> RecordingSender:
    """What the runtime's SendGrid factory builds in these tests."""
    double = RecordingSender()
    monkeypatch.setattr(runtime_module, "build_mail_sender", lambda settings, mock=None: double)
    monkeypatch.setenv("RAVENSEARCH_SENDER_POSTAL_ADDRESS", POSTAL)
    get_settings.cache_clear()
    return double


async def _add(tmp_path: Path, *extra: str) -> Result:
    steps = tmp_path / "steps.json"
    steps.write_text(json.dumps(STEPS), encoding="utf-8")
    return await _invoke(
        "campaigns", "add", "--channel", "sendgrid", "--name", "Plumbers",
        "--from", "jobs@raven.example.com", "--window", "0-24", "--any-day",
        "--step-file", str(steps), *extra,
    )  # fmt: skip


async def test_add_a_sendgrid_campaign_from_a_step_file(
    tmp_path: Path, sessionmaker: Sessionmaker
) -> None:
    result = await _add(tmp_path, "--daily-cap", "50")
    assert result.exit_code == 0, result.output
    assert "channel:      sendgrid" in result.output
    async with sessionmaker() as session:
        [campaign] = (await session.scalars(select(Campaign))).all()
    assert (campaign.channel, campaign.daily_cap, campaign.weekdays_only) == ("sendgrid", 50, False)


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (("--from", "nobody"), "--from: 'nobody' is not a valid email address."),
        (("--window", "9-late"), "--window '9-late': write local hours as START-END"),
        (("--step", '{"subject": "Hi {{ nick }}", "body": "x"}'),
         "unknown template variable(s) nick"),
        (("--step", "{not json"), "A step is not valid JSON"),
    ],
)  # fmt: skip
async def test_bad_input_is_one_readable_line(
    tmp_path: Path, extra: tuple[str, ...], words: str
) -> None:
    result = await _add(tmp_path, *extra)
    assert result.exit_code == 2
    assert words in " ".join(result.output.split())
    assert "Traceback" not in result.output


async def test_preview_send_due_and_resend(
    tmp_path: Path, sessionmaker: Sessionmaker, sender: RecordingSender
) -> None:
    assert (await _add(tmp_path)).exit_code == 0
    async with unit_of_work(sessionmaker) as session:
        [target_id] = await add_targets(session, 1)
        [campaign] = (await session.scalars(select(Campaign))).all()
    dispatched = await _invoke(
        "dispatch", "--campaign", str(campaign.id), "--target", str(target_id)
    )
    assert dispatched.exit_code == 0, dispatched.output
    assert "1 scheduled for its SendGrid sequence" in dispatched.output

    preview = await _invoke(
        "campaigns", "preview", str(campaign.id)[:8], "--target", str(target_id)
    )
    assert preview.exit_code == 0, preview.output
    assert "Subject: Work in Austin, Pat?" in preview.output
    assert POSTAL in preview.output

    sender.raise_next = [SendGridUncertain("timed out after sending")]
    first = await _invoke("sequences", "send-due")
    assert first.exit_code == 0, first.output
    assert "1 uncertain" in first.output
    again = await _invoke("sequences", "send-due")
    assert "0 sent" in again.output
    assert sender.batches == []

    async with sessionmaker() as session:
        [send] = (await session.scalars(select(EmailSend))).all()
    resent = await _invoke("sequences", "resend", str(campaign.id), str(send.id))
    assert resent.exit_code == 0, resent.output
    assert "queued again" in resent.output
    last = await _invoke("sequences", "send-due")
    assert "1 sent in 1 request(s)" in last.output
    async with sessionmaker() as session:
        [send] = (await session.scalars(select(EmailSend))).all()
    assert send.state == SendState.sent
    assert len(sender.recipients) == 1
