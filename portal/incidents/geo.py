"""Distances on the earth's surface (pure): the same formula the linking SQL uses."""

from __future__ import annotations

import math

EARTH_RADIUS_M = 6_371_008.8
METRES_PER_DEGREE_LATITUDE = math.pi * EARTH_RADIUS_M / 180.0


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres between two points given in degrees."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    half_dphi = math.radians(lat2 - lat1) / 2
    half_dlambda = math.radians(lon2 - lon1) / 2
    a = math.sin(half_dphi) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(half_dlambda) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def offset(
    lat: float, lon: float, *, north_m: float = 0.0, east_m: float = 0.0
) -> tuple[float, float]:
    """The point `north_m` metres north and `east_m` metres east of (lat, lon)."""
    new_lat = lat + north_m / METRES_PER_DEGREE_LATITUDE
    new_lon = lon + east_m / (METRES_PER_DEGREE_LATITUDE * math.cos(math.radians(lat)))
    return new_lat, new_lon


# The SQL twin of haversine_m, for points (lat1, lon1) and (lat2, lon2) in degrees.
HAVERSINE_SQL = (
    "(2 * 6371008.8 * asin(least(1.0, sqrt("
    "power(sin(radians({lat2} - {lat1}) / 2), 2) + "
    "cos(radians({lat1})) * cos(radians({lat2})) * power(sin(radians({lon2} - {lon1}) / 2), 2)"
    "))))"
)
