"""Street addresses as providers write them → comparable parts.

Google writes "6700 E Baymeadows Trl", "14113 US-441" and "18337 SW 155th St"; Yelp writes
the same places "6700 East Baymeadows Trail", "14113 U.S. 441 #260" and "18337 Southwest
155th Street". `parse_street` reduces both to the house number, the street's name, its
type and its direction, without the suite; `Street.matches` lets one side leave out the
type or the direction ("4410 Broadway" is "4410 Broadway St"), never disagree on them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ravensearch.targets.addresses import US_STATES

_DIRECTIONS = {
    "north": "n", "south": "s", "east": "e", "west": "w", "northeast": "ne",
    "northwest": "nw", "southeast": "se", "southwest": "sw",
}  # fmt: skip
_SHORT_DIRECTIONS = frozenset(_DIRECTIONS.values())
# USPS street suffixes (Publication 28, appendix C1): the common ones that are rarely a
# street's own name ("Central Park" keeps its "park").
_TYPES = {
    "street": "st", "str": "st", "avenue": "ave", "av": "ave", "avn": "ave",
    "boulevard": "blvd", "boul": "blvd", "road": "rd", "drive": "dr", "drv": "dr",
    "trail": "trl", "lane": "ln", "court": "ct", "circle": "cir", "circ": "cir",
    "place": "pl", "parkway": "pkwy", "pky": "pkwy", "highway": "hwy", "hiway": "hwy",
    "terrace": "ter", "expressway": "expy", "freeway": "fwy", "turnpike": "tpke",
    "causeway": "cswy", "way": "way", "loop": "loop",
}  # fmt: skip
_SHORT_TYPES = frozenset(_TYPES.values())
_ORDINALS = {
    "first": "1", "second": "2", "third": "3", "fourth": "4", "fifth": "5", "sixth": "6",
    "seventh": "7", "eighth": "8", "ninth": "9", "tenth": "10", "eleventh": "11",
    "twelfth": "12",
}  # fmt: skip
# "US-441", "U.S. 441", "US Highway 441", "US Hwy 441", "US Route 441" → "us 441".
_US_ROUTE = re.compile(r"\bus (?:(?:hwy|rte|hw|highway|route) )?(\d+)\b")
_INTERSTATE = re.compile(r"\b(?:interstate|i) (?:hwy |highway )?(\d+)\b")
# A state's own road: "FL-70", "State Road 70", "SR 70", "State Hwy 71", "SH 71" → "sr 70".
_STATE_CODES = "|".join(code.lower() for code in US_STATES)
_STATE_ROUTE = re.compile(
    rf"\b(?:(?:{_STATE_CODES}) (?:state )?(?:hwy |highway |road |rd |route |rte )?"
    r"|state (?:hwy|highway|road|rd|route|rte) |sr |sh )(\d+)\b"
)
_COUNTY_ROAD = re.compile(r"\b(?:county (?:road|rd|route|rte|hwy|highway)|cr) (\d+)\b")
_ORDINAL_NUMBER = re.compile(r"\b(\d+)(?:st|nd|rd|th)\b")
# Where the suite starts: "Suite 260", "Ste. G", "Unit 4", "#260", "Bldg 2" (not "Fl": "FL-70" is a road).
_SUITE = re.compile(r"(?:\s|^)(?:suite|ste|unit|apt|room|rm|bldg|floor)\b.*|#.*")
_NUMBER = re.compile(r"^(\d+[a-z]?)\s+(.+)$")


@dataclass(frozen=True, slots=True)
class Street:
    number: str
    name: str
    kind: str | None = None
    direction: str | None = None

    @property
    def key(self) -> str:
        """ "6700 baymeadows": what every spelling of this street address shares."""
        return f"{self.number} {self.name}"

    def matches(self, other: Street) -> bool:
        return (
            self.key == other.key
            and _agree(self.kind, other.kind)
            and _agree(self.direction, other.direction)
        )


def parse_street(address: str | None) -> Street | None:
    """The street address's parts, or None when it does not start with a house number."""
    text = (address or "").lower().replace(".", "").replace("'", "")
    text = _SUITE.sub("", text)
    text = " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())
    match = _NUMBER.match(text)
    if match is None:
        return None
    number, rest = match[1], match[2]
    words = [_ORDINALS.get(w, w) for w in rest.split()]
    rest = _ORDINAL_NUMBER.sub(r"\1", " ".join(words))
    rest = _US_ROUTE.sub(r"us \1", rest)
    rest = _INTERSTATE.sub(r"i \1", rest)
    rest = _COUNTY_ROAD.sub(r"cr \1", rest)
    rest = _STATE_ROUTE.sub(r"sr \1", rest)
    words = [_DIRECTIONS.get(w, w) for w in rest.split()]
    # "SW 155th St", "Main St NW": a direction before or after the name and a type after
    # it, never the whole name ("North St").
    direction = kind = None
    if len(words) > 1 and words[-1] in _SHORT_DIRECTIONS:
        direction = words.pop()
    if len(words) > 1 and _TYPES.get(words[-1], words[-1]) in _SHORT_TYPES:
        last = words.pop()
        kind = _TYPES.get(last, last)
    if len(words) > 1 and words[0] in _SHORT_DIRECTIONS:
        direction = words.pop(0)
    if not words:
        return None
    return Street(number, " ".join(words), kind, direction)


def _agree(a: str | None, b: str | None) -> bool:
    return a is None or b is None or a == b
