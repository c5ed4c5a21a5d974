"""State geometry from the offline `zipcodes` package: ZIP centroids, bounding boxes, and
whether a rectangle touches a state. Nothing is fetched at run time."""

from __future__ import annotations

import math
import threading
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property

import zipcodes

from ravensearch.errors import InvalidInput
from ravensearch.kit.distance import distance_m
from ravensearch.targets.addresses import US_STATES

# A business sits at most this far from its ZIP's centroid (in degrees): a tile farther
# than this from every centroid of the state holds none of its businesses.
NEAR_DEGREES = 0.1
_CELL = 0.5  # degrees per side of the centroid index cells


@dataclass(frozen=True, slots=True)
class Tile:
    """A latitude/longitude rectangle: `south`/`west` is the low corner, `north`/`east` the high."""

    south: float
    west: float
    north: float
    east: float

    @property
    def center(self) -> tuple[float, float]:
        return (self.south + self.north) / 2, (self.west + self.east) / 2

    @property
    def span(self) -> float:
        """The shorter side, in degrees."""
        return min(self.north - self.south, self.east - self.west)

    def split(self) -> tuple[Tile, Tile, Tile, Tile]:
        lat, lng = self.center
        return (
            Tile(self.south, self.west, lat, lng),
            Tile(self.south, lng, lat, self.east),
            Tile(lat, self.west, self.north, lng),
            Tile(lat, lng, self.north, self.east),
        )

    def contains(self, lat: float, lng: float) -> bool:
        # Half-open on the high side so that neighbouring tiles never both hold a point.
        return self.south <= lat < self.north and self.west <= lng < self.east

    def expanded(self, degrees: float) -> Tile:
        return Tile(
            self.south - degrees, self.west - degrees, self.north + degrees, self.east + degrees
        )

    def intersects(self, other: Tile) -> bool:
        return not (
            other.north < self.south
            or other.south > self.north
            or other.east < self.west
            or other.west > self.east
        )

    def radius_m(self) -> float:
        """Distance from the center to the farthest corner: the circle that covers the tile."""
        lat, lng = self.center
        return max(
            distance_m(lat, lng, corner_lat, corner_lng)
            for corner_lat in (self.south, self.north)
            for corner_lng in (self.west, self.east)
        )


@dataclass(frozen=True, slots=True)
class ZipPoint:
    zip: str
    city: str
    state: str
    lat: float
    lng: float
    area_codes: tuple[str, ...]
    is_standard: bool


class StateGeo:
    """The ZIP centroids of one state and what follows from them."""

    def __init__(self, state: str, points: tuple[ZipPoint, ...]) -> None:
        if not points:
            raise InvalidInput(f"No ZIP codes known for state '{state}'.")
        self.state = state
        self.points = points
        self._cells: dict[tuple[int, int], list[ZipPoint]] = defaultdict(list)
        for point in points:
            self._cells[_cell(point.lat, point.lng)].append(point)

    @cached_property
    def bbox(self) -> Tile:
        lats = [p.lat for p in self.points]
        lngs = [p.lng for p in self.points]
        # A hair past the extreme centroids so that the half-open tiles still contain them.
        return Tile(min(lats), min(lngs), max(lats) + 1e-6, max(lngs) + 1e-6).expanded(NEAR_DEGREES)

    @cached_property
    def standard_points(self) -> tuple[ZipPoint, ...]:
        """Street-delivery ZIPs (not PO boxes or single buildings): where businesses are."""
        return tuple(p for p in self.points if p.is_standard) or self.points

    def zip_count(self, tile: Tile) -> int:
        """Street-delivery ZIP centroids inside `tile`: a population proxy."""
        return sum(
            1 for p in self._points_near(tile) if p.is_standard and tile.contains(p.lat, p.lng)
        )

    def _points_near(self, area: Tile) -> Iterator[ZipPoint]:
        low = _cell(area.south, area.west)
        high = _cell(area.north, area.east)
        for i in range(low[0], high[0] + 1):
            for j in range(low[1], high[1] + 1):
                yield from self._cells.get((i, j), ())

    def clip(self, tile: Tile, *, near: float = NEAR_DEGREES) -> Tile | None:
        """The part of `tile` within `near` degrees of the state's ZIP centroids' box there,
        or None when no centroid is in or near it. Every business of the state inside
        `tile` stays inside the result; only neighbours' land is cut away."""
        area = tile.expanded(near)
        inside = [
            p
            for p in self._points_near(area)
            if area.south <= p.lat <= area.north and area.west <= p.lng <= area.east
        ]
        if not inside:
            return None
        box = _box(inside, near)
        return Tile(
            max(tile.south, box.south),
            max(tile.west, box.west),
            min(tile.north, box.north),
            min(tile.east, box.east),
        )

    def touches(self, tile: Tile, *, near: float = NEAR_DEGREES) -> bool:
        """Whether some ZIP centroid of the state lies in `tile` or within `near` degrees."""
        area = tile.expanded(near)
        return any(
            area.south <= p.lat <= area.north and area.west <= p.lng <= area.east
            for p in self._points_near(area)
        )


def _box(points: Sequence[ZipPoint], near: float) -> Tile:
    # A hair past the extreme points so that half-open tiles still contain them.
    return Tile(
        min(p.lat for p in points) - near,
        min(p.lng for p in points) - near,
        max(p.lat for p in points) + near + 1e-6,
        max(p.lng for p in points) + near + 1e-6,
    )


def _cell(lat: float, lng: float) -> tuple[int, int]:
    return math.floor(lat / _CELL), math.floor(lng / _CELL)


_lock = threading.Lock()
_by_state: dict[str, tuple[ZipPoint, ...]] | None = None
_geos: dict[str, StateGeo] = {}


def _load() -> dict[str, tuple[ZipPoint, ...]]:
    global _by_state
    with _lock:
        if _by_state is None:
            grouped: dict[str, list[ZipPoint]] = defaultdict(list)
            # ~42k records, loaded once per process (about 1 s).
            for record in zipcodes.list_all():  # type: ignore[no-untyped-call]
                try:
                    lat, lng = float(record["lat"]), float(record["long"])
                except (KeyError, TypeError, ValueError):
                    continue
                # The data set has a few (0, 0) centroids; they would stretch a box to Africa.
                if lat == 0.0 or lng == 0.0 or not record.get("active", True):
                    continue
                grouped[record["state"]].append(
                    ZipPoint(
                        zip=record["zip_code"],
                        city=record["city"].title() if record["city"].isupper() else record["city"],
                        state=record["state"],
                        lat=lat,
                        lng=lng,
                        area_codes=tuple(record.get("area_codes") or ()),
                        is_standard=record.get("zip_code_type") == "STANDARD",
                    )
                )
            _by_state = {state: tuple(points) for state, points in grouped.items()}
        return _by_state


def state_geo(state: str) -> StateGeo:
    """The geometry of a 2-letter state code. Raises InvalidInput for an unknown state."""
    code = state.strip().upper()
    if code not in US_STATES:
        raise InvalidInput(f"Unknown state '{state}': use a 2-letter code such as TX.")
    geo = _geos.get(code)
    if geo is None:
        geo = StateGeo(code, _load().get(code, ()))
        with _lock:
            geo = _geos.setdefault(code, geo)
    return geo


def states_touching(tile: Tile) -> list[str]:
    """The states whose bounding box meets `tile` (cheap; used by the fakes)."""
    return [code for code in _load() if code in US_STATES and state_geo(code).bbox.intersects(tile)]
