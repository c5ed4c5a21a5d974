"""Targets, recruiting pipeline and suppression list in a real browser (mock mode).

These tests use the Plumbers — Florida demo campaign (test_admin.py links the other two).
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable

import pytest
from playwright.sync_api import Locator, Page, expect

from ravensearch.instantly.fake.demo import ELECTRICIANS_ARIZONA_ID, PLUMBERS_FLORIDA_ID
from tests.browser.conftest import Server, screenshot, sign_in
from tests.fixtures.factories import instantly_event

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

CAMPAIGN_NAME = "Plumbers — Florida"


def _campaign_id(server: Server) -> str:
    """The Plumbers campaign (active: the mock simulator acts on its leads)."""
    return server.linked_campaign(PLUMBERS_FLORIDA_ID)


def _technicians(server: Server, tag: str, *, with_email: int, without_email: int) -> list[str]:
    ids = []
    with server.api() as api:
        for n in range(with_email + without_email):
            body = {"businessName": f"{tag} Plumbing {n}", "trade": "plumbing", "state": "FL",
                    "city": "Tampa", "firstName": "Luis"}  # fmt: skip
            if n < with_email:
                body["email"] = f"luis{n}.{tag.lower()}@{tag.lower()}-plumbing.com"
            created = api.post("/api/targets", json=body)
            assert created.status_code == 201, created.text
            ids.append(str(created.json()["id"]))
    return ids


def _until(page: Page, check: Callable[[], Locator], timeout: float = 30.0) -> Locator:
    """Reload until `check()` finds something (for changes made by the event applier)."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found.count() or time.monotonic() > deadline:
            return found
        time.sleep(0.5)
        page.reload()


def test_collect_technicians_and_watch_the_progress(page: Page, server: Server) -> None:
    sign_in(page, server, server.admin_email, server.admin_password)
    page.get_by_role("link", name="Targets", exact=True).click()
    expect(page).to_have_url(f"{server.url}/outreach/targets")
    page.evaluate("window.__sameDocument = true")
    total = page.locator("#targets-table h2 [data-total]")
    before = int(total.get_attribute("data-total") or 0)

    page.get_by_role("button", name="Collect Technicians").click()  # nothing chosen yet
    expect(page.locator("#collect-trade-error")).to_have_text("Choose a trade.")
    collect = page.locator("#collect-form")
    collect.get_by_label("Source").select_option("google")
    collect.get_by_label("Trade").select_option("locksmith")
    collect.get_by_label("State").select_option("WY")
    page.get_by_role("button", name="Collect Technicians").click()

    card = page.locator("#target-jobs article.job").first
    expect(card).to_contain_text("Collect Locksmith technicians in WY from Google")
    screenshot(page, "targets_collecting")
    expect(card).to_have_attribute("data-job-state", "succeeded", timeout=120_000)
    expect(card.locator("progress")).to_have_attribute("value", "100")
    expect(card).to_contain_text(re.compile(r"[1-9]\d* new technicians"))
    # The table reloads by itself when the job ends; the page never did.
    expect(total).not_to_have_attribute("data-total", str(before), timeout=10_000)
    assert page.evaluate("window.__sameDocument") is True
    page.locator("#target-filters").get_by_label("State").select_option("WY")
    expect(page).to_have_url(re.compile(r"state=WY"))
    expect(page.locator("#targets-table tbody tr").first).to_contain_text("Locksmith")
    screenshot(page, "targets")


