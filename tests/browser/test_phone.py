"""The admin on a phone (390 × 844): no page scrolls sideways; tables scroll inside their card
with the key column pinned; the header's bell stays visible. Screenshots: phone-*.png."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from ravensearch.instantly.fake.demo import HVAC_TEXAS_ID
from tests.browser.conftest import Server, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

WIDTH = 390
EXAMPLE_CSV = Path(__file__).resolve().parents[2] / "examples" / "technicians.csv"


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": WIDTH, "height": 844}, device_scale_factor=2, is_mobile=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


# What sticks out past the screen's right edge (for the failure message).
WIDER_THAN_SCREEN = """[...document.querySelectorAll('body *')]
  .filter(el => el.getBoundingClientRect().right > 391
    && !el.closest('.table-wrap'))
  .slice(0, 5).map(el => el.tagName + '.' + el.className + '#' + el.id)"""


def _page_width(page: Page) -> int:
    width: int = page.evaluate("document.documentElement.scrollWidth")
    return width


def test_every_page_fits_a_phone(phone: Page, server: Server) -> None:
    campaign_id = server.linked_campaign(HVAC_TEXAS_ID)
    with server.api() as api, EXAMPLE_CSV.open("rb") as handle:
        api.post("/api/targets/import", files={"file": ("t.csv", handle, "text/csv")})
    sign_in(phone, server, server.admin_email, server.admin_password)
    pages = {
        "campaigns": "/outreach/campaigns",
        "campaign": f"/outreach/campaigns/{campaign_id}",
        "new-campaign": "/outreach/campaigns/new",
        "targets": "/outreach/targets",
        "pipeline": "/outreach/pipeline?view=table",
        "notifications": "/outreach/notifications",
    }
    for name, path in pages.items():
        phone.goto(f"{server.url}{path}")
        screenshot(phone, f"phone-{name}")
        expect(phone.locator("#notification-badge")).to_be_in_viewport()
        wide = phone.evaluate(WIDER_THAN_SCREEN)
        assert _page_width(phone) <= WIDTH, f"{name} scrolls sideways: {wide}"


def test_a_wide_table_scrolls_inside_its_card_with_the_key_column_pinned(
    phone: Page, server: Server
) -> None:
    sign_in(phone, server, server.admin_email, server.admin_password)
    phone.goto(f"{server.url}/outreach/campaigns")
    wrap = phone.locator(".table-wrap").first
    assert wrap.evaluate("el => el.scrollWidth > el.clientWidth")
    first = wrap.locator("tbody tr td").first
    before = first.bounding_box()
    wrap.evaluate("el => { el.scrollLeft = 200; }")
    after = first.bounding_box()
    assert before is not None
    assert after is not None
    assert after["x"] == pytest.approx(before["x"], abs=1)  # pinned, not scrolled away
    screenshot(phone, "phone-campaigns-scrolled")
