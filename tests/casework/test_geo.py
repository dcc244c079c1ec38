"""Coordinates: GCJ-02 ⇄ WGS-84, distances, the nearest place, importing points."""

import csv
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from casework import geo
from casework.models import Place

# Published test points of googollee/eviltransform (WGS-84 → GCJ-02), the reference
# implementation of the open formula casework.geo documents.
KNOWN = [
    # wgs lat, wgs lng, gcj lat, gcj lng
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),  # Shanghai
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),  # Shenzhen
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),  # Beijing
]


@pytest.mark.parametrize(("wlat", "wlng", "glat", "glng"), KNOWN)
def test_wgs84_to_gcj02_matches_the_published_points(wlat, wlng, glat, glng):
    lat, lng = geo.wgs84_to_gcj02(wlat, wlng)
    assert lat == pytest.approx(glat, abs=1e-9) and lng == pytest.approx(glng, abs=1e-9)


@pytest.mark.parametrize(("wlat", "wlng", "glat", "glng"), KNOWN)
def test_gcj02_to_wgs84_inverts_it_below_a_millimetre(wlat, wlng, glat, glng):
    lat, lng = geo.gcj02_to_wgs84(glat, glng)
    assert geo.haversine_m(lat, lng, wlat, wlng) < 0.001


def test_outside_china_nothing_moves():
    assert geo.wgs84_to_gcj02(51.5074, -0.1278) == (51.5074, -0.1278)
    assert geo.gcj02_to_wgs84(35.6762, 139.6503) == (35.6762, 139.6503)  # Tokyo


def test_the_offset_around_shanghai_is_hundreds_of_metres():
    lat, lng = geo.wgs84_to_gcj02(31.2304, 121.4737)  # People's Square
    assert 300 < geo.haversine_m(31.2304, 121.4737, lat, lng) < 700


def test_haversine_one_degree_of_latitude():
    assert geo.haversine_m(31.0, 121.0, 32.0, 121.0) == pytest.approx(111_195.08, abs=0.01)
    assert geo.haversine_m(31.2, 121.4, 31.2, 121.4) == 0


@pytest.mark.parametrize(
    ("lat", "lng", "ok"),
    [
        ("31.2", "121.4", True),
        ("91", "0", False),
        ("0", "-181", False),
        ("nan", "1", False),
        ("inf", "1", False),
        ("", "1", False),
        ("31.2", None, False),
    ],
)
def test_valid_point(lat, lng, ok):
    assert geo.valid_point(lat, lng) is ok


@pytest.fixture
def mapped(world):
    for place, (lat, lng) in {
        world.estate_a: ("31.203500", "121.430000"),
        world.building_a: ("31.203700", "121.430300"),
        world.estate_b: ("31.210000", "121.440000"),
    }.items():
        place.latitude, place.longitude = Decimal(lat), Decimal(lng)
        place.save()
    return world


def test_nearest_place_is_the_closest_estate_or_building_in_one_query(
    mapped, django_assert_num_queries
):
    with django_assert_num_queries(1):
        found = geo.nearest_place(31.2099, 121.4399)
    assert found.place == mapped.estate_b and 10 < found.distance_m < 20
    assert geo.nearest_place(31.20371, 121.43031).place == mapped.building_a
    # Streets and areas are never "the nearest place", even with a point.
    street = mapped.street
    street.latitude, street.longitude = Decimal("31.2"), Decimal("121.42")
    street.save()
    assert geo.nearest_place(31.2, 121.42, within_m=5000).place == mapped.estate_a


def test_nearest_place_stops_at_the_distance_limit(mapped, settings):
    assert geo.nearest_place(31.30, 121.43) is None  # ~10 km away
    assert geo.nearest_place(31.2125, 121.44, within_m=200) is None  # ~280 m
    assert geo.nearest_place(31.2125, 121.44, within_m=300).place == mapped.estate_b
    settings.LINLI = {**settings.LINLI, "NEAREST_PLACE_MAX_M": 100}
    assert geo.nearest_place(31.2125, 121.44) is None


# ------------------------------------------------------------------------------ import


