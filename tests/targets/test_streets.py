"""Street addresses as Google and Yelp write them → comparable parts."""

from __future__ import annotations

import pytest

from ravensearch.targets.streets import Street, parse_street


@pytest.mark.parametrize(
    ("google", "yelp"),
    [
        ("6700 E Baymeadows Trl", "6700 East Baymeadows Trail Suite 18"),
        ("14113 US-441 Suite 260", "14113 U.S. 441 #260"),
        ("14113 US-441", "14113 US Highway 441"),
        ("18337 SW 155th St", "18337 Southwest 155th Street"),
        ("16478 FL-70", "16478 State Road 70"),
        ("5 1st Ave", "5 First Avenue"),
        ("4410 Broadway St", "4410 Broadway"),
        ("123 Main St NW", "123 Main Street Northwest, Ste. B"),
    ],
)
def test_one_address_spelt_two_ways(google: str, yelp: str) -> None:
    a, b = parse_street(google), parse_street(yelp)
    assert a is not None
    assert b is not None
    assert a.matches(b)
    assert b.matches(a)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("100 N Main St", "100 S Main St"),
        ("1200 Oak St", "1200 Oak Ave"),
        ("1200 Oak St", "1210 Oak St"),
        ("2781 US-19", "2781 US-1"),
    ],
)
def test_two_addresses_stay_two(one: str, other: str) -> None:
    a, b = parse_street(one), parse_street(other)
    assert a is not None
    assert b is not None
    assert not a.matches(b)


def test_parts() -> None:
    assert parse_street("18337 SW 155th St") == Street("18337", "155", "st", "sw")
    # A direction alone is the street's name, not its direction.
    assert parse_street("100 North St") == Street("100", "n", "st", None)
    assert parse_street("PO Box 12") is None
    assert parse_street(None) is None
