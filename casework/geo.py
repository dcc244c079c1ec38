"""Coordinates of places: WGS-84 storage, GCJ-02 conversion, nearest place.

Places store WGS-84 decimal degrees (what a phone's GPS and Open311 clients send). Chinese
base maps (AMap/高德, Tencent, Google's China tiles) draw in GCJ-02 (国测局坐标, the
"Mars" datum of GB 20263-2006), an obfuscated offset of 100–700 m around Shanghai; points
read off such a map must be converted before they are stored, and converted back before
they are drawn on one.

The conversion below is the published open formula (the one circulated since 2010 and
kept in googollee/eviltransform, MIT licence): an offset polynomial in (lng − 105,
lat − 35) projected on the Krasovsky 1940 ellipsoid (a = 6 378 245 m, e² ≈ 0.006693).
WGS-84 → GCJ-02 is exact to that formula; GCJ-02 → WGS-84 inverts it by fixed-point
iteration to below 1 mm. Outside mainland China's bounding box GCJ-02 equals WGS-84.

``nearest_place`` finds the estate or building nearest a point without PostGIS: a
bounding box on the indexed (latitude, longitude) columns, then the haversine distance in
Python over the few candidates inside it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from casework.models import Place, PlaceKind

KRASOVSKY_A = 6378245.0
KRASOVSKY_EE = 0.00669342162296594323
EARTH_RADIUS_M = 6371008.8  # mean radius (IUGG), for haversine distances


def out_of_china(lat: float, lng: float) -> bool:
    """GCJ-02 applies only inside this rough box of mainland China."""
    return not (72.004 <= lng <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _offset(lat: float, lng: float) -> tuple[float, float]:
    """The GCJ-02 offset (Δlat, Δlng) in degrees at a WGS-84 point."""
    x, y = lng - 105.0, lat - 35.0
    common = 20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    dlat += common * 2.0 / 3.0
    dlat += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    dlat += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2 / 3
    dlng = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    dlng += common * 2.0 / 3.0
    dlng += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    dlng += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2 / 3
    rad = lat / 180.0 * math.pi
    magic = 1 - KRASOVSKY_EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((KRASOVSKY_A * (1 - KRASOVSKY_EE)) / (magic * sqrt_magic) * math.pi)
    dlng = (dlng * 180.0) / (KRASOVSKY_A / sqrt_magic * math.cos(rad) * math.pi)
    return dlat, dlng


def wgs84_to_gcj02(lat: float, lng: float) -> tuple[float, float]:
    """A WGS-84 point as a Chinese base map (GCJ-02) draws it; unchanged outside China."""
    if out_of_china(lat, lng):
        return lat, lng
    dlat, dlng = _offset(lat, lng)
    return lat + dlat, lng + dlng


def gcj02_to_wgs84(lat: float, lng: float) -> tuple[float, float]:
    """A point read off a Chinese base map (GCJ-02) in WGS-84, to below 1 mm: iterate
    ``wgs = gcj − offset(wgs)`` (the offset changes slowly, so it converges in a few
    steps)."""
    if out_of_china(lat, lng):
        return lat, lng
    wgs_lat, wgs_lng = lat, lng
    for _ in range(30):
        g_lat, g_lng = wgs84_to_gcj02(wgs_lat, wgs_lng)
        err_lat, err_lng = g_lat - lat, g_lng - lng
        wgs_lat, wgs_lng = wgs_lat - err_lat, wgs_lng - err_lng
        if abs(err_lat) < 1e-9 and abs(err_lng) < 1e-9:
            break
    return wgs_lat, wgs_lng


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres between two WGS-84 points."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def valid_point(lat, lng) -> bool:
    try:
        lat, lng = float(lat), float(lng)
    except (TypeError, ValueError):
        return False
    return math.isfinite(lat) and math.isfinite(lng) and -90 <= lat <= 90 and -180 <= lng <= 180


@dataclass(frozen=True)
class Nearest:
    place: object
    distance_m: float


def nearest_place(lat: float, lng: float, *, within_m: float | None = None) -> Nearest | None:
    """The estate or building with coordinates nearest to the WGS-84 point (lat, lng),
    within ``within_m`` metres (default ``LINLI["NEAREST_PLACE_MAX_M"]``), or None.

    Used by Open311 ``lat``/``long`` and, later, the resident's "use my location". A
    bounding box on the indexed (latitude, longitude) columns keeps the candidates to the
    few places around the point; the exact distance is haversine. Ties go to the
    building (the finer place), then the lower id."""
    if within_m is None:
        within_m = settings.LINLI.get("NEAREST_PLACE_MAX_M", 1000)
    dlat = math.degrees(within_m / EARTH_RADIUS_M)
    cos_lat = max(math.cos(math.radians(lat)), 1e-6)
    dlng = min(180.0, dlat / cos_lat)
    q = 6
    candidates = Place.objects.filter(
        kind__in=[PlaceKind.ESTATE, PlaceKind.BUILDING],
        latitude__gte=round(Decimal(lat - dlat), q),
        latitude__lte=round(Decimal(lat + dlat), q),
        longitude__gte=round(Decimal(lng - dlng), q),
        longitude__lte=round(Decimal(lng + dlng), q),
    ).only("pk", "kind", "name", "full_name", "path", "latitude", "longitude", "parent_id")
    best = None
    for place in candidates:
        distance = haversine_m(lat, lng, float(place.latitude), float(place.longitude))
        if distance > within_m:
            continue
        key = (distance, 0 if place.kind == PlaceKind.BUILDING else 1, place.pk)
        if best is None or key < best[0]:
            best = (key, place)
    return Nearest(place=best[1], distance_m=best[0][0]) if best else None
