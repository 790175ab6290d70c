"""Region geometry: geodesic circles and polygons, edges inside, config order for overlaps."""

from __future__ import annotations

import pytest
from geopy.distance import geodesic
from pydantic import ValidationError

from child_report_bot.domain.regions import Region, point_in_polygon, region_of

SQUARE = ((35.0, 51.0), (35.0, 52.0), (36.0, 52.0), (36.0, 51.0))
# A concave "L": the notch (35.75, 51.75) is outside.
ELL = ((35.0, 51.0), (35.0, 52.0), (35.5, 52.0), (35.5, 51.5), (36.0, 51.5), (36.0, 51.0))


@pytest.mark.parametrize(("point", "inside"), [
    ((35.5, 51.5), True),            # centre
    ((35.0, 51.5), True),            # on the southern edge
    ((36.0, 51.0), True),            # a corner
    ((35.5, 52.0), True),            # on the eastern edge
    ((35.5, 52.0000005), True),      # within a few centimetres of the edge
    ((35.5, 52.001), False),         # a hundred metres east
    ((34.9999, 51.5), False),
    ((37.0, 51.5), False),
])
def test_square(point, inside):
    assert point_in_polygon(point, SQUARE) is inside


@pytest.mark.parametrize(("point", "inside"), [
    ((35.25, 51.75), True), ((35.75, 51.25), True), ((35.75, 51.75), False),
    ((35.5, 51.75), True),           # on the inner edge of the notch
    ((35.75, 51.5), True),           # on the other inner edge
])
def test_concave_polygon(point, inside):
    assert point_in_polygon(point, ELL) is inside


def test_circle_uses_geodesic_distance():
    centre = (34.6401, 50.8764)
    qom = Region(name="qom", center=centre, radius_km=15)
    east_14 = geodesic(kilometers=14.9).destination(centre, 90)
    east_16 = geodesic(kilometers=15.1).destination(centre, 90)
    north_edge = geodesic(kilometers=15).destination(centre, 0)
    assert qom.contains((east_14.latitude, east_14.longitude))
    assert not qom.contains((east_16.latitude, east_16.longitude))
    assert qom.contains((north_edge.latitude, north_edge.longitude))  # the edge is inside


def test_first_configured_region_wins_on_overlap():
    big = Region(name="big", polygon=SQUARE)
    small = Region(name="small", center=(35.5, 51.5), radius_km=5)
    assert region_of([small, big], (35.5, 51.5)).name == "small"
    assert region_of([big, small], (35.5, 51.5)).name == "big"
    assert region_of([big, small], (30.0, 50.0)) is None
    assert region_of([big, small], None) is None


def test_closed_ring_is_accepted_once():
    ring = Region(name="r", polygon=[*SQUARE, SQUARE[0]])
    assert len(ring.polygon) == 4


@pytest.mark.parametrize("shape", [
    dict(center=(35, 51), radius_km=0),
    dict(center=(35, 51), radius_km=-1),
    dict(center=(35, 51)),
    dict(radius_km=3),
    dict(),
    dict(polygon=[(35, 51), (35, 52)]),
    dict(polygon=[(35, 51), (35, 51), (35, 51), (36, 52)]),
    dict(polygon=[(35, 51), (35.5, 51.5), (36, 52)]),
    dict(polygon=[(35, 181), (35, 52), (36, 52)]),
    dict(polygon=SQUARE, center=(35, 51), radius_km=2),
])
def test_malformed_regions_are_refused(shape):
    with pytest.raises(ValidationError):
        Region(name="bad", **shape)


def test_titles_fall_back_to_the_name():
    region = Region(name="qom", name_fa="قم", center=(34.6, 50.9), radius_km=1)
    assert region.title("fa") == "قم" and region.title("en") == "qom"