def test_select_targets_and_dispatch(page: Page, server: Server) -> None:
    tag = f"Brw{uuid.uuid4().hex[:6]}"
    _campaign_id(server)
    _technicians(server, tag, with_email=2, without_email=1)
    sign_in(page, server, server.admin_email, server.admin_password)
    page.goto(f"{server.url}/outreach/targets?q={tag}")
    rows = page.locator("#targets-table tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.filter(has_text=f"{tag} Plumbing 2")).to_contain_text("No email")

    page.get_by_role("checkbox", name="Select every technician on this page").check()
    expect(page.locator("[data-selected-count]")).to_have_text("3 selected")
    page.get_by_label("Campaign", exact=True).select_option(label=f"{CAMPAIGN_NAME} (any trade)")
    page.get_by_role("button", name="Dispatch to Campaign").click()

    summary = page.locator("#dispatch-summary")
    expect(summary).to_contain_text(f"Dispatched to {CAMPAIGN_NAME}")
    expect(summary.locator('[data-stat="pushed"] dd')).to_have_text("2")
    expect(summary.locator('[data-skip="no_email"]')).to_have_text("1 skipped: No email address")
    screenshot(page, "targets_dispatch")

    # The same selection again: everyone is skipped, with the reason.
    page.get_by_role("checkbox", name="Select every technician on this page").check()
    page.get_by_role("button", name="Dispatch to Campaign").click()
    expect(summary.locator('[data-skip="already_dispatched"]')).to_contain_text(
        "2 skipped: Already in this campaign"
    )


def test_move_a_technician_through_the_pipeline(page: Page, server: Server) -> None:
    tag = f"Pipe{uuid.uuid4().hex[:6]}"
    # A paused campaign: the simulator leaves its leads alone, so the only reply is ours.
    campaign_id = server.linked_campaign(ELECTRICIANS_ARIZONA_ID)
    [target_id] = _technicians(server, tag, with_email=1, without_email=0)
    with server.api() as api:
        sent = api.post("/api/instantly/dispatch-leads",
                        json={"campaignId": campaign_id, "targetIds": [target_id]})  # fmt: skip
        assert sent.json()["leads_sent"] == 1, sent.text
        email = api.get(f"/api/targets/{target_id}").json()["email"]

    sign_in(page, server, server.admin_email, server.admin_password)
    page.goto(f"{server.url}/settings")
    secret = page.locator("#webhook-secret").input_value()
    reply = "Sounds good, I have 8 years of experience. When can we talk?"
    for event in (
        instantly_event("reply_received", campaign_id=ELECTRICIANS_ARIZONA_ID, email=email,
                        reply_text=reply, reply_text_snippet=reply),
        instantly_event("lead_interested", campaign_id=ELECTRICIANS_ARIZONA_ID, email=email,
                        timestamp="2026-11-27T10:30:00.000Z"),
    ):  # fmt: skip
        response = page.request.post(
            f"{server.url}/api/webhooks/instantly",
            data=json.dumps(event),
            headers={"X-Webhook-Secret": secret, "Content-Type": "application/json"},
        )
        assert response.status == 200, response.text()

    page.goto(f"{server.url}/outreach/pipeline")
    card = _until(page, lambda: page.locator(f'#column-interested [data-target-id="{target_id}"]'))
    expect(card).to_contain_text("Electricians — Arizona")
    expect(card).to_contain_text("8 years of experience")
    expect(card).to_contain_text("automatically (Instantly)")

    card.get_by_role("link", name="Choose a stage").click()
    card.get_by_label("Stage", exact=True).select_option("interview")
    card.get_by_role("button", name="Move").click()
    card = page.locator(f'#column-interview [data-target-id="{target_id}"]')
    expect(card).to_contain_text("by " + server.admin_email)
    expect(page.get_by_role("status").filter(has_text="Moved to Interview.")).to_be_visible()

    card.get_by_role("link", name="Choose a stage").click()
    card.get_by_label("Stage", exact=True).select_option("refused")
    card.get_by_role("button", name="Move").click()
    expect(card.get_by_role("alert")).to_have_text("Choose why they refused.")
    card.get_by_label("Reason", exact=True).select_option("salary")
    card.get_by_role("button", name="Move").click()
    card = page.locator(f'#column-refused [data-target-id="{target_id}"]')
    expect(card).to_contain_text("Salary")
    screenshot(page, "pipeline")

    page.get_by_role("link", name="Table").click()
    expect(page.locator(f'tr[data-target-id="{target_id}"]')).to_contain_text("Refused")
    screenshot(page, "pipeline_table")


def test_suppression_list(page: Page, server: Server) -> None:
    domain = f"blocked-{uuid.uuid4().hex[:6]}.example"
    sign_in(page, server, server.admin_email, server.admin_password)
    page.goto(f"{server.url}/outreach/suppressions")
    field = page.get_by_label("Email or domain")
    field.press_sequentially("not an address")
    expect(page.locator("#suppression-check")).to_contain_text("Not an email address or a domain")
    field.fill(domain)
    expect(page.locator("#suppression-check")).to_contain_text("A domain: every address")
    page.get_by_label("Reason (optional)").fill("Asked not to be contacted")
    page.get_by_role("button", name="Add to suppression list").click()
    row = page.locator(f'tr[data-value="{domain}"]')
    expect(row).to_contain_text("by " + server.admin_email)
    screenshot(page, "suppressions")

    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name=f"Remove {domain}").click()
    expect(row).to_have_count(0)
    change = page.locator('[data-change="removed"]').filter(has_text=domain)
    expect(change).to_contain_text(server.admin_email)


def test_a_viewer_cannot_dispatch(
    page: Page, server: Server, viewer_account: tuple[str, str]
) -> None:
    campaign_id = _campaign_id(server)
    [target_id] = _technicians(server, f"View{uuid.uuid4().hex[:6]}", with_email=1, without_email=0)
    sign_in(page, server, *viewer_account)
    page.goto(f"{server.url}/outreach/targets")
    expect(page.get_by_role("button", name="Dispatch to Campaign")).to_be_disabled()
    expect(page.get_by_role("button", name="Collect Technicians")).to_be_disabled()
    expect(page.get_by_label("Campaign", exact=True)).to_be_disabled()
    headers = json.loads(page.locator("body").get_attribute("hx-headers") or "{}")
    forced = page.request.post(
        f"{server.url}/outreach/targets/dispatch",
        form={"campaign_id": campaign_id, "target_id": target_id},
        headers={**headers, "HX-Request": "true"},
    )
    assert forced.status == 403
    assert "Viewers can look, not act." in forced.text()
