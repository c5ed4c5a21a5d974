"""The admin UI in a real browser: login, linking a campaign, live counters, roles."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from ravensearch.instantly.fake.demo import ELECTRICIANS_ARIZONA_ID, HVAC_TEXAS_ID
from tests.browser.conftest import Server, screenshot, sign_in
from tests.fixtures.factories import instantly_event

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_login_wrong_password_then_right(page: Page, server: Server) -> None:
    page.goto(f"{server.url}/")
    expect(page).to_have_url(re.compile(r"/login\?next=/outreach/campaigns$"))
    screenshot(page, "login")
    page.get_by_label("Email").fill(server.admin_email)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong email or password.")
    expect(page.get_by_label("Email")).to_have_value(server.admin_email)
    page.get_by_label("Password").fill(server.admin_password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{server.url}/outreach/campaigns")
    expect(page.get_by_role("heading", name="Outreach")).to_be_visible()


def test_create_a_campaign(page: Page, server: Server) -> None:
    sign_in(page, server, server.admin_email, server.admin_password)
    page.get_by_role("link", name="+ New Campaign").click()
    field = page.get_by_label("Instantly Campaign ID")
    field.press_sequentially("cam_12345")  # validated as you type
    expect(page.locator("#lookup-error")).to_contain_text("Instantly campaign ids are UUIDs")
    field.fill(str(uuid.uuid4()))
    expect(page.locator("#lookup-error")).to_have_text(
        "Campaign not found in Instantly. Please check the Campaign ID."
    )
    field.fill(HVAC_TEXAS_ID)
    expect(page.get_by_label("Campaign name")).to_have_value("HVAC Technicians — Texas")
    expect(page.locator("#lookup-found")).to_contain_text("Found in Instantly")
    page.get_by_label("Trade").select_option("hvac")
    screenshot(page, "campaign_new")
    page.get_by_role("button", name="Create Campaign").click()
    expect(page).to_have_url(f"{server.url}/outreach/campaigns")
    expect(page.get_by_role("link", name="HVAC Technicians — Texas")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="Linked")).to_be_visible()
    screenshot(page, "campaigns")

    # Linking it again is refused inline (409).
    page.goto(f"{server.url}/outreach/campaigns/new")
    page.get_by_label("Instantly Campaign ID").fill(HVAC_TEXAS_ID)
    # The lookup warns before anything is submitted; waiting for it, as a person would, also
    # keeps the click off a button that the lookup's answer is about to move down the page.
    expect(page.locator("#lookup-found")).to_contain_text("Already linked to Ravensearch")
    page.get_by_role("button", name="Create Campaign").click()
    expect(page.locator("#instantly-campaign-id-error")).to_contain_text("already linked")


def _dispatch_one_technician(server: Server) -> tuple[str, str]:
    """A paused demo campaign (the simulator leaves it alone) with one technician pushed."""
    campaign_id = server.linked_campaign(ELECTRICIANS_ARIZONA_ID)
    with server.api() as api:
        email = f"ray.{uuid.uuid4().hex[:6]}@sparky-electric.com"
        target = api.post(
            "/api/targets",
            json={"businessName": "Sparky Electric", "firstName": "Ray", "email": email,
                  "trade": "electrical", "state": "AZ"},
        )  # fmt: skip
        assert target.status_code == 201, target.text
        result = api.post(
            "/api/instantly/dispatch-leads",
            json={"campaignId": campaign_id, "targetIds": [target.json()["id"]]},
        )
        assert result.json()["leads_sent"] == 1, result.text
    return campaign_id, email


def test_a_webhook_moves_the_open_page_without_reload(page: Page, server: Server) -> None:
    campaign_id, email = _dispatch_one_technician(server)
    sign_in(page, server, server.admin_email, server.admin_password)
    page.goto(f"{server.url}/settings")
    secret = page.locator("#webhook-secret").input_value()
    expect(page.locator("#instantly-status")).to_contain_text("Reachable")
    screenshot(page, "settings")

    page.goto(f"{server.url}/outreach/campaigns/{campaign_id}")
    replied = page.locator('#campaign-stats [data-stat="replied"] .stat-value')
    expect(replied).to_have_text("0")
    badge = page.locator("#notification-badge .bell-count")
    unread_before = int(badge.get_attribute("data-count") or 0)
    page.evaluate("window.__sameDocument = true")

    reply = f"Yes, I'm interested. Call me at 555-0{uuid.uuid4().int % 1000:03d}."
    events = [
        instantly_event("email_sent", campaign_id=ELECTRICIANS_ARIZONA_ID, email=email),
        instantly_event("email_opened", campaign_id=ELECTRICIANS_ARIZONA_ID, email=email,
                        timestamp="2026-11-27T10:05:00.000Z"),
        instantly_event("reply_received", campaign_id=ELECTRICIANS_ARIZONA_ID, email=email,
                        timestamp="2026-11-27T10:09:00.000Z", reply_text=reply,
                        reply_text_snippet=reply),
    ]  # fmt: skip
    for event in events:
        response = page.request.post(
            f"{server.url}/api/webhooks/instantly",
            data=json.dumps(event),
            headers={"X-Webhook-Secret": secret, "Content-Type": "application/json"},
        )
        assert response.status == 200, response.text()

    expect(page.locator('#campaign-stats [data-stat="sent"] .stat-value')).to_have_text("1")
    expect(page.locator('#campaign-stats [data-stat="opened"] .stat-value')).to_have_text("1")
    expect(replied).to_have_text("1")
    expect(badge).not_to_have_attribute("data-count", str(unread_before))
    assert int(badge.get_attribute("data-count") or 0) > unread_before
    expect(page.locator("#dispatches tbody .pill")).to_have_text("Replied")  # the table follows
    assert page.evaluate("window.__sameDocument") is True  # counters moved, page never reloaded
    screenshot(page, "campaign_detail")

    page.locator("#notification-badge").click()
    expect(page.get_by_text(reply)).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Open in Unibox"))).to_have_count(1)
    screenshot(page, "notifications")

    # The stored deliveries, from Settings: the three just sent are among the applied ones.
    page.goto(f"{server.url}/settings")
    page.get_by_role("link", name="Webhook events →").click()
    applied = page.locator('#event-counts [data-stat="applied"] .stat-value')
    expect(applied).to_have_text(re.compile(r"\d"))
    assert int((applied.text_content() or "0").replace(",", "")) >= len(events)
    screenshot(page, "webhook_events")


def test_settings_installs_the_webhook_in_instantly(page: Page, server: Server) -> None:
    sign_in(page, server, server.admin_email, server.admin_password)
    page.goto(f"{server.url}/settings")
    section = page.locator("#webhook-registration")
    install = section.get_by_role("button", name=re.compile("Install webhook"))
    expect(install).to_be_visible()
    install.click()
    expect(page.locator("#webhook-active")).to_contain_text(f"{server.url}/api/webhooks/instantly")
    expect(page.locator(".toast-text").last).to_contain_text("Instantly")
    # The URL-token form is there for admins, masked like the secret.
    assert page.locator("#webhook-token-url").get_attribute("data-secret") is not None
    screenshot(page, "settings_webhook_installed")


def test_a_viewer_cannot_create_a_campaign(
    page: Page, server: Server, viewer_account: tuple[str, str]
) -> None:
    sign_in(page, server, *viewer_account)
    expect(page.get_by_role("heading", name="Outreach")).to_be_visible()
    expect(page.get_by_role("link", name="+ New Campaign")).to_have_count(0)
    page.goto(f"{server.url}/outreach/campaigns/new")
    expect(page.get_by_role("button", name="Create Campaign")).to_be_disabled()
    expect(page.get_by_text("Viewers can look, not act.").first).to_be_visible()
    headers = json.loads(page.locator("body").get_attribute("hx-headers") or "{}")
    forced = page.request.post(
        f"{server.url}/outreach/campaigns",
        form={"instantly_campaign_id": HVAC_TEXAS_ID},
        headers={**headers, "HX-Request": "true"},
    )
    assert forced.status == 403
    assert "Viewers can look, not act." in forced.text()
