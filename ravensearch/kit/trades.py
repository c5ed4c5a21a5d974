"""The trades Ravensearch recruits for, and the spellings people use for them."""

from __future__ import annotations

from ravensearch.errors import InvalidInput

TRADES: tuple[str, ...] = (
    "hvac",
    "plumbing",
    "electrical",
    "roofing",
    "appliance_repair",
    "general_contractor",
    "locksmith",
    "garage_door",
    "pest_control",
)

# What a collected target's trade was read from, weakest first (`sources.classify`): a
# later listing of the business with stronger evidence corrects it (`targets.listings`).
TRADE_EVIDENCE: tuple[str, ...] = ("query", "name", "categories", "main_category")

_ALIASES = {
    "heating": "hvac",
    "air conditioning": "hvac",
    "hvac technician": "hvac",
    "plumber": "plumbing",
    "plumbers": "plumbing",
    "electrician": "electrical",
    "electricians": "electrical",
    "roofer": "roofing",
    "roofers": "roofing",
    "appliance": "appliance_repair",
    "appliances": "appliance_repair",
    "contractor": "general_contractor",
    "contractors": "general_contractor",
    "gc": "general_contractor",
    "locksmiths": "locksmith",
    "garage door services": "garage_door",
    "garage doors": "garage_door",
    "pest": "pest_control",
    "exterminator": "pest_control",
}


def normalize_trade(value: str) -> str:
    """Map a spelling ("HVAC", "Plumber", "appliance repair") to its canonical trade."""
    key = " ".join(value.strip().lower().replace("-", " ").replace("_", " ").split())
    candidate = key.replace(" ", "_")
    if candidate in TRADES:
        return candidate
    if key in _ALIASES:
        return _ALIASES[key]
    raise InvalidInput(f"Unknown trade '{value}'. Allowed trades: {', '.join(TRADES)}.")


def trade_label(trade: str) -> str:
    """How a trade reads on screen: `appliance_repair` → "Appliance repair", `hvac` → "HVAC"."""
    return "HVAC" if trade == "hvac" else trade.replace("_", " ").capitalize()