def test_csv_import_sets_points_and_outlines(world, tmp_path):
    outline = {
        "type": "Polygon",
        "coordinates": [[[121.44, 31.21], [121.441, 31.21], [121.441, 31.211], [121.44, 31.21]]],
    }
    path = tmp_path / "points.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["place", "lat", "lng", "polygon"])
        writer.writerow(["新华路街道 / 番禺居民区 / 幸福小区", "31.2035", "121.43", ""])
        writer.writerow([str(world.estate_b.pk), "31.21", "121.44", json.dumps(outline)])
    call_command("import_place_points", str(path))
    world.estate_a.refresh_from_db()
    world.estate_b.refresh_from_db()
    assert (world.estate_a.latitude, world.estate_a.longitude) == (
        Decimal("31.203500"),
        Decimal("121.430000"),
    )
    assert json.loads(world.estate_b.polygon) == outline


def test_a_csv_with_bad_lines_imports_nothing_and_names_every_line(world, tmp_path):
    path = tmp_path / "points.csv"
    path.write_text(
        "place,lat,lng\n"
        "新华路街道 / 番禺居民区 / 幸福小区,31.2035,121.43\n"
        "新华路街道 / 番禺居民区 / 不存在小区,31.2,121.4\n"
        "新华路街道 / 番禺居民区,31.2,121.4\n"
        "新华路街道 / 法华居民区 / 和平小区,131.2,121.4\n"
        "新华路街道 / 番禺居民区 / 幸福小区,31.2035,121.43\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError) as raised:
        call_command("import_place_points", str(path))
    message = str(raised.value)
    assert "line 3: place '新华路街道 / 番禺居民区 / 不存在小区' not found" in message
    assert "line 4: 新华路街道 / 番禺居民区 is not an estate or a building" in message
    assert "line 5: lat/lng must be decimal degrees in range" in message
    assert "line 6: 新华路街道 / 番禺居民区 / 幸福小区 is already on line 2" in message
    assert not Place.objects.filter(latitude__isnull=False).exists()


def test_geojson_import_in_gcj02_is_converted_and_a_polygon_gives_its_centroid(world, tmp_path):
    glat, glng = geo.wgs84_to_gcj02(31.2035, 121.43)
    ring = [[121.44, 31.21], [121.442, 31.21], [121.442, 31.212], [121.44, 31.212], [121.44, 31.21]]
    document = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"place": "新华路街道 / 番禺居民区 / 幸福小区"},
                "geometry": {"type": "Point", "coordinates": [glng, glat]},
            },
            {
                "type": "Feature",
                "properties": {"place": "新华路街道 / 法华居民区 / 和平小区"},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            },
        ],
    }
    path = tmp_path / "estates.geojson"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    call_command("import_place_points", str(path), "--crs", "gcj02")
    world.estate_a.refresh_from_db()
    world.estate_b.refresh_from_db()
    assert float(world.estate_a.latitude) == pytest.approx(31.2035, abs=2e-6)
    assert float(world.estate_a.longitude) == pytest.approx(121.43, abs=2e-6)
    # The square's centre, moved from GCJ-02 to WGS-84 (a few hundred metres).
    wlat, wlng = geo.gcj02_to_wgs84(31.211, 121.441)
    assert float(world.estate_b.latitude) == pytest.approx(wlat, abs=2e-6)
    assert float(world.estate_b.longitude) == pytest.approx(wlng, abs=2e-6)
    assert json.loads(world.estate_b.polygon)["type"] == "Polygon"


def test_a_bad_geojson_names_the_feature(world, tmp_path):
    path = tmp_path / "bad.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {"properties": {"place": "x"}, "geometry": {"type": "LineString"}},
                    {
                        "properties": {"place": "x"},
                        "geometry": {"type": "Polygon", "coordinates": [[[1, 2], [3, 4]]]},
                    },
                ],
            }
        )
    )
    with pytest.raises(CommandError) as raised:
        call_command("import_place_points", str(path))
    assert "feature 1: geometry must be a Point or a Polygon" in str(raised.value)
    assert "feature 2: each ring needs at least four positions" in str(raised.value)
    path.write_text("not json")
    with pytest.raises(CommandError, match="not GeoJSON"):
        call_command("import_place_points", str(path))
