"""How the unseen universe names businesses and spells their addresses, and the ways a
name or an address is written differently on the other provider (`universe_unseen`)."""

from __future__ import annotations

import random
import re

SURNAMES = (
    "Rodriguez", "Hernandez", "Gonzalez", "Diaz", "Fernandez", "Alvarez", "Castillo", "Suarez",
    "Morales", "Delgado", "Smith", "Johnson", "Williams", "Brown", "Jones", "Davis", "Wilson",
    "Taylor", "Thomas", "Moore", "Martin", "Thompson", "White", "Harris", "Clark", "Lewis",
    "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Hill", "Green", "Baker",
    "Nelson", "Carter", "Mitchell", "Roberts", "Phillips", "Evans", "Collins", "Stewart",
    "Sullivan", "McCarthy", "O'Brien", "McDonald", "Kowalski", "Nguyen", "Patel", "Jean-Baptiste",
    "Pierre", "Dubois", "Schmidt", "Bauer", "Russo", "Romano", "Fischer", "Larsen", "Holt",
)  # fmt: skip
FIRST_NAMES = (
    "Joe", "Mike", "Dave", "Tom", "Carlos", "Luis", "Jose", "Steve", "Bob", "Rick", "Tony",
    "Frank", "Eddie", "Ray", "Danny", "Jim", "Chris", "Marco", "Pete", "Sam",
)  # fmt: skip
PLACES = (
    "Sunshine", "Gulf Coast", "Suncoast", "Bay Area", "Treasure Coast", "Space Coast",
    "First Coast", "Palm", "Coastal", "Tropical", "Keys", "Everglades", "Citrus", "Manatee",
    "Seminole", "Emerald Coast", "Big Bend", "Tampa Bay", "South Florida", "Central Florida",
    "North Florida", "Sun State", "Atlantic", "Biscayne", "Lakeland", "Osceola", "Pinellas",
    "Brevard", "Palmetto", "Key West", "Nature Coast", "Heartland", "Sawgrass", "Indian River",
)  # fmt: skip
COOL = (
    "Arctic", "Polar", "Cool Breeze", "Frosty", "Igloo", "Chill", "Blizzard", "Glacier",
    "Penguin", "Snowman", "Icebox", "Cool Wave", "Breezeway", "Cold Front", "Sea Breeze",
)  # fmt: skip
ADJECTIVES = (
    "Reliable", "Premier", "Elite", "Quality", "Superior", "Affordable", "Advanced", "Trusted",
    "Express", "Total", "Apex", "Honest", "Precision", "Dependable", "Rapid", "Prestige",
    "Allstar", "Pro", "Budget", "Family", "Integrity", "Accurate", "Certified", "Genuine",
)  # fmt: skip
STEMS = SURNAMES + PLACES + COOL + ADJECTIVES
LETTERS = ("A-1", "AAA", "A+", "1st Choice", "24/7", "ABC", "A&B", "J&R", "B & M", "K.C.")
TRADE_WORDS = {
    "hvac": (
        "Air Conditioning", "Heating & Air", "Air Conditioning & Heating", "Heating & Cooling",
        "A/C & Heating", "Air", "Cooling", "Comfort Systems", "Climate Control",
        "Mechanical Services", "HVAC", "Air Conditioning Service", "AC Services",
    ),
    "plumbing": ("Plumbing", "Plumbing Services", "Plumbing & Drain", "Rooter", "Plumbing Co"),
    "electrical": ("Electric", "Electrical Contractors", "Electrical Services", "Electric Co"),
    "roofing": ("Roofing", "Roofing & Sheet Metal", "Roof Systems"),
    "appliance_repair": ("Appliance Repair", "Appliance Service", "Appliance Doctor"),
    "general_contractor": ("Construction", "Builders", "Contracting", "Remodeling"),
    "locksmith": ("Locksmith", "Lock & Key", "Lock & Safe"),
    "garage_door": ("Garage Doors", "Garage Door Service", "Overhead Door"),
    "pest_control": ("Pest Control", "Termite & Pest Control", "Exterminators"),
}  # fmt: skip
# Firms that do two trades, named for both: (trades, words).
DUAL_WORDS = (
    (("plumbing", "hvac"), "Plumbing & Heating"),
    (("hvac", "plumbing"), "Heating, Cooling & Plumbing"),
    (("hvac", "plumbing"), "Air & Plumbing"),
    (("plumbing", "hvac"), "Plumbing, Heating & Air"),
    (("electrical", "hvac"), "Electric & Air"),
    (("electrical", "hvac"), "Electrical & Air Conditioning"),
)
# HVAC firms whose name says nothing of the trade.
NAMELESS = ("{s} & Sons Inc", "{a} Services", "{s} Enterprises", "{p} Home Services",
            "{s} Group", "{p} Solutions", "{a} Home Pros")  # fmt: skip
