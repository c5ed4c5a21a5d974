"""The whole loop on a fresh install in mock mode: link a demo campaign, import, dispatch,
and watch the simulated Instantly's webhooks move the counters and raise notifications."""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path

import httpx
import pytest

from ravensearch.config import Settings
from ravensearch.instantly.fake import drain
from ravensearch.instantly.fake.demo import HVAC_TEXAS_ID
from ravensearch.runtime import build_runtime
from ravensearch.web.app import create_app
from ravensearch.web.background import start_background

EXAMPLE_CSV = Path(__file__).resolve().parents[2] / "examples" / "technicians.csv"


async def test_the_mock_loop_end_to_end(db_url: str, engine: object) -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        DATABASE_URL=db_url,
        INSTANTLY_API_KEY="",
        RAVENSEARCH_MOCK_ACTIVITY_SECONDS=0.01,
        ENV="testing",
    )
    runtime = await build_runtime(settings, migrate_db=False)
    assert runtime.is_mock
    assert runtime.fake_state is not None
    app = create_app(runtime=runtime, background=False)
    stop_background = start_background(app, runtime)
    try:
        from ravensearch.db.session import unit_of_work
        from ravensearch.tokens.service import token_service

        async with unit_of_work(runtime.sessionmaker) as session:
            token = (await token_service.create(session, name="e2e")).plaintext
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://testserver",
            headers={"Authorization": f"Bearer {token}"},
        ) as client:
            valid = (
                await client.post(
                    "/api/instantly/validate-campaign", json={"campaignId": HVAC_TEXAS_ID}
                )
            ).json()
            assert valid["valid"] is True
            campaign = (
                await client.post(
                    "/api/campaigns",
                    json={"instantlyCampaignId": HVAC_TEXAS_ID, "tradeFilter": "hvac"},
                )
            ).json()
            with EXAMPLE_CSV.open("rb") as handle:
                report = (
                    await client.post(
                        "/api/targets/import", files={"file": ("t.csv", handle, "text/csv")}
                    )
                ).json()
            assert report["imported"] == 20
            ready = (await client.get("/api/targets", params={"status": "completed"})).json()
            ids = [t["id"] for t in ready["items"]]
            assert len(ids) == 17
            result = (
                await client.post(
                    "/api/instantly/dispatch-leads",
                    json={"campaignId": campaign["id"], "targetIds": ids},
                )
            ).json()
            # The README's loop: the 7 HVAC technicians go out, the other trades do not.
            assert result["leads_sent"] == 7
            assert Counter(s["reason"] for s in result["skipped"]) == {"wrong_trade": 10}

            await drain(runtime.fake_state)
            await runtime.events.drain()
            current = (await client.get(f"/api/campaigns/{campaign['id']}")).json()
            # Every kind of event a user should see, from these 7 leads alone.
            counters = ("emails_sent", "emails_opened", "emails_clicked", "replies_received",
                        "emails_bounced", "unsubscribed")  # fmt: skip
            assert all(current[name] >= 1 for name in counters), current
            assert current["emails_sent"] >= 7  # step 2 goes to those who did not answer
            dispatches = (await client.get(f"/api/campaigns/{campaign['id']}/dispatches")).json()
            statuses = [d["status"] for d in dispatches["items"]]
            assert "pending" not in statuses
            assert current["replies_received"] == sum(
                1 for d in dispatches["items"] if d["replied_at"] is not None
            )
            notes = (await client.get("/api/notifications")).json()
            kinds = Counter(n["kind"] for n in notes["items"])
            assert kinds["reply"] >= 2, kinds
            assert kinds["bounce"] == 1, kinds
    finally:
        await stop_background()
        await runtime.aclose()


@pytest.fixture(autouse=True)
def _no_dotenv(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INSTANTLY_API_KEY", raising=False)


async def test_mock_mode_logs_name_the_simulated_instantly(
    db_url: str, engine: object, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, DATABASE_URL=db_url, INSTANTLY_API_KEY="", ENV="testing"
    )
    caplog.set_level(logging.INFO)
    runtime = await build_runtime(settings, migrate_db=False)
    try:
        await runtime.instantly.list_campaigns()
    finally:
        await runtime.aclose()
    text = caplog.text
    assert "mock mode: Instantly is simulated in this process" in text
    assert "GET http://simulated-instantly.invalid/api/v2/campaigns" in text
    assert "api.instantly.ai" not in text
