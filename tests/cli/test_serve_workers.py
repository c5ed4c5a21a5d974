"""`ravensearch serve --workers 2` as a real subprocess on SQLite and PostgreSQL: both
processes store and apply webhooks, one runs the jobs, and a rotated secret reaches both."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ravensearch.app_settings.service import app_settings_service
from ravensearch.db.models import Dispatch, WebhookEvent
from ravensearch.db.session import unit_of_work
from ravensearch.web.background import SECRET_REFRESH_SECONDS
from tests.events.helpers import event, seed_lead
from tests.fixtures.processes import stop

SECRET = "whsec_two_workers"
T = "2026-11-27T10:00:00.000Z"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(db_url: str, workdir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INSTANTLY_", "RAVENSEARCH_"))}
    env.update(
        DATABASE_URL=db_url,
        INSTANTLY_API_KEY="test-key",  # not mock mode; nothing here calls Instantly
        INSTANTLY_API_URL="http://127.0.0.1:9/api/v2",
        INSTANTLY_WEBHOOK_SECRET=SECRET,
        RAVENSEARCH_JOBS_DATABASE=str(workdir / "jobs.db"),
        RAVENSEARCH_JOBS_WORKERS="1",
        RAVENSEARCH_LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    log = (workdir / "serve.log").open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", "ravensearch", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        cwd=workdir,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


async def _wait_healthy(http: httpx.AsyncClient, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, "serve --workers 2 exited"
        try:
            if (await http.get("/healthz")).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        await asyncio.sleep(0.2)
    pytest.fail("serve --workers 2 never answered /healthz")


async def _post_all(url: str, payloads: list[dict[str, object]], secret: str) -> list[int]:
    async def one(payload: dict[str, object]) -> int:
        # A connection each, so the kernel spreads them over both workers.
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            response = await http.post(
                "/api/webhooks/instantly", json=payload, headers={"X-Webhook-Secret": secret}
            )
            return response.status_code

    return list(await asyncio.gather(*(one(p) for p in payloads)))


async def test_two_workers(
    db_url: str, sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    lead = await seed_lead(sessionmaker)
    port = _free_port()
    proc = _start(db_url, tmp_path, port)
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=url, timeout=10) as http:
            await _wait_healthy(http, proc)
        opens = [event(lead, "email_opened", T, email_id=f"e{i}") for i in range(20)]
        assert await _post_all(url, opens, SECRET) == [200] * 20

        async with unit_of_work(sessionmaker) as session:
            rotated = await app_settings_service.rotate_webhook_secret(session)
        replies = [event(lead, "reply_received", T, email_id=f"r{i}") for i in range(10)]
        # Every process picks the new secret up within SECRET_REFRESH_SECONDS; a slow CI
        # machine gets some slack. Ten 200s may all come from the worker that refreshed
        # first, so the check is over both secrets: the new one taken and the old refused
        # by every worker that answers (the replies are deduped, so re-posting stores none).
        deadline = time.monotonic() + SECRET_REFRESH_SECONDS * 4
        while True:
            taken = await _post_all(url, replies, rotated)
            refused = await _post_all(url, replies, SECRET)
            if taken == [200] * 10 and refused == [401] * 10:
                break
            assert set(taken) | set(refused) <= {200, 401}, (taken, refused)
            assert time.monotonic() < deadline, "a worker never took the rotated secret"
            await asyncio.sleep(0.5)

        deadline = time.monotonic() + 20
        while True:
            async with sessionmaker() as session:
                pending = await session.scalar(
                    select(func.count()).where(WebhookEvent.state != "applied")
                )
                stored = await session.scalar(select(func.count()).select_from(WebhookEvent))
            if pending == 0:
                break
            assert time.monotonic() < deadline, f"{pending} events never applied"
            await asyncio.sleep(0.2)
        assert stored == 30
        async with sessionmaker() as session:
            dispatch = await session.get(Dispatch, lead.dispatch_id)
        assert dispatch is not None
        assert dispatch.status == "replied"
    finally:
        stop(proc, timeout=20)
    log = (tmp_path / "serve.log").read_text(errors="replace")
    # One process runs the jobs; the other says it leaves them to it.
    assert log.count("jobs.consumer.skipped") == 1, log[-3000:]
    assert "Traceback" not in log, log[-3000:]
    assert SECRET not in log
    assert rotated not in log


def test_refused_in_mock_mode(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INSTANTLY_", "RAVENSEARCH_"))}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'r.db'}", INSTANTLY_API_KEY="")
    result = subprocess.run(
        [sys.executable, "-m", "ravensearch", "serve", "--workers", "2", "--port", "1"],
        check=False,
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "--workers needs INSTANTLY_API_KEY" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
