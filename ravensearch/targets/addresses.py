"""US postal codes: state and territory abbreviations, and ZIP codes."""

from __future__ import annotations

import re

US_STATES: dict[str, str] = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "FL": "Florida", "GA": "Georgia",
    "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois", "IN": "Indiana", "IA": "Iowa",
    "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana", "ME": "Maine", "MD": "Maryland",
    "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota", "MS": "Mississippi",
    "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire",
    "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York", "NC": "North Carolina",
    "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania",
    "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee",
    "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia", "WA": "Washington",
    "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming",
    "DC": "District of Columbia", "AS": "American Samoa", "GU": "Guam",
    "MP": "Northern Mariana Islands", "PR": "Puerto Rico", "VI": "U.S. Virgin Islands",
    "UM": "U.S. Minor Outlying Islands",
    "AA": "Armed Forces Americas", "AE": "Armed Forces Europe", "AP": "Armed Forces Pacific",
}  # fmt: skip

# Spreadsheets often spell the state out ("Texas"); accept the full name too.
_BY_NAME = {name.lower().replace(".", ""): code for code, name in US_STATES.items()}
_ZIP = re.compile(r"^(\d{5})(?:-?(\d{4}))?$")


def normalize_state(value: str) -> str:
    """`tx`, `TX` or `Texas` → `TX`. Raises ValueError for anything else."""
    text = value.strip()
    code = text.upper()
    if code in US_STATES:
        return code
    by_name = _BY_NAME.get(" ".join(text.lower().replace(".", "").split()))
    if by_name:
        return by_name
    raise ValueError(
        f"unknown state '{text}': use a 2-letter US state or territory code such as TX"
    )


def normalize_zip(value: str) -> str:
    """`12345`, `12345-6789` (or `123456789`) → `12345` / `12345-6789`. Raises ValueError."""
    text = value.strip()
    match = _ZIP.match(text)
    if match is None:
        raise ValueError(f"invalid zip '{text}': use 5 digits or ZIP+4 (12345 or 12345-6789)")
    five, four = match.groups()
    return f"{five}-{four}" if four else five
