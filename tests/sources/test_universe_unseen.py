"""The unseen universe itself (not the collector): determinism, ground truth, patterns."""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest

from ravensearch.sources.google.fake_places import place_json
from ravensearch.sources.universe import Business, Universe
from ravensearch.sources.universe_unseen import PATTERNS, SEED, unseen_universe


@pytest.fixture(scope="module")
def florida() -> tuple[Business, ...]:
    return unseen_universe().businesses("FL")


def _truths(listings: tuple[Business, ...]) -> dict[str, list[Business]]:
    grouped: dict[str, list[Business]] = defaultdict(list)
    for b in listings:
        grouped[b.identity].append(b)
    return grouped


def _patterns(b: Business) -> tuple[str, ...]:
    assert b.truth is not None
    return b.truth.patterns


def test_same_seed_same_listings_other_seed_others() -> None:
    first = unseen_universe(states={"DE"}).businesses("DE")
    again = unseen_universe(states={"DE"}).businesses("DE")
    other = unseen_universe(SEED + 1, states={"DE"}).businesses("DE")

    assert first == again
    assert [b.google_name for b in first[:50]] != [b.google_name for b in other[:50]]


def test_every_true_business_has_a_listing_on_one_provider_each(
    florida: tuple[Business, ...],
) -> None:
    truths = _truths(florida)
    # Truth keys are numbered as the businesses are made: a gap is a business without listing.
    assert sorted(truths) == [f"FL-T{n:05d}" for n in range(len(truths))]
    assert all(b.on_google != b.on_yelp for b in florida)
    ids = [i for b in florida for i in (b.google_id, b.yelp_id) if i]
    assert len(ids) == len(set(ids)) == len(florida)


def test_size_and_density(florida: tuple[Business, ...]) -> None:
    truths = _truths(florida)
    hvac = [k for k, ls in truths.items() if "hvac" in ls[0].true_trades]
    assert 3000 <= len(hvac) <= 5000
    per_city = Counter(ls[0].city for ls in truths.values())
    assert per_city["Miami"] > 5 * per_city["Pensacola"]


def test_each_pattern_occurs_often_enough(florida: tuple[Business, ...]) -> None:
    seen = Counter(p for ls in _truths(florida).values() for p in _patterns(ls[0]))

    assert set(seen) == set(PATTERNS)
    assert {p: n for p, n in seen.items() if n < 10} == {}


def test_franchise_locations_are_apart(florida: tuple[Business, ...]) -> None:
    places: dict[str, list[tuple[str | None, str]]] = defaultdict(list)
    for listings in _truths(florida).values():
        if "franchise" in _patterns(listings[0]):
            first = listings[0]
            places[first.name].append((first.street, first.zip))
    assert len(places) >= 5
    for brand, addresses in places.items():
        assert len(addresses) >= 3, brand
        assert len(set(addresses)) == len(addresses), brand


def test_a_shared_building_holds_different_suites(florida: tuple[Business, ...]) -> None:
    suites: dict[tuple[str | None, str], set[str]] = defaultdict(set)
    for listings in _truths(florida).values():
        google = [b for b in listings if b.on_google and b.suite]
        if "shared_building" in _patterns(listings[0]) and google:
            suites[(google[0].street, google[0].zip)].add(google[0].identity)
    assert sum(len(owners) > 1 for owners in suites.values()) >= 20


def test_listings_agree_with_the_truth(florida: tuple[Business, ...]) -> None:
    for listings in _truths(florida).values():
        truth = listings[0].truth
        assert truth is not None
        google = [b for b in listings if b.on_google]
        if truth.closed:
            # Closed shows on Google, or on Yelp when Google lists no such business.
            assert all(b.closed for b in google) if google else all(b.closed for b in listings)
        if "dual_trade" in truth.patterns:
            assert len(truth.trades) == 2
        if "foreign" in truth.patterns:
            assert truth.trades == ()


def test_google_status_hook_leaves_the_default_world_alone() -> None:
    plain = Universe(states={"DE"}).businesses("DE")[0]
    unknown = next(
        b for b in unseen_universe(states={"DE"}).businesses("DE") if b.google_status == ""
    )

    assert place_json(plain)["businessStatus"] in {
        "OPERATIONAL",
        "CLOSED_PERMANENTLY",
        "CLOSED_TEMPORARILY",
    }
    assert plain.truth is None
    assert plain.identity == plain.key
    assert "businessStatus" not in place_json(unknown)
