"""A SendGrid campaign in the browser (mock mode): created from the form, technicians
dispatched to it, and its counters moving as the demo's fake SendGrid sends and reports."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Server, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

EXAMPLE_CSV = Path(__file__).resolve().parents[2] / "examples" / "technicians.csv"
NONZERO = re.compile(r"^[1-9]")


def test_create_a_sendgrid_campaign_dispatch_and_watch_it_send(page: Page, server: Server) -> None:
    with server.api() as api, EXAMPLE_CSV.open("rb") as handle:
        imported = api.post("/api/targets/import", files={"file": ("t.csv", handle, "text/csv")})
        assert imported.status_code == 200, imported.text
    name = f"Roofers {uuid.uuid4().hex[:6]} (SendGrid)"
    sign_in(page, server, server.admin_email, server.admin_password)
    page.get_by_role("link", name="+ New Campaign").click()
    page.get_by_role("link", name="SendGrid — Ravensearch sends the sequence").click()
    form = page.locator("#new-sequence-form")
    form.get_by_label("Campaign name").fill(name)
    form.get_by_label("Trade").select_option("roofing")
    form.get_by_label("From email").fill("jobs@raven-roofing.example")
    form.get_by_label("Window start (hour)").fill("0")
    form.get_by_label("Window end (hour)").fill("24")  # any hour: the test runs whenever
    form.get_by_label("Weekdays only").uncheck()
    form.get_by_label("Step 1 subject").fill("Roofing work in {{ city }}?")
    form.get_by_label("Step 1 body").fill("Hi {{ first_name }}, is {{ business_name }} busy?")
    form.get_by_label("Step 2 body").fill("Hi {{ nickname }}")  # refused, shown inline
    page.get_by_role("button", name="Create Campaign").click()
    expect(page.locator("#step-2-subject-error")).to_be_visible()
    expect(page.locator("#step-2-body-error")).to_contain_text("unknown template variable")
    screenshot(page, "sendgrid_campaign_form_errors")
    form.get_by_label("Step 2 body").fill("")
    page.get_by_role("button", name="+ Add step").click()
    expect(page.locator("#new-sequence-form .step-slot")).to_have_count(4)
    expect(form.get_by_label("Step 1 subject")).to_have_value("Roofing work in {{ city }}?")
    page.get_by_role("button", name="Create Campaign").click()

    expect(page.locator("h1")).to_have_text(name)
    expect(page.locator("#sequence-card")).to_contain_text("jobs@raven-roofing.example")

    page.goto(f"{server.url}/outreach/targets?trade=roofing")
    page.get_by_role("checkbox", name="Select every technician on this page").check()
    page.get_by_label("Campaign", exact=True).select_option(label=f"{name} (Roofing)")
    page.get_by_role("button", name="Dispatch to Campaign").click()
    summary = page.locator("#dispatch-summary")
    expect(summary).to_contain_text(f"Dispatched to {name}")
    expect(summary.locator('[data-stat="pushed"] dt')).to_have_text("Scheduled to send")

    page.locator("#dispatch-summary").get_by_role("link", name=name).click()
    stats = page.locator("#campaign-stats")
    # The stats poll every 2 s; the demo sends what is due and plays SendGrid's events.
    for key in ("sent", "delivered"):
        value = stats.locator(f'[data-stat="{key}"] .stat-value')
        expect(value).to_have_text(NONZERO, timeout=60_000)
    expect(page.locator('#outbox [data-send-state="sent"] [data-count]')).to_have_text(
        NONZERO, timeout=10_000
    )
    expect(page.get_by_role("button", name="Sync now")).to_have_count(0)
    page.locator("#preview-target").select_option(index=1)
    page.locator("#sequence-preview").get_by_role("button", name="Preview").click()
    expect(page.locator("#sequence-preview .preview-subject").first).to_contain_text(
        "Roofing work in"
    )
    screenshot(page, "sendgrid_campaign")


def test_edit_a_sendgrid_campaigns_daily_cap(page: Page, server: Server) -> None:
    name = f"Electricians {uuid.uuid4().hex[:6]} (SendGrid)"
    step = {"subject": "Work in {{ city }}?", "body": "Hi {{ first_name }}", "delayDays": 0}
    body = {"channel": "sendgrid", "name": name, "fromEmail": "jobs@raven.example",
            "dailyCap": 40, "steps": [step]}  # fmt: skip
    with server.api() as api:
        created = api.post("/api/campaigns", json=body)
        assert created.status_code == 201, created.text
    sign_in(page, server, server.admin_email, server.admin_password)
    page.goto(f"{server.url}/outreach/campaigns/{created.json()['id']}")
    cap = page.locator('#sequence-card [data-fact="cap"]')
    expect(cap).to_have_text("40 emails a day")
    page.get_by_role("link", name="Edit", exact=True).click()
    form = page.locator("#edit-sequence-form")
    expect(form.get_by_label("Daily cap")).to_have_value("40")
    form.get_by_label("Daily cap").fill("0")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("#daily-cap-error")).to_have_text("Daily cap must be at least 1.")
    form.get_by_label("Daily cap").fill("75")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("h1")).to_have_text(name)
    expect(page.locator(".toast-text").last).to_contain_text(f"Saved “{name}”")
    expect(cap).to_have_text("75 emails a day")
    screenshot(page, "sendgrid_campaign_edited")
