"""`ravensearch sequences send-due` killed with SIGKILL while SendGrid holds its request: the
mail may have gone, so nothing is ever sent again on its own (real processes, real sockets)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ravensearch.db.models import EmailSend, SendState
from ravensearch.sendgrid.fake import FakeSendGridServer, create_fake_sendgrid
from tests.fixtures.processes import stop
from tests.sequences.helpers import POSTAL, add_targets, create_sendgrid_campaign, dispatch

Sessionmaker = async_sessionmaker[AsyncSession]
API_KEY = "SG.kill-nine"
COUNT = 30


def _env(db_url: str, sendgrid_url: str, workdir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SENDGRID_", "RAVENSEARCH_"))}
    env.update(
        DATABASE_URL=db_url,
        INSTANTLY_API_KEY="test-key",  # not mock mode: the real client, to the fake's socket
        INSTANTLY_API_URL="http://127.0.0.1:9/api/v2",
        SENDGRID_API_KEY=API_KEY,
        SENDGRID_API_URL=sendgrid_url,
        RAVENSEARCH_SENDER_POSTAL_ADDRESS=POSTAL,
        RAVENSEARCH_SECRET_KEY="kill-nine-secret",
        RAVENSEARCH_JOBS_DATABASE=str(workdir / "jobs.db"),
        PYTHONUNBUFFERED="1",
    )
    return env


def _send_due(env: dict[str, str], workdir: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "ravensearch", "sequences", "send-due"],
        env=env, cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip


async def _states(sessionmaker: Sessionmaker) -> dict[str, int]:
    async with sessionmaker() as session:
        rows = await session.execute(
            select(EmailSend.state, func.count()).group_by(EmailSend.state)
        )
        return {str(state): int(n) for state, n in rows.all()}


@pytest.mark.xdist_group("subprocess")
async def test_kill_9_while_sendgrid_holds_the_request_sends_nothing_twice(
    db_url: str, sessionmaker: Sessionmaker, tmp_path: Path
) -> None:
    campaign = await create_sendgrid_campaign(
        sessionmaker, windowStartHour=0, windowEndHour=24, weekdaysOnly=False
    )
    async with sessionmaker() as session, session.begin():
        ids = await add_targets(session, COUNT)
    await dispatch(sessionmaker, campaign, ids)

    # SendGrid takes the batch, then answers 30 s late: the kill lands after it took it.
    fake = create_fake_sendgrid(api_key=API_KEY)
    fake.accept_then_hang(30)
    with FakeSendGridServer(fake) as server:
        env = _env(db_url, server.base_url, tmp_path)
        first = _send_due(env, tmp_path)
        try:
            async with asyncio.timeout(60):
                while len(fake.messages) < COUNT:
                    assert first.poll() is None, first.communicate()[0].decode()[-2000:]
                    await asyncio.sleep(0.05)
            assert await _states(sessionmaker) == {SendState.sending: COUNT}
            first.send_signal(signal.SIGKILL)
            first.wait(10)
        finally:
            stop(first)

        # A restarted sender leaves what may have gone alone, however often it runs.
        for _ in range(2):
            again = _send_due(env, tmp_path)
            output = again.communicate(timeout=90)[0].decode()
            assert again.returncode == 0, output
            assert "0 sent" in output
        assert len(fake.messages) == COUNT
        per_email = {m.to for m in fake.messages}
        assert len(per_email) == COUNT  # each technician's step 1 exactly once
        assert await _states(sessionmaker) == {SendState.sending: COUNT}


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    # The fake listens on 127.0.0.1; a proxy from the environment would swallow the calls.
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
