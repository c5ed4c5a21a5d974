"""Demo data for mock mode and the standalone fake: three trade campaigns with some history."""

from __future__ import annotations

import random

from ravensearch.instantly.fake.simulator import plan_lead
from ravensearch.instantly.fake.state import FakeCampaign, FakeInstantlyState, FakeLead

DEMO_SEED = 7
HVAC_TEXAS_ID = "0199e9d9-cc23-785a-a736-aaa9cabece0f"
PLUMBERS_FLORIDA_ID = "0199e9da-1b47-7c10-9e21-5d3f8a2b6c14"
ELECTRICIANS_ARIZONA_ID = "0199e9da-6f02-7a8e-b4c5-0e9d7c6b5a23"

# (id, name, status, trade, cities, leads)
DEMO_CAMPAIGNS = (
    (HVAC_TEXAS_ID, "HVAC Technicians — Texas", 1, "HVAC technician",
     ("Houston", "Dallas", "Austin", "San Antonio"), 48),
    (PLUMBERS_FLORIDA_ID, "Plumbers — Florida", 1, "plumber",
     ("Miami", "Tampa", "Orlando", "Jacksonville"), 32),
    (ELECTRICIANS_ARIZONA_ID, "Electricians — Arizona", 2, "electrician",
     ("Phoenix", "Tucson", "Mesa", "Chandler"), 20),
)  # fmt: skip
FIRST_NAMES = ("Carlos", "Jake", "Marcus", "Luis", "Tyler", "Andre", "Cody", "Ray", "Dustin",
               "Hector", "Brandon", "Travis", "Javier", "Kyle", "Derek", "Manny")  # fmt: skip
LAST_NAMES = ("Garcia", "Miller", "Johnson", "Hernandez", "Smith", "Nguyen", "Brown", "Lopez",
              "Davis", "Martinez", "Wilson", "Reyes")  # fmt: skip
SHOPS = ("Comfort Pros", "Reliable Service Co", "Lone Star Mechanical", "Sunbelt Trades",
         "Precision Home Services", "Desert Air & Power", "Gulf Coast Contractors")  # fmt: skip


def seed_demo_campaigns(state: FakeInstantlyState) -> list[FakeCampaign]:
    """Add the demo campaigns (fixed ids) with leads whose past activity is already done.

    Their numbers come from the simulator's own `plan_lead`, so demo analytics look like
    what the simulator would have produced. Seeding twice adds nothing new.
    """
    rng = random.Random(DEMO_SEED)
    campaigns: list[FakeCampaign] = []
    for campaign_id, name, status, trade, cities, count in DEMO_CAMPAIGNS:
        campaign = state.campaigns.get(campaign_id)
        if campaign is not None:
            campaigns.append(campaign)
            continue
        campaign = state.add_campaign(name, id=campaign_id, status=status)
        campaign.timestamp_created = campaign.timestamp_updated = "2026-10-01T15:04:05.000Z"
        campaigns.append(campaign)
        for number in range(count):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            shop = rng.choice(SHOPS)
            domain = shop.lower().replace(" & ", "-").replace(" ", "") + ".example"
            email = f"{first}.{last}{number}@{domain}".lower()
            lead = state.add_lead(
                email,
                campaign_id=campaign_id,
                first_name=first,
                last_name=last,
                company_name=shop,
                custom_variables={"trade": trade, "city": rng.choice(cities)},
            )
            if number < count * 3 // 4:  # a quarter is still waiting for its first email
                _replay(lead)
    return campaigns


def _replay(lead: FakeLead) -> None:
    assert lead.email is not None
    lead.simulation_scheduled = True  # history, not something to simulate again
    fate = plan_lead(DEMO_SEED, lead.email)
    lead.emails_sent = 1
    if fate.bounced:
        lead.bounced = True
        return
    lead.opens = int(fate.opened)
    lead.clicks = int(fate.clicked)
    if fate.unsubscribed:
        lead.unsubscribed = True
        return
    if fate.replied:
        lead.replies = 1
        lead.interested = fate.interested
        lead.completed = True
        return
    lead.auto_replies = int(fate.auto_replied)
    lead.emails_sent = 2
    lead.completed = True
