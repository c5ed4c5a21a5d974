"""Issue #3's loop in mock mode: collect a state's HVAC technicians as a job, follow its
progress, enrich them (emails found on their fake websites), and dispatch the ready ones."""

from __future__ import annotations

import uuid

import httpx
import pytest
from typer.testing import CliRunner

from ravensearch.cli import app as cli_app
from ravensearch.config import Settings, get_settings
from ravensearch.db.session import unit_of_work
from ravensearch.instantly.fake.demo import HVAC_TEXAS_ID
from ravensearch.jobs.execute import execute_job
from ravensearch.runtime import build_runtime
from ravensearch.sources.universe import Universe
from ravensearch.tokens.service import token_service
from ravensearch.web.app import create_app

STATE = "RI"  # a small state keeps the synthetic universe, and the test, quick


async def test_collect_enrich_dispatch_in_mock_mode(db_url: str, engine: object) -> None:
    settings = Settings(_env_file=None, DATABASE_URL=db_url, RAVENSEARCH_MOCK=True)  # type: ignore[call-arg]
    runtime = await build_runtime(settings, migrate_db=False)
    app = create_app(runtime=runtime, background=False)
    queued: list[uuid.UUID] = []
    app.state.enqueue = queued.append
    try:
        async with unit_of_work(runtime.sessionmaker) as session:
            token = (await token_service.create(session, name="e2e")).plaintext
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://testserver",
            headers={"Authorization": f"Bearer {token}"},
        ) as client:
            started = await client.post(
                "/api/targets/collect", json={"source": "all", "trade": "hvac", "state": STATE}
            )
            assert started.status_code == 202
            job_id = started.json()["jobId"]
            assert await execute_job(runtime, queued.pop()) == "succeeded"
            job = (await client.get(f"/api/jobs/{job_id}")).json()
            assert job["state"] == "succeeded"
            assert job["progress"]["done"] == job["progress"]["total"] > 0
            assert job["counts"]["new_targets"] > 20
            assert job["counts"]["google_api_calls"] > 0
            assert job["counts"]["yelp_api_calls"] > 0
            collected = (await client.get("/api/targets", params={"state": STATE})).json()
            assert collected["total"] == job["counts"]["new_targets"]

            enrich = await client.post("/api/targets/enrich", json={})
            assert enrich.status_code == 202
            assert await execute_job(runtime, queued.pop()) == "succeeded"
            done = (await client.get("/api/targets", params={"status": "completed"})).json()
            assert done["total"] > collected["total"] // 3
            assert all(t["email"] for t in done["items"])
            pending = (await client.get("/api/targets", params={"status": "pending"})).json()
            assert pending["total"] == 0

            campaign = (
                await client.post("/api/campaigns", json={"instantlyCampaignId": HVAC_TEXAS_ID})
            ).json()
            dispatch = await client.post("/api/dispatch-jobs", json={"campaignId": campaign["id"]})
            assert dispatch.status_code == 202
            assert await execute_job(runtime, queued.pop()) == "succeeded"
            after = (await client.get(f"/api/campaigns/{campaign['id']}")).json()
            assert after["total_targets"] == done["total"]
    finally:
        await runtime.aclose()


def test_cli_collect_and_enrich(
    db_url: str, engine: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("RAVENSEARCH_MOCK", "1")
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        collected = runner.invoke(
            cli_app,
            ["collect", "--source", "google", "--trade", "plumber", "--state", STATE,
             "--skip-not-open"],
        )  # fmt: skip
        assert collected.exit_code == 0, collected.output
        assert "new" in collected.output
        not_open = sum(
            1
            for b in Universe().businesses(STATE)
            if "plumbing" in b.trades and b.on_google and b.temporarily_closed and not b.closed
        )
        assert not_open > 0
        summary = " ".join(collected.output.split())  # Rich wraps at the terminal's width
        assert f"{not_open} not open yet or temporarily closed" in summary
        assert "0 kept flagged not open" in summary
        enriched = runner.invoke(cli_app, ["enrich", "--limit", "25"])
        assert enriched.exit_code == 0, enriched.output
        assert "25 target(s)" in enriched.output
        bad = runner.invoke(cli_app, ["collect", "--trade", "hvac", "--state", "Atlantis"])
        assert bad.exit_code == 1
        assert "state" in bad.output.lower()
    finally:
        get_settings.cache_clear()
