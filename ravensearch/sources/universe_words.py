"""Word lists the synthetic universe names its businesses and streets with."""

from __future__ import annotations

TRADE_WORDS = {
    "hvac": ("Heating & Air", "HVAC", "Air Conditioning", "Heating & Cooling", "Comfort Systems"),
    "plumbing": ("Plumbing", "Plumbing & Drain", "Rooter", "Plumbing Services"),
    "electrical": ("Electric", "Electrical Services", "Electrical Contractors"),
    "roofing": ("Roofing", "Roofing & Exteriors", "Roof Repair"),
    "appliance_repair": ("Appliance Repair", "Appliance Service"),
    "general_contractor": ("Construction", "Builders", "Remodeling", "General Contracting"),
    "locksmith": ("Locksmith", "Lock & Key", "Locksmith Services"),
    "garage_door": ("Garage Doors", "Garage Door Repair", "Overhead Door"),
    "pest_control": ("Pest Control", "Exterminating", "Termite & Pest"),
}
SURNAMES = (
    "Johnson", "Miller", "Garcia", "Martinez", "Davis", "Wilson", "Anderson", "Thomas", "Moore",
    "Jackson", "Martin", "Lee", "Thompson", "White", "Harris", "Clark", "Lewis", "Walker", "Hall",
    "Allen", "Young", "King", "Wright", "Lopez", "Hill", "Scott", "Green", "Adams", "Baker",
    "Nelson", "Carter", "Mitchell", "Perez", "Roberts", "Turner", "Phillips", "Campbell", "Parker",
    "Evans", "Edwards", "Collins", "Stewart", "Morris", "Rogers", "Reed", "Cook", "Morgan", "Bell",
    "Murphy", "Bailey", "Rivera", "Cooper", "Cox", "Howard", "Ward", "Torres", "Peterson", "Gray",
    "Ramirez", "Brooks", "Sanders", "Price", "Bennett", "Wood", "Barnes", "Ross", "Henderson",
    "Jenkins", "Perry", "Powell", "Long", "Patterson", "Hughes", "Flores", "Washington", "Butler",
)  # fmt: skip
ADJECTIVES = (
    "Reliable", "Precision", "Premier", "Elite", "Quality", "Superior", "Affordable", "Advanced",
    "Trusted", "Pro", "Express", "Total", "Apex", "Summit", "Blue Ribbon", "Five Star", "Liberty",
    "Patriot", "Eagle", "Pioneer", "Heritage", "Family", "Budget", "Integrity", "Honest",
    "Allied", "American", "United", "Metro", "Precise", "Rapid", "Action", "All Pro", "Guardian",
)  # fmt: skip
STREETS = (
    "Main", "Oak", "Pine", "Maple", "Cedar", "Elm", "Washington", "Lake", "Hill", "Park",
    "Sunset", "Ridge", "Church", "Mill", "River", "Spring", "Center", "Highland", "Forest",
    "Meadow",
)  # fmt: skip
STREET_TYPES = (("St", "Street"), ("Ave", "Avenue"), ("Rd", "Road"), ("Blvd", "Boulevard"),
                 ("Dr", "Drive"), ("Ln", "Lane"), ("Pkwy", "Parkway"))  # fmt: skip
LEGAL = ("", "", "", " LLC", ", LLC", " Inc.", ", Inc.", " Co.")
