"""Importing estates' and buildings' coordinates from CSV or GeoJSON (casework.geo).

All or nothing: every line is checked first and the problems are reported by line (or
feature) number; only a clean file is written, in one transaction.

CSV (UTF-8, with or without BOM; a header row): ``place`` (the place's id, or its full name
as the workspace shows it, "新华路街道 / 番禺居民区 / 幸福小区"), ``lat``, ``lng``; optional
``polygon`` (a GeoJSON Polygon geometry as JSON text).

GeoJSON: a FeatureCollection whose features carry ``properties.place`` (id or full name)
and a ``Point`` or ``Polygon`` geometry (a polygon's point is its area centroid). GeoJSON
orders coordinates longitude first (RFC 7946 §3.1.1).

Coordinates are WGS-84 unless the file is declared GCJ-02 (read off a Chinese base map,
``crs="gcj02"``): then each point and vertex is converted before it is stored.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from django.db import transaction

from casework import geo
from casework.models import Place, PlaceKind

CRS = ("wgs84", "gcj02")
POINT_KINDS = (PlaceKind.ESTATE, PlaceKind.BUILDING)
MAX_VERTICES = 2000


class PointImportError(Exception):
    """The file has problems; ``problems`` lists them by line, nothing was written."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class PointRow:
    where: str  # "line 3" / "feature 2", for messages
    place: str
    lat: object
    lng: object
    polygon: list | None = None


def _six(value: float) -> Decimal:
    return Decimal(repr(value)).quantize(Decimal("0.000001"), rounding=ROUND_HALF_EVEN)


def _ring_centroid(ring: list[list[float]]) -> tuple[float, float]:
    """Area centroid (lat, lng) of a closed ring given as [lng, lat] pairs; falls back to
    the vertices' mean for a degenerate (zero-area) ring. Planar maths is fine at the
    size of an estate."""
    area = cx = cy = 0.0
    for a, b in itertools.pairwise(ring):
        (x1, y1), (x2, y2) = a[:2], b[:2]  # a third number (altitude) is allowed
        cross = x1 * y2 - x2 * y1
        area += cross
        cx += (x1 + x2) * cross
        cy += (y1 + y2) * cross
    if abs(area) < 1e-18:
        xs, ys = [p[0] for p in ring], [p[1] for p in ring]
        return sum(ys) / len(ys), sum(xs) / len(xs)
    return cy / (3 * area), cx / (3 * area)


def _polygon_problem(coordinates) -> str | None:
    if not isinstance(coordinates, list) or not coordinates:
        return "a Polygon needs at least one ring"
    vertices = 0
    for ring in coordinates:
        if not isinstance(ring, list) or len(ring) < 4:
            return "each ring needs at least four positions"
        if ring[0] != ring[-1]:
            return "each ring must end where it starts"
        for position in ring:
            if (
                not isinstance(position, list)
                or len(position) < 2
                or not geo.valid_point(position[1], position[0])
            ):
                return "a position is not [longitude, latitude] in degrees"
        vertices += len(ring)
    if vertices > MAX_VERTICES:
        return f"more than {MAX_VERTICES} positions"
    return None


def read_csv(data: bytes) -> list[PointRow]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PointImportError([f"the file is not UTF-8 ({exc.reason})"]) from None
    reader = csv.DictReader(io.StringIO(text))
    missing = {"place", "lat", "lng"} - set(reader.fieldnames or [])
    if missing:
        raise PointImportError([f"line 1: missing columns: {', '.join(sorted(missing))}"])
    rows, problems = [], []
    for line, row in enumerate(reader, start=2):
        polygon = None
        if (row.get("polygon") or "").strip():
            try:
                geometry = json.loads(row["polygon"])
            except ValueError:
                problems.append(f"line {line}: polygon is not JSON")
                continue
            if not isinstance(geometry, dict) or geometry.get("type") != "Polygon":
                problems.append(f"line {line}: polygon must be a GeoJSON Polygon geometry")
                continue
            polygon = geometry.get("coordinates")
        rows.append(
            PointRow(f"line {line}", (row["place"] or "").strip(), row["lat"], row["lng"], polygon)
        )
    if problems:
        raise PointImportError(problems)
    return rows


def read_geojson(data: bytes) -> list[PointRow]:
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise PointImportError(["the file is not GeoJSON (UTF-8 JSON)"]) from None
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise PointImportError(["the file must be a GeoJSON FeatureCollection"])
    rows, problems = [], []
    for number, feature in enumerate(document.get("features") or [], start=1):
        where = f"feature {number}"
        geometry = (feature or {}).get("geometry") or {}
        place = str(((feature or {}).get("properties") or {}).get("place") or "").strip()
        kind, coordinates = geometry.get("type"), geometry.get("coordinates")
        if kind == "Point":
            if not isinstance(coordinates, list) or len(coordinates) < 2:
                problems.append(f"{where}: a Point needs [longitude, latitude]")
                continue
            rows.append(PointRow(where, place, coordinates[1], coordinates[0]))
        elif kind == "Polygon":
            if problem := _polygon_problem(coordinates):
                problems.append(f"{where}: {problem}")
                continue
            lat, lng = _ring_centroid(coordinates[0])
            rows.append(PointRow(where, place, lat, lng, coordinates))
        else:
            problems.append(f"{where}: geometry must be a Point or a Polygon")
    if problems:
        raise PointImportError(problems)
    return rows


def _find_place(text: str):
    if text.isdigit() and len(text) < 19:
        return Place.objects.filter(pk=int(text)).first()
    matches = list(Place.objects.filter(full_name=text)[:2])
    return matches[0] if len(matches) == 1 else None


def import_points(*, rows: list[PointRow], crs: str = "wgs84") -> int:
    """Store each row's point (and outline) on its estate or building; returns how many
    places were updated. Raises ``PointImportError`` listing every problem by line, and
    then writes nothing."""
    if crs not in CRS:
        raise PointImportError([f"unknown coordinate system {crs!r}: use wgs84 or gcj02"])
    problems, updates, seen = [], [], {}
    for row in rows:
        place = _find_place(row.place) if row.place else None
        if place is None:
            problems.append(f"{row.where}: place {row.place!r} not found")
            continue
        if place.kind not in POINT_KINDS:
            problems.append(f"{row.where}: {place.full_name} is not an estate or a building")
            continue
        if place.pk in seen:
            problems.append(f"{row.where}: {place.full_name} is already on {seen[place.pk]}")
            continue
        seen[place.pk] = row.where
        if not geo.valid_point(row.lat, row.lng):
            problems.append(f"{row.where}: lat/lng must be decimal degrees in range")
            continue
        lat, lng = float(row.lat), float(row.lng)
        if row.polygon is not None and (problem := _polygon_problem(row.polygon)):
            problems.append(f"{row.where}: {problem}")
            continue
        polygon = row.polygon
        if crs == "gcj02":
            lat, lng = geo.gcj02_to_wgs84(lat, lng)
            if polygon is not None:
                polygon = [
                    [list(reversed(geo.gcj02_to_wgs84(p[1], p[0]))) for p in ring]
                    for ring in polygon
                ]
        outline = json.dumps({"type": "Polygon", "coordinates": polygon}) if polygon else ""
        updates.append((place, _six(lat), _six(lng), outline))
    if problems:
        raise PointImportError(problems)
    with transaction.atomic():
        for place, lat, lng, outline in updates:
            place.latitude, place.longitude = lat, lng
            if outline:
                place.polygon = outline
            place.save()
    return len(updates)