LEGAL = (" LLC", ", LLC", " Inc", ", Inc.", " Inc.", " Corp", " Co.", " L.L.C.", ", Inc")
_ABBREVIATIONS = (
    ("Air Conditioning", ("A/C", "AC", "Air Cond.")), ("Heating", ("Htg",)),
    ("Services", ("Svcs", "Svc")), ("Service", ("Svc",)), ("Brothers", ("Bros", "Bros.")),
    ("Company", ("Co",)), ("Mechanical", ("Mech",)), ("Electrical", ("Elec",)),
    ("Plumbing", ("Plbg",)), ("Construction", ("Constr",)), ("Contractors", ("Contr",)),
)  # fmt: skip
_LEGAL_END = re.compile(r",? (LLC|L\.L\.C\.|Inc\.?|Corp|Co\.)$")
STUFFING = ("AC Repair & Installation", "24/7 AC Repair", "HVAC Contractor", "AC Repair {city}",
            "Air Conditioning Repair Service")  # fmt: skip

# (abbreviated, spelled out): Google abbreviates, owners on Yelp often spell out.
STREET_TYPES = (("St", "Street"), ("Ave", "Avenue"), ("Rd", "Road"), ("Blvd", "Boulevard"),
                ("Dr", "Drive"), ("Ln", "Lane"), ("Pkwy", "Parkway"), ("Ct", "Court"),
                ("Cir", "Circle"), ("Trl", "Trail"), ("Hwy", "Highway"))  # fmt: skip
DIRECTIONS = (("N", "North"), ("S", "South"), ("E", "East"), ("W", "West"),
              ("NE", "Northeast"), ("NW", "Northwest"), ("SE", "Southeast"), ("SW", "Southwest"))  # fmt: skip
STREETS = (
    "Dale Mabry", "Orange Blossom", "Kennedy", "Colonial", "Semoran", "Atlantic", "Federal",
    "Biscayne", "Beach", "Park", "Lake", "Bay", "Palm", "Oak", "Cypress", "Magnolia", "Pine",
    "Hillsborough", "Fowler", "Bruce B Downs", "Sand Lake", "Kirkman", "Commerce", "Industrial",
    "Gateway", "Tamiami", "Bird", "Coral Way", "Flagler", "San Jose", "Baymeadows", "Beach",
    "Blanding", "Mandarin", "Executive", "Corporate", "Enterprise", "Tradeport", "Airport",
)  # fmt: skip
SUITE_STYLES = ("Ste {}", "Suite {}", "#{}", "Ste. {}", "Unit {}", "STE {}")


def trade_name(rng: random.Random, trade: str, city: str) -> tuple[str, str]:
    """A business name for `trade` and its naming pattern ("owner", "nameless", …)."""
    word = rng.choice(TRADE_WORDS[trade])
    roll = rng.random()
    if trade == "hvac" and roll < 0.06:
        template = rng.choice(NAMELESS)
        name = template.format(
            s=rng.choice(SURNAMES), a=rng.choice(ADJECTIVES), p=rng.choice(PLACES)
        )
        return name, "nameless"
    if roll < 0.14:
        return f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)} {word}", "owner"
    if roll < 0.19:
        return f"{rng.choice(SURNAMES)} Brothers {word}", "brothers"
    if roll < 0.23:
        return f"{rng.choice(SURNAMES)} & Sons {word}", "sons"
    if roll < 0.43:
        return f"{rng.choice(SURNAMES)} {word}", "surname"
    if roll < 0.62:
        return f"{rng.choice(PLACES)} {word}", "place"
    if roll < 0.72 and trade == "hvac":
        return f"{rng.choice(COOL)} {word}", "cool"
    if roll < 0.78:
        return f"{rng.choice(LETTERS)} {word}", "letters"
    if roll < 0.82:
        return f"{city} {word}", "city"
    return f"{rng.choice(ADJECTIVES)} {word}", "adjective"


