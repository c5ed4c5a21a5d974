"""Whether two business names are one name written two ways.

Names are compared after `business_key` (case, punctuation, &/and, Inc/LLC/Co), and also
without a leading "The", with the trade name of "Baker Mechanical dba Integrity Home
Pros", with trade abbreviations spelt out ("Htg" → "heating"), and without keywords after a bar. Then rapidfuzz, or one
name's words a subset of the other's, so "Reliable Heating & Air" and "RELIABLE HEATING
AND AIR CONDITIONING, INC." agree, and so does a trailing location ("Stewart Brothers
Climate Control - Seminole"). The first word must be the same, so "AA Plumbing" and "AAA
Plumbing" do not agree, and the digits too, with "+" read as a word, so "A+ Heating" and
"A-1 Heating" do not.
"""

from __future__ import annotations

import functools
import re

from rapidfuzz import fuzz

from ravensearch.targets.merge import business_key

NEAR_IDENTICAL = 95.0
_DBA = re.compile(r"\b(?:dba|d/b/a|d\.b\.a\.?)\s+", re.IGNORECASE)
_ABBREVIATIONS = {
    "htg": "heating", "clg": "cooling", "plbg": "plumbing", "plmbg": "plumbing",
    "plmb": "plumbing", "elec": "electric", "mech": "mechanical", "svc": "service",
    "svcs": "services", "bros": "brothers", "ac": "air conditioning",
}  # fmt: skip
_DIGITS = re.compile(r"\d+")
# Words that name a trade, not a business: "Air Conditioning" is nobody's surname.
_TRADE_WORDS = frozenset({
    "air", "conditioning", "heating", "cooling", "hvac", "plumbing", "electric",
    "electrical", "mechanical", "refrigeration", "appliance", "appliances", "repair",
    "service", "services", "comfort", "climate", "drain", "sewer", "roofing", "home",
    "and", "of", "systems", "solutions", "contractors", "pros", "experts",
})  # fmt: skip


@functools.lru_cache(maxsize=65_536)
def name_words(name: str, *, spelt_out: bool = True) -> tuple[str, ...]:
    """ "The Cool Wave Htg & Air, LLC | 24/7 AC Repair" → ("cool", "wave", "heating",
    "and", "air"); `spelt_out=False` keeps the abbreviations."""
    # Google names stuffed with keywords put them after a bar; no legal name has one.
    trade_name = _DBA.split(name.split("|")[0])[-1]
    # "L.L.C." → "llc", which `business_key` drops; "A.B.C." → "abc".
    words = business_key(trade_name.replace(".", "").replace("+", " plus ")).split()
    # "A/C" → "a c" → "ac", the same as "AC".
    for i in range(len(words) - 1, 0, -1):
        if words[i - 1 : i + 1] == ["a", "c"]:
            words[i - 1 : i + 1] = ["ac"]
    if spelt_out:
        words = [_ABBREVIATIONS.get(word, word) for word in words]
    if len(words) > 1 and words[0] == "the":
        words.pop(0)
    return tuple(" ".join(words).split())


def similar_names(a: str, b: str, *, strict: bool = False, loose: bool = False) -> bool:
    """One name written two ways: the same words but for a few more on one side ("Heating
    and Air" / "Heating and Air Conditioning"), or near-identical text. `strict` allows
    only the latter (when nothing but the city backs the match); `loose` (when the phone
    or the street address agrees) also one more word in front, an owner's first name
    ("Tom Kowalski Air Conditioning" / "Kowalski Air Conditioning")."""
    # With nothing but the city to go on, "Tampa A/C & Htg" is not "Tampa Air
    # Conditioning & Heating": such plain names are namesakes as often as not.
    words_a, words_b = name_words(a, spelt_out=not strict), name_words(b, spelt_out=not strict)
    if not words_a or not words_b or _digits(words_a) != _digits(words_b):
        return False
    if words_a[0] != words_b[0]:
        return loose and not strict and _owner_first_name(words_a, words_b)
    return _agree(words_a, words_b, strict=strict)


def _agree(words_a: tuple[str, ...], words_b: tuple[str, ...], *, strict: bool) -> bool:
    if fuzz.ratio(" ".join(words_a), " ".join(words_b)) >= NEAR_IDENTICAL:
        return True
    return not strict and (set(words_a) <= set(words_b) or set(words_b) <= set(words_a))


def _owner_first_name(words_a: tuple[str, ...], words_b: tuple[str, ...]) -> bool:
    longer, shorter = (words_a, words_b) if len(words_a) > len(words_b) else (words_b, words_a)
    # The rest must still name a business ("Kowalski Air Conditioning"), not a trade.
    return (
        len(shorter) >= 2
        and shorter[0] not in _TRADE_WORDS
        and longer[0].isalpha()
        and longer[1] == shorter[0]
        and _agree(longer[1:], shorter, strict=False)
    )


def _digits(words: tuple[str, ...]) -> set[str]:
    return {digits for word in words for digits in _DIGITS.findall(word)} | (
        {"plus"} if "plus" in words else set()
    )
