"""The header navigation and the Outreach page's tabs; add a tab here when its page exists."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tab:
    key: str  # what a template sets as `active_tab` to highlight it
    label: str
    route: str  # route name, resolved with url_for


MAIN_NAV: tuple[Tab, ...] = (
    Tab("outreach", "Outreach", "campaigns:list"),
    Tab("settings", "Settings", "settings:index"),
)

OUTREACH_TABS: tuple[Tab, ...] = (
    Tab("campaigns", "Campaigns", "campaigns:list"),
    Tab("targets", "Targets", "targets:list"),
    Tab("notifications", "Notifications", "notifications:list"),
    Tab("pipeline", "Recruiting pipeline", "pipeline:index"),
    Tab("suppressions", "Suppression list", "suppressions:list"),
)