def abbreviate(rng: random.Random, name: str) -> str | None:
    """`name` with one word abbreviated, or None when nothing in it abbreviates."""
    found = [(long, shorts) for long, shorts in _ABBREVIATIONS if long in name]
    if not found:
        return None
    long, shorts = rng.choice(found)
    return name.replace(long, rng.choice(shorts), 1)


def recase(rng: random.Random, name: str) -> str:
    """Other punctuation or case: what owners type and what Yelp keeps."""
    roll = rng.random()
    if roll < 0.3:
        return name.upper()
    if roll < 0.5 and re.search(r"[-'.]", name):
        return name.replace("-", "").replace("'", "").replace(".", "")
    if roll < 0.7 and re.search(r"\b[A-Z]{2,}\b", name):
        return re.sub(r"\b([A-Z])([A-Z]+)\b", lambda m: m[1] + m[2].lower(), name)
    if roll < 0.85:
        return name.lower().title()
    return f"{name}."


def swap_and(name: str) -> str | None:
    if " & " in name:
        return name.replace(" & ", " and ")
    if " and " in name:
        return name.replace(" and ", " & ")
    return None


def with_legal(rng: random.Random, name: str) -> str:
    return _LEGAL_END.sub("", name) + rng.choice(LEGAL)


def strip_legal(name: str) -> str:
    return _LEGAL_END.sub("", name)


def street(rng: random.Random, miami_grid: bool) -> tuple[str, ...]:
    """Parts of a street address: (number, direction or "", name, type, highway kind or "")."""
    number = str(
        rng.choice((rng.randint(100, 999), rng.randint(1000, 9999), rng.randint(10000, 19999)))
    )
    roll = rng.random()
    if miami_grid and roll < 0.5:
        nth = rng.randint(2, 199)
        suffix = "th" if 10 <= nth % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(nth % 10, "th")
        kind = rng.choice(
            (("St", "Street"), ("Ave", "Avenue"), ("Ct", "Court"), ("Ter", "Terrace"))
        )
        return number, rng.choice(DIRECTIONS[4:])[0], f"{nth}{suffix}", kind[0], ""
    if roll < 0.12:
        return number, "", str(rng.choice((19, 27, 41, 92, 98, 301, 441, 1, 17))), "", "us"
    if roll < 0.2:
        return number, "", str(rng.choice((50, 60, 436, 434, 84, 7, 200, 70, 580, 54))), "", "sr"
    direction = rng.choice(DIRECTIONS[:4]) if rng.random() < 0.3 else ("", "")
    kind = rng.choice(STREET_TYPES)
    return number, direction[0], rng.choice(STREETS), kind[0], ""


def spell_street(rng: random.Random, parts: tuple[str, ...], *, long: bool) -> str:
    """One spelling of `street()`'s parts: Google's abbreviated one or an owner's long one."""
    number, direction, name, kind, highway = parts
    if highway == "us":
        road = rng.choice(("US Highway {}", "U.S. {}", "US Hwy {}")) if long else "US-{}"
        return f"{number} {road.format(name)}"
    if highway == "sr":
        road = rng.choice(("State Road {}", "State Rd {}", "FL-{}")) if long else "FL-{}"
        return f"{number} {road.format(name)}"
    if long:
        direction = dict(DIRECTIONS).get(direction, direction)
        types = dict(STREET_TYPES) | {"Ter": "Terrace"}
        kind = types.get(kind, kind) if rng.random() < 0.8 else kind
    return " ".join(p for p in (number, direction, name, kind) if p)


def suite_label(rng: random.Random) -> str:
    """The suite's own label: "200", "B", "4-102"."""
    roll = rng.random()
    if roll < 0.6:
        return str(rng.choice((rng.randint(100, 450), rng.randint(1, 30))))
    if roll < 0.9:
        return rng.choice("ABCDEFGH")
    return f"{rng.randint(1, 6)}-{rng.randint(101, 120)}"


def spell_suite(rng: random.Random, label: str, avoid: str | None = None) -> str:
    styles = [s for s in SUITE_STYLES if s.format(label) != avoid]
    return rng.choice(styles).format(label)
