"""Travel times between places, in minutes.

Default: straight-line (great-circle) distance × a detour factor ÷ a speed, set per
territory kind; a real road network comes from an OSRM or Valhalla server when one is
configured (``planner/routing.py``)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

EARTH_RADIUS_KM = 6371.0


@dataclass(frozen=True)
class TravelProfile:
    """How roads bend and how fast one drives, for a kind of territory."""

    detour: float
    speed_kmh: float


# Urban: streets bend more and traffic is slower; rural: straighter roads, faster.
PROFILES: dict[str, TravelProfile] = {
    "urban": TravelProfile(detour=1.35, speed_kmh=28.0),
    "rural": TravelProfile(detour=1.25, speed_kmh=55.0),
}


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def straight_line_matrix(points: Sequence[tuple[float, float]],
                         profile: TravelProfile) -> list[list[float]]:
    """Minutes between every pair of (lat, lon) points, rounded to the minute: whole
    minutes keep the planner's arithmetic exact."""
    factor = profile.detour / profile.speed_kmh * 60
    return [[float(round(haversine_km(a, b) * factor)) for b in points] for a in points]
